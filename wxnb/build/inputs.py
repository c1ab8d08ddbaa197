"""The section modules that bring input files of their own (beyond the datacube files).

Each has ``INPUTS`` (glob patterns the build checks before running its notebook) and
``NOTEBOOK_CELLS``; some have ``write_sample`` (their part of the sample month) and ``load``
(their own inputs, validated). :func:`validate` checks every such input of a month folder
before any kernel starts, so bad input is reported once, in full, with exit code 2.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from wxnb.exceptions import DataValidationError, Problem

__all__ = ["MODULES", "modules", "validate", "write_samples"]

MODULES = (
    "wxnb.sections.s02_path.core",
    "wxnb.sections.s03_content.core",
    "wxnb.sections.s04_fans.core",
    "wxnb.sections.s05_competitors.core",
    "wxnb.sections.s06_tech.core",
    "wxnb.sections.s07_risk.core",
)


def modules() -> list[ModuleType]:
    """The section modules, imported."""
    return [importlib.import_module(name) for name in MODULES]


def write_samples(folder: Path, month: str, *, seed: int = 2026,
                  hostile: bool = False) -> list[Path]:
    """Write every section's sample inputs for one month into ``folder``."""
    out: list[Path] = []
    for mod in modules():
        if hasattr(mod, "write_sample"):  # 02-04's inputs come from wxnb.samples.eventlog
            out.extend(mod.write_sample(folder, month, seed=seed, hostile=hostile))
    return sorted(out)


def _present(folder: Path, patterns: tuple[str, ...]) -> bool:
    return any(any(folder.glob(p)) for p in patterns)


def validate(folder: Path, month: str, *,
             memory_limit: str = "1GB") -> tuple[list[dict[str, Any]], list[str]]:
    """Validate the section inputs of one month folder: the event log and its companions
    (``menu.json``, ``content_plan.csv``, ``orders.csv``) and each section's own files.

    Inputs that are absent are not checked (their section is skipped). The event log is
    validated in one DuckDB pass and closed again; nothing is kept in memory. Returns the
    cover's coverage row for the event log (none without one) and its notes on rows left out
    (unknown event types, times outside the month).

    Raises
    ------
    DataValidationError
        Every problem of every input file, together.
    """
    from wxnb.io import eventlog as events
    from wxnb.io.datacube import month_days

    folder = Path(folder)
    problems: list[Problem] = []
    coverage: list[dict[str, Any]] = []
    notes: list[str] = []

    def run(check: Callable[[], Any]) -> None:
        try:
            check()
        except DataValidationError as exc:
            problems.extend(exc.problems)

    def log() -> None:
        opened = events.open_month(folder, month, memory_limit=memory_limit)
        if opened is None:
            return
        with opened:
            (days,) = opened.con.execute("SELECT count(DISTINCT day) FROM ev").fetchone()
            n = len(month_days(month))
            coverage.append({"数据": "粉丝事件日志（events）", "文件数": len(opened.files),
                             "行数": opened.rows_used, "覆盖天数": f"{days}/{n}",
                             "状态": "完整" if days == n else f"缺 {n - days} 天"})
            notes.extend(opened.exclusion_notes())
            from wxnb.sections.s02_path.core import validate_pushes

            problems.extend(validate_pushes(opened, month))

    run(log)
    run(lambda: events.load_menu(folder))
    run(lambda: events.load_content_plan(folder, month))
    run(lambda: events.load_orders(folder, month))
    for mod in modules():
        if hasattr(mod, "load") and _present(folder, tuple(mod.INPUTS)):
            run(lambda mod=mod: mod.load(folder, month))
    if problems:
        raise DataValidationError(problems)
    return coverage, notes
