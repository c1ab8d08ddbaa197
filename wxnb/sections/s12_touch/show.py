"""Section 12 触达渠道效果对比, what shows it: the key table, the channel, status, template,
slot, tier, A/B and group tables, and the channel, slot and A/B charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.io.touch import AB_FILE, COMMUNITY_FILE, STATUS_LABELS, TEMPLATE_CSV
from wxnb.kit import charts, fmt
from wxnb.sections.s12_touch.compute import (
    BASE_SLOT,
    SLOTS,
    Channel,
    TouchSection,
    bench,
    bench_cost_text,
    bench_open_text,
    ci_text,
    notices,
    open_status,
    p_text,
    status_table,
    yuan,
)

__all__ = [
    "ab_chart",
    "ab_comparisons_html",
    "ab_html",
    "channel_chart",
    "channels_html",
    "groups_html",
    "key_html",
    "slot_chart",
    "slots_html",
    "statuses_html",
    "templates_html",
    "tiers_html",
]

_STATUS_CSS = {"达标": "ok", "预警": "warn", "未达标": "bad"}
_VERDICT_CSS = {"胜出": "ok", "样本不足": "warn", "分流异常": "bad"}
_RAW = {"送达成功": "success", "用户拒收": "failed:user block", "系统失败": "failed: system failed",
        "频率限制": "failed:freq limit"}  # WeChat's Status as it spells it


def _rate(c: Channel) -> str:
    if c.stat is None:
        return "未提供"
    return fmt.fmt_pct(c.rate, 1) if c.rate is not None else "未记录打开"


# --------------------------------------------------------------------------- management layer


def key_html(sec: TouchSection) -> fmt.HtmlBlock:
    """The key table (≤ 4 rows × 4 short columns): 渠道, 打开率, 单次打开成本, 行业参考."""
    rows, css = [], []
    for c in sec.channels:
        b = bench(sec.params, c.name)
        ref = "未配置" if not b else f"{bench_open_text(b)}，{bench_cost_text(b)}"
        cost = yuan(c.cost_per_open) if c.cost_per_open is not None else \
            ("未提供" if c.stat is None or c.cost is None else "—")
        rows.append([c.name, _rate(c), cost, ref])
        css.append(["", _STATUS_CSS.get(open_status(c.rate, b)[0], ""), "", ""])
    return fmt.table(rows, ["渠道", "打开率", "单次打开成本", "行业参考"], numeric=(1, 2), css=css,
                     caption="打开口径各不相同：模板消息为落地页点击，推送为从消息打开头条，社群为点击"
                             "或阅读；行业参考为种子文章的经验值（打开率与成本），未经核实")


# --------------------------------------------------------------------------- channels


def channels_html(sec: TouchSection) -> fmt.HtmlBlock:
    """Every channel: 送达, 打开, 打开率 with its interval, costs, 环比, the seed's values."""
    rows, css = [], []
    for c in sec.channels:
        b = bench(sec.params, c.name)
        status = open_status(c.rate, b)[0]
        mom = sec.mom(c.name)
        if c.stat is None:
            rows.append([c.name, "未提供", "—", "—", "—", "—", "—", "—", "—",
                         bench_open_text(b), bench_cost_text(b), b.get("scene", "—") or "—",
                         f"需 {c.missing}"])
            css.append([""] * 13)
            continue
        ci = ci_text(c.stat.lo, c.stat.hi) if c.rate is not None else "—"
        rows.append([c.name, fmt.fmt_int(c.delivered),
                     fmt.fmt_int(c.opened) if c.opened is not None else "—", _rate(c), ci,
                     fmt.fmt_money(c.cost) if c.cost is not None else "未提供",
                     yuan(c.cost_per_reach, 3), yuan(c.cost_per_open),
                     fmt.fmt_pp(mom) if mom is not None else "无上月数据",
                     bench_open_text(b), bench_cost_text(b), b.get("scene", "—") or "—",
                     status])
        css.append(["", "", "", _STATUS_CSS.get(status, ""), "", "", "", "", "", "", "", "",
                    _STATUS_CSS.get(status, "")])
    src = sec.params.touch_benchmark_source or "未注明出处"
    return fmt.table(rows, ["渠道", "送达", "打开", "打开率", "95% 区间", "本月成本", "单次触达成本",
                            "单次打开成本", "打开率环比", "经验值打开率", "经验值成本", "适用场景",
                            "状态"],
                     numeric=(1, 2, 3, 5, 6, 7, 8), wrap=(11, 12), css=css,
                     caption=f"单次触达成本 = 本月成本 ÷ 送达，单次打开成本 = 本月成本 ÷ 打开；经验值："
                             f"{src}（其“转化成本”按单次打开成本对照）。模板消息区间为 Wilson 区间，"
                             "推送与社群通知为按发送聚类的区间")


