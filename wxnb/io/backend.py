"""Downloads from the 公众号 backend (mp.weixin.qq.com → 数据分析), read into the datacube shapes.

Five so far, each recognised by its header row, never by its name, and read from an HTML table,
an Excel workbook or a CSV alike; three stand in for API files the month folder lacks, two add
what the 2025 发表内容 endpoints do not report:

* An article's 详情 page → 下载数据明细 (§5.2 c), one workbook a article: its 阅读转化 table gives
  that article's 送达人数; no table names the article, so the file's name is taken as its title.

* 消息分析 → 消息发送 → 详细数据 → 导出CSV (§5.4): ``时间 | 消息发送人数 | 消息发送次数 |
  人均发送次数``, one row a day for every message type together, becomes getupstreammsg rows
  with ``msg_type`` 0 (:data:`ALL_MESSAGE_TYPES`: all types).

* 内容分析 → 已通知内容 → 下载数据明细 (§5.2 b): ``内容标题 | 发表时间 | … | 送达人数 | …``, one
  row per notified article; its 送达人数 is joined to getarticletotaldetail's articles by publish
  day and title (``wxnb.io.datacube``), for 打开率.

* 内容分析 → 数据趋势 → 下载数据明细 (§5.2 a): ``日期 | 阅读次数 | 阅读人数 | 分享次数 | 分享人数 |
  阅读原文次数 | 阅读原文人数 | 收藏次数 | 收藏人数 | 群发篇数 | 渠道``, one row per day and channel
  (全部 and each channel), becomes getuserread rows (:data:`CHANNELS` maps the channels to its
  user_source codes).
* 用户分析 → 用户增长 → 下载表格, the file ``user_analysis.xls``. Despite its name it
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wxnb.io import csvin
from wxnb.io.codes import READ_TOTAL
from wxnb.exceptions import Problem

__all__ = ["ALL_MESSAGE_TYPES", "ArticleDetail", "CHANNELS", "DETAIL_LABEL", "GROWTH_LABEL",
           "MESSAGES_LABEL", "Download", "find_article_details", "read_article_detail",
           "NOTIFIED_LABEL", "find_messages", "read_messages", "SUFFIXES", "TREND_LABEL", "ContentTrend",
           "UserGrowth", "find_content_trend", "find_notified", "find_user_growth",
           "mentions_backend", "mentions_growth", "read_content_trend", "read_notified",
           "read_user_growth", "recognise"]

SUFFIXES = (".xls", ".xlsx", ".html", ".htm", ".csv")
_HEADER = {"时间": "date", "新关注人数": "new", "取消关注人数": "cancel", "净增关注人数": "net",
           "累积关注人数": "cumulate", "累计关注人数": "cumulate"}
_NEEDED = ("date", "new", "cancel", "cumulate")
_BIFF = bytes.fromhex("d0cf11e0a1b11ae1")
_EXPECTED = "公众号后台“用户增长”下载的表格（HTML 表格、Excel 工作簿或 CSV）"
#: What each download stands for (the appendix's and ``wxnb check``'s name for the file).
GROWTH_LABEL = "后台下载：用户增长（无接口文件时代替用户增减与累计用户）"
TREND_LABEL = "后台下载：内容分析 · 数据趋势（无接口文件时代替图文阅读概况）"
NOTIFIED_LABEL = "后台下载：内容分析 · 已通知内容（各篇送达人数，用于 2025 发表内容数据的打开率）"
MESSAGES_LABEL = "后台下载：消息分析 · 消息发送（无接口文件时代替消息发送概况）"
DETAIL_LABEL = "后台下载：单篇文章详情（该篇的送达人数，按文件名中的标题对应文章）"
_YMD = re.compile(r"([0-9]{4})-?([0-9]{2})-?([0-9]{2})")


@dataclass
class UserGrowth:
    """One 用户增长 download: rows in the shapes of getusersummary and getusercumulate."""

    file: str
    summary: list[dict[str, Any]] = field(default_factory=list)
    cumulate: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _rows(path: Path, expected: str = _EXPECTED) -> tuple[list[list[str]] | None, list[Problem]]:
    """The file's table as rows of cell texts (HTML table, workbook or CSV), or its problems
    (``expected`` says what the file should have been)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        return None, [Problem(path.name, None, None, expected,
                              f"无法读取文件（{exc.strerror or exc}）")]
    if is_workbook(head):
        return _workbook_rows(path, expected)
    text, problems = csvin.read_text(path, expected)
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
        return None, [Problem(path.name, None, None, expected, f"CSV 解析失败：{exc}")]


