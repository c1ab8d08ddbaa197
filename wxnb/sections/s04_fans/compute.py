"""Section 04 粉丝质量多维评估 (FAN-IDM), the numbers: activity, influence, loyalty, core fans and
new-follower retention.

Inputs of one month folder:

* the event log ``events*.parquet|csv|jsonl`` (``wxnb.io.eventlog.open_month``: the DuckDB view ``ev``
  of in-month events of known types), the only required input;
* ``getusercumulate_*`` (datacube, optional here): the month-end follower count, shown next to
  the population for context only;
* the previous month's folder (``params.resolved_prev_data_dir()``) for 环比, when it has a log.

Definitions (the thresholds are parameters; they are business rules, not standards):

* **Population (分母)**: the ids with ≥ 1 interaction (``events.INTERACTIONS``: every event but
  subscribe, unsubscribe, LOCATION and the mass-send/template results) in the month.
* **Activity**: interactions per week = interactions in the month ÷ (days in month ÷ 7); active
  when ≥ ``fan_active_weekly``.
* **Influence**: WeChat does not expose a follower's friend count (the seed's 好友数 ≥ 500), so
  influence is *share reach*: the distinct other ids whose event (a read or a follow) came through
  a tracked share link of this follower (``via``); influential when ≥ ``fan_influence_reach``.
* **Loyalty**: the longest run of consecutive days with ≥ 1 interaction inside the month; loyal
  when ≥ ``fan_loyal_days``.
* **Core fans**: meet ≥ ``fan_core_min_dims`` of the three; their share of UGC = their
  ``article_comment`` events ÷ all ``article_comment`` events.
* **New-follower retention**: followers whose first ``subscribe`` of the month falls in an ISO
  week (Monday first) form that week's cohort. Day k (7/14/21) counts a member only when the
  follow day + k is within the month (right-censoring: a young cohort has no value rather than a
  low one). Retained at day k = no ``unsubscribe`` from the follow up to the end of day k (the
  follow day is day 0); active at day k = ≥ 1 interaction on days k−6 … k.

Scale (50M events, ~13M followers): the section never scans the raw log. It reads the month's
summary (``wxnb.io.eventsummary``: the per-follower table ``fol`` with interactions, comments,
shares and a 31-bit mask of active days; the per-sharer table ``reach``; the follow/unfollow
rows of ``act``), made once per month when the build validates the log, keyed by the 64-bit
``hash(follower_id)``. The longest streak is computed from the day mask with bit operations,
without sorting. Only tier counts, histograms and the cohort table come back to Python.

``prepare`` loads and computes everything once; ``show`` and ``words`` show it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import eventlog as events
from wxnb.io import eventsummary, loadcache
from wxnb.io.datacube import load_month, month_days
from wxnb.kit import compare, fmt
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s04_fans import SPEC

__all__ = [
    "DECLINE_PP",
    "DIMENSIONS",
    "INPUTS",
    "MIN_COHORT",
    "RETENTION_DAYS",
    "SECTION",
    "STRATEGIES",
    "FanAggregate",
    "FanSection",
    "Rules",
    "TierRow",
    "aggregate",
    "interaction_bins",
    "prepare",
    "tier_rows",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs
RETENTION_DAYS: tuple[int, ...] = (7, 14, 21)
UGC_EVENT = "article_comment"
SHARE_EVENT = "article_share"
#: A dimension whose share fell by at least this many percentage points gets its strategy.
DECLINE_PP = 1.0
#: Cohorts are compared with each other (best/worst 7-day retention) from this size up.
MIN_COHORT = 30
DIMENSIONS: tuple[str, ...] = ("activity", "influence", "loyalty")
_DIM_NAME = {"activity": "活跃度（Activity）", "influence": "影响力（Influence）",
             "loyalty": "忠诚度（Retention）", "core": "核心粉丝"}
_DIM_SHORT = {"activity": "活跃粉丝", "influence": "有影响力粉丝", "loyalty": "忠诚粉丝",
              "core": "核心粉丝"}
#: The seed's strategies, one per dimension; a row only gets one when its numbers call for it.
STRATEGIES = {"activity": "建立积分奖励体系", "influence": "启动KOL培育计划",
              "loyalty": "设计签到打卡机制"}
_FLAG = {"activity": "active", "influence": "influential", "loyalty": "loyal"}


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rules:
    """The FAN-IDM thresholds of one report (from the parameters)."""

    active_weekly: float
    influence_reach: int
    loyal_days: int
    core_min_dims: int

    @classmethod
    def from_params(cls, p: ReportParams) -> Rules:
        return cls(p.fan_active_weekly, p.fan_influence_reach, p.fan_loyal_days,
                   p.fan_core_min_dims)

    def active_min(self, days: int) -> int:
        """The fewest interactions in a month of ``days`` days that make a follower active."""
        return max(1, math.ceil(self.active_weekly * days / 7 - 1e-9))

    def text(self, key: str, days: int, *, short: bool = False) -> str:
        """The rule printed next to its number (优质粉丝标准); ``short`` for sentences."""
        if key == "activity":
            return f"周均互动 ≥ {self.active_weekly:g} 次" + (
                "" if short else f"（本月 {days} 天即 ≥ {self.active_min(days)} 次）")
        if key == "influence":
            return f"分享带来 ≥ {self.influence_reach} 人阅读或关注" + (
                "" if short else "（好友数不可观测）")
        if key == "loyalty":
            return f"最长连续活跃 ≥ {self.loyal_days} 天"
        return f"满足 ≥ {self.core_min_dims} 个维度"


# --------------------------------------------------------------------------- aggregation


def _streak_columns(mask: str = "mask") -> tuple[str, str]:
    """SELECT items computing the longest run of set bits of a 31-bit day mask.

    ``_x1`` = mask; ``_xk`` = ``_x(k-1)`` AND (mask >> (k−1)): bit i of ``_xk`` is set when days
    i … i+k−1 are all active. The longest run is the number of k with ``_xk`` ≠ 0.
    """
    cols = [f"{mask} AS _x1"] + [f"_x{k - 1} & ({mask} >> {k - 1}) AS _x{k}"
                                 for k in range(2, 32)]
    total = " + ".join(f"CAST(_x{k} <> 0 AS INTEGER)" for k in range(1, 32))
    return ", ".join(cols), total


@dataclass
class ReachSummary:
    """What the tracked share links (``via``) brought, over every sharer id."""

    via_events: int = 0  # events carrying another id's via
    sharers: int = 0  # ids named in via with reach ≥ 1
    influential: int = 0  # of them, reach ≥ the rule (in the population or not)
    pairs: int = 0  # Σ reach: distinct (sharer, reached id) pairs
    reader_pairs: int = 0  # … of which the reached id read through the link
    follow_pairs: int = 0  # … of which the reached id followed through the link
    reads: int = 0  # article_read events through share links
    outside_population: int = 0  # sharers without an interaction of their own this month

    @property
    def observable(self) -> bool:
        return self.via_events > 0


@dataclass
class FanAggregate:
    """One month's FAN-IDM figures: small tables only (the per-follower rows stay in DuckDB)."""

    month: str
    days: int
    rules: Rules
    # One row per (active, influential, loyal) combination present: followers, interactions,
    # comments, shares, sharers (followers with ≥ 1 share event) and reach (Σ).
    groups: pd.DataFrame
    interactions_hist: pd.Series  # interactions per follower → followers
    streak_hist: pd.Series  # longest streak (days) → followers
    reach_hist: pd.Series  # reach → sharer ids (reach ≥ 1)
    reach: ReachSummary
    cohorts: pd.DataFrame  # one row per ISO week of first follow; see ``_cohorts``
    new_followers: int = 0
    unsubscribers: int = 0  # distinct ids with an unsubscribe in the month
    new_then_left: int = 0  # new followers who unsubscribed after their follow

    # ---- totals
    def _sum(self, col: str, mask: pd.Series | None = None) -> int:
        g = self.groups if mask is None else self.groups[mask]
        return int(g[col].sum()) if len(g) else 0

    @property
    def population(self) -> int:
        return self._sum("followers")

    @property
    def interactions(self) -> int:
        return self._sum("interactions")

    @property
    def comments(self) -> int:
        return self._sum("comments")

    @property
    def shares(self) -> int:
        return self._sum("shares")

    @property
    def sharers(self) -> int:
        return self._sum("sharers")

    def _dims(self) -> pd.Series:
        g = self.groups
        if g.empty:
            return pd.Series(dtype="int64")
        return g["active"].astype(int) + g["influential"].astype(int) + g["loyal"].astype(int)

    def _core_mask(self) -> pd.Series:
        return self._dims() >= self.rules.core_min_dims

    # ---- per dimension
    def count(self, key: str) -> int:
        """Followers meeting one dimension (activity/influence/loyalty) or core fans."""
        if self.groups.empty:
            return 0
        mask = self._core_mask() if key == "core" else self.groups[_FLAG[key]]
        return self._sum("followers", mask)

    def share(self, key: str) -> float | None:
        """A dimension's (or the core fans') share of the population; None when not measurable."""
        if not self.population or (key == "influence" and not self.reach.observable):
            return None
        return self.count(key) / self.population

    @property
    def core_comments(self) -> int:
        return self._sum("comments", self._core_mask()) if len(self.groups) else 0

    @property
    def core_ugc_share(self) -> float | None:
        return self.core_comments / self.comments if self.comments else None

    def retention(self, k: int, kind: str = "kept") -> tuple[float | None, int]:
        """Weighted average over cohorts: (Σ retained or active ÷ Σ eligible, Σ eligible)."""
        c = self.cohorts
        if c.empty:
            return None, 0
        n = int(c[f"eligible_{k}"].sum())
        return (int(c[f"{kind}_{k}"].sum()) / n if n else None), n


