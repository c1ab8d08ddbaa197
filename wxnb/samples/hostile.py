"""Hostile texts the sample months can carry (``wxnb sample --hostile``): markup, scripts,
javascript: links, emoji, a right-to-left override and a 306-character run without spaces, to
prove that every text from data is escaped and wrapped in the report."""

from __future__ import annotations

__all__ = ["HOSTILE_TEXTS", "HOSTILE_URL"]

#: What ``hostile=True`` puts into texts; each must reach the reader as literal text.
HOSTILE_TEXTS: tuple[str, ...] = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">javascript:alert(1)</a>',
    "[点我](javascript:alert(1))",
    "🔥爆款👍😂",
    "\u202e反向文字",
    "清仓大促全场五折起错过再等一年" * 10 + "NoSpacesAtAll" * 12,  # 306 chars, no space
)
HOSTILE_URL = "javascript:alert(1)"