def is_workbook(head: bytes) -> bool:
    """Whether a file starting with ``head`` (its first bytes) is an Excel workbook: BIFF
    (.xls, an OLE2 compound file) or Office Open XML (.xlsx, a zip)."""
    return head.startswith(_BIFF) or head.startswith(b"PK\x03\x04")


def _workbook_rows(path: Path, expected: str) -> tuple[list[list[str]] | None, list[Problem]]:
    """The rows of the workbook's first sheet that has the header row (else its first sheet),
    as cell texts: an Excel date as YYYY-MM-DD, a whole number without ".0"."""
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        sheets = [[[_cell_text(c) for c in row]
                   for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
                  for name in book.sheet_names]
    except Exception as exc:  # noqa: BLE001 - a damaged or protected workbook
        return None, [Problem(path.name, None, None, expected,
                              f"无法读取 Excel 工作簿（{type(exc).__name__}: "
                              f"{csvin.brief(str(exc), 120)}）；可在 Excel 中另存为 CSV（UTF-8）")]
    return next((rows for rows in sheets if _header(rows) is not None
                 or _header(rows, _TREND_HEADER, _TREND_NEEDED) is not None
                 or _header(rows, _NOTIFIED_HEADER, _NOTIFIED_NEEDED) is not None
                 or _header(rows, _MESSAGES_HEADER, _MESSAGES_NEEDED) is not None
                 or _header(rows, _DETAIL_HEADER, _DETAIL_NEEDED, limit=60) is not None),
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


def _header(rows: list[list[str]], names: dict[str, str] | None = None,
            needed: tuple[str, ...] = _NEEDED, limit: int = 20
            ) -> tuple[int, dict[str, int]] | None:
    """The header row's index and each column's position, or None (not this table): the first
    of the first ``limit`` rows that names every ``needed`` column (default: the 用户增长
    table's)."""
    names = _HEADER if names is None else names
    for i, row in enumerate(rows[:limit]):
        cols = {names[c]: j for j, c in enumerate(row) if c in names}
        if all(k in cols for k in needed):
            return i, cols
    return None


def _body(rows: list[list[str]], start: int, cols: dict[str, int]
          ) -> Iterator[tuple[str, dict[str, str]]]:
    """A table's data rows after its header row ``start``: (第 n 行, {column: text}), with
    the empty rows skipped."""
    for i in range(start + 1, len(rows)):
        row = rows[i]
        if any(c.strip() for c in row):
            yield f"第 {i + 1} 行", {k: (row[j] if j < len(row) else "").strip()
                                   for k, j in cols.items()}


def _counts(cell: dict[str, str], keys: tuple[str, ...], labels: dict[str, str], file: str,
            where: str, problems: list[Problem]) -> dict[str, int] | None:
    """The row's counts of ``keys`` (None when one is not a whole number ≥ 0: each named)."""
    values: dict[str, int] = {}
    for key in keys:
        v = csvin.count(cell[key].strip())
        if v is None:
            problems.append(Problem(file, labels[key], where, "非负整数",
                                    csvin.brief(cell[key], 40)))
        else:
            values[key] = v
    return values if len(values) == len(keys) else None


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
    return _read(path, _EXPECTED, _growth_from, month)


def _read(path: Path, expected: str, parse: Callable[..., tuple[Any, list[Problem]]],
          month: str | None) -> tuple[Any, list[Problem]]:
    """``parse`` over the file's rows: what it found and every problem (the file's, its own)."""
    rows, problems = _rows(path, expected)
    if rows is None:
        return None, problems
    found, more = parse(rows, path.name, month)
    return found, problems + more


def _growth_from(rows: list[list[str]], file: str, month: str | None
                 ) -> tuple[UserGrowth | None, list[Problem]]:
    found = _header(rows)
    if found is None:
        return None, []
    start, cols = found
    out, problems = UserGrowth(file), []
    outside = 0
    names = {v: k for k, v in _HEADER.items() if k != "累计关注人数"}
    for where, cell in _body(rows, start, cols):
        day = _day(cell["date"])
        if day is None:
            problems.append(Problem(file, "时间", where, "日期 YYYY-MM-DD",
                                    csvin.brief(cell["date"], 40)))
            continue
        values = _counts(cell, ("new", "cancel", "cumulate"), names, file, where, problems)
        if values is None:
            continue
        net = cell.get("net", "").strip().replace(",", "")
        if net and re.fullmatch(r"-?[0-9]+", net) and int(net) != values["new"] - values["cancel"]:
            problems.append(Problem(file, "净增关注人数", where,
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
    out.notes.append(f"用户增减与累计用户取自后台下载的 {file}（不含来源拆分，新增来源只有合计）")
    if outside:
        out.notes.append(f"{file} 中 {outside} 天不在 {month} 内，未计入")
    return out, problems


#: A workbook larger than this is not opened to look for the header (a download is a few KB).
_WORKBOOK_LIMIT = 20 << 20


# --------------------------------------------------------------------------- 内容分析 · 数据趋势

#: 内容分析 → 数据趋势 → 下载数据明细 (wechat-data-schemas.md §5.2 a): one row per day and channel.
_TREND_HEADER = {"日期": "date", "渠道": "channel", "阅读次数": "int_page_read_count",
                 "阅读人数": "int_page_read_user", "分享次数": "share_count",
                 "分享人数": "share_user", "阅读原文次数": "ori_page_read_count",
                 "阅读原文人数": "ori_page_read_user", "收藏次数": "add_to_fav_count",
                 "收藏人数": "add_to_fav_user"}
_TREND_NEEDED = tuple(_TREND_HEADER.values())
#: The download's channels as getuserread's user_source codes (wxnb.io.codes.READ_SOURCE): the
#: new backend's names for the API's 公众号会话, 好友转发, 历史消息页 and 看一看. The API documents
#: both lists but not this correspondence; it follows the order and meaning of the two lists.
CHANNELS = {"全部": READ_TOTAL, "公众号消息": 0, "聊天会话": 1, "朋友圈": 2, "公众号主页": 4,
            "其他": 5, "推荐": 6, "搜一搜": 7}
_TREND_EXPECTED = "公众号后台“内容分析 → 数据趋势”下载的数据明细（HTML 表格、Excel 工作簿或 CSV）"


@dataclass
class ContentTrend:
    """One 数据趋势 download: rows in the shape of getuserread, one per day and channel."""

    file: str
    read: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_content_trend(path: Path, month: str | None = None
                       ) -> tuple[ContentTrend | None, list[Problem]]:
    """The file's 数据趋势 rows within ``month`` (every day when None) as getuserread rows;
    (None, []) when the file is not such a table. Problems name the file, the column, the row
    and what was expected: a date, a known channel, a count, one row per day and channel."""
    return _read(path, _TREND_EXPECTED, _trend_from, month)


def _trend_from(rows: list[list[str]], file: str, month: str | None
                ) -> tuple[ContentTrend | None, list[Problem]]:
    found = _header(rows, _TREND_HEADER, _TREND_NEEDED)
    if found is None:
        return None, []
    start, cols = found
    names = {v: k for k, v in _TREND_HEADER.items()}
    out, problems, outside = ContentTrend(file), [], 0
    seen: dict[tuple[str, int], str] = {}
    for where, cell in _body(rows, start, cols):
        day = _day(cell["date"])
        if day is None:
            problems.append(Problem(file, "日期", where, "日期 YYYYMMDD 或 YYYY-MM-DD",
                                    csvin.brief(cell["date"], 40)))
            continue
        code = CHANNELS.get(cell["channel"])
        if code is None:
            problems.append(Problem(file, "渠道", where, "、".join(CHANNELS),
                                    csvin.brief(cell["channel"], 40)))
            continue
        values = _counts(cell, _TREND_NEEDED[2:], names, file, where, problems)
        if values is None:
            continue
        if (day, code) in seen:
            problems.append(Problem(file, "渠道", where, f"每天每个渠道一行（{day} "
                                    f"{cell['channel']} 已在{seen[day, code]}）", cell["channel"]))
            continue
        seen[day, code] = where
        if month is not None and not day.startswith(month):
            outside += 1
            continue
        out.read.append({"ref_date": day, "user_source": code, **values, "_row": where})
    out.notes.append(f"图文阅读概况取自后台下载的 {file}（内容分析 · 数据趋势；渠道按"
                     "公众号消息→会话、聊天会话→好友转发、公众号主页→历史消息页、推荐→看一看对应）")
    if outside:
        out.notes.append(f"{file} 中 {outside} 行不在 {month} 内，未计入")
    return out, problems


@dataclass
class Download:
    """One download read as rows: 消息发送's in the shape of getupstreammsg (msg_type 0: every
    type), 已通知内容's as each notified article's publish day, title and 送达人数."""

    file: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- 消息分析 · 消息发送

#: 消息分析 → 消息发送 → 详细数据 → 导出CSV (wechat-data-schemas.md §5.4): one row a day, every
#: message type together: ``时间 | 消息发送人数 | 消息发送次数 | 人均发送次数``.
_MESSAGES_HEADER = {"时间": "date", "日期": "date", "消息发送人数": "msg_user",
                    "消息发送次数": "msg_count", "人均发送次数": "per_user"}
_MESSAGES_NEEDED = ("date", "msg_user", "msg_count")
_MESSAGES_EXPECTED = "公众号后台“消息分析 → 消息发送 → 详细数据”按日导出的 CSV"
#: The message type of the download's rows: all types together (getupstreammsg splits them).
ALL_MESSAGE_TYPES = 0


def read_messages(path: Path, month: str | None = None) -> tuple[Download | None, list[Problem]]:
    """The file's 消息发送 rows within ``month`` (all when None); (None, []) when it is not
    such a table. Problems name the file, the column and the row: a day (the download must be
    the daily view), counts, 次数 ≥ 人数."""
    return _read(path, _MESSAGES_EXPECTED, _messages_from, month)


def _messages_from(rows: list[list[str]], file: str, month: str | None
                   ) -> tuple[Download | None, list[Problem]]:
    found = _header(rows, _MESSAGES_HEADER, _MESSAGES_NEEDED)
    if found is None:
        return None, []
    start, cols = found
    names = {"msg_user": "消息发送人数", "msg_count": "消息发送次数"}
    out, problems, outside = Download(file), [], 0
    for where, cell in _body(rows, start, cols):
        day = _day(cell["date"])
        if day is None:
            problems.append(Problem(file, "时间", where, "日期 YYYY-MM-DD（按日导出的明细）",
                                    csvin.brief(cell["date"], 40)))
            continue
        values = _counts(cell, ("msg_user", "msg_count"), names, file, where, problems)
        if values is None:
            continue
        if values["msg_count"] < values["msg_user"]:
            problems.append(Problem(file, "消息发送次数", where,
                                    f"不少于消息发送人数（{values['msg_user']}）",
                                    str(values["msg_count"])))
            continue
        if month is not None and not day.startswith(month):
            outside += 1
            continue
        out.rows.append({"ref_date": day, "msg_type": ALL_MESSAGE_TYPES, **values,
                         "_row": where})
    out.notes.append(f"消息发送概况取自后台下载的 {file}（消息分析 · 消息发送，各类消息合计，"
                     "不分类型）")
    if outside:
        out.notes.append(f"{file} 中 {outside} 天不在 {month} 内，未计入")
    return out, problems


def find_messages(folder: Path, claimed: set[Path], month: str
                  ) -> tuple[Download | None, list[Problem]]:
    """The month folder's 消息发送 download (the first among files the datacube did not
    claim), or None; with the problems of the one found."""
    return _find(folder, claimed, month, read_messages, "消息发送人数")


# --------------------------------------------------------------------------- 单篇文章详情

#: An article's 详情 page → 下载数据明细 (wechat-data-schemas.md §5.2 c): several tables in one
#: workbook; its 阅读转化 table (``送达人数 | 公众号消息阅读次数 | 首次分享次数 | 总分享次数 |
#: 分享产生的阅读次数``, one row) holds the article's 送达人数. No table names the article: its
#: title is the file's name, as the analyst saved it.
_DETAIL_HEADER = {"送达人数": "delivered", "公众号消息阅读次数": "push_reads",
                  "首次分享次数": "first_shares", "总分享次数": "shares",
                  "分享产生的阅读次数": "share_reads", "内容标题": "title"}
_DETAIL_NEEDED = ("delivered", "push_reads", "first_shares")
_DETAIL_EXPECTED = "公众号后台单篇文章“详情 → 下载数据明细”（含“阅读转化”表：送达人数、公众号消息阅读次数…）"


@dataclass
class ArticleDetail:
    """One 单篇文章详情 download: the article (by the file's name) and its 送达人数."""

    file: str
    title: str
    delivered: int


def read_article_detail(path: Path, month: str | None = None
                        ) -> tuple[ArticleDetail | None, list[Problem]]:
    """The file's 送达人数 (from its 阅读转化 table) and the title its name gives; (None, [])
    when the file is not such a download (the 已通知内容 list, with its 内容标题 column, is
    not)."""
    return _read(path, _DETAIL_EXPECTED, _detail_from, month)


def _detail_from(rows: list[list[str]], file: str, month: str | None
                 ) -> tuple[ArticleDetail | None, list[Problem]]:
    found = _header(rows, _DETAIL_HEADER, _DETAIL_NEEDED, limit=60)
    if found is None or "title" in found[1]:
        return None, []
    start, cols = found
    j = cols["delivered"]
    for i in range(start + 1, min(start + 4, len(rows))):
        cell = rows[i][j].strip() if j < len(rows[i]) else ""
        if not cell:
            continue
        delivered = csvin.count(cell)
        if delivered is None:
            return None, [Problem(file, "送达人数", f"第 {i + 1} 行", "非负整数",
                                  csvin.brief(cell, 40))]
        return ArticleDetail(file, Path(file).stem, delivered), []
    return None, [Problem(file, "送达人数", f"第 {start + 2} 行", "阅读转化表头下一行的数值", "空")]


def find_article_details(folder: Path, claimed: set[Path]
                         ) -> tuple[list[ArticleDetail], list[Problem]]:
    """Every 单篇文章详情 download of the month folder (files the datacube did not claim)."""
    out: list[ArticleDetail] = []
    problems: list[Problem] = []
    for path in sorted(Path(folder).iterdir()):
        if not path.is_file() or path in claimed or path.suffix.lower() not in SUFFIXES \
                or not mentions_backend(path, "首次分享次数"):
            continue
        found, more = read_article_detail(path)
        problems.extend(more)
        if found is not None:
            out.append(found)
    return out, problems


# --------------------------------------------------------------------------- 内容分析 · 已通知内容

#: 内容分析 → 已通知内容 → 下载数据明细 (wechat-data-schemas.md §5.2 b): one row per notified
#: article with its 送达人数, the figure the 2025 发表内容 endpoints do not report. Header
#: spellings drift between backend versions (发表时间/发表日期, 总阅读人数/阅读人数).
_NOTIFIED_HEADER = {"内容标题": "title", "发表时间": "date", "发表日期": "date",
                    "送达人数": "delivered", "总阅读人数": "readers", "阅读人数": "readers",
                    "公众号消息阅读次数": "push_reads", "内容url": "url"}
_NOTIFIED_NEEDED = ("title", "date", "delivered")
_NOTIFIED_EXPECTED = "公众号后台“内容分析 → 已通知内容”下载的数据明细（HTML 表格、Excel 工作簿或 CSV）"




def read_notified(path: Path, month: str | None = None) -> tuple[Download | None, list[Problem]]:
    """The file's 已通知内容 rows published within ``month`` (all when None); (None, []) when
    the file is not such a table. Problems name the file, the column, the row and what was
    expected: a title, a date (a time after it is fine), a count of 送达人数."""
    return _read(path, _NOTIFIED_EXPECTED, _notified_from, month)


def _notified_from(rows: list[list[str]], file: str, month: str | None
                   ) -> tuple[Download | None, list[Problem]]:
    found = _header(rows, _NOTIFIED_HEADER, _NOTIFIED_NEEDED)
    if found is None:
        return None, []
    start, cols = found
    out, problems, outside = Download(file), [], 0
    for where, cell in _body(rows, start, cols):
        day = _day(cell["date"].split(" ")[0].split("T")[0])
        if day is None:
            problems.append(Problem(file, "发表时间", where, "日期 YYYY-MM-DD（可带时间）",
                                    csvin.brief(cell["date"], 40)))
            continue
        if not cell["title"]:
            problems.append(Problem(file, "内容标题", where, "文章标题", "空"))
            continue
        delivered = csvin.count(cell["delivered"])
        if delivered is None:
            problems.append(Problem(file, "送达人数", where, "非负整数",
                                    csvin.brief(cell["delivered"], 40)))
            continue
        if month is not None and not day.startswith(month):
            outside += 1
            continue
        out.rows.append({"ref_date": day, "title": cell["title"], "delivered": delivered,
                         "_row": where})
    if outside:
        out.notes.append(f"{file} 中 {outside} 篇不是 {month} 发表的，未计入")
    return out, problems


def find_notified(folder: Path, claimed: set[Path], month: str
                  ) -> tuple[Download | None, list[Problem]]:
    """The month folder's 已通知内容 download (the first among files the datacube did not
    claim), or None; with the problems of the one found."""
    return _find(folder, claimed, month, read_notified, "送达人数")


def find_content_trend(folder: Path, claimed: set[Path], month: str
                       ) -> tuple[ContentTrend | None, list[Problem]]:
    """The month folder's 数据趋势 download (the first among files the datacube did not claim),
    or None; with the problems of the one found."""
    return _find(folder, claimed, month, read_content_trend, "阅读次数")


def _find(folder: Path, claimed: set[Path], month: str, read: Callable[..., Any], word: str,
          name: str = "") -> tuple[Any, list[Problem]]:
    """The first file of ``folder`` not ``claimed`` that ``read`` recognises (looked at only
    when it may be a download naming ``word``, or is named ``name*``); with its problems, also
    those of a file named ``name*`` that could not be read as one."""
    for path in sorted(Path(folder).iterdir()):
        if not path.is_file() or path in claimed or path.suffix.lower() not in SUFFIXES:
            continue
        named = bool(name) and path.name.lower().startswith(name)
        if not named and not mentions_backend(path, word):
            continue  # a large CSV of another kind (orders) is never parsed here
        found, problems = read(path, month)
        if found is not None or (problems and named):
            return found, problems
    return None, []


def recognise(path: Path) -> tuple[str, list[str]] | None:
    """Which backend download the file is, as (what it stands for, its days), or None."""
    if path.suffix.lower() not in SUFFIXES or not mentions_backend(path):
        return None
    rows, _ = _rows(path)
    if rows is None:
        return None
    growth, _ = _growth_from(rows, path.name, None)
    if growth is not None:
        return GROWTH_LABEL, [r["ref_date"] for r in growth.summary]
    trend, _ = _trend_from(rows, path.name, None)
    if trend is not None:
        return TREND_LABEL, [r["ref_date"] for r in trend.read if r["user_source"] == READ_TOTAL]
    notified, _ = _notified_from(rows, path.name, None)
    if notified is not None:
        return NOTIFIED_LABEL, sorted({r["ref_date"] for r in notified.rows})
    messages, _ = _messages_from(rows, path.name, None)
    if messages is not None:
        return MESSAGES_LABEL, [r["ref_date"] for r in messages.rows]
    detail, _ = _detail_from(rows, path.name, None)
    if detail is not None:
        return DETAIL_LABEL, []
    return None


def mentions_backend(path: Path, *words: str) -> bool:
    """Whether the file may be a backend download: a workbook of at most 20 MB, or its first
    64 KB name one of ``words`` (default: 新关注人数, 阅读次数, 送达人数 or 消息发送人数) in UTF-8,
    GB18030 or UTF-16."""
    words = words or ("新关注人数", "阅读次数", "送达人数", "消息发送人数", "首次分享次数")
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
        if is_workbook(head):
            return path.stat().st_size <= _WORKBOOK_LIMIT
    except OSError:
        return False
    return any(w in head.decode(enc, errors="ignore")
               for enc in ("utf-8", "gb18030", "utf-16") for w in words)


def mentions_growth(path: Path) -> bool:
    """Whether the file may be a 用户增长 download (it names 新关注人数, or is a workbook)."""
    return mentions_backend(path, "新关注人数")


def find_user_growth(folder: Path, claimed: set[Path], month: str
                     ) -> tuple[UserGrowth | None, list[Problem]]:
    """The month folder's 用户增长 download (the first such table among files the datacube did
    not claim), or None; with the problems of the one found."""
    return _find(folder, claimed, month, read_user_growth, "新关注人数", "user_analysis")
