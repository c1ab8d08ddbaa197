"""The sections' own input files (beyond the datacube), checked before any kernel starts.

Each section's spec names its inputs (glob patterns the build checks before running its
notebook), the function validating them (``check``) and the one writing its part of a sample
month (``sample``). :func:`validate` checks every such input of a month folder, so bad input is
reported once, in full, with exit code 2.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from wxnb.exceptions import DataValidationError, Problem
from wxnb.sections import registry

__all__ = ["check_files", "check_log", "validate"]


def _present(folder: Path, patterns: tuple[str, ...]) -> bool:
    from wxnb.sections.spec import present

    return any(present(folder, p) for p in patterns)


def validate(folder: Path, month: str, *, memory_limit: str = "1GB",
             threads: int | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Validate the section inputs of one month folder: the event log and its companions
    (``menu.json``, ``content_plan.csv``, ``orders.csv``) and each section's own files.

    Inputs that are absent are not checked (their section is skipped). The event log is
    validated in one DuckDB pass and reduced to the month's summary, which is cached for the
    sections (``wxnb.io.eventsummary``; a cached summary of unchanged files is not made
    again); nothing is kept in memory. Returns the
    cover's coverage row for the event log (none without one) and its notes: rows left out
    (unknown event types, times outside the month) and each file of the folder that wxnb does
    not read, with the reason (``wxnb.io.folder.unrecognised``).

    The two parts are also available apart (:func:`check_log`, :func:`check_files`): the
    build reduces the logs on one thread while it checks the other files on another.

    Raises
    ------
    DataValidationError
        Every problem of every input file, together (the event log's first).
    """
    coverage, notes, problems = check_log(folder, month, memory_limit=memory_limit,
                                          threads=threads)
    more_notes, more_problems = check_files(folder, month)
    if problems or more_problems:
        raise DataValidationError(problems + more_problems)
    return coverage, notes + more_notes


def check_log(folder: Path, month: str, *, tables: tuple[str, ...] | None = None,
              memory_limit: str = "1GB", threads: int | None = None
              ) -> tuple[list[dict[str, Any]], list[str], list[Problem]]:
    """The event log part of :func:`validate`: its coverage row, notes and problems (the
    log's and its pushes'). Reduces the log to its summary (to ``tables``, all by default: the
    previous month of a report needs ``wxnb.io.eventsummary.FOR_PREVIOUS``) unless the cache
    has it."""
    from wxnb.io import eventsummary
    from wxnb.io.datacube import month_days

    folder = Path(folder)
    coverage: list[dict[str, Any]] = []
    notes: list[str] = []
    problems: list[Problem] = []
    try:
        opened = eventsummary.open_summary(folder, month, tables=tables,
                                           memory_limit=memory_limit, threads=threads)
    except DataValidationError as exc:
        return coverage, notes, list(exc.problems)
    if opened is None:
        return coverage, notes, problems
    with opened:
        days, n = opened.days, len(month_days(month))
        coverage.append({"数据": "粉丝事件日志（events）", "文件数": len(opened.files),
                         "行数": opened.rows_used, "覆盖天数": f"{days}/{n}",
                         "状态": "完整" if days == n else f"缺 {n - days} 天"})
        notes.extend(opened.exclusion_notes())
        from wxnb.io.pushes import validate_pushes

        problems.extend(validate_pushes(opened, month))
    return coverage, notes, problems


def check_files(folder: Path, month: str) -> tuple[list[str], list[Problem]]:
    """Every input of :func:`validate` but the event log: the files wxnb does not read (as
    notes), the log's companions and each section's own files (their problems)."""
    from wxnb.io import companions

    folder = Path(folder)
    problems: list[Problem] = []

    def run(check: Callable[[], Any]) -> None:
        try:
            check()
        except DataValidationError as exc:
            problems.extend(exc.problems)

    from wxnb.io.folder import unread_notes

    notes = list(unread_notes(folder))
    run(lambda: companions.load_menu(folder))
    run(lambda: companions.load_content_plan(folder, month))
    run(lambda: companions.load_orders(folder, month))
    for spec in registry():
        if spec.check and _present(folder, spec.inputs):
            run(lambda spec=spec: spec.function(spec.check)(folder, month))
    return notes, problems
