"""Load and validate one month of datacube API responses (docs/data-contract.md).

Files are read (through ``wxnb.io.csvin``: UTF-8 with or without BOM, UTF-16 with a BOM or GB18030,
any line ends; a file not read as UTF-8 is named in ``MonthData.warnings``) and never modified.
Every problem in every file is collected and raised together as one ``DataValidationError``;
each names the file, the field, the row and what was expected against what was found. Counts
are integers from 0 to ``csvin.COUNT_MAX`` (10^12); msgid is ``<digits>_<digits>``.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from wxnb.io import csvin
from wxnb.io.codes import ENDPOINT_LABELS, READ_SCENE_COLUMNS, READ_TOTAL
from wxnb.exceptions import DataValidationError, Problem

if TYPE_CHECKING:
    import pandera.pandas as pa

__all__ = [
    "ARTICLE_API_START",
    "ENDPOINTS",
    "LEGACY_ARTICLE",
    "NEW_ARTICLE",
    "Endpoint",
    "MonthData",
    "PreviousMonth",
    "discover",
    "last_stat_date",
    "load_month",
    "load_previous",
    "month_days",
    "title_key",
]

logger = logging.getLogger(__name__)

_READ_FIELDS = (
    "int_page_read_user",
    "int_page_read_count",
    "ori_page_read_user",
    "ori_page_read_count",
    "share_user",
    "share_count",
    "add_to_fav_user",
    "add_to_fav_count",
)
_ARTICLE_SOURCES = ("hist_msg", "feed", "friends", "other", "kanyikan", "souyisou")
#: The per-scene reader columns flattened from ``read_user_source`` (codes.READ_SCENE_COLUMNS).
_SCENES = tuple(READ_SCENE_COLUMNS.values())


@dataclass(frozen=True)
class Endpoint:
    """What the contract says about one datacube endpoint."""

    name: str
    required: bool
    span: int
    keys: tuple[str, ...]
    counts: tuple[str, ...]
    optional_counts: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    daily: bool = True
    aliases: dict[str, str] = field(default_factory=dict)
    nested: str = ""  # the list-item key holding per-stat_date rows ("details", "detail_list")
    merged: str = ""  # the list-item key of an object whose fields belong to the row ("detail")

    @property
    def label(self) -> str:
        return f"{ENDPOINT_LABELS.get(self.name, self.name)}（{self.name}）"


ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in (
        Endpoint(
            "getusersummary", True, 7, ("ref_date", "user_source"),
            ("new_user", "cancel_user"), codes=("user_source",),
        ),
        Endpoint(
            "getusercumulate", True, 7, ("ref_date",), ("cumulate_user",),
            optional_counts=("user_source",),
        ),
        Endpoint(
            "getarticletotal", True, 1, ("ref_date", "msgid", "stat_date"),
            ("target_user", *_READ_FIELDS,
             "int_page_from_session_read_user", "int_page_from_session_read_count"),
            optional_counts=tuple(
                f"int_page_from_{s}_read_{k}" for s in _ARTICLE_SOURCES for k in ("user", "count")
            ) + tuple(
                f"feed_share_from_{s}_{k}"
                for s in ("session", "feed", "other") for k in ("user", "cnt")
            ),
            texts=("msgid", "title"), daily=False, nested="details",
        ),
        Endpoint(
            "getarticletotaldetail", False, 1, ("ref_date", "msgid", "stat_date"),
            ("read_user", "share_user", "zaikan_user", "like_user", "comment_count"),
            optional_counts=("collection_user", "read_subscribe_user", "praise_money",
                             "publish_type", *_SCENES),
            texts=("msgid",), daily=False, nested="detail_list",
        ),
        Endpoint(
            "getarticleread", False, 1, ("ref_date", "msgid"), ("read_user",),
            optional_counts=_SCENES, texts=("msgid",), daily=False, merged="detail",
        ),
        Endpoint(
            "getarticleshare", False, 1, ("ref_date", "msgid"), ("share_user",),
            texts=("msgid",), daily=False, merged="detail",
        ),
        Endpoint(
            "getbizsummary", False, 1, ("ref_date",), ("read_user", "share_user"),
            optional_counts=("zaikan_user", "like_user", "comment_count", "collection_user",
                             "redirect_ori_page_user", "send_page_count", *_SCENES),
            merged="detail",
        ),
        Endpoint(
            "getuserread", True, 3, ("ref_date", "user_source"), _READ_FIELDS,
            codes=("user_source",),
        ),
        Endpoint(
            "getarticlesummary", False, 1, ("ref_date", "msgid"), _READ_FIELDS,
            texts=("msgid", "title"), daily=False,
        ),
        Endpoint(
            "getuserreadhour", False, 1, ("ref_date", "ref_hour", "user_source"), _READ_FIELDS,
            codes=("user_source", "ref_hour"),
        ),
        Endpoint(
            "getusershare", False, 7, ("ref_date", "share_scene"), ("share_count", "share_user"),
            codes=("share_scene",),
        ),
        Endpoint(
            "getupstreammsg", False, 7, ("ref_date", "msg_type"), ("msg_user", "msg_count"),
            codes=("msg_type",),
        ),
        Endpoint(
            "getinterfacesummary", False, 30, ("ref_date",),
            ("callback_count", "fail_count", "total_time_cost", "max_time_cost"),
            aliases={"max_time_count": "max_time_cost"},
        ),
    )
}

_NAME_RX = re.compile(r"^([a-z]+)(?:[_.].*)?$")

#: The legacy 图文分析 endpoints (officially 已停止维护) and the 2025 发表内容 endpoints that
#: replace them, which hold data from ARTICLE_API_START on (wechat-data-2026.md).
LEGACY_ARTICLE = ("getarticletotal", "getarticlesummary", "getuserread", "getuserreadhour",
                  "getusershare")
NEW_ARTICLE = ("getarticletotaldetail", "getarticleread", "getarticleshare", "getbizsummary")
ARTICLE_API_START = "2025-11"


def last_stat_date(frame: pd.DataFrame) -> pd.DataFrame:
    """Each article of a per-stat_date frame (getarticletotal, getarticletotaldetail) at its last
    stat_date: their counters are cumulative from the push, so that row is the article's figure
    and summing the rows would count the first day again and again."""
    return frame.sort_values(["msgid", "stat_date"]).groupby("msgid", sort=False).tail(1)


def title_key(text: Any) -> str:
    """A title as two sources may both write it (the API, a backend download, the content
    plan): NFKC, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def month_days(month: str) -> list[date]:
    """Return every calendar day of ``month`` (YYYY-MM)."""
    first = date.fromisoformat(f"{month}-01")
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]