def _fetch(con: Any, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params).fetchall() if params else con.execute(sql).fetchall()


# The month's summary (wxnb.io.eventsummary) holds the per-follower table ``fol`` (k, n, c, s,
# mask) and the per-sharer table ``reach``; the follows and unfollows are rows of ``act``.
READS = ("fol", "reach", "act")  # the summary's tables aggregate() reads
_SUB = """(SELECT k, time, event = 'subscribe' AS is_sub FROM act
          WHERE event IN ('subscribe', 'unsubscribe'))"""


_GROUP_COLS = ["active", "influential", "loyal", "followers", "interactions", "comments",
               "shares", "sharers", "reach"]


def _per_follower(con: Any, rules: Rules,
                  days: int) -> tuple[pd.DataFrame, pd.Series, pd.Series, int]:
    """One pass over the per-follower table with three grouping sets.

    Returns the (active, influential, loyal) groups, followers per interaction count, followers
    per longest streak, and how many sharer ids of ``reach`` are in the population. The
    flags are never materialised (at 50M events there are ~13M followers).
    """
    cols, streak = _streak_columns()
    rows = _fetch(con, f"""
        WITH m AS (SELECT f.n, f.c, f.s, coalesce(r.reach, 0) AS reach, {cols}
                   FROM fol f LEFT JOIN reach r ON r.k = f.k),
             x AS (SELECT n, c, s, reach, {streak} AS streak FROM m),
             f AS (SELECT *,
                          CAST(n AS DOUBLE) * 7 >= $active_weekly * $days AS active,
                          reach >= $influence_reach AS influential,
                          streak >= $loyal_days AS loyal
                   FROM x)
        SELECT grouping(n) = 0 AS by_n, grouping(streak) = 0 AS by_streak,
               active, influential, loyal, n, streak, count(*), sum(n), sum(c), sum(s),
               count(*) FILTER (WHERE s > 0), sum(reach), count(*) FILTER (WHERE reach > 0)
        FROM f
        GROUP BY GROUPING SETS ((active, influential, loyal), (n), (streak))""",
        # The thresholds are bound parameters, never formatted into the SQL text.
        {"active_weekly": float(rules.active_weekly), "days": int(days),
         "influence_reach": int(rules.influence_reach), "loyal_days": int(rules.loyal_days)})
    groups, n_hist, s_hist, matched = [], {}, {}, 0
    for by_n, by_streak, a, i, lo, n, streak_, *values in rows:
        if by_n:
            n_hist[int(n)] = int(values[0])
        elif by_streak:
            s_hist[int(streak_)] = int(values[0])
        else:
            groups.append([bool(a), bool(i), bool(lo), *(int(v) for v in values[:6])])
            matched += int(values[6])
    df = pd.DataFrame(groups, columns=_GROUP_COLS).sort_values(_GROUP_COLS[:3])
    df = df.reset_index(drop=True).astype({c: "int64" for c in _GROUP_COLS[3:]})
    df = df.astype({c: bool for c in _GROUP_COLS[:3]})
    return (df, pd.Series(n_hist, dtype="int64").sort_index(),
            pd.Series(s_hist, dtype="int64").sort_index(), matched)


