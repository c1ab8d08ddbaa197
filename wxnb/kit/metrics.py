"""Section 01 metrics: followers, reads, open and share rates, KPI attainment, anomalies.

Pure functions over the validated frames of ``wxnb.io.datacube.MonthData``: no I/O, no plotting.
Definitions (口径) follow WeChat's own; each is stated next to the code and in the report.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from wxnb.exceptions import DataValidationError
from wxnb.kit.compare import change
from wxnb.io.codes import READ_TOTAL, USER_SOURCE, label
from wxnb.io import delivery
from wxnb.io.datacube import ENDPOINTS, MonthData, last_stat_date, month_days

__all__ = [
    "ARTICLE_ENDPOINTS",
    "KPI_SPECS",
    "KpiSpec",
    "MonthTotals",
    "TOTALS_ENDPOINTS",
    "article_final",
    "article_notes",
    "consecutive_runs",
    "flag_anomalies",
    "follower_daily",
    "follower_sources",
    "kpi_table",
    "Conversion",
    "month_totals",
    "reader_conversion",
    "previous_month_end",
    "published_final",
    "published_totals",
    "pushes",
]


@dataclass(frozen=True)
class Conversion:
    """Readers → buyers in one month: distinct article readers in the event log, and those of
    them who ordered (orders.csv, else the log's ``order`` events)."""

    readers: int
    buyers: int  # readers who ordered
    source: str  # "orders.csv" or "事件日志 order 事件"

    @property
    def rate(self) -> float | None:
        return self.buyers / self.readers if self.readers else None


def reader_conversion(log: Any, orders: pd.DataFrame | None) -> Conversion:
    """Share of the month's distinct article readers who ordered, from the month's event
    summary (``log.con``: its per-follower table ``fol``, see ``wxnb.io.eventsummary``).
    Buyers are the distinct ``follower_id`` of ``orders`` when given, else the followers with
    an ``order`` event in the log. Both sides are distinct people, so the rate is never above 1."""
    con = log.con
    if orders is None:
        readers, bought = con.execute(
            "SELECT count(*) FILTER (WHERE reader), count(*) FILTER (WHERE reader AND buyer) "
            "FROM fol").fetchall()[0]
        return Conversion(int(readers), int(bought), "事件日志 order 事件")
    con.register("wx_buyers", pd.DataFrame({"follower_id": orders["follower_id"].astype(str)
                                            .unique()}))
    try:
        readers, bought = con.execute("""
            WITH b AS (SELECT DISTINCT hash(follower_id) AS k FROM wx_buyers)
            SELECT count(*), count(b.k) FROM fol f LEFT JOIN b USING (k) WHERE f.reader"""
        ).fetchall()[0]
    finally:
        con.unregister("wx_buyers")
    return Conversion(int(readers), int(bought), "orders.csv")


def follower_daily(data: MonthData) -> pd.DataFrame:
    """Return one row per day of the month: new, cancel, net and cumulate followers.

    new/cancel are the sum over every ``user_source`` row of getusersummary (0 is 其他合计, one
    source among others, so the sum is the day's total). Days without rows count as 0.
    """
    days = pd.DatetimeIndex(pd.to_datetime(month_days(data.month)), name="ref_date")
    s = data.frames["getusersummary"]
    daily = s.groupby("ref_date")[["new_user", "cancel_user"]].sum().reindex(days, fill_value=0)
    daily["net_user"] = daily["new_user"] - daily["cancel_user"]
    cum = data.frames["getusercumulate"].set_index("ref_date")["cumulate_user"]
    daily["cumulate_user"] = cum.reindex(days).astype("Int64")
    return daily


def follower_sources(data: MonthData) -> pd.DataFrame:
    """Return new, cancelled and net followers by source for the month, largest first."""
    s = data.frames["getusersummary"]
    by = s.groupby("user_source")[["new_user", "cancel_user"]].sum()
    by["net_user"] = by["new_user"] - by["cancel_user"]
    total_new = by["new_user"].sum()
    by["new_share"] = by["new_user"] / total_new if total_new else np.nan
    by.insert(0, "source", [label(USER_SOURCE, c, "未知来源") for c in by.index])
    return by.sort_values("new_user", ascending=False)


#: The 2025 endpoints' read scenes (read_user_source, flattened by the loader) as the legacy
#: article fields of the same meaning: readers from the push (公众号消息 = 公众号会话), chats
#: (聊天会话 = 好友转发), Moments, the account's home page (公众号主页 = 历史消息页), 推荐
#: (= 看一看), 搜一搜 and 其他.
SCENE_FIELDS = {
    "scene_msg": "int_page_from_session_read_user",
    "scene_chat": "int_page_from_friends_read_user",
    "scene_moments": "int_page_from_feed_read_user",
    "scene_home": "int_page_from_hist_msg_read_user",
    "scene_recommend": "int_page_from_kanyikan_read_user",
    "scene_search": "int_page_from_souyisou_read_user",
    "scene_other": "int_page_from_other_read_user",
}


#: The endpoints :func:`article_final` reads (a caller loading only the articles loads these).
ARTICLE_ENDPOINTS = ("getarticletotal", "getarticletotaldetail")


def article_final(data: MonthData, *, delivered: bool = True) -> pd.DataFrame:
    """Return each article pushed in the month at its last ``stat_date``.

    getarticletotal's counters are cumulative from the push date: the last row is the article's
    figure; summing the rows would count day 1 seven times. A month of the 2025 发表内容 data
    (``data.article_api == "2025"``) is read from getarticletotaldetail instead (also cumulative
    per stat_date; :func:`published_final`), with the same column names where the meaning is the
    same and NaN for what those endpoints do not report (read and share 次数).
    ``delivered=False`` skips joining the push results (送达人数 NaN) for a caller that needs
    titles and readers only.
    """
    if data.article_api == "2025":
        return published_final(data, delivered=delivered)
    a = data.frames.get("getarticletotal")
    if a is None:  # no article was pushed in the month (every chunk {"list": []})
        a = _no_articles()
    last = last_stat_date(a).copy()
    last["index_in_push"] = last["msgid"].str.rsplit("_", n=1).str[-1].astype("int64")
    last["open_rate"] = last["int_page_from_session_read_user"] / last["target_user"].where(
        last["target_user"] > 0)
    return last.sort_values(["ref_date", "msgid"]).reset_index(drop=True)


def published_final(data: MonthData, *, delivered: bool = True) -> pd.DataFrame:
    """Each article published in the month (getarticletotaldetail) at its last stat_date.

    Columns as :func:`article_final`'s: ``int_page_read_user`` = read_user (阅读人数, 全部),
    ``share_user``, the per-scene readers as the legacy ``int_page_from_*_read_user`` fields
    (:data:`SCENE_FIELDS`), ``publish_type`` (0 已通知, 1 未开启通知; a file without it is
    taken as notified) and ``target_user`` = 送达人数 of the notified pushes from the month's push
    results (wxnb.io.delivery; NaN when unknown, and for content published without
    notification, which is never delivered). ``int_page_read_count`` and ``share_count`` are NaN:
    the 2025 endpoints report people, not 次数. :func:`article_notes` says what was assumed.
    """
    key = f"published_final:{delivered}"
    cached = data.cache.get(key)
    if cached is not None:
        return cached.copy()
    notes: list[str] = []
    d = data.frames.get("getarticletotaldetail")
    if d is None or d.empty:
        out = _no_articles()
        out["publish_type"] = pd.Series(dtype="int64")
        out["index_in_push"] = pd.Series(dtype="int64")
        out["open_rate"] = pd.Series(dtype="float64")
        data.cache[key], data.cache["article_notes"] = out, notes
        return out.copy()
    last = last_stat_date(d)
    out = pd.DataFrame({
        "ref_date": last["ref_date"], "stat_date": last["stat_date"],
        "msgid": last["msgid"].astype(str),
        "title": _titles(data, last, notes),
        "int_page_read_user": last["read_user"].astype("int64"),
        "share_user": last["share_user"].astype("int64"),
        "int_page_read_count": np.nan, "share_count": np.nan,
    })
    for scene, column in SCENE_FIELDS.items():
        out[column] = pd.to_numeric(last[scene], errors="coerce").astype("float64") \
            if scene in last else np.nan
    for c in ("zaikan_user", "like_user", "comment_count", "collection_user",
              "read_subscribe_user"):
        if c in last:
            out[c] = pd.to_numeric(last[c], errors="coerce")
    ptype = pd.to_numeric(last["publish_type"], errors="coerce") if "publish_type" in last \
        else pd.Series(np.nan, index=last.index)
    if ptype.isna().any():
        notes.append(f"{int(ptype.isna().sum())} 篇发表内容没有 publish_type，按已通知粉丝计")
    out["publish_type"] = ptype.fillna(0).astype("int64")
    out["index_in_push"] = out["msgid"].str.rsplit("_", n=1).str[-1].astype("int64")
    out["push"] = out["msgid"].str.rsplit("_", n=1).str[0]

    # 送达人数 from the backend's 已通知内容 download (the loader joined it) where it is known;
    # the month's push results (event log) for the pushes it does not cover.
    known = pd.to_numeric(last["target_user"], errors="coerce").astype("float64").to_numpy() \
        if "target_user" in last else np.full(len(last), np.nan)
    out["target_user"] = np.where(out["publish_type"] == 0, known, np.nan)
    # 送达人数 is the push's: every notified article of a push has it once one of them is known
    # (a download may list only some of them), as getarticletotal gives each its push's.
    by_push = out[out["publish_type"] == 0].groupby("push")["target_user"].max()
    out["target_user"] = out["push"].map(by_push).where(out["publish_type"] == 0)
    heads = out[(out["publish_type"] == 0) & ~out["push"].isin(by_push.dropna().index)] \
        .sort_values("ref_date").drop_duplicates("push")[["push", "ref_date"]]
    if delivered and len(heads):
        results, missing = _push_results(data)
        sent, found = delivery.match_pushes(heads, results, missing=missing)
        notes += found
        fill = out["push"].map(sent).where(out["publish_type"] == 0)
        out["target_user"] = out["target_user"].fillna(fill)
    missing_scene = out["publish_type"].eq(0) & out["int_page_from_session_read_user"].isna()
    if missing_scene.any():
        notes.append(f"{int(missing_scene.sum())} 篇已通知内容没有 read_user_source 的“公众号消息”"
                     "项，其打开率无法计算，不计入打开率（分子分母都不计）")
    # A push read by more followers from the push than it reached was matched to the wrong
    # push result (or the result is wrong): its 送达人数 is not used.
    per_push = out[out["target_user"].notna()].groupby("push").agg(
        readers=("int_page_from_session_read_user", "max"), sent=("target_user", "max"))
    impossible = list(per_push.index[per_push["readers"] > per_push["sent"]])
    if impossible:
        out.loc[out["push"].isin(impossible), "target_user"] = np.nan
        notes.append(f"{len(impossible)} 次推送的公众号消息阅读人数超过其送达人数（群发结果对应有误"
                     "或数据有误），其送达人数未使用，不计入打开率")
    out["open_rate"] = out["int_page_from_session_read_user"] / out["target_user"].where(
        out["target_user"] > 0)
    out = out.drop(columns="push").sort_values(["ref_date", "msgid"]).reset_index(drop=True)
    data.cache[key] = out
    if delivered:
        data.cache["article_notes"] = notes
    return out.copy()


def _push_results(data: MonthData) -> tuple[pd.DataFrame | None, str]:
    """The month's push results from its event log (read once per MonthData), and why there
    are none when there are none."""
    if "push_results" not in data.cache:
        results, missing = None, "没有事件日志"
        try:
            if data.folder.is_dir():
                results = delivery.month_results(data.folder, data.month)
        except DataValidationError as exc:  # the check names the log's problems
            missing = f"{data.month} 的事件日志校验未通过（{len(exc.problems)} 个问题）"
        data.cache["push_results"] = (results, missing)
    return data.cache["push_results"]


def _titles(data: MonthData, last: pd.DataFrame, notes: list[str]) -> pd.Series:
    """Titles from getarticletotaldetail; where it has none, from content_plan.csv's msgid."""
    titles = last["title"].astype(object) if "title" in last else \
        pd.Series(None, index=last.index, dtype=object)
    titles = titles.where(titles.notna() & titles.astype(str).str.strip().ne(""), None)
    missing = titles.isna()
    if missing.any() and data.folder.is_dir():
        from wxnb.io.companions import load_content_plan

        try:
            plan = load_content_plan(data.folder, data.month)
        except DataValidationError:  # the plan's own problems are reported by section 03
            plan = None
        if plan is not None and "msgid" in plan and "title" in plan:
            named = plan["msgid"].fillna("").astype(str).str.strip().ne("") & \
                plan["title"].fillna("").astype(str).str.strip().ne("")
            by_id = plan[named].drop_duplicates("msgid", keep="last")
            by_id = by_id.set_index(by_id["msgid"].astype(str))["title"]
            titles = titles.where(~missing, last["msgid"].astype(str).map(by_id))
    still = titles.isna()
    if still.any():
        notes.append(f"{int(still.sum())} 篇发表内容在 getarticletotaldetail 与内容计划中都没有"
                     "标题，以 msgid 显示")
        titles = titles.where(~still, "msgid " + last["msgid"].astype(str))
    return titles.astype(str)


def article_notes(data: MonthData) -> list[str]:
    """What :func:`article_final` assumed or could not match in a 2025 month ([] otherwise)."""
    if data.article_api != "2025":
        return []
    published_final(data)
    return list(data.cache.get("article_notes", []))


def _no_articles() -> pd.DataFrame:
    """getarticletotal's typed columns with no rows: a month in which nothing was pushed."""
    ep = ENDPOINTS["getarticletotal"]
    cols: dict[str, pd.Series] = {
        "ref_date": pd.Series(dtype="datetime64[ns]"), "stat_date": pd.Series(dtype="datetime64[ns]"),
        "msgid": pd.Series(dtype=object), "title": pd.Series(dtype=object)}
    cols |= {c: pd.Series(dtype="int64") for c in ep.counts}
    return pd.DataFrame(cols)


def pushes(articles: pd.DataFrame) -> pd.DataFrame:
    """Return one row per push (群发): date, articles, delivered, readers from the push."""
    a = articles.assign(push=articles["msgid"].str.rsplit("_", n=1).str[0])
    head = a[a["index_in_push"] == 1].set_index("push")["title"]
    out = a.groupby("push").agg(
        ref_date=("ref_date", "first"),
        articles=("msgid", "count"),
        target_user=("target_user", "max"),
        session_read_user=("int_page_from_session_read_user", "sum"),
    )
    out["headline"] = head.reindex(out.index)
    return out.sort_values("ref_date")


@dataclass(frozen=True)
class MonthTotals:
    """The month's actuals for the KPI table; None = the data to compute it is absent."""

    new_user: int
    cancel_user: int
    net_followers: int
    cumulate_start: int | None
    cumulate_followers: int | None
    net_growth_rate: float | None
    read_count: int | None
    read_user: int | None
    read_days: int
    pushes: int
    articles: int
    delivered: int
    open_rate: float | None
    headline_open_rate: float | None
    share_count: int | None
    share_rate: float | None
    conversion_rate: float | None = None
    #: Days of the month with follower data (a getusersummary or getusercumulate row): the
    #: divisor of a daily mean, so days missing from the data never count as zero-growth days.
    follower_days: int = 0
    #: Which article endpoints the figures come from (MonthData.article_api): "2025" has no
    #: read or share 次数, and its 分享率 is sharers per reader (people), not shares per read.
    article_api: str = "legacy"
    #: Notified pushes whose 送达人数 is unknown (2025 data: no matching push result).
    undelivered_pushes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def previous_month_end(data: MonthData, previous: MonthData | None = None) -> int | None:
    """The follower count at the end of the month before ``data.month`` (上月末累计粉丝).

    The previous month's getusercumulate on its last calendar day when that row exists;
    otherwise this month's day-1 cumulate_user minus day 1's net (exact: cumulate(d) =
    cumulate(d−1) + new − cancel). When day 1 has no cumulate row the start is unknown (None):
    deriving it from a later day would silently count the missing days' growth as the start.
    """
    if previous is not None and "getusercumulate" in previous.frames:
        cum = previous.frames["getusercumulate"]
        last = pd.Timestamp(month_days(previous.month)[-1])
        row = cum[cum["ref_date"] == last]
        if len(row):
            return int(row["cumulate_user"].iloc[-1])
    daily = follower_daily(data)
    first = daily.index[0]
    if pd.isna(daily.loc[first, "cumulate_user"]):
        return None
    return int(daily.loc[first, "cumulate_user"]) - int(daily.loc[first, "net_user"])


#: The datacube endpoints :func:`month_totals` and :func:`follower_daily` read (sections 01 and 08
#: load exactly these).
TOTALS_ENDPOINTS = ("getusersummary", "getusercumulate", "getarticletotal", "getuserread",
                    "getarticletotaldetail", "getbizsummary")


def month_totals(data: MonthData, previous: MonthData | None = None) -> MonthTotals:
    """Compute the month's actuals with WeChat's definitions.

    - 粉丝净增长 = Σ new_user − Σ cancel_user (getusersummary, all sources).
    - 累计粉丝 = cumulate_user on the month's last day with data.
    - 净增长率 = 净增长 / 上月末累计粉丝 (:func:`previous_month_end`: the previous month's last
      cumulate_user, else day 1's cumulate − day 1's net, else unknown).
    - 图文阅读次数/人数 = Σ daily getuserread rows with user_source 99999999 (全部); readers are
      de-duplicated within a day, not across days. Per-source rows are never summed.
    - 打开率 = Σ 公众号会话阅读人数 / Σ 送达人数 over the articles pushed in the month, each at
      its last stat_date (getarticletotal): readers from the push over delivered. 头条打开率
      uses only index 1 of each push.
    - 分享率 = Σ share_count / Σ int_page_read_count (全部 rows): shares per read.

    A month of the 2025 发表内容 data (:func:`published_totals`) has the same follower figures;
    its reads are people only (getbizsummary), its 分享率 is sharers per reader and its 打开率
    counts notified content only.
    """
    if data.article_api == "2025":
        return published_totals(data, previous)
    reads = data.frames["getuserread"]
    total = reads[reads["user_source"] == READ_TOTAL]
    art = article_final(data)
    head = art[art["index_in_push"] == 1]
    read_count = int(total["int_page_read_count"].sum())
    share_count = int(total["share_count"].sum())
    return MonthTotals(
        **_followers(data, previous),
        read_count=read_count if len(total) else None,
        read_user=int(total["int_page_read_user"].sum()) if len(total) else None,
        read_days=int(total["ref_date"].nunique()),
        pushes=int(art["msgid"].str.rsplit("_", n=1).str[0].nunique()),
        articles=len(art),
        delivered=int(art["target_user"].sum()),
        open_rate=_ratio(art["int_page_from_session_read_user"].sum(), art["target_user"].sum()),
        headline_open_rate=_ratio(head["int_page_from_session_read_user"].sum(),
                                  head["target_user"].sum()),
        share_count=share_count if len(total) else None,
        share_rate=_ratio(share_count, read_count),
    )


def _followers(data: MonthData, previous: MonthData | None) -> dict[str, Any]:
    """The follower fields of MonthTotals (the same for every family of article endpoints)."""
    daily = follower_daily(data)
    new, cancel = int(daily["new_user"].sum()), int(daily["cancel_user"].sum())
    cum = daily["cumulate_user"].dropna()
    start = previous_month_end(data, previous)
    seen = set(data.frames["getusersummary"]["ref_date"]) | set(
        data.frames["getusercumulate"]["ref_date"])
    return {"follower_days": len(seen), "new_user": new, "cancel_user": cancel,
            "net_followers": new - cancel, "cumulate_start": start,
            "cumulate_followers": int(cum.iloc[-1]) if len(cum) else None,
            "net_growth_rate": _ratio(new - cancel, start) if start else None}


def published_totals(data: MonthData, previous: MonthData | None = None) -> MonthTotals:
    """The month's actuals from the 2025 发表内容 endpoints (WeChat's definitions).

    - 阅读人数 = Σ daily getbizsummary ``read_user`` (the account's readers that day, 全部;
      de-duplicated within a day, as getuserread's). 阅读次数 is not reported: None.
    - 分享率 = Σ share_user / Σ read_user: sharers per reader (both people).
    - 打开率 = Σ readers from 公众号消息 / Σ 送达人数 over the month's notified content
      (publish_type 0) whose 送达人数 is known (:func:`published_final`); content published
      without notification is never delivered and is left out. 头条打开率: index 1 only.
    """
    biz = data.frames.get("getbizsummary")
    if biz is None and "getuserread" in data.frames:  # the backend's 数据趋势 download instead
        reads = data.frames["getuserread"]
        biz = reads[reads["user_source"] == READ_TOTAL].rename(
            columns={"int_page_read_user": "read_user"})
    art = published_final(data)
    notified = art[art["publish_type"] == 0]
    # both sides known: an article whose 公众号消息 readers are unknown counts in neither
    known = notified[notified["target_user"].notna()
                     & notified["int_page_from_session_read_user"].notna()]
    head = known[known["index_in_push"] == 1]
    read_user = int(biz["read_user"].sum()) if biz is not None and len(biz) else None
    sharers = int(biz["share_user"].sum()) if biz is not None and len(biz) else None
    pushes_notified = notified["msgid"].str.rsplit("_", n=1).str[0]
    pushes_known = notified.loc[notified["target_user"].notna(), "msgid"].str.rsplit(
        "_", n=1).str[0]
    return MonthTotals(
        **_followers(data, previous),
        read_count=None,
        read_user=read_user,
        read_days=int(biz["ref_date"].nunique()) if biz is not None else 0,
        pushes=int(pushes_notified.nunique()),
        articles=len(notified),
        delivered=int(known["target_user"].sum()),
        open_rate=_ratio(known["int_page_from_session_read_user"].sum(),
                         known["target_user"].sum()),
        headline_open_rate=_ratio(head["int_page_from_session_read_user"].sum(),
                                  head["target_user"].sum()),
        share_count=None,
        share_rate=_ratio(sharers, read_user) if read_user else None,
        article_api="2025",
        undelivered_pushes=int(pushes_notified.nunique() - pushes_known.nunique()),
    )


@dataclass(frozen=True)
class KpiSpec:
    """One row of the KPI table: which actual, target and benchmark it uses, and its kind."""

    key: str
    name: str
    kind: str  # "count" or "rate"
    definition: str
    #: How the KPI is computed when the month's article figures come from the 2025 发表内容
    #: endpoints ("" = as ``definition``).
    definition_2025: str = ""
    #: The 2025 figure measures something else (分享率: sharers per reader, not shares per
    #: read): no 环比 across the two families, and a benchmark set for the legacy definition
    #: does not apply.
    redefined_2025: bool = False


KPI_SPECS: tuple[KpiSpec, ...] = (
    KpiSpec("net_followers", "粉丝净增长", "count", "Σ新关注 − Σ取消关注（用户增减数据，全部来源）"),
    KpiSpec("net_growth_rate", "粉丝净增长率", "rate", "粉丝净增长 ÷ 上月末累计粉丝"),
    KpiSpec("cumulate_followers", "累计粉丝（月末）", "count", "月末最后一天的 cumulate_user"),
    KpiSpec("read_count", "图文阅读量（次数）", "count", "每日“全部”来源阅读次数之和",
            "2025 发表内容接口只统计人数，不提供阅读次数", redefined_2025=True),
    KpiSpec("read_user", "图文阅读量（人数）", "count", "每日“全部”来源阅读人数之和（按日去重）"),
    KpiSpec("open_rate", "打开率", "rate", "Σ公众号会话阅读人数 ÷ Σ送达人数（本月群发的全部图文）",
            "Σ“公众号消息”阅读人数 ÷ Σ送达人数（本月已通知粉丝的发表内容；送达人数取自群发结果）"),
    KpiSpec("headline_open_rate", "头条打开率", "rate", "同上，仅头条（msgid 序号 1）"),
    KpiSpec("share_rate", "分享率", "rate", "Σ分享次数 ÷ Σ阅读次数（“全部”来源）",
            "Σ分享人数 ÷ Σ阅读人数（发表内容概况，按日；人数口径）", redefined_2025=True),
    KpiSpec("conversion_rate", "转化率", "rate",
            "本月读过文章且下单的人数 ÷ 本月读过文章的人数（事件日志去重；订单来自 orders.csv）"),
)

def _status(attainment: float | None, warn_ratio: float) -> str:
    if attainment is None:
        return "未设目标"
    if attainment >= 1:
        return "达标"
    return "预警" if attainment >= warn_ratio else "未达标"


def kpi_table(
    totals: MonthTotals,
    previous: MonthTotals | None,
    params: dict[str, Any],
    *,
    conversion_available: bool = False,
) -> pd.DataFrame:
    """Return the KPI table as data: one row per KpiSpec with target, actual, attainment,
    gap in percentage points (rates), benchmark, 环比 and status.

    ``params`` holds ``target_<key>`` / ``benchmark_<key>`` / ``status_warn_ratio`` (the report
    parameters). Attainment = actual ÷ target for both kinds; for rates the gap is also given in
    percentage points. A missing benchmark stays None (shown as 未配置).
    """
    rows = []
    now, before = totals.as_dict(), previous.as_dict() if previous else {}
    for spec in KPI_SPECS:
        actual = now.get(spec.key)
        if spec.key == "conversion_rate" and not conversion_available:
            actual = None
        target = params.get(f"target_{spec.key}")
        attainment = actual / target if actual is not None and target else None
        gap_pp = (actual - target) * 100 if spec.kind == "rate" and actual is not None \
            and target is not None else None
        new = totals.article_api == "2025"
        comparable = previous is not None and (
            not spec.redefined_2025 or (previous.article_api == "2025") == new)
        c = change(spec.kind, actual, before.get(spec.key) if comparable else None)
        mode, mom = c.mode, c.value
        rows.append({
            "key": spec.key, "指标类别": spec.name, "kind": spec.kind, "月度目标": target,
            "实际达成": actual, "达成率": attainment, "gap_pp": gap_pp,
            "行业均值": None if new and spec.redefined_2025 else params.get(f"benchmark_{spec.key}"),
            "mom_mode": mode, "环比": mom,
            "状态": "未提供" if actual is None else _status(
                attainment, float(params.get("status_warn_ratio", 0.9))),
            "口径": spec.definition_2025 if new and spec.definition_2025 else spec.definition,
            "comparable": comparable or previous is None,
            # a benchmark set for the legacy definition, not applied to the 2025 one
            "benchmark_redefined": bool(new and spec.redefined_2025
                                        and params.get(f"benchmark_{spec.key}") is not None),
        })
    return pd.DataFrame(rows)


def flag_anomalies(
    values: pd.Series, *, window: int = 7, z: float = 3.5
) -> pd.DataFrame:
    """Flag days far from their rolling median, with a robust z-score.

    baseline = centred rolling median over ``window`` days; scale = 1.4826 × MAD of the
    residuals, floored at √baseline (a Poisson floor, so a quiet series with MAD 0 does not flag
    every wobble). A month is too short for STL (it needs ≥ 8 weeks), so this is the Hampel
    filter that wechat-analytics-methods.md §4.7 recommends for short series.
    """
    v = values.astype("float64")
    baseline = v.rolling(window, center=True, min_periods=max(3, window // 2)).median()
    resid = v - baseline
    mad = float((resid - resid.median()).abs().median()) * 1.4826
    scale = np.maximum(mad, np.sqrt(baseline.clip(lower=1)))
    score = resid / scale
    out = pd.DataFrame({"value": values, "baseline": baseline, "z": score})
    out["flag"] = out["z"].abs() > z
    out["direction"] = np.where(out["z"] > 0, "高", "低")
    return out


def consecutive_runs(days: list[pd.Timestamp]) -> list[list[pd.Timestamp]]:
    """Group sorted days into runs of consecutive days (one anomaly episode per run)."""
    runs: list[list[pd.Timestamp]] = []
    for d in days:
        if runs and d - runs[-1][-1] == pd.Timedelta(days=1):
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs
