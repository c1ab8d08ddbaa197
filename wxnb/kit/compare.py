"""The one 环比 (month-on-month) rule of the report, and its words.

Counts change relatively (+12.3 %), except on a small base (fewer than 30 last month) where the
difference itself is shown (多 12); rates change in percentage points. No previous value: no
环比 (the section says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from wxnb.kit import fmt

__all__ = ["SMALL_BASE", "Change", "change"]

SMALL_BASE = 30

Mode = Literal["rel", "pp", "abs", "na"]


@dataclass(frozen=True)
class Change:
    """A month-on-month change: its mode and value (a ratio, points or a difference)."""

    mode: Mode
    value: float | None

    def phrase(self) -> str:
        """``，环比增长 12.3%`` / ``，环比上升 1.20 个百分点`` / ``，较上月多 12``; empty for na."""
        v = self.value
        if v is None or self.mode == "na":
            return ""
        if self.mode == "rel":
            return f"，环比{'增长' if v >= 0 else '下降'} {fmt.fmt_pct(abs(v), 1)}"
        if self.mode == "pp":
            return f"，环比{'上升' if v >= 0 else '下降'} {fmt.fmt_num(abs(v), 2)} 个百分点"
        return f"，较上月{'多' if v >= 0 else '少'} {fmt.fmt_int(abs(v))}"


def change(kind: Literal["count", "rate"] | str, now: float | None,
           before: float | None) -> Change:
    """The 环比 of ``now`` against ``before``: relative for counts, percentage points for
    rates (given as fractions), the plain difference on a base under :data:`SMALL_BASE`."""
    if now is None or before is None:
        return Change("na", None)
    if kind == "rate":
        return Change("pp", (now - before) * 100)
    if abs(before) < SMALL_BASE:
        return Change("abs", now - before)
    return Change("rel", (now - before) / abs(before))
