"""Section 02 用户行为路径深度解析: the push funnel, menu usage, forms and push delivery.

Input: the month's per-follower event log (``events*.parquet|csv|jsonl``, read by
``wxnb.io.eventlog.open_month`` into the DuckDB view ``ev``) and, optionally, ``menu.json`` (the menu
tree as ``get_current_selfmenu_info`` returns it, read by ``wxnb.io.eventlog.load_menu``). Everything is
aggregated inside DuckDB (two scans of the log per month); only small tables reach pandas.
Followers are keyed by the 64-bit ``hash(follower_id)`` as in section 04 (fixed-width keys halve
the time of the per-follower pass; two ids collide with probability ≈ n²/2⁶⁵, about 10⁻⁷ for
2.5M followers), so both sections count the same active followers.

Definitions (口径, also printed in the data notes):

* **Funnel** (users, one cohort, each step a subset of the one before, one calendar month):
  送达 = followers reached by a mass push. The log has each push's ``SentCount`` but no list of
  recipients, so the user count is the **largest single push's SentCount** (a lower bound of the
  followers who received at least one push when every push goes to all followers);
  打开 = distinct followers with an ``article_read`` whose read scene is 公众号消息 (readers who
  came from the push; readers via 朋友圈, 聊天会话, 搜一搜 … never passed 送达 and are left out);
  深度互动 = of those, followers with a menu event (``CLICK``/``VIEW``/``view_miniprogram``) or a
  阅读原文 click (``read_original``) at or after their first push read;
  转化 = of those, followers with a ``form_submit`` or an ``order`` at or after their first deep
  interaction. Step rate = users ÷ users of the step before, with a Wilson 95 % interval
  (statsmodels ``proportion_confint(method="wilson")``); cumulative = users ÷ the first step;
  drop-off = 1 − step rate. 环比 compares step rates with a two-proportion z test
  (``proportions_ztest``); a change is called out only when p < 0.05 **and** it is at least
  ``funnel_material_pp`` (a fraction: 0.01 = 1 个百分点). The biggest leak is the step that loses
  the most users (absolute), stated as its share of all users lost along the funnel.
* **Menu usage** per 一级/二级 item: clicks, distinct clickers, clicks per clicker, usage rate =
  clickers ÷ active followers (active = any interaction event in the month,
  ``events.INTERACTIONS``). Events whose key matches no menu item are shown as 其他/已下线 with
  their key. WeChat sends no event when a follower only opens a parent (一级) menu, so the 一级→二级
  drop cannot be observed.
* **Form abandonment** per form (``key`` of ``form_view``/``form_submit``): followers who opened
  the form and did not submit it in the month ÷ followers who opened it.
* **Push arrival** from ``MASSSENDJOBFINISH`` (per push): arrival = SentCount ÷ TotalCount;
  WeChat's FilterCount is the number *left to send after* filtering (rejections, the monthly
  4-message cap, region/gender), so filtered share = (TotalCount − FilterCount) ÷ TotalCount and
  error share = ErrorCount ÷ TotalCount. Template messages (``TEMPLATESENDJOBFINISH``, one event per
  recipient): delivery rate = success ÷ all, block rate = ``failed:user block`` ÷ all; WeChat
  reports no opens or clicks of template messages.

``prepare`` computes everything once (this month and, when its folder has an event log, the
previous month for 环比); the other functions show it.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from wxnb.kit import charts
from wxnb.io import eventlog as events
from wxnb.kit import fmt
from wxnb.exceptions import DataValidationError, Problem
from wxnb.kit.findings import Finding
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s02_path import SPEC

__all__ = [
    "CONVERT_EVENTS",
    "DEEP_EVENTS",
    "INPUTS",
    "MENU_EVENTS",
    "OTHER_MENU",
    "PUSH_SCENE",
    "SECTION",
    "MonthPath",
    "PathSection",
    "Step",
    "biggest_leak",
    "compute",
    "data_notes",
    "findings",
    "forms_html",
    "funnel_chart",
    "funnel_html",
    "funnel_steps",
    "menu_chart",
    "menu_html",
    "menu_table",
    "narrative",
    "prepare",
    "push_chart",
    "pushes_html",
    "summary_html",
    "summary_rows",
    "templates_html",
    "two_proportion",
    "wilson",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs

PUSH_SCENE = "公众号消息"
MENU_EVENTS = ("CLICK", "VIEW", "view_miniprogram")
DEEP_EVENTS = (*MENU_EVENTS, "read_original")
CONVERT_EVENTS = ("form_submit", "order")
FORM_EVENTS = ("form_view", "form_submit")
PUSH_EVENT, TEMPLATE_EVENT = "MASSSENDJOBFINISH", "TEMPLATESENDJOBFINISH"
OTHER_MENU = "其他/已下线"
NO_MENU = "（未提供菜单结构）"
_COUNTS = ("TotalCount", "FilterCount", "SentCount", "ErrorCount")
# TEMPLATESENDJOBFINISH statuses, compared without spaces and case.
_TEMPLATE_STATUS = {
    "success": "送达成功",
    "failed:userblock": "用户拒收",
    "failed:systemfailed": "系统失败",
    "failed:freqlimit": "频率限制",
}
# The log's known types that are not interactions (ev only holds known types; a short NOT IN is
# much faster than IN over the long interaction list, see _in).
_NOT_INTERACTIONS = tuple(e for e in events.EVENT_TYPES if e not in events.INTERACTIONS)
_STEP_DEFS = (  # key, name, who
    ("delivered", "送达", "群发送达的粉丝（单次群发最大 SentCount）"),
    ("open", "打开", "从公众号消息打开文章的粉丝"),
    ("deep", "深度互动", "打开后点击菜单或阅读原文的粉丝"),
    ("convert", "转化", "深度互动后提交表单或下单的粉丝"),
)
_FINDING_KEYS = {"open": "funnel_open", "deep": "funnel_deep", "convert": "funnel_convert"}
_STEP_RATE_NAMES = {"open": "推送打开率（人数）", "deep": "打开后深度互动率",
                    "convert": "深度互动后转化率"}


def _sql_list(items: tuple[str, ...]) -> str:
    """A SQL IN list of constant names (never data)."""
    return ", ".join("'" + s.replace("'", "''") + "'" for s in items)


def _in(column: str, items: tuple[str, ...]) -> str:
    """``column IN (...)`` as an OR of lists of at most four names.

    Measured on a 50M-row log (DuckDB 1.x/2.0, the ``ev`` view): an IN list of more than four
    constants on the view's computed ``event`` column is planned as a join and costs ~2 s per
    scan and ~6 s to materialise 6M rows; short lists cost 0.2–1.5 s.
    """
    if not items:
        return "false"
    parts = [f"{column} IN ({_sql_list(items[i:i + 4])})" for i in range(0, len(items), 4)]
    return "(" + " OR ".join(parts) + ")"


# --------------------------------------------------------------------------- statistics


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score 95 % interval of k / n (statsmodels); (nan, nan) when n is 0."""
    if n <= 0:
        return (math.nan, math.nan)
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return (float(lo), float(hi))