def channel_chart(sec: TouchSection) -> Figure | fmt.HtmlBlock:
    """Open rate per channel with its interval, the seed's range shaded."""
    shown = [c for c in sec.channels if c.rate is not None]
    if not shown:
        return fmt.notes(["没有可比较打开率的渠道"], title="渠道打开率")
    fig, ax = charts._figure(8.0, 0.9 * len(shown) + 1.7)
    y = np.arange(len(shown))[::-1]
    for yi, c in zip(y, shown, strict=True):
        b = bench(sec.params, c.name)
        if "open_low" in b:
            ax.barh(yi, (b["open_high"] - b["open_low"]) * 100, left=b["open_low"] * 100,
                    height=0.7, color=charts.PALETTE["muted"], alpha=0.35,
                    label="行业经验值区间" if yi == y[0] else None)
        rate = (c.rate or 0.0) * 100
        lo, hi = c.stat.lo * 100, c.stat.hi * 100  # type: ignore[union-attr]
        err = None if np.isnan(lo) else [[rate - lo], [hi - rate]]
        ax.errorbar(rate, yi, xerr=err, fmt="o", color=charts.PALETTE["new"], ms=8,
                    capsize=4, lw=1.6, label="本月打开率（95% 区间）" if yi == y[0] else None)
        ax.annotate(fmt.fmt_pct(c.rate, 1), (rate, yi), textcoords="offset points",
                    xytext=(0, 9), ha="center", fontsize=10)
    ax.set_yticks(y, [charts.safe_label(c.name) for c in shown])
    ax.set_xlabel("打开率（%）")
    ax.set_xlim(left=0)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_num(v, 0)}%"))
    ax.set_title("各触达方式的打开率与行业经验值")
    ax.grid(axis="y", visible=False)
    fig.legend(loc="outside lower center", ncols=2)
    return fig


# --------------------------------------------------------------------------- templates


def statuses_html(sec: TouchSection) -> fmt.HtmlBlock:
    """Callbacks per TEMPLATESENDJOBFINISH status (every known status, 0 included)."""
    t = status_table(sec.now.templates)
    if t.empty:
        return fmt.notes([f"未提供模板消息回调（{TEMPLATE_CSV} 或事件日志中的 TEMPLATESENDJOBFINISH）"],
                         title="模板消息送达状态")
    by = t.set_index("label")
    labels = [*STATUS_LABELS.values(), *[x for x in by.index if x not in STATUS_LABELS.values()]]
    rows = []
    for label in labels:
        n = int(by.loc[label, "n"]) if label in by.index else 0
        rows.append([label, _RAW.get(label, "—"), fmt.fmt_int(n),
                     fmt.fmt_pct(n / sec.now.callbacks, 2),
                     fmt.fmt_int(by.loc[label, "recipients"]) if label in by.index else "0"])
    return fmt.table(rows, ["状态", "回调 Status", "回调数", "占全部回调", "接收人数"],
                     numeric=(2, 3, 4),
                     caption=f"来源：{sec.now.template_source}；拒收率 = 用户拒收 ÷ 全部回调（用户在"
                             "公众号设置中拒收了本号的模板消息）；系统失败与频率限制是发送方的问题")


