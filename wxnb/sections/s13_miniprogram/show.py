"""Section 13 小程序经营分析, what shows it: the key table, the funnel, pages, retention,
revenue, channel and launch tables, and their charts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.io import miniprogram as mp
from wxnb.io.miniprogram import ORDERS_FILE, PERFORMANCE
from wxnb.kit import charts, fmt
from wxnb.sections.s13_miniprogram import words
from wxnb.sections.s13_miniprogram.compute import (
    INPUTS,
    SEED_CHANNELS,
    MpSection,
    best_channel,
    cohort_weeks,
)

__all__ = [
    "benchmarks_html",
    "channels_chart",
    "channels_html",
    "daily_chart",
    "funnel_chart",
    "funnel_html",
    "key_html",
    "launch_chart",
    "launch_html",
    "money_html",
    "next_month_html",
    "pages_html",
    "portrait_html",
    "retention_chart",
    "retention_html",
]

_STATUS_CSS = {"达标": "ok", "预警": "warn", "未达标": "bad"}
_ROLE = {"home": "首页", "detail": "商品详情页", "other": ""}


def _p(p: float | None) -> str:
    return "—" if p is None else "< 0.001" if p < 0.001 else f"{p:.3f}"


def _ci(lo: float, hi: float) -> str:
    return "—" if math.isnan(lo) else f"{fmt.fmt_pct(lo)}–{fmt.fmt_pct(hi)}"


def _ms(v: float | None) -> str:
    return fmt.fmt_int(v, " ms")


def _missing(what: str, need: str) -> fmt.HtmlBlock:
    return fmt.notes([f"未提供{what}（需 {need}）"], title=what)


# --------------------------------------------------------------------------- management


def key_html(sec: MpSection) -> fmt.HtmlBlock:
    """指标 | 本月 | 环比 | 状态: 支付转化率, 七日留存, ARPU, 启动耗时 (a phone's width)."""
    rows = words.key_rows(sec)
    css = [["", "", "", _STATUS_CSS.get(r[3], "")] for r in rows]
    need = words.missing_inputs(sec)
    caption = "环比：比率为百分点，金额与耗时为相对变化"
    if need:
        caption += "；未提供：" + "；".join(f"{k}需{v}" for k, v in need.items()) + "（见数据说明）"
    return fmt.table(rows, ["指标", "本月", "环比", "状态"], numeric=(1, 2), css=css,
                     caption=caption)


# --------------------------------------------------------------------------- funnel


def funnel_html(sec: MpSection) -> fmt.HtmlBlock:
    """Each step: users (人·日), step conversion with its Wilson interval, users lost, last
    month, the change and the Holm-adjusted p-value; and the detail-page stay."""
    f = sec.funnel
    if f.home_uv is None and f.detail_uv is None:
        return _missing("漏斗数据", INPUTS[0])
    rows = [["首页访问", fmt.fmt_int(f.home_uv), "—", "—", "—", "—", "—", "—"]]
    for s in sec.steps:
        if s.kind == "seconds":
            rows.append([s.name, "—", f"{fmt.fmt_num(s.value, 1)} 秒", "—", "—",
                         f"{fmt.fmt_num(s.prev, 1)} 秒" if s.prev is not None else "—",
                         fmt.fmt_signed_pct(s.change), _p(s.p_adj)])
            continue
        unit = "次" if s.key == "home_ctr" else "人·日"
        rows.append([s.name, f"{fmt.fmt_int(s.k)} {unit}" if s.k is not None else "—",
                     fmt.fmt_pct(s.value), _ci(*s.ci),
                     fmt.fmt_int(s.lost) if s.lost is not None else "—",
                     fmt.fmt_pct(s.prev), fmt.fmt_pp(s.change) if s.prev is not None else "—",
                     _p(s.p_adj)])
    css = [["", "", "", "", "", "", "bad" if s.declined else "", ""] for s in sec.steps]
    return fmt.table(rows, ["环节", "人数 / 次数", "转化", "95% 区间", "流失", "上月", "变化",
                            "p（Holm）"],
                     numeric=(1, 2, 3, 4, 5, 6, 7), css=[[""] * 8, *css],
                     caption="人数为每日去重人数之和（人·日）；首页点击率按访问次数；区间为 Wilson 95%；"
                             "与上月的差异：比率用两比例 z 检验、停留按日用 Welch t 检验，四项一起做 Holm 校正"
                             f"（显著且变化 ≥ {fmt.fmt_num(sec.params.funnel_material_pp * 100, 1)} "
                             "个百分点或 10% 标红）")


def funnel_chart(sec: MpSection) -> Figure | fmt.HtmlBlock:
    """Users at each step, this month and last, each step's conversion written beside it."""
    f, b = sec.funnel, sec.prev_funnel
    if f.home_uv is None or f.detail_uv is None:
        return _missing("漏斗数据", INPUTS[0])
    labels = ["首页访问", "商品详情页访问", "支付"]
    now = [f.home_uv, f.detail_uv, f.payers]
    before = [b.home_uv, b.detail_uv, b.payers] if b is not None else [None] * 3
    fig, ax = charts._figure(8.0, 3.2)
    y = np.arange(len(labels))[::-1]
    ax.barh(y + 0.18, [v or 0 for v in now], height=0.34, color=charts.PALETTE["new"],
            label="本月")
    if b is not None:
        ax.barh(y - 0.18, [v or 0 for v in before], height=0.34, color=charts.PALETTE["muted"],
                label="上月")
    rates = [None, f.detail_rate, f.pay_conversion]
    for yi, v, r in zip(y, now, rates, strict=True):
        if v is not None:
            text = f" {fmt.fmt_int(v)}" + (f"（{fmt.fmt_pct(r)}）" if r is not None else "")
            ax.text(v, float(yi) + 0.18, text, va="center", fontsize=9,
                    color=charts.PALETTE["text"])
    ax.set_yticks(y, labels)
    ax.set_xlim(0, max(v or 0 for v in [*now, *before]) * 1.35 or 1)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: fmt.fmt_int(v)))
    ax.set_xlabel("人·日（每日去重人数之和）")
    ax.set_title("小程序转化漏斗（括号内为上一步到本步的转化）")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    return fig


