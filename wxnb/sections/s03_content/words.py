"""Section 03 内容传播效能对比分析, the words: narrative, data notes, phrases and findings."""

from __future__ import annotations

from typing import Any

import pandas as pd

from wxnb.kit import fmt
from wxnb.kit.compare import change
from wxnb.kit.findings import Finding
from wxnb.sections.s03_content.compute import (
    ALPHA,
    MIN_GROUP,
    MIN_HOUR_PUSHES,
    ORDERS_FILE,
    PLAN_FILE,
    SECTION,
    TOTAL,
    TRACK_DAYS,
    UNTYPED,
    WEEKDAYS,
    Attribution,
    ContentSection,
    ViralRule,
    _best_feature,
    _roi_types,
    _typed,
)

__all__ = [
    "data_notes",
    "findings",
    "narrative",
    "ratio_text",
]


# --------------------------------------------------------------------------- phrases


def ratio_text(x: float | None) -> str:
    """The seed's 投入产出比 (cost : revenue) as ``1:x``."""
    if x is None or pd.isna(x):
        return "—"
    return f"1:{fmt.fmt_int(x)}" if x >= 10 else f"1:{fmt.fmt_num(x, 1)}"


def _pp(now: float, before: float) -> str:
    """A rate's 环比 in percentage points (the one rule of ``wxnb.kit.compare``); — when either
    month has no rate."""
    if pd.isna(now) or pd.isna(before):
        return "—"
    return fmt.fmt_pp(change("rate", now, before).value)


# --------------------------------------------------------------------------- narrative


def _published(sec: ContentSection) -> str:
    """本月群发图文 32 篇, or with 2025 data 本月发表 40 篇（通知粉丝 32 篇）."""
    a = sec.articles
    pushed = int(a["notified"].astype(bool).sum()) if "notified" in a else len(a)
    if pushed == len(a):
        return f"本月群发图文 {len(a)} 篇"
    return f"本月发表 {len(a)} 篇（通知粉丝 {pushed} 篇）"


def _matrix_sentences(sec: ContentSection) -> list[str]:
    a, m = sec.articles, sec.matrix
    if m is None:
        unit = "次推送" if _published(sec).startswith("本月群发") else "次发表"
        return [(f"{_published(sec)}（{a['push'].nunique()} {unit}）；未提供内容计划"
                f"（{PLAN_FILE}），无法按内容形式比较传播与转化，以下按文章分析。")]
    typed = _typed(sec)
    untyped = int((a["content_type"] == UNTYPED).sum())
    out = [f"{_published(sec)}，内容计划标注了 {len(typed)} 种内容形式"
           + (f"，{untyped} 篇未在计划中（未分类）" if untyped else "") + "。"]
    roi = _roi_types(sec)
    if sec.orders is None:
        out.append(f"未提供订单数据（{ORDERS_FILE}），转化率与 ROI 无法计算。")
    elif len(roi):
        best = roi.iloc[0]
        text = (f"按末次触点归因的订单收入计算，{roi.index[0]}类内容投入产出比最高，达 "
                f"{ratio_text(best['ratio'])}（收入 {fmt.fmt_money(best['revenue'])}，成本 "
                f"{fmt.fmt_money(best['cost'])}，ROI {fmt.fmt_pct(best['roi'], 0)}）")
        if len(roi) > 1:
            worst = roi.iloc[-1]
            word = "远高于" if worst["ratio"] > 0 and best["ratio"] >= 2 * worst["ratio"] \
                else "高于"
            text += f"，{word}{roi.index[-1]}类的 {ratio_text(worst['ratio'])}"
            if worst["roi"] < 0:
                text += "（收入低于成本）"
        out.append(text + "。")
    else:
        out.append("各内容形式均无成本记录，无法计算 ROI。")
    share = typed[typed["share_rate"].notna()]
    if len(share) > 1:
        low = share["share_rate"].idxmin()
        r = share.loc[low]
        text = (f"{low}读者分享率最低（{fmt.fmt_pct(r['share_rate'], 2)}，全部文章为 "
                f"{fmt.fmt_pct(m.loc[TOTAL, 'share_rate'], 2)}，阅读中位数 "
                f"{fmt.fmt_int(r['reads_median'])}）")
        per_article = (share["cost"] / share["cost_articles"].where(share["cost_articles"] > 0))
        if per_article.notna().sum() > 1 and per_article.idxmin() == low:
            text += f"；其单篇成本也最低（{fmt.fmt_money(per_article[low])}），成本低但传播力不足"
        out.append(text + "。")
    return out


