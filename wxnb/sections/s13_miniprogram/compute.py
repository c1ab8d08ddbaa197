"""Section 13 小程序经营分析, the numbers: the page funnel (首页 → 商品详情页 → 支付), new users'
retention with right-censoring, next-month activity, ARPU, entry channels and the launch
stages, each against the previous month (and a target or a reference value where configured).

The inputs are read and validated by ``wxnb.io.miniprogram``. ``prepare`` loads and computes
everything once; ``show`` and ``words`` show it.

Units: the funnel counts users as WeChat de-duplicates them, within a day (getVisitPage's
page_visit_uv), so a month's step is a sum of daily users (人·日); the payers are the
distinct buyers of each day (mp_orders.csv). That is the closest to "the same people" the
analysis API allows: a path of one user across pages needs the mini program's own tracking.
"""

from __future__ import annotations

import fnmatch
import math
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from wxnb.exceptions import DataValidationError
from wxnb.io import miniprogram as mp
from wxnb.io.miniprogram import MpInputs, load
from wxnb.kit import compare, stats
from wxnb.kit.stats import two_proportion, wilson
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s13_miniprogram import SPEC

__all__ = [
    "ALPHA",
    "INPUTS",
    "SECTION",
    "SEED_CHANNELS",
    "Channel",
    "Funnel",
    "KeyRow",
    "Launch",
    "Money",
    "MpSection",
    "NextMonth",
    "Retention",
    "Stage",
    "Step",
    "channels",
    "daily_funnel",
    "funnel",
    "holm",
    "launch",
    "money",
    "next_month",
    "page_table",
    "prepare",
    "retention",
    "stage_role",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs
ALPHA = 0.05
#: The seed's three entrances (场景化入口设计): 公众号菜单, 朋友圈广告 (in 微信广告), 搜一搜.
SEED_CHANNELS: tuple[int, ...] = (13, 33, 2)
#: Channels with fewer opens are listed but not compared (their order rate is too noisy).
MIN_CHANNEL_SESSIONS = 1000
#: Within 5 % (relative) of the start-up standard → 预警: section 06's band for the same
#: standard (``miniprogram_load_standard``; a section does not import another section).
WARN_BAND = 0.05
#: getPerformanceData's launch tables by their Chinese name → the stage they measure.
_ROLES = {
    "启动总耗时": "total", "总耗时": "total",
    "代码包下载耗时": "download", "下载耗时": "download", "代码下载耗时": "download",
    "代码注入耗时": "init", "初始化耗时": "init", "JS注入耗时": "init", "逻辑层注入耗时": "init",
    "首次渲染耗时": "render", "初次渲染耗时": "render", "首屏渲染耗时": "render",
}
ROLE_NAMES = {"total": "启动总耗时", "download": "下载", "init": "初始化（代码注入）",
              "render": "首次渲染"}


# --------------------------------------------------------------------------- statistics


def holm(pvalues: list[float | None]) -> list[float | None]:
    """Holm-adjusted p-values of the tests that were made (``kit.stats.holm``); an untested
    comparison stays None."""
    return [None if math.isnan(q) else q for q in stats.holm(pvalues)]


def welch(a: list[float] | np.ndarray, b: list[float] | np.ndarray) -> float | None:
    """Two-sided p-value of Welch's t test of two samples of daily values (None: too few)."""
    if len(a) < 3 or len(b) < 3:
        return None
    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = stats.ttest_ind(np.asarray(a, float), np.asarray(b, float), equal_var=False).pvalue
    return None if p is None or math.isnan(float(p)) else float(p)


def _ratio(k: float, n: float) -> float | None:
    return k / n if n else None


# --------------------------------------------------------------------------- funnel


def _matches(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, p) for p in patterns)


def page_roles(pages: pd.DataFrame, params: ReportParams) -> pd.Series:
    """Each page row's role in the funnel: home, detail or other (home wins a tie)."""
    return pages["page_path"].map(
        lambda p: "home" if _matches(p, params.mp_home_pages)
        else "detail" if _matches(p, params.mp_detail_pages) else "other")


