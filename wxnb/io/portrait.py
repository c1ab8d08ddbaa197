"""Reading and validating section 15's inputs: the followers' portrait and the content tags'
intended audiences.

Inputs of one month folder (read only, never modified):

* ``用户属性*`` (.xls, .xlsx, .html, .htm or .csv): the 公众号 backend's 用户分析 → 用户属性 page
  downloaded (wechat-data-schemas.md §5: 性别分布, 语言分布, 省份分布, 城市分布, 终端分布, 机型分布,
  年龄分布). No official layout exists and header strings drift between backend versions, so a
  file is read as rows of cell texts (an HTML table saved as .xls, a BIFF .xls or .xlsx workbook
  with every sheet read, or a CSV; ``wxnb.io.backend``'s readers) and its **blocks** are found
  by their header row: a dimension label (性别; 年龄/年龄段; 省份, 省份/直辖市, 地域, 地区; 城市;
  终端, 终端类型, 平台, 操作系统; a trailing 分布 is ignored) with a count label to its right in
  the same run of non-empty cells (用户数, 人数, 用户人数, 关注人数, 关注用户数, 粉丝数, 数量, 访问人数)
  and optionally a share (占比, 比例, 百分比). Blocks may be stacked (a title row such as 性别分布
  and blank rows between them), side by side (separated by an empty column), one per sheet, or
  one per file (``用户属性_性别.csv`` …). A block ends at an empty category cell, at the next
  header or at a title row (no count; text ending in 分布, or just above the next header).
  合计/总计 rows are skipped. 语言 and 机型 blocks are recognised and not used.

  When the listed 占比 add up to less than 98 % (a top-N list, e.g. the first 10 cities), the
  base is taken as Σ人数 ÷ Σ占比 and the rest becomes one category 其他（未列出）. The file has no
  date: the 用户属性 page shows the followers of the day before the download (download it at
  the month's end).

* ``getuserportrait*.json`` or ``wxa_getweanalysisappiduserportrait_<yyyymmdd>_<yyyymmdd>.json``
  (the name ``wxnb fetch`` archives it under, ``wxnb.io.mpfetch``): the mini program API
  ``datacube/getweanalysisappiduserportrait`` answer as archived, byte for byte:
  ``{"ref_date": "yyyymmdd-yyyymmdd", "visit_uv_new": {...}, "visit_uv": {...}}`` (camelCase ``visitUv``/``visitUvNew`` from cloud calls accepted), each
  with ``province``, ``city``, ``genders``, ``platforms``, ``devices``, ``ages`` as lists of
  ``{id, name, value}``. The section reads ``visit_uv`` (the window's active visitors) unless
  ``portrait_api_base`` says ``visit_uv_new`` (its new visitors); ``devices`` is not used. The
  window's end date must lie in the report month; the API allows windows of 1, 7 or 30 days
  ending yesterday (it works only for recent end dates, so analysts more often hold the backend
  download). With several files, the one ending last (then the longest) is used. When both forms
  are there, the backend download is used (it describes the 公众号's followers; the API
  describes the mini program's visitors) and the data notes say so.

* ``content_audience.csv`` (optional): each 内容形式 of ``content_plan.csv`` and its intended
  audience. Columns ``content_type`` (内容形式/内容标签 accepted) and at least one of ``gender``
  (性别), ``age`` (年龄/年龄段), ``province`` (省份/地域), ``city`` (城市), ``platform`` (终端);
  a cell lists categories separated by 、 , ; | / (empty = anyone). Ages may be the data's bucket
  names or ranges (``25-34岁``, ``25-34``, ``18岁以下``, ``50岁以上``); 女性/男性 match 女/男; a
  province matches with or without 省/市/自治区.

CSV files may be UTF-8 (with or without BOM), UTF-16 with a BOM or GB18030/GBK (see
``wxnb.io.csvin``). Every problem names the file, the field, the row, what was expected and what
was found; all are raised together in one :class:`~wxnb.exceptions.DataValidationError`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import backend, csvin

__all__ = [
    "API_BASES",
    "API_FIELDS",
    "API_GLOB",
    "AUDIENCE_COLUMNS",
    "AUDIENCE_FILE",
    "DIMENSIONS",
    "Distribution",
    "EXPORT_GLOB",
    "FETCHED_GLOB",
    "INPUTS",
    "LISTED_REST",
    "Portrait",
    "PortraitInputs",
    "age_interval",
    "load",
    "norm_category",
    "split_cell",
]

EXPORT_GLOB = "用户属性*"
API_GLOB = "getuserportrait*"
#: The same answer as ``wxnb fetch`` archives it for section 13 (``wxnb.io.miniprogram``).
FETCHED_GLOB = "wxa_getweanalysisappiduserportrait_*"
AUDIENCE_FILE = "content_audience.csv"
#: For wxnb.io.folder.INPUTS: each input pattern and what it is.
INPUTS: tuple[tuple[str, str], ...] = (
    (EXPORT_GLOB, "后台下载：用户分析 · 用户属性（性别、年龄、省份、城市、终端分布）"),
    (API_GLOB, "小程序用户画像（getweanalysisappiduserportrait）"),
    # FETCHED_GLOB is section 13's wxa_* file (listed by wxnb.io.miniprogram)
    (AUDIENCE_FILE, "内容形式的目标人群（性别、年龄段、地域、终端）"),
)
#: The API's raw field names (none may reach the management layer).
API_FIELDS: tuple[str, ...] = ("visit_uv", "visit_uv_new", "ref_date", "province", "city",
                               "genders", "platforms", "devices", "ages")
API_BASES = ("visit_uv", "visit_uv_new")
_CAMEL = {"visitUv": "visit_uv", "visitUvNew": "visit_uv_new", "refDate": "ref_date"}

#: The dimensions the section analyses: key → its Chinese name (report order).
DIMENSIONS: dict[str, str] = {"province": "地域（省份）", "city": "城市", "gender": "性别",
                              "age": "年龄段", "platform": "终端"}
_API_DIMS = {"province": "province", "city": "city", "gender": "genders", "age": "ages",
             "platform": "platforms"}
_DIM_LABELS = {
    "性别": "gender",
    "年龄": "age", "年龄段": "age", "年龄区间": "age",
    "省份": "province", "省份/直辖市": "province", "省份/地区": "province", "省/直辖市": "province",
    "地域": "province", "地区": "province", "省份名称": "province", "省份城市": "province",
    "城市": "city", "城市名称": "city",
    "终端": "platform", "终端类型": "platform", "平台": "platform", "操作系统": "platform",
    "设备类型": "platform",
    "语言": "language", "机型": "device", "设备型号": "device", "手机型号": "device",
}
_UNUSED = {"language": "语言分布", "device": "机型分布"}
_COUNT_LABELS = ("用户数", "人数", "用户人数", "关注人数", "关注用户数", "粉丝数", "数量", "访问人数")
_SHARE_LABELS = ("占比", "比例", "百分比", "用户占比", "人数占比")
_TOTAL_NAMES = {"合计", "总计", "总数", "全部", "总体"}
#: The category holding the users a top-N list leaves out (from its 占比).
LISTED_REST = "其他（未列出）"
_PARTIAL_SHARE = 0.98  # listed 占比 adding up to less than this: a top-N list
_EXPORT_EXPECTED = ("公众号后台“用户分析 → 用户属性”下载的分布表（HTML 表格、Excel 工作簿或 CSV；"
                    "表头如 性别 | 用户数 | 占比）")
_API_EXPECTED = ('getweanalysisappiduserportrait 的 JSON 回包 {"ref_date": …, "visit_uv": '
                 '{"province": [{id, name, value}], …}}')

AUDIENCE_COLUMNS = ("content_type", "gender", "age", "province", "city", "platform")
_AUDIENCE_ALIASES = {"内容形式": "content_type", "内容标签": "content_type", "性别": "gender",
                     "年龄": "age", "年龄段": "age", "省份": "province", "地域": "province",
                     "城市": "city", "终端": "platform"}
_SEPARATORS = re.compile(r"[、,，;；|/]")


# --------------------------------------------------------------------------- shared helpers


def norm_category(dimension: str, text: str) -> str:
    """A category's comparison key: NFKC, no spaces; 女性 → 女, 男性 → 男; a province without
    省/市/自治区 (广东省 → 广东, 广西壮族自治区 → 广西); a city without 市."""
    t = "".join(unicodedata.normalize("NFKC", str(text)).split())
    if dimension == "gender":
        t = {"女性": "女", "男性": "男"}.get(t, t)
    elif dimension == "province":
        t = re.sub(r"(壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|省|市)$", "", t)
    elif dimension == "city":
        t = re.sub(r"市$", "", t)
    elif dimension == "platform":
        t = t.lower()
    elif dimension == "age":
        t = t.replace("~", "-").replace("－", "-").replace("—", "-").replace("至", "-")
    return t


def split_cell(text: str) -> list[str]:
    """A content_audience cell's categories (split on 、 , ; | / and their full-width forms)."""
    return [p.strip() for p in _SEPARATORS.split(str(text)) if p.strip()]


