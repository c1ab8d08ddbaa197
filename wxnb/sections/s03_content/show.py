"""Section 03 内容传播效能对比分析, what shows it: the content-type matrix, engagement, top
articles, push and hour tables, title features, and the sources, open-rate and heatmap charts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from wxnb.kit import charts, fmt
from wxnb.kit.compare import change
from wxnb.kit.content import ratio, source_shares
from wxnb.sections.s03_content.compute import (
    ALPHA,
    MIN_GROUP,
    MIN_HOUR_PUSHES,
    PLAN_FILE,
    PUSH_WINDOW_H,
    SOURCES,
    WEEKDAYS,
    ContentSection,
    top_articles,
)
from wxnb.sections.s03_content.words import _pp, ratio_text

__all__ = [
    "engagement_html",
    "heatmap_chart",
    "hours_html",
    "matrix_brief_html",
    "matrix_html",
    "open_rate_chart",
    "pushes_html",
    "sources_chart",
    "titles_html",
    "top_html",
]

_SOURCE_COLORS = ("#07C160", "#10AEFF", "#FA9D3B", "#8E6CEF", "#FA5151", "#2F7E8C", "#B2B2B2")


# --------------------------------------------------------------------------- tables


def _money(v: Any, orders: bool = True) -> str:
    if not orders:
        return "未提供"
    return fmt.fmt_money(v)


def _roi_cells(r: pd.Series, has_orders: bool) -> tuple[str, str]:
    if not has_orders:
        return "未提供", "未提供"
    if pd.isna(r["cost"]) or r["cost"] <= 0:
        return "—（无成本）", "—"
    return fmt.fmt_pct(r["roi"], 0), ratio_text(r["ratio"])


def _mom_cells(sec: ContentSection, name: str, r: pd.Series) -> tuple[str, str]:
    prev = sec.prev_matrix
    if prev is None:
        return "无上月计划", "无上月计划"
    if name not in prev.index:
        return "上月无此类", "上月无此类"
    p = prev.loc[name]
    # Relative on any base: kit.compare's rule would give the plain difference when last
    # month's median is under 30 readers, and this table has always shown a percentage.
    med = fmt.fmt_signed_pct(r["reads_median"] / p["reads_median"] - 1) \
        if p["reads_median"] else "—"
    share = fmt.fmt_pp(change("rate", r["share_rate"], p["share_rate"]).value) \
        if not pd.isna(r["share_rate"]) and not pd.isna(p["share_rate"]) else "—"
    return med, share


def matrix_html(sec: ContentSection) -> fmt.HtmlBlock:
    """The content-type matrix in the seed's shape, with ROI and 环比 (当上月有内容计划)."""
    if sec.matrix is None:
        why = (f"未提供内容计划（{PLAN_FILE}：msgid 或 推送日期+标题 → 内容形式、成本），"
               "无法按内容形式对比；下方仍按文章分析爆款、头条打开率与标题特征。")
        if sec.articles.empty:
            why = "本月没有图文群发数据，无法建立内容类型矩阵。"
        return fmt.notes([why], title="内容类型-传播效果矩阵")
    has_orders = sec.orders is not None
    rows = []
    for name, r in sec.matrix.iterrows():
        roi, ratio = _roi_cells(r, has_orders)
        cost = "—" if pd.isna(r["cost"]) else fmt.fmt_money(r["cost"])
        if not pd.isna(r["cost"]) and r["cost_articles"] < r["articles"]:
            cost += f"（{r['cost_articles']}/{r['articles']} 篇有成本）"
        med, share = _mom_cells(sec, str(name), r)
        rows.append([
            name, fmt.fmt_int(r["articles"]), f"{fmt.fmt_int(r['articles'])} 篇/月（{fmt.fmt_num(r['per_week'], 1)} 篇/周）",
            fmt.fmt_int(r["reads_mean"]), fmt.fmt_int(r["reads_median"]),
            fmt.fmt_pct(r["share_rate"], 2),
            fmt.fmt_pct(r["conversion"], 2) if has_orders else "未提供",
            cost, _money(r["revenue"], has_orders), roi, ratio, med, share,
        ])
    header = ["内容形式", "篇数", "发布频次", "平均阅读（均值）", "平均阅读（中位数）", "读者分享率",
              "转化率", "成本投入", "归因收入", "ROI", "投入产出比", "阅读中位数环比", "读者分享率环比"]
    how = ("收入按订单 msgid 末次触点归因" if has_orders else "未提供订单数据（orders.csv），"
           "转化率、收入与 ROI 未提供")
    return fmt.table(rows, header, numeric=tuple(range(1, 13)),
                     caption=f"阅读 = 每篇文章最后一个 stat_date 的阅读人数；读者分享率 = Σ分享人数 ÷ "
                             f"Σ阅读人数；转化率 = 归因下单人数 ÷ Σ阅读人数；ROI = (收入 − 成本) ÷ "
                             f"成本，投入产出比 = 成本 : 收入；{how}")


