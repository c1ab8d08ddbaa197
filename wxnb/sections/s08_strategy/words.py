"""Section 08 下阶段战略部署建议, the words: who does what next month (跨部门协作)."""

from __future__ import annotations

from typing import Any

from wxnb.params import ReportParams

__all__ = ["collaboration", "method"]


def collaboration(recs: list[dict[str, Any]], params: ReportParams) -> list[str]:
    """Who does what next month: each owning team with its count and its actions."""
    if not recs:
        return ["本月没有触发任何行动项。"]
    owners: dict[str, list[dict[str, Any]]] = {}
    for r in recs:
        owners.setdefault(r["owner"], []).append(r)
    high = sum(r["priority"] == "高" for r in recs)
    out = [f"下月共 {len(recs)} 项行动（高优先级 {high} 项），涉及 {len(owners)} 个部门。"]
    for team, items in owners.items():
        heads = "；".join(_headline(r["text"]) for r in items)
        out.append(f"{team}（{len(items)} 项）：{heads}。")
    idle = [t for t in (params.owner_tech, params.owner_marketing, params.owner_service)
            if t not in owners]
    if idle:
        out.append(f"{'、'.join(idle)}本月无新增行动项。")
    return out


def _headline(text: str) -> str:
    """The action part of a recommendation (after the cited numbers, if any)."""
    return text.split("：", 1)[-1].rstrip("。")


def method(params: ReportParams) -> list[str]:
    """Where the recommendations come from (the analyst layer: the rules file by name)."""
    return [
        f"行动建议由建议规则文件 {params.resolved_rules_file().name} 从各章节记录的结论生成："
        "每条规则是「条件 → 建议、负责部门、优先级」，未触发的规则不产生建议；同一建议回应多条结论时"
        "只列一次，依据列出每条结论。人工补充的建议（参数 manual_recommendations）标注「人工」。",
        "下月目标：计数类指标按本月有数据各天的日均 × 下月天数，并按日均环比的一半延续趋势；"
        "比率类指标取近两月加权平均（本月权重 2/3）。",
    ]
