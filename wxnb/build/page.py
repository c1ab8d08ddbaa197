"""Finish the exported page: everything done to nbconvert's HTML with BeautifulSoup.

``wxnb.build.report`` exports the notebook (or one section of it) with the ``wxreport``
template; these functions then make it the report: the sections grouped and folded (the analyst
layer under 分析明细与方法口径, the 专题 folded whole), the analyst's commentary placed, unique
heading anchors and a table of contents that works without JavaScript, readable tables (long
text, numbers, status colours), chart alt texts and their smallest legible width, the cover
(:class:`ReportMeta`: title, verdict, data coverage) and footer, the web font subset, and a
last pass that removes anything that would load from the network. Text from parameters or data
is only ever put into the page as escaped text, never parsed as markup.
"""

from __future__ import annotations

import base64
import copy
import logging
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from wxnb.build import webfont
from wxnb.exceptions import BuildError
from wxnb.sections.spec import FOLD_TAG

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

__all__ = [
    "CELL_ID",
    "CHART_MIN_SCALE",
    "FOLD_TITLE",
    "HEADINGS",
    "LONG_CELL_COLUMNS",
    "MAIN_OPEN",
    "NO_MAIN",
    "REPORT_TITLE",
    "ReportMeta",
    "STATUS_HEADERS",
    "TEMPLATE_NAME",
    "add_commentary",
    "dedupe_ids",
    "finish_outputs",
    "finish_page",
    "finish_shell",
    "fold_layer",
    "fold_topic",
    "make_offline",
    "rewrite_section",
    "section_classes",
    "section_prefixes",
    "style_tables",
    "tags_in",
    "with_id",
]

logger = logging.getLogger(__name__)

