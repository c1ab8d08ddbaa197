"""Section 10 广告投放与ROI, the numbers: spend, CTR, CPC, CPM, CPA and ROI per placement and in
total (with intervals), the best time slot and the weekday/weekend contrast, 环比.

The inputs are read and validated by ``wxnb.io.ads``; ``prepare`` loads and computes everything
once; ``show`` and ``words`` show it.

Definitions (腾讯广告 report fields; wechat-analytics-methods.md §4.12): CTR = valid_click_count ÷
view_count; CPC = cost ÷ valid_click_count; CPM = cost ÷ view_count × 1000; CVR =
conversions_count ÷ valid_click_count; CPA = cost ÷ conversions_count; ROI = attributed revenue ÷
cost. ``cost`` and ``order_amount`` are in 分 and shown in 元.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wxnb.exceptions import DataValidationError
from wxnb.io.ads import ORDERS_FILE, PLACEMENTS_FILE, SITE_SETS, AdsInputs, load
from wxnb.kit import compare, fmt
from wxnb.kit.stats import two_proportion, wilson
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s10_ads import SPEC

__all__ = [
    "ALPHA",
    "MIN_SLOT_DAYS",
    "PRICING",
    "SECTION",
    "UNMAPPED",
    "AdsSection",
    "Comparison",
    "SlotVerdict",
    "Totals",
    "best_slot",
    "compare_days",
    "compare_groups",
    "cpa_interval",
    "cpa_status",
    "day_permutation_p",
    "higher_status",
    "key_rows",
    "placement_frame",
    "poisson_interval",
    "prepare",
    "revenue_frame",
    "sign_flip_p",
    "slot_days",
    "slot_label",
    "slot_table",
    "totals",
    "with_placement",
    "yuan",
]

SECTION = (SPEC.key, SPEC.title)
ALPHA = 0.05
PERMUTATIONS = 10_000  # random relabellings of the days when there are more ways than EXACT_LIMIT
EXACT_LIMIT = 100_000
PERM_SEED = 2026  # fixed: the report is reproducible
MIN_DAYS = 2  # days a group needs before a day-level test is made
#: Days of hourly report the best-slot test needs (a week: every weekday in). With fewer, it is
#: not made; with 7 days the smallest possible p is 2 ÷ 2⁷ ≈ 0.016 before the correction.
MIN_SLOT_DAYS = 7
UNMAPPED = "未映射"
OTHER_ROW = "其余版位"
#: The seed's section 七: what each placement is for and how it is mostly bought.
PRICING: dict[str, str] = {
    "朋友圈": "CPM（品牌曝光）",
    "公众号底部": "CPC（效果转化）",
    "小程序激励式": "CPI（用户增长）",
}


def yuan(v: Any) -> str:
    """Money in 元 with two decimals: ¥1.85, ¥12,345.60; missing → '—'."""
    text = fmt.fmt_num(v, 2)
    if text == "—":
        return text
    return fmt.MINUS + "¥" + text[1:] if text.startswith(fmt.MINUS) else "¥" + text


# --------------------------------------------------------------------------- statistics


def poisson_interval(k: int, alpha: float = ALPHA) -> tuple[float, float]:
    """Exact (Garwood) 1 − alpha interval of a Poisson mean observed as ``k`` events."""
    from scipy.stats import chi2

    lo = 0.0 if k == 0 else float(chi2.ppf(alpha / 2, 2 * k)) / 2
    hi = float(chi2.ppf(1 - alpha / 2, 2 * k + 2)) / 2
    return lo, hi


def cpa_interval(cost: float, k: int) -> tuple[float, float]:
    """95 % interval of the cost per conversion at this spend: cost ÷ the Poisson interval of
    the conversions (the spend is known; the conversions it buys are the random part). The
    upper end is infinite when no conversion was seen."""
    lo, hi = poisson_interval(k)
    return cost / hi, (cost / lo if lo > 0 else math.inf)


def _cmh_p(tables: list[np.ndarray]) -> float | None:
    """Two-sided p of the Cochran-Mantel-Haenszel test over 2×2 tables (strata)."""
    use = [t for t in tables if t[0].sum() > 0 and t[1].sum() > 0]
    if not use:
        return None
    if len(use) == 1:
        t = use[0]
        return two_proportion(int(t[0, 0]), int(t[0].sum()), int(t[1, 0]), int(t[1].sum()))
    if sum(t[:, 0].sum() for t in use) == 0 or sum(t[:, 1].sum() for t in use) == 0:
        return 1.0
    import warnings

    from statsmodels.stats.contingency_tables import StratifiedTable

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = StratifiedTable([t.astype(float) for t in use]).test_null_odds(correction=False).pvalue
    return float(p) if math.isfinite(p) else None


@dataclass(frozen=True)
class Comparison:
    """Rows of ``mask`` against the rest: CTR of each, the relative lift and the stratified p."""

    label_a: str
    label_b: str
    views_a: int
    clicks_a: int
    views_b: int
    clicks_b: int
    p: float | None

    @property
    def ctr_a(self) -> float | None:
        return self.clicks_a / self.views_a if self.views_a else None

    @property
    def ctr_b(self) -> float | None:
        return self.clicks_b / self.views_b if self.views_b else None

    @property
    def lift(self) -> float | None:
        a, b = self.ctr_a, self.ctr_b
        return a / b - 1 if a is not None and b else None

    @property
    def significant(self) -> bool:
        return self.p is not None and self.p < ALPHA


def compare_groups(df: pd.DataFrame, mask: pd.Series, label_a: str, label_b: str,
                   strata: str = "placement") -> Comparison:
    """CTR of the rows in ``mask`` against the others, tested within each ``strata`` value
    (a Mantel-Haenszel test: a placement mix that differs between the groups does not
    masquerade as a difference)."""
    tables = []
    for _, part in df.groupby(strata, sort=True):
        m = mask.loc[part.index]
        a, b = part[m], part[~m]
        tables.append(np.array([[x["clicks"].sum(), max(0, x["views"].sum() - x["clicks"].sum())]
                                for x in (a, b)]))
    a, b = df[mask], df[~mask]
    return Comparison(label_a, label_b, int(a["views"].sum()), int(a["clicks"].sum()),
                      int(b["views"].sum()), int(b["clicks"].sum()), _cmh_p(tables))


def day_permutation_p(observed: np.ndarray, expected: np.ndarray, flag: np.ndarray
                      ) -> float | None:
    """Two-sided permutation p of |O_a ÷ E_a − O_b ÷ E_b| over the days: ``observed`` clicks and
    ``expected`` clicks (views × the placement's month CTR) per day, ``flag`` the days of
    group a. Every way of labelling as many days a as there are (exactly, or ``PERMUTATIONS``
    random ones): the unit is the day, so day-to-day swings of the CTR (creatives, audiences,
    bids) are not taken for a difference between the groups, as a test over impressions would.
    None when a group has fewer than ``MIN_DAYS`` days."""
    n, k = len(flag), int(flag.sum())
    if k < MIN_DAYS or n - k < MIN_DAYS:
        return None
    if math.comb(n, k) <= EXACT_LIMIT:
        from itertools import combinations

        masks = np.zeros((math.comb(n, k), n), dtype=bool)
        for i, idx in enumerate(combinations(range(n), k)):
            masks[i, list(idx)] = True
    else:
        rng = np.random.default_rng(PERM_SEED)
        masks = np.vstack([flag[None, :]] + [rng.permutation(flag)[None, :]
                                             for _ in range(PERMUTATIONS)])
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.abs((masks * observed).sum(1) / (masks * expected).sum(1)
                      - (~masks * observed).sum(1) / (~masks * expected).sum(1))
        obs = abs(observed[flag].sum() / expected[flag].sum()
                  - observed[~flag].sum() / expected[~flag].sum())
    if not math.isfinite(obs):
        return None
    return float(np.mean(stat >= obs - 1e-12))


def compare_days(df: pd.DataFrame, mask: pd.Series, label_a: str, label_b: str,
                 strata: str = "placement") -> Comparison:
    """CTR of the days in ``mask`` (every row of a day alike, e.g. weekends) against the other
    days, tested with the days as the units: each day's clicks against those its views would
    bring at each ``strata`` value's month CTR (a placement mix that differs between the days
    does not masquerade as a difference), compared by :func:`day_permutation_p`."""
    views = df.groupby(strata)["views"].sum()
    ctr = df.groupby(strata)["clicks"].sum() / views.where(views > 0)
    expected = df["views"] * df[strata].map(ctr).fillna(0.0)
    per_day = pd.DataFrame({"date": df["date"], "o": df["clicks"], "e": expected,
                            "a": mask}).groupby("date").agg(o=("o", "sum"), e=("e", "sum"),
                                                             a=("a", "first"))
    per_day = per_day[per_day["e"] > 0]
    p = day_permutation_p(per_day["o"].to_numpy(float), per_day["e"].to_numpy(float),
                          per_day["a"].to_numpy(bool))
    a, b = df[mask], df[~mask]
    return Comparison(label_a, label_b, int(a["views"].sum()), int(a["clicks"].sum()),
                      int(b["views"].sum()), int(b["clicks"].sum()), p)


# --------------------------------------------------------------------------- totals


@dataclass(frozen=True)
class Totals:
    """One placement's (or all placements') month: counts, cost (元) and revenue (元)."""

    views: int
    clicks: int
    cost: float
    conversions: int | None
    revenue: float | None = None
    orders: int | None = None

    @property
    def ctr(self) -> float | None:
        return self.clicks / self.views if self.views else None

    @property
    def ctr_ci(self) -> tuple[float, float]:
        return wilson(min(self.clicks, self.views), self.views)

    @property
    def cpc(self) -> float | None:
        return self.cost / self.clicks if self.clicks else None

    @property
    def cpm(self) -> float | None:
        return self.cost / self.views * 1000 if self.views else None

    @property
    def cvr(self) -> float | None:
        return self.conversions / self.clicks if self.conversions is not None and self.clicks \
            else None

    @property
    def cvr_ci(self) -> tuple[float, float]:
        if self.conversions is None or self.conversions > self.clicks:
            return (math.nan, math.nan)
        return wilson(self.conversions, self.clicks)

    @property
    def cpa(self) -> float | None:
        return self.cost / self.conversions if self.conversions else None

    @property
    def cpa_ci(self) -> tuple[float, float]:
        if self.conversions is None or self.cost <= 0:
            return (math.nan, math.nan)
        return cpa_interval(self.cost, self.conversions)

    @property
    def roi(self) -> float | None:
        return self.revenue / self.cost if self.revenue is not None and self.cost else None


def totals(df: pd.DataFrame, has_conversions: bool, revenue: float | None = None,
           orders: int | None = None) -> Totals:
    """The :class:`Totals` of some report rows."""
    return Totals(int(df["views"].sum()), int(df["clicks"].sum()),
                  float(df["cost_fen"].sum()) / 100,
                  int(df["conversions"].sum()) if has_conversions else None, revenue, orders)


# --------------------------------------------------------------------------- placements


def with_placement(inputs: AdsInputs) -> tuple[pd.DataFrame, pd.DataFrame | None, list[str]]:
    """The daily and hourly rows with their 版位: the analyst's mapping file first, then the
    report's site_set; notes on adgroups it could not place and on disagreements."""
    daily = inputs.daily.copy()
    notes: list[str] = []
    mapped: dict[str, str] = {}
    if inputs.placements is not None:
        mapped = dict(zip(inputs.placements["adgroup_id"], inputs.placements["placement"],
                          strict=True))
    by_site = daily["site_set"].map(lambda s: SITE_SETS.get(s, "其他") if s else UNMAPPED)
    daily["placement"] = [mapped.get(g, s) for g, s in zip(daily["adgroup_id"], by_site,
                                                           strict=True)]
    if mapped:
        missing = sorted(set(daily["adgroup_id"]) - set(mapped))
        if missing:
            notes.append(f"{len(missing)} 个广告组不在 {PLACEMENTS_FILE} 中（如 {missing[0]}），"
                         "按报表的 site_set 归入版位")
        clash = daily[daily["adgroup_id"].isin(list(mapped)) & (by_site == "朋友圈")
                      & (daily["placement"] != "朋友圈")]
        if len(clash):
            notes.append(f"{clash['adgroup_id'].nunique()} 个广告组在 {PLACEMENTS_FILE} 中不是朋友圈，"
                         "但报表的 site_set 为 SITE_SET_MOMENTS；按对照表计")
    else:
        notes.append(f"未提供 {PLACEMENTS_FILE}：版位按报表的 site_set 归类，公众号底部与小程序激励式"
                     "同属 SITE_SET_WECHAT，无法区分（显示为 公众号与小程序（未细分））")
    if (daily["placement"] == UNMAPPED).any():
        n = daily.loc[daily["placement"] == UNMAPPED, "adgroup_id"].nunique()
        notes.append(f"{n} 个广告组既不在 {PLACEMENTS_FILE} 中、报表也没有 site_set，归为“{UNMAPPED}”")
    hourly = None
    if inputs.hourly is not None:
        hourly = inputs.hourly.copy()
        one = daily.groupby("adgroup_id")["placement"].agg(
            lambda s: s.iloc[0] if s.nunique() == 1 else UNMAPPED)
        where = {**one.to_dict(), **mapped}
        hourly["placement"] = [where.get(g, UNMAPPED) for g in hourly["adgroup_id"]]
    return daily, hourly, notes


