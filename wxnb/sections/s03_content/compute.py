"""Section 03 内容传播效能对比分析, the numbers: content types, 爆款 articles, headline opens,
reading hours (the dataclasses, ``prepare`` and every computation; no HTML tables or charts).
The article table, plan matching, attribution, content-type matrix, 爆款 rule and push hours are
``wxnb.kit.content``'s (other sections use them too); this module re-exports them.

Inputs of one month folder (read only):

* ``getarticletotal_*`` (required, validated by ``wxnb.io.datacube``): one row per article and
  ``stat_date``. Its counters are **cumulative** from the push date (at most 7 days): every
  article is taken at its last ``stat_date`` (``metrics.article_final``); days are never summed.
  阅读人数 = ``int_page_read_user``; 读者分享率 = ``share_user`` ÷ ``int_page_read_user``; 打开率 =
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
* ``content_plan.csv`` (optional, ``wxnb.io.companions.load_content_plan``): 内容形式, cost and author
  per article. A plan row is matched to a datacube article by ``msgid``; a row without msgid by
  push date + title (titles compared after NFKC normalisation with all whitespace removed).
  Articles without a plan row are 未分类; plan rows naming no article are listed in the notes.
* ``events*`` (optional, the event log of ``wxnb.io.eventlog``, read through the month's summary
  ``wxnb.io.eventsummary``): the time of each push's ``MASSSENDJOBFINISH`` gives its send hour,
  and the log's ``article_read`` rows with scene 公众号消息 give the followers who opened the push
  (a read of any of its articles, ``key`` = msgid ``<push>_<index>``) within 24 hours of it. A push is matched to
  its send event by MsgID = msg_data_id when they agree, else by being the only push and the
  only send event of its day; other pushes are left out and counted.
* ``orders.csv`` (optional, ``wxnb.io.companions.load_orders``): revenue is attributed **last touch**
  by the order's ``msgid`` (the article the business system recorded as the order's last
  touch). Orders without a msgid, or with one that is not among this month's articles, are
  unattributed; their share of the revenue is reported.

Definitions per content type: 篇数 (articles pushed), 发布频次 (篇/月 and 篇/周 = 篇数 × 7 ÷ days
of the month), 阅读均值/中位数 of the articles' final readers (reads are heavy-tailed, so both),
读者分享率 = Σ share_user ÷ Σ int_page_read_user, 转化率 = distinct attributed buyers ÷ Σ readers,
成本投入 = Σ plan cost, 归因收入 = Σ attributed order amounts, ROI = (收入 − 成本) ÷ 成本 and the
seed's 投入产出比 1:x with x = 收入 ÷ 成本.

爆款 rule (wechat-analytics-methods.md §4.9, with this month's articles as the baseline):
阅读人数 ≥ 中位数 × ``viral_read_multiple`` or > Q3 + 1.5·IQR, **and** 读者分享率 ≥ this month's
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wxnb.exceptions import DataValidationError
from wxnb.io.datacube import MonthData, load_month, load_previous, month_days
from wxnb.kit import stats
from wxnb.kit.content import (  # re-exported: the section's own vocabulary
    ALPHA,
    ENDPOINTS,
    MIN_HOUR_PUSHES,
    MIN_VIRAL,
    ORDERS_FILE,
    PLAN_FILE,
    PUSH_WINDOW_H,
    SEND_EVENT,
    SHARE_DRIVEN,
    SOURCES,
    TOTAL,
    TRACK_DAYS,
    UNTYPED,
    WEEKDAYS,
    Attribution,
    OpenRates,
    PlanMatch,
    PushHours,
    ReadHours,
    Source,
    ViralRule,
    article_table,
    attribute_orders,
    flag_viral,
    log_read_hours,
    match_plan,
    open_rates,
    push_hours,
    push_open_rates,
    read_hours,
    source_shares,
    type_matrix,
    viral_drivers,
    viral_rule,
)
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s03_content import SPEC

__all__ = [
    "ALPHA",
    "Attribution",
    "ContentSection",
    "ENDPOINTS",
    "FEATURES",
    "INPUTS",
    "MIN_GROUP",
    "MIN_HOUR_PUSHES",
    "MIN_VIRAL",
    "ORDERS_FILE",
    "OpenRates",
    "PLAN_FILE",
    "PUSH_WINDOW_H",
    "PlanMatch",
    "PushHours",
    "ReadHours",
    "SECTION",
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
    "compute",
    "flag_viral",
    "log_read_hours",
    "match_plan",
    "open_rates",
    "prepare",
    "push_hours",
    "push_open_rates",
    "read_hours",
    "title_features",
    "title_flags",
    "top_articles",
    "type_matrix",
    "viral_drivers",
    "viral_rule",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs
MIN_GROUP = 5  # a title feature is compared only when both groups have at least this many


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
    out["p_holm"] = stats.holm(out["p"])
    return out


def _mann_whitney(x: pd.Series, y: pd.Series) -> float:
    from scipy.stats import mannwhitneyu

    if x.nunique() + y.nunique() <= 1:  # every value equal: no difference to test
        return 1.0
    return float(mannwhitneyu(x, y, alternative="two-sided").pvalue)


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
    article_api: str = "legacy"  # MonthData.article_api: "2025" reads the 发表内容 endpoints


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
    shares = source_shares(art)
    art["share_driven"] = shares["share_driven"]
    drivers = viral_drivers(art)
    art[["driver", "driver_share", "driver_usual"]] = drivers[["driver", "share", "usual"]]
    return art, matched, att, notes


def compute(params: ReportParams, data: MonthData, plan: pd.DataFrame | None = None,
            orders: pd.DataFrame | None = None, *, previous: MonthData | None = None,
            prev_plan: pd.DataFrame | None = None, prev_orders: pd.DataFrame | None = None,
            prev_note: str = "", notes: list[str] | tuple[str, ...] = (),
            log: Any = None) -> ContentSection:
    """Compute the section from already loaded frames (no file is read here); ``log`` is the
    month's open ``wxnb.io.eventsummary.EventSummary`` for the push-hour comparison (None: not
    shown)."""
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
    if hours is None and log is not None:
        hours = log_read_hours(log.con)
    return ContentSection(
        params=params, month=params.month, articles=art, plan=matched, orders=orders,
        attribution=att, matrix=matrix, prev_matrix=prev_matrix,
        rule=viral_rule(art, params.viral_read_multiple), pushes=push_open_rates(art),
        opens=open_rates(art), prev_opens=prev_opens, hours=hours,
        titles=title_features(art),
        notes=list(data.warnings) + own_notes + list(notes), prev_note=prev_note,
        push_hours=push_hours(log.con, art[art["notified"].astype(bool)])
        if log is not None else None,
        article_api=data.article_api,
    )


def _side_inputs(folder: Path, month: str) -> tuple[pd.DataFrame | None, pd.DataFrame | None,
                                                     list[str]]:
    """The content plan and the orders of one month folder (None when absent)."""

    from wxnb.io import companions
    plan = companions.load_content_plan(folder, month)
    orders = companions.load_orders(folder, month)
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
    from wxnb.io import eventsummary

    # the push-hour comparison (wxnb.kit.content): send results, first reads per push, reads
    # per day and hour
    log = eventsummary.open_summary(folder, params.month, tables=("act", "sess", "daily"),
                                    **params.event_engine())
    try:
        return compute(params, data, plan, orders, previous=prev.data, prev_plan=prev_plan,
                       prev_orders=prev_orders, prev_note=prev_note, notes=notes, log=log)
    finally:
        if log is not None:
            log.close()


# --------------------------------------------------------------------------- selections


def top_articles(sec: ContentSection, n: int = 10) -> pd.DataFrame:
    """The ``n`` most-read articles plus every 爆款 article, most read first."""
    a = sec.articles
    if a.empty:
        return a
    top = a.sort_values(["reads", "msgid"], ascending=[False, True]).head(n)
    return a.loc[top.index.union(a.index[a["viral"]])].sort_values(
        ["reads", "msgid"], ascending=[False, True])


def _typed(sec: ContentSection) -> pd.DataFrame:
    m = sec.matrix
    if m is None:
        return pd.DataFrame()
    return m.drop(index=[TOTAL, UNTYPED], errors="ignore")


def _roi_types(sec: ContentSection) -> pd.DataFrame:
    t = _typed(sec)
    return t[t["ratio"].notna()].sort_values("ratio", ascending=False) if len(t) else t


def _best_feature(sec: ContentSection) -> pd.Series | None:
    t = sec.titles
    ok = t[t["enough"] & t["diff"].notna()] if len(t) else t
    if ok.empty:
        return None
    return ok.loc[ok["diff"].abs().idxmax()]
