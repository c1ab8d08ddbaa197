"""Section 00 执行摘要, the numbers: the headline cards' findings, the status counts, the best KPI.

Built only from the findings the other sections recorded (``wxnb.kit.findings``), so it is right for
whichever sections a month has. The ranking of what matters most is ``wxnb.kit.findings.rank``.
"""

from __future__ import annotations

from collections import Counter

from wxnb.kit.findings import Finding

__all__ = ["HEADLINE", "SEVERITY_MET", "best", "headline", "sections_of", "target_counts"]

# The KPI cards, in order (metric keys recorded by section 01).
HEADLINE = ("net_followers", "cumulate_followers", "read_count", "open_rate", "share_rate")

SEVERITY_MET = ("达标",)


def sections_of(items: list[Finding]) -> dict[str, str]:
    """The sections that recorded findings: key → title, in section order."""
    return {f.section: f.section_title for f in sorted(items, key=lambda f: f.section)}


def headline(items: list[Finding]) -> list[Finding]:
    """The KPI findings of the cards, in ``HEADLINE`` order (a KPI not recorded has no card)."""
    by_metric = {f.metric: f for f in items if f.kind == "kpi"}
    return [by_metric[key] for key in HEADLINE if key in by_metric]


def target_counts(items: list[Finding]) -> Counter[str]:
    """How many KPIs with a target have each status (达标 / 预警 / 未达标)."""
    return Counter(f.status for f in items if f.kind == "kpi" and f.target is not None)


def best(items: list[Finding]) -> Finding | None:
    """The KPI that met its target by the widest margin (value ÷ target); None if none met it."""
    good = [f for f in items if f.kind == "kpi" and f.status == "达标" and f.target is not None]
    return max(good, key=lambda f: (f.value or 0) / (f.target or 1)) if good else None
