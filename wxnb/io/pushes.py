"""Reading and validating the month's mass-push results: ``MASSSENDJOBFINISH`` in the event log.

WeChat pushes one ``MASSSENDJOBFINISH`` event per mass push (群发); the event log keeps its MsgID
as ``key`` and the pushed JSON object as ``value``. ``parse_pushes`` turns those rows into one
row per push (TotalCount, FilterCount, SentCount, ErrorCount and the shares of TotalCount) and
lists the problems (a value that is not the JSON object WeChat pushes, counts that are not
integers or do not add up); ``validate_pushes`` runs the same parsing for ``wxnb check``, so what
passes the check builds. Section 02 reads the pushes through ``parse_pushes``.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from wxnb.exceptions import Problem

__all__ = ["PUSH_EVENT", "parse_pushes", "validate_pushes"]

PUSH_EVENT = "MASSSENDJOBFINISH"
_COUNTS = ("TotalCount", "FilterCount", "SentCount", "ErrorCount")


def parse_pushes(rows: list[tuple[Any, ...]], source: str,
                 month: str) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """MASSSENDJOBFINISH rows (msgid, time, value) → one row per push, problems, notes."""
    out, problems = [], []
    for msgid, time, value in rows:
        where = f"{PUSH_EVENT} {pd.Timestamp(time):%Y-%m-%d %H:%M:%S} MsgID={msgid or '（空）'}"
        expected = "JSON 对象，TotalCount/FilterCount/SentCount/ErrorCount 为非负整数"
        try:
            body = json.loads(value or "")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            problems.append(Problem(source, "value", where, expected, repr(str(value)[:80])))
            continue
        counts: dict[str, int] = {}
        for name in _COUNTS:
            v = body.get(name)
            text = str(v).strip() if v is not None and not isinstance(v, bool) else ""
            if not text.isdigit():
                problems.append(Problem(source, f"value.{name}", where, "非负整数",
                                        repr(v) if v is not None else "缺失"))
            else:
                counts[name] = int(text)
        if len(counts) < len(_COUNTS):
            continue
        if counts["SentCount"] > counts["TotalCount"] or \
                counts["FilterCount"] > counts["TotalCount"]:
            problems.append(Problem(source, "value", where,
                                    "SentCount、FilterCount 不超过 TotalCount",
                                    f"TotalCount={counts['TotalCount']}，FilterCount="
                                    f"{counts['FilterCount']}，SentCount={counts['SentCount']}"))
            continue
        out.append({"msgid": str(msgid), "time": pd.Timestamp(time),
                    "status": str(body.get("Status", "")), "total": counts["TotalCount"],
                    "filter": counts["FilterCount"], "sent": counts["SentCount"],
                    "error": counts["ErrorCount"]})
    notes = []
    df = pd.DataFrame(out, columns=["msgid", "time", "status", "total", "filter", "sent", "error"])
    if len(df):
        dup = int(df["msgid"].duplicated().sum())
        if dup:
            notes.append(f"{month} 有 {dup} 条重复的群发结果（同一 MsgID），按最后一条计")
        df = df.sort_values("time").drop_duplicates("msgid", keep="last").reset_index(drop=True)
    total = df["total"].where(df["total"] > 0)
    df["arrival"] = df["sent"] / total
    df["filtered_share"] = (df["total"] - df["filter"]) / total
    df["error_share"] = df["error"] / total
    return df, problems, notes


def validate_pushes(log: Any, month: str) -> list[Problem]:
    """The problems of the month's MASSSENDJOBFINISH results (a value that is not the JSON
    object WeChat pushes, counts that are not integers or do not add up), for ``wxnb check``:
    the same parsing the section does, so what passes the check builds. ``log`` is the month's
    event summary (``wxnb.io.eventsummary``; its action rows ``act`` hold the results)."""
    rows = log.con.execute(f"SELECT key, time, value FROM act WHERE event = '{PUSH_EVENT}' "
                           "ORDER BY time").fetchall()
    source = "、".join(p.name for p in log.files) or "事件日志"
    return parse_pushes(rows, source, month)[1]