TEMPLATE_NAME = "wxreport"
REPORT_TITLE = "微信营销月度复盘"
#: The template's ``<main>`` as nbconvert writes it (index.html.j2, block body_header).
MAIN_OPEN = '<main id="wx-main" class="wx-main">'
NO_MAIN = f"模板 {TEMPLATE_NAME} 的输出缺少 <main id=\"wx-main\">"
#: The title of a section's analyst layer when its fold cell has no heading text.
FOLD_TITLE = "分析明细与方法口径"
_COVERAGE_COLUMNS = ("数据", "文件数", "行数", "覆盖天数", "状态")
_NUMERIC_COVERAGE = frozenset({"文件数", "行数"})
CELL_ID = re.compile(r"^cell-id=s(\d+)-")
_EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\s+(?:url\()?\s*['\"]?\s*(?:https?:)?//[^;]*;?", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?:https?:)?//[^)]*\)", re.IGNORECASE)
_JS_URL = re.compile(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}/", re.IGNORECASE)
_NUMBER = re.compile(
    r"^[+\-−±]?\s?[¥￥$]?\s?\d[\d,，]*(?:\.\d+)?\s?"
    r"(?:%|‰|pp|个百分点|万|亿|元|倍|次|人|篇|天|[x×])?$"
)
_BLANK_CELL = frozenset({"", "—", "–", "-", "nan", "NaN", "None", "<NA>", "N/A", "NA"})
_URL_ATTRS = ("src", "href", "srcset", "data", "poster", "action", "formaction", "background",
              "xlink:href", "longdesc", "manifest", "ping")
_RESOURCE_TAGS = frozenset({"iframe", "embed", "object", "video", "audio", "source", "track",
                            "frame", "applet"})


@dataclass(frozen=True)
class ReportMeta:
    """What the cover and the footer show. Every string is treated as untrusted text.

    Attributes
    ----------
    account : str
        Account id, e.g. ``"sample"``.
    account_name : str
        Display name, e.g. ``"示例品牌服务号"``.
    month : str
        ``YYYY-MM``.
    generated_at : str
        Generation time as the caller wants it shown (Asia/Shanghai), e.g. ``"2026-11-22 10:31"``.
    coverage : list of dict
        Data coverage rows ``{"数据", "文件数", "行数", "覆盖天数", "状态"}``.
    notes : list of str
        Data notes and warnings (plain text).
    wxnb_version : str
        Shown in the footer; defaults to the installed ``wxnb.__version__``.
    commentary : dict of str to str
        The analyst's commentary (点评) per section key (``wxnb.io.commentary``), shown under
        the section's introduction and marked 人工.
    verdict : str
        The month in one sentence (section 00's ``words.verdict``), under the cover's title.
    """

    account: str
    account_name: str
    month: str
    generated_at: str
    coverage: list[dict[str, Any]]
    notes: list[str]
    wxnb_version: str = ""
    commentary: dict[str, str] = field(default_factory=dict)
    verdict: str = ""


#: A chart is never shown below this share of its drawn width on a phone: its smallest text
#: (10–11 pt at 110 dpi, ≈ 15–17 px) stays at 10 px or more. A wider chart scrolls sideways in
#: its box there, as a wide table does (the stylesheet reads ``--wx-min-width``).
CHART_MIN_SCALE = 0.65


def _png_width(src: str) -> int | None:
    """The pixel width of a ``data:image/png;base64,`` image (its IHDR), or None."""
    head = "data:image/png;base64,"
    if not src.startswith(head):
        return None
    try:
        raw = base64.b64decode(src[len(head):len(head) + 32])
    except (ValueError, TypeError):
        return None
    if len(raw) < 24 or raw[:8] != b"\x89PNG\r\n\x1a\n" or raw[12:16] != b"IHDR":
        return None
    return int.from_bytes(raw[16:20], "big")


def finish_outputs(root: Tag) -> None:
    """Chart alt texts, each chart's smallest legible width, and focusable outputs
    (nbconvert's own last pass, which is skipped)."""
    for tag in tags_in(root, ("img", "div")):
        if tag.name == "img":
            if tag.get("alt") in (None, "No description has been provided for this image"):
                tag["alt"] = "图表"
            width = _png_width(str(tag.get("src") or ""))
            if width:
                tag["style"] = f"--wx-min-width: {math.ceil(width * CHART_MIN_SCALE)}px"
        elif "jp-OutputArea-output" in (tag.get("class") or ()):
            tag["tabindex"] = "0"  # focusable, as nbconvert sets it


def tags_in(root: Tag, names: Iterable[str] | None = None) -> list[Tag]:
    """The tags under ``root`` in document order (only those named, if ``names``): what
    ``find_all`` returns, without running its filter on every tag (several times faster)."""
    from bs4 import Tag

    if names is None:
        return [t for t in root.descendants if isinstance(t, Tag)]
    wanted = frozenset(names)
    return [t for t in root.descendants if isinstance(t, Tag) and t.name in wanted]


def with_id(root: Tag) -> list[Tag]:
    """``root.find_all(id=True)``."""
    return [t for t in tags_in(root) if t.get("id") is not None]


def _parent(tag: Tag, name: str) -> Tag | None:
    """``tag.find_parent(name)``."""
    parent = tag.parent
    while parent is not None and parent.name != name:
        parent = parent.parent
    return parent


def _cells(row: Tag) -> list[Tag]:
    """``row.find_all(["td", "th"], recursive=False)``."""
    from bs4 import Tag

    return [c for c in row.children if isinstance(c, Tag) and c.name in ("td", "th")]


# --------------------------------------------------------------------------- post-processing


def finish_page(body: str, infos: list[dict[str, Any]], meta: ReportMeta) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "html.parser")
    main = soup.find("main", id="wx-main")
    if main is None:
        raise BuildError(NO_MAIN)
    wrappers = _group_sections(soup, main, infos)
    add_commentary(soup, wrappers, infos, meta.commentary)
    for wrapper in wrappers:
        fold_layer(soup, wrapper)
        if "wx-topic" in wrapper["class"]:
            fold_topic(soup, wrapper)
    toc = _rewrite_headings(soup, wrappers, infos)
    style_tables(soup, main)
    finish_outputs(main)
    finish_shell(soup, meta, infos, toc)
    return str(soup)


def finish_shell(soup: BeautifulSoup, meta: ReportMeta, infos: list[dict[str, Any]],
                  toc: list[dict[str, Any]], chars: set[int] | None = None) -> None:
    """Cover, table of contents and footer; nothing external; unique ids; the fonts for the
    page's text (and ``chars``, those of sections not in ``soup`` yet)."""
    _fill_cover(soup, meta, infos)
    _fill_toc(soup, toc)
    _fill_footer(soup, meta)
    make_offline(soup)
    dedupe_ids(soup)
    _embed_fonts(soup, webfont.cjk_chars(soup.get_text()) | (chars or set()))


def _group_sections(soup: BeautifulSoup, main: Tag, infos: list[dict[str, Any]]) -> list[Tag]:
    """Move each section's cells into ``<section id="wx-sNN" class="wx-section">``.

    NN is the section's number (``01`` for ``01_kpi``), so other sections can link to it
    (the summary links each finding to ``#wx-s01``); the position is the fallback.
    """
    from bs4 import Tag

    wrappers = []
    prefixes = section_prefixes([info["key"] for info in infos])
    for info, prefix in zip(infos, prefixes, strict=True):
        wrappers.append(soup.new_tag("section", attrs={
            "id": f"wx-{prefix}", "class": section_classes(info["key"], info["ok"]),
            "data-section": info["key"]}))
    children = [c.extract() for c in list(main.children)]
    current: Tag | None = None
    for child in children:
        if not isinstance(child, Tag):
            continue  # whitespace between cells
        m = CELL_ID.match(child.get("id") or "")
        if m and 1 <= int(m.group(1)) <= len(wrappers):
            current = wrappers[int(m.group(1)) - 1]
            current.append(child)
        elif current is not None:
            current.append(child)
        else:
            main.append(child)
    for wrapper in wrappers:
        main.append(wrapper)
    return wrappers


def add_commentary(soup: BeautifulSoup, wrappers: list[Tag], infos: list[dict[str, Any]],
                    commentary: dict[str, str]) -> None:
    """Put the analyst's text for a section right under its introduction, in an aside marked
    人工 (written by a person, not computed). Plain text only: it is escaped like data."""
    from bs4 import Tag

    for wrapper, info in zip(wrappers, infos, strict=True):
        text = commentary.get(info["key"])
        if not text:
            continue
        aside = soup.new_tag("aside", attrs={"class": "wx-commentary"})
        title = _text_tag(soup, "p", "分析师点评 ", class_="wx-commentary-title")
        title.append(_text_tag(soup, "span", "人工", class_="wx-manual"))
        aside.append(title)
        for para in (p.strip() for p in text.split("\n\n")):
            if para:
                aside.append(_text_tag(soup, "p", para, class_="wx-commentary-text"))
        first = next((c for c in wrapper.children if isinstance(c, Tag)), None)
        if first is None:
            wrapper.append(aside)
        else:
            first.insert_after(aside)


_FOLD_CLASS = "celltag_" + FOLD_TAG


def fold_layer(soup: BeautifulSoup, wrapper: Tag) -> None:
    """The analyst layer of a section: everything after its fold heading (a markdown cell
    tagged ``wx-fold``) goes into ``<details class="wx-fold">``, closed, titled with that
    heading. What comes before it is the management layer a reader sees without opening."""
    from bs4 import Tag

    children = [c for c in wrapper.children if isinstance(c, Tag)]
    for i, child in enumerate(children):
        # nbconvert's lab template puts a markdown cell's tags on its rendered markdown
        if "jp-MarkdownCell" not in (child.get("class") or ()) or \
                child.find("div", class_=_FOLD_CLASS) is None:
            continue
        heading = next(iter(tags_in(child, HEADINGS)), None)
        title = (_heading_text(heading) if heading is not None else "") or FOLD_TITLE
        rest = children[i + 1:]
        if not rest:
            child.decompose()
            return
        details = soup.new_tag("details", attrs={"class": "wx-fold"})
        details.append(_text_tag(soup, "summary", title, class_="wx-fold-title"))
        child.replace_with(details)
        for later in rest:
            details.append(later.extract())
        return


def section_classes(key: str, ok: bool) -> str:
    """The section wrapper's classes: ``wx-topic`` for a 专题 (:attr:`Spec.topic`),
    ``wx-section-failed`` for a section whose notebook failed."""
    from wxnb import sections

    try:
        topic = sections.get(key).topic
    except KeyError:  # a section the registry does not know (a test's own notebook)
        topic = False
    return " ".join(["wx-section"] + (["wx-topic"] if topic else [])
                    + ([] if ok else ["wx-section-failed"]))


def fold_topic(soup: BeautifulSoup, wrapper: Tag) -> None:
    """A 专题 reads as one tappable line: its title and its headline (``brief.headline_html``)
    as the summary of one closed ``<details class="wx-more">`` holding everything else: the
    title cell with its intro, the key table, 本月要点, 行动 and the analyst block (the
    contents link to the section itself, so they reach it closed). A failed topic (no
    headline) is left as it is."""
    from bs4 import Tag

    children = [c for c in wrapper.children if isinstance(c, Tag)]
    for i, child in enumerate(children):
        line = child.find(class_="wx-headline")
        if line is None:
            continue
        summary = soup.new_tag("summary", attrs={"class": "wx-more-title wx-headline"})
        head = children[0] if i else None  # the title cell: its title starts the summary
        title = next(iter(tags_in(head, ("h1",))), None) if head is not None else None
        if title is not None:
            summary.append(_text_tag(soup, "span", _heading_text(title),
                                     class_="wx-topic-title"))
        for part in list(line.contents):
            summary.append(part.extract())
        details = soup.new_tag("details", attrs={"class": "wx-more"})
        details.append(summary)
        child.replace_with(details)
        if head is not None:  # the title cell (heading and intro) opens the block
            details.append(head.extract())
        for later in children[i + 1:]:
            details.append(later.extract())
        return


def _heading_text(h: Tag) -> str:
    clone = copy.copy(h)
    for a in clone.select("a.anchor-link"):
        a.decompose()
    return " ".join(clone.get_text(" ").split())


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w-]+", "-", text)
    return re.sub(r"-{2,}", "-", text).strip("-_")[:48].rstrip("-_")


