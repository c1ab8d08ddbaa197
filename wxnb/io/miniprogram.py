"""Reading and validating section 13's inputs: the 小程序数据分析 API answers as ``wxnb fetch``
archives them (``wxnb.io.mpfetch``) and the mini program's orders.

Inputs of one month folder (read only; docs/data-contract.md, section 13):

``wxa_<endpoint>_<yyyymmdd>_<yyyymmdd>.json``
    One answer of a mini program analysis endpoint, byte for byte, for the window in its name
    (first and last day, yyyymmdd as the API takes them). The endpoints and their shapes:

    - ``getweanalysisappiddailyvisittrend`` (1 day): ``{"list": [{ref_date "yyyymmdd",
      session_cnt, visit_pv, visit_uv, visit_uv_new, stay_time_uv, stay_time_session,
      visit_depth}]}``;
    - ``getweanalysisappiddailysummarytrend`` (1 day): ``{"list": [{ref_date, visit_total,
      share_pv, share_uv}]}``;
    - ``getweanalysisappidvisitpage`` (1 day, the top 200 pages by visits): ``{"ref_date",
      "list": [{page_path, page_visit_pv, page_visit_uv, page_staytime_pv (次均停留时长, s),
      entrypage_pv, exitpage_pv, page_share_pv, page_share_uv}]}`` — this file is the
      section's required input;
    - ``getweanalysisappiddailyretaininfo`` (1 day, not wrapped in a list): ``{"ref_date",
      "visit_uv_new": [{key, value}], "visit_uv": [{key, value}]}``, key = days after the
      cohort day, only 0–7, 14 and 30 (value = the cohort at key 0, retained users after);
    - ``getweanalysisappidvisitdistribution`` (1 day): ``{"ref_date", "list": [{index,
      item_list: [{key, value}]}]}``; ``index`` ``access_source_session_cnt`` (打开次数 by
      访问来源 key, see :data:`ACCESS_SOURCES`), ``access_source_visit_uv``,
      ``access_staytime_info``, ``access_depth_info``;
    - ``getweanalysisappidmonthlyvisittrend`` (one natural month): ``{"list": [{ref_date
      "yyyymm", …the visit trend fields, users de-duplicated in the month}]}``;
    - ``getweanalysisappidmonthlyretaininfo`` (one natural month, key 0–1 in months): of
      this month (its key 1, next month, is not observed yet) and of the month before (the
      cohort whose next month is this one);
    - ``getweanalysisappiduserportrait`` (the last 1, 7 or 30 days): ``{"ref_date"
      "yyyymmdd-yyyymmdd", "visit_uv_new": {province, city, genders, platforms, devices, ages},
      "visit_uv": {…}}``, each dimension ``[{id, name, value}]`` (devices may lack ``id``);
    - ``getperformancedata10017`` (getPerformanceData, module 10017 启动各阶段耗时, ≤ 30 days):
      ``{"errcode": 0, "errmsg": "ok", "data": {"body": {"tables": [{"id", "zh", "lines":
      [{"fields": [{"refdate": "yyyymmdd", "value": "<ms as text>"}]}]}], "count"}}}``.

    camelCase keys (the cloud-call variants: ``refDate``, ``visitUvNew``) are read as
    snake_case. An ``errcode`` other than 0 is a problem; so are a missing or mistyped field, a
    date that is not yyyymmdd or not in the month, a retention key outside 0–7, 14, 30, a day
    given twice. A day whose figures are all zero is WeChat's answer while its data is not
    ready: it is left out and named in the notes, never counted as a real zero.
``mp_orders.csv``
    The mini program's paid orders: ``order_id``, ``time`` (YYYY-MM-DD HH:MM[:SS], Beijing
    time), ``openid`` (the buyer), ``amount`` (元, paid, ≥ 0), optional ``scene`` (the 场景值 the
    order's visit came in by, e.g. 1035 公众号自定义菜单). Orders outside the month are dropped
    and counted in a note.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import csvin
from wxnb.paths import prev_month

__all__ = [
    "ACCESS_SOURCES",
    "API_FIELDS",
    "DAILY_ENDPOINTS",
    "ENDPOINTS",
    "INPUTS",
    "INPUT_GLOB",
    "NAME_RX",
    "ORDERS_FILE",
    "ORDER_COLUMNS",
    "RETAIN_KEYS",
    "SCENE_SOURCE",
    "MpInputs",
    "file_name",
    "load",
    "load_monthly_retain",
    "source_label",
]

DAILY_VISIT = "getweanalysisappiddailyvisittrend"
DAILY_SUMMARY = "getweanalysisappiddailysummarytrend"
VISIT_PAGE = "getweanalysisappidvisitpage"
DAILY_RETAIN = "getweanalysisappiddailyretaininfo"
DISTRIBUTION = "getweanalysisappidvisitdistribution"
MONTHLY_VISIT = "getweanalysisappidmonthlyvisittrend"
MONTHLY_RETAIN = "getweanalysisappidmonthlyretaininfo"
PORTRAIT = "getweanalysisappiduserportrait"
PERFORMANCE = "getperformancedata10017"

#: endpoint → what it is (the data notes name files by it).
ENDPOINTS: dict[str, str] = {
    DAILY_VISIT: "访问日趋势",
    DAILY_SUMMARY: "访问概况",
    VISIT_PAGE: "访问页面",
    DAILY_RETAIN: "日留存",
    DISTRIBUTION: "访问分布",
    MONTHLY_VISIT: "访问月趋势",
    MONTHLY_RETAIN: "月留存",
    PORTRAIT: "用户画像",
    PERFORMANCE: "启动各阶段耗时（getPerformanceData 10017）",
}
#: The endpoints asked one day a call: a month has one file per day of each.
DAILY_ENDPOINTS = (DAILY_VISIT, DAILY_SUMMARY, VISIT_PAGE, DAILY_RETAIN, DISTRIBUTION)
INPUT_GLOB = f"wxa_{VISIT_PAGE}_*.json"  # the section's required input (SPEC.inputs)
NAME_RX = re.compile(r"^wxa_([a-z0-9]+)_([0-9]{8})_([0-9]{8})\.json$")
ORDERS_FILE = "mp_orders.csv"
ORDER_COLUMNS = ("order_id", "time", "openid", "amount")
#: Glob pattern → what the file is (the month folder's list of inputs, ``wxnb.io.folder``).
INPUTS: tuple[tuple[str, str], ...] = (
    *((f"wxa_{e}_*.json", f"小程序数据分析：{label}") for e, label in ENDPOINTS.items()),
    (ORDERS_FILE, "小程序订单（手工/订单系统导出）"),
)
#: getDailyRetain's keys (days after the cohort day): WeChat gives only these.
RETAIN_KEYS = (0, 1, 2, 3, 4, 5, 6, 7, 14, 30)
MONTH_RETAIN_KEYS = (0, 1)
PORTRAIT_DIMENSIONS = ("province", "city", "genders", "platforms", "devices", "ages")

_VISIT_COUNTS = ("session_cnt", "visit_pv", "visit_uv", "visit_uv_new")
_VISIT_MEASURES = ("stay_time_uv", "stay_time_session", "visit_depth")
_SUMMARY_COUNTS = ("visit_total", "share_pv", "share_uv")
_PAGE_COUNTS = ("page_visit_pv", "page_visit_uv", "entrypage_pv", "exitpage_pv")
_PAGE_OPTIONAL = ("page_share_pv", "page_share_uv")
_PAGE_MEASURES = ("page_staytime_pv",)

#: The raw field and endpoint names (none may reach the management layer).
API_FIELDS: tuple[str, ...] = (
    *ENDPOINTS, "ref_date", *_VISIT_COUNTS, *_VISIT_MEASURES, *_SUMMARY_COUNTS, "page_path",
    *_PAGE_COUNTS, *_PAGE_OPTIONAL, *_PAGE_MEASURES, "item_list", "access_source_session_cnt",
    "access_source_visit_uv", "access_staytime_info", "access_depth_info", "begin_timestamp",
    "end_timestamp", "device_level", "order_id",
)

#: 访问来源 keys of access_source_session_cnt → (name, the 场景值 each key groups). Keys 1–24
#: and their scenes: the official getVisitDistribution table (keys 7–24 from its mirrors);
#: 10 and 25–62: labels a public dashboard uses (keys ≥ 37 not confirmed by an official copy);
#: 33 微信广告 groups the ad scenes 1045 朋友圈广告, 1046 朋友圈广告详情页, 1067 公众号文章广告,
#: 1084 朋友圈广告原生页 (WeChat's 场景值 list; the grouping is ours).
ACCESS_SOURCES: dict[int, tuple[str, tuple[int, ...]]] = {
    1: ("小程序历史列表", (1001, 1002, 1004)),
    2: ("搜索", (1005, 1006, 1027, 1042, 1053, 1106, 1108, 1132)),
    3: ("会话", (1007, 1008, 1044, 1093, 1094, 1096)),
    4: ("扫一扫二维码", (1011, 1025, 1047, 1105, 1124, 1150)),
    5: ("公众号主页", (1020,)),
    6: ("聊天顶部", (1022,)),
    7: ("系统桌面", (1023, 1113, 1114, 1117)),
    8: ("小程序主页", (1024, 1135)),
    9: ("附近的小程序", (1026, 1033, 1068)),
    10: ("其他", ()),
    11: ("模板消息", (1014, 1043, 1107, 1162)),
    12: ("客服消息", (1021,)),
    13: ("公众号菜单", (1035, 1102, 1130)),
    14: ("APP分享", (1036,)),
    15: ("支付完成页", (1034, 1060, 1072, 1097, 1109, 1137, 1149)),
    16: ("长按识别二维码", (1012, 1048, 1050, 1125)),
    17: ("相册选取二维码", (1013, 1049, 1126)),
    18: ("公众号文章", (1058, 1091)),
    19: ("钱包", (1019, 1057, 1061, 1066, 1070, 1071)),
    20: ("卡包", (1028, 1128, 1148)),
    21: ("小程序内卡券", (1029, 1062)),
    22: ("其他小程序", (1037,)),
    23: ("其他小程序返回", (1038,)),
    24: ("卡券适用门店列表", ()),
    25: ("搜索框快捷入口", ()),
    26: ("小程序客服消息", ()),
    27: ("公众号下发", ()),
    28: ("系统会话菜单", ()),
    29: ("任务栏-最近使用", ()),
    30: ("长按小程序菜单圆点", ()),
    31: ("连wifi成功页", ()),
    32: ("城市服务", ()),
    33: ("微信广告（含朋友圈广告）", (1045, 1046, 1067, 1084)),
    34: ("其他移动应用", ()),
    35: ("发现入口-我的小程序", ()),
    36: ("任务栏-我的小程序", ()),
    37: ("微信圈子", ()),
    38: ("手机充值", ()),
    39: ("H5", ()),
    40: ("插件", ()),
    41: ("大家在用", ()),
    42: ("发现页", ()),
    43: ("浮窗", ()),
    44: ("附近的人", ()),
    45: ("看一看", ()),
    46: ("朋友圈", ()),
    47: ("企业微信", ()),
    48: ("视频", ()),
    49: ("收藏", ()),
    50: ("微信红包", ()),
    51: ("微信游戏中心", ()),
    52: ("摇一摇", ()),
    53: ("公众号导购消息", ()),
    54: ("识物", ()),
    55: ("小程序订单", ()),
    56: ("小程序直播", ()),
    57: ("群工具", ()),
    59: ("群待办", ()),
    60: ("第三方APP", ()),
    62: ("视频号", ()),
}
#: 场景值 → its 访问来源 key.
SCENE_SOURCE: dict[int, int] = {s: k for k, (_, scenes) in ACCESS_SOURCES.items() for s in scenes}


def source_label(key: int) -> str:
    """The name of a 访问来源 key; an unknown key is shown by its number."""
    return ACCESS_SOURCES[key][0] if key in ACCESS_SOURCES else f"来源 {key}（未知编号）"


def file_name(endpoint: str, begin: date, end: date) -> str:
    """The archive name of one answer: ``wxa_<endpoint>_<yyyymmdd>_<yyyymmdd>.json``."""
    return f"wxa_{endpoint}_{begin:%Y%m%d}_{end:%Y%m%d}.json"


@dataclass
class MpInputs:
    """One month's validated inputs; ``None`` for what the folder does not hold."""

    month: str
    visits: pd.DataFrame | None = None  # date + the visit trend fields
    summary: pd.DataFrame | None = None  # date, visit_total, share_pv, share_uv
    pages: pd.DataFrame | None = None  # date, page_path + the page fields
    retain: pd.DataFrame | None = None  # date, kind (new/active), key, value
    sources: pd.DataFrame | None = None  # date, index, key, value
    monthly: pd.DataFrame | None = None  # month + the visit trend fields (users de-duplicated)
    monthly_retain: pd.DataFrame | None = None  # cohort (YYYY-MM), kind, key, value
    portrait: pd.DataFrame | None = None  # kind, dimension, id, name, value (attrs: range)
    performance: pd.DataFrame | None = None  # date, table, zh, value (ms)
    orders: pd.DataFrame | None = None  # order_id, time, openid, amount, scene
    files: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def days(self, name: str) -> set[date]:
        """The days an endpoint's files cover with data."""
        frame = {DAILY_VISIT: self.visits, DAILY_SUMMARY: self.summary, VISIT_PAGE: self.pages,
                 DAILY_RETAIN: self.retain, DISTRIBUTION: self.sources,
                 PERFORMANCE: self.performance}.get(name)
        return set() if frame is None else {d.date() for d in frame["date"]}


