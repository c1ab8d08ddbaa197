"""Reading and validating section 14's inputs: the 视频号助手 (WeChat Channels assistant)
exports and the files that link the Channels account with the official account.

Inputs of one month folder (all read-only; CSV in any encoding of ``wxnb.io.csvin``, or the
export as an Excel workbook ``.xlsx`` / ``.xls``, read from the first sheet that has the header):

* ``channels_videos*.csv|xlsx|xls`` (required; several files are read together, e.g. weekly
  downloads): 视频号助手 → 数据中心 → 作品数据 → 单篇作品, one row per video. The header row is
  found by its labels among the first 20 rows (a title row may come first); header strings drift
  between backend versions, so each column has several accepted names (:data:`VIDEO_COLUMNS`;
  a unit in parentheses such as ``播放量(次)`` is ignored). Required: 发表时间, 播放量, 点赞, 分享.
  Optional: 标题/描述, 视频ID, 评论, 关注 (followers the *Channels account* gained, not the
  official account's), 完播率 (``41.2%`` or a fraction 0–1), 订阅号消息播放量 (plays from the
  official account's message feed) and 是否挂公众号文章链接 (是/否/1/0/有/无, or the link itself:
  an ``mp.weixin.qq.com`` address counts as 是, another address or an empty cell as 否). Note:
  the assistant's 点赞 is the heart (``favCount`` in its web API); its 朋友♡ / 推荐 counter
  (``likeCount``) is another figure and is not read.
* ``channels_lives*.csv|xlsx|xls`` (optional): 视频号助手 → 直播 → 直播数据, one row per live:
  开播时间, 预约人数, 观看人数 (required), 直播标题, 直播ID, 预约观看人数 (reservers who watched;
  without it no reservation→attendance *rate* can be measured, only the multiple
  观看 ÷ 预约), 最高在线, 直播时长 (``1:30:00``, ``90分钟``, ``1小时30分``; a bare number is
  minutes), 新增关注 (Channels followers) and 是否公众号预热 (是/否: the live was announced in an
  official-account article or its reservation card).
* ``oa_channel_cards*.csv|xlsx|xls`` (optional): the official-account articles that embedded a
  Channels video card, one row per (article, video): 视频ID and/or 视频标题 (one is required),
  文章标题, 发表日期 and msgid optional. A row is matched to a video by id, else by title (NFKC,
  no spaces); rows that match no video of the month are named in a note, not an error.
* ``channels_audience_overlap*.csv|xlsx|xls`` (optional): the *measured* overlap of the two
  audiences, from a unionid-level join (e.g. live reservation lists or 视频号小店 orders against
  the follower list), in one of two shapes: one row per person, ``用户标识`` (hashed unionid),
  ``公众号`` and ``视频号`` (是/否: seen in that audience); or one row of counts, ``公众号用户数,
  视频号用户数, 重合用户数``. Without this file the overlap is 未提供, never assumed.

Rows whose 发表时间 / 开播时间 falls outside the month are left out and counted in a note (the
assistant exports the last 7/30 days, which cross months). A second row for the same video (same
视频ID, or same time and title) or the same live is an error. Every problem names the file, the
column (as the file writes it), the row (第 n 行, header = the header row's line) and what was
expected, and all of them are raised together.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import csvin
from wxnb.io.datacube import title_key

__all__ = [
    "API_FIELDS",
    "CARDS_FILE",
    "CARDS_GLOB",
    "CARD_COLUMNS",
    "ChannelsInputs",
    "Column",
    "LABELS",
    "LIVES_FILE",
    "LIVES_GLOB",
    "LIVE_COLUMNS",
    "OVERLAP_COUNT_COLUMNS",
    "OVERLAP_FILE",
    "OVERLAP_GLOB",
    "OVERLAP_ID_COLUMNS",
    "Overlap",
    "SUFFIXES",
    "VIDEOS_FILE",
    "VIDEOS_GLOB",
    "VIDEO_COLUMNS",
    "load",
    "parse_duration",
    "parse_rate",
    "parse_time",
]

VIDEOS_GLOB = "channels_videos*"
LIVES_GLOB = "channels_lives*"
CARDS_GLOB = "oa_channel_cards*"
OVERLAP_GLOB = "channels_audience_overlap*"
SUFFIXES = (".csv", ".xlsx", ".xls")
#: The names the report uses when it says which file would enable a figure.
VIDEOS_FILE = "channels_videos.csv"
LIVES_FILE = "channels_lives.csv"
CARDS_FILE = "oa_channel_cards.csv"
OVERLAP_FILE = "channels_audience_overlap.csv"
#: What each file is (for the appendix's list of files and ``wxnb check``).
LABELS: dict[str, str] = {
    VIDEOS_GLOB: "视频号助手：单篇视频数据",
    LIVES_GLOB: "视频号助手：直播数据",
    CARDS_GLOB: "公众号文章嵌入的视频号卡片",
    OVERLAP_GLOB: "公众号与视频号受众重合（unionid 实测）",
}
HEADER_ROWS = 20  # the header row is looked for among the first rows of the file


@dataclass(frozen=True)
class Column:
    """One column: its key, the header names accepted for it, whether it must be there."""

    key: str
    labels: tuple[str, ...]
    required: bool = False


VIDEO_COLUMNS: tuple[Column, ...] = (
    Column("published", ("发表时间", "发布时间", "发表日期", "发布日期", "创建时间", "createtime",
                         "published"), True),
    Column("title", ("标题", "视频标题", "作品标题", "视频描述", "作品描述", "描述", "作品名称",
                     "title")),
    Column("video_id", ("视频id", "作品id", "视频号id", "objectid", "exportid", "video_id")),
    Column("plays", ("播放量", "播放次数", "播放数", "浏览量", "readcount", "plays"), True),
    Column("likes", ("点赞", "点赞量", "点赞数", "点赞次数", "喜欢", "喜欢数", "favcount", "likes"),
           True),
    Column("shares", ("分享", "分享量", "分享数", "分享次数", "转发", "转发量", "转发数", "转发次数",
                      "forwardcount", "forwardaggregationcount", "shares"), True),
    Column("comments", ("评论", "评论量", "评论数", "评论次数", "commentcount", "comments")),
    Column("follows", ("关注", "关注量", "新增关注", "新增关注数", "涨粉", "涨粉量", "followcount",
                       "follows")),
    Column("completion", ("完播率", "fullplayrate", "completion_rate")),
    Column("oa_msg_plays", ("订阅号消息播放量", "公众号消息播放量", "oa_msg_plays")),
    Column("has_oa_link", ("是否挂公众号文章链接", "挂公众号文章链接", "公众号文章链接", "公众号链接",
                           "挂公众号链接", "扩展链接", "has_oa_link")),
)
LIVE_COLUMNS: tuple[Column, ...] = (
    Column("started", ("开播时间", "直播开始时间", "开始时间", "直播时间", "开播日期", "start_time"),
           True),
    Column("title", ("直播标题", "标题", "直播主题", "主题", "title")),
    Column("live_id", ("直播id", "场次id", "live_id")),
    Column("reservations", ("预约人数", "预约数", "预约用户数", "reservations"), True),
    Column("viewers", ("观看人数", "累计观看人数", "观看用户数", "场观", "viewers"), True),
    Column("reserved_viewers", ("预约观看人数", "预约用户观看人数", "预约到场人数", "reserved_viewers")),
    Column("peak", ("最高在线", "最高在线人数", "在线峰值", "peak_online")),
    Column("duration", ("直播时长", "时长", "duration")),
    Column("follows", ("新增关注", "新增关注人数", "涨粉", "涨粉量", "关注", "follows")),
    Column("promoted", ("是否公众号预热", "公众号预热", "是否公众号预约", "公众号预约", "推文预热",
                        "是否推文预热", "promoted_in_oa")),
)
CARD_COLUMNS: tuple[Column, ...] = (
    Column("article", ("文章标题", "公众号文章", "文章", "article_title")),
    Column("article_date", ("发表日期", "文章发表日期", "发表时间", "article_date")),
    Column("msgid", ("msgid", "文章id")),
    Column("video_id", ("视频id", "作品id", "objectid", "exportid", "video_id")),
    Column("video_title", ("视频标题", "视频描述", "作品标题", "video_title")),
)
OVERLAP_ID_COLUMNS: tuple[Column, ...] = (
    Column("user", ("用户标识", "unionid", "unionid_hash", "哈希unionid", "用户"), True),
    Column("in_oa", ("公众号", "公众号粉丝", "是否公众号粉丝", "in_oa"), True),
    Column("in_channels", ("视频号", "视频号观众", "是否视频号观众", "in_channels"), True),
)
OVERLAP_COUNT_COLUMNS: tuple[Column, ...] = (
    Column("oa_users", ("公众号用户数", "公众号粉丝数", "oa_users"), True),
    Column("channels_users", ("视频号用户数", "视频号观众数", "channels_users"), True),
    Column("both_users", ("重合用户数", "两者皆是", "both_users"), True),
    Column("method", ("口径", "测量方法", "method")),
)

#: Raw field names (the assistant's web API and the English aliases): never in the management
#: layer of the report.
API_FIELDS: tuple[str, ...] = (
    "readCount", "likeCount", "favCount", "forwardCount", "forwardAggregationCount",
    "commentCount", "followCount", "fullPlayRate", "createTime", "objectId", "exportId",
    "video_id", "has_oa_link", "oa_msg_plays", "completion_rate", "start_time", "live_id",
    "reserved_viewers", "peak_online", "promoted_in_oa", "article_title", "article_date",
    "video_title", "unionid_hash", "in_oa", "in_channels", "oa_users", "channels_users",
    "both_users", "user_source", "new_user", "cancel_user",
)

_TRUE = {"是", "1", "有", "y", "yes", "true", "已挂", "已预热"}
_FALSE = {"否", "0", "无", "n", "no", "false", "未挂", "未预热", "", "-", "—"}
_WAN = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*[万wW]")


# --------------------------------------------------------------------------- values


def _norm(label: str) -> str:
    """A header as compared: NFKC, no spaces, no unit in parentheses, lower case."""
    text = unicodedata.normalize("NFKC", str(label)).lstrip("\ufeff")
    text = re.sub(r"\([^()]*\)$", "", "".join(text.split()))
    return text.lower()


_TIME_RX = re.compile(
    r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?"
    r"(?:[ T]+([0-9]{1,2})[:：]([0-9]{2})(?:[:：]([0-9]{2}))?)?")


def parse_time(text: str) -> dt.datetime | None:
    """``2026-10-03 20:00[:00]``, ``2026/10/3``, ``2026年10月3日 20:00``, ``20261003`` or Unix
    seconds (10 digits, Beijing time) as a naive datetime; None when it is none of these."""
    s = unicodedata.normalize("NFKC", str(text)).strip()
    if re.fullmatch(r"[0-9]{8}", s):
        s = f"{s[:4]}-{s[4:6]}-{s[6:]}"
    elif re.fullmatch(r"1[0-9]{9}", s):
        return dt.datetime.fromtimestamp(int(s), dt.timezone(dt.timedelta(hours=8))).replace(
            tzinfo=None)
    m = _TIME_RX.fullmatch(s)
    if m is None:
        return None
    parts = [int(g) if g else 0 for g in m.groups()]
    try:
        return dt.datetime(*parts)  # type: ignore[arg-type]
    except ValueError:
        return None


def _count(text: str) -> tuple[int | None, bool]:
    """A count and whether it was written in 万 (rounded by the backend); (None, False) when it
    is not a count. ``1,234``, ``1234.0`` (Excel) and ``1.2万`` are counts."""
    s = unicodedata.normalize("NFKC", str(text)).strip()
    m = _WAN.fullmatch(s)
    if m:
        v = round(float(m.group(1)) * 10_000)
        return (v if v <= csvin.COUNT_MAX else None), True
    if re.fullmatch(r"[0-9]+\.0+", s):
        s = s.split(".")[0]
    return csvin.count(s), False


def parse_rate(text: str) -> float | None:
    """``41.2%`` or a fraction ``0.412`` as a fraction in [0, 1]; None otherwise (a bare number
    above 1 is ambiguous and refused)."""
    s = unicodedata.normalize("NFKC", str(text)).strip()
    pct = s.endswith("%")
    v = csvin.number(s[:-1] if pct else s)
    if v is None:
        return None
    v = v / 100 if pct else v
    return v if 0 <= v <= 1 else None


_DURATION_RX = re.compile(r"(?:([0-9]+(?:\.[0-9]+)?)\s*(?:小时|h))?\s*"
                          r"(?:([0-9]+(?:\.[0-9]+)?)\s*(?:分钟|分|min|m))?\s*"
                          r"(?:([0-9]+(?:\.[0-9]+)?)\s*(?:秒|s))?", re.IGNORECASE)


def parse_duration(text: str) -> float | None:
    """A duration in minutes: ``1:30:00`` (H:MM:SS), ``90分钟``, ``1小时30分``, ``45min``,
    ``5400秒`` or a bare number of minutes; None otherwise."""
    s = unicodedata.normalize("NFKC", str(text)).strip()
    if not s:
        return None
    m = re.fullmatch(r"([0-9]+):([0-5][0-9]):([0-5][0-9])", s)
    if m:
        h, mi, se = (int(g) for g in m.groups())
        return h * 60 + mi + se / 60
    v = csvin.number(s)
    if v is not None:
        return v if v >= 0 else None
    m = _DURATION_RX.fullmatch(s)
    if m is None or not any(m.groups()):
        return None
    h, mi, se = (float(g) if g else 0.0 for g in m.groups())
    return h * 60 + mi + se / 60


def _flag(text: str, *, link: bool = False) -> bool | None:
    s = unicodedata.normalize("NFKC", str(text)).strip()
    if link and re.match(r"https?://", s, re.IGNORECASE):
        return "mp.weixin.qq.com" in s.lower()
    low = s.lower()
    return True if low in _TRUE else False if low in _FALSE else None


# --------------------------------------------------------------------------- tables


@dataclass
class _Table:
    """One file's table: its rows after the header row, each column's position."""

    file: str
    header_line: int  # 1-based line of the header row
    cols: dict[str, int]
    names: dict[str, str]  # key → the header as the file writes it
    rows: list[tuple[str, dict[str, str]]]  # (第 n 行, {key: text})


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(" ", timespec="minutes") if value.time() != dt.time() \
            else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _sheets(path: Path, expected: str) -> tuple[list[list[list[str]]] | None, list[Problem],
                                                 str | None]:
    """The file's sheets as rows of cell texts (one sheet for a CSV), its problems, and the
    encoding note of a CSV not read as UTF-8."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        return None, [Problem(path.name, None, None, expected,
                              f"无法读取文件（{exc.strerror or exc}）")], None
    if head.startswith(bytes.fromhex("d0cf11e0a1b11ae1")) or head.startswith(b"PK\x03\x04"):
        try:
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_path(str(path))
            return [[[_cell_text(c) for c in row] for row in
                     book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
                    for name in book.sheet_names], [], None
        except Exception as exc:  # noqa: BLE001 - a damaged or protected workbook
            return None, [Problem(path.name, None, None, expected,
                                  f"无法读取 Excel 工作簿（{type(exc).__name__}: "
                                  f"{csvin.brief(str(exc), 120)}）；可在 Excel 中另存为 CSV（UTF-8）")
                          ], None
    text, problems = csvin.read_text(path, expected)
    if text is None:
        return None, problems, None
    try:
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text.text, newline=""))]
    except csv.Error as exc:
        return None, [Problem(path.name, None, None, expected, f"CSV 解析失败：{exc}")], None
    return [rows], [], csvin.encoding_note(path.name, text.encoding)