def discover(folder: Path) -> dict[str, list[Path]]:
    """Map each known endpoint to its chunk files in ``folder`` (``<endpoint>[_…].json|csv``)."""
    found: dict[str, list[Path]] = {name: [] for name in ENDPOINTS}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in (".json", ".csv"):
            continue
        m = _NAME_RX.match(path.name)
        if m and m.group(1) in found:
            found[m.group(1)].append(path)
    return found


# --------------------------------------------------------------------------- reading files


_JSON_EXPECTED = '合法的 JSON {"list": [...]}'
_CSV_EXPECTED = "CSV，首行为字段名"
_KINDS = {dict: "对象", list: "数组", str: "文本", int: "整数", float: "小数", bool: "布尔值",
          type(None): "null"}


def _kind(v: Any) -> str:
    if isinstance(v, csvin.LongNumber):
        return "整数"
    return _KINDS.get(type(v), type(v).__name__)


def _json_rows(path: Path, ep: Endpoint) -> tuple[list[dict[str, Any]], list[Problem], bool,
                                                   list[str]]:
    """Return (rows, problems, empty, notes) for one JSON file; rows carry ``_row`` locations."""
    name = path.name
    body, note, problems = csvin.read_json(path, _JSON_EXPECTED)
    if problems:
        return [], problems, False, []
    notes = [note] if note else []
    envelopes = body if isinstance(body, list) else [body]
    rows: list[dict[str, Any]] = []
    prefix_many = len(envelopes) > 1
    for e_i, env in enumerate(envelopes):
        pre = f"[{e_i}]." if prefix_many else ""
        if not isinstance(env, dict):
            problems.append(Problem(name, None, pre or None, '{"list": [...]}',
                                    f"{_kind(env)} {csvin.brief(env, 40)}"))
            continue
        if env.get("errcode", 0) != 0:
            found = (f"错误响应 errcode={csvin.brief(env.get('errcode'), 30)} "
                     f"errmsg={csvin.brief(env.get('errmsg', ''), 80)}")
            problems.append(Problem(name, "errcode", pre or None, '数据响应 {"list": [...]}', found))
            continue
        if env.get("is_delay") is True:
            notes.append(f"{name}：微信标记为数据尚未最终确定（is_delay），稍后重新运行 wxnb fetch "
                         "可得最终数据")
        items = env.get("list")
        if not isinstance(items, list):
            found = "缺少 list 字段" if items is None else f"list 为{_kind(items)}"
            problems.append(Problem(name, "list", pre or None, "list 为数组", found))
            continue
        for i, item in enumerate(items):
            loc = f"{pre}list[{i}]"
            if not isinstance(item, dict):
                problems.append(Problem(name, None, loc, "对象 {...}", csvin.brief(item)))
            elif ep.nested:
                rows.extend(_flatten_details(name, loc, item, problems, ep.nested))
            elif ep.merged:
                rows.extend(_merge_detail(name, loc, item, problems, ep.merged))
            else:
                rows.append({**item, "_row": loc})
    empty = not rows and not problems
    return rows, problems, empty, notes


def _flatten_details(
    name: str, loc: str, item: dict[str, Any], problems: list[Problem], key: str
) -> list[dict[str, Any]]:
    details = item.get(key)
    if not isinstance(details, list) or not details:
        problems.append(Problem(name, key, loc, "非空数组", csvin.brief(details)))
        return []
    head = {k: v for k, v in item.items() if k != key}
    out = []
    for j, d in enumerate(details):
        if not isinstance(d, dict):
            problems.append(Problem(name, key, f"{loc}.{key}[{j}]", "对象", csvin.brief(d)))
            continue
        row = {**head, **d, "_row": f"{loc}.{key}[{j}]"}
        if "read_user_source" in d:
            # Lenient here: an article whose read_user_source is unreadable keeps its other
            # figures; its scenes stay unknown (``scene_invalid``) and the sections say so
            # (getarticletotaldetail sits beside getarticletotal in legacy months, whose source
            # fields then serve). The list itself is not kept: its scenes are columns.
            broken: list[Problem] = []
            _flatten_scenes(name, row, broken)
            if broken:
                row["scene_invalid"] = True
            row.pop("read_user_source")
        out.append(row)
    return out


