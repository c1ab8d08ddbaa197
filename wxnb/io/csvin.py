"""Reading the small text inputs that users prepare by hand (CSV and JSON beyond the event log).

Every problem is a :class:`~wxnb.exceptions.Problem` naming the file, the column, the row (as the
spreadsheet shows it: the header is row 1) and what was expected, so a build can list them all.
Files are only read, never changed.

Encodings (docs/data-contract.md, "Encodings, line ends and shapes"): UTF-8, UTF-8 with a BOM (Excel's
"CSV UTF-8"), UTF-16 with a BOM (Excel's "Unicode text", Notepad's "Unicode") and GB18030, the
superset of GBK/GB2312 that Excel on Chinese Windows writes for a plain "CSV". A file is tried as
UTF-8 first; it is read as GB18030 only when it is not UTF-8 and does not look like damaged UTF-8
(mostly valid UTF-8 sequences around a few bad bytes are an error, not GB18030 text), so a
corrupted UTF-8 file is never silently turned into mojibake. Reading a file in an encoding other
than UTF-8 is stated in a note (``"xxx.csv 按 GB18030 编码读取"``) for the report's data notes.
Line ends may be LF, CRLF or CR alone. A NUL character is an error (it usually means UTF-16
without a BOM). JSON is parsed without NaN/Infinity, with over-long integers kept as text
(:class:`LongNumber`), nesting too deep and lone surrogate escapes reported as problems.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wxnb.exceptions import Problem

__all__ = [
    "COUNT_MAX",
    "ENCODINGS",
    "LongNumber",
    "Text",
    "brief",
    "columns_text",
    "count",
    "decode",
    "encoding_note",
    "is_day",
    "mostly_utf8",
    "number",
    "parse_json",
    "read_csv",
    "read_json",
    "read_table",
    "read_text",
    "row_label",
]

logger = logging.getLogger(__name__)

#: What the problems say a text file may be.
ENCODINGS = "UTF-8（可带 BOM）、带 BOM 的 UTF-16 或 GB18030/GBK 编码"
#: Counts above this are not plausible for one official account in one month (and their sums
#: must fit int64): they are rejected as problems, never overflow.
COUNT_MAX = 10**12
_PLAIN = ("UTF-8", "UTF-8 BOM")
_JSON_INT_DIGITS = 30  # longer JSON integers stay text (Python refuses int() beyond 4300 digits)


@dataclass(frozen=True)
class Text:
    """A decoded file and the encoding it was read in (``UTF-8``, ``UTF-8 BOM``, ``UTF-16``,
    ``GB18030``)."""

    text: str
    encoding: str


def encoding_note(name: str, encoding: str) -> str | None:
    """The data note for a file read in an encoding other than UTF-8 (None for UTF-8)."""
    return None if encoding in _PLAIN else f"{name} 按 {encoding} 编码读取"


def _line_of(raw: bytes, pos: int) -> int:
    return raw.count(b"\n", 0, pos) + 1 if b"\n" in raw[:pos] else raw.count(b"\r", 0, pos) + 1


def mostly_utf8(raw: bytes) -> bool:
    """True when most non-ASCII bytes form valid UTF-8: damaged UTF-8 rather than GB18030."""
    text = raw.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return good > bad


def decode(raw: bytes, *, legacy: bool = True) -> Text:
    """Decode ``raw`` as UTF-8 (BOM or not), UTF-16 with a BOM or, when ``legacy``, GB18030.

    Raises UnicodeDecodeError (from the UTF-8 attempt) when none fits.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return Text(raw[3:].decode("utf-8"), "UTF-8 BOM")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Text(raw.decode("utf-16"), "UTF-16")
    try:
        return Text(raw.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError as exc:
        if not legacy or mostly_utf8(raw):
            raise
        try:
            return Text(raw.decode("gb18030"), "GB18030")
        except UnicodeDecodeError:
            raise exc from None


def _undecodable(raw: bytes, exc: UnicodeDecodeError, legacy: bool) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return f"带 BOM 的 UTF-16 文件无法解码（{exc.reason}）"
    offset = 3 if raw.startswith(codecs.BOM_UTF8) else 0
    pos = exc.start + offset
    tried = "UTF-8" if not legacy or offset or mostly_utf8(raw) else "UTF-8 或 GB18030"
    return (f"第 {_line_of(raw, pos)} 行（第 {pos + 1} 字节）有无法按 {tried} 解码的字节 "
            f"0x{raw[pos]:02X}")


def read_text(path: Path, expected: str, *,
              legacy: bool = True) -> tuple[Text | None, list[Problem]]:
    """Read and decode one file; ``(None, problems)`` when it cannot be read or decoded or
    holds a NUL character. ``expected`` is what the problem says the file should be (the
    accepted encodings are added to it)."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(name, None, None, expected, f"无法读取文件（{exc.strerror or exc}）")]
    try:
        text = decode(raw, legacy=legacy)
    except UnicodeDecodeError as exc:
        return None, [Problem(name, None, None, f"{expected}（{ENCODINGS}）",
                              _undecodable(raw, exc, legacy))]
    nul = text.text.find("\x00")
    if nul >= 0:
        line = text.text.count("\n", 0, nul) + 1 if "\n" in text.text else \
            text.text.count("\r", 0, nul) + 1
        return None, [Problem(name, None, f"第 {line} 行", f"{expected}（不含 NUL 字符）",
                              "含 NUL 字符 \\x00（UTF-16 文件请带 BOM 保存，或另存为 UTF-8）")]
    return text, []


# --------------------------------------------------------------------------- JSON


class LongNumber:
    """A JSON integer too long to be a count (more than 30 digits), kept as its text.

    Python refuses ``int()`` of more than 4300 digits and such values overflow any int64
    column, so the loaders see this marker and report it as a problem.
    """

    __slots__ = ("negative", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.negative = text.startswith("-")

    def __repr__(self) -> str:
        digits = len(self.text) - self.negative
        return f"{self.text[:12]}…（{digits} 位整数）"

    __str__ = __repr__


class _NotJson(ValueError):
    """NaN or Infinity in a JSON file (not JSON; Python's parser would accept them)."""


def _json_int(text: str) -> int | LongNumber:
    return int(text) if len(text) <= _JSON_INT_DIGITS else LongNumber(text)


def _json_constant(name: str) -> Any:
    raise _NotJson(name)


def parse_json(text: str) -> Any:
    """``json.loads`` that never accepts NaN/Infinity and keeps over-long integers as text.

    Raises json.JSONDecodeError, RecursionError (nested too deeply) or ValueError (NaN/Infinity).
    """
    return json.loads(text, parse_int=_json_int, parse_constant=_json_constant)


def read_json(path: Path, expected: str) -> tuple[Any, str | None, list[Problem]]:
    """Read one JSON file: ``(document, encoding note or None, problems)``.

    A BOM is fine. Invalid JSON, NaN/Infinity, nesting too deep for the parser and undecodable
    bytes are problems naming the file (and the line for a syntax error).
    """
    text, problems = read_text(path, expected)
    if text is None:
        return None, None, problems
    name = path.name
    try:
        doc = parse_json(text.text)
    except json.JSONDecodeError as exc:
        return None, None, [Problem(name, None, None, expected,
                                    f"JSON 解析失败：{exc.msg}（第 {exc.lineno} 行第 {exc.colno} 列）")]
    except RecursionError:
        return None, None, [Problem(name, None, None, expected, "JSON 嵌套过深，无法解析")]
    except _NotJson as exc:
        return None, None, [Problem(name, None, None, expected,
                                    f"JSON 中不允许 {exc.args[0]}（NaN/Infinity 不是合法的 JSON 数值）")]
    lone = _lone_surrogate(text.text, doc)
    if lone is not None:
        return None, None, [Problem(name, None, f"第 {lone[0]} 行", expected,
                                    f"不成对的代理项转义 {lone[1]}（不是任何字符，无法写成 UTF-8）")]
    return doc, encoding_note(name, text.encoding), []


def _encodable(doc: Any) -> bool:
    """True when every string (keys too) in a parsed JSON document encodes as UTF-8."""
    stack = [doc]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


_SURROGATE_ESCAPE = re.compile(r"\\u([dD][89a-fA-F][0-9a-fA-F]{2})")


def _lone_surrogate(text: str, doc: Any) -> tuple[int, str] | None:
    """(line, escape) of a ``\\ud800``-style escape that decoded to a lone surrogate, or None.

    JSON allows such escapes; Python keeps them as unpaired surrogates, which no UTF-8 writer
    (pandas, pyarrow, the report) accepts. Checked only when the text holds such an escape."""
    if _SURROGATE_ESCAPE.search(text) is None or _encodable(doc):
        return None  # no escape, or only proper pairs (emoji and the like)
    escapes = list(_SURROGATE_ESCAPE.finditer(text))
    for i, m in enumerate(escapes):
        high = int(m.group(1), 16) < 0xDC00
        after = escapes[i + 1] if i + 1 < len(escapes) else None
        before = escapes[i - 1] if i else None
        paired = (after is not None and after.start() == m.end()
                  and int(after.group(1), 16) >= 0xDC00) if high else (
            before is not None and before.end() == m.start()
            and int(before.group(1), 16) < 0xDC00)
        if not paired:
            return text.count("\n", 0, m.start()) + 1, m.group()
    return text.count("\n", 0, escapes[0].start()) + 1, escapes[0].group()


def brief(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters; never fails on deeply nested values."""
    try:
        shown = repr(value)
    except (RecursionError, ValueError):
        shown = f"<嵌套过深的{type(value).__name__}>"
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


# --------------------------------------------------------------------------- CSV


def _cell(h: str) -> str:
    return h.strip().lstrip("\ufeff").strip()


def _records(path: Path, expected: str, *, text: Text | None = None
             ) -> tuple[list[str] | None, list[list[str]], list[Problem], str | None]:
    """Read a CSV file as text: ``(header, rows, problems, encoding note)``, every row a list
    of exactly one cell per column (see :func:`read_table`); ``text`` is the file already
    read."""
    problems: list[Problem] = []
    if text is None:
        text, problems = read_text(path, expected)
    if text is None:
        return None, [], problems, None
    name = path.name
    try:
        records = list(csv.reader(io.StringIO(text.text, newline="")))
    except csv.Error as exc:
        return None, [], [Problem(name, None, None, expected, f"CSV 解析失败：{exc}")], None
    note = encoding_note(name, text.encoding)
    if note:
        logger.info(note)
    records = [r for r in records if "".join(r).strip()] if records else []
    if not records:
        return [], [], [], note
    header = [_cell(h) for h in records[0]]
    seen: set[str] = set()
    for h in header:
        if h and h in seen:
            problems.append(Problem(name, h, "第 1 行", "每个列名只出现一次", f"列 {h} 重复"))
        seen.add(h)
    if problems:
        return None, [], problems, note
    width = len(header)
    rows = records[1:]
    if any(len(rec) != width for rec in rows):
        fitted = []
        for i, rec in enumerate(rows):
            if len(rec) > width and "".join(rec[width:]).strip():
                problems.append(Problem(name, None, row_label(i), f"{width} 个字段（与表头一致）",
                                        f"{len(rec)} 个字段"))
                continue
            fitted.append(rec[:width] + [""] * (width - len(rec)))
        rows = fitted
    return (None if problems else header), rows, problems, note


def read_table(path: Path, *, expected: str = "CSV，首行为字段名"
               ) -> tuple[list[str] | None, list[dict[str, str]], list[Problem], str | None]:
    """Read a CSV file as text: ``(header, rows, problems, encoding note)``.

    The header's names are stripped of spaces (and of a stray BOM); every row is a dict with a
    value (unstripped text) for every column. Empty lines and rows whose cells are all blank are
    skipped. A row with fewer cells than the header is padded with ``""``; a row with more
    non-blank cells than the header, a repeated column name, an undecodable file, a NUL
    character and a field over the csv module's size limit are problems. ``header`` is None when
    the file could not be read and ``[]`` when it is empty.
    """
    header, rows, problems, note = _records(path, expected)
    if not header:
        return header, [], problems, note
    return header, [dict(zip(header, r, strict=True)) for r in rows], problems, note


def read_csv(path: Path, required: Sequence[str], *, allow_empty: bool = False,
             notes: list[str] | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV (encodings as in the module docstring) as text, cells stripped, empty ``""``.

    Returns ``(None, problems)`` when the file cannot be read or parsed, a required column is
    missing, or (unless ``allow_empty``) there is no data row. When the file was read in an
    encoding other than UTF-8, the note saying so is appended to ``notes`` (when given).
    """
    expected = "CSV，首行为字段名"
    header, columns, problems, note = _columns(path, expected)
    if note and notes is not None:
        notes.append(note)
    if header is None:
        return None, problems
    if not header:
        return None, [Problem(path.name, None, None, expected, "空文件")]
    have = columns_text(header)
    missing = [Problem(path.name, c, "表头", f"有列 {c}", f"列缺失（现有列：{have}）")
               for c in required if c not in header]
    if missing:
        return None, missing
    if not (columns and columns[0]) and not allow_empty:
        return None, [Problem(path.name, None, None, "至少一行数据", "没有数据行")]
    # Column by column; a name given twice (only blank names can be) keeps its last column.
    last = {h: i for i, h in enumerate(header)}
    df = pd.DataFrame({h: pd.Series(columns[i], dtype=object) for h, i in last.items()},
                      columns=list(last))
    return df, []


#: Text longer than this (in characters) is parsed by pyarrow's CSV reader
#: (:func:`_fast_columns`): a month's template callbacks or orders, hundreds of thousands of
#: rows, are read ≈ 10 × faster than with the csv module. Smaller files, the hand-kept ones,
#: are read with the csv module.
FAST_CHARS = 1 << 18


def _columns(path: Path, expected: str, *, fast_chars: int | None = None
             ) -> tuple[list[str] | None, list[list[str]], list[Problem], str | None]:
    """A CSV file as ``(header, columns, problems, encoding note)``: every column a list of
    stripped cells, rows whose cells are all blank left out, as :func:`_records` reads it
    (the same header, cells and problems for any file)."""
    text, problems = read_text(path, expected)
    if text is None:
        return None, [], problems, None
    if len(text.text) > (FAST_CHARS if fast_chars is None else fast_chars):
        fast = _fast_columns(text.text)
        if fast is not None:
            note = encoding_note(path.name, text.encoding)
            if note:
                logger.info(note)
            return (*fast, [], note)
    header, rows, problems, note = _records(path, expected, text=text)
    if not header:
        return header, [], problems, note
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in header]
    return header, [[c.strip() for c in col] for col in columns], problems, note


#: Exactly the characters Python's ``str.strip()`` removes (``str.isspace``), as an RE2 class.
_SPACE = "[\t\n\x0b\x0c\r\x1c-\x1f\x85\\p{Z}]"


def _stripped(col: Any) -> list[str]:
    """A pyarrow string column as Python strings, each stripped as ``str.strip()`` strips it:
    only the cells that start or end with a space character are touched (pyarrow's own trim
    differs from Python's for a few control characters)."""
    import pyarrow.compute as pc

    values = col.to_pylist()
    edge = pc.match_substring_regex(col, f"^{_SPACE}|{_SPACE}$")
    if pc.any(edge).as_py():
        for i in np.flatnonzero(edge.to_numpy(zero_copy_only=False)):
            values[i] = values[i].strip()
    return values


def _fast_columns(text: str) -> tuple[list[str], list[list[str]]] | None:
    """``(header, columns)`` of CSV text read by pyarrow, or None for any text whose reading
    the csv module does not reproduce exactly: a row wider or narrower than the header, a
    repeated column name, a field over the csv module's size limit, a quote left in a cell
    (a stray quote, which the two readers could take differently). The caller then reads it
    with the csv module, which reports what is wrong."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pacsv

    first = next((r for r in csv.reader(io.StringIO(text, newline="")) if "".join(r).strip()),
                 None)
    if first is None:
        return None
    names = [f"c{i}" for i in range(len(first))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except (pa.ArrowException, ValueError):
        return None
    limit = csv.field_size_limit()
    for col in table.columns:
        longest = pc.max(pc.utf8_length(col)).as_py()
        if (longest or 0) > limit or pc.any(pc.match_substring(col, '"')).as_py():
            return None
    columns = [_stripped(col) for col in table.columns]
    filled = np.zeros(table.num_rows, dtype=bool)
    for col in columns:
        filled |= np.asarray(col, dtype=object) != ""
    if not filled.all():
        kept = filled.nonzero()[0]
        columns = [[col[i] for i in kept] for col in columns]
    header = [_cell(col[0]) for col in columns]
    named = [h for h in header if h]
    if len(set(named)) < len(named):
        return None  # the csv module's reading names the repeated column
    return header, [col[1:] for col in columns]


def columns_text(header: Sequence[str], limit: int = 200) -> str:
    """The header's names for a problem (``a、b、c``), cut to ``limit`` characters, with a hint
    when the file is separated by semicolons or tabs instead of commas."""
    text = "、".join(h for h in header if h) or "无"
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        text += "；文件似乎不是逗号分隔"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def row_label(i: int) -> str:
    """The spreadsheet row of the ``i``-th data row (0-based; the header is row 1)."""
    return f"第 {i + 2} 行"


def number(text: str) -> float | None:
    """A finite number, or None (empty, text, inf and nan are not numbers)."""
    try:
        v = float(str(text).replace(",", ""))
    except (ValueError, OverflowError):
        return None
    return v if math.isfinite(v) else None


_COUNT_RX = re.compile(r"\d+|\d{1,3}(,\d{3})+")


def count(text: str, limit: int = COUNT_MAX) -> int | None:
    """A non-negative integer ≤ ``limit`` (thousands separators allowed), or None."""
    s = str(text)
    if not _COUNT_RX.fullmatch(s) or len(s) > 20:
        return None
    v = int(s.replace(",", ""))
    return v if v <= limit else None


_DAY_RX = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_day(text: str) -> bool:
    """True for an ISO date ``YYYY-MM-DD`` (ASCII digits)."""
    if not isinstance(text, str) or not _DAY_RX.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
