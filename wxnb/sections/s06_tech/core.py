"""Section 06 技术支撑能力专项评估: interface stability, mini program speed, auto-reply quality.

Inputs of one month folder:

* ``getinterfacesummary_*.json|csv`` (datacube, validated by ``wxnb.io.datacube``): passive-reply
  callbacks, failures and latency per day. API success rate = 1 − fail_count / callback_count;
  average latency = total_time_cost / callback_count; WeChat waits 5 s for a passive reply.
* ``miniprogram_performance.csv`` (optional): ``date`` (YYYY-MM-DD), ``startup_ms`` (the day's
  mini program start-up time in ms, median or mean), ``samples`` (measurements behind it); extra
  columns such as ``page`` or ``scene`` are kept and ignored. One row per day, or several (one
  per page/scene); the month figure is the samples-weighted mean.
* ``autoreply_samples.csv`` (optional): a labelled sample of user messages: ``time``
  (YYYY-MM-DD HH:MM, Asia/Shanghai), ``user`` (pseudonymous id), ``message``, ``rule`` (the rule
  that fired, empty = none) and ``correct`` (是/否 or 1/0: was the reply, or its absence, right).

The CSV files may be UTF-8 (with or without BOM), UTF-16 with a BOM or GB18030/GBK (see
``wxnb.io.csvin``); a file not read as UTF-8 is named in the data notes.

``prepare`` loads and computes everything once; the other functions show it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.kit import charts
from wxnb.io import csvin
from wxnb.kit import fmt
from wxnb.kit import metrics
from wxnb.exceptions import DataValidationError, Problem
from wxnb.kit.findings import Finding
from wxnb.io.datacube import load_month
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s06_tech import SPEC

__all__ = [
    "AUTOREPLY_FILE",
    "INPUTS",
    "PERF_FILE",
    "SECTION",
    "ModuleRow",
    "TechInputs",
    "TechMetrics",
    "TechSection",
    "api_chart",
    "api_episodes",
    "autoreply_errors_html",
    "autoreply_html",
    "bottleneck",
    "compute_metrics",
    "daily_api",
    "daily_load",
    "data_notes",
    "findings",
    "load",
    "load_chart",
    "module_rows",
    "modules_html",
    "narrative",
    "prepare",
    "rule_table",
    "rules_chart",
    "wilson",
    "worst_days_html",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs
PERF_FILE = "miniprogram_performance.csv"
AUTOREPLY_FILE = "autoreply_samples.csv"
WECHAT_TIMEOUT_MS = 5000  # WeChat drops a passive reply after 5 s and retries (3 tries in all)
WARN_BAND = 0.05  # within 5 % (relative) of the standard → 预警
_PERF_COLS = ("date", "startup_ms", "samples")
_REPLY_COLS = ("time", "user", "message", "rule", "correct")
_TRUE, _FALSE = {"是", "1"}, {"否", "0"}
_STATUS_CSS = {"达标": "ok", "预警": "warn", "未达标": "bad"}


# --------------------------------------------------------------------------- loading


@dataclass
class TechInputs:
    """One month's validated inputs; ``None`` for a file that is not there."""

    month: str
    interface: pd.DataFrame | None
    performance: pd.DataFrame | None
    autoreply: pd.DataFrame | None
    warnings: list[str] = field(default_factory=list)


def _perf_problems(df: pd.DataFrame, name: str, month: str) -> list[Problem]:
    out = []
    for i, r in enumerate(df.to_dict("records")):
        d = str(r["date"]).strip()
        if not csvin.is_day(d):
            out.append(Problem(name, "date", csvin.row_label(i), "日期 YYYY-MM-DD",
                               csvin.brief(d, 80) if d else "缺失"))
        elif d[:7] != month:
            out.append(Problem(name, "date", csvin.row_label(i), f"{month} 月内的日期", d))
        ms = csvin.number(str(r["startup_ms"]))
        if ms is None:
            out.append(Problem(name, "startup_ms", csvin.row_label(i), "数值（毫秒）",
                               csvin.brief(r["startup_ms"], 80) if r["startup_ms"] else "缺失"))
        elif ms < 0:
            out.append(Problem(name, "startup_ms", csvin.row_label(i), "非负数（毫秒）",
                               str(r["startup_ms"])))
        n = str(r["samples"]).strip()
        if csvin.count(n) is None:
            out.append(Problem(name, "samples", csvin.row_label(i),
                               f"非负整数（不超过 {csvin.COUNT_MAX:,}）",
                               csvin.brief(n, 80) if n else "缺失"))
    return out


