"""Section 11 企业微信试点评估, what shows it: the management table, the DiD, naive, pre-trend,
unit and group-chat tables, and the effect and weekly-trend charts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.io.wecom import GROUPCHAT_GLOB, PILOT_FILE
from wxnb.kit import charts, fmt
from wxnb.sections.s11_wecom.compute import (
    MIN_BIN_DAYS,
    MetricResult,
    WecomSection,
    change_text,
    groupchat_summary,
    interval_text,
    level_text,
    naive_phrase,
    p_text,
)

__all__ = [
    "did_html",
    "effects_chart",
    "groupchat_html",
    "naive_html",
    "pretrend_html",
    "summary_html",
    "trend_chart",
    "units_html",
]

_CSS = {"可信": "ok", "变差": "bad", "前期走势不同": "warn", "单位太少": "warn",
        "尚无法确认": "", "未提供": "", "无法估计": ""}


def _no_roster() -> fmt.HtmlBlock:
    return fmt.notes([f"未提供试点名单（{PILOT_FILE}），本节跳过"], title="企业微信试点")


# --------------------------------------------------------------------------- management


def summary_html(sec: WecomSection) -> fmt.HtmlBlock:
    """指标 | 试点变化 | 对照变化 | 净提升（判断）: at most 4 rows, no statistics words."""
    if sec.roster is None:
        return _no_roster()
    rows, css = [], []
    for r in sec.results:
        d = r.result
        if d is None:
            rows.append([r.metric.name, "—", "—", r.short])
            css.append(["", "", "", ""])
            continue
        rows.append([r.metric.name, change_text(r.metric, d.treated_change),
                     change_text(r.metric, d.control_change),
                     f"{change_text(r.metric, d.estimate)}（{r.short}）"])
        css.append(["", "", "", _CSS.get(r.short, "")])
    unit = sec.unit_word
    n_t, n_c = sec.counts
    return fmt.table(rows, ["指标", "试点变化", "对照变化", "净提升"], numeric=(1, 2, 3),
                     css=css, caption=f"试点 {n_t} 个、对照 {n_c} 个{unit}，试点前后对比；"
                                      "净提升 = 试点变化 − 对照变化。可信：差异大到不太可能是偶然波动；"
                                      "尚无法确认：与偶然波动分不开")


# --------------------------------------------------------------------------- analyst tables


def did_html(sec: WecomSection) -> fmt.HtmlBlock:
    """Every metric's four group means, the estimate, its interval, p-values and units."""
    if sec.roster is None:
        return _no_roster()
    rows = []
    for r in sec.results:
        d = r.result
        if d is None:
            rows.append([r.metric.name, "—", "—", "—", "—", "—", r.reason, "—", "—", "—", "—"])
            continue
        rel = "—"
        if d.relative is not None and math.isfinite(d.relative):
            rel = fmt.fmt_signed_pct(d.relative)
        rows.append([
            r.metric.name, level_text(r.metric, d.treated_pre), level_text(r.metric, d.treated_post),
            level_text(r.metric, d.control_pre), level_text(r.metric, d.control_post),
            change_text(r.metric, d.estimate), interval_text(r.metric, d.ci), rel,
            p_text(d.p_value).lstrip("= "), p_text(r.p_holm).lstrip("= "),
            f"{d.test.n_treated} / {d.test.n_control}",
        ])
    t = next((r.result.test for r in sec.results if r.result is not None), None)
    how = ("" if t is None else
           f"；p 值来自{'全部' if t.exact else '随机'} {fmt.fmt_int(t.assignments)} 种分组")
    level = f"{1 - sec.params.wecom_alpha:.0%}"
    return fmt.table(rows, ["指标", "试点前期", "试点后期", "对照前期", "对照后期", "净提升",
                            f"{level} 置信区间", "相对提升", "p 值", "Holm 校正后", "单位数（试点/对照）"],
                     numeric=(1, 2, 3, 4, 5, 7, 8, 9), wrap=(6,),
                     caption=f"各组为{sec.unit_word}均值（每个单位权重相同）；相对提升相对于试点"
                             f"{sec.unit_word}若无试点时的后期水平{how}")


