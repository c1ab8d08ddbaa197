"""Section 07 合规风险与舆情管控, what shows it: the incident and open-item tables, the spike and
sentiment tables and the daily negative-texts chart."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.io.risk import LABELS, RISK_TYPES, SEVERITIES, TEXTS_FILE
from wxnb.kit import charts, fmt
from wxnb.sections.s07_risk.compute import (
    NO_ARTICLE,
    RiskSection,
    _nsr,
    _open_days,
    _type_counts,
    spike_events,
)
from wxnb.sections.s07_risk.words import _agreement_text, _article_list, _hours, _span

__all__ = [
    "negative_trend_chart",
    "open_items_html",
    "risk_table_html",
    "sentiment_html",
    "spikes_html",
]


# --------------------------------------------------------------------------- incidents


def _mom_count(now: int, before: int | None) -> str:
    if before is None:
        return "环比：无上月数据"
    d = now - before
    return f"上月 {before} 次，环比" + (f" {fmt.fmt_signed_int(d)} 次" if d else "持平")


def _actions(group: pd.DataFrame, limit: int = 3) -> str:
    acts = list(dict.fromkeys(a for a in group["action"] if a))
    if not acts:
        return "未填写"
    more = f" 等 {len(acts)} 项" if len(acts) > limit else ""
    return "；".join(acts[:limit]) + more


def _effect(group: pd.DataFrame) -> str:
    done = group[~group["open"]]
    text = (f"已处置 {len(done)}/{len(group)}（{fmt.fmt_pct(len(done) / len(group), 0)}），"
            f"中位处置时长 {_hours(done['hours'].median() if len(done) else None)}")
    n_open = int(group["open"].sum())
    return text + (f"，未关闭 {n_open} 项" if n_open else "，无未关闭事项")


def _risk_rows(sec: RiskSection) -> list[dict[str, Any]]:
    now, before = _type_counts(sec.incidents), _type_counts(sec.prev_incidents)
    rows = []
    for t in RISK_TYPES:
        b = None if before is None else int(before[t])
        if now[t] == 0 and not b:
            continue
        g = sec.incidents[sec.incidents["type"] == t]
        rows.append({"type": t, "count": int(now[t]), "prev": b,
                     "actions": _actions(g) if len(g) else "—",
                     "effect": _effect(g) if len(g) else "本月未发生"})
    return rows


def risk_table_html(sec: RiskSection) -> fmt.HtmlBlock:
    """The seed's table: 风险类型, 发生频次 (with 环比), 应对措施, 改进效果, plus a total row."""
    rows = [[r["type"], f"{r['count']} 次/月（{_mom_count(r['count'], r['prev'])}）",
             r["actions"], r["effect"]] for r in _risk_rows(sec)]
    inc = sec.incidents
    prev_total = None if sec.prev_incidents is None else len(sec.prev_incidents)
    rows.append(["合计", f"{len(inc)} 次/月（{_mom_count(len(inc), prev_total)}）", "—",
                 _effect(inc) if len(inc) else "本月无风险事件"])
    return fmt.table(rows, ["风险类型", "发生频次", "应对措施", "改进效果"], wrap=(2, 3),
                     caption="处置时长 = 解决时间 − 发生日 00:00（发生时间只记到日，最多高估 1 天）")


def open_items_html(sec: RiskSection) -> fmt.HtmlBlock:
    """The checklist of incidents without ``resolved_at`` (high severity first)."""
    open_ = sec.incidents[sec.incidents["open"]]
    if open_.empty:
        return fmt.notes(["本月所有风险事件均已处置完毕"], title="未关闭事项")
    order = open_.assign(rank=open_["severity"].map(SEVERITIES.index)).sort_values(
        ["rank", "date"], kind="stable")
    rows = [["☐", f"{r['date']:%m-%d}", r["type"], r["severity"], r["description"],
             r["action"] or "未填写", f"{_open_days(sec, r['date'])} 天", r["status"] or "未关闭"]
            for _, r in order.iterrows()]
    css = [["", "", "", "bad" if r[3] == "高" else "warn", "", "", "", ""] for r in rows]
    return fmt.table(rows, ["待办", "发生日期", "风险类型", "严重度", "事件描述", "已采取措施",
                            "至月末已开放", "状态"], numeric=(6,), wrap=(4, 5), css=css,
                     cards=True)


