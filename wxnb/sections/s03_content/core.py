"""Section 03 内容传播效能对比分析: content types, 爆款 articles, headline opens, reading hours.

Inputs of one month folder (read only):

* ``getarticletotal_*`` (required, validated by ``wxnb.io.datacube``): one row per article and
  ``stat_date``. Its counters are **cumulative** from the push date (at most 7 days): every
  article is taken at its last ``stat_date`` (``metrics.article_final``); days are never summed.
  阅读人数 = ``int_page_read_user``; 分享率 = ``share_user`` ÷ ``int_page_read_user``; 打开率 =
  ``int_page_from_session_read_user`` (公众号消息阅读人数) ÷ ``target_user`` (送达人数).
  Reads by source are the ``int_page_from_<source>_read_user`` fields. A reader who arrived by
  several scenes counts in each, so the sources are **never summed** to make a total: each is
  shown as a share of the article's ``int_page_read_user``.
* ``getarticletotaldetail_*`` (optional, the new 发表内容 API): 在看 (``zaikan_user``), 点赞
  (``like_user``), 留言 (``comment_count``) per article at its last ``stat_date``; when an item
  carries ``read_user_source`` (``[{scene_desc, user_count}]``), its scenes replace the legacy
  source fields and are shown as shares of that item's 全部 entry.
* ``getuserreadhour_*`` (optional): reads per hour; only ``user_source`` 99999999 (全部) rows
  are used; ``ref_hour`` 0, 100, …, 2300 is the hour × 100.
* ``content_plan.csv`` (optional, ``wxnb.io.eventlog.load_content_plan``): 内容形式, cost and author
  per article. A plan row is matched to a datacube article by ``msgid``; a row without msgid by
  push date + title (titles compared after NFKC normalisation with all whitespace removed).
  Articles without a plan row are 未分类; plan rows naming no article are listed in the notes.
* ``events*`` (optional, the event log of ``wxnb.io.eventlog``): the time of each push's
  ``MASSSENDJOBFINISH`` gives its send hour, and the log's ``article_read`` rows with scene
  公众号消息 give the followers who opened the push within 24 hours of it. A push is matched to
  its send event by MsgID = msg_data_id when they agree, else by being the only push and the
  only send event of its day; other pushes are left out and counted.
* ``orders.csv`` (optional, ``wxnb.io.eventlog.load_orders``): revenue is attributed **last touch**
  by the order's ``msgid`` (the article the business system recorded as the order's last
  touch). Orders without a msgid, or with one that is not among this month's articles, are
  unattributed; their share of the revenue is reported.

Definitions per content type: 篇数 (articles pushed), 发布频次 (篇/月 and 篇/周 = 篇数 × 7 ÷ days
of the month), 阅读均值/中位数 of the articles' final readers (reads are heavy-tailed, so both),
分享率 = Σ share_user ÷ Σ int_page_read_user, 转化率 = distinct attributed buyers ÷ Σ readers,
成本投入 = Σ plan cost, 归因收入 = Σ attributed order amounts, ROI = (收入 − 成本) ÷ 成本 and the
seed's 投入产出比 1:x with x = 收入 ÷ 成本.

爆款 rule (wechat-analytics-methods.md §4.9, with this month's articles as the baseline):
阅读人数 ≥ 中位数 × ``viral_read_multiple`` or > Q3 + 1.5·IQR, **and** 分享率 ≥ this month's
P75 of article share rates. Needs at least ``MIN_VIRAL`` articles.

Best push hour (§4.9: read-time distributions say when people read, not when to send): per
push, 24 小时打开率 = distinct followers who opened any of its articles from 公众号消息 before
send time + 24 h ÷ its 送达人数 (``target_user``); its 打开率指数 divides that by the median of
the pushes with the same headline 内容形式 (types with one push: by the month's median), so the
content mix does not pass for a time effect. Hours are compared by the median index over hours
with at least ``MIN_HOUR_PUSHES`` pushes, with a Kruskal-Wallis test; the sample is small and the
report says so.

``compute`` takes DataFrames and does every calculation; only ``prepare`` reads files.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from wxnb.kit import charts
from wxnb.kit import fmt
from wxnb.kit import metrics
from wxnb.io.codes import READ_TOTAL
from wxnb.io.csvin import row_label
from wxnb.exceptions import DataValidationError
from wxnb.kit.findings import Finding
from wxnb.io.datacube import MonthData, load_month, load_previous, month_days
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s03_content import SPEC

__all__ = [
    "ENDPOINTS",
    "FEATURES",
    "INPUTS",
    "MIN_GROUP",
    "MIN_VIRAL",
    "ORDERS_FILE",
    "PLAN_FILE",
    "SECTION",
    "SHARE_DRIVEN",
    "SOURCES",
    "UNTYPED",
    "Attribution",
    "ContentSection",
    "OpenRates",
    "PlanMatch",
    "ReadHours",
    "Source",
    "ViralRule",
    "article_table",
    "attribute_orders",
    "compute",
    "data_notes",
    "engagement_html",
    "findings",
    "flag_viral",
    "heatmap_chart",
    "hours_html",
    "match_plan",
    "matrix_html",
    "narrative",
    "open_rate_chart",
    "open_rates",
    "prepare",
    "push_open_rates",
    "pushes_html",
    "ratio_text",
    "read_hours",
    "sources_chart",
    "title_features",
    "title_flags",
    "titles_html",
    "top_articles",
    "top_html",
    "type_matrix",
    "viral_drivers",
    "viral_rule",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs
ENDPOINTS = ("getarticletotal", "getarticletotaldetail", "getuserreadhour")
PLAN_FILE = "content_plan.csv"
ORDERS_FILE = "orders.csv"
UNTYPED = "未分类"
TOTAL = "合计"
MIN_VIRAL = 5  # the 爆款 rule's median and quartiles need at least this many articles
MIN_GROUP = 5  # a title feature is compared only when both groups have at least this many
MIN_HOUR_PUSHES = 2  # a send hour is compared only with at least this many pushes
PUSH_WINDOW_H = 24  # opens counted within this many hours of the send event
SEND_EVENT = "MASSSENDJOBFINISH"
SESSION_SCENE = "公众号消息"
TRACK_DAYS = 7  # getarticletotal follows an article for 7 days from its push
ALPHA = 0.05
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class Source:
    """One read scene: its name, its getarticletotal field and its 发表内容 scene_desc."""

    key: str
    label: str
    column: str
    scene: str


SOURCES: tuple[Source, ...] = (
    Source("session", "公众号消息", "int_page_from_session_read_user", "公众号消息"),
    Source("friends", "聊天会话/好友转发", "int_page_from_friends_read_user", "聊天会话"),
    Source("feed", "朋友圈", "int_page_from_feed_read_user", "朋友圈"),
    Source("kanyikan", "推荐/看一看", "int_page_from_kanyikan_read_user", "推荐"),
    Source("souyisou", "搜一搜", "int_page_from_souyisou_read_user", "搜一搜"),
    Source("hist_msg", "公众号主页/历史消息", "int_page_from_hist_msg_read_user", "公众号主页"),
    Source("other", "其他", "int_page_from_other_read_user", "其他"),
)
SHARE_DRIVEN = ("friends", "feed")  # reads that came through shares: chats and Moments
_SOURCE_COLORS = ("#07C160", "#10AEFF", "#FA9D3B", "#8E6CEF", "#FA5151", "#2F7E8C", "#B2B2B2")


# --------------------------------------------------------------------------- articles


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    """A count column as float (NaN where the field is absent), aligned to ``frame``."""
    if column not in frame:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den and not pd.isna(den) and not pd.isna(num) else math.nan


def _scenes(value: Any) -> dict[str, int] | None:
    """``read_user_source`` as {scene: readers}; the shape ``{source_name, read_user}`` too."""
    if not isinstance(value, list):
        return None
    out: dict[str, int] = {}
    for item in value:
        if not isinstance(item, dict):
            return None
        name = item.get("scene_desc", item.get("source_name"))
        count = item.get("user_count", item.get("read_user"))
        if not isinstance(name, str) or isinstance(count, bool) or not isinstance(count, int) \
                or count < 0:
            return None
        out[name] = count
    return out or None


_ARTICLE_COLUMNS = ("msgid", "push", "idx", "ref_date", "stat_date", "days_tracked", "title",
                    "target_user", "reads", "shares", "share_rate", "session", "open_rate",
                    "src_total", "src_origin", "zaikan", "like", "comment", "detail_reads",
                    *(f"src_{s.key}" for s in SOURCES))


def article_table(data: MonthData) -> tuple[pd.DataFrame, list[str]]:
    """One row per article pushed in the month, at its last ``stat_date``, with its reads by
    source (NaN where the field is not in the data) and, from getarticletotaldetail, its 在看,
    点赞 and 留言. Returns the table and notes on what was used."""
    notes: list[str] = []
    if not data.has("getarticletotal"):
        return pd.DataFrame(columns=list(_ARTICLE_COLUMNS)), ["本月图文群发总数据没有文章"]
    a = metrics.article_final(data)
    out = pd.DataFrame({
        "msgid": a["msgid"].astype(str),
        "push": a["msgid"].str.rsplit("_", n=1).str[0],
        "idx": a["index_in_push"].astype("int64"),
        "ref_date": a["ref_date"],
        "stat_date": a["stat_date"],
        "days_tracked": (a["stat_date"] - a["ref_date"]).dt.days + 1,
        "title": a["title"].astype(str),
        "target_user": a["target_user"].astype("int64"),
        "reads": a["int_page_read_user"].astype("int64"),
        "shares": a["share_user"].astype("int64"),
        "session": a["int_page_from_session_read_user"].astype("int64"),
    })
    out["share_rate"] = out["shares"] / out["reads"].where(out["reads"] > 0)
    out["open_rate"] = out["session"] / out["target_user"].where(out["target_user"] > 0)
    for s in SOURCES:
        out[f"src_{s.key}"] = _num(a, s.column)
    out["src_total"] = out["reads"].astype("float64")
    out["src_origin"] = "getarticletotal"
    for c in ("zaikan", "like", "comment", "detail_reads"):
        out[c] = np.nan
    if data.has("getarticletotaldetail"):
        notes += _merge_detail(out, data.frames["getarticletotaldetail"])
    missing = [s.label for s in SOURCES if out[f"src_{s.key}"].isna().all()]
    if missing:
        notes.append(f"数据中没有以下阅读来源字段，显示为“—”：{'、'.join(missing)}")
    return out[list(_ARTICLE_COLUMNS)], notes


def _merge_detail(out: pd.DataFrame, detail: pd.DataFrame) -> list[str]:
    """Take 在看/点赞/留言 (and read_user_source when given) from getarticletotaldetail."""
    d = detail.sort_values(["msgid", "stat_date"]).groupby("msgid", sort=False).tail(1)
    d = d.set_index("msgid")
    pos = pd.Series(out.index, index=out["msgid"])
    common = d.index.intersection(pos.index)
    rows = pos[common].to_numpy()
    out.loc[rows, "zaikan"] = d.loc[common, "zaikan_user"].astype(float).to_numpy()
    out.loc[rows, "like"] = d.loc[common, "like_user"].astype(float).to_numpy()
    out.loc[rows, "comment"] = d.loc[common, "comment_count"].astype(float).to_numpy()
    out.loc[rows, "detail_reads"] = d.loc[common, "read_user"].astype(float).to_numpy()
    notes = []
    extra = len(d.index.difference(pos.index))
    if extra:
        notes.append(f"发表内容详细数据中有 {extra} 篇不在图文群发总数据里（多为未通知粉丝的发表），"
                     "不计入本章")
    if "read_user_source" not in d:
        return notes
    used, broken = 0, 0
    for msgid in common:
        value = d.at[msgid, "read_user_source"]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        scenes = _scenes(value)
        if scenes is None:
            broken += 1
            continue
        i = pos[msgid]
        for s in SOURCES:
            out.at[i, f"src_{s.key}"] = float(scenes.get(s.scene, 0))
        out.at[i, "src_total"] = float(scenes.get("全部", d.at[msgid, "read_user"]))
        out.at[i, "src_origin"] = "getarticletotaldetail"
        used += 1
    if used:
        notes.append(f"{used} 篇文章的阅读来源取自发表内容详细数据的 read_user_source（占比的分母为"
                     "其“全部”项），其余取自图文群发总数据")
    if broken:
        notes.append(f"{broken} 篇文章的 read_user_source 不是 [{{scene_desc, user_count}}] 列表，"
                     "改用图文群发总数据的来源字段")
    return notes


# --------------------------------------------------------------------------- content plan


@dataclass
class PlanMatch:
    """The articles with their 内容形式, and the plan rows that named no article."""

    articles: pd.DataFrame
    unmatched: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    has_plan: bool = False


def _norm_title(text: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def _plan_row(j: int, rec: dict[str, Any]) -> str:
    """The plan row as the spreadsheet shows it (``_row`` when the loader kept it)."""
    row = rec.get("_row")
    return str(row) if row not in (None, "") and not pd.isna(row) else row_label(j)


def match_plan(articles: pd.DataFrame, plan: pd.DataFrame | None) -> PlanMatch:
    """Give every article its plan row: by msgid when the row has one, else by push date and
    title. Articles without a row are 未分类 (cost unknown). A second row for an article already
    matched is ignored and reported; so is a date + title that fits several articles (the
    first is used)."""
    art = articles.copy()
    art["content_type"] = UNTYPED
    art["cost"] = np.nan
    art["author"] = ""
    art["matched_by"] = ""
    cols = ["row", "msgid", "date", "title", "content_type", "cost", "reason"]
    if plan is None:
        return PlanMatch(art, pd.DataFrame(columns=cols))
    by_msgid = dict(zip(art["msgid"], art.index, strict=True))
    by_key: dict[tuple[str, str], list[int]] = {}
    for i, d, t in zip(art.index, art["ref_date"], art["title"], strict=True):
        by_key.setdefault((f"{d:%Y-%m-%d}", _norm_title(t)), []).append(i)
    taken: dict[int, str] = {}
    unmatched, problems = [], []
    for j, rec in enumerate(plan.to_dict("records")):
        row = _plan_row(j, rec)
        msgid = str(rec.get("msgid") or "").strip()
        day = pd.to_datetime(rec.get("date"), errors="coerce")
        day_text = "" if pd.isna(day) else f"{day:%Y-%m-%d}"
        if msgid:
            hits = [by_msgid[msgid]] if msgid in by_msgid else []
            how, reason = "msgid", f"msgid {msgid} 不在本月图文群发总数据中"
        else:
            hits = by_key.get((day_text, _norm_title(rec.get("title", ""))), [])
            how, reason = "日期+标题", "本月图文群发总数据中没有同一推送日期、同一标题的文章"
        if not hits:
            unmatched.append({"row": row, "msgid": msgid, "date": day_text,
                              "title": str(rec.get("title", "")),
                              "content_type": str(rec.get("content_type", "")),
                              "cost": rec.get("cost"), "reason": reason})
            continue
        i = hits[0]
        if len(hits) > 1:
            problems.append(f"{PLAN_FILE} {row}：同日期同标题的文章有 {len(hits)} 篇"
                            f"（{'、'.join(art.loc[hits, 'msgid'])}），按第一篇 {art.at[i, 'msgid']} 匹配")
        if i in taken:
            problems.append(f"{PLAN_FILE} {row} 与 {taken[i]} 指向同一篇文章"
                            f"《{art.at[i, 'title']}》，已忽略该行")
            continue
        taken[i] = row
        kind = str(rec.get("content_type") or "").strip()
        art.at[i, "content_type"] = kind or UNTYPED
        cost = pd.to_numeric(pd.Series([rec.get("cost")]), errors="coerce").iloc[0]
        art.at[i, "cost"] = float(cost) if not pd.isna(cost) else np.nan
        art.at[i, "author"] = str(rec.get("author") or "")
        art.at[i, "matched_by"] = how
    return PlanMatch(art, pd.DataFrame(unmatched, columns=cols), problems, has_plan=True)


# --------------------------------------------------------------------------- orders


@dataclass(frozen=True)
class Attribution:
    """How the month's order revenue was attributed to this month's articles (last touch)."""

    orders: int
    revenue: float
    attributed_orders: int
    attributed_revenue: float
    no_msgid_orders: int
    no_msgid_revenue: float
    outside_orders: int  # msgid given, but not an article pushed this month
    outside_revenue: float
    outside_msgids: int
    before_push: int  # attributed orders placed before their article's push date

    @property
    def unattributed_revenue(self) -> float:
        return self.no_msgid_revenue + self.outside_revenue

    @property
    def unattributed_share(self) -> float | None:
        return self.unattributed_revenue / self.revenue if self.revenue else None


def attribute_orders(articles: pd.DataFrame,
                     orders: pd.DataFrame) -> tuple[pd.DataFrame, Attribution]:
    """Per article: attributed orders, revenue and distinct buyers (by the order's msgid, last
    touch); and the month's attribution summary."""
    o = orders.assign(msgid=orders["msgid"].fillna("").astype(str).str.strip(),
                      amount=pd.to_numeric(orders["amount"], errors="coerce").fillna(0.0))
    known = o["msgid"].isin(set(articles["msgid"]))
    none = o["msgid"] == ""
    outside = ~known & ~none
    hit = o[known]
    per = hit.groupby("msgid").agg(orders=("amount", "size"), revenue=("amount", "sum"),
                                   buyers=("follower_id", "nunique"))
    before = 0
    if len(hit) and "time" in hit:
        push = articles.set_index("msgid")["ref_date"]
        t = pd.to_datetime(hit["time"], errors="coerce")
        before = int((t.dt.normalize() < hit["msgid"].map(push)).sum())
    att = Attribution(
        orders=len(o), revenue=float(o["amount"].sum()),
        attributed_orders=int(known.sum()), attributed_revenue=float(hit["amount"].sum()),
        no_msgid_orders=int(none.sum()), no_msgid_revenue=float(o.loc[none, "amount"].sum()),
        outside_orders=int(outside.sum()),
        outside_revenue=float(o.loc[outside, "amount"].sum()),
        outside_msgids=int(o.loc[outside, "msgid"].nunique()), before_push=before,
    )
    return per, att