def two_proportion(k1: int, n1: int, k0: int, n0: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z test of k1/n1 against k0/n0.

    None when either base is 0; 1.0 when both proportions are 0 or both are 1 (no variance, no
    difference).
    """
    if n1 <= 0 or n0 <= 0:
        return None
    pooled = (k1 + k0) / (n1 + n0)
    if pooled in (0.0, 1.0):
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _, p = proportions_ztest(np.array([k1, k0]), np.array([n1, n0]))
    return float(p)


# --------------------------------------------------------------------------- one month


@dataclass
class MonthPath:
    """One month's aggregates from the event log (all small)."""

    month: str
    active: int  # followers with any interaction event
    opened: int
    deep: int
    converted: int
    pushes: pd.DataFrame  # msgid, time, status, total, filter, sent, error (+ shares)
    templates: pd.DataFrame  # status, label, n, users
    menu: pd.DataFrame  # level, level1, level2, event, key, clicks, users, observable
    menu_users: int
    menu_clicks: int
    forms: pd.DataFrame  # form, viewers, submitted, abandoned, abandon_rate, submit_no_view
    has_menu_tree: bool
    notes: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> int | None:
        """送达 as a user count: the largest single push's SentCount (None without pushes)."""
        if self.pushes.empty:
            return None
        return int(self.pushes["sent"].max())

    @property
    def arrival(self) -> float | None:
        """The month's push arrival rate: Σ SentCount ÷ Σ TotalCount."""
        total = int(self.pushes["total"].sum()) if len(self.pushes) else 0
        return int(self.pushes["sent"].sum()) / total if total else None

    def template_count(self, label: str | None = None) -> int:
        if self.templates.empty:
            return 0
        t = self.templates
        return int(t["n"].sum() if label is None else t.loc[t["label"] == label, "n"].sum())

    @property
    def menu_usage(self) -> float | None:
        return self.menu_users / self.active if self.active else None

    @property
    def form_viewed(self) -> int:
        return int(self.forms["viewers"].sum()) if len(self.forms) else 0

    @property
    def form_abandoned(self) -> int:
        return int(self.forms["abandoned"].sum()) if len(self.forms) else 0

    @property
    def form_abandon(self) -> float | None:
        return self.form_abandoned / self.form_viewed if self.form_viewed else None


def _menu_items(menu: Any) -> tuple[pd.DataFrame, list[str]]:
    """The menu tree's items (level1, level2, type, event, match, ord) and notes.

    Two items producing the same event and key cannot be told apart in the log: the first one
    in menu order keeps the clicks, and a note says so.
    """
    cols = ["level1", "level2", "type", "event", "match"]
    if menu is None:
        return pd.DataFrame(columns=[*cols, "ord"]), []
    items = menu if isinstance(menu, pd.DataFrame) else menu.items
    df = pd.DataFrame(items)[cols].fillna("").astype(str).reset_index(drop=True)
    df["ord"] = np.arange(len(df))
    dup = df["event"].isin(MENU_EVENTS) & df.duplicated(["event", "match"])
    notes = list(getattr(menu, "notes", []))
    notes += [f"菜单项「{_menu_name(r)}」与前面的菜单项产生相同的事件与 key（{r['match']}），"
              "日志中无法区分，点击计入前一项" for r in df[dup].to_dict("records")]
    return df[~dup].reset_index(drop=True), notes


def _follower_table(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Scan 1: per follower (64-bit hash key), the first push read; returns (active followers,
    push readers)."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _p02_fol AS
        SELECT hash(follower_id) AS k,
               min(time) FILTER (WHERE event = 'article_read' AND value = '{PUSH_SCENE}')
                   AS t_open
        FROM ev WHERE NOT {_in("event", _NOT_INTERACTIONS)}
        GROUP BY 1""")
    active, opened = con.execute("SELECT count(*), count(t_open) FROM _p02_fol").fetchone()
    return int(active), int(opened)


def _action_table(con: duckdb.DuckDBPyConnection) -> None:
    """Scan 2: the (comparatively rare) events this section needs beyond article reads."""
    wanted = (*DEEP_EVENTS, *CONVERT_EVENTS, "form_view", PUSH_EVENT, TEMPLATE_EVENT)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _p02_act AS
        SELECT hash(follower_id) AS k, time, event, key,
               CASE WHEN event IN ('{PUSH_EVENT}', '{TEMPLATE_EVENT}') THEN value END AS value
        FROM ev WHERE {_in("event", wanted)}""")


def _funnel_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(deep, converted): ordered steps after each follower's first push read."""
    row = con.execute(f"""
        WITH d AS (
            SELECT a.k, min(a.time) AS t
            FROM _p02_act a JOIN _p02_fol o USING (k)
            WHERE o.t_open IS NOT NULL AND a.event IN ({_sql_list(DEEP_EVENTS)})
              AND a.time >= o.t_open
            GROUP BY a.k),
        c AS (
            SELECT DISTINCT a.k
            FROM _p02_act a JOIN d USING (k)
            WHERE a.event IN ({_sql_list(CONVERT_EVENTS)}) AND a.time >= d.t)
        SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM c)""").fetchone()
    return int(row[0]), int(row[1])


def _parse_pushes(rows: list[tuple[Any, ...]], source: str,
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
    the same parsing the section does, so what passes the check builds."""
    rows = log.con.execute(f"SELECT key, time, value FROM ev WHERE event = '{PUSH_EVENT}' "
                           "ORDER BY time").fetchall()
    source = "、".join(p.name for p in log.files) or "事件日志"
    return _parse_pushes(rows, source, month)[1]


def _pushes(con: duckdb.DuckDBPyConnection, source: str,
            month: str) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    rows = con.execute(f"SELECT key, time, value FROM _p02_act WHERE event = '{PUSH_EVENT}' "
                       "ORDER BY time").fetchall()
    return _parse_pushes(rows, source, month)


def _templates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    df = con.execute(f"""
        SELECT lower(regexp_replace(value, '\\s+', '', 'g')) AS status,
               min(value) AS raw, count(*) AS n, count(DISTINCT k) AS users
        FROM _p02_act WHERE event = '{TEMPLATE_EVENT}' GROUP BY 1""").df()
    df["label"] = [_TEMPLATE_STATUS.get(s, f"其他（{r}）") for s, r in
                   zip(df["status"], df["raw"], strict=True)]
    order = {s: i for i, s in enumerate(_TEMPLATE_STATUS)}
    df["_o"] = [order.get(s, len(order)) for s in df["status"]]
    df = df.sort_values(["_o", "n", "status"], ascending=[True, False, True])
    return df[["status", "label", "n", "users"]].reset_index(drop=True)


def _menu_row_dict(level: int, level1: str, level2: str, event: str, key: str,
                   counts: tuple[int, int], observable: bool, known: bool) -> dict[str, Any]:
    return {"level": level, "level1": level1, "level2": level2, "event": event, "key": key,
            "clicks": int(counts[0]), "users": int(counts[1]), "observable": observable,
            "known": known}


def _menu(con: duckdb.DuckDBPyConnection, items: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Clicks and clickers per menu item, per 一级 menu and in all (one GROUPING SETS query).

    Rows in menu order: a 一级 row (distinct clickers of any of its sub-items) before its 二级
    rows, top-level buttons without a sub-menu as 一级 rows, then keys that match no item.
    """
    con.register("_p02_menu_df", items)
    con.execute("CREATE OR REPLACE TEMP TABLE _p02_menu AS SELECT * FROM _p02_menu_df")
    con.unregister("_p02_menu_df")
    raw = con.execute(f"""
        WITH p AS (
            SELECT k, event, key, count(*) AS c FROM _p02_act
            WHERE event IN ({_sql_list(MENU_EVENTS)}) GROUP BY k, event, key),
        m AS (
            SELECT p.k, p.event, p.key, p.c, mi.ord,
                   coalesce(mi.level1, '{OTHER_MENU}') AS level1
            FROM p LEFT JOIN _p02_menu mi ON p.event = mi.event AND p.key = mi.match)
        SELECT GROUPING(level1, event, key, ord) AS g, level1, event, key, ord,
               coalesce(sum(c), 0) AS clicks, count(DISTINCT k) AS users
        FROM m GROUP BY GROUPING SETS ((level1, event, key, ord), (level1), ())""").fetchall()
    total = next(((c, u) for g, *_, c, u in raw if g == 15), (0, 0))
    leaves = {(e, k): (c, u) for g, _, e, k, _, c, u in raw if g == 0}
    tops = {l1: (c, u) for g, l1, _, _, _, c, u in raw if g == 7}
    rows, parents = [], set()
    for it in items.to_dict("records"):  # every configured item, clicked or not
        if it["level2"] and it["level1"] not in parents:
            parents.add(it["level1"])
            rows.append(_menu_row_dict(1, it["level1"], "", "", "",
                                       tops.get(it["level1"], (0, 0)), True, True))
        rows.append(_menu_row_dict(2 if it["level2"] else 1, it["level1"], it["level2"],
                                   it["event"], it["match"],
                                   leaves.get((it["event"], it["match"]), (0, 0)),
                                   it["event"] in MENU_EVENTS, True))
    unknown = sorted(((e, k, c, u) for g, _, e, k, o, c, u in raw if g == 0 and o is None),
                     key=lambda r: (-r[2], r[0], r[1]))
    group = OTHER_MENU if len(items) else NO_MENU
    if unknown and len(items):
        rows.append(_menu_row_dict(1, group, "", "", "", tops.get(OTHER_MENU, (0, 0)),
                                   True, False))
    rows += [_menu_row_dict(2, group, k, e, k, (c, u), True, False) for e, k, c, u in unknown]
    menu = pd.DataFrame(rows, columns=["level", "level1", "level2", "event", "key", "clicks",
                                       "users", "observable", "known"])
    menu["per_user"] = menu["clicks"] / menu["users"].where(menu["users"] > 0)
    return menu, int(total[1]), int(total[0])


def _forms(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    df = con.execute(f"""
        WITH pf AS (
            SELECT key, k, bool_or(event = 'form_view') AS v,
                   bool_or(event = 'form_submit') AS s
            FROM _p02_act WHERE event IN ({_sql_list(FORM_EVENTS)})
            GROUP BY key, k)
        SELECT key AS form, count(*) FILTER (WHERE v) AS viewers,
               count(*) FILTER (WHERE v AND s) AS submitted,
               count(*) FILTER (WHERE s AND NOT v) AS submit_no_view
        FROM pf GROUP BY key""").df()
    df["abandoned"] = df["viewers"] - df["submitted"]
    df["abandon_rate"] = df["abandoned"] / df["viewers"].where(df["viewers"] > 0)
    return df.sort_values(["viewers", "form"], ascending=[False, True]).reset_index(drop=True)


def compute(con: duckdb.DuckDBPyConnection, month: str, menu: Any = None, *,
            source: str = "事件日志") -> MonthPath:
    """Aggregate one month from a connection that has the view ``ev`` (see ``wxnb.io.eventlog``).

    ``menu`` is a ``MenuTree`` (or its items frame) or None. ``source`` names the log in error
    messages. Raises DataValidationError when a MASSSENDJOBFINISH value is not WeChat's JSON.
    """
    items, notes = _menu_items(menu)
    active, opened = _follower_table(con)
    _action_table(con)
    try:
        deep, converted = _funnel_counts(con)
        pushes, problems, push_notes = _pushes(con, source, month)
        notes += push_notes
        if problems:
            raise DataValidationError(problems)
        templates = _templates(con)
        menu_df, menu_users, menu_clicks = _menu(con, items)
        forms = _forms(con)
    finally:
        con.execute("DROP TABLE IF EXISTS _p02_fol; DROP TABLE IF EXISTS _p02_act; "
                    "DROP TABLE IF EXISTS _p02_menu")
    return MonthPath(month, active, opened, deep, converted, pushes, templates, menu_df,
                     menu_users, menu_clicks, forms, menu is not None, notes)


# --------------------------------------------------------------------------- funnel


@dataclass
class Step:
    """One funnel step: its users and the conversion from the step before."""

    key: str
    name: str
    who: str
    users: int
    base: int | None  # users of the step before (None for the first step)
    first: int  # users of the first step
    prev_users: int | None = None  # previous month
    prev_base: int | None = None
    pvalue: float | None = None
    notable: bool = False  # significant and material change against the previous month

    @property
    def rate(self) -> float | None:
        return self.users / self.base if self.base else None

    @property
    def ci(self) -> tuple[float, float]:
        return wilson(self.users, self.base) if self.base else (math.nan, math.nan)

    @property
    def cumulative(self) -> float | None:
        return self.users / self.first if self.first else None

    @property
    def lost(self) -> int | None:
        return self.base - self.users if self.base is not None else None

    @property
    def drop(self) -> float | None:
        return 1 - self.rate if self.rate is not None else None

    @property
    def prev_rate(self) -> float | None:
        return self.prev_users / self.prev_base if self.prev_base else None

    @property
    def mom_pp(self) -> float | None:
        """环比 of the step rate in percentage points."""
        if self.rate is None or self.prev_rate is None:
            return None
        return (self.rate - self.prev_rate) * 100

    from_name: str = ""  # the step before

    @property
    def label(self) -> str:
        return self.name if self.base is None else f"{self.from_name}→{self.name}"

    def as_rate(self) -> Rate | None:
        """The step rate as a :class:`Rate` (None for the first step)."""
        if not self.base:
            return None
        return Rate(self.users, self.base, self.prev_users, self.prev_base, self.pvalue,
                    self.notable)


def _chain(m: MonthPath) -> list[tuple[str, int]]:
    """The funnel's (key, users); 送达 only when the pushes give a base that holds the readers."""
    out = [("open", m.opened), ("deep", m.deep), ("convert", m.converted)]
    if m.delivered is not None and m.delivered >= m.opened:
        out.insert(0, ("delivered", m.delivered))
    return out


def funnel_steps(now: MonthPath, prev: MonthPath | None, material: float) -> list[Step]:
    """The funnel of ``now`` with 环比 against ``prev`` (step rates, two-proportion z test)."""
    defs = {k: (n, w) for k, n, w in _STEP_DEFS}
    chain = _chain(now)
    before = {}
    if prev is not None:
        pc = _chain(prev)
        before = {k: (u, pc[i - 1][1] if i else None) for i, (k, u) in enumerate(pc)}
    steps = []
    for i, (key, users) in enumerate(chain):
        base = chain[i - 1][1] if i else None
        s = Step(key, defs[key][0], defs[key][1], users, base, chain[0][1],
                 from_name=defs[chain[i - 1][0]][0] if i else "")
        if key in before and base and before[key][1]:
            r = compare((users, base), before[key], material)  # type: ignore[arg-type]
            s.prev_users, s.prev_base, s.pvalue, s.notable = r.prev_k, r.prev_n, r.pvalue, \
                r.notable
        steps.append(s)
    return steps


def biggest_leak(steps: list[Step], after: str | None = None) -> tuple[Step, float] | None:
    """The step that loses the most users and its share of all users lost along the funnel.

    With ``after`` (a step key), only the steps after that step count (e.g. after 打开).
    """
    start = next((i for i, s in enumerate(steps) if s.key == after), -1) if after else -1
    if after and start < 0:
        return None
    part = [s for s in steps[start + 1:] if s.lost is not None]
    total = sum(s.lost for s in part)  # type: ignore[misc]
    if not part or total <= 0:
        return None
    top = max(part, key=lambda s: s.lost or 0)
    return top, (top.lost or 0) / total


# --------------------------------------------------------------------------- the section


@dataclass
class PathSection:
    """Everything section 02 shows, computed once."""

    params: ReportParams
    now: MonthPath
    prev: MonthPath | None
    prev_note: str
    steps: list[Step]
    log_notes: list[str]  # the event log's own notes (files, rows left out)


def _open_and_compute(folder: Path, month: str, params: ReportParams,
                      menu: Any = None) -> tuple[MonthPath, list[str]] | None:
    """One month folder → its aggregates and the log's notes (None without event files).

    The folder's own menu.json names the menu items; ``menu`` is the fallback without one.
    """
    log = events.open_month(folder, month, **params.event_engine())
    if log is None:
        return None
    try:
        source = "、".join(p.name for p in log.files) or "事件日志"
        own = events.load_menu(folder)
        return compute(log.con, month, own if own is not None else menu,
                       source=source), log.notes()
    finally:
        log.close()


def _previous(params: ReportParams, menu: Any) -> tuple[MonthPath | None, str]:
    folder = params.resolved_prev_data_dir()
    month = prev_month(params.month)
    if not folder.is_dir():
        return None, f"无上月数据（未找到 {folder.name} 目录），环比不可用"
    try:
        done = _open_and_compute(folder, month, params, menu)
    except DataValidationError as exc:
        return None, (f"上月事件日志校验未通过（{len(exc.problems)} 个问题，如 "
                      f"{exc.problems[0]}），环比不可用")
    if done is None:
        return None, f"上月（{month}）目录中没有事件日志，环比不可用"
    return done[0], ""


def prepare(params: ReportParams) -> PathSection:
    """Open this month's event log (and the previous month's) and compute section 02.

    Raises
    ------
    DataValidationError
        The month folder has no event log, or the log (or a MASSSENDJOBFINISH value) breaks the
        data contract.
    """
    folder = params.resolved_data_dir()
    done = _open_and_compute(folder, params.month, params)
    if done is None:
        raise DataValidationError([Problem(folder.name, None, None,
                                           "事件日志 " + " | ".join(events.EVENT_GLOBS),
                                           "未找到")])
    now, log_notes = done
    prev, note = _previous(params, events.load_menu(folder))
    steps = funnel_steps(now, prev, params.funnel_material_pp)
    return PathSection(params, now, prev, note, steps, log_notes)


# --------------------------------------------------------------------------- text helpers


def _pct(v: float | None, digits: int = 1) -> str:
    return fmt.fmt_pct(v, digits) if v is not None else "—"


def _ci(s: Step) -> str:
    lo, hi = s.ci
    return "—" if math.isnan(lo) else f"{fmt.fmt_pct(lo, 1)}–{fmt.fmt_pct(hi, 1)}"


def _p(p: float | None) -> str:
    if p is None:
        return "—"
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def _pp(diff: float | None) -> str:
    """A difference of two fractions as percentage points."""
    return fmt.fmt_pp(diff * 100, 1) if diff is not None else "—"


@dataclass(frozen=True)
class Rate:
    """A month's rate k / n against the previous month's (two-proportion z test)."""

    k: int
    n: int
    prev_k: int | None = None
    prev_n: int | None = None
    pvalue: float | None = None
    notable: bool = False  # significant (p < 0.05) and at least funnel_material_pp

    @property
    def value(self) -> float:
        return self.k / self.n

    @property
    def prev_value(self) -> float | None:
        return self.prev_k / self.prev_n if self.prev_n else None

    @property
    def diff(self) -> float | None:
        """This month minus the previous month, as a fraction (0.01 = 1 个百分点)."""
        return self.value - self.prev_value if self.prev_value is not None else None


def _counts(m: MonthPath, metric: str) -> tuple[int, int] | None:
    """(numerator, denominator) of a month-level rate; None when the denominator is 0."""
    if metric == "menu_usage_rate":
        k, n = m.menu_users, m.active
    elif metric == "form_abandon_rate":
        k, n = m.form_abandoned, m.form_viewed
    elif metric == "push_arrival_rate":
        k = int(m.pushes["sent"].sum()) if len(m.pushes) else 0
        n = int(m.pushes["total"].sum()) if len(m.pushes) else 0
    elif metric == "template_block_rate":
        k, n = m.template_count("用户拒收"), m.template_count()
    else:
        raise KeyError(metric)
    return (k, n) if n else None


def compare(now: tuple[int, int], before: tuple[int, int] | None, material: float) -> Rate:
    """k / n against the previous month's k / n: p-value and whether to call it out."""
    if before is None:
        return Rate(*now)
    p = two_proportion(now[0], now[1], before[0], before[1])
    diff = now[0] / now[1] - before[0] / before[1]
    notable = p is not None and p < 0.05 and abs(diff) >= material - 1e-12
    return Rate(now[0], now[1], before[0], before[1], p, notable)


def rate(sec: PathSection, metric: str) -> Rate | None:
    """One of the month-level rates (menu_usage_rate, form_abandon_rate, push_arrival_rate,
    template_block_rate) with its 环比; None when this month has no denominator."""
    now = _counts(sec.now, metric)
    if now is None:
        return None
    before = _counts(sec.prev, metric) if sec.prev is not None else None
    return compare(now, before, sec.params.funnel_material_pp)


def _material_text(sec: PathSection) -> str:
    """The call-out threshold ``funnel_material_pp`` (a fraction) in percentage points."""
    return f"{sec.params.funnel_material_pp * 100:g} 个百分点"


def _step(sec: PathSection, key: str) -> Step | None:
    return next((s for s in sec.steps if s.key == key), None)


def _mom_text(sec: PathSection, r: Rate | None) -> str:
    """环比 of a rate: the difference in percentage points, its p-value and the verdict."""
    if sec.prev is None:
        return "无上月数据"
    if r is None or r.diff is None:
        return "上月无可比数据"
    mark = "，显著" if r.notable else ("，差异不显著" if r.pvalue is not None and r.pvalue >= 0.05
                                        else "，变化小于点名阈值")
    return f"{_pp(r.diff)}（{_p(r.pvalue)}{mark}）"


# --------------------------------------------------------------------------- tables


def funnel_html(sec: PathSection) -> fmt.HtmlBlock:
    """The funnel table: users, step rate with its 95 % interval, cumulative, loss and its share
    of all users lost, 环比."""
    if not sec.steps:
        return fmt.notes(["本月没有可用于漏斗的事件"], title="转化漏斗")
    total_lost = sum(s.lost or 0 for s in sec.steps)
    rows = []
    for s in sec.steps:
        mom = "—" if s.base is None else _mom_text(sec, s.as_rate())
        share = (s.lost or 0) / total_lost if s.lost is not None and total_lost > 0 else None
        rows.append([s.label, s.who, fmt.fmt_int(s.users), _pct(s.rate), _ci(s),
                     _pct(s.cumulative, 2), fmt.fmt_int(s.lost) if s.lost is not None else "—",
                     _pct(s.drop), _pct(share), _pct(s.prev_rate), mom])
    header = ["环节", "人群", "人数", "环节转化率", "95% 置信区间", "累计转化率", "流失人数",
              "流失率", "占全部流失", "上月环节转化率", "环比"]
    return fmt.table(rows, header, numeric=(2, 3, 5, 6, 7, 8, 9), wrap=(1, 10),
                     caption=f"人数口径，同一批粉丝逐级筛选；全漏斗共流失 {total_lost:,} 人；置信"
                             "区间为 Wilson 95% 区间；环比为环节转化率的百分点差，双比例 z 检验，"
                             f"p<0.05 且变化 ≥ {_material_text(sec)}才判为显著")


def menu_table(sec: PathSection) -> pd.DataFrame:
    """Menu rows of this month with usage rate and the previous month's usage (by names)."""
    m = sec.now.menu.copy()
    if m.empty:
        return m
    m["usage"] = m["users"] / sec.now.active if sec.now.active else math.nan
    m["prev_usage"] = math.nan
    if sec.prev is not None and len(sec.prev.menu) and sec.prev.active:
        p = sec.prev.menu
        before = {(r.level1, r.level2): r.users / sec.prev.active for r in p.itertuples()}
        m["prev_usage"] = [before.get((a, b), math.nan)
                           for a, b in zip(m["level1"], m["level2"], strict=True)]
    m["mom_pp"] = (m["usage"] - m["prev_usage"]) * 100
    return m


def menu_html(sec: PathSection) -> fmt.HtmlBlock:
    """Per 一级 and 二级 menu item: clicks, clickers, clicks per clicker, usage rate, 环比."""
    m = menu_table(sec)
    if m.empty:
        return fmt.notes([("本月没有菜单点击事件（CLICK / VIEW / view_miniprogram），也未提供"
                           "菜单结构（menu.json）")], title="菜单使用")
    rows, css = [], []
    for r in m.to_dict("records"):
        sub = r["level2"] if r["level"] == 2 else "（一级合计）" if any(
            (m["level1"] == r["level1"]) & (m["level"] == 2)) else "—"
        if not r["observable"]:
            rows.append([r["level1"], sub, "不产生点击事件", "—", "—", "—", "—"])
        else:
            mom = fmt.fmt_pp(r["mom_pp"], 2) if not math.isnan(r["mom_pp"]) else (
                "无上月数据" if sec.prev is None else "—")
            rows.append([r["level1"], sub, fmt.fmt_int(r["clicks"]), fmt.fmt_int(r["users"]),
                         f"{r['per_user']:.2f}" if r["users"] else "—",
                         _pct(r["usage"], 2), mom])
        css.append(["", "", "", "", "", "bad" if r["observable"] and r["known"]
                    and r["users"] == 0 else "", ""])
    n = sec.now
    per = f"{n.menu_clicks / n.menu_users:.2f}" if n.menu_users else "0"
    cap = (f"使用率 = 点击人数 ÷ 本月活跃粉丝 {n.active:,} 人（有任一互动事件）；全部菜单点击 "
           f"{n.menu_clicks:,} 次、{n.menu_users:,} 人（人均 {per} 次），使用率 "
           f"{_pct(n.menu_usage, 2)}。"
           "一级合计为其下任一子菜单的去重点击人数；微信不推送“只展开一级菜单”的事件")
    return fmt.table(rows, ["一级菜单", "二级菜单 / key", "点击次数", "点击人数", "人均点击次数",
                            "使用率", "环比"], numeric=(2, 3, 4, 5, 6), wrap=(0, 1), css=css,
                     caption=cap)


def forms_html(sec: PathSection) -> fmt.HtmlBlock:
    """Per form: followers who opened it, submitted, abandoned and the abandonment rate."""
    f = sec.now.forms
    if f.empty:
        return fmt.notes(["本月事件日志中没有表单事件（form_view / form_submit），表单放弃率未追踪"],
                         title="表单放弃率")
    rows = [[r["form"], fmt.fmt_int(r["viewers"]), fmt.fmt_int(r["submitted"]),
             fmt.fmt_int(r["abandoned"]), _pct(r["abandon_rate"]),
             fmt.fmt_int(r["submit_no_view"])] for r in f.to_dict("records")]
    n = sec.now
    rows.append(["合计（粉丝 × 表单）", fmt.fmt_int(n.form_viewed),
                 fmt.fmt_int(n.form_viewed - n.form_abandoned), fmt.fmt_int(n.form_abandoned),
                 _pct(n.form_abandon), fmt.fmt_int(int(f["submit_no_view"].sum()))])
    return fmt.table(rows, ["表单", "打开人数", "其中提交", "打开未提交", "放弃率",
                            "无打开记录的提交"], numeric=(1, 2, 3, 4, 5), wrap=(0,),
                     caption="放弃率 = 本月打开过该表单但未提交的粉丝 ÷ 打开过该表单的粉丝；"
                             "无打开记录的提交（埋点缺失）不计入分母")


def pushes_html(sec: PathSection) -> fmt.HtmlBlock:
    """One row per mass push (MASSSENDJOBFINISH) with arrival, filtered and error shares."""
    p = sec.now.pushes
    if p.empty:
        return fmt.notes(["本月事件日志中没有群发结果（MASSSENDJOBFINISH），推送到达率无法计算"],
                         title="群发到达")
    rows = [[f"{r['time']:%m-%d %H:%M}", r["msgid"], r["status"], fmt.fmt_int(r["total"]),
             fmt.fmt_int(r["filter"]), fmt.fmt_int(r["sent"]), fmt.fmt_int(r["error"]),
             fmt.fmt_int(r["total"] - r["filter"]), _pct(r["arrival"]),
             _pct(r["filtered_share"]), _pct(r["error_share"], 2)]
            for r in p.to_dict("records")]
    t = p[["total", "filter", "sent", "error"]].sum()

    def share(v: float) -> float | None:
        return v / t["total"] if t["total"] else None

    rows.append(["本月合计", f"{len(p)} 次", "", fmt.fmt_int(t["total"]),
                 fmt.fmt_int(t["filter"]), fmt.fmt_int(t["sent"]), fmt.fmt_int(t["error"]),
                 fmt.fmt_int(t["total"] - t["filter"]), _pct(sec.now.arrival),
                 _pct(share(t["total"] - t["filter"])), _pct(share(t["error"]), 2)])
    return fmt.table(rows, ["完成时间", "MsgID", "状态", "TotalCount", "FilterCount",
                            "SentCount", "ErrorCount", "被过滤", "到达率", "过滤占比",
                            "失败占比"],
                     numeric=(3, 4, 5, 6, 7, 8, 9, 10), wrap=(1,),
                     caption="到达率 = SentCount ÷ TotalCount；FilterCount 是过滤后准备发送的"
                             "人数，过滤占比 = (TotalCount − FilterCount) ÷ TotalCount；失败占比 = "
                             "ErrorCount ÷ TotalCount")


def templates_html(sec: PathSection) -> fmt.HtmlBlock:
    """Template message results by status (TEMPLATESENDJOBFINISH)."""
    t = sec.now.templates
    if t.empty:
        return fmt.notes(["本月事件日志中没有模板消息结果（TEMPLATESENDJOBFINISH）"],
                         title="模板消息")
    total = int(t["n"].sum())
    rows = [[r["label"], r["status"], fmt.fmt_int(r["n"]), _pct(r["n"] / total, 2),
             fmt.fmt_int(r["users"])] for r in t.to_dict("records")]
    rows.append(["合计", "", fmt.fmt_int(total), "100.00%", ""])
    return fmt.table(rows, ["结果", "Status（去空格、小写）", "条数", "占比", "接收人数"],
                     numeric=(2, 3, 4),
                     caption="送达率 = success ÷ 全部；拒收率 = failed:user block ÷ 全部；"
                             "微信不回传模板消息的打开与点击")


# --------------------------------------------------------------------------- summary table


@dataclass
class StageRow:
    """One row of the seed's table: 行为阶段 | 关键指标 | 本月表现 | 环比 | 优化方向."""

    stage: str
    metric: str
    value: float | None
    value_text: str
    mom_text: str
    direction: str
    bad: bool  # missed a threshold (biggest leak, or a significant, material worsening)


def _worse(r: Rate | None, higher_better: bool) -> bool:
    """A significant and material change in the bad direction."""
    return bool(r is not None and r.notable and r.diff is not None
                and (r.diff < 0 if higher_better else r.diff > 0))


def _trend(sec: PathSection, r: Rate | None, higher_better: bool) -> str:
    if sec.prev is None:
        return "无上月数据，本月作为基线"
    if r is None or r.diff is None:
        return "上月无可比数据，本月作为基线"
    if r.notable:
        word = "下降" if r.diff < 0 else "上升"
        keep = "，保持" if (r.diff > 0) == higher_better else ""
        return f"较上月显著{word} {abs(r.diff) * 100:.1f} 个百分点（{_p(r.pvalue)}）{keep}"
    return "较上月无显著且达到点名阈值的变化"


def _leak_clause(sec: PathSection, s: Step | None) -> str:
    leak = biggest_leak(sec.steps)
    if s is None or leak is None or leak[0].key != s.key:
        return ""
    return f"全漏斗最大流失环节（流失 {s.lost:,} 人，占全部流失 {leak[1]:.1%}）；"


def _arrival_row(sec: PathSection) -> StageRow | None:
    r = rate(sec, "push_arrival_rate")
    if r is None:
        return None
    t = sec.now.pushes[["total", "filter", "error"]].sum()
    filtered, error = (t["total"] - t["filter"]) / t["total"], t["error"] / t["total"]
    cause = (f"被过滤占 {_pct(filtered)}（用户拒收、超出每月接收上限、分组筛选），可检查拒收与分组"
             if filtered >= error else f"发送失败占 {_pct(error, 2)}，需排查失败原因")
    p = sec.now.pushes.dropna(subset=["arrival"])
    low = ""
    if len(p) > 1:
        worst = p.loc[p["arrival"].idxmin()]
        low = f"；最低一次 {worst['time']:%m-%d}（{_pct(worst['arrival'])}）"
    return StageRow("曝光层", "推送到达率", r.value, f"{_pct(r.value)}（{r.k:,} / {r.n:,}）",
                    _mom_text(sec, r), f"{_trend(sec, r, True)}；{cause}{low}",
                    _worse(r, True))


def _template_row(sec: PathSection) -> StageRow | None:
    r = rate(sec, "template_block_rate")
    if r is None:
        return None
    delivered = sec.now.template_count("送达成功") / r.n
    return StageRow("曝光层", "模板消息拒收率", r.value, f"{_pct(r.value, 2)}（{r.k:,} / {r.n:,}）",
                    _mom_text(sec, r),
                    f"{_trend(sec, r, False)}；送达率 {_pct(delivered, 2)}，{r.k:,} 条被用户拒收："
                    "模板消息只发服务通知并控制频次", _worse(r, False))


def _step_row(sec: PathSection, key: str, stage: str, metric: str, action: str) -> StageRow:
    s = _step(sec, key)
    if s is None or s.rate is None:
        return StageRow(stage, metric, None, "—", "—", "本月无法计算（见数据说明）", False)
    r, leak = s.as_rate(), _leak_clause(sec, s)
    return StageRow(stage, metric, s.rate, f"{_pct(s.rate)}（{s.users:,} / {s.base:,}）",
                    _mom_text(sec, r), f"{leak}{_trend(sec, r, True)}；{action}",
                    bool(leak) or _worse(r, True))


def _menu_extremes(sec: PathSection) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The most and the least used clickable item of the current menu (two or more items)."""
    m = menu_table(sec)
    if m.empty:
        return None
    parents = set(m.loc[m["level"] == 2, "level1"])
    items = m[((m["level"] == 2) | ~m["level1"].isin(parents)) & m["known"] & m["observable"]]
    if len(items) < 2:
        return None
    ordered = items.sort_values(["usage", "clicks", "level1", "level2"])
    return ordered.iloc[-1].to_dict(), ordered.iloc[0].to_dict()


def _menu_row(sec: PathSection) -> StageRow | None:
    r = rate(sec, "menu_usage_rate")
    if r is None:
        return None
    ends = _menu_extremes(sec)
    tail = ""
    if ends is not None:
        hi, lo = ends
        tail = (f"；最常用「{_menu_name(hi)}」{_pct(hi['usage'], 2)}，最少用「{_menu_name(lo)}」"
                f"{_pct(lo['usage'], 2)}，可考虑合并或调整位置")
    return StageRow("点击层", "菜单使用率", r.value, f"{_pct(r.value, 2)}（{r.k:,} / {r.n:,}）",
                    _mom_text(sec, r), _trend(sec, r, True) + tail, _worse(r, True))


def _worst_form(sec: PathSection) -> dict[str, Any]:
    f = sec.now.forms.dropna(subset=["abandon_rate"])
    return f.sort_values(["abandon_rate", "viewers", "form"],
                         ascending=[False, False, True]).iloc[0].to_dict()


def _form_row(sec: PathSection) -> StageRow | None:
    r = rate(sec, "form_abandon_rate")
    if r is None:
        return None
    w = _worst_form(sec)
    return StageRow("转化层", "表单放弃率", r.value, f"{_pct(r.value)}（{r.k:,} / {r.n:,}）",
                    _mom_text(sec, r),
                    f"{_trend(sec, r, False)}；放弃率最高的表单「{w['form']}」"
                    f"{_pct(w['abandon_rate'])}（{int(w['viewers']):,} 人打开）：精简填写项、"
                    "检查加载速度", _worse(r, False))


def _menu_name(r: Any) -> str:
    return f"{r['level1']} / {r['level2']}" if r["level2"] else str(r["level1"])


def summary_rows(sec: PathSection) -> list[StageRow]:
    """The stage table's rows (only the stages that have data)."""
    rows = [_arrival_row(sec), _template_row(sec)]
    if _step(sec, "delivered") is not None:
        rows.append(_step_row(sec, "open", "打开层", "推送打开率（送达→打开）",
                              "未打开的送达粉丝是最大的潜在人群，可测试推送时段与标题"))
    rows.append(_menu_row(sec))
    rows.append(_step_row(sec, "deep", "点击层", "深度互动率（打开→菜单/阅读原文）",
                          "在文中与文末放置菜单或原文入口的引导"))
    rows.append(_step_row(sec, "convert", "转化层", "转化率（深度互动→表单/下单）",
                          "缩短从点击到提交或下单的路径"))
    rows.append(_form_row(sec))
    return [r for r in rows if r is not None]


def summary_html(sec: PathSection) -> fmt.HtmlBlock:
    """The seed's table: 行为阶段 | 关键指标 | 本月表现 | 环比 | 优化方向 (computed)."""
    rows = summary_rows(sec)
    css = [["", "", "", "", "warn" if r.bad else ""] for r in rows]
    material = _material_text(sec)
    return fmt.table([[r.stage, r.metric, r.value_text, r.mom_text, r.direction] for r in rows],
                     ["行为阶段", "关键指标", "本月表现", "环比", "优化方向"],
                     numeric=(2,), wrap=(2, 3, 4), css=css,
                     caption="优化方向由数据判定：标出全漏斗最大流失环节，以及较上月显著（p<0.05）"
                             f"且变化 ≥ {material}的恶化；其余为“无显著变化”")


# --------------------------------------------------------------------------- charts


def funnel_chart(sec: PathSection) -> Figure | fmt.HtmlBlock:
    """Users per step (log scale, labelled) and step rates with their Wilson 95 % intervals."""
    steps = sec.steps
    if not steps or steps[0].users == 0 or all(s.rate is None for s in steps):
        return fmt.notes(["本月没有可用于漏斗的事件"], title="转化漏斗")
    fig = Figure(figsize=(10.0, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.25, 1])
    y = np.arange(len(steps))[::-1]
    users = [max(s.users, 0.8) for s in steps]
    left.barh(y, users, color=charts.PALETTE["new"], height=0.6, log=True)
    for yy, s in zip(y, steps, strict=True):
        tail = "" if s.rate is None else f"（{_pct(s.rate)}）"
        left.text(max(s.users, 0.8), yy, f" {s.users:,}{tail}", va="center", fontsize=9,
                  color=charts.PALETTE["text"])
    left.set_yticks(y, [s.name for s in steps])
    left.set_xlim(0.8, max(users) * 12)
    left.set_xlabel("人数（对数刻度）")
    left.set_title("转化漏斗（人数，括号内为环节转化率）")
    left.grid(axis="y", visible=False)
    rated = [s for s in steps if s.rate is not None]
    x = np.arange(len(rated))
    rates = np.array([s.rate for s in rated]) * 100
    lo = np.array([s.ci[0] for s in rated]) * 100
    hi = np.array([s.ci[1] for s in rated]) * 100
    right.bar(x - 0.18, rates, width=0.36, color=charts.PALETTE["new"], label="本月",
              yerr=[rates - lo, hi - rates], capsize=3, ecolor=charts.PALETTE["text"])
    before = [s.prev_rate * 100 if s.prev_rate is not None else np.nan for s in rated]
    if any(not math.isnan(b) for b in before):
        right.bar(x + 0.18, before, width=0.36, color=charts.PALETTE["muted"], label="上月")
    for xi, s in zip(x, rated, strict=True):
        if s.notable:
            right.text(xi, (s.ci[1] or 0) * 100, "显著", ha="center", va="bottom", fontsize=9,
                       color=charts.PALETTE["cancel"])
    right.set_xticks(x, [s.label for s in rated])
    right.set_ylabel("环节转化率（%）")
    right.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.0f}%"))
    right.set_title("环节转化率与 95% 置信区间")
    # Without a previous month every "before" bar is NaN: the axis follows this month alone.
    right.set_ylim(0, max([float(np.nanmax(hi)), *[b for b in before if not math.isnan(b)]])
                   * 1.3 + 1)
    right.legend(loc="upper center", ncols=2)
    return fig


def menu_chart(sec: PathSection, top: int = 12) -> Figure | fmt.HtmlBlock:
    """Usage rate per clickable menu item (二级 items and top-level buttons), unknown keys grey."""
    m = menu_table(sec)
    if m.empty:
        return fmt.notes(["没有菜单数据"], title="菜单使用率")
    parents = set(m.loc[m["level"] == 2, "level1"])
    leaf = m[((m["level"] == 2) | ~m["level1"].isin(parents)) & m["observable"]]
    leaf = leaf.sort_values(["usage", "clicks"], ascending=False).head(top).iloc[::-1]
    if leaf.empty:
        return fmt.notes(["菜单项都不产生点击事件"], title="菜单使用率")
    fig, ax = charts._figure(8.0, 0.42 * len(leaf) + 1.4)
    labels = [charts.safe_label(_menu_name(r), 28) for r in leaf.to_dict("records")]
    colors = [charts.PALETTE["net"] if k else charts.PALETTE["muted"] for k in leaf["known"]]
    yy = np.arange(len(leaf))
    ax.barh(yy, leaf["usage"] * 100, color=colors)
    for y0, (u, n) in enumerate(zip(leaf["usage"], leaf["users"], strict=True)):
        ax.text(u * 100, y0, f" {u * 100:.2f}%（{n:,} 人）", va="center", fontsize=9)
    ax.set_yticks(yy, labels)
    ax.set_xlim(0, max(float(leaf["usage"].max()) * 100 * 1.35, 0.1))
    ax.set_xlabel("使用率（点击人数 ÷ 活跃粉丝，%）")
    ax.set_title(f"菜单使用率（前 {len(leaf)} 项；灰色为不在当前菜单中的 key）")
    ax.grid(axis="y", visible=False)
    return fig


def push_chart(sec: PathSection) -> Figure | fmt.HtmlBlock:
    """Each push's TotalCount split into sent, send errors and filtered out (100 % bars)."""
    p = sec.now.pushes.dropna(subset=["arrival"])
    if p.empty:
        return fmt.notes(["本月没有群发结果"], title="群发到达")
    fig, ax = charts._figure(9.0, 0.38 * len(p) + 1.8)
    y = np.arange(len(p))[::-1]
    sent, err = p["arrival"].to_numpy() * 100, p["error_share"].to_numpy() * 100
    filt = p["filtered_share"].to_numpy() * 100
    ax.barh(y, sent, color=charts.PALETTE["new"], label="送达（SentCount）")
    ax.barh(y, err, left=sent, color=charts.PALETTE["cancel"], label="发送失败（ErrorCount）")
    ax.barh(y, filt, left=sent + err, color=charts.PALETTE["muted"],
            label="被过滤（TotalCount − FilterCount）")
    for yy, v in zip(y, sent, strict=True):
        ax.text(1, yy, f"{v:.1f}%", va="center", fontsize=9, color="white")
    ax.set_yticks(y, [f"{t:%m-%d %H:%M}" for t in p["time"]])
    ax.set_xlim(0, 100)
    ax.set_xlabel("占 TotalCount（%）")
    ax.set_title("每次群发的到达构成（条内数字为到达率）")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22 - 0.6 / (len(p) + 2)), ncols=3)
    return fig


