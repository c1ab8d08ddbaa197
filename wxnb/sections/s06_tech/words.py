"""Section 06 技术支撑能力专项评估, the words: narrative, data notes and findings."""

from __future__ import annotations

import pandas as pd

from wxnb.io.tech import AUTOREPLY_FILE, PERF_FILE
from wxnb.kit import fmt
from wxnb.kit.findings import Finding
from wxnb.sections.s06_tech.compute import (
    INPUTS,
    SECTION,
    ModuleRow,
    TechSection,
    _ms,
    bottleneck,
    daily_load,
    rule_table,
)

__all__ = [
    "data_notes",
    "findings",
    "narrative",
]


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
    return (f"本月被动回复接口调用 {fmt.fmt_int(m.callbacks)} 次、失败 {fmt.fmt_int(m.failures)} 次，成功率 "
            f"{fmt.fmt_pct(m.api_success, 2)}，{word}标准 {fmt.fmt_pct(std, 1)}（{r.status}）"
            f"{_mom_clause(r)}；平均耗时 {_ms(m.avg_ms)}，最大耗时 {_ms(m.max_ms)}"
            f"（{m.max_day:%m-%d}）{slow}。")


def _episode_sentence(sec: TechSection) -> str:
    if not sec.episodes:
        return "本月没有成功率低于标准的日子。" if sec.daily is not None else ""
    items = [f"{_span(e['start'], e['end'])}（失败 {fmt.fmt_int(e['failures'])} 次，成功率 "
             f"{fmt.fmt_pct(e['success'], 2)}，最大耗时 {_ms(e['max_ms'])}）"
             for e in sec.episodes]
    return f"接口失败集中在 {len(items)} 个时段：" + "；".join(items) + "。"


def _load_sentence(sec: TechSection) -> str:
    r = _module(sec, "miniprogram_load")
    if r is None:
        return f"小程序加载速度未提供（需 {PERF_FILE}）。"
    s = daily_load(sec.inputs.performance)  # type: ignore[arg-type]
    over = int((s > r.standard).sum())
    return (f"小程序平均启动耗时 {fmt.fmt_num(r.value, 2)} 秒（{fmt.fmt_int(sec.metrics.load_samples)} 次测量加权），"
            f"标准 ≤ {r.standard:g} 秒，{r.gap_text}（{r.status}）{_mom_clause(r)}；"
            f"{over}/{len(s)} 天超标，最慢为 {s.idxmax():%m-%d}（{fmt.fmt_num(s.max(), 2)} 秒）。")


def _reply_sentence(sec: TechSection) -> str:
    r, m = _module(sec, "autoreply_accuracy"), sec.metrics
    if r is None:
        return f"自动回复准确率与关键词命中率未提供（需 {AUTOREPLY_FILE}）。"
    hit = _module(sec, "keyword_hit_rate")
    worst = rule_table(sec.inputs.autoreply)  # type: ignore[arg-type]
    worst = worst[worst["n"] >= 10].sort_values("accuracy")
    tail = (f"；准确率最低的是“{worst.index[0]}”（{fmt.fmt_pct(worst['accuracy'].iloc[0])}，"
            f"{int(worst['n'].iloc[0])} 条）") if len(worst) else ""
    return (f"抽样 {fmt.fmt_int(m.labelled)} 条用户消息，自动回复准确率 {fmt.fmt_pct(m.accuracy)}"
            f"（95% 置信区间 {fmt.fmt_pct(m.accuracy_ci[0])}–"
            f"{fmt.fmt_pct(m.accuracy_ci[1])}），标准 "
            f"{fmt.fmt_pct(r.standard, 0)}（{r.status}）{_mom_clause(r)}；关键词回复命中率 "
            f"{fmt.fmt_pct(m.hit_rate)}{_mom_clause(hit) if hit else ''}{tail}。")


def _bottleneck_sentence(sec: TechSection) -> str:
    b, share = bottleneck(sec), sec.metrics.affected_share
    users = (f"技术瓶颈已影响 {fmt.fmt_pct(share, 1)} 的用户（自动回复抽样中 {fmt.fmt_int(sec.metrics.users)} 位用户有 "
             f"{fmt.fmt_int(sec.metrics.users_affected)} 位至少收到一次错误回复），") if share else ""
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
                f"低于标准 {fmt.fmt_pct(std, 1)}（失败 {fmt.fmt_int(e['failures'])} / 调用 "
                f"{fmt.fmt_int(e['callbacks'])}，最大耗时 {_ms(e['max_ms'])}）")
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
