"""Section 10 广告投放与ROI, what shows it: the management table, the placement, slot, weekend,
adgroup and benchmark tables, and the placement, slot and daily charts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.io.ads import HOURLY_GLOB, ORDERS_FILE
from wxnb.kit import charts, fmt
from wxnb.sections.s10_ads.compute import MIN_SLOT_DAYS, PRICING, AdsSection, key_rows, yuan
from wxnb.sections.s10_ads.words import cpa_text, p_text

__all__ = [
    "adgroups_html",
    "benchmarks_html",
    "daily_chart",
    "key_html",
    "placement_chart",
    "placements_html",
    "slot_chart",
    "slots_html",
    "weekend_html",
]


# --------------------------------------------------------------------------- tables


def key_html(sec: AdsSection) -> fmt.HtmlBlock:
    """The management table: per placement (largest spend first, at most three and 合计)
    版位 | 花费 | 点击率 | 转化成本, in plain words."""
    few = sec.params.ads_min_conversions
    rows = [[name, fmt.fmt_money(t.cost), fmt.fmt_pct(t.ctr, 2), cpa_text(t, few, stats=False)]
            for name, t in key_rows(sec)]
    return fmt.table(rows, ["版位", "花费", "点击率", "转化成本"], numeric=(1, 2, 3), wrap=(0,),
                     caption="按花费从高到低；转化成本 = 花费 ÷ 转化次数，转化少的版位波动大")


def _mom_cost(sec: AdsSection, name: str, cost: float) -> str:
    prev = sec.prev_placements
    if prev is None:
        return "无上月数据"
    if name not in prev.index or not prev.at[name, "cost"]:
        return "上月未投放"
    return fmt.fmt_signed_pct(cost / float(prev.at[name, "cost"]) - 1)


def placements_html(sec: AdsSection) -> fmt.HtmlBlock:
    """Every placement and the total: spend (and 环比), views, clicks, CTR with its interval,
    CPC, CPM, conversions, CVR, CPA with its interval, revenue and ROI."""
    few = sec.params.ads_min_conversions
    rows = []
    items = list(zip(sec.placements.index, sec.placements["t"], strict=True))
    for name, t in [*items, ("合计", sec.total)]:
        ci = t.ctr_ci
        mom = _mom_cost(sec, str(name), t.cost) if name != "合计" else sec.mom("cost")[1]
        rows.append([
            name, PRICING.get(str(name), "—") if name != "合计" else "—", yuan(t.cost), mom,
            fmt.fmt_int(t.views), fmt.fmt_int(t.clicks),
            f"{fmt.fmt_pct(t.ctr, 2)}（{fmt.fmt_pct(ci[0], 2)}–{fmt.fmt_pct(ci[1], 2)}）",
            yuan(t.cpc), yuan(t.cpm),
            fmt.fmt_int(t.conversions) if t.conversions is not None else "—",
            fmt.fmt_pct(t.cvr, 2), cpa_text(t, few),
            yuan(t.revenue) if t.revenue is not None else "—",
            fmt.fmt_num(t.roi, 2) if t.roi is not None else "—"])
    return fmt.table(
        rows, ["版位", "主要计费（行业惯例）", "花费", "花费环比", "曝光", "点击", "点击率（95% 置信区间）",
               "点击成本", "千次曝光成本", "转化", "转化率", "转化成本（95% 置信区间）", "归因收入", "ROI"],
        numeric=(2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13), wrap=(0, 11),
        caption="点击率 = valid_click_count ÷ view_count（Wilson 区间）；转化成本区间把转化次数视为"
                "泊松计数；主要计费方式为种子方案第七节的版位定位（朋友圈 CPM、公众号底部 CPC、"
                "小程序激励式 CPI），非本账号的实际出价方式")


def adgroups_html(sec: AdsSection) -> fmt.HtmlBlock:
    """Per adgroup: id, name, placement, spend, views, CTR, conversions, CPA."""
    d = sec.daily
    g = d.groupby("adgroup_id")
    t = pd.DataFrame({"name": g["adgroup_name"].agg(lambda s: next((x for x in s if x), "")),
                      "placement": g["placement"].agg(lambda s: "、".join(dict.fromkeys(s))),
                      "views": g["views"].sum(), "clicks": g["clicks"].sum(),
                      "cost": g["cost_fen"].sum() / 100, "conversions": g["conversions"].sum()})
    rows = []
    for gid, r in t.sort_values("cost", ascending=False).iterrows():
        conv = int(r["conversions"]) if sec.has_conversions else None
        rows.append([gid, r["name"] or "—", r["placement"], yuan(r["cost"]),
                     fmt.fmt_int(r["views"]),
                     fmt.fmt_pct(r["clicks"] / r["views"] if r["views"] else None, 2),
                     fmt.fmt_int(conv) if conv is not None else "—",
                     yuan(r["cost"] / conv) if conv else ("无转化" if conv == 0 else "—")])
    return fmt.table(rows, ["广告组 id", "广告组名称", "版位", "花费", "曝光", "点击率", "转化",
                            "转化成本"], numeric=(3, 4, 5, 6, 7), wrap=(1, 2),
                     caption=f"共 {len(rows)} 个广告组，按花费从高到低")


def slots_html(sec: AdsSection) -> fmt.HtmlBlock:
    """Per time slot: views, clicks, CTR with interval, CVR, CPC, weekday and weekend CTR."""
    s = sec.slots
    if s is None:
        return fmt.notes([f"未提供小时报表（{HOURLY_GLOB}），无法比较投放时段"], title="投放时段")
    best = sec.slot.slot if sec.slot is not None else None
    rows, css = [], []
    for slot, r in s.iterrows():
        note = "最佳" if slot == best else ("" if r["eligible"] else
                                             ("无曝光" if not r["views"] else "曝光不足，未比较"))
        rows.append([r["label"], fmt.fmt_int(r["views"]), fmt.fmt_int(r["clicks"]),
                     f"{fmt.fmt_pct(r['ctr'], 2)}（{fmt.fmt_pct(r['ctr_lo'], 2)}–"
                     f"{fmt.fmt_pct(r['ctr_hi'], 2)}）" if r["views"] else "—",
                     fmt.fmt_pct(r["cvr"], 2), yuan(r["cpc"]), fmt.fmt_pct(r["weekday_ctr"], 2),
                     fmt.fmt_pct(r["weekend_ctr"], 2), note])
        css.append(["", "", "", "ok" if slot == best else "", "", "", "", "", ""])
    v = sec.slot
    cap = "曝光足够的时段不足两个，未判断最佳时段"
    if v is not None and not v.tested:
        cap = (f"点击率最高的时段 {v.label}：小时报表可比的只有 {v.days} 天（以天为单位的检验至少需要 "
               f"{MIN_SLOT_DAYS} 天），未判断是否稳定高于其余时段")
    elif v is not None:
        cap = (f"最佳时段 {v.label} 对其余时段：以天为单位（逐日对比同一天其余时段，按版位调整）的"
               f"符号翻转检验，{v.days} 天 {p_text(v.versus.p)}，按 {v.k} 个时段 Bonferroni 校正 "
               f"{p_text(v.p_adj)}" + ("，差异显著" if v.distinguishable else "，无显著差异")
               + "；括号内 Wilson 区间把曝光视为独立，只表示计数精度")
    return fmt.table(rows, ["时段", "曝光", "点击", "点击率（95% 置信区间）", "转化率", "点击成本",
                            "工作日点击率", "周末点击率", "备注"],
                     numeric=(1, 2, 3, 4, 5, 6, 7), css=css, caption=cap)


def weekend_html(sec: AdsSection) -> fmt.HtmlBlock:
    """Weekday against weekend CTR per placement and in total (from the daily report)."""
    w = sec.weekend
    if w is None:
        return fmt.notes(["本月数据只有工作日或只有周末，无法比较"], title="工作日与周末")
    d = sec.daily.assign(weekend=sec.daily["date"].dt.day_of_week >= 5)
    rows = []
    for name, part in [*d.groupby("placement", sort=False), ("合计", d)]:
        cells = []
        for flag in (False, True):
            x = part[part["weekend"] == flag]
            v, c = int(x["views"].sum()), int(x["clicks"].sum())
            cells.append(fmt.fmt_pct(c / v if v else None, 2))
        rows.append([name, *cells])
    return fmt.table(rows, ["版位", "工作日点击率", "周末点击率"], numeric=(1, 2), wrap=(0,),
                     caption=("周末对工作日：以天为单位、按版位调整的置换检验 "
                              + (f"{p_text(w.p)}，" + ("差异显著" if w.significant else "差异不显著")
                                 if w.p is not None else "不可做（周末或工作日不足 2 天）"))
                             + "；按日历划分，未按法定节假日与调休调整")


def benchmarks_html(sec: AdsSection) -> fmt.HtmlBlock:
    """The industry reference table of the parameters, with its source; the chosen row marked."""
    table = sec.params.ads_benchmarks
    if not table:
        return fmt.notes(["未配置行业参考值（参数 ads_benchmarks）"], title="行业参考值")
    rows, css = [], []
    for industry, b in table.items():
        ctr = (f"{fmt.fmt_pct(b.get('ctr_low'), 1)}–{fmt.fmt_pct(b.get('ctr_high'), 1)}"
               if b.get("ctr_low") is not None else "—")
        cpa = (f"{fmt.fmt_money(b.get('cpa_low'))}–{fmt.fmt_money(b.get('cpa_high'))}"
               if b.get("cpa_low") is not None else "—")
        chosen = industry == sec.params.ads_industry
        rows.append([industry + ("（本账号对照）" if chosen else ""), ctr, cpa,
                     b.get("best_slot") or "—"])
        css.append(["ok" if chosen else "", "", "", ""])
    return fmt.table(rows, ["行业", "平均点击率", "转化成本", "投放最佳时段"], numeric=(1, 2),
                     wrap=(0, 3), css=css,
                     caption=f"出处：{sec.params.ads_benchmark_source or '未写明'}")


# --------------------------------------------------------------------------- charts


def placement_chart(sec: AdsSection) -> Figure:
    """Two panels per placement: CTR with its Wilson interval, CPA with its Poisson
    interval (an open upper end drawn as an arrow)."""
    by = sec.placements
    names = [charts.safe_label(n, 14) for n in by.index]
    y = np.arange(len(by))[::-1]
    fig = Figure(figsize=(9.0, 0.6 * len(by) + 1.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, sharey=True)
    ts = list(by["t"])
    ctr = np.array([(t.ctr or 0) * 100 for t in ts])
    lo = np.array([t.ctr_ci[0] * 100 if t.views else 0 for t in ts])
    hi = np.array([t.ctr_ci[1] * 100 if t.views else 0 for t in ts])
    ax1.errorbar(ctr, y, xerr=[ctr - lo, hi - ctr], fmt="o", color=charts.PALETTE["new"],
                 capsize=4)
    ax1.set_yticks(y, names)
    ax1.set_xlabel("点击率（%），横线为 95% 置信区间")
    ax1.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_num(v, 1)}%"))
    ax1.set_title("各版位点击率")
    if sec.has_conversions:
        right = 0.0
        for yi, t in zip(y, ts, strict=True):
            if t.cpa is None:
                ax2.text(0, yi, " 无转化", va="center", fontsize=9, color=charts.PALETTE["text"])
                continue
            a, b = t.cpa_ci
            few = (t.conversions or 0) < sec.params.ads_min_conversions
            color = charts.PALETTE["anomaly"] if few else charts.PALETTE["net"]
            top = b if math.isfinite(b) else t.cpa * 4
            right = max(right, top)
            ax2.errorbar([t.cpa], [yi], xerr=[[t.cpa - a], [top - t.cpa]], fmt="o", color=color,
                         capsize=4)
            ax2.text(top, yi, f"  转化 {fmt.fmt_int(t.conversions)} 次", va="center", fontsize=9,
                     color=charts.PALETTE["text"])
        target = sec.params.target_ads_cpa
        if target is not None:
            ax2.axvline(target, color=charts.PALETTE["cancel"], ls="--", lw=1.2,
                        label=f"目标 {yuan(target)}")
            ax2.legend(loc="upper right")
            right = max(right, target)
        ax2.set_xlabel("转化成本（元），横线为 95% 置信区间")
        ax2.set_xlim(0, right * 1.4 if right else 1)
    ax2.set_title("各版位转化成本" if sec.has_conversions else "（报表没有转化次数）")
    for ax in (ax1, ax2):
        ax.grid(axis="y", visible=False)
    return fig


def slot_chart(sec: AdsSection) -> Figure | fmt.HtmlBlock:
    """CTR per time slot with Wilson intervals; the best slot highlighted, slots with too few
    views greyed, the month's CTR as a line."""
    s = sec.slots
    if s is None:
        return fmt.notes([f"未提供小时报表（{HOURLY_GLOB}）"], title="投放时段")
    fig, ax = charts._figure(9.0, 3.8)
    x = np.arange(len(s))
    best = sec.slot.slot if sec.slot is not None else None
    colors = [charts.PALETTE["anomaly"] if slot == best else
              charts.PALETTE["new"] if r["eligible"] else charts.PALETTE["muted"]
              for slot, r in s.iterrows()]
    ctr = (s["ctr"].fillna(0) * 100).to_numpy()
    ax.bar(x, ctr, color=colors, width=0.7)
    ok = s["views"].to_numpy() > 0
    err = np.array([ctr - s["ctr_lo"].fillna(0).to_numpy() * 100,
                    s["ctr_hi"].fillna(0).to_numpy() * 100 - ctr])
    ax.errorbar(x[ok], ctr[ok], yerr=err[:, ok], fmt="none", ecolor=charts.PALETTE["text"],
                capsize=3, lw=1)
    if sec.total.ctr is not None:
        ax.axhline(sec.total.ctr * 100, color=charts.PALETTE["cancel"], ls="--", lw=1.2,
                   label=f"本月点击率 {fmt.fmt_pct(sec.total.ctr, 2)}")
        ax.legend(loc="upper left")
    ax.set_xticks(x, [charts.safe_label(lbl.replace(" 点", ""), 8) for lbl in s["label"]],
                  rotation=0, fontsize=9)
    ax.set_xlabel("时段（点，北京时间）；灰色为曝光不足未参与比较")
    ax.set_ylabel("点击率（%）")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_num(v, 2)}%"))
    title = "各时段点击率（误差线为 95% 置信区间）"
    if sec.slot is not None:
        title += f"：最佳 {sec.slot.label}" + (
            "" if sec.slot.distinguishable else
            "（无显著差异）" if sec.slot.tested else "（天数不足，未检验）")
    ax.set_title(title)
    ax.grid(axis="x", visible=False)
    return fig


def daily_chart(sec: AdsSection) -> Figure:
    """Daily spend (bars) and attributed revenue (line), in 元."""
    d = sec.daily.groupby("date")["cost_fen"].sum() / 100
    fig, ax = charts._figure()
    ax.bar(d.index, d.to_numpy(), color=charts.PALETTE["muted"], width=0.7, label="花费")
    if sec.revenue is not None:
        rev = sec.revenue.groupby("date")["revenue"].sum().reindex(d.index, fill_value=0.0)
        label = "归因订单收入" if sec.revenue_source == "orders" else "平台归因下单金额"
        ax.plot(rev.index, rev.to_numpy(), color=charts.PALETTE["new"], marker="o", ms=3, lw=1.8,
                label=label)
        ax.set_title("每日广告花费与归因收入")
    else:
        ax.set_title(f"每日广告花费（未提供 {ORDERS_FILE}，无归因收入）")
    ax.set_ylabel("元")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.2)  # room for the legend
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: fmt.fmt_int(v)))
    ax.set_xlim(d.index[0] - pd.Timedelta(hours=18), d.index[-1] + pd.Timedelta(hours=18))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=3))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.legend(loc="upper left", ncols=2)
    return fig
