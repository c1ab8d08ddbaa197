"""Section 09 裂变活动复盘, what shows it: the management table, the analyst tables (campaigns,
benchmarks, retention, share tree, compliance, rules, 环比) and the CAC, daily and level charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.io.fission import CAMPAIGNS_FILE, PARTICIPANTS_FILE
from wxnb.kit import charts, fmt
from wxnb.sections.s09_fission.compute import (
    Campaign,
    FissionSection,
    change_text,
    daily_new,
    kind_label,
    retention_text,
    short,
    yuan,
)

__all__ = [
    "benchmark_html",
    "cac_chart",
    "campaigns_html",
    "compliance_html",
    "daily_chart",
    "depth_chart",
    "key_table_html",
    "mom_html",
    "retention_html",
    "rules_html",
    "tree_html",
]

_STATUS_CSS = {"达标": "ok", "预警": "warn", "未达标": "bad"}
_RISK_CSS = {"高": "bad", "中": "warn", "低": "ok"}
KEY_ROWS = 4  # the management table: at most 4 campaigns (a phone's width, no scrolling)


def _cac_cell(c: Campaign) -> str:
    if c.new_users is None:
        return "未提供"
    return "无新增" if c.new_users == 0 else f"{yuan(c.cac)}元"


def _ret_cell(c: Campaign) -> str:
    if c.retention is None or c.retention.rate is None:
        return "未提供"
    return retention_text(c.retention)


# --------------------------------------------------------------------------- management layer


def key_table_html(sec: FissionSection) -> fmt.HtmlBlock:
    """活动 | 获客成本 | 次日留存 | 合规风险: the (at most 4) campaigns with the most new users,
    coloured against their type's benchmark."""
    if not sec.campaigns:
        return fmt.notes([f"{CAMPAIGNS_FILE} 没有活动"], title="裂变活动")
    rows, css = [], []
    for c in sec.campaigns[:KEY_ROWS]:
        rows.append([short(c.name, 10), _cac_cell(c), _ret_cell(c), c.risk])
        css.append(["", _STATUS_CSS.get(c.cac_status, ""), _STATUS_CSS.get(c.ret_status, ""),
                    _RISK_CSS[c.risk]])
    n = len(sec.campaigns)
    more = f"；共 {n} 个活动，列出新增最多的 {KEY_ROWS} 个" if n > KEY_ROWS else ""
    return fmt.table(rows, ["活动", "获客成本", "次日留存", "合规风险"], numeric=(1, 2), css=css,
                     caption="获客成本（每新增一人）与次日留存对照同类型行业经验值，绿色达标、橙色"
                             f"预警、红色未达标，无颜色为未配置经验值；合规风险按活动机制判定{more}")


# --------------------------------------------------------------------------- analyst tables


def campaigns_html(sec: FissionSection) -> fmt.HtmlBlock:
    """Every campaign: type, period, channel, cost, participants, new, conversion, CAC."""
    rows = []
    for c in sec.campaigns:
        rows.append([
            c.name, c.kind, f"{c.start:%m-%d} 至 {c.end:%m-%d}", c.target, fmt.fmt_money(c.cost),
            fmt.fmt_int(c.participants), fmt.fmt_int(c.new_users), fmt.fmt_pct(c.conversion),
            f"{yuan(c.cac)} 元", f"{yuan(c.net_cac)} 元" if c.net_cac is not None else "—",
            {"明细": "参与者明细", "汇总": "活动表汇总"}.get(c.source, "未提供")])
    header = ["活动", "类型", "活动期", "转化目标", "成本", "参与人数", "新增", "转化率", "获客成本",
              "净增获客成本", "人数来源"]
    return fmt.table(rows, header, numeric=(4, 5, 6, 7, 8, 9), wrap=(0,),
                     caption="新增 = 关注公众号（企业微信活动为添加好友）的参与者；获客成本 = 成本 ÷ 新增；"
                             "净增获客成本 = 成本 ÷（新增 − 截至数据截止日已取关或删除的人）")


