"""Section 12 触达渠道效果对比, the numbers: the three touch channels side by side, template
delivery failures, send slots, activity tiers and title A/B tests.

Inputs (read by ``wxnb.io.touch``; the datacube and the event log as the other sections read
them):

* **模板消息**: the month's ``TEMPLATESENDJOBFINISH`` callbacks, from ``touch_templates.csv|jsonl``
  or, without that file, from the event log's summary (``act``, data contract v2). 送达 =
  callbacks with Status ``success``; 拒收率 = ``failed:user block`` ÷ all callbacks (followers
  who refused the account's template messages); 打开 = delivered messages with a click on the
  company's landing page (``clicked`` column or ``touch_template_clicks.csv``: WeChat reports no
  opens or clicks of template messages); 打开率 = 打开 ÷ 送达, Wilson 95 % interval (messages are
  individual deliveries).
* **服务号推送**: the month's pushes from the datacube (``kit.metrics.article_final``: the 2025
  发表内容 data or the legacy 图文 data) counted at their **headline**: 送达 = Σ the push's 送达人数
  (``target_user``), 打开 = Σ headline readers from 公众号消息; 打开率 = 打开 ÷ 送达, the 头条打开率 of
  section 01. A push is sent to ~all followers at once, so its readers are not independent
  trials: the interval is the cluster-robust interval of a ratio estimator over the pushes
  (:func:`ratio_stats`).
* **社群通知**: ``touch_community.csv``; 送达 = Σ members reached, 打开 = Σ members who clicked or
  read; interval clustered by notice (one row = one notice in one group).
* **Cost**: ``touch_costs.csv`` (元, the month) per channel; for 社群通知 also the Σ of the
  notices' ``cost`` when the costs file has no row for it. 单次触达成本 = cost ÷ 送达, 单次打开成本
  = cost ÷ 打开. The seed's 转化成本 (行业经验值, ``touch_benchmarks``) is compared with the cost
  per open: by its size it cannot be a cost per reach.
* **Send slots** (``touch_commute_hours`` on 工作日, ``touch_evening_hours`` on 休息日, the rest
  其他时段; ``touch_calendar`` overrides the weekday rule): 服务号推送 by each push's send time
  (its ``MASSSENDJOBFINISH``) and 24-hour openers (``wxnb.kit.content.push_hours``, as section 03), 社群通知 by each
  notice. Template messages are triggered by orders and sign-ups, their time is not chosen, so
  they are not compared. Each named slot is compared with 其他时段 of the same channel by the
  difference of the two clustered ratio estimates (Welch–Satterthwaite t); the p-values of all
  these comparisons are Holm-corrected together. A slot needs ``touch_slot_min_sends`` sends.
* **Tiers** (标签分组): each template recipient's interactions (``events.INTERACTIONS``) in the
  **previous** month (its event summary ``fol``) → 高活跃 ≥ ``touch_tier_high``, 中活跃 ≥
  ``touch_tier_mid``, 低活跃 ≥ 1, 沉睡 0; followers who subscribed this month are 本月新关注 (they
  had no previous month). Without the previous month's log, this month's interactions are used
  (template clicks are not interactions of the log, so this is not circular). Per tier:
  recipients, delivered, opened and the open rate (Wilson); a χ² test across tiers. The pushes
  have no per-follower delivery, so the tiers are measured on template messages only; the whole
  follower base's activity is section 04's.
* **Title A/B tests** (``touch_ab_tests.csv``): each arm's open rate (Wilson), every pair of arms
  compared by the pooled two-proportion z test (``kit.stats.two_proportion``), the month's
  comparisons Holm-corrected together; the minimum delivered per arm to detect a relative lift
  of ``touch_ab_mde`` over the test's pooled rate at ``touch_alpha`` ÷ (the month's number of
  comparisons: Bonferroni, so the power holds after the Holm correction the verdict applies)
  with ``touch_ab_power`` (statsmodels ``NormalIndPower`` on Cohen's h); a sample-ratio check (χ² of delivered against
  the planned shares, equal by default). Verdict: 样本不足 (an arm below the minimum: no winner is
  called), 分流异常 (χ² p < ``touch_ab_srm_alpha``), 胜出 (the best arm beats every other arm after
  Holm) or 无显著差异.

Scale: the event log is never scanned here. Template callbacks of the log come from the
summary's ``act`` rows; the tiers are one hash join of the template recipients (at most WeChat's
daily template cap × days) with the tier month's ``fol`` table (one row per active follower),
grouped to five rows inside DuckDB.

``prepare`` loads and computes everything once; ``show`` and ``words`` show it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wxnb.exceptions import DataValidationError
from wxnb.io import eventsummary
from wxnb.io.datacube import load_month
from wxnb.io.touch import (
    CHANNELS,
    CLICKS_FILE,
    COMMUNITY_FILE,
    COSTS_FILE,
    TEMPLATE_CSV,
    TEMPLATE_EVENT,
    TouchInputs,
    load,
    status_labels,
)
from wxnb.kit import compare, fmt, metrics, stats
from wxnb.kit.stats import two_proportion, wilson
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s12_touch import SPEC

__all__ = [
    "INPUTS",
    "SECTION",
    "SLOTS",
    "TIERS",
    "ABTest",
    "Channel",
    "MonthTouch",
    "RatioStat",
    "TouchSection",
    "ab_tests",
    "bench",
    "bench_cost_text",
    "bench_open_text",
    "best_channel",
    "best_slot",
    "ci_text",
    "channel_rows",
    "min_sample",
    "month_touch",
    "notices",
    "open_status",
    "p_text",
    "prepare",
    "ratio_diff",
    "ratio_stats",
    "slot_of",
    "slot_table",
    "status_table",
    "tier_table",
    "tiers",
    "yuan",
]

SECTION = (SPEC.key, SPEC.title)
# The event summary's tables this section reads (wxnb.io.eventsummary): this month's for the
# template callbacks, the push send times and openers and the tiers; the previous month's
# for its callbacks and the tiers.
READS = ("fol", "act", "sess")
PREVIOUS_READS = ("fol", "act")
INPUTS: tuple[str, ...] = SPEC.inputs
KEYS = {"模板消息": "template", "服务号推送": "push", "社群通知": "community"}
SLOTS: tuple[str, ...] = ("通勤时段", "周末晚间", "其他时段")
BASE_SLOT = "其他时段"
TIERS: tuple[str, ...] = ("高活跃", "中活跃", "低活跃", "沉睡", "本月新关注")
_STATUS_ORDER = ("送达成功", "用户拒收", "系统失败", "频率限制")


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class RatioStat:
    """A pooled rate Σk ÷ Σn over ``m`` sends and its 95 % interval.

    ``kind`` "wilson": the sends are individual messages (Wilson interval); "cluster": each send
    reached many people at once, the interval is the ratio estimator's cluster-robust one,
    ``se² = m/(m−1) · Σ(kᵢ − R·nᵢ)² / (Σn)²`` with a t quantile on m − 1 degrees of freedom.
    """

    opened: int
    delivered: int
    m: int
    se: float
    lo: float
    hi: float
    kind: str

    @property
    def rate(self) -> float | None:
        return self.opened / self.delivered if self.delivered else None

    @property
    def df(self) -> int:
        return self.m - 1


def wilson_stat(k: int, n: int) -> RatioStat:
    lo, hi = wilson(k, n)
    se = math.sqrt(k / n * (1 - k / n) / n) if n else math.nan
    return RatioStat(int(k), int(n), int(n), se, lo, hi, "wilson")


def ratio_stats(k: Sequence[float], n: Sequence[float]) -> RatioStat:
    """Σk ÷ Σn of ``m`` clusters (sends) with the cluster-robust 95 % interval (see
    :class:`RatioStat`); no interval (nan) with fewer than two clusters."""
    from scipy.stats import t as t_dist

    kk, nn = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    m, total = len(kk), float(nn.sum())
    if not total:
        return RatioStat(int(kk.sum()), 0, m, math.nan, math.nan, math.nan, "cluster")
    r = float(kk.sum()) / total
    if m < 2:
        return RatioStat(int(kk.sum()), int(total), m, math.nan, math.nan, math.nan, "cluster")
    se = math.sqrt(m / (m - 1) * float(((kk - r * nn) ** 2).sum())) / total
    q = float(t_dist.ppf(0.975, m - 1))
    return RatioStat(int(kk.sum()), int(total), m, se, max(0.0, r - q * se),
                     min(1.0, r + q * se), "cluster")


def ratio_diff(a: RatioStat, b: RatioStat) -> float | None:
    """Two-sided p-value of rate(a) − rate(b) for two clustered ratio estimates: Welch's t with
    Welch–Satterthwaite degrees of freedom. None when either has fewer than two sends or no
    variance at all."""
    from scipy.stats import t as t_dist

    if a.m < 2 or b.m < 2 or a.rate is None or b.rate is None:
        return None
    va, vb = a.se ** 2, b.se ** 2
    if not va + vb > 0:
        return None
    df = (va + vb) ** 2 / (va ** 2 / a.df + vb ** 2 / b.df)
    tval = abs(a.rate - b.rate) / math.sqrt(va + vb)
    return float(2 * t_dist.sf(tval, df))


def min_sample(base: float, mde: float, alpha: float, power: float) -> int | None:
    """The fewest delivered per arm to detect ``base`` → ``base × (1 + mde)`` with a two-sided
    test at ``alpha`` and ``power`` (Cohen's h, ``NormalIndPower``, equal arms); None when the
    base rate is 0 or 1 (nothing to power a test on)."""
    if not 0 < base < 1:
        return None
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    target = min(base * (1 + mde), 1 - 1e-9)
    h = abs(float(proportion_effectsize(target, base)))
    n = NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power, ratio=1.0,
                                     alternative="two-sided")
    return int(math.ceil(float(n)))


# --------------------------------------------------------------------------- channels


@dataclass
class Channel:
    """One touch channel of the month."""

    name: str  # 模板消息 / 服务号推送 / 社群通知
    stat: RatioStat | None  # None: the channel's data is not there
    cost: float | None = None
    cost_source: str = ""
    source: str = ""  # where 送达 and 打开 come from
    missing: str = ""  # why there is no figure (the file that enables it)
    opens_known: bool = True  # False: delivered known, opens not logged

    @property
    def key(self) -> str:
        return KEYS[self.name]

    @property
    def delivered(self) -> int | None:
        return self.stat.delivered if self.stat else None

    @property
    def opened(self) -> int | None:
        return self.stat.opened if self.stat and self.opens_known else None

    @property
    def rate(self) -> float | None:
        return self.stat.rate if self.stat and self.opens_known else None

    @property
    def cost_per_reach(self) -> float | None:
        d = self.delivered
        return self.cost / d if self.cost is not None and d else None

    @property
    def cost_per_open(self) -> float | None:
        o = self.opened
        return self.cost / o if self.cost is not None and o else None


def status_table(templates: pd.DataFrame | None) -> pd.DataFrame:
    """Callbacks per status in the report's words: n, share of all callbacks, recipients."""
    cols = ["label", "n", "share", "recipients"]
    if templates is None or templates.empty:
        return pd.DataFrame(columns=cols)
    who = "follower_id" if "follower_id" in templates and templates["follower_id"].notna().all() \
        else "k"
    g = templates.groupby("label")
    out = pd.DataFrame({"n": g.size(), "recipients": g[who].nunique()})
    out["share"] = out["n"] / len(templates)
    order = {s: i for i, s in enumerate(_STATUS_ORDER)}
    out = out.reset_index()
    out["_o"] = [order.get(s, len(order)) for s in out["label"]]
    return out.sort_values(["_o", "n"], ascending=[True, False])[cols].reset_index(drop=True)


def _template_channel(t: pd.DataFrame | None, source: str) -> Channel:
    if t is None or t.empty:
        return Channel("模板消息", None, missing=f"{TEMPLATE_CSV}（或事件日志中的 {TEMPLATE_EVENT}）")
    ok = t["label"] == "送达成功"
    known = t["clicked"].notna().any()
    opened = int((ok & t["clicked"].eq(True)).sum()) if known else 0
    stat = wilson_stat(opened, int(ok.sum()))
    return Channel("模板消息", stat, source=source, opens_known=known,
                   missing="" if known else f"打开需 {CLICKS_FILE} 或 clicked 列（微信不回传模板消息的打开与点击）")


def headline_pushes(data: Any) -> pd.DataFrame:
    """Per push of the month: its 送达人数 and headline readers from 公众号消息 (the pushes whose
    both figures are known), from ``kit.metrics.article_final``."""
    cols = ["push", "ref_date", "target_user", "openers"]
    art = metrics.article_final(data)
    if art.empty:
        return pd.DataFrame(columns=cols)
    head = art[(art["index_in_push"] == 1) & art["target_user"].notna()
               & art["int_page_from_session_read_user"].notna()]
    return pd.DataFrame({
        "push": head["msgid"].str.rsplit("_", n=1).str[0],
        "ref_date": head["ref_date"], "target_user": head["target_user"].astype("int64"),
        "openers": head["int_page_from_session_read_user"].astype("int64"),
    }).reset_index(drop=True)


def _push_channel(pushes: pd.DataFrame | None, why: str) -> Channel:
    if pushes is None or pushes.empty or not pushes["target_user"].sum():
        return Channel("服务号推送", None, missing=why)
    return Channel("服务号推送", ratio_stats(pushes["openers"], pushes["target_user"]),
                   source="数据统计接口：每次推送的送达人数与头条的公众号消息阅读人数")


def notices(c: pd.DataFrame) -> pd.DataFrame:
    """The community log as sends: one row per ``notice`` id (its groups summed, its time the
    first post), or per row where the id is empty."""
    key = c["notice"].where(c["notice"] != "", "#row" + c.index.astype(str))
    g = c.assign(_send=key).groupby("_send", sort=False)
    return pd.DataFrame({"time": g["time"].min(), "groups": g.size(),
                         "members": g["members"].sum(), "clicks": g["clicks"].sum()}
                        ).sort_values("time").reset_index(drop=True)


def _community_channel(c: pd.DataFrame | None) -> Channel:
    if c is None:
        return Channel("社群通知", None, missing=COMMUNITY_FILE)
    sends = notices(c)
    return Channel("社群通知", ratio_stats(sends["clicks"], sends["members"]),
                   source=f"{COMMUNITY_FILE}：每条通知的触达与点击人数")


def _costs(channels: list[Channel], inputs: TouchInputs, notes: list[str]) -> None:
    by = {} if inputs.costs is None else dict(zip(inputs.costs["channel"], inputs.costs["cost"],
                                                  strict=True))
    for ch in channels:
        if ch.name in by:
            ch.cost, ch.cost_source = float(by[ch.name]), COSTS_FILE
        elif ch.name == "社群通知" and inputs.community is not None \
                and inputs.community["cost"].notna().any():
            c = inputs.community["cost"]
            ch.cost, ch.cost_source = float(c.sum()), f"{COMMUNITY_FILE} 的 cost 合计"
            if c.isna().any():
                notes.append(f"{COMMUNITY_FILE} 中 {int(c.isna().sum())} 条通知没有 cost，"
                             "社群通知成本只含其余通知")


def channel_rows(inputs: TouchInputs, templates: pd.DataFrame | None, template_source: str,
                 pushes: pd.DataFrame | None, push_missing: str,
                 notes: list[str]) -> list[Channel]:
    """The three channels in the seed's order, with their costs."""
    out = [_template_channel(templates, template_source), _push_channel(pushes, push_missing),
           _community_channel(inputs.community)]
    _costs(out, inputs, notes)
    return out


def best_channel(channels: list[Channel]) -> tuple[Channel, str] | None:
    """The channel with the lowest cost per open (``"cost"``), else, without costs, the highest
    open rate (``"rate"``); None with fewer than two channels to compare."""
    priced = [c for c in channels if c.cost_per_open is not None]
    if len(priced) >= 2:
        return min(priced, key=lambda c: c.cost_per_open or 0.0), "cost"
    rated = [c for c in channels if c.rate is not None]
    if len(rated) >= 2:
        return max(rated, key=lambda c: c.rate or 0.0), "rate"
    return None


# --------------------------------------------------------------------------- one month


@dataclass
class MonthTouch:
    """One month's template callbacks, pushes and channel rows."""

    month: str
    inputs: TouchInputs
    templates: pd.DataFrame | None  # time, k, msgid, status, label, template, clicked (+ id)
    template_source: str
    pushes: pd.DataFrame | None  # push, ref_date, target_user, openers (headline)
    channels: list[Channel]
    notes: list[str] = field(default_factory=list)

    def channel(self, name: str) -> Channel:
        return next(c for c in self.channels if c.name == name)

    @property
    def callbacks(self) -> int:
        return 0 if self.templates is None else len(self.templates)

    def status_count(self, label: str) -> int:
        t = self.templates
        return 0 if t is None else int((t["label"] == label).sum())

    @property
    def block_rate(self) -> float | None:
        return self.status_count("用户拒收") / self.callbacks if self.callbacks else None


def _log_templates(log: Any) -> pd.DataFrame | None:
    """The month's TEMPLATESENDJOBFINISH callbacks from the event summary (``act``): one per
    MsgID (the last), keyed by ``k``."""
    df = log.con.execute(f"""
        SELECT k, time, key AS msgid, value AS status FROM act
        WHERE event = '{TEMPLATE_EVENT}' ORDER BY time""").df()
    if df.empty:
        return None
    df = df.drop_duplicates("msgid", keep="last")
    df["time"] = pd.to_datetime(df["time"])
    df["status"] = df["status"].fillna("").astype(str)
    df["label"] = status_labels(df["status"])
    df["template"] = ""
    df["clicked"] = None
    return df.reset_index(drop=True)


def _with_keys(t: pd.DataFrame) -> pd.DataFrame:
    """``k`` = DuckDB's ``hash(follower_id)``, the key of the event summary's tables."""
    import duckdb

    from wxnb.io.eventlog import no_progress_bar

    con = no_progress_bar(duckdb.connect())
    try:
        con.register("wx_ids", pd.DataFrame({"follower_id": t["follower_id"].astype(str)}))
        k = con.execute("SELECT hash(follower_id) AS k FROM wx_ids").df()["k"]
    finally:
        con.close()
    return t.assign(k=k.to_numpy())


def _apply_clicks(t: pd.DataFrame, clicks: pd.DataFrame | None, notes: list[str]) -> pd.DataFrame:
    if clicks is None:
        return t
    if t["clicked"].notna().any():
        notes.append(f"同时提供了 clicked 列与 {CLICKS_FILE}：打开以 {CLICKS_FILE} 为准")
    ok = t["label"] == "送达成功"
    clicked_ids = set(clicks["msgid"])
    t = t.assign(clicked=t["msgid"].isin(clicked_ids) & ok)
    stray = clicks[~clicks["msgid"].isin(set(t.loc[ok, "msgid"]))]
    if len(stray):
        notes.append(f"{CLICKS_FILE} 中 {len(stray)} 次点击对应不到本月送达成功的模板消息"
                     "（上月消息或未送达的消息），未计入")
    return t


def _templates(inputs: TouchInputs, log: Any, notes: list[str]
               ) -> tuple[pd.DataFrame | None, str]:
    t, source = inputs.templates, inputs.template_file or ""
    from_log = _log_templates(log) if log is not None else None
    if t is not None:
        t = _with_keys(t)
        if from_log is not None and len(from_log) != len(t):
            notes.append(f"{source} 有 {len(t):,} 条回调，事件日志中有 {len(from_log):,} 条"
                         f" {TEMPLATE_EVENT}：本节以 {source} 为准，请核对两处的记录是否完整")
    elif from_log is not None:
        t, source = from_log, f"事件日志（{TEMPLATE_EVENT}）"
    if t is None:
        return None, ""
    return _apply_clicks(t, inputs.clicks, notes), source


def _pushes(folder: Path, month: str) -> tuple[pd.DataFrame | None, Any, str]:
    """The headline pushes (and the MonthData, for section 03's send times), or why none."""
    if not any(Path(folder).glob("getarticletotal*")):
        return None, None, "getarticletotaldetail 或 getarticletotal（每次推送的送达与阅读人数）"
    data = load_month(folder, month, endpoints=metrics.ARTICLE_ENDPOINTS)
    pushes = headline_pushes(data)
    if pushes.empty:
        return None, data, ("本月没有送达人数已知的推送（需 getarticletotal 或 getarticletotaldetail，"
                            "2025 发表内容数据另需事件日志中的群发结果）")
    return pushes, data, ""


def month_touch(folder: Path, month: str, inputs: TouchInputs, log: Any) -> tuple[MonthTouch,
                                                                                 Any]:
    """One month's channels (and its MonthData for the send times)."""
    notes = list(inputs.warnings)
    templates, source = _templates(inputs, log, notes)
    pushes, data, why = _pushes(folder, month)
    channels = channel_rows(inputs, templates, source, pushes, why, notes)
    return MonthTouch(month, inputs, templates, source, pushes, channels, notes), data


# --------------------------------------------------------------------------- send slots


def slot_of(t: pd.Timestamp, params: ReportParams) -> str:
    """通勤时段 (a 工作日 in ``touch_commute_hours``), 周末晚间 (a 休息日 in
    ``touch_evening_hours``) or 其他时段; ``touch_calendar`` overrides Monday–Friday."""
    kind = params.touch_calendar.get(f"{t:%Y-%m-%d}") or ("休息日" if t.weekday() >= 5
                                                          else "工作日")
    h = t.hour + t.minute / 60 + t.second / 3600
    if kind == "工作日" and any(a <= h < b for a, b in params.touch_commute_hours):
        return "通勤时段"
    if kind == "休息日" and any(a <= h < b for a, b in params.touch_evening_hours):
        return "周末晚间"
    return BASE_SLOT


def send_frame(now: MonthTouch, data: Any, log: Any) -> tuple[pd.DataFrame, list[str]]:
    """One row per send whose time was chosen: channel, time, delivered, opened."""
    parts, notes = [], []
    if data is not None and log is not None:
        from wxnb.kit.content import article_table, push_hours

        articles, _ = article_table(data)
        ph = push_hours(log.con, articles) if len(articles) else None
        if ph is not None and len(ph.pushes):
            p = ph.pushes[ph.pushes["target_user"].notna() & (ph.pushes["target_user"] > 0)]
            parts.append(pd.DataFrame({"channel": "服务号推送", "time": p["sent_at"],
                                       "delivered": p["target_user"].astype("int64"),
                                       "opened": p["openers"].astype("int64")}))
            if ph.unmatched:
                notes.append(f"{len(ph.unmatched)} 次推送找不到唯一的群发结果（发送时刻未知），"
                             "不参与时段比较")
    if not parts:
        notes.append("没有事件日志中的群发结果与推送阅读，服务号推送不参与时段比较")
    c = now.inputs.community
    if c is not None:
        n = notices(c)
        parts.append(pd.DataFrame({"channel": "社群通知", "time": n["time"],
                                   "delivered": n["members"], "opened": n["clicks"]}))
    cols = ["channel", "time", "delivered", "opened"]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    return frame, notes


def slot_table(sends: pd.DataFrame, params: ReportParams) -> pd.DataFrame:
    """Per channel and slot: sends, the clustered open rate and interval, and the comparison
    with 其他时段 of the same channel (difference in percentage points, Welch p-value and its
    Holm adjustment over every comparison of the table)."""
    cols = ["channel", "slot", "sends", "delivered", "opened", "rate", "lo", "hi", "diff_pp",
            "p", "p_holm", "tested", "stat"]
    if sends.empty:
        return pd.DataFrame(columns=cols)
    s = sends.assign(slot=[slot_of(pd.Timestamp(t), params) for t in sends["time"]])
    rows = []
    for channel in [c for c in CHANNELS if c in set(s["channel"])]:
        g = s[s["channel"] == channel]
        by_slot = {slot: ratio_stats(g.loc[g["slot"] == slot, "opened"],
                                     g.loc[g["slot"] == slot, "delivered"])
                   for slot in SLOTS if (g["slot"] == slot).any()}
        base = by_slot.get(BASE_SLOT)
        for slot, st in by_slot.items():
            enough = st.m >= params.touch_slot_min_sends
            tested = (slot != BASE_SLOT and base is not None and enough
                      and base.m >= params.touch_slot_min_sends)
            p = ratio_diff(st, base) if tested and base is not None else None
            diff = (st.rate - base.rate) * 100 if (slot != BASE_SLOT and base is not None
                                                   and st.rate is not None
                                                   and base.rate is not None) else math.nan
            rows.append({"channel": channel, "slot": slot, "sends": st.m,
                         "delivered": st.delivered, "opened": st.opened,
                         "rate": st.rate, "lo": st.lo, "hi": st.hi, "diff_pp": diff,
                         "p": math.nan if p is None else p, "tested": p is not None,
                         "stat": st})
    out = pd.DataFrame(rows, columns=[c for c in cols if c != "p_holm"])
    out["p_holm"] = stats.holm(out["p"])
    return out[cols]


def best_slot(slots: pd.DataFrame, alpha: float) -> pd.Series | None:
    """The named slot whose open rate beats its channel's 其他时段 most, significantly after
    Holm; None when no slot does."""
    if slots.empty:
        return None
    win = slots[(slots["p_holm"] < alpha) & (slots["diff_pp"] > 0)]
    return None if win.empty else win.sort_values("diff_pp", ascending=False).iloc[0]


# --------------------------------------------------------------------------- tiers


@dataclass
class Tiers:
    """Template recipients by activity tier."""

    table: pd.DataFrame  # tier, recipients, delivered, opened, rate, lo, hi
    basis: str  # 上月 / 本月
    basis_month: str
    p: float | None  # χ² across tiers (with opens)
    opens_known: bool


def tier_table(rec: pd.DataFrame, con: Any, high: int, mid: int) -> pd.DataFrame:
    """Recipients, delivered messages and opened ones per tier: ``rec`` holds one row per
    delivered template message (``k``, ``clicked``, ``new``); ``con`` has the tier month's
    ``fol`` (one row per active follower). One hash join, five rows back."""
    con.register("wx_touch_rec", rec[["k", "clicked", "new"]])
    try:
        df = con.execute(f"""
            SELECT CASE WHEN r.new THEN '本月新关注'
                        WHEN coalesce(f.n, 0) >= {int(high)} THEN '高活跃'
                        WHEN coalesce(f.n, 0) >= {int(mid)} THEN '中活跃'
                        WHEN coalesce(f.n, 0) >= 1 THEN '低活跃'
                        ELSE '沉睡' END AS tier,
                   count(DISTINCT r.k) AS recipients, count(*) AS delivered,
                   count(*) FILTER (WHERE r.clicked) AS opened
            FROM wx_touch_rec r LEFT JOIN fol f ON f.k = r.k
            GROUP BY 1""").df()
    finally:
        con.unregister("wx_touch_rec")
    df = df.set_index("tier").reindex([t for t in TIERS if t in set(df["tier"])]).reset_index()
    for c in ("recipients", "delivered", "opened"):
        df[c] = df[c].astype("int64")
    ci = [wilson(int(k), int(n)) for k, n in zip(df["opened"], df["delivered"], strict=True)]
    df["rate"] = df["opened"] / df["delivered"].where(df["delivered"] > 0)
    df["lo"] = [c[0] for c in ci]
    df["hi"] = [c[1] for c in ci]
    return df


def _chi2(table: pd.DataFrame) -> float | None:
    t = table[table["delivered"] > 0]
    if len(t) < 2 or t["opened"].sum() == 0 or (t["opened"] == t["delivered"]).all():
        return None
    from scipy.stats import chi2_contingency

    obs = np.column_stack([t["opened"], t["delivered"] - t["opened"]])
    return float(chi2_contingency(obs, correction=False)[1])


def tiers(now: MonthTouch, log: Any, prev_log: Any, params: ReportParams
          ) -> tuple[Tiers | None, str]:
    """The tier table of this month's delivered template messages, or why there is none."""
    t = now.templates
    if t is None:
        return None, "没有模板消息回调，无法按活跃层级比较"
    ok = t[t["label"] == "送达成功"]
    if ok.empty:
        return None, "本月没有送达成功的模板消息"
    tier_log, basis = (prev_log, "上月") if prev_log is not None else (log, "本月")
    if tier_log is None:
        return None, "没有事件日志（上月与本月都没有），无法得到接收者的互动次数"
    opens_known = bool(t["clicked"].notna().any())
    rec = pd.DataFrame({"k": ok["k"].astype("uint64").to_numpy(),
                        "clicked": ok["clicked"].eq(True).to_numpy(dtype=bool),
                        "new": np.zeros(len(ok), bool)})
    if basis == "上月" and log is not None:
        log.con.register("wx_touch_keys", rec[["k"]])
        try:
            rec["new"] = log.con.execute("""
                SELECT r.k IN (SELECT k FROM act WHERE event = 'subscribe') AS new
                FROM wx_touch_keys r""").df()["new"].to_numpy()
        finally:
            log.con.unregister("wx_touch_keys")
    table = tier_table(rec, tier_log.con, params.touch_tier_high, params.touch_tier_mid)
    month = prev_month(now.month) if basis == "上月" else now.month
    return Tiers(table, basis, month, _chi2(table) if opens_known else None, opens_known), ""


# --------------------------------------------------------------------------- A/B tests


@dataclass
class ABTest:
    """One title test of the month."""

    test: str
    arms: pd.DataFrame  # arm, title, style, delivered, opened, rate, lo, hi, planned
    comparisons: pd.DataFrame  # a, b, rate_a, rate_b, diff_pp, p, p_holm, significant
    base: float  # pooled open rate of the test
    n_min: int | None
    srm_p: float | None
    alpha_plan: float = math.nan  # the level n_min is powered at (Bonferroni over the month)
    family: int = 1  # the month's pairwise comparisons, Holm-corrected together
    verdict: str = ""
    winner: str | None = None  # the winning arm
    lift: float | None = None  # the winner's open rate ÷ the best other arm's − 1

    @property
    def short_arms(self) -> list[str]:
        if self.n_min is None:
            return list(self.arms["arm"])
        return list(self.arms.loc[self.arms["delivered"] < self.n_min, "arm"])

    def arm(self, name: str) -> pd.Series:
        return self.arms.set_index("arm").loc[name]


def _srm(arms: pd.DataFrame) -> float | None:
    from scipy.stats import chisquare

    shares = arms["planned"].to_numpy(dtype=float)
    obs = arms["delivered"].to_numpy(dtype=float)
    exp = obs.sum() * shares / shares.sum()
    return float(chisquare(obs, exp).pvalue)


def _one_test(test: str, g: pd.DataFrame, params: ReportParams, family: int) -> ABTest:
    """One test's arms, pairwise comparisons and minimum sample. ``family`` = the number of
    pairwise comparisons of the month, Holm-corrected together: n_min is powered at
    ``touch_alpha ÷ family`` (Bonferroni, which Holm never needs more than), so that an arm
    reaching it has the stated power to pass the correction the verdict applies."""
    arms = g[["arm", "title", "style", "delivered", "opened"]].reset_index(drop=True).copy()
    arms["rate"] = arms["opened"] / arms["delivered"]
    ci = [wilson(int(k), int(n)) for k, n in zip(arms["opened"], arms["delivered"], strict=True)]
    arms["lo"], arms["hi"] = [c[0] for c in ci], [c[1] for c in ci]
    planned = g["planned_share"].to_numpy(dtype=float)
    arms["planned"] = planned if not np.isnan(planned).any() else 1.0 / len(arms)
    rows = []
    for i in range(len(arms)):
        for j in range(i + 1, len(arms)):
            a, b = arms.iloc[i], arms.iloc[j]
            rows.append({"test": test, "a": a["arm"], "b": b["arm"], "rate_a": a["rate"],
                         "rate_b": b["rate"], "diff_pp": (a["rate"] - b["rate"]) * 100,
                         "p": two_proportion(int(a["opened"]), int(a["delivered"]),
                                             int(b["opened"]), int(b["delivered"]))})
    base = float(arms["opened"].sum() / arms["delivered"].sum())
    alpha = params.touch_alpha / max(1, family)
    return ABTest(test, arms, pd.DataFrame(rows), base,
                  min_sample(base, params.touch_ab_mde, alpha, params.touch_ab_power),
                  _srm(arms), alpha, max(1, family))


def _verdict(t: ABTest, params: ReportParams) -> None:
    if t.n_min is None or t.short_arms:
        t.verdict = "样本不足"
        return
    if t.srm_p is not None and t.srm_p < params.touch_ab_srm_alpha:
        t.verdict = "分流异常"
        return
    rates = t.arms.set_index("arm")["rate"]
    best = rates.idxmax()
    if (rates == rates.max()).sum() > 1:
        t.verdict = "无显著差异"
        return
    mine = t.comparisons[(t.comparisons["a"] == best) | (t.comparisons["b"] == best)]
    if len(mine) and bool(mine["significant"].all()):
        t.verdict, t.winner = "胜出", str(best)
        t.lift = float(rates[best] / rates.drop(best).max() - 1) if rates.drop(best).max() > 0 \
            else None
    else:
        t.verdict = "无显著差异"


def ab_tests(ab: pd.DataFrame | None, params: ReportParams) -> list[ABTest]:
    """Every title test of the month with its verdict; the p-values of all pairwise comparisons
    of the month are Holm-adjusted together."""
    if ab is None:
        return []
    groups = list(ab.groupby("test", sort=False))
    family = sum(len(g) * (len(g) - 1) // 2 for _, g in groups)
    tests = [_one_test(str(test), g, params, family) for test, g in groups]
    allc = pd.concat([t.comparisons for t in tests], ignore_index=True)
    allc["p_holm"] = stats.holm(allc["p"].astype("float64"))
    start = 0
    for t in tests:
        n = len(t.comparisons)
        part = allc.iloc[start:start + n].reset_index(drop=True)
        t.comparisons = part.assign(significant=part["p_holm"] < params.touch_alpha)
        start += n
        _verdict(t, params)
    return tests


# --------------------------------------------------------------------------- the section


@dataclass
class TouchSection:
    """Everything section 12 shows, computed once."""

    params: ReportParams
    now: MonthTouch
    prev: MonthTouch | None
    prev_note: str
    slots: pd.DataFrame
    tiers: Tiers | None
    tier_note: str
    tests: list[ABTest]
    notes: list[str] = field(default_factory=list)

    @property
    def channels(self) -> list[Channel]:
        return self.now.channels

    def channel(self, name: str) -> Channel:
        return self.now.channel(name)

    def mom(self, name: str) -> float | None:
        """The channel's open rate change against last month, in percentage points."""
        if self.prev is None:
            return None
        return compare.change("rate", self.channel(name).rate,
                              self.prev.channel(name).rate).value

    def block_mom(self) -> float | None:
        if self.prev is None:
            return None
        return compare.change("rate", self.now.block_rate, self.prev.block_rate).value


@contextmanager
def _summary(folder: Path, month: str, params: ReportParams, *,
             previous: bool = False, notes: list[str] | None = None) -> Iterator[Any]:
    """The month's event summary (None without event files); for the previous month a log that
    fails validation is a note, never an error."""
    if not folder.is_dir():
        yield None
        return
    try:
        log = eventsummary.open_summary(folder, month,
                                        tables=PREVIOUS_READS if previous else READS,
                                        **params.event_engine())
    except DataValidationError as exc:
        if not previous:
            raise
        if notes is not None:
            notes.append(f"上月事件日志校验未通过（{len(exc.problems)} 个问题），上月分层与模板消息环比"
                         "不可用")
        log = None
    if log is None:
        yield None
        return
    with log:
        yield log


def _previous(folder: Path, month: str, log: Any) -> tuple[MonthTouch | None, str]:
    if not folder.is_dir():
        return None, f"无上月数据（未找到 {folder.name} 目录），环比不可用"
    try:
        inputs = load(folder, month)
        prev, _ = month_touch(folder, month, inputs, log)
    except DataValidationError as exc:
        return None, (f"上月数据校验未通过（{len(exc.problems)} 个问题，如 {exc.problems[0]}），"
                      "环比不可用")
    return prev, ""


def prepare(params: ReportParams) -> TouchSection:
    """Load this month (and the previous one for 环比 and the tiers) and compute section 12."""
    folder, month = params.resolved_data_dir(), params.month
    inputs = load(folder, month)
    pfolder, pmonth = params.resolved_prev_data_dir(), prev_month(month)
    notes: list[str] = []
    with _summary(folder, month, params) as log, \
            _summary(pfolder, pmonth, params, previous=True, notes=notes) as prev_log:
        now, data = month_touch(folder, month, inputs, log)
        sends, send_notes = send_frame(now, data, log)
        tier, tier_note = tiers(now, log, prev_log, params)
        prev, prev_note = _previous(pfolder, pmonth, prev_log)
    notes += send_notes
    return TouchSection(params, now, prev, prev_note, slot_table(sends, params), tier, tier_note,
                        ab_tests(inputs.ab, params), notes)



# --------------------------------------------------------------------------- shared words


def yuan(v: Any, digits: int = 2) -> str:
    """A unit cost in 元: '0.25 元'; missing → '—'."""
    text = fmt.fmt_num(v, digits)
    return text if text == "—" else f"{text} 元"


def p_text(p: float | None) -> str:
    """``p < 0.001`` / ``p = 0.034``; '—' when not tested."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "—"
    return "p < 0.001" if p < 0.001 else f"p = {fmt.fmt_num(p, 3)}"


def ci_text(lo: float, hi: float, digits: int = 1) -> str:
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return "—"
    return f"{fmt.fmt_pct(lo, digits)}–{fmt.fmt_pct(hi, digits)}"


def bench(params: ReportParams, name: str) -> dict[str, Any]:
    """The channel's row of ``touch_benchmarks`` ({} = 未配置)."""
    return dict(params.touch_benchmarks.get(name, {}))


def bench_open_text(b: dict[str, Any]) -> str:
    if "open_low" not in b:
        return "未配置"
    return f"{fmt.fmt_num(b['open_low'] * 100, 0)}%–{fmt.fmt_num(b['open_high'] * 100, 0)}%"


def bench_cost_text(b: dict[str, Any]) -> str:
    if "cost_low" not in b:
        return "未配置"
    return f"{fmt.fmt_num(b['cost_low'], 1)}–{fmt.fmt_num(b['cost_high'], 1)} 元"


def open_status(rate: float | None, b: dict[str, Any]) -> tuple[str, float | None]:
    """达标 at or above the low end of the experience range, 预警 below it (an unverified
    industry value is no target), 未设目标 without a range; and the relative gap."""
    if rate is None:
        return "未提供", None
    if "open_low" not in b:
        return "未设目标", None
    low = float(b["open_low"])
    if rate >= low:
        return "达标", 0.0
    return "预警", (low - rate) / low if low else None