def daily_chart(sec: MpSection) -> Figure | fmt.HtmlBlock:
    """Daily paying share of detail-page users (line) and the detail pages' stay (bars)."""
    d = sec.daily
    if d.empty or d["pay_rate"].isna().all():
        return _missing("每日支付转化", f"{INPUTS[0]} 与 {ORDERS_FILE}")
    fig, ax = charts._figure()
    bars = ax.twinx()
    stay = sec.funnel.stay_daily.reindex(d.index)
    bars.bar(d.index, stay, color=charts.PALETTE["muted"], width=0.7, alpha=0.55,
             label="详情页次均停留（秒）")
    bars.set_ylabel("停留（秒）")
    bars.grid(False)
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(d.index, d["pay_rate"] * 100, color=charts.PALETTE["new"], marker="o", ms=3,
            lw=1.8, label="支付转化率")
    prev = sec.step("pay_conversion").prev
    if prev is not None:
        ax.axhline(prev * 100, color=charts.PALETTE["cancel"], ls="--", lw=1.2,
                   label=f"上月 {fmt.fmt_pct(prev)}")
    ax.set_ylabel("支付转化率（%）")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_num(v, 1)}%"))
    ax.set_xlim(d.index[0] - pd.Timedelta(hours=18), d.index[-1] + pd.Timedelta(hours=18))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=3))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.set_title("每日支付转化率与商品详情页停留")
    ax.legend(loc="upper right", ncols=2)
    return fig


def pages_html(sec: MpSection) -> fmt.HtmlBlock:
    """The month's pages by visits (top 12)."""
    t = sec.pages
    if t.empty:
        return _missing("访问页面", INPUTS[0])
    rows = [[path, _ROLE.get(r["role"], ""), fmt.fmt_int(r["pv"]), fmt.fmt_int(r["uv"]),
             f"{fmt.fmt_num(r['stay'], 1)} 秒", fmt.fmt_int(r["entry"]),
             fmt.fmt_pct(r["exit_rate"]), fmt.fmt_int(r["share"])]
            for path, r in t.iterrows()]
    return fmt.table(rows, ["页面路径", "漏斗角色", "访问次数", "访问人数（人·日）", "次均停留",
                            "入口次数", "退出率", "分享次数"],
                     numeric=(2, 3, 4, 5, 6, 7), wrap=(0,),
                     caption="按访问次数排列的前 12 个页面；退出率 = 退出次数 ÷ 访问次数")


# --------------------------------------------------------------------------- retention


_KEYS = list(mp.RETAIN_KEYS[1:])