# --------------------------------------------------------------------------- narrative


def _funnel_sentence(sec: PathSection) -> str:
    if sec.now.opened == 0:
        return (f"本月没有从公众号消息打开文章的粉丝（article_read 且阅读场景为“{PUSH_SCENE}”），"
                "推送转化漏斗无法计算。")
    parts = []
    for s in sec.steps:
        if s.base is None:
            basis = "（单次群发最大 SentCount）" if s.key == "delivered" else ""
            parts.append(f"{s.name} {s.users:,} 人{basis}")
        else:
            parts.append(f"{s.name} {s.users:,} 人（环节转化率 {_pct(s.rate)}，95% 置信区间 "
                         f"{_ci(s)}）")
    last = sec.steps[-1]
    return ("本月推送转化漏斗（人数口径，同一批粉丝逐级筛选）：" + " → ".join(parts)
            + f"，累计转化率 {_pct(last.cumulative, 2)}。")


def _leak_sentences(sec: PathSection) -> list[str]:
    leak = biggest_leak(sec.steps)
    if leak is None:
        return []
    s, share = leak
    total = sec.steps[0].users - sec.steps[-1].users
    out = [(f"数据揭示 {share:.1%} 的用户流失发生在「{s.label}」环节（流失 {s.lost:,} 人，"
            f"全漏斗共流失 {total:,} 人）。")]
    after = biggest_leak(sec.steps, after="open")
    if after is not None and after[0].key != s.key:
        a, a_share = after
        opened = _step(sec, "open")
        out.append(f"打开文章之后流失最多的是「{a.label}」（{a.lost:,} 人，占打开后流失的 "
                   f"{a_share:.1%}；打开的 {opened.users:,} 人中最终转化 "  # type: ignore[union-attr]
                   f"{sec.steps[-1].users:,} 人）。")
    return out


