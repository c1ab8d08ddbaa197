"""Section 13 小程序经营分析, the words: findings, narrative and data notes."""

from __future__ import annotations

import math

from wxnb.io import miniprogram as mp
from wxnb.io.miniprogram import ORDERS_FILE, PERFORMANCE
from wxnb.kit import compare, fmt
from wxnb.kit.findings import Finding
from wxnb.sections.s13_miniprogram.compute import (
    SECTION,
    SEED_CHANNELS,
    MpSection,
    Step,
    bench_status,
    best_channel,
    target_status,
)

__all__ = ["data_notes", "findings", "key_rows", "narrative"]


# --------------------------------------------------------------------------- small words


def _p(p: float | None) -> str:
    if p is None:
        return "—"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _yuan(v: float | None) -> str:
    return "—" if v is None else f"{fmt.fmt_num(v, 1)} 元"


def _ms(v: float | None) -> str:
    return fmt.fmt_int(v, " ms")


def _ms_as_seconds(v: float | None) -> str:
    """A duration in ms written in seconds, as section 06 writes the same standard."""
    return "—" if v is None else f"{fmt.fmt_num(v / 1000, 2)} 秒"


def _seconds(v: float | None) -> str:
    return "—" if v is None else f"{fmt.fmt_num(v, 1)} 秒"


def _file(endpoint: str) -> str:
    return f"wxa_{endpoint}_*.json"


def _rel(now: float | None, before: float | None) -> float | None:
    return now / before - 1 if now is not None and before else None


def _finding(metric: str, name: str, status: str, evidence: str, value: float | None,
             value_text: str, *, target: float | None = None, target_text: str = "",
             benchmark: float | None = None, gap: float | None = None,
             mom: float | None = None, mom_text: str = "", kind: str = "kpi",
             extra: dict | None = None) -> Finding:  # type: ignore[type-arg]
    return Finding(section=SECTION[0], section_title=SECTION[1], metric=metric, name=name,
                   status=status, evidence=evidence, value=value, value_text=value_text,
                   target=target, target_text=target_text, benchmark=benchmark, gap=gap,
                   mom=mom, mom_text=mom_text or ("无上月数据" if mom is None else ""),
                   kind=kind, extra=extra or {})


def _bench_text(sec: MpSection, low: str, high: str | None, pct: bool) -> str:
    b = sec.benchmark
    if b is None or low not in b:
        return ""
    show = (lambda x: fmt.fmt_pct(x, 0)) if pct else (lambda x: f"{fmt.fmt_num(x, 1)} 元")
    rng = show(b[low]) + (f"–{show(b[high])}" if high and high in b else "")
    return (f"；{sec.params.mp_type}参考值 {rng}"
            f"（{sec.params.mp_benchmark_source or '出处未填写'}）")


# --------------------------------------------------------------------------- findings


def _step_status(step: Step, target: float | None, warn: float) -> tuple[str, float | None]:
    """A target decides; without one, a significant material decline is 预警."""
    status, gap = target_status(step.value, target, warn)
    if status == "未设目标" and step.declined and step.prev:
        return "预警", (step.prev - (step.value or 0.0)) / step.prev
    return status, gap


def _pay_finding(sec: MpSection) -> Finding | None:
    s, f = sec.step("pay_conversion"), sec.funnel
    if s.value is None:
        return None
    target = sec.params.target_mp_pay_conversion
    status, gap = _step_status(s, target, sec.params.status_warn_ratio)
    ev = (f"小程序支付转化率 {fmt.fmt_pct(s.value)}（支付 {fmt.fmt_int(f.payers)} 人·日 ÷ 商品详情页"
          f"访问 {fmt.fmt_int(f.detail_uv)} 人·日）")
    if s.prev is not None:
        word = "下降" if (s.change or 0) < 0 else "上升"
        ev += (f"，上月 {fmt.fmt_pct(s.prev)}，{word} {fmt.fmt_num(abs(s.change or 0), 2)} 个百分点"
               f"（两比例检验 Holm 校正后 {_p(s.p_adj)}）")
    if target is not None:
        ev += f"；目标 {fmt.fmt_pct(target)}"
    return _finding("mp_pay_conversion", "小程序支付转化率", status, ev, s.value,
                    fmt.fmt_pct(s.value), target=target,
                    target_text=fmt.fmt_pct(target) if target is not None else "",
                    gap=gap, mom=s.change, mom_text=fmt.fmt_pp(s.change) if s.prev else "",
                    extra={"flagged": s.flagged, "p_adj": s.p_adj})


