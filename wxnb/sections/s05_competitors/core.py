"""Section 05 竞品运营策略对标研究: our account against its competitors, WCI ranking included.

Inputs (in the month folder; read only, never modified)
-------------------------------------------------------
``competitor_articles.csv`` (required, one header row; UTF-8 with or without BOM, UTF-16 with a
BOM or GB18030/GBK as Excel on Chinese Windows saves it, see ``wxnb.io.csvin``): one row per
competitor article of the month, collected by hand or exported from a ranking tool.

=============  =============================================================================
column         meaning and rule
=============  =============================================================================
account        competitor name (non-empty; ``本账号`` is reserved for our own account)
publish_date   发布日期 ``YYYY-MM-DD``, inside the report month
title          article title (non-empty)
is_headline    头条: ``1``/``0`` or ``是``/``否``
reads          阅读数: a non-negative integer (thousands separators allowed) or ``10万+``;
               ``10万+`` and any value above 100,000 are stored as 100,001 (GSDATA's rule)
               and flagged
zaikan         在看数, non-negative integer
likes          点赞数, non-negative integer
shares         转发数, non-negative integer, or empty = unknown (counted as 0 and said so)
=============  =============================================================================

Rows are unique by (account, publish_date, title). Every problem (missing column, non-numeric
or negative count, a count above 10^12, date outside the month, unknown ``is_headline`` value,
duplicate row) is raised together in one ``DataValidationError`` naming file, field, CSV line,
expected and found.

``competitor_scores.csv`` (optional): ``account`` (a competitor, or ``本账号`` for us),
``activity_innovation`` (活动创新度, 0–5), ``service_response_min`` (客服响应时效 in minutes,
≥ 0). An empty cell means 未评分. Out-of-range or non-numeric scores and duplicate accounts are
errors.

Our own account is measured from our own datacube data: each article of ``getarticletotal`` at
its last ``stat_date`` (reads = ``int_page_read_count``, shares = ``share_count``, headline =
msgid index 1), 在看 and likes from ``getarticletotaldetail`` (``zaikan_user``, ``like_user`` at
the last ``stat_date``). Without that endpoint our 在看/likes are unknown: our WCI counts them as
0 and the report says it is understated.

WCI follows GSDATA's V14.2 formula (shared reference §1.2) with d = 30 for a month and one of
two weightings (parameter ``wci_weights``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from wxnb.io import csvin
from wxnb.kit import fmt
from wxnb.exceptions import DataValidationError, Problem
from wxnb.kit.findings import Finding
from wxnb.io.datacube import load_month, month_days
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s05_competitors import SPEC

__all__ = [
    "ARTICLES_FILE",
    "DIMENSIONS",
    "INPUTS",
    "OWN",
    "READ_CAP",
    "SCORES_FILE",
    "SECTION",
    "WCI_DAYS",
    "WEIGHTS",
    "CompetitorInputs",
    "CompetitorSection",
    "Dimension",
    "WciScore",
    "WciTotals",
    "account_stats",
    "comparison_html",
    "data_notes",
    "findings",
    "leaders",
    "load",
    "narrative",
    "own_articles",
    "prepare",
    "radar_chart",
    "ranking_html",
    "wci_score",
    "wci_totals",
]

SECTION = (SPEC.key, SPEC.title)
ARTICLES_FILE = "competitor_articles.csv"
SCORES_FILE = "competitor_scores.csv"
INPUTS: tuple[str, ...] = SPEC.inputs
OWN = "本账号"
READ_CAP = 100_001  # GSDATA stores a public "10万+" as 100001
WCI_DAYS = 30  # GSDATA fixes a month at 30 days, not calendar days
WEIGHTS: dict[str, tuple[float, float, float, float]] = {
    "gsdata-v14.2": (0.70, 0.09, 0.06, 0.15),
    "v14.2-2021-no-shares": (0.85, 0.09, 0.06, 0.0),
}
WEIGHT_LABELS = {
    "gsdata-v14.2": "清博 V14.2 官网权重（阅读 0.70、在看 0.09、点赞 0.06、转发 0.15）",
    "v14.2-2021-no-shares": "V14.2 2021 版权重（阅读 0.85、在看 0.09、点赞 0.06，无转发项）",
}
_ART_COLUMNS = ("account", "publish_date", "title", "is_headline", "reads", "zaikan", "likes",
                "shares")
_SCORE_COLUMNS = ("account", "activity_innovation", "service_response_min")


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


# --------------------------------------------------------------------------- reading inputs


@dataclass
class CompetitorInputs:
    """The validated competitor files: one row per article, scores per account (or None)."""

    articles: pd.DataFrame
    scores: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)


_CAP_TEXTS = {"10万+", "10w+", "100000+", "10W+"}


def _count(raw: str) -> int | None:
    """A non-negative integer up to ``csvin.COUNT_MAX`` (thousands separators allowed)."""
    return csvin.count(raw)


def _found(raw: str) -> str:
    if raw == "":
        return "空"
    shown = csvin.brief(raw, 40)
    if re.fullmatch(r"-\d+(\.\d+)?", raw):
        return f"{shown}（负数）"
    if re.fullmatch(r"\d+\.\d+", raw):
        return f"{shown}（小数）"
    if re.fullmatch(r"\d+|\d{1,3}(,\d{3})+", raw):
        return f"{shown}（超过上限 {csvin.COUNT_MAX:,}）"
    return f"{shown}（文本）"


def _in_month(month: str) -> Callable[[str], Any]:
    def check(raw: str) -> Any:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw) or raw[:7] != month:
            return None
        try:
            return pd.Timestamp(date.fromisoformat(raw))
        except ValueError:
            return None
    return check


def _reads(raw: str) -> Any:
    if raw in _CAP_TEXTS:
        return READ_CAP + 1  # marks "capped" (above the cap); _finish_articles caps it
    return _count(raw)


_NONE = object()  # a parser's "invalid" (None is a valid value: an unknown share count)


def _article_parsers(month: str) -> dict[str, tuple[Callable[[str], Any], str]]:
    return {
        "account": (lambda s: s if s and s != OWN else _NONE, f"竞品名称（非空，{OWN} 为保留名称）"),
        "publish_date": (lambda s: _in_month(month)(s) or _NONE, f"{month} 月内的日期 YYYY-MM-DD"),
        "title": (lambda s: s or _NONE, "非空标题"),
        "is_headline": (lambda s: {"1": True, "是": True, "0": False, "否": False}.get(s, _NONE),
                        "1/0 或 是/否"),
        "reads": (lambda s: _or_none(_reads(s)), "非负整数或 10万+"),
        "zaikan": (lambda s: _or_none(_count(s)), "非负整数"),
        "likes": (lambda s: _or_none(_count(s)), "非负整数"),
        "shares": (lambda s: None if s == "" else _or_none(_count(s)), "非负整数，或留空表示未知"),
    }


def _or_none(v: Any) -> Any:
    return _NONE if v is None else v


def _parse_rows(df: pd.DataFrame, name: str,
                parsers: dict[str, tuple[Callable[[str], Any], str]]
                ) -> tuple[pd.DataFrame, list[Problem]]:
    rows, problems = [], []
    for i, rec in enumerate(df.to_dict("records")):
        line = f"第 {i + 2} 行"
        row: dict[str, Any] = {"_line": line}
        for col, (parse, expected) in parsers.items():
            value = parse(rec[col])
            if value is _NONE:
                problems.append(Problem(name, col, line, expected, _found(rec[col])))
            row[col] = value
        rows.append(row)
    return pd.DataFrame(rows), problems


def _duplicates(df: pd.DataFrame, name: str, keys: list[str]) -> list[Problem]:
    out = []
    first_line: dict[tuple[Any, ...], str] = {}
    for rec in df.to_dict("records"):
        key = tuple(rec[k] for k in keys)
        if key in first_line:
            out.append(Problem(name, ",".join(keys), rec["_line"], f"({', '.join(keys)}) 只出现一次",
                               f"与{first_line[key]}重复"))
        else:
            first_line[key] = rec["_line"]
    return out


def _load_articles(path: Path, month: str, notes: list[str] | None = None
                   ) -> tuple[pd.DataFrame | None, list[Problem]]:
    raw, problems = csvin.read_csv(path, _ART_COLUMNS, notes=notes)
    if raw is None:
        return None, problems
    df, problems = _parse_rows(raw, path.name, _article_parsers(month))
    if problems:
        return None, problems
    problems = _duplicates(df, path.name, ["account", "publish_date", "title"])
    return (None, problems) if problems else (_finish_articles(df), [])


def _finish_articles(df: pd.DataFrame) -> pd.DataFrame:
    out = df.drop(columns="_line").copy()
    out["capped"] = out["reads"] > READ_CAP - 1
    out["reads"] = out["reads"].clip(upper=READ_CAP).astype("int64")
    out["shares_known"] = out["shares"].notna()
    out["shares"] = out["shares"].fillna(0).astype("int64")
    for c in ("zaikan", "likes"):
        out[c] = out[c].astype("int64")
    out["is_headline"] = out["is_headline"].astype(bool)
    return out


def _score(lo: float, hi: float | None) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        if raw == "":
            return math.nan
        try:
            v = float(raw)
        except ValueError:
            return _NONE
        return v if math.isfinite(v) and v >= lo and (hi is None or v <= hi) else _NONE
    return parse


def _load_scores(path: Path, notes: list[str] | None = None
                 ) -> tuple[pd.DataFrame | None, list[Problem]]:
    raw, problems = csvin.read_csv(path, _SCORE_COLUMNS, notes=notes)
    if raw is None:
        return None, problems
    df, problems = _parse_rows(raw, path.name, {
        "account": (lambda s: s or _NONE, "账号名称（非空）"),
        "activity_innovation": (_score(0, 5), "0–5 的评分，或留空表示未评分"),
        "service_response_min": (_score(0, None), "≥ 0 的分钟数，或留空表示未评分"),
    })
    problems += [] if problems else _duplicates(df, path.name, ["account"])
    return (None, problems) if problems else (df.drop(columns="_line").set_index("account"), [])


def load(folder: Path, month: str) -> CompetitorInputs:
    """Read and validate ``competitor_articles.csv`` (and ``competitor_scores.csv`` if present).

    Raises
    ------
    DataValidationError
        Listing every problem of both files (file, field, CSV line, expected, found).
    """
    folder = Path(folder)
    path = folder / ARTICLES_FILE
    if not path.is_file():
        raise DataValidationError([Problem(str(folder), None, None, f"竞品文章数据 {ARTICLES_FILE}",
                                           "没有找到")])
    notes: list[str] = []  # files read in an encoding other than UTF-8 first
    articles, problems = _load_articles(path, month, notes)
    scores = None
    if (folder / SCORES_FILE).is_file():
        scores, found = _load_scores(folder / SCORES_FILE, notes)
        problems += found
    if problems:
        raise DataValidationError(problems)
    assert articles is not None
    if scores is not None:
        known = set(articles["account"]) | {OWN}
        extra = [a for a in scores.index if a not in known]
        if extra:
            notes.append(f"{SCORES_FILE} 中的 {'、'.join(extra)} 没有文章数据，其评分未使用")
    return CompetitorInputs(articles, scores, notes)


def own_articles(folder: Path, month: str) -> tuple[pd.DataFrame, bool]:
    """Our own articles from the datacube files, in the competitor frame's columns.

    Returns the frame and whether 在看/likes are known (``getarticletotaldetail`` present).
    """
    data = load_month(folder, month, endpoints=("getarticletotal", "getarticletotaldetail"))
    empty = pd.DataFrame(columns=["ref_date", "msgid", "title", "stat_date",
                                  "int_page_read_count", "share_count"], dtype=object)
    a = data.frames.get("getarticletotal", empty).sort_values(["msgid", "stat_date"])
    last = a.groupby("msgid", sort=False).tail(1)
    out = pd.DataFrame({
        "account": OWN, "publish_date": last["ref_date"], "title": last["title"],
        "msgid": last["msgid"],
        "is_headline": last["msgid"].str.rsplit("_", n=1).str[-1] == "1",
        "reads": last["int_page_read_count"], "shares": last["share_count"],
    })
    known = data.has("getarticletotaldetail")
    eng = pd.DataFrame(columns=["zaikan", "likes"])
    if known:
        d = data.frames["getarticletotaldetail"].sort_values(["msgid", "stat_date"])
        eng = d.groupby("msgid").tail(1).set_index("msgid")[["zaikan_user", "like_user"]]
        eng.columns = ["zaikan", "likes"]
    out = out.join(eng, on="msgid")
    out[["zaikan", "likes"]] = out[["zaikan", "likes"]].fillna(0).astype("int64")
    out["capped"] = out["reads"] > READ_CAP
    out["reads"] = out["reads"].clip(upper=READ_CAP).astype("int64")
    out["shares_known"] = True
    return out.drop(columns="msgid").reset_index(drop=True), known


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
    "frequency": lambda v: f"{v:.1f} 次/周",
    "avg_reads": fmt.fmt_int,
    "headline_avg_reads": fmt.fmt_int,
    "zaikan_rate": lambda v: fmt.fmt_pct(v, 2),
    "share_rate": lambda v: fmt.fmt_pct(v, 2),
    "activity": lambda v: f"{v:.1f}/5",
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
    sc = scores if scores is not None else pd.DataFrame(columns=list(_SCORE_COLUMNS[1:]))
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


def _previous(params: ReportParams) -> tuple[pd.DataFrame | None, str]:
    folder, month = params.resolved_prev_data_dir(), prev_month(params.month)
    if not (folder / ARTICLES_FILE).is_file():
        return None, f"无上月数据（{folder.name} 中没有 {ARTICLES_FILE}），WCI 环比不可用"
    try:
        return _month_stats(folder, month, params.wci_weights)[1], ""
    except DataValidationError as exc:
        return None, (f"上月竞品数据校验未通过（{len(exc.problems)} 个问题，如 "
                      f"{exc.problems[0]}），WCI 环比不可用")


def prepare(params: ReportParams) -> CompetitorSection:
    """Load this month (and the previous one for WCI 环比) and compute section 05."""
    articles, stats, known, notes = _month_stats(params.resolved_data_dir(), params.month,
                                                 params.wci_weights)
    prev, note = _previous(params)
    return CompetitorSection(params, articles, stats, known, prev, note, notes)


# --------------------------------------------------------------------------- tables


def _cell(sec: CompetitorSection, account: str, key: str) -> str:
    r = sec.stats.loc[account]
    if key == "wci":
        text = f"{r['wci']:.2f}"
        if account == OWN and not r["n"]:
            return text + "（本月未发文）"
        return text + ("（偏低：在看/点赞未计）" if account == OWN and not sec.own_engagement_known
                       else "")
    if account == OWN and not r["n"] and key in ("avg_reads", "headline_avg_reads",
                                                 "zaikan_rate", "share_rate"):
        return "本月未发文"
    if key == "headline_avg_reads" and not r["headlines"]:
        return "无头条"
    text = _DIM[key].show(r[key]) if key in _DIM else _FORMATS[key](r[key])
    if key == "zaikan_rate" and account == OWN and not sec.own_engagement_known:
        return "未提供（缺 getarticletotaldetail）"
    if key == "share_rate" and 0 < r["shares_unknown"] < r["n"]:
        text += f"（{int(r['shares_unknown'])} 篇未知，按 0 计）"
    return text


_TABLE_ROWS = (("frequency", "内容更新频率"), ("avg_reads", "篇均阅读"),
               ("headline_avg_reads", "头条篇均阅读"), ("zaikan_rate", "在看率"),
               ("share_rate", "分享率"), ("activity", "活动创新度"),
               ("response_min", "客服响应时效"), ("wci", "WCI 传播指数"))


def comparison_html(sec: CompetitorSection) -> fmt.HtmlBlock:
    """The seed's table: 评估项 as rows, 本账号 and each competitor as columns."""
    accounts = list(sec.stats.index)
    rows = [[label, *(_cell(sec, a, key) for a in accounts)] for key, label in _TABLE_ROWS]
    days = len(month_days(sec.params.month))
    return fmt.table(rows, ["评估项", *accounts], numeric=range(1, len(accounts) + 1),
                     caption=f"更新频率 = 发文篇数 ÷（{days} 天 ÷ 7）；在看率 = 在看 ÷ 阅读；"
                             f"分享率 = 转发 ÷ 阅读；10万+ 按 {READ_CAP:,} 计")