def _mom_sentence(sec: PathSection) -> str:
    if sec.prev is None:
        return "无上月事件日志，漏斗未做环比。"
    material = _material_text(sec)
    called = [s for s in sec.steps if s.notable]
    if not called:
        return (f"与上月相比，各环节转化率没有同时满足显著（p<0.05）且变化 ≥ {material}的变化。")
    items = [f"「{s.label}」{'下降' if (s.mom_pp or 0) < 0 else '上升'} "
             f"{abs(s.mom_pp or 0):.1f} 个百分点（{_pct(s.prev_rate)} → {_pct(s.rate)}，"
             f"{_p(s.pvalue)}）" for s in called]
    return f"与上月相比，显著且变化 ≥ {material}的环节：" + "；".join(items) + "。"


def _mom_clause(sec: PathSection, r: Rate | None) -> str:
    if sec.prev is None:
        return ""
    return f"，环比 {_mom_text(sec, r)}" if r is not None and r.diff is not None \
        else "，上月无可比数据"


def _menu_sentence(sec: PathSection) -> str:
    n, r = sec.now, rate(sec, "menu_usage_rate")
    if r is None:
        return "本月没有活跃粉丝，菜单使用率无法计算。"
    ends = _menu_extremes(sec)
    tail = ""
    if ends is not None:
        hi, lo = ends
        tail = (f"；最常用的是「{_menu_name(hi)}」（{_pct(hi['usage'], 2)}），最少用的是"
                f"「{_menu_name(lo)}」（{_pct(lo['usage'], 2)}）")
    m = menu_table(sec)
    unknown = m[~m["known"] & (m["level"] == 2)] if len(m) else m
    off = ""
    if len(unknown) and n.has_menu_tree:
        off = (f"；{int(unknown['clicks'].sum()):,} 次点击来自不在当前菜单中的 "
               f"{len(unknown)} 个 key（见表中“{OTHER_MENU}”）")
    per = f"{n.menu_clicks / n.menu_users:.2f}" if n.menu_users else "0"
    return (f"菜单使用率 {_pct(r.value, 2)}（本月点击菜单的 {r.k:,} 人 ÷ 活跃粉丝 {r.n:,} 人，"
            f"共 {n.menu_clicks:,} 次点击，人均 {per} 次）{_mom_clause(sec, r)}{tail}{off}。")


