"""Section 07 合规风险与舆情管控, the words: narrative, data notes, phrases and findings."""

from __future__ import annotations

from typing import Any

import pandas as pd

from wxnb.io.risk import SEVERITIES, TEXTS_FILE
from wxnb.kit import fmt
from wxnb.kit.findings import Finding
from wxnb.sections.s07_risk.compute import (
    NO_ARTICLE,
    SECTION,
    SPIKE_P,
    RiskSection,
    _nsr,
    _type_counts,
    spike_events,
)

__all__ = [
    "findings",
    "method_notes",
    "narrative",
]

# What to do about each risk type that occurred (the seed's closing advice, per type).
ADVICE = {
    "诱导分享违规": "推文与活动上线前按内容审核清单逐条排查“转发/分享后领取”等诱导话术",
    "数据泄露隐患": "对第三方插件与数据导出权限做数据合规审查，落实加密传输与最小权限",
    "违规内容": "完善《微信运营合规手册》，发布前双人审核",
    "负面舆情": "建立舆情值守与分级响应机制，每月开展一次模拟舆情演练",
    "虚假宣传": "促销文案中的价格、折扣与功效表述由法务复核",
    "其他": "逐项复盘其他风险事件，补充进《微信运营合规手册》",
}


# --------------------------------------------------------------------------- phrases


def _hours(h: float | None) -> str:
    if h is None or pd.isna(h):
        return "—"
    return f"{fmt.fmt_num(h, 1)} 小时" if h < 48 else f"{fmt.fmt_num(h / 24, 1)} 天"


def _span(e: dict[str, Any]) -> str:
    return f"{e['start']:%m-%d}" if e["start"] == e["end"] else \
        f"{e['start']:%m-%d} 至 {e['end']:%m-%d}"


def _quoted(title: str) -> str:
    return title if title == NO_ARTICLE else f"《{title}》"


def _article_list(e: dict[str, Any]) -> str:
    return "；".join(f"{_quoted(a['title'])} {a['count']} 条（{fmt.fmt_pct(a['share'], 0)}）"
                    for a in e["articles"])


def _agreement_text(a: dict[str, Any] | None) -> str:
    if a is None:
        return "无人工标注，无法评估"
    return f"{fmt.fmt_pct(a['rate'], 1)}（{a['agree']}/{a['n']}，n = {a['n']}）"


# --------------------------------------------------------------------------- narrative


def _severity_text(df: pd.DataFrame) -> str:
    c = df["severity"].value_counts()
    return "、".join(f"{s} {int(c[s])} 起" for s in SEVERITIES if c.get(s, 0))


def _change(now: int, before: int | None, unit: str = "起") -> str:
    if before is None:
        return "环比：无上月数据"
    d = now - before
    word = "增加" if d > 0 else "减少" if d < 0 else "持平"
    return f"较上月（{before} {unit}）{word}" + (f" {abs(d)} {unit}" if d else "")


def _incident_sentence(sec: RiskSection) -> str:
    inc = sec.incidents
    prev = None if sec.prev_incidents is None else len(sec.prev_incidents)
    if inc.empty:
        return f"本月未登记合规与舆情风险事件，{_change(0, prev)}。"
    counts = _type_counts(inc)
    top = str(counts.idxmax())
    before = _type_counts(sec.prev_incidents)
    top_mom = "" if before is None else f"，上月 {int(before[top])} 起"
    return (f"本月共登记合规与舆情风险事件 {len(inc)} 起（{_severity_text(inc)}），"
            f"{_change(len(inc), prev)}；最多的是{top}（{int(counts[top])} 起，占 "
            f"{fmt.fmt_pct(counts[top] / len(inc), 0)}{top_mom}）。")


def _open_list(open_: pd.DataFrame) -> str:
    return "、".join(f"{r['date']:%m-%d} {r['type']}（{r['severity']}）"
                    for _, r in open_.iterrows())