def _header(rows: list[list[str]], columns: tuple[Column, ...]
            ) -> tuple[int, dict[str, int], dict[str, str]] | None:
    """The header row (index), each known column's position and its name as written: the first
    of the first :data:`HEADER_ROWS` rows naming every required column."""
    lookup = {_norm(label): c.key for c in columns for label in c.labels}
    for i, row in enumerate(rows[:HEADER_ROWS]):
        cols: dict[str, int] = {}
        names: dict[str, str] = {}
        for j, cell in enumerate(row):
            key = lookup.get(_norm(cell))
            if key is not None and key not in cols:
                cols[key], names[key] = j, cell.strip()
        if all(c.key in cols for c in columns if c.required):
            return i, cols, names
    return None


def _expected_header(columns: tuple[Column, ...]) -> str:
    need = "、".join(c.labels[0] for c in columns if c.required)
    return f"表头含 {need}（可在前 {HEADER_ROWS} 行内，列名见 docs/data-contract.md）"


def _read_table(path: Path, columns: tuple[Column, ...], what: str, notes: list[str]
                ) -> tuple[_Table | None, list[Problem]]:
    """The table of ``path`` whose header names the required ``columns``, or its problems."""
    expected = f"{what}（CSV 或 Excel 工作簿，{_expected_header(columns)}）"
    sheets, problems, note = _sheets(path, expected)
    if sheets is None:
        return None, problems
    if note:
        notes.append(note)
    for rows in sheets:
        found = _header(rows, columns)
        if found is None:
            continue
        start, cols, names = found
        body = []
        for i in range(start + 1, len(rows)):
            row = rows[i]
            if any(c.strip() for c in row):
                body.append((f"第 {i + 1} 行", {k: (row[j] if j < len(row) else "").strip()
                                                for k, j in cols.items()}))
        return _Table(path.name, start + 1, cols, names, body), []
    first = next((r for s in sheets for r in s if any(c.strip() for c in r)), [])
    return None, [Problem(path.name, None, "表头", _expected_header(columns),
                          f"未找到这样的表头（首行：{csvin.columns_text(first, 120)}）"
                          if first else "空文件")]