def _merge_detail(
    name: str, loc: str, item: dict[str, Any], problems: list[Problem], key: str
) -> list[dict[str, Any]]:
    """A 发表内容 item ``{ref_date, msgid, detail: {...}}`` as one row; its read_user_source
    flattened into one reader column per scene."""
    detail = item.get(key)
    if not isinstance(detail, dict):
        problems.append(Problem(name, key, loc, "对象 {...}", csvin.brief(detail)))
        return []
    row = {**{k: v for k, v in item.items() if k != key}, **detail, "_row": loc}
    if "read_user_source" in detail:
        _flatten_scenes(name, row, problems)
        row.pop("read_user_source", None)
    return [row]


def _flatten_scenes(name: str, row: dict[str, Any], problems: list[Problem]) -> None:
    """``read_user_source`` [{scene_desc, user_count}] (also {source_name, read_user}, seen in
    public code) → the row's ``scene_*`` columns; a scene WeChat adds later is left out, a
    malformed list is a problem naming the row."""
    value = row.get("read_user_source")
    if value is None:
        return
    expected = "[{scene_desc: 文本, user_count: 非负整数}, ...]"
    if not isinstance(value, list):
        problems.append(Problem(name, "read_user_source", row["_row"], expected,
                                f"{_kind(value)} {csvin.brief(value, 40)}"))
        return
    found: dict[str, int] = {}
    for j, entry in enumerate(value):
        scene = entry.get("scene_desc", entry.get("source_name")) if isinstance(entry, dict) \
            else None
        count = entry.get("user_count", entry.get("read_user")) if isinstance(entry, dict) \
            else None
        if not isinstance(scene, str) or isinstance(count, bool) or not isinstance(count, int) \
                or count < 0:
            problems.append(Problem(name, f"read_user_source[{j}]", row["_row"], expected,
                                    csvin.brief(entry, 60)))
            return
        column = READ_SCENE_COLUMNS.get(scene.strip())
        if column is not None:
            found[column] = count
    row.update(found)  # all or nothing: a list broken halfway gives no scene


def _csv_rows(path: Path, ep: Endpoint) -> tuple[list[dict[str, Any]], list[Problem], bool,
                                                  list[str]]:
    """Return (rows, problems, empty, notes) for one CSV file (encodings: ``csvin``).

    Count and code fields that are written as integers become ints; every other field (title,
    msgid, dates, unknown extras) stays text. Empty cells are None (missing).
    """
    header, records, problems, note = csvin.read_table(path, expected=_CSV_EXPECTED)
    if header is None:
        return [], problems, False, []
    if not header:
        return [], [Problem(path.name, None, None, _CSV_EXPECTED, "空文件")], False, []
    numeric = {*ep.counts, *ep.codes, *ep.optional_counts,
               *(a for a, target in ep.aliases.items() if target in ep.counts)}
    rows = []
    for i, rec in enumerate(records):
        row = {k: (_csv_int(v) if k in numeric else _csv_value(v)) for k, v in rec.items() if k}
        rows.append(row | {"_row": csvin.row_label(i)})
    return rows, [], not rows, [note] if note else []


_CSV_INT = re.compile(r"-?[0-9]+")


def _csv_value(v: str) -> str | None:
    s = v.strip()
    return None if s == "" else s


def _csv_int(v: str) -> Any:
    s = v.strip()
    if _CSV_INT.fullmatch(s):
        return csvin.LongNumber(s) if len(s) > 30 else int(s)
    return None if s == "" else s


# --------------------------------------------------------------------------- validating


def _is_int(s: pd.Series) -> pd.Series:
    return s.map(lambda v: v is None or isinstance(v, csvin.LongNumber)
                 or (isinstance(v, int) and not isinstance(v, bool)))


def _is_negative(v: Any) -> bool:
    if isinstance(v, csvin.LongNumber):
        return v.negative
    return isinstance(v, int | float) and not isinstance(v, bool) and v < 0


def _non_negative(s: pd.Series) -> pd.Series:
    return s.map(lambda v: not _is_negative(v))


def _too_large(v: Any) -> bool:
    if isinstance(v, csvin.LongNumber):
        return not v.negative
    return isinstance(v, int | float) and not isinstance(v, bool) and v > csvin.COUNT_MAX


def _within_limit(s: pd.Series) -> pd.Series:
    return s.map(lambda v: not _too_large(v))


_DATE_RX = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MSGID_RX = re.compile(r"[0-9]+_[0-9]+")
#: stat_date is checked to be a real date in this window (pandas' Timestamp ends in 2262).
_STAT_FIRST, _STAT_LAST = "2000-01-01", "2099-12-31"


def _valid_date(s: pd.Series) -> pd.Series:
    return s.map(_is_iso_date)


def _is_iso_date(v: Any) -> bool:
    if not isinstance(v, str) or not _DATE_RX.fullmatch(v):
        return False
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _stat_window(s: pd.Series) -> pd.Series:
    return s.map(lambda v: not _is_iso_date(v) or _STAT_FIRST <= v <= _STAT_LAST)


def _msgid_shape(s: pd.Series) -> pd.Series:
    return s.map(lambda v: not isinstance(v, str) or bool(_MSGID_RX.fullmatch(v)))


def _in_month(month: str) -> Callable[[pd.Series], pd.Series]:
    return lambda s: s.map(lambda v: not _is_iso_date(v) or v[:7] == month)