def _load_performance(path: Path, month: str, notes: list[str] | None = None
                      ) -> tuple[pd.DataFrame | None, list[Problem]]:
    df, problems = csvin.read_csv(path, _PERF_COLS, notes=notes)
    if df is None:
        return None, problems
    problems = _perf_problems(df, path.name, month)
    if problems:
        return None, problems
    df["date"] = pd.to_datetime(df["date"].str.strip(), format="%Y-%m-%d")
    df["startup_ms"] = df["startup_ms"].map(csvin.number).astype(float)  # "1,200" too
    df["samples"] = df["samples"].map(lambda s: csvin.count(str(s).strip())).astype("int64")
    return df, []


_MINUTE_RX = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2} [0-9]{1,2}:[0-9]{2}")


def _minute(text: str) -> datetime | None:
    """``YYYY-MM-DD HH:MM`` (ASCII digits; ``2026-10-1 8:00`` too) as a datetime, or None."""
    if not _MINUTE_RX.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        return None


def _reply_problems(df: pd.DataFrame, name: str, month: str) -> list[Problem]:
    out = []
    for i, r in enumerate(df.to_dict("records")):
        t = str(r["time"]).strip()
        stamp = _minute(t)
        if not t:
            out.append(Problem(name, "time", csvin.row_label(i), "时间 YYYY-MM-DD HH:MM", "缺失"))
        elif stamp is None:
            out.append(Problem(name, "time", csvin.row_label(i), "时间 YYYY-MM-DD HH:MM",
                               csvin.brief(t, 80)))
        elif f"{stamp:%Y-%m}" != month:
            out.append(Problem(name, "time", csvin.row_label(i), f"{month} 月内的时间", t))
        if not str(r["user"]).strip():
            out.append(Problem(name, "user", csvin.row_label(i), "用户标识（匿名 id）", "缺失"))
        c = str(r["correct"]).strip()
        if c not in _TRUE | _FALSE:
            out.append(Problem(name, "correct", csvin.row_label(i), "是/否 或 1/0",
                               csvin.brief(c, 80) if c else "缺失"))
    return out


def _load_autoreply(path: Path, month: str, notes: list[str] | None = None
                    ) -> tuple[pd.DataFrame | None, list[Problem]]:
    df, problems = csvin.read_csv(path, _REPLY_COLS, notes=notes)
    if df is None:
        return None, problems
    problems = _reply_problems(df, path.name, month)
    if problems:
        return None, problems
    df["time"] = pd.to_datetime(df["time"].map(lambda t: _minute(str(t).strip())))
    df["user"] = df["user"].str.strip()
    df["rule"] = df["rule"].str.strip()
    df["correct"] = df["correct"].str.strip().isin(_TRUE)
    df["hit"] = df["rule"] != ""
    return df, []


def _load_interface(folder: Path, month: str) -> tuple[pd.DataFrame | None, list[str]]:
    if not any(folder.glob(INPUTS[0])):
        return None, []
    data = load_month(folder, month, endpoints=("getinterfacesummary",))
    return data.frames.get("getinterfacesummary"), list(data.warnings)


def load(folder: Path, month: str) -> TechInputs:
    """Read and validate this section's files of one month (read-only).

    Raises
    ------
    DataValidationError
        Listing every problem of every file (file, field, row, expected, found).
    """
    folder = Path(folder)
    problems: list[Problem] = []
    interface, warnings = None, []
    try:
        interface, warnings = _load_interface(folder, month)
    except DataValidationError as exc:
        problems.extend(exc.problems)
    frames: dict[str, pd.DataFrame | None] = {}
    for name, reader in ((PERF_FILE, _load_performance), (AUTOREPLY_FILE, _load_autoreply)):
        path = folder / name
        frames[name] = None
        if path.is_file():
            frames[name], found = reader(path, month, warnings)
            problems.extend(found)
            if frames[name] is not None and frames[name].empty:
                warnings.append(f"{name} 只有表头，没有数据行")
                frames[name] = None
    if problems:
        raise DataValidationError(problems)
    return TechInputs(month, interface, frames[PERF_FILE], frames[AUTOREPLY_FILE], warnings)


