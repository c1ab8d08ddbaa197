"""Reading and validating section 10's inputs: Tencent Ads (腾讯广告 Marketing API) reports as
``wxnb fetch-ads`` archives them, the analyst's adgroup → placement mapping and the orders the
ads brought.

Inputs of one month folder (read only):

``ads_daily_reports_<start>_<end>_p<page>.json`` (required)
    One page of a ``daily_reports/get`` answer, byte for byte:
    ``{"code": 0, "message": "", "data": {"list": [...], "page_info": {"page": 1,
    "page_size": 100, "total_number": 186, "total_page": 2}}}``. Asked at level
    ``REPORT_LEVEL_ADGROUP``, grouped by ``date``, ``adgroup_id`` and ``site_set``. Each row:
    ``date`` (YYYY-MM-DD), ``adgroup_id``, ``view_count`` (曝光次数), ``valid_click_count``
    (点击次数), ``cost`` (花费, in 分), optional ``conversions_count`` (转化次数, the platform's
    conversion for the adgroup's optimisation goal), ``order_amount`` (下单金额, in 分, the
    platform's attribution), ``adgroup_name`` and ``site_set`` (SITE_SET_MOMENTS,
    SITE_SET_WECHAT, …). Every page of a window must be there (``total_page``).
``ads_hourly_reports_<day>_p<page>.json`` (optional)
    One page of an ``hourly_reports/get`` answer for one day (the API's longest span), rows
    grouped by ``hour`` (0–23, Beijing time) and ``adgroup_id``, with the same counts. The
    day comes from the file name (a row's own ``date``, when there, must agree).
``ads_placements.csv`` (optional)
    ``adgroup_id``, ``placement`` (版位: 朋友圈 / 公众号底部 / 小程序激励式 / 其他, or another
    label the analyst uses), optional ``name``: which 版位 each adgroup bought. It decides an
    adgroup's placement; without it the placement comes from ``site_set`` (SITE_SET_MOMENTS →
    朋友圈; SITE_SET_WECHAT, the 公众号与小程序 traffic, cannot tell the bottom-of-article ad
    from the rewarded one).
``ads_orders.csv`` (optional)
    ``order_id``, ``time`` (YYYY-MM-DD HH:MM[:SS]), ``amount`` (元), ``adgroup_id`` (the adgroup
    the ads backend's 转化归因 credits; empty = not attributed), optional ``click_id``. A
    header-only file means "no attributed order this month": revenue 0 and ROI 0 by the
    analyst's attribution (noted), not a fall-back to the platform's ``order_amount``, which
    only an absent file brings.

The JSON is parsed strictly (``wxnb.io.csvin``); the CSV files may be UTF-8 (with or without
BOM), UTF-16 with a BOM or GB18030/GBK. Every problem names the file, the field, the row
(``data.list[3]`` or ``第 4 行``), what was expected and what was found; they are raised together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import csvin

__all__ = [
    "API_FIELDS",
    "DAILY_GLOB",
    "DAILY_RX",
    "HOURLY_GLOB",
    "HOURLY_RX",
    "INPUTS",
    "ORDERS_COLUMNS",
    "ORDERS_FILE",
    "PLACEMENTS",
    "PLACEMENTS_COLUMNS",
    "PLACEMENTS_FILE",
    "SITE_SETS",
    "AdsInputs",
    "daily_name",
    "hourly_name",
    "load",
]

DAILY_GLOB = "ads_daily_reports_*.json"
HOURLY_GLOB = "ads_hourly_reports_*.json"
PLACEMENTS_FILE = "ads_placements.csv"
ORDERS_FILE = "ads_orders.csv"
DAILY_RX = re.compile(r"ads_daily_reports_([0-9]{4}-[0-9]{2}-[0-9]{2})_"
                      r"([0-9]{4}-[0-9]{2}-[0-9]{2})_p([1-9][0-9]{0,4})\.json")
HOURLY_RX = re.compile(r"ads_hourly_reports_([0-9]{4}-[0-9]{2}-[0-9]{2})_p([1-9][0-9]{0,4})\.json")
_ADS_JSON = re.compile(r"ads_.*\.json")
_MAX_PAGES = 99_999  # the archive names' page numbers have at most five digits

#: The 版位 of the seed's section 七, in its order; an analyst may use other labels too.
PLACEMENTS: tuple[str, ...] = ("朋友圈", "公众号底部", "小程序激励式", "其他")
#: site_set → 版位 when the mapping file does not name the adgroup (WeChat traffic is two ad
#: positions the report cannot tell apart).
SITE_SETS: dict[str, str] = {
    "SITE_SET_MOMENTS": "朋友圈",
    "SITE_SET_WECHAT": "公众号与小程序（未细分）",
}
PLACEMENTS_COLUMNS = ("adgroup_id", "placement")
ORDERS_COLUMNS = ("order_id", "time", "amount", "adgroup_id")

#: Field and endpoint names of the Marketing API: analyst-layer words only (the browser test
#: checks that none reaches the management layer).
API_FIELDS: tuple[str, ...] = (
    "daily_reports", "hourly_reports", "view_count", "valid_click_count", "cost",
    "conversions_count", "order_amount", "adgroup_id", "adgroup_name", "site_set",
    "page_info", "total_page", "SITE_SET_MOMENTS", "SITE_SET_WECHAT", "REPORT_LEVEL_ADGROUP",
)

#: Glob pattern → what the file is (for the appendix's list of inputs).
INPUTS: tuple[tuple[str, str], ...] = (
    (DAILY_GLOB, "腾讯广告日报表（daily_reports/get）"),
    (HOURLY_GLOB, "腾讯广告小时报表（hourly_reports/get）"),
    (PLACEMENTS_FILE, "广告组与版位对照（手工）"),
    (ORDERS_FILE, "广告归因订单（手工/广告后台导出）"),
)

_COUNTS = ("view_count", "valid_click_count", "cost")
_OPTIONAL_COUNTS = ("conversions_count", "order_amount")
_RENAME = {"view_count": "views", "valid_click_count": "clicks", "cost": "cost_fen",
           "conversions_count": "conversions", "order_amount": "order_amount_fen"}


def daily_name(start: date, end: date, page: int) -> str:
    """The archive name of one page of a daily report window."""
    return f"ads_daily_reports_{start.isoformat()}_{end.isoformat()}_p{page}.json"


def hourly_name(day: date, page: int) -> str:
    """The archive name of one page of one day's hourly report."""
    return f"ads_hourly_reports_{day.isoformat()}_p{page}.json"


