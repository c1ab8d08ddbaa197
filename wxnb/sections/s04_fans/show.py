"""Section 04 粉丝质量多维评估 (FAN-IDM), what shows it: the FAN-IDM, combination, share-reach and
cohort tables and the tier, interaction, streak and retention charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.kit import charts, fmt
from wxnb.sections.s04_fans.compute import (
    _DIM_SHORT,
    RETENTION_DAYS,
    FanSection,
    interaction_bins,
)
from wxnb.sections.s04_fans.words import _cohort_label

__all__ = [
    "cohort_html",
    "combos_html",
    "influence_html",
    "interactions_chart",
    "retention_chart",
    "streak_chart",
    "tier_chart",
    "tier_brief_html",
    "tier_html",
]


# --------------------------------------------------------------------------- tables


def tier_brief_html(sec: FanSection) -> fmt.HtmlBlock:
    """The FAN-IDM tiers for a manager: 评估维度, 人数, 当前占比, 环比 (the standards, the
    strategies and the denominator are in :func:`tier_html`)."""
    rows, css = [], []
    for r in sec.rows:
        rows.append([r.name, fmt.fmt_int(r.count) if r.share is not None else "—",
                     r.share_text, r.mom_text])
        css.append(["", "", "warn" if r.weakest else "", ""])
    return fmt.table(rows, ["评估维度", "人数", "当前占比", "环比"], numeric=(1, 2, 3), css=css)


def tier_html(sec: FanSection) -> fmt.HtmlBlock:
    """The seed's table: 评估维度, 优质粉丝标准, 人数, 当前占比, 环比, 提升策略."""
    rows, css = [], []
    for r in sec.rows:
        rows.append([r.name, r.rule, fmt.fmt_int(r.count) if r.share is not None else "—",
                     r.share_text, r.mom_text, r.strategy])
        css.append(["", "", "", "warn" if r.weakest else "", "", ""])
    pop = sec.agg.population
    context = (f"（月末累计粉丝 {fmt.fmt_int(sec.followers_end)} 人的 "
               f"{fmt.fmt_pct(pop / sec.followers_end)}）") if sec.followers_end else ""
    return fmt.table(rows, ["评估维度", "优质粉丝标准", "人数", "当前占比", "环比", "提升策略"],
                     numeric=(2, 3, 4), wrap=(1, 5), css=css,
                     caption=f"当前占比的分母：本月有互动的粉丝 {fmt.fmt_int(pop)} 人{context}；标准为"
                             "业务规则（参数可调），不是行业标准；环比为百分点")


def _combo_name(row: pd.Series) -> str:
    parts = [n for k, n in (("active", "活跃"), ("influential", "影响力"), ("loyal", "忠诚"))
             if row[k]]
    return " + ".join(parts) if parts else "均未满足"


def combos_html(sec: FanSection) -> fmt.HtmlBlock:
    """How the three dimensions overlap: followers, interactions and comments per combination."""
    agg = sec.agg
    g = agg.groups
    if g.empty:
        return fmt.notes(["本月没有有互动的粉丝"], title="维度组合")
    g = g.assign(dims=g["active"].astype(int) + g["influential"].astype(int)
                 + g["loyal"].astype(int)).sort_values(["dims", "followers"],
                                                       ascending=[False, False])
    rows = []
    for _, r in g.iterrows():
        rows.append([_combo_name(r), f"{int(r['dims'])}",
                     "是" if r["dims"] >= agg.rules.core_min_dims else "",
                     fmt.fmt_int(r["followers"]), fmt.fmt_pct(r["followers"] / agg.population),
                     f"{fmt.fmt_num(r['interactions'] / r['followers'], 1)}",
                     fmt.fmt_pct(r["comments"] / agg.comments) if agg.comments else "—"])
    return fmt.table(rows, ["满足的维度", "维度数", "核心粉丝", "人数", "占比", "人均互动",
                            "留言占比"],
                     numeric=(1, 3, 4, 5, 6),
                     caption=f"占比分母：有互动的粉丝 {fmt.fmt_int(agg.population)} 人；留言占比分母："
                             f"本月全部留言 {fmt.fmt_int(agg.comments)} 条")


