"""Where a month's event log is: its files, found without importing DuckDB or pandas.

``wxnb.io.eventlog`` reads and validates the log; this module only names its files, for the
callers that must decide cheaply whether a log exists and what it is made of (a rebuild with
nothing changed keys on the files and stops there; a section without a log is skipped).

The log is the month folder's ``events*.parquet`` / ``events*.csv`` / ``events*.jsonl`` files;
when the folder has none, the month's partition of an agency's event dataset beside the account
folders, ``data/_events/account=<account>/month=<month>/`` (Hive-style names, files of any name),
so each account's build reads its own partition and nothing of the others'.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["EVENT_GLOBS", "PARTITIONS", "event_files", "partition_dir"]

EVENT_GLOBS = ("events*.parquet", "events*.csv", "events*.jsonl")
#: The folder of the event dataset partitioned by account and month, beside the accounts.
PARTITIONS = "_events"
_PART_SUFFIXES = (".parquet", ".csv", ".jsonl")


def partition_dir(folder: Path) -> Path:
    """The event partition of the month folder ``data/<account>/<month>``:
    ``data/_events/account=<account>/month=<month>/``."""
    folder = Path(folder)
    return folder.parent.parent / PARTITIONS / f"account={folder.parent.name}" / \
        f"month={folder.name}"


def event_files(folder: Path) -> list[Path]:
    """The event log files of a month folder (``EVENT_GLOBS``), sorted by name; when the folder
    has none, the files of its partition (:func:`partition_dir`)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = {p for g in EVENT_GLOBS for p in folder.glob(g) if p.is_file()}
    if not found:
        part = partition_dir(folder)
        if part.is_dir():
            found = {p for p in part.iterdir() if p.is_file()
                     and p.suffix.lower() in _PART_SUFFIXES and not p.name.startswith(".")}
    return sorted(found, key=lambda p: p.name)