@dataclass
class AdsInputs:
    """One month's validated inputs; ``None`` for a file (kind) that is not there.

    ``daily``: date (Timestamp), adgroup_id (text), adgroup_name, site_set, views, clicks,
    cost_fen (int, 分), conversions, order_amount_fen (NaN-free ints when the field is there).
    ``hourly``: date, hour (0–23), adgroup_id, views, clicks, cost_fen, conversions.
    ``placements``: adgroup_id → placement, name. ``orders``: order_id, time, amount (元),
    adgroup_id ('' = not attributed), click_id.
    """

    month: str
    daily: pd.DataFrame
    hourly: pd.DataFrame | None
    placements: pd.DataFrame | None
    orders: pd.DataFrame | None
    has_conversions: bool
    has_order_amount: bool
    hourly_conversions: bool
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- JSON values


def _day(text: Any) -> date | None:
    if not isinstance(text, str) or not csvin.is_day(text):
        return None
    return date.fromisoformat(text)


def _count(v: Any) -> int | None:
    """A non-negative whole number (an integral float too), or None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v if 0 <= v <= csvin.COUNT_MAX else None
    if isinstance(v, float) and v.is_integer() and 0 <= v <= csvin.COUNT_MAX:
        return int(v)
    return None


def _identifier(v: Any) -> str | None:
    """An adgroup id: a positive integer, or its digits as text."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int) and v >= 0:
        return str(v)
    if isinstance(v, str) and re.fullmatch(r"[0-9]{1,20}", v.strip()):
        return v.strip()
    return None


# --------------------------------------------------------------------------- one page


@dataclass
class _Page:
    name: str
    page: int
    total_page: int
    rows: list[dict[str, Any]]