def _unique(base: str, used: set[str]) -> str:
    candidate, n = base, 0
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    used.add(candidate)
    return candidate


HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def section_prefixes(keys: list[str]) -> list[str]:
    """``s01`` for the key ``01_kpi`` (its leading number); ``sNN`` by position otherwise."""
    out: list[str] = []
    for idx, key in enumerate(keys, start=1):
        m = re.match(r"\d+", key)
        prefix = f"s{m.group(0)}" if m else f"s{idx:02d}"
        if prefix in out:
            prefix = f"s{idx:02d}-{_slug(key) or 'x'}"
        out.append(prefix)
    return out


def _rewrite_headings(
    soup: BeautifulSoup, wrappers: list[Tag], infos: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Give every heading a unique ``sNN-<text>`` id; return the TOC entries per section."""
    headings = {id(h) for w in wrappers for h in tags_in(w, HEADINGS)}
    used = {t["id"] for t in with_id(soup) if id(t) not in headings}
    first_seen: dict[str, str] = {}
    prefixes = section_prefixes([i["key"] for i in infos])
    return [rewrite_section(wrapper, info, prefix, used, first_seen)
            for wrapper, info, prefix in zip(wrappers, infos, prefixes, strict=True)]


def rewrite_section(wrapper: Tag, info: dict[str, Any], prefix: str, used: set[str],
                     first_seen: dict[str, str],
                     unresolved: set[str] | None = None) -> dict[str, Any]:
    """One section's part of :func:`_rewrite_headings`: its headings get ids (added to
    ``used``), its in-page links follow them; a link to a heading id of no section in
    ``first_seen`` (the sections before, then this one) is kept. ``unresolved`` collects the
    link targets this section's own headings did not resolve."""
    renamed: dict[str, str] = {}
    entry: dict[str, Any] = {"id": wrapper["id"], "text": info["title"] or info["key"],
                             "ok": info["ok"], "children": [],
                             "topic": "wx-topic" in (wrapper.get("class") or "")}
    have_h1 = False
    for h in tags_in(wrapper, HEADINGS):
        text = _heading_text(h)
        new_id = _unique(f"{prefix}-{_slug(text) or h.name}", used)
        old_id = h.get("id")
        if old_id:
            for old in {old_id, unquote(old_id)}:
                renamed.setdefault(old, new_id)
                first_seen.setdefault(old, new_id)
        h["id"] = new_id
        for a in h.find_all("a", class_="anchor-link"):
            a["href"] = f"#{new_id}"
        if h.name == "h1" and not have_h1:
            have_h1 = True
            # a 专题's heading is inside its closed block: the contents go to the section
            entry["id"] = wrapper["id"] if entry["topic"] else new_id
            entry["text"] = text or entry["text"]
        elif h.name in ("h1", "h2") and text:
            entry["children"].append({"id": new_id, "text": text})
    for a in wrapper.select('a[href^="#"]'):
        if "anchor-link" in (a.get("class") or []):
            continue
        target = a["href"][1:]
        new = renamed.get(target) or renamed.get(unquote(target))
        if new is None and unresolved is not None:
            unresolved.add(target)
        if new is None and target not in used:
            new = first_seen.get(target) or first_seen.get(unquote(target))
        if new:
            a["href"] = f"#{new}"
    return entry


