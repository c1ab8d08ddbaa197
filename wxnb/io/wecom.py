"""Reading and validating section 11's inputs: the WeCom pilot design, the staff's customer-contact
statistics, the group-chat statistics and the orders.

Inputs of one month folder (read only; docs/data-contract.md, section 11):

``wecom_pilot.csv`` (required for the section)
    The design, one row per unit: ``unit`` (a store id, or a staff member's WeCom userid),
    ``unit_type`` (门店/员工), ``group`` (试点/对照), ``pilot_start`` (YYYY-MM-DD, the day the
    pilot started; required on 试点 rows, one date for all of them; empty or the same date on
    对照 rows), optional ``store`` and ``name`` (a display name). When the file has 门店 rows the
    stores are the units and every 员工 row names its store in ``store`` (its ``group`` empty or
    the store's): the staff rows only say whose WeCom statistics belong to which store. Without
    门店 rows the staff members are the units.
``wecom_behavior_<userid>_<YYYY-MM-DD>_<YYYY-MM-DD>.json``
    ``externalcontact/get_user_behavior_data`` answers as received, ONE staff member per file
    (several userids in one request come back summed, so the file name carries the one
    userid the request named). ``errcode`` must be 0; ``behavior_data[].stat_time`` is the day's
    00:00 Asia/Shanghai in unix seconds, inside the file's window (≤ 30 days after its start);
    ``chat_cnt`` is required, the other counts optional; ``reply_percentage`` is a PERCENT
    (60.25 = 60.25 %) and ``avg_reply_time`` minutes, both absent on days without chats.
``wecom_groupchat_statistic_<start>_<end>[_<page>].json`` / ``wecom_groupchat_byday_<userid>_<start>_<end>.json``
    ``externalcontact/groupchat/statistic`` (``items[{owner, data{…}}]``, per group owner over
    the window) and ``groupchat/statistic_group_by_day`` for one owner (``items[{stat_time,
    data{…}}]``). Context only (群聊 is not one of the pilot's outcomes).
``wecom_orders.csv``
    ``order_id, time (YYYY-MM-DD HH:MM[:SS], Asia/Shanghai), customer_id, unit (the store or
    staff userid the order belongs to), amount (yuan ≥ 0)``. Rows outside the folder's month are
    left out and counted in a note (the previous month's orders live in its own folder).

Every problem names file, field, row, expected and found; they are collected and raised together.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeGuard

import pandas as pd

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import csvin
from wxnb.paths import CST

__all__ = [
    "API_FIELDS",
    "BEHAVIOR_GLOB",
    "BEHAVIOR_OPTIONAL",
    "GROUPCHAT_FIELDS",
    "GROUPCHAT_GLOB",
    "GROUPS",
    "INPUTS",
    "MAX_SPAN_DAYS",
    "ORDERS_FILE",
    "ORDER_COLUMNS",
    "PILOT_COLUMNS",
    "PILOT_FILE",
    "PILOT_OPTIONAL",
    "UNIT_TYPES",
    "Roster",
    "WecomInputs",
    "load",
    "load_roster",
]

PILOT_FILE = "wecom_pilot.csv"
ORDERS_FILE = "wecom_orders.csv"
BEHAVIOR_GLOB = "wecom_behavior_*.json"
GROUPCHAT_GLOB = "wecom_groupchat_*.json"
PILOT_COLUMNS = ("unit", "unit_type", "group", "pilot_start")
PILOT_OPTIONAL = ("store", "name")
ORDER_COLUMNS = ("order_id", "time", "customer_id", "unit", "amount")
UNIT_TYPES = ("门店", "员工")
GROUPS = ("试点", "对照")
MAX_SPAN_DAYS = 30  # both WeCom statistics endpoints: end − start ≤ 30 days

BEHAVIOR_OPTIONAL = ("message_cnt", "negative_feedback_cnt", "new_apply_cnt", "new_contact_cnt")
GROUPCHAT_FIELDS = ("new_chat_cnt", "chat_total", "chat_has_msg", "new_member_cnt",
                    "member_total", "member_has_msg", "msg_total")
_GROUPCHAT_NEW = ("new_chat_cnt", "new_member_cnt")  # per day: summed over a window
#: Raw field names of the WeCom answers and of the CSV files: never in the management layer.
API_FIELDS: tuple[str, ...] = (
    "behavior_data", "stat_time", "chat_cnt", "reply_percentage", "avg_reply_time",
    *BEHAVIOR_OPTIONAL, *GROUPCHAT_FIELDS, "errcode", "errmsg", "userid",
    "order_id", "customer_id", "unit_type", "pilot_start",
)

#: Glob pattern → what the file is (for the appendix's list of inputs and the folder check).
INPUTS: tuple[tuple[str, str], ...] = (
    (PILOT_FILE, "企业微信试点名单（试点/对照门店或员工，手工）"),
    (BEHAVIOR_GLOB, "企业微信联系客户统计（get_user_behavior_data，每名员工一个文件）"),
    (GROUPCHAT_GLOB, "企业微信客户群统计（groupchat/statistic）"),
    (ORDERS_FILE, "试点评估订单（门店/员工，手工/系统导出）"),
)

_USERID = r"[A-Za-z0-9][A-Za-z0-9_.@-]*"
_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_BEHAVIOR_RX = re.compile(rf"wecom_behavior_(?P<uid>{_USERID})_(?P<start>{_DAY})_(?P<end>{_DAY})\.json")
_STAT_RX = re.compile(rf"wecom_groupchat_statistic_(?P<start>{_DAY})_(?P<end>{_DAY})(?:_[^/]*)?\.json")
_BYDAY_RX = re.compile(
    rf"wecom_groupchat_byday_(?P<uid>{_USERID})_(?P<start>{_DAY})_(?P<end>{_DAY})\.json")
_TIME_RX = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?"


@dataclass
class Roster:
    """The pilot design: the analysis units and whose data belongs to which unit."""

    level: str  # 门店 or 员工: what the units are
    units: pd.DataFrame  # index unit; columns group (试点/对照), treated, name
    members: dict[str, str]  # staff userid → unit (a staff design maps each unit to itself)
    order_units: dict[str, str]  # an order's unit cell → unit (stores and their staff)
    pilot_start: date

    @property
    def treated(self) -> dict[str, bool]:
        return {str(u): bool(t) for u, t in self.units["treated"].items()}


@dataclass
class WecomInputs:
    """One month folder's validated inputs; ``None`` for what is not there."""

    month: str
    roster: Roster | None
    orders: pd.DataFrame | None  # order_id, time, customer_id, unit, amount, _row
    behavior: pd.DataFrame | None  # userid, day, chat_cnt, …, reply_share, reply_min, file
    behavior_days: pd.DataFrame | None  # userid, day: every day the windows cover (in month)
    groupchat: pd.DataFrame | None  # owner, start, end, days, GROUPCHAT_FIELDS, kind, file
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if csvin.is_day(text) else None