# --------------------------------------------------------------------------- the matrix


def ratio_text(x: float | None) -> str:
    """The seed's 投入产出比 (cost : revenue) as ``1:x``."""
    if x is None or pd.isna(x):
        return "—"
    return f"1:{x:.0f}" if x >= 10 else f"1:{x:.1f}"


def _type_row(name: str, g: pd.DataFrame, orders: pd.DataFrame | None,
              n_days: int) -> dict[str, Any]:
    reads = float(g["reads"].sum())
    cost = float(g["cost"].sum()) if g["cost"].notna().any() else math.nan
    row: dict[str, Any] = {
        "content_type": name, "articles": len(g), "per_week": len(g) * 7 / n_days,
        "reads_mean": float(g["reads"].mean()), "reads_median": float(g["reads"].median()),
        "reads": reads, "shares": float(g["shares"].sum()),
        "share_rate": _ratio(g["shares"].sum(), reads), "cost": cost,
        "cost_articles": int(g["cost"].notna().sum()),
    }
    has_detail = g["detail_reads"].notna()
    base = float(g.loc[has_detail, "detail_reads"].sum())
    for c in ("zaikan", "like", "comment"):
        row[f"{c}_rate"] = _ratio(g.loc[has_detail, c].sum(), base) if has_detail.any() \
            else math.nan
    if orders is None:
        row.update(revenue=math.nan, buyers=math.nan, conversion=math.nan, roi=math.nan,
                   ratio=math.nan)
        return row
    mine = orders[orders["msgid"].isin(set(g["msgid"]))]
    row["revenue"] = float(pd.to_numeric(mine["amount"], errors="coerce").fillna(0).sum())
    row["buyers"] = int(mine["follower_id"].nunique())
    row["conversion"] = _ratio(row["buyers"], reads)
    ok = not math.isnan(cost) and cost > 0
    row["roi"] = (row["revenue"] - cost) / cost if ok else math.nan
    row["ratio"] = row["revenue"] / cost if ok else math.nan
    return row


