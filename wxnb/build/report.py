"""Stitch the executed section notebooks into one self-contained, offline Chinese HTML report.

Three steps, one function each:

* :func:`merge_notebooks` reads the executed notebooks in order and builds one notebook: every
  cell gets a deterministic id (``s01-000``) and a section tag; parameters, injected parameters,
  papermill's error banner, ``remove_cell`` cells and every stderr stream are dropped; a failed
  section keeps only its heading and an error box.
* :func:`render_html` exports that notebook **once** with nbconvert's ``HTMLExporter`` and the
  ``wxreport`` template (``lab`` without any CDN script), then finishes the page with
  BeautifulSoup: cover, unique heading anchors, a table of contents that works without
  JavaScript, readable tables, footer, and a last pass that removes anything that would load
  from the network.
* :func:`write_report` writes the page atomically (temp file, fsync, ``os.replace``).

A build does not wait for its last section to start on the page: :class:`SectionPages` renders
each section (:func:`render_section`: the same export and the same pass, on that section
alone) on a background thread as soon as it is done, and :func:`render_html` then only puts the
page together around them. The result is the page the one pass makes, byte for byte (tested);
where it could not be (a link to another section's heading, an id two sections share), the
page is rendered in one pass. A section's page is kept in the machine's cache under a name made
of everything it shows and the code that renders it, so a section reused by an incremental
build, or re-run to the same outputs, is read back instead of rendered.

Text that comes from parameters or data (account name, notes, coverage values, errors) is only
ever put into the page as escaped text, never parsed as markup.

nbconvert takes about a second to import, so it (and nbformat, BeautifulSoup) is imported inside
the functions: ``import wxnb.build.report`` stays cheap.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import functools
import hashlib
import html
import json
import logging
import math
import os
import re
import sys
import time
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from wxnb.build import webfont
from wxnb.exceptions import BuildError
from wxnb.sections.spec import FOLD_TAG

if TYPE_CHECKING:
    from concurrent.futures import Future

    import nbformat
    from bs4 import BeautifulSoup, Tag
    from nbconvert import HTMLExporter

__all__ = [
    "REMOVE_CELL_TAGS",
    "REMOVE_INPUT_TAGS",
    "REMOVE_OUTPUT_TAGS",
    "REPORT_TITLE",
    "SECTION_TAG_PREFIX",
    "TEMPLATE_DIR",
    "TEMPLATE_NAME",
    "ReportMeta",
    "SectionPage",
    "SectionPages",
    "SectionResult",
    "merge_notebooks",
    "render_html",
    "render_section",
    "warm_up",
    "write_report",
]

logger = logging.getLogger(__name__)

#: Folder holding the nbconvert template ``wxreport`` (passed as ``extra_template_basedirs``).
TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "wxreport"
REPORT_TITLE = "微信营销月度复盘"

#: Cells with one of these tags never reach the report (papermill's own tags included).
REMOVE_CELL_TAGS = frozenset(
    {"parameters", "injected-parameters", "remove_cell", "papermill-error-cell-tag"}
)
REMOVE_INPUT_TAGS = frozenset({"remove_input"})
REMOVE_OUTPUT_TAGS = frozenset({"remove_output"})

SECTION_TAG_PREFIX = "wx-section-"
#: The title of a section's analyst layer when its fold cell has no heading text.
FOLD_TITLE = "分析明细与方法口径"
_MAX_ERROR_CHARS = 2000
_COVERAGE_COLUMNS = ("数据", "文件数", "行数", "覆盖天数", "状态")
_NUMERIC_COVERAGE = frozenset({"文件数", "行数"})

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_H1_LINE = re.compile(r"^#[ \t]+(\S.*?)[ \t#]*$", re.MULTILINE)
_CELL_ID = re.compile(r"^cell-id=s(\d+)-")
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


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class SectionResult:
    """One executed section notebook, as the runner left it (the runner's outcome and the
    report's input: one type).

    Attributes
    ----------
    key : str
        The notebook's stem, e.g. ``"01_kpi"``.
    title : str
        The section title, e.g. ``"01 核心绩效指标达成分析"``.
    notebook : Path
        The executed notebook (``.ipynb``) written by papermill.
    ok : bool
        False when the section failed.
    error : str
        One-line error summary when not ok.
    seconds : float
        How long the section took to execute.
    cell : str
        Which cell failed (its number and first line) when not ok.
    """

    key: str
    title: str
    notebook: Path
    ok: bool
    error: str = ""
    seconds: float = 0.0
    cell: str = ""


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


# --------------------------------------------------------------------------- merge


def _lean_imports() -> None:
    """Skip ``rfc3987_syntax`` (≈1.3–1.9 s of Lark grammar compiles) when jsonschema loads.

    jupyterlab pulls in ``jsonschema[format-nongpl]``, whose IRI format checker imports it; no
    notebook schema uses IRI formats and jsonschema treats the module as optional. Same
    workaround as ``wxnb.build.runner``; a no-op once jsonschema is imported
    (shared/reference/performance-baseline.md).
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def merge_notebooks(sections: Sequence[SectionResult]) -> nbformat.NotebookNode:
    """Merge the executed section notebooks, in the given order, into one notebook.

    Parameters
    ----------
    sections : sequence of SectionResult
        The sections in report order.

    Returns
    -------
    nbformat.NotebookNode
        A v4.5 notebook. Every cell has the id ``sNN-MMM`` (``NN`` = 1-based section position),
        the tag ``wx-section-<key>`` and ``metadata.wxnb = {"section": key, "index": NN}``.
        ``metadata.wxnb.sections`` lists each section's key, title, status and error.
        Cells tagged with :data:`REMOVE_CELL_TAGS`, stderr streams and code cells left without
        output are dropped. A failed section (or one whose notebook cannot be read) is reduced to
        its heading and an error box showing 「本节生成失败」 and the escaped error.

    Raises
    ------
    BuildError
        If ``sections`` is empty.
    """
    _lean_imports()
    import nbformat
    from nbformat import v4

    if not sections:
        raise BuildError("没有任何章节，无法生成报告")
    merged = v4.new_notebook()
    infos: list[dict[str, Any]] = []
    base_meta: dict[str, Any] | None = None
    for idx, sec in enumerate(sections, start=1):
        cells, info, nb_meta = _section_cells(sec, idx, nbformat, v4)
        if nb_meta is not None and base_meta is None:
            base_meta = nb_meta
        merged.cells.extend(cells)
        infos.append(info)
    _copy_language(base_meta, merged)
    merged.metadata["wxnb"] = {"sections": infos}
    return merged


def _section_cells(sec: SectionResult, idx: int, nbformat: Any, v4: Any, *, log: bool = True
                   ) -> tuple[list[Any], dict[str, Any], dict[str, Any] | None]:
    """One section's cells for the report (ids ``sNN-MMM``, the section tag), its info entry
    and its notebook's metadata (None when the notebook cannot be read). A failed section is
    logged unless ``log`` is false (a page rendered ahead, which the report may never use)."""
    nb, read_error = _read_notebook(sec.notebook, nbformat)
    ok = sec.ok and nb is not None
    error = ""
    if ok:
        cells = _content_cells(nb.cells)
    else:
        error = _error_text(sec, nb, read_error)
        cells = _failed_cells(sec, nb, error, v4)
        if log:
            _log_failed(sec.key, error)
    tag = SECTION_TAG_PREFIX + _tag_safe(sec.key)
    for j, cell in enumerate(cells):
        cell["id"] = f"s{idx:02d}-{j:03d}"
        cell.metadata["tags"] = [*cell.metadata.get("tags", []), tag]
        cell.metadata["wxnb"] = {"section": sec.key, "index": idx}
    info = {"key": sec.key, "title": sec.title, "ok": ok, "error": error,
            "seconds": round(float(sec.seconds), 2), "notebook": str(sec.notebook)}
    return cells, info, dict(nb.metadata) if nb is not None else None


def _log_failed(key: str, error: str) -> None:
    logger.warning("章节 %s 生成失败，报告中显示错误框：%s", key, error)


def _copy_language(source: dict[str, Any] | None, nb: Any) -> None:
    for key in ("kernelspec", "language_info"):
        if source and key in source:
            nb.metadata[key] = copy.deepcopy(source[key])


def _read_notebook(path: Path, nbformat: Any) -> tuple[Any, str]:
    try:
        return nbformat.read(os.fspath(path), as_version=4), ""
    except FileNotFoundError:
        return None, f"找不到已执行的笔记本：{path}"
    except Exception as exc:  # unreadable JSON, wrong schema, permissions …
        return None, f"无法读取已执行的笔记本 {path}：{type(exc).__name__}: {exc}"


def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


def _content_cells(cells: Iterable[Any]) -> list[Any]:
    """The cells of a successful section that can show something in the report."""
    out = []
    for cell in cells:
        tags = _tags(cell)
        if tags & REMOVE_CELL_TAGS:
            continue
        if cell.cell_type == "code":
            if tags & REMOVE_OUTPUT_TAGS:
                continue  # input is never shown and the outputs are removed: nothing left
            cell.outputs = [o for o in cell.get("outputs", []) if not _is_stderr(o)]
            if not cell.outputs:
                continue
        out.append(cell)
    return out


def _is_stderr(output: Any) -> bool:
    return output.get("output_type") == "stream" and output.get("name") == "stderr"


def _error_outputs(nb: Any) -> list[str]:
    found = []
    for cell in nb.cells if nb is not None else []:
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if out.get("output_type") == "error":
                found.append(f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip())
    return found


def _clean_text(text: str) -> str:
    text = _CONTROL.sub("", _ANSI.sub("", text)).strip()
    if len(text) > _MAX_ERROR_CHARS:
        text = text[:_MAX_ERROR_CHARS] + " …"
    return text


def _error_text(sec: SectionResult, nb: Any, read_error: str) -> str:
    lines = [_clean_text(sec.error)] if sec.error.strip() else []
    if read_error:
        lines.append(read_error)
    for err in _error_outputs(nb):
        err = _clean_text(err)
        if err and not any(err in line for line in lines):
            lines.append(f"单元格错误：{err}")
    return "\n".join(lines) or "未知错误（没有错误信息）"


def _md_escape(text: str) -> str:
    """Escape text for a markdown heading: no markup, no HTML."""
    text = html.escape(" ".join(text.split()), quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~>])", r"\\\1", text)


