"""Section 11's sample inputs, opposite their reader ``wxnb.io.wecom.load``: a WeCom pilot in 6 of
12 stores (two staff members each) starting on 2026-10-01, with KNOWN planted effects.

The pilot stores are hand-picked: they were already better before the pilot (higher repurchase
and order value, faster replies), so the naive comparison of the two groups in October (the
seed's table: 复购率 41% vs 27%, 客单价 228 vs 175, 响应 2.1 vs 8.5 分钟) overstates the
pilot; the difference-in-differences must recover :data:`PLANTED` instead. Every store has its
own level (fixed effect) and a store × month shock; October moves every store a little
(a common trend). ``effect`` scales the planted effects (0 = a null pilot) and ``pre_drift``
gives the pilot stores an order-value trend of that many yuan per week, before and after the
start (a diverging pre-trend the check must flag). Both are keywords for the tests; the spec's
``(folder, month, *, seed, hostile)`` call uses the defaults.

A month before 2026-10 gets the orders, the staff's statistics and the group chats (the
pre-period the October report reads from the previous month's folder) but no
``wecom_pilot.csv``: its own report skips the section.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from wxnb.io.datacube import month_days
from wxnb.io.wecom import GROUPCHAT_FIELDS, ORDER_COLUMNS, ORDERS_FILE, PILOT_FILE
from wxnb.paths import CST

__all__ = ["PILOT_START", "PLANTED", "STORES", "write_sample"]

PILOT_START = date(2026, 10, 1)
#: The true effects of the pilot (effect=1): repurchase rate (fraction), order value (yuan),
#: first-reply time (minutes) and share of chats replied to (fraction).
PLANTED = {"repurchase": 0.08, "order_value": 20.0, "response_time": -5.0, "reply_share": 0.06}
REPURCHASE_DAYS = 14  # the sample's customers come back within the default window

# (store id, display name, pilot?) and the staff userids of each store
STORES: tuple[tuple[str, str, bool], ...] = (
    ("S01", "上海静安店", True), ("S02", "上海徐汇店", True), ("S03", "杭州西湖店", True),
    ("S04", "南京新街口店", True), ("S05", "苏州观前店", True), ("S06", "宁波天一店", True),
    ("S07", "上海杨浦店", False), ("S08", "上海闵行店", False), ("S09", "杭州滨江店", False),
    ("S10", "南京河西店", False), ("S11", "无锡崇安店", False), ("S12", "合肥包河店", False),
)
_STAFF = (("li.na", "李娜"), ("wang_wei", "王伟"))
# Group means before the pilot: (pilot stores, control stores)
_LEVEL = {"repurchase": (0.31, 0.25), "order_value": (205.0, 172.0),
          "response_time": (6.9, 8.3), "reply_share": (0.78, 0.74)}
_TREND = {"repurchase": 0.01, "order_value": 3.0, "response_time": 0.2, "reply_share": 0.01}
_STORE_SD = {"repurchase": 0.03, "order_value": 15.0, "response_time": 0.8, "reply_share": 0.04}
_SHOCK_SD = {"repurchase": 0.008, "order_value": 3.0, "response_time": 0.25, "reply_share": 0.01}


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, 1100, *key])


def _ym(month: str) -> int:
    y, m = (int(x) for x in month.split("-"))
    return y * 100 + m


@cache
def _store_levels(seed: int) -> dict[str, dict[str, float]]:
    """Each store's own level of every metric (the same in every month)."""
    out = {}
    for i, (sid, _, pilot) in enumerate(STORES):
        rng = _rng(seed, 0, i)
        out[sid] = {k: lv[0 if pilot else 1] + rng.normal(0, _STORE_SD[k])
                    for k, lv in _LEVEL.items()}
    return out


@cache
def _shocks(seed: int, month: str) -> dict[str, dict[str, float]]:
    """Each store's shock of every metric in ``month`` (store × month noise)."""
    out = {}
    for i, (sid, _, _) in enumerate(STORES):
        rng = _rng(seed, _ym(month), 1, i)
        out[sid] = {k: rng.normal(0, _SHOCK_SD[k]) for k in _LEVEL}
    return out


