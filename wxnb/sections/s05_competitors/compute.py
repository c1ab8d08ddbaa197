"""Section 05 竞品运营策略对标研究, the numbers: WCI, the compared dimensions, the account table.

The inputs are read and validated by ``wxnb.io.competitors`` (the competitor files and our own
articles from the datacube). WCI follows GSDATA's V14.2 formula (shared reference §1.2) with
d = 30 for a month and one of two weightings (parameter ``wci_weights``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb.exceptions import DataValidationError
from wxnb.io.competitors import SCORE_COLUMNS, ARTICLES_FILE, OWN, load, own_articles
from wxnb.io.datacube import month_days
from wxnb.kit import fmt
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s05_competitors import SPEC

__all__ = [
    "DIMENSIONS",
    "INPUTS",
    "SECTION",
    "WCI_DAYS",
    "WEIGHTS",
    "CompetitorSection",
    "Dimension",
    "WciScore",
    "WciTotals",
    "account_stats",
    "leaders",
    "prepare",
    "wci_score",
    "wci_totals",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs
WCI_DAYS = 30  # GSDATA fixes a month at 30 days, not calendar days
WEIGHTS: dict[str, tuple[float, float, float, float]] = {
    "gsdata-v14.2": (0.70, 0.09, 0.06, 0.15),
    "v14.2-2021-no-shares": (0.85, 0.09, 0.06, 0.0),
}
WEIGHT_LABELS = {
    "gsdata-v14.2": "清博 V14.2 官网权重（阅读 0.70、在看 0.09、点赞 0.06、转发 0.15）",
    "v14.2-2021-no-shares": "V14.2 2021 版权重（阅读 0.85、在看 0.09、点赞 0.06，无转发项）",
}


# --------------------------------------------------------------------------- WCI


@dataclass(frozen=True)
class WciTotals:
    """The WCI inputs over the window: totals, headline totals and single-article peaks."""

    n: int
    r: float
    z: float
    l: float  # the formula's name (likes)
    re: float
    rt: float = 0.0
    zt: float = 0.0
    lt: float = 0.0
    ret: float = 0.0
    rmax: float = 0.0
    zmax: float = 0.0
    lmax: float = 0.0
    remax: float = 0.0


@dataclass(frozen=True)
class WciScore:
    """The four first-level dimensions and the index."""

    o: float
    a: float
    h: float
    p: float
    wci: float


def _block(r: float, z: float, l: float, re_: float, w: Sequence[float]) -> float:
    return (w[0] * math.log(r + 1) + w[1] * math.log(10 * z + 1) + w[2] * math.log(10 * l + 1)
            + w[3] * math.log(10 * re_ + 1))


def wci_score(t: WciTotals, weights: str = "gsdata-v14.2", days: int = WCI_DAYS) -> WciScore:
    """WCI V14.2: ``(0.6·O + 0.2·A + 0.1·H + 0.1·P)² × 1.2 × 10``.

    O = B(R/d, Z/d, L/d, RE/d), A = B(totals / n) (0 when n = 0), H = B(headline totals / d)
    (0 without headlines), P = B(peaks), with B the weighted ``ln`` block of ``weights``.
    """
    w = WEIGHTS[weights]
    o = _block(t.r / days, t.z / days, t.l / days, t.re / days, w)
    a = _block(t.r / t.n, t.z / t.n, t.l / t.n, t.re / t.n, w) if t.n else 0.0
    h = _block(t.rt / days, t.zt / days, t.lt / days, t.ret / days, w)
    p = _block(t.rmax, t.zmax, t.lmax, t.remax, w)
    return WciScore(o, a, h, p, (0.6 * o + 0.2 * a + 0.1 * h + 0.1 * p) ** 2 * 1.2 * 10)


def wci_totals(articles: pd.DataFrame) -> WciTotals:
    """Sum one account's articles (columns reads, zaikan, likes, shares, is_headline)."""
    cols = ["reads", "zaikan", "likes", "shares"]
    if articles.empty:
        return WciTotals(0, 0, 0, 0, 0)
    tot = articles[cols].sum()
    head = articles.loc[articles["is_headline"], cols].sum()
    peak = articles[cols].max()
    return WciTotals(len(articles), *(float(tot[c]) for c in cols),
                     *(float(head[c]) for c in cols), *(float(peak[c]) for c in cols))