def _envelope(path: Path, page: int, notes: list[str]) -> tuple[_Page | None, list[Problem]]:
    """The page's rows and page_info, or the problems of its envelope."""
    name = path.name
    doc, note, problems = csvin.read_json(path, "腾讯广告报表接口的 JSON 应答")
    if note:
        notes.append(note)
    if problems:
        return None, problems
    if not isinstance(doc, dict):
        return None, [Problem(name, None, None, "JSON 对象（接口应答）", type(doc).__name__)]
    code = doc.get("code")
    if code != 0:
        msg = doc.get("message_cn") or doc.get("message") or ""
        return None, [Problem(name, "code", None, "0（成功的应答；失败的应答不应存档，请重新获取）",
                              f"{csvin.brief(code, 40)} {csvin.brief(msg, 80)}".strip())]
    data = doc.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("list"), list):
        return None, [Problem(name, "data.list", None, "数组（报表行）",
                              csvin.brief(data if not isinstance(data, dict) else
                                          data.get("list"), 60))]
    info = data.get("page_info")
    if not isinstance(info, dict):
        return None, [Problem(name, "data.page_info", None, "对象（page、total_page）",
                              csvin.brief(info, 60))]
    got, total = _count(info.get("page")), _count(info.get("total_page"))
    out = []
    if got != page:
        out.append(Problem(name, "data.page_info.page", None, f"{page}（与文件名一致）",
                           csvin.brief(info.get("page"), 40)))
    if total is None or total < max(page, 1) and data["list"]:
        out.append(Problem(name, "data.page_info.total_page", None, f"不小于 {page} 的整数",
                           csvin.brief(info.get("total_page"), 40)))
    if out:
        return None, out
    return _Page(name, page, max(total or 0, page), data["list"]), []


def _row_problems(name: str, i: int, r: Any, required: Iterable[str],
                  optional: Iterable[str]) -> list[Problem]:
    where = f"data.list[{i}]"
    if not isinstance(r, dict):
        return [Problem(name, None, where, "对象（一行报表）", csvin.brief(r, 60))]
    out = []
    if _identifier(r.get("adgroup_id")) is None:
        out.append(Problem(name, "adgroup_id", where, "广告组 id（整数）",
                           csvin.brief(r.get("adgroup_id"), 60) if "adgroup_id" in r else "缺失"))
    for f in required:
        if _count(r.get(f)) is None:
            out.append(Problem(name, f, where, f"非负整数（不超过 {csvin.COUNT_MAX:,}）",
                               csvin.brief(r.get(f), 60) if f in r else "缺失"))
    for f in optional:
        if f in r and _count(r.get(f)) is None:
            out.append(Problem(name, f, where, "非负整数", csvin.brief(r.get(f), 60)))
    for f in ("adgroup_name", "site_set"):
        if f in r and not isinstance(r[f], str):
            out.append(Problem(name, f, where, "文本", csvin.brief(r[f], 60)))
    return out


def _daily_rows(page: _Page, month: str, start: date, end: date,
                outside: list[int]) -> tuple[list[dict[str, Any]], list[Problem]]:
    rows, problems = [], []
    for i, r in enumerate(page.rows):
        found = _row_problems(page.name, i, r, _COUNTS, _OPTIONAL_COUNTS)
        d = _day(r.get("date")) if isinstance(r, dict) else None
        if isinstance(r, dict) and d is None:
            found.append(Problem(page.name, "date", f"data.list[{i}]", "日期 YYYY-MM-DD",
                                 csvin.brief(r.get("date"), 40) if "date" in r else "缺失"))
        elif d is not None and not start <= d <= end:
            found.append(Problem(page.name, "date", f"data.list[{i}]",
                                 f"{start}～{end} 内的日期（与文件名一致）", str(d)))
        problems += found
        if found or d is None:
            continue
        if f"{d:%Y-%m}" != month:
            outside[0] += 1
            continue
        rows.append({**r, "date": d, "_file": page.name, "_row": i})
    return rows, problems


def _hourly_rows(page: _Page, day: date) -> tuple[list[dict[str, Any]], list[Problem]]:
    rows, problems = [], []
    for i, r in enumerate(page.rows):
        found = _row_problems(page.name, i, r, _COUNTS, ("conversions_count",))
        if isinstance(r, dict):
            hour = r.get("hour")
            if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
                found.append(Problem(page.name, "hour", f"data.list[{i}]", "小时 0–23",
                                     csvin.brief(hour, 40) if "hour" in r else "缺失"))
            if "date" in r and _day(r.get("date")) != day:
                found.append(Problem(page.name, "date", f"data.list[{i}]",
                                     f"{day}（与文件名一致）", csvin.brief(r.get("date"), 40)))
        problems += found
        if not found:
            rows.append({**r, "date": day, "_file": page.name, "_row": i})
    return rows, problems