def type_matrix(articles: pd.DataFrame, orders: pd.DataFrame | None,
                n_days: int) -> pd.DataFrame:
    """The content-type matrix: one row per 内容形式 (most articles, then most readers first;
    未分类 last) and a 合计 row over every article. ``articles`` comes from ``match_plan``;
    ``orders`` is ``load_orders``'s frame or None. A buyer who bought through two articles of
    one type counts once for that type."""
    if orders is not None:
        orders = orders.assign(msgid=orders["msgid"].fillna("").astype(str).str.strip())
    counts = articles["content_type"].value_counts()
    reads = articles.groupby("content_type")["reads"].sum()
    names = sorted(counts.index, key=lambda t: (t == UNTYPED, -counts[t], -reads[t], t))
    rows = [_type_row(t, articles[articles["content_type"] == t], orders, n_days)
            for t in names]
    if len(articles):
        rows.append(_type_row(TOTAL, articles, orders, n_days))
    return pd.DataFrame(rows).set_index("content_type") if rows else pd.DataFrame()


# --------------------------------------------------------------------------- 爆款


@dataclass(frozen=True)
class ViralRule:
    """The month's 爆款 thresholds; ``applicable`` is False with fewer than MIN_VIRAL articles."""

    n: int
    multiple: float
    median: float
    q1: float
    q3: float
    share_p75: float

    @property
    def applicable(self) -> bool:
        return self.n >= MIN_VIRAL

    @property
    def read_bar(self) -> float:
        return self.median * self.multiple

    @property
    def fence(self) -> float:
        return self.q3 + 1.5 * (self.q3 - self.q1)

    def text(self) -> str:
        if not self.applicable:
            return (f"爆款判定需要本月至少 {MIN_VIRAL} 篇文章（本月 {self.n} 篇），未判定")
        return (f"爆款 = 阅读人数 ≥ 本月中位数 {self.median:,.0f} × {self.multiple:g}"
                f"（{self.read_bar:,.0f}）或 > Q3 + 1.5·IQR（{self.fence:,.0f}），且分享率 ≥ "
                f"本月文章分享率 P75（{fmt.fmt_pct(self.share_p75, 2)}）；基准为本月 {self.n} 篇"
                "文章，分位数按线性插值")


def viral_rule(articles: pd.DataFrame, multiple: float) -> ViralRule:
    """The thresholds from this month's articles (reads of every article; share-rate P75 over
    the articles with readers)."""
    r = articles["reads"].astype("float64")
    s = articles["share_rate"].dropna()
    if r.empty:
        return ViralRule(0, multiple, math.nan, math.nan, math.nan, math.nan)
    return ViralRule(len(r), multiple, float(r.median()), float(r.quantile(0.25)),
                     float(r.quantile(0.75)), float(s.quantile(0.75)) if len(s) else math.nan)


def flag_viral(articles: pd.DataFrame, rule: ViralRule) -> pd.Series:
    """True for the articles the rule calls 爆款 (all False when it is not applicable)."""
    if not rule.applicable:
        return pd.Series(False, index=articles.index)
    reads = articles["reads"].astype("float64")
    high = (reads >= rule.read_bar) | (reads > rule.fence)
    return (high & (articles["share_rate"] >= rule.share_p75)).fillna(False).astype(bool)


def _shares(articles: pd.DataFrame) -> pd.DataFrame:
    """Each source's readers as a share of the article's readers (never a sum of sources)."""
    total = articles["src_total"].where(articles["src_total"] > 0)
    out = pd.DataFrame({s.key: articles[f"src_{s.key}"] / total for s in SOURCES},
                       index=articles.index)
    driven = articles[[f"src_{k}" for k in SHARE_DRIVEN]]
    out["share_driven"] = driven.sum(axis=1, min_count=len(SHARE_DRIVEN)) / total
    return out


def viral_drivers(articles: pd.DataFrame) -> pd.DataFrame:
    """For every article, the source whose share is furthest above the month's median share of
    that source (what drove it), with both shares."""
    shares = _shares(articles)
    keys = [s.key for s in SOURCES if shares[s.key].notna().any()]
    labels = {s.key: s.label for s in SOURCES}
    if not keys:
        return pd.DataFrame(index=articles.index, columns=["driver", "share", "usual"])
    median = shares[keys].median()
    lift = shares[keys] - median
    best = lift.idxmax(axis=1, skipna=True) if lift.notna().any().any() else None
    rows = []
    for i in articles.index:
        k = best[i] if best is not None and isinstance(best[i], str) else None
        rows.append({"driver": labels[k] if k else "", "share": shares.at[i, k] if k else np.nan,
                     "usual": median[k] if k else np.nan})
    return pd.DataFrame(rows, index=articles.index)


# --------------------------------------------------------------------------- open rates


@dataclass(frozen=True)
class OpenRates:
    """Month-level 打开率 of headlines (idx 1) and of the other articles, pooled over pushes."""

    pushes: int
    head: float
    secondary: float
    head_articles: int
    secondary_articles: int


def open_rates(articles: pd.DataFrame) -> OpenRates:
    """Σ 公众号消息阅读人数 ÷ Σ 送达人数, for headlines and for the other positions."""
    head, rest = articles[articles["idx"] == 1], articles[articles["idx"] > 1]
    return OpenRates(
        pushes=int(articles["push"].nunique()),
        head=_ratio(head["session"].sum(), head["target_user"].sum()),
        secondary=_ratio(rest["session"].sum(), rest["target_user"].sum()),
        head_articles=len(head), secondary_articles=len(rest),
    )


def push_open_rates(articles: pd.DataFrame) -> pd.DataFrame:
    """Per push: date, headline title, delivered, headline and secondary open rates."""
    rows = []
    for push, g in articles.groupby("push", sort=False):
        head, rest = g[g["idx"] == 1], g[g["idx"] > 1]
        rows.append({
            "push": push, "ref_date": g["ref_date"].min(), "articles": len(g),
            "headline": head["title"].iloc[0] if len(head) else "",
            "target_user": int(g["target_user"].max()),
            "head_session": int(head["session"].sum()),
            "head_rate": _ratio(head["session"].sum(), head["target_user"].sum()),
            "secondary": len(rest),
            "secondary_rate": _ratio(rest["session"].sum(), rest["target_user"].sum()),
        })
    cols = ["push", "ref_date", "articles", "headline", "target_user", "head_session",
            "head_rate", "secondary", "secondary_rate"]
    return pd.DataFrame(rows, columns=cols).sort_values(["ref_date", "push"]).reset_index(
        drop=True)


# --------------------------------------------------------------------------- reading hours


@dataclass
class ReadHours:
    """Average readers per hour: by weekday × hour, and over all days."""

    grid: pd.DataFrame  # index 0..6 (Monday first), columns 0..23
    days: pd.Series  # days of data per weekday
    hourly: pd.Series  # mean readers per hour over every day with data

    @property
    def n_days(self) -> int:
        return int(self.days.sum())

    def top_hours(self, n: int = 3) -> list[int]:
        return [int(h) for h in self.hourly.sort_values(ascending=False, kind="stable").index[:n]]

    def best_cell(self) -> tuple[int, int, float]:
        stacked = self.grid.stack()
        (wd, hour) = stacked.idxmax()
        return int(wd), int(hour), float(stacked.max())


def read_hours(hours: pd.DataFrame | None) -> ReadHours | None:
    """From getuserreadhour: only 全部 (99999999) rows; an hour without a row on a day with data
    counts as 0 readers. The grid's cells are means over the days of that weekday."""
    if hours is None or hours.empty:
        return None
    h = hours[hours["user_source"] == READ_TOTAL]
    if h.empty:
        return None
    per_day = h.assign(hour=h["ref_hour"] // 100).pivot_table(
        index="ref_date", columns="hour", values="int_page_read_user", aggfunc="sum")
    per_day = per_day.reindex(columns=range(24)).fillna(0.0)
    weekday = per_day.index.day_of_week
    grid = per_day.groupby(weekday).mean().reindex(range(7))
    days = pd.Series(weekday).value_counts().reindex(range(7), fill_value=0)
    return ReadHours(grid=grid, days=days, hourly=per_day.mean())


# --------------------------------------------------------------------------- push hours


@dataclass
class PushHours:
    """24-hour open rates of the month's pushes by the hour they were sent (event log)."""

    pushes: pd.DataFrame  # push, ref_date, sent_at, hour, target_user, openers, rate, type, index
    by_hour: pd.DataFrame  # index hour: pushes, rate_median, rate_min, rate_max, index_median
    unmatched: list[str]  # 'MM-DD' of pushes without a send event of their own
    adjusted: bool  # the index is relative to the headline's 内容形式 (a content plan exists)
    p_value: float | None  # Kruskal-Wallis over the compared hours; None when < 2 hours

    def compared(self) -> pd.DataFrame:
        return self.by_hour[self.by_hour["pushes"] >= MIN_HOUR_PUSHES]

    def best(self) -> tuple[int, pd.Series] | None:
        c = self.compared()
        if len(c) < 2:
            return None
        hour = int(c["index_median"].idxmax())
        return hour, c.loc[hour]

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA


def _send_times(sends: pd.DataFrame, pushes: pd.DataFrame) -> tuple[dict[str, pd.Timestamp],
                                                                     list[str]]:
    """push → its send event's time: by MsgID = msg_data_id, else the only push and the only
    send event of its day. Returns the matches and the 'MM-DD' of unmatched pushes."""
    by_key = {str(k): t for k, t in zip(sends["key"], sends["time"], strict=True)}
    out = {p: by_key[p] for p in pushes["push"] if p in by_key}
    free = sends[~sends["time"].isin(list(out.values()))]
    free_by_day = free.groupby(free["time"].dt.normalize())["time"].agg(list)
    rest = pushes[~pushes["push"].isin(list(out))]
    rest_days = pd.to_datetime(rest["ref_date"]).dt.normalize()
    pushes_by_day = rest_days.value_counts()
    unmatched = []
    for push, day in zip(rest["push"], rest_days, strict=True):
        times = free_by_day.get(day, [])
        if len(times) == 1 and pushes_by_day[day] == 1:
            out[push] = times[0]
        else:
            unmatched.append(f"{day:%m-%d}")
    return out, unmatched


