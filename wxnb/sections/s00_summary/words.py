"""Section 00 执行摘要, the words: the month's verdict, the paragraph about the business and
what an all-clear means.

Every figure is taken from the findings (``wxnb.sections.s00_summary.compute``).
"""

from __future__ import annotations

from wxnb.kit import fmt
from wxnb.kit.findings import SEVERITY, Finding, rank
from wxnb.sections.s00_summary.compute import SEVERITY_MET, target_counts

__all__ = ["all_clear", "paragraph", "verdict"]


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


def _kpi_phrase(f: Finding) -> str:
    gap = "" if f.name.endswith("）") else " "  # "图文阅读量（次数）13.3万", "打开率 1.70%"
    return f"{f.name}{gap}{fmt.plain(f.value_text)}（目标 {fmt.plain(f.target_text)}）"


_STATUSES = ("达标", "预警", "未达标")


def _counts_text(items: list[Finding]) -> str:
    counts = target_counts(items)
    total = sum(counts.values())
    return (f"设有目标的 {total} 项指标中 {counts.get('未达标', 0)} 项未达标、"
            f"{counts.get('预警', 0)} 项预警、{counts.get('达标', 0)} 项达标")


def verdict(items: list[Finding]) -> str:
    """The month in one sentence, for the cover: the targets met and missed, and the (at most
    three) things that need action first, by name and value."""
    if not items:
        return "本月没有章节记录结论，无法给出判断；请检查各章节是否执行成功。"
    counts = target_counts(items)
    top = rank(items, 3)
    if not top:
        return all_clear(items)
    if sum(counts.values()) == 0:
        head = "本月没有已测得且设有目标的指标"
    elif counts.get("未达标", 0) == 0 and counts.get("预警", 0) == 0:
        head = f"本月设有目标的 {sum(counts.values())} 项指标全部达标"
    else:
        head = f"本月{_counts_text(items)}"
    names = "、".join(f"{f.name}（{fmt.cite(f.value_text)}）" if fmt.cite(f.value_text)
                     else f.name for f in top)
    return f"{head}；最需要处理：{names}。"


def paragraph(items: list[Finding]) -> list[str]:
    """The business in a few lines: how many targets were met, which were met and which were
    not (by name, value and target: every metric with a target, not only the cards'), and how
    many anomalies, incidents or changes on metrics without a target need attention (listed
    next as 重点发现). Every figure is a
    finding's; no test statistic."""
    if not items:
        return ["本月没有章节记录结论，无法生成摘要；请检查各章节是否执行成功。"]
    targeted = [f for f in items if f.kind == "kpi" and f.target is not None]
    by = {s: [f for f in targeted if f.status == s] for s in _STATUSES}
    out = []
    if targeted:
        out.append(f"本月{_counts_text(items)}。")
    for status, lead, n in (("达标", "达标的是", 2), ("未达标", "未达标的是", 3),
                            ("预警", "接近目标（预警）的是", 2)):
        got = by[status]
        if got:
            more = f"等 {len(got)} 项" if len(got) > n else ""
            out.append(f"{lead}{'、'.join(_kpi_phrase(f) for f in got[:n])}{more}。")
    # what else needs attention: events and metrics without a target at 预警 or worse (a 提示 is
    # information, often good news: the best content form, a viral article)
    others = [f for f in items if f.severity >= SEVERITY["预警"]
              and not (f.kind == "kpi" and f.target is not None)]
    if others:
        out.append(f"另有 {len(others)} 项异常、风险或需要关注的变化，见下方重点发现。")
    elif not rank(items, 1):
        out.append(all_clear(items))
    return ["".join(out)]
