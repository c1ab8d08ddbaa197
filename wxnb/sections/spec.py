"""The protocol every report section follows: one :class:`Spec`, declared in its package.

A section is a folder ``wxnb/sections/sNN_slug/``. Its ``__init__.py`` holds ``SPEC`` and
nothing heavy (the registry imports every one of them to list the sections); the code lives in
modules beside it, imported by the section's notebook cells. The notebook generator, the
runner, the input checks, the incremental build and the sample generator read these specs and
nothing else.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["CELL_KINDS", "FOLD_TAG", "Cell", "Spec", "alternatives", "present", "standard_setup"]

CellKind = Literal["md", "params", "setup", "code", "hidden", "fold"]
# md: markdown; params: the parameters cell (generated); setup / hidden: code cells removed
# from the report (tag remove_cell); code: a cell whose output is the report; fold: a heading
# (markdown, tag wx-fold) after which the rest of the section is the analyst layer, collapsed
# in the report under that title (the management layer is what comes before it).
CELL_KINDS: tuple[str, ...] = ("md", "params", "setup", "code", "hidden", "fold")
FOLD_TAG = "wx-fold"

Cell = tuple[CellKind, str]


@dataclass(frozen=True)
class Spec:
    """One report section, declared.

    Parameters
    ----------
    key
        ``NN_slug``: the notebook is ``notebooks/<key>.ipynb``, findings carry it, the report
        orders sections by it.
    title
        The section's heading (``NN 标题``), as the cover and the table of contents show it.
    intro
        The markdown under the heading: what the section shows and from which data.
    cells
        The notebook after the heading, in order: ``("params", "")`` once, then setup, markdown
        and code cells (see :data:`CELL_KINDS`). What comes before the ``fold`` cell is the
        management layer (the key table or chart, 本月要点 and 行动); what follows it, the
        analyst layer, collapsed in the report.
    inputs
        Glob patterns of the files the section needs beyond the datacube: when one matches
        nothing in the month folder, the build skips the section and says why. ``a|b`` is
        either file (the backend's export or the API's answer): :func:`present`.
    phase
        2 for a section that reads the other sections' findings (it runs after all of phase 1).
    reads
        Glob patterns of the input files whose contents decide whether an earlier execution can
        be reused (in the month folder and the previous month's). ``("*",)`` = every file,
        except the files other sections declare as their ``own``.
    own
        Glob patterns of input files that only this section reads (its own CSV files): a change
        in them re-runs this section (and those reading every file), not the others. A file
        two sections read (the mini program's portrait: 13 and 15) is in both sections' own.
    reads_others
        True for a section that reads the other sections' own files too (the appendix, which
        lists every input file with its checksum).
    param_files
        Names of parameters that point at files whose contents the section reads (the rules
        file of section 08): their contents key the section too.
    check
        ``"module:function"`` validating the section's own input files,
        ``function(folder, month)``, raising :class:`wxnb.exceptions.DataValidationError`.
    sample
        ``"module:function"`` writing the section's part of a sample month,
        ``function(folder, month, *, seed, hostile) -> list[Path]``.
    topic
        True for a 专题 (a channel beyond the eight core sections: fission campaigns, ads,
        WeCom …). Its management layer is one line, the headline cell (a code cell whose output
        is ``brief.headline_html``): the report folds everything after that line, key table,
        本月要点 and 行动 included, into a closed 「要点、行动与明细」 block, and prints the topics
        one after another instead of one to a page. A manager reads the month's 专题 as a
        list of verdicts within the phone and paper budgets; their findings still rank in the
        summary (00) and their actions in the plan (08).
    """

    key: str
    title: str
    intro: str
    cells: tuple[Cell, ...]
    inputs: tuple[str, ...] = ()
    phase: int = 1
    reads: tuple[str, ...] = ("*",)
    own: tuple[str, ...] = ()
    reads_others: bool = False
    param_files: tuple[str, ...] = ()
    check: str | None = None
    sample: str | None = None
    topic: bool = False
    package: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        kinds = [k for k, _ in self.cells]
        if kinds.count("params") != 1:
            raise ValueError(f"{self.key}: exactly one parameters cell, got {kinds.count('params')}")
        bad = sorted(set(kinds) - set(CELL_KINDS))
        if bad:
            raise ValueError(f"{self.key}: unknown cell kinds {bad}")
        if not self.title.startswith(self.key[:2] + " "):
            raise ValueError(f"{self.key}: the title must start with {self.key[:2]!r}")
        if kinds.count("fold") > 1:
            raise ValueError(f"{self.key}: at most one fold (the analyst layer starts once)")
        if self.phase not in (1, 2):
            raise ValueError(f"{self.key}: phase is 1 or 2")
        if self.topic and not any(k == "code" and "headline_html" in src
                                  for k, src in self.cells):
            raise ValueError(f"{self.key}: a topic needs its headline cell (brief.headline_html)")

    @staticmethod
    def function(ref: str) -> Callable[..., Any]:
        """The function a spec names as ``"package.module:function"`` (imported now)."""
        module, _, name = ref.partition(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]

    @property
    def notebook_cells(self) -> tuple[Cell, ...]:
        """Every cell of the notebook: the heading with the intro, then :attr:`cells`."""
        head = f"# {self.title}\n\n{self.intro}" if self.intro else f"# {self.title}"
        return (("md", head), *self.cells)


def alternatives(pattern: str) -> list[str]:
    """The glob patterns an input pattern accepts: ``"用户属性*|getuserportrait*"`` is either."""
    return [p.strip() for p in pattern.split("|") if p.strip()]


def present(folder: Path, pattern: str) -> bool:
    """Whether a file of the month folder matches the input pattern (any of its
    :func:`alternatives`)."""
    return any(any(folder.glob(p)) for p in alternatives(pattern))


def standard_setup(folder: str) -> Cell:
    """The setup cell of a section with compute / show / words (``folder`` is ``s06_tech``):
    the kit (with ``brief``, its 本月要点 and 行动), the section's modules, the chart theme, and ``sec`` computed from the parameters
    resolved exactly as ``wxnb build`` resolves them."""
    return ("setup", f"""\
from wxnb.kit import brief, charts, findings, fmt
from wxnb.sections.{folder} import compute, show, words
from wxnb.params import from_namespace

charts.apply_theme()
sec = compute.prepare(from_namespace(globals()))""")