def _mom_cells(sec: CompetitorSection, account: str) -> list[str]:
    if sec.prev_stats is None or account not in sec.prev_stats.index:
        return ["无上月数据", "无上月数据"]
    before, now = float(sec.prev_stats.at[account, "wci"]), float(sec.stats.at[account, "wci"])
    return [f"{before:.2f}", fmt.fmt_signed_pct(now / before - 1) if before else "—"]


def ranking_html(sec: CompetitorSection) -> fmt.HtmlBlock:
    """WCI ranking: rank, account, WCI, O/A/H/P, n, 10万+ count, previous WCI and 环比."""
    rows = []
    for name, r in sec.stats.sort_values(["rank", "wci"], ascending=[True, False]).iterrows():
        rows.append([f"{int(r['rank'])}", name, f"{r['wci']:.2f}", f"{r['O']:.4f}",
                     f"{r['A']:.4f}", f"{r['H']:.4f}", f"{r['P']:.4f}", f"{int(r['n'])}",
                     f"{int(r['capped'])} 篇" if r["capped"] else "—",
                     *_mom_cells(sec, str(name))])
    caps = int(sec.stats["capped"].sum())
    cap_note = (f"；{caps} 篇阅读为 10万+，按 {READ_CAP:,} 计，相关账号的 WCI 可能偏低"
                if caps else "；本月没有 10万+ 文章")
    return fmt.table(
        rows, ["排名", "账号", "WCI", "O 整体", "A 篇均", "H 头条", "P 峰值", "发文数 n",
               "10万+", "上月 WCI", "环比"],
        numeric=(0, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        caption=f"WCI（清博 V14.2 公式）= (0.6·O + 0.2·A + 0.1·H + 0.1·P)² × 12；权重："
                f"{sec.weights_label}；d = {WCI_DAYS}{cap_note}",
    )


# --------------------------------------------------------------------------- chart


def _radar_dims(stats: pd.DataFrame) -> list[Dimension]:
    return [d for d in DIMENSIONS if d.key not in ("activity", "response_min")
            or stats[d.key].notna().any()]


def _normalised(stats: pd.DataFrame, dim: Dimension) -> pd.Series:
    v = stats[dim.key].astype(float)
    if not dim.higher_better:  # response speed = 1 / minutes (within a minute counts as 1)
        v = 1 / v.clip(lower=1)
    top = v.max()
    return (v / top).fillna(0) if top and not pd.isna(top) else v.fillna(0) * 0


def radar_chart(sec: CompetitorSection) -> Figure:
    """Radar over the dimensions, each scaled by its maximum across the accounts."""
    from wxnb.kit import charts

    dims = _radar_dims(sec.stats)
    angles = np.linspace(0, 2 * np.pi, len(dims), endpoint=False)
    fig = Figure(figsize=(7.0, 5.6), layout="constrained")
    ax = fig.add_subplot(projection="polar")
    colours = [charts.PALETTE[k] for k in ("new", "net", "cancel", "anomaly", "muted")]
    norm = pd.DataFrame({d.key: _normalised(sec.stats, d) for d in dims})
    for i, (name, row) in enumerate(norm.iterrows()):
        values = np.append(row.to_numpy(float), row.iloc[0])
        x = np.append(angles, angles[0])
        colour = colours[i % len(colours)]
        ax.plot(x, values, color=colour, lw=2.4 if name == OWN else 1.5,
                label=charts.safe_label(str(name)) or f"竞品{i}")
        ax.fill(x, values, color=colour, alpha=0.12 if name == OWN else 0.05)
    labels = ["响应速度" if d.key == "response_min" else d.label.replace("内容", "")
              for d in dims]
    ax.set_xticks(angles, labels)
    ax.set_ylim(0, 1.05)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0], ["", "0.5", "", "1.0"])
    ax.set_title("竞品多维对比（各维度按账号最大值归一）", pad=18)
    ax.legend(loc="upper left", bbox_to_anchor=(1.05, 1.0), fontsize=9)
    return fig