def _attribution_sentence(sec: ContentSection) -> str:
    att = sec.attribution
    if att is None or not att.orders:
        return ""
    text = (f"本月订单 {fmt.fmt_int(att.orders)} 笔、金额 {fmt.fmt_money(att.revenue)}，按订单记录的 "
            f"msgid（末次触点）归因到本月文章 {fmt.fmt_money(att.attributed_revenue)}")
    share = att.unattributed_share
    if share:
        text += f"，未归因 {fmt.fmt_pct(share)}（{_unattributed_parts(att)}）"
    return text + "。"


def _unattributed_parts(att: Attribution) -> str:
    parts = []
    if att.no_msgid_orders:
        parts.append(f"无 msgid {fmt.fmt_int(att.no_msgid_orders)} 笔 {fmt.fmt_money(att.no_msgid_revenue)}")
    if att.outside_orders:
        parts.append(f"指向 {att.outside_msgids} 篇本月之外文章的 {fmt.fmt_int(att.outside_orders)} 笔 "
                     f"{fmt.fmt_money(att.outside_revenue)}")
    return "；".join(parts)


def _viral_sentence(sec: ContentSection) -> str:
    rule, a = sec.rule, sec.articles
    if not rule.applicable:
        return rule.text() + "。"
    v = a[a["viral"]].sort_values("reads", ascending=False)
    if v.empty:
        return (f"按爆款规则（阅读 ≥ 中位数 × {rule.multiple:g} 或超出 Q3 + 1.5·IQR，且读者分享率 ≥ "
                f"P75 {fmt.fmt_pct(rule.share_p75, 2)}），本月没有爆款文章。")
    items = [_viral_item(r, rule) for _, r in v.iterrows()]
    return f"本月 {len(v)} 篇文章达到爆款标准：" + "；".join(items) + "。"


def _viral_item(r: pd.Series, rule: ViralRule) -> str:
    times = f"，为中位数的 {fmt.fmt_num(r['reads'] / rule.median, 1)} 倍" if rule.median else ""
    kind = f"（{r['content_type']}）" if r["content_type"] != UNTYPED else ""
    text = (f"《{r['title']}》{kind}阅读 {fmt.fmt_int(r['reads'])} 人{times}，读者分享率 "
            f"{fmt.fmt_pct(r['share_rate'], 2)}")
    if not pd.isna(r["share_driven"]):
        text += f"，分享带来的阅读（聊天会话 + 朋友圈）占 {fmt.fmt_pct(r['share_driven'])}"
    if r["driver"]:
        text += (f"，主要增量来自{r['driver']}（占 {fmt.fmt_pct(r['driver_share'])}，本月文章中位 "
                 f"{fmt.fmt_pct(r['driver_usual'])}）")
    return text


def _open_sentence(sec: ContentSection) -> str:
    o, q = sec.opens, sec.prev_opens
    if not o.pushes:
        return ""
    text = f"本月 {o.pushes} 次推送，头条打开率 {fmt.fmt_pct(o.head, 2)}"
    if q is not None and not pd.isna(q.head) and not pd.isna(o.head):
        text += f"（环比 {_pp(o.head, q.head)}）"
    if o.secondary_articles and not pd.isna(o.secondary):
        text += f"，次条及以后 {fmt.fmt_pct(o.secondary, 2)}"
        if o.secondary:
            text += f"，头条是其 {fmt.fmt_num(o.head / o.secondary, 1)} 倍"
    else:
        text += "，本月推送均为单篇"
    return text + "（打开率 = 公众号消息阅读人数 ÷ 送达人数）。"


