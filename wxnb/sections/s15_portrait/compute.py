"""Section 15 用户画像, the numbers: each dimension's distribution, its month-on-month shift and
whether that shift is beyond noise, and the content types' audience coverage against their
performance.

Inputs (read and validated by ``wxnb.io.portrait``): the backend's 用户属性 download or the mini
program portrait API answer, this month's and the previous month's; the optional
``content_audience.csv``; for the content match also ``content_plan.csv`` and the month's
article data, through ``wxnb.kit.content`` (``article_table``, ``match_plan``,
``type_matrix``, the functions section 03 is built on), so 阅读中位数 and 分享率 per 内容形式 are exactly section 03's.

Definitions
-----------
* 占比 of a category = its users ÷ the dimension's users (未知 included, so the shares add up to
  100 %); the base is each dimension's own sum (the download gives no other), or Σ人数 ÷ Σ占比
  for a top-N list (``wxnb.io.portrait``).
* 环比变化 = 本月占比 − 上月占比, in percentage points. Categories are matched across months by
  name (广东省 = 广东); a category present in one month only counts 0 users in the other.
* Structure shift of a dimension (``Shift``): a chi-square test of homogeneity on the 2 × k table
  of users (categories whose expected count is under 5 merged into one), p-values Holm-adjusted
  over the dimensions compared; effect size = total variation distance TV = ½ Σ|Δ占比| (the share
  of users that would have to change category to turn one month into the other), in points.
  A dimension *moved* when its adjusted p < ``ALPHA`` **and** TV ≥ ``portrait_shift_pp``: a
  follower base of 100,000 makes any 0.3-point wobble significant, and a small account's 2-point
  change may be noise; both guards are needed. In a moved dimension a category is *named* when its
  two-proportion z test (category vs the rest), Holm-adjusted within the dimension, has p <
  ``ALPHA`` and |Δ| ≥ ``portrait_category_pp``.
* The API and the download describe different people (mini program visitors, 公众号 followers):
  months of different sources are not compared. A dimension whose categories overlap less than
  80 % between the months (another bucket scheme) is not compared either.
* Coverage of a 内容形式 = the share of followers in its intended audience: per dimension the
  share (over users whose category is known) of the categories it names; an age range splits a
  bucket in proportion to the years it covers (ages taken as evenly spread within a bucket; an
  open bucket such as 50岁以上 as reaching ``AGE_CAP``); several dimensions multiply (assumed
  independent: the download has no cross-tabulation).
* Match: the 内容形式 with the highest coverage among those published this month, and its rank by
  阅读中位数 among them (section 03's definition); Spearman's rank correlation of coverage with
  阅读中位数 over the published types (a handful of points: descriptive only).

``prepare`` loads and computes everything once; ``show`` and ``words`` show it.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wxnb.exceptions import DataValidationError
from wxnb.io.portrait import (
    AGE_CAP,
    API_GLOB,
    AUDIENCE_FILE,
    DIMENSIONS,
    EXPORT_GLOB,
    LISTED_REST,
    Distribution,
    Portrait,
    PortraitInputs,
    age_interval,
    load,
    norm_category,
)
from wxnb.kit import stats
from wxnb.kit.stats import two_proportion
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s15_portrait import SPEC

__all__ = [
    "ALPHA",
    "AGE_CAP",
    "INPUTS",
    "KEY_DIMS",
    "SECTION",
    "ContentMatch",
    "DimView",
    "PortraitSection",
    "Shift",
    "compare",
    "content_match",
    "coverage",
    "dim_views",
    "is_unknown",
    "main_group",
    "prepare",
    "top_n",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs
SOURCES_TEXT = (f"{EXPORT_GLOB}（公众号后台 用户分析 → 用户属性 的下载）或 {API_GLOB}.json"
                "（小程序用户画像接口）")
ALPHA = 0.05
MIN_EXPECTED = 5  # chi-square: categories expected under this many users are merged
MIN_OVERLAP = 0.8  # categories of both months must cover this much of the users to compare
KEY_DIMS = ("province", "gender", "age", "platform")  # the key table's rows
KEY_LABELS = {"province": "地域", "gender": "性别", "age": "年龄段", "platform": "终端"}
OTHER_CITIES = "其他城市"


def is_unknown(category: str) -> bool:
    """未知 and its variants (users whose category WeChat does not know)."""
    t = "".join(unicodedata.normalize("NFKC", str(category)).split())
    return t.startswith(("未知", "不详")) or t in ("unknown", "Unknown")


def _is_other(category: str) -> bool:
    t = "".join(unicodedata.normalize("NFKC", str(category)).split())
    return is_unknown(t) or t.startswith(("其他", "其它")) or t == LISTED_REST


# --------------------------------------------------------------------------- distributions


def top_n(counts: dict[str, int], keep: list[str], rest: str) -> dict[str, int]:
    """``counts`` with every category not in ``keep`` summed into ``rest`` (omitted when 0)."""
    out = {c: counts[c] for c in keep if c in counts}
    extra = sum(v for c, v in counts.items() if c not in out)
    if extra or any(c not in out for c in counts):
        out[rest] = out.get(rest, 0) + extra
    return out


def _by_key(dim: str, counts: dict[str, int]) -> dict[str, tuple[str, int]]:
    return {norm_category(dim, c): (c, n) for c, n in counts.items()}


def main_group(counts: dict[str, int]) -> tuple[str, float] | None:
    """The largest category that is not 未知 / 其他, and its share of the dimension."""
    total = sum(counts.values())
    known = {c: n for c, n in counts.items() if not _is_other(c)}
    if not total or not known:
        return None
    c = max(known, key=lambda k: (known[k], k))
    return c, known[c] / total


# --------------------------------------------------------------------------- the shift


@dataclass
class Shift:
    """One dimension compared with the previous month."""

    dimension: str
    # category, now, share_now, before, share_before, delta_pp, p, p_holm, named
    table: pd.DataFrame
    n_now: int
    n_before: int
    tv_pp: float
    chi2: float
    dof: int
    p: float
    merged: int  # categories merged into one for the chi-square
    p_holm: float = math.nan  # over the dimensions compared (set by ``dim_views``)
    moved: bool = False

    @property
    def movers(self) -> pd.DataFrame:
        """The named categories, largest change first."""
        t = self.table[self.table["named"]]
        return t.reindex(t["delta_pp"].abs().sort_values(ascending=False).index)

    @property
    def largest(self) -> pd.Series:
        """The category with the largest absolute change (named or not)."""
        return self.table.loc[self.table["delta_pp"].abs().idxmax()]


def _chi_square(now: np.ndarray, before: np.ndarray) -> tuple[float, int, float, int]:
    """Chi-square of homogeneity on the 2 × k table; categories expected under MIN_EXPECTED
    merged into one. Returns (chi2, dof, p, categories merged)."""
    from scipy.stats import chi2_contingency

    keep = (now + before) > 0
    now, before = now[keep], before[keep]
    table = np.vstack([now, before]).astype(float)
    expected = table.sum(axis=0) * table.sum(axis=1, keepdims=True) / table.sum()
    small = expected.min(axis=0) < MIN_EXPECTED
    merged = int(small.sum())
    if merged > 1:
        table = np.hstack([table[:, ~small], table[:, small].sum(axis=1, keepdims=True)])
    if table.shape[1] < 2:
        return 0.0, 0, 1.0, merged
    chi2, p, dof, _ = chi2_contingency(table, correction=False)
    return float(chi2), int(dof), float(p), merged


def compare(dimension: str, now: dict[str, int], before: dict[str, int], *,
            category_pp: float) -> Shift | None:
    """The month-on-month shift of one dimension (None when the months' categories overlap
    less than :data:`MIN_OVERLAP`). ``named`` marks the categories whose change is significant
    after Holm (within the dimension) and at least ``category_pp`` points; it is final once
    :func:`dim_views` has decided whether the dimension moved."""
    a, b = _by_key(dimension, now), _by_key(dimension, before)
    n1, n0 = sum(now.values()), sum(before.values())
    if not n1 or not n0:
        return None
    shared = set(a) & set(b)
    if sum(a[k][1] for k in shared) < MIN_OVERLAP * n1 or \
            sum(b[k][1] for k in shared) < MIN_OVERLAP * n0:
        return None
    keys = list(a) + [k for k in b if k not in a]
    rows = []
    for k in keys:
        name = a[k][0] if k in a else b[k][0]
        k1, k0 = (a[k][1] if k in a else 0), (b[k][1] if k in b else 0)
        rows.append({"category": name, "now": k1, "share_now": k1 / n1, "before": k0,
                     "share_before": k0 / n0, "delta_pp": (k1 / n1 - k0 / n0) * 100,
                     "p": two_proportion(k1, n1, k0, n0)})
    t = pd.DataFrame(rows)
    t["p"] = t["p"].astype(float)
    t["p_holm"] = stats.holm(list(t["p"]))
    t["named"] = (t["p_holm"] < ALPHA) & (t["delta_pp"].abs() >= category_pp)
    chi2, dof, p, merged = _chi_square(t["now"].to_numpy(), t["before"].to_numpy())
    tv = float(t["delta_pp"].abs().sum() / 2)
    return Shift(dimension, t, n1, n0, tv, chi2, dof, p, merged)


# --------------------------------------------------------------------------- dimensions


@dataclass
class DimView:
    """One dimension this month (and last month when comparable)."""

    key: str
    label: str
    now: Distribution
    counts: dict[str, int]  # as shown and compared (cities: top N + 其他城市)
    before: dict[str, int] | None = None
    shift: Shift | None = None
    note: str = ""  # why there is no shift

    def frame(self) -> pd.DataFrame:
        """category, count, share, share_before, delta_pp, named, p_holm (NaN / False without
        last month); a category of last month only comes last with 0 users."""
        if self.shift is not None:
            t = self.shift.table
            return pd.DataFrame({"category": t["category"], "count": t["now"],
                                 "share": t["share_now"], "share_before": t["share_before"],
                                 "delta_pp": t["delta_pp"], "named": t["named"],
                                 "p_holm": t["p_holm"]})
        n = sum(self.counts.values())
        out = pd.DataFrame({"category": list(self.counts), "count": list(self.counts.values())})
        out["share"] = out["count"] / n if n else np.nan
        for c in ("share_before", "delta_pp", "p_holm"):
            out[c] = np.nan
        out["named"] = False
        return out

    @property
    def main(self) -> tuple[str, float] | None:
        return main_group(self.counts)


def _city_counts(now: dict[str, int], before: dict[str, int] | None, n: int
                 ) -> tuple[dict[str, int], dict[str, int] | None, list[str]]:
    """Both months cut to the union of each month's top ``n`` cities plus 其他城市, and the
    top cities merged into 其他城市 because one month's top-N list (with 其他（未列出）) does not
    list them: their users that month are unknown, not 0, so they are not compared."""
    def top(c: dict[str, int]) -> list[str]:
        named = [k for k in c if not _is_other(k)]
        return sorted(named, key=lambda k: (-c[k], k))[:n]

    keys_now = {norm_category("city", k) for k in top(now)}
    unknown: list[str] = []
    if before is not None:
        keys_now |= {norm_category("city", k) for k in top(before)}
        for c in (now, before):
            if LISTED_REST in c:  # a top-N list: a city it leaves out is not a city with 0
                keys_now &= {norm_category("city", k) for k in c}
        unknown = [k for k in [*top(now), *top(before)]
                   if norm_category("city", k) not in keys_now]

    def cut(c: dict[str, int]) -> dict[str, int]:
        keep = sorted((k for k in c if norm_category("city", k) in keys_now),
                      key=lambda k: (-c[k], k))
        return top_n(c, keep, OTHER_CITIES)

    return cut(now), (cut(before) if before is not None else None), list(dict.fromkeys(unknown))


def dim_views(now: Portrait, before: Portrait | None, params: ReportParams
              ) -> tuple[dict[str, DimView], str]:
    """Every dimension of this month with its shift against ``before`` (when comparable),
    the dimensions' p-values Holm-adjusted together; and why nothing was compared ("")."""
    why = ""
    if before is not None and before.kind != now.kind:
        why = (f"上月画像来自{before.label}、本月来自{now.label}，人群不同（公众号粉丝 / 小程序访问"
               "用户），不做环比")
        before = None
    elif before is not None and now.window and before.window:
        days = [(p.window[1] - p.window[0]).days + 1 for p in (now, before)]  # type: ignore[index]
        if days[0] != days[1]:
            why = f"本月与上月的接口统计区间长度不同（{days[0]} 天 / {days[1]} 天），不做环比"
            before = None
    views: dict[str, DimView] = {}
    for key, label in DIMENSIONS.items():
        dist = now.dims.get(key)
        if dist is None:
            continue
        prev = before.dims.get(key) if before is not None else None
        counts, prev_counts = dict(dist.counts), dict(prev.counts) if prev else None
        unlisted: list[str] = []
        if key == "city":
            counts, prev_counts, unlisted = _city_counts(counts, prev_counts,
                                                         params.portrait_top_cities)
        view = DimView(key, label, dist, counts, prev_counts)
        if unlisted:
            view.note = (f"{'、'.join(unlisted)}只在一个月的城市列表中（另一月的下载只列出前几名，"
                         f"未列出不等于 0 人），两个月都合入{OTHER_CITIES}比较")
        if prev_counts is not None:
            view.shift = compare(key, counts, prev_counts, category_pp=params.portrait_category_pp)
            if view.shift is None:
                view.note = f"{label}的类别与上月不一致（分组口径不同），不做环比"
        elif before is not None:
            view.note = f"上月没有{label}分布"
        views[key] = view
    shifts = [v.shift for v in views.values() if v.shift is not None]
    for s, p_adj in zip(shifts, stats.holm([s.p for s in shifts]), strict=True):
        s.p_holm = p_adj
        s.moved = p_adj < ALPHA and s.tv_pp >= params.portrait_shift_pp
        if not s.moved:
            s.table["named"] = False
    return views, why