def style_tables(soup: BeautifulSoup, root: Tag) -> None:
    """Give every table the report style, right-align numbers, let long texts wrap, wrap the
    table in a scroller."""
    for table in tags_in(root, ("table",)):
        classes = list(table.get("class") or [])
        if "wx-table" not in classes:
            table["class"] = [*classes, "wx-table"]
            _mark_numeric(table)
        _mark_long(table)
        _mark_status(table)
        if _parent(table, "table") is None and table.find_parent(class_="wx-scroll") is None:
            table.wrap(soup.new_tag("div", attrs={"class": "wx-scroll"}))


#: A column with a body cell wider than this (in half-width columns: a hanzi counts 2) gets
#: ``wx-long`` on its body cells: the CSS lets them wrap instead of widening the whole table
#: (cells stay on one line otherwise).
LONG_CELL_COLUMNS = 24


def _display_width(tag: Tag) -> int:
    text = " ".join(tag.get_text().split())
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _mark_long(table: Tag) -> None:
    """Mark the body cells of long-text columns (of long cells, where cells span)."""
    rows = [r for r in tags_in(table, ("tr",)) if _parent(r, "table") is table]
    cells = [_cells(r) for r in rows]
    if any(c.get("colspan") or c.get("rowspan") for row in cells for c in row):
        for td in table.find_all("td"):
            if _display_width(td) > LONG_CELL_COLUMNS:
                _add_class(td, "wx-long")
        return
    long_cols = {i for row in cells for i, c in enumerate(row)
                 if c.name == "td" and _display_width(c) > LONG_CELL_COLUMNS}
    for row in cells:
        for i, c in enumerate(row):
            if i in long_cols and c.name == "td":
                _add_class(c, "wx-long")


