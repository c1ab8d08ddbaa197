"""Section 10 广告投放与ROI, the words: findings, narrative and data notes."""

from __future__ import annotations

import math
from typing import Any

from wxnb.io.ads import ORDERS_FILE, PLACEMENTS_FILE
from wxnb.kit import fmt
from wxnb.kit.findings import Finding
from wxnb.sections.s10_ads.compute import (
    MIN_SLOT_DAYS,
    SECTION,
    AdsSection,
    SlotVerdict,
    Totals,
    cpa_status,
    higher_status,
    yuan,
)

__all__ = ["cpa_text", "ctr_reference", "data_notes", "findings", "narrative", "p_text"]


# --------------------------------------------------------------------------- small texts


def p_text(p: float | None) -> str:
    """``p < 0.001`` / ``p = 0.034``."""
    if p is None or math.isnan(p):
        return "p 不可算"
    return "p < 0.001" if p < 0.001 else f"p = {fmt.fmt_num(p, 3)}"


def _ci_pct(ci: tuple[float, float], digits: int = 2) -> str:
    return f"{fmt.fmt_pct(ci[0], digits)}–{fmt.fmt_pct(ci[1], digits)}"


def _ci_yuan(ci: tuple[float, float]) -> str:
    hi = "无上限" if math.isinf(ci[1]) else yuan(ci[1])
    return f"{yuan(ci[0])}–{hi}"


def cpa_text(t: Totals, few: int, *, stats: bool = True) -> str:
    """A placement's cost per conversion in words: ``¥37.20（95% 置信区间 …，转化 204 次）``;
    ``无转化`` / ``未提供``; with ``stats`` False, ``（转化少）`` instead of the interval."""
    if t.conversions is None:
        return "未提供"
    if t.conversions == 0:
        return "无转化" + (f"（花费 {yuan(t.cost)}）" if stats and t.cost else "")
    if not stats:
        return yuan(t.cpa) + ("（转化少）" if t.conversions < few else "")
    return (f"{yuan(t.cpa)}（95% 置信区间 {_ci_yuan(t.cpa_ci)}，转化 {fmt.fmt_int(t.conversions)} 次"
            + ("，转化少" if t.conversions < few else "") + "）")


def ctr_reference(sec: AdsSection) -> tuple[float | None, str]:
    """The CTR to compare with: the target when set, else the configured industry's lower
    bound; and its text."""
    p, b = sec.params, sec.benchmark
    if p.target_ads_ctr is not None:
        return p.target_ads_ctr, f"目标 ≥ {fmt.fmt_pct(p.target_ads_ctr, 2)}"
    if b and b.get("ctr_low") is not None:
        hi = f"–{fmt.fmt_pct(b['ctr_high'], 1)}" if b.get("ctr_high") is not None else ""
        return float(b["ctr_low"]), f"行业（{b['industry']}）参考 {fmt.fmt_pct(b['ctr_low'], 1)}{hi}"
    return None, "未配置"


def _cpa_reference(sec: AdsSection) -> str:
    b = sec.benchmark
    if b and b.get("cpa_low") is not None and b.get("cpa_high") is not None:
        return f"行业（{b['industry']}）参考 {yuan(b['cpa_low'])}–{yuan(b['cpa_high'])}"
    return ""


def _finding(**kw: Any) -> Finding:
    return Finding(section=SECTION[0], section_title=SECTION[1], **kw)


# --------------------------------------------------------------------------- findings


def _spend_finding(sec: AdsSection) -> Finding:
    t = sec.total
    mom, mom_text = sec.mom("cost")
    tail = f"，环比 {mom_text}" if mom is not None else ""
    return _finding(
        metric="ads_spend", name="广告花费", status="未设目标",
        evidence=(f"本月广告花费 {yuan(t.cost)}（曝光 {fmt.fmt_count(t.views)}、点击 "
                  f"{fmt.fmt_count(t.clicks)}）{tail}"),
        value=t.cost, value_text=yuan(t.cost), target_text="未设目标", mom=mom,
        mom_text=mom_text, extra={"mom_mode": "rel"})