def _hours_sentence(sec: ContentSection) -> str:
    h = sec.hours
    if h is None:
        if sec.article_api == "2025":
            return "微信 2025 年起的发表内容接口不提供分时阅读数据，无法分析阅读时段。"
        return "未提供图文阅读分时数据（getuserreadhour），无法分析阅读时段。"
    tops = h.top_hours(3)
    wd, hour, value = h.best_cell()
    hours = "、".join(f"{x} 时（日均 {fmt.fmt_int(h.hourly[x])} {h.unit}）" for x in tops)
    where = "" if h.unit == "人" else "（事件日志中的阅读次数：微信 2025 年起不提供分时阅读数据）"
    return (f"阅读最集中的时段是 {hours}{where}；按星期看最高为{WEEKDAYS[wd]} {hour} 时（平均 "
            f"{fmt.fmt_int(value)} {h.unit}）。这是读者阅读的时间，受推送时间影响，不等于最佳推送时间。")


def _push_hours_sentence(sec: ContentSection) -> str:
    ph = sec.push_hours
    if ph is None or ph.by_hour.empty:
        return ("没有事件日志中的群发结果事件，无法比较不同推送时刻的 24 小时打开率，"
                "最佳推送时间暂不能判断。")
    parts = "；".join(f"{int(h)} 时 {int(r['pushes'])} 次、中位数 {fmt.fmt_pct(r['rate_median'], 2)}"
                     for h, r in ph.by_hour.sort_values("pushes", ascending=False).iterrows())
    text = f"按推送时刻比较 24 小时打开率（推送后 24 小时内从公众号消息打开的粉丝 ÷ 送达人数）：{parts}。"
    best = ph.best()
    adjust = "按头条内容形式调整后，" if ph.adjusted else ""
    if best is None:
        return text + (f"推送 ≥ {MIN_HOUR_PUSHES} 次的时刻不足 2 个，无法判断最佳推送时间；"
                       "可在后续月份轮换推送时刻再比较。")
    hour, r = best
    verdict = (f"差异显著（Kruskal-Wallis p = {fmt.fmt_num(ph.p_value, 3)}），可把更多推送安排在 {hour} 时前后"
               if ph.significant else
               f"但各时刻差异不显著（Kruskal-Wallis p = {fmt.fmt_num(ph.p_value, 3)}），现有数据不支持调整推送时间")
    return (text + f"{adjust}{hour} 时推送的打开率指数最高（中位数 {fmt.fmt_num(r['index_median'], 2)}，"
            f"{int(r['pushes'])} 次），{verdict}；每个时刻只有几次推送，宜合并 3–6 个月再下结论。")




def _title_sentence(sec: ContentSection) -> str:
    if sec.articles.empty:
        return ""
    r = _best_feature(sec)
    if r is None:
        return (f"标题特征（数字、问号、感叹号、【】、emoji、长度）的各组样本不足（每组需 ≥"
                f"{MIN_GROUP} 篇），本月不对标题下结论。")
    word = "高" if r["diff"] > 0 else "低"
    verdict = (f"差异显著（Holm 校正 p = {fmt.fmt_num(r['p_holm'], 3)}）" if r["p_holm"] < ALPHA
               else f"但差异不显著（Holm 校正 p = {fmt.fmt_num(r['p_holm'], 3)}），仅供参考")
    return (f"标题特征中差异最大的是“{r['feature']}”：有此特征的 {r['n_with']} 篇打开率中位数 "
            f"{fmt.fmt_pct(r['rate_with'], 2)}，无此特征的 {r['n_without']} 篇为 "
            f"{fmt.fmt_pct(r['rate_without'], 2)}，按位置调整后的打开率指数{word} "
            f"{fmt.fmt_pct(abs(r['diff']), 1)}，{verdict}。")


def narrative(sec: ContentSection) -> list[str]:
    """The seed-style paragraphs, every figure computed from ``sec``."""
    if sec.articles.empty:
        return ["本月没有图文群发数据，无法分析内容传播效能。"]
    parts = [*_matrix_sentences(sec), _attribution_sentence(sec), _viral_sentence(sec),
             _open_sentence(sec), _hours_sentence(sec), _push_hours_sentence(sec),
             _title_sentence(sec)]
    return [p for p in parts if p]