def _payers(orders: pd.DataFrame | None) -> pd.Series | None:
    """Distinct buyers per day (the day's paying users)."""
    if orders is None:
        return None
    return orders.assign(date=orders["time"].dt.normalize()).groupby("date")["openid"].nunique()


@dataclass
class Funnel:
    """One month's page funnel; ``None`` where the pages or the orders are not there."""

    home_uv: int | None = None
    home_pv: int = 0
    home_exit: int = 0
    detail_uv: int | None = None
    detail_pv: int = 0
    detail_exit: int = 0
    detail_entry: int = 0  # visits that began on the detail page (not from the home page)
    detail_stay: float | None = None  # seconds per detail-page visit
    stay_daily: pd.Series = field(default_factory=lambda: pd.Series(dtype=float), compare=False)
    payers: int | None = None  # Σ daily distinct buyers (人·日)
    days: int = 0  # days with page data

    @property
    def home_ctr(self) -> float | None:
        """首页点击率: the share of home-page visits that went on to another page."""
        return _ratio(self.home_pv - self.home_exit, self.home_pv)

    @property
    def detail_exit_rate(self) -> float | None:
        return _ratio(self.detail_exit, self.detail_pv)

    @property
    def detail_rate(self) -> float | None:
        """详情页到达: detail-page users ÷ home-page users (人·日)."""
        if self.home_uv is None or self.detail_uv is None:
            return None
        return _ratio(self.detail_uv, self.home_uv)

    @property
    def pay_conversion(self) -> float | None:
        """支付转化率: paying users ÷ detail-page users (人·日)."""
        if self.payers is None or self.detail_uv is None:
            return None
        return _ratio(self.payers, self.detail_uv)


def funnel(inputs: MpInputs, params: ReportParams) -> Funnel:
    """The month's funnel from getVisitPage (and mp_orders.csv for the payers)."""
    f = Funnel()
    pages = inputs.pages
    if pages is None or pages.empty:
        return f
    roles = page_roles(pages, params)
    f.days = int(pages["date"].nunique())
    home, detail = pages[roles == "home"], pages[roles == "detail"]
    if len(home):
        f.home_uv = int(home["page_visit_uv"].sum())
        f.home_pv, f.home_exit = int(home["page_visit_pv"].sum()), int(home["exitpage_pv"].sum())
    if len(detail):
        f.detail_uv = int(detail["page_visit_uv"].sum())
        f.detail_pv = int(detail["page_visit_pv"].sum())
        f.detail_exit = int(detail["exitpage_pv"].sum())
        f.detail_entry = int(detail["entrypage_pv"].sum())
        weighted = detail["page_staytime_pv"] * detail["page_visit_pv"]
        if f.detail_pv:
            f.detail_stay = float(weighted.sum()) / f.detail_pv
        g = detail.assign(w=weighted).groupby("date")
        visits = g["page_visit_pv"].sum()
        f.stay_daily = (g["w"].sum() / visits.where(visits > 0)).dropna()
    payers = _payers(inputs.orders)
    if payers is not None:
        page_days = set(pages["date"])
        f.payers = int(payers[payers.index.isin(page_days)].sum())  # the days both cover
    return f


def daily_funnel(inputs: MpInputs, params: ReportParams) -> pd.DataFrame:
    """Per day: home and detail users, payers, and the two step rates."""
    pages = inputs.pages
    if pages is None or pages.empty:
        return pd.DataFrame()
    roles = page_roles(pages, params)
    by = pages.assign(role=roles).groupby(["date", "role"])["page_visit_uv"].sum().unstack()
    out = pd.DataFrame(index=by.index)
    out["home"] = by.get("home", pd.Series(0, index=by.index))
    out["detail"] = by.get("detail", pd.Series(0, index=by.index))
    payers = _payers(inputs.orders)
    out["payers"] = payers.reindex(out.index).fillna(0).astype(int) if payers is not None \
        else np.nan
    out["detail_rate"] = out["detail"] / out["home"].where(out["home"] > 0)
    out["pay_rate"] = out["payers"] / out["detail"].where(out["detail"] > 0)
    return out