def benchmark_html(sec: FissionSection) -> fmt.HtmlBlock:
    """Each campaign against its type's benchmark: CAC range, day-1 retention, risk level."""
    rows, css = [], []
    for c in sec.campaigns:
        b = c.bench
        rows.append([
            c.name, kind_label(c.kind), _cac_cell(c),
            f"{yuan(b.cac_low)}–{yuan(b.cac_high)} 元" if b else "未配置", c.cac_status,
            _ret_cell(c),
            fmt.fmt_pct(b.day1_retention, 0) if b and b.day1_retention is not None else "未配置",
            c.ret_status, c.risk, (b.risk or "未配置") if b else "未配置"])
        css.append(["", "", "", "", _STATUS_CSS.get(c.cac_status, ""), "", "",
                    _STATUS_CSS.get(c.ret_status, ""), _RISK_CSS[c.risk], ""])
    source = sec.params.fission_benchmark_source or "未注明出处"
    header = ["活动", "类型", "获客成本", "经验区间", "状态", "次日留存", "经验值", "状态",
              "合规风险", "经验风险"]
    return fmt.table(rows, header, numeric=(2, 3, 5, 6), wrap=(0,), css=css,
                     caption=f"行业经验值：{source}（未注明样本、时期与次日留存口径，仅作方向参考）")


def retention_html(sec: FissionSection) -> fmt.HtmlBlock:
    """Day-1 retention per campaign with its interval and the censored users."""
    with_ret = [c for c in sec.campaigns if c.retention is not None]
    if not with_ret:
        return fmt.notes([f"次日留存需要 {PARTICIPANTS_FILE}（含 left_at 列）"], title="次日留存")
    rows, css = [], []
    for c in with_ret:
        r = c.retention
        assert r is not None
        lo, hi = r.ci
        rows.append([c.name, fmt.fmt_int(c.new_users), fmt.fmt_int(r.eligible),
                     fmt.fmt_int(r.retained), retention_text(r),
                     f"{fmt.fmt_pct(lo)}–{fmt.fmt_pct(hi)}" if r.eligible else "—",
                     fmt.fmt_int(r.censored), f"{c.until:%m-%d}", c.ret_status])
        css.append([""] * 8 + [_STATUS_CSS.get(c.ret_status, "")])
    t = sec.totals.retention
    if t is not None and len(with_ret) > 1:
        lo, hi = t.ci
        rows.append(["合计", fmt.fmt_int(sum(c.new_users or 0 for c in with_ret)),
                     fmt.fmt_int(t.eligible), fmt.fmt_int(t.retained), retention_text(t),
                     f"{fmt.fmt_pct(lo)}–{fmt.fmt_pct(hi)}" if t.eligible else "—",
                     fmt.fmt_int(t.censored), "", ""])
        css.append([""] * 9)
    header = ["活动", "新增", "可观察", "次日仍在", "次日留存", "95% 置信区间（Wilson）",
              "删失（截止日加入）", "数据截止", "状态"]
    return fmt.table(rows, header, numeric=(1, 2, 3, 4, 5, 6), wrap=(0,), css=css,
                     caption="次日留存 = 次日仍在 ÷ 可观察；可观察 = 加入次日在数据截止日之前（含）结束的新增用户；"
                             f"少于 {sec.params.fission_min_users} 人时只列出、不评判（样本不足）")


def tree_html(sec: FissionSection) -> fmt.HtmlBlock:
    """The share tree per campaign: seeds, depth, multi-level share, K."""
    with_tree = [c for c in sec.campaigns if c.tree is not None]
    if not with_tree:
        return fmt.notes([f"分享层级需要 {PARTICIPANTS_FILE}（inviter_id 列）"], title="分享裂变层级")
    rows = []
    for c in with_tree:
        t = c.tree
        assert t is not None
        rows.append([c.name, fmt.fmt_int(t.participants), fmt.fmt_int(t.seeds),
                     fmt.fmt_int(t.max_depth), fmt.fmt_num(t.mean_depth, 2),
                     fmt.fmt_pct(t.deep_share), fmt.fmt_num(t.k_factor, 2),
                     fmt.fmt_num(t.per_inviter, 2), fmt.fmt_num(t.multiple, 1)])
    header = ["活动", "参与人数", "种子用户", "最深层级", "平均层级", "二级及以上占比", "K 值",
              "邀请者人均邀请", "裂变倍数"]
    return fmt.table(rows, header, numeric=tuple(range(1, 9)), wrap=(0,),
                     caption="种子用户（无邀请人）为第 0 层，被第 k 层邀请的为第 k+1 层；K 值 = 被邀请人数 ÷ "
                             "最深一层以外的参与者（最深一层的下线在数据之外）；"
                             "邀请者人均邀请 = 被邀请人数 ÷ 至少邀请过 1 人的参与者；"
                             "裂变倍数 = 参与人数 ÷ 种子用户")