# --------------------------------------------------------------------------- coverage


def _known_shares(dist: Distribution) -> dict[str, float]:
    known = {c: n for c, n in dist.counts.items() if not is_unknown(c)}
    total = sum(known.values())
    return {c: n / total for c, n in known.items()} if total else {}


def coverage(dist: Distribution, specs: list[str]) -> tuple[float | None, list[str]]:
    """The share of users (of known category) in the categories ``specs`` name, and the
    specs that match no category of the data. Ages: a range covers each bucket in proportion
    to the years they share."""
    shares = _known_shares(dist)
    if not shares:
        return None, list(specs)
    if dist.dimension != "age":
        keys = {norm_category(dist.dimension, s): s for s in specs}
        hit = {norm_category(dist.dimension, c) for c in shares} & set(keys)
        total = sum(v for c, v in shares.items() if norm_category(dist.dimension, c) in hit)
        return total, [s for k, s in keys.items() if k not in hit]
    names = list(dist.counts)
    buckets = {c: age_interval(c, names) for c in shares}
    years: set[int] = set()
    exact: set[str] = set()
    unmatched = []
    by_name = {norm_category("age", c): c for c in shares}
    for s in specs:
        if norm_category("age", s) in by_name:
            exact.add(by_name[norm_category("age", s)])
            continue
        span = age_interval(s)
        if span is None:
            unmatched.append(s)
            continue
        years |= set(range(span[0], span[1] + 1))
        if not any(b and b[0] <= span[1] and span[0] <= b[1] for b in buckets.values()):
            unmatched.append(s)
    total = 0.0
    for c, v in shares.items():
        b = buckets[c]
        if c in exact:
            total += v
        elif b is not None:
            own = set(range(b[0], b[1] + 1))
            total += v * len(own & years) / len(own)
    return total, unmatched


