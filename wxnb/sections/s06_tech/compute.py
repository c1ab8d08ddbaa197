"""Section 06 技术支撑能力专项评估, the numbers: interface stability, mini program speed,
auto-reply quality, the module rows against their standards and the failure episodes.

The inputs are read and validated by ``wxnb.io.tech``. ``prepare`` loads and computes everything
once; ``show`` and ``words`` show it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from wxnb.exceptions import DataValidationError
from wxnb.io.tech import AUTOREPLY_FILE, PERF_FILE, TechInputs, load
from wxnb.kit import compare, fmt, metrics
from wxnb.kit.stats import wilson
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s06_tech import SPEC

__all__ = [
    "INPUTS",
    "SECTION",
    "ModuleRow",
    "TechMetrics",
    "TechSection",
    "api_episodes",
    "bottleneck",
    "compute_metrics",
    "daily_api",
    "daily_load",
    "module_rows",
    "prepare",
    "rule_table",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs
WECHAT_TIMEOUT_MS = 5000  # WeChat drops a passive reply after 5 s and retries (3 tries in all)
WARN_BAND = 0.05  # within 5 % (relative) of the standard → 预警


# --------------------------------------------------------------------------- metrics


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


def rule_table(replies: pd.DataFrame) -> pd.DataFrame:
    """Per rule (未触发 for none): messages, correct, accuracy, share of the sample."""
    rule = replies["rule"].where(replies["hit"], "（未触发规则）")
    g = replies.assign(rule=rule).groupby("rule")
    out = pd.DataFrame({"n": g.size(), "correct": g["correct"].sum()})
    out["accuracy"] = out["correct"] / out["n"]
    out["share"] = out["n"] / len(replies)
    return out.sort_values(["n", "accuracy"], ascending=[False, True])


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
        return f"{word} {fmt.fmt_pct(self.gap, 2)}" if self.gap < 0.01 else f"{word} {fmt.fmt_pct(self.gap, 1)}"


def _ms(v: float | None) -> str:
    return fmt.fmt_int(v, " ms")


def _api_rows(m: TechMetrics, p: ReportParams) -> list[ModuleRow]:
    src = "getinterfacesummary_*.json"
    if m.api_success is None:
        return [ModuleRow("api_success", "API接口稳定性", None, "", p.api_success_standard,
                          "", True, "接口稳定性问题", src)]
    return [
        ModuleRow("api_success", "API接口稳定性", m.api_success,
                  f"成功率 {fmt.fmt_pct(m.api_success, 2)}（失败 {fmt.fmt_int(m.failures)} / 调用 "
                  f"{fmt.fmt_int(m.callbacks)}）", p.api_success_standard,
                  f"≥ {fmt.fmt_pct(p.api_success_standard, 1)}", True, "接口稳定性问题", src),
        ModuleRow("api_latency", "接口平均耗时 / 最大耗时", m.max_ms,
                  f"平均 {_ms(m.avg_ms)} / 最大 {_ms(m.max_ms)}", float(WECHAT_TIMEOUT_MS),
                  f"最大 ≤ {fmt.fmt_int(WECHAT_TIMEOUT_MS)} ms（微信 5 秒超时）", False,
                  "接口响应超时问题", src, mom_mode="rel"),
    ]


def _other_rows(m: TechMetrics, p: ReportParams) -> list[ModuleRow]:
    acc = ""
    if m.accuracy is not None:
        acc = (f"{fmt.fmt_pct(m.accuracy)}（95% 置信区间 {fmt.fmt_pct(m.accuracy_ci[0])}–"
               f"{fmt.fmt_pct(m.accuracy_ci[1])}，n={fmt.fmt_int(m.labelled)}）")
    acc_std = p.autoreply_accuracy_standard
    return [
        ModuleRow("miniprogram_load", "小程序加载速度", m.load_s,
                  f"{fmt.fmt_num(m.load_s, 2)}s（{fmt.fmt_int(m.load_samples)} 次测量加权）" if m.load_s else "",
                  p.miniprogram_load_standard, f"≤ {p.miniprogram_load_standard:g}s", False,
                  "小程序性能问题", PERF_FILE, mom_mode="rel"),
        ModuleRow("autoreply_accuracy", "自动回复准确率", m.accuracy, acc,
                  acc_std, f"≥ {fmt.fmt_pct(acc_std, 0)}",
                  True, "自动回复准确率问题", AUTOREPLY_FILE),
        ModuleRow("keyword_hit_rate", "关键词回复命中率", m.hit_rate,
                  f"{fmt.fmt_pct(m.hit_rate)}（{fmt.fmt_int(m.hits)} / {fmt.fmt_int(m.labelled)}）"
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
            r.mom = compare.change("rate", r.value, old).value  # the report's one rate rule
            r.mom_text = fmt.fmt_pp(r.mom)
        elif old:
            # Latency (ms) and start-up time (s) are measures, not counts: always relative,
            # without kit.compare's small-base rule (a 1.9 s base would turn into a difference).
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


def _worst_days(sec: TechSection, n: int = 5) -> pd.DataFrame:
    d = sec.daily
    if d is None or d.empty:
        return pd.DataFrame()
    flagged = (d["success_rate"] < sec.params.api_success_standard) | (
        d["max_time_cost"] > WECHAT_TIMEOUT_MS)
    top = d.sort_values("fail_rate", ascending=False).head(n).index
    return d.loc[d.index[flagged].union(top)].sort_values("fail_rate", ascending=False)


def bottleneck(sec: TechSection) -> ModuleRow | None:
    """The module with the largest relative gap to its standard (None when all are met)."""
    gaps = [r for r in sec.modules if r.gap]
    return max(gaps, key=lambda r: r.gap or 0.0) if gaps else None
