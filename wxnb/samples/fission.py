"""Section 09's own sample inputs, opposite their reader ``wxnb.io.fission.load``.

2026-10 plants: a 任务宝 within its benchmark (CAC ≈ 2.35 元, 次日留存 ≈ 46 %, risk 中 from its
follow gate and invitation task), a 抽奖 that rewards the follow itself (利诱关注 → 高; CAC ≈ 0.85
元, 次日留存 ≈ 20 %, clearly below the 28 % benchmark), a compliant 体验官 recruitment of WeCom
friends (no benchmark: 未配置) and a 拼团 whose CAC (≈ 4.3 元) is just above the type's 4 元
(预警). The 抽奖 and the 体验官 run to the month's last day, so their last-day joiners are
right-censored. Inviter trees reach level 5 (任务宝). 2026-09 has two campaigns (a 任务宝 and a
拼团) for 环比; any other month repeats September's plan on its own dates.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from wxnb.io.datacube import month_days
from wxnb.io.fission import (
    CAMPAIGN_COLUMNS,
    CAMPAIGNS_FILE,
    PARTICIPANT_COLUMNS,
    PARTICIPANTS_FILE,
)

__all__ = ["write_sample"]


@dataclass(frozen=True)
class _Plan:
    """One sample campaign: its row and the behaviour its participants are drawn from."""

    cid: str
    name: str
    kind: str
    first: int  # start day of the month
    last: int  # end day (clipped to the month)
    target: str
    reward: str
    flags: tuple[str, str, str, str, str]  # requires_follow … rules_published, 是/否
    threshold: int
    n: int  # participants (± 5 %)
    seed_share: float  # chance a participant came from the campaign's own push or poster
    max_depth: int
    decay: float  # weight of a deeper inviter (per level)
    conversion: float
    keep_d1: float  # chance a converted user is still there at the end of her next day
    cac: float  # 元 per new user the cost is set to


_OCT = (
    _Plan("T2610A", "秋季护肤资料包任务宝", "任务宝", 8, 20, "公众号", "邀请3位好友关注，得护肤电子资料包",
          ("是", "否", "否", "否", "是"), 3, 2300, 0.10, 5, 0.75, 0.90, 0.46, 2.35),
    _Plan("L2610B", "关注抽新品礼盒", "抽奖", 15, 31, "公众号", "关注即得抽奖资格，邀请1位好友多一次机会",
          ("是", "否", "是", "是", "是"), 1, 1600, 0.25, 4, 0.55, 0.95, 0.20, 0.85),
    _Plan("E2610C", "新品体验官招募", "体验官", 10, 31, "企业微信", "提交申请，入选者获新品正装试用",
          ("否", "否", "否", "否", "是"), 0, 1100, 0.70, 2, 0.35, 0.75, 0.86, 7.20),
    _Plan("G2610D", "双人拼团尝鲜价", "拼团", 22, 28, "公众号", "2人成团享尝鲜价，规则见活动页",
          ("否", "否", "否", "否", "是"), 0, 1500, 0.45, 3, 0.50, 0.60, 0.61, 4.30),
)
_SEP = (
    _Plan("T2609A", "开学季资料包任务宝", "任务宝", 5, 18, "公众号", "邀请3位好友关注，得学习资料包",
          ("是", "否", "否", "否", "是"), 3, 1700, 0.12, 4, 0.70, 0.88, 0.40, 2.90),
    _Plan("G2609B", "中秋双人拼团", "拼团", 20, 27, "公众号", "2人成团享节日价，规则见活动页",
          ("否", "否", "否", "否", "是"), 0, 1200, 0.45, 3, 0.50, 0.60, 0.55, 3.60),
)
_PLANS = {"2026-10": _OCT, "2026-09": _SEP}
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-"


def _rng(seed: int, month: str, stream: int) -> np.random.Generator:
    year, mon = (int(x) for x in month.split("-"))
    return np.random.default_rng([seed, year * 100 + mon, 90 + stream])


def _join_times(rng: np.random.Generator, n: int, days: list[date]) -> list[datetime]:
    """``n`` join times over ``days``: a peak in the first third, a tail, none at night."""
    k = len(days)
    shape = np.array([np.exp(-((i - k / 4) ** 2) / (2 * max(1.0, k / 3) ** 2)) + 0.25
                      for i in range(k)])
    picks = rng.choice(k, size=n, p=shape / shape.sum())
    minutes = rng.integers(8 * 60, 23 * 60, size=n)
    return sorted(datetime.combine(days[int(d)], datetime.min.time()) + timedelta(minutes=int(m))
                  for d, m in zip(picks, minutes, strict=True))


def _ids(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct openid-like user ids (``o`` + 27 characters)."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        uid = "o" + "".join(_ALPHABET[int(i)] for i in rng.integers(0, 64, size=27))
        if uid not in seen:
            seen.add(uid)
            out.append(uid)
    return out


def _inviters(rng: np.random.Generator, n: int, plan: _Plan) -> list[int]:
    """Each participant's inviter (an earlier participant's index, −1 for a seed)."""
    by_level: list[list[int]] = [[] for _ in range(plan.max_depth + 1)]
    out = []
    for i in range(n):
        weights = np.array([len(by_level[d]) * plan.decay ** d for d in range(plan.max_depth)])
        if i < 3 or rng.random() < plan.seed_share or weights.sum() == 0:
            out.append(-1)
            by_level[0].append(i)
            continue
        d = int(rng.choice(plan.max_depth, p=weights / weights.sum()))
        level = by_level[d]
        out.append(level[int(rng.integers(len(level)))])
        by_level[d + 1].append(i)
    return out


def _left_at(rng: np.random.Generator, joined: datetime, keep: float, end: datetime) -> str:
    """When a converted user left (within her next day with chance 1 − keep, later sometimes),
    '' when she stayed or left after the end of the data."""
    next_end = datetime.combine(joined.date() + timedelta(days=2), datetime.min.time())
    if rng.random() > keep:
        span = (next_end - joined).total_seconds() / 60
        when = joined + timedelta(minutes=int(rng.integers(1, max(2, int(span)))))
    elif rng.random() < 0.12:
        when = next_end + timedelta(minutes=int(rng.integers(60, 20 * 24 * 60)))
    else:
        return ""
    return "" if when > end else f"{when:%Y-%m-%d %H:%M}"


def _campaign(plan: _Plan, month: str, seed: int, stream: int
              ) -> tuple[list[list[Any]], list[Any]]:
    """The participants' rows and the campaign's row (its cost set from the new users)."""
    rng = _rng(seed, month, stream)
    days = month_days(month)
    first, last = days[min(plan.first, len(days)) - 1], days[min(plan.last, len(days)) - 1]
    span = [d for d in days if first <= d <= last]
    n = int(plan.n * rng.uniform(0.95, 1.05))
    times = _join_times(rng, n, span)
    ids = _ids(rng, n)
    inviters = _inviters(rng, n, plan)
    end = datetime.combine(days[-1], datetime.max.time())
    rows, converted = [], 0
    for i in range(n):
        conv = rng.random() < plan.conversion
        converted += conv
        left = _left_at(rng, times[i], plan.keep_d1, end) if conv else ""
        rows.append([plan.cid, ids[i], ids[inviters[i]] if inviters[i] >= 0 else "",
                     f"{times[i]:%Y-%m-%d %H:%M}", "是" if conv else "否", left])
    cost = round(plan.cac * converted)
    camp = [plan.cid, plan.name, plan.kind, first.isoformat(), last.isoformat(), str(cost),
            plan.target, plan.reward, *plan.flags, str(plan.threshold), ""]
    return rows, camp


def _write(path: Path, header: tuple[str, ...], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_sample(folder: Path, month: str, *, seed: int = 2026,
                 hostile: bool = False) -> list[Path]:
    """Write ``fission_campaigns.csv`` and ``fission_participants.csv`` for ``month``.

    Deterministic per seed and month; ``hostile`` only changes the texts (campaign names and
    rewards, from ``HOSTILE_TEXTS``), never a number or an id.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    plans = _PLANS.get(month, _SEP)
    camps, parts = [], []
    if month not in _PLANS:  # September's plan on this month's dates, ids named after it
        tag = month[2:4] + month[5:7]
        plans = tuple(replace(p, cid=p.cid.replace("2609", tag)) for p in plans)
    for k, plan in enumerate(plans):
        rows, camp = _campaign(plan, month, seed, k)
        if hostile:
            from wxnb.samples.hostile import HOSTILE_TEXTS

            long_run = HOSTILE_TEXTS[-1] if k == 1 else ""  # 306 characters without a space
            camp[1] = f"{HOSTILE_TEXTS[k % len(HOSTILE_TEXTS)]}{long_run}{plan.name}"
            camp[7] = f"{HOSTILE_TEXTS[(k + 4) % len(HOSTILE_TEXTS)]}{plan.reward}"
        camps.append(camp)
        parts.extend(rows)
    parts.sort(key=lambda r: (r[3], r[0]))
    return [
        _write(folder / CAMPAIGNS_FILE, (*CAMPAIGN_COLUMNS, "data_until"), camps),
        _write(folder / PARTICIPANTS_FILE, (*PARTICIPANT_COLUMNS, "left_at"), parts),
    ]