def push_hours(con: Any, articles: pd.DataFrame) -> PushHours | None:
    """The month's pushes with their send hour and 24-hour open rate, from the log ``ev`` of
    ``con`` and the article table (``content_type`` from the plan, when matched). None when the
    log has no send events."""
    sends = con.execute(f"SELECT key, time FROM ev WHERE event = '{SEND_EVENT}' "
                        "ORDER BY time").df()
    if sends.empty or articles.empty:
        return None
    sends["time"] = pd.to_datetime(sends["time"])
    heads = articles.sort_values("idx").groupby("push", sort=False).first()
    pushes = pd.DataFrame({
        "push": heads.index.astype(str), "ref_date": heads["ref_date"].to_numpy(),
        "target_user": articles.groupby("push")["target_user"].max().reindex(heads.index)
        .to_numpy(),
        "type": heads["content_type"].to_numpy() if "content_type" in heads else UNTYPED,
    })
    times, unmatched = _send_times(sends, pushes)
    pushes = pushes[pushes["push"].isin(times)].copy()
    if pushes.empty:
        return PushHours(pushes, pd.DataFrame(), unmatched, False, None)
    pushes["sent_at"] = pushes["push"].map(times)
    pushes["hour"] = pushes["sent_at"].dt.hour
    keys = articles[articles["push"].isin(pushes["push"])][["msgid", "push"]].copy()
    keys["until"] = keys["push"].map(times) + pd.Timedelta(hours=PUSH_WINDOW_H)
    con.register("wx_push_keys", keys)
    try:
        opened = dict(con.execute(f"""
            SELECT k.push, count(DISTINCT e.follower_id) FROM ev e
            JOIN wx_push_keys k ON e.key = k.msgid
            WHERE e.event = 'article_read' AND e.value = '{SESSION_SCENE}' AND e.time < k.until
            GROUP BY 1""").fetchall())
    finally:
        con.unregister("wx_push_keys")
    pushes["openers"] = pushes["push"].map(opened).fillna(0).astype("int64")
    pushes["rate"] = pushes["openers"] / pushes["target_user"].where(pushes["target_user"] > 0)
    adjusted = bool((pushes["type"] != UNTYPED).any())
    type_n = pushes.groupby("type")["rate"].transform("count")
    base = pushes.groupby("type")["rate"].transform("median").where(
        adjusted & (type_n >= 2), pushes["rate"].median())
    pushes["index"] = pushes["rate"] / base.where(base > 0)
    by_hour = pushes.groupby("hour").agg(
        pushes=("push", "size"), rate_median=("rate", "median"), rate_min=("rate", "min"),
        rate_max=("rate", "max"), index_median=("index", "median"),
        openers=("openers", "sum"), target=("target_user", "sum"))
    compared = by_hour.index[by_hour["pushes"] >= MIN_HOUR_PUSHES]
    p_value = None
    if len(compared) >= 2:
        from scipy.stats import kruskal

        groups = [pushes.loc[pushes["hour"] == h, "index"].dropna() for h in compared]
        if sum(g.nunique() for g in groups) > 1:
            p_value = float(kruskal(*groups).pvalue)
        else:
            p_value = 1.0
    return PushHours(pushes.sort_values("sent_at").reset_index(drop=True), by_hour, unmatched,
                     adjusted, p_value)


# --------------------------------------------------------------------------- titles

_EMOJI = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0xFE0F, 0xFE0F))


def _has_emoji(text: str) -> bool:
    return any(lo <= ord(c) <= hi for c in text for lo, hi in _EMOJI)


def _length(text: str) -> int:
    return len(unicodedata.normalize("NFC", text.strip()))


FEATURES: tuple[tuple[str, str], ...] = (
    ("number", "含阿拉伯数字"),
    ("question", "含问号（？/?）"),
    ("exclaim", "含感叹号（！/!）"),
    ("brackets", "含【】"),
    ("emoji", "含 emoji"),
    ("len_short", "标题 ≤15 字"),
    ("len_mid", "标题 16–25 字"),
    ("len_long", "标题 ≥26 字"),
)


def title_flags(title: str) -> dict[str, bool]:
    """The title's features (length in characters after NFC; digits 0-9 half or full width)."""
    n = _length(title)
    return {
        "number": bool(re.search(r"[0-9０-９]", title)),
        "question": "？" in title or "?" in title,
        "exclaim": "！" in title or "!" in title,
        "brackets": "【" in title or "】" in title,
        "emoji": _has_emoji(title),
        "len_short": n <= 15, "len_mid": 16 <= n <= 25, "len_long": n >= 26,
    }


def _open_index(articles: pd.DataFrame) -> pd.Series:
    """Open rate ÷ the month's median open rate of the same position (头条 / 非头条)."""
    head = articles["idx"] == 1
    med = articles["open_rate"].groupby(head).transform("median")
    return articles["open_rate"] / med.where(med > 0)


def title_features(articles: pd.DataFrame) -> pd.DataFrame:
    """Per feature: articles with / without, their median 打开率 and median 打开率指数 (the open
    rate over the median of the same position, so headlines and secondary articles compare),
    the relative difference of the index medians, a Mann-Whitney U p-value (two-sided) and its
    Holm correction over the features tested. No test when a group has < MIN_GROUP articles."""
    a = articles[articles["open_rate"].notna()]
    flags = pd.DataFrame([title_flags(t) for t in a["title"]], index=a.index,
                         columns=[k for k, _ in FEATURES])
    index = _open_index(a)
    rows = []
    for key, label in FEATURES:
        with_, without = flags[key], ~flags[key]
        iw, io = index[with_].dropna(), index[without].dropna()
        row = {"key": key, "feature": label, "n_with": int(with_.sum()),
               "n_without": int(without.sum()),
               "rate_with": a.loc[with_, "open_rate"].median(),
               "rate_without": a.loc[without, "open_rate"].median(),
               "index_with": iw.median(), "index_without": io.median(),
               "diff": math.nan, "p": math.nan}
        row["enough"] = row["n_with"] >= MIN_GROUP and row["n_without"] >= MIN_GROUP
        if row["enough"] and len(iw) and len(io) and row["index_without"]:
            row["diff"] = row["index_with"] / row["index_without"] - 1
            row["p"] = _mann_whitney(iw, io)
        rows.append(row)
    out = pd.DataFrame(rows).set_index("key")
    out["p_holm"] = _holm(out["p"])
    return out


def _mann_whitney(x: pd.Series, y: pd.Series) -> float:
    from scipy.stats import mannwhitneyu

    if x.nunique() + y.nunique() <= 1:  # every value equal: no difference to test
        return 1.0
    return float(mannwhitneyu(x, y, alternative="two-sided").pvalue)


def _holm(p: pd.Series) -> pd.Series:
    tested = p.dropna()
    out = pd.Series(np.nan, index=p.index)
    if len(tested):
        from statsmodels.stats.multitest import multipletests

        out[tested.index] = multipletests(tested.to_numpy(), method="holm")[1]
    return out


# --------------------------------------------------------------------------- the section


@dataclass
class ContentSection:
    """Everything section 03 shows, computed once."""

    params: ReportParams
    month: str
    articles: pd.DataFrame  # one row per article: type, cost, revenue, sources, viral …
    plan: PlanMatch
    orders: pd.DataFrame | None
    attribution: Attribution | None
    matrix: pd.DataFrame | None  # None without a content plan
    prev_matrix: pd.DataFrame | None
    rule: ViralRule
    pushes: pd.DataFrame
    opens: OpenRates
    prev_opens: OpenRates | None
    hours: ReadHours | None
    titles: pd.DataFrame
    notes: list[str]
    prev_note: str
    push_hours: PushHours | None = None  # None without an event log (or its send events)


def _month_parts(data: MonthData, plan: pd.DataFrame | None, orders: pd.DataFrame | None,
                 params: ReportParams) -> tuple[pd.DataFrame, PlanMatch, Attribution | None,
                                                list[str]]:
    articles, notes = article_table(data)
    matched = match_plan(articles, plan)
    art = matched.articles
    att = None
    if orders is not None:
        per, att = attribute_orders(art, orders)
        per = per.reindex(art["msgid"])
        for c in ("orders", "revenue", "buyers"):
            art[c] = per[c].fillna(0).to_numpy()
    else:
        for c in ("orders", "revenue", "buyers"):
            art[c] = np.nan
    rule = viral_rule(art, params.viral_read_multiple)
    art["viral"] = flag_viral(art, rule)
    shares = _shares(art)
    art["share_driven"] = shares["share_driven"]
    drivers = viral_drivers(art)
    art[["driver", "driver_share", "driver_usual"]] = drivers[["driver", "share", "usual"]]
    return art, matched, att, notes


def compute(params: ReportParams, data: MonthData, plan: pd.DataFrame | None = None,
            orders: pd.DataFrame | None = None, *, previous: MonthData | None = None,
            prev_plan: pd.DataFrame | None = None, prev_orders: pd.DataFrame | None = None,
            prev_note: str = "", notes: list[str] | tuple[str, ...] = (),
            log: Any = None) -> ContentSection:
    """Compute the section from already loaded frames (no file is read here); ``log`` is an
    open ``wxnb.io.eventlog.EventLog`` for the push-hour comparison (None: not shown)."""
    n_days = len(month_days(params.month))
    art, matched, att, own_notes = _month_parts(data, plan, orders, params)
    matrix = type_matrix(art, orders, n_days) if plan is not None and len(art) else None
    prev_matrix, prev_opens = None, None
    if previous is not None:
        p_art, _, _, _ = _month_parts(previous, prev_plan, prev_orders, params)
        prev_opens = open_rates(p_art) if len(p_art) else None
        if prev_plan is not None and len(p_art):
            prev_matrix = type_matrix(p_art, prev_orders, len(month_days(previous.month)))
    hours = read_hours(data.frames.get("getuserreadhour"))
    return ContentSection(
        params=params, month=params.month, articles=art, plan=matched, orders=orders,
        attribution=att, matrix=matrix, prev_matrix=prev_matrix,
        rule=viral_rule(art, params.viral_read_multiple), pushes=push_open_rates(art),
        opens=open_rates(art), prev_opens=prev_opens, hours=hours,
        titles=title_features(art),
        notes=list(data.warnings) + own_notes + list(notes), prev_note=prev_note,
        push_hours=push_hours(log.con, art) if log is not None else None,
    )