def retention_chart(sec: MpSection) -> Figure | fmt.HtmlBlock:
    """Pooled new-user retention by day, this month and last (censored cohorts left out)."""
    r = sec.retention
    if not r.pooled:
        return _missing("日留存", f"wxa_{mp.DAILY_RETAIN}_*.json")
    fig, ax = charts._figure(8.0, 3.4)
    x = np.arange(len(_KEYS))
    for ret, label, color in ((r, "本月", charts.PALETTE["new"]),
                              (sec.prev_retention, "上月", charts.PALETTE["muted"])):
        if ret is None:
            continue
        ys = [ret.pooled.get(k, math.nan) * 100 for k in _KEYS]
        ax.plot(x, ys, marker="o", ms=4, lw=1.8, color=color, label=label)
    ax.set_xticks(x, [f"第{k}天" for k in _KEYS])
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_num(v, 0)}%"))
    ax.set_ylim(0, None)
    ax.set_ylabel("留存率（%）")
    ax.set_title("新用户留存曲线（只计已满 k 天的首访日队列）")
    ax.legend(loc="upper right")
    return fig


def retention_html(sec: MpSection) -> fmt.HtmlBlock:
    """The cohort triangle by week of first visit; — where no cohort of the week is observed."""
    t = cohort_weeks(sec.retention)
    if t.empty:
        return _missing("日留存", f"wxa_{mp.DAILY_RETAIN}_*.json")
    rows = []
    for label, r in t.iterrows():
        cells = [str(label), fmt.fmt_int(r["users"])]
        for k in _KEYS:
            v, n = r[k], int(r[f"n{k}"])
            text = "—" if math.isnan(v) else fmt.fmt_pct(v)
            if not math.isnan(v) and n < int(r["days"]):
                text += f"（{n}/{int(r['days'])} 天）"
            cells.append(text)
        rows.append(cells)
    r = sec.retention
    pooled = ["全月", fmt.fmt_int(int(r.cohorts[0].sum()))] + [
        fmt.fmt_pct(r.pooled[k]) if k in r.pooled else "—" for k in _KEYS]
    return fmt.table([*rows, pooled], ["首访日", "新用户", *[f"第{k}天" for k in _KEYS]],
                     numeric=tuple(range(1, 2 + len(_KEYS))),
                     caption=f"第 k 天留存 = 第 k 天回访的新用户 ÷ 首访日新用户，按周合并；观察截止 "
                             f"{r.end:%m-%d}，尚未满 k 天的队列不计入（—，或括号内为已满的天数）")


def next_month_html(sec: MpSection) -> fmt.HtmlBlock:
    """次月活跃 per monthly cohort: observed, or right-censored with the file that gives it."""
    if not sec.next_month:
        return _missing("月留存", f"wxa_{mp.MONTHLY_RETAIN}_*.json")
    rows = []
    for c in sec.next_month:
        if c.rate is None:
            rows.append([fmt.month_cn(c.cohort), fmt.fmt_int(c.new), "—", "—", "—",
                         f"右删失：需 {c.source}"])
        else:
            rows.append([fmt.month_cn(c.cohort), fmt.fmt_int(c.new), fmt.fmt_int(c.active),
                         fmt.fmt_pct(c.rate), _ci(*c.ci), "已观察"])
    return fmt.table(rows, ["新用户月份", "新用户", "次月仍访问", "次月活跃率", "95% 区间", "状态"],
                     numeric=(1, 2, 3), wrap=(5,),
                     caption="月留存：当月新用户在下一个自然月内再次访问的人数；下月结束前无法观察")


# --------------------------------------------------------------------------- money


def money_html(sec: MpSection) -> fmt.HtmlBlock:
    m, b = sec.money, sec.prev_money
    if m.revenue is None and m.active is None:
        return _missing("收入数据", f"{ORDERS_FILE} 与 wxa_{mp.MONTHLY_VISIT}_*.json")

    def pair(now: float | None, before: float | None, show: str) -> list[str]:
        form = {"int": fmt.fmt_int, "money": fmt.fmt_money,
                "yuan": lambda v: "—" if v is None else f"{fmt.fmt_num(v, 1)} 元",
                "pct": fmt.fmt_pct}[show]
        change = "—"
        if now is not None and before:
            change = fmt.fmt_pp((now - before) * 100) if show == "pct" else \
                fmt.fmt_signed_pct(now / before - 1)
        return [form(now), form(before) if before is not None else "—", change]

    items = [("收入", m.revenue, b.revenue if b else None, "money"),
             ("订单数", m.orders, b.orders if b else None, "int"),
             ("付费用户（月内去重）", m.payers, b.payers if b else None, "int"),
             ("当月活跃用户（月内去重）", m.active, b.active if b else None, "int"),
             ("ARPU", m.arpu, b.arpu if b else None, "yuan"),
             ("ARPPU", m.arppu, b.arppu if b else None, "yuan"),
             ("付费率", m.pay_rate, b.pay_rate if b else None, "pct"),
             ("客单价", m.per_order, b.per_order if b else None, "yuan")]
    rows = [[name, *pair(now, before, show)] for name, now, before, show in items]
    return fmt.table(rows, ["指标", "本月", "上月", "变化"], numeric=(1, 2, 3),
                     caption="ARPU = 收入 ÷ 当月活跃用户；ARPPU = 收入 ÷ 付费用户；付费率 = 付费用户 ÷ "
                             "当月活跃用户；收入为 mp_orders.csv 的实付金额")