# --------------------------------------------------------------------------- metrics


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval (95 % by default) of a proportion k / n."""
    if n <= 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def daily_api(interface: pd.DataFrame) -> pd.DataFrame:
    """Per day: callbacks, failures, fail rate, success rate, mean and max latency (ms)."""
    g = interface.groupby("ref_date")
    d = g[["callback_count", "fail_count", "total_time_cost"]].sum()
    d["max_time_cost"] = g["max_time_cost"].max()
    calls = d["callback_count"].where(d["callback_count"] > 0)
    d["fail_rate"] = d["fail_count"] / calls
    d["success_rate"] = 1 - d["fail_rate"]
    d["avg_ms"] = d["total_time_cost"] / calls
    return d.sort_index()


@dataclass
class TechMetrics:
    """The month's figures per module; ``None`` where the data is not there."""

    callbacks: int | None = None
    failures: int | None = None
    api_success: float | None = None
    avg_ms: float | None = None
    max_ms: float | None = None
    max_day: pd.Timestamp | None = None
    slow_days: int = 0
    load_s: float | None = None
    load_samples: int = 0
    accuracy: float | None = None
    accuracy_ci: tuple[float, float] = (math.nan, math.nan)
    labelled: int = 0
    hit_rate: float | None = None
    hits: int = 0
    users: int = 0
    users_affected: int = 0

    @property
    def affected_share(self) -> float | None:
        return self.users_affected / self.users if self.users else None


def _api_metrics(m: TechMetrics, daily: pd.DataFrame) -> None:
    m.callbacks, m.failures = int(daily["callback_count"].sum()), int(daily["fail_count"].sum())
    if m.callbacks:
        m.api_success = 1 - m.failures / m.callbacks
        m.avg_ms = float(daily["total_time_cost"].sum()) / m.callbacks
    m.max_ms = float(daily["max_time_cost"].max())
    m.max_day = daily["max_time_cost"].idxmax()
    m.slow_days = int((daily["max_time_cost"] > WECHAT_TIMEOUT_MS).sum())


def _reply_metrics(m: TechMetrics, replies: pd.DataFrame) -> None:
    n, k = len(replies), int(replies["correct"].sum())
    m.labelled, m.accuracy, m.accuracy_ci = n, k / n, wilson(k, n)
    m.hits = int(replies["hit"].sum())
    m.hit_rate = m.hits / n
    m.users = int(replies["user"].nunique())
    m.users_affected = int(replies.loc[~replies["correct"], "user"].nunique())


def compute_metrics(inputs: TechInputs) -> TechMetrics:
    """Compute every module's month figure from validated inputs."""
    m = TechMetrics()
    if inputs.interface is not None and not inputs.interface.empty:
        _api_metrics(m, daily_api(inputs.interface))
    perf = inputs.performance
    if perf is not None and perf["samples"].sum() > 0:
        m.load_samples = int(perf["samples"].sum())
        m.load_s = float((perf["startup_ms"] * perf["samples"]).sum()) / m.load_samples / 1000
    if inputs.autoreply is not None and len(inputs.autoreply):
        _reply_metrics(m, inputs.autoreply)
    return m


def daily_load(perf: pd.DataFrame) -> pd.Series:
    """Samples-weighted start-up time per day, in seconds."""
    w = perf.assign(weighted=perf["startup_ms"] * perf["samples"]).groupby("date")
    total = w["samples"].sum()
    return (w["weighted"].sum() / total.where(total > 0) / 1000).dropna()


# --------------------------------------------------------------------------- modules


@dataclass
class ModuleRow:
    """One row of the module table: a metric against its standard."""

    key: str
    module: str
    value: float | None
    value_text: str
    standard: float | None
    standard_text: str
    higher_better: bool
    problem: str  # what to fix, for the narrative (…问题)
    source: str  # the file that enables it
    mom: float | None = None
    mom_text: str = "无上月数据"
    mom_mode: str = "pp"

    @property
    def gap(self) -> float | None:
        """Relative shortfall against the standard (0 when it is met)."""
        if self.value is None or not self.standard:
            return None
        diff = self.standard - self.value if self.higher_better else self.value - self.standard
        return max(0.0, diff / self.standard)

    @property
    def status(self) -> str:
        if self.value is None:
            return "未提供"
        if self.gap is None:
            return "未设目标"
        return "达标" if self.gap == 0 else "预警" if self.gap <= WARN_BAND else "未达标"

    @property
    def gap_text(self) -> str:
        if self.value is None:
            return "—"
        if self.gap is None:
            return "未设标准"
        word = "低于标准" if self.higher_better else "超出标准"
        if self.gap == 0:
            return "无差距"
        return f"{word} {self.gap:.2%}" if self.gap < 0.01 else f"{word} {self.gap:.1%}"


def _ms(v: float | None) -> str:
    return fmt.fmt_int(v, " ms")