@dataclass
class Step:
    """One funnel step (or the home click-through, or the detail stay) against last month."""

    key: str
    name: str
    value: float | None
    k: int | None = None  # users (or visits) who made the step
    n: int | None = None  # users (or visits) at the step before
    prev: float | None = None
    p: float | None = None
    p_adj: float | None = None
    kind: str = "rate"  # rate (pp change) or seconds (relative change)
    material: float = 0.0

    @property
    def ci(self) -> tuple[float, float]:
        if self.kind != "rate" or self.k is None or self.n is None or self.k > self.n:
            return (math.nan, math.nan)
        return wilson(self.k, self.n)

    @property
    def lost(self) -> int | None:
        return None if self.k is None or self.n is None else self.n - self.k

    @property
    def change(self) -> float | None:
        """Percentage points for a rate, a relative change for seconds."""
        if self.value is None or self.prev is None:
            return None
        if self.kind == "rate":
            return compare.change("rate", self.value, self.prev).value
        return self.value / self.prev - 1 if self.prev else None

    @property
    def flagged(self) -> bool:
        """Significant after Holm and at least as large as the material change."""
        c = self.change
        if c is None or self.p_adj is None or self.p_adj >= ALPHA:
            return False
        return abs(c) >= (self.material * 100 if self.kind == "rate" else self.material)

    @property
    def declined(self) -> bool:
        return self.flagged and (self.change or 0.0) < 0


def steps(now: Funnel, before: Funnel | None, params: ReportParams) -> list[Step]:
    """The funnel's measures against last month: 首页点击率, 详情页到达, 支付转化率 and 详情页停留,
    one Holm family."""
    pp = params.funnel_material_pp
    out = [
        Step("home_ctr", "首页点击率", now.home_ctr, now.home_pv - now.home_exit, now.home_pv,
             before.home_ctr if before else None, material=pp),
        Step("detail_rate", "首页 → 商品详情页", now.detail_rate, now.detail_uv, now.home_uv,
             before.detail_rate if before else None, material=pp),
        Step("pay_conversion", "商品详情页 → 支付", now.pay_conversion, now.payers,
             now.detail_uv, before.pay_conversion if before else None, material=pp),
        Step("detail_stay", "商品详情页停留", now.detail_stay, kind="seconds",
             prev=before.detail_stay if before else None, material=0.1),
    ]
    raw: list[float | None] = []
    for s in out:
        if s.value is None or s.prev is None or before is None:
            raw.append(None)
        elif s.kind == "seconds":
            raw.append(welch(list(now.stay_daily), list(before.stay_daily)))
        else:
            k0, n0 = _counts(s.key, before)
            ok = s.k is not None and s.n is not None and s.k <= s.n and k0 <= n0
            raw.append(two_proportion(s.k, s.n, k0, n0) if ok else None)  # type: ignore[arg-type]
    for s, p, q in zip(out, raw, holm(raw), strict=True):
        s.p, s.p_adj = p, q
    return out


def _counts(key: str, f: Funnel) -> tuple[int, int]:
    return {"home_ctr": (f.home_pv - f.home_exit, f.home_pv),
            "detail_rate": (f.detail_uv or 0, f.home_uv or 0),
            "pay_conversion": (f.payers or 0, f.detail_uv or 0)}[key]


