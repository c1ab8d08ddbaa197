"""Section 02 用户行为路径深度解析, the numbers: the push funnel, menu usage, forms and push delivery.

Input: the month's per-follower event log (``events*.parquet|csv|jsonl``), read through its
summary (``wxnb.io.eventsummary.open_summary``: the per-follower table ``fol`` and the action
events ``act``, made once per month, never a scan of the raw log here) and, optionally,
``menu.json`` (the menu tree as ``get_current_selfmenu_info`` returns it, read by
``wxnb.io.companions.load_menu``); the mass push results in the log are parsed by
``wxnb.io.pushes``. Everything is aggregated inside DuckDB; only small tables reach pandas.
Followers are keyed by the summary's 64-bit ``hash(follower_id)``, as in section 04, so both
sections count the same active followers.

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
  (``wxnb.kit.stats.wilson``: statsmodels ``proportion_confint(method="wilson")``); cumulative
  = users ÷ the first step; drop-off = 1 − step rate. 环比 compares step rates with a
  two-proportion z test (``wxnb.kit.stats.two_proportion``: ``proportions_ztest``); a change
  is called out only when p < 0.05 **and** it is at least ``funnel_material_pp`` (a fraction:
  0.01 = 1 个百分点). The biggest leak is the step that loses the most users (absolute), stated
  as its share of all users lost along the funnel.
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
previous month for 环比); ``show`` and ``words`` show it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import companions, eventsummary, loadcache
from wxnb.io import eventlog as events
from wxnb.io.pushes import PUSH_EVENT, parse_pushes
from wxnb.kit.compare import change
from wxnb.kit.stats import two_proportion, wilson
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
    "funnel_steps",
    "menu_table",
    "prepare",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs

READS = ("fol", "act")  # the summary's tables compute() reads (wxnb.io.eventsummary)
PUSH_SCENE = eventsummary.PUSH_SCENE  # 公众号消息: the summary's t_open is the first such read
MENU_EVENTS = ("CLICK", "VIEW", "view_miniprogram")
DEEP_EVENTS = (*MENU_EVENTS, "read_original")
CONVERT_EVENTS = ("form_submit", "order")
FORM_EVENTS = ("form_view", "form_submit")
TEMPLATE_EVENT = "TEMPLATESENDJOBFINISH"
OTHER_MENU = "其他/已下线"
NO_MENU = "（未提供菜单结构）"
# TEMPLATESENDJOBFINISH statuses, compared without spaces and case.
_TEMPLATE_STATUS = {
    "success": "送达成功",
    "failed:userblock": "用户拒收",
    "failed:systemfailed": "系统失败",
    "failed:freqlimit": "频率限制",
}
_STEP_DEFS = (  # key, name, who
    ("delivered", "送达", "群发送达的粉丝（单次群发最大 SentCount）"),
    ("open", "打开", "从公众号消息打开文章的粉丝"),
    ("deep", "深度互动", "打开后点击菜单或阅读原文的粉丝"),
    ("convert", "转化", "深度互动后提交表单或下单的粉丝"),
)


_sql_list = eventsummary.sql_list


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


def _menu_name(r: Any) -> str:
    return f"{r['level1']} / {r['level2']}" if r["level2"] else str(r["level1"])


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


def _followers(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(active followers, push readers) from the summary's per-follower table."""
    active, opened = con.execute("SELECT count(*), count(t_open) FROM fol").fetchall()[0]
    return int(active), int(opened)


def _funnel_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(deep, converted): ordered steps after each follower's first push read."""
    row = con.execute(f"""
        WITH d AS (
            SELECT a.k, min(a.time) AS t
            FROM act a JOIN fol o USING (k)
            WHERE o.t_open IS NOT NULL AND a.event IN ({_sql_list(DEEP_EVENTS)})
              AND a.time >= o.t_open
            GROUP BY a.k),
        c AS (
            SELECT DISTINCT a.k
            FROM act a JOIN d USING (k)
            WHERE a.event IN ({_sql_list(CONVERT_EVENTS)}) AND a.time >= d.t)
        SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM c)""").fetchone()
    return int(row[0]), int(row[1])


def _pushes(con: duckdb.DuckDBPyConnection, source: str,
            month: str) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    rows = con.execute(f"SELECT key, time, value FROM act WHERE event = '{PUSH_EVENT}' "
                       "ORDER BY time").fetchall()
    return parse_pushes(rows, source, month)


