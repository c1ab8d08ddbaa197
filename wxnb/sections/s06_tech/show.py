"""Section 06 技术支撑能力专项评估, what shows it: the module, worst-day and auto-reply tables
and the interface, start-up and rule charts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.io.tech import AUTOREPLY_FILE, PERF_FILE
from wxnb.kit import charts, fmt
from wxnb.sections.s06_tech.compute import (
    INPUTS,
    WARN_BAND,
    WECHAT_TIMEOUT_MS,
    TechSection,
    _ms,
    _worst_days,
    daily_load,
    rule_table,
)

__all__ = [
    "api_chart",
    "autoreply_errors_html",
    "autoreply_html",
    "load_chart",
    "modules_html",
    "rules_chart",
    "worst_days_html",
]

_STATUS_CSS = {"达标": "ok", "预警": "warn", "未达标": "bad"}


# --------------------------------------------------------------------------- tables


def modules_html(sec: TechSection) -> fmt.HtmlBlock:
    """The seed's table: 技术模块, 运行指标, 行业标准, 差距, 状态 (and 环比); the values in plain
    words (an interval stays in the tables of the analyst layer)."""
    rows, css = [], []
    for r in sec.modules:
        value = fmt.plain(r.value_text) if r.value is not None else f"未提供（需 {r.source}）"
        rows.append([r.module, value, r.standard_text, r.gap_text, r.status, r.mom_text])
        css.append(["", "", "", "", _STATUS_CSS.get(r.status, ""), ""])
    return fmt.table(rows, ["技术模块", "运行指标", "行业标准", "差距", "状态", "环比"],
                     numeric=(3, 5), wrap=(1,), css=css,
                     caption=f"状态：达到标准为达标，差距在标准的 {fmt.fmt_pct(WARN_BAND, 0)} 以内为预警，"
                             "否则为未达标；差距为相对标准的缺口")


def worst_days_html(sec: TechSection) -> fmt.HtmlBlock:
    """The worst days: every day below the standard or over 5 s, at least the top 5."""
    worst = _worst_days(sec)
    if worst.empty:
        return fmt.notes([f"未提供接口分析数据（{INPUTS[0]}）"], title="最差的日子")
    std = sec.params.api_success_standard
    rows = [[f"{d:%m-%d}", fmt.fmt_int(r["callback_count"]), fmt.fmt_int(r["fail_count"]),
             fmt.fmt_pct(r["fail_rate"], 2), _ms(r["avg_ms"]), _ms(r["max_time_cost"]),
             _day_note(r, std)] for d, r in worst.iterrows()]
    header = ["日期", "调用次数", "失败次数", "失败率", "平均耗时", "最大耗时", "判定"]
    return fmt.table(rows, header,
                     numeric=(1, 2, 3, 4, 5),
                     caption=f"失败率 = fail_count ÷ callback_count；标准成功率 "
                             f"{fmt.fmt_pct(std, 1)}，微信等待被动回复 5 秒")


def _day_note(r: pd.Series, std: float) -> str:
    notes = []
    if r["success_rate"] < std:
        notes.append("低于成功率标准")
    if r["max_time_cost"] > WECHAT_TIMEOUT_MS:
        notes.append("最大耗时超过 5 秒")
    return "、".join(notes) or "正常"


def autoreply_html(sec: TechSection) -> fmt.HtmlBlock:
    """Auto-reply accuracy per rule, from the labelled sample."""
    replies = sec.inputs.autoreply
    if replies is None:
        return fmt.notes([f"未提供自动回复抽样（{AUTOREPLY_FILE}），无法评估准确率与命中率"],
                         title="自动回复")
    rows = [[rule, fmt.fmt_int(r["n"]), fmt.fmt_pct(r["share"]), fmt.fmt_int(r["correct"]),
             fmt.fmt_pct(r["accuracy"])] for rule, r in rule_table(replies).iterrows()]
    m = sec.metrics
    return fmt.table(rows, ["触发规则", "消息数", "占比", "判定正确", "准确率"],
                     numeric=(1, 2, 3, 4), wrap=(0,),
                     caption=f"抽样 {fmt.fmt_int(m.labelled)} 条消息、{fmt.fmt_int(m.users)} 位用户；"
                             "准确率 = 判定正确 ÷ 全部抽样消息，"
                             "命中率 = 触发了规则的消息 ÷ 全部抽样消息")


def autoreply_errors_html(sec: TechSection, n: int = 8) -> fmt.HtmlBlock:
    """Examples of wrong replies (the most recent ``n``), for the service team."""
    replies = sec.inputs.autoreply
    if replies is None:
        return fmt.notes([f"未提供 {AUTOREPLY_FILE}"], title="错误回复示例")
    wrong = replies[~replies["correct"]].sort_values("time", ascending=False).head(n)
    if wrong.empty:
        return fmt.notes(["抽样中没有判定错误的回复"], title="错误回复示例")
    rows = [[f"{r['time']:%m-%d %H:%M}", r["rule"] or "（未触发规则）", r["message"]]
            for _, r in wrong.iterrows()]
    return fmt.table(rows, ["时间", "触发规则", "用户消息"], wrap=(1, 2),
                     caption=f"共 {fmt.fmt_int(int((~replies['correct']).sum()))} 条判定错误，列出最近 "
                             f"{len(rows)} 条")


# --------------------------------------------------------------------------- charts


def _day_axis(ax: Any, index: pd.DatetimeIndex) -> None:
    ax.set_xlim(index[0] - pd.Timedelta(hours=18), index[-1] + pd.Timedelta(hours=18))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=3))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))


def api_chart(sec: TechSection) -> Figure | fmt.HtmlBlock:
    """Daily success rate against the standard (line), failures (bars), worst days ringed."""
    d = sec.daily
    if d is None or d.empty:
        return fmt.notes([f"未提供接口分析数据（{INPUTS[0]}）"], title="接口成功率")
    std = sec.params.api_success_standard
    fig, ax = charts._figure()
    bars = ax.twinx()
    bars.bar(d.index, d["fail_count"], color=charts.PALETTE["muted"], width=0.7, alpha=0.6,
             label="失败次数")
    bars.set_ylabel("失败次数")
    bars.grid(False)
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(d.index, d["success_rate"] * 100, color=charts.PALETTE["new"], marker="o", ms=3,
            lw=1.8, label="成功率")
    ax.axhline(std * 100, color=charts.PALETTE["cancel"], ls="--", lw=1.2,
               label=f"标准 {fmt.fmt_pct(std, 1)}")
    bad = d[d["success_rate"] < std]
    if len(bad):
        ax.scatter(bad.index, bad["success_rate"] * 100, s=150, facecolors="none",
                   edgecolors=charts.PALETTE["anomaly"], lw=2, zorder=5, label="低于标准")
    ax.set_ylabel("成功率（%）")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_num(v, 1)}%"))
    ax.set_title("每日接口成功率与失败次数")
    _day_axis(ax, d.index)
    ax.legend(loc="center left", ncols=3)
    return fig


def load_chart(sec: TechSection) -> Figure | fmt.HtmlBlock:
    """Daily mini program start-up time (s) against the standard."""
    perf = sec.inputs.performance
    if perf is None:
        return fmt.notes([f"未提供小程序性能数据（{PERF_FILE}）"], title="小程序加载速度")
    s = daily_load(perf)
    std = sec.params.miniprogram_load_standard
    fig, ax = charts._figure()
    colors = [charts.PALETTE["cancel"] if v > std else charts.PALETTE["new"] for v in s]
    ax.bar(s.index, s.values, color=colors, width=0.7)
    ax.axhline(std, color=charts.PALETTE["text"], ls="--", lw=1.2, label=f"标准 ≤ {std:g}s")
    ax.set_ylabel("启动耗时（秒）")
    ax.set_title("小程序每日启动耗时（按测量次数加权）")
    _day_axis(ax, s.index)
    ax.legend(loc="upper left")
    return fig


def rules_chart(sec: TechSection, top: int = 8) -> Figure | fmt.HtmlBlock:
    """Accuracy per auto-reply rule (horizontal bars) with the standard line."""
    replies = sec.inputs.autoreply
    if replies is None:
        return fmt.notes([f"未提供 {AUTOREPLY_FILE}"], title="各规则准确率")
    t = rule_table(replies).head(top).iloc[::-1]
    std = sec.params.autoreply_accuracy_standard
    fig, ax = charts._figure(8.0, 0.45 * len(t) + 1.4)
    labels = [f"{charts.safe_label(r)}（{n}）" for r, n in zip(t.index, t["n"], strict=True)]
    y = np.arange(len(t))
    ax.barh(y, t["accuracy"] * 100, color=[charts.PALETTE["cancel"] if a < std
                                          else charts.PALETTE["new"] for a in t["accuracy"]])
    ax.set_yticks(y, labels)
    ax.axvline(std * 100, color=charts.PALETTE["text"], ls="--", lw=1.2, label=f"标准 {fmt.fmt_pct(std, 0)}")
    ax.set_xlim(0, 105)
    ax.set_xlabel("准确率（%）")
    ax.set_title("各自动回复规则的准确率（括号内为消息数）")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    return fig