def page_table(inputs: MpInputs, params: ReportParams, top: int = 12) -> pd.DataFrame:
    """The month's pages by visits: visits, users (人·日), stay, entries, exit rate, shares."""
    pages = inputs.pages
    if pages is None or pages.empty:
        return pd.DataFrame()
    df = pages.assign(role=page_roles(pages, params),
                      w=pages["page_staytime_pv"] * pages["page_visit_pv"])
    g = df.groupby("page_path")
    out = pd.DataFrame({
        "pv": g["page_visit_pv"].sum(), "uv": g["page_visit_uv"].sum(),
        "entry": g["entrypage_pv"].sum(), "exit": g["exitpage_pv"].sum(),
        "share": g["page_share_pv"].sum(), "w": g["w"].sum(), "role": g["role"].first()})
    out["stay"] = out["w"] / out["pv"].where(out["pv"] > 0)
    out["exit_rate"] = out["exit"] / out["pv"].where(out["pv"] > 0)
    return out.sort_values("pv", ascending=False).head(top).drop(columns="w")


# --------------------------------------------------------------------------- retention


@dataclass
class Retention:
    """New users' retention by cohort day, censored where day + k is after the data's end."""

    end: date | None = None  # the last day observed (the month's last day)
    cohorts: pd.DataFrame = field(default_factory=pd.DataFrame)  # date × key: users; NaN censored
    pooled: dict[int, float] = field(default_factory=dict)  # key → Σ retained ÷ Σ cohort
    counts: dict[int, tuple[int, int]] = field(default_factory=dict)  # key → (retained, cohort)
    observed: dict[int, int] = field(default_factory=dict)  # key → cohorts observed
    censored: dict[int, int] = field(default_factory=dict)  # key → cohorts not yet observable
    missing: dict[int, int] = field(default_factory=dict)  # key → observable but not given
    active: dict[int, float] = field(default_factory=dict)  # active users' pooled retention

    def rate(self, key: int) -> float | None:
        return self.pooled.get(key)

    def ci(self, key: int) -> tuple[float, float]:
        k, n = self.counts.get(key, (0, 0))
        return wilson(k, n)


def _cohort_table(retain: pd.DataFrame, kind: str, end: date) -> tuple[pd.DataFrame,
                                                                       dict[int, int]]:
    """date × key users of one kind, NaN where the day + key is after ``end`` (censored) or
    WeChat gave no value; and per key the observable cohorts that had none."""
    part = retain[retain["kind"] == kind]
    table = part.pivot_table(index="date", columns="key", values="value", aggfunc="sum")
    table = table.reindex(columns=list(mp.RETAIN_KEYS))
    missing: dict[int, int] = {}
    for k in mp.RETAIN_KEYS[1:]:
        observable = np.array([d.date() + timedelta(days=k) <= end for d in table.index])
        absent = table[k].isna().to_numpy() & observable
        missing[k] = int(absent.sum())
        table.loc[~observable, k] = np.nan
    table = table[table[0].notna() & (table[0] > 0)]
    return table, missing


def _pool(table: pd.DataFrame) -> tuple[dict[int, float], dict[int, tuple[int, int]],
                                        dict[int, int]]:
    pooled, counts, observed = {}, {}, {}
    for k in mp.RETAIN_KEYS[1:]:
        seen = table[table[k].notna()]
        observed[k] = len(seen)
        if len(seen):
            kept, base = int(seen[k].sum()), int(seen[0].sum())
            counts[k] = (kept, base)
            pooled[k] = kept / base
    return pooled, counts, observed


def retention(inputs: MpInputs) -> Retention:
    """Pooled retention per key over the cohorts observed to that key (right-censored)."""
    r = Retention()
    retain = inputs.retain
    if retain is None or retain.empty:
        return r
    from wxnb.io.datacube import month_days

    r.end = month_days(inputs.month)[-1]
    table, r.missing = _cohort_table(retain, "new", r.end)
    r.cohorts = table
    r.pooled, r.counts, r.observed = _pool(table)
    r.censored = {k: int(sum(d.date() + timedelta(days=k) > r.end for d in table.index))
                  for k in mp.RETAIN_KEYS[1:]}
    active, _ = _cohort_table(retain, "active", r.end)
    r.active = _pool(active)[0]
    return r


