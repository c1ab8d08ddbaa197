"""Section 12 触达渠道效果对比, the words: findings, narrative and data notes."""

from __future__ import annotations

from wxnb.io.touch import AB_FILE, CLICKS_FILE, COSTS_FILE
from wxnb.kit import fmt
from wxnb.kit.findings import Finding
from wxnb.sections.s12_touch.compute import (
    BASE_SLOT,
    SECTION,
    ABTest,
    Channel,
    TouchSection,
    bench,
    bench_cost_text,
    bench_open_text,
    best_channel,
    best_slot,
    ci_text,
    open_status,
    p_text,
    yuan,
)

__all__ = ["data_notes", "findings", "narrative"]

_OPEN = {  # what 打开 counts, per channel
    "模板消息": "落地页点击",
    "服务号推送": "从公众号消息阅读头条",
    "社群通知": "点击或阅读",
}


def _f(**kw: object) -> Finding:
    return Finding(section=SECTION[0], section_title=SECTION[1], **kw)  # type: ignore[arg-type]


def _position(rate: float, b: dict[str, object]) -> str:
    low, high = float(b["open_low"]), float(b["open_high"])  # type: ignore[arg-type]
    return "低于" if rate < low else "高于" if rate > high else "在"


# --------------------------------------------------------------------------- findings


def _channel_finding(sec: TouchSection, c: Channel) -> Finding | None:
    if c.rate is None or c.stat is None:
        return None
    b = bench(sec.params, c.name)
    status, gap = open_status(c.rate, b)
    mom = sec.mom(c.name)
    ref = (f"，行业经验值 {bench_open_text(b)}，{_position(c.rate, b)}区间"
           f"{'内' if _position(c.rate, b) == '在' else ''}") if "open_low" in b else "，行业经验值未配置"
    cost = (f"；单次打开成本 {yuan(c.cost_per_open)}（经验值 {bench_cost_text(b)}）"
            if c.cost_per_open is not None else "")
    evidence = (f"{c.name}打开率 {fmt.fmt_pct(c.rate, 1)}{ref}（{_OPEN[c.name]} "
                f"{fmt.fmt_int(c.opened)} ÷ 送达 {fmt.fmt_int(c.delivered)}，95% 置信区间 "
                f"{ci_text(c.stat.lo, c.stat.hi)}）{cost}"
                + (f"，环比 {fmt.fmt_pp(mom)}" if mom is not None else ""))
    return _f(metric=f"touch_{c.key}_open_rate", name=f"{c.name}打开率", status=status,
              evidence=evidence, value=c.rate, value_text=fmt.fmt_pct(c.rate, 1),
              target=float(b["open_low"]) if "open_low" in b else None,
              target_text=bench_open_text(b), benchmark=float(b["open_low"]) if "open_low" in b
              else None, gap=gap, mom=mom, mom_text=fmt.fmt_pp(mom) if mom is not None else "",
              extra={"cost_per_open": c.cost_per_open, "cost_per_reach": c.cost_per_reach,
                     "delivered": c.delivered, "opened": c.opened, "higher_better": True,
                     "mom_mode": "pp"})


def _block_finding(sec: TouchSection) -> Finding | None:
    now = sec.now
    rate = now.block_rate
    if rate is None:
        return None
    warn = sec.params.touch_block_rate_warn
    status = "预警" if rate > warn else "达标"
    mom = sec.block_mom()
    evidence = (f"模板消息拒收率 {fmt.fmt_pct(rate, 1)}，预警线 {fmt.fmt_pct(warn, 1)}"
                f"（用户拒收 {fmt.fmt_int(now.status_count('用户拒收'))} ÷ 回调 "
                f"{fmt.fmt_int(now.callbacks)}；系统失败 {fmt.fmt_int(now.status_count('系统失败'))}、"
                f"频率限制 {fmt.fmt_int(now.status_count('频率限制'))}）"
                + (f"，环比 {fmt.fmt_pp(mom)}" if mom is not None else ""))
    return _f(metric="touch_template_fail_rate", name="模板消息拒收率", status=status,
              evidence=evidence, value=rate, value_text=fmt.fmt_pct(rate, 1), target=warn,
              target_text=f"≤ {fmt.fmt_pct(warn, 1)}",
              gap=max(0.0, (rate - warn) / warn) if warn else None, mom=mom,
              mom_text=fmt.fmt_pp(mom) if mom is not None else "",
              extra={"higher_better": False, "mom_mode": "pp",
                     "system_failed": now.status_count("系统失败"),
                     "freq_limit": now.status_count("频率限制")})