def _files(folder: Path, pattern: str) -> list[Path]:
    return sorted(p for p in folder.glob(pattern)
                  if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith("."))


# --------------------------------------------------------------------------- the rows


class _Rows:
    """Collects one table's typed values and problems, column by column."""

    def __init__(self, table: _Table, problems: list[Problem]) -> None:
        self.t, self.problems = table, problems
        self.wan = 0

    def name(self, key: str, fallback: str) -> str:
        return self.t.names.get(key, fallback)

    def bad(self, key: str, where: str, expected: str, text: str) -> None:
        self.problems.append(Problem(self.t.file, self.name(key, key), where, expected,
                                     csvin.brief(text, 60) if text else "缺失"))

    def count(self, key: str, where: str, cell: dict[str, str], required: bool) -> int | None:
        if key not in cell:
            return None
        text = cell[key]
        if not text or text in ("-", "—"):
            if required:
                self.bad(key, where, "非负整数", "")
            return None
        v, wan = _count(text)
        if v is None:
            self.bad(key, where, f"非负整数（可带千分位或“万”，不超过 {csvin.COUNT_MAX:,}）", text)
        self.wan += wan
        return v


def _in_month(stamp: dt.datetime, month: str) -> bool:
    return f"{stamp:%Y-%m}" == month