_AGE_RANGE = re.compile(r"([0-9]{1,3})-([0-9]{1,3})岁?")
_AGE_BELOW = re.compile(r"([0-9]{1,3})岁?以下|<([0-9]{1,3})岁?")
_AGE_ABOVE = re.compile(r"([0-9]{1,3})岁?(?:以上|及以上)|([0-9]{1,3})岁?\+|>=([0-9]{1,3})岁?")
#: The last age an open bucket (50岁以上) is taken to reach when part of it is counted.
AGE_CAP = 79


def _age_parse(text: str) -> tuple[str, int, int] | None:
    """("range", lo, hi), ("below", n, 0) or ("above", n, 0); None for 未知 and other texts."""
    t = norm_category("age", text)
    m = _AGE_RANGE.fullmatch(t)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        return ("range", lo, hi) if lo <= hi else None
    m = _AGE_BELOW.fullmatch(t)
    if m:
        return ("below", int(m.group(1) or m.group(2)), 0)
    m = _AGE_ABOVE.fullmatch(t)
    if m:
        return ("above", int(next(g for g in m.groups() if g)), 0)
    return None


def age_interval(text: str, others: tuple[str, ...] | list[str] = ()
                 ) -> tuple[int, int] | None:
    """The years a bucket or range covers, both ends included; None for 未知 and other texts.

    ``18-24岁`` → (18, 24). An open bucket is read against the other buckets of its list
    (``others``): ``17岁以下`` beside ``18-24岁`` → (0, 17), ``18岁以下`` beside ``18-25岁`` →
    (0, 17), ``50岁以上`` beside ``40-49岁`` → (50, AGE_CAP), ``60岁以上`` beside ``46-60岁`` →
    (61, AGE_CAP). Without ``others`` (a range written in content_audience.csv) ``18岁以下`` is
    under 18, (0, 17), and ``50岁以上`` is 50 and over."""
    p = _age_parse(text)
    if p is None:
        return None
    kind, a, b = p
    if kind == "range":
        return (a, b)
    ranges = [q for q in (_age_parse(o) for o in others) if q is not None and q[0] == "range"]
    if kind == "below":
        inclusive = bool(ranges) and a not in {q[1] for q in ranges}
        return (0, a if inclusive else a - 1)
    return (a + 1 if a in {q[2] for q in ranges} else a, max(a, AGE_CAP))