def _best_channel_finding(sec: TouchSection) -> Finding | None:
    best = best_channel(sec.channels)
    if best is None:
        return None
    c, by = best
    if by == "cost":
        others = [f"{o.name} {yuan(o.cost_per_open)}" for o in sec.channels
                  if o is not c and o.cost_per_open is not None]
        evidence = (f"单次打开成本最低的是{c.name}，{yuan(c.cost_per_open)}，其余为 "
                    f"{'、'.join(others)}（各渠道“打开”的口径不同，见分析明细）")
        value, text = c.cost_per_open, yuan(c.cost_per_open)
    else:
        others = [f"{o.name} {fmt.fmt_pct(o.rate, 1)}" for o in sec.channels
                  if o is not c and o.rate is not None]
        evidence = (f"打开率最高的是{c.name}，{fmt.fmt_pct(c.rate, 1)}，其余为 {'、'.join(others)}"
                    f"（未提供 {COSTS_FILE}，无法比较成本；各渠道“打开”的口径不同）")
        value, text = c.rate, fmt.fmt_pct(c.rate, 1)
    return _f(metric="touch_best_channel", name="最划算的触达方式", status="提示",
              evidence=evidence, value=value, value_text=text,
              extra={"channel": c.name, "by": by})


def _slot_finding(sec: TouchSection) -> Finding | None:
    r = best_slot(sec.slots, sec.params.touch_alpha)
    if r is None:
        return None
    evidence = (f"{r['channel']}在{r['slot']}发送的打开率 {fmt.fmt_pct(r['rate'], 1)}，比其他时段高 "
                f"{fmt.fmt_num(r['diff_pp'], 2)} 个百分点（{int(r['sends'])} 次发送，Holm 校正后 "
                f"{p_text(r['p_holm'])}）")
    return _f(metric="touch_best_slot", name="更好的发送时段", status="提示", evidence=evidence,
              value=float(r["rate"]), value_text=fmt.fmt_pct(r["rate"], 1), kind="event",
              extra={"channel": r["channel"], "slot": r["slot"], "diff_pp": float(r["diff_pp"])})


def _tier_finding(sec: TouchSection) -> Finding | None:
    tr = sec.tiers
    if tr is None or tr.p is None or tr.p >= sec.params.touch_alpha:
        return None
    t = tr.table.set_index("tier")
    t = t[t["delivered"] > 0]
    hi, lo = t["rate"].idxmax(), t["rate"].idxmin()
    evidence = (f"{lo}粉丝的模板消息打开率 {fmt.fmt_pct(t.loc[lo, 'rate'], 1)}，{hi}为 "
                f"{fmt.fmt_pct(t.loc[hi, 'rate'], 1)}（按{tr.basis}互动分层，卡方检验 {p_text(tr.p)}）")
    return _f(metric="touch_tier_gap", name="活跃层级的打开率差距", status="提示",
              evidence=evidence, value=float(t.loc[lo, "rate"]),
              value_text=fmt.fmt_pct(t.loc[lo, "rate"], 1), kind="event",
              extra={"lowest": lo, "highest": hi, "p": tr.p})