# --------------------------------------------------------------------------- metrics


@dataclass(frozen=True)
class Dimension:
    """One compared dimension: key (a column of the stats frame), label, direction, format."""

    key: str
    label: str
    higher_better: bool
    strength: str  # what an account leading here is doing well (seed style)
    borrow: str  # what the others should learn from it

    def show(self, v: float | None) -> str:
        """Format a value of this dimension."""
        if v is None or pd.isna(v):
            return "未评分" if self.key in ("activity", "response_min") else "未提供"
        return _FORMATS[self.key](float(v))


_FORMATS: dict[str, Callable[[float], str]] = {
    "frequency": lambda v: f"{fmt.fmt_num(v, 1)} 次/周",
    "avg_reads": fmt.fmt_int,
    "headline_avg_reads": fmt.fmt_int,
    "zaikan_rate": lambda v: fmt.fmt_pct(v, 2),
    "share_rate": lambda v: fmt.fmt_pct(v, 2),
    "activity": lambda v: f"{fmt.fmt_num(v, 1)}/5",
    "response_min": lambda v: f"{v:g} 分钟",
}

DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("frequency", "内容更新频率", True, "高频次更新抢占用户时长", "高频更新与内容排期"),
    Dimension("avg_reads", "篇均阅读", True, "精准推送获得高篇均阅读", "精准推送策略"),
    Dimension("zaikan_rate", "在看率", True, "高在看率的互动设计", "引导在看的互动设计"),
    Dimension("share_rate", "分享率", True, "强社交传播", "社交传播与裂变设计"),
    Dimension("activity", "活动创新度", True, "活动玩法创新", "活动策划与创新玩法"),
    Dimension("response_min", "客服响应时效", False, "快速客服响应", "客服快速响应机制"),
)
_DIM = {d.key: d for d in DIMENSIONS}


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


def _account_row(arts: pd.DataFrame, weeks: float, weights: str) -> dict[str, Any]:
    t = wci_totals(arts)
    s = wci_score(t, weights)
    heads = arts[arts["is_headline"]]
    known = arts[arts["shares_known"]]
    return {
        "n": t.n, "headlines": len(heads), "reads": t.r, "zaikan": t.z, "likes": t.l,
        "shares": t.re, "capped": int(arts["capped"].sum()),
        "shares_unknown": int((~arts["shares_known"]).sum()),
        "frequency": t.n / weeks, "avg_reads": _ratio(t.r, t.n),
        "headline_avg_reads": _ratio(t.rt, len(heads)),
        "zaikan_rate": _ratio(t.z, t.r),
        # all shares unknown → no share rate; some unknown → counted as 0 (noted)
        "share_rate": _ratio(known["shares"].sum(), t.r) if len(known) else math.nan,
        "wci": s.wci, "O": s.o, "A": s.a, "H": s.h, "P": s.p,
    }


def account_stats(articles: pd.DataFrame, scores: pd.DataFrame | None, month: str,
                  weights: str, own_engagement_known: bool = True) -> pd.DataFrame:
    """One row per account (本账号 first, then competitors in file order): every dimension,
    WCI with O/A/H/P, n, 10万+ caps, unknown shares, and the manual scores (NaN = 未评分)."""
    weeks = len(month_days(month)) / 7
    names = [OWN, *[a for a in articles["account"].unique() if a != OWN]]
    rows = {a: _account_row(articles[articles["account"] == a], weeks, weights) for a in names}
    out = pd.DataFrame.from_dict(rows, orient="index")
    if not own_engagement_known:
        out.loc[OWN, "zaikan_rate"] = math.nan
    sc = scores if scores is not None else pd.DataFrame(columns=list(SCORE_COLUMNS[1:]))
    out["activity"] = sc["activity_innovation"].reindex(out.index).astype(float)
    out["response_min"] = sc["service_response_min"].reindex(out.index).astype(float)
    out["rank"] = out["wci"].rank(ascending=False, method="min").astype(int)
    return out


