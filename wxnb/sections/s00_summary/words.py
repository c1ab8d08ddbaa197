"""Section 00 执行摘要, the words: the thirty-second paragraph and what an all-clear means.

Every figure is taken from the findings (``wxnb.sections.s00_summary.compute``).
"""

from __future__ import annotations

from wxnb.kit.findings import Finding, rank
from wxnb.sections.s00_summary.compute import SEVERITY_MET, best, sections_of, target_counts

__all__ = ["all_clear", "paragraph"]


def _arrow(f: Finding) -> str:
    if f.mom is None:
        return "环比 —"
    sign = "↑" if f.mom > 0 else "↓" if f.mom < 0 else "→"
    return f"{sign} 环比 {f.mom_text}"


def all_clear(items: list[Finding]) -> str:
    """What "nothing to flag" means this month, said only as far as the findings show it.

    An all-clear is claimed only for metrics that have a target and were measured; no findings,
    no targets or unmeasured metrics are named as such, never read as 达标.
    """
    if not items:
        return "本月没有章节记录结论，无法判断指标是否达标；请检查各章节是否执行成功。"
    kpis = [f for f in items if f.kind == "kpi"]
    targeted = [f for f in kpis if f.target is not None and f.status in SEVERITY_MET]
    untargeted = [f for f in kpis if f.target is None and f.status != "未提供"]
    unmeasured = [f for f in kpis if f.status == "未提供"]
    parts = []
    if targeted:
        parts.append(f"设有目标的 {len(targeted)} 项指标均已达标，且各章节没有记录需要关注的异常")
    else:
        parts.append("本月没有设有目标并已测得的指标，因此无法判断目标达成；各章节也没有记录需要"
                     "关注的异常")
    if untargeted:
        parts.append(f"{len(untargeted)} 项指标未设目标（{'、'.join(f.name for f in untargeted[:5])}"
                     f"{' 等' if len(untargeted) > 5 else ''}），未作评判")
    if unmeasured:
        parts.append(f"{len(unmeasured)} 项指标本月无数据（{'、'.join(f.name for f in unmeasured[:5])}"
                     "）")
    return "；".join(parts) + "。"


def paragraph(items: list[Finding]) -> list[str]:
    """The thirty-second paragraph, every figure taken from the findings."""
    if not items:
        return ["本月没有章节记录结论，无法生成摘要；请检查各章节是否执行成功。"]
    counts = target_counts(items)
    sections = sections_of(items)
    text = (f"本月有 {len(sections)} 个分析章节记录了结论（{'、'.join(sections.values())}）。"
            f"设有目标的 {sum(counts.values())} 项指标中，{counts.get('达标', 0)} 项达标、"
            f"{counts.get('预警', 0)} 项预警、{counts.get('未达标', 0)} 项未达标。")
    out = [text]
    top = rank(items, 3)
    if top:
        out.append("最需要关注的是：" + "；".join(f.evidence for f in top) + "。")
    winner = best(items)
    if winner is not None:
        out.append(f"表现最好的是{winner.evidence}。")
    return out