# --------------------------------------------------------------------------- the reports


def _discover(folder: Path) -> tuple[dict[tuple[str, ...], dict[int, Path]], list[Problem]]:
    """Report pages by window: ("daily", start, end) or ("hourly", day) → page → path."""
    windows: dict[tuple[str, ...], dict[int, Path]] = {}
    problems = []
    for path in sorted(folder.glob("ads_*.json")):
        if not path.is_file():
            continue
        m, h = DAILY_RX.fullmatch(path.name), HOURLY_RX.fullmatch(path.name)
        if m and _day(m.group(1)) and _day(m.group(2)) and m.group(1) <= m.group(2):
            windows.setdefault(("daily", m.group(1), m.group(2)), {})[int(m.group(3))] = path
        elif h and _day(h.group(1)):
            windows.setdefault(("hourly", h.group(1)), {})[int(h.group(2))] = path
        elif _ADS_JSON.fullmatch(path.name):
            problems.append(Problem(path.name, None, "文件名",
                                    "ads_daily_reports_<开始日>_<结束日>_p<页>.json 或 "
                                    "ads_hourly_reports_<日>_p<页>.json（wxnb fetch-ads 的存档名）",
                                    path.name))
    return windows, problems


def _read_window(key: tuple[str, ...], pages: dict[int, Path],
                 notes: list[str]) -> tuple[list[_Page], list[Problem]]:
    read, problems = [], []
    for number, path in sorted(pages.items()):
        page, found = _envelope(path, number, notes)
        problems += found
        if page is not None:
            read.append(page)
    if problems or not read:
        return [], problems
    total = max(p.total_page for p in read)
    first = read[0].name
    if total > _MAX_PAGES:  # an archive name has at most 5 digits of page: never a real answer
        worst = max(read, key=lambda p: p.total_page)
        return [], [Problem(worst.name, "data.page_info.total_page", None,
                            f"不超过 {_MAX_PAGES:,} 的页数", f"{total:,}")]
    # the pages that are not there, found without listing every page number (a damaged
    # total_page must not exhaust memory)
    gaps = (n for n in range(1, total + 1) if n not in pages)
    missing = [n for _, n in zip(range(6), gaps, strict=False)]
    if missing:
        shown = "、".join(f"第 {n} 页" for n in missing[:5]) + (" 等" if len(missing) > 5 else "")
        return [], [Problem(first, "data.page_info.total_page", None,
                            f"第 1–{total} 页的存档都在（重新运行 wxnb fetch-ads 会补齐）",
                            f"缺少{shown}")]
    return read, []


def _duplicates(rows: list[dict[str, Any]], key: tuple[str, ...],
                what: str) -> list[Problem]:
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    out = []
    for r in rows:
        k = tuple(str(r.get(c, "")) if c != "adgroup_id" else _identifier(r[c]) for c in key)
        if k in seen:
            first = seen[k]
            out.append(Problem(r["_file"], what, f"data.list[{r['_row']}]",
                               f"每个（{'、'.join(key)}）只出现一次",
                               f"与 {first['_file']} data.list[{first['_row']}] 重复"))
        else:
            seen[k] = r
    return out


def _frame(rows: list[dict[str, Any]], counts: tuple[str, ...]) -> pd.DataFrame:
    data = {
        "date": pd.to_datetime([r["date"] for r in rows]),
        "adgroup_id": [_identifier(r["adgroup_id"]) for r in rows],
    }
    for c in counts:
        data[_RENAME[c]] = [_count(r.get(c, 0)) or 0 for r in rows]
    df = pd.DataFrame(data)
    for c in counts:
        df[_RENAME[c]] = df[_RENAME[c]].astype("int64")
    return df


