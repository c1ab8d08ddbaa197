"""Section 08 下阶段战略部署建议, the numbers: rules → recommendations, next month's PDCA targets.

Recommendations come from rules in ``parameters/rules.yaml`` (condition over findings →
recommendation, owner, priority), so an analyst changes them without code. A rule that does not
fire produces nothing. Manual items from the parameters are added and marked 人工. Each PDCA row
carries its 预测方法 (how the target was projected) with its numbers.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import Any

import pandas as pd

from wxnb.io.datacube import load_month, load_previous
from wxnb.kit import fmt, metrics
from wxnb.kit.rules import Condition, Rule, load_rules, recommendations
from wxnb.params import ReportParams
from wxnb.paths import prev_month

__all__ = [
    "Condition",
    "Rule",
    "Trend",
    "load_rules",
    "pdca",
    "recommendations",
    "trend",
]

@dataclass(frozen=True)
class Trend:
    """This month's and last month's totals (kit.metrics), and the days with data."""

    totals: metrics.MonthTotals
    prev_totals: metrics.MonthTotals | None
    daily: pd.DataFrame  # metrics.follower_daily: one row per day with data


def trend(params: ReportParams) -> Trend:
    """The month totals the PDCA plan projects from, read from the month dataset with the same
    definitions as section 01 (kit.metrics), for this month and the previous one."""
    endpoints = metrics.TOTALS_ENDPOINTS  # the datacube only: no event log
    data = load_month(params.resolved_data_dir(), params.month, endpoints=endpoints)
    previous = load_previous(params.resolved_prev_data_dir(), prev_month(params.month),
                             endpoints=endpoints)
    return Trend(totals=metrics.month_totals(data, previous.data),
                 prev_totals=metrics.month_totals(previous.data) if previous.data else None,
                 daily=metrics.follower_daily(data))

# --------------------------------------------------------------------------- PDCA


def _next_month(month: str) -> tuple[str, int]:
    y, m = (int(x) for x in month.split("-"))
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return f"{y:04d}-{m:02d}", calendar.monthrange(y, m)[1]


_Series = tuple[float | None, int, float | None, int]  # (now, its days, before, its days)


def _daily_change(now: float | None, days: int, before: float | None,
                  days_before: int) -> float | None:
    """The change in the daily mean since last month (None without both months)."""
    if now is None or before is None or not before or days <= 0 or days_before <= 0:
        return None
    return (now / days) / (before / days_before) - 1


def _project(now: float | None, days: int, before: float | None, days_before: int,
             days_next: int, month_days: int) -> tuple[float | None, str]:
    """Next month's total: this month's daily mean × next month's days, moved by half the
    change in the daily mean since last month (a damped trend; a single month's line through
    its days is dominated by one viral article or campaign).

    Daily means divide by the days that have data (``days``, ``days_before``), never by the
    calendar: a month whose export misses days would otherwise project their growth as zero.
    ``month_days`` is this month's calendar length, to say when the month is partial.
    """
    if now is None or days <= 0:
        return None, "本月没有可用数据，不预测"
    per_day = now / days
    basis = f"本月日均 × {days_next} 天" if days == month_days else \
        f"本月有数据的 {days} 天的日均 × {days_next} 天（缺 {month_days - days} 天不按 0 计）"
    growth = _daily_change(now, days, before, days_before)
    if growth is None:
        return per_day * days_next, f"{basis}（无上月数据，不外推趋势）"
    total = per_day * days_next * (1 + growth / 2)
    return total, f"{basis} × (1 + 日均环比 {fmt.fmt_signed_pct(growth)} 的一半)"


def _count_below(series: _Series, total: float, days_next: int, month_days: int) -> str:
    """Why a projected count is below this month's ('' when it is not): a target under what
    was just achieved must say so, never pass as growth."""
    now = series[0]
    if now is None or not total < now:
        return ""
    reasons = []
    if days_next < month_days:
        reasons.append(f"下月只有 {days_next} 天（本月 {month_days} 天）")
    change = _daily_change(*series)
    if change is not None and change < 0:
        reasons.append(f"本月日均较上月{fmt.fmt_signed_pct(change)}，按一半延续")
    if now < 0:
        reasons.append("本月为负值")
    return "；".join(reasons) or "按日均外推的结果"


#: Each metric under section 01's name for it (its findings carry the same: section 08's PDCA
#: rows find their recommendations by it).
_NAME = {s.key: s.name for s in metrics.KPI_SPECS}


def pdca(sec: Trend, params: ReportParams) -> pd.DataFrame:
    """Next month's targets: counts from the daily trend, rates from the last two months,
    each with the elastic band ±``pdca_band`` and an owner (``sec`` from :func:`trend`).
    ``低于本月`` says why a target is below this month's actual ('' when it is not)."""
    nxt, days = _next_month(params.month)
    t, prev = sec.totals, sec.prev_totals
    n_month = len(sec.daily)

    def series(value: str, days_with_data: str) -> _Series:
        if prev is None:
            return getattr(t, value), getattr(t, days_with_data), None, 0
        return (getattr(t, value), getattr(t, days_with_data), getattr(prev, value),
                getattr(prev, days_with_data))

    # 2025 发表内容 data count readers only: next month's reading target is in 人数 then.
    read_key = "read_user" if t.article_api == "2025" else "read_count"
    net, read = series("net_followers", "follower_days"), series(read_key, "read_days")
    net_total, net_how = _project(*net, days, n_month)
    read_total, read_how = _project(*read, days, n_month)
    owner = params.owner_marketing
    rows: list[tuple[Any, ...]] = []
    if net_total is not None:
        rows.append((_NAME["net_followers"], t.net_followers, net_total, net_how, "count", owner,
                     _count_below(net, net_total, days, n_month)))
        if t.cumulate_followers is not None:
            rows.append((_NAME["cumulate_followers"], t.cumulate_followers,
                         t.cumulate_followers + net_total,
                         "月末累计 + 预计净增长", "count", owner,
                         "预计下月粉丝净增长为负，月末累计随之减少" if net_total < 0 else ""))
    if read_total is not None:
        rows.append((_NAME[read_key], getattr(t, read_key), read_total, read_how, "count", owner,
                     _count_below(read, read_total, days, n_month)))
    for key in ("open_rate", "share_rate"):
        name = _NAME[key]
        now = getattr(t, key)
        before = getattr(prev, key) if prev else None
        redefined = key == "share_rate" and prev is not None and \
            prev.article_api != t.article_api  # sharers per reader (2025) vs shares per read
        if redefined:
            before = None
        if now is None:
            continue
        proj = now if before is None else (2 * now + before) / 3
        how = "近两月加权平均（本月权重 2/3）" if before is not None else \
            "本月值（上月口径不同）" if redefined else "本月值（无上月数据）"
        below = f"上月较低（{fmt.fmt_pct(before, 2)}），目标取近两月加权平均" \
            if before is not None and proj < now else ""
        rows.append((name, now, proj, how, "rate", owner, below))
    band = params.pdca_band
    out = pd.DataFrame(rows, columns=["指标", "本月实际", "下月目标", "预测方法", "kind",
                                      "负责部门", "低于本月"])
    out["下限"] = out["下月目标"] * (1 - band)
    out["上限"] = out["下月目标"] * (1 + band)
    out["月份"] = nxt
    return out
