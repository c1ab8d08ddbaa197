"""Section 00 执行摘要, the numbers: the headline cards' findings and the status counts.

Built only from the findings the other sections recorded (``wxnb.kit.findings``), so it is right for
whichever sections a month has. The ranking of what matters most is ``wxnb.kit.findings.rank``.
"""

from __future__ import annotations

from collections import Counter

from wxnb.kit.findings import Finding

__all__ = ["HEADLINE", "SEVERITY_MET", "headline", "target_counts"]

# The KPI cards, in order (metric keys recorded by section 01).
HEADLINE = ("net_followers", "cumulate_followers", "read_count", "open_rate", "share_rate")

SEVERITY_MET = ("达标",)


def headline(items: list[Finding]) -> list[Finding]:
    """The KPI findings of the cards, in ``HEADLINE`` order (a KPI not recorded has no card)."""
    by_metric = {f.metric: f for f in items if f.kind == "kpi"}
    return [by_metric[key] for key in HEADLINE if key in by_metric]


def target_counts(items: list[Finding]) -> Counter[str]:
    """How many KPIs with a target have each status (达标 / 预警 / 未达标)."""
    return Counter(f.status for f in items if f.kind == "kpi" and f.target is not None)