def _schema(ep: Endpoint, month: str) -> pa.DataFrameSchema:
    import pandera.pandas as pa  # only where a month is validated (≈0.25 s to import)

    count_checks = [pa.Check(_is_int, name="整数"), pa.Check(_non_negative, name="非负数"),
                    pa.Check(_within_limit, name=f"不超过 {csvin.COUNT_MAX:,}（计数的合理上限）")]
    cols: dict[str, pa.Column] = {
        "ref_date": pa.Column(
            object,
            [
                pa.Check(_valid_date, name="日期 YYYY-MM-DD"),
                pa.Check(_in_month(month), name=f"{month} 月内的日期"),
            ],
        )
    }
    for c in (*ep.counts, *ep.codes):
        cols[c] = pa.Column(object, count_checks, nullable=False)
    for c in ep.optional_counts:
        cols[c] = pa.Column(object, count_checks, nullable=True, required=False)
    for c in ep.texts:
        checks = [pa.Check(lambda s: s.map(lambda v: isinstance(v, str)), name="文本")]
        if c == "msgid":
            checks.append(pa.Check(_msgid_shape, name="<msg_data_id>_<idx>，如 2247483647_1"))
        cols[c] = pa.Column(object, checks, nullable=False)
    if "ref_hour" in ep.codes:
        cols["ref_hour"] = pa.Column(object, [
            *count_checks,
            pa.Check(lambda s: s.map(lambda v: not isinstance(v, int) or isinstance(v, bool)
                                     or (v % 100 == 0 and 0 <= v <= 2300)),
                     name="0, 100, …, 2300（HHMM 的百位小时）"),
        ], nullable=False)
    if ep.nested:
        cols["stat_date"] = pa.Column(object, [
            pa.Check(_valid_date, name="日期 YYYY-MM-DD"),
            pa.Check(_stat_window, name=f"{_STAT_FIRST[:4]}–{_STAT_LAST[:4]} 年内的日期"),
        ])
    return pa.DataFrameSchema(cols, strict=False, coerce=False)


def _read_file(path: Path, ep: Endpoint
               ) -> tuple[pd.DataFrame | None, list[Problem], bool, list[str]]:
    """Parse one file into an object-typed frame with ``_file``/``_row``; check its columns.

    Returns (frame or None, problems, empty, notes on how the file was read).
    """
    rows, problems, empty, notes = (
        _csv_rows(path, ep) if path.suffix.lower() == ".csv" else _json_rows(path, ep)
    )
    if problems or not rows:
        return None, problems, empty, notes
    # dtype=object keeps JSON ints as ints: a missing key must not turn a column into floats.
    df = pd.DataFrame(rows, dtype=object)
    df = df.where(df.notna(), None)
    for alias, target in ep.aliases.items():
        if alias not in df:
            continue
        if target in df:  # both spellings: the canonical one wins where both are given
            df[target] = df[target].where(df[target].notna(), df[alias])
            df = df.drop(columns=alias)
        else:
            df = df.rename(columns={alias: target})
    df["_file"] = path.name
    required = ["ref_date", *ep.counts, *ep.codes, *ep.texts]
    if ep.nested:
        required.append("stat_date")
    missing = [c for c in required if c not in df.columns or df[c].isna().all()]
    problems = [Problem(path.name, c, None, "每条记录都有此字段", "字段缺失（是否被改名？）")
                for c in missing]
    return (None if problems else df), problems, False, notes


def _validate_frame(df: pd.DataFrame, ep: Endpoint, month: str) -> list[Problem]:
    """Validate all of an endpoint's rows at once (pandera costs ~20 ms a call, not a row)."""
    import pandera.pandas as pa

    try:
        _schema(ep, month).validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return _problems_from(exc.failure_cases, df)
    return []


def _problems_from(fc: pd.DataFrame, df: pd.DataFrame) -> list[Problem]:
    out = []
    for rec in fc.to_dict("records"):
        check = str(rec["check"])
        idx = rec["index"]
        if idx is None or idx not in df.index:  # a frame-level failure: name the endpoint's files
            out.append(Problem(", ".join(sorted(set(df["_file"]))), str(rec["column"]), None,
                               check, _show(rec["failure_case"])))
            continue
        name, loc = df.at[idx, "_file"], df.at[idx, "_row"]
        found = rec["failure_case"]
        if check == "not_nullable":
            expected, shown = "有值", "缺失"
        else:
            expected, shown = check, _show(found)
        out.append(Problem(name, str(rec["column"]), loc, expected, shown))
    return out


def _show(v: Any) -> str:
    if isinstance(v, str):
        return f"{csvin.brief(v, 80)}（文本）"
    if isinstance(v, bool):
        return f"{v}（布尔值）"
    if isinstance(v, float):
        return f"{v}（小数）"
    if isinstance(v, list | dict):
        return f"{csvin.brief(v)}（{_kind(v)}）"
    return csvin.brief(v, 80)


def _typed(df: pd.DataFrame, ep: Endpoint) -> pd.DataFrame:
    out = df.copy()
    for c in (*ep.counts, *ep.codes):
        out[c] = out[c].astype("int64")
    for c in ep.optional_counts:
        if c in out:
            out[c] = pd.to_numeric(out[c]).astype("Int64")
    out["ref_date"] = pd.to_datetime(out["ref_date"])
    if "stat_date" in out:
        out["stat_date"] = pd.to_datetime(out["stat_date"])
    if "scene_invalid" in out:  # set on the rows whose read_user_source could not be read
        out["scene_invalid"] = out["scene_invalid"].notna()
    return out