def data_notes(sec: ContentSection) -> list[str]:
    """口径, matching and attribution caveats, and what the data does not give."""
    notes = list(sec.notes)
    if sec.prev_note:
        notes.append(sec.prev_note)
    if sec.article_api == "2025":
        notes.append("文章数据来自 2025 发表内容接口：发表内容详细数据（getarticletotaldetail）为自"
                     "发表日起的累计值，每篇文章取最后一个 stat_date 的数值，不把每日行相加；该接口只"
                     "统计人数（阅读人数、分享人数），不提供次数；打开率只计已通知粉丝的发表，送达人数"
                     "取自群发结果（MASSSENDJOBFINISH）。")
    else:
        notes.append("图文群发总数据（getarticletotal）为自推送日起的累计值：每篇文章取最后一个 "
                     "stat_date 的数值，不把每日行相加。")
    young = sec.articles[sec.articles["days_tracked"] < TRACK_DAYS]
    if len(young):
        notes.append(f"{len(young)} 篇文章数据不足 {TRACK_DAYS} 天（多为月末推送），阅读仍在累积，"
                     "数值偏低。")
    notes.append("阅读来源：同一读者可经多个场景进入，各来源人数之和大于阅读人数；来源只按占阅读人数"
                 "的比例展示，从不相加作总数。“分享带来的阅读”= 聊天会话 + 朋友圈，两者可能重叠，"
                 "是上限估计。")
    notes.extend(_plan_notes(sec))
    notes.extend(_order_notes(sec))
    notes.append(sec.rule.text() + "。")
    if sec.hours is not None:
        notes.append("阅读分时热力图只用 user_source = 99999999（全部）的行；某天缺少的小时按 0 人计。")
    ph = sec.push_hours
    if ph is not None and ph.unmatched:
        notes.append(f"{len(ph.unmatched)} 次推送（{'、'.join(ph.unmatched)}）在事件日志中找不到唯一对应的"
                     "群发结果事件（MsgID 不同且当天群发或事件不止一个），不参与推送时刻比较。")
    notes.append("标题特征为相关分析：同月文章的选题、位置、推送日不同，差异不代表因果；样本不足时"
                 "不下结论。")
    return list(dict.fromkeys(notes))


def _plan_notes(sec: ContentSection) -> list[str]:
    pm = sec.plan
    if not pm.has_plan:
        return [f"未提供内容计划（{PLAN_FILE}）：所有文章为未分类，成本与 ROI 不可用。"]
    out = list(pm.problems)
    a = pm.articles
    by = a["matched_by"].value_counts()
    out.append(f"内容计划匹配：按 msgid {by.get('msgid', 0)} 篇、按推送日期+标题 "
               f"{by.get('日期+标题', 0)} 篇，未分类 {int((a['content_type'] == UNTYPED).sum())} 篇。")
    for r in pm.unmatched.to_dict("records"):
        what = r["msgid"] or f"{r['date']}《{r['title']}》"
        cost = pd.to_numeric(pd.Series([r["cost"]]), errors="coerce").iloc[0]
        cost_text = f"，成本 {fmt.fmt_money(cost)} 未计入" if not pd.isna(cost) and cost else ""
        out.append(f"{PLAN_FILE} {r['row']}（{what}，{r['content_type']}）未匹配到文章："
                   f"{r['reason']}{cost_text}。")
    return out


def _order_notes(sec: ContentSection) -> list[str]:
    att = sec.attribution
    if att is None:
        return [f"未提供订单数据（{ORDERS_FILE}）：转化率、归因收入与 ROI 显示为未提供。"]
    out = [("收入归因：末次触点，以订单记录的 msgid（业务系统记录的最后一次触达文章）为准；无 msgid "
            "或 msgid 不是本月推送文章的订单不归因到内容形式。转化率 = 归因下单人数（同一内容形式内"
            "去重）÷ 各文章阅读人数之和（跨文章未去重），偏保守。")]
    if att.orders and att.unattributed_share:
        out.append(f"未归因收入占 {fmt.fmt_pct(att.unattributed_share)}：{_unattributed_parts(att)}。")
    if att.before_push:
        out.append(f"{att.before_push} 笔订单早于其归因文章的推送日期，请核对订单的 msgid。")
    return out