def _resolve_sentence(sec: RiskSection) -> str:
    inc = sec.incidents
    if inc.empty:
        return "本月无需处置的风险事件。"
    done, open_ = inc[~inc["open"]], inc[inc["open"]]
    text = (f"已处置 {len(done)} 起（{fmt.fmt_pct(len(done) / len(inc), 0)}），中位处置时长 "
            f"{_hours(done['hours'].median() if len(done) else None)}")
    if open_.empty:
        return text + "，全部事件均已关闭。"
    items = _open_list(open_)
    high = int((open_["severity"] == "高").sum())
    tail = f"，其中高严重度 {high} 起需优先跟进" if high else ""
    return text + f"；仍有 {len(open_)} 起未关闭：{items}{tail}。"


def _nearby_incidents(sec: RiskSection, e: dict[str, Any]) -> str:
    inc = sec.incidents
    near = inc[(inc["date"] >= e["start"] - pd.Timedelta(days=1))
               & (inc["date"] <= e["end"] + pd.Timedelta(days=1))]
    if near.empty:
        return "，同期未登记相关风险事件（建议补登）"
    return f"，同期登记风险事件 {len(near)} 起（{'、'.join(dict.fromkeys(near['type']))}）"


def _spike_sentence(sec: RiskSection, e: dict[str, Any]) -> str:
    times = f"，为基线的 {fmt.fmt_num(e['value'] / e['baseline'], 1)} 倍" if e["baseline"] else ""
    return (f"{_span(e)} 负面评论与留言 {e['value']} 条{times}（稳健 z 最高 {fmt.fmt_num(e['z'], 1)}），"
            f"主要来自{_article_list(e)}{_nearby_incidents(sec, e)}")


def _sentiment_sentences(sec: RiskSection) -> list[str]:
    if sec.texts is None:
        return [f"本月未提供评论与留言数据（{TEXTS_FILE}），未做负面舆情趋势分析。"]
    t = sec.texts
    counts = t["sentiment"].value_counts()
    n_neg, n_lab = int(counts.get("负面", 0)), int((t["source"] == "人工标注").sum())
    out = [f"本月收集评论与留言 {fmt.fmt_int(len(t))} 条，负面 {fmt.fmt_int(n_neg)} 条（占 {fmt.fmt_pct(n_neg / len(t), 1)}），"
           f"净情感值 NSR {fmt.fmt_pct(_nsr(counts))}；其中 {fmt.fmt_int(n_lab)} 条有人工标注，其余按词典判定"
           f"（词典与人工标注一致率 {_agreement_text(sec.agreement)}）。"]
    events = spike_events(sec)
    if not events:
        out.append(f"每日负面文本数没有异常峰值（稳健 z 阈值 {sec.params.negative_spike_z}）。")
    else:
        out.append(f"负面舆情出现 {len(events)} 次峰值：" + "；".join(
            _spike_sentence(sec, e) for e in events) + "。")
    return out


def _advice(sec: RiskSection) -> list[str]:
    inc = sec.incidents
    items = []
    high_open = inc[inc["open"] & (inc["severity"] == "高")]
    if len(high_open):
        items.append(f"优先关闭 {len(high_open)} 项高严重度未结事项"
                     f"（{'、'.join(dict.fromkeys(high_open['type']))}）")
    for t in inc["type"].value_counts().index:
        items.append(ADVICE[str(t)])
    heads = list(dict.fromkeys(e["articles"][0]["title"] for e in spike_events(sec)
                               if e["articles"] and e["articles"][0]["title"] != NO_ARTICLE))
    if heads:
        items.append("复盘引发负面峰值的推送（" + "、".join(f"《{h}》" for h in heads)
                     + "）的选题与话术，促销推送前评估舆情风险并预备回应口径")
    return items


def narrative(sec: RiskSection) -> list[str]:
    """The seed-style paragraphs, every figure computed from ``sec``."""
    out = [_incident_sentence(sec) + _resolve_sentence(sec), *_sentiment_sentences(sec)]
    advice = _advice(sec)
    if advice:
        out.append("建议：" + "；".join(f"{i}）{a}" for i, a in enumerate(advice, 1)) + "。")
    return out


