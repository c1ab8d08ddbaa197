"""Section 02 用户行为路径深度解析, the words: the stage table's rows, narrative, data notes and
findings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from wxnb.kit import fmt
from wxnb.kit.findings import Finding
from wxnb.sections.s02_path.compute import (
    OTHER_MENU,
    PUSH_SCENE,
    SECTION,
    PathSection,
    Rate,
    Step,
    _menu_extremes,
    _menu_name,
    _step,
    _worse,
    _worst_form,
    biggest_leak,
    menu_table,
    rate,
)

__all__ = [
    "data_notes",
    "findings",
    "narrative",
    "summary_rows",
]

_FINDING_KEYS = {"open": "funnel_open", "deep": "funnel_deep", "convert": "funnel_convert"}
_STEP_RATE_NAMES = {"open": "推送打开率（人数）", "deep": "打开后深度互动率",
                    "convert": "深度互动后转化率"}


# --------------------------------------------------------------------------- text helpers


def _pct(v: float | None, digits: int = 1) -> str:
    return fmt.fmt_pct(v, digits) if v is not None else "—"


def _ci(s: Step) -> str:
    lo, hi = s.ci
    return "—" if math.isnan(lo) else f"{fmt.fmt_pct(lo, 1)}–{fmt.fmt_pct(hi, 1)}"


def _p(p: float | None) -> str:
    if p is None:
        return "—"
    return "p<0.001" if p < 0.001 else f"p={fmt.fmt_num(p, 3)}"


def _pp(diff: float | None) -> str:
    """A difference of two fractions as percentage points."""
    return fmt.fmt_pp(diff * 100, 1) if diff is not None else "—"


def _material_text(sec: PathSection) -> str:
    """The call-out threshold ``funnel_material_pp`` (a fraction) in percentage points."""
    return f"{sec.params.funnel_material_pp * 100:g} 个百分点"


def _mom_text(sec: PathSection, r: Rate | None) -> str:
    """环比 of a rate: the difference in percentage points, its p-value and the verdict."""
    if sec.prev is None:
        return "无上月数据"
    if r is None or r.diff is None:
        return "上月无可比数据"
    mark = "，显著" if r.notable else ("，差异不显著" if r.pvalue is not None and r.pvalue >= 0.05
                                        else "，变化小于点名阈值")
    return f"{_pp(r.diff)}（{_p(r.pvalue)}{mark}）"


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


def _trend(sec: PathSection, r: Rate | None, higher_better: bool) -> str:
    if sec.prev is None:
        return "无上月数据，本月作为基线"
    if r is None or r.diff is None:
        return "上月无可比数据，本月作为基线"
    if r.notable:
        word = "下降" if r.diff < 0 else "上升"
        keep = "，保持" if (r.diff > 0) == higher_better else ""
        return f"较上月显著{word} {fmt.fmt_num(abs(r.diff) * 100, 1)} 个百分点（{_p(r.pvalue)}）{keep}"
    return "较上月无显著且达到点名阈值的变化"


def _leak_clause(sec: PathSection, s: Step | None) -> str:
    leak = biggest_leak(sec.steps)
    if s is None or leak is None or leak[0].key != s.key:
        return ""
    return f"全漏斗最大流失环节（流失 {fmt.fmt_int(s.lost)} 人，占全部流失 {fmt.fmt_pct(leak[1], 1)}）；"


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
    return StageRow("曝光层", "推送到达率", r.value, f"{_pct(r.value)}（{fmt.fmt_int(r.k)} / {fmt.fmt_int(r.n)}）",
                    _mom_text(sec, r), f"{_trend(sec, r, True)}；{cause}{low}",
                    _worse(r, True))


def _template_row(sec: PathSection) -> StageRow | None:
    r = rate(sec, "template_block_rate")
    if r is None:
        return None
    delivered = sec.now.template_count("送达成功") / r.n
    return StageRow("曝光层", "模板消息拒收率", r.value, f"{_pct(r.value, 2)}（{fmt.fmt_int(r.k)} / {fmt.fmt_int(r.n)}）",
                    _mom_text(sec, r),
                    f"{_trend(sec, r, False)}；送达率 {_pct(delivered, 2)}，{fmt.fmt_int(r.k)} 条被用户拒收："
                    "模板消息只发服务通知并控制频次", _worse(r, False))


def _step_row(sec: PathSection, key: str, stage: str, metric: str, action: str) -> StageRow:
    s = _step(sec, key)
    if s is None or s.rate is None:
        return StageRow(stage, metric, None, "—", "—", "本月无法计算（见数据说明）", False)
    r, leak = s.as_rate(), _leak_clause(sec, s)
    return StageRow(stage, metric, s.rate, f"{_pct(s.rate)}（{fmt.fmt_int(s.users)} / {fmt.fmt_int(s.base)}）",
                    _mom_text(sec, r), f"{leak}{_trend(sec, r, True)}；{action}",
                    bool(leak) or _worse(r, True))


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
    return StageRow("点击层", "菜单使用率", r.value, f"{_pct(r.value, 2)}（{fmt.fmt_int(r.k)} / {fmt.fmt_int(r.n)}）",
                    _mom_text(sec, r), _trend(sec, r, True) + tail, _worse(r, True))


def _form_row(sec: PathSection) -> StageRow | None:
    r = rate(sec, "form_abandon_rate")
    if r is None:
        return None
    w = _worst_form(sec)
    return StageRow("转化层", "表单放弃率", r.value, f"{_pct(r.value)}（{fmt.fmt_int(r.k)} / {fmt.fmt_int(r.n)}）",
                    _mom_text(sec, r),
                    f"{_trend(sec, r, False)}；放弃率最高的表单「{w['form']}」"
                    f"{_pct(w['abandon_rate'])}（{fmt.fmt_int(int(w['viewers']))} 人打开）：精简填写项、"
                    "检查加载速度", _worse(r, False))


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


# --------------------------------------------------------------------------- narrative


def _funnel_sentence(sec: PathSection) -> str:
    if sec.now.opened == 0:
        return (f"本月没有从公众号消息打开文章的粉丝（article_read 且阅读场景为“{PUSH_SCENE}”），"
                "推送转化漏斗无法计算。")
    parts = []
    for s in sec.steps:
        if s.base is None:
            basis = "（单次群发最大 SentCount）" if s.key == "delivered" else ""
            parts.append(f"{s.name} {fmt.fmt_int(s.users)} 人{basis}")
        else:
            parts.append(f"{s.name} {fmt.fmt_int(s.users)} 人（环节转化率 {_pct(s.rate)}，95% 置信区间 "
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
    out = [(f"数据揭示 {fmt.fmt_pct(share, 1)} 的用户流失发生在「{s.label}」环节（流失 {fmt.fmt_int(s.lost)} 人，"
            f"全漏斗共流失 {fmt.fmt_int(total)} 人）。")]
    after = biggest_leak(sec.steps, after="open")
    if after is not None and after[0].key != s.key:
        a, a_share = after
        opened = _step(sec, "open")
        out.append(f"打开文章之后流失最多的是「{a.label}」（{fmt.fmt_int(a.lost)} 人，占打开后流失的 "
                   f"{fmt.fmt_pct(a_share, 1)}；打开的 {fmt.fmt_int(opened.users)} 人中最终转化 "  # type: ignore[union-attr]
                   f"{fmt.fmt_int(sec.steps[-1].users)} 人）。")
    return out


def _mom_sentence(sec: PathSection) -> str:
    if sec.prev is None:
        return "无上月事件日志，漏斗未做环比。"
    material = _material_text(sec)
    called = [s for s in sec.steps if s.notable]
    if not called:
        return (f"与上月相比，各环节转化率没有同时满足显著（p<0.05）且变化 ≥ {material}的变化。")
    items = [f"「{s.label}」{'下降' if (s.mom_pp or 0) < 0 else '上升'} "
             f"{fmt.fmt_num(abs(s.mom_pp or 0), 1)} 个百分点（{_pct(s.prev_rate)} → {_pct(s.rate)}，"
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
        off = (f"；{fmt.fmt_int(int(unknown['clicks'].sum()))} 次点击来自不在当前菜单中的 "
               f"{len(unknown)} 个 key（见表中“{OTHER_MENU}”）")
    per = f"{fmt.fmt_num(n.menu_clicks / n.menu_users, 2)}" if n.menu_users else "0"
    return (f"菜单使用率 {_pct(r.value, 2)}（本月点击菜单的 {fmt.fmt_int(r.k)} 人 ÷ 活跃粉丝 {fmt.fmt_int(r.n)} 人，"
            f"共 {fmt.fmt_int(n.menu_clicks)} 次点击，人均 {per} 次）{_mom_clause(sec, r)}{tail}{off}。")


def _form_sentence(sec: PathSection) -> str:
    if sec.now.forms.empty:
        return "本月事件日志中没有表单事件（form_view / form_submit），表单放弃率未追踪。"
    r = rate(sec, "form_abandon_rate")
    if r is None:
        return "本月只有表单提交、没有表单打开事件，放弃率无法计算。"
    w = _worst_form(sec)
    return (f"表单放弃率 {_pct(r.value)}（{fmt.fmt_int(r.k)} 人次打开未提交 ÷ {fmt.fmt_int(r.n)} 人次打开，按粉丝 × "
            f"表单计）{_mom_clause(sec, r)}；放弃率最高的是表单「{w['form']}」"
            f"（{_pct(w['abandon_rate'])}，{fmt.fmt_int(int(w['viewers']))} 人打开）。")


def _push_sentence(sec: PathSection) -> str:
    n, out = sec.now, []
    r = rate(sec, "push_arrival_rate")
    if r is None:
        out.append("本月没有群发结果事件（MASSSENDJOBFINISH），推送到达率无法计算。")
    else:
        t = n.pushes[["total", "filter", "error"]].sum()
        out.append(f"本月群发 {len(n.pushes)} 次，推送到达率 {_pct(r.value)}（Σ SentCount "
                   f"{fmt.fmt_int(r.k)} ÷ Σ TotalCount {fmt.fmt_int(r.n)}）{_mom_clause(sec, r)}；被过滤 "
                   f"{fmt.fmt_int(int(t['total'] - t['filter']))} 人次、发送失败 {fmt.fmt_int(int(t['error']))} 人次。")
    b = rate(sec, "template_block_rate")
    if b is not None:
        ok = n.template_count("送达成功")
        out.append(f"模板消息 {fmt.fmt_int(b.n)} 条：送达率 {_pct(ok / b.n, 2)}，用户拒收率 "
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
        notes.append(f"从公众号消息打开的 {fmt.fmt_int(n.opened)} 人多于单次群发最大送达 {fmt.fmt_int(n.delivered)} 人"
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
        notes.append(f"{fmt.fmt_int(int(n.forms['submit_no_view'].sum()))} 人次提交了表单但本月没有打开记录"
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
                     f"{fmt.fmt_num(abs(r.diff or 0) * 100, 1)} 个百分点（{_p(r.pvalue)}）")
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
            f"{s.label} 环节转化率 {text}（{fmt.fmt_int(r.k)} / {fmt.fmt_int(r.n)}，95% 置信区间 {_ci(s)}）",
            {"ci": list(s.ci)}))
    leak = biggest_leak(sec.steps)
    if leak is not None:
        s, share = leak
        out.append(Finding(
            section=SECTION[0], section_title=SECTION[1], metric="biggest_leak",
            name="漏斗最大流失环节", status="提示",
            evidence=f"{fmt.fmt_pct(share, 1)} 的用户流失发生在「{s.label}」环节（流失 {fmt.fmt_int(s.lost)} 人，"
                     f"环节转化率 {_pct(s.rate)}）",
            value=share, value_text=f"{fmt.fmt_pct(share, 1)}", kind="event",
            extra={"step": s.key, "label": s.label, "lost": s.lost, "rate": s.rate}))
    n = sec.now
    specs = (
        ("menu_usage_rate", "菜单使用率", 2, True,
         lambda r: f"菜单使用率 {_pct(r.value, 2)}（{fmt.fmt_int(r.k)} / 活跃粉丝 {fmt.fmt_int(r.n)}）"),
        ("form_abandon_rate", "表单放弃率", 1, False,
         lambda r: f"表单放弃率 {_pct(r.value)}（{fmt.fmt_int(r.k)} / {fmt.fmt_int(r.n)} 人次打开未提交）"),
        ("push_arrival_rate", "推送到达率", 1, True,
         lambda r: f"推送到达率 {_pct(r.value)}（{len(n.pushes)} 次群发，SentCount {fmt.fmt_int(r.k)} / "
                   f"TotalCount {fmt.fmt_int(r.n)}）"),
        ("template_block_rate", "模板消息拒收率", 2, False,
         lambda r: f"模板消息拒收率 {_pct(r.value, 2)}（{fmt.fmt_int(r.k)} / {fmt.fmt_int(r.n)} 条）"),
    )
    for metric, name, digits, higher_better, evidence in specs:
        r = rate(sec, metric)
        if r is not None:
            out.append(_rate_finding(sec, metric, name, r, _pct(r.value, digits),
                                     higher_better, evidence(r), {}))
    return out