def matrix_brief_html(sec: ContentSection) -> fmt.HtmlBlock:
    """The matrix for a manager: per content form its articles, median readers, readers' share
    rate and what it returned (投入产出比); the full matrix with its definitions is
    :func:`matrix_html`."""
    if sec.matrix is None:
        return matrix_html(sec)  # the note saying why there is no matrix
    has_orders = sec.orders is not None
    rows = []
    for name, r in sec.matrix.iterrows():
        ratio = _roi_cells(r, has_orders)[1]
        rows.append([name, fmt.fmt_int(r["articles"]), fmt.fmt_int(r["reads_median"]),
                     fmt.fmt_pct(r["share_rate"], 2), ratio])
    return fmt.table(rows, ["内容形式", "篇数", "阅读中位数", "读者分享率", "投入产出比"],
                     numeric=(1, 2, 3, 4))


def engagement_html(sec: ContentSection) -> fmt.HtmlBlock:
    """在看、点赞、留言 per content type (getarticletotaldetail), when that data is there."""
    m = sec.matrix
    if m is None or m["zaikan_rate"].isna().all():
        return fmt.notes([("未提供发表内容详细数据（getarticletotaldetail）或内容计划，"
                           "无法按内容形式比较在看、点赞、留言")], title="互动率")
    rows = [[name, fmt.fmt_pct(r["zaikan_rate"], 2), fmt.fmt_pct(r["like_rate"], 2),
             fmt.fmt_pct(r["comment_rate"], 2)] for name, r in m.iterrows()]
    return fmt.table(rows, ["内容形式", "在看率", "点赞率", "留言率"], numeric=(1, 2, 3),
                     caption="在看率 = Σ在看人数 ÷ Σ阅读人数（发表内容详细数据，各文章最后一个 "
                             "stat_date）；点赞率、留言率（留言条数 ÷ 阅读人数）同理")


def _position(idx: int) -> str:
    return "头条" if idx == 1 else f"第 {idx} 条"



def top_html(sec: ContentSection, n: int = 10) -> fmt.HtmlBlock:
    """The top articles with reads by source (each a share of the article's readers)."""
    t = top_articles(sec, n)
    if t.empty:
        return fmt.notes(["本月没有图文群发数据"], title="头部文章")
    shares = source_shares(t)
    rows = []
    for rank, (i, r) in enumerate(t.iterrows(), start=1):
        viral = "是" if r["viral"] else ("—" if not sec.rule.applicable else "否")
        rows.append([rank, r["title"], f"{r['ref_date']:%m-%d} {_position(r['idx'])}",
                     r["content_type"], fmt.fmt_int(r["reads"]), fmt.fmt_pct(r["share_rate"], 2),
                     *(fmt.fmt_pct(shares.at[i, s.key]) for s in SOURCES),
                     fmt.fmt_pct(shares.at[i, "share_driven"]), viral])
    header = ["#", "标题", "推送", "内容形式", "阅读人数", "读者分享率", *(s.label for s in SOURCES),
              "分享带来的阅读", "爆款"]
    return fmt.table(rows, header, numeric=tuple(range(4, 14)), wrap=(1,),
                     caption=f"各来源 = 该来源阅读人数 ÷ 文章阅读人数（同一读者可经多个来源进入，"
                             f"各来源之和可超过 100%，不相加作总数）；分享带来的阅读 = 聊天会话 + "
                             f"朋友圈（上限估计）。{sec.rule.text()}")