# --------------------------------------------------------------------------- narrative


def _gap(own: float, best: float) -> float:
    return (best - own) / best if best else 0.0


def _wci_sentence(sec: CompetitorSection) -> str:
    s = sec.stats.sort_values("wci", ascending=False)
    own, rank, total = float(s.at[OWN, "wci"]), int(s.at[OWN, "rank"]), len(s)
    order = "、".join(f"{a} {v:.2f}" for a, v in s["wci"].items())
    head = (f"本月 WCI 传播指数（清博 V14.2 公式，{_short_weights(sec)}，d = {WCI_DAYS}）"
            f"依次为：{order}。")
    if rank == 1:
        second = s[s.index != OWN].iloc[0]
        return head + (f"本账号排名第 1/{total}，领先第二名{second.name} "
                       f"{own - second['wci']:.2f} 分。")
    top = s.iloc[0]
    return head + (f"本账号排名第 {rank}/{total}，落后第一名{top.name} {top['wci'] - own:.2f} 分"
                   f"（{_gap(own, float(top['wci'])):.1%}）。")


def _short_weights(sec: CompetitorSection) -> str:
    return "官网权重" if sec.params.wci_weights == "gsdata-v14.2" else "2021 无转发版权重"


def _lead_sentence(sec: CompetitorSection) -> str:
    lead = [d for d in DIMENSIONS if OWN in leaders(sec.stats, d)]
    if not lead:
        return "本账号在各对比维度上均未领先。"
    parts = "、".join(f"{d.label}（{d.show(sec.stats.at[OWN, d.key])}）" for d in lead)
    return f"本账号领先的维度：{parts}。"