# --------------------------------------------------------------------------- data model


@dataclass
class Distribution:
    """One dimension of one month: each category's count (file order), the base and where."""

    dimension: str
    counts: dict[str, int]
    file: str
    where: str  # the header's row (第 12 行) or the JSON path (visit_uv.ages)
    listed_share: float | None = None  # Σ 占比 of the listed categories (None: no 占比 column)
    notes: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        return f"{self.file} {self.where}"

    @property
    def total(self) -> int:
        return int(sum(self.counts.values()))


@dataclass
class Portrait:
    """One month's portrait: the distributions by dimension and where they came from."""

    kind: str  # "export" (the backend's 用户属性) or "api" (getuserportrait)
    files: list[str]
    base: str  # who is counted, in words
    dims: dict[str, Distribution]
    window: tuple[date, date] | None = None  # the API's ref_date window

    @property
    def label(self) -> str:
        return "公众号后台用户属性" if self.kind == "export" else "小程序用户画像接口"


@dataclass
class PortraitInputs:
    """One month's validated inputs; ``portrait`` is None when neither form is there."""

    month: str
    portrait: Portrait | None
    audience: pd.DataFrame | None  # content_type, dimension, specs (list), _row
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the export


def _norm_label(text: str) -> str:
    t = "".join(unicodedata.normalize("NFKC", str(text)).split())
    return t[:-2] if t.endswith("分布") and len(t) > 2 else t