def _home_finding(sec: MpSection) -> Finding | None:
    s = sec.step("home_ctr")
    if s.value is None:
        return None
    status, gap = _step_status(s, None, sec.params.status_warn_ratio)
    ev = (f"小程序首页点击率 {fmt.fmt_pct(s.value)}（首页访问 {fmt.fmt_int(s.n)} 次中 "
          f"{fmt.fmt_int(s.k)} 次继续浏览）")
    if s.prev is not None:
        ev += f"，上月 {fmt.fmt_pct(s.prev)}（Holm 校正后 {_p(s.p_adj)}）"
    return _finding("mp_home_ctr", "小程序首页点击率", status, ev, s.value, fmt.fmt_pct(s.value),
                    gap=gap, mom=s.change, mom_text=fmt.fmt_pp(s.change) if s.prev else "")


def _stay_finding(sec: MpSection) -> Finding | None:
    s, f = sec.step("detail_stay"), sec.funnel
    if s.value is None:
        return None
    status, gap = _step_status(s, None, sec.params.status_warn_ratio)
    ev = f"商品详情页次均停留 {_seconds(s.value)}，退出率 {fmt.fmt_pct(f.detail_exit_rate)}"
    if s.prev is not None and sec.prev_funnel is not None:
        ev += (f"，上月 {_seconds(s.prev)}、退出率 {fmt.fmt_pct(sec.prev_funnel.detail_exit_rate)}"
               f"（按日比较 Welch 检验 Holm 校正后 {_p(s.p_adj)}）")
    return _finding("mp_detail_stay", "商品详情页停留", status, ev, s.value, _seconds(s.value),
                    gap=gap, mom=s.change,
                    mom_text=fmt.fmt_signed_pct(s.change) if s.change is not None else "")


def _leak_finding(sec: MpSection) -> Finding | None:
    leaks = [s for s in sec.steps if s.key in ("detail_rate", "pay_conversion")
             and s.lost is not None and s.lost > 0]
    if not leaks:
        return None
    worst = max(leaks, key=lambda s: s.lost or 0)
    share = (worst.lost or 0) / (worst.n or 1)
    ev = (f"小程序漏斗流失最多的一步是“{worst.name}”：{fmt.fmt_int(worst.lost)} 人·日未进入下一步"
          f"（占该步 {fmt.fmt_pct(share)}）")
    return _finding("mp_funnel_leak", "小程序漏斗最大流失", "提示", ev, float(worst.lost or 0),
                    fmt.fmt_int(worst.lost), kind="event", extra={"step": worst.key})


def _retention_finding(sec: MpSection) -> Finding | None:
    r = sec.retention
    d7 = r.rate(7)
    if d7 is None:
        return None
    p = sec.params
    status, gap = target_status(d7, p.target_mp_retention_d7, p.status_warn_ratio)
    if status == "未设目标" and sec.benchmark is not None:
        status, gap = bench_status(d7, sec.benchmark.get("retention_d7_low"))
    prev = sec.prev_retention.rate(7) if sec.prev_retention else None
    mom = compare.change("rate", d7, prev).value
    lo, hi = r.ci(7)
    kept, base = r.counts[7]
    ev = (f"小程序新用户七日留存 {fmt.fmt_pct(d7)}（{r.observed[7]} 个首访日队列 "
          f"{fmt.fmt_int(base)} 人中 {fmt.fmt_int(kept)} 人第 7 天回访，95% 置信区间 "
          f"{fmt.fmt_pct(lo)}–{fmt.fmt_pct(hi)}；{r.censored[7]} 个队列到月末未满 7 天，不计入）")
    if prev is not None:
        ev += f"，上月 {fmt.fmt_pct(prev)}"
    if p.target_mp_retention_d7 is not None:
        ev += f"；目标 {fmt.fmt_pct(p.target_mp_retention_d7)}"
    ev += _bench_text(sec, "retention_d7_low", "retention_d7_high", True)
    b = sec.benchmark.get("retention_d7_low") if sec.benchmark else None
    target = p.target_mp_retention_d7
    return _finding("mp_retention_d7", "小程序七日留存", status, ev, d7, fmt.fmt_pct(d7),
                    target=target if target is not None else b,
                    target_text=fmt.fmt_pct(target) if target is not None
                    else (f"参考 ≥ {fmt.fmt_pct(b, 0)}" if b is not None else ""),
                    benchmark=b, gap=gap, mom=mom, mom_text=fmt.fmt_pp(mom) if mom is not None
                    else "")


