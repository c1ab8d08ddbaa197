"""Section 02 用户行为路径深度解析, what shows it: the stage, funnel, menu, form, push and template
tables and the funnel, menu and push charts."""

from __future__ import annotations

import math

import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.kit import charts, fmt
from wxnb.sections.s02_path.compute import PathSection, _menu_name, menu_table
from wxnb.sections.s02_path.words import _ci, _material_text, _mom_text, _pct, summary_rows

__all__ = [
    "forms_html",
    "funnel_chart",
    "rates_chart",
    "funnel_html",
    "menu_chart",
    "menu_html",
    "push_chart",
    "pushes_html",
    "summary_html",
    "templates_html",
]


# --------------------------------------------------------------------------- tables


def funnel_html(sec: PathSection) -> fmt.HtmlBlock:
    """The funnel table: users, step rate with its 95 % interval, cumulative, loss and its share
    of all users lost, 环比."""
    if not sec.steps:
        return fmt.notes(["本月没有可用于漏斗的事件"], title="转化漏斗")
    total_lost = sum(s.lost or 0 for s in sec.steps)
    rows = []
    for s in sec.steps:
        mom = "—" if s.base is None else _mom_text(sec, s.as_rate())
        share = (s.lost or 0) / total_lost if s.lost is not None and total_lost > 0 else None
        rows.append([s.label, s.who, fmt.fmt_int(s.users), _pct(s.rate), _ci(s),
                     _pct(s.cumulative, 2), fmt.fmt_int(s.lost) if s.lost is not None else "—",
                     _pct(s.drop), _pct(share), _pct(s.prev_rate), mom])
    header = ["环节", "人群", "人数", "环节转化率", "95% 置信区间", "累计转化率", "流失人数",
              "流失率", "占全部流失", "上月环节转化率", "环比"]
    return fmt.table(rows, header, numeric=(2, 3, 5, 6, 7, 8, 9), wrap=(1, 10),
                     caption=f"人数口径，同一批粉丝逐级筛选；全漏斗共流失 {fmt.fmt_int(total_lost)} 人；置信"
                             "区间为 Wilson 95% 区间；环比为环节转化率的百分点差，双比例 z 检验，"
                             f"p<0.05 且变化 ≥ {_material_text(sec)}才判为显著")


def menu_html(sec: PathSection) -> fmt.HtmlBlock:
    """Per 一级 and 二级 menu item: clicks, clickers, clicks per clicker, usage rate, 环比."""
    m = menu_table(sec)
    if m.empty:
        return fmt.notes([("本月没有菜单点击事件（CLICK / VIEW / view_miniprogram），也未提供"
                           "菜单结构（menu.json）")], title="菜单使用")
    rows, css = [], []
    for r in m.to_dict("records"):
        sub = r["level2"] if r["level"] == 2 else "（一级合计）" if any(
            (m["level1"] == r["level1"]) & (m["level"] == 2)) else "—"
        if not r["observable"]:
            rows.append([r["level1"], sub, "不产生点击事件", "—", "—", "—", "—"])
        else:
            mom = fmt.fmt_pp(r["mom_pp"], 2) if not math.isnan(r["mom_pp"]) else (
                "无上月数据" if sec.prev is None else "—")
            rows.append([r["level1"], sub, fmt.fmt_int(r["clicks"]), fmt.fmt_int(r["users"]),
                         f"{fmt.fmt_num(r['per_user'], 2)}" if r["users"] else "—",
                         _pct(r["usage"], 2), mom])
        css.append(["", "", "", "", "", "bad" if r["observable"] and r["known"]
                    and r["users"] == 0 else "", ""])
    n = sec.now
    per = f"{fmt.fmt_num(n.menu_clicks / n.menu_users, 2)}" if n.menu_users else "0"
    cap = (f"使用率 = 点击人数 ÷ 本月活跃粉丝 {fmt.fmt_int(n.active)} 人（有任一互动事件）；全部菜单点击 "
           f"{fmt.fmt_int(n.menu_clicks)} 次、{fmt.fmt_int(n.menu_users)} 人（人均 {per} 次），使用率 "
           f"{_pct(n.menu_usage, 2)}。"
           "一级合计为其下任一子菜单的去重点击人数；微信不推送“只展开一级菜单”的事件")
    return fmt.table(rows, ["一级菜单", "二级菜单 / key", "点击次数", "点击人数", "人均点击次数",
                            "使用率", "环比"], numeric=(2, 3, 4, 5, 6), wrap=(0, 1), css=css,
                     caption=cap)


