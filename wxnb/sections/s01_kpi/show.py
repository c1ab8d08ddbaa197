"""Section 01 核心绩效指标达成分析, what shows it: the KPI, anomaly, source and 口径 tables.

The charts of the section are the shared ones (``wxnb.kit.charts.follower_trend`` and
``follower_sources_bar``), called by the notebook on ``sec.daily`` and ``sec.sources``.
"""

from __future__ import annotations

import pandas as pd

from wxnb.kit import fmt
from wxnb.sections.s01_kpi.compute import KpiSection, anomaly_events
from wxnb.sections.s01_kpi.words import (
    _attainment,
    _mom,
    _span,
    _value,
    anomaly_reason,
    why_missing,
)

__all__ = [
    "anomaly_html",
    "definitions_html",
    "kpi_html",
    "sources_html",
]

_STATUS_CSS = {"达标": "ok", "预警": "warn", "未达标": "bad"}


def kpi_html(sec: KpiSection) -> fmt.HtmlBlock:
    """The KPI table in the seed's shape: 指标类别, 月度目标, 实际达成, 达成率, 行业均值, 环比."""
    rows, css = [], []
    for _, r in sec.table.iterrows():
        target = "未设目标" if r["月度目标"] is None or pd.isna(r["月度目标"]) else _value(
            r["kind"], r["月度目标"])
        actual = why_missing(sec, str(r["key"])) if r["实际达成"] is None or pd.isna(
            r["实际达成"]) else _value(r["kind"], r["实际达成"])
        bench = "口径不同" if r.get("benchmark_redefined", False) else \
            "未配置" if r["行业均值"] is None or pd.isna(r["行业均值"]) else _value(
            r["kind"], r["行业均值"])
        rows.append([r["指标类别"], target, actual, _attainment(r), bench,
                     _mom(r, sec.previous.note), r["状态"]])
        css.append(["", "", "", "", "", "", _STATUS_CSS.get(r["状态"], "")])
    source = sec.params.benchmark_source or "未配置"
    return fmt.table(
        rows,
        ["指标类别", "月度目标", "实际达成", "达成率", "行业均值", "环比", "状态"],
        numeric=(1, 2, 3, 4, 5),
        css=css,
        caption=f"行业均值来源：{source}",
    )


def sources_html(sec: KpiSection) -> fmt.HtmlBlock:
    """New, cancelled and net followers by source, with each source's share of new followers."""
    rows = [
        [r["source"], fmt.fmt_int(r["new_user"]), fmt.fmt_pct(r["new_share"]),
         fmt.fmt_int(r["cancel_user"]), fmt.fmt_int(r["net_user"])]
        for _, r in sec.sources.iterrows()
    ]
    return fmt.table(rows, ["来源", "新关注", "新关注占比", "取消关注", "净增"],
                     numeric=(1, 2, 3, 4))


def anomaly_html(sec: KpiSection) -> fmt.HtmlBlock:
    """The anomalous episodes with value, baseline, multiple and the likely cause."""
    events = anomaly_events(sec)
    if not events:
        return fmt.notes([f"本月没有超过阈值（稳健 z > {sec.params.anomaly_z}）的异常日"],
                         title="异常日")
    rows = [[_span(e), e["name"], fmt.fmt_int(e["value"]), fmt.fmt_int(e["baseline"]),
             f"{fmt.fmt_num(e['value'] / e['baseline'], 1)} 倍" if e["baseline"] else "—",
             f"{fmt.fmt_num(e['z'], 1)}", anomaly_reason(e)] for e in events]
    return fmt.table(rows, ["日期", "指标", "合计", "基线（滚动中位数）", "倍数", "最大稳健 z",
                            "可能原因"], numeric=(2, 3, 4, 5), wrap=(6,),
                     caption=f"判定：当日值偏离 {sec.params.anomaly_window} 日滚动中位数的稳健 z "
                             f"分数 > {sec.params.anomaly_z}")


def definitions_html(sec: KpiSection) -> fmt.HtmlBlock:
    """The 口径 of every KPI row, as WeChat defines it."""
    rows = [[r["指标类别"], r["口径"]] for _, r in sec.table.iterrows()]
    return fmt.table(rows, ["指标", "口径（计算方法）"], wrap=(1,))