def _compare(dim: Dimension, own: float, other: float) -> str:
    if not dim.higher_better:
        return f"快 {own - other:g} 分钟"
    if not own:
        return "本账号为 0"
    return f"为本账号的 {other / own:.1f} 倍" if other >= 2 * own else f"高 {other / own - 1:.0%}"


def _best_competitor_sentence(sec: CompetitorSection) -> str:
    comps = sec.stats.drop(index=OWN).sort_values("wci", ascending=False)
    best, own = comps.iloc[0], sec.stats.loc[OWN]
    better = []
    for d in DIMENSIONS:
        b, o = best[d.key], own[d.key]
        if pd.isna(b) or pd.isna(o) or b == o or (b > o) != d.higher_better:
            continue
        better.append(f"{d.label} {d.show(b)} 对 {d.show(o)}（{_compare(d, o, b)}）")
    if not better:
        return f"WCI 最高的竞品（{best.name}）在各维度上没有超过本账号。"
    return f"WCI 最高的竞品（{best.name}）领先本账号的维度：{'；'.join(better)}。"


def _weakness(sec: CompetitorSection, name: str) -> str:
    """The competitor's largest relative shortfall against us on a higher-is-better dimension."""
    own, r = sec.stats.loc[OWN], sec.stats.loc[name]
    worst, ratio = None, 1.0
    for d in DIMENSIONS:
        ok = d.higher_better and pd.notna(r[d.key]) and pd.notna(own[d.key]) and own[d.key] > 0
        if ok and r[d.key] / own[d.key] < ratio:
            worst, ratio = d, r[d.key] / own[d.key]
    return f"，但其{worst.label}仅为本账号的 {ratio:.0%}" if worst and ratio < 0.8 else ""