def _api_rows(m: TechMetrics, p: ReportParams) -> list[ModuleRow]:
    src = "getinterfacesummary_*.json"
    if m.api_success is None:
        return [ModuleRow("api_success", "API接口稳定性", None, "", p.api_success_standard,
                          "", True, "接口稳定性问题", src)]
    return [
        ModuleRow("api_success", "API接口稳定性", m.api_success,
                  f"成功率 {fmt.fmt_pct(m.api_success, 2)}（失败 {m.failures:,} / 调用 "
                  f"{m.callbacks:,}）", p.api_success_standard,
                  f"≥ {fmt.fmt_pct(p.api_success_standard, 1)}", True, "接口稳定性问题", src),
        ModuleRow("api_latency", "接口平均耗时 / 最大耗时", m.max_ms,
                  f"平均 {_ms(m.avg_ms)} / 最大 {_ms(m.max_ms)}", float(WECHAT_TIMEOUT_MS),
                  f"最大 ≤ {WECHAT_TIMEOUT_MS:,} ms（微信 5 秒超时）", False,
                  "接口响应超时问题", src, mom_mode="rel"),
    ]


def _other_rows(m: TechMetrics, p: ReportParams) -> list[ModuleRow]:
    acc = ""
    if m.accuracy is not None:
        acc = (f"{fmt.fmt_pct(m.accuracy)}（95% 置信区间 {fmt.fmt_pct(m.accuracy_ci[0])}–"
               f"{fmt.fmt_pct(m.accuracy_ci[1])}，n={m.labelled:,}）")
    acc_std = p.autoreply_accuracy_standard
    return [
        ModuleRow("miniprogram_load", "小程序加载速度", m.load_s,
                  f"{m.load_s:.2f}s（{m.load_samples:,} 次测量加权）" if m.load_s else "",
                  p.miniprogram_load_standard, f"≤ {p.miniprogram_load_standard:g}s", False,
                  "小程序性能问题", PERF_FILE, mom_mode="rel"),
        ModuleRow("autoreply_accuracy", "自动回复准确率", m.accuracy, acc,
                  acc_std, f"≥ {fmt.fmt_pct(acc_std, 0)}",
                  True, "自动回复准确率问题", AUTOREPLY_FILE),
        ModuleRow("keyword_hit_rate", "关键词回复命中率", m.hit_rate,
                  f"{fmt.fmt_pct(m.hit_rate)}（{m.hits:,} / {m.labelled:,}）"
                  if m.hit_rate is not None else "", None, "未配置", True,
                  "关键词规则覆盖问题", AUTOREPLY_FILE),
    ]


def _with_mom(rows: list[ModuleRow], prev: list[ModuleRow] | None) -> None:
    before = {r.key: r.value for r in prev or []}
    for r in rows:
        old = before.get(r.key)
        if r.value is None or old is None:
            r.mom_text = "无上月数据" if prev is None or old is None else "—"
        elif r.mom_mode == "pp":
            r.mom = (r.value - old) * 100
            r.mom_text = fmt.fmt_pp(r.mom)
        elif old:
            r.mom = r.value / old - 1
            r.mom_text = fmt.fmt_signed_pct(r.mom)


def module_rows(m: TechMetrics, p: ReportParams) -> list[ModuleRow]:
    """The table's rows: API stability, latency, mini program speed, auto-reply, keywords."""
    return _api_rows(m, p) + _other_rows(m, p)


def api_episodes(daily: pd.DataFrame | None, standard: float) -> list[dict[str, Any]]:
    """Runs of consecutive days whose success rate is below ``standard``."""
    if daily is None:
        return []
    below = daily.index[daily["success_rate"] < standard]
    out = []
    for run in metrics.consecutive_runs(list(below)):
        part = daily.loc[run]
        calls, fails = int(part["callback_count"].sum()), int(part["fail_count"].sum())
        out.append({"start": run[0], "end": run[-1], "callbacks": calls, "failures": fails,
                    "success": 1 - fails / calls if calls else math.nan,
                    "max_ms": float(part["max_time_cost"].max())})
    return out


# --------------------------------------------------------------------------- the section


@dataclass
class TechSection:
    """Everything section 06 shows, computed once."""

    params: ReportParams
    inputs: TechInputs
    previous: TechInputs | None
    prev_note: str
    daily: pd.DataFrame | None
    metrics: TechMetrics
    prev_metrics: TechMetrics | None
    modules: list[ModuleRow]
    episodes: list[dict[str, Any]]