# --------------------------------------------------------------------------- sentiment


def spikes_html(sec: RiskSection) -> fmt.HtmlBlock:
    """Each negative spike with its count, baseline, robust z and the articles behind it."""
    if sec.texts is None:
        return fmt.notes([f"未提供 {TEXTS_FILE}"], title="负面峰值")
    events = spike_events(sec)
    if not events:
        return fmt.notes([f"本月每日负面文本数没有超过阈值（稳健 z > {sec.params.negative_spike_z}）"
                          "的峰值"], title="负面峰值")
    rows = [[_span(e), fmt.fmt_int(e["value"]), fmt.fmt_int(e["baseline"]), f"{fmt.fmt_num(e['z'], 1)}",
             _article_list(e), e["example"]] for e in events]
    return fmt.table(rows, ["日期", "负面条数", "基线", "最大稳健 z", "主要关联文章（条数、占比）",
                            "示例评论"], numeric=(1, 2, 3), wrap=(4, 5),
                     caption=f"判定：当日负面文本数偏离 {sec.params.anomaly_window} 日滚动中位数的"
                             f"稳健 z 分数 > {sec.params.negative_spike_z}")


def sentiment_html(sec: RiskSection) -> fmt.HtmlBlock:
    """Texts by sentiment, NSR, how each was judged and the lexicon's agreement with labels."""
    if sec.texts is None:
        return fmt.notes([f"未提供 {TEXTS_FILE}"], title="评论情感")
    t = sec.texts
    counts = t["sentiment"].value_counts()
    src = t["source"].value_counts()
    a = sec.agreement
    pr = "—" if a is None else \
        f"{fmt.fmt_pct(a['neg_precision'])} / {fmt.fmt_pct(a['neg_recall'])}"
    rows = [["文本数（评论与留言）", fmt.fmt_int(len(t))],
            *[[f"{lab}", f"{fmt.fmt_int(int(counts.get(lab, 0)))}（{fmt.fmt_pct(counts.get(lab, 0) / len(t), 1)}）"]
              for lab in LABELS],
            ["净情感值 NSR", fmt.fmt_pct(_nsr(counts))],
            ["判定来源", f"人工标注 {fmt.fmt_int(int(src.get('人工标注', 0)))} 条，词典 {fmt.fmt_int(int(src.get('词典', 0)))} 条"],
            ["词典与人工标注一致率", _agreement_text(a)],
            ["词典判负面的精确率 / 召回率", pr]]
    return fmt.table(rows, ["指标", "数值"], numeric=(1,),
                     caption="NSR =（正面 − 负面）÷（正面 + 负面），KAWO 口径")


def negative_trend_chart(sec: RiskSection) -> Figure | fmt.HtmlBlock:
    """Daily negative texts (bars) with the rolling baseline; spikes in orange, labelled with
    the article that drew most of their negative texts."""
    if sec.daily is None:
        return fmt.notes([f"未提供 {TEXTS_FILE}，无法绘制负面评论趋势"], title="负面评论趋势")
    d = sec.daily
    fig, ax = charts._figure()
    colors = [charts.PALETTE["anomaly"] if s else charts.PALETTE["cancel"] for s in d["spike"]]
    ax.bar(d.index, d["负面"], color=colors, width=0.8, label="负面文本数")
    ax.plot(d.index, d["baseline"], color=charts.PALETTE["muted"], lw=1.8, ls="--",
            label=f"{sec.params.anomaly_window} 日滚动中位数")
    for e in spike_events(sec):
        if e["articles"]:
            peak = d.loc[e["start"]:e["end"], "负面"].idxmax()
            title = e["articles"][0]["title"]
            label = "私信/留言" if title == NO_ARTICLE else f"《{charts.safe_label(title, 12)}》"
            ax.annotate(label, (peak, d.loc[peak, "负面"]),
                        xytext=(8, -4), textcoords="offset points", fontsize=9,
                        color=charts.PALETTE["text"])
    ax.set_xlim(d.index[0] - pd.Timedelta(hours=18), d.index[-1] + pd.Timedelta(hours=18))
    ax.set_ylim(0, max(1.0, float(d["负面"].max())) * 1.2)
    ax.set_title("每日负面评论与留言数（橙色为峰值日）")
    ax.set_ylabel("条数")
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=3))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_int(v)}"))
    ax.legend(loc="upper left")
    return fig