def pushes_html(sec: ContentSection) -> fmt.HtmlBlock:
    """Per push: headline open rate against the secondary articles'."""
    p = sec.pushes
    if p.empty:
        return fmt.notes(["本月没有群发"], title="头条打开率")
    rows = [[f"{r['ref_date']:%m-%d}", r["headline"], fmt.fmt_int(r["target_user"]),
             fmt.fmt_int(r["head_session"]), fmt.fmt_pct(r["head_rate"], 2),
             fmt.fmt_int(r["secondary"]),
             fmt.fmt_pct(r["secondary_rate"], 2) if r["secondary"] else "—"]
            for _, r in p.iterrows()]
    o = sec.opens
    rows.append(["本月", f"{o.pushes} 次推送", "", "", fmt.fmt_pct(o.head, 2),
                 fmt.fmt_int(o.secondary_articles), fmt.fmt_pct(o.secondary, 2)])
    if sec.prev_opens is not None:
        q = sec.prev_opens
        rows.append(["环比", "", "", "", _pp(o.head, q.head), "", _pp(o.secondary, q.secondary)])
    return fmt.table(rows, ["推送日期", "头条标题", "送达人数", "头条公众号消息阅读人数",
                            "头条打开率", "次条及以后篇数", "次条及以后打开率"],
                     numeric=(2, 3, 4, 5, 6), wrap=(1,),
                     caption=_open_rate_caption(sec))


def _open_rate_caption(sec: ContentSection) -> str:
    if sec.article_api == "2025":
        return ("打开率 = “公众号消息”阅读人数（getarticletotaldetail 的 read_user_source）÷ 送达人数"
                "（群发结果 MASSSENDJOBFINISH 的 SentCount），各文章取最后一个 stat_date，只含已通知"
                "粉丝的发表；月度值为各推送合计后相除")
    return ("打开率 = 公众号消息阅读人数（int_page_from_session_read_user）÷ 送达人数"
            "（target_user），各文章取最后一个 stat_date；月度值为各推送合计后相除")


def _no_hours(sec: ContentSection) -> str:
    if sec.article_api == "2025":
        return "微信 2025 年起的发表内容接口不提供分时阅读数据（旧版 getuserreadhour 已停止维护）"
    return "未提供图文阅读分时数据（getuserreadhour）"


def hours_html(sec: ContentSection) -> fmt.HtmlBlock:
    """The best reading hours (mean readers per hour over the month's days)."""
    h = sec.hours
    if h is None:
        return fmt.notes([_no_hours(sec)], title="阅读时段")
    total = float(h.hourly.sum())
    rows = [[f"{hour}:00–{hour}:59", fmt.fmt_int(h.hourly[hour]),
             fmt.fmt_pct(h.hourly[hour] / total if total else math.nan)]
            for hour in h.top_hours(5)]
    return fmt.table(rows, ["时段", f"日均{h.what}", "占全天"], numeric=(1, 2),
                     caption=f"{h.n_days} 天的分时数据（{h.source}）；"
                             "这是读者阅读的时间，不等于最佳推送时间")


def _hour_label(hour: int) -> str:
    return f"{hour}:00–{hour}:59"