def _sheets(path: Path) -> tuple[list[list[list[str]]] | None, list[Problem]]:
    """Every sheet of the file as rows of cell texts (HTML, CSV: one sheet)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        return None, [Problem(path.name, None, None, _EXPORT_EXPECTED,
                              f"无法读取文件（{exc.strerror or exc}）")]
    if not backend.is_workbook(head):
        rows, problems = backend._rows(path, _EXPORT_EXPECTED)
        return (None, problems) if rows is None else ([rows], problems)
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        return [[[backend._cell_text(c) for c in row]
                 for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
                for name in book.sheet_names], []
    except Exception as exc:  # noqa: BLE001 - a damaged or protected workbook
        return None, [Problem(path.name, None, None, _EXPORT_EXPECTED,
                              f"无法读取 Excel 工作簿（{type(exc).__name__}: "
                              f"{csvin.brief(str(exc), 120)}）；可在 Excel 中另存为 CSV（UTF-8）")]


def _cell(row: list[str], j: int) -> str:
    return row[j].strip() if j < len(row) else ""


@dataclass
class _Header:
    row: int
    col: int
    dimension: str
    label: str
    count_col: int
    count_label: str
    share_col: int | None


def _header_at(row: list[str], i: int, j: int) -> _Header | None:
    """The block header starting at cell (i, j): a dimension label and a count label to its
    right in the same run of non-empty cells; else None."""
    dim = _DIM_LABELS.get(_norm_label(_cell(row, j)))
    if dim is None:
        return None
    count_col = share_col = None
    count_label = ""
    k = j + 1
    while k < len(row) and _cell(row, k):
        label = _norm_label(_cell(row, k))
        if count_col is None and label in _COUNT_LABELS:
            count_col, count_label = k, _cell(row, k)
        elif share_col is None and label in _SHARE_LABELS:
            share_col = k
        k += 1
    if count_col is None:
        return None
    return _Header(i, j, dim, _cell(row, j), count_col, count_label, share_col)


def _share(text: str) -> tuple[float, bool] | None:
    """A 占比 cell as (number, written with %); None when it is not a non-negative number."""
    t = text.strip().replace(",", "")
    pct = t.endswith("%")
    v = csvin.number(t[:-1] if pct else t)
    if v is None or v < 0:
        return None
    return v, pct


def _share_sum(shares: list[tuple[float, bool]]) -> float:
    """Σ 占比 as a fraction. The scale is the column's, not each cell's: a column written in
    percent (a cell with %, or any value above 1: 7.53, 0.85 …) is divided by 100 throughout;
    otherwise the values are fractions (0.0753)."""
    percent = any(pct or v > 1 for v, pct in shares)
    return sum(v for v, _ in shares) / (100 if percent else 1)


def _block(rows: list[list[str]], h: _Header, file: str, problems: list[Problem]
           ) -> tuple[Distribution, int]:
    """The block's categories under its header; returns the distribution and the row after it."""
    counts: dict[str, int] = {}
    seen: dict[str, str] = {}
    shares: list[tuple[float, bool]] = []
    share_ok = h.share_col is not None
    notes: list[str] = []
    i = h.row + 1
    while i < len(rows):
        row = rows[i]
        cat = _cell(row, h.col)
        if not cat or _header_at(row, i, h.col) is not None:
            break
        raw = _cell(row, h.count_col)
        where = f"第 {i + 1} 行"
        if not raw and (cat.endswith(("分布", "属性")) or (
                i + 1 < len(rows) and _header_at(rows[i + 1], i + 1, h.col) is not None)):
            break  # the next block's title row
        if cat in _TOTAL_NAMES:
            i += 1
            continue
        n = csvin.count(raw)
        if n is None:
            problems.append(Problem(file, h.count_label, where, "非负整数（人数）",
                                    csvin.brief(raw, 40) if raw else "缺失"))
            i += 1
            continue
        key = norm_category(h.dimension, cat)
        if key in seen:
            problems.append(Problem(file, h.label, where, f"每个类别一行（{cat} 已在{seen[key]}）",
                                    cat))
            i += 1
            continue
        seen[key] = where
        counts[cat] = n
        if share_ok:
            s = _share(_cell(row, h.share_col or 0))
            if s is None:
                share_ok = False
            else:
                shares.append(s)
        i += 1
    dist = Distribution(h.dimension, counts, file, f"第 {h.row + 1} 行", None, notes)
    if share_ok and shares:
        dist.listed_share = min(1.0, _share_sum(shares))
    return dist, i


