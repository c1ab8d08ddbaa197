"""Merge the executed section notebooks into one notebook, the report's first step.

:func:`merge_notebooks` reads the executed notebooks in order and builds one notebook: every
cell gets a deterministic id (``s01-000``) and a section tag; parameters, injected parameters,
papermill's error banner, ``remove_cell`` cells and every stderr stream are dropped; a failed
section keeps only its heading and an error box (its error text cleaned of terminal codes,
escaped and cut). :class:`SectionResult` is one executed section, the runner's outcome and the
report's input. The page is rendered from the merged notebook by ``wxnb.build.report``.
"""

from __future__ import annotations

import copy
import html
import logging
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wxnb.exceptions import BuildError

if TYPE_CHECKING:
    import nbformat

__all__ = [
    "REMOVE_CELL_TAGS",
    "REMOVE_OUTPUT_TAGS",
    "SECTION_TAG_PREFIX",
    "SectionResult",
    "copy_language",
    "lean_imports",
    "log_failed",
    "merge_notebooks",
    "section_cells",
]

logger = logging.getLogger(__name__)

logger = logging.getLogger(__name__)

#: Cells with one of these tags never reach the report (papermill's own tags included).
REMOVE_CELL_TAGS = frozenset(
    {"parameters", "injected-parameters", "remove_cell", "papermill-error-cell-tag"}
)
REMOVE_OUTPUT_TAGS = frozenset({"remove_output"})
SECTION_TAG_PREFIX = "wx-section-"
_MAX_ERROR_CHARS = 2000
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_H1_LINE = re.compile(r"^#[ \t]+(\S.*?)[ \t#]*$", re.MULTILINE)


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


# --------------------------------------------------------------------------- merge


def lean_imports() -> None:
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
    lean_imports()
    import nbformat
    from nbformat import v4

    if not sections:
        raise BuildError("没有任何章节，无法生成报告")
    merged = v4.new_notebook()
    infos: list[dict[str, Any]] = []
    base_meta: dict[str, Any] | None = None
    for idx, sec in enumerate(sections, start=1):
        cells, info, nb_meta = section_cells(sec, idx, nbformat, v4)
        if nb_meta is not None and base_meta is None:
            base_meta = nb_meta
        merged.cells.extend(cells)
        infos.append(info)
    copy_language(base_meta, merged)
    merged.metadata["wxnb"] = {"sections": infos}
    return merged


def section_cells(sec: SectionResult, idx: int, nbformat: Any, v4: Any, *, log: bool = True
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
            log_failed(sec.key, error)
    tag = SECTION_TAG_PREFIX + _tag_safe(sec.key)
    for j, cell in enumerate(cells):
        cell["id"] = f"s{idx:02d}-{j:03d}"
        cell.metadata["tags"] = [*cell.metadata.get("tags", []), tag]
        cell.metadata["wxnb"] = {"section": sec.key, "index": idx}
    info = {"key": sec.key, "title": sec.title, "ok": ok, "error": error,
            "seconds": round(float(sec.seconds), 2), "notebook": str(sec.notebook)}
    return cells, info, dict(nb.metadata) if nb is not None else None


def log_failed(key: str, error: str) -> None:
    logger.warning("章节 %s 生成失败，报告中显示错误框：%s", key, error)


def copy_language(source: dict[str, Any] | None, nb: Any) -> None:
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