def push_hours_html(sec: ContentSection) -> fmt.HtmlBlock:
    """Per send hour: pushes, 24-hour open rates (median, range, pooled) and the type-adjusted
    index, with the sample size shown and hours under ``MIN_HOUR_PUSHES`` pushes not compared."""
    ph = sec.push_hours
    if ph is None:
        return fmt.notes(["没有事件日志或其中没有群发结果（MASSSENDJOBFINISH），无法按推送时刻比较打开率"],
                         title="推送时刻与打开率")
    if ph.by_hour.empty:
        return fmt.notes([f"本月推送都无法对应到群发结果事件（{'、'.join(ph.unmatched)}），"
                          "无法按推送时刻比较"], title="推送时刻与打开率")
    rows = []
    for hour, r in ph.by_hour.iterrows():
        compared = r["pushes"] >= MIN_HOUR_PUSHES
        rows.append([_hour_label(int(hour)), fmt.fmt_int(r["pushes"]),
                     fmt.fmt_pct(r["rate_median"], 2),
                     f"{fmt.fmt_pct(r['rate_min'], 2)}–{fmt.fmt_pct(r['rate_max'], 2)}",
                     fmt.fmt_pct(ratio(r["openers"], r["target"]), 2),
                     f"{fmt.fmt_num(r['index_median'], 2)}" if compared else
                     f"—（不足 {MIN_HOUR_PUSHES} 次，不比较）"])
    basis = "同一头条内容形式的推送中位数（只有 1 次推送的内容形式用全月中位数）" if ph.adjusted \
        else "本月全部推送的中位数（没有内容计划，未按内容形式调整）"
    test = (f"Kruskal-Wallis p = {fmt.fmt_num(ph.p_value, 3)}" if ph.p_value is not None
            else f"推送 ≥ {MIN_HOUR_PUSHES} 次的时刻不足 2 个，未检验")
    return fmt.table(rows, ["推送时刻", "推送次数", "24 小时打开率（中位数）", "最低–最高",
                            "合计（Σ打开 ÷ Σ送达）", "打开率指数（中位数）"],
                     numeric=(1, 2, 4, 5),
                     caption=f"推送时刻 = 群发结果事件 MASSSENDJOBFINISH 的时间；24 小时打开率 = "
                             f"推送后 {PUSH_WINDOW_H} 小时内从公众号消息打开该次推送任一篇文章的粉丝"
                             f"（事件日志去重）÷ 送达人数；打开率指数 = 该次 24 小时"
                             f"打开率 ÷ {basis}；{test}")


def titles_html(sec: ContentSection) -> fmt.HtmlBlock:
    """Title features against open rate, with the sample size of every group."""
    t = sec.titles
    if t.empty or sec.articles.empty:
        return fmt.notes(["本月没有图文群发数据"], title="标题特征")
    rows = []
    for _, r in t.iterrows():
        if not r["enough"]:
            verdict = f"样本不足（两组各需 ≥{MIN_GROUP} 篇）"
            diff = p = "—"
        else:
            diff = fmt.fmt_signed_pct(r["diff"])
            p = f"{fmt.fmt_num(r['p'], 3)} / {fmt.fmt_num(r['p_holm'], 3)}"
            verdict = "差异显著" if r["p_holm"] < ALPHA else "差异不显著"
        rows.append([r["feature"], fmt.fmt_int(r["n_with"]), fmt.fmt_int(r["n_without"]),
                     fmt.fmt_pct(r["rate_with"], 2), fmt.fmt_pct(r["rate_without"], 2),
                     _index_text(r["index_with"]), _index_text(r["index_without"]), diff, p,
                     verdict])
    return fmt.table(rows, ["标题特征", "有（篇）", "无（篇）", "有：打开率中位数", "无：打开率中位数",
                            "有：打开率指数", "无：打开率指数", "指数差异", "p 值 / Holm 校正",
                            "结论"], numeric=tuple(range(1, 9)),
                     caption="打开率指数 = 文章打开率 ÷ 本月同位置（头条 / 非头条）文章打开率中位数，"
                             "消除头条与次条的位置差异；p 值为 Mann-Whitney U 双侧检验，Holm 校正"
                             f"针对同时检验的特征；p < {ALPHA} 为显著。相关不等于因果。")


def _index_text(v: Any) -> str:
    return "—" if v is None or pd.isna(v) else f"{fmt.fmt_num(v, 2)}"


# --------------------------------------------------------------------------- charts


