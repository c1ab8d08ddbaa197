"""The event log's companion files in the month folder, read and checked as the log is:

* ``menu.json`` (``get_current_selfmenu_info``): the custom menu as a tree of items, each with
  the event WeChat pushes when a follower uses it (:func:`load_menu`, :class:`MenuTree`);
* ``content_plan.csv``: each push's 内容形式, cost and author (:func:`load_content_plan`);
* ``orders.csv``: orders and conversions, with the push they came from when known
  (:func:`load_orders`, kept in the load cache).

Section 02 reads the menu, sections 01, 03 and 15 the plan and the orders. A broken file is a
``DataValidationError`` naming the file, the row, the field and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import csvin
from wxnb.io.eventlog import month_bounds

__all__ = [
    "CONTENT_PLAN_COLUMNS",
    "CONTENT_PLAN_FILE",
    "MENU_EVENTS",
    "MENU_FILE",
    "ORDERS_FILE",
    "ORDER_COLUMNS",
    "MenuTree",
    "load_content_plan",
    "load_menu",
    "load_orders",
]


# --------------------------------------------------------------------------- menu.json

MENU_FILE = "menu.json"
CONTENT_PLAN_FILE = "content_plan.csv"
ORDERS_FILE = "orders.csv"
CONTENT_PLAN_COLUMNS = ("msgid", "date", "title", "content_type", "cost", "author")
ORDER_COLUMNS = ("order_id", "follower_id", "time", "amount", "msgid", "channel")

#: Menu item type -> the event WeChat pushes when a follower uses it (types without one: '').
MENU_EVENTS = {"click": "CLICK", "view": "VIEW", "miniprogram": "view_miniprogram"}
#: The field holding the EventKey, for the types whose event the log vocabulary has.
_MENU_MATCH = {"click": "key", "view": "url", "miniprogram": "pagepath"}
_MENU_COLUMNS = ["level1", "level2", "type", "match", "event"]


@dataclass
class MenuTree:
    """The custom menu as ``get_current_selfmenu_info`` returns it, one row per clickable item.

    ``items`` columns: ``level1`` (一级菜单), ``level2`` (二级菜单, '' for a top-level button
    without a sub-menu), ``type`` (click/view/miniprogram/...), ``match`` (the EventKey the item
    produces: click key, view URL, mini program pagepath; for other types the key, value or
    article_id it carries) and ``event`` (CLICK / VIEW / view_miniprogram, '' for types whose
    use the log vocabulary does not record). Items are in menu order.
    """

    items: pd.DataFrame
    is_open: bool
    path: Path
    notes: list[str] = field(default_factory=list)

    def label(self, event: str, key: str) -> str | None:
        """'一级 / 二级' (or '一级') of the first item producing ``event`` with ``key``."""
        hit = self.items[(self.items["event"] == event) & (self.items["match"] == key)]
        if hit.empty:
            return None
        r = hit.iloc[0]
        return f"{r['level1']} / {r['level2']}" if r["level2"] else str(r["level1"])


def _sub_buttons(btn: dict[str, Any], where: str, name: str,
                 problems: list[Problem]) -> list[Any] | None:
    """The sub-menu list (``{"list": [...]}`` as the API returns it, or a bare list), or None."""
    sub = btn.get("sub_button")
    if sub is None:
        return None
    if isinstance(sub, dict):
        sub = sub.get("list", [])
    if not isinstance(sub, list):
        problems.append(Problem(name, "sub_button", where, '{"list": [...]} 或数组',
                                csvin.brief(sub)))
        return None
    return sub


def _menu_item(btn: Any, where: str, name: str, level1: str, problems: list[Problem],
               rows: list[dict[str, str]]) -> None:
    if not isinstance(btn, dict):
        problems.append(Problem(name, None, where, "菜单项对象 {...}", csvin.brief(btn)))
        return
    label = btn.get("name")
    if not isinstance(label, str) or not label.strip():
        problems.append(Problem(name, "name", where, "非空的菜单名称", csvin.brief(label)))
        return
    kind = btn.get("type")
    if not isinstance(kind, str) or not kind.strip():
        problems.append(Problem(name, "type", where, "菜单类型（click、view、miniprogram 等）",
                                csvin.brief(kind)))
        return
    kind = kind.strip()
    need = _MENU_MATCH.get(kind)
    if need is not None:
        match = btn.get(need)
        if not isinstance(match, str) or not match.strip():
            problems.append(Problem(name, need, where, f"{kind} 菜单的 {need}（非空文本）",
                                    csvin.brief(match)))
            return
    else:
        match = next((str(btn[k]) for k in ("key", "value", "article_id", "media_id", "url")
                      if btn.get(k) not in (None, "")), "")
    rows.append({"level1": level1 or label.strip(), "level2": label.strip() if level1 else "",
                 "type": kind, "match": match.strip(), "event": MENU_EVENTS.get(kind, "")})


def load_menu(folder: Path) -> MenuTree | None:
    """Read ``menu.json`` (get_current_selfmenu_info shape) of a month folder; None when absent.

    ``{"is_menu_open": 1, "selfmenu_info": {"button": [...]}}``; each top-level button is either
    an item itself (``type`` + ``name`` + key/url/pagepath) or a sub-menu (``name`` +
    ``sub_button: {"list": [...]}``; a bare list is accepted too, as the get_menu API writes it).
    ``{"menu": {"button": [...]}}`` (get_menu) is read the same way.

    Raises
    ------
    DataValidationError
        Invalid JSON, no button list, an item without name or type, a click item without key,
        a view item without url, a miniprogram item without pagepath.
    """
    path = Path(folder) / MENU_FILE
    if not path.is_file():
        return None
    name = path.name
    doc, read_note, problems = csvin.read_json(path, "合法的 JSON")
    if problems:
        raise DataValidationError(problems)
    info = doc.get("selfmenu_info", doc.get("menu")) if isinstance(doc, dict) else None
    buttons = info.get("button") if isinstance(info, dict) else None
    if not isinstance(buttons, list):
        raise DataValidationError([Problem(
            name, "selfmenu_info.button", None,
            '{"is_menu_open": 1, "selfmenu_info": {"button": [...]}}',
            csvin.brief(doc, 80))])
    rows: list[dict[str, str]] = []
    for i, btn in enumerate(buttons):
        where = f"button[{i}]"
        sub = _sub_buttons(btn, where, name, problems) if isinstance(btn, dict) else None
        if sub:
            parent = btn.get("name")
            if not isinstance(parent, str) or not parent.strip():
                problems.append(Problem(name, "name", where, "非空的菜单名称",
                                        csvin.brief(parent)))
                continue
            for j, child in enumerate(sub):
                _menu_item(child, f"{where}.sub_button.list[{j}]", name, parent.strip(),
                           problems, rows)
        else:
            _menu_item(btn, where, name, "", problems, rows)
    if problems:
        raise DataValidationError(problems)
    is_open = doc.get("is_menu_open", 1) not in (0, "0", False)
    notes = [read_note] if read_note else []
    if not is_open:
        notes.append(f"{name} 显示自定义菜单未开启（is_menu_open = 0）")
    items = pd.DataFrame(rows, columns=_MENU_COLUMNS)
    return MenuTree(items, is_open, path, notes)


# --------------------------------------------------------------------------- content plan, orders

_MSGID = re.compile(r"[0-9]+_[0-9]+")
_WALL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}")


def _wall_times(texts: pd.Series) -> pd.Series:
    """Each text as a naive Timestamp, NaT where it is not ``YYYY-MM-DD HH:MM:SS`` (or with a
    ``T``) naming a real date and time (a leap second ``:60`` is not one)."""
    ok = texts.str.fullmatch(_WALL.pattern).astype(bool) & texts.str[17:19].lt("60")
    return pd.to_datetime(texts.where(ok).str.replace("T", " ", regex=False),
                          format="%Y-%m-%d %H:%M:%S", errors="coerce")


def _month_note(name: str, n: int, month: str, what: str) -> str:
    return f"{name} 中 {n:,} 行{what}不在 {month} 内，未计入"


def load_content_plan(folder: Path, month: str) -> pd.DataFrame | None:
    """Read ``content_plan.csv``: which 内容形式, cost and author each article had.

    Columns: ``msgid`` (optional column; ``<msg_data_id>_<idx>`` as in the datacube), ``date``
    (YYYY-MM-DD push date) and ``title`` (together they name an article without msgid),
    ``content_type`` (内容形式, required), ``cost`` (元, ≥ 0, required), ``author`` (optional).
    Each row needs a msgid or a date + title. Returns ``msgid`` ('' if not given), ``date``
    (text YYYY-MM-DD, '' if not given), ``title``, ``content_type``, ``cost`` (float),
    ``author`` and ``_row`` (the spreadsheet row); rows dated outside the month are dropped and
    counted in ``attrs["notes"]``. None when the file is absent. Matching to datacube articles
    is section 03's job.

    Raises
    ------
    DataValidationError
        Every problem: missing column, row without msgid or date + title, bad date or msgid,
        empty content_type, cost not a number ≥ 0, the same article twice.
    """
    path = Path(folder) / CONTENT_PLAN_FILE
    if not path.is_file():
        return None
    first, nxt = month_bounds(month)
    read_notes: list[str] = []
    df, problems = csvin.read_csv(path, ["content_type", "cost"], allow_empty=True,
                                  notes=read_notes)
    if df is not None and "msgid" not in df and not {"date", "title"} <= set(df.columns):
        have = "、".join(df.columns)
        problems = [Problem(path.name, "msgid", "第 1 行", "有列 msgid，或有列 date 和 title",
                            f"列缺失（现有列：{have}）")]
    if problems or df is None:
        raise DataValidationError(problems)
    name = path.name
    for c in ("msgid", "date", "title", "author"):
        if c not in df:
            df[c] = ""
    out, seen, outside = [], {}, 0
    for i, r in enumerate(df.to_dict("records")):
        row = csvin.row_label(i)
        msgid, day, title = r["msgid"], r["date"], r["title"]
        bad = len(problems)
        if msgid and not _MSGID.fullmatch(msgid):
            problems.append(Problem(name, "msgid", row, "<msg_data_id>_<idx>，如 2650000001_1",
                                    csvin.brief(msgid, 80)))
        if day and not csvin.is_day(day):
            problems.append(Problem(name, "date", row, "日期 YYYY-MM-DD", csvin.brief(day, 80)))
        if not msgid and not (day and title):
            problems.append(Problem(name, "msgid", row, "msgid，或 date 与 title 都有值",
                                    "都为空" if not day and not title else "只有其一"))
        if not r["content_type"]:
            problems.append(Problem(name, "content_type", row, "非空的内容形式", "空"))
        cost = csvin.number(r["cost"])
        if cost is None or cost < 0:
            problems.append(Problem(name, "cost", row, "成本（元），≥ 0 的数字",
                                    csvin.brief(r["cost"], 80) if r["cost"] else "空"))
        if len(problems) > bad:
            continue
        ident = ("msgid", msgid) if msgid else ("date+title", day, title)
        if ident in seen:
            problems.append(Problem(name, "msgid" if msgid else "date,title", row,
                                    "每篇文章只出现一次", f"与 {seen[ident]} 重复"))
            continue
        seen[ident] = row
        if day and not (first <= date.fromisoformat(day) < nxt):
            outside += 1
            continue
        out.append({"msgid": msgid, "date": day, "title": title,
                    "content_type": r["content_type"], "cost": float(cost),
                    "author": r["author"], "_row": row})
    if problems:
        raise DataValidationError(problems)
    plan = pd.DataFrame(out, columns=["msgid", "date", "title", "content_type", "cost",
                                      "author", "_row"])
    plan.attrs["notes"] = read_notes + ([_month_note(name, outside, month, "的日期")]
                                        if outside else [])
    if df.empty:
        plan.attrs["notes"].append(f"{name} 只有表头，没有数据行")
    return plan


def load_orders(folder: Path, month: str) -> pd.DataFrame | None:
    """Read ``orders.csv``: orders/conversions, attributed last touch to an article or channel.

    Columns: ``order_id`` (unique), ``follower_id``, ``time`` (YYYY-MM-DD HH:MM:SS, Asia/Shanghai),
    ``amount`` (元, ≥ 0), optional ``msgid`` (the article the order is attributed to, last
    touch; may be empty) and ``channel`` (menu / qrscene_xxx / article …; may be empty).
    Returns those columns (``time`` as a naive Timestamp, ``amount`` float, '' for missing
    optional cells) plus ``_row``; orders outside the month are dropped and counted in
    ``attrs["notes"]``. None when the file is absent.

    The checks run column by column (a month can hold hundreds of thousands of orders); the
    problems are then listed row by row, in the order of the file.

    Raises
    ------
    DataValidationError
        Every problem: missing column, empty order_id or follower_id, bad time, amount not a
        number ≥ 0, bad msgid, the same order_id twice.
    """
    path = Path(folder) / ORDERS_FILE
    if not path.is_file():
        return None
    from wxnb.io import loadcache

    # parsed once per month (wxnb.io.loadcache): validation, sections 01 and 03, both months
    return loadcache.cached("eventlog.load_orders", (month,), [path],
                            lambda: _load_orders(path, month))


def _load_orders(path: Path, month: str) -> pd.DataFrame:
    first, nxt = month_bounds(month)
    lo, hi = pd.Timestamp(first), pd.Timestamp(nxt)
    read_notes: list[str] = []
    df, problems = csvin.read_csv(path, ORDER_COLUMNS[:4], allow_empty=True, notes=read_notes)
    if problems or df is None:
        raise DataValidationError(problems)
    name = path.name
    for c in ORDER_COLUMNS[4:]:
        if c not in df:
            df[c] = ""
    times = _wall_times(df["time"])
    amounts = pd.Series([csvin.number(v) for v in df["amount"]], index=df.index,
                        dtype="float64")
    oid = df["order_id"]
    checks = {  # field -> rows breaking its rule, in the order a row's problems are listed
        "order_id": oid.eq(""), "follower_id": df["follower_id"].eq(""), "time": times.isna(),
        "amount": ~amounts.ge(0),
        "msgid": df["msgid"].ne("") & ~df["msgid"].str.fullmatch(_MSGID.pattern).astype(bool),
        "duplicate": oid.ne("") & oid.duplicated(),
    }
    bad = pd.DataFrame(checks)
    first_row: dict[str, str] = {}  # the row where each repeated order id first appears
    if bad["duplicate"].any():
        firsts = (~oid.duplicated()).to_numpy().nonzero()[0]
        first_row = {oid.iat[i]: csvin.row_label(int(i)) for i in firsts}
    for i in bad.any(axis=1).to_numpy().nonzero()[0]:
        row, r, broke = csvin.row_label(int(i)), df.iloc[int(i)], bad.iloc[int(i)]
        for c, what in (("order_id", "非空的订单号"), ("follower_id", "非空的粉丝 ID")):
            if broke[c]:
                problems.append(Problem(name, c, row, what, "空"))
        if broke["time"]:
            problems.append(Problem(name, "time", row, "北京时间 YYYY-MM-DD HH:MM:SS",
                                    csvin.brief(r["time"], 80) if r["time"] else "空"))
        if broke["amount"]:
            problems.append(Problem(name, "amount", row, "金额（元），≥ 0 的数字",
                                    csvin.brief(r["amount"], 80) if r["amount"] else "空"))
        if broke["msgid"]:
            problems.append(Problem(name, "msgid", row, "空，或 <msg_data_id>_<idx>",
                                    csvin.brief(r["msgid"], 80)))
        if broke["duplicate"]:
            problems.append(Problem(name, "order_id", row, "订单号唯一",
                                    f"{r['order_id']!r} 与 {first_row[r['order_id']]} 重复"))
    if problems:
        raise DataValidationError(problems)
    inside = times.ge(lo) & times.lt(hi)
    keep = inside.to_numpy()
    text = {c: df[c][keep].astype("str") for c in ORDER_COLUMNS if c not in ("time", "amount")}
    orders = pd.DataFrame({
        **text, "time": times[keep], "amount": amounts[keep],
        "_row": pd.Series([csvin.row_label(int(i)) for i in keep.nonzero()[0]],
                          index=text["order_id"].index, dtype="str")},
        columns=[*ORDER_COLUMNS, "_row"])
    orders = orders.reset_index(drop=True)
    outside = int(len(df) - len(orders))
    orders.attrs["notes"] = read_notes + ([_month_note(name, outside, month, "订单的时间")]
                                          if outside else [])
    if df.empty:
        orders.attrs["notes"].append(f"{name} 只有表头，没有数据行")
    return orders