# --------------------------------------------------------------------------- channels


def channels_html(sec: MpSection) -> fmt.HtmlBlock:
    rows, css = [], []
    if not sec.channels:
        return _missing("入口渠道", f"wxa_{mp.DISTRIBUTION}_*.json")
    have_orders = sec.inputs.orders is not None
    for c in sec.channels:
        mark = "（重点入口）" if c.key in SEED_CHANNELS else ""
        rows.append([c.name + mark, fmt.fmt_int(c.sessions) if c.sessions else "—",
                     fmt.fmt_pct(c.share), fmt.fmt_pct(c.prev_share),
                     fmt.fmt_int(c.orders) if have_orders and c.orders is not None else "—",
                     fmt.fmt_money(c.revenue) if have_orders and c.revenue is not None
                     else "—",
                     fmt.fmt_num(c.per_k, 1) if c.per_k is not None else "—",
                     _p(c.p)])
        css.append(["", "", "", "", "", "", "ok" if c.p is not None and c.p < 0.05
                    and c is best_channel(sec.channels) else "", ""])
    return fmt.table(rows, ["入口（访问来源）", "打开次数", "占比", "上月占比", "订单", "收入",
                            "每千次打开订单", "p（Bonferroni）"],
                     numeric=(1, 2, 3, 4, 5, 6, 7), wrap=(0,), css=css,
                     caption="打开次数来自访问分布（按访问来源）；订单按其场景值归入访问来源（没有已知"
                             "场景值的来源不列订单）；打开少于 "
                             "1,000 次的入口不参与比较；p 为该入口与其余入口每次打开的订单率之差"
                             "（两比例 z 检验，按比较的入口数 Bonferroni 校正）")


def channels_chart(sec: MpSection, top: int = 10) -> Figure | fmt.HtmlBlock:
    rows = [c for c in sec.channels if c.key is not None and c.sessions][:top]
    if not rows:
        return _missing("入口渠道", f"wxa_{mp.DISTRIBUTION}_*.json")
    rows = rows[::-1]
    fig, ax = charts._figure(8.0, 0.42 * len(rows) + 1.4)
    y = np.arange(len(rows))
    colors = [charts.PALETTE["net"] if c.key in SEED_CHANNELS else charts.PALETTE["new"]
              for c in rows]
    ax.barh(y, [(c.share or 0) * 100 for c in rows], color=colors)
    for yi, c in zip(y, rows, strict=True):
        tail = f"，{fmt.fmt_num(c.per_k, 1)} 单/千次" if c.per_k is not None else ""
        ax.text((c.share or 0) * 100, float(yi), f" {fmt.fmt_pct(c.share)}{tail}", va="center",
                fontsize=9, color=charts.PALETTE["text"])
    ax.set_yticks(y, [charts.safe_label(c.name) for c in rows])
    ax.set_xlim(0, max((c.share or 0) for c in rows) * 100 * 1.6)
    ax.set_xlabel("打开次数占比（%）")
    ax.set_title("小程序入口：打开次数占比与每千次打开的订单（蓝色为重点入口）")
    ax.grid(axis="y", visible=False)
    return fig


# --------------------------------------------------------------------------- launch