def _next_month_finding(sec: MpSection) -> Finding:
    c = sec.next_active
    if c is None:
        censored = next((x for x in sec.next_month if x.rate is None), None)
        where = censored.source if censored else _file(mp.MONTHLY_RETAIN)
        return _finding("mp_next_month_active", "小程序次月活跃率", "未提供",
                        f"小程序新用户次月活跃率暂无可观察的月份（需 {where}）", None, "")
    b = sec.benchmark.get("next_month_active") if sec.benchmark else None
    status, gap = bench_status(c.rate, b)
    lo, hi = c.ci
    ev = (f"小程序 {fmt.month_cn(c.cohort)}新用户的次月活跃率 {fmt.fmt_pct(c.rate)}（"
          f"{fmt.fmt_int(c.new)} 人中 {fmt.fmt_int(c.active)} 人次月仍访问，95% 置信区间 "
          f"{fmt.fmt_pct(lo)}–{fmt.fmt_pct(hi)}）")
    before = [x for x in sec.prev_next_month if x.cohort < c.cohort and x.rate is not None]
    mom = compare.change("rate", c.rate, before[-1].rate).value if before else None
    if before:
        ev += f"，前一月份的新用户为 {fmt.fmt_pct(before[-1].rate)}"
    ev += _bench_text(sec, "next_month_active", None, True)
    return _finding("mp_next_month_active", "小程序次月活跃率", status, ev, c.rate,
                    fmt.fmt_pct(c.rate), target=b,
                    target_text=f"参考 ≥ {fmt.fmt_pct(b, 0)}" if b is not None else "",
                    benchmark=b, gap=gap, mom=mom,
                    mom_text=fmt.fmt_pp(mom) if mom is not None else "",
                    extra={"cohort": c.cohort})


def _arpu_finding(sec: MpSection) -> Finding | None:
    m, p = sec.money, sec.params
    if m.arpu is None:
        return None
    status, gap = target_status(m.arpu, p.target_mp_arpu, p.status_warn_ratio)
    if status == "未设目标" and sec.benchmark is not None:
        status, gap = bench_status(m.arpu, sec.benchmark.get("arpu_low"))
    prev = sec.prev_money.arpu if sec.prev_money else None
    mom = _rel(m.arpu, prev)
    ev = (f"小程序 ARPU {_yuan(m.arpu)}（收入 {fmt.fmt_money(m.revenue)} ÷ 当月活跃用户 "
          f"{fmt.fmt_int(m.active)} 人），ARPPU {_yuan(m.arppu)}，付费率 {fmt.fmt_pct(m.pay_rate)}")
    if prev is not None:
        ev += f"，上月 ARPU {_yuan(prev)}"
    if p.target_mp_arpu is not None:
        ev += f"；目标 {_yuan(p.target_mp_arpu)}"
    ev += _bench_text(sec, "arpu_low", "arpu_high", False)
    b = sec.benchmark.get("arpu_low") if sec.benchmark else None
    target = p.target_mp_arpu
    return _finding("mp_arpu", "小程序 ARPU", status, ev, m.arpu, _yuan(m.arpu),
                    target=target if target is not None else b,
                    target_text=_yuan(target) if target is not None
                    else (f"参考 ≥ {_yuan(b)}" if b is not None else ""), benchmark=b,
                    gap=gap, mom=mom, mom_text=fmt.fmt_signed_pct(mom) if mom is not None else "",
                    extra={"mom_mode": "rel"})


