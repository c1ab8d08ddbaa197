"""Section 11 企业微信试点评估, the numbers: each outcome per unit (store or staff member) and
period, the difference-in-differences of pilot against control with permutation inference over
the units, the pre-trend check, and the group-chat context.

The inputs are read and validated by ``wxnb.io.wecom``; the estimator is ``wxnb.kit.did``.
``prepare`` loads this month's folder and the previous month's (the pre-period may live there)
and computes everything once; ``show`` and ``words`` show it.

Periods: the pilot's start date S splits the observed days into the pre-period (before S) and
the post-period (S to the end of the report month). Weekly bins are counted from S (bin k holds
the days S + 7k … S + 7k + 6), so bin −1 is the last week before the pilot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from wxnb.exceptions import DataValidationError
from wxnb.io.wecom import (
    BEHAVIOR_GLOB,
    ORDERS_FILE,
    PILOT_FILE,
    Roster,
    WecomInputs,
    load,
)
from wxnb.kit import did, fmt, stats
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s11_wecom import SPEC

__all__ = [
    "INPUTS",
    "METRICS",
    "MIN_BIN_DAYS",
    "SECTION",
    "MetricDef",
    "MetricResult",
    "Period",
    "WecomSection",
    "behavior_values",
    "change_text",
    "estimate",
    "groupchat_summary",
    "interval_text",
    "level_text",
    "naive_phrase",
    "order_value",
    "p_text",
    "prepare",
    "repurchase",
    "week_of",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs
MIN_BIN_DAYS = 3  # a weekly bin with fewer observed days is left out of the pre-trend check


@dataclass(frozen=True)
class MetricDef:
    """One outcome: its key, name, kind (rate / money / minutes) and better direction."""

    key: str
    name: str
    kind: str
    higher_better: bool
    source: str  # the file that enables it


METRICS: tuple[MetricDef, ...] = (
    MetricDef("repurchase", "复购率", "rate", True, ORDERS_FILE),
    MetricDef("order_value", "客单价", "money", True, ORDERS_FILE),
    MetricDef("response_time", "首次回复时长", "minutes", False, BEHAVIOR_GLOB),
    MetricDef("reply_share", "已回复聊天占比", "rate", True, BEHAVIOR_GLOB),
)


@dataclass(frozen=True)
class Period:
    """The observed days of one source split at the pilot's start."""

    first: date | None  # first observed day
    last: date | None  # last observed day
    start: date  # the pilot's start (first post day)

    @property
    def pre_days(self) -> int:
        if self.first is None or self.last is None:
            return 0
        return max(0, (min(self.start, self.last + timedelta(days=1)) - self.first).days)

    @property
    def post_days(self) -> int:
        if self.first is None or self.last is None:
            return 0
        return max(0, (self.last - max(self.start, self.first)).days + 1)

    @property
    def pre(self) -> tuple[date, date] | None:
        return (self.first, self.start - timedelta(days=1)) if self.pre_days and self.first \
            else None

    @property
    def post(self) -> tuple[date, date] | None:
        return (max(self.start, self.first), self.last) if self.post_days and self.first \
            and self.last else None


def week_of(day: pd.Series | pd.DatetimeIndex, start: date) -> np.ndarray:
    """The weekly bin of each day, counted from the pilot's start (−1 = the week before it)."""
    delta = (pd.to_datetime(pd.Series(day)) - pd.Timestamp(start)).dt.days.to_numpy()
    return np.floor_divide(delta, 7)


# --------------------------------------------------------------------------- outcomes


