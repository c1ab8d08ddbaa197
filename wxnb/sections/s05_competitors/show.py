"""Section 05 竞品运营策略对标研究, what shows it: the comparison and WCI ranking tables and the
radar chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from wxnb.io.competitors import OWN, READ_CAP
from wxnb.io.datacube import month_days
from wxnb.kit import fmt
from wxnb.sections.s05_competitors.compute import (
    _DIM,
    _FORMATS,
    DIMENSIONS,
    WCI_DAYS,
    CompetitorSection,
    Dimension,
)

__all__ = [
    "comparison_html",
    "radar_chart",
    "ranking_brief_html",
    "ranking_html",
]


# --------------------------------------------------------------------------- tables


def _cell(sec: CompetitorSection, account: str, key: str) -> str:
    r = sec.stats.loc[account]
    if key == "wci":
        text = f"{fmt.fmt_num(r['wci'], 2)}"
        if account == OWN and not r["n"]:
            return text + "（本月未发文）"
        return text + ("（偏低：在看/点赞未计）" if account == OWN and not sec.own_engagement_known
                       else "")
    if account == OWN and not r["n"] and key in ("avg_reads", "headline_avg_reads",
                                                 "zaikan_rate", "share_rate"):
        return "本月未发文"
    if key == "headline_avg_reads" and not r["headlines"]:
        return "无头条"
    text = _DIM[key].show(r[key]) if key in _DIM else _FORMATS[key](r[key])
    if key == "zaikan_rate" and account == OWN and not sec.own_engagement_known:
        return "未提供（缺 getarticletotaldetail）"
    if key == "share_rate" and 0 < r["shares_unknown"] < r["n"]:
        text += f"（{int(r['shares_unknown'])} 篇未知，按 0 计）"
    return text


_TABLE_ROWS = (("frequency", "内容更新频率"), ("avg_reads", "篇均阅读"),
               ("headline_avg_reads", "头条篇均阅读"), ("zaikan_rate", "在看率"),
               ("share_rate", "分享率"), ("activity", "活动创新度"),
               ("response_min", "客服响应时效"), ("wci", "WCI 传播指数"))


def comparison_html(sec: CompetitorSection) -> fmt.HtmlBlock:
    """The seed's table: 评估项 as rows, 本账号 and each competitor as columns."""
    accounts = list(sec.stats.index)
    rows = [[label, *(_cell(sec, a, key) for a in accounts)] for key, label in _TABLE_ROWS]
    days = len(month_days(sec.params.month))
    return fmt.table(rows, ["评估项", *accounts], numeric=range(1, len(accounts) + 1),
                     caption=f"更新频率 = 发文篇数 ÷（{days} 天 ÷ 7）；在看率 = 在看 ÷ 阅读；"
                             f"分享率 = 转发 ÷ 阅读；10万+ 按 {fmt.fmt_int(READ_CAP)} 计")


def _mom_cells(sec: CompetitorSection, account: str) -> list[str]:
    # WCI is an index, not a count: always relative, with no small-base rule (kit.compare's
    # count rule would show a difference below 30).
    if sec.prev_stats is None or account not in sec.prev_stats.index:
        return ["无上月数据", "无上月数据"]
    before, now = float(sec.prev_stats.at[account, "wci"]), float(sec.stats.at[account, "wci"])
    if account == OWN and not sec.own_comparable:
        return [f"{fmt.fmt_num(before, 2)}", "口径不同"]
    return [f"{fmt.fmt_num(before, 2)}", fmt.fmt_signed_pct(now / before - 1) if before else "—"]


def ranking_brief_html(sec: CompetitorSection) -> fmt.HtmlBlock:
    """The WCI ranking for a manager: rank, account, WCI and its 环比; the sub-indices and the
    formula are in :func:`ranking_html`."""
    rows = []
    for name, r in sec.stats.sort_values(["rank", "wci"], ascending=[True, False]).iterrows():
        rows.append([f"{int(r['rank'])}", name, f"{fmt.fmt_num(r['wci'], 2)}", _mom_cells(sec, str(name))[1]])
    return fmt.table(rows, ["排名", "账号", "WCI 传播指数", "环比"], numeric=(0, 2, 3))