# --------------------------------------------------------------------------- findings


def _finding(**kw: Any) -> Finding:
    return Finding(section=SECTION[0], section_title=SECTION[1], **kw)


def _roi_findings(sec: ContentSection) -> list[Finding]:
    roi = _roi_types(sec)
    if sec.orders is None or roi.empty:
        return []
    best = roi.iloc[0]
    name = str(roi.index[0])
    out = [_finding(
        metric="content_roi_best", name="ROI 最高的内容形式", status="提示",
        evidence=(f"{name}类内容投入产出比 {ratio_text(best['ratio'])}（收入 "
                  f"{fmt.fmt_money(best['revenue'])}，成本 {fmt.fmt_money(best['cost'])}），为 "
                  f"{len(roi)} 种有成本的内容形式中最高"),
        value=float(best["ratio"]), value_text=f"{name} {ratio_text(best['ratio'])}",
        extra={"content_type": name, "roi": float(best["roi"]),
               "articles": int(best["articles"]),
               "ranking": {str(k): float(v) for k, v in roi["ratio"].items()}})]
    losing = roi[roi["roi"] < 0]
    if len(losing):
        items = "、".join(f"{k}（{ratio_text(r['ratio'])}）" for k, r in losing.iterrows())
        worst = losing.iloc[-1]
        out.append(_finding(
            metric="content_roi_negative", name="收入低于成本的内容形式", status="预警",
            evidence=f"{items} 的归因收入低于成本投入",
            value=float(worst["roi"]), value_text=fmt.fmt_pct(worst["roi"], 0),
            gap=float(-worst["roi"]),
            extra={"content_types": [str(k) for k in losing.index]}))
    return out


def _share_finding(sec: ContentSection) -> list[Finding]:
    typed = _typed(sec)
    typed = typed[typed["share_rate"].notna()] if len(typed) else typed
    if len(typed) < 2:
        return []
    low = str(typed["share_rate"].idxmin())
    r, overall = typed.loc[low], float(sec.matrix.loc[TOTAL, "share_rate"])  # type: ignore[union-attr]
    return [_finding(
        metric="content_share_rate_lowest", name="读者分享率最低的内容形式", status="提示",
        evidence=(f"{low}读者分享率 {fmt.fmt_pct(r['share_rate'], 2)}，全部文章 "
                  f"{fmt.fmt_pct(overall, 2)}，为各内容形式中最低"),
        value=float(r["share_rate"]), value_text=f"{low} {fmt.fmt_pct(r['share_rate'], 2)}",
        benchmark=overall, gap=(overall - float(r["share_rate"])) / overall if overall else None,
        extra={"content_type": low})]


def _viral_finding(sec: ContentSection) -> list[Finding]:
    v = sec.articles[sec.articles["viral"]].sort_values("reads", ascending=False)
    if v.empty:
        return []
    items = "；".join(_viral_item(r, sec.rule) for _, r in v.iterrows())
    return [_finding(
        metric="viral_articles", name="爆款文章", status="提示", kind="event",
        evidence=f"本月 {len(v)} 篇爆款：{items}", value=float(len(v)),
        value_text=f"{len(v)} 篇",
        extra={"articles": [{"msgid": r["msgid"], "title": r["title"],
                             "content_type": r["content_type"], "reads": int(r["reads"]),
                             "driver": r["driver"]} for _, r in v.iterrows()],
               "rule": sec.rule.text()})]