def templates_html(sec: TouchSection) -> fmt.HtmlBlock:
    """Per template: callbacks, delivered, refused, opened and the open rate."""
    t = sec.now.templates
    if t is None or not (t["template"] != "").any():
        return fmt.notes(["回调记录中没有模板名称（template 列），无法按模板拆分"], title="各模板")
    ok = t["label"] == "送达成功"
    g = t.assign(ok=ok, block=t["label"] == "用户拒收",
                 opened=ok & t["clicked"].eq(True)).groupby("template")
    d = pd.DataFrame({"n": g.size(), "ok": g["ok"].sum(), "block": g["block"].sum(),
                      "opened": g["opened"].sum()}).sort_values("n", ascending=False)
    known = t["clicked"].notna().any()
    rows = [[name, fmt.fmt_int(r["n"]), fmt.fmt_int(r["ok"]), fmt.fmt_int(r["block"]),
             fmt.fmt_pct(r["block"] / r["n"], 1),
             fmt.fmt_int(r["opened"]) if known else "—",
             fmt.fmt_pct(r["opened"] / r["ok"], 1) if known and r["ok"] else "—"]
            for name, r in d.iterrows()]
    return fmt.table(rows, ["模板", "回调", "送达成功", "用户拒收", "拒收率", "打开", "打开率"],
                     numeric=(1, 2, 3, 4, 5, 6), wrap=(0,),
                     caption="打开 = 送达成功且落地页记录到点击的消息")


# --------------------------------------------------------------------------- slots


def _slot_rule(sec: TouchSection) -> str:
    p = sec.params

    def hours(pairs: list[list[int]]) -> str:
        return "、".join(f"{a}–{b} 点" for a, b in pairs)
    return (f"通勤时段 = 工作日 {hours(p.touch_commute_hours)}，周末晚间 = 休息日 "
            f"{hours(p.touch_evening_hours)}，其余为其他时段")


def slots_html(sec: TouchSection) -> fmt.HtmlBlock:
    """Per channel and slot: sends, open rate and interval, the comparison with 其他时段."""
    s = sec.slots
    if s.empty:
        return fmt.notes(["没有可按时段比较的发送（需事件日志中的群发结果或 "
                          f"{COMMUNITY_FILE}）"], title="推送时段")
    rows = []
    for _, r in s.iterrows():
        base = r["slot"] == BASE_SLOT
        rows.append([r["channel"], r["slot"], fmt.fmt_int(r["sends"]), fmt.fmt_int(r["delivered"]),
                     fmt.fmt_int(r["opened"]), fmt.fmt_pct(r["rate"], 2),
                     ci_text(r["lo"], r["hi"], 2),
                     "（基准）" if base else fmt.fmt_pp(r["diff_pp"]),
                     p_text(r["p"]) if r["tested"] else ("—" if base else "发送次数不足"),
                     p_text(r["p_holm"]) if r["tested"] else "—"])
    return fmt.table(rows, ["渠道", "时段", "发送次数", "送达", "打开", "打开率", "95% 区间",
                            "与其他时段差", "p", "Holm 校正后"],
                     numeric=(2, 3, 4, 5, 7, 8, 9),
                     caption=f"{_slot_rule(sec)}；推送的打开为发送后 24 小时内从公众号消息打开任一篇的"
                             f"粉丝（第 03 节口径）。每个时段至少 {sec.params.touch_slot_min_sends} 次发送才比较；"
                             "区间与检验按每次发送聚类（Welch），全部比较一起做 Holm 校正")


def slot_chart(sec: TouchSection) -> Figure | fmt.HtmlBlock:
    """Open rate per slot, one panel per channel, intervals as error bars."""
    s = sec.slots
    if s.empty:
        return fmt.notes(["没有可按时段比较的发送"], title="推送时段")
    channels = list(dict.fromkeys(s["channel"]))
    fig = Figure(figsize=(4.4 * len(channels), 3.4), layout="constrained")
    colors = {"通勤时段": charts.PALETTE["net"], "周末晚间": charts.PALETTE["new"],
              BASE_SLOT: charts.PALETTE["muted"]}
    for i, ch in enumerate(channels):
        ax = fig.add_subplot(1, len(channels), i + 1)
        g = s[s["channel"] == ch].set_index("slot").reindex([x for x in SLOTS
                                                             if x in set(s.loc[s["channel"] == ch,
                                                                               "slot"])])
        x = np.arange(len(g))
        rate = g["rate"].astype(float).to_numpy() * 100
        lo, hi = g["lo"].astype(float).to_numpy() * 100, g["hi"].astype(float).to_numpy() * 100
        err = np.vstack([np.nan_to_num(rate - lo), np.nan_to_num(hi - rate)])
        ax.bar(x, rate, color=[colors[k] for k in g.index], width=0.6)
        ax.errorbar(x, rate, yerr=err, fmt="none", ecolor=charts.PALETTE["text"], capsize=4)
        ax.set_xticks(x, [f"{k}\n{int(n)} 次" for k, n in zip(g.index, g["sends"], strict=True)])
        ax.set_title(charts.safe_label(ch))
        ax.set_ylabel("打开率（%）")
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_num(v, 1)}%"))
        ax.grid(axis="x", visible=False)
    fig.suptitle("按发送时段的打开率（误差线为 95% 区间）")
    return fig


