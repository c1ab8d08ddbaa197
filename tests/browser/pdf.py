"""Read a PDF that Chromium printed, with PDFium (pypdfium2): text, text lines, images per page.

Text is compared after :func:`norm`, applied alike to the PDF's text and to the page's: NFKC, then
letters and digits only. Whitespace, line breaks and punctuation are dropped because the PDF's
ToUnicode tables name one code point per glyph, and Chromium's shaping can pick a glyph that names
another punctuation mark (a dash between quotes comes out as U+2015 instead of U+2014).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path


def norm(text: str) -> str:
    """Text as compared: NFKC, letters and digits only."""
    return "".join(c for c in unicodedata.normalize("NFKC", text)
                   if unicodedata.category(c)[0] in "LN")


class PdfText:
    """One printed PDF: normalised text, text lines and image pixel sizes, per page."""

    def __init__(self, path: Path) -> None:
        import pypdfium2
        import pypdfium2.raw as pdfium_c

        self.path = Path(path)
        doc = pypdfium2.PdfDocument(str(self.path))
        try:
            self.sizes: list[tuple[float, float]] = []
            self.texts: list[str] = []
            self.images: list[list[tuple[int, int]]] = []
            self._lines: list[list[tuple[float, str]]] = []
            self.right_edges: list[float] = []  # the rightmost glyph ink per page, in pt
            for page in doc:
                self.sizes.append(tuple(page.get_size()))
                tp = page.get_textpage()
                self.texts.append(norm(tp.get_text_range()))
                lines, right = _lines(tp)
                self._lines.append(lines)
                self.right_edges.append(right)
                self.images.append([
                    tuple(obj.get_px_size())
                    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])])
        finally:
            doc.close()

    def __len__(self) -> int:
        return len(self.texts)

    def lines(self, index: int) -> list[tuple[float, str]]:
        """Page ``index``'s text lines, bottom line first: (middle height in pt, text)."""
        return self._lines[index]

    def page_of(self, needle: str) -> list[int]:
        """0-based pages whose text contains ``needle`` (normalised) as one contiguous run."""
        n = norm(needle)
        return [i for i, t in enumerate(self.texts) if n in t]

    def footer_problems(self, running: str, *, clearance: float = 20) -> list[str]:
        """Pages whose lowest line is not ``running`` or whose content comes within
        ``clearance`` pt (line middle to line middle) of it."""
        want, problems = norm(running), []
        for i, lines in enumerate(self._lines):
            if not lines or lines[0][1] != want:
                problems.append(f"page {i + 1}: lowest line is {lines[0] if lines else None}")
            elif len(lines) > 1 and lines[1][0] - lines[0][0] < clearance:
                problems.append(f"page {i + 1}: {lines[1][1][:30]!r} is "
                                f"{lines[1][0] - lines[0][0]:.0f} pt above the running footer")
        return problems


def _lines(textpage: object) -> tuple[list[tuple[float, str]], float]:
    """Group a page's characters into lines by the middle of their (loose) boxes; also return
    the right edge of the rightmost character."""
    chars, right_edge = [], 0.0
    for i in range(textpage.count_chars()):  # type: ignore[attr-defined]
        left, bottom, _, top = textpage.get_charbox(i, loose=True)  # type: ignore[attr-defined]
        ch = textpage.get_text_range(i, 1)  # type: ignore[attr-defined]
        if top > bottom and ch.strip():
            chars.append(((bottom + top) / 2, left, ch))
            # the ink, not the advance: a full-width ） at a line end has a blank right half
            right_edge = max(right_edge, textpage.get_charbox(i)[2])  # type: ignore[attr-defined]
    chars.sort()
    lines: list[list[tuple[float, float, str]]] = []
    for c in chars:
        if lines and c[0] - lines[-1][0][0] <= 3:
            lines[-1].append(c)
        else:
            lines.append([c])
    return [(line[0][0], norm("".join(ch for _, _, ch in sorted(line, key=lambda c: c[1]))))
            for line in lines], right_edge