def repurchase(orders: pd.DataFrame, lo: date, hi: date, days: int, start: date
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """N-day repurchase of the customers who bought in [lo, hi].

    A customer's entry is their first order at the unit in the period; only entries on days
    with a full follow-up inside the period (entry day + ``days`` ≤ ``hi``) count (right-
    censoring: later entries could not be seen coming back). The customer repurchased when they
    ordered at the same unit again on a later day within ``days`` days of the entry.

    Returns per unit (``customers``, ``repeat``, ``value`` = repeat ÷ customers) and per unit
    and weekly entry bin (``week``, ``customers``, ``repeat``, ``value``, ``days`` = entry
    days of the bin).
    """
    cols = ["customers", "repeat", "value"]
    last_entry = hi - timedelta(days=days)
    if last_entry < lo:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=["unit", "week", *cols, "days"])
    o = orders[(orders["day"] >= pd.Timestamp(lo)) & (orders["day"] <= pd.Timestamp(hi))]
    o = o.sort_values("time")
    first = o.groupby(["unit", "customer_id"], sort=False)["day"].min().rename("entry")
    o = o.join(first, on=["unit", "customer_id"])
    later = o[(o["day"] > o["entry"]) & (o["day"] <= o["entry"] + pd.Timedelta(days=days))]
    came_back = later.groupby(["unit", "customer_id"]).size().gt(0)
    cohort = first[first <= pd.Timestamp(last_entry)].to_frame()
    cohort["repeat"] = came_back.reindex(cohort.index, fill_value=False).astype(bool)
    cohort = cohort.reset_index()
    per_unit = cohort.groupby("unit").agg(customers=("repeat", "size"), repeat=("repeat", "sum"))
    per_unit["value"] = per_unit["repeat"] / per_unit["customers"]
    cohort["week"] = week_of(cohort["entry"], start)
    weekly = cohort.groupby(["unit", "week"]).agg(customers=("repeat", "size"),
                                                  repeat=("repeat", "sum")).reset_index()
    weekly["value"] = weekly["repeat"] / weekly["customers"]
    entry_days = pd.Series(pd.date_range(lo, last_entry, freq="D"))
    bin_days = pd.Series(week_of(entry_days, start)).value_counts()
    weekly["days"] = weekly["week"].map(bin_days).fillna(0).astype(int)
    return per_unit, weekly


