"""Section 14 视频号与公众号协同, the numbers: what the Channels account brings the official
account (new followers per play, per live viewer), what the official account brings the
Channels account (plays of videos embedded in articles, attendance of lives announced in
articles), live reservations → attendance, and the measured overlap of the two audiences.

The inputs are read and validated by ``wxnb.io.channels``; the follows by source come from the
datacube the report already loads (``wxnb.io.datacube.load_month``, getusersummary:
``user_source`` 200 视频号, 201 直播). ``prepare`` loads and computes everything once; ``show``
and ``words`` show it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wxnb.exceptions import DataValidationError
from wxnb.io.channels import (
    CARDS_FILE,
    LIVES_FILE,
    OVERLAP_FILE,
    VIDEOS_FILE,
    ChannelsInputs,
    Overlap,
    load,
)
from wxnb.io.codes import USER_SOURCE
from wxnb.io.datacube import MonthData, discover, load_month, month_days
from wxnb.kit import compare, fmt
from wxnb.kit.stats import wilson
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s14_channels import SPEC

__all__ = [
    "BOOT_N",
    "INPUTS",
    "SECTION",
    "SOURCE_CHANNELS",
    "SOURCE_LIVE",
    "Attendance",
    "ChannelsSection",
    "Conversion",
    "Follows",
    "KeyRow",
    "Lift",
    "MonthFigures",
    "OverlapFigures",
    "Promotion",
    "VideoStats",
    "attendance",
    "bootstrap_median_ratio",
    "card_lift",
    "conversion",
    "figures",
    "key_rows",
    "overlap_figures",
    "p_text",
    "prepare",
    "promotion",
    "source_follows",
    "status_against",
    "video_stats",
    "weekly",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs
SOURCE_CHANNELS, SOURCE_LIVE = 200, 201  # getusersummary.user_source: 视频号, 直播
BOOT_N = 4000  # bootstrap resamples (percentile interval)
BOOT_SEED = 2026  # a fixed seed: the report is reproducible
RECENT_DAYS = 7  # a video this close to the month's end is still gaining plays
USERSUMMARY = "getusersummary_*.json"


def p_text(p: float | None) -> str:
    """A p-value as the analyst layer writes it: ``p = 0.042``, ``p < 0.001``, ``—``."""
    if p is None or math.isnan(p):
        return "—"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


# --------------------------------------------------------------------------- follows by source


@dataclass
class Follows:
    """New followers of the official account from 视频号 (200) and 直播 (201), per day."""

    available: bool
    note: str = ""  # why not available, or what the numbers mean
    daily: pd.DataFrame = field(default_factory=pd.DataFrame)  # index day; video, live, cancels

    @property
    def video(self) -> int:
        return int(self.daily["video"].sum()) if self.available else 0

    @property
    def live(self) -> int:
        return int(self.daily["live"].sum()) if self.available else 0

    @property
    def video_cancel(self) -> int:
        return int(self.daily["video_cancel"].sum()) if self.available else 0

    @property
    def live_cancel(self) -> int:
        return int(self.daily["live_cancel"].sum()) if self.available else 0


def source_follows(data: MonthData | None, month: str) -> Follows:
    """Sum getusersummary's new_user / cancel_user of user_source 200 and 201 per day (the API
    leaves out the rows where both are 0, so a missing row is 0)."""
    if data is None or not data.has("getusersummary"):
        return Follows(False, f"未提供用户增减数据（{USERSUMMARY}），无法计算视频号带来的公众号关注")
    if not data.files.get("getusersummary"):
        return Follows(False, "本月的用户增减取自后台“用户增长”下载，没有按来源的拆分，无法计算视频号"
                              f"带来的公众号关注（需数据统计接口的 {USERSUMMARY}）")
    s = data.frames["getusersummary"]
    days = pd.DatetimeIndex(pd.to_datetime(month_days(month)), name="day")
    out = pd.DataFrame(index=days)
    for col, source, what in (("video", SOURCE_CHANNELS, "new_user"),
                              ("live", SOURCE_LIVE, "new_user"),
                              ("video_cancel", SOURCE_CHANNELS, "cancel_user"),
                              ("live_cancel", SOURCE_LIVE, "cancel_user")):
        part = s[s["user_source"] == source].groupby("ref_date")[what].sum()
        out[col] = part.reindex(days).fillna(0).astype("int64").to_numpy()
    note = ""
    if not (s["user_source"] == SOURCE_LIVE).any():
        note = (f"用户增减数据本月没有来源为{USER_SOURCE[SOURCE_LIVE]}（201）的行：接口省略新增与取消"
                "都为 0 的行，即直播没有带来公众号新关注")
    return Follows(True, note, out)


# --------------------------------------------------------------------------- videos


@dataclass
class VideoStats:
    """The month's videos: counts, sums and medians per video."""

    n: int = 0
    plays: int = 0
    likes: int = 0
    shares: int = 0
    comments: int | None = None
    median_plays: float | None = None
    median_likes: float | None = None
    median_shares: float | None = None
    median_comments: float | None = None
    median_completion: float | None = None
    channel_follows: int | None = None  # followers the Channels account gained
    linked: int | None = None  # videos carrying an official-account article link
    oa_msg_plays: int | None = None  # plays from the official account's message feed
    recent: int = 0  # published in the month's last RECENT_DAYS days

    @property
    def like_rate(self) -> float | None:
        return self.likes / self.plays if self.plays else None

    @property
    def share_rate(self) -> float | None:
        return self.shares / self.plays if self.plays else None

    @property
    def comment_rate(self) -> float | None:
        return self.comments / self.plays if self.plays and self.comments is not None else None


