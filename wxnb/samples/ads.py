"""Section 10's own sample inputs, opposite their reader ``wxnb.io.ads.load``: the Tencent Ads
daily and hourly reports as ``wxnb fetch-ads`` archives them (one file per answer page), the
adgroup → placement mapping and the attributed orders.

What the month plants: four adgroups on three placements (朋友圈 ×2, 公众号底部, 小程序激励式);
a click-through rate about 35 % higher from 20 to 22 o'clock on every placement (the best slot,
clearly distinguishable); a slightly higher CTR on weekends; a 小程序激励式 adgroup with a
high CTR but only a handful of conversions in the month (a wide cost-per-conversion interval);
orders attributed to the adgroups that converted, a few not attributed. September spends less,
with a slightly lower CTR (环比).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from wxnb.io.ads import ORDERS_FILE, PLACEMENTS_FILE, daily_name, hourly_name
from wxnb.io.datacube import month_days

__all__ = ["ADGROUPS", "BEST_HOURS", "PAGE_SIZE", "write_sample"]

PAGE_SIZE = 100  # the fetcher's page size: 124 daily rows come as two pages
BEST_HOURS = (20, 21)  # the planted best slot: 20–22 点
_BEST_LIFT = 1.35
_WEEKEND_LIFT = 1.06


@dataclass(frozen=True)
class _Adgroup:
    id: int
    name: str
    placement: str
    site_set: str
    views: float  # a weekday's impressions
    ctr: float
    price: float  # 元 per thousand views (CPM buying) or per click
    per_click: bool
    cvr: float  # conversions per click
    basket: float  # mean order value, 元


ADGROUPS: tuple[_Adgroup, ...] = (
    _Adgroup(41000101, "朋友圈-秋季新品品牌曝光", "朋友圈", "SITE_SET_MOMENTS", 26000, 0.0095,
             38.0, False, 0.045, 128.0),
    _Adgroup(41000102, "朋友圈-门店到店引流", "朋友圈", "SITE_SET_MOMENTS", 12000, 0.0115,
             42.0, False, 0.050, 96.0),
    _Adgroup(41000201, "公众号底部-优惠券领取", "公众号底部", "SITE_SET_WECHAT", 30000, 0.0052,
             1.45, True, 0.040, 72.0),
    _Adgroup(41000301, "小程序激励式-会员拉新", "小程序激励式", "SITE_SET_WECHAT", 4200, 0.021,
             0.60, True, 0.0025, 58.0),
)
#: Impression weights of the 24 hours (Beijing time): night low, lunch and evening peaks.
_HOUR_WEIGHTS = np.array([1.2, 0.7, 0.4, 0.3, 0.3, 0.5, 1.2, 2.6, 3.8, 4.0, 4.2, 4.4,
                          5.0, 4.8, 4.0, 3.8, 3.9, 4.2, 4.8, 5.4, 6.0, 6.0, 4.8, 2.6])
_MONTH_LEVEL = {"2026-09": (0.85, 0.95)}  # (impressions, CTR) relative to other months


def _rng(seed: int, month: str, stream: int) -> np.random.Generator:
    year, mon = (int(x) for x in month.split("-"))
    return np.random.default_rng([seed, year * 100 + mon, 100 + stream])


def _ctr_mult(hour: int, weekend: bool) -> float:
    m = _BEST_LIFT if hour in BEST_HOURS else 0.85 if hour < 6 else 1.0
    return m * (_WEEKEND_LIFT if weekend else 1.0)


def _simulate(month: str, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Hourly rows (date, hour, adgroup, counts, cost in 分) and conversion events."""
    rng = _rng(seed, month, 1)
    views_level, ctr_level = _MONTH_LEVEL.get(month, (1.0, 1.0))
    weights = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()
    hourly, events = [], []
    for d in month_days(month):
        weekend = d.weekday() >= 5
        for g in ADGROUPS:
            day_views = g.views * views_level * (1.1 if weekend else 1.0) * rng.uniform(0.85, 1.15)
            for hour in range(24):
                views = int(rng.poisson(day_views * weights[hour]))
                if views == 0:
                    continue
                p = min(0.5, g.ctr * ctr_level * _ctr_mult(hour, weekend))
                clicks = int(rng.binomial(views, p))
                unit = clicks if g.per_click else views / 1000
                cost = int(round(unit * g.price * rng.uniform(0.9, 1.1) * 100))
                conv = int(rng.binomial(clicks, g.cvr)) if clicks else 0
                hourly.append({"date": d, "hour": hour, "adgroup": g, "views": views,
                               "clicks": clicks, "cost": cost, "conv": conv})
                events += [(d, hour, g)] * conv
    orders = []
    for i, (d, hour, g) in enumerate(events):
        amount = round(float(rng.gamma(4.0, g.basket / 4.0)), 2)
        minute = int(rng.integers(0, 60))
        orders.append({"time": f"{d} {hour:02d}:{minute:02d}:{int(rng.integers(0, 60)):02d}",
                       "amount": amount, "adgroup": g, "click": f"wx{rng.integers(16**12):012x}",
                       "n": i})
    for _ in range(max(2, len(orders) // 20)):  # orders the backend could not attribute
        d = month_days(month)[int(rng.integers(len(month_days(month))))]
        stamp = f"{d} {int(rng.integers(8, 23)):02d}:{int(rng.integers(60)):02d}:00"
        orders.append({"time": stamp,
                       "amount": round(float(rng.gamma(4.0, 25.0)), 2), "adgroup": None,
                       "click": "", "n": len(orders)})
    return hourly, orders


def _page(rows: list[dict[str, Any]], page: int, total: int) -> bytes:
    body = {"code": 0, "message": "", "message_cn": "",
            "data": {"list": rows, "page_info": {"page": page, "page_size": PAGE_SIZE,
                                                  "total_number": total,
                                                  "total_page": max(1, -(-total // PAGE_SIZE))}}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _write_pages(folder: Path, rows: list[dict[str, Any]], name: Any) -> list[Path]:
    out = []
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    for p in range(1, pages + 1):
        path = folder / name(p)
        path.write_bytes(_page(rows[(p - 1) * PAGE_SIZE: p * PAGE_SIZE], p, len(rows)))
        out.append(path)
    return out


def _texts(hostile: bool) -> tuple[dict[int, str], dict[str, str]]:
    """Adgroup names and placement labels (hostile texts mixed in when asked)."""
    names = {g.id: g.name for g in ADGROUPS}
    labels = {g.placement: g.placement for g in ADGROUPS}
    if hostile:
        from wxnb.samples.hostile import HOSTILE_TEXTS

        names = {g.id: f"{HOSTILE_TEXTS[i % len(HOSTILE_TEXTS)]}{g.name}"
                 for i, g in enumerate(ADGROUPS)}
        labels = {p: f"{p}{HOSTILE_TEXTS[(i + 4) % len(HOSTILE_TEXTS)]}"
                  for i, p in enumerate(labels)}
    return names, labels


def write_sample(folder: Path, month: str, *, seed: int = 2026,
                 hostile: bool = False) -> list[Path]:
    """Write the month's ads reports (as ``wxnb fetch-ads`` archives them), ``ads_placements.csv``
    and ``ads_orders.csv`` into ``folder``.

    Deterministic per seed and month; ``hostile`` only changes texts (adgroup names and
    placement labels), never a number.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    hourly, orders = _simulate(month, seed)
    names, labels = _texts(hostile)
    days = month_days(month)
    out: list[Path] = []
    daily: dict[tuple[date, int], dict[str, Any]] = {}
    for r in hourly:
        g = r["adgroup"]
        row = daily.setdefault((r["date"], g.id), {
            "date": r["date"].isoformat(), "adgroup_id": g.id, "adgroup_name": names[g.id],
            "site_set": g.site_set, "view_count": 0, "valid_click_count": 0, "cost": 0,
            "conversions_count": 0, "order_amount": 0})
        row["view_count"] += r["views"]
        row["valid_click_count"] += r["clicks"]
        row["cost"] += r["cost"]
        row["conversions_count"] += r["conv"]
    seen = _rng(seed, month, 2)
    for o in orders:  # the platform's own attribution (its window misses some orders), in 分
        if o["adgroup"] is not None and seen.random() < 0.92:
            daily[(date.fromisoformat(o["time"][:10]), o["adgroup"].id)]["order_amount"] += \
                int(round(o["amount"] * 100))
    rows = [daily[k] for k in sorted(daily)]
    out += _write_pages(folder, rows, lambda p: daily_name(days[0], days[-1], p))
    for d in days:
        part = [{"hour": r["hour"], "adgroup_id": r["adgroup"].id, "view_count": r["views"],
                 "valid_click_count": r["clicks"], "cost": r["cost"],
                 "conversions_count": r["conv"]} for r in hourly if r["date"] == d]
        part.sort(key=lambda x: (x["hour"], x["adgroup_id"]))
        out += _write_pages(folder, part, lambda p, d=d: hourly_name(d, p))
    path = folder / PLACEMENTS_FILE
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["adgroup_id", "placement", "name"])
        w.writerows([g.id, labels[g.placement], names[g.id]] for g in ADGROUPS)
    out.append(path)
    path = folder / ORDERS_FILE
    yyyymm = month.replace("-", "")
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["order_id", "time", "amount", "adgroup_id", "click_id"])
        for o in sorted(orders, key=lambda o: (o["time"], o["n"])):
            w.writerow([f"AD{yyyymm}{o['n']:05d}", o["time"], f"{o['amount']:.2f}",
                        o["adgroup"].id if o["adgroup"] is not None else "", o["click"]])
    out.append(path)
    return out