def _ctr_finding(sec: AdsSection) -> Finding:
    t = sec.total
    target, target_text = ctr_reference(sec)
    status, gap = higher_status(t.ctr, target, sec.params.status_warn_ratio)
    mom, mom_text = sec.mom("ctr")
    ref = f"，{target_text}" if target is not None else ""
    tail = f"，环比 {mom_text}" if mom is not None else ""
    return _finding(
        metric="ads_ctr", name="广告点击率", status=status,
        evidence=(f"广告点击率 {fmt.fmt_pct(t.ctr, 2)}（95% 置信区间 {_ci_pct(t.ctr_ci)}）"
                  f"{ref}{tail}"),
        value=t.ctr, value_text=fmt.fmt_pct(t.ctr, 2), target=target, target_text=target_text,
        benchmark=sec.benchmark.get("ctr_low") if sec.benchmark else None, gap=gap, mom=mom,
        mom_text=mom_text, extra={"higher_better": True, "mom_mode": "pp"})


def _cpa_findings(sec: AdsSection) -> list[Finding]:
    if not sec.has_conversions:
        return []
    p, t = sec.params, sec.total
    few = p.ads_min_conversions
    target = p.target_ads_cpa
    target_text = f"≤ {yuan(target)}" if target is not None else "未设目标"
    status, gap = cpa_status(t.cpa, t.cpa_ci, target, p.status_warn_ratio, t.cost > 0)
    mom, mom_text = sec.mom("cpa")
    ref = _cpa_reference(sec)
    bits = [f"目标 {target_text}" if target is not None else "", ref,
            f"环比 {mom_text}" if mom is not None else ""]
    out = [_finding(
        metric="ads_cpa", name="广告转化成本", status=status,
        evidence=f"广告转化成本 {cpa_text(t, few)}" + "".join(f"，{b}" for b in bits if b),
        value=t.cpa, value_text=yuan(t.cpa) if t.cpa is not None else "无转化", target=target,
        target_text=target_text, gap=gap, mom=mom, mom_text=mom_text,
        extra={"higher_better": False, "mom_mode": "rel", "conversions": t.conversions,
               "ci": [t.cpa_ci[0], t.cpa_ci[1] if math.isfinite(t.cpa_ci[1]) else None]})]
    if target is None:
        return out
    for name, pt in zip(sec.placements.index, sec.placements["t"], strict=True):
        st, g = cpa_status(pt.cpa, pt.cpa_ci, target, p.status_warn_ratio, pt.cost > 0)
        if st not in ("未达标", "预警"):
            continue
        out.append(_finding(
            metric=f"ads_placement_cpa:{name}", name=f"{name}转化成本", status=st,
            evidence=f"{name}的转化成本 {cpa_text(pt, few)}，目标 {target_text}",
            value=pt.cpa, value_text=yuan(pt.cpa) if pt.cpa is not None else "无转化",
            target=target, target_text=target_text, gap=g,
            extra={"higher_better": False, "placement": str(name),
                   "conversions": pt.conversions, "few": bool((pt.conversions or 0) < few)}))
    return out


def _roi_finding(sec: AdsSection) -> list[Finding]:
    t = sec.total
    if t.roi is None:
        return []
    target = sec.params.target_ads_roi
    status, gap = higher_status(t.roi, target, sec.params.status_warn_ratio)
    target_text = f"≥ {fmt.fmt_num(target, 2)}" if target is not None else "未设目标"
    mom, mom_text = sec.mom("roi")
    src = "归因订单" if sec.revenue_source == "orders" else "平台归因下单金额"
    tail = f"，环比 {mom_text}" if mom is not None else ""
    goal = f"，目标 {target_text}" if target is not None else ""
    return [_finding(
        metric="ads_roi", name="广告 ROI", status=status,
        evidence=(f"广告 ROI {fmt.fmt_num(t.roi, 2)}（{src}收入 {yuan(t.revenue)} ÷ 花费 "
                  f"{yuan(t.cost)}）{goal}{tail}"),
        value=t.roi, value_text=fmt.fmt_num(t.roi, 2), target=target, target_text=target_text,
        gap=gap, mom=mom, mom_text=mom_text,
        extra={"higher_better": True, "mom_mode": "rel", "source": sec.revenue_source})]


def _slot_stats(v: SlotVerdict) -> str:
    """How the best slot was tested, in one clause."""
    return (f"以天为单位、按版位调整的检验（{v.days} 天），按 {v.k} 个时段 Bonferroni 校正 "
            f"{p_text(v.p_adj)}")