def _median(s: pd.Series) -> float | None:
    s = s.dropna()
    return float(s.median()) if len(s) else None


def _sum(s: pd.Series) -> int | None:
    s = s.dropna()
    return int(s.sum()) if len(s) else None


def video_stats(inputs: ChannelsInputs) -> VideoStats:
    """Counts and medians of the month's videos (comments, completion … when exported)."""
    v = inputs.videos
    if v is None or v.empty:
        return VideoStats()
    last = pd.Timestamp(month_days(inputs.month)[-1]) - pd.Timedelta(days=RECENT_DAYS - 1)
    has_link = inputs.has("videos", "has_oa_link")
    return VideoStats(
        n=len(v), plays=int(v["plays"].sum()), likes=int(v["likes"].sum()),
        shares=int(v["shares"].sum()),
        comments=_sum(v["comments"]) if inputs.has("videos", "comments") else None,
        median_plays=_median(v["plays"]), median_likes=_median(v["likes"]),
        median_shares=_median(v["shares"]),
        median_comments=_median(v["comments"]) if inputs.has("videos", "comments") else None,
        median_completion=_median(v["completion"].astype(float))
        if inputs.has("videos", "completion") else None,
        channel_follows=_sum(v["follows"]) if inputs.has("videos", "follows") else None,
        linked=int(v["has_oa_link"].fillna(False).astype(bool).sum()) if has_link else None,
        oa_msg_plays=_sum(v["oa_msg_plays"]) if inputs.has("videos", "oa_msg_plays") else None,
        recent=int((v["published"].dt.normalize() >= last).sum()),
    )


# --------------------------------------------------------------------------- conversion


@dataclass
class Conversion:
    """Channels → official account: new followers from 视频号 per 1,000 plays of the month's
    videos, and from 直播 per live viewer."""

    follows: int | None
    plays: int
    live_follows: int | None
    viewers: int | None

    @property
    def per_k(self) -> float | None:
        """New followers (source 视频号) per 1,000 plays."""
        return self.follows / self.plays * 1000 if self.follows is not None and self.plays \
            else None

    @property
    def live_rate(self) -> float | None:
        """New followers (source 直播) ÷ live viewers."""
        return self.live_follows / self.viewers if self.live_follows is not None and \
            self.viewers else None

    @property
    def live_ci(self) -> tuple[float, float]:
        if self.live_follows is None or not self.viewers:
            return (math.nan, math.nan)
        return wilson(min(self.live_follows, self.viewers), self.viewers)