def naive_html(sec: WecomSection) -> fmt.HtmlBlock:
    """The seed's table (试点 vs 对照 this month, 提升幅度) beside the DiD and the pre-gap."""
    if sec.roster is None:
        return _no_roster()
    rows = []
    for r in sec.results:
        d = r.result
        if d is None:
            continue
        rows.append([r.metric.name, level_text(r.metric, d.treated_post),
                     level_text(r.metric, d.control_post), naive_phrase(r.metric, d.naive_ratio),
                     change_text(r.metric, d.pre_gap), change_text(r.metric, d.estimate)])
    if not rows:
        return fmt.notes(["没有可比较的指标"], title="与简单对比的区别")
    unit = sec.unit_word
    return fmt.table(rows, ["运营指标", f"试点{unit}（本期）", f"对照{unit}（本期）",
                            "简单对比“提升幅度”", "试点前已有差异", "净提升"],
                     numeric=(1, 2, 4, 5),
                     caption="简单对比 = (试点 − 对照) ÷ 对照，即种子表的算法；它把试点前就有的差异也算成了"
                             "试点效果，只作对照展示，结论以净提升为准")


def pretrend_html(sec: WecomSection) -> fmt.HtmlBlock:
    """Per metric: pre-period weeks, slope difference per week, interval, p, verdict."""
    if sec.roster is None:
        return _no_roster()
    rows, css = [], []
    for r in sec.results:
        pt = r.pretrend
        if r.result is None or pt is None:
            continue
        if pt.test is None:
            rows.append([r.metric.name, str(pt.periods), "—", "—", "—", "—", f"无法检验：{pt.reason}"])
            css.append([""] * 7)
            continue
        t = pt.test
        word = "走势不同" if r.diverging else "未见差异"
        rows.append([r.metric.name, str(pt.periods), change_text(r.metric, t.estimate),
                     interval_text(r.metric, t.ci), p_text(t.p_value).lstrip("= "),
                     p_text(r.pretrend_p_holm).lstrip("= "), word])
        css.append(["", "", "", "", "", "", "warn" if r.diverging else "ok"])
    if not rows:
        return fmt.notes(["没有可检验的指标"], title="前期趋势检验")
    alpha = sec.params.wecom_pretrend_alpha
    level = f"{1 - alpha:.0%}"
    return fmt.table(rows, ["指标", "前期周数", "每周斜率差（试点 − 对照）", f"{level} 区间", "p 值",
                            "Holm 校正后", "判定"],
                     numeric=(1, 2, 4, 5), wrap=(3,), css=css,
                     caption=f"每个单位试点前各周（少于 {MIN_BIN_DAYS} 天的周不计）的斜率；"
                             f"Holm 校正后 p < {alpha:g} 判为走势不同")


def _pair(m: MetricResult, unit: str) -> str:
    u = m.units
    if m.result is None or unit not in u.index:
        return "—"
    pre, post = u.at[unit, "pre"], u.at[unit, "post"]
    return f"{level_text(m.metric, pre)} → {level_text(m.metric, post)}"


def units_html(sec: WecomSection) -> fmt.HtmlBlock:
    """Every unit: group, name, and each metric's pre → post value, with the bases."""
    if sec.roster is None:
        return _no_roster()
    units = sec.roster.units.assign(_id=sec.roster.units.index).sort_values(
        ["treated", "_id"], ascending=[False, True])
    shown = [r for r in sec.results if r.result is not None]
    rows = []
    for u, info in units.iterrows():
        row = [str(u), str(info["name"]), str(info["group"])]
        row += [_pair(r, str(u)) for r in shown]
        by_base = {r.base_label: r for r in shown}  # 客户, 订单, 聊天: one each
        bases = [f"{label} {fmt.fmt_int(r.units.at[u, 'n_pre'])} / "
                 f"{fmt.fmt_int(r.units.at[u, 'n_post'])}" for label, r in by_base.items()
                 if u in r.units.index]
        row.append("；".join(bases) or "—")
        rows.append(row)
    header = [sec.unit_word, "名称", "组别", *[f"{r.metric.name}（前 → 后）" for r in shown],
              "样本（前 / 后）"]
    return fmt.table(rows, header, wrap=(1,), numeric=tuple(range(3, 3 + len(shown))),
                     caption="样本：客户为可完整随访的客户数（复购率），订单为订单数（客单价），"
                             "聊天为有回复数据的聊天数（回复指标）")


def groupchat_html(sec: WecomSection) -> fmt.HtmlBlock:
    """The month's group chats per group (context, not an outcome)."""
    g = groupchat_summary(sec)
    if g.empty:
        why = f"未提供客户群统计（{GROUPCHAT_GLOB}）" if sec.groupchat is None else \
            "客户群统计中没有名单内的群主"
        return fmt.notes([why], title="客户群概况")
    rows = [[str(group), fmt.fmt_int(r["owners"]), fmt.fmt_int(r["new_chat_cnt"]),
             fmt.fmt_int(r["new_member_cnt"]), fmt.fmt_int(r["chat_total"]),
             fmt.fmt_int(r["member_total"]), fmt.fmt_pct(r["spoke_share"])]
            for group, r in g.iterrows()]
    return fmt.table(rows, ["组别", "群主", "新增客户群", "新增群成员", "客户群总数（期末）",
                            "群成员（期末）", "发过言的成员占比"], numeric=(1, 2, 3, 4, 5, 6),
                     caption="本月客户群统计（按群主汇总，仅作背景）；发过言的成员占比 = "
                             "发过言的群成员 ÷ 群成员总数")