def _borrow_sentences(sec: CompetitorSection) -> list[str]:
    out = []
    for name in sec.stats.index.drop(OWN):
        dims = [d for d in DIMENSIONS if leaders(sec.stats, d) == [name]]
        if not dims:
            continue
        r = sec.stats.loc[name]
        strong = "、".join(f"{d.strength}（{d.label} {d.show(r[d.key])}）" for d in dims)
        learn = "、".join(d.borrow for d in dims)
        out.append(f"{name}凭借{strong}{_weakness(sec, str(name))}；本账号需借鉴{name}的{learn}。")
    return out


def narrative(sec: CompetitorSection) -> list[str]:
    """Seed-style paragraphs: WCI rank and gap, our leads, the best competitor, what to borrow."""
    out = [_wci_sentence(sec), _lead_sentence(sec) + _best_competitor_sentence(sec)]
    if not sec.stats.at[OWN, "n"]:
        out.insert(1, "本账号本月没有发文，WCI 按公式为 0；以下对比只说明竞品本月的表现，"
                      "本账号的阅读、在看与分享无从比较。")
    out.extend(_borrow_sentences(sec))
    if not sec.own_engagement_known:
        out.append("本月缺少发表内容数据（getarticletotaldetail），本账号在看与点赞按 0 计，"
                   "本账号 WCI 偏低，在看率不参与比较。")
    caps = sec.stats[sec.stats["capped"] > 0]
    if len(caps):
        items = "、".join(f"{a} {int(c)} 篇" for a, c in caps["capped"].items())
        out.append(f"阅读数为 10万+ 的文章按 {READ_CAP:,} 计（{items}），其真实传播力可能更高。")
    if int(sec.stats.at[OWN, "rank"]) > 1:
        out.append("建议建立竞品动态监测看板，按月跟踪上述维度，实现策略快速迭代。")
    return out