def compliance_html(sec: FissionSection) -> fmt.HtmlBlock:
    """Each campaign's level and the rules that fired, with its mechanics."""
    rows, css = [], []
    for c in sec.campaigns:
        r = c.row
        mech = [name for flag, name in (("requires_follow", "关注门槛"), ("requires_share", "须分享"),
                                        ("reward_for_follow", "关注即得奖"), ("is_lottery", "抽奖"))
                if r[flag]]
        if r["share_threshold"]:
            mech.append(f"邀请 {r['share_threshold']} 人得奖")
        if not r["rules_published"]:
            mech.append("规则未公示")
        rows.append([c.name, c.kind, c.reward or "—", "、".join(mech) or "无", c.risk,
                     "、".join(x.name for x in c.fired) or "未命中"])
        css.append(["", "", "", "", _RISK_CSS[c.risk], ""])
    return fmt.table(rows, ["活动", "类型", "奖励", "活动机制", "风险等级", "命中规则"], wrap=(0, 2, 3, 5),
                     css=css,
                     caption="风险等级取命中规则的最高等级，未命中为低（不等于通过法务审核）；规则与依据见下表")


def rules_html(sec: FissionSection) -> fmt.HtmlBlock:
    """The compliance rules (what each checks, its level, its basis) and the documents."""
    rows = [[r.name, r.level, r.checks, "、".join(r.basis)] for r in sec.book.rules]
    table = fmt.table(rows, ["规则", "等级", "检查什么", "依据"], wrap=(2, 3), cards=True,
                      caption="规则文件：wxnb/sections/s09_fission/compliance_rules.yaml")
    docs = fmt.notes([f"{k}：{v}" for k, v in sec.book.sources.items()], title="依据")
    return fmt.HtmlBlock(str(table) + str(docs))


def mom_html(sec: FissionSection) -> fmt.HtmlBlock:
    """The month's totals against the previous month's."""
    if sec.prev_totals is None or sec.mom is None:
        return fmt.notes([sec.prev_note or "无上月数据，环比不可用"], title="环比")
    now, before, m = sec.totals, sec.prev_totals, sec.mom

    def ret(t: object) -> str:
        r = getattr(t, "retention", None)
        return retention_text(r)

    rows = [
        ["活动数", fmt.fmt_int(now.campaigns), fmt.fmt_int(before.campaigns), "—"],
        ["参与人数", fmt.fmt_int(now.participants), fmt.fmt_int(before.participants), "—"],
        ["新增关注/好友", fmt.fmt_int(now.new_users), fmt.fmt_int(before.new_users),
         change_text(m.new_users)],
        ["总成本", fmt.fmt_money(now.cost), fmt.fmt_money(before.cost), change_text(m.cost)],
        ["平均获客成本", f"{yuan(now.cac)} 元", f"{yuan(before.cac)} 元",
         fmt.fmt_signed_pct(m.cac) if m.cac is not None else "—"],
        ["次日留存", ret(now), ret(before), change_text(m.retention)],
        ["高风险活动", fmt.fmt_int(now.high), fmt.fmt_int(before.high), "—"],
    ]
    return fmt.table(rows, ["指标", "本月", "上月", "环比"], numeric=(1, 2, 3),
                     caption="人数为相对变化（上月不足 30 时为差值），留存为百分点，获客成本为相对变化")


# --------------------------------------------------------------------------- charts


def _label(c: Campaign, limit: int = 14) -> str:
    return charts.safe_label(short(c.name, limit), limit=limit) or c.id