# --------------------------------------------------------------------------- charts


def effects_chart(sec: WecomSection) -> Figure | fmt.HtmlBlock:
    """Each metric's relative uplift against the pilot's counterfactual, with its interval
    (good direction to the right: the response time is shown as its shortening)."""
    shown = [r for r in sec.results if r.result is not None and r.result.relative is not None]
    if not shown:
        return fmt.notes(["没有可估计的指标"], title="净提升")
    fig, ax = charts._figure(8.0, 0.7 * len(shown) + 1.6)
    y = np.arange(len(shown))[::-1]
    for yi, r in zip(y, shown, strict=True):
        d = r.result
        assert d is not None and d.relative is not None and d.relative_ci is not None
        sign = 1 if r.metric.higher_better else -1
        lo, hi = sorted((sign * d.relative_ci[0], sign * d.relative_ci[1]))
        mid = sign * d.relative
        color = charts.PALETTE["new"] if r.short == "可信" else (
            charts.PALETTE["cancel"] if r.short == "变差" else charts.PALETTE["muted"])
        lo_c, hi_c = max(lo, -1.0), min(hi, 2.0)
        ax.plot([lo_c * 100, hi_c * 100], [yi, yi], color=color, lw=3, solid_capstyle="butt")
        ax.plot(mid * 100, yi, "o", color=color, ms=8)
        ax.text(hi_c * 100, yi + 0.18, f" {fmt.fmt_signed_pct(mid)}", fontsize=9,
                color=charts.PALETTE["text"])
    ax.axvline(0, color=charts.PALETTE["text"], lw=1)
    ax.set_yticks(y, [charts.safe_label(r.metric.name + ("（缩短）" if not r.metric.higher_better
                                                         else "")) for r in shown])
    ax.set_xlabel("相对试点若无试点时的水平（%，向右为改善）")
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_num(v, 0)}%"))
    ax.set_title(f"各指标的净提升与 {1 - sec.params.wecom_alpha:.0%} 区间")
    ax.grid(axis="y", visible=False)
    return fig


def _weekly_means(r: MetricResult, treated: dict[str, bool]) -> pd.DataFrame:
    w = r.weekly[r.weekly["days"] >= MIN_BIN_DAYS]
    w = w.assign(group=w["unit"].map(lambda u: "试点" if treated.get(str(u)) else "对照"))
    means = w.groupby(["week", "group"])["value"].mean().unstack("group").sort_index()
    if means.empty:
        return means
    weeks = range(int(means.index.min()), int(means.index.max()) + 1)
    return means.reindex(weeks)  # a week without data breaks the line


def trend_chart(sec: WecomSection) -> Figure | fmt.HtmlBlock:
    """Weekly group means (unit means, equal weights) of each metric; the pilot starts at 0."""
    shown = [r for r in sec.results if r.result is not None and len(r.weekly)]
    if sec.roster is None or not shown:
        return fmt.notes(["没有按周的数据"], title="每周走势")
    treated = sec.roster.treated
    cols = 2 if len(shown) > 1 else 1
    rows = math.ceil(len(shown) / cols)
    fig = Figure(figsize=(9.0, 3.0 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    start = pd.Timestamp(sec.roster.pilot_start)
    for ax, r in zip(axes, shown, strict=False):
        means = _weekly_means(r, treated)
        scale = 100 if r.metric.kind == "rate" else 1
        for group, color in (("试点", charts.PALETTE["new"]), ("对照", charts.PALETTE["muted"])):
            if group in means:
                ax.plot(means.index, means[group] * scale, marker="o", ms=4, lw=1.8,
                        color=color, label=f"{group}{sec.unit_word}")
        ax.axvline(-0.5, color=charts.PALETTE["anomaly"], ls="--", lw=1.2)
        ax.set_title(r.metric.name)
        ticks = [k for k in means.index if means.loc[k].notna().any()]
        ax.set_xticks(ticks, [f"{start + pd.Timedelta(weeks=int(k)):%m-%d}" for k in ticks],
                      fontsize=9)
        unit = {"rate": "%", "money": "元", "minutes": "分钟"}[r.metric.kind]
        ax.set_ylabel(unit)
    for ax in axes[len(shown):]:
        ax.set_visible(False)
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(loc="best", fontsize=9)
    fig.suptitle(f"每周均值（虚线为试点开始 {start:%m-%d}；横轴为各周起始日）")
    return fig
