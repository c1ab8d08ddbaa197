"""Section 00 执行摘要, what shows it: the headline KPI cards and the findings that matter most.

All HTML goes through ``wxnb.kit.fmt`` (``fmt.esc``), so names and evidence are escaped.
"""

from __future__ import annotations

from wxnb.kit import fmt
from wxnb.kit.findings import Finding, rank
from wxnb.sections.s00_summary.compute import headline
from wxnb.sections.s00_summary.words import _arrow, all_clear

__all__ = ["cards_html", "top_html"]

_LIGHT = {"达标": ("#07C160", "达标"), "预警": ("#FA9D3B", "预警"), "未达标": ("#FA5151", "未达标")}
_NO_LIGHT = ("#B2B2B2", "未设目标")


def _anchor(section: str) -> str:
    # The report wraps each section in an element with id "wx-s<NN>" (wxnb/report.py).
    return f"#wx-s{section[:2]}"


def cards_html(items: list[Finding]) -> fmt.HtmlBlock:
    """One card per headline KPI: value, target, a traffic light and the 环比 arrow."""
    cards = []
    for f in headline(items):
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
