"""Stitch the executed section notebooks into one self-contained, offline Chinese HTML report.

Three steps, one module each:

* :func:`merge_notebooks` (``wxnb.build.merge``) reads the executed notebooks in order and
  builds one notebook: every cell gets a deterministic id (``s01-000``) and a section tag;
  parameters, injected parameters, papermill's error banner, ``remove_cell`` cells and every
  stderr stream are dropped; a failed section keeps only its heading and an error box.
* :func:`render_html` (here) exports that notebook **once** with nbconvert's ``HTMLExporter``
  and the ``wxreport`` template (``lab`` without any CDN script), then finishes the page with
  BeautifulSoup (``wxnb.build.page``): cover, unique heading anchors, a table of contents that
  works without JavaScript, readable tables, footer, and a last pass that removes anything that
  would load from the network.
* :func:`write_report` (here) writes the page atomically (temp file, fsync, ``os.replace``).

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

import dataclasses
import functools
import hashlib
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from wxnb.build import webfont
from wxnb.build.merge import (
    REMOVE_CELL_TAGS,
    REMOVE_OUTPUT_TAGS,
    SECTION_TAG_PREFIX,
    SectionResult,
    copy_language,
    lean_imports,
    log_failed,
    merge_notebooks,
    section_cells,
)
from wxnb.build.page import (
    CELL_ID,
    HEADINGS,
    MAIN_OPEN,
    NO_MAIN,
    REPORT_TITLE,
    TEMPLATE_NAME,
    ReportMeta,
    add_commentary,
    dedupe_ids,
    finish_outputs,
    finish_page,
    finish_shell,
    fold_layer,
    fold_topic,
    make_offline,
    rewrite_section,
    section_classes,
    section_prefixes,
    style_tables,
    tags_in,
    with_id,
)
from wxnb.exceptions import BuildError

if TYPE_CHECKING:
    from concurrent.futures import Future

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
REMOVE_INPUT_TAGS = frozenset({"remove_input"})


# --------------------------------------------------------------------------- render


def _exporter_class() -> type[HTMLExporter]:
    """nbconvert's HTMLExporter without its last step, which parses the whole page with
    BeautifulSoup to add img alt texts and tabindex attributes and serialises it again (≈0.5 s
    for a report's 13,000 tags). :func:`finish_page` parses the page anyway and does both."""
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
    lean_imports()
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
    lean_imports()
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
    page = finish_page(body, nb.metadata["wxnb"]["sections"], meta)
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


# --------------------------------------------------------------------------- section by section




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
    lean_imports()
    import nbformat
    from nbformat import v4

    from wxnb import paths
    from wxnb.io import loadcache

    keys = tuple(keys)
    idx = keys.index(sec.key) + 1
    text = (commentary or {}).get(sec.key, "")
    # Not logged here: a page is rendered ahead, on a thread, and a build that is stopped
    # meanwhile must say only that it stopped. The report logs it when it uses the page.
    cells, info, nb_meta = section_cells(sec, idx, nbformat, v4, log=False)
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
    copy_language(nb_meta, nb)
    body = _export(nb, _base_path([sec]))
    start, end = body.find(MAIN_OPEN), body.rfind("</main>")
    if start < 0 or end < start:
        raise BuildError(NO_MAIN)
    soup = BeautifulSoup(body[start + len(MAIN_OPEN):end], "html.parser")
    prefixes = section_prefixes(list(keys))
    wrapper = soup.new_tag("section", attrs={
        "id": f"wx-{prefixes[idx - 1]}",
        "class": section_classes(sec.key, info["ok"]), "data-section": sec.key})
    alone = True
    for child in [c.extract() for c in list(soup.children)]:
        if isinstance(child, Tag):
            # On the whole page a cell before the section's first is outside every section.
            alone = alone and bool(wrapper.contents or CELL_ID.match(child.get("id") or ""))
            wrapper.append(child)
    soup.append(wrapper)
    add_commentary(soup, [wrapper], [info], {sec.key: text} if text else {})
    fold_layer(soup, wrapper)
    if "wx-topic" in wrapper["class"]:
        fold_topic(soup, wrapper)
    headings = {id(h) for h in tags_in(wrapper, HEADINGS)}
    other = frozenset(t["id"] for t in with_id(soup) if id(t) not in headings)
    used = set(other) | {f"wx-{p}" for p in prefixes} | set(_shell_ids())
    origins: dict[str, str] = {}
    links: set[str] = set()
    toc = rewrite_section(wrapper, info, prefixes[idx - 1], used, origins, links)
    heading_ids = frozenset(h["id"] for h in tags_in(wrapper, HEADINGS))
    style_tables(soup, wrapper)
    finish_outputs(wrapper)
    make_offline(soup)
    dedupe_ids(soup)
    return SectionPage(
        result=sec, keys=keys, commentary=text, info=info, html=str(wrapper), toc=toc,
        origins=origins, heading_ids=heading_ids, other_ids=other, links=frozenset(links),
        ids=tuple(t["id"] for t in with_id(soup)),
        chars=frozenset(webfont.cjk_chars(wrapper.get_text())), alone=alone)


@functools.cache
def _shell_ids() -> tuple[str, ...]:
    """The ids of the page around the sections (cover, table of contents, main, footer)."""
    from bs4 import BeautifulSoup
    from nbformat import v4

    page = BeautifulSoup(_export(v4.new_notebook(), Path.cwd()), "html.parser")
    return tuple(t["id"] for t in with_id(page))


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
        raise BuildError(NO_MAIN)
    shell = [t["id"] for t in with_id(soup)]
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
    finish_shell(soup, meta, [p.info for p in done], [p.toc for p in done],
                  set().union(*(p.chars for p in done)))
    page = str(soup)
    if page.count(marker) != 1:
        return None
    for p in done:
        if not p.info["ok"]:
            log_failed(p.info["key"], p.info["error"])
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
        webfont.warm_aside()  # made once per machine and version (in a child), then read

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
