"""The official account's article data, as sections read it: one row per article at its last
``stat_date``, the content plan matched to it, orders attributed to it, the content-type matrix,
the 爆款 rule, open rates and the hours of reading and of pushes.

Section 03 (内容传播效能) is built on these; sections that compare other things with the
content (12 触达渠道's push opens, 15 用户画像's content match) use the same functions, so every
section computes an article's readers, its 打开率 and a 内容形式's figures one way.

Definitions (WeChat's 口径):

* getarticletotal counters are **cumulative** from the push date (at most 7 days): every article
  is taken at its last ``stat_date`` (``metrics.article_final``); days are never summed.
  阅读人数 = ``int_page_read_user``; 读者分享率 = ``share_user`` ÷ ``int_page_read_user``; 打开率 =
  ``int_page_from_session_read_user`` (公众号消息阅读人数) ÷ ``target_user`` (送达人数).
* Reads by source are the ``int_page_from_<source>_read_user`` fields (or the 发表内容 data's
  ``read_user_source`` scenes). A reader who arrived by several scenes counts in each, so the
  sources are **never summed** to make a total.
* A content-plan row is matched to an article by ``msgid``, else by push date + title (titles
  compared after NFKC normalisation with all whitespace removed). Orders are attributed **last
  touch** by their ``msgid``.
* Per content type: 篇数, 发布频次 (篇/周 = 篇数 × 7 ÷ days of the month), 阅读均值/中位数,
  读者分享率 = Σ share_user ÷ Σ int_page_read_user, 转化率 = distinct attributed buyers ÷ Σ
  readers, 成本投入, 归因收入, ROI = (收入 − 成本) ÷ 成本 and 投入产出比 1:x with x = 收入 ÷ 成本.
* A push's 24 小时打开率 = distinct followers who opened any of its articles from 公众号消息
  within 24 h of its send event (``MASSSENDJOBFINISH``) ÷ its 送达人数.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wxnb.io.codes import READ_SCENE_COLUMNS, READ_TOTAL
from wxnb.io.csvin import row_label
from wxnb.io.datacube import MonthData, last_stat_date, title_key
from wxnb.kit import fmt, metrics

__all__ = [
    "ALPHA",
    "Attribution",
    "ENDPOINTS",
    "MIN_HOUR_PUSHES",
    "MIN_VIRAL",
    "ORDERS_FILE",
    "OpenRates",
    "PLAN_FILE",
    "PUSH_WINDOW_H",
    "PlanMatch",
    "PushHours",
    "ReadHours",
    "SEND_EVENT",
    "SHARE_DRIVEN",
    "SOURCES",
    "Source",
    "TOTAL",
    "TRACK_DAYS",
    "UNTYPED",
    "ViralRule",
    "WEEKDAYS",
    "article_table",
    "attribute_orders",
    "flag_viral",
    "log_read_hours",
    "match_plan",
    "open_rates",
    "push_hours",
    "push_open_rates",
    "ratio",
    "read_hours",
    "source_shares",
    "type_matrix",
    "viral_drivers",
    "viral_rule",
]

ENDPOINTS = ("getarticletotal", "getarticletotaldetail", "getuserreadhour")  # 2025 months:
# getarticletotaldetail is the article data (kit.metrics.article_final); no hourly reads exist
PLAN_FILE = "content_plan.csv"
ORDERS_FILE = "orders.csv"
UNTYPED = "未分类"
TOTAL = "合计"
MIN_VIRAL = 5  # the 爆款 rule's median and quartiles need at least this many articles
MIN_HOUR_PUSHES = 2  # a send hour is compared only with at least this many pushes
PUSH_WINDOW_H = 24  # opens counted within this many hours of the send event
SEND_EVENT = "MASSSENDJOBFINISH"
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


# --------------------------------------------------------------------------- articles


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    """A count column as float (NaN where the field is absent), aligned to ``frame``."""
    if column not in frame:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den and not pd.isna(den) and not pd.isna(num) else math.nan


_ARTICLE_COLUMNS = ("msgid", "push", "idx", "ref_date", "stat_date", "days_tracked", "title",
                    "notified",
                    "target_user", "reads", "shares", "share_rate", "session", "open_rate",
                    "src_total", "src_origin", "zaikan", "like", "comment", "detail_reads",
                    *(f"src_{s.key}" for s in SOURCES))


def article_table(data: MonthData) -> tuple[pd.DataFrame, list[str]]:
    """One row per article pushed in the month, at its last ``stat_date``, with its reads by
    source (NaN where the field is not in the data) and, from getarticletotaldetail, its 在看,
    点赞 and 留言. Returns the table and notes on what was used."""
    notes: list[str] = []
    new = data.article_api == "2025"
    if not data.has("getarticletotaldetail" if new else "getarticletotal"):
        return pd.DataFrame(columns=list(_ARTICLE_COLUMNS)), [
            "本月发表内容详细数据没有文章" if new else "本月图文群发总数据没有文章"]
    a = metrics.article_final(data)
    out = pd.DataFrame({
        "msgid": a["msgid"].astype(str),
        "push": a["msgid"].str.rsplit("_", n=1).str[0],
        "idx": a["index_in_push"].astype("int64"),
        "ref_date": a["ref_date"],
        "stat_date": a["stat_date"],
        "days_tracked": (a["stat_date"] - a["ref_date"]).dt.days + 1,
        "title": a["title"].astype(str),
        "target_user": a["target_user"].astype("float64" if new else "int64"),
        "reads": a["int_page_read_user"].astype("int64"),
        "shares": a["share_user"].astype("int64"),
        "session": a["int_page_from_session_read_user"].astype("float64" if new else "int64"),
        # pushed to followers: publications without notification (2025 data, publish_type 1)
        # count in the reads, shares and content forms, never in the push and open-rate analyses
        "notified": a["publish_type"].eq(0) if new else True,
    })
    out["share_rate"] = out["shares"] / out["reads"].where(out["reads"] > 0)
    out["open_rate"] = out["session"] / out["target_user"].where(out["target_user"] > 0)
    for s in SOURCES:
        out[f"src_{s.key}"] = _num(a, s.column)
    out["src_total"] = out["reads"].astype("float64")
    out["src_origin"] = "getarticletotaldetail" if new else "getarticletotal"
    for c in ("zaikan", "like", "comment", "detail_reads"):
        out[c] = np.nan
    if new:
        for c, field_ in (("zaikan", "zaikan_user"), ("like", "like_user"),
                          ("comment", "comment_count"), ("detail_reads", "int_page_read_user")):
            out[c] = _num(a, field_)
        notes += metrics.article_notes(data)
        unnotified = int((~out["notified"]).sum())
        if unnotified:
            notes.append(f"其中 {unnotified} 篇未通知粉丝（publish_type 1）：计入阅读、分享与内容形式"
                         "的分析；没有送达，不计入推送与打开率的分析")
    elif data.has("getarticletotaldetail"):
        notes += _merge_detail(out, data.frames["getarticletotaldetail"])
    missing = [s.label for s in SOURCES if out[f"src_{s.key}"].isna().all()]
    if missing:
        notes.append(f"数据中没有以下阅读来源字段，显示为“—”：{'、'.join(missing)}")
    return out[list(_ARTICLE_COLUMNS)], notes


def _merge_detail(out: pd.DataFrame, detail: pd.DataFrame) -> list[str]:
    """Take 在看/点赞/留言 (and read_user_source when given) from getarticletotaldetail."""
    d = last_stat_date(detail).set_index("msgid")
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
    scene_cols = [c for c in READ_SCENE_COLUMNS.values() if c in d]
    if not scene_cols and "scene_invalid" not in d:
        return notes
    used, broken = 0, 0
    for msgid in common:
        if "scene_invalid" in d and d.at[msgid, "scene_invalid"]:
            broken += 1
            continue
        scenes = {name: d.at[msgid, col] for name, col in READ_SCENE_COLUMNS.items()
                  if col in d and not pd.isna(d.at[msgid, col])}
        if not scenes:
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
        by_key.setdefault((f"{d:%Y-%m-%d}", title_key(t)), []).append(i)
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
            hits = by_key.get((day_text, title_key(rec.get("title", ""))), [])
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


def _type_row(name: str, g: pd.DataFrame, orders: pd.DataFrame | None,
              n_days: int) -> dict[str, Any]:
    reads = float(g["reads"].sum())
    cost = float(g["cost"].sum()) if g["cost"].notna().any() else math.nan
    row: dict[str, Any] = {
        "content_type": name, "articles": len(g), "per_week": len(g) * 7 / n_days,
        "reads_mean": float(g["reads"].mean()), "reads_median": float(g["reads"].median()),
        "reads": reads, "shares": float(g["shares"].sum()),
        "share_rate": ratio(g["shares"].sum(), reads), "cost": cost,
        "cost_articles": int(g["cost"].notna().sum()),
    }
    has_detail = g["detail_reads"].notna()
    base = float(g.loc[has_detail, "detail_reads"].sum())
    for c in ("zaikan", "like", "comment"):
        row[f"{c}_rate"] = ratio(g.loc[has_detail, c].sum(), base) if has_detail.any() \
            else math.nan
    if orders is None:
        row.update(revenue=math.nan, buyers=math.nan, conversion=math.nan, roi=math.nan,
                   ratio=math.nan)
        return row
    mine = orders[orders["msgid"].isin(set(g["msgid"]))]
    row["revenue"] = float(pd.to_numeric(mine["amount"], errors="coerce").fillna(0).sum())
    row["buyers"] = int(mine["follower_id"].nunique())
    row["conversion"] = ratio(row["buyers"], reads)
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
        return (f"爆款 = 阅读人数 ≥ 本月中位数 {fmt.fmt_int(self.median)} × {self.multiple:g}"
                f"（{fmt.fmt_int(self.read_bar)}）或 > Q3 + 1.5·IQR（{fmt.fmt_int(self.fence)}），且读者分享率 ≥ "
                f"本月文章读者分享率 P75（{fmt.fmt_pct(self.share_p75, 2)}）；基准为本月 {self.n} 篇"
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


def source_shares(articles: pd.DataFrame) -> pd.DataFrame:
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
    shares = source_shares(articles)
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
    """Σ 公众号消息阅读人数 ÷ Σ 送达人数, for headlines and for the other positions (over the
    articles whose 送达人数 and 公众号消息 readers are both known)."""
    known = _delivered(articles)
    head, rest = known[known["idx"] == 1], known[known["idx"] > 1]
    return OpenRates(
        pushes=int(articles["push"].nunique()),
        head=ratio(head["session"].sum(), head["target_user"].sum()),
        secondary=ratio(rest["session"].sum(), rest["target_user"].sum()),
        head_articles=len(head), secondary_articles=len(rest),
    )


def _delivered(articles: pd.DataFrame) -> pd.DataFrame:
    """The articles with a known 送达人数 and 公众号消息 readers (all of them in legacy data;
    in 2025 data a push without a matching push result has no 送达人数)."""
    return articles[articles["target_user"].notna() & articles["session"].notna()]


def push_open_rates(articles: pd.DataFrame) -> pd.DataFrame:
    """Per push: date, headline title, delivered, headline and secondary open rates (pushes
    whose 送达人数 is known)."""
    rows = []
    for push, g in _delivered(articles).groupby("push", sort=False):
        head, rest = g[g["idx"] == 1], g[g["idx"] > 1]
        rows.append({
            "push": push, "ref_date": g["ref_date"].min(), "articles": len(g),
            "headline": head["title"].iloc[0] if len(head) else "",
            "target_user": int(g["target_user"].max()),
            "head_session": int(head["session"].sum()),
            "head_rate": ratio(head["session"].sum(), head["target_user"].sum()),
            "secondary": len(rest),
            "secondary_rate": ratio(rest["session"].sum(), rest["target_user"].sum()),
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
    what: str = "阅读人数"  # the quantity: 阅读人数 (getuserreadhour) or 阅读次数 (event log)
    unit: str = "人"
    source: str = "getuserreadhour，user_source = 99999999 全部"

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
    return _hours(per_day)


def log_read_hours(con: Any) -> ReadHours | None:
    """From the event log's article reads per day and hour (the summary's ``daily`` table): what
    section 03 shows when WeChat gives no hourly reads (the 2025 发表内容 endpoints have none).
    Reads are events (次数), of the followers the company's pages track; a day of the log without
    a read in an hour counts as 0. None when the log has no article read."""
    df = con.execute("SELECT day, hour, reads FROM daily").df()
    if df.empty or not df["reads"].sum():
        return None
    per_day = df.pivot_table(index="day", columns="hour", values="reads", aggfunc="sum")
    per_day.index = pd.to_datetime(per_day.index)
    return _hours(per_day, what="阅读次数", unit="次",
                  source="事件日志的文章阅读事件 article_read，按阅读发生的时间")


def _hours(per_day: pd.DataFrame, **labels: str) -> ReadHours:
    """Means per weekday × hour and per hour over the days of ``per_day`` (days × hours)."""
    per_day = per_day.reindex(columns=range(24)).fillna(0.0)
    weekday = per_day.index.day_of_week
    grid = per_day.groupby(weekday).mean().reindex(range(7))
    days = pd.Series(weekday).value_counts().reindex(range(7), fill_value=0)
    return ReadHours(grid=grid, days=days, hourly=per_day.mean(), **labels)


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
    """The month's pushes with their send hour and 24-hour open rate, from the month's event
    summary in ``con`` (``act``: the send events; ``sess``: each follower's first read of a
    push's articles from 公众号消息, per push and second; ``wxnb.io.eventsummary``) and the
    article table (``content_type`` from the plan, when matched). None when the log has no send
    events."""
    sends = con.execute(f"SELECT key, time FROM act WHERE event = '{SEND_EVENT}' "
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
    # A follower opens a push once: at the first read of any of its articles (sess counts
    # followers by that first read), so a reader of two of its articles is one opener.
    until = pd.DataFrame({"push": pushes["push"],
                          "until": pushes["sent_at"] + pd.Timedelta(hours=PUSH_WINDOW_H)})
    con.register("wx_push_until", until)
    try:
        opened = dict(con.execute("""
            SELECT u.push, sum(s.n) FROM sess s JOIN wx_push_until u ON s.push = u.push
            WHERE s.t < u.until GROUP BY 1""").fetchall())
    finally:
        con.unregister("wx_push_until")
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