def _hist(con: Any, sql: str) -> pd.Series:
    rows = _fetch(con, sql)
    return pd.Series({int(v): int(n) for v, n in rows}, dtype="int64").sort_index()


def _reach_summary(con: Any, rules: Rules, matched: int) -> ReachSummary:
    """``matched``: sharer ids that are also in the population (from :func:`_per_follower`)."""
    row = _fetch(con, """
        SELECT coalesce(sum(via_events), 0), count(*),
               count(*) FILTER (WHERE reach >= $influence_reach),
               coalesce(sum(reach), 0), coalesce(sum(readers), 0), coalesce(sum(follows), 0),
               coalesce(sum(reads), 0)
        FROM reach""", {"influence_reach": int(rules.influence_reach)})[0]
    values = [int(v) for v in row]
    return ReachSummary(*values, outside_population=values[1] - matched)


def _cohort_sql(days: int) -> str:
    parts = []
    for k in RETENTION_DAYS:
        ok = f"dom + {k} <= {days}"
        parts.append(
            f"count(*) FILTER (WHERE {ok}) AS eligible_{k}, "
            f"count(*) FILTER (WHERE {ok} AND (d1 IS NULL OR d1 > d0 + {k})) AS kept_{k}, "
            f"count(*) FILTER (WHERE {ok} AND ((mask >> CAST(dom + {k - 7} AS UINTEGER)) "
            f"& CAST(127 AS UINTEGER)) <> 0) AS active_{k}")
    return f"""
        WITH first AS (SELECT k, min(time) AS t0 FROM {_SUB} WHERE is_sub GROUP BY k),
             gone AS (SELECT f.k, min(s.time) AS t1 FROM first f
                      JOIN {_SUB} s ON s.k = f.k AND NOT s.is_sub AND s.time > f.t0
                      GROUP BY f.k),
             m AS (SELECT CAST(f.t0 AS DATE) AS d0, dayofmonth(f.t0) AS dom,
                          CAST(g.t1 AS DATE) AS d1,
                          coalesce(x.mask, CAST(0 AS UINTEGER)) AS mask
                   FROM first f LEFT JOIN gone g ON g.k = f.k
                   LEFT JOIN fol x ON x.k = f.k)
        SELECT CAST(date_trunc('week', d0) AS DATE) AS week, min(d0) AS first_day,
               max(d0) AS last_day, count(*) AS members, count(d1) AS left_,
               {", ".join(parts)}
        FROM m GROUP BY 1 ORDER BY 1"""