@dataclass
class ContentMatch:
    """Each 内容形式's audience coverage next to its performance (section 03's figures)."""

    table: pd.DataFrame  # content_type, audience, coverage, coverage_before, delta_pp,
    #                      articles, reads_median, share_rate, rank_reads, rank_share
    published: int  # 内容形式 with articles this month and a coverage
    best_fit: str | None
    best_reads: str | None
    fit_rank: int | None  # the best fit's rank by 阅读中位数 among the published types
    rho: float | None  # Spearman: coverage vs 阅读中位数 over the published types
    notes: list[str] = field(default_factory=list)

    @property
    def matched(self) -> bool | None:
        return None if self.fit_rank is None else self.fit_rank == 1


_AUDIENCE_DIM_LABEL = {"gender": "性别", "age": "年龄", "province": "地域", "city": "城市",
                       "platform": "终端"}


def _type_coverage(rows: pd.DataFrame, portrait: Portrait | None, notes: list[str]
                   ) -> float | None:
    if portrait is None:
        return None
    value = 1.0
    used = 0
    for r in rows.itertuples():
        dist = portrait.dims.get(str(r.dimension))
        if dist is None:
            notes.append(f"{r.content_type}：本月画像没有{DIMENSIONS[str(r.dimension)]}分布，"
                         "该维度未计入覆盖率")
            continue
        cov, unmatched = coverage(dist, list(r.specs))
        if unmatched:
            notes.append(f"{r.content_type}：目标人群 {'、'.join(unmatched)} 不在本月"
                         f"{DIMENSIONS[str(r.dimension)]}分布中，按 0 计")
        if cov is None:
            return None
        value *= cov
        used += 1
    return value if used else None