def _expected(seed: int, month: str, sid: str, pilot: bool, day: date, effect: float,
              pre_drift: float) -> dict[str, float]:
    """The store's true value of every metric on ``day``."""
    base = _store_levels(seed)[sid]
    shock = _shocks(seed, month)[sid]
    out = {}
    for k in _LEVEL:
        v = base[k] + shock[k]
        if day >= PILOT_START:
            v += _TREND[k] + (effect * PLANTED[k] if pilot else 0.0)
        if k == "order_value" and pilot and pre_drift:
            v += pre_drift * (day - PILOT_START).days / 7
        out[k] = v
    out["repurchase"] = float(np.clip(out["repurchase"], 0.01, 0.95))
    out["reply_share"] = float(np.clip(out["reply_share"], 0.05, 0.99))
    out["response_time"] = max(0.5, out["response_time"])
    return out


def _stamp(day: date, rng: np.random.Generator) -> str:
    minute = int(rng.integers(10 * 60, 22 * 60))
    return f"{day:%Y-%m-%d} {minute // 60:02d}:{minute % 60:02d}:{int(rng.integers(60)):02d}"


def _orders(seed: int, month: str, effect: float, pre_drift: float) -> list[list[Any]]:
    days = month_days(month)
    last = days[-1]
    rows: list[list[Any]] = []
    for i, (sid, _, pilot) in enumerate(STORES):
        rng = _rng(seed, _ym(month), 2, i)
        daily = 16 + 4 * (i % 3)
        for day in days:
            truth = _expected(seed, month, sid, pilot, day, effect, pre_drift)
            for _ in range(int(rng.poisson(daily))):
                customer = f"o{int(rng.integers(16**10)):010x}"
                visits = [day]
                if rng.random() < truth["repurchase"]:
                    visits.append(day + timedelta(days=int(rng.integers(1, REPURCHASE_DAYS + 1))))
                    if rng.random() < 0.3:
                        visits.append(visits[-1] + timedelta(days=int(rng.integers(3, 20))))
                for v in visits:
                    value = _expected(seed, month, sid, pilot, v, effect, pre_drift)["order_value"] \
                        if v != day else truth["order_value"]
                    amount = value * float(np.exp(rng.normal(-0.35**2 / 2, 0.35)))
                    if v <= last:  # later visits fall into next month's file: not written here
                        rows.append([v, _stamp(v, rng), customer, sid, f"{amount:.2f}"])
    rows.sort(key=lambda r: (r[1], r[3], r[2]))
    ym = _ym(month)
    return [[f"W{ym}{n:06d}", r[1], r[2], r[3], r[4]] for n, r in enumerate(rows, 1)]


def _windows(month: str) -> list[tuple[date, date]]:
    days = month_days(month)
    return [(days[0], days[14]), (days[15], days[-1])]


def _unix(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=CST).timestamp())


def _behavior(seed: int, month: str, effect: float) -> dict[str, list[dict[str, Any]]]:
    """Per staff userid: the month's behavior_data items."""
    out: dict[str, list[dict[str, Any]]] = {}
    for i, (sid, _, pilot) in enumerate(STORES):
        for j, (uid, _) in enumerate(_STAFF):
            userid = f"{sid.lower()}_{uid}"
            rng = _rng(seed, _ym(month), 3, i * 10 + j)
            items = []
            for day in month_days(month):
                truth = _expected(seed, month, sid, pilot, day, effect, 0.0)
                idle = rng.random() < 0.12  # a day off: no chats, no reply fields
                chats = 0 if idle else int(rng.poisson(7)) + 1
                item: dict[str, Any] = {"stat_time": _unix(day), "chat_cnt": chats,
                                        "message_cnt": chats * int(rng.integers(2, 5))}
                if chats:
                    share = float(np.clip(truth["reply_share"] + rng.normal(0, 0.05), 0, 1))
                    item["reply_percentage"] = round(100 * share, 2)
                    minutes = truth["response_time"] * float(np.exp(rng.normal(-0.08, 0.4)))
                    item["avg_reply_time"] = round(minutes)
                item["negative_feedback_cnt"] = int(rng.poisson(0.2))
                item["new_apply_cnt"] = int(rng.poisson(3))
                item["new_contact_cnt"] = int(rng.binomial(item["new_apply_cnt"] + 2, 0.6))
                items.append(item)
            out[userid] = items
    return out