def _cohorts(con: Any, month: str, days: int) -> pd.DataFrame:
    """Per ISO week of first follow: members, and per k: eligible, kept and active counts.

    ``week`` is the Monday; ``start``/``end`` the week's days inside the month.
    """
    cur = con.execute(_cohort_sql(days))
    names = [d[0] for d in cur.description]
    df = pd.DataFrame(cur.fetchall(), columns=names)
    if df.empty:
        return df
    first, last = pd.Timestamp(f"{month}-01"), pd.Timestamp(month_days(month)[-1])
    df["week"] = pd.to_datetime(df["week"])
    df["start"] = df["week"].where(df["week"] > first, first)
    df["end"] = (df["week"] + pd.Timedelta(days=6)).where(
        df["week"] + pd.Timedelta(days=6) < last, last)
    for c in names[3:]:
        df[c] = df[c].astype("int64")
    return df.drop(columns=["first_day", "last_day"])


def _lifecycle(con: Any) -> tuple[int, int, int]:
    row = _fetch(con, f"""
        WITH first AS (SELECT k, min(time) AS t0 FROM {_SUB} WHERE is_sub GROUP BY k)
        SELECT (SELECT count(*) FROM first),
               (SELECT count(DISTINCT k) FROM {_SUB} WHERE NOT is_sub),
               (SELECT count(DISTINCT f.k) FROM first f
                JOIN {_SUB} s ON s.k = f.k AND NOT s.is_sub AND s.time > f.t0)""")[0]
    return int(row[0]), int(row[1]), int(row[2])