def _duplicates(df: pd.DataFrame, ep: Endpoint) -> list[Problem]:
    dup = df[df.duplicated(list(ep.keys), keep=False)]
    out = []
    for _, grp in dup.groupby(list(ep.keys), sort=True):
        first = grp.iloc[0]
        for _, rec in grp.iloc[1:].iterrows():
            key = ", ".join(f"{k}={first[k]}" for k in ep.keys)
            out.append(Problem(
                rec["_file"], ",".join(ep.keys), rec["_row"], f"({key}) 只出现一次",
                f"与 {first['_file']} {first['_row']} 重复",
            ))
    return out


def _cross_checks(df: pd.DataFrame, ep: Endpoint) -> list[Problem]:
    out = []
    if ep.name == "getinterfacesummary":
        for _, r in df[df["fail_count"] > df["callback_count"]].iterrows():
            out.append(Problem(r["_file"], "fail_count", r["_row"],
                               f"≤ callback_count（{r['callback_count']}）", str(r["fail_count"])))
    if ep.nested:
        counters = [c for c in ep.counts if c != "target_user"]
        ordered = df.sort_values(["msgid", "stat_date"])
        drops = ordered.groupby("msgid")[counters].diff().lt(0)
        for idx in drops.index[drops.any(axis=1)]:
            r = ordered.loc[idx]
            col = next(c for c in counters if drops.at[idx, c])
            out.append(Problem(r["_file"], col, r["_row"],
                               "累计值，不小于前一个 stat_date 的值", f"{r[col]}（比前一日小）"))
    return out


# --------------------------------------------------------------------------- the month


@dataclass
class MonthData:
    """One validated month: a typed DataFrame per endpoint and what the checks noticed."""

    month: str
    folder: Path
    frames: dict[str, pd.DataFrame]
    files: dict[str, list[Path]]
    warnings: list[str]
    #: Coverage rows of inputs beyond the datacube (the event log: ``wxnb.build.inputs.validate``).
    extra_coverage: list[dict[str, Any]] = field(default_factory=list)
    #: Figures derived from the frames once (kit.metrics keeps the 2025 article table here).
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def has(self, endpoint: str) -> bool:
        return endpoint in self.frames and not self.frames[endpoint].empty

    @functools.cached_property
    def article_api(self) -> str:
        """Which article endpoints the month's figures come from: ``"2025"`` (the 发表内容
        endpoints), ``"legacy"`` (图文分析) or ``"none"`` (see :func:`article_api`; decided
        once: it may look into the files)."""
        return article_api(self.month, self.files)

    def coverage(self) -> list[dict[str, Any]]:
        """Return one row per endpoint: files, rows, days covered and a status in Chinese."""
        days = month_days(self.month)
        rows = []
        other = {"2025": LEGACY_ARTICLE, "legacy": NEW_ARTICLE[1:]}.get(self.article_api, ())
        for name, ep in ENDPOINTS.items():
            df = self.frames.get(name)
            n_files = len(self.files.get(name, []))
            if name in other and n_files == 0:
                continue  # the other family of article endpoints: not expected this month
            if df is None or df.empty:
                status = "未提供" if n_files == 0 else \
                    "未使用（按发表内容接口计算）" if name in other else "无数据"
                covered = "—"
            else:
                seen = _days_seen(df, name)
                covered = f"{len(seen)}/{len(days)}" if ep.daily else f"{len(seen)} 天有数据"
                missing = len(days) - len(seen)
                status = f"缺 {missing} 天" if ep.daily and missing else "完整"
            rows.append({"数据": ep.label, "文件数": n_files,
                         "行数": 0 if df is None else len(df), "覆盖天数": covered,
                         "状态": status})
        return rows + list(self.extra_coverage)


def article_api(month: str, files: dict[str, list[Path]]) -> str:
    """Which family of article endpoints a month's figures come from.

    From ARTICLE_API_START (2025-11) on, the 发表内容 endpoints are the primary article data
    when the folder holds them: getbizsummary (the account-level series that replaces
    getuserread), or getarticletotaldetail without getarticletotal (a legacy month may carry
    getarticletotaldetail beside getarticletotal for its 在看 and likes). Their data starts on
    2025-11-01 and the legacy endpoints are retired. Before it, or without them, the legacy 图文
    分析 files are read. ``"none"``: neither (a month of backend downloads, or no article data).
    """
    legacy = any(files.get(n) for n in ("getarticletotal", "getuserread"))
    new = bool(files.get("getbizsummary")) or (
        bool(files.get("getarticletotaldetail")) and not _has_rows(files.get("getarticletotal")))
    if new and (month >= ARTICLE_API_START or not legacy):
        return "2025"
    return "legacy" if legacy else "none"


def _has_rows(paths: list[Path] | None) -> bool:
    """Whether any of the files holds a row (a legacy endpoint asked from 2025-11 may answer
    empty lists). A file that cannot be read as JSON counts as holding rows: the loader then
    reads it as the legacy data it claims to be and names its problem."""
    import json

    for path in paths or ():
        if path.suffix.lower() != ".json":
            return True
        try:
            body = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError):
            return True
        for env in body if isinstance(body, list) else [body]:
            if not isinstance(env, dict) or env.get("list"):
                return True
    return False


def _days_seen(df: pd.DataFrame, name: str) -> set[date]:
    if name in ("getuserread", "getuserreadhour"):
        df = df[df["user_source"] == READ_TOTAL]
    return {d.date() for d in df["ref_date"]}