#: Header texts of a verdict column, kept in sight on a phone (CSS: sticky on the right).
STATUS_HEADERS = frozenset({"状态", "风险等级", "达标状态"})


def _mark_status(table: Tag) -> None:
    """Mark the cells of the table's last verdict column (header in :data:`STATUS_HEADERS`)
    with ``wx-status``; a table with merged cells is left as it is."""
    rows = [r for r in tags_in(table, ("tr",)) if _parent(r, "table") is table]
    cells = [_cells(r) for r in rows]
    if any(c.get("colspan") or c.get("rowspan") for row in cells for c in row):
        return
    head = next((row for row in cells if any(c.name == "th" for c in row)
                 and any(c.get_text(strip=True) in STATUS_HEADERS for c in row)), None)
    if head is None:
        return
    col = max(i for i, c in enumerate(head) if c.get_text(strip=True) in STATUS_HEADERS)
    for row in cells:
        if col < len(row) and len(row) == len(head):
            _add_class(row[col], "wx-status")


def _add_class(tag: Tag, name: str) -> None:
    classes = list(tag.get("class") or [])
    if name not in classes:
        tag["class"] = [*classes, name]


def _mark_numeric(table: Tag) -> None:
    """Mark numeric columns (all non-blank body cells numeric) with ``num``."""
    rows = [r for r in tags_in(table, ("tr",)) if _parent(r, "table") is table]
    if any(c.get("colspan") or c.get("rowspan") for r in rows
           for c in tags_in(r, ("td", "th"))):
        for td in table.find_all("td"):
            if _NUMBER.match(td.get_text(strip=True)):
                _add_class(td, "num")
        return
    body = [r for r in rows if _parent(r, "thead") is None and r.find("td")]
    head = [r for r in rows if _parent(r, "thead") is not None]
    numeric: dict[int, bool] = {}
    for row in body:
        for i, cell in enumerate(_cells(row)):
            text = cell.get_text(strip=True)
            if cell.name != "td" or text in _BLANK_CELL:
                continue
            numeric[i] = numeric.get(i, True) and bool(_NUMBER.match(text))
    cols = {i for i, yes in numeric.items() if yes}
    for row in body + head:
        for i, cell in enumerate(_cells(row)):
            if i in cols:
                _add_class(cell, "num")