def _previous(params: ReportParams) -> tuple[TechInputs | None, str]:
    folder = params.resolved_prev_data_dir()
    if not folder.is_dir():
        return None, f"无上月数据（未找到 {folder.name} 目录），环比不可用"
    try:
        return load(folder, prev_month(params.month)), ""
    except DataValidationError as exc:
        return None, (f"上月数据校验未通过（{len(exc.problems)} 个问题，如 {exc.problems[0]}），"
                      "环比不可用")


def prepare(params: ReportParams) -> TechSection:
    """Load this month (and the previous one for 环比) and compute section 06."""
    inputs = load(params.resolved_data_dir(), params.month)
    previous, note = _previous(params)
    m = compute_metrics(inputs)
    prev_m = compute_metrics(previous) if previous else None
    rows = module_rows(m, params)
    _with_mom(rows, module_rows(prev_m, params) if prev_m else None)
    daily = daily_api(inputs.interface) if inputs.interface is not None else None
    return TechSection(params, inputs, previous, note, daily, m, prev_m, rows,
                       api_episodes(daily, params.api_success_standard))


# --------------------------------------------------------------------------- tables


def modules_html(sec: TechSection) -> fmt.HtmlBlock:
    """The seed's table: 技术模块, 运行指标, 行业标准, 差距, 状态 (and 环比)."""
    rows, css = [], []
    for r in sec.modules:
        value = r.value_text if r.value is not None else f"未提供（需 {r.source}）"
        rows.append([r.module, value, r.standard_text, r.gap_text, r.status, r.mom_text])
        css.append(["", "", "", "", _STATUS_CSS.get(r.status, ""), ""])
    return fmt.table(rows, ["技术模块", "运行指标", "行业标准", "差距", "状态", "环比"],
                     numeric=(3, 5), wrap=(1,), css=css,
                     caption=f"状态：达到标准为达标，差距在标准的 {WARN_BAND:.0%} 以内为预警，"
                             "否则为未达标；差距为相对标准的缺口")


def _worst_days(sec: TechSection, n: int = 5) -> pd.DataFrame:
    d = sec.daily
    if d is None or d.empty:
        return pd.DataFrame()
    flagged = (d["success_rate"] < sec.params.api_success_standard) | (
        d["max_time_cost"] > WECHAT_TIMEOUT_MS)
    top = d.sort_values("fail_rate", ascending=False).head(n).index
    return d.loc[d.index[flagged].union(top)].sort_values("fail_rate", ascending=False)


def worst_days_html(sec: TechSection) -> fmt.HtmlBlock:
    """The worst days: every day below the standard or over 5 s, at least the top 5."""
    worst = _worst_days(sec)
    if worst.empty:
        return fmt.notes([f"未提供接口分析数据（{INPUTS[0]}）"], title="最差的日子")
    std = sec.params.api_success_standard
    rows = [[f"{d:%m-%d}", fmt.fmt_int(r["callback_count"]), fmt.fmt_int(r["fail_count"]),
             fmt.fmt_pct(r["fail_rate"], 2), _ms(r["avg_ms"]), _ms(r["max_time_cost"]),
             _day_note(r, std)] for d, r in worst.iterrows()]
    header = ["日期", "调用次数", "失败次数", "失败率", "平均耗时", "最大耗时", "判定"]
    return fmt.table(rows, header,
                     numeric=(1, 2, 3, 4, 5),
                     caption=f"失败率 = fail_count ÷ callback_count；标准成功率 "
                             f"{fmt.fmt_pct(std, 1)}，微信等待被动回复 5 秒")


def _day_note(r: pd.Series, std: float) -> str:
    notes = []
    if r["success_rate"] < std:
        notes.append("低于成功率标准")
    if r["max_time_cost"] > WECHAT_TIMEOUT_MS:
        notes.append("最大耗时超过 5 秒")
    return "、".join(notes) or "正常"


def rule_table(replies: pd.DataFrame) -> pd.DataFrame:
    """Per rule (未触发 for none): messages, correct, accuracy, share of the sample."""
    rule = replies["rule"].where(replies["hit"], "（未触发规则）")
    g = replies.assign(rule=rule).groupby("rule")
    out = pd.DataFrame({"n": g.size(), "correct": g["correct"].sum()})
    out["accuracy"] = out["correct"] / out["n"]
    out["share"] = out["n"] / len(replies)
    return out.sort_values(["n", "accuracy"], ascending=[False, True])