def forms_html(sec: PathSection) -> fmt.HtmlBlock:
    """Per form: followers who opened it, submitted, abandoned and the abandonment rate."""
    f = sec.now.forms
    if f.empty:
        return fmt.notes(["本月事件日志中没有表单事件（form_view / form_submit），表单放弃率未追踪"],
                         title="表单放弃率")
    rows = [[r["form"], fmt.fmt_int(r["viewers"]), fmt.fmt_int(r["submitted"]),
             fmt.fmt_int(r["abandoned"]), _pct(r["abandon_rate"]),
             fmt.fmt_int(r["submit_no_view"])] for r in f.to_dict("records")]
    n = sec.now
    rows.append(["合计（粉丝 × 表单）", fmt.fmt_int(n.form_viewed),
                 fmt.fmt_int(n.form_viewed - n.form_abandoned), fmt.fmt_int(n.form_abandoned),
                 _pct(n.form_abandon), fmt.fmt_int(int(f["submit_no_view"].sum()))])
    return fmt.table(rows, ["表单", "打开人数", "其中提交", "打开未提交", "放弃率",
                            "无打开记录的提交"], numeric=(1, 2, 3, 4, 5), wrap=(0,),
                     caption="放弃率 = 本月打开过该表单但未提交的粉丝 ÷ 打开过该表单的粉丝；"
                             "无打开记录的提交（埋点缺失）不计入分母")


def pushes_html(sec: PathSection) -> fmt.HtmlBlock:
    """One row per mass push (MASSSENDJOBFINISH) with arrival, filtered and error shares."""
    p = sec.now.pushes
    if p.empty:
        return fmt.notes(["本月事件日志中没有群发结果（MASSSENDJOBFINISH），推送到达率无法计算"],
                         title="群发到达")
    rows = [[f"{r['time']:%m-%d %H:%M}", r["msgid"], r["status"], fmt.fmt_int(r["total"]),
             fmt.fmt_int(r["filter"]), fmt.fmt_int(r["sent"]), fmt.fmt_int(r["error"]),
             fmt.fmt_int(r["total"] - r["filter"]), _pct(r["arrival"]),
             _pct(r["filtered_share"]), _pct(r["error_share"], 2)]
            for r in p.to_dict("records")]
    t = p[["total", "filter", "sent", "error"]].sum()

    def share(v: float) -> float | None:
        return v / t["total"] if t["total"] else None

    rows.append(["本月合计", f"{len(p)} 次", "", fmt.fmt_int(t["total"]),
                 fmt.fmt_int(t["filter"]), fmt.fmt_int(t["sent"]), fmt.fmt_int(t["error"]),
                 fmt.fmt_int(t["total"] - t["filter"]), _pct(sec.now.arrival),
                 _pct(share(t["total"] - t["filter"])), _pct(share(t["error"]), 2)])
    return fmt.table(rows, ["完成时间", "MsgID", "状态", "TotalCount", "FilterCount",
                            "SentCount", "ErrorCount", "被过滤", "到达率", "过滤占比",
                            "失败占比"],
                     numeric=(3, 4, 5, 6, 7, 8, 9, 10), wrap=(1,),
                     caption="到达率 = SentCount ÷ TotalCount；FilterCount 是过滤后准备发送的"
                             "人数，过滤占比 = (TotalCount − FilterCount) ÷ TotalCount；失败占比 = "
                             "ErrorCount ÷ TotalCount")