def _ab_finding(sec: TouchSection, t: ABTest) -> Finding:
    arms = "、".join(f"{a['style']} {fmt.fmt_pct(a['rate'], 1)}" for _, a in t.arms.iterrows())
    base = dict(metric=f"touch_ab:{t.test}", name=f"标题测试 {t.test}", kind="event",
                extra={"verdict": t.verdict, "winner": t.winner, "n_min": t.n_min,
                       "srm_p": t.srm_p})
    if t.verdict == "胜出":
        w = t.arm(t.winner)  # type: ignore[arg-type]
        ps = t.comparisons.loc[(t.comparisons["a"] == t.winner) | (t.comparisons["b"] == t.winner),
                               "p_holm"].max()
        return _f(**base, status="提示", value=t.lift, value_text=fmt.fmt_pct(w["rate"], 1),
                  evidence=(f"标题测试 {t.test}：{w['style']}胜出，打开率 {fmt.fmt_pct(w['rate'], 1)}，"
                            f"比次优写法高 {fmt.fmt_pct(t.lift, 1)}（{arms}；Holm 校正后 "
                            f"{p_text(ps)}，每组送达均达到最小样本 {fmt.fmt_int(t.n_min)}）"))
    if t.verdict == "样本不足":
        small = int(t.arms["delivered"].min())
        if t.n_min is None:  # every arm opened by nobody (or by everybody): nothing to size
            return _f(**base, status="预警", value=None, value_text="样本不足",
                      evidence=(f"标题测试 {t.test} 各组打开率全为 {fmt.fmt_pct(t.base, 0)}，"
                                f"无法估算所需样本，不判胜负（最少一组送达 {fmt.fmt_int(small)} 人；"
                                f"{arms}）"))
        return _f(**base, status="预警", value=None, value_text="样本不足",
                  evidence=(f"标题测试 {t.test} 样本不足，不判胜负：最少一组只送达 "
                            f"{fmt.fmt_int(small)} 人，每组需 {fmt.fmt_int(t.n_min)} 人才能检出 "
                            f"{fmt.fmt_pct(sec.params.touch_ab_mde, 0)} 的提升（{arms}）"))
    if t.verdict == "分流异常":
        return _f(**base, status="预警", value=None, value_text="分流异常",
                  evidence=(f"标题测试 {t.test} 各组送达人数偏离计划比例，结论不可靠（分流检查 "
                            f"{p_text(t.srm_p)}；{arms}）"))
    return _f(**base, status="提示", value=None, value_text="无显著差异",
              evidence=f"标题测试 {t.test} 各写法的打开率没有可靠差异（{arms}；Holm 校正后均不显著）")


def findings(sec: TouchSection) -> list[Finding]:
    """Each channel's open rate against the seed's range, the template refusal rate, the
    cheapest channel, a slot and a tier difference that hold up, and one per title test."""
    out = [_channel_finding(sec, c) for c in sec.channels]
    out += [_block_finding(sec), _best_channel_finding(sec), _slot_finding(sec),
            _tier_finding(sec)]
    out += [_ab_finding(sec, t) for t in sec.tests]
    return [f for f in out if f is not None]


# --------------------------------------------------------------------------- narrative


def _channels_sentence(sec: TouchSection) -> str:
    parts = []
    for c in sec.channels:
        if c.stat is None:
            parts.append(f"{c.name}未提供（需 {c.missing}）")
            continue
        if c.rate is None:
            parts.append(f"{c.name}送达 {fmt.fmt_int(c.delivered)}，打开未记录（{c.missing}）")
            continue
        b = bench(sec.params, c.name)
        ref = f"，经验值 {bench_open_text(b)}" if "open_low" in b else ""
        cost = (f"，单次触达 {yuan(c.cost_per_reach, 3)}、单次打开 {yuan(c.cost_per_open)}"
                if c.cost is not None else "，成本未提供")
        mom = sec.mom(c.name)
        parts.append(f"{c.name}送达 {fmt.fmt_int(c.delivered)}、{_OPEN[c.name]} "
                     f"{fmt.fmt_int(c.opened)}，打开率 {fmt.fmt_pct(c.rate, 1)}（95% 区间 "
                     f"{ci_text(c.stat.lo, c.stat.hi)}）{ref}{cost}"
                     + (f"，环比 {fmt.fmt_pp(mom)}" if mom is not None else ""))
    return "本月" + "；".join(parts) + "。"