def _side_inputs(folder: Path, month: str) -> tuple[pd.DataFrame | None, pd.DataFrame | None,
                                                     list[str]]:
    """The content plan and the orders of one month folder (None when absent)."""
    from wxnb.io import eventlog as events

    plan = events.load_content_plan(folder, month)
    orders = events.load_orders(folder, month)
    notes: list[str] = []
    for frame in (plan, orders):
        if frame is not None:
            notes.extend(str(n) for n in frame.attrs.get("notes", []))
    return plan, orders, notes


def prepare(params: ReportParams) -> ContentSection:
    """Load this month (and the previous one for 环比) and compute section 03.

    Raises
    ------
    DataValidationError
        When this month's datacube, content plan or orders break the data contract.
    """
    folder = params.resolved_data_dir()
    data = load_month(folder, params.month, endpoints=ENDPOINTS)
    plan, orders, notes = _side_inputs(folder, params.month)
    prev = load_previous(params.resolved_prev_data_dir(), prev_month(params.month),
                         endpoints=ENDPOINTS)
    prev_plan = prev_orders = None
    prev_note = prev.note
    if prev.data is not None:
        try:
            prev_plan, prev_orders, _ = _side_inputs(prev.data.folder, prev.data.month)
        except DataValidationError as exc:
            prev_note = (f"上月 {PLAN_FILE} / {ORDERS_FILE} 校验未通过（{len(exc.problems)} 个问题，"
                         f"如 {exc.problems[0]}），内容形式环比不可用")
    from wxnb.io import eventlog as events

    log = events.open_month(folder, params.month, **params.event_engine())
    try:
        return compute(params, data, plan, orders, previous=prev.data, prev_plan=prev_plan,
                       prev_orders=prev_orders, prev_note=prev_note, notes=notes, log=log)
    finally:
        if log is not None:
            log.close()


# --------------------------------------------------------------------------- tables


def _money(v: Any, orders: bool = True) -> str:
    if not orders:
        return "未提供"
    return fmt.fmt_money(v)


def _roi_cells(r: pd.Series, has_orders: bool) -> tuple[str, str]:
    if not has_orders:
        return "未提供", "未提供"
    if pd.isna(r["cost"]) or r["cost"] <= 0:
        return "—（无成本）", "—"
    return fmt.fmt_pct(r["roi"], 0), ratio_text(r["ratio"])


def _mom_cells(sec: ContentSection, name: str, r: pd.Series) -> tuple[str, str]:
    prev = sec.prev_matrix
    if prev is None:
        return "无上月计划", "无上月计划"
    if name not in prev.index:
        return "上月无此类", "上月无此类"
    p = prev.loc[name]
    med = fmt.fmt_signed_pct(r["reads_median"] / p["reads_median"] - 1) \
        if p["reads_median"] else "—"
    share = fmt.fmt_pp((r["share_rate"] - p["share_rate"]) * 100) \
        if not pd.isna(r["share_rate"]) and not pd.isna(p["share_rate"]) else "—"
    return med, share


def matrix_html(sec: ContentSection) -> fmt.HtmlBlock:
    """The content-type matrix in the seed's shape, with ROI and 环比 (当上月有内容计划)."""
    if sec.matrix is None:
        why = (f"未提供内容计划（{PLAN_FILE}：msgid 或 推送日期+标题 → 内容形式、成本），"
               "无法按内容形式对比；下方仍按文章分析爆款、头条打开率与标题特征。")
        if sec.articles.empty:
            why = "本月没有图文群发数据，无法建立内容类型矩阵。"
        return fmt.notes([why], title="内容类型-传播效果矩阵")
    has_orders = sec.orders is not None
    rows = []
    for name, r in sec.matrix.iterrows():
        roi, ratio = _roi_cells(r, has_orders)
        cost = "—" if pd.isna(r["cost"]) else fmt.fmt_money(r["cost"])
        if not pd.isna(r["cost"]) and r["cost_articles"] < r["articles"]:
            cost += f"（{r['cost_articles']}/{r['articles']} 篇有成本）"
        med, share = _mom_cells(sec, str(name), r)
        rows.append([
            name, fmt.fmt_int(r["articles"]), f"{r['articles']:.0f} 篇/月（{r['per_week']:.1f} 篇/周）",
            fmt.fmt_int(r["reads_mean"]), fmt.fmt_int(r["reads_median"]),
            fmt.fmt_pct(r["share_rate"], 2),
            fmt.fmt_pct(r["conversion"], 2) if has_orders else "未提供",
            cost, _money(r["revenue"], has_orders), roi, ratio, med, share,
        ])
    header = ["内容形式", "篇数", "发布频次", "平均阅读（均值）", "平均阅读（中位数）", "分享率",
              "转化率", "成本投入", "归因收入", "ROI", "投入产出比", "阅读中位数环比", "分享率环比"]
    how = ("收入按订单 msgid 末次触点归因" if has_orders else "未提供订单数据（orders.csv），"
           "转化率、收入与 ROI 未提供")
    return fmt.table(rows, header, numeric=tuple(range(1, 13)),
                     caption=f"阅读 = 每篇文章最后一个 stat_date 的阅读人数；分享率 = Σ分享人数 ÷ "
                             f"Σ阅读人数；转化率 = 归因下单人数 ÷ Σ阅读人数；ROI = (收入 − 成本) ÷ "
                             f"成本，投入产出比 = 成本 : 收入；{how}")


def engagement_html(sec: ContentSection) -> fmt.HtmlBlock:
    """在看、点赞、留言 per content type (getarticletotaldetail), when that data is there."""
    m = sec.matrix
    if m is None or m["zaikan_rate"].isna().all():
        return fmt.notes([("未提供发表内容详细数据（getarticletotaldetail）或内容计划，"
                           "无法按内容形式比较在看、点赞、留言")], title="互动率")
    rows = [[name, fmt.fmt_pct(r["zaikan_rate"], 2), fmt.fmt_pct(r["like_rate"], 2),
             fmt.fmt_pct(r["comment_rate"], 2)] for name, r in m.iterrows()]
    return fmt.table(rows, ["内容形式", "在看率", "点赞率", "留言率"], numeric=(1, 2, 3),
                     caption="在看率 = Σ在看人数 ÷ Σ阅读人数（发表内容详细数据，各文章最后一个 "
                             "stat_date）；点赞率、留言率（留言条数 ÷ 阅读人数）同理")


def _position(idx: int) -> str:
    return "头条" if idx == 1 else f"第 {idx} 条"


def top_articles(sec: ContentSection, n: int = 10) -> pd.DataFrame:
    """The ``n`` most-read articles plus every 爆款 article, most read first."""
    a = sec.articles
    if a.empty:
        return a
    top = a.sort_values(["reads", "msgid"], ascending=[False, True]).head(n)
    return a.loc[top.index.union(a.index[a["viral"]])].sort_values(
        ["reads", "msgid"], ascending=[False, True])


def top_html(sec: ContentSection, n: int = 10) -> fmt.HtmlBlock:
    """The top articles with reads by source (each a share of the article's readers)."""
    t = top_articles(sec, n)
    if t.empty:
        return fmt.notes(["本月没有图文群发数据"], title="头部文章")
    shares = _shares(t)
    rows = []
    for rank, (i, r) in enumerate(t.iterrows(), start=1):
        viral = "是" if r["viral"] else ("—" if not sec.rule.applicable else "否")
        rows.append([rank, r["title"], f"{r['ref_date']:%m-%d} {_position(r['idx'])}",
                     r["content_type"], fmt.fmt_int(r["reads"]), fmt.fmt_pct(r["share_rate"], 2),
                     *(fmt.fmt_pct(shares.at[i, s.key]) for s in SOURCES),
                     fmt.fmt_pct(shares.at[i, "share_driven"]), viral])
    header = ["#", "标题", "推送", "内容形式", "阅读人数", "分享率", *(s.label for s in SOURCES),
              "分享带来的阅读", "爆款"]
    return fmt.table(rows, header, numeric=tuple(range(4, 14)), wrap=(1,),
                     caption=f"各来源 = 该来源阅读人数 ÷ 文章阅读人数（同一读者可经多个来源进入，"
                             f"各来源之和可超过 100%，不相加作总数）；分享带来的阅读 = 聊天会话 + "
                             f"朋友圈（上限估计）。{sec.rule.text()}")


def pushes_html(sec: ContentSection) -> fmt.HtmlBlock:
    """Per push: headline open rate against the secondary articles'."""
    p = sec.pushes
    if p.empty:
        return fmt.notes(["本月没有群发"], title="头条打开率")
    rows = [[f"{r['ref_date']:%m-%d}", r["headline"], fmt.fmt_int(r["target_user"]),
             fmt.fmt_int(r["head_session"]), fmt.fmt_pct(r["head_rate"], 2),
             fmt.fmt_int(r["secondary"]),
             fmt.fmt_pct(r["secondary_rate"], 2) if r["secondary"] else "—"]
            for _, r in p.iterrows()]
    o = sec.opens
    rows.append(["本月", f"{o.pushes} 次推送", "", "", fmt.fmt_pct(o.head, 2),
                 fmt.fmt_int(o.secondary_articles), fmt.fmt_pct(o.secondary, 2)])
    if sec.prev_opens is not None:
        q = sec.prev_opens
        rows.append(["环比", "", "", "", _pp(o.head, q.head), "", _pp(o.secondary, q.secondary)])
    return fmt.table(rows, ["推送日期", "头条标题", "送达人数", "头条公众号消息阅读人数",
                            "头条打开率", "次条及以后篇数", "次条及以后打开率"],
                     numeric=(2, 3, 4, 5, 6), wrap=(1,),
                     caption="打开率 = 公众号消息阅读人数（int_page_from_session_read_user）÷ 送达人数"
                             "（target_user），各文章取最后一个 stat_date；月度值为各推送合计后相除")


def _pp(now: float, before: float) -> str:
    if pd.isna(now) or pd.isna(before):
        return "—"
    return fmt.fmt_pp((now - before) * 100)