def influence_html(sec: FanSection) -> fmt.HtmlBlock:
    """Shares and what tracked share links brought (the observable stand-in for 好友数)."""
    agg, r = sec.agg, sec.agg.reach
    if not r.observable:
        return fmt.notes([("事件日志中没有带 via（分享者）的事件：分享带来的阅读与关注无法归因，"
                           "影响力维度不可计算")], title="分享触达")
    infl = agg.groups[agg.groups["influential"]] if len(agg.groups) else agg.groups
    rows = [
        ["有分享行为的粉丝", fmt.fmt_int(agg.sharers),
         f"占有互动粉丝 {fmt.fmt_pct(agg.sharers / agg.population)}" if agg.population else ""],
        ["分享次数（article_share）", fmt.fmt_int(agg.shares),
         f"其中有影响力粉丝 {fmt.fmt_pct(int(infl['shares'].sum()) / agg.shares)}"
         if agg.shares else ""],
        ["分享链接带来的事件", fmt.fmt_int(r.via_events), f"其中阅读 {fmt.fmt_int(r.reads)} 次"],
        ["分享带来的触达（按分享者去重）", fmt.fmt_int(r.pairs),
         f"阅读 {fmt.fmt_int(r.reader_pairs)} 人次，关注 {fmt.fmt_int(r.follow_pairs)} 人次"],
        ["带来触达的分享者", fmt.fmt_int(r.sharers),
         f"其中 {fmt.fmt_int(r.outside_population)} 位本月自身无互动记录" if r.outside_population else ""],
        [f"触达 ≥ {agg.rules.influence_reach} 人的分享者", fmt.fmt_int(r.influential),
         f"计入影响力维度的（本月有互动）{fmt.fmt_int(agg.count('influence'))} 人"],
    ]
    return fmt.table(rows, ["指标", "数值", "说明"], numeric=(1,), wrap=(2,),
                     caption="触达 = 通过该粉丝的可追踪分享链接（via）产生阅读或关注的不同用户数，"
                             "不含本人")


def _cell(kept: int, eligible: int) -> str:
    return f"{fmt.fmt_pct(kept / eligible)}（{fmt.fmt_int(eligible)}）" if eligible else "—"


def cohort_html(sec: FanSection) -> fmt.HtmlBlock:
    """New followers' retention by the ISO week they followed; "—" where nobody is old enough."""
    c = sec.agg.cohorts
    if c.empty:
        return fmt.notes(["本月事件日志中没有关注（subscribe）事件，无法计算新粉留存"],
                         title="新粉留存")
    header = ["关注周", "新关注", *(f"第 {k} 天留存" for k in RETENTION_DAYS),
              *(f"第 {k} 天活跃" for k in RETENTION_DAYS)]
    rows = []
    for _, r in c.iterrows():
        rows.append([_cohort_label(r), fmt.fmt_int(r["members"]),
                     *(_cell(r[f"kept_{k}"], r[f"eligible_{k}"]) for k in RETENTION_DAYS),
                     *(_cell(r[f"active_{k}"], r[f"eligible_{k}"]) for k in RETENTION_DAYS)])
    rows.append(["加权平均", fmt.fmt_int(c["members"].sum()),
                 *(_cell(int(c[f"kept_{k}"].sum()), int(c[f"eligible_{k}"].sum()))
                   for k in RETENTION_DAYS),
                 *(_cell(int(c[f"active_{k}"].sum()), int(c[f"eligible_{k}"].sum()))
                   for k in RETENTION_DAYS)])
    return fmt.table(rows, header, numeric=tuple(range(1, len(header))),
                     caption="括号内为满 k 天、计入该格分母的人数；“—”：该周粉丝到月末尚不满 k 天"
                             "（右删失，不计为流失）；关注当天为第 0 天")


# --------------------------------------------------------------------------- charts


def _no_data(title: str, text: str) -> fmt.HtmlBlock:
    return fmt.notes([text], title=title)


def tier_chart(sec: FanSection) -> Figure | fmt.HtmlBlock:
    """Each dimension's share (and the core fans'), this month against the previous month."""
    rows = [r for r in sec.rows if r.share is not None]
    if not rows:
        return _no_data("FAN-IDM 占比", "本月没有有互动的粉丝")
    fig, ax = charts._figure(8.0, 0.6 * len(rows) + 1.6)
    y = np.arange(len(rows))[::-1]
    now = [r.share * 100 for r in rows]  # type: ignore[operator]
    ax.barh(y + 0.18, now, height=0.36, color=charts.PALETTE["new"], label="本月")
    prev = [r.prev_share * 100 if r.prev_share is not None else np.nan for r in rows]
    if any(r.prev_share is not None for r in rows):
        ax.barh(y - 0.18, prev, height=0.36, color=charts.PALETTE["muted"], label="上月")
    top = max(1.0, *now, *(v for v in prev if not np.isnan(v)))
    for yi, v in zip(y, now, strict=True):
        ax.text(v + top * 0.01, yi + 0.18, f"{fmt.fmt_num(v, 1)}%", va="center", fontsize=9)
    ax.set_xlim(0, top * 1.15)
    ax.set_yticks(y, [f"{_DIM_SHORT[r.key]}" for r in rows])
    ax.xaxis.set_major_formatter(ticker.PercentFormatter(100))
    ax.set_xlabel(f"占有互动粉丝（{fmt.fmt_int(sec.agg.population)} 人）的比例")
    ax.set_title("FAN-IDM 各维度优质粉丝占比")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    return fig