def revenue_frame(inputs: AdsInputs, daily: pd.DataFrame
                  ) -> tuple[str | None, pd.DataFrame | None, list[str]]:
    """Attributed revenue per adgroup and day: ``("orders", …)`` from ads_orders.csv,
    ``("platform", …)`` from the report's order_amount, or ``(None, None, notes)``.

    The frame has adgroup_id, date, revenue (元) and orders (None for the platform's)."""
    notes: list[str] = []
    known = set(daily["adgroup_id"])
    if inputs.orders is not None:
        o = inputs.orders
        ours = o[o["adgroup_id"].isin(known)]
        rest = o[~o["adgroup_id"].isin(known)]
        if len(rest):
            blank = int((rest["adgroup_id"] == "").sum())
            notes.append(f"{ORDERS_FILE} 中 {len(rest)} 笔订单（{fmt.fmt_money(rest['amount'].sum())}）"
                         f"未计入 ROI：{blank} 笔未归因到广告组，{len(rest) - blank} 笔的广告组不在本月报表中")
        frame = ours.assign(date=ours["time"].dt.normalize(), orders=1).groupby(
            ["adgroup_id", "date"], as_index=False)[["amount", "orders"]].sum()
        return "orders", frame.rename(columns={"amount": "revenue"}), notes
    if inputs.has_order_amount:
        frame = daily.groupby(["adgroup_id", "date"], as_index=False)["order_amount_fen"].sum()
        frame["revenue"] = frame.pop("order_amount_fen") / 100
        frame["orders"] = np.nan
        return "platform", frame, notes
    return None, None, notes