def hours_html(sec: ContentSection) -> fmt.HtmlBlock:
    """The best reading hours (mean readers per hour over the month's days)."""
    h = sec.hours
    if h is None:
        return fmt.notes(["未提供图文阅读分时数据（getuserreadhour）"], title="阅读时段")
    total = float(h.hourly.sum())
    rows = [[f"{hour}:00–{hour}:59", fmt.fmt_int(h.hourly[hour]),
             fmt.fmt_pct(h.hourly[hour] / total if total else math.nan)]
            for hour in h.top_hours(5)]
    return fmt.table(rows, ["时段", "日均阅读人数", "占全天"], numeric=(1, 2),
                     caption=f"{h.n_days} 天的分时数据（user_source = 99999999 全部）；"
                             "这是读者阅读的时间，不等于最佳推送时间")


def _hour_label(hour: int) -> str:
    return f"{hour}:00–{hour}:59"


def push_hours_html(sec: ContentSection) -> fmt.HtmlBlock:
    """Per send hour: pushes, 24-hour open rates (median, range, pooled) and the type-adjusted
    index, with the sample size shown and hours under ``MIN_HOUR_PUSHES`` pushes not compared."""
    ph = sec.push_hours
    if ph is None:
        return fmt.notes(["没有事件日志或其中没有群发结果（MASSSENDJOBFINISH），无法按推送时刻比较打开率"],
                         title="推送时刻与打开率")
    if ph.by_hour.empty:
        return fmt.notes([f"本月推送都无法对应到群发结果事件（{'、'.join(ph.unmatched)}），"
                          "无法按推送时刻比较"], title="推送时刻与打开率")
    rows = []
    for hour, r in ph.by_hour.iterrows():
        compared = r["pushes"] >= MIN_HOUR_PUSHES
        rows.append([_hour_label(int(hour)), fmt.fmt_int(r["pushes"]),
                     fmt.fmt_pct(r["rate_median"], 2),
                     f"{fmt.fmt_pct(r['rate_min'], 2)}–{fmt.fmt_pct(r['rate_max'], 2)}",
                     fmt.fmt_pct(_ratio(r["openers"], r["target"]), 2),
                     f"{r['index_median']:.2f}" if compared else
                     f"—（不足 {MIN_HOUR_PUSHES} 次，不比较）"])
    basis = "同一头条内容形式的推送中位数（只有 1 次推送的内容形式用全月中位数）" if ph.adjusted \
        else "本月全部推送的中位数（没有内容计划，未按内容形式调整）"
    test = (f"Kruskal-Wallis p = {ph.p_value:.3f}" if ph.p_value is not None
            else f"推送 ≥ {MIN_HOUR_PUSHES} 次的时刻不足 2 个，未检验")
    return fmt.table(rows, ["推送时刻", "推送次数", "24 小时打开率（中位数）", "最低–最高",
                            "合计（Σ打开 ÷ Σ送达）", "打开率指数（中位数）"],
                     numeric=(1, 2, 4, 5),
                     caption=f"推送时刻 = 群发结果事件 MASSSENDJOBFINISH 的时间；24 小时打开率 = "
                             f"推送后 {PUSH_WINDOW_H} 小时内从公众号消息打开该次推送任一篇文章的粉丝"
                             f"（事件日志去重）÷ 送达人数（target_user）；打开率指数 = 该次 24 小时"
                             f"打开率 ÷ {basis}；{test}")


def titles_html(sec: ContentSection) -> fmt.HtmlBlock:
    """Title features against open rate, with the sample size of every group."""
    t = sec.titles
    if t.empty or sec.articles.empty:
        return fmt.notes(["本月没有图文群发数据"], title="标题特征")
    rows = []
    for _, r in t.iterrows():
        if not r["enough"]:
            verdict = f"样本不足（两组各需 ≥{MIN_GROUP} 篇）"
            diff = p = "—"
        else:
            diff = fmt.fmt_signed_pct(r["diff"])
            p = f"{r['p']:.3f} / {r['p_holm']:.3f}"
            verdict = "差异显著" if r["p_holm"] < ALPHA else "差异不显著"
        rows.append([r["feature"], fmt.fmt_int(r["n_with"]), fmt.fmt_int(r["n_without"]),
                     fmt.fmt_pct(r["rate_with"], 2), fmt.fmt_pct(r["rate_without"], 2),
                     _index_text(r["index_with"]), _index_text(r["index_without"]), diff, p,
                     verdict])
    return fmt.table(rows, ["标题特征", "有（篇）", "无（篇）", "有：打开率中位数", "无：打开率中位数",
                            "有：打开率指数", "无：打开率指数", "指数差异", "p 值 / Holm 校正",
                            "结论"], numeric=tuple(range(1, 9)),
                     caption="打开率指数 = 文章打开率 ÷ 本月同位置（头条 / 非头条）文章打开率中位数，"
                             "消除头条与次条的位置差异；p 值为 Mann-Whitney U 双侧检验，Holm 校正"
                             f"针对同时检验的特征；p < {ALPHA} 为显著。相关不等于因果。")


def _index_text(v: Any) -> str:
    return "—" if v is None or pd.isna(v) else f"{v:.2f}"


# --------------------------------------------------------------------------- charts


def sources_chart(sec: ContentSection, n: int = 10) -> Figure | fmt.HtmlBlock:
    """Stacked bars of the top articles' readers by source, with each article's reader total."""
    t = top_articles(sec, n)
    if t.empty:
        return fmt.notes(["本月没有图文群发数据"], title="阅读来源")
    t = t.iloc[::-1]
    fig, ax = charts._figure(9.5, 0.5 * len(t) + 2.0)
    y = np.arange(len(t))
    left = np.zeros(len(t))
    for s, colour in zip(SOURCES, _SOURCE_COLORS, strict=True):
        vals = t[f"src_{s.key}"].fillna(0).to_numpy(dtype=float)
        if not vals.any():
            continue
        ax.barh(y, vals, left=left, color=colour, height=0.62, label=s.label)
        left += vals
    ax.scatter(t["src_total"], y, marker="D", s=36, color=charts.PALETTE["text"], zorder=5,
               label="阅读人数（全部）")
    labels = [charts.safe_label(title, 16) + ("（爆款）" if v else "")
              for title, v in zip(t["title"], t["viral"], strict=True)]
    ax.set_yticks(y, labels)
    ax.set_xlabel("阅读人数")
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title("头部文章的阅读来源（来源间有重叠，堆叠可超过阅读人数）")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.3 / max(len(t), 1)), ncols=4,
              fontsize=9)
    return fig


def open_rate_chart(sec: ContentSection) -> Figure | fmt.HtmlBlock:
    """Per push: headline vs secondary open rate (bars), the month's headline rate (line)."""
    p = sec.pushes
    if p.empty:
        return fmt.notes(["本月没有群发"], title="头条打开率")
    fig, ax = charts._figure(9.0, 3.6)
    x = np.arange(len(p))
    ax.bar(x - 0.2, p["head_rate"] * 100, width=0.4, color=charts.PALETTE["new"], label="头条")
    ax.bar(x + 0.2, p["secondary_rate"] * 100, width=0.4, color=charts.PALETTE["net"],
           label="次条及以后")
    top = np.nanmax(np.r_[p["head_rate"].to_numpy(float), p["secondary_rate"].to_numpy(float)])
    ax.set_ylim(0, (top if np.isfinite(top) and top > 0 else 0.01) * 100 * 1.3)
    if not pd.isna(sec.opens.head):
        ax.axhline(sec.opens.head * 100, color=charts.PALETTE["text"], ls="--", lw=1.1,
                   label=f"本月头条 {fmt.fmt_pct(sec.opens.head, 2)}")
    ax.set_xticks(x, [f"{d:%m-%d}" for d in p["ref_date"]], rotation=45 if len(p) > 12 else 0)
    ax.set_ylabel("打开率（%）")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.1f}%"))
    ax.set_title("每次推送的头条与次条打开率（公众号消息阅读人数 ÷ 送达人数）")
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper right", ncols=3)
    return fig


def heatmap_chart(sec: ContentSection) -> Figure | fmt.HtmlBlock:
    """Average readers by weekday × hour (getuserreadhour, 全部), the busiest cell framed."""
    h = sec.hours
    if h is None:
        return fmt.notes(["未提供图文阅读分时数据（getuserreadhour）"], title="阅读时段热力图")
    fig, ax = charts._figure(10.0, 3.8)
    grid = h.grid.to_numpy(dtype=float)
    im = ax.imshow(np.nan_to_num(grid), aspect="auto", cmap="Greens")
    ax.set_yticks(range(7), [f"{w}（{int(h.days[i])} 天）" for i, w in enumerate(WEEKDAYS)])
    ax.set_xticks(range(24), [str(i) for i in range(24)])
    ax.set_xlabel("时（0–23）")
    ax.grid(False)
    wd, hour, _ = h.best_cell()
    ax.add_patch(Rectangle((hour - 0.5, wd - 0.5), 1, 1, fill=False,
                           edgecolor=charts.PALETTE["cancel"], lw=2))
    fig.colorbar(im, ax=ax, label="平均阅读人数", pad=0.01)
    ax.set_title("各星期、各小时的平均阅读人数（阅读发生的时间，不是推送时间）")
    return fig


# --------------------------------------------------------------------------- narrative


def _typed(sec: ContentSection) -> pd.DataFrame:
    m = sec.matrix
    if m is None:
        return pd.DataFrame()
    return m.drop(index=[TOTAL, UNTYPED], errors="ignore")


def _roi_types(sec: ContentSection) -> pd.DataFrame:
    t = _typed(sec)
    return t[t["ratio"].notna()].sort_values("ratio", ascending=False) if len(t) else t