def _templates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    df = con.execute(f"""
        SELECT lower(regexp_replace(value, '\\s+', '', 'g')) AS status,
               min(value) AS raw, count(*) AS n, count(DISTINCT k) AS users
        FROM act WHERE event = '{TEMPLATE_EVENT}' GROUP BY 1""").df()
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
    """Clicks and clickers per menu item, per 一级 menu and in all.

    Rows in menu order: a 一级 row (distinct clickers of any of its sub-items) before its 二级
    rows, top-level buttons without a sub-menu as 一级 rows, then keys that match no item.
    The clickers are counted from one row per (follower, item) and per (follower, 一级), never
    with count(DISTINCT) over the clicks (half the time at 6M menu events).
    """
    con.register("_p02_menu_df", items)
    con.execute("CREATE OR REPLACE TEMP TABLE _p02_menu AS SELECT * FROM _p02_menu_df")
    con.unregister("_p02_menu_df")
    raw = con.execute(f"""
        WITH p AS (
            SELECT k, event, key, count(*) AS c FROM act
            WHERE event IN ({_sql_list(MENU_EVENTS)}) GROUP BY k, event, key),
        m AS (
            SELECT p.k, p.event, p.key, p.c, mi.ord,
                   coalesce(mi.level1, '{OTHER_MENU}') AS level1
            FROM p LEFT JOIN _p02_menu mi ON p.event = mi.event AND p.key = mi.match),
        l AS (SELECT level1, k, sum(c) AS c FROM m GROUP BY level1, k)
        SELECT 0 AS g, level1, event, key, ord, sum(c) AS clicks, count(*) AS users
        FROM m GROUP BY level1, event, key, ord
        UNION ALL
        SELECT 7, level1, NULL, NULL, NULL, sum(c), count(*) FROM l GROUP BY level1
        UNION ALL
        SELECT 15, NULL, NULL, NULL, NULL, coalesce(sum(c), 0), count(DISTINCT k)
        FROM l""").fetchall()
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
            FROM act WHERE event IN ({_sql_list(FORM_EVENTS)})
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
    """Aggregate one month from a connection holding the month's summary tables ``fol`` and
    ``act`` (see ``wxnb.io.eventsummary``).

    ``menu`` is a ``MenuTree`` (or its items frame) or None. ``source`` names the log in error
    messages. Raises DataValidationError when a MASSSENDJOBFINISH value is not WeChat's JSON.
    """
    items, notes = _menu_items(menu)
    active, opened = _followers(con)
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
        con.execute("DROP TABLE IF EXISTS _p02_menu")
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
        """环比 of the step rate in percentage points (the report's rule, ``kit.compare``)."""
        return change("rate", self.rate, self.prev_rate).value

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
    log = eventsummary.open_summary(folder, month, tables=READS, **params.event_engine())
    if log is None:
        return None
    try:
        source = "、".join(p.name for p in log.files) or "事件日志"
        own = companions.load_menu(folder)
        menu = own if own is not None else menu
        items, notes = _menu_items(menu)
        # kept per month and menu: the previous month's own build computed the same figures
        done = loadcache.derived(
            "s02_path.compute", (log.source_key, month, source, menu is not None,
                                 items.to_csv(index=False), notes),
            (Path(__file__),), lambda: compute(log.con, month, menu, source=source))
        return done, log.notes()
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
    prev, note = _previous(params, companions.load_menu(folder))
    steps = funnel_steps(now, prev, params.funnel_material_pp)
    return PathSection(params, now, prev, note, steps, log_notes)


# --------------------------------------------------------------------------- rates and 环比


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


def _step(sec: PathSection, key: str) -> Step | None:
    return next((s for s in sec.steps if s.key == key), None)


def _worse(r: Rate | None, higher_better: bool) -> bool:
    """A significant and material change in the bad direction."""
    return bool(r is not None and r.notable and r.diff is not None
                and (r.diff < 0 if higher_better else r.diff > 0))


# --------------------------------------------------------------------------- menu and forms


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


def _worst_form(sec: PathSection) -> dict[str, Any]:
    f = sec.now.forms.dropna(subset=["abandon_rate"])
    return f.sort_values(["abandon_rate", "viewers", "form"],
                         ascending=[False, False, True]).iloc[0].to_dict()