def _blocks(rows: list[list[str]], file: str, problems: list[Problem]) -> list[Distribution]:
    """Every block of one sheet, stacked or side by side."""
    out: list[Distribution] = []
    taken: set[tuple[int, int]] = set()
    for i, row in enumerate(rows):
        for j in range(len(row)):
            if (i, j) in taken:
                continue
            h = _header_at(row, i, j)
            if h is None:
                continue
            dist, end = _block(rows, h, file, problems)
            taken.update((r, h.col) for r in range(h.row, end))
            out.append(dist)
    return out


def _with_rest(dist: Distribution, file: str, problems: list[Problem]) -> Distribution:
    """A top-N list (listed 占比 < 98 %) gets the remainder as 其他（未列出）."""
    n = dist.total
    if n == 0:
        problems.append(Problem(file, DIMENSIONS.get(dist.dimension, dist.dimension),
                                dist.where, "人数合计大于 0",
                                "没有人数" if not dist.counts else "人数合计为 0"))
        return dist
    s = dist.listed_share
    if s is not None and 0 < s < _PARTIAL_SHARE:
        base = round(n / s)
        if base > n:
            dist.counts[LISTED_REST] = base - n
            dist.notes.append(
                f"{DIMENSIONS[dist.dimension]}只列出占比合计 {s * 100:.1f}% 的类别，其余 "
                f"{base - n:,} 人（按 人数 ÷ 占比 推算）合为“{LISTED_REST}”")
    return dist


def _read_export(paths: list[Path], problems: list[Problem], notes: list[str]
                 ) -> dict[str, Distribution]:
    dims: dict[str, Distribution] = {}
    unused: set[str] = set()
    for path in paths:
        sheets, found = _sheets(path)
        problems.extend(found)
        if sheets is None:
            continue
        before = len(problems)
        blocks = [b for rows in sheets for b in _blocks(rows, path.name, problems)]
        if not blocks and len(problems) == before:
            problems.append(Problem(path.name, None, None, _EXPORT_EXPECTED,
                                    "没有找到分布表（表头应为 维度 | 用户数/人数 [| 占比]）"))
        for b in blocks:
            if b.dimension in _UNUSED:
                unused.add(_UNUSED[b.dimension])
                continue
            if b.dimension in dims:
                problems.append(Problem(path.name, DIMENSIONS[b.dimension],
                                        b.where,
                                        f"每个维度一张表（已在 {dims[b.dimension].source}）",
                                        "重复的表"))
                continue
            dims[b.dimension] = _with_rest(b, path.name, problems)
    if unused:
        notes.append(f"用户属性中的{'、'.join(sorted(unused))}未使用（本章分析地域、性别、年龄段与终端）")
    return dims


# --------------------------------------------------------------------------- the API answer


_YMD = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


def _ymd(text: str) -> date | None:
    m = _YMD.fullmatch(text.replace("-", "")) if len(text.replace("-", "")) == 8 else None
    if m is None:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _window(ref: Any) -> tuple[date, date] | None:
    """``20261002-20261031`` or ``20261031`` (dashed dates tolerated) as (begin, end)."""
    if not isinstance(ref, str):
        return None
    t = ref.strip()
    parts = [t] if len(t.replace("-", "")) == 8 else (
        [t[:8], t[9:]] if len(t) == 17 and t[8] == "-" else
        [t[:10], t[11:]] if len(t) == 21 and t[10] == "-" else [])
    days = [_ymd(p) for p in parts]
    if not days or any(d is None for d in days):
        return None
    begin, end = days[0], days[-1]
    return (begin, end) if begin and end and begin <= end else None