def cac_chart(sec: FissionSection) -> Figure | fmt.HtmlBlock:
    """CAC per campaign (bars, coloured by status) over its type's benchmark range (band)."""
    items = [c for c in sec.campaigns if c.cac is not None][::-1]
    if not items:
        return fmt.notes(["没有可计算获客成本的活动（新增为 0 或未提供）"], title="获客成本")
    fig, ax = charts._figure(8.0, 0.6 * len(items) + 1.6)
    y = np.arange(len(items))
    colour = {"达标": charts.PALETTE["new"], "预警": charts.PALETTE["anomaly"],
              "未达标": charts.PALETTE["cancel"]}
    banded = False
    for i, c in enumerate(items):
        if c.bench is not None:
            ax.barh(i, c.bench.cac_high - c.bench.cac_low, left=c.bench.cac_low, height=0.8,
                    color=charts.PALETTE["muted"], alpha=0.35,
                    label=None if banded else "同类型行业经验区间")
            banded = True
    ax.barh(y, [c.cac for c in items], height=0.38,
            color=[colour.get(c.cac_status, charts.PALETTE["net"]) for c in items])
    top = max(max(c.cac or 0 for c in items),
              max((c.bench.cac_high for c in items if c.bench), default=0))
    for i, c in enumerate(items):
        ax.text((c.cac or 0) + top * 0.01, i, f"{yuan(c.cac)} 元", va="center", fontsize=10)
    ax.set_yticks(y, [f"{_label(c)}（{c.kind}）" for c in items])
    ax.set_xlim(0, top * 1.18)
    ax.set_xlabel("平均获客成本（元/人）")
    ax.set_title("各活动获客成本与同类型行业经验区间")
    ax.grid(axis="y", visible=False)
    if banded:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=9)
    return fig


def depth_chart(sec: FissionSection, cap: int = 5) -> Figure | fmt.HtmlBlock:
    """Share of each campaign's participants by share-tree level (stacked, 100 %)."""
    items = [c for c in sec.campaigns if c.tree is not None and c.tree.participants][::-1]
    if not items:
        return fmt.notes([f"分享层级需要 {PARTICIPANTS_FILE}"], title="分享裂变层级")
    fig, ax = charts._figure(8.0, 0.6 * len(items) + 1.9)
    colours = sns.color_palette("Greens_r", cap + 1)
    left = np.zeros(len(items))
    for level in range(cap + 1):
        share = np.array([
            sum(n for k, n in c.tree.levels.items() if (k >= cap if level == cap else k == level))
            / c.tree.participants for c in items if c.tree is not None]) * 100
        name = "种子（第0层）" if level == 0 else f"第{level}层及以上" if level == cap else f"第{level}层"
        ax.barh(np.arange(len(items)), share, left=left, color=colours[level], label=name,
                height=0.6)
        left += share
    ax.set_yticks(np.arange(len(items)), [_label(c) for c in items])
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.0f}%"))
    ax.set_xlabel("占参与人数")
    ax.set_title("分享裂变层级分布")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncols=cap + 1, fontsize=9)
    return fig


def daily_chart(sec: FissionSection) -> Figure | fmt.HtmlBlock:
    """New users per day of the month, one line per campaign."""
    table = daily_new(sec.inputs)
    if table.empty:
        return fmt.notes([f"每日新增需要 {PARTICIPANTS_FILE}"], title="每日新增")
    fig, ax = charts._figure()
    by_id = {c.id: c for c in sec.campaigns}
    for cid in [c.id for c in sec.campaigns if c.id in table.columns]:
        c = by_id[cid]
        joined = table.index[table[cid] > 0]
        until = max(pd.Timestamp(c.end), joined.max()) if len(joined) else pd.Timestamp(c.end)
        series = table[cid].where((table.index >= pd.Timestamp(c.start)) & (table.index <= until))
        ax.plot(table.index, series, lw=1.8, marker="o", ms=2.5, label=_label(c))
    ax.set_ylabel("新增人数")
    ax.set_title("各活动每日新增关注/好友")
    half = pd.Timedelta(hours=18)
    ax.set_xlim(table.index[0] - half, table.index[-1] + half)
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=3))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: fmt.fmt_int(v)))
    ax.legend(loc="upper left", ncols=2, fontsize=9)
    return fig