def _slot_finding(sec: AdsSection) -> list[Finding]:
    v = sec.slot
    if v is None:
        return []
    c = v.versus
    if not v.tested:
        evidence = (f"{v.label}点击率最高（{fmt.fmt_pct(c.ctr_a, 2)}，其余时段 "
                    f"{fmt.fmt_pct(c.ctr_b, 2)}），但小时报表可比的只有 {v.days} 天，不足 "
                    f"{MIN_SLOT_DAYS} 天，无法判断是否稳定高于其余时段")
    elif v.distinguishable:
        evidence = (f"{v.label}点击率 {fmt.fmt_pct(c.ctr_a, 2)}，比其余时段（{fmt.fmt_pct(c.ctr_b, 2)}）"
                    f"高 {fmt.fmt_pct(c.lift, 1)}（{_slot_stats(v)}），是本月最佳投放时段")
    else:
        evidence = (f"{v.label}点击率最高（{fmt.fmt_pct(c.ctr_a, 2)}，其余时段 "
                    f"{fmt.fmt_pct(c.ctr_b, 2)}），但逐日看与其余时段无显著差异（{_slot_stats(v)}）")
    return [_finding(
        metric="ads_best_slot", name="最佳投放时段", status="提示" if v.distinguishable
        else "未设目标", evidence=evidence, value=float(v.slot), value_text=v.label,
        kind="event",
        extra={"lift": c.lift, "day_lift": v.day_lift, "p_adj": v.p_adj, "slots": v.k,
               "days": v.days, "distinguishable": v.distinguishable})]


def _weekend_finding(sec: AdsSection) -> list[Finding]:
    w = sec.weekend
    if w is None or w.lift is None or not w.significant:
        return []
    word = "高" if w.lift > 0 else "低"
    return [_finding(
        metric="ads_weekend", name="周末与工作日点击率", status="提示",
        evidence=(f"周末点击率 {fmt.fmt_pct(w.ctr_a, 2)}，比工作日（{fmt.fmt_pct(w.ctr_b, 2)}）"
                  f"{word} {fmt.fmt_pct(abs(w.lift), 1)}（以天为单位的置换检验 {p_text(w.p)}）"),
        value=w.lift, value_text=fmt.fmt_signed_pct(w.lift), kind="event",
        extra={"p": w.p})]


def findings(sec: AdsSection) -> list[Finding]:
    """Spend, CTR, CPA (and the placements over the CPA target), ROI, the best slot and a
    weekend difference that holds up."""
    return [_spend_finding(sec), _ctr_finding(sec), *_cpa_findings(sec), *_roi_finding(sec),
            *_slot_finding(sec), *_weekend_finding(sec)]


# --------------------------------------------------------------------------- narrative


def _overview(sec: AdsSection) -> str:
    t = sec.total
    _, spend_mom = sec.mom("cost")
    mom = f"（环比 {spend_mom}）" if sec.prev is not None else ""
    conv = ""
    if t.conversions is not None:
        conv = (f"；转化 {fmt.fmt_int(t.conversions)} 次，转化率（转化 ÷ 点击）{fmt.fmt_pct(t.cvr, 2)}，"
                f"转化成本 {cpa_text(t, sec.params.ads_min_conversions)}")
    return (f"本月在 {len(sec.placements)} 个版位投放 {sec.daily['adgroup_id'].nunique()} 个广告组，"
            f"花费 {yuan(t.cost)}{mom}，曝光 {fmt.fmt_int(t.views)} 次、点击 {fmt.fmt_int(t.clicks)} 次，"
            f"点击率 {fmt.fmt_pct(t.ctr, 2)}（95% 置信区间 {_ci_pct(t.ctr_ci)}），平均点击成本 "
            f"{yuan(t.cpc)}，千次曝光成本 {yuan(t.cpm)}{conv}。")


def _placements(sec: AdsSection) -> str:
    by = sec.placements
    if len(by) < 2:
        return ""
    top = by.index[0]
    share = by["cost"].iloc[0] / by["cost"].sum() if by["cost"].sum() else math.nan
    ctr = by.assign(ctr=[t.ctr if t.ctr is not None else -1 for t in by["t"]])["ctr"]
    parts = [f"花费最多的是{top}（占 {fmt.fmt_pct(share, 1)}）",
             f"点击率最高的是{ctr.idxmax()}（{fmt.fmt_pct(ctr.max(), 2)}）"]
    if sec.has_conversions:
        cpas = {n: t.cpa for n, t in zip(by.index, by["t"], strict=True) if t.cpa is not None}
        if cpas:
            low = min(cpas, key=lambda n: cpas[n])
            parts.append(f"转化成本最低的是{low}（{yuan(cpas[low])}）")
        few = [(n, t) for n, t in zip(by.index, by["t"], strict=True)
               if t.conversions is not None and t.conversions < sec.params.ads_min_conversions]
        for n, t in few:
            parts.append(f"{n}本月只有 {fmt.fmt_int(t.conversions)} 次转化，转化成本 "
                         f"{cpa_text(t, sec.params.ads_min_conversions)}，区间很宽，不宜据此单月判断优劣")
    return "；".join(parts) + "。"