def _groupchat(seed: int, month: str, effect: float) -> list[tuple[date, date, list[dict[str, Any]]]]:
    out = []
    totals: dict[str, list[int]] = {}
    for w, (lo, hi) in enumerate(_windows(month)):
        items = []
        for i, (sid, _, pilot) in enumerate(STORES):
            for j, (uid, _) in enumerate(_STAFF):
                owner = f"{sid.lower()}_{uid}"
                rng = _rng(seed, _ym(month), 4, i * 10 + j, w)
                boost = 1.0 + (0.5 * effect if pilot and lo >= PILOT_START else 0.0)
                chats, members, spoke, msgs = totals.setdefault(
                    owner, [int(rng.integers(3, 8)), int(rng.integers(150, 400)), 0, 0])
                new_chat = int(rng.poisson(0.6 * boost))
                new_member = int(rng.poisson(25 * boost))
                chats += new_chat
                members += new_member
                spoke = min(members, int(members * float(rng.uniform(0.25, 0.45)) * boost))
                msgs += int(rng.poisson(300 * boost))
                totals[owner] = [chats, members, spoke, msgs]
                data = dict(zip(GROUPCHAT_FIELDS, (new_chat, chats, max(1, chats - 1), new_member,
                                                   members, spoke, msgs), strict=True))
                items.append({"owner": owner, "data": data})
        out.append((lo, hi, items))
    return out


def _roster(hostile: bool) -> list[list[str]]:
    from wxnb.samples.hostile import HOSTILE_TEXTS

    rows = []
    for i, (sid, name, pilot) in enumerate(STORES):
        shown = f"{HOSTILE_TEXTS[i % len(HOSTILE_TEXTS)]}{name}" if hostile else name
        rows.append([sid, "门店", "试点" if pilot else "对照",
                     PILOT_START.isoformat() if pilot else "", "", shown])
        for j, (uid, person) in enumerate(_STAFF):
            who = f"{HOSTILE_TEXTS[(i + j + 3) % len(HOSTILE_TEXTS)]}{person}" if hostile \
                else person
            rows.append([f"{sid.lower()}_{uid}", "员工", "", "", sid, who])
    return rows


def _write_csv(path: Path, header: tuple[str, ...], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _write_json(path: Path, body: Any) -> Path:
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def write_sample(folder: Path, month: str, *, seed: int = 2026, hostile: bool = False,
                 effect: float = 1.0, pre_drift: float = 0.0) -> list[Path]:
    """Write the month's ``wecom_orders.csv``, one ``wecom_behavior_<userid>_…json`` per staff
    member and half-month, the ``wecom_groupchat_statistic_…json`` answers and (from 2026-10)
    ``wecom_pilot.csv``.

    Deterministic per seed and month; ``hostile`` only changes the store and staff names,
    never a number; ``effect`` scales :data:`PLANTED` (0 = no effect); ``pre_drift`` (yuan
    per week) gives the pilot stores a diverging order-value trend.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    if month_days(month)[-1] >= PILOT_START:
        out.append(_write_csv(folder / PILOT_FILE,
                              ("unit", "unit_type", "group", "pilot_start", "store", "name"),
                              _roster(hostile)))
    out.append(_write_csv(folder / ORDERS_FILE, ORDER_COLUMNS,
                          _orders(seed, month, effect, pre_drift)))
    behavior = _behavior(seed, month, effect)
    for lo, hi in _windows(month):
        for userid, items in behavior.items():
            part = [it for it in items if _unix(lo) <= it["stat_time"] <= _unix(hi)]
            out.append(_write_json(folder / f"wecom_behavior_{userid}_{lo}_{hi}.json",
                                   {"errcode": 0, "errmsg": "ok", "behavior_data": part}))
    for lo, hi, items in _groupchat(seed, month, effect):
        out.append(_write_json(folder / f"wecom_groupchat_statistic_{lo}_{hi}.json",
                               {"errcode": 0, "errmsg": "ok", "total": len(items),
                                "next_offset": len(items), "items": items}))
    return sorted(out)