def templates_html(sec: PathSection) -> fmt.HtmlBlock:
    """Template message results by status (TEMPLATESENDJOBFINISH)."""
    t = sec.now.templates
    if t.empty:
        return fmt.notes(["本月事件日志中没有模板消息结果（TEMPLATESENDJOBFINISH）"],
                         title="模板消息")
    total = int(t["n"].sum())
    rows = [[r["label"], r["status"], fmt.fmt_int(r["n"]), _pct(r["n"] / total, 2),
             fmt.fmt_int(r["users"])] for r in t.to_dict("records")]
    rows.append(["合计", "", fmt.fmt_int(total), "100.00%", ""])
    return fmt.table(rows, ["结果", "Status（去空格、小写）", "条数", "占比", "接收人数"],
                     numeric=(2, 3, 4),
                     caption="送达率 = success ÷ 全部；拒收率 = failed:user block ÷ 全部；"
                             "微信不回传模板消息的打开与点击")


def summary_html(sec: PathSection) -> fmt.HtmlBlock:
    """The seed's table: 行为阶段 | 关键指标 | 本月表现 | 环比 | 优化方向 (computed)."""
    rows = summary_rows(sec)
    css = [["", "", "", "", "warn" if r.bad else ""] for r in rows]
    material = _material_text(sec)
    return fmt.table([[r.stage, r.metric, r.value_text, r.mom_text, r.direction] for r in rows],
                     ["行为阶段", "关键指标", "本月表现", "环比", "优化方向"],
                     numeric=(2,), wrap=(2, 3, 4), css=css,
                     caption="优化方向由数据判定：标出全漏斗最大流失环节，以及较上月显著（p<0.05）"
                             f"且变化 ≥ {material}的恶化；其余为“无显著变化”")


# --------------------------------------------------------------------------- charts


def funnel_chart(sec: PathSection) -> Figure | fmt.HtmlBlock:
    """Users per step on a linear scale (the drop is what a funnel shows), each bar labelled
    with its count and step rate. The step rates with their intervals are
    :func:`rates_chart`. The management layer's chart: drawn small (≈ 530 px wide), so a 390 px
    phone shows it at two thirds of its size and its labels stay legible."""
    steps = sec.steps
    if not steps or steps[0].users == 0 or all(s.rate is None for s in steps):
        return fmt.notes(["本月没有可用于漏斗的事件"], title="转化漏斗")
    fig = Figure(figsize=(4.8, 2.8), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(steps))[::-1]
    users = [max(s.users, 0) for s in steps]
    ax.barh(y, users, color=charts.PALETTE["new"], height=0.6)
    for yy, s in zip(y, steps, strict=True):
        tail = "" if s.rate is None else f"（{_pct(s.rate)}）"
        ax.text(max(s.users, 0), yy, f" {fmt.fmt_count(s.users)}{tail}", va="center",
                fontsize=11, color=charts.PALETTE["text"])
    ax.set_yticks(y, [s.name for s in steps])
    ax.set_xlim(0, max(users) * 1.6)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(4))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: fmt.fmt_count(v)))
    ax.set_xlabel("人数")
    ax.set_title("转化漏斗（括号内为环节转化率）")
    ax.grid(axis="y", visible=False)
    return fig


def rates_chart(sec: PathSection) -> Figure | fmt.HtmlBlock:
    """Each step's rate this month with its Wilson 95 % interval, beside last month's; the
    significant changes marked."""
    rated = [s for s in sec.steps if s.rate is not None]
    if not rated:
        return fmt.notes(["本月没有可用于漏斗的事件"], title="环节转化率")
    fig = Figure(figsize=(6.8, 3.3), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(rated))
    rates = np.array([s.rate for s in rated]) * 100
    lo = np.array([s.ci[0] for s in rated]) * 100
    hi = np.array([s.ci[1] for s in rated]) * 100
    ax.bar(x - 0.18, rates, width=0.36, color=charts.PALETTE["new"], label="本月",
           yerr=[rates - lo, hi - rates], capsize=3, ecolor=charts.PALETTE["text"])
    before = [s.prev_rate * 100 if s.prev_rate is not None else np.nan for s in rated]
    if any(not math.isnan(b) for b in before):
        ax.bar(x + 0.18, before, width=0.36, color=charts.PALETTE["muted"], label="上月")
    for xi, s in zip(x, rated, strict=True):
        if s.notable:
            ax.text(xi, (s.ci[1] or 0) * 100, "显著", ha="center", va="bottom", fontsize=9,
                    color=charts.PALETTE["cancel"])
    ax.set_xticks(x, [s.label for s in rated])
    ax.set_ylabel("环节转化率（%）")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_int(v)}%"))
    ax.set_title("环节转化率与 95% 置信区间")
    # Without a previous month every "before" bar is NaN: the axis follows this month alone.
    ax.set_ylim(0, max([float(np.nanmax(hi)), *[b for b in before if not math.isnan(b)]])
                * 1.3 + 1)
    ax.legend(loc="upper center", ncols=2)
    return fig