def _best_sentence(sec: TouchSection) -> str:
    best = best_channel(sec.channels)
    if best is None:
        return ""
    c, by = best
    if by == "cost":
        return (f"按单次打开成本，{c.name}最划算（{yuan(c.cost_per_open)}）；三种方式的“打开”含义不同，"
                "适用场景也不同（模板消息只能用于服务通知），这一比较用于分配时效性通知，不是互相替代。")
    return f"未提供 {COSTS_FILE}，只能比较打开率：{c.name}最高（{fmt.fmt_pct(c.rate, 1)}）。"


def _template_sentence(sec: TouchSection) -> str:
    now = sec.now
    if not now.callbacks:
        return ""
    mom = sec.block_mom()
    return (f"模板消息本月回调 {fmt.fmt_int(now.callbacks)} 条（{now.template_source}），送达成功 "
            f"{fmt.fmt_int(now.status_count('送达成功'))}，用户拒收 "
            f"{fmt.fmt_int(now.status_count('用户拒收'))}（拒收率 {fmt.fmt_pct(now.block_rate, 1)}"
            + (f"，环比 {fmt.fmt_pp(mom)}" if mom is not None else "")
            + f"），系统失败 {fmt.fmt_int(now.status_count('系统失败'))}，频率限制 "
            f"{fmt.fmt_int(now.status_count('频率限制'))}。")


def _slot_sentence(sec: TouchSection) -> str:
    s = sec.slots
    if s.empty:
        return ""
    tested = s[s["tested"]]
    if tested.empty:
        return (f"各时段的发送次数不足 {sec.params.touch_slot_min_sends} 次，本月不比较发送时段。")
    r = best_slot(s, sec.params.touch_alpha)
    items = [f"{x['channel']}{x['slot']} {fmt.fmt_pp(x['diff_pp'])}（Holm 校正后 "
             f"{p_text(x['p_holm'])}）" for _, x in tested.iterrows()]
    head = "与同渠道其他时段相比：" + "；".join(items) + "。"
    if r is None:
        return head + "没有哪个时段的差异经得起多重比较校正，暂不据此调整发送时间。"
    return head + (f"{r['channel']}在{r['slot']}发送的打开率更高；各时段发送的内容并不相同，这是观察比较"
                   "而非随机对照，可把同类通知集中到该时段，下月继续按时段对比验证。")


def _tier_sentence(sec: TouchSection) -> str:
    tr = sec.tiers
    if tr is None:
        return sec.tier_note + "。" if sec.tier_note else ""
    t = tr.table
    if not tr.opens_known:
        return (f"模板消息接收者按{tr.basis}互动分层："
                + "、".join(f"{r['tier']} {fmt.fmt_int(r['recipients'])} 人"
                           for _, r in t.iterrows())
                + f"；没有点击记录（需 {CLICKS_FILE} 或 clicked 列），无法比较打开率。")
    items = "、".join(f"{r['tier']} {fmt.fmt_pct(r['rate'], 1)}（{fmt.fmt_int(r['delivered'])} 条）"
                      for _, r in t.iterrows())
    verdict = ("各层级差异显著" if tr.p is not None and tr.p < sec.params.touch_alpha
               else "各层级差异不显著")
    return (f"按{tr.basis}（{tr.basis_month}）互动次数分层，模板消息打开率：{items}；卡方检验 "
            f"{p_text(tr.p)}，{verdict}。推送没有逐人送达记录，分层只能在模板消息上衡量。")