def placement_frame(daily: pd.DataFrame, revenue: pd.DataFrame | None,
                    has_conversions: bool) -> pd.DataFrame:
    """Per placement (largest spend first): views, clicks, cost (元), conversions, revenue,
    orders and the :class:`Totals` object (column ``t``)."""
    g = daily.groupby("placement")
    out = pd.DataFrame({"views": g["views"].sum(), "clicks": g["clicks"].sum(),
                        "cost": g["cost_fen"].sum() / 100, "conversions": g["conversions"].sum(),
                        "adgroups": g["adgroup_id"].nunique()})
    out["revenue"], out["orders"] = np.nan, np.nan
    if revenue is not None:
        place = daily.drop_duplicates("adgroup_id").set_index("adgroup_id")["placement"]
        if daily.groupby("adgroup_id")["placement"].nunique().max() > 1:
            # an adgroup on several site_sets without a mapping: revenue by its spend share
            share = daily.groupby(["adgroup_id", "placement"])["cost_fen"].sum()
            share = share / share.groupby(level=0).transform("sum")
            rev = revenue.groupby("adgroup_id")[["revenue", "orders"]].sum(min_count=1)
            joined = share.rename("w").reset_index().join(rev, on="adgroup_id")
            joined["revenue"] *= joined["w"]
            joined["orders"] *= joined["w"]
            per = joined.groupby("placement")[["revenue", "orders"]].sum(min_count=1)
        else:
            per = revenue.assign(placement=revenue["adgroup_id"].map(place)).groupby(
                "placement")[["revenue", "orders"]].sum(min_count=1)
        out["revenue"] = per["revenue"].reindex(out.index).fillna(0.0)
        out["orders"] = per["orders"].reindex(out.index)
    out = out.sort_values(["cost", "views"], ascending=False)
    out["t"] = [Totals(int(r.views), int(r.clicks), float(r.cost),
                       int(r.conversions) if has_conversions else None,
                       None if revenue is None else float(r.revenue),
                       None if revenue is None or pd.isna(r.orders) else int(r.orders))
                for r in out.itertuples()]
    return out