def _videos(table: _Table, month: str, problems: list[Problem], notes: list[str]
            ) -> list[dict[str, Any]]:
    r, out, outside = _Rows(table, problems), [], 0
    for where, cell in table.rows:
        n_before = len(problems)
        stamp = parse_time(cell["published"])
        if stamp is None:
            r.bad("published", where, "时间 YYYY-MM-DD HH:MM（或 YYYY-MM-DD）", cell["published"])
        row: dict[str, Any] = {"_file": table.file, "_row": where, "published": stamp,
                               "title": cell.get("title", ""),
                               "video_id": cell.get("video_id", "")}
        for key in ("plays", "likes", "shares"):
            row[key] = r.count(key, where, cell, True)
        for key in ("comments", "follows", "oa_msg_plays"):
            row[key] = r.count(key, where, cell, False)
        row["completion"] = None
        if cell.get("completion"):
            row["completion"] = parse_rate(cell["completion"])
            if row["completion"] is None:
                r.bad("completion", where, "比例：带 % 的百分数或 0–1 的小数", cell["completion"])
        row["has_oa_link"] = None
        if "has_oa_link" in cell:
            row["has_oa_link"] = _flag(cell["has_oa_link"], link=True)
            if row["has_oa_link"] is None:
                r.bad("has_oa_link", where, "是/否、1/0、有/无，或链接地址", cell["has_oa_link"])
        if row["oa_msg_plays"] is not None and row["plays"] is not None \
                and row["oa_msg_plays"] > row["plays"]:
            r.bad("oa_msg_plays", where, f"不超过播放量 {row['plays']:,}", cell["oa_msg_plays"])
        if len(problems) > n_before:
            continue
        if not _in_month(stamp, month):  # type: ignore[arg-type]
            outside += 1
            continue
        out.append(row)
    if outside:
        notes.append(f"{table.file} 中 {outside} 条视频发表于 {month} 之外，未计入")
    if r.wan:
        notes.append(f"{table.file} 中 {r.wan} 个数值以“万”为单位（后台已四舍五入），按近似值计算")
    return out