def _slot_sentence(sec: AdsSection) -> str:
    v = sec.slot
    if sec.slots is None:
        return "未提供小时报表，无法比较投放时段。"
    if v is None:
        return "曝光足够比较的时段少于两个，无法判断最佳投放时段。"
    c = v.versus
    head = (f"按 {v.width} 小时分段比较点击率（{v.k} 个时段曝光不少于 "
            f"{fmt.fmt_int(sec.params.ads_min_slot_views)} 次）：{v.label}最高，"
            f"{fmt.fmt_pct(c.ctr_a, 2)}，其余时段合计 {fmt.fmt_pct(c.ctr_b, 2)}，高 "
            f"{fmt.fmt_pct(c.lift, 1)}")
    if not v.tested:
        verdict = (f"（小时报表可比的只有 {v.days} 天，以天为单位的检验至少需要 {MIN_SLOT_DAYS} 天），"
                   "无法判断是否稳定高于其余时段")
    else:
        day = (f"逐日与同一天其余时段按版位对比，合计高 {fmt.fmt_pct(v.day_lift, 1)}；"
               if v.day_lift is not None else "")
        stats = (f"{day}以天为单位的符号翻转检验（{v.days} 天）{p_text(c.p)}，"
                 f"按 {v.k} 个时段 Bonferroni 校正后 {p_text(v.p_adj)}")
        verdict = f"（{stats}）" + ("，与其余时段差异显著" if v.distinguishable
                                    else "，与其余时段无显著差异")
    runner = ""
    if v.runner_up and sec.slots is not None:
        second = sec.slots.loc[sec.slots["label"] == v.runner_up, "ctr"]
        runner = (f"；第二名 {v.runner_up}（{fmt.fmt_pct(second.iloc[0], 2)}）"
                  if len(second) else f"；第二名 {v.runner_up}")
    bench = ""
    if sec.benchmark and sec.benchmark.get("best_slot"):
        bench = f"行业参考（{sec.benchmark['industry']}）的最佳时段为{sec.benchmark['best_slot']}。"
    return f"{head}{verdict}{runner}。{bench}"


def _weekend_sentence(sec: AdsSection) -> str:
    w = sec.weekend
    if w is None or w.lift is None:
        return ""
    word = "高" if w.lift > 0 else "低"
    if w.p is None:
        test = "周末或工作日不足 2 天，无法检验"
    else:
        test = (f"以天为单位、按版位调整的置换检验 {p_text(w.p)}，"
                + ("差异显著" if w.significant else "差异不显著"))
    return (f"周末点击率 {fmt.fmt_pct(w.ctr_a, 2)}，工作日 {fmt.fmt_pct(w.ctr_b, 2)}，周末{word} "
            f"{fmt.fmt_pct(abs(w.lift), 1)}（{test}；按日历划分，未按法定节假日与调休调整）。")


def _roi_sentence(sec: AdsSection) -> str:
    t = sec.total
    if t.roi is None:
        return (f"未提供 {ORDERS_FILE}，报表也没有平台归因的下单金额，无法计算 ROI。")
    if sec.revenue_source == "orders":
        src = f"{ORDERS_FILE} 中归因到本月广告组的 {fmt.fmt_int(t.orders)} 笔订单"
    else:
        src = "腾讯广告平台归因的下单金额"
    goal = ""
    if sec.params.target_ads_roi is not None:
        goal = f"，目标 {fmt.fmt_num(sec.params.target_ads_roi, 2)}"
    if sec.revenue_source == "orders" and not t.orders:
        return (f"{ORDERS_FILE} 中本月没有归因到广告组的订单：按自有归因，广告收入为 0，"
                f"ROI（收入 ÷ 花费）为 0{goal}。")
    per = [f"{n} {fmt.fmt_num(pt.roi, 2)}" for n, pt in zip(sec.placements.index,
                                                            sec.placements["t"], strict=True)
           if pt.roi is not None]
    return (f"{src}带来收入 {yuan(t.revenue)}，ROI（收入 ÷ 花费）{fmt.fmt_num(t.roi, 2)}{goal}；"
            f"分版位：{'、'.join(per)}。")


