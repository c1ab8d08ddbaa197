"""Section 09 裂变活动复盘, the words: findings, narrative and data notes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from wxnb.io.fission import PARTICIPANTS_FILE
from wxnb.kit import fmt
from wxnb.kit.findings import Finding
from wxnb.sections.s09_fission.compute import (
    SECTION,
    Campaign,
    change_text,
    FissionSection,
    kind_label,
    retention_text,
    short,
    yuan,
)

__all__ = ["data_notes", "findings", "narrative"]

# A 高 risk is a full miss and ranks first among the section's points; a 中 one half of it.
_RISK_STATUS = {"高": ("未达标", 1.0), "中": ("预警", 0.5), "低": ("达标", 0.0)}
_RISK_VALUE = {"高": 3.0, "中": 2.0, "低": 1.0}


def _q(c: Campaign) -> str:
    return f"「{short(c.name, 16)}」"


# --------------------------------------------------------------------------- phrases


def _cac_relation(c: Campaign) -> str:
    if c.bench is None or c.cac is None:
        return ""
    if c.cac < c.bench.cac_low:
        return "低于区间下限"
    if c.cac <= c.bench.cac_high:
        return "在经验区间内"
    return f"高出上限 {fmt.fmt_pct(c.cac_gap)}"


def _bench_range(c: Campaign) -> str:
    assert c.bench is not None
    return f"{yuan(c.bench.cac_low)}–{yuan(c.bench.cac_high)} 元/人"


def _cac_evidence(c: Campaign) -> str:
    if c.new_users == 0:
        return f"{_q(c)}花费 {fmt.fmt_money(c.cost)}，没有新增{c.unit}"
    head = (f"{_q(c)}平均获客成本 {yuan(c.cac)} 元/人（成本 {fmt.fmt_money(c.cost)} ÷ 新增{c.unit} "
            f"{fmt.fmt_int(c.new_users)} 人）")
    if c.bench is None:
        return f"{head}，{kind_label(c.kind)}的行业经验值未配置"
    return f"{head}，{kind_label(c.kind)}行业经验值 {_bench_range(c)}，{_cac_relation(c)}"


def _ret_relation(c: Campaign) -> str:
    assert c.retention is not None and c.retention.rate is not None and c.bench is not None
    b = c.bench.day1_retention
    assert b is not None
    diff = (c.retention.rate - b) * 100
    if diff >= 0:
        return f"高出经验值 {fmt.fmt_num(diff, 1)} 个百分点"
    return f"低于经验值 {fmt.fmt_num(-diff, 1)} 个百分点"


def _ret_evidence(c: Campaign) -> str:
    r = c.retention
    assert r is not None and r.rate is not None
    lo, hi = r.ci
    cens = f"，另有 {fmt.fmt_int(r.censored)} 人于数据截止日加入未计入" if r.censored else ""
    head = (f"{_q(c)}次日留存 {retention_text(r)}（95% 置信区间 {fmt.fmt_pct(lo)}–{fmt.fmt_pct(hi)}，"
            f"可观察 {fmt.fmt_int(r.eligible)} 人{cens}）")
    if c.bench is None or c.bench.day1_retention is None:
        return f"{head}，{kind_label(c.kind)}的行业经验值未配置"
    return (f"{head}，{kind_label(c.kind)}行业经验值 {fmt.fmt_pct(c.bench.day1_retention, 0)}，"
            f"{_ret_relation(c)}")


def _risk_evidence(c: Campaign, sources: dict[str, str]) -> str:
    if not c.fired:
        return f"{_q(c)}未命中已记录的合规规则，风险等级低"
    docs = list(dict.fromkeys(b for r in c.fired for b in r.basis))
    named = "、".join(d for d in docs if d in sources)
    seed = ""
    if c.bench is not None and c.bench.risk:
        seed = f"；{kind_label(c.kind)}的行业经验等级为{c.bench.risk}"
    return (f"{_q(c)}合规风险等级{c.risk}：命中{'、'.join(r.name for r in c.fired)}"
            f"（依据：{named}）{seed}")


# --------------------------------------------------------------------------- findings


def _f(c: Campaign | None, metric: str, name: str, status: str, evidence: str,
       extra: dict[str, Any] | None = None, **kw: Any) -> Finding:
    extra = dict(extra or {})
    if c is not None:
        extra |= {"campaign_id": c.id, "campaign_type": c.kind}
    return Finding(section=SECTION[0], section_title=SECTION[1], metric=metric, name=name,
                   status=status, evidence=evidence, extra=extra, **kw)


def _total_finding(sec: FissionSection) -> Finding | None:
    t = sec.totals
    if t.new_users is None:
        return None
    parts = []
    if t.new_follow:
        parts.append(f"新增公众号关注 {fmt.fmt_int(t.new_follow)} 人")
    if t.new_wecom:
        parts.append(f"企业微信好友 {fmt.fmt_int(t.new_wecom)} 人")
    got = "、".join(parts) or "没有新增关注或好友"
    mom = sec.mom.new_users if sec.mom else None
    phrase = mom.phrase() if mom else ""
    cac = f"，平均获客成本 {yuan(t.cac)} 元/人" if t.cac is not None else ""
    evidence = (f"本月 {t.campaigns} 个裂变活动{got}，总成本 {fmt.fmt_money(t.cost)}{cac}"
                f"{phrase}")
    return _f(None, "fission_new_users", "裂变新增用户", "未设目标", evidence,
              value=float(t.new_users), value_text=fmt.fmt_count(t.new_users, " 人"),
              mom=mom.value if mom else None, mom_text=change_text(mom), kind="kpi")


def findings(sec: FissionSection) -> list[Finding]:
    """Per campaign: CAC and day-1 retention against its type's benchmark, the compliance
    level (an event); and the month's new users (no target)."""
    out: list[Finding] = []
    total = _total_finding(sec)
    if total is not None:
        out.append(total)
    for c in sec.campaigns:
        if c.new_users is not None and c.cac_status != "未提供":
            b = c.bench
            out.append(_f(c, "fission_cac", f"获客成本（{short(c.name, 12)}）", c.cac_status,
                          _cac_evidence(c), value=c.cac,
                          value_text=f"{yuan(c.cac)} 元/人" if c.cac is not None else "无新增",
                          target=b.cac_high if b else None,
                          target_text=f"≤ {yuan(b.cac_high)} 元/人" if b else "未配置",
                          benchmark=b.cac_high if b else None, gap=c.cac_gap, kind="kpi",
                          extra={"higher_better": False}))
        if c.ret_status in ("达标", "预警", "未达标", "未设目标"):
            b = c.bench
            d1 = b.day1_retention if b else None
            r = c.retention
            assert r is not None
            out.append(_f(c, "fission_day1_retention", f"次日留存（{short(c.name, 12)}）",
                          c.ret_status, _ret_evidence(c), value=r.rate,
                          value_text=retention_text(r), target=d1,
                          target_text=fmt.fmt_pct(d1, 0) if d1 is not None else "未配置",
                          benchmark=d1, gap=c.ret_gap, kind="kpi",
                          extra={"eligible": r.eligible, "censored": r.censored,
                                 "ci": list(r.ci), "higher_better": True}))
        status, gap = _RISK_STATUS[c.risk]
        out.append(_f(c, "fission_compliance", f"合规风险（{short(c.name, 12)}）", status,
                      _risk_evidence(c, sec.book.sources), value=_RISK_VALUE[c.risk],
                      value_text=c.risk, gap=gap, kind="event",
                      extra={"rules": [r.id for r in c.fired]}))
    return out