def _load_reports(folder: Path, month: str, notes: list[str]
                  ) -> tuple[pd.DataFrame | None, pd.DataFrame | None, dict[str, bool],
                             list[str], list[Problem]]:
    windows, problems = _discover(folder)
    daily_rows: list[dict[str, Any]] = []
    hourly_rows: list[dict[str, Any]] = []
    files: list[str] = []
    outside = [0]
    for key, pages in sorted(windows.items()):
        read, found = _read_window(key, pages, notes)
        problems += found
        files += [p.name for p in read]
        for page in read:
            if key[0] == "daily":
                rows, found = _daily_rows(page, month, date.fromisoformat(key[1]),
                                          date.fromisoformat(key[2]), outside)
                daily_rows += rows
            else:
                day = date.fromisoformat(key[1])
                if f"{day:%Y-%m}" != month:
                    outside[0] += len(page.rows)
                    continue
                rows, found = _hourly_rows(page, day)
                hourly_rows += rows
            problems += found
    problems += _duplicates(daily_rows, ("date", "adgroup_id", "site_set"), "adgroup_id")
    problems += _duplicates(hourly_rows, ("date", "hour", "adgroup_id"), "hour")
    if outside[0]:
        notes.append(f"广告报表中有 {outside[0]} 行不在 {month} 月内，未计入")
    flags = {"conversions": any("conversions_count" in r for r in daily_rows),
             "order_amount": any("order_amount" in r for r in daily_rows),
             "hourly_conversions": any("conversions_count" in r for r in hourly_rows)}
    for flag, f in (("conversions", "conversions_count"), ("order_amount", "order_amount")):
        if flags[flag]:
            problems += [Problem(r["_file"], f, f"data.list[{r['_row']}]",
                                 "非负整数（其他行有该字段，本行也应有）", "缺失")
                         for r in daily_rows if f not in r][:20]
    if problems:
        return None, None, flags, files, problems
    daily = None
    if daily_rows:
        daily = _frame(daily_rows, _COUNTS + _OPTIONAL_COUNTS)
        daily["adgroup_name"] = [str(r.get("adgroup_name") or "") for r in daily_rows]
        daily["site_set"] = [str(r.get("site_set") or "") for r in daily_rows]
        daily = daily.sort_values(["date", "adgroup_id", "site_set"]).reset_index(drop=True)
    hourly = None
    if hourly_rows:
        hourly = _frame(hourly_rows, (*_COUNTS, "conversions_count"))
        hourly["hour"] = [int(r["hour"]) for r in hourly_rows]
        hourly = hourly.sort_values(["date", "hour", "adgroup_id"]).reset_index(drop=True)
    return daily, hourly, flags, files, []


# --------------------------------------------------------------------------- the CSV files


def _load_placements(path: Path, notes: list[str]
                     ) -> tuple[pd.DataFrame | None, list[Problem]]:
    df, problems = csvin.read_csv(path, PLACEMENTS_COLUMNS, notes=notes)
    if df is None:
        return None, problems
    seen: dict[str, int] = {}
    for i, r in enumerate(df.to_dict("records")):
        gid = _identifier(r["adgroup_id"])
        if gid is None:
            problems.append(Problem(path.name, "adgroup_id", csvin.row_label(i),
                                    "广告组 id（数字）", csvin.brief(r["adgroup_id"], 60)
                                    if r["adgroup_id"] else "缺失"))
        elif gid in seen:
            problems.append(Problem(path.name, "adgroup_id", csvin.row_label(i),
                                    "每个广告组只出现一次",
                                    f"{gid} 与{csvin.row_label(seen[gid])}重复"))
        else:
            seen[gid] = i
        if not r["placement"]:
            problems.append(Problem(path.name, "placement", csvin.row_label(i),
                                    "版位：" + "、".join(PLACEMENTS) + " 或自定义名称", "缺失"))
    if problems:
        return None, problems
    out = pd.DataFrame({"adgroup_id": df["adgroup_id"].map(_identifier),
                        "placement": df["placement"],
                        "name": df["name"] if "name" in df.columns else ""})
    return out, []


_TIME_RX = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?")


def _time(text: str) -> datetime | None:
    if not _TIME_RX.fullmatch(text):
        return None
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    try:
        return datetime.strptime(text.replace("T", " "), fmt)
    except ValueError:
        return None


