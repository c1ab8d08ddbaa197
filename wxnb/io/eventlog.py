"""The per-follower event log and the small hand-made files around it (data contract v2).

WeChat's statistics API has no per-follower data; sections 02–04 need the events that a company
logs itself (its message server receives WeChat's event pushes; its pages track reads, shares,
forms and orders). This module reads and validates one month of them. Files are only read.

Event log: ``events*.parquet`` | ``events*.csv`` | ``events*.jsonl`` in the month folder (one or
more files, formats may be mixed), one row per event, columns (exact names; extras ignored):

* ``time`` (required): Asia/Shanghai wall-clock time. A Parquet TIMESTAMP is taken as it is; a
  time-zone-aware timestamp is converted to Asia/Shanghai; an integer is WeChat's ``CreateTime``
  (Unix seconds); text must be ``YYYY-MM-DD HH:MM:SS`` (or with ``T``; optional fractional
  seconds; an optional UTC offset ``+08:00``/``Z`` converts like a tz-aware timestamp; text of
  digits only is Unix seconds).
* ``follower_id`` (required): a pseudonymous follower id (text; integers accepted). Never empty,
  except on ``MASSSENDJOBFINISH`` rows (their FromUserName is a system account).
* ``event`` (required): the event type, see :data:`EVENT_TYPES`. WeChat's own Event/MsgType names
  are matched case-insensitively (``location`` and ``LOCATION`` are told apart by case, as WeChat
  spells them: MsgType ``location`` is a message, Event ``LOCATION`` the location report; any
  other capitalisation is the event). User message types (text, image, voice, video,
  shortvideo, location, link) become ``message`` with ``key`` = the MsgType when key is empty.
* ``key``, ``value``, ``via`` (optional, '' when absent): see docs/data-contract.md.

CSV and JSON Lines files may be UTF-8 (a BOM is fine), UTF-16 with a BOM or GB18030 (Excel on
Chinese Windows), told from their first MiB; DuckDB reads UTF-8 only, so the other two are
transcoded into a UTF-8 copy in the log's spill directory (removed on close) and
:attr:`EventLog.read_notes` says so. CSV header names are stripped of spaces; LF, CRLF and CR
line ends are all read.

:func:`open_month` validates every file in ONE aggregate pass in DuckDB (per raw event name:
rows, empty follower ids, unparseable times, times outside the month; every value the view
exposes is decoded on the way, so a damaged file fails here and not in a section's query) and
then exposes the clean log as the DuckDB VIEW ``ev`` (never a table and never pandas: logs reach 50 million rows). The
view holds only in-month rows of known types, with canonical names. Unknown event types and rows
outside the month are not errors: they are counted (:attr:`EventLog.unknown`,
:attr:`EventLog.outside_month`) and reported by :meth:`EventLog.notes`. An empty follower id or an
unparseable time on a row of a known type is an error: :class:`~wxnb.exceptions.DataValidationError`
with the count and up to five example rows (file, field, row, expected, found).

Beside the log, the same folder may hold ``menu.json`` (the custom menu as
``get_current_selfmenu_info`` returns it; :func:`load_menu` flattens it to 一级/二级 items with
the EventKey each produces), ``content_plan.csv`` (内容形式, cost and author per article;
:func:`load_content_plan`) and ``orders.csv`` (orders with last-touch attribution;
:func:`load_orders`). Their rules are in the functions' docstrings and docs/data-contract.md.

Definitions used by the sections: :data:`INTERACTIONS` (count toward FAN-IDM activity and
"active follower") are all types except subscribe, unsubscribe, LOCATION, MASSSENDJOBFINISH and
TEMPLATESENDJOBFINISH. :data:`READ_SCENES` is getarticleread's ``scene_desc`` vocabulary, the
values of ``article_read``.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Self

import duckdb
import pandas as pd

from wxnb.exceptions import DataValidationError, ParameterError, Problem
from wxnb.io import csvin
from wxnb.io.eventfiles import EVENT_GLOBS, PARTITIONS, event_files, partition_dir

__all__ = [
    "EVENT_GLOBS",
    "EVENT_TYPES",
    "INTERACTIONS",
    "MESSAGE_TYPES",
    "READ_SCENES",
    "Connected",
    "EventLog",
    "LogFacts",
    "canonical_event",
    "connect",
    "event_files",
    "partition_dir",
    "PARTITIONS",
    "from_frame",
    "month_bounds",
    "no_progress_bar",
    "open_month",
]


#: Canonical event types (WeChat's spelling for WeChat's events, snake_case for own tracking).
EVENT_TYPES: tuple[str, ...] = (
    "subscribe", "unsubscribe", "SCAN", "CLICK", "VIEW", "view_miniprogram", "LOCATION",
    "MASSSENDJOBFINISH", "TEMPLATESENDJOBFINISH", "message",
    "article_read", "article_share", "article_like", "article_zaikan", "article_comment",
    "read_original", "mp_visit", "form_view", "form_submit", "order",
)
#: WeChat MsgType values of messages a follower sends; each is an alias of ``message``.
MESSAGE_TYPES: tuple[str, ...] = (
    "text", "image", "voice", "video", "shortvideo", "location", "link",
)
_NOT_INTERACTIONS = (
    "subscribe", "unsubscribe", "LOCATION", "MASSSENDJOBFINISH", "TEMPLATESENDJOBFINISH",
)
INTERACTIONS: tuple[str, ...] = tuple(e for e in EVENT_TYPES if e not in _NOT_INTERACTIONS)
READ_SCENES: tuple[str, ...] = ("公众号消息", "聊天会话", "朋友圈", "公众号主页", "推荐", "搜一搜", "其他")
#: Events whose follower_id may be empty (the sender is WeChat, not a follower).
SYSTEM_EVENTS: tuple[str, ...] = ("MASSSENDJOBFINISH",)

_BY_LOWER = {e.lower(): e for e in EVENT_TYPES}
_REQUIRED = ("time", "follower_id", "event")
_OPTIONAL = ("key", "value", "via")
_TZ = "Asia/Shanghai"
# Unix seconds accepted as CreateTime: 2000-01-01 .. 2100-01-01 (milliseconds fall outside).
_UNIX_MIN, _UNIX_MAX = 946_684_800, 4_102_444_800
_TIME_EXPECTED = ("北京时间 YYYY-MM-DD HH:MM:SS、时间戳（带时区则换算为北京时间）"
                  "或整数 Unix 秒（WeChat CreateTime）")
_FID_EXPECTED = "非空的粉丝 ID（仅 MASSSENDJOBFINISH 可为空）"
_EXAMPLES = 5


def canonical_event(raw: Any) -> tuple[str | None, str]:
    """``(canonical type or None when unknown, key implied by an alias or '')`` of a raw name.

    >>> canonical_event("click"), canonical_event("Text"), canonical_event("foo")
    (('CLICK', ''), ('message', 'text'), (None, ''))
    """
    if raw is None:
        return None, ""
    name = str(raw).strip()
    low = name.lower()
    if name == "location":  # MsgType location (a message); Event LOCATION stays the event
        return "message", "location"
    if low in _BY_LOWER:
        return _BY_LOWER[low], ""
    if low in MESSAGE_TYPES:
        return "message", low
    return None, ""


# --------------------------------------------------------------------------- files


def _lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def month_bounds(month: str) -> tuple[date, date]:
    """The month's first day and the first day of the next (``YYYY-MM``, else ParameterError)."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(month)):
        raise ParameterError(f"月份应为 YYYY-MM，实际为 {month!r}")
    first = date.fromisoformat(f"{month}-01")
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt


# --------------------------------------------------------------------------- scans


@dataclass
class _Scan:
    """One DuckDB table expression over files of one format and one column layout."""

    kind: str                    # parquet | csv | jsonl | frame
    files: list[Path]
    types: dict[str, str]        # column -> DuckDB type (of the columns the contract names)
    source: str                  # FROM expression
    label: str                   # how problems name it

    def row_source(self, path: Path | None, *, stored_numbers: bool = True) -> str:
        """A FROM expression over the contract's columns that also yields ``_wxnb_file`` and a
        0-based ``_wxnb_row`` (a file's own columns named like these are not selected).

        Parquet files number their rows with DuckDB's ``file_row_number`` unless
        ``stored_numbers`` is false (a file that has a column of that name)."""
        cols = ", ".join(_ident(c) for c in self.types if c in (*_REQUIRED, *_OPTIONAL))
        if self.kind == "parquet" and stored_numbers:
            files = ", ".join(_lit(str(p)) for p in self.files)
            return (f"(SELECT {cols}, filename AS _wxnb_file, file_row_number AS _wxnb_row "
                    f"FROM read_parquet([{files}], union_by_name = true, filename = true, "
                    "file_row_number = true))")
        one = self.source if path is None else self._one(path)
        name = "" if path is None else path.name
        # A streaming window over one file, run single-threaded with insertion order kept.
        return (f"(SELECT {cols}, {_lit(name)} AS _wxnb_file, "
                f"row_number() OVER () - 1 AS _wxnb_row FROM {one})")

    def _one(self, path: Path) -> str:
        return _Scan(self.kind, [path], self.types, "", "").build_source()

    def build_source(self) -> str:
        files = "[" + ", ".join(_lit(str(p)) for p in self.files) + "]"
        if self.kind == "parquet":
            return f"read_parquet({files}, union_by_name = true)"
        if self.kind == "csv":
            cols = ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in self.types)
            return (f"read_csv({files}, header = true, auto_detect = false, delim = ',', "
                    f"quote = '\"', escape = '\"', columns = {{{cols}}})")
        if self.kind == "jsonl":
            cols = ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in self.types)
            return f"read_json({files}, format = 'newline_delimited', columns = {{{cols}}})"
        raise AssertionError(self.kind)

    def row_label(self, row: int) -> str:
        if self.kind == "parquet":
            return f"第 {row + 1} 条记录"
        if self.kind == "csv":
            return f"第 {row + 2} 行"  # header = line 1
        if self.kind == "jsonl":
            return f"第 {row + 1} 行"
        return f"iloc[{row}]"

    # ---- expressions over the raw columns

    def has(self, col: str) -> bool:
        return col in self.types

    def _is_text(self, col: str) -> bool:
        return self.types.get(col, "").upper() == "VARCHAR"

    def time_kind(self) -> str | None:
        t = self.types["time"].upper()
        if t == "VARCHAR":
            return "text"
        if t.startswith("TIMESTAMP WITH TIME ZONE") or t == "TIMESTAMPTZ":
            return "tstz"
        if t.startswith("TIMESTAMP"):
            return "ts"
        if t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT", "DOUBLE", "FLOAT") or t.startswith("DECIMAL"):
            return "number"
        return None

    def time_expr(self) -> str:
        c = _ident("time")
        kind = self.time_kind()

        def unix(x: str) -> str:
            return (f"CASE WHEN {x} >= {_UNIX_MIN} AND {x} < {_UNIX_MAX} "
                    f"THEN timezone('{_TZ}', to_timestamp(CAST({x} AS DOUBLE))) END")

        if kind == "ts":
            return f"CAST({c} AS TIMESTAMP)"
        if kind == "tstz":
            return f"timezone('{_TZ}', {c})"
        if kind == "number":
            return unix(c)
        # text: strict shapes only (TRY_CAST alone would take '2026-1-1' or a bare date)
        t = f"trim({c})"
        wall = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,9})?"
        return (
            f"CASE WHEN regexp_full_match({t}, '{wall}') THEN TRY_CAST({t} AS TIMESTAMP) "
            f"WHEN regexp_full_match({t}, '{wall}(Z|[+-]\\d{{2}}(:?\\d{{2}})?)') "
            f"THEN timezone('{_TZ}', TRY_CAST({t} AS TIMESTAMPTZ)) "
            f"WHEN regexp_full_match({t}, '\\d{{1,12}}') THEN {unix(f'CAST({t} AS BIGINT)')} END"
        )

    def raw_event(self) -> str:
        c = _ident("event")
        return c if self._is_text("event") else f"CAST({c} AS VARCHAR)"

    def fid_text(self) -> str:
        c = _ident("follower_id")
        return c if self._is_text("follower_id") else f"CAST({c} AS VARCHAR)"

    def fid_empty(self) -> str:
        c = _ident("follower_id")
        if self._is_text("follower_id"):
            # Only strings sorting before '!' can be blank; the regex runs on those alone
            # (trim() on every row of a 50M-row log costs seconds).
            return (f"({c} IS NULL OR CASE WHEN {c} < '!' "
                    f"THEN regexp_full_match({c}, '\\s*') ELSE false END)")
        return f"({c} IS NULL)"

    def opt_text(self, col: str) -> str:
        if not self.has(col):
            return "''"
        c = _ident(col)
        return f"coalesce({c}, '')" if self._is_text(col) else f"coalesce(CAST({c} AS VARCHAR), '')"