def load_month(
    folder: Path | str, month: str, *, endpoints: Iterable[str] | None = None
) -> MonthData:
    """Load and validate one month; raise DataValidationError listing all faults.

    ``endpoints`` limits loading to the ones a section uses; by default every endpoint is
    loaded. A month validated whole once (the build does it first) is kept as a dataset
    (:mod:`wxnb.io.dataset`: Parquet tables and a manifest of the input files), and every later
    load of that month, by any section, reads the dataset instead of parsing the files again, for
    as long as no input file changed.
    """
    from wxnb.io import dataset

    folder = Path(folder)
    if not folder.is_dir():
        raise DataValidationError([Problem(str(folder), None, None, "存在的数据目录", "目录不存在")])
    files = discover(folder)
    wanted = set(endpoints) if endpoints is not None else set(ENDPOINTS)
    stored = dataset.read(folder, month, wanted)
    if stored is not None:
        frames = {n: df for n, df in stored.frames.items() if n in wanted}
        notes = {n: v for n, v in stored.read_notes.items() if n in wanted}
        empties = {n: v for n, v in stored.empties.items() if n in wanted}
    else:
        frames, notes, empties = _load_endpoints(folder, month, files, wanted)
        if wanted == set(ENDPOINTS):
            dataset.write(folder, month, frames, notes, empties)
    warnings = [n for name in ENDPOINTS for n in notes.get(name, [])]
    warnings.extend(_empty_notes(empties, files))
    data = MonthData(month, folder, frames, files, warnings)
    data.warnings.extend(_gaps(data))
    data.warnings.extend(_follower_consistency(data))
    return data


def _load_endpoints(folder: Path, month: str, files: dict[str, list[Path]], wanted: set[str]
                    ) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]],
                               dict[str, list[str]]]:
    """Parse and validate the wanted endpoints' files: (frames, notes on how each endpoint's
    files were read, each endpoint's files whose list is empty); raise every problem at once."""
    problems: list[Problem] = []
    notes: dict[str, list[str]] = {}
    frames: dict[str, pd.DataFrame] = {}
    empties: dict[str, list[str]] = {}  # endpoint → its files whose list is empty
    backend = _backend_rows(folder, month, files, wanted, problems, notes)
    api = article_api(month, files)
    # In a 2025 month the legacy files are not used, except getuserread when there is no
    # getbizsummary: it is then the account's reads (as the 数据趋势 download would be).
    keep = () if files.get("getbizsummary") else ("getuserread",)
    unused = [n for n in LEGACY_ARTICLE
              if api == "2025" and files[n] and n in wanted and n not in keep]
    if unused:
        count = sum(len(files[n]) for n in unused)
        notes.setdefault(unused[0], []).append(
            f"本月同时有旧版图文分析接口的文件（{'、'.join(unused)}，共 {count} 个）：文章数据按 2025 "
            "发表内容接口计算，旧版文件未使用")
    for name, ep in ENDPOINTS.items():
        if name not in wanted or name in unused:
            continue
        if not files[name] and name in backend:  # the backend's download stands in for them
            rows, source = backend[name]
            if not rows:
                problems.append(Problem(source, "时间", None, f"{month} 内的日期", "没有本月的行"))
                continue
            df = pd.DataFrame(rows, dtype=object)
            df["_file"] = source
            _checked(df, name, ep, month, frames, problems)
            continue
        if not files[name]:
            if name in LEGACY_ARTICLE and api == "2025":
                continue  # the 2025 发表内容 endpoints stand in for the legacy ones
            if name == "getarticletotal" and "getuserread" in backend:
                # A month of backend downloads only: the account-level figures are there, the
                # per-article ones are not (the report says which metrics that leaves out).
                notes.setdefault(name, []).append(NO_ARTICLES_NOTE)
            elif ep.required:
                problems.append(Problem(str(folder), None, None,
                                        f"{ep.label} 的数据文件 {name}_*.json 或 .csv", "没有找到"))
            continue
        parts = []
        for path in files[name]:
            df, found, empty, read_notes = _read_file(path, ep)
            problems.extend(found)
            notes.setdefault(name, []).extend(read_notes)
            if empty:
                empties.setdefault(name, []).append(path.name)
            if df is not None:
                parts.append(df)
        names = _names(files[name])
        if not parts:
            if ep.required and ep.daily and not any(p.file in names for p in problems):
                # A month with no follower or read data at all is an export that failed, not a
                # quiet month: every day has a cumulate row, and reads have their 全部 rows.
                # (getarticletotal may be empty: a month without pushes.)
                problems.append(Problem("、".join(names[:3]) + (
                    f" 等 {len(files[name])} 个文件" if len(files[name]) > 3 else ""), "list",
                    None, f"{ep.label} 至少有一天的数据", "所有文件的 list 都为空"))
            continue
        whole = pd.concat(parts, ignore_index=True)
        whole = whole.where(whole.notna(), None)  # columns absent from some files → None
        _checked(whole, name, ep, month, frames, problems)
    if api == "2025" and "getarticletotaldetail" in frames:
        problems.extend(_invalid_scenes(frames["getarticletotaldetail"]))
        _join_notified(folder, month, files, frames, problems, notes)
    if problems:
        raise DataValidationError(problems)
    return frames, notes, empties


def _invalid_scenes(d: pd.DataFrame) -> list[Problem]:
    """In a 2025 month getarticletotaldetail is the article data: an unreadable
    read_user_source (its 公众号消息 readers are 打开率's numerator) is an error on its row."""
    if "scene_invalid" not in d:
        return []
    bad = d[d["scene_invalid"]]
    return [Problem(r["_file"], "read_user_source", r["_row"],
                    "[{scene_desc: 文本, user_count: 非负整数}, ...]", "无法读取的阅读来源列表")
            for _, r in bad.iterrows()]