def autoreply_html(sec: TechSection) -> fmt.HtmlBlock:
    """Auto-reply accuracy per rule, from the labelled sample."""
    replies = sec.inputs.autoreply
    if replies is None:
        return fmt.notes([f"未提供自动回复抽样（{AUTOREPLY_FILE}），无法评估准确率与命中率"],
                         title="自动回复")
    rows = [[rule, fmt.fmt_int(r["n"]), fmt.fmt_pct(r["share"]), fmt.fmt_int(r["correct"]),
             fmt.fmt_pct(r["accuracy"])] for rule, r in rule_table(replies).iterrows()]
    m = sec.metrics
    return fmt.table(rows, ["触发规则", "消息数", "占比", "判定正确", "准确率"],
                     numeric=(1, 2, 3, 4), wrap=(0,),
                     caption=f"抽样 {m.labelled:,} 条消息、{m.users:,} 位用户；"
                             "准确率 = 判定正确 ÷ 全部抽样消息，"
                             "命中率 = 触发了规则的消息 ÷ 全部抽样消息")


def autoreply_errors_html(sec: TechSection, n: int = 8) -> fmt.HtmlBlock:
    """Examples of wrong replies (the most recent ``n``), for the service team."""
    replies = sec.inputs.autoreply
    if replies is None:
        return fmt.notes([f"未提供 {AUTOREPLY_FILE}"], title="错误回复示例")
    wrong = replies[~replies["correct"]].sort_values("time", ascending=False).head(n)
    if wrong.empty:
        return fmt.notes(["抽样中没有判定错误的回复"], title="错误回复示例")
    rows = [[f"{r['time']:%m-%d %H:%M}", r["rule"] or "（未触发规则）", r["message"]]
            for _, r in wrong.iterrows()]
    return fmt.table(rows, ["时间", "触发规则", "用户消息"], wrap=(1, 2),
                     caption=f"共 {int((~replies['correct']).sum()):,} 条判定错误，列出最近 "
                             f"{len(rows)} 条")


# --------------------------------------------------------------------------- charts


def _day_axis(ax: Any, index: pd.DatetimeIndex) -> None:
    ax.set_xlim(index[0] - pd.Timedelta(hours=18), index[-1] + pd.Timedelta(hours=18))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=3))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))


def api_chart(sec: TechSection) -> Figure | fmt.HtmlBlock:
    """Daily success rate against the standard (line), failures (bars), worst days ringed."""
    d = sec.daily
    if d is None or d.empty:
        return fmt.notes([f"未提供接口分析数据（{INPUTS[0]}）"], title="接口成功率")
    std = sec.params.api_success_standard
    fig, ax = charts._figure()
    bars = ax.twinx()
    bars.bar(d.index, d["fail_count"], color=charts.PALETTE["muted"], width=0.7, alpha=0.6,
             label="失败次数")
    bars.set_ylabel("失败次数")
    bars.grid(False)
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(d.index, d["success_rate"] * 100, color=charts.PALETTE["new"], marker="o", ms=3,
            lw=1.8, label="成功率")
    ax.axhline(std * 100, color=charts.PALETTE["cancel"], ls="--", lw=1.2,
               label=f"标准 {std:.1%}")
    bad = d[d["success_rate"] < std]
    if len(bad):
        ax.scatter(bad.index, bad["success_rate"] * 100, s=150, facecolors="none",
                   edgecolors=charts.PALETTE["anomaly"], lw=2, zorder=5, label="低于标准")
    ax.set_ylabel("成功率（%）")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.1f}%"))
    ax.set_title("每日接口成功率与失败次数")
    _day_axis(ax, d.index)
    ax.legend(loc="center left", ncols=3)
    return fig


def load_chart(sec: TechSection) -> Figure | fmt.HtmlBlock:
    """Daily mini program start-up time (s) against the standard."""
    perf = sec.inputs.performance
    if perf is None:
        return fmt.notes([f"未提供小程序性能数据（{PERF_FILE}）"], title="小程序加载速度")
    s = daily_load(perf)
    std = sec.params.miniprogram_load_standard
    fig, ax = charts._figure()
    colors = [charts.PALETTE["cancel"] if v > std else charts.PALETTE["new"] for v in s]
    ax.bar(s.index, s.values, color=colors, width=0.7)
    ax.axhline(std, color=charts.PALETTE["text"], ls="--", lw=1.2, label=f"标准 ≤ {std:g}s")
    ax.set_ylabel("启动耗时（秒）")
    ax.set_title("小程序每日启动耗时（按测量次数加权）")
    _day_axis(ax, s.index)
    ax.legend(loc="upper left")
    return fig


