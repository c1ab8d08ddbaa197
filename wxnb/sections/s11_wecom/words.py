"""Section 11 企业微信试点评估, the words: findings, narrative and data notes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from wxnb.io.wecom import GROUPCHAT_GLOB, ORDERS_FILE, PILOT_FILE
from wxnb.kit import fmt
from wxnb.kit.findings import Finding
from wxnb.sections.s11_wecom.compute import (
    SECTION,
    MetricResult,
    Source,
    WecomSection,
    change_text,
    groupchat_summary,
    interval_text,
    level_text,
    naive_phrase,
    p_text,
)

__all__ = ["data_notes", "findings", "narrative", "pre_source"]


# --------------------------------------------------------------------------- pieces


def _span(lo: object, hi: object) -> str:
    return f"{lo:%Y-%m-%d} 至 {hi:%Y-%m-%d}"


def pre_source(sec: WecomSection, src: Source) -> str:
    """Where the pre-period of one source comes from (上月目录, or this month's first days)."""
    p = src.period
    if p is None or p.pre is None:
        return ""
    lo, hi = p.pre
    prev = [m for m in src.months if m != sec.params.month]
    if prev and f"{lo:%Y-%m}" != sec.params.month:
        where = f"取自上月目录 {prev[0]}" + ("与本月试点开始前的日子"
                                             if f"{hi:%Y-%m}" == sec.params.month else "")
    else:
        where = "取自本月试点开始前的日子（上月目录没有该数据）"
    return f"前期 {_span(lo, hi)}（{p.pre_days} 天，{where}），后期 {_span(*p.post)}" \
        if p.post else f"前期 {_span(lo, hi)}（{where}）"


def _change_phrase(r: MetricResult) -> str:
    """净提升 +8.1 个百分点 / 净缩短 4.9 分钟 / 净下降 ¥3."""
    assert r.result is not None
    m, e = r.metric, r.result.estimate
    text = change_text(m, abs(e)).lstrip("+")
    if m.kind == "minutes":
        return f"净{'缩短' if e < 0 else '延长'} {text}"
    return f"净{'提升' if e >= 0 else '下降'} {text}"


def _stats(r: MetricResult) -> str:
    """The statistics of one estimate, for a parenthesis (dropped in the management layer)."""
    assert r.result is not None
    t = r.result.test
    text = (f"{1 - t.alpha:.0%} 置信区间 {interval_text(r.metric, t.ci)}，置换检验 p {p_text(t.p_value)}，"
            f"Holm 校正后 p {p_text(r.p_holm)}，试点 {t.n_treated} 个、对照 {t.n_control} 个单位")
    return text


def _groups(sec: WecomSection) -> str:
    unit = sec.unit_word
    n_t, n_c = sec.counts
    measure = "家" if unit == "门店" else "名"
    return f"{n_t} {measure}试点{unit}与 {n_c} {measure}对照{unit}"


# --------------------------------------------------------------------------- findings


def _status(r: MetricResult) -> str:
    if r.result is None:
        return "未提供"
    if r.few_units or r.diverging or not r.confirmed:
        return "提示"
    return "达标" if r.better else "预警"


def _evidence(sec: WecomSection, r: MetricResult) -> str:
    m, unit = r.metric, sec.unit_word
    if r.result is None:
        return f"{m.name}的试点效果无法估计：{r.reason}"
    d = r.result
    head = f"试点{unit}{m.name}{_change_phrase(r)}"
    tail = (f"；试点{unit}由 {level_text(m, d.treated_pre)} 变为 {level_text(m, d.treated_post)}，"
            f"对照{unit}同期 {change_text(m, d.control_change)}")
    if r.few_units:
        return (f"试点与对照{unit}太少（{d.test.n_treated} 与 {d.test.n_control} 个），{head}，"
                f"尚无法确认（{_stats(r)}）{tail}")
    if r.diverging:
        return (f"{head}，但试点前两组走势已不同，结论存疑（{_stats(r)}）{tail}")
    if r.confirmed:
        word = "效果可信" if r.better else "比对照更差，且差异可信"
        return f"{head}，{word}（{_stats(r)}）{tail}"
    return f"{head}，尚无法确认（{_stats(r)}）{tail}"


def _metric_finding(sec: WecomSection, r: MetricResult) -> Finding:
    d = r.result
    extra: dict[str, object] = {"higher_better": r.metric.higher_better,
                                "verdict": r.short}
    if d is not None:
        extra.update({
            "ci": [d.ci[0], d.ci[1]], "p": d.p_value, "p_holm": r.p_holm,
            "relative": d.relative, "treated_pre": d.treated_pre,
            "treated_post": d.treated_post, "control_pre": d.control_pre,
            "control_post": d.control_post, "naive_ratio": d.naive_ratio,
            "units": [d.test.n_treated, d.test.n_control], "exact": d.test.exact,
        })
    else:
        extra["reason"] = r.reason
    return Finding(
        section=SECTION[0], section_title=SECTION[1], metric=f"wecom_uplift_{r.key}",
        name=f"企业微信试点·{r.metric.name}净提升", status=_status(r),
        evidence=_evidence(sec, r), value=d.estimate if d else None,
        value_text=change_text(r.metric, d.estimate) if d else "",
        kind="kpi", extra=extra)


def _pretrend_finding(sec: WecomSection) -> Finding | None:
    tested = [r for r in sec.results if r.pretrend is not None and r.pretrend.test is not None]
    estimated = [r for r in sec.results if r.result is not None]
    if not estimated:
        return None
    unit = sec.unit_word
    diverging = [r for r in tested if r.diverging]
    base: dict[str, Any] = {"section": SECTION[0], "section_title": SECTION[1],
                            "metric": "wecom_pretrend", "name": "试点前走势一致性", "kind": "kpi"}
    if diverging:
        parts = []
        for r in diverging:
            t = r.pretrend.test  # type: ignore[union-attr]
            assert t is not None
            parts.append(f"{r.metric.name}每周斜率差 {change_text(r.metric, t.estimate)}"
                         f"，Holm 校正后 p {p_text(r.pretrend_p_holm)}")
        names = "、".join(r.metric.name for r in diverging)
        return Finding(**base, status="预警",
                       evidence=(f"试点前试点与对照{unit}的{names}走势已不同（{'；'.join(parts)}），"
                                 "这些指标的净提升可能被高估或低估，对照组需要重新选择"),
                       value=float(len(diverging)), value_text=f"{len(diverging)} 项",
                       extra={"metrics": [r.key for r in diverging]})
    if tested:
        return Finding(**base, status="达标",
                       evidence=(f"试点前试点与对照{unit}走势一致，对照组可作参照（{len(tested)} 项"
                                 f"指标的前期趋势检验均未发现差异，水平 "
                                 f"{sec.params.wecom_pretrend_alpha:g}）"),
                       value=0.0, value_text="0 项")
    return Finding(**base, status="提示",
                   evidence=f"试点前的周数不足，无法检验试点与对照{unit}的走势是否一致",
                   value=None, value_text="")


def findings(sec: WecomSection) -> list[Finding]:
    """One finding per outcome (``wecom_uplift_<key>``) and the pre-trend check."""
    if sec.roster is None:
        return []
    out = [_metric_finding(sec, r) for r in sec.results]
    pre = _pretrend_finding(sec)
    return out + ([pre] if pre else [])


# --------------------------------------------------------------------------- narrative


def _design_sentence(sec: WecomSection) -> str:
    assert sec.roster is not None
    parts = []
    for label, src in (("订单", sec.orders), ("企业微信联系客户统计", sec.behavior)):
        where = pre_source(sec, src)
        if where:
            parts.append(f"{label}{where}")
    periods = "；".join(parts) if parts else "没有可用的前后两期数据"
    return (f"本月评估 {_groups(sec)}，试点自 {sec.roster.pilot_start:%Y-%m-%d} 开始。"
            f"{periods}。")


def _metric_sentence(sec: WecomSection, r: MetricResult) -> str:
    m, unit = r.metric, sec.unit_word
    if r.result is None:
        return f"{m.name}：{r.reason}。"
    d = r.result
    rel = ""
    if d.relative is not None and math.isfinite(d.relative):
        rci = d.relative_ci
        inner = ""
        if rci is not None and all(math.isfinite(x) for x in rci):
            inner = f"（区间 {fmt.fmt_signed_pct(rci[0])} 至 {fmt.fmt_signed_pct(rci[1])}）"
        rel = (f"，相当于比试点{unit}若无试点时的水平 {level_text(m, d.counterfactual)} "
               f"{'高' if d.relative >= 0 else '低'} {fmt.fmt_pct(abs(d.relative))}{inner}")
    verdict = {"可信": "效果可信", "变差": "比对照更差且差异可信", "尚无法确认": "尚无法确认",
               "单位太少": "单位太少，尚无法确认", "前期走势不同": "但试点前走势已不同，结论存疑"}
    return (f"{m.name}：试点{unit}由 {level_text(m, d.treated_pre)} 变为 "
            f"{level_text(m, d.treated_post)}（{change_text(m, d.treated_change)}），对照{unit}由 "
            f"{level_text(m, d.control_pre)} 变为 {level_text(m, d.control_post)}"
            f"（{change_text(m, d.control_change)}）；扣除对照同期变化后{_change_phrase(r)}"
            f"（{_stats(r)}）{rel}，{verdict.get(r.verdict, r.verdict)}。")


def _naive_sentence(sec: WecomSection) -> str:
    shown = [r for r in sec.results if r.result is not None]
    if not shown:
        return ""
    unit = sec.unit_word
    parts = []
    for r in shown:
        d, m = r.result, r.metric
        assert d is not None
        parts.append(f"{m.name} {level_text(m, d.treated_post)} 对 {level_text(m, d.control_post)}"
                     f"（简单对比{naive_phrase(m, d.naive_ratio)}，其中试点前就相差 "
                     f"{change_text(m, d.pre_gap)}，净效果 {change_text(m, d.estimate)}）")
    return (f"若像种子表那样只比较本月试点{unit}与对照{unit}：" + "；".join(parts)
            + f"。试点{unit}是挑选出来的，试点前的差异不能算作企业微信的效果，"
            "所以本节以扣除前期差异和同期变化后的净提升为准。")


def _pretrend_sentence(sec: WecomSection) -> str:
    parts = []
    for r in sec.results:
        pt = r.pretrend
        if r.result is None or pt is None:
            continue
        if pt.test is None:
            parts.append(f"{r.metric.name}无法检验（{pt.reason}）")
            continue
        t = pt.test
        word = "走势不同" if r.diverging else "未见差异"
        parts.append(f"{r.metric.name}{word}（{pt.periods} 周，每周斜率差 "
                     f"{change_text(r.metric, t.estimate)}，p {p_text(t.p_value)}，Holm 校正后 "
                     f"{p_text(r.pretrend_p_holm).lstrip('= ')}）")
    if not parts:
        return ""
    return "试点前趋势检验：" + "；".join(parts) + "。"


def _groupchat_sentence(sec: WecomSection) -> str:
    g = groupchat_summary(sec)
    if g.empty:
        return ""
    parts = []
    for group, r in g.iterrows():
        parts.append(f"{group}{sec.unit_word}的 {int(r['owners'])} 名群主新增客户群 "
                     f"{fmt.fmt_int(r['new_chat_cnt'])} 个、新增群成员 {fmt.fmt_int(r['new_member_cnt'])} 人，"
                     f"期末群成员 {fmt.fmt_int(r['member_total'])} 人，其中发过言的 "
                     f"{fmt.fmt_pct(r['spoke_share'])}")
    return ("客户群（仅作背景，未纳入净提升）：" + "；".join(parts) + "。")


def narrative(sec: WecomSection) -> list[str]:
    """The paragraphs, every figure computed from ``sec``."""
    if sec.roster is None:
        return [f"本月未提供试点名单（{PILOT_FILE}），无法评估企业微信试点。"]
    parts = [_design_sentence(sec)]
    parts += [_metric_sentence(sec, r) for r in sec.results]
    parts += [_naive_sentence(sec), _pretrend_sentence(sec), _groupchat_sentence(sec)]
    return [p for p in parts if p]


# --------------------------------------------------------------------------- notes


def data_notes(sec: WecomSection) -> list[str]:
    """Definitions (口径), the method's choices, and what was left out."""
    p = sec.params
    notes = list(sec.notes)
    if sec.prev_note:
        notes.append(sec.prev_note)
    n = p.wecom_repurchase_days
    unit = sec.unit_word
    for label, src in (("订单", sec.orders), ("企业微信联系客户统计", sec.behavior)):
        where = pre_source(sec, src)
        if where:
            notes.append(f"{label}：{where}。")
    notes += [
        (f"复购率：在期内（前期或后期）于某{unit}下单的客户，以其期内首单为起点，{n} 天内（不含首单当天）"
         f"在同一{unit}再次下单的比例；首单在期末前 {n} 天内的客户随访不完整，不计入（右删失），"
         "前后两期各自计算，前期客户在后期的复购不计入前期。"),
        f"客单价：订单金额合计 ÷ 订单数（{ORDERS_FILE}，金额为元）。",
        ("首次回复时长：企业微信联系客户统计的 avg_reply_time（分钟，当日单聊的平均首次回复时长），"
         "按当日聊天数 chat_cnt 加权；没有聊天的日子接口不返回该字段，不计入（不当作 0）。"),
        ("已回复聊天占比：reply_percentage 为百分数（60.25 即 60.25%），换算为比例后按 chat_cnt 加权；"
         "chat_cnt 的口径在不同版本文档中为“单聊”或“单聊和群聊”，加权仅为近似。"),
        ("联系客户统计按员工逐一拉取（一次请求多个 userid 时接口返回合计，无法区分员工），"
         "文件名中的 userid 即该文件所属员工；企业微信只保留最近 180 天、每次最多 30 天，需按月归档。"),
        (f"净提升 = (试点后期 − 试点前期) − (对照后期 − 对照前期)，各{unit}权重相同，只用前后两期都有数据的"
         f"{unit}；相对提升 = 净提升 ÷ 试点{unit}若无试点时的后期水平（试点前期 + 对照同期变化）。"),
        _method_note(sec),
        (f"试点或对照少于 {p.wecom_min_units} 个{unit}时只列出估计、不判断是否可信；"
         f"试点前少于 {p.wecom_min_pre_days} 天数据时不估计。"),
        (f"前期趋势：每个{unit}试点前各周（自试点开始日往前每 7 天一段，不足 3 天的段不计）的斜率，"
         f"试点组均值减对照组均值，置换检验，多个指标 Holm 校正后 p < {p.wecom_pretrend_alpha:g} "
         "判为走势不同；只有两段时相当于前期的安慰剂双重差分。"),
    ]
    if sec.orders.unknown:
        ids = "、".join(sec.orders.unknown_ids[:5])
        notes.append(f"{ORDERS_FILE} 中 {sec.orders.unknown} 笔订单的 unit 不在 {PILOT_FILE} 中"
                     f"（如 {ids}），未计入")
    if sec.behavior.unknown:
        ids = "、".join(sec.behavior.unknown_ids[:5])
        notes.append(f"{sec.behavior.unknown} 名员工的联系客户统计不在 {PILOT_FILE} 中（{ids}），未计入")
    if sec.roster is not None and sec.behavior.frame is not None:
        have = set(sec.behavior.frame["userid"])
        missing = sorted(set(sec.roster.members) - have)
        if missing:
            notes.append(f"{len(missing)} 名名单内员工没有联系客户统计文件（如 "
                         f"{'、'.join(missing[:5])}），其所在{unit}的回复指标只含其他员工")
    if sec.groupchat is None:
        notes.append(f"未提供客户群统计（{GROUPCHAT_GLOB}），客户群概况从略。")
    else:
        notes.append("客户群统计按群主汇总；新增客户群数与新增群成员数为各时段之和，群总人数、"
                     "发过言的成员数取最后一个时段（接口文档为“截至当天”，按时段末理解）。")
    for r in sec.results:
        if r.result is None and r.reason:
            name = r.metric.name
            notes.append(r.reason if r.reason.startswith(name) else f"{name}：{r.reason}")
        elif r.result is not None:
            gone = r.units.index[~(np.isfinite(r.units["pre"]) & np.isfinite(r.units["post"]))]
            if len(gone):
                notes.append(f"{r.metric.name}：{len(gone)} 个{unit}缺少前期或后期数据，未计入净提升"
                             f"（{'、'.join(str(u) for u in gone[:5])}）")
    return list(dict.fromkeys(notes))


def _method_note(sec: WecomSection) -> str:
    tests = [r.result.test for r in sec.results if r.result is not None]
    if not tests:
        return "推断方法：置换检验（本月没有可估计的指标）。"
    t = tests[0]
    how = (f"逐一枚举全部 {fmt.fmt_int(t.assignments)} 种分组" if t.exact else
           f"随机抽取 {fmt.fmt_int(t.assignments - 1)} 种分组（固定种子，连同实际分组计算 p 值）")
    return (f"推断在{sec.unit_word}层面：保持试点数不变、把试点/对照标签在单位间重新分配，{how}；"
            "检验统计量为净提升除以其 Welch 标准误（试点与对照单位数不同、波动不同时，直接比较净提升"
            f"会过多判为可信），双侧 p 值为重新分配后该统计量的绝对值不小于实际值的比例，最小可达 {t.min_p:.3f}。"
            f"{1 - t.alpha:.0%} 区间由检验反推（假定各单位效果相同），四项指标的 p 值用 Holm 方法校正，"
            "“可信”指校正后 p 不超过显著性水平（区间未校正，偶有区间不含 0 而校正后仍“尚无法确认”）。"
            "单位少时群聚稳健标准误不可靠，故不用。")