def _form_sentence(sec: PathSection) -> str:
    if sec.now.forms.empty:
        return "本月事件日志中没有表单事件（form_view / form_submit），表单放弃率未追踪。"
    r = rate(sec, "form_abandon_rate")
    if r is None:
        return "本月只有表单提交、没有表单打开事件，放弃率无法计算。"
    w = _worst_form(sec)
    return (f"表单放弃率 {_pct(r.value)}（{r.k:,} 人次打开未提交 ÷ {r.n:,} 人次打开，按粉丝 × "
            f"表单计）{_mom_clause(sec, r)}；放弃率最高的是表单「{w['form']}」"
            f"（{_pct(w['abandon_rate'])}，{int(w['viewers']):,} 人打开）。")


def _push_sentence(sec: PathSection) -> str:
    n, out = sec.now, []
    r = rate(sec, "push_arrival_rate")
    if r is None:
        out.append("本月没有群发结果事件（MASSSENDJOBFINISH），推送到达率无法计算。")
    else:
        t = n.pushes[["total", "filter", "error"]].sum()
        out.append(f"本月群发 {len(n.pushes)} 次，推送到达率 {_pct(r.value)}（Σ SentCount "
                   f"{r.k:,} ÷ Σ TotalCount {r.n:,}）{_mom_clause(sec, r)}；被过滤 "
                   f"{int(t['total'] - t['filter']):,} 人次、发送失败 {int(t['error']):,} 人次。")
    b = rate(sec, "template_block_rate")
    if b is not None:
        ok = n.template_count("送达成功")
        out.append(f"模板消息 {b.n:,} 条：送达率 {_pct(ok / b.n, 2)}，用户拒收率 "
                   f"{_pct(b.value, 2)}{_mom_clause(sec, b)}（微信不回传模板消息的打开与点击）。")
    return "".join(out)