def _matrix_sentences(sec: ContentSection) -> list[str]:
    a, m = sec.articles, sec.matrix
    if m is None:
        return [(f"本月群发图文 {len(a)} 篇（{a['push'].nunique()} 次推送）；未提供内容计划"
                f"（{PLAN_FILE}），无法按内容形式比较传播与转化，以下按文章分析。")]
    typed = _typed(sec)
    untyped = int((a["content_type"] == UNTYPED).sum())
    out = [f"本月群发图文 {len(a)} 篇，内容计划标注了 {len(typed)} 种内容形式"
           + (f"，{untyped} 篇未在计划中（未分类）" if untyped else "") + "。"]
    roi = _roi_types(sec)
    if sec.orders is None:
        out.append(f"未提供订单数据（{ORDERS_FILE}），转化率与 ROI 无法计算。")
    elif len(roi):
        best = roi.iloc[0]
        text = (f"按末次触点归因的订单收入计算，{roi.index[0]}类内容投入产出比最高，达 "
                f"{ratio_text(best['ratio'])}（收入 {fmt.fmt_money(best['revenue'])}，成本 "
                f"{fmt.fmt_money(best['cost'])}，ROI {fmt.fmt_pct(best['roi'], 0)}）")
        if len(roi) > 1:
            worst = roi.iloc[-1]
            word = "远高于" if worst["ratio"] > 0 and best["ratio"] >= 2 * worst["ratio"] \
                else "高于"
            text += f"，{word}{roi.index[-1]}类的 {ratio_text(worst['ratio'])}"
            if worst["roi"] < 0:
                text += "（收入低于成本）"
        out.append(text + "。")
    else:
        out.append("各内容形式均无成本记录，无法计算 ROI。")
    share = typed[typed["share_rate"].notna()]
    if len(share) > 1:
        low = share["share_rate"].idxmin()
        r = share.loc[low]
        text = (f"{low}分享率最低（{fmt.fmt_pct(r['share_rate'], 2)}，全部文章为 "
                f"{fmt.fmt_pct(m.loc[TOTAL, 'share_rate'], 2)}，阅读中位数 "
                f"{fmt.fmt_int(r['reads_median'])}）")
        per_article = (share["cost"] / share["cost_articles"].where(share["cost_articles"] > 0))
        if per_article.notna().sum() > 1 and per_article.idxmin() == low:
            text += f"；其单篇成本也最低（{fmt.fmt_money(per_article[low])}），成本低但传播力不足"
        out.append(text + "。")
    return out


def _attribution_sentence(sec: ContentSection) -> str:
    att = sec.attribution
    if att is None or not att.orders:
        return ""
    text = (f"本月订单 {att.orders:,} 笔、金额 {fmt.fmt_money(att.revenue)}，按订单记录的 "
            f"msgid（末次触点）归因到本月文章 {fmt.fmt_money(att.attributed_revenue)}")
    share = att.unattributed_share
    if share:
        text += f"，未归因 {fmt.fmt_pct(share)}（{_unattributed_parts(att)}）"
    return text + "。"


def _unattributed_parts(att: Attribution) -> str:
    parts = []
    if att.no_msgid_orders:
        parts.append(f"无 msgid {att.no_msgid_orders:,} 笔 {fmt.fmt_money(att.no_msgid_revenue)}")
    if att.outside_orders:
        parts.append(f"指向 {att.outside_msgids} 篇本月之外文章的 {att.outside_orders:,} 笔 "
                     f"{fmt.fmt_money(att.outside_revenue)}")
    return "；".join(parts)


def _viral_sentence(sec: ContentSection) -> str:
    rule, a = sec.rule, sec.articles
    if not rule.applicable:
        return rule.text() + "。"
    v = a[a["viral"]].sort_values("reads", ascending=False)
    if v.empty:
        return (f"按爆款规则（阅读 ≥ 中位数 × {rule.multiple:g} 或超出 Q3 + 1.5·IQR，且分享率 ≥ "
                f"P75 {fmt.fmt_pct(rule.share_p75, 2)}），本月没有爆款文章。")
    items = [_viral_item(r, rule) for _, r in v.iterrows()]
    return f"本月 {len(v)} 篇文章达到爆款标准：" + "；".join(items) + "。"


def _viral_item(r: pd.Series, rule: ViralRule) -> str:
    times = f"，为中位数的 {r['reads'] / rule.median:.1f} 倍" if rule.median else ""
    kind = f"（{r['content_type']}）" if r["content_type"] != UNTYPED else ""
    text = (f"《{r['title']}》{kind}阅读 {r['reads']:,} 人{times}，分享率 "
            f"{fmt.fmt_pct(r['share_rate'], 2)}")
    if not pd.isna(r["share_driven"]):
        text += f"，分享带来的阅读（聊天会话 + 朋友圈）占 {fmt.fmt_pct(r['share_driven'])}"
    if r["driver"]:
        text += (f"，主要增量来自{r['driver']}（占 {fmt.fmt_pct(r['driver_share'])}，本月文章中位 "
                 f"{fmt.fmt_pct(r['driver_usual'])}）")
    return text


def _open_sentence(sec: ContentSection) -> str:
    o, q = sec.opens, sec.prev_opens
    if not o.pushes:
        return ""
    text = f"本月 {o.pushes} 次推送，头条打开率 {fmt.fmt_pct(o.head, 2)}"
    if q is not None and not pd.isna(q.head) and not pd.isna(o.head):
        text += f"（环比 {_pp(o.head, q.head)}）"
    if o.secondary_articles and not pd.isna(o.secondary):
        text += f"，次条及以后 {fmt.fmt_pct(o.secondary, 2)}"
        if o.secondary:
            text += f"，头条是其 {o.head / o.secondary:.1f} 倍"
    else:
        text += "，本月推送均为单篇"
    return text + "（打开率 = 公众号消息阅读人数 ÷ 送达人数）。"


def _hours_sentence(sec: ContentSection) -> str:
    h = sec.hours
    if h is None:
        return "未提供图文阅读分时数据（getuserreadhour），无法分析阅读时段。"
    tops = h.top_hours(3)
    wd, hour, value = h.best_cell()
    hours = "、".join(f"{x} 时（日均 {h.hourly[x]:,.0f} 人）" for x in tops)
    return (f"阅读最集中的时段是 {hours}；按星期看最高为{WEEKDAYS[wd]} {hour} 时（平均 "
            f"{value:,.0f} 人）。这是读者阅读的时间，受推送时间影响，不等于最佳推送时间。")


def _push_hours_sentence(sec: ContentSection) -> str:
    ph = sec.push_hours
    if ph is None or ph.by_hour.empty:
        return ("没有事件日志中的群发结果事件，无法比较不同推送时刻的 24 小时打开率，"
                "最佳推送时间暂不能判断。")
    parts = "；".join(f"{int(h)} 时 {int(r['pushes'])} 次、中位数 {fmt.fmt_pct(r['rate_median'], 2)}"
                     for h, r in ph.by_hour.sort_values("pushes", ascending=False).iterrows())
    text = f"按推送时刻比较 24 小时打开率（推送后 24 小时内从公众号消息打开的粉丝 ÷ 送达人数）：{parts}。"
    best = ph.best()
    adjust = "按头条内容形式调整后，" if ph.adjusted else ""
    if best is None:
        return text + (f"推送 ≥ {MIN_HOUR_PUSHES} 次的时刻不足 2 个，无法判断最佳推送时间；"
                       "可在后续月份轮换推送时刻再比较。")
    hour, r = best
    verdict = (f"差异显著（Kruskal-Wallis p = {ph.p_value:.3f}），可把更多推送安排在 {hour} 时前后"
               if ph.significant else
               f"但各时刻差异不显著（Kruskal-Wallis p = {ph.p_value:.3f}），现有数据不支持调整推送时间")
    return (text + f"{adjust}{hour} 时推送的打开率指数最高（中位数 {r['index_median']:.2f}，"
            f"{int(r['pushes'])} 次），{verdict}；每个时刻只有几次推送，宜合并 3–6 个月再下结论。")


def _best_feature(sec: ContentSection) -> pd.Series | None:
    t = sec.titles
    ok = t[t["enough"] & t["diff"].notna()] if len(t) else t
    if ok.empty:
        return None
    return ok.loc[ok["diff"].abs().idxmax()]


def _title_sentence(sec: ContentSection) -> str:
    if sec.articles.empty:
        return ""
    r = _best_feature(sec)
    if r is None:
        return (f"标题特征（数字、问号、感叹号、【】、emoji、长度）的各组样本不足（每组需 ≥"
                f"{MIN_GROUP} 篇），本月不对标题下结论。")
    word = "高" if r["diff"] > 0 else "低"
    verdict = (f"差异显著（Holm 校正 p = {r['p_holm']:.3f}）" if r["p_holm"] < ALPHA
               else f"但差异不显著（Holm 校正 p = {r['p_holm']:.3f}），仅供参考")
    return (f"标题特征中差异最大的是“{r['feature']}”：有此特征的 {r['n_with']} 篇打开率中位数 "
            f"{fmt.fmt_pct(r['rate_with'], 2)}，无此特征的 {r['n_without']} 篇为 "
            f"{fmt.fmt_pct(r['rate_without'], 2)}，按位置调整后的打开率指数{word} "
            f"{abs(r['diff']):.1%}，{verdict}。")


def narrative(sec: ContentSection) -> list[str]:
    """The seed-style paragraphs, every figure computed from ``sec``."""
    if sec.articles.empty:
        return ["本月没有图文群发数据，无法分析内容传播效能。"]
    parts = [*_matrix_sentences(sec), _attribution_sentence(sec), _viral_sentence(sec),
             _open_sentence(sec), _hours_sentence(sec), _push_hours_sentence(sec),
             _title_sentence(sec)]
    return [p for p in parts if p]


def data_notes(sec: ContentSection) -> list[str]:
    """口径, matching and attribution caveats, and what the data does not give."""
    notes = list(sec.notes)
    if sec.prev_note:
        notes.append(sec.prev_note)
    notes.append("图文群发总数据（getarticletotal）为自推送日起的累计值：每篇文章取最后一个 "
                 "stat_date 的数值，不把每日行相加。")
    young = sec.articles[sec.articles["days_tracked"] < TRACK_DAYS]
    if len(young):
        notes.append(f"{len(young)} 篇文章数据不足 {TRACK_DAYS} 天（多为月末推送），阅读仍在累积，"
                     "数值偏低。")
    notes.append("阅读来源：同一读者可经多个场景进入，各来源人数之和大于阅读人数；来源只按占阅读人数"
                 "的比例展示，从不相加作总数。“分享带来的阅读”= 聊天会话 + 朋友圈，两者可能重叠，"
                 "是上限估计。")
    notes.extend(_plan_notes(sec))
    notes.extend(_order_notes(sec))
    notes.append(sec.rule.text() + "。")
    if sec.hours is not None:
        notes.append("阅读分时热力图只用 user_source = 99999999（全部）的行；某天缺少的小时按 0 人计。")
    ph = sec.push_hours
    if ph is not None and ph.unmatched:
        notes.append(f"{len(ph.unmatched)} 次推送（{'、'.join(ph.unmatched)}）在事件日志中找不到唯一对应的"
                     "群发结果事件（MsgID 不同且当天群发或事件不止一个），不参与推送时刻比较。")
    notes.append("标题特征为相关分析：同月文章的选题、位置、推送日不同，差异不代表因果；样本不足时"
                 "不下结论。")
    return list(dict.fromkeys(notes))