def aggregate(log: eventsummary.EventSummary, params: ReportParams) -> FanAggregate:
    """Compute the month's FAN-IDM figures from the month's summary (inside DuckDB).

    One grouped pass over the per-follower table ``fol`` joined with ``reach`` gives the tiers
    and histograms; the cohorts come from the follow/unfollow rows of ``act`` and the day
    masks of ``fol``. Only small tables come back.
    """
    con, month = log.con, log.month
    days = len(month_days(month))
    rules = Rules.from_params(params)
    groups, n_hist, s_hist, matched = _per_follower(con, rules, days)
    r_hist = _hist(con, "SELECT reach, count(*) FROM reach GROUP BY 1")
    reach = _reach_summary(con, rules, matched)
    cohorts = _cohorts(con, month, days)
    new, left, new_left = _lifecycle(con)
    return FanAggregate(month, days, rules, groups, n_hist, s_hist, r_hist, reach, cohorts,
                        new, left, new_left)


# --------------------------------------------------------------------------- tier rows


@dataclass
class TierRow:
    """One row of the FAN-IDM table."""

    key: str  # activity / influence / loyalty / core
    name: str
    rule: str
    count: int
    share: float | None
    prev_share: float | None = None
    strategy: str = ""
    status: str = "未设目标"
    weakest: bool = False

    @property
    def mom(self) -> float | None:
        """环比 in percentage points (None when either month has no share)."""
        return compare.change("rate", self.share, self.prev_share).value  # the one rate rule

    @property
    def mom_text(self) -> str:
        return fmt.fmt_pp(self.mom) if self.mom is not None else "无上月数据"

    @property
    def share_text(self) -> str:
        return fmt.fmt_pct(self.share) if self.share is not None else "不可计算"


def _strategy(key: str, share: float | None, mom: float | None, weakest: bool,
              observable: bool) -> str:
    if key == "influence" and not observable:
        return f"先为分享链接加 via 追踪参数，才能评估并{STRATEGIES[key]}"
    if weakest:
        return f"优先{STRATEGIES[key]}（三个维度中占比最低）"
    if mom is not None and mom <= -DECLINE_PP:
        return f"{STRATEGIES[key]}（环比下降 {fmt.fmt_num(abs(mom), 1)} 个百分点）"
    return "维持现有运营，持续监测"


def _core_strategy(agg: FanAggregate) -> str:
    core, ugc = agg.share("core"), agg.core_ugc_share
    if core is None or ugc is None:
        return "本月无留言（UGC）数据，无法判断核心粉丝的贡献"
    if core == 0:
        return "本月没有核心粉丝：先提升单一维度的优质粉丝占比"
    if ugc > core:
        return (f"会员等级体系差异化运营，重点维护核心粉丝（贡献 {fmt.fmt_pct(ugc)} 的留言，"
                f"为其人数占比的 {fmt.fmt_num(ugc / core, 1)} 倍）")
    return f"核心粉丝的留言占比（{fmt.fmt_pct(ugc)}）不高于其人数占比，UGC 未向核心粉丝集中"


def tier_rows(agg: FanAggregate, prev: FanAggregate | None) -> list[TierRow]:
    """The three dimensions and the core fans, with 环比 and a strategy chosen by the data."""
    shares = {k: agg.share(k) for k in DIMENSIONS}
    measured = {k: v for k, v in shares.items() if v is not None}
    weakest = min(measured, key=lambda k: measured[k]) if measured else None
    rows = []
    for key in (*DIMENSIONS, "core"):
        prev_share = prev.share(key) if prev is not None else None
        row = TierRow(key, _DIM_NAME[key], agg.rules.text(key, agg.days), agg.count(key),
                      agg.share(key), prev_share, weakest=key == weakest)
        if key == "core":
            row.strategy = _core_strategy(agg)
        else:
            row.strategy = _strategy(key, row.share, row.mom, row.weakest,
                                     agg.reach.observable)
            declined = row.mom is not None and row.mom <= -DECLINE_PP
            row.status = "提示" if (row.weakest or declined) else "未设目标"
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- the section