def narrative(sec: PathSection) -> list[str]:
    """The section's paragraphs, every figure computed from ``sec``."""
    parts = [_funnel_sentence(sec) if sec.steps else "", *_leak_sentences(sec),
             _mom_sentence(sec), _menu_sentence(sec), _form_sentence(sec), _push_sentence(sec)]
    return [p for p in parts if p]


def data_notes(sec: PathSection) -> list[str]:
    """Definitions (口径), the log's own notes, missing inputs and the previous month."""
    n = sec.now
    notes = list(sec.log_notes)
    notes.extend(x for x in n.notes if x not in notes)
    if sec.prev_note:
        notes.append(sec.prev_note)
    elif sec.prev is not None:
        notes.extend(f"上月：{x}" for x in sec.prev.notes if "重复" in x)
    if n.delivered is None:
        notes.append("本月没有群发结果（MASSSENDJOBFINISH），送达人数未知，漏斗从“打开”开始。")
    elif n.delivered < n.opened:
        notes.append(f"从公众号消息打开的 {n.opened:,} 人多于单次群发最大送达 {n.delivered:,} 人"
                     "（可能是分组群发），送达→打开无法按人数口径计算，漏斗从“打开”开始。")
    else:
        notes.append("送达人数取本月单次群发的最大 SentCount：事件日志只给每次群发的送达人数、不给"
                     "名单；各次群发都面向全体粉丝时，本月至少收到一次推送的人数不少于此值，打开率"
                     "因此偏高估计。")
        notes.append("这里的“推送打开率”是本月至少从推送打开过一次的粉丝占送达粉丝的比例（按人跨推送"
                     "去重），与 01 章、03 章的打开率（每次推送的公众号消息阅读人数 ÷ 送达人数，"
                     "按文章合计）口径不同，数值不可直接比较。")
    notes.append(f"打开 = 本月有 article_read 且阅读场景为“{PUSH_SCENE}”的粉丝（去重）；经朋友圈、"
                 "聊天会话、搜一搜等进入的读者没有经过“送达”，不计入漏斗。深度互动 = 首次从推送打开"
                 "之后点击菜单（CLICK / VIEW / view_miniprogram）或阅读原文的粉丝；转化 = 首次深度"
                 "互动之后提交表单或下单的粉丝。")
    notes.append("环节转化率的置信区间为 Wilson 95% 区间；环比用双比例 z 检验（合并方差），p<0.05 且"
                 f"变化 ≥ {_material_text(sec)}（参数 funnel_material_pp）"
                 "才在结论中点名。")
    notes.append("微信在用户只展开一级菜单时不推送事件，一级→二级的“跳转流失”无法观测；一级合计为其下"
                 "任一子菜单的去重点击人数。活跃粉丝 = 本月有任一互动事件（消息、菜单、阅读、分享、点赞、"
                 "在看、留言、阅读原文、小程序、表单、下单）的粉丝。")
    if not n.has_menu_tree:
        notes.append("未提供 menu.json（菜单结构），菜单点击按事件 key 显示，无法归到一级/二级菜单。")
    hidden = n.menu[~n.menu["observable"]] if len(n.menu) else n.menu
    if len(hidden):
        notes.append(f"{len(hidden)} 个菜单项的类型不产生 CLICK / VIEW / view_miniprogram 事件"
                     "（如扫码、发图、选择位置），无法统计使用率。")
    if len(n.forms) and int(n.forms["submit_no_view"].sum()):
        notes.append(f"{int(n.forms['submit_no_view'].sum()):,} 人次提交了表单但本月没有打开记录"
                     "（form_view 埋点缺失或跨月），不计入放弃率的分母。")
    notes.append("群发结果口径：FilterCount 是过滤（用户拒收、每月接收上限、地区/性别筛选）后准备发送"
                 "的人数，约等于 SentCount + ErrorCount；过滤占比 = (TotalCount − FilterCount) ÷ "
                 "TotalCount。模板消息的 TEMPLATESENDJOBFINISH 只有送达状态，微信不回传打开与点击，"
                 "需用带参数的跳转链接自行追踪。")
    return list(dict.fromkeys(notes))