def conversion(inputs: ChannelsInputs, follows: Follows) -> Conversion:
    v, lv = inputs.videos, inputs.lives
    return Conversion(
        follows=follows.video if follows.available else None,
        plays=int(v["plays"].sum()) if v is not None else 0,
        live_follows=follows.live if follows.available and lv is not None else None,
        viewers=int(lv["viewers"].sum()) if lv is not None else None,
    )


def rate_ratio(k1: int, n1: float, k0: int, n0: float
               ) -> tuple[float, tuple[float, float], float] | None:
    """Ratio of two Poisson rates k1/n1 ÷ k0/n0 with its score interval and p-value
    (statsmodels ``test_poisson_2indep``); None when a base or both counts are 0."""
    if n1 <= 0 or n0 <= 0 or (k1 == 0 and k0 == 0):
        return None
    from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(test_poisson_2indep(k1, n1, k0, n0, method="score").pvalue)
        lo, hi = confint_poisson_2indep(k1, n1, k0, n0, method="score", compare="ratio")
    ratio = (k1 / n1) / (k0 / n0) if k0 else math.inf
    return ratio, (float(lo), float(hi)), p


def _weeks(month: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The month's weeks (Monday–Sunday), the first and last cut at the month's edges."""
    days = [pd.Timestamp(d) for d in month_days(month)]
    out: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for d in days:
        if not out or d.weekday() == 0:
            out.append((d, d))
        else:
            out[-1] = (out[-1][0], d)
    return out


def _within(stamps: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    day = stamps.dt.normalize()
    return (day >= start) & (day <= end)


def weekly(inputs: ChannelsInputs, follows: Follows) -> pd.DataFrame:
    """Per week of the month: videos published, with a link, their plays, new followers from
    视频号 and their ratio per 1,000 plays; lives, viewers, new followers from 直播."""
    rows = []
    v, lv = inputs.videos, inputs.lives
    for start, end in _weeks(inputs.month):
        vw = v[_within(v["published"], start, end)] if v is not None else pd.DataFrame()
        lw = lv[_within(lv["started"], start, end)] if lv is not None else pd.DataFrame()
        plays = int(vw["plays"].sum()) if len(vw) else 0
        row: dict[str, Any] = {
            "start": start, "end": end, "videos": len(vw), "plays": plays,
            "linked": (int(vw["has_oa_link"].fillna(False).astype(bool).sum()) if len(vw) else 0)
            if inputs.has("videos", "has_oa_link") else None,
            "lives": len(lw), "viewers": int(lw["viewers"].sum()) if len(lw) else 0,
        }
        if follows.available:
            part = follows.daily.loc[start:end]
            row["follows"], row["live_follows"] = int(part["video"].sum()), int(part["live"].sum())
            row["per_k"] = row["follows"] / plays * 1000 if plays else None
        else:
            row["follows"] = row["live_follows"] = row["per_k"] = None
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- lives


@dataclass
class Attendance:
    """Reservations → attendance: per live and pooled. ``measured`` when the export has the
    reservers who watched (预约观看人数); otherwise only the multiple viewers ÷ reservations."""

    measured: bool
    # started, title, promoted, reservations, viewers, attended, rate, lo, hi, multiple
    per_live: pd.DataFrame
    reservations: int = 0
    viewers: int = 0
    attended: int | None = None

    @property
    def rate(self) -> float | None:
        return self.attended / self.reservations if self.measured and self.reservations and \
            self.attended is not None else None

    @property
    def ci(self) -> tuple[float, float]:
        if self.rate is None:
            return (math.nan, math.nan)
        return wilson(int(self.attended or 0), self.reservations)

    @property
    def multiple(self) -> float | None:
        return self.viewers / self.reservations if self.reservations else None


def attendance(inputs: ChannelsInputs) -> Attendance | None:
    """Per live: 预约观看人数 ÷ 预约人数 with its Wilson interval (when exported) and 观看人数 ÷
    预约人数; pooled over the month (Σ attended ÷ Σ reservations)."""
    lv = inputs.lives
    if lv is None or lv.empty:
        return None
    measured = inputs.has("lives", "reserved_viewers") and lv["reserved_viewers"].notna().all()
    t = lv[["started", "title", "reservations", "viewers"]].copy()
    t["promoted"] = lv["promoted"] if inputs.has("lives", "promoted") else None
    t["attended"] = lv["reserved_viewers"] if measured else None
    rates, los, his = [], [], []
    for _, r in t.iterrows():
        if measured and r["reservations"]:
            k, n = int(r["attended"]), int(r["reservations"])
            lo, hi = wilson(k, n)
            rates.append(k / n)
            los.append(lo)
            his.append(hi)
        else:
            rates.append(math.nan)
            los.append(math.nan)
            his.append(math.nan)
    t["rate"], t["lo"], t["hi"] = rates, los, his
    t["multiple"] = (t["viewers"] / t["reservations"].where(t["reservations"] > 0)).astype(float)
    return Attendance(measured, t, int(t["reservations"].sum()), int(t["viewers"].sum()),
                      int(t["attended"].sum()) if measured else None)


@dataclass
class Promotion:
    """Official account → Channels: lives announced in the official account vs the others."""

    available: bool
    reason: str = ""
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)  # index 公众号预热 / 未预热
    viewer_ratio: float | None = None  # median viewers, promoted ÷ not
    rate_ratio: float | None = None  # attendance rate, promoted ÷ not
    p_rate: float | None = None  # permutation test of the attendance rates over the lives
    p_viewers: float | None = None  # Mann–Whitney on viewers per live

    @property
    def value(self) -> float | None:
        """The ratio the finding reports: attendance when measured, else median viewers."""
        return self.rate_ratio if self.rate_ratio is not None else self.viewer_ratio


GROUPS = ("公众号预热", "未预热")


PERMUTATIONS = 20_000  # random relabellings when there are more ways than EXACT_LIMIT
EXACT_LIMIT = 100_000


def live_permutation_p(attended: np.ndarray, reservations: np.ndarray,
                       promoted: np.ndarray) -> float | None:
    """Two-sided permutation p of the difference of the pooled attendance rates (Σ attended ÷
    Σ reservations) between the promoted lives and the others, the *lives* being the units:
    every way of labelling as many lives promoted as were (exactly, or ``PERMUTATIONS`` random
    ones). The reservers of one live share its topic, time and host, so they are not independent
    draws; a two-proportion test over the people would take live-to-live variation for a
    promotion effect. With two lives a group the smallest possible p is 1/3. None when a group
    is empty."""
    n, k = len(promoted), int(promoted.sum())
    if k == 0 or k == n:
        return None
    if math.comb(n, k) <= EXACT_LIMIT:
        from itertools import combinations

        masks = np.zeros((math.comb(n, k), n), dtype=bool)
        for i, idx in enumerate(combinations(range(n), k)):
            masks[i, list(idx)] = True
    else:
        rng = np.random.default_rng(BOOT_SEED)
        masks = np.array([rng.permutation(promoted) for _ in range(PERMUTATIONS)])
        masks = np.vstack([promoted[None, :], masks])
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_a = (masks * attended).sum(1) / (masks * reservations).sum(1)
        rate_b = (~masks * attended).sum(1) / (~masks * reservations).sum(1)
        stat = np.abs(rate_a - rate_b)
        obs = abs(attended[promoted].sum() / reservations[promoted].sum()
                  - attended[~promoted].sum() / reservations[~promoted].sum())
    if not math.isfinite(obs):
        return None
    return float(np.mean(stat >= obs - 1e-12))


def promotion(inputs: ChannelsInputs, att: Attendance | None) -> Promotion:
    """Compare the lives announced in the official account with the others: median viewers per
    live, pooled attendance rate (a permutation test over the lives) and viewers
    (Mann–Whitney)."""
    if att is None:
        return Promotion(False, f"未提供直播数据（{LIVES_FILE}）")
    if not inputs.has("lives", "promoted"):
        return Promotion(False, "直播数据没有“是否公众号预热”列，无法对比公众号预热的效果")
    t = att.per_live.assign(promoted=att.per_live["promoted"].fillna(False).astype(bool))
    parts = {GROUPS[0]: t[t["promoted"]], GROUPS[1]: t[~t["promoted"]]}
    if any(p.empty for p in parts.values()):
        which = GROUPS[1] if parts[GROUPS[1]].empty else GROUPS[0]
        return Promotion(False, f"本月没有{which}的直播，无法对比")
    rows = []
    for name, p in parts.items():
        attended = int(p["attended"].sum()) if att.measured else None
        rows.append({"group": name, "lives": len(p), "reservations": int(p["reservations"].sum()),
                     "viewers": int(p["viewers"].sum()),
                     "median_viewers": float(p["viewers"].median()), "attended": attended,
                     "rate": attended / int(p["reservations"].sum())
                     if attended is not None and p["reservations"].sum() else None})
    g = pd.DataFrame(rows).set_index("group")
    a, b = g.loc[GROUPS[0]], g.loc[GROUPS[1]]
    out = Promotion(True, groups=g)
    out.viewer_ratio = float(a["median_viewers"] / b["median_viewers"]) \
        if b["median_viewers"] else None
    if att.measured and a["rate"] is not None and b["rate"]:
        out.rate_ratio = float(a["rate"] / b["rate"])
        out.p_rate = live_permutation_p(t["attended"].to_numpy(float),
                                        t["reservations"].to_numpy(float),
                                        t["promoted"].to_numpy(bool))
    from scipy.stats import mannwhitneyu

    out.p_viewers = float(mannwhitneyu(parts[GROUPS[0]]["viewers"], parts[GROUPS[1]]["viewers"],
                                       alternative="two-sided").pvalue)
    return out


# --------------------------------------------------------------------------- card lift


def bootstrap_median_ratio(a: np.ndarray, b: np.ndarray, n: int = BOOT_N,
                           seed: int = BOOT_SEED) -> tuple[float, float]:
    """95 % percentile bootstrap interval of median(a) ÷ median(b), each group resampled
    with replacement on its own."""
    rng = np.random.default_rng(seed)
    ma = np.median(rng.choice(a, size=(n, len(a)), replace=True), axis=1)
    mb = np.median(rng.choice(b, size=(n, len(b)), replace=True), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = ma / mb
    r = r[np.isfinite(r)]
    if not len(r):
        return (math.nan, math.nan)
    lo, hi = np.percentile(r, [2.5, 97.5])
    return float(lo), float(hi)


@dataclass
class Lift:
    """Plays of the videos whose card an official-account article embedded vs the others."""

    available: bool
    reason: str = ""
    n_embedded: int = 0
    n_other: int = 0
    median_embedded: float | None = None
    median_other: float | None = None
    ratio: float | None = None  # median ÷ median
    ci: tuple[float, float] = (math.nan, math.nan)
    p: float | None = None  # Mann–Whitney U, two-sided
    cles: float | None = None  # P(an embedded video has more plays than another), ties ½
    matched_ratio: float | None = None  # geometric mean of each embedded video ÷ its week's others
    matched_ci: tuple[float, float] = (math.nan, math.nan)
    matched_n: int = 0


def _week_start(s: pd.Series) -> pd.Series:
    d = s.dt.normalize()
    return d - pd.to_timedelta(d.dt.day_of_week, unit="D")


def card_lift(inputs: ChannelsInputs, min_group: int) -> Lift:
    """Ratio of median plays (embedded ÷ not) with a bootstrap interval, the Mann–Whitney test
    with its common-language effect size, and a week-matched ratio: each embedded video against
    the median of the videos published in the same week without a card (geometric mean of the
    ratios, bootstrap over the embedded videos). Observational: the videos were not assigned."""
    v = inputs.videos
    if v is None or v.empty:
        return Lift(False, "本月没有视频")
    if inputs.cards is None:
        return Lift(False, f"未提供公众号嵌入视频号卡片的记录（{CARDS_FILE}）")
    e = v[v["embedded"].astype(bool)]
    o = v[~v["embedded"].astype(bool)]
    out = Lift(False, n_embedded=len(e), n_other=len(o))
    if len(e) < min_group or len(o) < min_group:
        out.reason = (f"样本不足：嵌入卡片的视频 {len(e)} 条、未嵌入 {len(o)} 条，每组至少需要 "
                      f"{min_group} 条")
        return out
    a, b = e["plays"].to_numpy(float), o["plays"].to_numpy(float)
    out.median_embedded, out.median_other = float(np.median(a)), float(np.median(b))
    if out.median_other == 0:
        out.reason = "未嵌入卡片的视频播放量中位数为 0，无法计算倍数"
        return out
    out.available = True
    out.ratio = out.median_embedded / out.median_other
    out.ci = bootstrap_median_ratio(a, b)
    from scipy.stats import mannwhitneyu

    test = mannwhitneyu(a, b, alternative="two-sided")
    out.p, out.cles = float(test.pvalue), float(test.statistic) / (len(a) * len(b))
    _matched(out, e, o)
    return out


def _matched(out: Lift, e: pd.DataFrame, o: pd.DataFrame) -> None:
    weeks_o = o.assign(week=_week_start(o["published"])).groupby("week")["plays"].median()
    logs = []
    for week, plays in zip(_week_start(e["published"]), e["plays"], strict=True):
        base = weeks_o.get(week)
        if base is not None and base > 0 and plays > 0:
            logs.append(math.log(plays / base))
    out.matched_n = len(logs)
    if len(logs) < 2:
        return
    arr = np.array(logs)
    out.matched_ratio = float(math.exp(arr.mean()))
    rng = np.random.default_rng(BOOT_SEED)
    means = rng.choice(arr, size=(BOOT_N, len(arr)), replace=True).mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    out.matched_ci = (float(math.exp(lo)), float(math.exp(hi)))


# --------------------------------------------------------------------------- overlap


@dataclass
class OverlapFigures:
    """The measured overlap: share of the Channels audience that follows the official account
    (with its Wilson interval), share of the followers seen on Channels, Jaccard index."""

    raw: Overlap

    @property
    def share_of_channels(self) -> float:
        return self.raw.both / self.raw.channels_users

    @property
    def ci(self) -> tuple[float, float]:
        return wilson(self.raw.both, self.raw.channels_users)

    @property
    def share_of_oa(self) -> float | None:
        return self.raw.both / self.raw.oa_users if self.raw.oa_users else None

    @property
    def jaccard(self) -> float:
        union = self.raw.oa_users + self.raw.channels_users - self.raw.both
        return self.raw.both / union if union else math.nan


def overlap_figures(inputs: ChannelsInputs) -> OverlapFigures | None:
    return OverlapFigures(inputs.overlap) if inputs.overlap is not None else None


# --------------------------------------------------------------------------- one month


@dataclass
class MonthFigures:
    """Every figure of one month."""

    videos: VideoStats
    follows: Follows
    conversion: Conversion
    attendance: Attendance | None
    lift: Lift
    promotion: Promotion
    overlap: OverlapFigures | None


def figures(inputs: ChannelsInputs, follows: Follows, min_group: int) -> MonthFigures:
    att = attendance(inputs)
    return MonthFigures(video_stats(inputs), follows, conversion(inputs, follows), att,
                        card_lift(inputs, min_group), promotion(inputs, att),
                        overlap_figures(inputs))


# --------------------------------------------------------------------------- the key table


def status_against(value: float | None, target: float | None, warn_ratio: float
                   ) -> tuple[str, float | None]:
    """(status, gap) of a higher-is-better value against a target: 达标 at or above it, 预警
    from ``warn_ratio`` × target, else 未达标; 未设目标 without a target."""
    if value is None:
        return "未提供", None
    if target is None or target <= 0:
        return "未设目标", None
    gap = max(0.0, (target - value) / target)
    if value >= target:
        return "达标", 0.0
    return ("预警" if value >= warn_ratio * target else "未达标"), gap


@dataclass
class KeyRow:
    """One row of the key table (联动方式 | 本月 | 环比 | 状态) and its finding's figures."""

    key: str
    label: str
    value: float | None
    short: str  # the 本月 cell, a few words
    status: str
    target: float | None = None
    target_text: str = ""
    gap: float | None = None
    mom: float | None = None
    mom_text: str = "无上月数据"
    mom_mode: str = "rel"
    missing: str = ""  # what would enable the row (未提供 …)
    uncertain: bool = False  # below its reference, but the interval reaches it (预警, not 未达标)


def _mom(row: KeyRow, before: float | None, have_prev: bool, mode: str) -> None:
    row.mom_mode = mode
    if row.value is None:
        row.mom_text = "—"
        return
    if not have_prev or before is None:
        row.mom_text = "无上月数据"
        return
    if mode == "pp":
        row.mom = compare.change("rate", row.value, before).value
        row.mom_text = fmt.fmt_pp(row.mom, 1)
    elif mode == "diff":
        row.mom = row.value - before
        sign = "" if row.mom < 0 else "+"
        row.mom_text = f"{sign}{fmt.fmt_num(row.mom, 1)} 倍"
    elif before:
        row.mom = row.value / before - 1  # a ratio measure (per 1,000 plays): relative change
        row.mom_text = fmt.fmt_signed_pct(row.mom)


def key_rows(now: MonthFigures, before: MonthFigures | None, p: ReportParams) -> list[KeyRow]:
    """The four ways the two accounts work together, as the seed's 联动方式 table lists them."""
    warn = p.status_warn_ratio
    rows: list[KeyRow] = []
    c = now.conversion
    r = KeyRow("channels_follow_conversion", "视频号→公众号关注", c.per_k,
               f"每千次播放 {fmt.fmt_num(c.per_k, 1)} 个新关注" if c.per_k is not None else "", "")
    target = p.channels_follow_conversion_target
    r.status, r.gap = status_against(c.per_k, target, warn)
    r.target = target
    r.target_text = f"每千次播放 {fmt.fmt_num(target, 1)} 个" if target else "未设目标"
    if c.per_k is None:
        r.missing = now.follows.note if not now.follows.available else "本月视频没有播放"
    _mom(r, before.conversion.per_k if before else None, before is not None, "rel")
    rows.append(r)

    a = now.attendance
    rate = a.rate if a is not None else None
    r = KeyRow("channels_live_attendance", "直播预约→观看", rate,
               f"预约到场率 {fmt.fmt_pct(rate)}" if rate is not None else "", "")
    target = p.channels_attendance_target
    r.status, r.gap = status_against(rate, target, warn)
    r.target = target
    r.target_text = f"≥ {fmt.fmt_pct(target)}" if target is not None else "未设目标"
    if a is None:
        r.missing = f"未提供直播数据（需 {LIVES_FILE}）"
    elif rate is None:
        r.missing = (f"导出没有预约观看人数（观看为预约的 {fmt.fmt_num(a.multiple, 1)} 倍）"
                     if a.multiple is not None else "导出没有预约观看人数")
    prev_att = before.attendance.rate if before and before.attendance else None
    _mom(r, prev_att, before is not None, "pp")
    rows.append(r)

    lift = now.lift
    r = KeyRow("channels_card_lift", "公众号卡片→视频播放", lift.ratio,
               f"播放量为未嵌入的 {fmt.fmt_num(lift.ratio, 1)} 倍" if lift.ratio else "", "")
    bench = p.channels_card_lift_benchmark
    r.status, r.gap = status_against(lift.ratio, bench, warn)
    if r.status == "未达标" and bench and lift.ci[1] >= bench:  # NaN compares False
        # A few videos a group: the interval reaches the reference, so the shortfall is not
        # established (as everywhere in the report, 未达标 needs the interval below it).
        r.status, r.uncertain = "预警", True
    r.target = bench
    r.target_text = f"参考值 {fmt.fmt_num(bench, 1)} 倍" if bench else "未配置"
    if not lift.available:
        r.missing = lift.reason
        if lift.reason.startswith("样本不足"):
            r.status = "样本不足"
    _mom(r, before.lift.ratio if before else None, before is not None, "diff")
    rows.append(r)

    ov = now.overlap
    r = KeyRow("channels_overlap", "用户重合度", ov.share_of_channels if ov else None,
               f"视频号受众 {fmt.fmt_pct(ov.share_of_channels)} 已关注" if ov else "",
               "提示" if ov else "未提供")
    r.target_text = "—"
    if ov is None:
        r.missing = f"未测量（需 {OVERLAP_FILE}，unionid 实测）"
    _mom(r, before.overlap.share_of_channels if before and before.overlap else None,
         before is not None, "pp")
    rows.append(r)
    return rows


# --------------------------------------------------------------------------- the section


@dataclass
class ChannelsSection:
    """Everything section 14 shows, computed once."""

    params: ReportParams
    inputs: ChannelsInputs
    previous: ChannelsInputs | None
    prev_note: str
    now: MonthFigures
    before: MonthFigures | None
    weekly: pd.DataFrame
    rows: list[KeyRow]
    mom_test: tuple[float, tuple[float, float], float] | None  # conversion: rate ratio, CI, p


def _datacube(folder: Path, month: str) -> MonthData | None:
    """The month's getusersummary as the report loads it (its dataset when the build has
    validated the month: the files are not parsed again), from the API files or else the
    backend's 用户增长 download; None when the folder has neither (the build's own check
    reports a broken download)."""
    if discover(folder)["getusersummary"]:
        return load_month(folder, month, endpoints=("getusersummary",))
    try:
        return load_month(folder, month, endpoints=("getusersummary",))
    except DataValidationError:
        return None


def _previous(params: ReportParams) -> tuple[ChannelsInputs | None, Follows | None, str]:
    folder = params.resolved_prev_data_dir()
    month = prev_month(params.month)
    if not folder.is_dir():
        return None, None, f"无上月数据（未找到 {folder.name} 目录），环比不可用"
    try:
        inputs = load(folder, month)
    except DataValidationError as exc:
        return None, None, (f"上月视频号数据校验未通过（{len(exc.problems)} 个问题，如 "
                            f"{exc.problems[0]}），环比不可用")
    if inputs.videos is None and inputs.lives is None:
        return None, None, f"上月目录没有视频号数据（{VIDEOS_FILE}），环比不可用"
    try:
        data, note = _datacube(folder, month), ""
    except DataValidationError as exc:
        data, note = None, (f"上月用户增减数据校验未通过（{len(exc.problems)} 个问题），"
                            "视频号→公众号关注的环比不可用")
    return inputs, source_follows(data, month), note


def prepare(params: ReportParams) -> ChannelsSection:
    """Load this month (and the previous one for 环比) and compute section 14."""
    folder = params.resolved_data_dir()
    inputs = load(folder, params.month)
    follows = source_follows(_datacube(folder, params.month), params.month)
    previous, prev_follows, note = _previous(params)
    n = params.channels_min_videos
    now = figures(inputs, follows, n)
    before = figures(previous, prev_follows, n) if previous is not None and prev_follows \
        else None
    test = None
    if before is not None and now.conversion.follows is not None and \
            before.conversion.follows is not None:
        test = rate_ratio(now.conversion.follows, now.conversion.plays,
                          before.conversion.follows, before.conversion.plays)
    return ChannelsSection(params, inputs, previous, note, now, before,
                           weekly(inputs, follows), key_rows(now, before, params), test)


def row(sec: ChannelsSection, key: str) -> KeyRow:
    """The key-table row ``key``."""
    return next(r for r in sec.rows if r.key == key)