def _ab_sentences(sec: TouchSection) -> list[str]:
    if not sec.tests:
        return [f"本月未提供标题 A/B 测试（{AB_FILE}）。"]
    n = sum(len(t.comparisons) for t in sec.tests)
    out = [f"本月 {len(sec.tests)} 个标题测试、{n} 个组间比较，一起做 Holm 校正。"]
    for t in sec.tests:
        out.append(_ab_finding(sec, t).evidence + "。")
        if t.verdict == "样本不足" and bool(t.comparisons["significant"].any()):
            out.append(f"{t.test} 的差异在校正后虽然显著，但样本低于事先要求的最小样本，小样本下的显著差异"
                       "往往高估真实提升，按规则不判胜负，下次按最小样本重新测试。")
    return out


def narrative(sec: TouchSection) -> list[str]:
    """Paragraphs computed from ``sec``."""
    parts = [_channels_sentence(sec), _best_sentence(sec), _template_sentence(sec),
             _slot_sentence(sec), _tier_sentence(sec), *_ab_sentences(sec)]
    return [p for p in parts if p]


def _calendar_note(calendar: dict[str, str], month: str) -> str:
    """Whether the send slots know the month's holidays: a calendar without a date of the
    report's year is as good as none (its holidays would count as 工作日)."""
    year = month[:4]
    if not any(day.startswith(year) for day in calendar):
        return (f"发送时段：节假日与调休（touch_calendar）未配置 {year} 年的日期，按周一至周五为工作日，"
                "法定假日发送的通知会被算作工作日。")
    days = sum(day.startswith(month) for day in calendar)
    return (f"发送时段：按已配置的 {year} 年节假日与调休（touch_calendar）区分工作日与休息日"
            + (f"，本月有 {days} 天与周一至周五的规则不同" if days else "，本月没有调整的日期")
            + "。")


def data_notes(sec: TouchSection) -> list[str]:
    """Caveats: what was missing, what each rate means, where the seed's values come from."""
    p = sec.params
    notes = [*sec.now.notes, *sec.notes]
    if sec.prev_note:
        notes.append(sec.prev_note)
    if sec.tier_note:
        notes.append(sec.tier_note)
    for c in sec.channels:
        if c.stat is None:
            notes.append(f"{c.name}：未提供 {c.missing}")
        elif c.rate is None:
            notes.append(f"{c.name}：{c.missing}")
        elif c.cost is None:
            notes.append(f"{c.name}：未提供成本（{COSTS_FILE}），单次触达与打开成本无法计算")
        elif c.cost_source != COSTS_FILE:
            notes.append(f"{c.name}成本取自 {c.cost_source}")
    notes += [
        "微信不回传模板消息的打开与点击：打开取自自有落地页的点击记录；月末发送的消息点击观察期较短。",
        "服务号推送的打开率为头条从公众号消息阅读的人数 ÷ 送达人数，与第 01 节头条打开率同一口径；"
        "只打开次条的粉丝不计入。",
        "模板消息只能用于服务通知，不得用于营销（见第 07 节）；本节比较的是各渠道在各自场景下的效率。",
        f"行业经验值出处：{p.touch_benchmark_source or '未注明'}；种子表的“转化成本”未定义口径，"
        "按数量级只可能是每次打开（点击）的成本，本节以单次打开成本对照。",
        _calendar_note(p.touch_calendar, sec.now.month),
    ]
    if sec.tiers is not None and sec.tiers.basis == "本月":
        notes.append("上月没有事件日志，活跃层级按本月互动划分：触发模板消息的下单或表单提交本身也计为互动，"
                     "接收者因此很少落入沉睡层级；有上月事件日志时按上月划分。")
    if sec.tests:
        notes.append("A/B 测试的最小样本以该测试各组合计打开率为基准估算；打开人数须在各组相同的读数时点"
                     "统计（如推送后 24 小时），由提供数据的一方保证。")
    if not sec.slots.empty and BASE_SLOT not in set(sec.slots["slot"]):
        notes.append("本月没有其他时段的发送作为基准，时段无法比较。")
    return list(dict.fromkeys(notes))