def _audience_text(rows: pd.DataFrame) -> str:
    return "；".join(f"{_AUDIENCE_DIM_LABEL[str(r.dimension)]} {'、'.join(r.specs)}"
                    for r in rows.itertuples())


def _spearman(x: pd.Series, y: pd.Series) -> float | None:
    if len(x) < 3 or x.nunique() < 2 or y.nunique() < 2:
        return None
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def content_match(audience: pd.DataFrame, now: Portrait | None, before: Portrait | None,
                  matrix: pd.DataFrame | None) -> ContentMatch:
    """Coverage per 内容形式 (this month and last) beside its 篇数, 阅读中位数 and 分享率
    (``matrix``: section 03's ``type_matrix``, without its 合计 and 未分类 rows)."""
    notes: list[str] = []
    rows = []
    for kind, g in audience.groupby("content_type", sort=False):
        cov = _type_coverage(g, now, notes)
        cov_before = _type_coverage(g, before, []) if before is not None else None
        row: dict[str, Any] = {"content_type": kind, "audience": _audience_text(g),
                               "coverage": cov, "coverage_before": cov_before,
                               "articles": 0, "reads_median": np.nan, "share_rate": np.nan}
        if matrix is not None and kind in matrix.index:
            m = matrix.loc[kind]
            row.update(articles=int(m["articles"]), reads_median=float(m["reads_median"]),
                       share_rate=float(m["share_rate"]))
        rows.append(row)
    t = pd.DataFrame(rows)
    t["coverage"] = t["coverage"].astype(float)
    t["coverage_before"] = t["coverage_before"].astype(float)
    t["delta_pp"] = (t["coverage"] - t["coverage_before"]) * 100
    pub = t[(t["articles"] > 0) & t["coverage"].notna()]
    t["rank_reads"] = pub["reads_median"].rank(ascending=False, method="min")
    t["rank_share"] = pub["share_rate"].rank(ascending=False, method="min")
    if matrix is not None:
        missing = [k for k in matrix.index if k not in set(t["content_type"])]
        if missing:
            notes.append(f"{AUDIENCE_FILE} 没有为以下内容形式标注目标人群，未参与匹配："
                         f"{'、'.join(missing)}")
        silent = t.loc[t["articles"] == 0, "content_type"].tolist()
        if silent:
            notes.append(f"本月没有发布：{'、'.join(silent)}（只列覆盖率）")
    best_fit = best_reads = None
    fit_rank = None
    if len(pub) >= 2:
        best_fit = str(pub.sort_values(["coverage", "content_type"],
                                       ascending=[False, True]).iloc[0]["content_type"])
        best_reads = str(pub.sort_values(["reads_median", "content_type"],
                                         ascending=[False, True]).iloc[0]["content_type"])
        fit_rank = int(t.loc[t["content_type"] == best_fit, "rank_reads"].iloc[0])
    rho = _spearman(pub["coverage"], pub["reads_median"]) if len(pub) else None
    return ContentMatch(t, len(pub), best_fit, best_reads, fit_rank, rho, notes)


def _performance(folder: Path, month: str) -> tuple[pd.DataFrame | None, list[str]]:
    """Section 03's content-type matrix of the month (None and why when it cannot be made)."""
    from wxnb.io import companions
    from wxnb.io.datacube import load_month, month_days
    from wxnb.kit import content

    try:
        plan = companions.load_content_plan(folder, month)
    except DataValidationError as exc:
        return None, [f"{content.PLAN_FILE} 校验未通过（{exc.problems[0]}），无法对照内容表现"]
    if plan is None:
        return None, [f"未提供 {content.PLAN_FILE}（每篇文章的内容形式），只列覆盖率，无法对照"
                      "各内容形式的阅读与分享"]
    try:
        data = load_month(folder, month, endpoints=content.ENDPOINTS)
    except DataValidationError as exc:
        return None, [f"本月文章数据不可用（{exc.problems[0]}），只列覆盖率"]
    articles, notes = content.article_table(data)
    if articles.empty:
        return None, [*notes, "本月没有文章数据，只列覆盖率"]
    matched = content.match_plan(articles, plan)
    matrix = content.type_matrix(matched.articles, None, len(month_days(month)))
    matrix = matrix.drop(index=[content.TOTAL, content.UNTYPED], errors="ignore")
    return matrix, []


# --------------------------------------------------------------------------- the section