def sources_chart(sec: ContentSection, n: int = 10) -> Figure | fmt.HtmlBlock:
    """Stacked bars of the top articles' readers by source, with each article's reader total."""
    t = top_articles(sec, n)
    if t.empty:
        return fmt.notes(["本月没有图文群发数据"], title="阅读来源")
    t = t.iloc[::-1]
    fig, ax = charts._figure(9.5, 0.5 * len(t) + 2.0)
    y = np.arange(len(t))
    left = np.zeros(len(t))
    for s, colour in zip(SOURCES, _SOURCE_COLORS, strict=True):
        vals = t[f"src_{s.key}"].fillna(0).to_numpy(dtype=float)
        if not vals.any():
            continue
        ax.barh(y, vals, left=left, color=colour, height=0.62, label=s.label)
        left += vals
    ax.scatter(t["src_total"], y, marker="D", s=36, color=charts.PALETTE["text"], zorder=5,
               label="阅读人数（全部）")
    labels = [charts.safe_label(title, 16) + ("（爆款）" if v else "")
              for title, v in zip(t["title"], t["viral"], strict=True)]
    ax.set_yticks(y, labels)
    ax.set_xlabel("阅读人数")
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_int(v)}"))
    ax.set_title("头部文章的阅读来源（来源间有重叠，堆叠可超过阅读人数）")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.3 / max(len(t), 1)), ncols=4,
              fontsize=9)
    return fig


def open_rate_chart(sec: ContentSection) -> Figure | fmt.HtmlBlock:
    """Per push: headline vs secondary open rate (bars), the month's headline rate (line)."""
    p = sec.pushes
    if p.empty:
        return fmt.notes(["本月没有群发"], title="头条打开率")
    fig, ax = charts._figure(9.0, 3.6)
    x = np.arange(len(p))
    ax.bar(x - 0.2, p["head_rate"] * 100, width=0.4, color=charts.PALETTE["new"], label="头条")
    ax.bar(x + 0.2, p["secondary_rate"] * 100, width=0.4, color=charts.PALETTE["net"],
           label="次条及以后")
    top = np.nanmax(np.r_[p["head_rate"].to_numpy(float), p["secondary_rate"].to_numpy(float)])
    ax.set_ylim(0, (top if np.isfinite(top) and top > 0 else 0.01) * 100 * 1.3)
    if not pd.isna(sec.opens.head):
        ax.axhline(sec.opens.head * 100, color=charts.PALETTE["text"], ls="--", lw=1.1,
                   label=f"本月头条 {fmt.fmt_pct(sec.opens.head, 2)}")
    ax.set_xticks(x, [f"{d:%m-%d}" for d in p["ref_date"]], rotation=45 if len(p) > 12 else 0)
    ax.set_ylabel("打开率（%）")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_num(v, 1)}%"))
    ax.set_title("每次推送的头条与次条打开率（公众号消息阅读人数 ÷ 送达人数）")
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper right", ncols=3)
    return fig


def heatmap_chart(sec: ContentSection) -> Figure | fmt.HtmlBlock:
    """Average readers by weekday × hour (getuserreadhour, 全部), the busiest cell framed."""
    h = sec.hours
    if h is None:
        return fmt.notes([_no_hours(sec)], title="阅读时段热力图")
    fig, ax = charts._figure(10.0, 3.8)
    grid = h.grid.to_numpy(dtype=float)
    im = ax.imshow(np.nan_to_num(grid), aspect="auto", cmap="Greens")
    ax.set_yticks(range(7), [f"{w}（{int(h.days[i])} 天）" for i, w in enumerate(WEEKDAYS)])
    ax.set_xticks(range(24), [str(i) for i in range(24)])
    ax.set_xlabel("时（0–23）")
    ax.grid(False)
    wd, hour, _ = h.best_cell()
    ax.add_patch(Rectangle((hour - 0.5, wd - 0.5), 1, 1, fill=False,
                           edgecolor=charts.PALETTE["cancel"], lw=2))
    fig.colorbar(im, ax=ax, label=f"平均{h.what}", pad=0.01)
    ax.set_title(f"各星期、各小时的平均{h.what}（阅读发生的时间，不是推送时间）")
    return fig