def _launch_finding(sec: MpSection) -> Finding | None:
    t = sec.launch.total
    if t is None:
        return None
    std = t.standard or 0.0
    gap = t.gap
    status = t.status
    word = "无差距" if not gap else f"超出标准 {fmt.fmt_pct(gap)}"
    ev = (f"小程序启动总耗时 {_ms_as_seconds(t.mean)}（{t.days} 天的每日值均值），"
          f"标准 ≤ {_ms_as_seconds(std)}，{word}")
    if t.prev is not None:
        ev += f"，上月 {_ms_as_seconds(t.prev)}（{fmt.fmt_signed_pct(t.change)}）"
    return _finding("mp_launch_ms", "小程序启动总耗时", status, ev, t.mean, _ms_as_seconds(t.mean),
                    target=std, target_text=f"≤ {_ms_as_seconds(std)}", gap=gap, mom=t.change,
                    mom_text=fmt.fmt_signed_pct(t.change) if t.change is not None else "",
                    extra={"higher_better": False, "mom_mode": "rel"})


def _stage_findings(sec: MpSection) -> list[Finding]:
    out = []
    for s in sec.launch.stages:
        if s is sec.launch.total or not (s.slower or s.status in ("预警", "未达标")):
            continue
        parts = [f"启动阶段“{s.zh}”月均 {_ms(s.mean)}"]
        if s.slower:
            parts.append(f"比上月 {_ms(s.prev)} 慢 {fmt.fmt_pct(s.change)}"
                         f"（按日比较 Welch 检验 Holm 校正后 {_p(s.p_adj)}）")
        if s.share is not None:
            parts.append(f"占启动总耗时 {fmt.fmt_pct(s.share, 0)}")
        if s.standard is not None:
            parts.append(f"标准 ≤ {_ms(s.standard)}")
        status = s.status if s.status in ("预警", "未达标") else "预警"
        gap = s.gap if s.gap else None  # a shortfall against a standard only, not a change
        out.append(_finding(f"mp_launch_stage:{s.table}", f"启动阶段变慢：{s.zh}", status,
                            "，".join(parts), s.mean, _ms(s.mean), target=s.standard,
                            target_text=f"≤ {_ms(s.standard)}" if s.standard else "", gap=gap,
                            mom=s.change, mom_text=fmt.fmt_signed_pct(s.change)
                            if s.change is not None else "", kind="event",
                            extra={"stage": s.zh, "p_adj": s.p_adj}))
    return out


def _channel_finding(sec: MpSection) -> Finding | None:
    best = best_channel(sec.channels)
    if best is None:
        return None
    rest = [c for c in sec.channels if c is not best and c.p is not None]
    rate = sum(c.orders or 0 for c in rest) / sum(c.sessions for c in rest) * 1000
    ev = (f"小程序入口“{best.name}”每千次打开带来 {fmt.fmt_num(best.per_k, 1)} 笔订单，高于其他入口的 "
          f"{fmt.fmt_num(rate, 1)} 笔（两比例检验 Bonferroni 校正后 {_p(best.p)}）")
    return _finding("mp_channel_best", "小程序转化最好的入口", "提示", ev, best.per_k,
                    f"{fmt.fmt_num(best.per_k, 1)} 单/千次打开", kind="event",
                    extra={"channel": best.name})


def findings(sec: MpSection) -> list[Finding]:
    """The section's findings: the funnel (首页点击率, 详情页停留, 支付转化率, the largest
    leak), 七日留存, 次月活跃, ARPU, the launch time and its slower stages, the best channel."""
    items = [_pay_finding(sec), _retention_finding(sec), _arpu_finding(sec),
             _launch_finding(sec), _home_finding(sec), _stay_finding(sec), _leak_finding(sec),
             _next_month_finding(sec) if sec.inputs.monthly_retain is not None else None,
             _channel_finding(sec)]
    return [f for f in items if f is not None] + _stage_findings(sec)


# --------------------------------------------------------------------------- key table


# metric, name, what enables it (in words: the management layer names no file or field;
# the data notes name the files)
_KEY_ROWS = (("mp_pay_conversion", "支付转化率", "小程序订单"),
             ("mp_retention_d7", "七日留存", "日留存数据"),
             ("mp_arpu", "ARPU", "小程序订单与访问月趋势"),
             ("mp_launch_ms", "启动耗时", "启动性能数据"))