def _lives(table: _Table, month: str, problems: list[Problem], notes: list[str]
           ) -> list[dict[str, Any]]:
    r, out, outside = _Rows(table, problems), [], 0
    for where, cell in table.rows:
        n_before = len(problems)
        stamp = parse_time(cell["started"])
        if stamp is None:
            r.bad("started", where, "时间 YYYY-MM-DD HH:MM（或 YYYY-MM-DD）", cell["started"])
        row: dict[str, Any] = {"_file": table.file, "_row": where, "started": stamp,
                               "title": cell.get("title", ""), "live_id": cell.get("live_id", "")}
        for key in ("reservations", "viewers"):
            row[key] = r.count(key, where, cell, True)
        for key in ("reserved_viewers", "peak", "follows"):
            row[key] = r.count(key, where, cell, False)
        row["duration"] = None
        if cell.get("duration"):
            row["duration"] = parse_duration(cell["duration"])
            if row["duration"] is None:
                r.bad("duration", where, "时长：H:MM:SS、N分钟、N小时M分 或分钟数", cell["duration"])
        row["promoted"] = None
        if "promoted" in cell:
            row["promoted"] = _flag(cell["promoted"])
            if row["promoted"] is None:
                r.bad("promoted", where, "是/否 或 1/0", cell["promoted"])
        rv, res, view, peak = (row["reserved_viewers"], row["reservations"], row["viewers"],
                               row["peak"])
        if rv is not None and res is not None and rv > res:
            r.bad("reserved_viewers", where, f"不超过预约人数 {res:,}", cell["reserved_viewers"])
        if rv is not None and view is not None and rv > view:
            r.bad("reserved_viewers", where, f"不超过观看人数 {view:,}", cell["reserved_viewers"])
        if peak is not None and view is not None and peak > view:
            r.bad("peak", where, f"不超过观看人数 {view:,}（最高同时在线不会多于看过的人）",
                  cell["peak"])
        if len(problems) > n_before:
            continue
        if not _in_month(stamp, month):  # type: ignore[arg-type]
            outside += 1
            continue
        out.append(row)
    if outside:
        notes.append(f"{table.file} 中 {outside} 场直播开播于 {month} 之外，未计入")
    if r.wan:
        notes.append(f"{table.file} 中 {r.wan} 个数值以“万”为单位（后台已四舍五入），按近似值计算")
    return out