# --------------------------------------------------------------------------- time slots


def slot_label(start: int, width: int) -> str:
    """``20–22 点`` (``20 点`` for one-hour slots)."""
    return f"{start} 点" if width == 1 else f"{start}–{start + width} 点"


def slot_table(hourly: pd.DataFrame, width: int, min_views: int,
               has_conversions: bool) -> pd.DataFrame:
    """Per slot of ``width`` hours: views, clicks, cost, conversions, CTR with its Wilson
    interval, CVR, CPC, the weekday and weekend CTR and whether it has enough views to be
    compared (``eligible``)."""
    h = hourly.assign(slot=hourly["hour"] // width * width,
                      weekend=hourly["date"].dt.day_of_week >= 5)
    g = h.groupby("slot")
    t = pd.DataFrame({"views": g["views"].sum(), "clicks": g["clicks"].sum(),
                      "cost": g["cost_fen"].sum() / 100, "conversions": g["conversions"].sum()})
    t = t.reindex(range(0, 24, width), fill_value=0)
    t["label"] = [slot_label(s, width) for s in t.index]
    t["ctr"] = t["clicks"] / t["views"].where(t["views"] > 0)
    ci = [wilson(min(c, v), v) for c, v in zip(t["clicks"], t["views"], strict=True)]
    t["ctr_lo"], t["ctr_hi"] = [c[0] for c in ci], [c[1] for c in ci]
    t["cvr"] = (t["conversions"] / t["clicks"].where(t["clicks"] > 0)) if has_conversions \
        else np.nan
    t["cpc"] = t["cost"] / t["clicks"].where(t["clicks"] > 0)
    for name, flag in (("weekday_ctr", False), ("weekend_ctr", True)):
        part = h[h["weekend"] == flag].groupby("slot")[["views", "clicks"]].sum()
        part = part.reindex(t.index, fill_value=0)
        t[name] = part["clicks"] / part["views"].where(part["views"] > 0)
    t["eligible"] = t["views"] >= max(min_views, 1)
    return t