# --------------------------------------------------------------------------- the log


class LogFacts:
    """What a validated month's log held: the files read, the rows used and left out (mixed into
    :class:`EventLog` and the month's summary, which give the same notes)."""

    month: str
    files: list[Path]
    rows_total: int
    rows_used: int
    outside_month: int
    unknown: dict[str, int]
    read_notes: list[str]

    def notes(self) -> list[str]:
        """Chinese data notes: what was read, what was left out and why."""
        if self.files:
            names = "、".join(p.name for p in self.files[:5])
            more = f" 等 {len(self.files)} 个文件" if len(self.files) > 5 else ""
            src = f"{names}{more}"
        else:
            src = "内存数据"
        return [(f"事件日志（{src}）共 {self.rows_total:,} 行，其中 {self.rows_used:,} 行为 "
                 f"{self.month} 内的已知类型事件，纳入分析。"), *self.exclusion_notes()]

    def exclusion_notes(self) -> list[str]:
        """The notes for the cover: files read in an encoding other than UTF-8 (transcoded
        copies), then the rows left out (unknown event types, times outside the month)."""
        out: list[str] = list(self.read_notes)
        if self.unknown:
            n = sum(self.unknown.values())
            top = sorted(self.unknown.items(), key=lambda kv: (-kv[1], kv[0]))
            parts = "、".join(f"{_short(k)} {v:,} 行" for k, v in top[:5])
            if len(top) > 5:
                parts += f" 等 {len(top)} 种"
            out.append(f"事件日志中 {n:,} 行为未知事件类型（{parts}），未计入。")
        if self.outside_month:
            out.append(f"事件日志中 {self.outside_month:,} 行的时间不在 {self.month} 内"
                       "（按北京时间），未计入。")
        return out