def leaders(stats: pd.DataFrame, dim: Dimension) -> list[str]:
    """The accounts best on ``dim`` (ties included); empty when fewer than two have a value."""
    col = stats[dim.key].dropna()
    if len(col) < 2:
        return []
    best = col.max() if dim.higher_better else col.min()
    return [a for a, v in col.items() if v == best]


def _last(stats: pd.DataFrame, dim: Dimension) -> list[str]:
    col = stats[dim.key].dropna()
    if len(col) < 2 or col.nunique() == 1:
        return []
    worst = col.min() if dim.higher_better else col.max()
    return [a for a, v in col.items() if v == worst]


def _gap(own: float, best: float) -> float:
    return (best - own) / best if best else 0.0


# --------------------------------------------------------------------------- the section


@dataclass
class CompetitorSection:
    """Everything section 05 shows, computed once."""

    params: ReportParams
    articles: pd.DataFrame
    stats: pd.DataFrame
    own_engagement_known: bool
    prev_stats: pd.DataFrame | None
    prev_note: str
    notes: list[str]
    #: Our WCI of the two months is on one basis (reads as 次数 in both, or 人数 in both): not
    #: across the 2025-11 break, where the 发表内容 endpoints count people only.
    own_comparable: bool = True

    @property
    def weights_label(self) -> str:
        return WEIGHT_LABELS[self.params.wci_weights]


def _month_stats(folder: Path, month: str, weights: str
                 ) -> tuple[pd.DataFrame, pd.DataFrame, bool, list[str]]:
    inputs = load(folder, month)
    own, known = own_articles(folder, month)
    articles = pd.concat([own, inputs.articles], ignore_index=True)
    stats = account_stats(articles, inputs.scores, month, weights, known)
    return articles, stats, known, inputs.notes


def _basis(articles: pd.DataFrame) -> str:
    """How our own reads are counted that month: 次数 (legacy) or 人数 (2025 发表内容)."""
    own = articles[articles["account"] == OWN]
    if "reads_basis" not in own or own["reads_basis"].isna().all():
        return ""
    return str(own["reads_basis"].dropna().iloc[0])


def _previous(params: ReportParams) -> tuple[pd.DataFrame | None, str, str]:
    folder, month = params.resolved_prev_data_dir(), prev_month(params.month)
    if not (folder / ARTICLES_FILE).is_file():
        return None, f"无上月数据（{folder.name} 中没有 {ARTICLES_FILE}），WCI 环比不可用", ""
    try:
        articles, stats, _, _ = _month_stats(folder, month, params.wci_weights)
        return stats, "", _basis(articles)
    except DataValidationError as exc:
        return None, (f"上月竞品数据校验未通过（{len(exc.problems)} 个问题，如 "
                      f"{exc.problems[0]}），WCI 环比不可用"), ""


def prepare(params: ReportParams) -> CompetitorSection:
    """Load this month (and the previous one for WCI 环比) and compute section 05."""
    articles, stats, known, notes = _month_stats(params.resolved_data_dir(), params.month,
                                                 params.wci_weights)
    prev, note, before = _previous(params)
    now = _basis(articles)
    comparable = not (before and now and before != now)
    if not comparable:
        notes = [*notes, f"上月本账号的阅读与转发按{before}计（旧版图文分析接口），本月按{now}计（2025 "
                         "发表内容接口）：本账号 WCI 口径不同，不比较环比；竞品的环比不受影响"]
    return CompetitorSection(params, articles, stats, known, prev, note, notes,
                             own_comparable=comparable)