def menu_chart(sec: PathSection, top: int = 12) -> Figure | fmt.HtmlBlock:
    """Usage rate per clickable menu item (二级 items and top-level buttons), unknown keys grey."""
    m = menu_table(sec)
    if m.empty:
        return fmt.notes(["没有菜单数据"], title="菜单使用率")
    parents = set(m.loc[m["level"] == 2, "level1"])
    leaf = m[((m["level"] == 2) | ~m["level1"].isin(parents)) & m["observable"]]
    leaf = leaf.sort_values(["usage", "clicks"], ascending=False).head(top).iloc[::-1]
    if leaf.empty:
        return fmt.notes(["菜单项都不产生点击事件"], title="菜单使用率")
    fig, ax = charts._figure(8.0, 0.42 * len(leaf) + 1.4)
    labels = [charts.safe_label(_menu_name(r), 28) for r in leaf.to_dict("records")]
    colors = [charts.PALETTE["net"] if k else charts.PALETTE["muted"] for k in leaf["known"]]
    yy = np.arange(len(leaf))
    ax.barh(yy, leaf["usage"] * 100, color=colors)
    for y0, (u, n) in enumerate(zip(leaf["usage"], leaf["users"], strict=True)):
        ax.text(u * 100, y0, f" {fmt.fmt_num(u * 100, 2)}%（{fmt.fmt_int(n)} 人）", va="center", fontsize=9)
    ax.set_yticks(yy, labels)
    ax.set_xlim(0, max(float(leaf["usage"].max()) * 100 * 1.35, 0.1))
    ax.set_xlabel("使用率（点击人数 ÷ 活跃粉丝，%）")
    ax.set_title(f"菜单使用率（前 {len(leaf)} 项；灰色为不在当前菜单中的 key）")
    ax.grid(axis="y", visible=False)
    return fig


def push_chart(sec: PathSection) -> Figure | fmt.HtmlBlock:
    """Each push's TotalCount split into sent, send errors and filtered out (100 % bars)."""
    p = sec.now.pushes.dropna(subset=["arrival"])
    if p.empty:
        return fmt.notes(["本月没有群发结果"], title="群发到达")
    fig, ax = charts._figure(9.0, 0.38 * len(p) + 1.8)
    y = np.arange(len(p))[::-1]
    sent, err = p["arrival"].to_numpy() * 100, p["error_share"].to_numpy() * 100
    filt = p["filtered_share"].to_numpy() * 100
    ax.barh(y, sent, color=charts.PALETTE["new"], label="送达（SentCount）")
    ax.barh(y, err, left=sent, color=charts.PALETTE["cancel"], label="发送失败（ErrorCount）")
    ax.barh(y, filt, left=sent + err, color=charts.PALETTE["muted"],
            label="被过滤（TotalCount − FilterCount）")
    for yy, v in zip(y, sent, strict=True):
        ax.text(1, yy, f"{fmt.fmt_num(v, 1)}%", va="center", fontsize=9, color="white")
    ax.set_yticks(y, [f"{t:%m-%d %H:%M}" for t in p["time"]])
    ax.set_xlim(0, 100)
    ax.set_xlabel("占 TotalCount（%）")
    ax.set_title("每次群发的到达构成（条内数字为到达率）")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22 - 0.6 / (len(p) + 2)), ncols=3)
    return fig