class Connected:
    """A DuckDB connection with its own spill directory, removed on :meth:`close` (or when the
    object is collected, or at exit)."""

    con: duckdb.DuckDBPyConnection
    _tempdir: str | None

    def _track(self) -> None:
        # A log that is never closed still loses its spill directory when it is collected or
        # when the interpreter exits.
        self._cleanup = (weakref.finalize(self, shutil.rmtree, self._tempdir, True)
                         if self._tempdir else None)

    def close(self) -> None:
        """Close the connection and remove its spill directory."""
        try:
            self.con.close()
        finally:
            if self._cleanup is not None:
                self._cleanup()
            self._tempdir = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class EventLog(LogFacts, Connected):
    """One month's validated event log in DuckDB: query the VIEW ``ev`` through ``con``.

    ``ev`` columns: ``time`` TIMESTAMP (Asia/Shanghai wall clock), ``day`` DATE, ``follower_id``,
    ``event`` (canonical), ``key``, ``value``, ``via`` (VARCHAR, '' when missing). Only rows of
    known types within the month. Bring back small aggregates only (``.fetchall()``/``.df()``).
    The sections do not query it: they read the month's summary
    (:mod:`wxnb.io.eventsummary`), made from it once.
    """

    con: duckdb.DuckDBPyConnection
    month: str
    files: list[Path]
    rows_total: int
    rows_used: int
    outside_month: int
    unknown: dict[str, int] = field(default_factory=dict)
    _tempdir: str | None = field(default=None, repr=False)
    #: How files were read when not as UTF-8 (``events.csv 按 GB18030 编码读取``).
    read_notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._track()