def _month_cn(month: str) -> str:
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", month)
    return f"{int(m.group(1))}年{int(m.group(2))}月" if m else month


def _text_tag(soup: BeautifulSoup, name: str, text: Any, **attrs: str) -> Tag:
    tag = soup.new_tag(name, attrs={k.rstrip("_"): v for k, v in attrs.items()})
    from wxnb.kit.fmt import visible  # pandas is imported with wxnb.kit.fmt: keep `import` cheap

    tag.string = visible(text)
    return tag


def _cell_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _fill_cover(soup: BeautifulSoup, meta: ReportMeta, infos: list[dict[str, Any]]) -> None:
    cover = soup.find(id="wx-cover")
    if cover is None:
        raise BuildError(f"模板 {TEMPLATE_NAME} 的输出缺少封面占位 id=wx-cover")
    cover.append(_text_tag(soup, "h1", REPORT_TITLE, class_="wx-cover-title"))
    dl = soup.new_tag("dl", attrs={"class": "wx-cover-meta"})
    for label, value, cls in (
        ("账号", meta.account_name or meta.account, "wx-cover-account"),
        ("账号标识", meta.account, "wx-cover-account-id"),
        ("报告月份", _month_cn(meta.month), "wx-cover-month"),
        ("生成时间", meta.generated_at, "wx-cover-generated"),
    ):
        dl.append(_text_tag(soup, "dt", label))
        dl.append(_text_tag(soup, "dd", value, class_=cls))
    cover.append(dl)

    failed = [i["title"] or i["key"] for i in infos if not i["ok"]]
    if failed:
        cover.append(_text_tag(
            soup, "p", f"注意：{len(failed)} 个章节生成失败（{'、'.join(failed)}），"
            "详见对应章节中的错误说明。", class_="wx-cover-alert", role="alert"))

    if meta.verdict:
        cover.append(_text_tag(soup, "p", meta.verdict, class_="wx-verdict"))
    # The data behind the report is the analyst's: closed, its summary says whether it is whole.
    rows = [r for r in meta.coverage if isinstance(r, dict)]
    notes = [str(n) for n in meta.notes if str(n).strip()]
    # 缺 N 天 / 无数据 are gaps; 未提供 is an optional input the month does not have
    short = sum(1 for r in rows if str(r.get("状态") or "").startswith(("缺", "无数据")))
    state = f"{len(rows)} 项数据" + (f"，{short} 项不完整" if short else "，全部完整" if rows else "")
    if notes:
        state += f"，{len(notes)} 条说明"
    details = soup.new_tag("details", attrs={"class": "wx-fold wx-cover-data"})
    details.append(_text_tag(soup, "summary", f"数据覆盖与说明（{state}）",
                             class_="wx-fold-title"))
    cover.append(details)
    _cover_data(soup, details, rows, notes)