@dataclass
class PortraitSection:
    """Everything section 15 shows, computed once."""

    params: ReportParams
    inputs: PortraitInputs
    previous: PortraitInputs | None
    prev_note: str
    dims: dict[str, DimView]
    compare_note: str
    match: ContentMatch | None
    match_note: str
    notes: list[str] = field(default_factory=list)

    @property
    def portrait(self) -> Portrait | None:
        return self.inputs.portrait

    @property
    def compared(self) -> bool:
        return any(v.shift is not None for v in self.dims.values())

    @property
    def moved(self) -> list[DimView]:
        """The dimensions whose structure moved, largest change first."""
        out = [v for v in self.dims.values() if v.shift is not None and v.shift.moved]
        return sorted(out, key=lambda v: -v.shift.tv_pp)  # type: ignore[union-attr]


def _previous(params: ReportParams) -> tuple[PortraitInputs | None, str]:
    folder = params.resolved_prev_data_dir()
    if not folder.is_dir():
        return None, f"无上月数据（未找到 {folder.name} 目录），环比不可用"
    try:
        prev = load(folder, prev_month(params.month), base=params.portrait_api_base)
    except DataValidationError as exc:
        return None, (f"上月画像数据校验未通过（{len(exc.problems)} 个问题，如 {exc.problems[0]}），"
                      "环比不可用")
    if prev.portrait is None:
        return None, f"上月目录 {folder.name} 没有用户属性下载或用户画像接口文件，环比不可用"
    return prev, ""


def compute(params: ReportParams, inputs: PortraitInputs, previous: PortraitInputs | None,
            prev_note: str = "", matrix: pd.DataFrame | None = None,
            perf_notes: list[str] | None = None) -> PortraitSection:
    """The section from loaded inputs (no file is read here); ``matrix`` is section 03's
    content-type matrix of the month (None: no content plan or article data)."""
    now = inputs.portrait
    before = previous.portrait if previous is not None else None
    dims, why = dim_views(now, before, params) if now is not None else ({}, "")
    match, match_note = None, ""
    if inputs.audience is None:
        match_note = (f"未提供 {AUDIENCE_FILE}（各内容形式的目标人群），无法判断内容是否对准了"
                      "粉丝人群")
    elif now is None:
        match_note = f"本月没有画像数据（需 {SOURCES_TEXT}），无法计算目标人群覆盖率"
    else:
        match = content_match(inputs.audience, now, before, matrix)
        match.notes[:0] = perf_notes or []
    return PortraitSection(params, inputs, previous, prev_note, dims, why, match, match_note,
                           list(inputs.warnings))


def prepare(params: ReportParams) -> PortraitSection:
    """Load this month (and the previous one for 环比) and compute section 15.

    Raises
    ------
    DataValidationError
        When this month's portrait files or content_audience.csv break the data contract.
    """
    folder = params.resolved_data_dir()
    inputs = load(folder, params.month, base=params.portrait_api_base)
    previous, prev_note = _previous(params)
    matrix, perf_notes = None, []
    if inputs.audience is not None and inputs.portrait is not None:
        matrix, perf_notes = _performance(folder, params.month)
    return compute(params, inputs, previous, prev_note, matrix, perf_notes)