def _api_items(items: Any, dim: str, where: str, file: str, problems: list[Problem]
               ) -> Distribution | None:
    if not isinstance(items, list):
        problems.append(Problem(file, where, None, "数组 [{id, name, value}]",
                                csvin.brief(items, 60)))
        return None
    counts: dict[str, int] = {}
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        at = f"{where}[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(file, "name", at, "对象 {id, name, value}",
                                    csvin.brief(item, 60)))
            continue
        name = item.get("name")
        value = item.get("value", item.get("access_source_visit_uv"))
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(file, "name", at, "类别名称（非空文本）", csvin.brief(name, 40)))
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(Problem(file, "value", at, "非负整数（人数）", csvin.brief(value, 40)))
            continue
        key = norm_category(dim, name)
        if key in seen:
            problems.append(Problem(file, "name", at, f"每个类别一项（{name} 已在 "
                                    f"{where}[{seen[key]}]）", name))
            continue
        seen[key] = i
        counts[name.strip()] = value
    return Distribution(dim, counts, file, where)


def _read_api_file(path: Path, month: str, base: str, problems: list[Problem],
                   notes: list[str]) -> Portrait | None:
    doc, note, found = csvin.read_json(path, _API_EXPECTED)
    if note:
        notes.append(note)
    if found:
        problems.extend(found)
        return None
    file = path.name
    if not isinstance(doc, dict):
        problems.append(Problem(file, None, None, _API_EXPECTED, f"{type(doc).__name__}"))
        return None
    doc = {_CAMEL.get(k, k): v for k, v in doc.items()}
    err = doc.get("errcode", 0)
    if err not in (0, None):
        problems.append(Problem(file, "errcode", None, "0（成功的回包）",
                                f"{err} {csvin.brief(doc.get('errmsg', ''), 60)}"))
        return None
    window = _window(doc.get("ref_date"))
    if window is None:
        problems.append(Problem(file, "ref_date", None, "日期 yyyymmdd 或 yyyymmdd-yyyymmdd",
                                csvin.brief(doc.get("ref_date"), 40)))
        return None
    if f"{window[1]:%Y-%m}" != month:
        problems.append(Problem(file, "ref_date", None, f"结束日期在 {month} 内",
                                str(doc.get("ref_date"))))
        return None
    part = doc.get(base)
    if not isinstance(part, dict):
        problems.append(Problem(file, base, None, "对象 {province, city, genders, platforms, "
                                "ages}", csvin.brief(part, 60)))
        return None
    dims: dict[str, Distribution] = {}
    empty = []
    for key, api in _API_DIMS.items():
        if api not in part:
            empty.append(api)
            continue
        d = _api_items(part[api], key, f"{base}.{api}", file, problems)
        if d is not None and d.counts and d.total > 0:
            dims[key] = d
        elif d is not None:
            empty.append(api)
    if empty:
        notes.append(f"{file} 的 {base} 中 {'、'.join(empty)} 为空或缺失，该维度不分析")
    days = (window[1] - window[0]).days + 1
    if days not in (1, 7, 30):
        notes.append(f"{file} 的统计区间为 {days} 天（接口只提供 1、7、30 天）")
    who = "活跃访问用户" if base == "visit_uv" else "新访问用户"
    text = f"小程序{who}（{base}，{window[0]:%Y-%m-%d} 至 {window[1]:%Y-%m-%d}，{days} 天）"
    return Portrait("api", [file], text, dims, window)


def _read_api(paths: list[Path], month: str, base: str, problems: list[Problem],
              notes: list[str]) -> Portrait | None:
    found = [(p, _read_api_file(p, month, base, problems, notes)) for p in paths]
    ok = [(p, x, x.window) for p, x in found if x is not None and x.window is not None]
    if not ok:
        return None
    ok.sort(key=lambda pxw: (pxw[2][1], pxw[2][1] - pxw[2][0]), reverse=True)
    if len(ok) > 1:
        notes.append(f"有 {len(ok)} 个用户画像接口文件，使用结束最晚、区间最长的 {ok[0][0].name}"
                     f"（未用：{'、'.join(p.name for p, _, _ in ok[1:])}）")
    return ok[0][1]


# --------------------------------------------------------------------------- content audiences


