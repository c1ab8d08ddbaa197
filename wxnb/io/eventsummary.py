"""The month's event log reduced once: the per-follower summaries the sections read.

A month's log can hold 50 million events; sections 01–04 need far less than that: one row per
follower, one per sharer, the comparatively rare action events and the first session read of
each follower per push. :func:`open_summary` validates the log (``wxnb.io.eventlog.open_month``)
and reduces it in one go to five tables, kept as Parquet in the cache beside the month's
datacube dataset (``outputs/.wxnb-cache/events/``; ``WXNB_CACHE_DIR`` moves it) with a
manifest of the event files' sizes, mtimes and SHA-256, this code's digest and the DuckDB
version. Every later open of the month (the other sections, the next build, a notebook run by
hand in JupyterLab) reads the tables, never the raw log, as long as the manifest matches. The
input folder is never written; a cache that cannot be written (read-only disk) leaves the
summary in memory for that process.

The tables, queried through :attr:`EventSummary.con` (DuckDB views; ``k`` is the 64-bit
``hash(follower_id)``, fixed-width keys halve the time and memory of the grouped passes: a
collision of two ids has probability ≈ n²/2⁶⁵, about 10⁻⁵ for 13M followers):

``fol``
    One row per follower with ≥ 1 interaction (:data:`~wxnb.io.eventlog.INTERACTIONS`):
    ``n`` interactions, ``c`` comments (``article_comment``), ``s`` shares (``article_share``),
    ``mask`` the days of the month with an interaction (bit d−1 for day d, UINTEGER),
    ``t_open`` the first ``article_read`` from 公众号消息 (NULL when none), ``reader`` (any
    ``article_read``) and ``buyer`` (any ``order`` event).
``reach``
    One row per sharer id (``k`` = hash of ``via``): ``reach`` distinct other ids whose event
    came through its share links, ``readers`` and ``follows`` among them, ``reads`` their
    ``article_read`` events, ``via_events`` all their events.
``act``
    The action events (:data:`ACTION_EVENTS`: menu clicks, 阅读原文, forms, orders, follows and
    unfollows, mass-send and template results): ``k``, ``time``, ``event``, ``key`` and
    ``value`` (kept for the two result events only, NULL otherwise).
``sess``
    Per push (``key`` of ``article_read`` up to its last ``_``: a datacube msgid is
    ``<push>_<index>``) and second ``t``: ``n`` followers whose first read of any of the push's
    articles from 公众号消息 was at ``t``.
``daily``
    Per day and hour: ``rows`` events and ``reads`` article reads.

A summary may hold only some of the tables: each caller names the tables it reads
(``tables``), and a month is reduced to those it lacks, once. The build reduces its month to
every table and the previous month to those its 环比 reads (:data:`FOR_PREVIOUS`: all but
``sess``); a later report of that month itself adds ``sess`` (one more validation pass and
that table's query, not the whole reduction again). Section 04 run alone from the raw log
reduces the tables it reads, no more.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import duckdb
import pandas as pd

from wxnb import paths
from wxnb.io import dataset
from wxnb.io import eventlog as events
from wxnb.io.digest import file_sha256

__all__ = [
    "ACTION_EVENTS",
    "FOR_PREVIOUS",
    "PUSH_SCENE",
    "TABLES",
    "EventSummary",
    "cache_root",
    "from_frame",
    "open_summary",
    "sql_list",
    "summarize",
]

FORMAT = 2  # 2: the manifest lists its tables (a summary may hold some of them)
PUSH_SCENE = "公众号消息"  # getarticleread's scene of reads from a push (and the log's value)
ACTION_EVENTS: tuple[str, ...] = (
    "CLICK", "VIEW", "view_miniprogram", "read_original", "form_view", "form_submit", "order",
    "subscribe", "unsubscribe", "MASSSENDJOBFINISH", "TEMPLATESENDJOBFINISH",
)
_VALUED = ("MASSSENDJOBFINISH", "TEMPLATESENDJOBFINISH")  # act keeps ``value`` for these
_NOT_INTERACTIONS = tuple(e for e in events.EVENT_TYPES if e not in events.INTERACTIONS)
_DAY_BIT = "CAST(1 AS UINTEGER) << CAST(dayofmonth(day) - 1 AS UINTEGER)"
_CODE = ("eventlog.py", "eventsummary.py", "csvin.py", "codes.py")
_REDUCING = threading.Lock()  # one reduction at a time in a process (see open_summary)


def sql_list(items: tuple[str, ...]) -> str:
    """A SQL IN list of constant names (never data)."""
    return ", ".join("'" + s.replace("'", "''") + "'" for s in items)


def _in(column: str, items: tuple[str, ...]) -> str:
    """``column IN (...)`` as an OR of lists of at most four names.

    Measured on a 50M-row log (DuckDB 1.x/2.0, the ``ev`` view): an IN list of more than four
    constants on the view's computed ``event`` column is planned as a join and costs ~2 s per
    scan and ~6 s to materialise 6M rows; short lists cost 0.2–1.5 s.
    """
    if not items:
        return "false"
    parts = [f"{column} IN ({sql_list(items[i:i + 4])})" for i in range(0, len(items), 4)]
    return "(" + " OR ".join(parts) + ")"


_PUSH_OF_KEY = ("CASE WHEN strpos(key, '_') > 0 "
                "THEN left(key, length(key) - strpos(reverse(key), '_')) ELSE key END")

#: Each table's query over the validated log's view ``ev``.
TABLES: dict[str, str] = {
    "fol": f"""
        SELECT hash(follower_id) AS k, count(*) AS n,
               count(*) FILTER (WHERE event = 'article_comment') AS c,
               count(*) FILTER (WHERE event = 'article_share') AS s,
               bit_or({_DAY_BIT}) AS mask,
               min(time) FILTER (WHERE event = 'article_read' AND value = '{PUSH_SCENE}')
                   AS t_open,
               bool_or(event = 'article_read') AS reader,
               bool_or(event = 'order') AS buyer
        FROM ev WHERE NOT {_in("event", _NOT_INTERACTIONS)}
        GROUP BY 1""",
    # Two-stage distinct (DuckDB's count(DISTINCT) is its slow spot): first one row per
    # (sharer, reached id), then per sharer.
    "reach": """
        SELECT v AS k, count(*) AS reach, count(*) FILTER (WHERE reads > 0) AS readers,
               count(*) FILTER (WHERE followed) AS follows, sum(reads) AS reads,
               sum(n) AS via_events
        FROM (SELECT hash(via) AS v, hash(follower_id) AS f, count(*) AS n,
                     count(*) FILTER (WHERE event = 'article_read') AS reads,
                     bool_or(event = 'subscribe') AS followed
              FROM ev WHERE via <> '' AND via <> follower_id GROUP BY 1, 2)
        GROUP BY 1""",
    "act": f"""
        SELECT hash(follower_id) AS k, time, event, key,
               CASE WHEN event IN ({sql_list(_VALUED)}) THEN value END AS value
        FROM ev WHERE {_in("event", ACTION_EVENTS)}""",
    "sess": f"""
        SELECT push, t, count(*) AS n
        FROM (SELECT {_PUSH_OF_KEY} AS push, hash(follower_id) AS f, min(time) AS t
              FROM ev WHERE event = 'article_read' AND value = '{PUSH_SCENE}' AND key <> ''
              GROUP BY 1, 2)
        GROUP BY 1, 2""",
    # Per day and hour: every event, and the article reads (section 03's reading hours when
    # WeChat gives no hourly reads: the 2025 发表内容 endpoints have none).
    "daily": """
        SELECT day, hour(time) AS hour, count(*) AS rows,
               count(*) FILTER (WHERE event = 'article_read') AS reads
        FROM ev GROUP BY 1, 2""",
}

#: The tables a month's summary is read for when it is the previous month of a report: those
#: its 环比 readers ask for (sections 01, 02, 04 and 12 and the push results; each names the
#: tables it reads), all but section 03's push sessions (``sess``: at 50M events ≈ 3.5 s of the
#: month's ≈ 17 s reduction). The build reduces the previous month to these.
FOR_PREVIOUS: tuple[str, ...] = ("fol", "reach", "act", "daily")


def _wanted(tables: tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """The tables asked for (None: all), in :data:`TABLES` order, ``daily`` always (the
    summary's count of days comes from it)."""
    if tables is None:
        return tuple(TABLES)
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise ValueError(f"no summary table {', '.join(unknown)} (the tables: {', '.join(TABLES)})")
    return tuple(t for t in TABLES if t in tables or t == "daily")


@dataclass
class EventSummary(events.LogFacts, events.Connected):
    """The month's summary tables (see the module) as views of ``con``, and the facts of the
    log they came from (:meth:`notes` says what was read and left out)."""

    con: duckdb.DuckDBPyConnection
    month: str
    files: list[Path]
    rows_total: int
    rows_used: int
    outside_month: int
    unknown: dict[str, int] = field(default_factory=dict)
    read_notes: list[str] = field(default_factory=list)
    days: int = 0  # days of the month with at least one event
    cached: bool = False  # read from the cache (not reduced in this process)
    tables: tuple[str, ...] = tuple(TABLES)  # the tables it holds
    # What its tables are a function of: the month, the event files' SHA-256 and the reducing
    # code (a key for results computed from them, wxnb.io.loadcache.derived); None in memory.
    source_key: str | None = None
    _tempdir: str | None = field(default=None, repr=False)
    _log: events.EventLog | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._track()

    def close(self) -> None:
        if self._log is not None:  # in memory: the tables live in the log's connection
            self._log.close()
            self._log = None
            return
        super().close()


def _facts(log: events.LogFacts) -> dict[str, object]:
    return {"files": [p.name for p in log.files], "rows_total": log.rows_total,
            "rows_used": log.rows_used, "outside_month": log.outside_month,
            "unknown": dict(log.unknown), "read_notes": list(log.read_notes)}


def _days(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(DISTINCT day) FROM daily").fetchall()[0][0])


def summarize(log: events.EventLog, tables: tuple[str, ...] | None = None) -> EventSummary:
    """The summary of an open log, in memory: TEMP tables in the log's own connection (tests,
    and a process whose cache cannot be written); ``tables`` as in :func:`open_summary`.
    Closing the summary closes the log."""
    want = _wanted(tables)
    for name in want:
        log.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {TABLES[name]}")
    return EventSummary(log.con, log.month, list(log.files), log.rows_total, log.rows_used,
                        log.outside_month, dict(log.unknown), list(log.read_notes),
                        days=_days(log.con), tables=want, _log=log)


def from_frame(df: pd.DataFrame, month: str, *, memory_limit: str = "1GB",
               threads: int | None = None) -> EventSummary:
    """The summary of an in-memory event log (tests), validated exactly as files are."""
    return summarize(events.from_frame(df, month, memory_limit=memory_limit, threads=threads))


# --------------------------------------------------------------------------- the cache


def cache_root() -> Path:
    """Where the month summaries are kept (beside the datacube datasets)."""
    return paths.cache_dir() / "events"


def _code() -> str:
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in _CODE:
        h.update((here / name).read_bytes())
    h.update(metadata.version("duckdb").encode())
    return h.hexdigest()


def _target(folder: Path, month: str) -> Path:
    return cache_root() / dataset.folder_key(folder, month)


def _stats(files: list[Path]) -> dict[str, list[int]]:
    out = {}
    for p in files:
        st = p.stat()
        out[p.name] = [st.st_size, st.st_mtime_ns]
    return out


def _matching(target: Path, folder: Path, month: str, files: list[Path]) -> dict | None:
    """The manifest of ``target`` when it still describes these event files (whichever tables
    it holds: ``manifest["tables"]``), else None."""
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT or manifest.get("month") != month \
                or manifest.get("folder") != str(folder.resolve()) \
                or manifest.get("code") != _code():
            return None
        recorded = manifest["files"]
        now = _stats(files)
        if sorted(now) != sorted(recorded):
            return None
        for name, (size, mtime) in now.items():
            r_size, r_mtime, digest = recorded[name]
            if size != r_size:
                return None
            if mtime != r_mtime and file_sha256(folder / name) != digest:
                return None
        held = manifest["tables"]
        if not isinstance(held, list) or not set(held) <= set(TABLES) \
                or not all((target / f"{t}.parquet").is_file() for t in held):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return manifest


@contextmanager
def _locked(target: Path) -> Iterator[bool]:
    """Hold the month's lock (True), so two processes never reduce the same month at once; False
    when the cache folder cannot be made (the summary then stays in memory)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target.parent / f".{target.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield False
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield True
    finally:
        os.close(fd)  # releases the lock


def _write(log: events.EventLog, folder: Path, target: Path, want: tuple[str, ...],
           kept: dict | None = None) -> dict | None:
    """Reduce ``log`` to the tables of ``want`` that ``kept`` (the matching manifest of
    ``target``, or None) does not hold, into ``target``; the manifest, or None when the cache
    cannot be written.

    Each table is written aside and renamed into place, then the manifest: the tables ``kept``
    holds stay as they are, so a process reading the month meanwhile keeps reading the same
    files. Without ``kept`` the folder's old manifest and tables go first (nothing matches it
    while it is written).
    """
    held = [t for t in kept["tables"] if t in TABLES] if kept else []
    aside: list[Path] = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        if not kept:
            for old in [target / "manifest.json", *target.glob("*.parquet")]:
                old.unlink(missing_ok=True)
        for name in want:
            if name in held:
                continue
            aside.append(target / f".{name}.{os.getpid()}.tmp.parquet")
            path = str(aside[-1]).replace("'", "''")
            log.con.execute(f"COPY ({TABLES[name]}) TO '{path}' (FORMAT parquet)")
            os.replace(aside[-1], target / f"{name}.parquet")
        manifest = {"format": FORMAT, "folder": str(folder.resolve()), "month": log.month,
                    "code": _code(), "tables": [t for t in TABLES if t in held or t in want],
                    "files": {p.name: [*st, file_sha256(p)]
                              for p, st in zip(log.files, _stats(log.files).values(),
                                               strict=True)},
                    "facts": _facts(log)}
        aside.append(target / f".manifest.{os.getpid()}.tmp")
        aside[-1].write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        os.replace(aside[-1], target / "manifest.json")
    except (OSError, duckdb.IOException):
        for path in aside:
            path.unlink(missing_ok=True)
        return None
    dataset.prune(target.parent)
    return manifest


def _source_key(manifest: dict) -> str:
    """The month, its files' digests (by name) and the code: not the folder (a copy of the
    month elsewhere holds the same tables)."""
    files = sorted((name, f[2]) for name, f in manifest["files"].items())
    text = json.dumps([FORMAT, manifest["month"], manifest["code"], files], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _open(target: Path, folder: Path, manifest: dict, memory_limit: str,
          threads: int | None) -> EventSummary:
    con, tmp = events.connect(memory_limit, threads)
    try:
        held = tuple(t for t in TABLES if t in manifest["tables"])
        for name in held:
            path = str(target / f"{name}.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
        facts = manifest["facts"]
        return EventSummary(con, manifest["month"], [folder / n for n in facts["files"]],
                            int(facts["rows_total"]), int(facts["rows_used"]),
                            int(facts["outside_month"]), dict(facts["unknown"]),
                            list(facts["read_notes"]), days=_days(con), cached=True,
                            tables=held, source_key=_source_key(manifest), _tempdir=tmp)
    except BaseException:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def open_summary(folder: Path, month: str, *, tables: tuple[str, ...] | None = None,
                 memory_limit: str = "1GB", threads: int | None = None) -> EventSummary | None:
    """The month's summary: from the cache when it matches the event files and holds
    ``tables`` (the tables the caller reads; None: all, see :data:`FOR_PREVIOUS`), else the log
    validated and reduced now to the tables the cache lacks (and cached). None when the folder
    has no event files. The summary may hold more tables than asked for, never fewer.

    A process reduces one log at a time: a second thread asking for another month waits, so
    each reduction may be given the whole ``memory_limit`` and every core (the build validates
    the month and the previous month in two threads; at 50M events both reduced at once on two
    cores, one thread each, took 45 s, one after the other on two threads each 34 s).

    Raises
    ------
    DataValidationError
        The log is not valid (see ``wxnb.io.eventlog.open_month``); nothing is cached then.
    """
    folder = Path(folder)
    want = _wanted(tables)
    files = events.event_files(folder)
    if not files:
        return None
    target = _target(folder, month)
    manifest = _matching(target, folder, month, files)
    if not _holds(manifest, want):
        with _locked(target) as cacheable:
            # Another process may have reduced the month while this one waited for the lock.
            manifest = _matching(target, folder, month, files) if cacheable else None
            if not _holds(manifest, want):
                with _REDUCING:
                    log = events.open_month(folder, month, memory_limit=memory_limit,
                                            threads=threads)
                    assert log is not None
                    try:
                        manifest = _write(log, folder, target, want, manifest) \
                            if cacheable else None
                        if manifest is None:
                            return summarize(log, want)
                    except BaseException:
                        log.close()
                        raise
                log.close()
    return _open(target, folder, manifest, memory_limit, threads)


def _holds(manifest: dict | None, want: tuple[str, ...]) -> bool:
    return manifest is not None and set(want) <= set(manifest["tables"])