# --------------------------------------------------------------------------- tiers


def tiers_html(sec: TouchSection) -> fmt.HtmlBlock:
    """Template recipients per activity tier: recipients, delivered, opened, open rate."""
    tr = sec.tiers
    if tr is None:
        return fmt.notes([sec.tier_note or "无法按活跃层级比较"], title="活跃层级")
    p = sec.params
    rule = {"高活跃": f"互动 ≥ {p.touch_tier_high} 次", "中活跃":
            f"{p.touch_tier_mid}–{p.touch_tier_high - 1} 次",
            "低活跃": f"1–{p.touch_tier_mid - 1} 次" if p.touch_tier_mid > 2 else "1 次",
            "沉睡": "0 次", "本月新关注": "本月关注（上月尚未关注）"}
    rows = [[r["tier"], rule[r["tier"]], fmt.fmt_int(r["recipients"]), fmt.fmt_int(r["delivered"]),
             fmt.fmt_int(r["opened"]) if tr.opens_known else "—",
             fmt.fmt_pct(r["rate"], 1) if tr.opens_known else "—",
             ci_text(r["lo"], r["hi"]) if tr.opens_known else "—"]
            for _, r in tr.table.iterrows()]
    test = f"；各层级打开率的卡方检验 {p_text(tr.p)}" if tr.p is not None else ""
    return fmt.table(rows, ["层级", "规则", "接收人数", "送达", "打开", "打开率", "95% 区间"],
                     numeric=(2, 3, 4, 5),
                     caption=f"层级按 {tr.basis_month}（{tr.basis}）的互动次数划分，对象为本月收到模板消息"
                             f"的粉丝（推送没有逐人送达记录）{test}；全体粉丝的活跃分布见第 04 节")


# --------------------------------------------------------------------------- A/B tests


def ab_html(sec: TouchSection) -> fmt.HtmlBlock:
    """Every arm of every test with its open rate and interval; the test's verdict."""
    if not sec.tests:
        return fmt.notes([f"本月未提供标题 A/B 测试（{AB_FILE}）"], title="标题 A/B 测试")
    rows, css = [], []
    for t in sec.tests:
        for _, a in t.arms.iterrows():
            if t.verdict == "胜出":  # the winning arm only; the others lost to it
                verdict = "胜出" if t.winner == a["arm"] else "未胜出"
            else:
                verdict = t.verdict
            short = t.n_min is not None and a["delivered"] < t.n_min
            rows.append([t.test, a["arm"], a["title"], a["style"], fmt.fmt_int(a["delivered"]),
                         fmt.fmt_int(a["opened"]), fmt.fmt_pct(a["rate"], 2),
                         ci_text(a["lo"], a["hi"], 2),
                         f"{fmt.fmt_int(t.n_min)}" + ("（不足）" if short else "")
                         if t.n_min is not None else "—",
                         verdict])
            css.append([""] * 9 + [_VERDICT_CSS.get(verdict, "")])
    p = sec.params
    family = sec.tests[0].family
    level = (f"显著性 {fmt.fmt_num(p.touch_alpha, 2)}" if family <= 1 else
             f"显著性 {fmt.fmt_num(p.touch_alpha, 2)} ÷ 本月 {family} 个比较 = "
             f"{fmt.fmt_num(sec.tests[0].alpha_plan, 4)}，使 Holm 校正后仍有此功效")
    return fmt.table(rows, ["测试", "组", "标题", "写法", "送达", "打开", "打开率", "95% 区间",
                            "每组最小样本", "结论"],
                     numeric=(4, 5, 6, 8), wrap=(2,), css=css,
                     caption=f"最小样本：以该测试合计打开率为基准，检出 {fmt.fmt_pct(p.touch_ab_mde, 0)} 的相对"
                             f"提升（{level}；功效 {fmt.fmt_pct(p.touch_ab_power, 0)}）每组所需的送达人数；"
                             "任何一组不足即不判胜负")