def key_rows(sec: MpSection) -> list[tuple[str, str, str, str]]:
    """指标 | 本月 | 环比 | 状态, four rows; 未提供 where the input is missing."""
    found = {f.metric: f for f in findings(sec)}
    rows = []
    for metric, name, _ in _KEY_ROWS:
        f = found.get(metric)
        if f is None:
            rows.append((name, "未提供", "—", "未提供"))
            continue
        value = f.value_text
        if metric == "mp_launch_ms" and f.value is not None:
            value = f"{fmt.fmt_num(f.value / 1000, 2)} 秒"
        mom = f.mom_text if f.mom is not None else "—"
        if metric in ("mp_pay_conversion", "mp_retention_d7") and f.mom is not None:
            mom = fmt.fmt_pp(f.mom, 1)
        rows.append((name, value, mom, f.status))
    return rows


def missing_inputs(sec: MpSection) -> dict[str, str]:
    """Key-table name → what would enable it (for the rows 未提供)."""
    found = {f.metric for f in findings(sec)}
    return {name: need for metric, name, need in _KEY_ROWS if metric not in found}


# --------------------------------------------------------------------------- narrative


def _funnel_sentence(sec: MpSection) -> str:
    f = sec.funnel
    if f.home_uv is None or f.detail_uv is None:
        return (f"本月访问页面数据中没有匹配首页（{'、'.join(sec.params.mp_home_pages)}）或商品详情页"
                f"（{'、'.join(sec.params.mp_detail_pages)}）的页面，漏斗无法计算；请检查参数 "
                "mp_home_pages / mp_detail_pages。")
    text = (f"本月首页访问 {fmt.fmt_int(f.home_uv)} 人·日，商品详情页访问 {fmt.fmt_int(f.detail_uv)}"
            f" 人·日（为首页的 {fmt.fmt_pct(f.detail_rate)}）")
    pay = sec.step("pay_conversion")
    if pay.value is None:
        text += f"；未提供 {ORDERS_FILE}，支付转化率无法计算。"
    else:
        text += (f"，支付 {fmt.fmt_int(f.payers)} 人·日，支付转化率 {fmt.fmt_pct(pay.value)}"
                 f"（95% 置信区间 {fmt.fmt_pct(pay.ci[0])}–{fmt.fmt_pct(pay.ci[1])}）")
        if pay.prev is not None:
            text += f"，上月 {fmt.fmt_pct(pay.prev)}（{fmt.fmt_pp(pay.change)}，Holm 校正后 {_p(pay.p_adj)}）"
        text += "。"
    home, stay = sec.step("home_ctr"), sec.step("detail_stay")
    text += f"首页点击率 {fmt.fmt_pct(home.value)}"
    if home.prev is not None:
        text += f"（上月 {fmt.fmt_pct(home.prev)}，{fmt.fmt_pp(home.change)}）"
    text += f"；商品详情页次均停留 {_seconds(stay.value)}、退出率 {fmt.fmt_pct(f.detail_exit_rate)}"
    if stay.prev is not None and sec.prev_funnel is not None:
        text += (f"（上月 {_seconds(stay.prev)}、{fmt.fmt_pct(sec.prev_funnel.detail_exit_rate)}，"
                 f"停留 {fmt.fmt_signed_pct(stay.change)}）")
    return text + "。"


def _verdict_sentence(sec: MpSection) -> str:
    flagged = [s for s in sec.steps if s.flagged]
    if sec.prev_funnel is None:
        return ""
    if not flagged:
        return "与上月相比，漏斗各环节均没有统计上显著且达到阈值的变化。"
    parts = []
    for s in flagged:
        change = fmt.fmt_pp(s.change) if s.kind == "rate" else fmt.fmt_signed_pct(s.change)
        parts.append(f"{s.name}（{change}，Holm 校正后 {_p(s.p_adj)}）")
    return ("与上月相比显著变化的环节：" + "；".join(parts) + "。" + _where_sentence(sec))


def _where_sentence(sec: MpSection) -> str:
    """Where the funnel lost ground, saying only what the figures show (the stay and the pay
    step that declined significantly, the exit rate only if it rose): no cause is claimed."""
    stay, pay = sec.step("detail_stay"), sec.step("pay_conversion")
    if sec.step("home_ctr").declined or not (stay.declined or pay.declined):
        return ""
    facts = []
    if stay.declined:
        facts.append(f"详情页次均停留由 {_seconds(stay.prev)} 降至 {_seconds(stay.value)}")
    now, before = sec.funnel.detail_exit_rate, (sec.prev_funnel.detail_exit_rate
                                                if sec.prev_funnel is not None else None)
    if now is not None and before is not None and now > before:
        facts.append(f"退出率由 {fmt.fmt_pct(before)} 升至 {fmt.fmt_pct(now)}")
    if pay.declined:
        facts.append("详情页到支付的转化下降")
    return ("问题出在商品详情页：" + "，".join(facts) + "，首页环节没有显著下降"
            "（以上为同期变化，原因需结合详情页改版、价格与库存等排查）。")