def data_notes(sec: CompetitorSection) -> list[str]:
    """Caveats: weighting and d, the 10万+ cap, unknown shares and scores, the previous month."""
    s = sec.stats
    notes = [(f"WCI 权重：{sec.weights_label}；d = {WCI_DAYS}（清博月榜固定按 30 天计，"
              "非自然日）。WCI 只衡量传播力，不代表内容质量或转化。"),
             ("本账号数据来自公众号数据接口（每篇文章取最后一个 stat_date 的累计值：阅读次数 "
              "int_page_read_count、分享次数 share_count）；竞品数据为人工采集或榜单导出。")]
    if not sec.own_engagement_known:
        notes.append("未提供 getarticletotaldetail：本账号在看、点赞未知，按 0 计入 WCI（偏低）。")
    for name, r in s[s["shares_unknown"] > 0].iterrows():
        notes.append(f"{name} 有 {int(r['shares_unknown'])}/{int(r['n'])} 篇文章转发数未知，按 0 计"
                     + ("，分享率不参与比较" if r["shares_unknown"] == r["n"] else ""))
    unscored = [a for a in s.index
                if pd.isna(s.at[a, "activity"]) or pd.isna(s.at[a, "response_min"])]
    if unscored:
        notes.append(f"活动创新度或客服响应时效未评分：{'、'.join(unscored)}（{SCORES_FILE}）")
    if s["capped"].sum():
        notes.append(f"10万+ 阅读按 {READ_CAP:,} 计（清博规则），共 {int(s['capped'].sum())} 篇。")
    return notes + sec.notes + ([sec.prev_note] if sec.prev_note else [])


