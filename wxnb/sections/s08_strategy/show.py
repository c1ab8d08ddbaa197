"""Section 08 下阶段战略部署建议, what shows it: the recommendations table and the PDCA table."""

from __future__ import annotations

from typing import Any

import pandas as pd

from wxnb.kit import fmt
from wxnb.params import ReportParams

__all__ = [
    "pdca_html",
    "recommendations_html",
]


def recommendations_html(recs: list[dict[str, Any]]) -> fmt.HtmlBlock:
    """The recommendations table: 优先级, 建议, 依据（触发数据）, 负责部门, 来源."""
    if not recs:
        return fmt.notes(["本月没有规则被触发，也没有人工补充的建议。"], title="建议")
    rows = [[r["priority"], r["text"], r["evidence"], r["owner"], r["source"]] for r in recs]
    return fmt.table(rows, ["优先级", "建议", "依据（触发数据）", "负责部门", "来源"],
                     wrap=(1, 2))


def pdca_html(plan: pd.DataFrame, params: ReportParams, recs: list[dict[str, Any]]) -> \
        fmt.HtmlBlock:
    """The PDCA table: P 目标与弹性区间, D 负责部门, C 检查节点, A 据本月建议的改进."""
    def show(kind: str, v: Any) -> str:
        return fmt.fmt_pct(v, 2) if kind == "rate" else fmt.fmt_count(v)  # as the KPI table

    if plan.empty:
        return fmt.notes(["本月没有粉丝、阅读或打开率数据，无法按趋势预测下月目标；请在参数中"
                          "直接设定下月目标。"], title="下月目标（PDCA）")
    rows = []
    for _, r in plan.iterrows():
        related = [x["text"] for x in recs if str(r["指标"]).split("（")[0] in x["evidence"]]
        rows.append([
            r["指标"], show(r["kind"], r["本月实际"]), show(r["kind"], r["下月目标"]),
            f"{show(r['kind'], r['下限'])} – {show(r['kind'], r['上限'])}",
            r["预测方法"] + (f"。注意：低于本月实际，因为{r['低于本月']}" if r["低于本月"] else ""),
            r["负责部门"], f"每周跟踪；{r['月份']}-15 中期复盘",
            related[0] if related else "保持现有做法",
        ])
    return fmt.table(
        rows,
        ["指标", "本月实际", "下月目标（P）", f"弹性区间 ±{params.pdca_band:.0%}", "预测方法",
         "负责部门（D）", "检查（C）", "改进（A）"],
        numeric=(1, 2, 3),
        wrap=(4, 6, 7),
        caption=f"目标按趋势预测，保留 ±{params.pdca_band:.0%} 弹性空间以适应平台规则变化",
    )