def _retention_sentence(sec: MpSection) -> str:
    r = sec.retention
    if r.rate(1) is None:
        return f"未提供日留存数据（{_file(mp.DAILY_RETAIN)}），七日留存无法计算。"
    text = (f"新用户次日留存 {fmt.fmt_pct(r.rate(1))}、七日留存 {fmt.fmt_pct(r.rate(7))}"
            if r.rate(7) is not None else f"新用户次日留存 {fmt.fmt_pct(r.rate(1))}")
    if r.rate(7) is not None:
        lo, hi = r.ci(7)
        text += (f"（95% 置信区间 {fmt.fmt_pct(lo)}–{fmt.fmt_pct(hi)}，{r.observed[7]} 个首访日队列；"
                 f"月末前 {r.censored[7]} 天的队列尚未满 7 天，按右删失不计入）")
    if sec.prev_retention and sec.prev_retention.rate(7) is not None:
        text += f"，上月七日留存 {fmt.fmt_pct(sec.prev_retention.rate(7))}"
    if 7 in r.active:
        text += f"；活跃用户的七日回访率 {fmt.fmt_pct(r.active[7])}"
    text += "。"
    for c in sec.next_month:
        if c.rate is not None:
            text += (f"{fmt.month_cn(c.cohort)}新用户 {fmt.fmt_int(c.new)} 人，次月仍访问 "
                     f"{fmt.fmt_int(c.active)} 人，次月活跃率 {fmt.fmt_pct(c.rate)}。")
        else:
            text += (f"{fmt.month_cn(c.cohort)}新用户 {fmt.fmt_int(c.new)} 人的次月活跃要到下月结束后"
                     f"才能观察（右删失，本报告不报告），届时由 {c.source} 提供。")
    return text


def _money_sentence(sec: MpSection) -> str:
    m = sec.money
    if m.revenue is None:
        return f"未提供 {ORDERS_FILE}，收入、ARPU 与付费率无法计算。"
    text = (f"本月小程序订单 {fmt.fmt_int(m.orders)} 笔、收入 {fmt.fmt_money(m.revenue)}，"
            f"付费用户 {fmt.fmt_int(m.payers)} 人，客单价 {_yuan(m.per_order)}")
    if m.arpu is None:
        return text + f"；未提供访问月趋势（{_file(mp.MONTHLY_VISIT)}），ARPU 无法计算。"
    text += (f"；当月活跃用户 {fmt.fmt_int(m.active)} 人，ARPU {_yuan(m.arpu)}、ARPPU {_yuan(m.arppu)}、"
             f"付费率 {fmt.fmt_pct(m.pay_rate)}")
    if sec.prev_money and sec.prev_money.arpu is not None:
        text += f"（上月 ARPU {_yuan(sec.prev_money.arpu)}，{fmt.fmt_signed_pct(_rel(m.arpu, sec.prev_money.arpu))}）"
    b = sec.benchmark
    if b and "arpu_low" in b:
        where = "低于" if m.arpu < b["arpu_low"] else "高于" if m.arpu > b.get("arpu_high", math.inf) \
            else "处于"
        text += (f"，{where}{sec.params.mp_type}参考区间 {_yuan(b['arpu_low'])}–"
                 f"{_yuan(b.get('arpu_high'))}")
    return text + "。"


def _channel_sentence(sec: MpSection) -> str:
    rows = [c for c in sec.channels if c.key is not None and c.sessions]
    if not rows:
        return f"未提供访问分布数据（{_file(mp.DISTRIBUTION)}），入口渠道无法分析。"
    top = "、".join(f"{c.name}（{fmt.fmt_pct(c.share)}）" for c in rows[:3])
    text = f"打开次数最多的入口是 {top}。"
    seed = []
    for key in SEED_CHANNELS:
        c = next((x for x in rows if x.key == key), None)
        if c is None:
            continue
        orders = f"，每千次打开 {fmt.fmt_num(c.per_k, 1)} 笔订单" if c.per_k is not None else ""
        seed.append(f"{c.name}占 {fmt.fmt_pct(c.share)}{orders}")
    if seed:
        text += "重点入口中，" + "；".join(seed) + "。"
    best = best_channel(sec.channels)
    if best is not None:
        text += f"转化最好的入口是{best.name}（Bonferroni 校正后 {_p(best.p)}）。"
    return text