# --------------------------------------------------------------------------- findings


def _finding(metric: str, name: str, status: str, evidence: str, **kw: Any) -> Finding:
    return Finding(section=SECTION[0], section_title=SECTION[1], metric=metric, name=name,
                   status=status, evidence=evidence, **kw)


def _wci_finding(sec: CompetitorSection) -> Finding:
    s = sec.stats.sort_values("wci", ascending=False)
    own, rank = float(s.at[OWN, "wci"]), int(s.at[OWN, "rank"])
    top_name, top = str(s.index[0]), float(s["wci"].iloc[0])
    gap = 0.0 if rank == 1 else _gap(own, top)
    status = "达标" if rank == 1 else "预警" if gap < 0.10 else "未达标"
    prev = sec.prev_stats
    mom = None
    if prev is not None and OWN in prev.index and prev.at[OWN, "wci"]:
        mom = own / float(prev.at[OWN, "wci"]) - 1
    evidence = (f"本账号 WCI {own:.2f}，排名第 {rank}/{len(s)}" +
                ("" if rank == 1 else f"，落后{top_name}（{top:.2f}）{gap:.1%}"))
    return _finding("wci_rank", "WCI 竞品排名", status, evidence, value=own,
                    value_text=f"{own:.2f}（第 {rank}/{len(s)} 名）", target=top,
                    target_text=f"第一名 {top_name} {top:.2f}", gap=gap, mom=mom,
                    mom_text=fmt.fmt_signed_pct(mom) if mom is not None else "无上月数据",
                    extra={"rank": rank, "accounts": len(s), "weights": sec.params.wci_weights,
                           "days": WCI_DAYS})


def _last_finding(sec: CompetitorSection, dim: Dimension) -> Finding:
    col = sec.stats[dim.key].dropna()
    best_name = str(col.idxmax() if dim.higher_better else col.idxmin())
    own, best = float(col[OWN]), float(col[best_name])
    gap = _gap(own, best) if dim.higher_better else (own - best) / own if own else 0.0
    return _finding(
        f"competitor_last:{dim.key}", f"{dim.label}（竞品对标）", "预警",
        f"本账号{dim.label} {dim.show(own)}，在 {len(col)} 个账号中排名末位，"
        f"最佳为{best_name} {dim.show(best)}", value=own, value_text=dim.show(own),
        target=best, target_text=f"{best_name} {dim.show(best)}", gap=gap,
        extra={"best_account": best_name})


def findings(sec: CompetitorSection) -> list[Finding]:
    """The WCI rank (达标 if first, 预警 if < 10% behind the leader, else 未达标) and one
    预警 per dimension where 本账号 is last."""
    return [_wci_finding(sec)] + [_last_finding(sec, d) for d in DIMENSIONS
                                  if OWN in _last(sec.stats, d)]
