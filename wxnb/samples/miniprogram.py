"""Section 13's own sample inputs, opposite their reader ``wxnb.io.miniprogram.load``: one month of
a retail mini program's analysis API answers, archived exactly as ``wxnb fetch``
(``wxnb.io.mpfetch``) writes them, and its orders.

What the sample plants (the tests and the narrative rely on it):

- October's product detail pages lose their visitors: the mean stay per visit falls from about
  38 s to 26 s, the pages' exit rate rises, and the share of detail-page visitors who pay falls
  from about 7.0 % to 5.2 % (the home page's click-through stays where it was);
- one launch stage, 代码注入, is about 300 ms slower in October, which is exactly why the
  start-up time section 06 reports (``wxnb.samples.tech``, the same daily totals) rises from
  about 1.95 s to 2.25 s;
- the answers are those of a fetch on the 1st of the next month: retention days after the
  month's end are still 0, and this month's cohort has no next-month figure yet;
- an access source (key 99) and a 场景值 (1089) that the code tables do not know.

``hostile`` only changes texts (page paths of the activity pages, a device name, the name of
one performance table), never a number.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from wxnb.io.datacube import month_days
from wxnb.io.miniprogram import (
    DAILY_RETAIN,
    DAILY_SUMMARY,
    DAILY_VISIT,
    DISTRIBUTION,
    MONTHLY_RETAIN,
    MONTHLY_VISIT,
    ORDER_COLUMNS,
    ORDERS_FILE,
    PERFORMANCE,
    PORTRAIT,
    RETAIN_KEYS,
    VISIT_PAGE,
    file_name,
)
from wxnb.paths import prev_month

__all__ = ["LEVELS", "write_sample"]

#: Per month: detail-page stay (s) and exit rate, the paying share of detail-page visitors,
#: new users' 7-day retention. Other months take September's.
LEVELS: dict[str, dict[str, float]] = {
    "2026-09": {"detail_stay": 38.0, "detail_exit": 0.34, "pay": 0.070, "d7": 0.104},
    "2026-10": {"detail_stay": 26.0, "detail_exit": 0.47, "pay": 0.052, "d7": 0.097},
}
#: Share of a month's new users active in the next month (WeChat's monthly retention key 1).
NEXT_ACTIVE = {"2026-08": 0.172, "2026-09": 0.186}
_BASE_UV = 9000
_START_TOTAL = 360_000  # 累计用户 at the start of the first month generated
_FIRST = "2026-01"

# path, share of the day's visitors, visits per visitor, stay (s), entry share, exit rate
_PAGES: tuple[tuple[str, float, float, float, float, float], ...] = (
    ("pages/index/index", 0.78, 1.45, 14.0, 0.62, 0.30),
    ("pages/goods/detail", 0.46, 1.90, 0.0, 0.10, 0.0),  # stay and exit: LEVELS
    ("pages/goods/list", 0.40, 1.60, 22.0, 0.03, 0.18),
    ("pages/search/index", 0.14, 1.30, 16.0, 0.01, 0.20),
    ("pages/cart/index", 0.12, 1.40, 20.0, 0.02, 0.28),
    ("pages/order/confirm", 0.07, 1.10, 25.0, 0.0, 0.22),
    ("pages/pay/result", 0.05, 1.00, 8.0, 0.0, 0.55),
    ("pages/member/code", 0.10, 1.10, 18.0, 0.12, 0.60),
    ("pages/points/index", 0.05, 1.30, 30.0, 0.05, 0.45),
    ("pages/goods/new", 0.06, 1.20, 26.0, 0.06, 0.35),
    ("pages/goods/top", 0.05, 1.20, 24.0, 0.05, 0.33),
    ("pages/goods/vip", 0.02, 1.20, 20.0, 0.03, 0.40),
    ("pages/user/index", 0.09, 1.20, 12.0, 0.01, 0.30),
    ("pages/activity/autumn", 0.04, 1.30, 28.0, 0.20, 0.42),
    ("pages/activity/member-day", 0.03, 1.20, 25.0, 0.25, 0.48),
)
_HOSTILE_PAGES = ("pages/activity/autumn", "pages/activity/member-day", "pages/goods/vip")
#: 访问来源 key → share of the opens (99 is a key the code table does not know).
_SOURCES = {1: 0.22, 2: 0.11, 3: 0.18, 4: 0.06, 7: 0.05, 10: 0.03, 13: 0.09, 18: 0.07,
            33: 0.08, 15: 0.04, 62: 0.04, 99: 0.01, 22: 0.02}
#: 场景值 of the orders (1089 is not in the code table; 0 = not recorded).
_SCENES = {1001: 0.19, 1035: 0.14, 1045: 0.06, 1046: 0.02, 1005: 0.06, 1053: 0.04, 1007: 0.16,
           1011: 0.05, 1058: 0.06, 1023: 0.05, 1089: 0.06, 1034: 0.04, 1037: 0.02, 0: 0.05}
_RETAIN_NEW = {1: 0.21, 2: 0.15, 3: 0.125, 4: 0.112, 5: 0.105, 6: 0.100, 14: 0.072, 30: 0.048}
_RETAIN_ACTIVE = {1: 0.36, 2: 0.31, 3: 0.29, 4: 0.28, 5: 0.27, 6: 0.265, 7: 0.26, 14: 0.22,
                  30: 0.17}


def _rng(seed: int, month: str, stream: int) -> np.random.Generator:
    year, mon = (int(x) for x in month.split("-"))
    return np.random.default_rng([seed, year * 100 + mon, 130 + stream])


def _level(month: str) -> dict[str, float]:
    return LEVELS.get(month, LEVELS["2026-09"])


@cache
def _visits(seed: int, month: str) -> tuple[tuple[dict[str, Any], ...], int]:
    """Each day's visit trend row, and 累计用户 at the start of the month."""
    rng = _rng(seed, month, 1)
    rows = []
    for d in month_days(month):
        factor = (1.15 if d.weekday() >= 5 else 1.0) * (1.35 if d.month == 10 and d.day <= 7
                                                         else 1.0)
        uv = round(_BASE_UV * factor * (1 + rng.normal(0, 0.05)))
        new = round(uv * rng.uniform(0.11, 0.15))
        session = round(uv * rng.uniform(1.55, 1.70))
        pv = round(session * rng.uniform(2.5, 2.8))
        stay_uv = round(float(rng.normal(175, 10)), 4)
        rows.append({"ref_date": f"{d:%Y%m%d}", "session_cnt": session, "visit_pv": pv,
                     "visit_uv": uv, "visit_uv_new": new, "stay_time_uv": stay_uv,
                     "stay_time_session": round(stay_uv * uv / session, 4),
                     "visit_depth": round(pv / session, 4)})
    if month <= _FIRST:
        start = _START_TOTAL
    else:
        before, start_before = _visits(seed, prev_month(month))
        start = start_before + sum(r["visit_uv_new"] for r in before)
    return tuple(rows), start


