"""Section 00 执行摘要, what shows it: the headline KPI cards and the findings that matter most.

All HTML goes through ``wxnb.kit.fmt`` (``fmt.esc``), so names and evidence are escaped.
"""

from __future__ import annotations

from wxnb.kit import brief, fmt
from wxnb.kit.findings import Finding, rank
from wxnb.sections.s00_summary.compute import headline
from wxnb.sections.s00_summary.words import _arrow, all_clear

__all__ = ["cards_html", "top_html"]

_LIGHT = {"达标": "ok", "预警": "warn", "未达标": "bad"}


def _anchor(section: str) -> str:
    # The report wraps each section in an element with id "wx-s<NN>" (wxnb/report.py).
    return f"#wx-s{section[:2]}"


def cards_html(items: list[Finding]) -> fmt.HtmlBlock:
    """One card per headline KPI: value, target, a traffic light and the 环比 arrow (two cards
    a row on a phone: the report's stylesheet)."""
    cards = []
    for f in headline(items):
        light = _LIGHT.get(f.status, "none")
        word = f.status if light != "none" else "未设目标"
        target = f"目标 {f.target_text}" if f.target is not None else "未设目标"
        cards.append(
            f'<div class="wx-card wx-card-{light}">'
            f'<div class="wx-card-name">{fmt.esc(f.name)}</div>'
            f'<div class="wx-card-value">{fmt.esc(f.value_text)}</div>'
            f'<div class="wx-card-target">{fmt.esc(target)} · '
            f'<span class="wx-card-status">● {fmt.esc(word)}</span></div>'
            f'<div class="wx-card-mom">{fmt.esc(_arrow(f))}</div></div>'
        )
    if not cards:
        return fmt.notes(["本月没有可展示的核心指标（缺少 01 核心绩效指标章节）"], title="核心指标")
    return fmt.HtmlBlock('<div class="wx-cards">' + "".join(cards) + "</div>")


def top_html(items: list[Finding], n: int = 5) -> fmt.HtmlBlock:
    """The 3–5 findings that matter most, target misses first, then warnings, then the largest
    gap; each in plain words (no test statistic) linking to its section."""
    top = rank(items, n)
    if not top:
        return fmt.notes([all_clear(items)], title="重点发现")
    lis = []
    for f in top:
        lis.append(
            f"<li>{brief.status_tag(f.status)}"
            f"{fmt.esc(fmt.cite(f.evidence))} "
            f'<a href="{_anchor(f.section)}">→ {fmt.esc(f.section_title)}</a></li>'
        )
    return fmt.HtmlBlock(f'<ol class="wx-top">{"".join(lis)}</ol>')
