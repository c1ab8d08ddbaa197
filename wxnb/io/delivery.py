"""送达人数 for the 2025 发表内容 data: the month's mass-push results joined to its pushes.

The 2025 endpoints (getarticletotaldetail and the others) report readers, shares and 在看 but not
how many followers a notified publication (publish_type 0, 已通知) was delivered to, and 打开率 is
readers from the push (scene 公众号消息) over delivered. WeChat tells the account's message server
when a push has been delivered: the ``MASSSENDJOBFINISH`` event, whose SentCount is the 送达人数
(wxnb.io.pushes parses it; the event log keeps it). :func:`match_pushes` pairs the month's
notified pushes with those results:

1. by id, when the log's MsgID is the push's ``msg_data_id`` (the first part of the msgid: a
   company that logs the ``msg_data_id`` its send call returned);
2. otherwise by day: a publish day with one notified push and one push result pairs them;
3. any other day is left unmatched (two pushes a day cannot be paired by time: a push's result
   comes when its delivery ends, so a small push sent later may finish first): their 送达人数 is
   unknown and they are left out of every delivery-based rate, which the notes say.

Content published without notification (publish_type 1) has no delivery and no 送达人数.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wxnb.io.pushes import PUSH_EVENT, parse_pushes

__all__ = ["match_pushes", "month_results"]


def month_results(folder: Path, month: str) -> pd.DataFrame | None:
    """The month's push results (``wxnb.io.pushes.parse_pushes``: msgid, time, sent, …) from its
    event log, or None when the folder has no event log. A result the check rejects (counts that
    are not integers) is left out here; ``wxnb check`` names it."""
    from wxnb.io import eventsummary

    log = eventsummary.open_summary(Path(folder), month, tables=("act",))
    if log is None:
        return None
    with log:
        rows = log.con.execute(f"SELECT key, time, value FROM act WHERE event = '{PUSH_EVENT}' "
                               "ORDER BY time").fetchall()
        source = "、".join(p.name for p in log.files) or "事件日志"
    return parse_pushes(rows, source, month)[0]


def match_pushes(pushes: pd.DataFrame, results: pd.DataFrame | None, *,
                 missing: str = "没有事件日志") -> tuple[pd.Series, list[str]]:
    """送达人数 per notified push, and notes on what could not be matched.

    ``pushes``: one row per notified push with ``push`` (its msg_data_id, text) and
    ``ref_date`` (publish day). ``results``: ``month_results`` (msgid, time, sent) or None.
    ``missing`` says why ``results`` is None. Returns a float Series indexed by push (NaN:
    unknown) and the notes.
    """
    out = pd.Series(float("nan"), index=pd.Index(pushes["push"].astype(str), name="push"))
    if pushes.empty:
        return out, []
    if results is None or results.empty:
        why = missing if results is None else "事件日志中没有本月的群发结果（MASSSENDJOBFINISH）"
        return out, [f"{why}：2025 发表内容接口不提供送达人数，本月 {len(out)} 次通知发表的"
                     "打开率无法计算（事件日志记录群发结果即可补上）"]
    res = results.assign(msgid=results["msgid"].astype(str))
    by_id = res.set_index("msgid")["sent"]
    exact = out.index.intersection(by_id.index)
    out.loc[exact] = by_id.loc[exact].astype(float).to_numpy()
    left = pushes[~pushes["push"].astype(str).isin(exact)]
    free = res[~res["msgid"].isin(exact)]
    free = free.assign(day=free["time"].dt.normalize())
    unmatched: list[str] = []
    for day, grp in left.groupby(left["ref_date"].dt.normalize(), sort=True):
        ids = list(grp["push"].astype(str))
        sent = free[free["day"] == day]["sent"].tolist()
        if len(ids) == 1 and len(sent) == 1:
            out.loc[ids] = float(sent[0])
        else:
            # Two pushes a day cannot be told apart by time: a push finishes when its delivery
            # does, so a small push sent later may finish first.
            unmatched.append(f"{day:%m-%d}（{len(ids)} 次通知发表，{len(sent)} 条群发结果）")
    notes = []
    if unmatched:
        n = int(out.isna().sum())
        notes.append(f"{n} 次通知发表找不到唯一对应的群发结果，送达人数未知，不计入打开率："
                     + "、".join(unmatched[:5]) + (f" 等 {len(unmatched)} 天"
                                                   if len(unmatched) > 5 else "")
                     + "（事件日志记下群发接口返回的 msg_data_id，或放入后台“已通知内容”下载，即可对应）")
    return out, notes