def _duplicates(rows: list[dict[str, Any]], id_key: str, time_key: str, file_word: str,
                problems: list[Problem]) -> None:
    seen: dict[Any, dict[str, Any]] = {}
    for row in rows:
        key = ("id", row[id_key]) if row[id_key] else \
            ("time", row[time_key], title_key(row["title"]))
        first = seen.get(key)
        if first is not None:
            what = f"{id_key} {row[id_key]}" if row[id_key] else "同一时间与标题"
            found = f"与 {first['_file']} {first['_row']} 重复（{csvin.brief(what, 60)}）"
            problems.append(Problem(row["_file"], None, row["_row"], f"每{file_word}只出现一次",
                                    found))
        else:
            seen[key] = row


def _frame(rows: list[dict[str, Any]], time_key: str) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df[time_key] = pd.to_datetime(df[time_key])
    return df.sort_values([time_key, "_row"]).reset_index(drop=True)


def _cards(table: _Table, problems: list[Problem]) -> list[dict[str, Any]]:
    if "video_id" not in table.cols and "video_title" not in table.cols:
        problems.append(Problem(table.file, "视频ID / 视频标题", "表头", "有列 视频ID 或 视频标题",
                                f"两列都没有（现有列：{'、'.join(table.names.values()) or '无'}）"))
        return []
    out = []
    for where, cell in table.rows:
        vid, vtitle = cell.get("video_id", ""), cell.get("video_title", "")
        if not vid and not vtitle:
            problems.append(Problem(table.file, "视频ID / 视频标题", where, "视频ID 或 视频标题",
                                    "缺失"))
            continue
        out.append({"_file": table.file, "_row": where, "article": cell.get("article", ""),
                    "article_date": cell.get("article_date", ""), "msgid": cell.get("msgid", ""),
                    "video_id": vid, "video_title": vtitle})
    return out


# --------------------------------------------------------------------------- overlap


@dataclass(frozen=True)
class Overlap:
    """The measured overlap of the two audiences (people, not plays)."""

    oa_users: int
    channels_users: int
    both: int
    shape: str  # "ids" (one row per person) or "counts"
    file: str
    method: str = ""


def _overlap(path: Path, problems: list[Problem], notes: list[str]) -> Overlap | None:
    what = "受众重合（每人一行：用户标识、公众号、视频号；或一行计数：公众号用户数、视频号用户数、重合用户数）"
    sheets, more, note = _sheets(path, what)
    if sheets is None:
        problems.extend(more)
        return None
    if note:
        notes.append(note)
    for shape, columns in (("counts", OVERLAP_COUNT_COLUMNS), ("ids", OVERLAP_ID_COLUMNS)):
        for rows in sheets:
            found = _header(rows, columns)
            if found is None:
                continue
            start, cols, names = found
            body = [(f"第 {i + 1} 行", {k: (rows[i][j] if j < len(rows[i]) else "").strip()
                                        for k, j in cols.items()})
                    for i in range(start + 1, len(rows)) if any(c.strip() for c in rows[i])]
            table = _Table(path.name, start + 1, cols, names, body)
            return (_overlap_counts if shape == "counts" else _overlap_ids)(table, problems)
    problems.append(Problem(path.name, None, "表头", what, "未找到这样的表头"))
    return None


def _overlap_counts(t: _Table, problems: list[Problem]) -> Overlap | None:
    if len(t.rows) != 1:
        problems.append(Problem(t.file, None, None, "一行计数（公众号用户数、视频号用户数、重合用户数）",
                                f"{len(t.rows)} 行数据"))
        return None
    where, cell = t.rows[0]
    r = _Rows(t, problems)
    n_before = len(problems)
    oa, ch, both = (r.count(k, where, cell, True) for k in ("oa_users", "channels_users",
                                                             "both_users"))
    if len(problems) > n_before or oa is None or ch is None or both is None:
        return None
    if both > min(oa, ch):
        r.bad("both_users", where, f"不超过两者中较小的 {min(oa, ch):,}", cell["both_users"])
        return None
    if ch == 0:
        r.bad("channels_users", where, "大于 0 的视频号用户数", cell["channels_users"])
        return None
    return Overlap(oa, ch, both, "counts", t.file, cell.get("method", ""))


def _overlap_ids(t: _Table, problems: list[Problem]) -> Overlap | None:
    r = _Rows(t, problems)
    seen: dict[str, str] = {}
    oa = ch = both = 0
    n_before = len(problems)
    for where, cell in t.rows:
        user = cell["user"]
        if not user:
            r.bad("user", where, "用户标识（哈希后的 unionid）", "")
            continue
        if user in seen:
            problems.append(Problem(t.file, t.names["user"], where, "每人只出现一次",
                                    f"与 {seen[user]} 重复"))
            continue
        seen[user] = where
        a, b = _flag(cell["in_oa"]), _flag(cell["in_channels"])
        if a is None:
            r.bad("in_oa", where, "是/否 或 1/0", cell["in_oa"])
        if b is None:
            r.bad("in_channels", where, "是/否 或 1/0", cell["in_channels"])
        if a is None or b is None:
            continue
        if not a and not b:
            r.bad("in_channels", where, "至少在一方出现（公众号或视频号为 是）", "两者都为 否")
            continue
        oa += a
        ch += b
        both += a and b
    if len(problems) > n_before:
        return None
    if ch == 0:
        problems.append(Problem(t.file, t.names["in_channels"], None, "至少一位视频号受众",
                                "没有视频号为 是 的行"))
        return None
    return Overlap(oa, ch, both, "ids", t.file)


# --------------------------------------------------------------------------- the month


@dataclass
class ChannelsInputs:
    """One month's validated inputs; ``None`` for an input that is not there.

    ``videos`` has published (Timestamp), title, video_id, plays, likes, shares, comments,
    follows, completion, oa_msg_plays, has_oa_link (None when the files have no such column)
    and ``embedded`` (whether an official-account article embedded its card; None without the
    cards file). ``lives`` has started, title, live_id, reservations, viewers, reserved_viewers,
    peak, duration (minutes), follows and promoted.
    """

    month: str
    videos: pd.DataFrame | None
    lives: pd.DataFrame | None
    cards: pd.DataFrame | None
    overlap: Overlap | None
    warnings: list[str] = field(default_factory=list)
    columns: dict[str, set[str]] = field(default_factory=dict)  # optional columns present
    files: dict[str, list[str]] = field(default_factory=dict)

    def has(self, kind: str, column: str) -> bool:
        """Whether the ``kind`` (videos / lives) files had the optional ``column``."""
        return column in self.columns.get(kind, set())