def sign_flip_p(residuals: np.ndarray) -> float | None:
    """Two-sided sign-flip p of the sum of one residual per day (:func:`slot_days`): under no
    slot effect each day's residual is as likely positive as negative, so every pattern of
    signs (all 2ⁿ exactly when there are at most ``EXACT_LIMIT``, else the observed one and
    ``PERMUTATIONS`` random ones, seed ``PERM_SEED``) is as likely as the one seen; p is the
    share of patterns whose |sum| is at least the observed one. The unit is the day: a CTR
    that swings from day to day and hour to hour widens the spread of the residuals, and the
    test with it. None with fewer than ``MIN_SLOT_DAYS`` days."""
    r = np.asarray(residuals, dtype=float)
    n = len(r)
    if n < MIN_SLOT_DAYS:
        return None
    if 2 ** n <= EXACT_LIMIT:
        signs = 1.0 - 2.0 * ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1)
    else:
        rng = np.random.default_rng(PERM_SEED)
        signs = np.vstack([np.ones((1, n)), rng.choice([-1.0, 1.0], size=(PERMUTATIONS, n))])
    obs = abs(float(r.sum()))
    stat = np.abs(signs @ r)
    return float(np.mean(stat >= obs - 1e-9 * (1.0 + obs)))


def slot_days(hourly: pd.DataFrame, slot: int, width: int, slots: list[int] | None = None,
              strata: str = "placement") -> pd.DataFrame:
    """Per day (index), the slot against the same day's other slots (of ``slots``, default
    all), placement by placement: ``clicks`` the slot's clicks, ``expected`` the clicks its
    views would have brought at the CTR of the day's other slots in each placement, ``residual``
    = clicks − expected, ``views`` the slot's views. A placement counts on a day only when it
    has views both in the slot and in the other slots that day; a day without such a
    placement is left out. Day-to-day swings of the CTR move the slot and the rest of its day
    alike and cancel; a placement mix that differs between slots is compared within each
    placement."""
    h = hourly.assign(slot=hourly["hour"] // width * width)
    if slots is not None:
        h = h[h["slot"].isin(slots)]
    inside = h["slot"] == slot
    cols = ["views", "clicks"]
    a = h[inside].groupby(["date", strata])[cols].sum()
    b = h[~inside].groupby(["date", strata])[cols].sum()
    j = a.add_suffix("_s").join(b.add_suffix("_o"), how="inner")
    j = j[(j["views_s"] > 0) & (j["views_o"] > 0)]
    j = j.assign(expected=j["views_s"] * j["clicks_o"] / j["views_o"])
    out = j.groupby(level="date").agg(views=("views_s", "sum"), clicks=("clicks_s", "sum"),
                                      expected=("expected", "sum"))
    out["residual"] = out["clicks"] - out["expected"]
    return out


@dataclass(frozen=True)
class SlotVerdict:
    """The best slot by CTR among the eligible ones, and whether it stands out, judged with the
    days as the units (:func:`slot_days`, :func:`sign_flip_p`)."""

    slot: int
    label: str
    width: int
    k: int  # eligible slots compared
    versus: Comparison  # the best slot against the other eligible slots (pooled CTRs; day p)
    p_adj: float | None  # Bonferroni: p × k
    days: int  # days in the day-level test
    day_lift: float | None  # Σ clicks ÷ Σ expected − 1 over those days (placement-adjusted)
    runner_up: str | None
    overlaps_runner_up: bool
    excluded: list[str] = field(default_factory=list)

    @property
    def tested(self) -> bool:
        return self.p_adj is not None

    @property
    def distinguishable(self) -> bool:
        return (self.p_adj is not None and self.p_adj < ALPHA and self.day_lift is not None
                and self.day_lift > 0)


def best_slot(hourly: pd.DataFrame, table: pd.DataFrame, width: int) -> SlotVerdict | None:
    """The slot with the highest CTR among those with enough views, tested against the other
    eligible slots with the days as the units: per day, its clicks against those its views
    would bring at the CTR of the same day's other slots, placement by placement
    (:func:`slot_days`), the residuals' sum by a sign-flip test over the days
    (:func:`sign_flip_p`, at least ``MIN_SLOT_DAYS`` days), Bonferroni-corrected for having
    picked the best of ``k``. Impressions are not the units: with a CTR that swings from day to
    day and hour to hour, a test over impressions calls a best slot far too often. None with
    fewer than two eligible slots."""
    ok = table[table["eligible"] & table["ctr"].notna()]
    if len(ok) < 2:
        return None
    ranked = ok.sort_values("ctr", ascending=False)
    best, second = int(ranked.index[0]), int(ranked.index[1])
    per_day = slot_days(hourly, best, width, [int(x) for x in ok.index])
    p = sign_flip_p(per_day["residual"].to_numpy())
    k = len(ok)
    p_adj = None if p is None else min(1.0, p * k)
    expected = float(per_day["expected"].sum())
    day_lift = float(per_day["clicks"].sum()) / expected - 1 if expected > 0 else None
    others = ok.drop(index=best)
    versus = Comparison(str(ok.at[best, "label"]), "其余时段", int(ok.at[best, "views"]),
                        int(ok.at[best, "clicks"]), int(others["views"].sum()),
                        int(others["clicks"].sum()), p)
    overlap = bool(ok.at[second, "ctr_hi"] >= ok.at[best, "ctr_lo"])
    excluded = [str(x) for x in table.loc[~table["eligible"] & (table["views"] > 0), "label"]]
    return SlotVerdict(best, str(ok.at[best, "label"]), width, k, versus, p_adj,
                       len(per_day), day_lift, str(ok.at[second, "label"]), overlap, excluded)


# --------------------------------------------------------------------------- statuses


def cpa_status(cpa: float | None, ci: tuple[float, float], target: float | None,
               warn: float, spent: bool = True) -> tuple[str, float | None]:
    """(status, gap) of a cost per conversion against its target: 达标 at or under it;
    预警 when over it but within the warning band or when the target lies inside the
    interval (too few conversions to say); otherwise 未达标. The gap is the relative excess."""
    if target is None:
        return "未设目标", None
    if cpa is None and not spent:
        return "未提供", None
    if cpa is not None and cpa <= target:
        return "达标", 0.0
    gap = (cpa - target) / target if cpa is not None else 1.0
    lo = ci[0]
    if (cpa is not None and target / cpa >= warn) or (not math.isnan(lo) and lo <= target):
        return "预警", gap
    return "未达标", gap


def higher_status(value: float | None, target: float | None, warn: float
                  ) -> tuple[str, float | None]:
    """(status, gap) of a higher-is-better value (CTR, ROI) against a target."""
    if value is None:
        return "未提供", None
    if target is None:
        return "未设目标", None
    if value >= target:
        return "达标", 0.0
    gap = (target - value) / target if target else None
    return ("预警" if target and value / target >= warn else "未达标"), gap


# --------------------------------------------------------------------------- the section


@dataclass
class AdsSection:
    """Everything section 10 shows, computed once."""

    params: ReportParams
    inputs: AdsInputs
    daily: pd.DataFrame
    hourly: pd.DataFrame | None
    placements: pd.DataFrame
    total: Totals
    revenue_source: str | None
    revenue: pd.DataFrame | None
    slots: pd.DataFrame | None
    slot: SlotVerdict | None
    weekend: Comparison | None
    prev: Totals | None
    prev_placements: pd.DataFrame | None
    prev_note: str
    notes: list[str]
    benchmark: dict[str, Any] | None

    @property
    def has_conversions(self) -> bool:
        return self.inputs.has_conversions

    def mom(self, metric: str) -> tuple[float | None, str]:
        """环比 of a total: (value, text); rates in points, money and ROI relative."""
        if self.prev is None:
            return None, "无上月数据"
        now, before = getattr(self.total, metric), getattr(self.prev, metric)
        if now is None or before is None:
            return None, "—"
        if metric in ("ctr", "cvr"):
            c = compare.change("rate", now, before)
            return c.value, fmt.fmt_pp(c.value)
        if not before:
            return None, "—"
        v = now / before - 1
        return v, fmt.fmt_signed_pct(v)


def _previous(params: ReportParams) -> tuple[AdsInputs | None, str]:
    folder = params.resolved_prev_data_dir()
    if not folder.is_dir():
        return None, f"无上月数据（未找到 {folder.name} 目录），环比不可用"
    if not any(folder.glob("ads_daily_reports_*.json")):
        return None, f"上月目录 {folder.name} 没有腾讯广告日报表，环比不可用"
    try:
        return load(folder, prev_month(params.month)), ""
    except DataValidationError as exc:
        return None, (f"上月广告数据校验未通过（{len(exc.problems)} 个问题，如 {exc.problems[0]}），"
                      "环比不可用")


def _month_totals(inputs: AdsInputs) -> tuple[Totals, pd.DataFrame, pd.DataFrame,
                                               str | None, pd.DataFrame | None, list[str],
                                               pd.DataFrame | None]:
    daily, hourly, notes = with_placement(inputs)
    source, revenue, rev_notes = revenue_frame(inputs, daily)
    by = placement_frame(daily, revenue, inputs.has_conversions)
    rev_total = float(revenue["revenue"].sum()) if revenue is not None else None
    orders = None
    if source == "orders" and revenue is not None:
        orders = int(revenue["orders"].sum())
    total = totals(daily, inputs.has_conversions, rev_total, orders)
    return total, by, daily, source, revenue, notes + rev_notes, hourly


def _hourly_notes(daily: pd.DataFrame, hourly: pd.DataFrame | None, month: str) -> list[str]:
    if hourly is None:
        return [("未提供小时报表（ads_hourly_reports_<日>_p<页>.json，wxnb fetch-ads 获取），"
                 "无法比较投放时段")]
    notes = []
    days = hourly["date"].nunique()
    n = pd.Period(month).days_in_month
    if days < n:
        notes.append(f"小时报表只覆盖 {days}/{n} 天，时段比较基于这些天")
    same = daily[daily["date"].isin(hourly["date"].unique())]
    for col, word in (("views", "曝光"), ("clicks", "点击"), ("cost_fen", "花费")):
        a, b = float(same[col].sum()), float(hourly[col].sum())
        if a and abs(b - a) / a > 0.01:
            notes.append(f"小时报表的{word}合计与日报表相差 {fmt.fmt_pct(abs(b - a) / a)}"
                         "（同一天内），时段分析以小时报表为准")
    return notes


def _benchmark(params: ReportParams) -> dict[str, Any] | None:
    if not params.ads_industry:
        return None
    return {"industry": params.ads_industry, **params.ads_benchmarks[params.ads_industry]}


def prepare(params: ReportParams) -> AdsSection:
    """Load this month (and the previous one for 环比) and compute section 10."""
    inputs = load(params.resolved_data_dir(), params.month)
    total, by, daily, source, revenue, notes, hourly = _month_totals(inputs)
    notes = list(inputs.notes) + notes + _hourly_notes(daily, hourly, params.month)
    slots = verdict = None
    if hourly is not None:
        slots = slot_table(hourly, params.ads_slot_hours, params.ads_min_slot_views,
                           inputs.hourly_conversions)
        verdict = best_slot(hourly, slots, params.ads_slot_hours)
    weekend = None
    is_weekend = daily["date"].dt.day_of_week >= 5
    if is_weekend.any() and (~is_weekend).any():
        weekend = compare_days(daily, is_weekend, "周末", "工作日")
    previous, prev_note = _previous(params)
    prev = prev_by = None
    if previous is not None:
        prev, prev_by, *_ = _month_totals(previous)
    return AdsSection(params, inputs, daily, hourly, by, total, source, revenue, slots, verdict,
                      weekend, prev, prev_by, prev_note, notes, _benchmark(params))


# --------------------------------------------------------------------------- the key table


def key_rows(sec: AdsSection, limit: int = 3) -> list[tuple[str, Totals]]:
    """The management table's rows: the ``limit`` placements with the largest spend, the
    others folded into one row, then 合计 (at most ``limit`` + 1 rows)."""
    by = sec.placements
    rows = [(str(name), r) for name, r in zip(by.index, by["t"], strict=True)]
    if len(rows) > limit:
        rest = rows[limit - 1:]
        conv = [t.conversions for _, t in rest]
        folded = Totals(sum(t.views for _, t in rest), sum(t.clicks for _, t in rest),
                        sum(t.cost for _, t in rest),
                        None if None in conv else sum(c or 0 for c in conv))
        rows = rows[:limit - 1] + [(f"{OTHER_ROW}（{len(rest)} 个）", folded)]
    if len(rows) > 1:
        rows.append(("合计", sec.total))
    return rows
