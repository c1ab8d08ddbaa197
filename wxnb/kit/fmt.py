"""Chinese number formatting and HTML building blocks; every text from data is escaped here.

Section notebooks show tables and narratives only through these helpers, so no title, source name
or account name from the data can become markup in the report.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd

__all__ = [
    "MINUS",
    "HtmlBlock",
    "cite",
    "esc",
    "fmt_count",
    "fmt_int",
    "fmt_money",
    "fmt_num",
    "fmt_pct",
    "fmt_pp",
    "fmt_signed_int",
    "fmt_signed_pct",
    "month_cn",
    "narrative",
    "notes",
    "plain",
    "table",
    "visible",
]


MINUS = "\u2212"  # the one minus sign of the report (U+2212), never the hyphen


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _number(v: Any, spec: str, *, signed: bool = False, scale: float = 1.0) -> str | None:
    """``v × scale`` formatted with ``spec`` (a format spec without sign), or None when ``v`` is
    missing or not finite (the caller shows "—"). A value that rounds to zero has no sign (never
    "−0.0"); a negative one takes :data:`MINUS`; ``signed`` puts "+" before a positive one."""
    if _missing(v):
        return None
    x = float(v) * scale
    if not math.isfinite(x):
        return None
    text = format(abs(x), spec)
    if not any(c in "123456789" for c in text):  # rounds to zero: no sign at all
        return text
    if x < 0:
        return MINUS + text
    return "+" + text if signed else text


def fmt_int(v: Any, unit: str = "") -> str:
    """1234567 → '1,234,567' (千分位); −0.4 → '0'; missing or infinite → '—'."""
    text = _number(v, ",.0f")
    return "—" if text is None else text + unit


def fmt_count(v: Any, unit: str = "") -> str:
    """A count as a 公众号 report writes it in prose and on KPI cards: exact below ten thousand
    (9,999), then in 万 or 亿 (127099 → '12.7万', 1234567 → '123.5万', 123456789 → '1.23亿';
    CLDR's zh_CN compact forms, through babel, which also carries 99,999,999 over to '1亿').
    Detail tables keep the exact figure (:func:`fmt_int`). One minus sign; missing or
    infinite → '—'."""
    text = _number(v, ",.0f")
    if text is None:
        return "—"
    x = float(round(float(v)))  # counts are whole: 9,999.6 is 1万
    if abs(x) < 10_000:
        return text + unit
    from babel.numbers import format_compact_decimal

    compact = format_compact_decimal(abs(x), locale="zh_CN", fraction_digits=1)
    if compact.endswith("亿"):  # 1.2亿 hides 10 million: two decimals
        compact = format_compact_decimal(abs(x), locale="zh_CN", fraction_digits=2)
    return (MINUS if x < 0 else "") + compact + unit


def fmt_signed_int(v: Any, unit: str = "") -> str:
    """A change in a count: 12 → '+12', −1234 → '−1,234', −0.3 → '0'."""
    text = _number(v, ",.0f", signed=True)
    return "—" if text is None else text + unit


def fmt_num(v: Any, digits: int = 1) -> str:
    """A measure with decimals: 2.345 → '2.35' (digits=2), 12345.6 → '12,345.6'; one minus
    sign, never −0.0; missing or infinite → '—'."""
    text = _number(v, f",.{digits}f")
    return "—" if text is None else text


def fmt_pct(v: Any, digits: int = 1) -> str:
    """0.0345 → '3.5%'. Rates are fractions; −0.0001 → '0.0%', never '−0.0%'."""
    text = _number(v, f".{digits}f", scale=100)
    return "—" if text is None else text + "%"


def fmt_signed_pct(v: Any, digits: int = 1) -> str:
    """0.052 → '+5.2%', −0.052 → '−5.2%', a change that rounds to zero → '0.0%'."""
    text = _number(v, f".{digits}f", signed=True, scale=100)
    return "—" if text is None else text + "%"


def fmt_pp(v: Any, digits: int = 2) -> str:
    """A difference of rates already in percentage points: -0.42 → '−0.42 个百分点'."""
    text = _number(v, f".{digits}f", signed=True)
    return "—" if text is None else text + " 个百分点"


def fmt_money(v: Any) -> str:
    """3000 → '¥3,000'; −3000 → '−¥3,000'."""
    text = _number(v, ",.0f")
    if text is None:
        return "—"
    return MINUS + "¥" + text[1:] if text.startswith(MINUS) else "¥" + text


def month_cn(month: str) -> str:
    """'2026-10' → '2026年10月'."""
    y, m = month.split("-")
    return f"{int(y)}年{int(m)}月"


# Bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069). One of them in a
# title (e.g. U+202E RIGHT-TO-LEFT OVERRIDE) would reverse the rest of the paragraph it is
# interpolated into (a "Trojan Source" trick). They are shown as a visible code instead.
_BIDI_CONTROLS = {c: f"[U+{c:04X}]" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


# What a manager does not read: a test's p-value, an interval, a robust z, a sample size. A
# parenthesis holding one of them is dropped whole (it is the analyst's evidence for the claim
# before it); the same words outside parentheses are left alone.
_STATS = re.compile(r"(?<![A-Za-z])[pP]\s*[<=>≤]|(?<![A-Za-z])[pP]\s*值|置信区间|(?<![A-Za-z])CI(?![A-Za-z])"
                    r"|稳健\s*z|(?<![A-Za-z])z\s*[=≈]|(?<![A-Za-z])n\s*=|差异不显著|检验")


def _drop_parens(text: str, drop: Callable[[str], bool]) -> str:
    """``text`` without each parenthesis (full- or half-width) for whose text ``drop`` is true,
    innermost first (an outer one is judged on what is left of it). A 《title》 is kept whole,
    parentheses and all; an unclosed parenthesis is kept as written; a parenthesis dropped
    between two Latin letters or digits leaves a space ("竞品B（950.57）20.1%" → "竞品B 20.1%")."""
    stack: list[list[str]] = [[]]
    title = 0
    for ch in text:
        if ch == "《":
            title += 1
        elif ch == "》" and title:
            title -= 1
        if title or ch == "》":
            stack[-1].append(ch)
        elif ch in "（(":
            stack.append([ch])
        elif ch in "）)" and len(stack) > 1:
            inner = "".join(stack.pop()) + ch
            stack[-1].append("\0" if drop(inner) else inner)
        else:
            stack[-1].append(ch)
    while len(stack) > 1:  # an unclosed parenthesis: keep its text as it was
        rest = "".join(stack.pop())
        stack[-1].append(rest)
    out = re.sub(r"(?<=[A-Za-z0-9])\0+(?=[A-Za-z0-9])", " ", "".join(stack[0]))
    return _tidy(out.replace("\0", ""))


def _tidy(text: str) -> str:
    return re.sub(r"\s+([，。；：、])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()


def plain(text: Any) -> str:
    """A finding's sentence for the management layer, without the analyst's statistics: every
    parenthesis whose own text holds a p-value, a confidence interval, a robust z, an n or a
    test is removed whole (innermost first, so an outer parenthesis that only held such a
    parenthesis stays, without it). A 《title》 is kept as it is, parentheses and all."""
    return _drop_parens(visible(text), lambda inner: bool(_STATS.search(inner)))


def cite(text: Any) -> str:
    """A finding's sentence cited as evidence beside an action: :func:`plain`, without any
    parenthesis (outside 《》 titles) and only up to the first 「；」. An unclosed parenthesis
    is kept with what follows it (never a sentence cut to nothing)."""
    head = _drop_parens(plain(text), lambda inner: True).split("；", 1)[0]
    return _TITLE.sub(_clip_title, _tidy(head)).rstrip("，、。 ")


#: A 《title》 quoted in a cited sentence is cut to this many characters (the full title is in
#: the section's analyst layer): a manager's line stays a line however long the data's text.
TITLE_CHARS = 30
_TITLE = re.compile(r"《([^《》]*)》")


def _clip_title(m: re.Match[str]) -> str:
    title = m.group(1)
    return f"《{title[:TITLE_CHARS]}…》" if len(title) > TITLE_CHARS + 1 else m.group(0)


def visible(text: Any) -> str:
    """The text with its bidi controls replaced by a visible ``[U+202E]``-style code."""
    return "" if text is None else str(text).translate(_BIDI_CONTROLS)


def esc(text: Any) -> str:
    """Escape any value for HTML text or attribute context; bidi controls are made visible."""
    return html.escape(visible(text), quote=True)


class HtmlBlock:
    """A ready, escaped HTML fragment that Jupyter displays as HTML (and tests can read)."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        # the notebook's text/plain beside the HTML: the same for the same markup (an object
        # address would make every run's outputs differ)
        return f"<HtmlBlock: {len(self.markup)} 个字符的 HTML>"


def table(
    rows: Sequence[Sequence[Any]],
    header: Sequence[str],
    *,
    numeric: Iterable[int] = (),
    wrap: Iterable[int] = (),
    css: Sequence[Sequence[str]] | None = None,
    caption: str = "",
    cards: bool = False,
) -> HtmlBlock:
    """Build a styled table; every cell is escaped. ``numeric`` column indexes align right;
    ``wrap`` columns hold sentences and wrap instead of widening the table. ``cards``: on a
    phone each row becomes a card of ``header: value`` lines (for a few rows with long texts,
    which a phone would otherwise show a word wide)."""
    num, wrapped = set(numeric), set(wrap)
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    labels = [f' data-label="{esc(h)}"' if cards else "" for h in header]
    body = []
    for r_i, row in enumerate(rows):
        cells = []
        for c_i, cell in enumerate(row):
            classes = ["num"] if c_i in num else ["wrap"] if c_i in wrapped else []
            if css and css[r_i][c_i]:
                classes.append(css[r_i][c_i])
            cls = f' class="{" ".join(classes)}"' if classes else ""
            label = labels[c_i] if c_i < len(labels) else ""
            cells.append(f"<td{cls}{label}>{esc(cell)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    kind = "wx-table wx-cardable" if cards else "wx-table"
    return HtmlBlock(
        f'<div class="wx-scroll"><table class="{kind}">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def narrative(paragraphs: Sequence[str]) -> HtmlBlock:
    """Wrap computed sentences as paragraphs of the report's narrative."""
    inner = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    return HtmlBlock(f'<div class="wx-narrative">{inner}</div>')


def notes(items: Sequence[str], *, title: str = "数据说明") -> HtmlBlock:
    """A note box listing data caveats (or 无)."""
    lis = "".join(f"<li>{esc(i)}</li>" for i in items) or "<li>无</li>"
    return HtmlBlock(f'<div class="wx-notes"><strong>{esc(title)}</strong><ul>{lis}</ul></div>')