def narrative(sec: AdsSection) -> list[str]:
    """The paragraphs, every figure computed from ``sec``."""
    parts = [_overview(sec), _placements(sec), _slot_sentence(sec), _weekend_sentence(sec),
             _roi_sentence(sec)]
    return [p for p in parts if p]


# --------------------------------------------------------------------------- notes


def data_notes(sec: AdsSection) -> list[str]:
    """Definitions, sources and caveats."""
    p = sec.params
    notes = list(sec.notes)
    if sec.prev_note:
        notes.append(sec.prev_note)
    notes.append("数据来源：腾讯广告 Marketing API 日报表（daily_reports/get）与小时报表"
                 "（hourly_reports/get），广告组层级（REPORT_LEVEL_ADGROUP）；cost 与 order_amount "
                 "单位为分，报告中换算为元；每天 8 点后才能取得前一天的完整数据。")
    notes.append("点击率 = valid_click_count ÷ view_count；点击成本 = 花费 ÷ 点击；千次曝光成本 = 花费 ÷ "
                 "曝光 × 1000；转化率 = conversions_count ÷ 点击；转化成本 = 花费 ÷ conversions_count；"
                 "ROI = 归因收入 ÷ 花费。")
    if sec.has_conversions:
        notes.append("转化次数为平台口径（conversions_count：广告组优化目标对应的转化，按广告后台的归因"
                     "设置计入）；转化成本的 95% 置信区间把转化次数视为泊松计数（精确区间），转化越少"
                     f"区间越宽；少于 {p.ads_min_conversions} 次转化的版位标注“转化少”，其转化成本"
                     "是否超出目标按区间判断（目标落在区间内为预警）。")
    else:
        notes.append("报表没有 conversions_count 字段，转化率、转化成本不可用。")
    notes.append("点击率区间为 Wilson 95% 置信区间，把每次曝光当作相互独立；点击率在天与天、"
                 "时段与时段之间另有起伏时区间偏窄，只说明计数的精度，不用来判断最佳时段。最佳时段只在曝光"
                 "足够的时段中比较，以天为单位：每天把该时段的点击与同一天其余时段按各版位点击率应有的"
                 "点击相比（当天的整体起伏与版位结构差异都相互抵消），再对各天的差做符号翻转检验（至少 "
                 f"{MIN_SLOT_DAYS} 天），按参与比较的时段数做 Bonferroni 校正；时段按北京时间。"
                 "周末与工作日的比较同样以天为单位（按版位的月点击率算出每天应有的点击，再对天做置换检验），"
                 "每天点击率本身的起伏不会被当成周末或时段的差异。")
    if sec.revenue_source == "orders":
        how = p.ads_attribution or "归因规则未在参数 ads_attribution 中说明"
        notes.append(f"ROI 的收入来自 {ORDERS_FILE}：按每笔订单的 adgroup_id 归因到广告组（{how}）。")
        if sec.inputs.has_order_amount:
            platform = float(sec.daily["order_amount_fen"].sum()) / 100
            ours = sec.total.revenue or 0.0
            diff = f"，相差 {fmt.fmt_pct(abs(platform - ours) / ours, 1)}" if ours else ""
            notes.append(f"报表中平台归因的下单金额（order_amount）合计 {yuan(platform)}，订单文件归因"
                         f"收入 {yuan(ours)}{diff}：平台按其转化归因窗口计，口径不同，仅供对照。")
    elif sec.revenue_source == "platform":
        notes.append("ROI 的收入为腾讯广告平台归因的下单金额（order_amount，平台口径：按广告后台设置的"
                     f"转化归因方式与窗口计）；提供 {ORDERS_FILE} 可改用自有订单归因。")
    if p.ads_industry:
        notes.append(f"行业参考值（{p.ads_industry}）出处：{p.ads_benchmark_source or '未写明'}；"
                     "公开文章的经验值，仅作参考。")
    else:
        notes.append("未选择行业参考值（参数 ads_industry），点击率与转化成本不与行业比较。")
    notes.append(f"版位：{PLACEMENTS_FILE} 中的对照优先，其次按报表的 site_set（SITE_SET_MOMENTS = 朋友圈）。")
    return list(dict.fromkeys(notes))