def ranking_html(sec: CompetitorSection) -> fmt.HtmlBlock:
    """WCI ranking: rank, account, WCI, O/A/H/P, n, 10万+ count, previous WCI and 环比."""
    rows = []
    for name, r in sec.stats.sort_values(["rank", "wci"], ascending=[True, False]).iterrows():
        rows.append([f"{int(r['rank'])}", name, f"{fmt.fmt_num(r['wci'], 2)}", f"{fmt.fmt_num(r['O'], 4)}",
                     f"{fmt.fmt_num(r['A'], 4)}", f"{fmt.fmt_num(r['H'], 4)}", f"{fmt.fmt_num(r['P'], 4)}", f"{int(r['n'])}",
                     f"{int(r['capped'])} 篇" if r["capped"] else "—",
                     *_mom_cells(sec, str(name))])
    caps = int(sec.stats["capped"].sum())
    cap_note = (f"；{caps} 篇阅读为 10万+，按 {fmt.fmt_int(READ_CAP)} 计，相关账号的 WCI 可能偏低"
                if caps else "；本月没有 10万+ 文章")
    return fmt.table(
        rows, ["排名", "账号", "WCI", "O 整体", "A 篇均", "H 头条", "P 峰值", "发文数 n",
               "10万+", "上月 WCI", "环比"],
        numeric=(0, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        caption=f"WCI（清博 V14.2 公式）= (0.6·O + 0.2·A + 0.1·H + 0.1·P)² × 12；权重："
                f"{sec.weights_label}；d = {WCI_DAYS}{cap_note}",
    )


# --------------------------------------------------------------------------- chart


def _radar_dims(stats: pd.DataFrame) -> list[Dimension]:
    return [d for d in DIMENSIONS if d.key not in ("activity", "response_min")
            or stats[d.key].notna().any()]


def _normalised(stats: pd.DataFrame, dim: Dimension) -> pd.Series:
    v = stats[dim.key].astype(float)
    if not dim.higher_better:  # response speed = 1 / minutes (within a minute counts as 1)
        v = 1 / v.clip(lower=1)
    top = v.max()
    return (v / top).fillna(0) if top and not pd.isna(top) else v.fillna(0) * 0


def radar_chart(sec: CompetitorSection) -> Figure:
    """Radar over the dimensions, each scaled by its maximum across the accounts."""
    from wxnb.kit import charts

    dims = _radar_dims(sec.stats)
    angles = np.linspace(0, 2 * np.pi, len(dims), endpoint=False)
    fig = Figure(figsize=(7.0, 5.6), layout="constrained")
    ax = fig.add_subplot(projection="polar")
    colours = [charts.PALETTE[k] for k in ("new", "net", "cancel", "anomaly", "muted")]
    norm = pd.DataFrame({d.key: _normalised(sec.stats, d) for d in dims})
    for i, (name, row) in enumerate(norm.iterrows()):
        values = np.append(row.to_numpy(float), row.iloc[0])
        x = np.append(angles, angles[0])
        colour = colours[i % len(colours)]
        ax.plot(x, values, color=colour, lw=2.4 if name == OWN else 1.5,
                label=charts.safe_label(str(name)) or f"竞品{i}")
        ax.fill(x, values, color=colour, alpha=0.12 if name == OWN else 0.05)
    labels = ["响应速度" if d.key == "response_min" else d.label.replace("内容", "")
              for d in dims]
    ax.set_xticks(angles, labels)
    ax.set_ylim(0, 1.05)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0], ["", "0.5", "", "1.0"])
    ax.set_title("竞品多维对比（各维度按账号最大值归一）", pad=18)
    ax.legend(loc="upper left", bbox_to_anchor=(1.05, 1.0), fontsize=9)
    return fig