def _launch_sentence(sec: MpSection) -> str:
    t = sec.launch.total
    if not sec.launch.stages:
        return f"未提供启动性能数据（{_file(PERFORMANCE)}）。"
    text = ""
    if t is not None:
        text = (f"小程序启动总耗时月均 {_ms(t.mean)}，标准 ≤ {_ms(t.standard)}（与 06 技术支撑同一标准"
                f"），{'达标' if not t.gap else f'超出标准 {fmt.fmt_pct(t.gap)}'}")
        if t.prev is not None:
            text += f"，上月 {_ms(t.prev)}（{fmt.fmt_signed_pct(t.change)}）"
        text += "。"
    parts = [f"{s.zh} {_ms(s.mean)}" + (f"（占 {fmt.fmt_pct(s.share, 0)}）" if s.share else "")
             for s in sec.launch.stages if s is not t]
    text += "各阶段月均：" + "，".join(parts) + "。"
    slower = sec.launch.slower
    if slower:
        text += "变慢的阶段：" + "；".join(
            f"{s.zh} 比上月慢 {fmt.fmt_pct(s.change)}（{_ms(s.prev)} → {_ms(s.mean)}，Holm 校正后 "
            f"{_p(s.p_adj)}）" for s in slower) + "，应优先排查。"
    elif t is not None and t.prev is not None:
        text += "各阶段与上月相比没有显著变慢的。"
    return text


def narrative(sec: MpSection) -> list[str]:
    """The section's paragraphs, every figure computed from ``sec``."""
    parts = [_funnel_sentence(sec), _verdict_sentence(sec), _retention_sentence(sec),
             _money_sentence(sec), _channel_sentence(sec), _launch_sentence(sec)]
    return [p for p in parts if p]


# --------------------------------------------------------------------------- notes