def _cover_data(soup: BeautifulSoup, box: Tag, rows: list[dict[str, Any]],
                notes: list[str]) -> None:
    """The cover's data coverage table and data notes, into ``box``."""
    box.append(_text_tag(soup, "h2", "数据覆盖"))
    if rows:
        columns = list(_COVERAGE_COLUMNS)
        for row in rows:
            columns += [k for k in row if k not in columns]
        table = soup.new_tag("table", attrs={"class": "wx-table wx-coverage"})
        tr = soup.new_tag("tr")
        for col in columns:
            tr.append(_text_tag(soup, "th", col, **(
                {"class_": "num"} if col in _NUMERIC_COVERAGE else
                {"class_": "wx-status"} if col == "状态" else {})))
        thead = soup.new_tag("thead")
        thead.append(tr)
        tbody = soup.new_tag("tbody")
        for row in rows:
            tr = soup.new_tag("tr")
            for col in columns:
                value = row.get(col)
                attrs = {}
                if col in _NUMERIC_COVERAGE:
                    attrs["class_"] = "num"
                elif col == "状态" and value == "完整":
                    attrs["class_"] = "ok wx-status"
                elif col == "状态" and str(value or "").startswith(("缺", "无数据")):
                    attrs["class_"] = "warn wx-status"
                elif col == "状态":
                    attrs["class_"] = "wx-status"
                tr.append(_text_tag(soup, "td", _cell_text(value), **attrs))
            tbody.append(tr)
        table.append(thead)
        table.append(tbody)
        scroll = soup.new_tag("div", attrs={"class": "wx-scroll"})
        scroll.append(table)
        box.append(scroll)
    else:
        box.append(_text_tag(soup, "p", "无覆盖信息"))

    box.append(_text_tag(soup, "h2", "数据说明"))
    if notes:
        ul = soup.new_tag("ul", attrs={"class": "wx-cover-notes"})
        for note in notes:
            ul.append(_text_tag(soup, "li", note))
        box.append(ul)
    else:
        box.append(_text_tag(soup, "p", "无", class_="wx-cover-notes-empty"))


def _fill_toc(soup: BeautifulSoup, toc: list[dict[str, Any]]) -> None:
    """The contents: one line per section (a manager's map of the report; the subheadings of
    a section are a scroll away and its analyst layer is folded)."""
    nav = soup.find("nav", id="toc")
    if nav is None:
        raise BuildError(f"模板 {TEMPLATE_NAME} 的输出缺少目录占位 <nav id=\"toc\">")
    nav.append(_text_tag(soup, "p", "目录", class_="wx-toc-title"))
    ol = soup.new_tag("ol")
    for entry in _group_topics(toc):
        li = soup.new_tag("li")
        li.append(_text_tag(soup, "a", entry["text"], href=f"#{entry['id']}"))
        if not entry["ok"]:
            li.append(_text_tag(soup, "span", "（生成失败）", class_="wx-toc-failed"))
        ol.append(li)
    nav.append(ol)