def _load_audience(path: Path, notes: list[str]) -> tuple[pd.DataFrame | None, list[Problem]]:
    expected = "CSV，首行为字段名（content_type 与 gender/age/province/city/platform 之一）"
    header, rows, problems, note = csvin.read_table(path, expected=expected)
    if note:
        notes.append(note)
    name = path.name
    if header is None:
        return None, problems
    if not header:
        return None, [Problem(name, None, None, expected, "空文件")]
    cols = {h: _AUDIENCE_ALIASES.get(h, h) for h in header}
    have = set(cols.values())
    if "content_type" not in have:
        return None, [Problem(name, "content_type", "表头", "有列 content_type（或 内容形式）",
                              f"列缺失（现有列：{csvin.columns_text(header)}）")]
    dims = [c for c in AUDIENCE_COLUMNS[1:] if c in have]
    if not dims:
        return None, [Problem(name, "gender", "表头", "至少一列目标人群：gender、age、province、"
                              "city、platform（或 性别、年龄段、省份、城市、终端）",
                              f"列缺失（现有列：{csvin.columns_text(header)}）")]
    out: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(rows):
        rec = {cols[h]: str(v).strip() for h, v in raw.items()}
        where = csvin.row_label(i)
        kind = rec.get("content_type", "")
        if not kind:
            problems.append(Problem(name, "content_type", where, "内容形式（与 content_plan.csv "
                                    "的 content_type 一致）", "缺失"))
            continue
        if kind in seen:
            problems.append(Problem(name, "content_type", where,
                                    f"每个内容形式一行（{kind} 已在{seen[kind]}）", kind))
            continue
        seen[kind] = where
        specs = {d: split_cell(rec.get(d, "")) for d in dims}
        if not any(specs.values()):
            problems.append(Problem(name, "/".join(dims), where, "至少一个维度的目标人群",
                                    "全部为空"))
            continue
        bad = [s for s in specs.get("age", []) if age_interval(s) is None]
        if bad:
            problems.append(Problem(name, "age", where, "年龄段，如 25-34岁、18岁以下、50岁以上",
                                    csvin.brief("、".join(bad), 60)))
            continue
        for d, items in specs.items():
            if items:
                out.append({"content_type": kind, "dimension": d, "specs": items, "_row": where})
    if problems:
        return None, problems
    if not out:
        notes.append(f"{name} 只有表头，没有数据行")
        return None, []
    return pd.DataFrame(out, columns=["content_type", "dimension", "specs", "_row"]), []


# --------------------------------------------------------------------------- load


def _files(folder: Path, pattern: str, suffixes: tuple[str, ...], notes: list[str]
           ) -> list[Path]:
    found = sorted(p for p in folder.glob(pattern) if p.is_file() and not p.name.startswith("."))
    used = [p for p in found if p.suffix.lower() in suffixes]
    other = [p.name for p in found if p not in used]
    if other:
        notes.append(f"未读取 {'、'.join(other)}：不是 {'/'.join(suffixes)} 文件")
    return used


def load(folder: Path, month: str, *, base: str = "visit_uv") -> PortraitInputs:
    """Read and validate this section's files of one month (read-only).

    ``base`` is the API answer's part to read (``visit_uv`` or ``visit_uv_new``).

    Raises
    ------
    DataValidationError
        Listing every problem of every file (file, field, row, expected, found).
    """
    folder = Path(folder)
    if base not in API_BASES:
        raise ValueError(f"base must be one of {API_BASES}")
    problems: list[Problem] = []
    notes: list[str] = []
    exports = _files(folder, EXPORT_GLOB, backend.SUFFIXES, notes)
    apis = [*_files(folder, API_GLOB, (".json",), notes),
            *_files(folder, FETCHED_GLOB, (".json",), notes)]
    portrait = None
    if exports:
        dims = _read_export(exports, problems, notes)
        portrait = Portrait("export", [p.name for p in exports],
                            "公众号关注用户（后台 用户分析 · 用户属性）", dims)
        if apis:
            notes.append(f"同时有用户画像接口文件（{'、'.join(p.name for p in apis)}）：使用公众号"
                         "后台的用户属性（本章分析公众号粉丝；接口描述的是小程序访问用户）")
    elif apis:
        portrait = _read_api(apis, month, base, problems, notes)
    audience = None
    path = folder / AUDIENCE_FILE
    if path.is_file():
        audience, found = _load_audience(path, notes)
        problems.extend(found)
    if problems:
        raise DataValidationError(problems)
    if portrait is not None:
        for d in portrait.dims.values():
            notes.extend(d.notes)
        if not portrait.dims:
            portrait = None
    return PortraitInputs(month, portrait, audience, notes)
