"""Downloads from the 公众号 backend (mp.weixin.qq.com → 数据分析), read into the datacube shapes.

So far one: 用户分析 → 用户增长 → 下载表格, the file ``user_analysis.xls``. Despite its name it
is usually an HTML ``<table>`` saved with a .xls extension (``wechat-data-schemas.md`` §5.1);
opened and saved again in Excel or WPS it is a real workbook (BIFF ``.xls`` or ``.xlsx``, read
with python-calamine: the first sheet that has the header row, dates as Excel dates or text) or
a CSV. It is recognised by its header row, wherever that row is (a title row 用户增长 may come
first), never by its name::

    时间 | 新关注人数 | 取消关注人数 | 净增关注人数 | 累积关注人数 (or 累计关注人数)

One row per day becomes a getusersummary row (``user_source`` 0: the download has no split by
source, so section 01's table of sources shows the total only) and a getusercumulate row. The
datacube loader uses them for a month folder that has no getusersummary / getusercumulate files
(``wxnb.io.datacube``); the API's files win when both are there.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wxnb.io import csvin
from wxnb.exceptions import Problem

__all__ = ["SUFFIXES", "UserGrowth", "find_user_growth", "mentions_growth", "read_user_growth"]

SUFFIXES = (".xls", ".xlsx", ".html", ".htm", ".csv")
_HEADER = {"时间": "date", "新关注人数": "new", "取消关注人数": "cancel", "净增关注人数": "net",
           "累积关注人数": "cumulate", "累计关注人数": "cumulate"}
_NEEDED = ("date", "new", "cancel", "cumulate")
_BIFF = bytes.fromhex("d0cf11e0a1b11ae1")
_EXPECTED = "公众号后台“用户增长”下载的表格（HTML 表格、Excel 工作簿或 CSV）"
_YMD = re.compile(r"([0-9]{4})-?([0-9]{2})-?([0-9]{2})")


@dataclass
class UserGrowth:
    """One 用户增长 download: rows in the shapes of getusersummary and getusercumulate."""

    file: str
    summary: list[dict[str, Any]] = field(default_factory=list)
    cumulate: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _rows(path: Path) -> tuple[list[list[str]] | None, list[Problem]]:
    """The file's table as rows of cell texts (HTML table or CSV), or its problems."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        return None, [Problem(path.name, None, None, _EXPECTED,
                              f"无法读取文件（{exc.strerror or exc}）")]
    if is_workbook(head):
        return _workbook_rows(path)
    text, problems = csvin.read_text(path, _EXPECTED)
    if text is None:
        return None, problems
    body = text.text.lstrip("\ufeff").lstrip()
    if body.startswith("<") and "<tr" in body[:65536].lower():
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(body, "html.parser")
        return [[" ".join(c.get_text(" ").split()) for c in tr.find_all(["th", "td"])]
                for tr in soup.find_all("tr")], []
    try:
        return [[c.strip() for c in r] for r in csv.reader(io.StringIO(body, newline=""))], []
    except csv.Error as exc:
        return None, [Problem(path.name, None, None, _EXPECTED, f"CSV 解析失败：{exc}")]


def is_workbook(head: bytes) -> bool:
    """Whether a file starting with ``head`` (its first bytes) is an Excel workbook: BIFF
    (.xls, an OLE2 compound file) or Office Open XML (.xlsx, a zip)."""
    return head.startswith(_BIFF) or head.startswith(b"PK\x03\x04")