def rules_chart(sec: TechSection, top: int = 8) -> Figure | fmt.HtmlBlock:
    """Accuracy per auto-reply rule (horizontal bars) with the standard line."""
    replies = sec.inputs.autoreply
    if replies is None:
        return fmt.notes([f"未提供 {AUTOREPLY_FILE}"], title="各规则准确率")
    t = rule_table(replies).head(top).iloc[::-1]
    std = sec.params.autoreply_accuracy_standard
    fig, ax = charts._figure(8.0, 0.45 * len(t) + 1.4)
    labels = [f"{charts.safe_label(r)}（{n}）" for r, n in zip(t.index, t["n"], strict=True)]
    y = np.arange(len(t))
    ax.barh(y, t["accuracy"] * 100, color=[charts.PALETTE["cancel"] if a < std
                                          else charts.PALETTE["new"] for a in t["accuracy"]])
    ax.set_yticks(y, labels)
    ax.axvline(std * 100, color=charts.PALETTE["text"], ls="--", lw=1.2, label=f"标准 {std:.0%}")
    ax.set_xlim(0, 105)
    ax.set_xlabel("准确率（%）")
    ax.set_title("各自动回复规则的准确率（括号内为消息数）")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    return fig


# --------------------------------------------------------------------------- narrative


def _span(start: pd.Timestamp, end: pd.Timestamp) -> str:
    return f"{start:%m-%d}" if start == end else f"{start:%m-%d} 至 {end:%m-%d}"


def _module(sec: TechSection, key: str) -> ModuleRow | None:
    return next((r for r in sec.modules if r.key == key and r.value is not None), None)


def _mom_clause(r: ModuleRow) -> str:
    return f"，环比 {r.mom_text}" if r.mom is not None else ""


def _api_sentence(sec: TechSection) -> str:
    m, r, lat = sec.metrics, _module(sec, "api_success"), _module(sec, "api_latency")
    if r is None or lat is None:
        return f"本月未提供接口分析数据（{INPUTS[0]}），无法评估接口稳定性。"
    std = sec.params.api_success_standard
    word = "达到" if r.gap == 0 else "低于"
    slow = (f"，{m.slow_days} 天最大耗时超过微信 5 秒等待上限（超时的被动回复用户会看到"
            "“该公众号暂时无法提供服务”）") if m.slow_days else "，未超过微信 5 秒等待上限"
    return (f"本月被动回复接口调用 {m.callbacks:,} 次、失败 {m.failures:,} 次，成功率 "
            f"{fmt.fmt_pct(m.api_success, 2)}，{word}标准 {fmt.fmt_pct(std, 1)}（{r.status}）"
            f"{_mom_clause(r)}；平均耗时 {_ms(m.avg_ms)}，最大耗时 {_ms(m.max_ms)}"
            f"（{m.max_day:%m-%d}）{slow}。")


def _episode_sentence(sec: TechSection) -> str:
    if not sec.episodes:
        return "本月没有成功率低于标准的日子。" if sec.daily is not None else ""
    items = [f"{_span(e['start'], e['end'])}（失败 {e['failures']:,} 次，成功率 "
             f"{fmt.fmt_pct(e['success'], 2)}，最大耗时 {_ms(e['max_ms'])}）"
             for e in sec.episodes]
    return f"接口失败集中在 {len(items)} 个时段：" + "；".join(items) + "。"


def _load_sentence(sec: TechSection) -> str:
    r = _module(sec, "miniprogram_load")
    if r is None:
        return f"小程序加载速度未提供（需 {PERF_FILE}）。"
    s = daily_load(sec.inputs.performance)  # type: ignore[arg-type]
    over = int((s > r.standard).sum())
    return (f"小程序平均启动耗时 {r.value:.2f} 秒（{sec.metrics.load_samples:,} 次测量加权），"
            f"标准 ≤ {r.standard:g} 秒，{r.gap_text}（{r.status}）{_mom_clause(r)}；"
            f"{over}/{len(s)} 天超标，最慢为 {s.idxmax():%m-%d}（{s.max():.2f} 秒）。")