@dataclass
class FanSection:
    """Everything section 04 shows, computed once."""

    params: ReportParams
    agg: FanAggregate
    prev: FanAggregate | None
    prev_note: str
    log_notes: list[str]
    followers_end: int | None
    followers_note: str
    rows: list[TierRow] = field(default_factory=list)


def _open_and_aggregate(folder: Path, month: str,
                        params: ReportParams) -> tuple[FanAggregate, list[str]] | None:
    log = eventsummary.open_summary(folder, month, tables=READS, **params.event_engine())
    if log is None:
        return None
    with log:
        # kept per month and rules: the previous month's own build computed the same figures
        agg = loadcache.derived("s04_fans.aggregate",
                                (log.source_key, repr(Rules.from_params(params))),
                                (Path(__file__),), lambda: aggregate(log, params))
        return agg, log.notes()


def _previous(params: ReportParams) -> tuple[FanAggregate | None, str]:
    folder = params.resolved_prev_data_dir()
    month = prev_month(params.month)
    if not folder.is_dir():
        return None, f"无上月数据（未找到 {folder.name} 目录），环比不可用"
    try:
        done = _open_and_aggregate(folder, month, params)
    except DataValidationError as exc:
        return None, (f"上月事件日志校验未通过（{len(exc.problems)} 个问题，如 "
                      f"{exc.problems[0]}），环比不可用")
    if done is None:
        return None, f"上月（{month}）目录中没有事件日志，环比不可用"
    return done[0], ""


def _followers_end(folder: Path, month: str) -> tuple[int | None, str]:
    """The month-end cumulate_user (getusercumulate), for context; never required here."""
    if not any(folder.glob("getusercumulate*")):
        return None, "未提供累计粉丝数据（getusercumulate），无法给出有互动粉丝占全部粉丝的比例"
    data = load_month(folder, month, endpoints=("getusercumulate",))
    cum = data.frames.get("getusercumulate")
    if cum is None or cum.empty:
        return None, "累计粉丝数据（getusercumulate）为空，无法给出有互动粉丝占全部粉丝的比例"
    last = cum.sort_values("ref_date").iloc[-1]
    return int(last["cumulate_user"]), f"{last['ref_date']:%m-%d}"


def prepare(params: ReportParams) -> FanSection:
    """Open this month's event log (and the previous month's) and compute section 04.

    Raises
    ------
    DataValidationError
        The month folder has no event log, or a file breaks the data contract.
    """
    folder = params.resolved_data_dir()
    done = _open_and_aggregate(folder, params.month, params)
    if done is None:
        raise DataValidationError([Problem(folder.name, None, None,
                                           "事件日志 " + " | ".join(events.EVENT_GLOBS),
                                           "未找到")])
    agg, log_notes = done
    prev, note = _previous(params)
    end, end_note = _followers_end(folder, params.month)
    return FanSection(params, agg, prev, note, log_notes, end, end_note, tier_rows(agg, prev))


# --------------------------------------------------------------------------- chart data


def interaction_bins(agg: FanAggregate) -> pd.DataFrame:
    """Followers per bin of monthly interactions; one edge is the activity threshold."""
    h = agg.interactions_hist
    a = agg.rules.active_min(agg.days)
    edges = sorted({1, 2, 3, 5, 8, a, 2 * a, 4 * a, 8 * a})
    rows = []
    for lo, hi in zip(edges, [*edges[1:], None], strict=True):
        inside = h[(h.index >= lo) & ((h.index < hi) if hi else True)]
        label = (f"{lo}" if hi == lo + 1 else f"{lo}–{hi - 1}") if hi else f"≥{lo}"
        rows.append({"label": label, "lo": lo, "followers": int(inside.sum())})
    df = pd.DataFrame(rows)
    total = df["followers"].sum()
    df["share"] = df["followers"] / total if total else 0.0
    df["cum_share"] = df["share"].cumsum()
    df["active"] = df["lo"] >= a
    return df

