"""Section 00 执行摘要: headline KPI cards, the findings that matter most, one paragraph.

Built only from the findings the other sections recorded (``wxnb.kit.findings``), so it is right for
whichever sections a month has.
"""

from __future__ import annotations

from collections import Counter

from wxnb.kit import fmt
from wxnb.kit.findings import Finding, rank

__all__ = ["HEADLINE", "cards_html", "paragraph", "sections_of", "top_html"]

# The KPI cards, in order (metric keys recorded by section 01).
HEADLINE = ("net_followers", "cumulate_followers", "read_count", "open_rate", "share_rate")

_LIGHT = {"达标": ("#07C160", "达标"), "预警": ("#FA9D3B", "预警"), "未达标": ("#FA5151", "未达标")}
_NO_LIGHT = ("#B2B2B2", "未设目标")


def sections_of(items: list[Finding]) -> dict[str, str]:
    """The sections that recorded findings: key → title, in section order."""
    return {f.section: f.section_title for f in sorted(items, key=lambda f: f.section)}


def _anchor(section: str) -> str:
    # The report wraps each section in an element with id "wx-s<NN>" (wxnb/report.py).
    return f"#wx-s{section[:2]}"


def _arrow(f: Finding) -> str:
    if f.mom is None:
        return "环比 —"
    sign = "↑" if f.mom > 0 else "↓" if f.mom < 0 else "→"
    return f"{sign} 环比 {f.mom_text}"


def cards_html(items: list[Finding]) -> fmt.HtmlBlock:
    """One card per headline KPI: value, target, a traffic light and the 环比 arrow."""
    by_metric = {f.metric: f for f in items if f.kind == "kpi"}
    cards = []
    for key in HEADLINE:
        f = by_metric.get(key)
        if f is None:
            continue
        colour, word = _LIGHT.get(f.status, _NO_LIGHT)
        target = f"目标 {f.target_text}" if f.target is not None else "未设目标"
        cards.append(
            f'<div class="wx-card" style="border:1px solid #e5e5e5;border-top:4px solid '
            f'{colour};border-radius:6px;padding:10px 14px;min-width:150px;flex:1 1 150px">'
            f'<div style="color:#666;font-size:13px">{fmt.esc(f.name)}</div>'
            f'<div style="font-size:22px;font-weight:600;margin:4px 0">'
            f"{fmt.esc(f.value_text)}</div>"
            f'<div style="font-size:12px;color:#666">{fmt.esc(target)} · '
            f'<span style="color:{colour};font-weight:600">● {fmt.esc(word)}</span></div>'
            f'<div style="font-size:12px;color:#666">{fmt.esc(_arrow(f))}</div></div>'
        )
    if not cards:
        return fmt.notes(["本月没有可展示的核心指标（缺少 01 核心绩效指标章节）"], title="核心指标")
    return fmt.HtmlBlock(
        '<div class="wx-cards" style="display:flex;flex-wrap:wrap;gap:10px;margin:8px 0">'
        + "".join(cards) + "</div>"
    )


def top_html(items: list[Finding], n: int = 5) -> fmt.HtmlBlock:
    """The 3–5 findings that matter most, worst first, each linking to its section."""
    top = rank(items, n)
    if not top:
        return fmt.notes([all_clear(items)], title="重点发现")
    lis = []
    for f in top:
        colour, word = _LIGHT.get(f.status, ("#10AEFF", f.status))
        lis.append(
            f'<li style="margin:6px 0"><span style="color:{colour};font-weight:600">'
            f"[{fmt.esc(word)}]</span> {fmt.esc(f.evidence)} "
            f'<a href="{_anchor(f.section)}">→ {fmt.esc(f.section_title)}</a></li>'
        )
    return fmt.HtmlBlock(f'<ol class="wx-top">{"".join(lis)}</ol>')


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


SEVERITY_MET = ("达标",)


def paragraph(items: list[Finding]) -> list[str]:
    """The thirty-second paragraph, every figure taken from the findings."""
    kpis = [f for f in items if f.kind == "kpi"]
    if not items:
        return ["本月没有章节记录结论，无法生成摘要；请检查各章节是否执行成功。"]
    counts = Counter(f.status for f in kpis if f.target is not None)
    sections = sections_of(items)
    text = (f"本月有 {len(sections)} 个分析章节记录了结论（{'、'.join(sections.values())}）。"
            f"设有目标的 {sum(counts.values())} 项指标中，{counts.get('达标', 0)} 项达标、"
            f"{counts.get('预警', 0)} 项预警、{counts.get('未达标', 0)} 项未达标。")
    out = [text]
    top = rank(items, 3)
    if top:
        out.append("最需要关注的是：" + "；".join(f.evidence for f in top) + "。")
    good = [f for f in kpis if f.status == "达标" and f.target is not None]
    if good:
        best = max(good, key=lambda f: (f.value or 0) / (f.target or 1))
        out.append(f"表现最好的是{best.evidence}。")
    return out