def _month_bounds(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, nxt - timedelta(days=1)


def _is_int(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> TypeGuard[int | float]:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _kind(v: Any) -> str:
    return csvin.brief(v, 60) if not isinstance(v, dict | list) else type(v).__name__


def _cst_day(stamp: int) -> date | None:
    """The Asia/Shanghai day of a unix timestamp that is that day's 00:00, else None."""
    if (stamp + 8 * 3600) % 86400:
        return None
    try:
        return datetime.fromtimestamp(stamp, CST).date()
    except (OverflowError, OSError, ValueError):
        return None


def _window(name: str, start: str, end: str) -> tuple[date | None, date | None, list[Problem]]:
    s, e = _day(start), _day(end)
    if s is None or e is None:
        return None, None, [Problem(name, None, "文件名", "有效日期 YYYY-MM-DD", f"{start}、{end}")]
    if e < s:
        return None, None, [Problem(name, None, "文件名", "结束日期不早于开始日期",
                                    f"{start} 至 {end}")]
    if (e - s).days > MAX_SPAN_DAYS:
        return None, None, [Problem(name, None, "文件名",
                                    f"一次请求的跨度不超过 {MAX_SPAN_DAYS} 天（接口上限）",
                                    f"{start} 至 {end}（{(e - s).days} 天）")]
    return s, e, []


def _envelope(doc: Any, name: str, key: str) -> tuple[list[Any] | None, list[Problem]]:
    """The list under ``key`` of a WeCom answer with errcode 0, or the problems."""
    if not isinstance(doc, dict):
        return None, [Problem(name, None, None, f'JSON 对象 {{"errcode": 0, "{key}": [...]}}',
                              _kind(doc))]
    code = doc.get("errcode", 0)
    if not _is_int(code):
        return None, [Problem(name, "errcode", None, "整数（0 表示成功）", _kind(code))]
    if code != 0:
        return None, [Problem(name, "errcode", None, "0（成功的应答；失败的请求请重新拉取）",
                              f"{code} {csvin.brief(doc.get('errmsg', ''), 80)}")]
    items = doc.get(key)
    if not isinstance(items, list):
        return None, [Problem(name, key, None, "数组",
                              "缺失" if items is None else _kind(items))]
    return items, []


# --------------------------------------------------------------------------- roster


def _roster_rows(df: pd.DataFrame, name: str) -> list[Problem]:
    out = []
    seen: dict[str, int] = {}
    for i, r in enumerate(df.to_dict("records")):
        row = csvin.row_label(i)
        unit = r["unit"]
        if not unit:
            out.append(Problem(name, "unit", row, "门店编号或员工 userid", "缺失"))
        elif unit in seen:
            out.append(Problem(name, "unit", row, "每个单位只出现一次",
                               f"{csvin.brief(unit, 60)} 与{csvin.row_label(seen[unit])}重复"))
        else:
            seen[unit] = i
        if r["unit_type"] not in UNIT_TYPES:
            out.append(Problem(name, "unit_type", row, "门店 或 员工",
                               csvin.brief(r["unit_type"], 60) if r["unit_type"] else "缺失"))
        if r["group"] not in (*GROUPS, ""):
            out.append(Problem(name, "group", row, "试点 或 对照", csvin.brief(r["group"], 60)))
        if r["pilot_start"] and _day(r["pilot_start"]) is None:
            out.append(Problem(name, "pilot_start", row, "日期 YYYY-MM-DD",
                               csvin.brief(r["pilot_start"], 60)))
    return out


def _design_problems(df: pd.DataFrame, name: str) -> list[Problem]:
    """Rules across rows: the level, the staff's stores, the groups, one pilot start."""
    out = []
    stores = df[df["unit_type"] == "门店"]
    level = "门店" if len(stores) else "员工"
    store_group = dict(zip(stores["unit"], stores["group"], strict=True))
    for i, r in enumerate(df.to_dict("records")):
        row = csvin.row_label(i)
        is_unit = r["unit_type"] == level
        if is_unit and not r["group"]:
            out.append(Problem(name, "group", row, "试点 或 对照", "缺失"))
        if level == "门店" and r["unit_type"] == "员工":
            if r["store"] not in store_group:
                out.append(Problem(name, "store", row, "本文件中某个门店行的 unit（员工所属门店）",
                                   csvin.brief(r["store"], 60) if r["store"] else "缺失"))
            elif r["group"] and r["group"] != store_group[r["store"]]:
                out.append(Problem(name, "group", row,
                                   f"空或与所属门店相同（{store_group[r['store']]}）", r["group"]))
        if is_unit and r["group"] == "试点" and not r["pilot_start"]:
            out.append(Problem(name, "pilot_start", row, "试点单位的开始日期 YYYY-MM-DD", "缺失"))
    units = df[df["unit_type"] == level]
    groups = set(units["group"])
    if not {"试点", "对照"} <= groups:
        out.append(Problem(name, "group", None, f"至少一个试点{level}和一个对照{level}",
                           "、".join(sorted(g for g in groups if g)) or "无"))
    starts = sorted({d for d in df["pilot_start"] if d and _day(d)})
    if len(starts) > 1:
        out.append(Problem(name, "pilot_start", None,
                           "所有试点单位同一个开始日期（分批开始的设计请分别评估）",
                           "、".join(starts[:5])))
    return out


def load_roster(path: Path, notes: list[str] | None = None
                ) -> tuple[Roster | None, list[Problem]]:
    """Read and validate ``wecom_pilot.csv`` (see the module docstring)."""
    df, problems = csvin.read_csv(path, PILOT_COLUMNS, notes=notes)
    if df is None:
        return None, problems
    for col in PILOT_OPTIONAL:
        if col not in df.columns:
            df[col] = ""
    name = path.name
    problems = _roster_rows(df, name)
    if problems:
        return None, problems
    problems = _design_problems(df, name)
    if problems:
        return None, problems
    level = "门店" if (df["unit_type"] == "门店").any() else "员工"
    units = df[df["unit_type"] == level].set_index("unit")
    frame = pd.DataFrame({
        "group": units["group"], "treated": units["group"] == "试点",
        "name": [n or u for u, n in zip(units.index, units["name"], strict=True)],
    }, index=units.index.astype(str))
    if level == "门店":
        staff = df[df["unit_type"] == "员工"]
        members = dict(zip(staff["unit"], staff["store"], strict=True))
    else:
        members = {u: u for u in frame.index}
    order_units = {**members, **{u: u for u in frame.index}}
    start = _day(next(d for d in df["pilot_start"] if d))
    assert start is not None  # validated
    return Roster(level, frame, members, order_units, start), []


# --------------------------------------------------------------------------- orders


def _load_orders(path: Path, month: str, notes: list[str]
                 ) -> tuple[pd.DataFrame | None, list[Problem]]:
    df, problems = csvin.read_csv(path, ORDER_COLUMNS, notes=notes, allow_empty=True)
    if df is None:
        return None, problems
    name = path.name
    df = df.reset_index(drop=True)
    df["_row"] = [csvin.row_label(i) for i in range(len(df))]
    for col, what in (("order_id", "订单号"), ("customer_id", "客户标识（匿名 id）"),
                      ("unit", "门店编号或员工 userid")):
        for i in df.index[df[col] == ""]:
            problems.append(Problem(name, col, df.at[i, "_row"], what, "缺失"))
    dup = df["order_id"].ne("") & df["order_id"].duplicated(keep="first")
    first = df.drop_duplicates("order_id").set_index("order_id")["_row"]
    for i in df.index[dup]:
        problems.append(Problem(name, "order_id", df.at[i, "_row"], "每个订单号只出现一次",
                                f"{csvin.brief(df.at[i, 'order_id'], 40)} 与{first[df.at[i, 'order_id']]}重复"))
    text = df["time"].str.replace("T", " ", regex=False)
    shaped = text.str.fullmatch(_TIME_RX)
    text = text.where(text.str.len() != 16, text + ":00")
    stamp = pd.to_datetime(text.where(shaped), format="%Y-%m-%d %H:%M:%S", errors="coerce")
    for i in df.index[stamp.isna()]:
        problems.append(Problem(name, "time", df.at[i, "_row"], "时间 YYYY-MM-DD HH:MM[:SS]",
                                csvin.brief(df.at[i, "time"], 60) if df.at[i, "time"] else "缺失"))
    amount = df["amount"].map(csvin.number)
    for i in df.index[amount.isna() | (amount.fillna(0) < 0)]:
        a = df.at[i, "amount"]
        problems.append(Problem(name, "amount", df.at[i, "_row"], "金额（元），≥ 0 的数",
                                csvin.brief(a, 60) if a else "缺失"))
    if problems:
        return None, problems
    orders = pd.DataFrame({"order_id": df["order_id"], "time": stamp,
                           "customer_id": df["customer_id"], "unit": df["unit"],
                           "amount": amount.astype(float), "_row": df["_row"]})
    inside = orders["time"].dt.strftime("%Y-%m") == month
    if (~inside).any():
        notes.append(f"{name} 中 {int((~inside).sum())} 笔订单的时间不在 {month}，未计入"
                     "（上月订单放在上月目录）")
    orders = orders[inside].reset_index(drop=True)
    if orders.empty:
        notes.append(f"{name} 没有 {month} 的订单")
    return orders, []


# --------------------------------------------------------------------------- behaviour


def _behavior_item(item: Any, where: str, name: str, start: date, end: date
                   ) -> tuple[dict[str, Any] | None, list[Problem]]:
    if not isinstance(item, dict):
        return None, [Problem(name, None, where, "对象", _kind(item))]
    out: list[Problem] = []
    st = item.get("stat_time")
    day = None
    if not _is_int(st):
        out.append(Problem(name, "stat_time", where, "整数（当日 0 点的 unix 秒）",
                           "缺失" if st is None else _kind(st)))
    else:
        day = _cst_day(st)
        if day is None:
            out.append(Problem(name, "stat_time", where, "北京时间某日 0 点的 unix 秒", str(st)))
        elif not start <= day <= end:
            out.append(Problem(name, "stat_time", where, f"文件名的日期范围内（{start}–{end}）",
                               f"{st}（{day}）"))
    row: dict[str, Any] = {"day": day}
    chat = item.get("chat_cnt")
    if not _is_int(chat) or chat < 0:
        out.append(Problem(name, "chat_cnt", where, "非负整数",
                           "缺失" if chat is None else _kind(chat)))
    row["chat_cnt"] = chat
    for key in BEHAVIOR_OPTIONAL:
        v = item.get(key)
        if v is not None and (not _is_int(v) or v < 0):
            out.append(Problem(name, key, where, "非负整数", _kind(v)))
        row[key] = v
    pct = item.get("reply_percentage")
    if pct is not None and (not _is_num(pct) or not 0 <= pct <= 100):
        out.append(Problem(name, "reply_percentage", where, "百分数 0–100（60.25 即 60.25%）",
                           _kind(pct)))
    minutes = item.get("avg_reply_time")
    if minutes is not None and (not _is_num(minutes) or minutes < 0):
        out.append(Problem(name, "avg_reply_time", where, "非负数（分钟）", _kind(minutes)))
    if out:
        return None, out
    has_chats = bool(chat)  # validated: an integer ≥ 0
    row["reply_share"] = pct / 100 if pct is not None and has_chats else None  # percent → fraction
    row["reply_min"] = float(minutes) if minutes is not None and has_chats else None
    return row, []


def _behavior_file(path: Path) -> tuple[list[dict[str, Any]], tuple[str, date, date] | None,
                                        list[Problem], str | None]:
    name = path.name
    m = _BEHAVIOR_RX.fullmatch(name)
    if m is None:
        return [], None, [Problem(name, None, "文件名",
                                  "wecom_behavior_<userid>_<开始日期>_<结束日期>.json（一个文件一名员工）",
                                  name)], None
    start, end, problems = _window(name, m["start"], m["end"])
    if problems:
        return [], None, problems, None
    assert start is not None and end is not None
    doc, note, problems = csvin.read_json(path, "企业微信 get_user_behavior_data 的应答 JSON")
    if problems:
        return [], None, problems, None
    items, problems = _envelope(doc, name, "behavior_data")
    if items is None:
        return [], None, problems, None
    rows: list[dict[str, Any]] = []
    seen: dict[date, int] = {}
    for j, item in enumerate(items):
        where = f"behavior_data[{j}]"
        row, found = _behavior_item(item, where, name, start, end)
        problems += found
        if row is None:
            continue
        if row["day"] in seen:
            problems.append(Problem(name, "stat_time", where, "每天一条",
                                    f"{row['day']} 与 behavior_data[{seen[row['day']]}] 重复"))
            continue
        seen[row["day"]] = j
        rows.append({"userid": m["uid"], **row, "file": name, "_row": where})
    return rows, (m["uid"], start, end), problems, note


def _load_behavior(folder: Path, month: str, notes: list[str]
                   ) -> tuple[pd.DataFrame | None, pd.DataFrame | None, list[Problem]]:
    paths = sorted(folder.glob(BEHAVIOR_GLOB))
    if not paths:
        return None, None, []
    first, last = _month_bounds(month)
    rows: list[dict[str, Any]] = []
    covered: set[tuple[str, date]] = set()
    problems: list[Problem] = []
    for path in paths:
        found, window, bad, note = _behavior_file(path)
        problems += bad
        if note:
            notes.append(note)
        rows += found
        if window is not None and not bad:
            uid, s, e = window
            covered |= {(uid, s + timedelta(days=k)) for k in range((e - s).days + 1)}
    if problems:
        return None, None, problems
    df = pd.DataFrame(rows, columns=["userid", "day", "chat_cnt", *BEHAVIOR_OPTIONAL,
                                     "reply_share", "reply_min", "file", "_row"])
    # The same staff member and day in two files (overlapping pulls): the same answer is kept
    # once, two different answers are an error.
    values = ["chat_cnt", *BEHAVIOR_OPTIONAL, "reply_share", "reply_min"]
    for (uid, day), g in df.groupby(["userid", "day"]):
        if len(g) > 1 and len(g[values].astype(object).drop_duplicates()) > 1:
            a, b = g.iloc[0], g.iloc[1]
            problems.append(Problem(b["file"], "stat_time", b["_row"],
                                    f"与 {a['file']} {a['_row']} 的同一天（{day}）数值一致",
                                    "数值不同（同一员工同一天有两个不同的应答）"))
    if problems:
        return None, None, problems
    dups = int(df.duplicated(["userid", "day"]).sum())
    if dups:
        notes.append(f"企业微信联系客户统计：{dups} 个员工日在多个文件中重复且数值相同，只计一次")
    df = df.drop_duplicates(["userid", "day"])
    inside = df["day"].map(lambda d: first <= d <= last)
    if (~inside).any():
        notes.append(f"企业微信联系客户统计：{int((~inside).sum())} 个员工日不在 {month}，"
                     "未计入（各月的数据放在各月目录）")
    df = df[inside].reset_index(drop=True)
    df["day"] = pd.to_datetime(df["day"])
    for col in values:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    days = pd.DataFrame(sorted((u, d) for u, d in covered if first <= d <= last),
                        columns=["userid", "day"])
    days["day"] = pd.to_datetime(days["day"])
    return df, days, []


# --------------------------------------------------------------------------- group chats


def _group_data(data: Any, where: str, name: str) -> tuple[dict[str, int] | None, list[Problem]]:
    if not isinstance(data, dict):
        return None, [Problem(name, "data", where, "对象", "缺失" if data is None else _kind(data))]
    out: dict[str, int] = {}
    problems: list[Problem] = []
    for key in GROUPCHAT_FIELDS:
        v = data.get(key)
        if not _is_int(v) or v < 0:
            problems.append(Problem(name, key, f"{where}.data", "非负整数",
                                    "缺失" if v is None else _kind(v)))
        else:
            out[key] = v
    return (None, problems) if problems else (out, [])


def _groupchat_file(path: Path) -> tuple[list[dict[str, Any]], list[Problem], str | None]:
    name = path.name
    stat, byday = _STAT_RX.fullmatch(name), _BYDAY_RX.fullmatch(name)
    m = stat or byday
    if m is None:
        return [], [Problem(name, None, "文件名",
                            "wecom_groupchat_statistic_<开始>_<结束>.json（按群主）或 "
                            "wecom_groupchat_byday_<userid>_<开始>_<结束>.json（按天，一名群主）",
                            name)], None
    start, end, problems = _window(name, m["start"], m["end"])
    if problems:
        return [], problems, None
    assert start is not None and end is not None
    doc, note, problems = csvin.read_json(path, "企业微信群聊数据统计的应答 JSON")
    if problems:
        return [], problems, None
    items, problems = _envelope(doc, name, "items")
    if items is None:
        return [], problems, None
    rows: list[dict[str, Any]] = []
    daily: list[tuple[date, dict[str, int]]] = []
    for j, item in enumerate(items):
        where = f"items[{j}]"
        if not isinstance(item, dict):
            problems.append(Problem(name, None, where, "对象", _kind(item)))
            continue
        data, bad = _group_data(item.get("data"), where, name)
        problems += bad
        if stat:
            owner = item.get("owner")
            if not isinstance(owner, str) or not owner.strip():
                problems.append(Problem(name, "owner", where, "群主 userid",
                                        "缺失" if owner is None else _kind(owner)))
            elif data is not None:
                rows.append({"owner": owner.strip(), "start": start, "end": end,
                             "days": (end - start).days + 1, **data, "kind": "statistic",
                             "file": name})
        else:
            st = item.get("stat_time")
            day = _cst_day(st) if _is_int(st) else None
            if day is None or not start <= day <= end:
                problems.append(Problem(name, "stat_time", where,
                                        f"{start}–{end} 内某日 0 点的 unix 秒（北京时间）",
                                        "缺失" if st is None else _kind(st)))
            elif data is not None:
                daily.append((day, data))
    if byday and daily and not problems:
        daily.sort(key=lambda t: t[0])
        last = daily[-1][1]
        row = {k: (sum(d[k] for _, d in daily) if k in _GROUPCHAT_NEW else last[k])
               for k in GROUPCHAT_FIELDS}
        rows.append({"owner": byday["uid"], "start": start, "end": end, "days": len(daily),
                     **row, "kind": "byday", "file": name})
    return rows, problems, note


def _load_groupchat(folder: Path, notes: list[str]
                    ) -> tuple[pd.DataFrame | None, list[Problem]]:
    paths = sorted(folder.glob(GROUPCHAT_GLOB))
    if not paths:
        return None, []
    rows, problems = [], []
    for path in paths:
        found, bad, note = _groupchat_file(path)
        rows += found
        problems += bad
        if note:
            notes.append(note)
    if problems:
        return None, problems
    df = pd.DataFrame(rows, columns=["owner", "start", "end", "days", *GROUPCHAT_FIELDS,
                                     "kind", "file"])
    df = df.drop_duplicates(["owner", "start", "end", *GROUPCHAT_FIELDS])
    for owner, g in df.groupby("owner"):
        g = g.sort_values("start")
        prev = None
        for _, r in g.iterrows():
            if prev is not None and r["start"] <= prev["end"]:
                problems.append(Problem(r["file"], "owner", None,
                                        f"群主 {owner} 的统计时段互不重叠",
                                        f"{r['start']}–{r['end']} 与 {prev['file']} 的 "
                                        f"{prev['start']}–{prev['end']} 重叠"))
            prev = r
    if problems:
        return None, problems
    return df.reset_index(drop=True), []


# --------------------------------------------------------------------------- the month


def load(folder: Path, month: str) -> WecomInputs:
    """Read and validate section 11's files of one month folder (read-only).

    A month's files are parsed once (``wxnb.io.loadcache``: the build's check, then the
    section, both months, until a file or the input layer's code changes).

    Raises
    ------
    DataValidationError
        Listing every problem of every file (file, field, row, expected, found).
    """
    from wxnb.io import loadcache

    folder = Path(folder)
    files = [folder / PILOT_FILE, folder / ORDERS_FILE, *folder.glob(BEHAVIOR_GLOB),
             *folder.glob(GROUPCHAT_GLOB)]
    return loadcache.cached("wecom.load", (month,), files, lambda: _load(folder, month))


def _load(folder: Path, month: str) -> WecomInputs:
    notes: list[str] = []
    problems: list[Problem] = []
    roster = None
    if (folder / PILOT_FILE).is_file():
        roster, bad = load_roster(folder / PILOT_FILE, notes)
        problems += bad
    orders = None
    if (folder / ORDERS_FILE).is_file():
        orders, bad = _load_orders(folder / ORDERS_FILE, month, notes)
        problems += bad
    behavior, days, bad = _load_behavior(folder, month, notes)
    problems += bad
    groupchat, bad = _load_groupchat(folder, notes)
    problems += bad
    if problems:
        raise DataValidationError(problems)
    return WecomInputs(month, roster, orders, behavior, days, groupchat, notes)