def _read_all(paths: Iterable[Path], columns: tuple[Column, ...], what: str,
              parse: Callable[..., list[dict[str, Any]]], problems: list[Problem],
              notes: list[str], present: set[str], *args: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in paths:
        table, more = _read_table(path, columns, what, notes)
        problems.extend(more)
        if table is None:
            continue
        present |= set(table.cols)
        rows = parse(table, *args, problems, notes)
        if not table.rows:
            notes.append(f"{path.name} 只有表头，没有数据行")
        out.extend(rows)
    return out


def _match_cards(videos: pd.DataFrame, cards: pd.DataFrame, notes: list[str]) -> pd.Series:
    """Whether each video's card was embedded in an article; each card row matched by video id,
    else by title; the rows that match no video are counted in a note."""
    by_id = {v: i for i, v in videos["video_id"].items() if v}
    by_title: dict[str, list[int]] = {}
    for i, t in videos["title"].items():
        if t:
            by_title.setdefault(title_key(t), []).append(i)
    embedded = pd.Series(False, index=videos.index)
    matched, unmatched, ambiguous = [], 0, 0
    for _, c in cards.iterrows():
        hit: int | None = by_id.get(c["video_id"]) if c["video_id"] else None
        if hit is None and c["video_title"]:
            candidates = by_title.get(title_key(c["video_title"]), [])
            if len(candidates) == 1:
                hit = candidates[0]
            elif len(candidates) > 1:
                ambiguous += 1
        if hit is None:
            unmatched += 1
        else:
            embedded[hit] = True
        matched.append(hit is not None)
    cards["matched"] = matched
    if unmatched:
        notes.append(f"公众号卡片文件中 {unmatched} 行未对应到本月的视频（视频ID 或标题不在本月的"
                     f"视频数据中{f'，其中 {ambiguous} 行的标题对应多条视频' if ambiguous else ''}），"
                     "未计入卡片对比")
    return embedded


def load(folder: Path, month: str) -> ChannelsInputs:
    """Read and validate this section's files of one month (read-only).

    Raises
    ------
    DataValidationError
        Listing every problem of every file (file, column, row, expected, found).
    """
    folder = Path(folder)
    problems: list[Problem] = []
    notes: list[str] = []
    present: dict[str, set[str]] = {"videos": set(), "lives": set()}
    files = {k: _files(folder, g) for k, g in (("videos", VIDEOS_GLOB), ("lives", LIVES_GLOB),
                                               ("cards", CARDS_GLOB), ("overlap", OVERLAP_GLOB))}
    videos = _read_all(files["videos"], VIDEO_COLUMNS, "视频号助手的单篇视频数据", _videos,
                       problems, notes, present["videos"], month)
    lives = _read_all(files["lives"], LIVE_COLUMNS, "视频号助手的直播数据", _lives, problems,
                      notes, present["lives"], month)
    cards: list[dict[str, Any]] = []
    for path in files["cards"]:
        table, more = _read_table(path, CARD_COLUMNS, "公众号文章嵌入的视频号卡片", notes)
        problems.extend(more)
        if table is not None:
            cards.extend(_cards(table, problems))
    overlap = None
    if len(files["overlap"]) > 1:
        names = "、".join(p.name for p in files["overlap"])
        problems.append(Problem(files["overlap"][1].name, None, None, "只有一个受众重合文件",
                                f"{len(files['overlap'])} 个（{names}）"))
    elif files["overlap"]:
        overlap = _overlap(files["overlap"][0], problems, notes)
    _duplicates(videos, "video_id", "published", "条视频", problems)
    _duplicates(lives, "live_id", "started", "场直播", problems)
    if problems:
        raise DataValidationError(problems)
    v = _frame(videos, "published") if videos else None
    lv = _frame(lives, "started") if lives else None
    if v is not None and "has_oa_link" not in present["videos"]:
        v["has_oa_link"] = None
    c = pd.DataFrame(cards) if cards else None
    if v is not None:
        v["embedded"] = _match_cards(v, c, notes) if c is not None else None
    if files["videos"] and v is None:
        notes.append("视频数据中没有本月发表的视频")
    return ChannelsInputs(month, v, lv, c, overlap, notes,
                          {k: s - {c.key for c in VIDEO_COLUMNS + LIVE_COLUMNS if c.required}
                           for k, s in present.items()},
                          {k: [p.name for p in ps] for k, ps in files.items()})