def order_value(orders: pd.DataFrame, lo: date, hi: date, start: date
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """客单价 = revenue ÷ orders per unit over [lo, hi] and per unit and weekly bin."""
    o = orders[(orders["day"] >= pd.Timestamp(lo)) & (orders["day"] <= pd.Timestamp(hi))].copy()
    per_unit = o.groupby("unit").agg(orders=("amount", "size"), revenue=("amount", "sum"))
    per_unit["value"] = per_unit["revenue"] / per_unit["orders"]
    o["week"] = week_of(o["day"], start)
    weekly = o.groupby(["unit", "week"]).agg(orders=("amount", "size"),
                                             revenue=("amount", "sum")).reset_index()
    weekly["value"] = weekly["revenue"] / weekly["orders"]
    bin_days = pd.Series(week_of(pd.Series(pd.date_range(lo, hi, freq="D")), start)).value_counts()
    weekly["days"] = weekly["week"].map(bin_days).fillna(0).astype(int)
    return per_unit, weekly


def behavior_values(behavior: pd.DataFrame, column: str, lo: date, hi: date, start: date
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The chat-weighted mean of ``column`` (``reply_min`` minutes or ``reply_share``) per unit
    over [lo, hi] and per unit and weekly bin: Σ(value × chat_cnt) ÷ Σ chat_cnt over the
    staff-days that report the value (days without chats report none and are left out, never
    counted as 0)."""
    b = behavior[(behavior["day"] >= pd.Timestamp(lo)) & (behavior["day"] <= pd.Timestamp(hi))]
    b = b[b[column].notna() & (b["chat_cnt"] > 0)].copy()
    b["weighted"] = b[column] * b["chat_cnt"]
    per_unit = b.groupby("unit").agg(chats=("chat_cnt", "sum"), weighted=("weighted", "sum"),
                                     staff_days=("chat_cnt", "size"))
    per_unit["value"] = per_unit["weighted"] / per_unit["chats"]
    b["week"] = week_of(b["day"], start)
    weekly = b.groupby(["unit", "week"]).agg(chats=("chat_cnt", "sum"),
                                             weighted=("weighted", "sum")).reset_index()
    weekly["value"] = weekly["weighted"] / weekly["chats"]
    covered = b.groupby("week")["day"].nunique()
    weekly["days"] = weekly["week"].map(covered).fillna(0).astype(int)
    return per_unit.drop(columns="weighted"), weekly.drop(columns="weighted")


# --------------------------------------------------------------------------- estimates


@dataclass
class MetricResult:
    """One outcome's pilot-against-control evaluation."""

    metric: MetricDef
    available: bool  # its source file is there
    reason: str = ""  # why there is no estimate ("" when there is one)
    units: pd.DataFrame = field(default_factory=pd.DataFrame)  # per unit: pre, post, bases
    weekly: pd.DataFrame = field(default_factory=pd.DataFrame)  # unit, week, value, days
    result: did.DidResult | None = None
    pretrend: did.PretrendResult | None = None
    p_holm: float | None = None
    pretrend_p_holm: float | None = None  # the pre-trend test's p, Holm-adjusted over metrics
    few_units: bool = False
    base_label: str = ""  # what the per-unit base counts (客户, 订单, 聊天)

    @property
    def key(self) -> str:
        return self.metric.key

    @property
    def confirmed(self) -> bool:
        """The effect's adjusted p-value is at most the level and the design could reject."""
        return (self.result is not None and self.p_holm is not None and not self.few_units
                and self.p_holm <= self.result.test.alpha)

    @property
    def better(self) -> bool | None:
        """Whether the estimate points the good way (None without one)."""
        if self.result is None:
            return None
        e = self.result.estimate
        return e > 0 if self.metric.higher_better else e < 0

    @property
    def diverging(self) -> bool:
        """The pre-trend test, Holm-adjusted across the metrics, is below its level."""
        t = self.pretrend.test if self.pretrend is not None else None
        return t is not None and self.pretrend_p_holm is not None \
            and self.pretrend_p_holm <= t.alpha

    @property
    def short(self) -> str:
        """The verdict in a word or two, for the management table."""
        if self.result is None:
            return "未提供" if not self.available else "无法估计"
        return self.verdict

    @property
    def verdict(self) -> str:
        """可信 / 变差 / 尚无法确认 / 单位太少 / 前期走势不同 / the reason there is none."""
        if self.result is None:
            return self.reason or "未提供"
        if self.few_units:
            return "单位太少"
        if self.diverging:
            return "前期走势不同"
        if self.confirmed:
            return "可信" if self.better else "变差"
        return "尚无法确认"


def estimate(m: MetricResult, roster: Roster, params: ReportParams) -> None:
    """Fill ``m.result`` (DiD over the units with a pre and a post value) and ``m.pretrend``."""
    u = m.units
    treated = roster.treated
    both = u[np.isfinite(u["pre"]) & np.isfinite(u["post"])] if len(u) else u
    z = np.array([treated[str(x)] for x in both.index], dtype=bool)
    if len(both) == 0 or z.sum() == 0 or (~z).sum() == 0:
        n_pre = int(np.isfinite(u["pre"]).sum()) if len(u) else 0
        n_post = int(np.isfinite(u["post"]).sum()) if len(u) else 0
        m.reason = (f"试点或对照没有前后两期都有{m.base_label}数据的单位（前期 {n_pre} 个、"
                    f"后期 {n_post} 个单位有数据）")
        return
    m.few_units = bool(z.sum() < params.wecom_min_units or (~z).sum() < params.wecom_min_units)
    m.result = did.did(both["pre"].to_numpy(), both["post"].to_numpy(), z,
                       alpha=params.wecom_alpha, draws=params.wecom_permutations)
    w = m.weekly
    if len(w):
        pre = w[(w["week"] < 0) & (w["days"] >= MIN_BIN_DAYS) & w["unit"].isin(both.index)]
        m.pretrend = did.pretrend(pre, treated, time="week", alpha=params.wecom_pretrend_alpha,
                                  draws=params.wecom_permutations)
    else:
        m.pretrend = did.PretrendResult(None, 0, "没有按周的前期数据")


def _frame(pre: pd.DataFrame, post: pd.DataFrame, roster: Roster, base: str) -> pd.DataFrame:
    out = pd.DataFrame(index=roster.units.index)
    out["pre"] = pre["value"].reindex(out.index).astype(float) if len(pre) else math.nan
    out["post"] = post["value"].reindex(out.index).astype(float) if len(post) else math.nan
    out["n_pre"] = pre[base].reindex(out.index).fillna(0).astype(int) if len(pre) else 0
    out["n_post"] = post[base].reindex(out.index).fillna(0).astype(int) if len(post) else 0
    return out


# --------------------------------------------------------------------------- the section


@dataclass
class Source:
    """One data source (orders or behaviour) over both folders, mapped to the units."""

    frame: pd.DataFrame | None
    period: Period | None
    months: list[str]  # the months whose folder had the file
    unknown: int = 0  # rows whose unit / userid is not in the design
    unknown_ids: list[str] = field(default_factory=list)


@dataclass
class WecomSection:
    """Everything section 11 shows, computed once."""

    params: ReportParams
    inputs: WecomInputs
    previous: WecomInputs | None
    prev_note: str
    roster: Roster | None
    orders: Source
    behavior: Source
    results: list[MetricResult]
    groupchat: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)

    @property
    def unit_word(self) -> str:
        return self.roster.level if self.roster else "门店"

    def result(self, key: str) -> MetricResult:
        return next(r for r in self.results if r.key == key)

    @property
    def counts(self) -> tuple[int, int]:
        """Pilot and control units in the design."""
        if self.roster is None:
            return (0, 0)
        t = self.roster.units["treated"]
        return int(t.sum()), int((~t).sum())


def _previous(params: ReportParams) -> tuple[WecomInputs | None, str]:
    folder = params.resolved_prev_data_dir()
    if not folder.is_dir():
        return None, f"未找到上月目录 {folder.name}，前期只能取本月试点开始前的日子"
    try:
        return load(folder, prev_month(params.month)), ""
    except DataValidationError as exc:
        return None, (f"上月目录的企业微信数据校验未通过（{len(exc.problems)} 个问题，如 "
                      f"{exc.problems[0]}），前期只能取本月试点开始前的日子")


def _month_span(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, nxt - timedelta(days=1)


def _orders_source(parts: list[WecomInputs], roster: Roster) -> Source:
    frames = [p.orders for p in parts if p.orders is not None]
    months = [p.month for p in parts if p.orders is not None]
    if not frames:
        return Source(None, None, [])
    o = pd.concat(frames, ignore_index=True)
    mapped = o["unit"].map(roster.order_units)
    unknown = sorted(set(o.loc[mapped.isna(), "unit"]))
    src_unknown = int(mapped.isna().sum())
    o = o.assign(unit=mapped).dropna(subset=["unit"])
    o["day"] = o["time"].dt.normalize()
    spans = [_month_span(m) for m in months]
    period = Period(min(s for s, _ in spans), max(e for _, e in spans), roster.pilot_start)
    return Source(o, period, months, src_unknown, unknown)


def _behavior_source(parts: list[WecomInputs], roster: Roster) -> Source:
    have = [p for p in parts if p.behavior is not None]
    if not have:
        return Source(None, None, [])
    b = pd.concat([p.behavior for p in have], ignore_index=True)
    days = pd.concat([p.behavior_days for p in have if p.behavior_days is not None],
                     ignore_index=True)
    mapped = b["userid"].map(roster.members)
    unknown = sorted(set(b.loc[mapped.isna(), "userid"]))
    b = b.assign(unit=mapped).dropna(subset=["unit"])
    days = days[days["userid"].isin(roster.members)]
    period = None
    if len(days):
        period = Period(days["day"].min().date(), days["day"].max().date(), roster.pilot_start)
    return Source(b, period, [p.month for p in have], len(unknown), unknown)


def _short_pre(src: Source, params: ReportParams, label: str) -> str:
    p = src.period
    if p is None:
        return f"没有{label}数据"
    if p.post_days == 0:
        return f"{label}数据在试点开始（{p.start:%Y-%m-%d}）之前就结束了"
    if p.pre_days < params.wecom_min_pre_days:
        return (f"试点前只有 {p.pre_days} 天{label}数据（至少需要 "
                f"{params.wecom_min_pre_days} 天），无法估计")
    return ""


def _order_metrics(src: Source, roster: Roster, params: ReportParams) -> list[MetricResult]:
    rep = MetricResult(METRICS[0], src.frame is not None, base_label="客户")
    val = MetricResult(METRICS[1], src.frame is not None, base_label="订单")
    if src.frame is None:
        rep.reason = val.reason = f"未提供 {ORDERS_FILE}"
        return [rep, val]
    short = _short_pre(src, params, "订单")
    if short:
        rep.reason = val.reason = short
        return [rep, val]
    p = src.period
    assert p is not None and p.pre is not None and p.post is not None
    n = params.wecom_repurchase_days
    if p.pre_days <= n or p.post_days <= n:
        rep.reason = (f"复购率需要试点前后各至少 {n + 1} 天的订单（{n} 天复购窗口），"
                      f"现有前期 {p.pre_days} 天、后期 {p.post_days} 天")
    else:
        pre_u, pre_w = repurchase(src.frame, *p.pre, n, p.start)
        post_u, post_w = repurchase(src.frame, *p.post, n, p.start)
        rep.units = _frame(pre_u, post_u, roster, "customers")
        rep.weekly = pd.concat([pre_w, post_w], ignore_index=True)
        estimate(rep, roster, params)
    pre_u, pre_w = order_value(src.frame, *p.pre, p.start)
    post_u, post_w = order_value(src.frame, *p.post, p.start)
    val.units = _frame(pre_u, post_u, roster, "orders")
    val.weekly = pd.concat([pre_w, post_w], ignore_index=True)
    estimate(val, roster, params)
    return [rep, val]


def _behavior_metrics(src: Source, roster: Roster, params: ReportParams) -> list[MetricResult]:
    out = []
    for m, column in ((METRICS[2], "reply_min"), (METRICS[3], "reply_share")):
        r = MetricResult(m, src.frame is not None, base_label="聊天")
        out.append(r)
        if src.frame is None:
            r.reason = "未提供 wecom_behavior_<userid>_<开始>_<结束>.json"
            continue
        r.reason = _short_pre(src, params, "企业微信联系客户统计")
        if r.reason:
            continue
        p = src.period
        assert p is not None and p.pre is not None and p.post is not None
        pre_u, pre_w = behavior_values(src.frame, column, *p.pre, p.start)
        post_u, post_w = behavior_values(src.frame, column, *p.post, p.start)
        r.units = _frame(pre_u, post_u, roster, "chats")
        r.weekly = pd.concat([pre_w, post_w], ignore_index=True)
        estimate(r, roster, params)
    return out


def _holm(results: list[MetricResult]) -> None:
    """Holm-adjust the effects' p-values, and separately the pre-trend tests', across the
    metrics (four outcomes of one pilot are one family)."""
    tested = [r for r in results if r.result is not None]
    for r, p in zip(tested, stats.holm([r.result.p_value for r in tested]),  # type: ignore[union-attr]
                    strict=True):
        r.p_holm = p
    trends = [r for r in tested if r.pretrend is not None and r.pretrend.test is not None]
    adjusted = stats.holm([r.pretrend.test.p_value for r in trends])  # type: ignore[union-attr]
    for r, p in zip(trends, adjusted, strict=True):
        r.pretrend_p_holm = p


# --------------------------------------------------------------------------- texts


def _signed(text: str, v: float) -> str:
    """``text`` (already with the minus sign for a negative value) with "+" for a positive
    value that does not round to zero."""
    if v > 0 and any(c in "123456789" for c in text):
        return "+" + text
    return text


def level_text(m: MetricDef, v: float | None) -> str:
    """A metric's level: 41.0%, ¥228, 2.1 分钟."""
    if v is None or not math.isfinite(v):
        return "—"
    if m.kind == "rate":
        return fmt.fmt_pct(v, 1)
    if m.kind == "money":
        return fmt.fmt_money(v)
    return f"{fmt.fmt_num(v, 1)} 分钟"


def change_text(m: MetricDef, v: float | None) -> str:
    """A change or an effect: +8.1 个百分点, +¥20, −5.0 分钟 (± infinity: 无上限/无下限)."""
    if v is None or math.isnan(v):
        return "—"
    if math.isinf(v):
        return "无上限" if v > 0 else "无下限"
    if m.kind == "rate":
        return fmt.fmt_pp(v * 100, 1)
    if m.kind == "money":
        if abs(v) < 10:  # a small change (a weekly slope): in jiao, not rounded to ¥0
            text = fmt.fmt_num(v, 1)
            money = text.replace(fmt.MINUS, fmt.MINUS + "¥") if fmt.MINUS in text else "¥" + text
            return _signed(money, v)
        return _signed(fmt.fmt_money(v), v)
    return f"{_signed(fmt.fmt_num(v, 1), v)} 分钟"


def interval_text(m: MetricDef, ci: tuple[float, float]) -> str:
    """The interval of an effect: ``+4.6 至 +16.5 个百分点`` or 无法界定."""
    lo, hi = ci
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "无法界定（单位太少，任何效果都无法排除）"
    a, b = change_text(m, lo), change_text(m, hi)
    unit = {"rate": " 个百分点", "minutes": " 分钟"}.get(m.kind, "")
    return f"{a.removesuffix(unit)} 至 {b}"


def naive_phrase(m: MetricDef, ratio: float | None) -> str:
    """The seed's "提升幅度" (pilot ÷ control − 1 this month) in words that follow its sign:
    提升 / 降低 12.3% (缩短 / 延长 for the reply time)."""
    if ratio is None or not math.isfinite(ratio):
        return "—"
    if m.kind == "minutes":
        word = "缩短" if ratio < 0 else "延长"
    else:
        word = "降低" if ratio < 0 else "提升"
    return f"{word} {fmt.fmt_pct(abs(ratio))}"


def p_text(p: float | None) -> str:
    if p is None or math.isnan(p):
        return "—"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def groupchat_summary(sec: WecomSection) -> pd.DataFrame:
    """The report month's group chats per group (试点/对照): owners, new groups, new members,
    members at the end and the share of members who spoke (member_has_msg ÷ member_total)."""
    g = sec.groupchat
    if g is None or sec.roster is None or g.empty:
        return pd.DataFrame()
    g = g.assign(unit=g["owner"].map(sec.roster.members)).dropna(subset=["unit"])
    g = g.assign(group=g["unit"].map(sec.roster.units["group"]))
    latest = g.sort_values("end").groupby("owner").tail(1)
    sums = g.groupby("group")[["new_chat_cnt", "new_member_cnt"]].sum()
    snap = latest.groupby("group")[["member_total", "member_has_msg", "chat_total"]].sum()
    out = sums.join(snap, how="outer").fillna(0)
    out["owners"] = g.groupby("group")["owner"].nunique()
    out["spoke_share"] = out["member_has_msg"] / out["member_total"].where(out["member_total"] > 0)
    return out.reindex([x for x in ("试点", "对照") if x in out.index])


def prepare(params: ReportParams) -> WecomSection:
    """Load this month (and the previous one, for the pre-period) and compute section 11."""
    inputs = load(params.resolved_data_dir(), params.month)
    previous, prev_note = _previous(params)
    roster = inputs.roster
    parts = [p for p in (previous, inputs) if p is not None]
    notes = list(inputs.notes) + (list(previous.notes) if previous else [])
    if roster is None:
        empty = Source(None, None, [])
        results = [MetricResult(m, False, f"未提供 {PILOT_FILE}") for m in METRICS]
        return WecomSection(params, inputs, previous, prev_note, None, empty, empty, results,
                            None, notes)
    orders = _orders_source(parts, roster)
    behavior = _behavior_source(parts, roster)
    results = _order_metrics(orders, roster, params) + _behavior_metrics(behavior, roster, params)
    _holm(results)
    return WecomSection(params, inputs, previous, prev_note, roster, orders, behavior, results,
                        inputs.groupchat, notes)