def _workbook_rows(path: Path) -> tuple[list[list[str]] | None, list[Problem]]:
    """The rows of the workbook's first sheet that has the header row (else its first sheet),
    as cell texts: an Excel date as YYYY-MM-DD, a whole number without ".0"."""
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        sheets = [[[_cell_text(c) for c in row]
                   for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
                  for name in book.sheet_names]
    except Exception as exc:  # noqa: BLE001 - a damaged or protected workbook
        return None, [Problem(path.name, None, None, _EXPECTED,
                              f"无法读取 Excel 工作簿（{type(exc).__name__}: "
                              f"{csvin.brief(str(exc), 120)}）；可在 Excel 中另存为 CSV（UTF-8）")]
    return next((rows for rows in sheets if _header(rows) is not None),
                sheets[0] if sheets else []), []


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _header(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    """The header row's index and each needed column's position, or None (not this table)."""
    for i, row in enumerate(rows[:20]):
        cols = {_HEADER[c]: j for j, c in enumerate(row) if c in _HEADER}
        if all(k in cols for k in _NEEDED):
            return i, cols
    return None


def _day(text: str) -> str | None:
    m = _YMD.fullmatch(text.strip())
    if m is None:
        return None
    day = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return day if csvin.is_day(day) else None


def read_user_growth(path: Path, month: str | None = None
                     ) -> tuple[UserGrowth | None, list[Problem]]:
    """The file's 用户增长 rows within ``month`` (every day when None); (None, []) when the
    file is not such a table.

    Problems name the file, the column, the row (第 n 行 of the table, header included) and
    what was expected: a date, a count, 净增 = 新关注 − 取消关注.
    """
    rows, problems = _rows(path)
    if rows is None:
        return None, problems
    found = _header(rows)
    if found is None:
        return None, []
    start, cols = found
    out = UserGrowth(path.name)
    outside = 0
    names = {v: k for k, v in _HEADER.items() if k != "累计关注人数"}
    for i in range(start + 1, len(rows)):
        row, where = rows[i], f"第 {i + 1} 行"
        if not any(c.strip() for c in row):
            continue
        cell = {k: (row[j] if j < len(row) else "") for k, j in cols.items()}
        day = _day(cell["date"])
        if day is None:
            problems.append(Problem(path.name, "时间", where, "日期 YYYY-MM-DD",
                                    csvin.brief(cell["date"], 40)))
            continue
        values: dict[str, int] = {}
        for key in ("new", "cancel", "cumulate"):
            v = csvin.count(cell[key].strip())
            if v is None:
                problems.append(Problem(path.name, names[key], where, "非负整数",
                                        csvin.brief(cell[key], 40)))
            else:
                values[key] = v
        if len(values) < 3:
            continue
        net = cell.get("net", "").strip().replace(",", "")
        if net and re.fullmatch(r"-?[0-9]+", net) and int(net) != values["new"] - values["cancel"]:
            problems.append(Problem(path.name, "净增关注人数", where,
                                    f"新关注人数 − 取消关注人数 = {values['new'] - values['cancel']}",
                                    net))
            continue
        if month is not None and not day.startswith(month):
            outside += 1
            continue
        out.summary.append({"ref_date": day, "user_source": 0, "new_user": values["new"],
                            "cancel_user": values["cancel"], "_row": where})
        out.cumulate.append({"ref_date": day, "cumulate_user": values["cumulate"],
                             "_row": where})
    out.notes.append(f"用户增减与累计用户取自后台下载的 {path.name}（不含来源拆分，新增来源只有合计）")
    if outside:
        out.notes.append(f"{path.name} 中 {outside} 天不在 {month} 内，未计入")
    return out, problems


#: A workbook larger than this is not opened to look for the header (a download is a few KB).
_WORKBOOK_LIMIT = 20 << 20


def mentions_growth(path: Path) -> bool:
    """Whether the file may be a 用户增长 download: its first 64 KB name the column 新关注人数
    (in UTF-8, GB18030 or UTF-16), or it is a workbook of at most 20 MB (whose compressed or
    binary cells only reading it tells)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
        if is_workbook(head):
            return path.stat().st_size <= _WORKBOOK_LIMIT
    except OSError:
        return False
    return any("新关注人数" in head.decode(enc, errors="ignore")
               for enc in ("utf-8", "gb18030", "utf-16"))


def find_user_growth(folder: Path, claimed: set[Path], month: str
                     ) -> tuple[UserGrowth | None, list[Problem]]:
    """The month folder's 用户增长 download (the first such table among files the datacube did
    not claim), or None; with the problems of the one found."""
    for path in sorted(Path(folder).iterdir()):
        if not path.is_file() or path in claimed or path.suffix.lower() not in SUFFIXES:
            continue
        if not path.name.lower().startswith("user_analysis") and not mentions_growth(path):
            continue  # a large CSV of another kind (orders) is never parsed here
        growth, problems = read_user_growth(path, month)
        if growth is not None or (problems and path.name.lower().startswith("user_analysis")):
            return growth, problems
    return None, []