def interactions_chart(sec: FanSection) -> Figure | fmt.HtmlBlock:
    """Distribution of monthly interactions per follower (bars) with its cumulative share."""
    agg = sec.agg
    if not agg.population:
        return _no_data("互动次数分布", "本月没有有互动的粉丝")
    b = interaction_bins(agg)
    fig, ax = charts._figure()
    x = np.arange(len(b))
    colors = [charts.PALETTE["new"] if a else charts.PALETTE["muted"] for a in b["active"]]
    ax.bar(x, b["share"] * 100, color=colors, width=0.7)
    ax.set_xticks(x, b["label"])
    ax.set_xlabel("本月互动次数（绿色：达到活跃标准）")
    ax.set_ylabel("粉丝占比（%）")
    cum = ax.twinx()
    cum.plot(x, b["cum_share"] * 100, color=charts.PALETTE["net"], marker="o", ms=3, lw=1.6)
    cum.set_ylim(0, 105)
    cum.set_ylabel("累计占比（%）")
    cum.grid(False)
    ax.set_title(f"每位粉丝的本月互动次数（{fmt.fmt_int(agg.population)} 人）")
    return fig


def streak_chart(sec: FanSection) -> Figure | fmt.HtmlBlock:
    """Followers by their longest run of consecutive active days, with the loyalty rule."""
    agg = sec.agg
    h = agg.streak_hist
    if h.empty:
        return _no_data("连续活跃天数", "本月没有有互动的粉丝")
    x = np.arange(1, agg.days + 1)
    v = h.reindex(x, fill_value=0)
    fig, ax = charts._figure()
    colors = [charts.PALETTE["new"] if d >= agg.rules.loyal_days else charts.PALETTE["muted"]
              for d in x]
    ax.bar(x, v.values, color=colors, width=0.8)
    ax.axvline(agg.rules.loyal_days - 0.5, color=charts.PALETTE["text"], ls="--", lw=1.2,
               label=f"忠诚标准 ≥ {agg.rules.loyal_days} 天")
    ax.set_yscale("symlog", linthresh=10)
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda val, _: f"{fmt.fmt_int(val)}"))
    ax.set_xlabel("最长连续活跃天数")
    ax.set_ylabel("粉丝数（对数刻度）")
    ax.set_title("粉丝的最长连续活跃天数")
    ax.legend(loc="upper right")
    return fig


def retention_chart(sec: FanSection) -> Figure | fmt.HtmlBlock:
    """Retention curves per follow week (only the days each cohort has reached) and the average."""
    c = sec.agg.cohorts
    if c.empty:
        return _no_data("新粉留存", "本月没有关注事件")
    fig, ax = charts._figure()
    colours = [charts.PALETTE["new"], charts.PALETTE["net"], charts.PALETTE["anomaly"],
               charts.PALETTE["cancel"], "#8A6FDF", "#576B95"]
    for i, (_, r) in enumerate(c.iterrows()):
        xs, ys = [0], [100.0]
        for k in RETENTION_DAYS:
            if r[f"eligible_{k}"]:
                xs.append(k)
                ys.append(r[f"kept_{k}"] / r[f"eligible_{k}"] * 100)
        ax.plot(xs, ys, marker="o", ms=4, lw=1.4, color=colours[i % len(colours)],
                label=f"{r['start']:%m-%d} 起（{fmt.fmt_int(int(r['members']))} 人）")
    avg_x, avg_y = [0], [100.0]
    for k in RETENTION_DAYS:
        value, _ = sec.agg.retention(k)
        if value is not None:
            avg_x.append(k)
            avg_y.append(value * 100)
    ax.plot(avg_x, avg_y, color=charts.PALETTE["text"], ls="--", lw=2, label="加权平均")
    ax.set_xticks([0, *RETENTION_DAYS], ["关注日", *(f"第 {k} 天" for k in RETENTION_DAYS)])
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_int(v)}%"))
    low = min(min(ax.get_lines()[i].get_ydata()) for i in range(len(ax.get_lines())))
    ax.set_ylim(max(0, low - 5), 101)
    ax.set_ylabel("未取关比例")
    ax.set_title("新关注粉丝留存（按关注周，只画已满 k 天的点）")
    ax.legend(loc="lower left", fontsize=9, ncols=2)
    return fig