def ab_comparisons_html(sec: TouchSection) -> fmt.HtmlBlock:
    """Every pairwise comparison of the month with its raw and Holm-adjusted p-value, and
    each test's sample-ratio check."""
    if not sec.tests:
        return fmt.notes([f"本月未提供标题 A/B 测试（{AB_FILE}）"], title="组间比较")
    rows = []
    for t in sec.tests:
        for _, c in t.comparisons.iterrows():
            rows.append([t.test, f"{c['a']} vs {c['b']}", fmt.fmt_pct(c["rate_a"], 2),
                         fmt.fmt_pct(c["rate_b"], 2), fmt.fmt_pp(c["diff_pp"]), p_text(c["p"]),
                         p_text(c["p_holm"]), "是" if c["significant"] else "否",
                         p_text(t.srm_p)])
    n = sum(len(t.comparisons) for t in sec.tests)
    return fmt.table(rows, ["测试", "比较", "前者打开率", "后者打开率", "差", "p", "Holm 校正后",
                            "显著", "分流检查"],
                     numeric=(2, 3, 4, 5, 6, 8),
                     caption=f"两比例 z 检验；本月 {n} 个比较一起做 Holm 校正，校正后 p < "
                             f"{fmt.fmt_num(sec.params.touch_alpha, 2)} 为显著。分流检查：各组送达与计划"
                             f"占比的卡方检验，p < {sec.params.touch_ab_srm_alpha:g} 判为分流异常")


def ab_chart(sec: TouchSection) -> Figure | fmt.HtmlBlock:
    """Each test's arms: open rate with its interval, the winner coloured."""
    if not sec.tests:
        return fmt.notes([f"本月未提供标题 A/B 测试（{AB_FILE}）"], title="标题 A/B 测试")
    fig = Figure(figsize=(min(4.2 * len(sec.tests), 12.0), 3.4), layout="constrained")
    for i, t in enumerate(sec.tests):
        ax = fig.add_subplot(1, len(sec.tests), i + 1)
        a = t.arms
        x = np.arange(len(a))
        rate = a["rate"].to_numpy(dtype=float) * 100
        err = np.vstack([rate - a["lo"].to_numpy(dtype=float) * 100,
                         a["hi"].to_numpy(dtype=float) * 100 - rate])
        colors = [charts.PALETTE["new"] if t.winner == arm else charts.PALETTE["muted"]
                  for arm in a["arm"]]
        ax.bar(x, rate, color=colors, width=0.6)
        ax.errorbar(x, rate, yerr=err, fmt="none", ecolor=charts.PALETTE["text"], capsize=4)
        ax.set_xticks(x, [f"{charts.safe_label(arm, 6)}\n{charts.safe_label(s, 6)}"
                          for arm, s in zip(a["arm"], a["style"], strict=True)])
        ax.set_title(f"{charts.safe_label(t.test, 14)}：{t.verdict}")
        ax.set_ylabel("打开率（%）")
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_num(v, 1)}%"))
        ax.grid(axis="x", visible=False)
    return fig


# --------------------------------------------------------------------------- groups


def groups_html(sec: TouchSection) -> fmt.HtmlBlock:
    """Per community group: notices, members reached, clicks and the open rate."""
    c = sec.now.inputs.community
    if c is None:
        return fmt.notes([f"未提供社群通知记录（{COMMUNITY_FILE}）"], title="社群通知")
    g = c.groupby("group")
    d = pd.DataFrame({"n": g.size(), "members": g["members"].max(), "reach": g["members"].sum(),
                      "clicks": g["clicks"].sum()})
    d["rate"] = d["clicks"] / d["reach"]
    d = d.sort_values("rate", ascending=False)
    rows = [[name, fmt.fmt_int(r["n"]), fmt.fmt_int(r["members"]), fmt.fmt_int(r["reach"]),
             fmt.fmt_int(r["clicks"]), fmt.fmt_pct(r["rate"], 1)] for name, r in d.iterrows()]
    sends = notices(c)
    return fmt.table(rows, ["社群", "通知数", "成员（最多）", "累计触达", "点击或阅读", "打开率"],
                     numeric=(1, 2, 3, 4, 5), wrap=(0,),
                     caption=f"{len(d)} 个社群、{len(sends)} 次通知（一次全员通知发往多个群时计一次）")
