"""Section 12's own sample inputs, opposite their reader ``wxnb.io.touch.load``.

Written beside the month's datacube files and event log (``wxnb.samples.month`` writes those
first), and consistent with them:

``touch_templates.csv``
    Exactly the event log's ``TEMPLATESENDJOBFINISH`` callbacks of the month (same MsgID,
    recipient, time and Status; three of them logged twice, as WeChat's retries do), with the
    template's name (订单发货通知 when the recipient ordered in the 31 hours before, else
    会员开通通知) and whether the landing page logged a click. Clicks are planted by template and
    by the recipient's activity tier (interactions in the previous month's log when it exists,
    else in this month's): 高活跃 click about 3.5 times as often as 沉睡.
``touch_community.csv``
    20 groups (180–500 members); twelve 全员通知 a month, each posted to every group within a few
    minutes, four in each send slot. Planted: notices sent on weekend evenings are read by about
    8 percentage points more members than those of 其他时段.
``touch_costs.csv``
    The month's cost per channel; 服务号推送 is the content plan's cost (content_plan.csv).
``touch_ab_tests.csv``
    2026-10: a three-arm test with a real winner (数字式, 7.5 % against 6.0 %, about 12,000
    followers an arm) and a two-arm test of about 900 an arm, below the minimum sample;
    2026-09: one two-arm test without a difference.

Without an event log in the folder (a test writing only this section) the template callbacks are
simulated with the sample's follower-id shape (``f`` + 7 hex digits). Deterministic per seed and
month; ``hostile=True`` changes only texts (template names, group names, titles).
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from wxnb.io.datacube import month_days
from wxnb.io.eventlog import INTERACTIONS, no_progress_bar
from wxnb.io.touch import (
    AB_COLUMNS,
    AB_FILE,
    COMMUNITY_COLUMNS,
    COMMUNITY_FILE,
    COSTS_FILE,
    TEMPLATE_COLUMNS,
    TEMPLATE_CSV,
)
from wxnb.paths import prev_month
from wxnb.samples.hostile import HOSTILE_TEXTS

__all__ = ["write_sample"]

_KINDS = ("订单发货通知", "会员开通通知")
_KIND_P = {"订单发货通知": 0.17, "会员开通通知": 0.10}  # click probability of a 低活跃 recipient
_TIER_X = {"高活跃": 1.9, "中活跃": 1.35, "低活跃": 1.0, "沉睡": 0.55, "本月新关注": 1.2}
_TIER_HIGH, _TIER_MID = 10, 3  # the default parameters touch_tier_high / touch_tier_mid
_TOPICS = ("限时抢购", "直播预热", "新品上新", "会员日")
_TOPIC_X = {"限时抢购": 0.02, "直播预热": 0.01, "新品上新": 0.0, "会员日": -0.01}
_SLOT_P = {"commute": 0.27, "evening": 0.33, "other": 0.25}
_COSTS = {  # 元 a month: template service and landing page, community staff share
    "2026-09": {"模板消息": 450.0, "社群通知": 5400.0},
    "2026-10": {"模板消息": 480.0, "社群通知": 5600.0},
}
# (test, arm, style, title, planned share, open rate, delivered around)
_TESTS: dict[str, list[tuple[str, str, str, str, float, int]]] = {
    "2026-10": [
        ("T10-双11预热", "A", "疑问式", "双11囤货清单，你真的列对了吗？", 0.060, 12_000),
        ("T10-双11预热", "B", "数字式", "双11必囤的7件好物，第3件回购最多", 0.075, 12_000),
        ("T10-双11预热", "C", "悬念式", "双11前夜，我们悄悄准备了一件事……", 0.061, 12_000),
        ("T10-会员日", "A", "疑问式", "会员日的隐藏福利，你领到了吗？", 0.070, 900),
        ("T10-会员日", "B", "悬念式", "这个会员日，有点不一样", 0.090, 900),
    ],
    "2026-09": [
        ("T09-秋季上新", "A", "数字式", "秋季上新：3款面料，1次讲清", 0.058, 10_000),
        ("T09-秋季上新", "B", "悬念式", "换季前，先看看这件事", 0.060, 10_000),
    ],
}


def _rng(seed: int, month: str, stream: int) -> np.random.Generator:
    year, mon = (int(x) for x in month.split("-"))
    return np.random.default_rng([seed, year * 100 + mon, 1200 + stream])


def _write_csv(path: Path, header: tuple[str, ...] | list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _hostile(text: str, i: int, hostile: bool) -> str:
    return f"{HOSTILE_TEXTS[i % len(HOSTILE_TEXTS)]}{text}" if hostile else text


# --------------------------------------------------------------------------- templates


def _logs(folder: Path) -> list[str]:
    return [str(p).replace("'", "''") for p in sorted(folder.glob("events*.parquet"))]


def _log_callbacks(folder: Path, month: str) -> list[dict[str, Any]] | None:
    """The event log's template callbacks with the template kind and the recipient's tier."""
    import duckdb

    files = _logs(folder)
    if not files:
        return None
    prev = Path(folder).parent / prev_month(month)
    tier_files = _logs(prev) or files
    new_tier = tier_files is not files
    src = f"read_parquet([{', '.join(repr(f) for f in files)}])"
    tsrc = f"read_parquet([{', '.join(repr(f) for f in tier_files)}])"
    inter = ", ".join(f"'{e}'" for e in INTERACTIONS)
    con = no_progress_bar(duckdb.connect())
    try:
        rows = con.execute(f"""
            WITH t AS (SELECT time, follower_id, key, value FROM {src}
                       WHERE event = 'TEMPLATESENDJOBFINISH'),
                 o AS (SELECT follower_id, time FROM {src} WHERE event = 'order'),
                 n AS (SELECT follower_id, count(*) AS n FROM {tsrc}
                       WHERE event IN ({inter})
                         AND follower_id IN (SELECT follower_id FROM t) GROUP BY 1),
                 s AS (SELECT DISTINCT follower_id FROM {src} WHERE event = 'subscribe')
            SELECT t.time, t.follower_id, t.key, t.value,
                   EXISTS (SELECT 1 FROM o WHERE o.follower_id = t.follower_id
                           AND o.time <= t.time AND o.time > t.time - INTERVAL 31 HOUR) AS shipped,
                   coalesce(n.n, 0) AS n,
                   {'t.follower_id IN (SELECT follower_id FROM s)' if new_tier else 'false'}
                       AS new
            FROM t LEFT JOIN n USING (follower_id)
            ORDER BY t.time, t.key""").fetchall()
    finally:
        con.close()
    return [{"time": r[0], "follower_id": str(r[1]), "msgid": str(r[2]), "status": str(r[3]),
             "kind": _KINDS[0] if r[4] else _KINDS[1], "n": int(r[5]), "new": bool(r[6])}
            for r in rows]


def _simulated_callbacks(month: str, seed: int) -> list[dict[str, Any]]:
    rng = _rng(seed, month, 1)
    days = month_days(month)
    out = []
    for i in range(int(rng.integers(1300, 1500))):
        d = days[int(rng.integers(len(days)))]
        t = datetime.combine(d, datetime.min.time()) + timedelta(
            seconds=int(rng.integers(7 * 3600, 23 * 3600)))
        status = ("success", "failed:user block", "failed: system failed")[
            int(rng.choice(3, p=(0.965, 0.025, 0.010)))]
        out.append({"time": t, "follower_id": f"f{int(rng.integers(0, 1 << 24)):07x}",
                    "msgid": str(400_000_000_000 + i), "status": status,
                    "kind": _KINDS[int(rng.random() < 0.35)],
                    "n": int(rng.choice([0, 1, 2, 4, 6, 12, 20])), "new": False})
    return sorted(out, key=lambda r: (r["time"], r["msgid"]))


def _tier(n: int, new: bool) -> str:
    if new:
        return "本月新关注"
    return "高活跃" if n >= _TIER_HIGH else "中活跃" if n >= _TIER_MID else \
        "低活跃" if n >= 1 else "沉睡"


def _template_rows(folder: Path, month: str, seed: int, hostile: bool) -> list[list[Any]]:
    calls = _log_callbacks(folder, month) or _simulated_callbacks(month, seed)
    rng = _rng(seed, month, 2)
    rows = []
    for c in calls:
        ok = c["status"].replace(" ", "").lower() == "success"
        p = _KIND_P[c["kind"]] * _TIER_X[_tier(c["n"], c["new"])]
        clicked = ("是" if rng.random() < p else "否") if ok else ""
        name = _hostile(c["kind"], _KINDS.index(c["kind"]) + 3, hostile)
        rows.append([f"{c['time']:%Y-%m-%d %H:%M:%S}", c["follower_id"], c["msgid"],
                     c["status"], name, clicked])
    # WeChat retries a callback its server did not answer within 5 s: three are logged twice.
    for j in rng.choice(len(rows), size=min(3, len(rows)), replace=False):
        again = list(rows[int(j)])
        t = datetime.strptime(again[0], "%Y-%m-%d %H:%M:%S") + timedelta(seconds=5)
        if t.strftime("%Y-%m") == month:
            again[0] = f"{t:%Y-%m-%d %H:%M:%S}"
            rows.append(again)
    return rows


# --------------------------------------------------------------------------- community


def _slot_days(month: str) -> dict[str, list[date]]:
    days = month_days(month)
    return {"commute": [d for d in days if d.weekday() < 5],
            "evening": [d for d in days if d.weekday() >= 5],
            "other": [d for d in days if d.weekday() < 5]}


def _slot_time(kind: str, rng: np.random.Generator) -> int:
    """Seconds after midnight of a notice in the slot ``kind``."""
    if kind == "commute":
        start = (8 * 3600 + 600) if rng.random() < 0.5 else (17 * 3600 + 1200)
        return start + int(rng.integers(0, 2400))
    if kind == "evening":
        return 19 * 3600 + 1800 + int(rng.integers(0, 5400))
    start = (12 * 3600) if rng.random() < 0.5 else (20 * 3600 + 600)
    return start + int(rng.integers(0, 3000))


def _community_rows(month: str, seed: int, hostile: bool) -> list[list[Any]]:
    groups_rng = np.random.default_rng([seed, 1299])  # the same groups every month
    size = groups_rng.integers(180, 480, 20)
    effect = groups_rng.normal(0, 0.03, 20)
    growth = {"2026-09": 1.0, "2026-10": 1.03}.get(month, 1.0)
    names = [_hostile(f"青禾生活福利{i + 1}群", i, hostile) for i in range(20)]
    rng = _rng(seed, month, 3)
    by_slot = _slot_days(month)
    plan = [kind for kind in ("commute", "evening", "other") for _ in range(4)]
    rows = []
    for j, kind in enumerate(plan):
        d = by_slot[kind][int(rng.integers(len(by_slot[kind])))]
        t0 = datetime.combine(d, datetime.min.time()) + timedelta(seconds=_slot_time(kind, rng))
        topic = _TOPICS[int(rng.integers(len(_TOPICS)))]
        p_notice = _SLOT_P[kind] + _TOPIC_X[topic] + rng.normal(0, 0.02)
        for g in range(20):
            members = int(min(500, round(size[g] * growth)))
            p = float(np.clip(p_notice + effect[g], 0.05, 0.9))
            t = t0 + timedelta(seconds=int(rng.integers(0, 300)))
            rows.append([f"{t:%Y-%m-%d %H:%M}", names[g], members,
                         int(rng.binomial(members, p)), f"N{month[2:4]}{month[5:]}-{j + 1:02d}",
                         topic])
    return sorted(rows, key=lambda r: (r[0], r[4]))


# --------------------------------------------------------------------------- costs, tests


def _plan_cost(folder: Path) -> float | None:
    path = folder / "content_plan.csv"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8-sig", newline="") as fh:
        costs = [row.get("cost", "") for row in csv.DictReader(fh)]
    total = sum(float(c) for c in costs if c and c.replace(".", "", 1).isdigit())
    return total or None


def _cost_rows(folder: Path, month: str) -> list[list[Any]]:
    costs = _COSTS.get(month, _COSTS["2026-10"])
    plan = _plan_cost(folder)
    push = ([plan, "内容制作成本（content_plan.csv 合计）"] if plan is not None
            else [12_000.0, "内容制作成本（估计）"])
    return [["模板消息", costs["模板消息"], "模板消息服务与落地页维护"],
            ["服务号推送", *push],
            ["社群通知", costs["社群通知"], "社群运营人力分摊"]]


def _ab_rows(month: str, seed: int, hostile: bool) -> list[list[Any]]:
    rng = _rng(seed, month, 4)
    rows = []
    for i, (test, arm, style, title, p, n) in enumerate(_TESTS.get(month, _TESTS["2026-09"])):
        delivered = int(n + rng.integers(-int(n * 0.01), int(n * 0.01) + 1))
        groups = len([t for t in _TESTS.get(month, _TESTS["2026-09"]) if t[0] == test])
        rows.append([test, arm, _hostile(title, i, hostile), style, delivered,
                     int(rng.binomial(delivered, p)), round(1 / groups, 4)])
    return rows


def write_sample(folder: Path, month: str, *, seed: int = 2026,
                 hostile: bool = False) -> list[Path]:
    """Write ``touch_templates.csv``, ``touch_community.csv``, ``touch_costs.csv`` and
    ``touch_ab_tests.csv`` for ``month`` (see the module for what they plant)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _write_csv(folder / TEMPLATE_CSV, [*TEMPLATE_COLUMNS, "template", "clicked"],
                   _template_rows(folder, month, seed, hostile)),
        _write_csv(folder / COMMUNITY_FILE, [*COMMUNITY_COLUMNS, "notice", "topic"],
                   _community_rows(month, seed, hostile)),
        _write_csv(folder / COSTS_FILE, ["channel", "cost", "note"], _cost_rows(folder, month)),
        _write_csv(folder / AB_FILE, [*AB_COLUMNS, "planned_share"],
                   _ab_rows(month, seed, hostile)),
    ]