def _join_notified(folder: Path, month: str, files: dict[str, list[Path]],
                   frames: dict[str, pd.DataFrame], problems: list[Problem],
                   notes: dict[str, list[str]]) -> None:
    """送达人数 from the backend's 已通知内容 download, when the folder has one, as the column
    ``target_user`` of getarticletotaldetail (NaN where no download row matches): matched by
    publish day and title (the download has no msgid); a day and title shared by two articles
    or two rows is left unmatched."""
    from wxnb.io.backend import find_article_details, find_notified

    claimed = {p for paths in files.values() for p in paths}
    found, more = find_notified(folder, claimed, month)
    details, worse = find_article_details(folder, claimed)
    problems.extend(more + worse)
    if more or worse:
        return
    d = frames["getarticletotaldetail"]
    said = notes.setdefault("getarticletotaldetail", [])
    if found is not None:
        _from_notified(d, found, said)
    if details:
        _from_details(d, details, said)


def _from_details(d: pd.DataFrame, details: list[Any], said: list[str]) -> None:
    """送达人数 of the articles still without one, from 单篇文章详情 downloads: a file whose name
    (normalised, a 详情 prefix or suffix aside) is exactly one article's title gives that
    article's."""
    if "title" not in d:
        said.append("单篇文章详情按文件名中的标题对应文章，但发表内容详细数据没有标题，其送达人数未使用")
        return
    titles = d.drop_duplicates("msgid").set_index("msgid")["title"].map(title_key)
    if "target_user" not in d:
        d["target_user"] = float("nan")
    used, unmatched, twice = [], [], []
    taken: set[str] = set()
    for det in details:
        stem = title_key(_DETAIL_AFFIX.sub("", det.title))
        hits = [m for m, t in titles.items() if t and t == stem]
        if len(hits) != 1:
            unmatched.append(det.file)
            continue
        if hits[0] in taken:
            twice.append(det.file)
            continue
        taken.add(hits[0])
        rows = d["msgid"] == hits[0]
        if d.loc[rows, "target_user"].isna().all():
            d.loc[rows, "target_user"] = float(det.delivered)
            used.append(det.file)
    if used:
        said.append(f"{len(used)} 篇的送达人数取自单篇文章详情下载（{'、'.join(used[:3])}"
                    f"{' 等' if len(used) > 3 else ''}，按文件名中的标题对应）")
    if unmatched:
        said.append(f"单篇文章详情 {'、'.join(unmatched[:3])}{' 等' if len(unmatched) > 3 else ''}"
                    "的文件名对应不到唯一一篇本月发表的文章，未使用（请以文章标题命名文件）")
    if twice:
        said.append(f"单篇文章详情 {'、'.join(twice[:3])} 与另一文件对应同一篇文章，只用了先读到的一个")


#: What may surround an article's title in the name of its 详情 download (the title must be
#: the rest of the name, exactly: a name merely containing a title names another article).
_DETAIL_AFFIX = re.compile(r"^(?:单篇(?:文章|图文)?详情|文章详情|详情)[\s_\-—－]*|"
                           r"[\s_\-—－]*(?:单篇(?:文章|图文)?详情|文章详情|详情|数据明细)$")


def _from_notified(d: pd.DataFrame, found: Any, said: list[str]) -> None:
    """送达人数 from the 已通知内容 download, by publish day and title."""
    if "title" not in d:
        said.append(f"{found.file}（已通知内容）按发表日期与标题对应文章，但发表内容详细数据没有标题，"
                    "其送达人数未使用")
        return
    if not found.rows:
        said.append(f"{found.file}（已通知内容）中没有本月发表的内容，未使用")
        return
    rows = pd.DataFrame(found.rows)
    rows["key"] = rows["ref_date"] + "\0" + rows["title"].map(title_key)
    keys = d["ref_date"].dt.strftime("%Y-%m-%d") + "\0" + d["title"].map(title_key)
    once = rows.drop_duplicates("key", keep=False).set_index("key")["delivered"]
    articles = keys.groupby(d["msgid"]).first()
    unique = articles[~articles.duplicated(keep=False)]
    sent = unique.map(once).dropna()
    d["target_user"] = d["msgid"].map(sent).astype("float64")
    said.append(f"{len(sent)} 篇已通知内容的送达人数取自后台下载的 {found.file}（已通知内容，按发表日期与"
                "标题对应）")
    left = len(rows) - int(rows["key"].isin(keys.loc[d["msgid"].isin(sent.index)]).sum())
    if left:
        said.append(f"{found.file} 中 {left} 行找不到对应的发表内容（发表日期与标题都相同的只取唯一者），"
                    "未使用")