def _plan_notes(sec: ContentSection) -> list[str]:
    pm = sec.plan
    if not pm.has_plan:
        return [f"未提供内容计划（{PLAN_FILE}）：所有文章为未分类，成本与 ROI 不可用。"]
    out = list(pm.problems)
    a = pm.articles
    by = a["matched_by"].value_counts()
    out.append(f"内容计划匹配：按 msgid {by.get('msgid', 0)} 篇、按推送日期+标题 "
               f"{by.get('日期+标题', 0)} 篇，未分类 {int((a['content_type'] == UNTYPED).sum())} 篇。")
    for r in pm.unmatched.to_dict("records"):
        what = r["msgid"] or f"{r['date']}《{r['title']}》"
        cost = pd.to_numeric(pd.Series([r["cost"]]), errors="coerce").iloc[0]
        cost_text = f"，成本 {fmt.fmt_money(cost)} 未计入" if not pd.isna(cost) and cost else ""
        out.append(f"{PLAN_FILE} {r['row']}（{what}，{r['content_type']}）未匹配到文章："
                   f"{r['reason']}{cost_text}。")
    return out


def _order_notes(sec: ContentSection) -> list[str]:
    att = sec.attribution
    if att is None:
        return [f"未提供订单数据（{ORDERS_FILE}）：转化率、归因收入与 ROI 显示为未提供。"]
    out = [("收入归因：末次触点，以订单记录的 msgid（业务系统记录的最后一次触达文章）为准；无 msgid "
            "或 msgid 不是本月推送文章的订单不归因到内容形式。转化率 = 归因下单人数（同一内容形式内"
            "去重）÷ 各文章阅读人数之和（跨文章未去重），偏保守。")]
    if att.orders and att.unattributed_share:
        out.append(f"未归因收入占 {fmt.fmt_pct(att.unattributed_share)}：{_unattributed_parts(att)}。")
    if att.before_push:
        out.append(f"{att.before_push} 笔订单早于其归因文章的推送日期，请核对订单的 msgid。")
    return out


# --------------------------------------------------------------------------- findings


def _finding(**kw: Any) -> Finding:
    return Finding(section=SECTION[0], section_title=SECTION[1], **kw)


def _roi_findings(sec: ContentSection) -> list[Finding]:
    roi = _roi_types(sec)
    if sec.orders is None or roi.empty:
        return []
    best = roi.iloc[0]
    name = str(roi.index[0])
    out = [_finding(
        metric="content_roi_best", name="ROI 最高的内容形式", status="提示",
        evidence=(f"{name}类内容投入产出比 {ratio_text(best['ratio'])}（收入 "
                  f"{fmt.fmt_money(best['revenue'])}，成本 {fmt.fmt_money(best['cost'])}），为 "
                  f"{len(roi)} 种有成本的内容形式中最高"),
        value=float(best["ratio"]), value_text=f"{name} {ratio_text(best['ratio'])}",
        extra={"content_type": name, "roi": float(best["roi"]),
               "articles": int(best["articles"]),
               "ranking": {str(k): float(v) for k, v in roi["ratio"].items()}})]
    losing = roi[roi["roi"] < 0]
    if len(losing):
        items = "、".join(f"{k}（{ratio_text(r['ratio'])}）" for k, r in losing.iterrows())
        worst = losing.iloc[-1]
        out.append(_finding(
            metric="content_roi_negative", name="收入低于成本的内容形式", status="预警",
            evidence=f"{items} 的归因收入低于成本投入",
            value=float(worst["roi"]), value_text=fmt.fmt_pct(worst["roi"], 0),
            gap=float(-worst["roi"]),
            extra={"content_types": [str(k) for k in losing.index]}))
    return out


def _share_finding(sec: ContentSection) -> list[Finding]:
    typed = _typed(sec)
    typed = typed[typed["share_rate"].notna()] if len(typed) else typed
    if len(typed) < 2:
        return []
    low = str(typed["share_rate"].idxmin())
    r, overall = typed.loc[low], float(sec.matrix.loc[TOTAL, "share_rate"])  # type: ignore[union-attr]
    return [_finding(
        metric="content_share_rate_lowest", name="分享率最低的内容形式", status="提示",
        evidence=(f"{low}分享率 {fmt.fmt_pct(r['share_rate'], 2)}，全部文章 "
                  f"{fmt.fmt_pct(overall, 2)}，为各内容形式中最低"),
        value=float(r["share_rate"]), value_text=f"{low} {fmt.fmt_pct(r['share_rate'], 2)}",
        benchmark=overall, gap=(overall - float(r["share_rate"])) / overall if overall else None,
        extra={"content_type": low})]


def _viral_finding(sec: ContentSection) -> list[Finding]:
    v = sec.articles[sec.articles["viral"]].sort_values("reads", ascending=False)
    if v.empty:
        return []
    items = "；".join(_viral_item(r, sec.rule) for _, r in v.iterrows())
    return [_finding(
        metric="viral_articles", name="爆款文章", status="提示", kind="event",
        evidence=f"本月 {len(v)} 篇爆款：{items}", value=float(len(v)),
        value_text=f"{len(v)} 篇",
        extra={"articles": [{"msgid": r["msgid"], "title": r["title"],
                             "content_type": r["content_type"], "reads": int(r["reads"]),
                             "driver": r["driver"]} for _, r in v.iterrows()],
               "rule": sec.rule.text()})]


def _open_finding(sec: ContentSection) -> list[Finding]:
    o, q = sec.opens, sec.prev_opens
    if not o.head_articles or pd.isna(o.head):
        return []
    mom = (o.head - q.head) * 100 if q is not None and not pd.isna(q.head) else None
    evidence = f"头条打开率 {fmt.fmt_pct(o.head, 2)}"
    if o.secondary_articles and not pd.isna(o.secondary):
        evidence += f"，次条及以后 {fmt.fmt_pct(o.secondary, 2)}"
    if mom is not None:
        evidence += f"，头条环比 {fmt.fmt_pp(mom)}"
    return [_finding(
        metric="content_headline_open_rate", name="头条与次条打开率", status="未设目标",
        evidence=evidence, value=o.head, value_text=fmt.fmt_pct(o.head, 2), mom=mom,
        mom_text=fmt.fmt_pp(mom) if mom is not None else "无上月数据",
        extra={"secondary": None if pd.isna(o.secondary) else o.secondary,
               "pushes": o.pushes})]


def _hours_finding(sec: ContentSection) -> list[Finding]:
    h = sec.hours
    if h is None:
        return []
    tops = h.top_hours(3)
    return [_finding(
        metric="reading_peak_hours", name="阅读高峰时段", status="未设目标",
        evidence=f"阅读最集中的时段为 {'、'.join(f'{x} 时' for x in tops)}（{h.n_days} 天分时数据）",
        value=float(tops[0]), value_text=f"{tops[0]} 时", extra={"hours": tops})]


def _push_hours_finding(sec: ContentSection) -> list[Finding]:
    ph = sec.push_hours
    best = ph.best() if ph is not None else None
    if best is None:
        return []
    hour, r = best
    verdict = "差异显著" if ph.significant else "差异不显著"
    return [_finding(
        metric="best_push_hour", name="最佳推送时刻", status="未设目标",
        evidence=f"{hour} 时推送的 24 小时打开率指数最高（中位数 {r['index_median']:.2f}，"
                 f"{int(r['pushes'])} 次推送），各时刻{verdict}（p = {ph.p_value:.3f}）",
        value=float(hour), value_text=f"{hour} 时",
        extra={"significant": ph.significant, "p": ph.p_value, "pushes": int(r["pushes"])})]


def _unattributed_finding(sec: ContentSection) -> list[Finding]:
    att = sec.attribution
    if att is None or not att.revenue or att.unattributed_share is None:
        return []
    share = att.unattributed_share
    return [_finding(
        metric="content_revenue_unattributed", name="未归因订单收入占比", status="未设目标",
        evidence=(f"订单金额 {fmt.fmt_money(att.revenue)} 中 {fmt.fmt_pct(share)} 未能按 msgid "
                  "归因到本月文章"),
        value=share, value_text=fmt.fmt_pct(share),
        extra={"no_msgid_orders": att.no_msgid_orders, "outside_orders": att.outside_orders})]


def _title_finding(sec: ContentSection) -> list[Finding]:
    r = _best_feature(sec)
    if r is None or not r["p_holm"] < ALPHA:
        return []
    word = "高" if r["diff"] > 0 else "低"
    return [_finding(
        metric=f"title_feature:{r.name}", name=f"标题特征：{r['feature']}", status="提示",
        evidence=(f"标题{r['feature']}的文章（{r['n_with']} 篇）按位置调整后的打开率指数比其余"
                  f"（{r['n_without']} 篇）{word} {abs(r['diff']):.1%}（Holm 校正 p = "
                  f"{r['p_holm']:.3f}）"),
        value=float(r["diff"]), value_text=fmt.fmt_signed_pct(r["diff"]),
        extra={"n_with": int(r["n_with"]), "n_without": int(r["n_without"]),
               "p_holm": float(r["p_holm"])})]


def findings(sec: ContentSection) -> list[Finding]:
    """The section's conclusions as data (see the module docstring for each definition)."""
    return [*_roi_findings(sec), *_share_finding(sec), *_viral_finding(sec),
            *_open_finding(sec), *_hours_finding(sec), *_push_hours_finding(sec),
            *_unattributed_finding(sec), *_title_finding(sec)]