def _failed_cells(sec: SectionResult, nb: Any, error: str, v4: Any) -> list[Any]:
    heading = ""
    for cell in nb.cells if nb is not None else []:
        if cell.cell_type == "markdown" and not _tags(cell) & REMOVE_CELL_TAGS:
            m = _H1_LINE.search(cell.source)
            if m:
                heading = m.group(0).strip()
                break
    if not heading:
        heading = "# " + _md_escape(sec.title or sec.key)
    box = (
        '<div class="wx-error-box" role="alert">'
        '<p class="wx-error-title">本节生成失败</p>'
        f'<p class="wx-error-detail">{html.escape(error)}</p>'
        "</div>"
    )
    out = v4.new_output("display_data", data={"text/html": box,
                                              "text/plain": f"本节生成失败：{error}"})
    return [v4.new_markdown_cell(heading), v4.new_code_cell("", outputs=[out])]


def _tag_safe(key: str) -> str:
    return re.sub(r"[^\w-]", "_", key) or "section"


# --------------------------------------------------------------------------- render


def _exporter_class() -> type[HTMLExporter]:
    """nbconvert's HTMLExporter without its last step, which parses the whole page with
    BeautifulSoup to add img alt texts and tabindex attributes and serialises it again (≈0.5 s
    for a report's 13,000 tags). :func:`_finish_page` parses the page anyway and does both."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class OneParseHTMLExporter(HTMLExporter):
        def from_notebook_node(self, nb: Any, resources: Any = None,
                               **kw: Any) -> tuple[str, dict[str, Any]]:
            # HTMLExporter.from_notebook_node (nbconvert 7.17), less the BeautifulSoup pass.
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return OneParseHTMLExporter


def warm_up() -> None:
    """Import nbconvert and BeautifulSoup and compile the report's templates, which the first
    export in a process pays for (≈0.3 s), and ``wxnb.kit.fmt`` with pandas (≈0.3 s): the build
    calls this while the fork server still imports (or the sections run), so the first
    section's page and the export after the last section do not. Best effort: a template
    problem is reported by the real export."""
    _lean_imports()
    import bs4  # noqa: F401
    import nbformat

    import wxnb.kit.fmt  # noqa: F401  (and pandas with it: the pages' text goes through it)

    try:
        _exporter().from_notebook_node(nbformat.v4.new_notebook(),
                                       resources={"metadata": {"name": "warm-up", "path": "."}})
    except Exception:  # noqa: BLE001
        logger.debug("warm-up export failed", exc_info=True)


@functools.cache
def _exporter() -> HTMLExporter:
    _lean_imports()
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    c.TagRemovePreprocessor.remove_input_tags = set(REMOVE_INPUT_TAGS)
    c.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    c.TemplateExporter.exclude_input = True
    c.TemplateExporter.exclude_input_prompt = True
    c.TemplateExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.HTMLExporter.language_code = "zh"
    c.HTMLExporter.theme = "light"
    if "optimistic_validation" in HTMLExporter.class_trait_names():
        c.HTMLExporter.optimistic_validation = True
    return _exporter_class()(
        config=c,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        template_name=TEMPLATE_NAME,
        log=logger,
    )


def render_html(sections: Sequence[SectionResult], meta: ReportMeta,
                pages: Mapping[str, SectionPage] | None = None) -> str:
    """Render the whole report as one self-contained HTML page.

    Parameters
    ----------
    sections : sequence of SectionResult
        The sections in report order; failed ones show an error box.
    meta : ReportMeta
        Cover and footer information.
    pages : mapping of section key to SectionPage, optional
        Sections already rendered (:class:`SectionPages`, while the others ran). The page is
        then put together from them, the same page as without them; should a section link to a
        heading of an earlier one, or two sections share an element id, the whole page is
        rendered in one pass as without them (both need the other sections' markup).

    Returns
    -------
    str
        The HTML document (``<html lang="zh">``). It loads nothing from the network: images are
        ``data:`` URIs and all CSS is inline.

    Raises
    ------
    BuildError
        If there are no sections or nbconvert fails.
    """
    t0 = time.perf_counter()
    if pages is not None and sections:
        page = _assemble(sections, meta, pages)
        if page is not None:
            logger.info("报告渲染完成：%d 个章节，%.0f KB（逐节渲染，合成 %.2f 秒）", len(sections),
                        len(page.encode("utf-8")) / 1024, time.perf_counter() - t0)
            return page
    nb = merge_notebooks(sections)
    nb.metadata["title"] = _page_title(meta)
    body = _export(nb, _base_path(sections))
    t1 = time.perf_counter()
    page = _finish_page(body, nb.metadata["wxnb"]["sections"], meta)
    logger.info("报告渲染完成：%d 个章节，%.0f KB（导出 %.2f 秒，后处理 %.2f 秒）",
                len(sections), len(page.encode("utf-8")) / 1024, t1 - t0,
                time.perf_counter() - t1)
    return page


def _page_title(meta: ReportMeta) -> str:
    from wxnb.kit.fmt import visible  # pandas is imported with wxnb.kit.fmt: keep `import` cheap

    return visible(f"{meta.account_name} {meta.month} {REPORT_TITLE}")


def _base_path(sections: Sequence[SectionResult]) -> Path:
    """Where relative image paths in markdown cells resolve: the executed notebooks' folder."""
    base = next((Path(s.notebook).parent for s in sections if Path(s.notebook).exists()),
                Path.cwd())
    return base.resolve()


def _export(nb: Any, base: Path) -> str:
    resources = {"metadata": {"name": "report", "path": str(base)}}
    try:
        body, _ = _exporter().from_notebook_node(nb, resources=resources)
    except Exception as exc:
        raise BuildError(f"HTML 导出失败：{type(exc).__name__}: {exc}") from exc
    return body


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


def _finish_outputs(root: Tag) -> None:
    """Chart alt texts, each chart's smallest legible width, and focusable outputs
    (nbconvert's own last pass, which is skipped)."""
    for tag in _tags_in(root, ("img", "div")):
        if tag.name == "img":
            if tag.get("alt") in (None, "No description has been provided for this image"):
                tag["alt"] = "图表"
            width = _png_width(str(tag.get("src") or ""))
            if width:
                tag["style"] = f"--wx-min-width: {math.ceil(width * CHART_MIN_SCALE)}px"
        elif "jp-OutputArea-output" in (tag.get("class") or ()):
            tag["tabindex"] = "0"  # focusable, as nbconvert sets it


def _tags_in(root: Tag, names: Iterable[str] | None = None) -> list[Tag]:
    """The tags under ``root`` in document order (only those named, if ``names``): what
    ``find_all`` returns, without running its filter on every tag (several times faster)."""
    from bs4 import Tag

    if names is None:
        return [t for t in root.descendants if isinstance(t, Tag)]
    wanted = frozenset(names)
    return [t for t in root.descendants if isinstance(t, Tag) and t.name in wanted]


def _with_id(root: Tag) -> list[Tag]:
    """``root.find_all(id=True)``."""
    return [t for t in _tags_in(root) if t.get("id") is not None]


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


# --------------------------------------------------------------------------- section by section


#: The template's ``<main>`` as nbconvert writes it (index.html.j2, block body_header).
_MAIN_OPEN = '<main id="wx-main" class="wx-main">'
_NO_MAIN = f"模板 {TEMPLATE_NAME} 的输出缺少 <main id=\"wx-main\">"


@dataclass(frozen=True)
class SectionPage:
    """One section's finished markup (``<section id="wx-sNN">…</section>``), rendered while the
    other sections ran, with what putting the page together needs to know of it.

    Attributes
    ----------
    result : SectionResult
        The outcome it was rendered from.
    keys : tuple of str
        The report's section keys, in order (its number and id prefix depend on them).
    commentary : str
        The analyst's commentary it shows ("" for none).
    info : dict
        Its entry of ``metadata.wxnb.sections`` (key, title, ok, error, seconds, notebook).
    html : str
        The ``<section>`` element, finished: tables styled, headings renamed, nothing external.
    toc : dict
        Its table-of-contents entry.
    origins : dict of str to str
        Its headings' ids as nbconvert wrote them, to the ids they were given.
    heading_ids, other_ids : frozenset of str
        Its headings' new ids; every other id it had when the headings were named.
    links : frozenset of str
        The in-page link targets its own headings did not resolve.
    ids : tuple of str
        Every id in ``html``.
    chars : frozenset of int
        The CJK characters of its text (the embedded font must have them).
    alone : bool
        False when part of it would not be inside its ``<section>`` on the whole page.
    """

    result: SectionResult
    keys: tuple[str, ...]
    commentary: str
    info: dict[str, Any]
    html: str
    toc: dict[str, Any]
    origins: dict[str, str]
    heading_ids: frozenset[str]
    other_ids: frozenset[str]
    links: frozenset[str]
    ids: tuple[str, ...]
    chars: frozenset[int]
    alone: bool


def render_section(sec: SectionResult, keys: Sequence[str],
                   commentary: Mapping[str, str] | None = None) -> SectionPage:
    """Render one section the way :func:`render_html` renders it on the whole page.

    A page rendered before from the same cells and outputs, title, status, report sections and
    commentary, by the same code and libraries, is read back from the machine's cache
    (``pages`` in :func:`wxnb.paths.cache_dir`): a section reused by an incremental build, or
    re-run with the same result, is not rendered again.

    Parameters
    ----------
    sec : SectionResult
        The section; ``sec.key`` must be one of ``keys``.
    keys : sequence of str
        Every section key of the report, in order.
    commentary : mapping of str to str, optional
        The analyst's commentary per section key (``ReportMeta.commentary``).

    Returns
    -------
    SectionPage

    Raises
    ------
    BuildError
        If nbconvert fails or the template has no ``<main>``.
    """
    _lean_imports()
    import nbformat
    from nbformat import v4

    from wxnb import paths
    from wxnb.io import loadcache

    keys = tuple(keys)
    idx = keys.index(sec.key) + 1
    text = (commentary or {}).get(sec.key, "")
    # Not logged here: a page is rendered ahead, on a thread, and a build that is stopped
    # meanwhile must say only that it stopped. The report logs it when it uses the page.
    cells, info, nb_meta = _section_cells(sec, idx, nbformat, v4, log=False)
    key = _page_key(cells, nb_meta, info, keys, text)

    def render() -> SectionPage:
        return _render_section(sec, keys, idx, text, cells, info, nb_meta)

    page = render() if key is None else loadcache.remembered(
        paths.cache_dir() / "pages", key, render, PAGES_KEPT)
    # what the page does not depend on (where the notebook is, how long it ran) is this run's
    return dataclasses.replace(page, result=sec, info=info)


#: Section pages kept in the machine's cache, the most recently used (17 a report).
PAGES_KEPT = 128

#: A cell's metadata of one run (papermill's and Jupyter's timings), which no page shows.
_RUN_METADATA = frozenset({"papermill", "execution", "ExecuteTime"})

#: A markdown image that nbconvert embeds from a file (``embed_images``): a page showing one
#: depends on that file too, so it is rendered every time.
_FILE_IMAGE = re.compile(r"!\[|<img", re.IGNORECASE)


def _page_key(cells: list[Any], nb_meta: dict[str, Any] | None, info: dict[str, Any],
              keys: tuple[str, ...], commentary: str) -> str | None:
    """The cache's name for a section's page: everything it is rendered from (its cells and
    their outputs, the notebook's language, its title, status and error, the report's sections,
    the commentary) and the code and libraries that render it; None when the page also shows a
    file (a markdown image)."""
    if any(c.get("cell_type") == "markdown" and _FILE_IMAGE.search(str(c.get("source", "")))
           for c in cells):
        return None
    h = hashlib.sha256(_render_salt().encode())
    h.update(json.dumps({
        "cells": [{**c, "metadata": {k: v for k, v in c.get("metadata", {}).items()
                                     if k not in _RUN_METADATA}} for c in cells],
        "language": {k: (nb_meta or {}).get(k) for k in ("kernelspec", "language_info")},
        "info": {k: info[k] for k in ("key", "title", "ok", "error")},
        "keys": keys, "commentary": commentary,
    }, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
    return h.hexdigest()[:32]


@functools.cache
def _render_salt() -> str:
    """The code that renders a page (this module, the template, what they import) and the
    libraries that do (nbconvert, its Markdown and syntax renderers, BeautifulSoup)."""
    from wxnb.build import cache

    code = {str(p.relative_to(cache.PACKAGE)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in cache.code_files(["import wxnb.build.report"])}
    libs = cache.versions(("nbconvert", "nbformat", "jinja2", "markupsafe", "mistune",
                           "pygments", "beautifulsoup4", "soupsieve", "bleach", "tinycss2"))
    return json.dumps({"format": 1, "code": code, "libraries": libs}, sort_keys=True)


def _render_section(sec: SectionResult, keys: tuple[str, ...], idx: int, text: str,
                    cells: list[Any], info: dict[str, Any],
                    nb_meta: dict[str, Any] | None) -> SectionPage:
    from bs4 import BeautifulSoup, Tag
    from nbformat import v4

    nb = v4.new_notebook()
    nb.cells = cells
    _copy_language(nb_meta, nb)
    body = _export(nb, _base_path([sec]))
    start, end = body.find(_MAIN_OPEN), body.rfind("</main>")
    if start < 0 or end < start:
        raise BuildError(_NO_MAIN)
    soup = BeautifulSoup(body[start + len(_MAIN_OPEN):end], "html.parser")
    prefixes = _section_prefixes(list(keys))
    wrapper = soup.new_tag("section", attrs={
        "id": f"wx-{prefixes[idx - 1]}",
        "class": _section_classes(sec.key, info["ok"]), "data-section": sec.key})
    alone = True
    for child in [c.extract() for c in list(soup.children)]:
        if isinstance(child, Tag):
            # On the whole page a cell before the section's first is outside every section.
            alone = alone and bool(wrapper.contents or _CELL_ID.match(child.get("id") or ""))
            wrapper.append(child)
    soup.append(wrapper)
    _add_commentary(soup, [wrapper], [info], {sec.key: text} if text else {})
    _fold(soup, wrapper)
    if "wx-topic" in wrapper["class"]:
        _fold_topic(soup, wrapper)
    headings = {id(h) for h in _tags_in(wrapper, _HEADINGS)}
    other = frozenset(t["id"] for t in _with_id(soup) if id(t) not in headings)
    used = set(other) | {f"wx-{p}" for p in prefixes} | set(_shell_ids())
    origins: dict[str, str] = {}
    links: set[str] = set()
    toc = _rewrite_section(wrapper, info, prefixes[idx - 1], used, origins, links)
    heading_ids = frozenset(h["id"] for h in _tags_in(wrapper, _HEADINGS))
    _style_tables(soup, wrapper)
    _finish_outputs(wrapper)
    _make_offline(soup)
    _dedupe_ids(soup)
    return SectionPage(
        result=sec, keys=keys, commentary=text, info=info, html=str(wrapper), toc=toc,
        origins=origins, heading_ids=heading_ids, other_ids=other, links=frozenset(links),
        ids=tuple(t["id"] for t in _with_id(soup)),
        chars=frozenset(webfont.cjk_chars(wrapper.get_text())), alone=alone)


@functools.cache
def _shell_ids() -> tuple[str, ...]:
    """The ids of the page around the sections (cover, table of contents, main, footer)."""
    from bs4 import BeautifulSoup
    from nbformat import v4

    page = BeautifulSoup(_export(v4.new_notebook(), Path.cwd()), "html.parser")
    return tuple(t["id"] for t in _with_id(page))


def _assemble(sections: Sequence[SectionResult], meta: ReportMeta,
              pages: Mapping[str, SectionPage]) -> str | None:
    """The page from the sections' markup (rendering those not in ``pages`` now), or None
    when only the one-pass rendering makes the same page (see :func:`render_html`)."""
    from bs4 import BeautifulSoup
    from nbformat import v4

    keys = tuple(s.key for s in sections)
    if len(set(keys)) != len(keys):
        return None
    done: list[SectionPage] = []
    for sec in sections:
        got = pages.get(sec.key)
        if got is None or got.result != sec or got.keys != keys \
                or got.commentary != meta.commentary.get(sec.key, ""):
            got = render_section(sec, keys, meta.commentary)
        done.append(got)
    if not all(p.alone for p in done):
        return None
    nb = v4.new_notebook()
    nb.metadata["title"] = _page_title(meta)
    soup = BeautifulSoup(_export(nb, _base_path(sections)), "html.parser")
    main = soup.find("main", id="wx-main")
    if main is None:
        raise BuildError(_NO_MAIN)
    shell = [t["id"] for t in _with_id(soup)]
    # What the one pass would do differently: name a link after an earlier section's heading,
    # or rename an id that two parts of the page share.
    used = set(shell) | {t for p in done for t in p.other_ids}
    earlier: set[str] = set()
    for p in done:
        used |= p.heading_ids
        if any(t not in used and (t in earlier or unquote(t) in earlier) for t in p.links):
            return None
        earlier |= p.origins.keys()
    ids = shell + [i for p in done for i in p.ids]
    if len(set(ids)) != len(ids):
        return None
    main.clear()
    marker = f"wxnb-sections-{uuid.uuid4().hex}"
    main.string = marker
    _finish_shell(soup, meta, [p.info for p in done], [p.toc for p in done],
                  set().union(*(p.chars for p in done)))
    page = str(soup)
    if page.count(marker) != 1:
        return None
    for p in done:
        if not p.info["ok"]:
            _log_failed(p.info["key"], p.info["error"])
    return page.replace(marker, "".join(p.html for p in done))


def _background() -> None:
    """Lower this thread's priority (Linux: a thread has its own nice value): the sections'
    processes come first, the rendering takes the cores they leave idle."""
    import threading

    if not sys.platform.startswith("linux"):  # elsewhere the whole process would be lowered
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except OSError:
        pass


class SectionPages:
    """Renders each section's markup on one background thread as soon as it is done, while
    the other sections still run, so the report after the last section only puts the page
    together (:func:`render_html` with :meth:`done`). It first imports and compiles what the
    export needs (:func:`warm_up`).

    Parameters
    ----------
    keys : sequence of str
        The report's section keys, in order.
    commentary : mapping of str to str
        The analyst's commentary per section key.
    """

    def __init__(self, keys: Sequence[str], commentary: Mapping[str, str]) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._keys = tuple(keys)
        self._commentary = dict(commentary)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="wxnb-pages",
                                        initializer=_background)
        self._futures: dict[str, tuple[SectionResult, Future[SectionPage]]] = {}
        self._pool.submit(warm_up)
        self._pool.submit(webfont.warm)  # made once per machine and version, then read

    def add(self, sec: SectionResult) -> None:
        """Render ``sec`` in the background (a section not in ``keys`` is ignored)."""
        if sec.key in self._keys:
            self._futures[sec.key] = (sec, self._pool.submit(
                render_section, sec, self._keys, self._commentary))

    def done(self) -> dict[str, SectionPage]:
        """Wait for the renders; the sections rendered (one that failed to render is left
        out: the report renders it again and reports the problem)."""
        out = {}
        for key, (_, fut) in self._futures.items():
            try:
                out[key] = fut.result()
            except Exception:  # noqa: BLE001
                logger.debug("章节 %s 的逐节渲染失败，报告时重新渲染", key, exc_info=True)
        self._pool.shutdown(wait=True)
        return out

    def cancel(self) -> None:
        """Drop the renders not started (no report is written); the one running finishes."""
        self._pool.shutdown(wait=False, cancel_futures=True)


# --------------------------------------------------------------------------- post-processing


def _finish_page(body: str, infos: list[dict[str, Any]], meta: ReportMeta) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "html.parser")
    main = soup.find("main", id="wx-main")
    if main is None:
        raise BuildError(_NO_MAIN)
    wrappers = _group_sections(soup, main, infos)
    _add_commentary(soup, wrappers, infos, meta.commentary)
    for wrapper in wrappers:
        _fold(soup, wrapper)
        if "wx-topic" in wrapper["class"]:
            _fold_topic(soup, wrapper)
    toc = _rewrite_headings(soup, wrappers, infos)
    _style_tables(soup, main)
    _finish_outputs(main)
    _finish_shell(soup, meta, infos, toc)
    return str(soup)


def _finish_shell(soup: BeautifulSoup, meta: ReportMeta, infos: list[dict[str, Any]],
                  toc: list[dict[str, Any]], chars: set[int] | None = None) -> None:
    """Cover, table of contents and footer; nothing external; unique ids; the fonts for the
    page's text (and ``chars``, those of sections not in ``soup`` yet)."""
    _fill_cover(soup, meta, infos)
    _fill_toc(soup, toc)
    _fill_footer(soup, meta)
    _make_offline(soup)
    _dedupe_ids(soup)
    _embed_fonts(soup, webfont.cjk_chars(soup.get_text()) | (chars or set()))


def _group_sections(soup: BeautifulSoup, main: Tag, infos: list[dict[str, Any]]) -> list[Tag]:
    """Move each section's cells into ``<section id="wx-sNN" class="wx-section">``.

    NN is the section's number (``01`` for ``01_kpi``), so other sections can link to it
    (the summary links each finding to ``#wx-s01``); the position is the fallback.
    """
    from bs4 import Tag

    wrappers = []
    prefixes = _section_prefixes([info["key"] for info in infos])
    for info, prefix in zip(infos, prefixes, strict=True):
        wrappers.append(soup.new_tag("section", attrs={
            "id": f"wx-{prefix}", "class": _section_classes(info["key"], info["ok"]),
            "data-section": info["key"]}))
    children = [c.extract() for c in list(main.children)]
    current: Tag | None = None
    for child in children:
        if not isinstance(child, Tag):
            continue  # whitespace between cells
        m = _CELL_ID.match(child.get("id") or "")
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


def _add_commentary(soup: BeautifulSoup, wrappers: list[Tag], infos: list[dict[str, Any]],
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


def _fold(soup: BeautifulSoup, wrapper: Tag) -> None:
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
        heading = next(iter(_tags_in(child, _HEADINGS)), None)
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


def _section_classes(key: str, ok: bool) -> str:
    """The section wrapper's classes: ``wx-topic`` for a 专题 (:attr:`Spec.topic`),
    ``wx-section-failed`` for a section whose notebook failed."""
    from wxnb import sections

    try:
        topic = sections.get(key).topic
    except KeyError:  # a section the registry does not know (a test's own notebook)
        topic = False
    return " ".join(["wx-section"] + (["wx-topic"] if topic else [])
                    + ([] if ok else ["wx-section-failed"]))


def _fold_topic(soup: BeautifulSoup, wrapper: Tag) -> None:
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
        title = next(iter(_tags_in(head, ("h1",))), None) if head is not None else None
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


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _section_prefixes(keys: list[str]) -> list[str]:
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
    headings = {id(h) for w in wrappers for h in _tags_in(w, _HEADINGS)}
    used = {t["id"] for t in _with_id(soup) if id(t) not in headings}
    first_seen: dict[str, str] = {}
    prefixes = _section_prefixes([i["key"] for i in infos])
    return [_rewrite_section(wrapper, info, prefix, used, first_seen)
            for wrapper, info, prefix in zip(wrappers, infos, prefixes, strict=True)]


def _rewrite_section(wrapper: Tag, info: dict[str, Any], prefix: str, used: set[str],
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
    for h in _tags_in(wrapper, _HEADINGS):
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


def _style_tables(soup: BeautifulSoup, root: Tag) -> None:
    """Give every table the report style, right-align numbers, let long texts wrap, wrap the
    table in a scroller."""
    for table in _tags_in(root, ("table",)):
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
    rows = [r for r in _tags_in(table, ("tr",)) if _parent(r, "table") is table]
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
    rows = [r for r in _tags_in(table, ("tr",)) if _parent(r, "table") is table]
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
    rows = [r for r in _tags_in(table, ("tr",)) if _parent(r, "table") is table]
    if any(c.get("colspan") or c.get("rowspan") for r in rows
           for c in _tags_in(r, ("td", "th"))):
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


def _make_offline(soup: BeautifulSoup) -> None:
    """Remove or neutralise everything that would load (or link) outside the page."""
    from bs4 import NavigableString

    tags = _tags_in(soup)
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
    for tag in _tags_in(soup):
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


def _dedupe_ids(soup: BeautifulSoup) -> None:
    used: set[str] = set()
    for tag in _with_id(soup):
        if tag["id"] in used:
            new = _unique(tag["id"], used)
            logger.debug("重复的元素 id %s 改为 %s", tag["id"], new)
            tag["id"] = new
        else:
            used.add(tag["id"])


# --------------------------------------------------------------------------- write


def write_report(sections: Sequence[SectionResult], meta: ReportMeta, out_html: Path,
                 pages: Mapping[str, SectionPage] | None = None) -> Path:
    """Render the report and write it atomically to ``out_html``.

    The page is written to a temp file next to ``out_html``, fsynced and moved into place with
    ``os.replace``: readers see either the old report or the new one, never half a file. On any
    error the temp file is removed and an existing ``out_html`` is left untouched.

    Parameters
    ----------
    sections : sequence of SectionResult
        The sections in report order.
    meta : ReportMeta
        Cover and footer information.
    out_html : Path
        Where to write the report; its parent folder is created if needed.
    pages : mapping of section key to SectionPage, optional
        Sections rendered already (see :func:`render_html`).

    Returns
    -------
    Path
        ``out_html``.

    Raises
    ------
    BuildError
        If the report cannot be rendered or written.
    """
    out_html = Path(out_html)
    try:
        page = render_html(sections, meta, pages)
    except BuildError:
        raise
    except Exception as exc:
        raise BuildError(f"报告渲染失败：{type(exc).__name__}: {exc}") from exc
    data = page.encode("utf-8")
    tmp: Path | None = None
    try:
        out_html.parent.mkdir(parents=True, exist_ok=True)
        tmp = out_html.with_name(f"{out_html.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out_html)
        tmp = None
        _fsync_dir(out_html.parent)
    except Exception as exc:
        raise BuildError(f"无法写出报告 {out_html}：{type(exc).__name__}: {exc}") from exc
    finally:
        if tmp is not None:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                logger.warning("无法删除临时文件 %s", tmp)
    logger.info("报告已写出：%s（%.0f KB）", out_html, len(data) / 1024)
    return out_html


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