def cohort_weeks(r: Retention) -> pd.DataFrame:
    """The triangle by cohort week (days 1–7, 8–14, …): pooled retention per key over the
    week's observed cohorts, NaN where none is observed; ``users`` = the week's new users."""
    if r.cohorts.empty:
        return pd.DataFrame()
    t = r.cohorts
    week = pd.Series([(d.day - 1) // 7 for d in t.index], index=t.index)
    rows = {}
    for _, part in t.groupby(week):
        first, last = part.index.min(), part.index.max()
        label = f"{first:%m-%d}–{last:%m-%d}"
        row: dict[Any, Any] = {"users": int(part[0].sum()), "days": len(part)}
        for k in mp.RETAIN_KEYS[1:]:
            seen = part[part[k].notna()]
            row[k] = float(seen[k].sum() / seen[0].sum()) if len(seen) else math.nan
            row[f"n{k}"] = len(seen)
        rows[label] = row
    return pd.DataFrame.from_dict(rows, orient="index")


@dataclass
class NextMonth:
    """次月活跃: a month's new users active in the month after (WeChat's monthly retention)."""

    cohort: str
    new: int | None
    active: int | None  # None: not observable yet (right-censored)
    source: str  # the file it comes from, or the one that would give it

    @property
    def rate(self) -> float | None:
        return self.active / self.new if self.active is not None and self.new else None

    @property
    def ci(self) -> tuple[float, float]:
        return wilson(self.active or 0, self.new or 0) if self.rate is not None else \
            (math.nan, math.nan)


def _month_bounds(month: str) -> tuple[date, date]:
    from wxnb.io.datacube import month_days

    days = month_days(month)
    return days[0], days[-1]


def _cohort(frame: pd.DataFrame | None, cohort: str) -> tuple[int | None, int | None]:
    if frame is None:
        return None, None
    part = frame[(frame["cohort"] == cohort) & (frame["kind"] == "new")]
    values = dict(zip(part["key"], part["value"], strict=True))
    return (int(values[0]) if 0 in values else None,
            int(values[1]) if 1 in values else None)


def next_month(inputs: MpInputs, params: ReportParams) -> list[NextMonth]:
    """The month before's cohort (observed: this month is over) and this month's (censored,
    unless the next month's folder holds its monthly retention)."""
    month, before = inputs.month, prev_month(inputs.month)
    out = []
    new, active = _cohort(inputs.monthly_retain, before)
    b0, b1 = _month_bounds(before)
    name = mp.file_name(mp.MONTHLY_RETAIN, b0, b1)
    if new is not None:
        out.append(NextMonth(before, new, active, name))
    new, _ = _cohort(inputs.monthly_retain, month)
    m0, m1 = _month_bounds(month)
    name = mp.file_name(mp.MONTHLY_RETAIN, m0, m1)
    later = params.resolved_data_dir().parent / _next(month) / name
    active = None
    if later.is_file():
        try:
            frame = mp.load_monthly_retain(later, _next(month))
        except DataValidationError:
            frame = None
        n2, active = _cohort(frame, month)
        new = new if new is not None else n2
    if new is not None:
        out.append(NextMonth(month, new, active, f"{_next(month)}/{name}"))
    return out


def _next(month: str) -> str:
    y, m = (int(x) for x in month.split("-"))
    return f"{y + (m == 12):04d}-{m % 12 + 1:02d}"


# --------------------------------------------------------------------------- money


@dataclass
class Money:
    """Revenue per user: ARPU over the month's active users, ARPPU over its payers."""

    revenue: float | None = None
    orders: int | None = None
    payers: int | None = None  # distinct buyers in the month
    active: int | None = None  # monthly active users (de-duplicated in the month)
    new: int | None = None

    @property
    def arpu(self) -> float | None:
        return self.revenue / self.active if self.revenue is not None and self.active else None

    @property
    def arppu(self) -> float | None:
        return self.revenue / self.payers if self.revenue is not None and self.payers else None

    @property
    def pay_rate(self) -> float | None:
        return self.payers / self.active if self.payers is not None and self.active else None

    @property
    def per_order(self) -> float | None:
        return self.revenue / self.orders if self.revenue is not None and self.orders else None


def money(inputs: MpInputs) -> Money:
    m = Money()
    if inputs.orders is not None:
        m.revenue = float(inputs.orders["amount"].sum())
        m.orders = len(inputs.orders)
        m.payers = int(inputs.orders["openid"].nunique())
    if inputs.monthly is not None:
        row = inputs.monthly[inputs.monthly["month"] == inputs.month]
        if len(row):
            m.active, m.new = int(row["visit_uv"].iloc[0]), int(row["visit_uv_new"].iloc[0])
    return m


# --------------------------------------------------------------------------- channels


@dataclass
class Channel:
    """One entry channel (访问来源) of the month: opens, orders, revenue."""

    key: int | None  # the 访问来源 key; None for orders whose 场景值 maps to none
    name: str
    sessions: int
    share: float | None
    orders: int | None  # None: no 场景值 is known to belong to this 访问来源 (or no orders file)
    revenue: float | None
    prev_share: float | None = None
    p: float | None = None

    @property
    def per_k(self) -> float | None:
        """Orders per 1,000 opens."""
        if self.orders is None or not self.sessions:
            return None
        return self.orders / self.sessions * 1000


def _sessions(inputs: MpInputs) -> pd.Series | None:
    s = inputs.sources
    if s is None:
        return None
    part = s[s["index"] == "access_source_session_cnt"]
    return part.groupby("key")["value"].sum() if len(part) else None


def channels(inputs: MpInputs, previous: MpInputs | None) -> list[Channel]:
    """Every 访问来源 with opens this month (most first), the orders of its 场景值 beside it;
    orders whose 场景值 is in no 访问来源 (or not recorded) as rows of their own."""
    sessions = _sessions(inputs)
    orders = inputs.orders
    by_key: dict[Any, tuple[int, float]] = {}
    if orders is not None:
        key = orders["scene"].map(lambda s: mp.SCENE_SOURCE.get(int(s), f"scene:{int(s)}")
                                  if pd.notna(s) else "none")
        g = orders.assign(k=key).groupby("k")["amount"]
        by_key = {k: (int(c), float(v)) for k, c, v in zip(g.count().index, g.count(), g.sum(),
                                                          strict=True)}
    out: list[Channel] = []
    prev = _sessions(previous) if previous is not None else None
    if sessions is not None:
        total = int(sessions.sum())
        ptotal = int(prev.sum()) if prev is not None else 0
        for k, n in sessions.sort_values(ascending=False).items():
            known = bool(mp.ACCESS_SOURCES.get(int(k), ("", ()))[1])
            c, v = by_key.pop(int(k), (0, 0.0)) if orders is not None and known \
                else (None, None)
            p_share = float(prev.get(k, 0)) / ptotal if prev is not None and ptotal else None
            out.append(Channel(int(k), mp.source_label(int(k)), int(n),
                               n / total if total else None, c, v, p_share))
    for k, (c, v) in sorted(by_key.items(), key=lambda kv: -kv[1][0]):
        if isinstance(k, int):
            name = mp.source_label(k)
        elif k == "none":
            name = "未记录场景值"
        else:
            name = f"场景值 {k.split(':')[1]}（未归入访问来源）"
        out.append(Channel(k if isinstance(k, int) else None, name, 0, None, c, v))
    _compare_channels(out)
    return out


def _compare_channels(rows: list[Channel]) -> None:
    """Each channel with enough opens against all the others: orders per open, two-proportion
    z test; Bonferroni over the channels compared (set on ``p``)."""
    cands = [c for c in rows if c.key is not None and c.orders is not None
             and c.sessions >= MIN_CHANNEL_SESSIONS]
    if len(cands) < 2:
        return
    n_all = sum(c.sessions for c in cands)
    k_all = sum(c.orders or 0 for c in cands)
    for c in cands:
        assert c.orders is not None
        if c.orders > c.sessions or k_all - c.orders > n_all - c.sessions:
            continue
        p = two_proportion(c.orders, c.sessions, k_all - c.orders, n_all - c.sessions)
        c.p = None if p is None else min(1.0, p * len(cands))


def best_channel(rows: list[Channel]) -> Channel | None:
    """The channel with the most orders per open, when it is significantly above the rest."""
    scored = [c for c in rows if c.p is not None and c.per_k is not None]
    if not scored:
        return None
    best = max(scored, key=lambda c: c.per_k or 0.0)
    rest = [c for c in scored if c is not best]
    rest_rate = (sum(c.orders or 0 for c in rest) / sum(c.sessions for c in rest) * 1000
                 if rest and sum(c.sessions for c in rest) else None)
    if best.p is not None and best.p < ALPHA and rest_rate is not None \
            and (best.per_k or 0) > rest_rate:
        return best
    return None


# --------------------------------------------------------------------------- launch


def stage_role(zh: str, table_id: str = "") -> str | None:
    """Which launch stage a getPerformanceData table measures (None: none we know)."""
    name = "".join(str(zh).split())
    return _ROLES.get(name) or _ROLES.get(str(table_id))


@dataclass
class Stage:
    """One launch stage's month: the mean of its daily values (ms) against last month."""

    table: str
    zh: str
    role: str | None
    mean: float
    days: int
    daily: pd.Series
    prev: float | None = None
    standard: float | None = None  # ms
    p: float | None = None
    p_adj: float | None = None
    share: float | None = None  # of the total launch time
    material: float = 0.1

    @property
    def change(self) -> float | None:
        return self.mean / self.prev - 1 if self.prev else None

    @property
    def slower(self) -> bool:
        c = self.change
        return (c is not None and self.p_adj is not None and self.p_adj < ALPHA
                and c >= self.material)

    @property
    def gap(self) -> float | None:
        if self.standard is None:
            return None
        return max(0.0, (self.mean - self.standard) / self.standard)

    @property
    def status(self) -> str:
        g = self.gap
        if g is None:
            return "未设标准"
        return "达标" if g == 0 else "预警" if g <= WARN_BAND else "未达标"


@dataclass
class Launch:
    stages: list[Stage]
    total: Stage | None

    @property
    def slower(self) -> list[Stage]:
        return [s for s in self.stages if s is not self.total and s.slower]


def _stage_means(perf: pd.DataFrame | None) -> dict[str, tuple[str, pd.Series]]:
    if perf is None or perf.empty:
        return {}
    out = {}
    for tid, part in perf.groupby("table", sort=False):
        out[str(tid)] = (str(part["zh"].iloc[0]), part.set_index("date")["value"].sort_index())
    return out


def launch(inputs: MpInputs, previous: MpInputs | None, params: ReportParams) -> Launch:
    """Each launch table's month mean against last month (Welch, Holm over the stages other
    than the total) and its standard; the total's standard is section 06's."""
    now = _stage_means(inputs.performance)
    before = _stage_means(previous.performance) if previous is not None else {}
    stages = []
    for tid, (zh, daily) in now.items():
        role = stage_role(zh, tid)
        std = params.miniprogram_load_standard * 1000 if role == "total" else \
            params.mp_stage_standards_ms.get(zh)
        s = Stage(tid, zh, role, float(daily.mean()), len(daily), daily, standard=std,
                  material=params.mp_stage_material)
        if tid in before:
            s.prev = float(before[tid][1].mean())
            s.p = welch(list(daily), list(before[tid][1]))
        stages.append(s)
    total = next((s for s in stages if s.role == "total"), None)
    family = [s for s in stages if s is not total]
    for s, q in zip(family, holm([s.p for s in family]), strict=True):
        s.p_adj = q
    if total is not None:
        total.p_adj = total.p
        for s in family:
            s.share = s.mean / total.mean if total.mean else None
    return Launch(stages, total)


# --------------------------------------------------------------------------- the section


@dataclass
class KeyRow:
    """One row of the key table: 指标 | 本月 | 环比 | 状态."""

    name: str
    value: str
    mom: str
    status: str


@dataclass
class MpSection:
    """Everything section 13 shows, computed once."""

    params: ReportParams
    inputs: MpInputs
    previous: MpInputs | None
    prev_note: str
    funnel: Funnel
    prev_funnel: Funnel | None
    steps: list[Step]
    daily: pd.DataFrame
    pages: pd.DataFrame
    retention: Retention
    prev_retention: Retention | None
    next_month: list[NextMonth]
    prev_next_month: list[NextMonth]
    money: Money
    prev_money: Money | None
    channels: list[Channel]
    launch: Launch
    notes: list[str] = field(default_factory=list)

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)

    @property
    def next_active(self) -> NextMonth | None:
        """The latest cohort whose next month is observed."""
        seen = [c for c in self.next_month if c.rate is not None]
        return seen[-1] if seen else None

    @property
    def benchmark(self) -> dict[str, float] | None:
        p = self.params
        return p.mp_benchmarks.get(p.mp_type) if p.mp_type else None


def _previous(params: ReportParams) -> tuple[MpInputs | None, str]:
    folder = params.resolved_prev_data_dir()
    if not folder.is_dir():
        return None, f"无上月数据（未找到 {folder.name} 目录），环比不可用"
    try:
        inputs = load(folder, prev_month(params.month))
    except DataValidationError as exc:
        return None, (f"上月数据校验未通过（{len(exc.problems)} 个问题，如 {exc.problems[0]}），"
                      "环比不可用")
    if inputs.pages is None and inputs.visits is None:
        return inputs, f"上月目录没有小程序数据（{INPUTS[0]}），漏斗环比不可用"
    return inputs, ""


def prepare(params: ReportParams) -> MpSection:
    """Load this month (and the previous one for 环比) and compute section 13."""
    inputs = load(params.resolved_data_dir(), params.month)
    previous, note = _previous(params)
    now = funnel(inputs, params)
    before = funnel(previous, params) if previous is not None and previous.pages is not None \
        else None
    prev_ret = retention(previous) if previous is not None else None
    return MpSection(
        params=params, inputs=inputs, previous=previous, prev_note=note, funnel=now,
        prev_funnel=before, steps=steps(now, before, params),
        daily=daily_funnel(inputs, params), pages=page_table(inputs, params),
        retention=retention(inputs),
        prev_retention=prev_ret if prev_ret is not None and prev_ret.pooled else None,
        next_month=next_month(inputs, params),
        prev_next_month=next_month(previous, params) if previous is not None else [],
        money=money(inputs), prev_money=money(previous) if previous is not None else None,
        channels=channels(inputs, previous), launch=launch(inputs, previous, params),
    )


# --------------------------------------------------------------------------- statuses


def target_status(value: float | None, target: float | None, warn: float,
                  higher: bool = True) -> tuple[str, float | None]:
    """(status, gap) against a target: 达标 at or beyond it, 预警 within ``warn`` of it (the
    attainment ratio), else 未达标; 未设目标 without a target, 未提供 without a value."""
    if value is None:
        return "未提供", None
    if target is None:
        return "未设目标", None
    gap: float | None
    if higher:
        ratio = value / target if target else math.inf
        gap = max(0.0, 1 - ratio)
    else:
        ratio = target / value if value else math.inf
        gap = max(0.0, value / target - 1) if target else None
    status = "达标" if ratio >= 1 else "预警" if ratio >= warn else "未达标"
    return status, gap


def bench_status(value: float | None, low: float | None) -> tuple[str, float | None]:
    """(status, gap) against the low end of a reference range: below it 预警, else 达标."""
    if value is None:
        return "未提供", None
    if low is None:
        return "未设目标", None
    if value >= low:
        return "达标", 0.0
    return "预警", (low - value) / low if low else None