def _checked(df: pd.DataFrame, name: str, ep: Endpoint, month: str,
             frames: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    """Validate one endpoint's rows (schema, duplicates, cross-checks); keep the typed frame
    in ``frames`` when they pass, else add the problems."""
    found = _validate_frame(df, ep, month)
    if not found:
        found = _duplicates(df, ep) + _cross_checks(df, ep)
    problems.extend(found)
    if not found:
        frames[name] = _typed(df, ep)


# What the backend's downloads can replace: 用户增长 the follower endpoints, 数据趋势 getuserread.
_FROM_BACKEND = ("getusersummary", "getusercumulate", "getuserread", "getupstreammsg")
#: The data note of a month whose reads come from the backend's 数据趋势 download and that has
#: no per-article file (getarticletotal): what the report cannot compute, and how to get it.
NO_ARTICLES_NOTE = (
    "本月只有后台下载的账号级数据，没有文章级数据（发表内容详细数据 getarticletotaldetail 或"
    "图文群发总数据 getarticletotal）：打开率、头条打开率与按文章的内容分析无法计算（后台“已通知"
    "内容”下载只有送达人数与阅读次数，没有按人计的公众号消息阅读人数）；用 wxnb fetch 获取数据统计"
    "接口文件即可补上")


def _backend_rows(folder: Path, month: str, files: dict[str, list[Path]], wanted: set[str],
                  problems: list[Problem], notes: dict[str, list[str]]
                  ) -> dict[str, tuple[list[dict[str, Any]], str]]:
    """Rows from the backend's downloads (``wxnb.io.backend``) for the endpoints that have no API
    file in the folder: 用户增长 for the follower endpoints, 数据趋势 for getuserread, 消息发送
    for getupstreammsg; {} when there is none or nothing is missing."""
    missing = [n for n in _FROM_BACKEND if n in wanted and not files[n]]
    if not missing:
        return {}
    from wxnb.io.backend import find_content_trend, find_messages, find_user_growth

    claimed = {p for paths in files.values() for p in paths}
    out: dict[str, tuple[list[dict[str, Any]], str]] = {}
    # Each download: the endpoints it stands in for, how to find it, its rows per endpoint.
    stand_ins: tuple[tuple[tuple[str, ...], Callable[..., Any],
                           Callable[[Any], dict[str, list[dict[str, Any]]]]], ...] = (
        (("getusersummary", "getusercumulate"), find_user_growth,
         lambda g: {"getusersummary": g.summary, "getusercumulate": g.cumulate}),
        (("getuserread",), find_content_trend, lambda t: {"getuserread": t.read}),
        (("getupstreammsg",), find_messages, lambda m: {"getupstreammsg": m.rows}),
    )
    for names, find, rows_of in stand_ins:
        lacking = [n for n in names if n in missing]
        if not lacking:
            continue
        found, more = find(folder, claimed, month)
        problems.extend(more)
        if found is not None:
            notes.setdefault(lacking[0], []).extend(found.notes)
            rows = rows_of(found)
            out |= {n: (rows[n], found.file) for n in lacking}
    return out


def _empty_notes(empties: dict[str, list[str]], files: dict[str, list[Path]]) -> list[str]:
    """One note per endpoint for its chunk files whose list is empty (not one per file)."""
    notes = []
    for name, empty in empties.items():
        label = ENDPOINTS[name].label
        shown = "、".join(empty[:3]) + (f" 等 {len(empty)} 个文件" if len(empty) > 3 else "")
        if len(empty) == len(files[name]) and name == "getarticletotal":
            notes.append(f"本月没有群发图文：{label}的全部 {len(empty)} 个文件 list 为空（{shown}）")
        elif len(empty) == len(files[name]) and name == "getarticletotaldetail":
            notes.append(f"本月没有发表内容：{label}的全部 {len(empty)} 个文件 list 为空（{shown}）")
        else:
            notes.append(f"{shown}: list 为空（该时段接口没有返回数据）")
    return notes


def _names(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def _gaps(data: MonthData) -> list[str]:
    days = month_days(data.month)
    notes = []
    for name, df in data.frames.items():
        if not ENDPOINTS[name].daily:
            continue
        missing = sorted(set(days) - _days_seen(df, name))
        if missing:
            shown = "、".join(d.strftime("%m-%d") for d in missing[:10])
            more = f" 等 {len(missing)} 天" if len(missing) > 10 else ""
            notes.append(f"{ENDPOINTS[name].label} 缺少 {shown}{more} 的数据，相关合计偏低")
    return notes


def _follower_consistency(data: MonthData) -> list[str]:
    """cumulate(d) should equal cumulate(d-1) + new(d) - cancel(d); say where it does not."""
    if not (data.has("getusersummary") and data.has("getusercumulate")):
        return []
    s = data.frames["getusersummary"]
    net = (s["new_user"] - s["cancel_user"]).groupby(s["ref_date"]).sum()
    cum = data.frames["getusercumulate"].set_index("ref_date")["cumulate_user"].sort_index()
    step = cum.diff().dropna()
    gap = (step - net.reindex(step.index).fillna(0)).astype("int64")
    bad = gap[gap != 0]
    if bad.empty:
        return []
    days = "、".join(f"{d:%m-%d}（差 {v:+d}）" for d, v in bad.head(5).items())
    return [f"累计粉丝的日变化与新增−取消不一致：{days}；净增长以用户增减数据为准"]


@dataclass(frozen=True)
class PreviousMonth:
    """The previous month when it could be loaded, or why not."""

    data: MonthData | None
    note: str


def load_previous(
    folder: Path | str, month: str, *, endpoints: Iterable[str] | None = None
) -> PreviousMonth:
    """Load the previous month for 环比; never raises: a missing or broken month is a note."""
    folder = Path(folder)
    if not folder.is_dir():
        return PreviousMonth(None, f"无上月数据（未找到 {folder.name} 目录），环比不可用")
    try:
        return PreviousMonth(load_month(folder, month, endpoints=endpoints), "")
    except DataValidationError as exc:
        first = str(exc.problems[0]) if exc.problems else ""
        return PreviousMonth(
            None, f"上月数据校验未通过（{len(exc.problems)} 个问题，如 {first}），环比不可用"
        )


def all_problems(items: Iterable[Problem]) -> str:
    """Format problems one per line (used by the CLI)."""
    return "\n".join(f"  - {p}" for p in items)