def _short(text: str, limit: int = 40) -> str:
    if text == "":
        return "（空）"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def no_progress_bar(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Turn DuckDB's progress bar off on ``con`` (returned). In a Jupyter kernel without
    ipywidgets DuckDB keeps the bar off and refuses any change to the setting
    (duckdb/duckdb#6831, #7590): it is off already."""
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.InvalidInputException:
        pass
    return con


def connect(memory_limit: str, threads: int | None) -> tuple[duckdb.DuckDBPyConnection, str]:
    """An in-memory DuckDB connection with the log's settings and its own spill directory
    (returned; the caller removes it)."""
    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", str(memory_limit)):
        raise ParameterError(f"event_memory_limit 应为如 1GB、512MB 的内存大小，实际为 "
                             f"{memory_limit!r}")
    n = threads if threads is not None else (os.cpu_count() or 1)
    if not isinstance(n, int) or n < 1:
        raise ParameterError(f"threads 应为正整数，实际为 {threads!r}")
    # The pid in the name lets the next build remove the spill of a killed kernel
    # (wxnb.build.runner.remove_stale_sockets).
    tmp = tempfile.mkdtemp(prefix=f"wxnb-duckdb-{os.getpid()}-")
    con = duckdb.connect(":memory:")
    try:
        for stmt in (f"SET threads = {n}", f"SET memory_limit = {_lit(memory_limit.strip())}",
                     "SET preserve_insertion_order = false", f"SET temp_directory = {_lit(tmp)}",
                     f"SET TimeZone = '{_TZ}'"):
            con.execute(stmt)
        no_progress_bar(con)
    except BaseException:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return con, tmp


def _first_line(text: str) -> str:
    """The reader's message, short: its first three non-empty lines (DuckDB puts the CSV line
    number, the line itself and the expected column count there)."""
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()
             and not ln.lstrip().startswith("LINE ") and set(ln.strip()) != {"^"}]
    return ("；".join(lines[:3]) if lines else str(text))[:300]


def _describe(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}


_SNIFF = 1 << 20  # the bytes read to tell a text file's encoding and its CSV header
_CHUNK = 1 << 22  # transcoding reads this much at a time


def _sniff(path: Path) -> tuple[str, str, bool]:
    """``(text of the first MiB, encoding, whole file read)`` of an event log text file.

    The encoding is UTF-8 (with or without BOM, which DuckDB reads as they are), UTF-16 with a
    BOM, or GB18030 (both transcoded, see ``_transcode``). Raises _Undecodable when the start
    of the file is none of these, OSError when it cannot be read.
    """
    with path.open("rb") as fh:
        head = fh.read(_SNIFF)
        whole = not fh.read(1)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = codecs.getincrementaldecoder("utf-16")().decode(head, final=whole)
        except UnicodeDecodeError as exc:
            raise _Undecodable(exc.start, f"UTF-16：{exc.reason}") from None
        return text, "UTF-16", whole
    bom = head.startswith(codecs.BOM_UTF8)
    body = head[3:] if bom else head
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(body, final=whole)
        return text, ("UTF-8 BOM" if bom else "UTF-8"), whole
    except UnicodeDecodeError as exc:
        utf8 = _Undecodable(exc.start + 3 * bom, f"UTF-8：{exc.reason}")
        if bom or csvin.mostly_utf8(body):
            raise utf8 from None
        try:
            text = codecs.getincrementaldecoder("gb18030")().decode(body, final=whole)
        except UnicodeDecodeError:
            raise utf8 from None
        return text, "GB18030", whole


def _transcode(path: Path, encoding: str, tmp: str) -> Path:
    """A UTF-8 copy of ``path`` (read as ``encoding``) under ``tmp``, with the same file name
    (problems and row labels name the original). Removed with the spill directory."""
    dest = Path(tmp) / "transcoded" / path.name
    dest.parent.mkdir(exist_ok=True)
    decoder = codecs.getincrementaldecoder("utf-16" if encoding == "UTF-16" else "gb18030")()
    offset = 0
    with path.open("rb") as src, dest.open("w", encoding="utf-8", newline="") as out:
        try:
            while chunk := src.read(_CHUNK):
                out.write(decoder.decode(chunk))
                offset += len(chunk)
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise _Undecodable(offset + max(exc.start, 0), f"{encoding}：{exc.reason}") from None
    return dest


class _Undecodable(Exception):
    """A text event file that is not in an encoding the log accepts (``pos``: 0-based byte)."""

    def __init__(self, pos: int, reason: str) -> None:
        super().__init__(reason)
        self.pos, self.reason = pos, reason


def _csv_header(text: str, whole: bool) -> list[str] | str:
    """The header row's names (stripped) from the start of a CSV, or what is wrong with it."""
    try:
        rows = csv.reader(io.StringIO(text, newline=""))
        row = next(rows, [])
        if not whole and next(rows, None) is None:
            return f"首行（表头）超过 {_SNIFF >> 20} MiB"
    except csv.Error as exc:
        return f"表头无法解析：{exc}"
    if any("\x00" in c for c in row):
        return "表头含 NUL 字符 \\x00（UTF-16 文件请带 BOM 保存，或另存为 UTF-8）"
    return [c.strip().lstrip("\ufeff").strip() for c in row]


_FORMAT = {
    "parquet": "Parquet 文件",
    "csv": "CSV（UTF-8，或带 BOM 的 UTF-16、GB18030；逗号分隔，首行为字段名）",
    "jsonl": "JSON Lines（每行一个 JSON 对象；UTF-8，或带 BOM 的 UTF-16、GB18030）",
    "frame": "DataFrame",
}


def _missing_columns(label: str, cols: Iterable[str]) -> list[Problem]:
    cols = list(cols)
    have = csvin.columns_text(cols)
    return [Problem(label, c, None, f"有列 {c}", f"列缺失（现有列：{have}）")
            for c in _REQUIRED if c not in cols]


def _scans_for_files(con: duckdb.DuckDBPyConnection, files: list[Path], tmp: str | None = None
                     ) -> tuple[list[_Scan], list[Problem], list[str]]:
    """Group the files into scans of one format and one layout; report unreadable files.

    Text files (CSV, JSON Lines) in UTF-16 or GB18030 are read through a UTF-8 copy in ``tmp``
    (DuckDB reads UTF-8 only); the notes say which.
    """
    problems: list[Problem] = []
    notes: list[str] = []
    groups: dict[tuple[Any, ...], list[tuple[Path, dict[str, str]]]] = {}
    wanted = (*_REQUIRED, *_OPTIONAL)
    for path in files:
        kind = path.suffix.lower().lstrip(".")
        read = path
        try:
            if kind == "parquet":
                cols = _describe(con, f"read_parquet({_lit(str(path))})")
            else:
                if path.stat().st_size == 0:
                    if kind == "csv":
                        problems.append(Problem(path.name, None, None, _FORMAT[kind], "空文件"))
                    continue  # an empty JSON Lines file holds no events
                text, encoding, whole = _sniff(path)
                if encoding in ("UTF-16", "GB18030"):
                    if tmp is None:
                        raise AssertionError("a transcoded copy needs the spill directory")
                    read = _transcode(path, encoding, tmp)
                    notes.append(f"{path.name} 按 {encoding} 编码读取（DuckDB 读取其 UTF-8 副本）")
                if kind == "csv":
                    header = _csv_header(text, whole)
                    if isinstance(header, str) or not any(header):
                        problems.append(Problem(path.name, None, "第 1 行", _FORMAT[kind],
                                                header or "空文件（没有表头）"))
                        continue
                    dup = sorted({c for c in header if c and header.count(c) > 1})
                    if dup:
                        problems.append(Problem(path.name, dup[0], "第 1 行", "每个列名只出现一次",
                                                f"列名重复：{'、'.join(dup)}"))
                        continue
                    # unnamed columns get a name DuckDB accepts (they are ignored)
                    cols = {(c or f"_column{i}"): "VARCHAR" for i, c in enumerate(header)}
                else:
                    names = _describe(con, f"read_json({_lit(str(read))}, "
                                           "format = 'newline_delimited')")
                    cols = {c: "VARCHAR" for c in names}
        except _Undecodable as exc:
            problems.append(Problem(path.name, None, None, _FORMAT[kind],
                                    f"不是 UTF-8、带 BOM 的 UTF-16 或 GB18030 编码"
                                    f"（第 {exc.pos + 1} 字节无法按 {exc.reason} 解码）"))
            continue
        except OSError as exc:
            problems.append(Problem(path.name, None, None, _FORMAT[kind],
                                    f"无法读取文件（{exc.strerror or exc}）"))
            continue
        except duckdb.Error as exc:
            problems.append(Problem(path.name, None, None, _FORMAT[kind],
                                    _first_line(str(exc))))
            continue
        missing = _missing_columns(path.name, cols)
        if missing:
            problems.extend(missing)
            continue
        if kind == "csv":
            key: tuple[Any, ...] = (kind, tuple(cols))  # read_csv needs every column listed
            types = dict(cols)
        elif kind == "jsonl":
            present = tuple(c for c in wanted if c in cols)
            key, types = (kind, present), {c: "VARCHAR" for c in present}
        else:
            types = {c: cols[c] for c in wanted if c in cols}
            key = (kind, tuple(sorted(types.items())))
        groups.setdefault(key, []).append((read, types))
    scans = []
    for (kind, *_), members in groups.items():
        paths = [p for p, _ in members]
        types = members[0][1]
        scan = _Scan(kind, paths, types, "", "、".join(p.name for p in paths))
        scan.source = scan.build_source()
        scans.append(scan)
    for scan in scans:
        if scan.time_kind() is None:
            problems.append(Problem(scan.label, "time", None, _TIME_EXPECTED,
                                    f"列类型 {scan.types['time']}"))
    return [s for s in scans if s.time_kind() is not None], problems, notes


# --------------------------------------------------------------------------- validation


@dataclass
class _Counts:
    rows: int = 0
    no_fid: int = 0
    bad_time: int = 0
    outside: int = 0


def _suspect(scan: _Scan, first: date, nxt: date) -> str | None:
    """A filter on the raw Parquet columns that every row with an empty follower id, a missing
    time or a time outside the month passes (clean rows may pass too), or None.

    Written on the stored columns so that DuckDB pushes it into the Parquet reader, which skips
    every row group whose min/max statistics rule it out: on a clean log it reads nothing.
    """
    if scan.kind != "parquet":
        return None
    kind = scan.time_kind()
    t = _ident("time")
    if kind == "ts":
        lo, hi = f"TIMESTAMP '{first} 00:00:00'", f"TIMESTAMP '{nxt} 00:00:00'"
    elif kind == "tstz":  # the month's bounds in Asia/Shanghai (UTC+8, no DST since 1991)
        lo, hi = f"TIMESTAMPTZ '{first} 00:00:00+08'", f"TIMESTAMPTZ '{nxt} 00:00:00+08'"
    else:
        return None
    f = _ident("follower_id")
    blank = f"{f} IS NULL OR {f} < '!'" if scan._is_text("follower_id") else f"{f} IS NULL"
    return f"{blank} OR {t} IS NULL OR {t} < {lo} OR {t} >= {hi}"


def _aggregate(con: duckdb.DuckDBPyConnection, scan: _Scan,
               first: date, nxt: date) -> dict[str | None, _Counts]:
    """The validation pass over one scan: per raw event name, rows, empty follower ids,
    unparseable times and times outside the month.

    For a Parquet scan whose time column is a timestamp, the row count per event is one pass and
    the three checks run only on the row groups the statistics cannot clear (see ``_suspect``);
    otherwise (text or integer times, CSV, JSON Lines) everything is one pass.

    The full pass also decodes every value the view ``ev`` exposes (``_decode_all``), so that
    a damaged Parquet page or a cell that is not UTF-8 deep in a CSV fails here, as a problem
    naming the file, and never later in a section's query.
    """
    lo, hi = f"TIMESTAMP '{first} 00:00:00'", f"TIMESTAMP '{nxt} 00:00:00'"
    suspect = _suspect(scan, first, nxt)
    full_pass = "" if suspect else f", {_decode_all(scan)}"
    # the contract's columns by name (a file's own column named raw or t must not clash)
    cols = "".join(f"{_ident(c)}, " for c in scan.types if c in (*_REQUIRED, *_OPTIONAL))
    checks = f"""
        SELECT raw, count(*), count(*) FILTER (WHERE no_fid),
               count(*) FILTER (WHERE t IS NULL),
               count(*) FILTER (WHERE t < {lo} OR t >= {hi}){full_pass}
        FROM (SELECT {cols}{scan.raw_event()} AS raw, {scan.fid_empty()} AS no_fid,
                     {scan.time_expr()} AS t FROM {scan.source}
              WHERE {suspect or 'true'})
        GROUP BY raw"""
    out: dict[str | None, _Counts] = {}
    for raw, n, no_fid, bad, outside, *_ in con.execute(checks).fetchall():
        out[raw] = _Counts(n, no_fid, bad, outside)
    if suspect is None:
        return out
    totals = (f"SELECT {scan.raw_event()} AS raw, count(*), {_decode_all(scan)} "
              f"FROM {scan.source} GROUP BY raw")
    full: dict[str | None, _Counts] = {}
    for raw, n, *_ in con.execute(totals).fetchall():
        c = out.get(raw, _Counts())
        full[raw] = _Counts(n, c.no_fid, c.bad_time, c.outside)
    return full


def _decode_all(scan: _Scan) -> str:
    """Aggregates that make DuckDB read, decode and check (UTF-8) every value of the columns
    the view exposes. ``max(strlen(…))`` would not do: DuckDB checks a Parquet string's UTF-8
    only when a filter or the result needs it, and a NULL test is such a filter."""
    cols = ["follower_id", *(c for c in _OPTIONAL if scan.has(c))]
    if scan.kind == "parquet":
        cols.append("time")
    return ", ".join(f"count(*) FILTER (WHERE {_ident(c)} IS NULL)" for c in cols)


def _examples(con: duckdb.DuckDBPyConnection, scan: _Scan, condition: str,
              show: str) -> list[tuple[str, str, str]]:
    """Up to five ``(file, row label, found)`` of rows matching ``condition``, in file order."""
    found: list[tuple[str, str, str]] = []
    # {src} is substituted with str.replace, not .format: the time regexes hold braces.
    select = f"SELECT _wxnb_file, _wxnb_row, {show} AS shown FROM {{src}} WHERE {condition}"
    if scan.kind == "parquet":
        try:
            rows = con.execute(select.replace("{src}", scan.row_source(None))
                               + f" ORDER BY _wxnb_file, _wxnb_row LIMIT {_EXAMPLES}").fetchall()
            return [(Path(f).name, scan.row_label(r), s) for f, r, s in rows]
        except duckdb.BinderException:  # the file has a column named filename/file_row_number
            pass
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    con.execute("SET preserve_insertion_order = true")
    try:
        for path in scan.files or [None]:
            src = scan.row_source(path, stored_numbers=False)
            rows = con.execute(select.replace("{src}", src)
                               + f" LIMIT {_EXAMPLES - len(found)}").fetchall()
            found += [(f or scan.label, scan.row_label(r), s) for f, r, s in rows]
            if len(found) >= _EXAMPLES:
                break
    finally:
        con.execute(f"SET threads = {int(threads)}")
        con.execute("SET preserve_insertion_order = false")
    return found


def _show_sql(col: str, scan: _Scan) -> str:
    c = _ident(col)
    text = c if scan._is_text(col) else f"CAST({c} AS VARCHAR)"
    return f"CASE WHEN {c} IS NULL THEN NULL ELSE {text} END"


def _shown(value: str | None) -> str:
    if value is None or value == "":
        return "空"
    if value.strip() == "":
        return f"{value!r}（只有空白）"
    return repr(value)


def _row_problems(con: duckdb.DuckDBPyConnection, scan: _Scan, counts: dict[str | None, _Counts],
                  canon: dict[str | None, str | None]) -> list[Problem]:
    known = [r for r in counts if canon[r] is not None]
    need_fid = [r for r in known if canon[r] not in SYSTEM_EVENTS]
    n_fid = sum(counts[r].no_fid for r in need_fid)
    n_time = sum(counts[r].bad_time for r in known)
    problems: list[Problem] = []
    raw = scan.raw_event()
    for n, field_, expected, cond, show in (
        (n_fid, "follower_id", _FID_EXPECTED,
         f"{raw} IN ({', '.join(_lit(r) for r in need_fid) or 'NULL'}) AND {scan.fid_empty()}",
         _show_sql("follower_id", scan)),
        (n_time, "time", _TIME_EXPECTED,
         (f"{raw} IN ({', '.join(_lit(r) for r in known) or 'NULL'}) AND ({scan.time_expr()}) "
         "IS NULL"), _show_sql("time", scan)),
    ):
        if not n:
            continue
        examples = _examples(con, scan, cond, show)
        problems.append(Problem(scan.label, field_, None, expected,
                                f"{n:,} 行不符合（下列前 {len(examples)} 行为示例）"))
        problems += [Problem(f, field_, row, expected, _shown(s)) for f, row, s in examples]
    return problems


def _view_sql(scans: list[_Scan], canon: dict[str | None, str | None],
              alias_key: dict[str | None, str], raws_by_scan: list[list[str | None]],
              first: date, nxt: date) -> str:
    parts = []
    for scan, raws in zip(scans, raws_by_scan, strict=True):
        raw = scan.raw_event()
        known = [r for r in raws if r is not None and canon.get(r) is not None]
        if not known:
            event, where = "CAST(NULL AS VARCHAR)", "false"
        else:  # map only the names not already canonical (a CASE per row costs at 50M rows)
            renamed = [r for r in known if canon[r] != r]
            event = raw if not renamed else (
                "CASE " + raw + " " + " ".join(
                    f"WHEN {_lit(r)} THEN {_lit(canon[r])}" for r in renamed)
                + f" ELSE {raw} END")
        if known:
            # Only a scan that holds unknown names (or NULL) needs the filter on the name.
            where = (f"{raw} IN ({', '.join(_lit(r) for r in known)})" if len(known) < len(raws)
                     else "true")
        key = scan.opt_text("key")
        aliased = [r for r in known if alias_key.get(r)]
        if aliased:
            implied = "CASE " + raw + " " + " ".join(
                f"WHEN {_lit(r)} THEN {_lit(alias_key[r])}" for r in aliased) + " END"
            key = (f"CASE WHEN {raw} IN ({', '.join(_lit(r) for r in aliased)}) "
                   f"AND {key} = '' THEN {implied} ELSE {key} END")
        parts.append(
            f"SELECT {scan.time_expr()} AS time, coalesce({scan.fid_text()}, '') AS follower_id, "
            f"{event} AS event, {key} AS key, {scan.opt_text('value')} AS value, "
            f"{scan.opt_text('via')} AS via FROM {scan.source} WHERE {where}"
        )
    union = "\nUNION ALL\n".join(parts)
    return (
        "CREATE OR REPLACE VIEW ev AS\n"
        "SELECT time, CAST(time AS DATE) AS day, follower_id, event, key, value, via\n"
        f"FROM (\n{union}\n) AS u\n"
        f"WHERE time >= TIMESTAMP '{first} 00:00:00' AND time < TIMESTAMP '{nxt} 00:00:00'"
    )


def _empty_view_sql() -> str:
    return ("CREATE OR REPLACE VIEW ev AS SELECT CAST(NULL AS TIMESTAMP) AS time, "
            "CAST(NULL AS DATE) AS day, CAST(NULL AS VARCHAR) AS follower_id, "
            "CAST(NULL AS VARCHAR) AS event, CAST(NULL AS VARCHAR) AS key, "
            "CAST(NULL AS VARCHAR) AS value, CAST(NULL AS VARCHAR) AS via WHERE false")


def _build(con: duckdb.DuckDBPyConnection, scans: list[_Scan], month: str,
           files: list[Path], tmp: str | None, problems: list[Problem],
           notes: list[str] | None = None) -> EventLog:
    """Validate every scan (one aggregate pass each) and create the view ``ev``.

    ``problems`` already found (unreadable files) are raised together with the rows' problems.
    """
    first, nxt = month_bounds(month)
    problems = list(problems)
    per_scan: list[dict[str | None, _Counts]] = []
    for scan in scans:
        try:
            per_scan.append(_aggregate(con, scan, first, nxt))
        except duckdb.Error as exc:
            problems.append(Problem(scan.label, None, None, _FORMAT[scan.kind],
                                    _first_line(str(exc))))
            per_scan.append({})
    canon: dict[str | None, str | None] = {}
    alias_key: dict[str | None, str] = {}
    for counts in per_scan:
        for raw in counts:
            canon[raw], alias_key[raw] = canonical_event(raw)
    for scan, counts in zip(scans, per_scan, strict=True):
        if counts:
            try:
                problems += _row_problems(con, scan, counts, canon)
            except duckdb.Error as exc:
                problems.append(Problem(scan.label, None, None, _FORMAT[scan.kind],
                                        _first_line(str(exc))))
    if problems:
        raise DataValidationError(problems)
    total = used = outside = 0
    unknown: dict[str, int] = {}
    for counts in per_scan:
        for raw, c in counts.items():
            total += c.rows
            if canon[raw] is None:
                name = "" if raw is None else raw
                unknown[name] = unknown.get(name, 0) + c.rows
            else:
                outside += c.outside
                used += c.rows - c.outside
    raws = [list(counts) for counts in per_scan]
    try:
        con.execute(_view_sql(scans, canon, alias_key, raws, first, nxt) if scans
                    else _empty_view_sql())
    except duckdb.Error as exc:
        label = "、".join(s.label for s in scans)
        raise DataValidationError([Problem(label, None, None, "可读取的事件日志",
                                           _first_line(str(exc)))]) from None
    return EventLog(con, month, files, total, used, outside, unknown, tmp, list(notes or []))


def open_month(folder: Path, month: str, *, memory_limit: str = "1GB",
               threads: int | None = None) -> EventLog | None:
    """Validate the month's event log files and open them as the DuckDB view ``ev``.

    Returns None when the folder has no event files. ``threads`` defaults to the CPU count;
    ``memory_limit`` caps DuckDB's memory (large aggregations spill to a temporary directory).

    Raises
    ------
    DataValidationError
        A file is unreadable (not Parquet, a damaged page, a malformed CSV row or JSON line, an
        encoding other than UTF-8, UTF-16 with a BOM or GB18030), has a header with a repeated
        name, lacks a required column, or has rows of known types with an empty follower id or
        an unparseable time (the count and up to five example rows each).
    """
    month_bounds(month)
    files = event_files(Path(folder))
    if not files:
        return None
    con, tmp = connect(memory_limit, threads)
    try:
        scans, problems, notes = _scans_for_files(con, files, tmp)
        return _build(con, scans, month, files, tmp, problems, notes)
    except BaseException:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def from_frame(df: pd.DataFrame, month: str, *, memory_limit: str = "1GB",
               threads: int | None = None) -> EventLog:
    """An :class:`EventLog` over an in-memory DataFrame (tests), validated exactly as files are."""
    month_bounds(month)
    con, tmp = connect(memory_limit, threads)
    try:
        con.register("_wxnb_frame", df)
        cols = _describe(con, "_wxnb_frame")
        missing = _missing_columns("DataFrame", cols)
        if missing:
            raise DataValidationError(missing)
        types = {c: cols[c] for c in (*_REQUIRED, *_OPTIONAL) if c in cols}
        scan = _Scan("frame", [], types, "_wxnb_frame", "DataFrame")
        if scan.time_kind() is None:
            raise DataValidationError([Problem("DataFrame", "time", None, _TIME_EXPECTED,
                                               f"列类型 {types['time']}")])
        return _build(con, [scan], month, [], tmp, [])
    except BaseException:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