def _open_finding(sec: ContentSection) -> list[Finding]:
    o, q = sec.opens, sec.prev_opens
    if not o.head_articles or pd.isna(o.head):
        return []
    mom = change("rate", o.head, q.head).value if q is not None and not pd.isna(q.head) else None
    evidence = f"头条打开率 {fmt.fmt_pct(o.head, 2)}"
    if o.secondary_articles and not pd.isna(o.secondary):
        evidence += f"，次条及以后 {fmt.fmt_pct(o.secondary, 2)}"
    if mom is not None:
        evidence += f"，头条环比 {fmt.fmt_pp(mom)}"
    return [_finding(
        metric="content_headline_open_rate", name="头条打开率", status="未设目标",
        evidence=evidence, value=o.head, value_text=fmt.fmt_pct(o.head, 2), mom=mom,
        mom_text=fmt.fmt_pp(mom) if mom is not None else "无上月数据",
        extra={"secondary": None if pd.isna(o.secondary) else o.secondary,
               "pushes": o.pushes})]


def _hours_finding(sec: ContentSection) -> list[Finding]:
    h = sec.hours
    if h is None:
        return []
    tops = h.top_hours(3)
    return [_finding(
        metric="reading_peak_hours", name="阅读高峰时段", status="未设目标",
        evidence=f"阅读最集中的时段为 {'、'.join(f'{x} 时' for x in tops)}（{h.n_days} 天分时数据）",
        value=float(tops[0]), value_text=f"{tops[0]} 时", extra={"hours": tops})]


def _push_hours_finding(sec: ContentSection) -> list[Finding]:
    ph = sec.push_hours
    best = ph.best() if ph is not None else None
    if best is None:
        return []
    hour, r = best
    verdict = "差异显著" if ph.significant else "差异不显著"
    return [_finding(
        metric="best_push_hour", name="最佳推送时刻", status="未设目标",
        evidence=f"{hour} 时推送的 24 小时打开率指数最高（中位数 {fmt.fmt_num(r['index_median'], 2)}，"
                 f"{int(r['pushes'])} 次推送），各时刻{verdict}（p = {fmt.fmt_num(ph.p_value, 3)}）",
        value=float(hour), value_text=f"{hour} 时",
        extra={"significant": ph.significant, "p": ph.p_value, "pushes": int(r["pushes"])})]


def _unattributed_finding(sec: ContentSection) -> list[Finding]:
    att = sec.attribution
    if att is None or not att.revenue or att.unattributed_share is None:
        return []
    share = att.unattributed_share
    return [_finding(
        metric="content_revenue_unattributed", name="未归因订单收入占比", status="未设目标",
        evidence=(f"订单金额 {fmt.fmt_money(att.revenue)} 中 {fmt.fmt_pct(share)} 未能按 msgid "
                  "归因到本月文章"),
        value=share, value_text=fmt.fmt_pct(share),
        extra={"no_msgid_orders": att.no_msgid_orders, "outside_orders": att.outside_orders})]


def _title_finding(sec: ContentSection) -> list[Finding]:
    r = _best_feature(sec)
    if r is None or not r["p_holm"] < ALPHA:
        return []
    word = "高" if r["diff"] > 0 else "低"
    return [_finding(
        metric=f"title_feature:{r.name}", name=f"标题特征：{r['feature']}", status="提示",
        evidence=(f"标题{r['feature']}的文章（{r['n_with']} 篇）按位置调整后的打开率指数比其余"
                  f"（{r['n_without']} 篇）{word} {fmt.fmt_pct(abs(r['diff']), 1)}（Holm 校正 p = "
                  f"{fmt.fmt_num(r['p_holm'], 3)}）"),
        value=float(r["diff"]), value_text=fmt.fmt_signed_pct(r["diff"]),
        extra={"n_with": int(r["n_with"]), "n_without": int(r["n_without"]),
               "p_holm": float(r["p_holm"])})]


def findings(sec: ContentSection) -> list[Finding]:
    """The section's conclusions as data (see the module docstring for each definition)."""
    return [*_roi_findings(sec), *_share_finding(sec), *_viral_finding(sec),
            *_open_finding(sec), *_hours_finding(sec), *_push_hours_finding(sec),
            *_unattributed_finding(sec), *_title_finding(sec)]