# --------------------------------------------------------------------------- narrative


def _overview(sec: FissionSection) -> str:
    t = sec.totals
    kinds = Counter(c.kind for c in sec.campaigns)
    mix = "、".join(f"{k} {n} 个" for k, n in kinds.most_common())
    people = f"参与 {fmt.fmt_int(t.participants)} 人，" if t.participants is not None else ""
    if t.new_users is None:
        return (f"本月共 {t.campaigns} 个裂变活动（{mix}），总成本 {fmt.fmt_money(t.cost)}；"
                f"参与与新增人数未提供（需 {PARTICIPANTS_FILE} 或活动表的汇总列）。")
    got = []
    if t.new_follow:
        got.append(f"新增公众号关注 {fmt.fmt_int(t.new_follow)} 人")
    if t.new_wecom:
        got.append(f"新增企业微信好友 {fmt.fmt_int(t.new_wecom)} 人")
    phrase = sec.mom.new_users.phrase() if sec.mom else ""
    return (f"本月共 {t.campaigns} 个裂变活动（{mix}），{people}{'、'.join(got) or '没有新增'}"
            f"{phrase}，总成本 {fmt.fmt_money(t.cost)}，平均获客成本 {yuan(t.cac)} 元/人。")


def _cac_sentence(sec: FissionSection) -> str:
    items = []
    for c in sec.campaigns:
        if c.cac is None:
            continue
        if c.bench is None:
            items.append(f"{_q(c)}{yuan(c.cac)} 元/人（{kind_label(c.kind)}未配置经验值）")
        else:
            items.append(f"{_q(c)}{yuan(c.cac)} 元/人（{kind_label(c.kind)} {_bench_range(c)}，"
                         f"{_cac_relation(c)}，{c.cac_status}）")
    if not items:
        return ""
    source = sec.params.fission_benchmark_source or "未注明出处"
    return f"获客成本对照同类型行业经验值（{source}）：" + "；".join(items) + "。"


