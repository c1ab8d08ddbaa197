"""Section 08 下阶段战略部署建议, what shows it: the action plan (each recommendation once, its
evidence cited compactly), next month's targets, and the analyst's full tables.

Recommendations are numbered once, in the order :func:`wxnb.kit.rules.recommendations` gives
them (priority, then severity): the plan shows the first ones (the 高 items, between
:data:`PLAN_MIN` and :data:`PLAN_MAX`), the analyst layer the rest under the same numbers, and the PDCA table refers
to them by number instead of repeating them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from wxnb.kit import brief, fmt
from wxnb.params import ReportParams

__all__ = [
    "PLAN_MAX",
    "PLAN_MIN",
    "pdca_html",
    "plan_html",
    "planned",
    "recommendations_html",
    "targets_html",
]

#: The action plan shows at least this many recommendations (when there are), then every 高.
PLAN_MIN = 3
#: … and at most this many (the rest, in priority order, are in the analyst layer).
PLAN_MAX = 5


def planned(recs: list[dict[str, Any]]) -> int:
    """How many of ``recs`` (in order) the action plan shows: the 高 items, at least
    :data:`PLAN_MIN` and at most :data:`PLAN_MAX`."""
    high = sum(r["priority"] == "高" for r in recs)
    return min(len(recs), PLAN_MAX, max(high, PLAN_MIN))


def plan_html(recs: list[dict[str, Any]]) -> fmt.HtmlBlock:
    """The action plan: numbered, each action once with its owner and its evidence cited
    compactly (:func:`wxnb.kit.fmt.cite`; the full sentences are in the table of the analyst
    layer and in the sections)."""
    if not recs:
        return fmt.notes(["本月没有规则被触发，也没有人工补充的建议。"], title="行动计划")
    items = []
    for i, r in enumerate(recs[:planned(recs)], start=1):
        manual = ' <span class="wx-manual">人工</span>' if r["source"] == "人工" else ""
        items.append(f'<li value="{i}">{brief.action_line(r)}{manual}'
                     f'<div class="wx-why">依据：{fmt.esc(r["cite"])}</div></li>')
    rest = len(recs) - planned(recs)
    more = f'<p class="wx-actions-more">另有 {rest} 项建议，按优先级列在下方「分析明细与方法口径」。' \
        "</p>" if rest > 0 else ""
    return fmt.HtmlBlock(f'<ol class="wx-actions wx-plan">{"".join(items)}</ol>{more}')


def recommendations_html(recs: list[dict[str, Any]], start: int = 0) -> fmt.HtmlBlock:
    """The recommendations from number ``start + 1`` on, as a table: 序号, 优先级, 建议,
    依据（触发数据）, 负责部门, 来源 (the rule or 人工)."""
    if not recs:
        return fmt.notes(["本月没有规则被触发，也没有人工补充的建议。"], title="建议")
    if start >= len(recs):
        return fmt.notes(["全部建议已列在上方的行动计划中。"], title="其余建议")
    rows = [[i, r["priority"], r["text"], r["evidence"], r["owner"], r["source"]]
            for i, r in enumerate(recs[start:], start=start + 1)]
    return fmt.table(rows, ["序号", "优先级", "建议", "依据（触发数据）", "负责部门", "来源"],
                     numeric=(0,), wrap=(2, 3))


def _show(kind: str, v: Any) -> str:
    return fmt.fmt_pct(v, 2) if kind == "rate" else fmt.fmt_count(v)  # as the KPI table


_NO_PLAN = ("本月没有粉丝、阅读或打开率数据，无法按趋势预测下月目标；请在参数中直接设定下月目标。",)


def targets_html(plan: pd.DataFrame) -> fmt.HtmlBlock:
    """Next month's targets for a manager: 指标, 本月实际, 下月目标 (the elastic band and how each
    was projected are in :func:`pdca_html`); each target below this month's actual is flagged
    under the table with its reason."""
    if plan.empty:
        return fmt.notes(list(_NO_PLAN), title="下月目标")
    rows, flags = [], []
    for _, r in plan.iterrows():
        rows.append([r["指标"], _show(r["kind"], r["本月实际"]), _show(r["kind"], r["下月目标"])])
        if r["低于本月"]:
            flags.append(f"{r['指标']}的下月目标 {_show(r['kind'], r['下月目标'])} 低于本月实际 "
                         f"{_show(r['kind'], r['本月实际'])}：{r['低于本月']}。")
    table = fmt.table(rows, ["指标", "本月实际", "下月目标"], numeric=(1, 2))
    if not flags:
        return table
    return fmt.HtmlBlock(table.markup + str(fmt.notes(flags, title="低于本月实际的目标")))


def pdca_html(plan: pd.DataFrame, params: ReportParams, recs: list[dict[str, Any]]) -> \
        fmt.HtmlBlock:
    """The PDCA table: P 目标与弹性区间 with how it was projected, D 负责部门, C 检查节点,
    A the action plan's items about the metric, by number (not repeated)."""
    if plan.empty:
        return fmt.notes(list(_NO_PLAN), title="下月目标（PDCA）")
    rows = []
    for _, r in plan.iterrows():
        # the recommendations answering this very metric (the same name as section 01's KPI)
        related = [str(i) for i, x in enumerate(recs, start=1) if x.get("name") == r["指标"]]
        rows.append([
            r["指标"], _show(r["kind"], r["本月实际"]), _show(r["kind"], r["下月目标"]),
            f"{_show(r['kind'], r['下限'])} – {_show(r['kind'], r['上限'])}",
            r["预测方法"] + (f"。注意：低于本月实际，因为{r['低于本月']}" if r["低于本月"] else ""),
            r["负责部门"], f"每周跟踪；{r['月份']}-15 中期复盘",
            f"见建议第 {'、'.join(related)} 项" if related else "保持现有做法",
        ])
    return fmt.table(
        rows,
        ["指标", "本月实际", "下月目标（P）", f"弹性区间 ±{fmt.fmt_pct(params.pdca_band, 0)}", "预测方法",
         "负责部门（D）", "检查（C）", "改进（A）"],
        numeric=(1, 2, 3),
        wrap=(4, 6, 7),
        caption=f"目标按趋势预测，保留 ±{fmt.fmt_pct(params.pdca_band, 0)} 弹性空间以适应平台规则变化",
    )