# --------------------------------------------------------------------------- values


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def _snake(text: str) -> str:
    return _CAMEL.sub(r"_\1", text).lower()


def _normalise(value: Any) -> Any:
    """camelCase keys (the cloud-call answers) → snake_case, at any depth."""
    if isinstance(value, dict):
        return {(_snake(k) if isinstance(k, str) else k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def _count(v: Any) -> int | None:
    """A JSON count: an integer 0…COUNT_MAX (not a bool, not a long-number marker)."""
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= csvin.COUNT_MAX:
        return None
    return v


def _measure(v: Any) -> float | None:
    """A JSON measure (seconds, depth): a finite number ≥ 0."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    x = float(v)
    return x if math.isfinite(x) and x >= 0 else None


def _shown(v: Any) -> str:
    return "缺失" if v is None else csvin.brief(v, 60)


def _yyyymmdd(v: Any) -> date | None:
    if not isinstance(v, str) or not re.fullmatch(r"[0-9]{8}", v):
        return None
    try:
        return datetime.strptime(v, "%Y%m%d").date()
    except ValueError:
        return None


class _Reader:
    """Collects one file's problems while its rows are read."""

    def __init__(self, name: str, month: str) -> None:
        self.name, self.month = name, month
        self.problems: list[Problem] = []

    def problem(self, fld: str | None, row: str | None, expected: str, found: str) -> None:
        self.problems.append(Problem(self.name, fld, row, expected, found))

    def day(self, v: Any, row: str | None, fld: str = "ref_date") -> date | None:
        d = _yyyymmdd(v)
        if d is None:
            self.problem(fld, row, "日期 yyyymmdd（如 20261001）", _shown(v))
        elif f"{d:%Y-%m}" != self.month:
            self.problem(fld, row, f"{self.month} 月内的日期", str(v))
            return None
        return d

    def counts(self, item: dict[str, Any], names: tuple[str, ...], row: str,
               optional: bool = False) -> dict[str, int] | None:
        out: dict[str, int] = {}
        ok = True
        for n in names:
            v = item.get(n)
            if v is None and optional:
                out[n] = 0
                continue
            c = _count(v)
            if c is None:
                ok = False
                self.problem(n, row, f"非负整数（不超过 {csvin.COUNT_MAX:,}）", _shown(v))
            else:
                out[n] = c
        return out if ok else None

    def measures(self, item: dict[str, Any], names: tuple[str, ...],
                 row: str) -> dict[str, float] | None:
        out: dict[str, float] = {}
        ok = True
        for n in names:
            x = _measure(item.get(n))
            if x is None:
                ok = False
                self.problem(n, row, "非负数", _shown(item.get(n)))
            else:
                out[n] = x
        return out if ok else None

    def envelope(self, body: Any) -> dict[str, Any] | None:
        """The answer as a dict, or None (a problem) for a non-object or an error answer."""
        if not isinstance(body, dict):
            self.problem(None, None, "JSON 对象 {...}（微信接口的应答）", csvin.brief(body, 40))
            return None
        code = body.get("errcode", 0)
        if code not in (0, "0", None):
            self.problem("errcode", None, "成功的应答（errcode 0 或没有 errcode）",
                         f"errcode={csvin.brief(code, 30)} "
                         f"errmsg={csvin.brief(body.get('errmsg', ''), 80)}")
            return None
        return body

    def items(self, body: dict[str, Any], key: str = "list") -> list[tuple[str, dict[str, Any]]]:
        value = body.get(key)
        if not isinstance(value, list):
            self.problem(key, None, "数组", "缺失" if value is None else csvin.brief(value, 40))
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                out.append((f"{key}[{i}]", item))
            else:
                self.problem(None, f"{key}[{i}]", "对象 {...}", csvin.brief(item, 40))
        return out


# --------------------------------------------------------------------------- endpoints

_Parsed = list[dict[str, Any]]


def _trend(r: _Reader, body: dict[str, Any], counts: tuple[str, ...],
           measures: tuple[str, ...]) -> _Parsed:
    rows = []
    for loc, item in r.items(body):
        d = r.day(item.get("ref_date"), loc)
        c = r.counts(item, counts, loc)
        m = r.measures(item, measures, loc) if measures else {}
        if d is None or c is None or m is None:
            continue
        if "visit_uv" in c and "visit_pv" in c and c["visit_uv"] > c["visit_pv"]:
            r.problem("visit_uv", loc, f"≤ visit_pv（{c['visit_pv']}）", str(c["visit_uv"]))
            continue
        if "visit_uv_new" in c and c["visit_uv_new"] > c["visit_uv"]:
            r.problem("visit_uv_new", loc, f"≤ visit_uv（{c['visit_uv']}）",
                      str(c["visit_uv_new"]))
            continue
        rows.append({"date": d, **c, **m, "_row": loc})
    return rows


def _pages(r: _Reader, body: dict[str, Any]) -> _Parsed:
    top = body.get("ref_date")
    rows = []
    for loc, item in r.items(body):
        d = r.day(item.get("ref_date", top), loc if "ref_date" in item else "ref_date")
        path = item.get("page_path")
        if not isinstance(path, str) or not path.strip():
            r.problem("page_path", loc, "页面路径（文本）", _shown(path))
            path = None
        c = r.counts(item, _PAGE_COUNTS, loc)
        opt = r.counts(item, _PAGE_OPTIONAL, loc, optional=True)
        m = r.measures(item, _PAGE_MEASURES, loc)
        if d is None or path is None or c is None or opt is None or m is None:
            continue
        bad = False
        for n in ("page_visit_uv", "entrypage_pv", "exitpage_pv"):
            if c[n] > c["page_visit_pv"]:
                r.problem(n, loc, f"≤ page_visit_pv（{c['page_visit_pv']}）", str(c[n]))
                bad = True
        if not bad:
            rows.append({"date": d, "page_path": path, **c, **opt, **m, "_row": loc})
    return rows


def _retain_lists(r: _Reader, body: dict[str, Any], keys: tuple[int, ...],
                  what: str) -> list[tuple[str, int, int, str]]:
    """(kind, key, value, location) of visit_uv_new (kind new) and visit_uv (kind active)."""
    out = []
    for name, kind in (("visit_uv_new", "new"), ("visit_uv", "active")):
        value = body.get(name)
        if not isinstance(value, list):
            r.problem(name, None, "数组 [{key, value}, ...]", _shown(value))
            continue
        seen: dict[int, str] = {}
        base = None
        for i, entry in enumerate(value):
            loc = f"{name}[{i}]"
            k = entry.get("key") if isinstance(entry, dict) else None
            v = entry.get("value") if isinstance(entry, dict) else None
            if isinstance(k, str) and k.isdigit():
                k = int(k)
            if isinstance(k, bool) or not isinstance(k, int) or k not in keys:
                r.problem(f"{name}.key", loc, what, _shown(k))
                continue
            c = _count(v)
            if c is None:
                r.problem(f"{name}.value", loc, "非负整数", _shown(v))
                continue
            if k in seen:
                r.problem(f"{name}.key", loc, f"key {k} 只出现一次", f"与 {seen[k]} 重复")
                continue
            seen[k] = loc
            if k == 0:
                base = c
            out.append((kind, k, c, loc))
        if base is not None:
            for kind, k, c, loc in out:
                if kind == ("new" if name == "visit_uv_new" else "active") and k and c > base:
                    r.problem(f"{name}.value", loc, f"≤ key 0 的人数（{base}）", str(c))
    return out


def _retain(r: _Reader, body: dict[str, Any]) -> _Parsed:
    d = r.day(body.get("ref_date"), None)
    entries = _retain_lists(r, body, RETAIN_KEYS, "0–7、14、30 之一（距首日的天数）")
    if d is None:
        return []
    return [{"date": d, "kind": kind, "key": k, "value": v, "_row": loc}
            for kind, k, v, loc in entries]


def _distribution(r: _Reader, body: dict[str, Any]) -> _Parsed:
    d = r.day(body.get("ref_date"), None)
    rows = []
    for loc, item in r.items(body):
        index = item.get("index")
        if not isinstance(index, str) or not index:
            r.problem("index", loc, "分布类型（文本，如 access_source_session_cnt）", _shown(index))
            continue
        index = _snake(index)
        entries = item.get("item_list")
        if not isinstance(entries, list):
            r.problem("item_list", loc, "数组 [{key, value}, ...]", _shown(entries))
            continue
        for j, e in enumerate(entries):
            where = f"{loc}.item_list[{j}]"
            k = e.get("key") if isinstance(e, dict) else None
            v = e.get("value") if isinstance(e, dict) else None
            if isinstance(k, str) and k.isdigit():
                k = int(k)
            if isinstance(k, bool) or not isinstance(k, int):
                r.problem("key", where, "整数编号", _shown(k))
                continue
            c = _count(v)
            if c is None:
                r.problem("value", where, "非负整数", _shown(v))
                continue
            if d is not None:
                rows.append({"date": d, "index": index, "key": k, "value": c, "_row": where})
    return rows


def _monthly(r: _Reader, body: dict[str, Any], allowed: tuple[str, ...]) -> _Parsed:
    rows = []
    for loc, item in r.items(body):
        ym = _yyyymm(r, item.get("ref_date"), loc, allowed)
        c = r.counts(item, _VISIT_COUNTS, loc)
        m = r.measures(item, _VISIT_MEASURES, loc)
        if ym is not None and c is not None and m is not None:
            rows.append({"month": ym, **c, **m, "_row": loc})
    return rows


def _yyyymm(r: _Reader, v: Any, loc: str | None, allowed: tuple[str, ...]) -> str | None:
    if not isinstance(v, str) or not re.fullmatch(r"[0-9]{4}(0[1-9]|1[0-2])", v):
        r.problem("ref_date", loc, "月份 yyyymm（如 202610）", _shown(v))
        return None
    ym = f"{v[:4]}-{v[4:]}"
    if ym not in allowed:
        r.problem("ref_date", loc, "、".join(a.replace("-", "") for a in allowed), v)
        return None
    return ym


def _monthly_retain(r: _Reader, body: dict[str, Any], allowed: tuple[str, ...]) -> _Parsed:
    ym = _yyyymm(r, body.get("ref_date"), None, allowed)
    entries = _retain_lists(r, body, MONTH_RETAIN_KEYS, "0 或 1（距该月的月数）")
    if ym is None:
        return []
    return [{"cohort": ym, "kind": kind, "key": k, "value": v, "_row": loc}
            for kind, k, v, loc in entries]


def _portrait(r: _Reader, body: dict[str, Any]) -> _Parsed:
    span = body.get("ref_date")
    ends = span.split("-") if isinstance(span, str) else []
    days = [_yyyymmdd(e) for e in ends]
    if not 1 <= len(days) <= 2 or None in days:
        r.problem("ref_date", None, "yyyymmdd 或 yyyymmdd-yyyymmdd", _shown(span))
        return []
    if f"{days[-1]:%Y-%m}" != r.month:
        r.problem("ref_date", None, f"截止日在 {r.month} 月内", str(span))
        return []
    rows = []
    for name, kind in (("visit_uv_new", "new"), ("visit_uv", "active")):
        dims = body.get(name)
        if not isinstance(dims, dict):
            r.problem(name, None, "对象 {province, city, genders, platforms, devices, ages}",
                      _shown(dims))
            continue
        for dim, entries in dims.items():
            if entries is None:
                continue
            if not isinstance(entries, list):
                r.problem(f"{name}.{dim}", None, "数组 [{id, name, value}, ...]", _shown(entries))
                continue
            for i, e in enumerate(entries):
                loc = f"{name}.{dim}[{i}]"
                label = e.get("name") if isinstance(e, dict) else None
                c = _count(e.get("value")) if isinstance(e, dict) else None
                if not isinstance(label, str) or c is None:
                    r.problem(f"{name}.{dim}", loc, "{id, name: 文本, value: 非负整数}",
                              csvin.brief(e, 60))
                    continue
                rows.append({"kind": kind, "dimension": dim, "id": e.get("id"), "name": label,
                             "value": c, "range": span, "_row": loc})
    return rows


def _performance(r: _Reader, body: dict[str, Any], window: tuple[date, date]) -> _Parsed:
    data = body.get("data")
    inner = data.get("body") if isinstance(data, dict) else None
    tables = inner.get("tables") if isinstance(inner, dict) else None
    if not isinstance(tables, list):
        r.problem("data.body.tables", None, "数组（getPerformanceData 的应答）", _shown(tables))
        return []
    rows = []
    for t, table in enumerate(tables):
        loc = f"tables[{t}]"
        tid = table.get("id") if isinstance(table, dict) else None
        if not isinstance(tid, str) or not tid:
            r.problem("id", loc, "指标 id（文本）", _shown(tid))
            continue
        zh = table.get("zh")
        zh = zh if isinstance(zh, str) and zh.strip() else tid
        lines = table.get("lines")
        if not isinstance(lines, list):
            r.problem("lines", loc, "数组 [{fields: [...]}]", _shown(lines))
            continue
        seen: dict[date, str] = {}
        for i, line in enumerate(lines):
            fields = line.get("fields") if isinstance(line, dict) else None
            if not isinstance(fields, list):
                r.problem("fields", f"{loc}.lines[{i}]", "数组 [{refdate, value}]", _shown(fields))
                continue
            for j, f in enumerate(fields):
                where = f"{loc}.lines[{i}].fields[{j}]"
                if not isinstance(f, dict):
                    r.problem(None, where, "对象 {refdate, value}", csvin.brief(f, 40))
                    continue
                d = r.day(f.get("refdate"), where, "refdate")
                raw = f.get("value")
                v = csvin.number(str(raw)) if isinstance(raw, str | int | float) \
                    and not isinstance(raw, bool) else None
                if v is None or v < 0:
                    r.problem("value", where, "非负数（毫秒，微信以文本给出，如 \"1520.5\"）",
                              _shown(raw))
                    continue
                if d is None:
                    continue
                if not window[0] <= d <= window[1]:
                    r.problem("refdate", where, f"文件名所示的 {window[0]:%Y%m%d}–"
                              f"{window[1]:%Y%m%d} 内", f"{d:%Y%m%d}")
                    continue
                if d in seen:
                    r.problem("refdate", where, "每个指标每天一个值", f"与 {seen[d]} 重复")
                    continue
                seen[d] = where
                rows.append({"date": d, "table": tid, "zh": zh, "value": v, "_row": where})
    return rows


# --------------------------------------------------------------------------- files


@dataclass
class _Found:
    path: Path
    endpoint: str
    begin: date
    end: date


def _discover(folder: Path, problems: list[Problem]) -> dict[str, list[_Found]]:
    found: dict[str, list[_Found]] = {name: [] for name in ENDPOINTS}
    for path in sorted(folder.glob("wxa_*")):
        if not path.is_file():
            continue
        m = NAME_RX.match(path.name)
        b = _yyyymmdd(m.group(2)) if m else None
        e = _yyyymmdd(m.group(3)) if m else None
        if m is None or b is None or e is None or e < b:
            problems.append(Problem(path.name, None, None,
                                    "文件名 wxa_<接口名>_<yyyymmdd>_<yyyymmdd>.json",
                                    csvin.brief(path.name, 80)))
            continue
        if m.group(1) not in found:
            problems.append(Problem(path.name, None, None,
                                    f"已知的小程序数据接口（{'、'.join(ENDPOINTS)}）",
                                    m.group(1)))
            continue
        found[m.group(1)].append(_Found(path, m.group(1), b, e))
    return found


def _all_zero(rows: _Parsed, keys: tuple[str, ...]) -> bool:
    return bool(rows) and all(all(r.get(k, 0) == 0 for k in keys) for r in rows)


_ZERO_KEYS = {
    DAILY_VISIT: _VISIT_COUNTS, DAILY_SUMMARY: _SUMMARY_COUNTS, VISIT_PAGE: _PAGE_COUNTS,
    DAILY_RETAIN: ("value",), DISTRIBUTION: ("value",), PERFORMANCE: ("value",),
}


def _read(f: _Found, month: str, notes: list[str]) -> tuple[_Parsed, list[Problem]]:
    body, note, problems = csvin.read_json(f.path, "合法的 JSON（微信接口的应答）")
    if problems:
        return [], problems
    if note:
        notes.append(note)
    r = _Reader(f.path.name, month)
    env = r.envelope(_normalise(body))
    if env is None:
        return [], r.problems
    allowed = (month, prev_month(month)) if f.endpoint == MONTHLY_RETAIN else (month,)
    parsers: dict[str, Callable[[], _Parsed]] = {
        DAILY_VISIT: lambda: _trend(r, env, _VISIT_COUNTS, _VISIT_MEASURES),
        DAILY_SUMMARY: lambda: _trend(r, env, _SUMMARY_COUNTS, ()),
        VISIT_PAGE: lambda: _pages(r, env),
        DAILY_RETAIN: lambda: _retain(r, env),
        DISTRIBUTION: lambda: _distribution(r, env),
        MONTHLY_VISIT: lambda: _monthly(r, env, allowed),
        MONTHLY_RETAIN: lambda: _monthly_retain(r, env, allowed),
        PORTRAIT: lambda: _portrait(r, env),
        PERFORMANCE: lambda: _performance(r, env, (f.begin, f.end)),
    }
    rows = parsers[f.endpoint]()
    if f.endpoint in DAILY_ENDPOINTS:
        for row in rows:
            if row["date"] < f.begin or row["date"] > f.end:
                r.problem("ref_date", row["_row"], f"文件名所示的 {f.begin:%Y%m%d}–{f.end:%Y%m%d} 内",
                          f"{row['date']:%Y%m%d}")
                return [], r.problems
    for row in rows:
        row["_file"] = f.path.name
    return rows, r.problems


def _zero_days(rows: _Parsed, endpoint: str) -> tuple[_Parsed, list[str]]:
    """The rows without the days whose every figure is 0 (WeChat's answer for data not ready),
    and those days' files."""
    keys = _ZERO_KEYS.get(endpoint)
    if keys is None or not rows:
        return rows, []
    by_day: dict[date, _Parsed] = {}
    for row in rows:
        by_day.setdefault(row["date"], []).append(row)
    zero = {d for d, day_rows in by_day.items() if _all_zero(day_rows, keys)}
    files = sorted({row["_file"] for row in rows if row["date"] in zero})
    return [row for row in rows if row["date"] not in zero], files


def _duplicates(rows: _Parsed, key: tuple[str, ...], label: str) -> list[Problem]:
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    out = []
    for row in rows:
        k = tuple(row[c] for c in key)
        first = seen.get(k)
        if first is None:
            seen[k] = row
        elif first["_file"] != row["_file"] or first["_row"] != row["_row"]:
            shown = ", ".join(f"{c}={v:%Y%m%d}" if isinstance(v, date) else f"{c}={v}"
                              for c, v in zip(key, k, strict=True))
            out.append(Problem(row["_file"], label, row["_row"], f"（{shown}）只出现一次",
                               f"与 {first['_file']} {first['_row']} 重复"))
    return out


_KEYS: dict[str, tuple[str, ...]] = {
    DAILY_VISIT: ("date",), DAILY_SUMMARY: ("date",), VISIT_PAGE: ("date", "page_path"),
    DAILY_RETAIN: ("date", "kind", "key"), DISTRIBUTION: ("date", "index", "key"),
    MONTHLY_VISIT: ("month",), MONTHLY_RETAIN: ("cohort", "kind", "key"),
    PORTRAIT: ("kind", "dimension", "name", "id"), PERFORMANCE: ("table", "date"),
}


def _frame(rows: _Parsed) -> pd.DataFrame | None:
    if not rows:
        return None
    df = pd.DataFrame(rows).drop(columns=["_row"])
    if "date" in df:
        df["date"] = pd.to_datetime(df["date"])
        df = df.sort_values([c for c in ("date", "page_path", "kind", "key", "table", "index")
                             if c in df]).reset_index(drop=True)
    return df


# --------------------------------------------------------------------------- orders


_TIME_RX = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?")


def _order_time(text: str) -> datetime | None:
    if not _TIME_RX.fullmatch(text):
        return None
    text = text.replace("T", " ")
    for form in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    return None


def _load_orders(path: Path, month: str, notes: list[str]
                 ) -> tuple[pd.DataFrame | None, list[Problem]]:
    df, problems = csvin.read_csv(path, ORDER_COLUMNS, notes=notes)
    if df is None:
        return None, problems
    name = path.name
    out: list[Problem] = []
    seen: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    outside = 0
    has_scene = "scene" in df.columns
    for i, rec in enumerate(df.to_dict("records")):
        row = csvin.row_label(i)
        oid, t, who = rec["order_id"], rec["time"], rec["openid"]
        stamp = _order_time(t)
        amount = csvin.number(rec["amount"])
        scene_text = rec.get("scene", "") if has_scene else ""
        scene = int(scene_text) if re.fullmatch(r"[0-9]{4}", scene_text) else None
        bad = False
        if not oid:
            out.append(Problem(name, "order_id", row, "订单号", "缺失"))
            bad = True
        elif oid in seen:
            out.append(Problem(name, "order_id", row, "每个订单号只出现一次",
                               f"与{seen[oid]}重复"))
            bad = True
        if stamp is None:
            out.append(Problem(name, "time", row, "时间 YYYY-MM-DD HH:MM[:SS]（北京时间）",
                               csvin.brief(t, 60) if t else "缺失"))
            bad = True
        if not who:
            out.append(Problem(name, "openid", row, "买家标识（openid）", "缺失"))
            bad = True
        if amount is None or amount < 0:
            out.append(Problem(name, "amount", row, "金额（元，≥ 0）",
                               csvin.brief(rec["amount"], 40) if rec["amount"] else "缺失"))
            bad = True
        if scene_text and scene is None:
            out.append(Problem(name, "scene", row, "场景值（4 位数字，如 1035）或留空",
                               csvin.brief(scene_text, 40)))
            bad = True
        if oid and oid not in seen:
            seen[oid] = f" {row} "
        if bad or stamp is None:
            continue
        if f"{stamp:%Y-%m}" != month:
            outside += 1
            continue
        rows.append({"order_id": oid, "time": stamp, "openid": who, "amount": amount,
                     "scene": scene})
    if out:
        return None, out
    if outside:
        notes.append(f"{name}：{outside} 笔订单不在 {month} 月内，未计入")
    if not rows:
        notes.append(f"{name} 没有 {month} 月内的订单")
        return None, []
    frame = pd.DataFrame(rows)
    frame["time"] = pd.to_datetime(frame["time"])
    frame["scene"] = frame["scene"].astype("Int64")
    return frame, []


# --------------------------------------------------------------------------- the month


def load(folder: Path, month: str) -> MpInputs:
    """Read and validate section 13's files of one month (read-only).

    A month's files are parsed once (``wxnb.io.loadcache``: the build's check, then the
    section, both months, until a file or the input layer's code changes).

    Raises
    ------
    DataValidationError
        Listing every problem of every file (file, field, row, expected, found).
    """
    from wxnb.io import loadcache

    folder = Path(folder)
    files = [folder / ORDERS_FILE, *(p for p in folder.glob("wxa_*") if p.is_file())]
    return loadcache.cached("miniprogram.load", (month,), files, lambda: _load(folder, month))


def _load(folder: Path, month: str) -> MpInputs:
    problems: list[Problem] = []
    notes: list[str] = []
    found = _discover(folder, problems) if folder.is_dir() else {n: [] for n in ENDPOINTS}
    parsed: dict[str, _Parsed] = {}
    for endpoint, files in found.items():
        rows: _Parsed = []
        for f in files:
            got, bad = _read(f, month, notes)
            problems += bad
            rows += got
        problems += _duplicates(rows, _KEYS[endpoint], ",".join(_KEYS[endpoint]))
        rows, zero_files = _zero_days(rows, endpoint)
        if zero_files:
            shown = "、".join(zero_files[:3]) + (f" 等 {len(zero_files)} 个文件"
                                                 if len(zero_files) > 3 else "")
            notes.append(f"{ENDPOINTS[endpoint]}：{shown} 全为 0（微信数据未就绪时的应答），"
                         "这些日子按缺失处理；稍后重新运行 wxnb fetch 可补上")
        parsed[endpoint] = rows
    orders = None
    if (folder / ORDERS_FILE).is_file():
        orders, bad = _load_orders(folder / ORDERS_FILE, month, notes)
        problems += bad
    if problems:
        raise DataValidationError(problems)
    inputs = MpInputs(
        month,
        visits=_frame(parsed[DAILY_VISIT]), summary=_frame(parsed[DAILY_SUMMARY]),
        pages=_frame(parsed[VISIT_PAGE]), retain=_frame(parsed[DAILY_RETAIN]),
        sources=_frame(parsed[DISTRIBUTION]), monthly=_frame(parsed[MONTHLY_VISIT]),
        monthly_retain=_frame(parsed[MONTHLY_RETAIN]), portrait=_frame(parsed[PORTRAIT]),
        performance=_frame(parsed[PERFORMANCE]), orders=orders,
        files={e: [f.path.name for f in fs] for e, fs in found.items() if fs},
        warnings=notes,
    )
    return inputs


def load_monthly_retain(path: Path, month: str) -> pd.DataFrame | None:
    """One monthly retention answer of the month folder ``month`` (its cohorts: that month and
    the one before), validated; section 13 reads the next month's to see whether this month's
    new users came back. Raises DataValidationError."""
    m = NAME_RX.match(path.name)
    b = _yyyymmdd(m.group(2)) if m else None
    e = _yyyymmdd(m.group(3)) if m else None
    if m is None or b is None or e is None or m.group(1) != MONTHLY_RETAIN:
        raise DataValidationError([Problem(path.name, None, None,
                                           file_name(MONTHLY_RETAIN, date(2026, 10, 1),
                                                     date(2026, 10, 31)) + " 形式的文件名",
                                           path.name)])
    rows, problems = _read(_Found(path, MONTHLY_RETAIN, b, e), month, [])
    if problems:
        raise DataValidationError(problems)
    return _frame(rows)