def launch_html(sec: MpSection) -> fmt.HtmlBlock:
    stages = sec.launch.stages
    if not stages:
        return _missing("启动性能数据", f"wxa_{PERFORMANCE}_*.json")
    rows, css = [], []
    for s in stages:
        rows.append([s.zh, _ms(s.mean), _ms(s.prev) if s.prev is not None else "—",
                     fmt.fmt_signed_pct(s.change) if s.change is not None else "—", _p(s.p_adj),
                     fmt.fmt_pct(s.share, 0) if s.share is not None else "—",
                     f"≤ {_ms(s.standard)}" if s.standard else "未设标准", s.status])
        css.append(["", "", "", "bad" if s.slower else "", "", "", "",
                    _STATUS_CSS.get(s.status, "")])
    return fmt.table(rows, ["阶段", "本月均值", "上月均值", "变化", "p（Holm）", "占总耗时", "标准",
                            "状态"],
                     numeric=(1, 2, 3, 4, 5), wrap=(0,), css=css,
                     caption="getPerformanceData 启动各阶段耗时的每日值取月均值；与上月按日比较（Welch t "
                             "检验，启动总耗时以外的阶段一起 Holm 校正）；总耗时的标准与 06 技术支撑相同")


def launch_chart(sec: MpSection) -> Figure | fmt.HtmlBlock:
    stages = sec.launch.stages
    if not stages:
        return _missing("启动性能数据", f"wxa_{PERFORMANCE}_*.json")
    fig, ax = charts._figure(8.0, 0.55 * len(stages) + 1.4)
    y = np.arange(len(stages))[::-1]
    ax.barh(y + 0.18, [s.mean for s in stages], height=0.34, color=[
        charts.PALETTE["cancel"] if s.slower else charts.PALETTE["new"] for s in stages],
        label="本月")
    if any(s.prev is not None for s in stages):
        ax.barh(y - 0.18, [s.prev or 0 for s in stages], height=0.34,
                color=charts.PALETTE["muted"], label="上月")
    total = sec.launch.total
    if total is not None and total.standard:
        ax.axvline(total.standard, color=charts.PALETTE["text"], ls="--", lw=1.2,
                   label=f"总耗时标准 {fmt.fmt_int(total.standard)} ms")
    ax.set_yticks(y, [charts.safe_label(s.zh) for s in stages])
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: fmt.fmt_int(v)))
    ax.set_xlabel("毫秒（每日值的月均值）")
    ax.set_title("小程序启动各阶段耗时（红色为显著变慢的阶段）")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    return fig


# --------------------------------------------------------------------------- portrait


_DIMS = {"genders": "性别", "platforms": "平台", "ages": "年龄", "province": "省份",
         "devices": "机型"}


def portrait_html(sec: MpSection, top: int = 3) -> fmt.HtmlBlock:
    p = sec.inputs.portrait
    if p is None:
        return _missing("用户画像", f"wxa_{mp.PORTRAIT}_*.json")
    rows = []
    for dim, label in _DIMS.items():
        cells = [label]
        for kind in ("new", "active"):
            part = p[(p["dimension"] == dim) & (p["kind"] == kind)]
            total = part["value"].sum()
            best = part.sort_values("value", ascending=False).head(top)
            cells.append("、".join(f"{r['name']} {fmt.fmt_pct(r['value'] / total, 0)}"
                                   for _, r in best.iterrows()) if total else "—")
        rows.append(cells)
    return fmt.table(rows, ["维度", "新用户（前三）", "活跃用户（前三）"], wrap=(1, 2),
                     caption=f"统计区间 {p['range'].iloc[0]}（接口只提供最近 1、7 或 30 天）")


def benchmarks_html(sec: MpSection) -> fmt.HtmlBlock:
    p = sec.params
    if not p.mp_benchmarks:
        return fmt.notes(["未配置小程序类型参考值（参数 mp_benchmarks）"], title="小程序类型参考值")
    rows = []
    for kind, b in p.mp_benchmarks.items():
        def rng(lo: str, hi: str, pct: bool, b: dict[str, float] = b) -> str:
            show = (lambda v: fmt.fmt_pct(v, 0)) if pct else (lambda v: f"{fmt.fmt_num(v, 1)} 元")
            if lo not in b:
                return "—"
            return show(b[lo]) + (f"–{show(b[hi])}" if hi in b else "")

        rows.append([kind + ("（本账号对照）" if kind == p.mp_type else ""),
                     rng("retention_d7_low", "retention_d7_high", True),
                     rng("arpu_low", "arpu_high", False),
                     fmt.fmt_pct(b["next_month_active"], 0) if "next_month_active" in b else "—"])
    chosen = p.mp_type or "未配置（参数 mp_type 留空，不参与比较）"
    return fmt.table(rows, ["小程序类型", "七日留存率", "ARPU", "次月活跃率"], wrap=(0,),
                     caption=f"出处：{p.mp_benchmark_source or '未填写'}；对照：{chosen}")