# --------------------------------------------------------------------------- findings


def _rate_finding(sec: PathSection, metric: str, name: str, r: Rate, text: str,
                  higher_better: bool, evidence: str, extra: dict[str, Any]) -> Finding:
    worse = _worse(r, higher_better)
    if worse:
        evidence += (f"，较上月显著{'下降' if (r.diff or 0) < 0 else '上升'} "
                     f"{abs(r.diff or 0) * 100:.1f} 个百分点（{_p(r.pvalue)}）")
    return Finding(section=SECTION[0], section_title=SECTION[1], metric=metric, name=name,
                   status="预警" if worse else "未设目标", evidence=evidence, value=r.value,
                   value_text=text, mom=r.diff * 100 if r.diff is not None else None,
                   mom_text=_mom_text(sec, r), kind="kpi",
                   extra={"numerator": r.k, "denominator": r.n, "prev_value": r.prev_value,
                          "pvalue": r.pvalue, "notable": r.notable,
                          "higher_better": higher_better, "mom_mode": "pp",
                          "material_pp": sec.params.funnel_material_pp, **extra})


def findings(sec: PathSection) -> list[Finding]:
    """Funnel step rates, the biggest leak, menu usage, form abandonment, push arrival and the
    template block rate. Status 预警 only for a significant (p<0.05) and material worsening
    against the previous month; 提示 for the biggest leak; otherwise 未设目标 (no targets)."""
    out = []
    for s in sec.steps:
        r = s.as_rate()
        if s.key not in _FINDING_KEYS or r is None:
            continue
        text = _pct(r.value)
        out.append(_rate_finding(
            sec, _FINDING_KEYS[s.key], _STEP_RATE_NAMES[s.key], r, text, True,
            f"{s.label} 环节转化率 {text}（{r.k:,} / {r.n:,}，95% 置信区间 {_ci(s)}）",
            {"ci": list(s.ci)}))
    leak = biggest_leak(sec.steps)
    if leak is not None:
        s, share = leak
        out.append(Finding(
            section=SECTION[0], section_title=SECTION[1], metric="biggest_leak",
            name="漏斗最大流失环节", status="提示",
            evidence=f"{share:.1%} 的用户流失发生在「{s.label}」环节（流失 {s.lost:,} 人，"
                     f"环节转化率 {_pct(s.rate)}）",
            value=share, value_text=f"{share:.1%}", kind="event",
            extra={"step": s.key, "label": s.label, "lost": s.lost, "rate": s.rate}))
    n = sec.now
    specs = (
        ("menu_usage_rate", "菜单使用率", 2, True,
         lambda r: f"菜单使用率 {_pct(r.value, 2)}（{r.k:,} / 活跃粉丝 {r.n:,}）"),
        ("form_abandon_rate", "表单放弃率", 1, False,
         lambda r: f"表单放弃率 {_pct(r.value)}（{r.k:,} / {r.n:,} 人次打开未提交）"),
        ("push_arrival_rate", "推送到达率", 1, True,
         lambda r: f"推送到达率 {_pct(r.value)}（{len(n.pushes)} 次群发，SentCount {r.k:,} / "
                   f"TotalCount {r.n:,}）"),
        ("template_block_rate", "模板消息拒收率", 2, False,
         lambda r: f"模板消息拒收率 {_pct(r.value, 2)}（{r.k:,} / {r.n:,} 条）"),
    )
    for metric, name, digits, higher_better, evidence in specs:
        r = rate(sec, metric)
        if r is not None:
            out.append(_rate_finding(sec, metric, name, r, _pct(r.value, digits),
                                     higher_better, evidence(r), {}))
    return out