def _reply_sentence(sec: TechSection) -> str:
    r, m = _module(sec, "autoreply_accuracy"), sec.metrics
    if r is None:
        return f"自动回复准确率与关键词命中率未提供（需 {AUTOREPLY_FILE}）。"
    hit = _module(sec, "keyword_hit_rate")
    worst = rule_table(sec.inputs.autoreply)  # type: ignore[arg-type]
    worst = worst[worst["n"] >= 10].sort_values("accuracy")
    tail = (f"；准确率最低的是“{worst.index[0]}”（{fmt.fmt_pct(worst['accuracy'].iloc[0])}，"
            f"{int(worst['n'].iloc[0])} 条）") if len(worst) else ""
    return (f"抽样 {m.labelled:,} 条用户消息，自动回复准确率 {fmt.fmt_pct(m.accuracy)}"
            f"（95% 置信区间 {fmt.fmt_pct(m.accuracy_ci[0])}–"
            f"{fmt.fmt_pct(m.accuracy_ci[1])}），标准 "
            f"{fmt.fmt_pct(r.standard, 0)}（{r.status}）{_mom_clause(r)}；关键词回复命中率 "
            f"{fmt.fmt_pct(m.hit_rate)}{_mom_clause(hit) if hit else ''}{tail}。")


def bottleneck(sec: TechSection) -> ModuleRow | None:
    """The module with the largest relative gap to its standard (None when all are met)."""
    gaps = [r for r in sec.modules if r.gap]
    return max(gaps, key=lambda r: r.gap or 0.0) if gaps else None


def _bottleneck_sentence(sec: TechSection) -> str:
    b, share = bottleneck(sec), sec.metrics.affected_share
    users = (f"技术瓶颈已影响 {share:.1%} 的用户（自动回复抽样中 {sec.metrics.users:,} 位用户有 "
             f"{sec.metrics.users_affected:,} 位至少收到一次错误回复），") if share else ""
    if b is None:
        return (users or "") + "各技术模块均达到标准。"
    return (f"{users}当前与标准差距最大的是{b.module}（{b.gap_text}），需优先解决{b.problem}。")


def narrative(sec: TechSection) -> list[str]:
    """The seed-style paragraphs, every figure computed from ``sec``."""
    parts = [_api_sentence(sec), _episode_sentence(sec), _load_sentence(sec),
             _reply_sentence(sec), _bottleneck_sentence(sec)]
    return [p for p in parts if p]


def data_notes(sec: TechSection) -> list[str]:
    """Caveats: missing files, the previous month, what the datacube does not give."""
    notes = list(sec.inputs.warnings)
    if sec.prev_note:
        notes.append(sec.prev_note)
    for r in sec.modules:
        if r.value is None:
            notes.append(f"{r.module}：未提供 {r.source}")
    notes.append("接口耗时只有日均值与日最大值（getinterfacesummary），"
                 "p95 需从自有服务器日志获取。")
    notes.append("自动回复准确率为人工标注抽样的估计，置信区间为 Wilson 95% 区间；"
                 "关键词命中率暂无行业标准。")
    return list(dict.fromkeys(notes))


# --------------------------------------------------------------------------- findings


def _finding(r: ModuleRow) -> Finding:
    evidence = f"{r.module} {r.value_text}，标准 {r.standard_text}，{r.gap_text}"
    if r.mom is not None:
        evidence += f"，环比 {r.mom_text}"
    return Finding(
        section=SECTION[0], section_title=SECTION[1], metric=r.key, name=r.module,
        status=r.status, evidence=evidence, value=r.value, value_text=r.value_text,
        target=r.standard, target_text=r.standard_text, gap=r.gap, mom=r.mom,
        mom_text=r.mom_text, kind="kpi",
        extra={"higher_better": r.higher_better, "mom_mode": r.mom_mode},
    )


def findings(sec: TechSection) -> list[Finding]:
    """One finding per module with data, one 预警 event per API failure-burst episode."""
    out = [_finding(r) for r in sec.modules if r.value is not None]
    std = sec.params.api_success_standard
    for e in sec.episodes:
        text = (f"{_span(e['start'], e['end'])} 接口成功率 {fmt.fmt_pct(e['success'], 2)}，"
                f"低于标准 {fmt.fmt_pct(std, 1)}（失败 {e['failures']:,} / 调用 "
                f"{e['callbacks']:,}，最大耗时 {_ms(e['max_ms'])}）")
        out.append(Finding(
            section=SECTION[0], section_title=SECTION[1], metric="anomaly:api_failure",
            name="接口失败集中", status="预警", evidence=text, value=e["success"],
            value_text=fmt.fmt_pct(e["success"], 2), target=std,
            target_text=fmt.fmt_pct(std, 1), gap=max(0.0, (std - e["success"]) / std),
            kind="event",
            extra={"start": f"{e['start']:%Y-%m-%d}", "end": f"{e['end']:%Y-%m-%d}",
                   "failures": e["failures"], "max_ms": e["max_ms"]},
        ))
    return out