def _mau(rows: tuple[dict[str, Any], ...]) -> int:
    return round(sum(r["visit_uv"] for r in rows) * 0.38)


def _dump(path: Path, body: Any) -> Path:
    """One answer as WeChat sends it (compact JSON, UTF-8), which the fetcher keeps as it is."""
    path.write_bytes(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return path


def _daily_files(folder: Path, month: str, seed: int) -> list[Path]:
    rows, start = _visits(seed, month)
    rng = _rng(seed, month, 2)
    out, total = [], start
    for r in rows:
        d = datetime.strptime(r["ref_date"], "%Y%m%d").date()
        total += r["visit_uv_new"]
        share_pv = round(r["visit_uv"] * rng.uniform(0.05, 0.07))
        out.append(_dump(folder / file_name(DAILY_VISIT, d, d), {"list": [r]}))
        out.append(_dump(folder / file_name(DAILY_SUMMARY, d, d), {"list": [{
            "ref_date": r["ref_date"], "visit_total": total, "share_pv": share_pv,
            "share_uv": round(share_pv * 0.7)}]}))
    return out


def _page_rows(r: dict[str, Any], level: dict[str, float], rng: np.random.Generator,
               hostile: bool) -> list[dict[str, Any]]:
    from wxnb.samples.hostile import HOSTILE_TEXTS

    items = []
    for path, share, per, stay, entry, exit_ in _PAGES:
        if path == "pages/goods/detail":
            stay, exit_ = level["detail_stay"], level["detail_exit"]
        uv = round(r["visit_uv"] * share * rng.uniform(0.96, 1.04))
        pv = max(uv, round(uv * per * rng.uniform(0.97, 1.03)))
        if hostile and path in _HOSTILE_PAGES:
            text = HOSTILE_TEXTS[_HOSTILE_PAGES.index(path) * 3 % len(HOSTILE_TEXTS)]
            path = f"pages/activity/{text}"
        share_pv = round(pv * rng.uniform(0.01, 0.03))
        items.append({
            "page_path": path, "page_visit_pv": pv, "page_visit_uv": uv,
            "page_staytime_pv": round(float(stay * rng.uniform(0.92, 1.08)), 4),
            "entrypage_pv": round(pv * entry * rng.uniform(0.9, 1.1)),
            "exitpage_pv": round(pv * exit_ * rng.uniform(0.95, 1.05)),
            "page_share_pv": share_pv, "page_share_uv": round(share_pv * 0.8),
        })
    return sorted(items, key=lambda i: -i["page_visit_pv"])


def _pages_files(folder: Path, month: str, seed: int, hostile: bool) -> tuple[list[Path],
                                                                              list[int]]:
    """One visit-page answer a day; also each day's detail-page visitors (for the orders)."""
    rows, _ = _visits(seed, month)
    rng = _rng(seed, month, 3)
    level = _level(month)
    out, detail = [], []
    for r in rows:
        d = datetime.strptime(r["ref_date"], "%Y%m%d").date()
        items = _page_rows(r, level, rng, hostile)
        detail.append(next(i["page_visit_uv"] for i in items
                           if i["page_path"] == "pages/goods/detail"))
        out.append(_dump(folder / file_name(VISIT_PAGE, d, d),
                         {"ref_date": r["ref_date"], "list": items}))
    return out, detail


def _split(total: int, shares: dict[int, float], rng: np.random.Generator) -> dict[int, int]:
    keys = list(shares)
    p = np.array([shares[k] for k in keys])
    counts = rng.multinomial(total, p / p.sum())
    return {k: int(c) for k, c in zip(keys, counts, strict=True)}


def _distribution_files(folder: Path, month: str, seed: int) -> list[Path]:
    rows, _ = _visits(seed, month)
    rng = _rng(seed, month, 4)
    out = []
    for r in rows:
        d = datetime.strptime(r["ref_date"], "%Y%m%d").date()
        lists = []
        for index, total, shares in (
            ("access_source_session_cnt", r["session_cnt"], _SOURCES),
            ("access_source_visit_uv", r["visit_uv"], _SOURCES),
            ("access_staytime_info", r["session_cnt"],
             {1: .12, 2: .10, 3: .14, 4: .16, 5: .13, 6: .14, 7: .12, 8: .09}),
            ("access_depth_info", r["session_cnt"],
             {1: .28, 2: .22, 3: .15, 4: .10, 5: .07, 6: .12, 7: .06}),
        ):
            split = _split(total, shares, rng)
            lists.append({"index": index, "item_list": [{"key": k, "value": v}
                                                        for k, v in split.items() if v]})
        out.append(_dump(folder / file_name(DISTRIBUTION, d, d),
                         {"ref_date": r["ref_date"], "list": lists}))
    return out


def _retain_files(folder: Path, month: str, seed: int) -> list[Path]:
    """Answers as fetched on the 1st of the next month: a day after the month end is 0."""
    rows, _ = _visits(seed, month)
    rng = _rng(seed, month, 5)
    last = month_days(month)[-1]
    curve_new = {**_RETAIN_NEW, 7: _level(month)["d7"]}
    out = []
    for r in rows:
        d = datetime.strptime(r["ref_date"], "%Y%m%d").date()
        body: dict[str, Any] = {"ref_date": r["ref_date"]}
        for name, base, curve in (("visit_uv_new", r["visit_uv_new"], curve_new),
                                  ("visit_uv", r["visit_uv"], _RETAIN_ACTIVE)):
            entries = [{"key": 0, "value": base}]
            for k in RETAIN_KEYS[1:]:
                seen = d + timedelta(days=k) <= last
                entries.append({"key": k, "value": int(rng.binomial(base, curve[k]))
                                if seen else 0})
            body[name] = entries
        out.append(_dump(folder / file_name(DAILY_RETAIN, d, d), body))
    return out


def _monthly_files(folder: Path, month: str, seed: int) -> list[Path]:
    rows, _ = _visits(seed, month)
    first, last = month_days(month)[0], month_days(month)[-1]
    sums = {k: sum(r[k] for r in rows) for k in ("session_cnt", "visit_pv", "visit_uv_new")}
    mau = _mau(rows)
    trend = {"ref_date": f"{first:%Y%m}", "session_cnt": sums["session_cnt"],
             "visit_pv": sums["visit_pv"], "visit_uv": mau, "visit_uv_new": sums["visit_uv_new"],
             "stay_time_uv": round(sum(r["stay_time_uv"] * r["visit_uv"] for r in rows)
                                   / sum(r["visit_uv"] for r in rows) * 2.2, 4),
             "stay_time_session": round(sum(r["stay_time_session"] * r["session_cnt"]
                                            for r in rows) / sums["session_cnt"], 4),
             "visit_depth": round(sums["visit_pv"] / sums["session_cnt"], 4)}
    out = [_dump(folder / file_name(MONTHLY_VISIT, first, last), {"list": [trend]})]
    # This month's cohort: its next month has not happened at fetch time (key 1 is 0).
    out.append(_dump(folder / file_name(MONTHLY_RETAIN, first, last), {
        "ref_date": f"{first:%Y%m}",
        "visit_uv_new": [{"key": 0, "value": sums["visit_uv_new"]}, {"key": 1, "value": 0}],
        "visit_uv": [{"key": 0, "value": mau}, {"key": 1, "value": 0}]}))
    # The month before: its next month is this one, over at fetch time.
    before = prev_month(month)
    b_rows, _ = _visits(seed, before)
    b_first, b_last = month_days(before)[0], month_days(before)[-1]
    b_new, b_mau = sum(r["visit_uv_new"] for r in b_rows), _mau(b_rows)
    rng = _rng(seed, before, 6)
    out.append(_dump(folder / file_name(MONTHLY_RETAIN, b_first, b_last), {
        "ref_date": f"{b_first:%Y%m}",
        "visit_uv_new": [{"key": 0, "value": b_new},
                         {"key": 1, "value": int(rng.binomial(b_new,
                                                              NEXT_ACTIVE.get(before, 0.18)))}],
        "visit_uv": [{"key": 0, "value": b_mau},
                     {"key": 1, "value": int(rng.binomial(b_mau, 0.45))}]}))
    return out


_STAGES = (  # id, 中文名 (the remainder table last)
    ("startup_total", "启动总耗时"), ("download_code", "代码包下载耗时"),
    ("inject_code", "代码注入耗时"), ("first_render", "首次渲染耗时"), ("other", "其他耗时"),
)


def _performance_files(folder: Path, month: str, seed: int, hostile: bool) -> list[Path]:
    """getPerformanceData module 10017 over the month (windows of at most 30 days), the daily
    totals being section 06's sample start-up times."""
    from wxnb.samples.hostile import HOSTILE_TEXTS
    from wxnb.samples.tech import _perf_rows

    totals = {r[0]: float(r[1]) for r in _perf_rows(month, seed)}
    rng = _rng(seed, month, 7)
    values: dict[str, dict[str, float]] = {sid: {} for sid, _ in _STAGES}
    for day, total in totals.items():
        download, render = rng.normal(560, 25), rng.normal(640, 30)
        other = rng.normal(330, 20)
        inject = max(150.0, total - download - render - other)
        for sid, v in (("startup_total", total), ("download_code", download),
                       ("inject_code", inject), ("first_render", render), ("other", other)):
            values[sid][day] = v
    days = month_days(month)
    out = []
    for i in range(0, len(days), 30):
        window = days[i:i + 30]
        tables = []
        for sid, zh in _STAGES:
            if hostile and sid == "other":
                zh = HOSTILE_TEXTS[0] + zh
            fields = [{"refdate": f"{d:%Y%m%d}", "value": f"{values[sid][d.isoformat()]:.4f}"}
                      for d in window]
            tables.append({"id": sid, "lines": [{"fields": fields}], "zh": zh})
        out.append(_dump(folder / file_name(PERFORMANCE, window[0], window[-1]), {
            "errcode": 0, "errmsg": "ok", "data": {"body": {"tables": tables,
                                                            "count": len(tables)}}}))
    return out


def _portrait_file(folder: Path, month: str, seed: int, hostile: bool) -> Path:
    from wxnb.samples.hostile import HOSTILE_TEXTS

    rows, _ = _visits(seed, month)
    last = month_days(month)[-1]
    first = last - timedelta(days=29)
    rng = _rng(seed, month, 8)
    new = sum(r["visit_uv_new"] for r in rows)
    mau = _mau(rows)
    devices = ["iPhone 15", "HUAWEI Mate 60", "iPhone 14", "Redmi K70", "OPPO Reno11"]
    if hostile:
        devices[1] = HOSTILE_TEXTS[1]
    body: dict[str, Any] = {"ref_date": f"{first:%Y%m%d}-{last:%Y%m%d}"}
    for name, total, tilt in (("visit_uv_new", new, 0.25), ("visit_uv", mau, 0.0)):
        def dim(labels: list[tuple[int | None, str]], shares: list[float],
                total: int = total, tilt: float = tilt) -> list[dict[str, Any]]:
            # new users lean to the first labels (younger, the first provinces)
            p = np.array(shares) * (1 + tilt * np.linspace(1, -1, len(shares)))
            counts = rng.multinomial(total, p / p.sum())
            return [({"id": i} if i is not None else {}) | {"name": n, "value": int(c)}
                    for (i, n), c in zip(labels, counts, strict=True)]

        body[name] = {
            "province": dim([(1, "广东省"), (2, "浙江省"), (3, "江苏省"), (4, "上海市"),
                             (5, "北京市")], [.3, .2, .2, .17, .13]),
            "city": dim([(1, "深圳"), (2, "杭州"), (3, "上海"), (4, "广州"), (5, "南京")],
                        [.25, .2, .2, .2, .15]),
            "genders": dim([(1, "男"), (2, "女"), (0, "未知")], [.38, .58, .04]),
            "platforms": dim([(1, "iPhone"), (2, "Android"), (3, "其他")], [.46, .52, .02]),
            "devices": dim([(None, d) for d in devices], [.3, .25, .2, .15, .1]),
            "ages": dim([(1, "17岁以下"), (2, "18-24岁"), (3, "25-29岁"), (4, "30-39岁"),
                         (5, "40-49岁"), (6, "50岁以上"), (0, "未知")],
                        [.03, .18, .26, .3, .14, .07, .02]),
        }
    return _dump(folder / file_name(PORTRAIT, first, last), body)


def _orders(folder: Path, month: str, seed: int, detail_uv: list[int]) -> Path:
    rng = _rng(seed, month, 9)
    pay = _level(month)["pay"]
    pool = [f"oMp{int(x):010x}" for x in rng.integers(0, 16**10, size=16_000)]
    scenes = list(_SCENES)
    p = np.array([_SCENES[s] for s in scenes])
    rows: list[list[Any]] = []
    n = 0
    for d, visitors in zip(month_days(month), detail_uv, strict=True):
        payers = int(rng.binomial(visitors, pay))
        buyers = rng.choice(len(pool), size=payers, replace=False)
        for b in buyers:
            for _ in range(2 if rng.random() < 0.08 else 1):
                n += 1
                stamp = datetime.combine(d, time(8)) + timedelta(
                    seconds=int(rng.integers(0, 16 * 3600)))
                amount = round(float(np.exp(rng.normal(np.log(150), 0.55))), 2)
                scene = int(scenes[rng.choice(len(scenes), p=p / p.sum())])
                rows.append([f"MP{d:%Y%m%d}{n:06d}", f"{stamp:%Y-%m-%d %H:%M:%S}", pool[int(b)],
                             f"{amount:.2f}", str(scene) if scene else ""])
    path = folder / ORDERS_FILE
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*ORDER_COLUMNS, "scene"])
        w.writerows(rows)
    return path


def write_sample(folder: Path, month: str, *, seed: int = 2026,
                 hostile: bool = False) -> list[Path]:
    """Write ``month``'s mini program answers (``wxa_*.json``) and ``mp_orders.csv``.

    Deterministic per seed and month; ``hostile`` only changes texts (page paths, a device
    name, a performance table's name), never a number.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pages, detail_uv = _pages_files(folder, month, seed, hostile)
    files = [
        *_daily_files(folder, month, seed), *pages, *_distribution_files(folder, month, seed),
        *_retain_files(folder, month, seed), *_monthly_files(folder, month, seed),
        *_performance_files(folder, month, seed, hostile),
        _portrait_file(folder, month, seed, hostile), _orders(folder, month, seed, detail_uv),
    ]
    return sorted(files)