def method_notes(sec: RiskSection) -> list[str]:
    """口径, the lexicon's known limits and data caveats."""
    notes = list(sec.notes)
    notes += [
        "处置时长 = 解决时间（resolved_at）− 发生日 00:00；resolved_at 为空的事件视为未关闭。",
        "情感判定：有人工标注（label）的文本以标注为准，其余用 wxnb/sections/s07_risk/sentiment_lexicon.yaml 词典"
        "（正负面词计 ±1，紧邻的否定词“不/没/别”等翻转方向，程度词加权）。",
        "词典的已知局限：识别不了反讽（如“真是好一个最后3天”）；行业与品牌特有说法需补充词条；"
        "短文本与纯表情几乎都判为中性；否定只作用于紧随的一个情感词；不处理转折。",
        f"负面峰值：每日负面文本数偏离 {sec.params.anomaly_window} 日滚动中位数的稳健 z 分数"
        f" > {sec.params.negative_spike_z}（1.4826 × MAD，下限为基线的平方根），且按泊松分布"
        f"（λ = max(基线, 1)）出现该条数的概率 < {SPIKE_P}，避免少量评论的偶然波动被当作峰值。",
        "净情感值 NSR =（正面 − 负面）÷（正面 + 负面），KAWO 口径。",
    ]
    return notes


# --------------------------------------------------------------------------- findings


def _finding(**kw: Any) -> Finding:
    return Finding(section=SECTION[0], section_title=SECTION[1], **kw)


def _open_finding(sec: RiskSection) -> Finding:
    open_ = sec.incidents[sec.incidents["open"]]
    high = open_[open_["severity"] == "高"]
    status = "未达标" if len(high) else "预警" if len(open_) else "达标"
    items = _open_list(open_)
    evidence = (f"未关闭风险事件 {len(open_)} 项，其中高严重度 {len(high)} 项：{items}"
                if len(open_) else "本月风险事件均已处置完毕")
    return _finding(metric="risk_open_incidents", name="未关闭风险事件", status=status,
                    evidence=evidence, value=float(len(open_)), value_text=f"{len(open_)} 项",
                    target=0.0, target_text="0 项", kind="event",
                    gap=float(len(high)) if len(high) else None,
                    extra={"open_high": len(high)})


def _count_finding(sec: RiskSection) -> Finding:
    now = len(sec.incidents)
    before = None if sec.prev_incidents is None else len(sec.prev_incidents)
    mom = None if before is None else now - before
    status = "预警" if mom is not None and mom > 0 else "提示"
    return _finding(metric="risk_incidents", name="风险事件数", status=status,
                    evidence=f"本月登记风险事件 {now} 起，{_change(now, before)}",
                    value=float(now), value_text=f"{now} 起",
                    mom=None if mom is None else float(mom),
                    mom_text="无上月数据" if mom is None else f"{fmt.fmt_signed_int(mom)} 起",
                    kind="kpi",
                    gap=mom / before if mom and before else None)


def _spike_finding(sec: RiskSection, e: dict[str, Any]) -> Finding:
    return _finding(metric="anomaly:negative_texts", name="负面舆情峰值", status="预警",
                    evidence=_spike_sentence(sec, e), value=float(e["value"]),
                    value_text=f"{e['value']} 条", kind="event",
                    gap=(e["value"] - e["baseline"]) / e["baseline"] if e["baseline"] else None,
                    extra={"start": f"{e['start']:%Y-%m-%d}", "end": f"{e['end']:%Y-%m-%d}",
                           "article": e["articles"][0]["title"] if e["articles"] else ""})


def findings(sec: RiskSection) -> list[Finding]:
    """Open incidents (未达标 when a high-severity one is open), the incident count's 环比
    (预警 when it rose) and one 预警 per negative spike."""
    return [_open_finding(sec), _count_finding(sec),
            *(_spike_finding(sec, e) for e in spike_events(sec))]
