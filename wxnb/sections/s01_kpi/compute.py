"""Section 01 核心绩效指标达成分析, the numbers: month totals, the KPI table, anomalies, sources.

``prepare`` loads and computes everything once; ``wxnb.sections.s01_kpi.show`` and ``.words``
turn it into the report's tables and narrative. Every figure in the narrative is computed here
from the data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb.io.codes import USER_SOURCE, label
from wxnb.io.datacube import MonthData, PreviousMonth, load_month, load_previous
from wxnb.kit import metrics
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s01_kpi import SPEC

__all__ = [
    "ENDPOINTS",
    "SECTION",
    "KpiSection",
    "anomaly_events",
    "prepare",
]

SECTION = (SPEC.key, SPEC.title)


@dataclass
class KpiSection:
    """Everything section 01 shows, computed once."""

    params: ReportParams
    data: MonthData
    previous: PreviousMonth
    totals: metrics.MonthTotals
    prev_totals: metrics.MonthTotals | None
    table: pd.DataFrame
    daily: pd.DataFrame
    anomalies: pd.DataFrame
    sources: pd.DataFrame
    pushes: pd.DataFrame
    conversion: metrics.Conversion | None = None


ENDPOINTS = metrics.TOTALS_ENDPOINTS


def prepare(params: ReportParams, *, conversion_rate: bool = True) -> KpiSection:
    """Load this month (and the previous one for 环比) and compute section 01.

    ``conversion_rate=False`` skips the event log (the conversion rate is then unknown): for
    callers that need only the datacube figures.
    """
    data = load_month(params.resolved_data_dir(), params.month, endpoints=ENDPOINTS)
    previous = load_previous(params.resolved_prev_data_dir(), prev_month(params.month),
                             endpoints=ENDPOINTS)
    conversion = _conversion(params.resolved_data_dir(), params.month, params) \
        if conversion_rate else None
    totals = metrics.month_totals(data, previous.data)
    totals = replace(totals, conversion_rate=conversion.rate if conversion else None)
    prev_totals = metrics.month_totals(previous.data) if previous.data else None
    if prev_totals is not None and conversion_rate:
        prev_conv = _conversion(params.resolved_prev_data_dir(), prev_month(params.month), params)
        prev_totals = replace(prev_totals,
                              conversion_rate=prev_conv.rate if prev_conv else None)
    table = metrics.kpi_table(totals, prev_totals, params.model_dump(),
                              conversion_available=bool(conversion and conversion.rate is not None))
    daily = metrics.follower_daily(data)
    return KpiSection(
        params=params,
        data=data,
        previous=previous,
        totals=totals,
        prev_totals=prev_totals,
        table=table,
        daily=daily,
        anomalies=_anomalies(daily, params),
        sources=metrics.follower_sources(data),
        pushes=metrics.pushes(metrics.article_final(data)),
        conversion=conversion,
    )


def _conversion(folder: Path, month: str, params: ReportParams) -> metrics.Conversion | None:
    """Readers → buyers from the month's event log (its summary's ``fol``) and orders.csv;
    None without an event log."""
    from wxnb.io import companions
    from wxnb.io import eventsummary

    if not folder.is_dir():
        return None
    orders = companions.load_orders(folder, month)
    log = eventsummary.open_summary(folder, month, tables=("fol",), **params.event_engine())
    if log is None:
        return None
    with log:
        return metrics.reader_conversion(log, orders)


def _anomalies(daily: pd.DataFrame, params: ReportParams) -> pd.DataFrame:
    parts = []
    for metric in ("new_user", "cancel_user"):
        a = metrics.flag_anomalies(daily[metric], window=params.anomaly_window, z=params.anomaly_z)
        parts.append(a.assign(metric=metric))
    out = pd.concat(parts)
    # Only spikes matter for the review; a dip in follows is visible in the chart anyway.
    out["flag"] = out["flag"] & (out["z"] > 0)
    return out


# --------------------------------------------------------------------------- anomalies


def _push_near(sec: KpiSection, day: pd.Timestamp) -> pd.Series | None:
    near = sec.pushes[(sec.pushes["ref_date"] <= day)
                      & (sec.pushes["ref_date"] >= day - pd.Timedelta(days=1))]
    return None if near.empty else near.iloc[0]


def _source_spikes(sec: KpiSection) -> pd.DataFrame:
    """Spikes of new followers within one source (a QR campaign hides in the daily total)."""
    s = sec.data.frames["getusersummary"]
    by_day = s.pivot_table(index="ref_date", columns="user_source", values="new_user",
                           aggfunc="sum").reindex(sec.daily.index, fill_value=0).fillna(0)
    parts = []
    for code in by_day.columns:
        if by_day[code].median() < 10:  # too few follows a day to tell a spike from noise
            continue
        a = metrics.flag_anomalies(by_day[code], window=sec.params.anomaly_window,
                                   z=sec.params.anomaly_z)
        parts.append(a[a["flag"] & (a["z"] > 0)].assign(
            metric=f"new_user:{code}", name=f"新关注·{label(USER_SOURCE, code, '未知来源')}"))
    return pd.concat(parts) if parts else pd.DataFrame()


def anomaly_events(sec: KpiSection) -> list[dict[str, Any]]:
    """Flagged days grouped into episodes of consecutive days per metric, each with its cause.

    The cause is data, worded by ``words.anomaly_reason``: ``push`` is the push on the first
    day or the day before (unfollow episodes), ``top_source`` the source whose follows rose
    most above its usual level on the first day (episodes of the total of new follows).
    """
    total = sec.anomalies[sec.anomalies["flag"]].assign(
        name=lambda d: d["metric"].map({"new_user": "新关注", "cancel_user": "取消关注"}))
    flagged = pd.concat([total, _source_spikes(sec)])
    events: list[dict[str, Any]] = []
    if flagged.empty:
        return events
    for (metric, name), grp in flagged.sort_index().groupby(["metric", "name"], sort=False):
        for run in metrics.consecutive_runs(list(grp.index)):
            rows = grp.loc[run]
            events.append({
                "start": run[0], "end": run[-1], "metric": metric, "name": name,
                "value": float(rows["value"].sum()), "baseline": float(rows["baseline"].sum()),
                "z": float(rows["z"].max()),
                "push": _push_near(sec, run[0]) if metric == "cancel_user" else None,
                "top_source": _top_source_that_day(sec, run[0]) if metric == "new_user"
                else None,
            })
    return sorted(events, key=lambda e: (e["start"], e["metric"]))


def _top_source_that_day(sec: KpiSection, day: pd.Timestamp) -> str | None:
    s = sec.data.frames["getusersummary"]
    day_rows = s[s["ref_date"] == day].set_index("user_source")["new_user"]
    usual = s.groupby("user_source")["new_user"].median()
    lift = (day_rows - usual.reindex(day_rows.index).fillna(0)).sort_values(ascending=False)
    return label(USER_SOURCE, int(lift.index[0]), "未知来源") if len(lift) else None