def _retention_sentence(sec: FissionSection) -> str:
    with_ret = [c for c in sec.campaigns
                if c.retention is not None and c.retention.rate is not None]
    if not with_ret:
        return f"次日留存未提供（需 {PARTICIPANTS_FILE} 的 left_at 列：取关或删除好友的时间）。"
    items = []
    for c in with_ret:
        r = c.retention
        assert r is not None
        lo, hi = r.ci
        judged = c.ret_status if c.ret_status != "未设目标" else "未配置经验值"
        vs = ""
        if c.bench is not None and c.bench.day1_retention is not None and \
                c.ret_status in ("达标", "预警", "未达标"):
            vs = f"，经验值 {fmt.fmt_pct(c.bench.day1_retention, 0)}"
        items.append(f"{_q(c)}{retention_text(r)}（{fmt.fmt_pct(lo)}–{fmt.fmt_pct(hi)}{vs}，"
                     f"{judged}）")
    cens = sum(c.retention.censored for c in with_ret if c.retention)
    tail = (f"数据截止日当天加入的 {fmt.fmt_int(cens)} 人次日尚未结束，未计入分母。"
            if cens else "")
    return ("次日留存（新增用户到加入次日结束时仍未取关或删除好友的比例，括号内为 95% 置信区间）："
            + "；".join(items) + "。" + tail)


def _tree_sentence(sec: FissionSection) -> str:
    with_tree = [c for c in sec.campaigns if c.tree is not None and c.tree.participants]
    if not with_tree:
        return ""
    trees = [(c, c.tree) for c in with_tree if c.tree is not None]
    deepest, t = max(trees, key=lambda ct: (ct[1].max_depth, ct[1].deep_share or 0))
    items = [f"{_q(c)}最深 {tr.max_depth} 层、二级及以上占 {fmt.fmt_pct(tr.deep_share)}、"
             f"K 值 {fmt.fmt_num(tr.k_factor, 2)}" for c, tr in trees]
    return ("分享裂变层级：" + "；".join(items) + f"。传播最远的是{_q(deepest)}，平均每位邀请者带来 "
            f"{fmt.fmt_num(t.per_inviter, 1)} 人，参与人数是种子用户的 {fmt.fmt_num(t.multiple, 1)} 倍；"
            "K 值为平均每位参与者带来的下一层人数（不计最深一层，其下线在数据之外）：低于 1 时平均"
            "每层比上一层少、传播逐层衰减，要靠种子用户的投放维持；高于 1 时逐层放大。")