def data_notes(sec: MpSection) -> list[str]:
    """Caveats: missing files and days, the units, censoring, the sources of the numbers."""
    from wxnb.io.datacube import month_days

    inp, p = sec.inputs, sec.params
    notes = list(inp.warnings)
    if sec.prev_note:
        notes.append(sec.prev_note)
    n_days = len(month_days(inp.month))
    for endpoint in mp.DAILY_ENDPOINTS:
        got = inp.days(endpoint)
        if not got:
            notes.append(f"未提供{mp.ENDPOINTS[endpoint]}数据（{_file(endpoint)}）"
                         + _what_needs(endpoint))
        elif len(got) < n_days:
            missing = sorted(set(month_days(inp.month)) - got)
            shown = "、".join(f"{d:%m-%d}" for d in missing[:5]) + ("等" if len(missing) > 5 else "")
            notes.append(f"{mp.ENDPOINTS[endpoint]}缺 {len(missing)} 天（{shown}），按已有的日子计算")
    for endpoint in (mp.MONTHLY_VISIT, mp.MONTHLY_RETAIN, PERFORMANCE):
        if endpoint not in inp.files:
            notes.append(f"未提供{mp.ENDPOINTS[endpoint]}（{_file(endpoint)}）" + _what_needs(endpoint))
    if inp.orders is None:
        notes.append(f"未提供 {ORDERS_FILE}（订单号、时间、openid、金额、场景值）：支付转化率、收入、"
                     "ARPU 与各入口订单不可用")
    notes.append("漏斗人数为每日去重人数之和（人·日）：访问页面数据只按天去重，且只列访问次数前 200 的"
                 "页面；同一用户跨页面的路径需要小程序自有埋点。首页点击率 = 1 − 首页退出次数 ÷ 首页访问"
                 "次数；详情页停留为次均停留时长按访问次数加权。")
    f = sec.funnel
    if f.detail_uv is not None and f.home_uv is not None:
        notes.append(f"“首页 → 商品详情页”是两页访问人数之比，不是首页访客中进入详情页的比例：详情页访客也有"
                     f"从分享、搜索等直接进入的（本月详情页作为入口页 {fmt.fmt_int(f.detail_entry)} 次）；"
                     "“商品详情页 → 支付”的支付人数也包括未经详情页下单的买家。两步的区间与检验把人·日"
                     "当作独立样本，偏乐观。")
    notes.append(f"首页按 {'、'.join(p.mp_home_pages)} 识别，商品详情页按 "
                 f"{'、'.join(p.mp_detail_pages)} 识别（参数 mp_home_pages / mp_detail_pages）。")
    r = sec.retention
    if r.end is not None and 7 in r.censored:
        notes.append(f"留存按首访日分组，观察截止 {r.end:%m-%d}（本月最后一天，取数在月末之后）："
                     f"第 k 天在此之后的队列为右删失，不计入第 k 天留存；七日留存有 {r.censored[7]} 个、"
                     f"三十日留存有 {r.censored.get(30, 0)} 个这样的队列。微信日留存只提供第 0–7、14、30 天。")
    gaps = {k: n for k, n in r.missing.items() if n}
    if gaps:
        notes.append("日留存中已满期却没有数值的队列（未计入）：" + "、".join(
            f"第 {k} 天 {n} 个" for k, n in gaps.items()) + "。")
    for c in sec.next_month:
        if c.rate is None:
            notes.append(f"{fmt.month_cn(c.cohort)}新用户的次月活跃为右删失：需下月结束后获取的月留存 "
                         f"{c.source}，放入后重新生成报告即可显示。")
    unknown = sorted({c.key for c in sec.channels if c.key is not None
                      and c.key not in mp.ACCESS_SOURCES})
    if unknown:
        notes.append("访问来源编号 " + "、".join(str(k) for k in unknown)
                     + " 不在微信公布的访问来源表中，按编号显示。")
    odd = [c.name for c in sec.channels if c.key is None]
    if odd:
        notes.append("订单的场景值未归入访问来源的：" + "、".join(odd) + "（单独列出，不计入各入口）。")
    notes.append("访问来源编号 1–24 及其场景值来自微信官方 getVisitDistribution 文档；10、25 以后的名称来自"
                 "公开的第三方整理（37 以后未见官方确认）；“微信广告”按场景值 1045/1046/1067/1084"
                 "（朋友圈广告、公众号文章广告）归入。订单按其场景值归入访问来源。")
    notes.append("启动耗时来自 getPerformanceData 模块 10017（启动各阶段耗时），取每日值的月均值（接口不提供"
                 "样本量，不能加权）。06 技术支撑的“小程序加载速度”来自 miniprogram_performance.csv"
                 "（按测量次数加权），两处使用同一标准 miniprogram_load_standard"
                 f"（{p.miniprogram_load_standard:g} 秒）；来源不同时数值可能略有差异。")
    if p.mp_stage_standards_ms:
        notes.append("启动各阶段标准：" + "、".join(f"{k} ≤ {fmt.fmt_int(v)} ms"
                                             for k, v in p.mp_stage_standards_ms.items()) + "。")
    if p.mp_type:
        notes.append(f"小程序类型参考值：{p.mp_type}，出处 {p.mp_benchmark_source or '未填写'}。")
    else:
        notes.append("小程序类型参考值未配置（参数 mp_type 留空）：七日留存、ARPU、次月活跃不与行业比较。")
    if inp.portrait is None:
        notes.append(f"未提供用户画像（{_file(mp.PORTRAIT)}）；该接口只对近期日期有数据。")
    return list(dict.fromkeys(notes))


def _what_needs(endpoint: str) -> str:
    return {
        mp.DAILY_VISIT: "：访问人数与新用户数的每日趋势不可用",
        mp.DAILY_SUMMARY: "：累计用户与分享次数不可用",
        mp.VISIT_PAGE: "：漏斗不可用",
        mp.DAILY_RETAIN: "：七日留存不可用",
        mp.DISTRIBUTION: "：入口渠道不可用",
        mp.MONTHLY_VISIT: "：当月活跃用户（月内去重）与 ARPU 不可用",
        mp.MONTHLY_RETAIN: "：次月活跃不可用",
        PERFORMANCE: "：启动各阶段耗时不可用",
    }.get(endpoint, "")