def _load_orders(path: Path, month: str, notes: list[str]
                 ) -> tuple[pd.DataFrame | None, list[Problem]]:
    df, problems = csvin.read_csv(path, ORDERS_COLUMNS, allow_empty=True, notes=notes)
    if df is None:
        return None, problems
    if df.empty:  # the analyst's attribution found no order: revenue 0, not the platform's
        notes.append(f"{path.name} 只有表头，没有订单：按本月没有归因到广告的订单计（归因收入 0，"
                     "ROI 为 0），不改用平台归因的下单金额；若订单尚未导出，补全该文件，或删除它以改用"
                     "报表的 order_amount")
    seen: dict[str, int] = {}
    keep, outside = [], 0
    for i, r in enumerate(df.to_dict("records")):
        where = csvin.row_label(i)
        oid = r["order_id"]
        if not oid:
            problems.append(Problem(path.name, "order_id", where, "订单号", "缺失"))
        elif oid in seen:
            problems.append(Problem(path.name, "order_id", where, "每个订单只出现一次",
                                    f"与{csvin.row_label(seen[oid])}重复"))
        else:
            seen[oid] = i
        when = _time(r["time"])
        if when is None:
            problems.append(Problem(path.name, "time", where, "时间 YYYY-MM-DD HH:MM[:SS]",
                                    csvin.brief(r["time"], 60) if r["time"] else "缺失"))
        amount = csvin.number(r["amount"])
        if amount is None or amount < 0:
            problems.append(Problem(path.name, "amount", where, "金额（元，≥ 0）",
                                    csvin.brief(r["amount"], 60) if r["amount"] else "缺失"))
        gid = r["adgroup_id"]
        if gid and _identifier(gid) is None:
            problems.append(Problem(path.name, "adgroup_id", where, "广告组 id（数字）或留空（未归因）",
                                    csvin.brief(gid, 60)))
        if when is not None and f"{when:%Y-%m}" != month:
            outside += 1
        elif when is not None:
            keep.append(i)
    if problems:
        return None, problems
    if outside:
        notes.append(f"{path.name} 中有 {outside} 笔订单不在 {month} 月内，未计入")
    part = df.iloc[keep]
    out = pd.DataFrame({
        "order_id": part["order_id"].to_numpy(),
        "time": pd.to_datetime([_time(t) for t in part["time"]]),
        "amount": [float(csvin.number(a) or 0.0) for a in part["amount"]],
        "adgroup_id": [_identifier(g) or "" for g in part["adgroup_id"]],
        "click_id": part["click_id"].to_numpy() if "click_id" in part.columns else "",
    })
    return out.sort_values("time", kind="stable").reset_index(drop=True), []


# --------------------------------------------------------------------------- load


def load(folder: Path, month: str) -> AdsInputs:
    """Read and validate section 10's files of one month (read-only).

    A month's files are parsed once (``wxnb.io.loadcache``: the build's check, then the
    section, both months, until a file or the input layer's code changes).

    Raises
    ------
    DataValidationError
        Listing every problem of every file (file, field, row, expected, found).
    """
    from wxnb.io import loadcache

    folder = Path(folder)
    files = [folder / PLACEMENTS_FILE, folder / ORDERS_FILE, *folder.glob("ads_*.json")]
    return loadcache.cached("ads.load", (month,), files, lambda: _load(folder, month))


def _load(folder: Path, month: str) -> AdsInputs:
    notes: list[str] = []
    daily, hourly, flags, files, problems = _load_reports(folder, month, notes)
    frames: dict[str, pd.DataFrame | None] = {PLACEMENTS_FILE: None, ORDERS_FILE: None}
    for name in frames:
        path = folder / name
        if path.is_file():
            if name == PLACEMENTS_FILE:
                frames[name], found = _load_placements(path, notes)
            else:
                frames[name], found = _load_orders(path, month, notes)
            problems += found
    if not problems and daily is None:
        problems.append(Problem(str(folder.name), None, None,
                                f"{month} 的腾讯广告日报表（{DAILY_GLOB}，wxnb fetch-ads 获取）",
                                "没有找到或没有该月的数据行"))
    if problems:
        raise DataValidationError(problems)
    assert daily is not None
    if (daily["clicks"] > daily["views"]).any():
        n = int((daily["clicks"] > daily["views"]).sum())
        notes.append(f"日报表有 {n} 行点击次数多于曝光次数（跨日归属等平台口径所致），按原值计入")
    return AdsInputs(month, daily, hourly, frames[PLACEMENTS_FILE], frames[ORDERS_FILE],
                     flags["conversions"], flags["order_amount"], flags["hourly_conversions"],
                     files, notes)