def _risk_sentence(sec: FissionSection) -> str:
    high = [c for c in sec.campaigns if c.risk == "高"]
    mid = [c for c in sec.campaigns if c.risk == "中"]
    parts = []
    for group, word in ((high, "高风险"), (mid, "中风险")):
        if group:
            parts.append("、".join(f"{_q(c)}（{'、'.join(r.name for r in c.fired)}）"
                                   for c in group) + f"判为{word}")
    low = len(sec.campaigns) - len(high) - len(mid)
    if low:
        parts.append(f"其余 {low} 个活动未命中已记录的规则")
    differ = [(c, c.bench.risk) for c in sec.campaigns
              if c.bench and c.bench.risk and c.bench.risk != c.risk]
    tail = ""
    if differ:
        tail = "与行业经验等级不同的：" + "、".join(
            f"{_q(c)}按机制为{c.risk}（{kind_label(c.kind)}经验等级{seed}）" for c, seed in differ
        ) + "，以按机制判定的等级为准。"
    return "合规：" + "；".join(parts) + "。" + tail


def _mom_sentence(sec: FissionSection) -> str:
    if sec.mom is None or sec.prev_totals is None:
        return ""
    now, before, m = sec.totals, sec.prev_totals, sec.mom
    cac = ""
    if m.cac is not None:
        cac = (f"，平均获客成本由 {yuan(before.cac)} 元/人变为 {yuan(now.cac)} 元/人"
               f"（{fmt.fmt_signed_pct(m.cac)}）")
    ret = ""
    if m.retention.value is not None:
        ret = (f"，次日留存由 {retention_text(before.retention)} 变为 "
               f"{retention_text(now.retention)}（{fmt.fmt_pp(m.retention.value)}）")
    return (f"与上月相比：活动由 {before.campaigns} 个变为 {now.campaigns} 个，新增由 "
            f"{fmt.fmt_int(before.new_users)} 人变为 {fmt.fmt_int(now.new_users)} 人"
            f"{m.new_users.phrase()}{cac}{ret}。")


def narrative(sec: FissionSection) -> list[str]:
    """The paragraphs of 详细结论, every figure computed from ``sec``."""
    parts = [_overview(sec), _cac_sentence(sec), _retention_sentence(sec), _tree_sentence(sec),
             _risk_sentence(sec), _mom_sentence(sec)]
    return [p for p in parts if p]


def data_notes(sec: FissionSection) -> list[str]:
    """Caveats: inputs, censoring, the previous month, the benchmarks' and the rules' limits."""
    notes = list(sec.inputs.notes) + list(sec.notes)
    if sec.prev_note:
        notes.append(sec.prev_note)
    source = sec.params.fission_benchmark_source or "未注明出处"
    configured = "、".join(sec.params.fission_benchmarks) or "无"
    notes.append(f"行业经验值（{configured}）来自 {source}；文章未说明样本、时期与次日留存的口径"
                 "（仍关注还是次日活跃），对照仅作方向参考，未列出的类型显示未配置。")
    notes.append("次日留存按“加入次日结束时仍未取关或删除好友”计（wechat-analytics-methods §4.3），"
                 "数据截止日当天加入的用户不计入分母（右删失），区间为 Wilson 95% 区间。")
    notes.append("获客成本按活动表的 cost_yuan（奖品、工具与投放的全部成本）计；跨月活动的成本与人数"
                 "均按整个活动计，不按月分摊。")
    notes.append("合规风险只检查活动表填写的机制字段，不审查文案、海报与落地页；“低”表示未命中已记录的"
                 "规则，不等于通过法务审核；企业微信加好友按公众号关注的同一原则判断。")
    return list(dict.fromkeys(notes))