def _group_topics(toc: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contents' entries with each run of 专题 made one line ("09–15 专题：裂变活动复盘、
    …", linking to the first of them): each 专题 is itself one line of the page."""
    out: list[dict[str, Any]] = []
    run: list[dict[str, Any]] = []

    def flush() -> None:
        if len(run) == 1:
            out.append(run[0])
        elif run:
            first, last = run[0]["text"].split(" ", 1)[0], run[-1]["text"].split(" ", 1)[0]
            names = "、".join(e["text"].split(" ", 1)[-1] + ("" if e["ok"] else "（生成失败）")
                             for e in run)
            out.append({"id": run[0]["id"], "text": f"{first}–{last} 专题：{names}", "ok": True})
        run.clear()

    for entry in toc:
        if entry.get("topic"):
            run.append(entry)
            continue
        flush()
        out.append(entry)
    flush()
    return out


def _fill_footer(soup: BeautifulSoup, meta: ReportMeta) -> None:
    footer = soup.find(id="wx-footer")
    if footer is None:
        raise BuildError(f"模板 {TEMPLATE_NAME} 的输出缺少页脚占位 id=wx-footer")
    version = meta.wxnb_version
    if not version:
        from wxnb import __version__ as version
    account = meta.account_name or meta.account
    if meta.account and meta.account != account:
        account = f"{account}（{meta.account}）"
    month = _month_cn(meta.month)
    # The account name is data: <bdi> keeps a right-to-left mark in it (U+202E) from reversing
    # the month and date that follow it on the same line.
    line = soup.new_tag("p")
    line.append(_text_tag(soup, "bdi", account))
    line.append(f" · {month} {REPORT_TITLE} · 生成于 {meta.generated_at} · wxnb {version}")
    footer.append(line)
    # Shown on every printed page only (CSS: position fixed in @media print, hidden on screen).
    running = soup.new_tag("div", attrs={"class": "wx-running", "aria-hidden": "true"})
    running.append(_text_tag(soup, "bdi", account))
    running.append(f" · {month} {REPORT_TITLE}")
    footer.append(running)


def _embed_fonts(soup: BeautifulSoup, chars: set[int]) -> None:
    """The Chinese glyphs the page shows, as web fonts in its head (wxnb.build.webfont; the
    page's font stack names them first). Only wxnb's own CSS goes in: no text from data."""
    css = webfont.font_css(chars)
    if css and soup.head is not None:
        style = soup.new_tag("style", attrs={"id": "wx-fonts"})
        style.string = css
        soup.head.append(style)


def _offline_css(css: str) -> str:
    return _CSS_URL.sub("none", _CSS_IMPORT.sub("", css))


def make_offline(soup: BeautifulSoup) -> None:
    """Remove or neutralise everything that would load (or link) outside the page."""
    from bs4 import NavigableString

    tags = tags_in(soup)
    for style in (t for t in tags if t.name == "style"):
        css = style.string or ""
        if "//" in css and (_CSS_URL.search(css) or _CSS_IMPORT.search(css)):
            style.string = _offline_css(css)
            logger.warning("报告中的样式引用了外部地址，已移除")
    for script in [t for t in tags if t.name == "script"]:
        src = script.get("src")
        if src is not None or _JS_URL.search(script.string or ""):
            logger.warning("报告中的脚本会访问外部资源，已移除：%s", src or "(内联脚本)")
            script.decompose()
    for link in [t for t in tags if t.name == "link"]:
        if _EXTERNAL.match(link.get("href") or ""):
            link.decompose()
    for tag in tags_in(soup):
        attrs = tag.attrs
        if not attrs:
            continue
        if attrs.get("style") and _CSS_URL.search(attrs["style"]):
            tag["style"] = _offline_css(attrs["style"])
        external = [a for a in _URL_ATTRS
                    if isinstance(attrs.get(a), str) and _external_attr(a, attrs[a])]
        if not external:
            continue
        url = tag.get(external[0])
        if tag.name == "a" and external == ["href"]:
            # A link is not a download, but the page must not point outside itself either:
            # keep the link's content and show the address as text the reader can copy.
            text = tag.get_text()
            tag.name = "span"
            tag.attrs = {"class": "wx-extlink", "title": url}
            if url not in text:
                tag.append(f"（{url}）" if text.strip() else url)
        elif tag.name == "img" or tag.name in _RESOURCE_TAGS:
            logger.warning("报告中的外部资源未嵌入，已移除：%s", url)
            tag.replace_with(NavigableString(f"[外部资源未嵌入：{url}]"))
        else:
            for attr in external:
                del tag[attr]


def _external_attr(name: str, value: str) -> bool:
    if name == "srcset":
        return any(_EXTERNAL.match(part) for part in value.split(","))
    return bool(_EXTERNAL.match(value))


def dedupe_ids(soup: BeautifulSoup) -> None:
    used: set[str] = set()
    for tag in with_id(soup):
        if tag["id"] in used:
            new = _unique(tag["id"], used)
            logger.debug("重复的元素 id %s 改为 %s", tag["id"], new)
            tag["id"] = new
        else:
            used.add(tag["id"])
