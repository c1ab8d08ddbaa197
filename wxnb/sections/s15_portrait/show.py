"""Section 15 用户画像, what shows it: the key table, each dimension's table, the shift table,
the content match table, and the distribution, mover and match charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.io.portrait import AUDIENCE_FILE, DIMENSIONS, age_interval
from wxnb.kit import charts, fmt
from wxnb.sections.s15_portrait.compute import (
    KEY_DIMS,
    KEY_LABELS,
    SOURCES_TEXT,
    DimView,
    PortraitSection,
)

__all__ = [
    "distribution_chart",
    "distribution_html",
    "key_html",
    "match_chart",
    "match_html",
    "movers_chart",
    "shift_html",
]


def _pp(v: float) -> str:
    return "—" if v != v else fmt.fmt_pp(v, 1)


def _missing(title: str, sec: PortraitSection) -> fmt.HtmlBlock:
    if sec.portrait is None:
        return fmt.notes([f"未提供画像数据（需 {SOURCES_TEXT}）"], title=title)
    return fmt.notes([f"本月画像没有{title}"], title=title)


# --------------------------------------------------------------------------- tables


def key_html(sec: PortraitSection) -> fmt.HtmlBlock:
    """The management table: 维度 | 主要人群 | 占比 | 环比变化 (four rows)."""
    rows, css = [], []
    for key in KEY_DIMS:
        v = sec.dims.get(key)
        main = v.main if v is not None else None
        if v is None or main is None:
            rows.append([KEY_LABELS[key], "未提供", "—", "—"])
            css.append(["", "", "", ""])
            continue
        change = "—"
        if v.shift is not None:
            f = v.frame().set_index("category")
            change = _pp(float(f.at[main[0], "delta_pp"]))
        rows.append([KEY_LABELS[key], main[0], fmt.fmt_pct(main[1]), change])
        moved = v.shift is not None and v.shift.moved
        css.append(["", "", "", "warn" if moved else ""])
    cap = "主要人群为占比最高的类别（不含未知）；环比变化为该类别占比的变化"
    if any(v.shift is not None and v.shift.moved for v in sec.dims.values()):
        cap += "；标色的维度结构较上月明显变化"
    return fmt.table(rows, ["维度", "主要人群", "占比", "环比变化"], numeric=(2, 3), css=css,
                     caption=cap)


def _ordered(v: DimView) -> pd.DataFrame:
    f = v.frame()
    if v.key == "age":
        names = list(f["category"])
        start = [(age_interval(c, names) or (999, 999))[0] for c in names]
        return f.assign(_o=start).sort_values(["_o", "category"]).drop(columns="_o")
    tail = f["category"].isin(("其他城市", "其他（未列出）")) | f["category"].str.startswith(
        ("未知", "其他", "其它"))
    return pd.concat([f[~tail].sort_values(["count", "category"], ascending=[False, True]),
                      f[tail]])


def distribution_html(sec: PortraitSection, key: str) -> fmt.HtmlBlock:
    """One dimension: 类别 | 人数 | 占比 | 上月占比 | 变化 | 点名."""
    v = sec.dims.get(key)
    if v is None:
        return _missing(f"{DIMENSIONS[key]}分布", sec)
    f = _ordered(v)
    compared = v.shift is not None
    rows = []
    for r in f.itertuples():
        row = [r.category, fmt.fmt_int(r.count), fmt.fmt_pct(r.share)]
        if compared:
            row += [fmt.fmt_pct(r.share_before), _pp(r.delta_pp),
                    "是" if r.named else "", "—" if r.p_holm != r.p_holm else
                    ("< 0.001" if r.p_holm < 0.001 else f"{r.p_holm:.3f}")]
        rows.append(row)
    header = ["类别", "人数", "占比"]
    if compared:
        header += ["上月占比", "变化", "点名", "p（Holm）"]
    n = sum(v.counts.values())
    cap = f"{v.label}：合计 {fmt.fmt_int(n)} 人（{v.now.source}）"
    if key == "city":
        cap += f"；列出前 {sec.params.portrait_top_cities} 名（两个月的前几名合并），其余合为其他城市"
    if compared:
        cap += ("；变化为本月占比 − 上月占比；点名 = 该维度结构明显变化，且该类别两比例 z 检验"
                "（维度内 Holm 校正）显著、变化 ≥ "
                f"{fmt.fmt_num(sec.params.portrait_category_pp, 1)} 个百分点")
    elif v.note:
        cap += f"；{v.note}"
    return fmt.table(rows, header, numeric=tuple(range(1, len(header))), wrap=(0,),
                     caption=cap)


def shift_html(sec: PortraitSection) -> fmt.HtmlBlock:
    """Per dimension: base of both months, total variation distance, chi-square, verdict."""
    if sec.portrait is None:
        return _missing("结构变化", sec)
    rows, css = [], []
    for v in sec.dims.values():
        s = v.shift
        if s is None:
            reason = v.note or sec.compare_note or sec.prev_note or "无上月数据"
            rows.append([v.label, fmt.fmt_int(sum(v.counts.values())), "—", "—", "—", "—",
                         reason, "—"])
            css.append([""] * 8)
            continue
        big = s.movers.iloc[0] if s.moved and len(s.movers) else s.largest
        p = "< 0.001" if s.p_holm < 0.001 else f"{s.p_holm:.3f}"
        rows.append([v.label, fmt.fmt_int(s.n_now), fmt.fmt_int(s.n_before),
                     fmt.fmt_num(s.tv_pp, 2), f"{fmt.fmt_num(s.chi2, 1)}（{s.dof}）", p,
                     "结构变化" if s.moved else "基本一致",
                     f"{big['category']} {_pp(big['delta_pp'])}"])
        css.append(["", "", "", "", "", "", "warn" if s.moved else "", ""])
    return fmt.table(
        rows, ["维度", "本月人数", "上月人数", "总变化（百分点）", "卡方（自由度）", "p（Holm）",
               "判定", "变化最大的类别"],
        numeric=(1, 2, 3, 4, 5), wrap=(6, 7), css=css,
        caption=f"总变化 = 总变异距离（各类别占比变化绝对值之和的一半）；结构变化 = 卡方齐性检验"
                f"按维度数 Holm 校正后显著且总变化 ≥ {fmt.fmt_num(sec.params.portrait_shift_pp, 1)} "
                "个百分点")


def match_html(sec: PortraitSection) -> fmt.HtmlBlock:
    """Per 内容形式: its audience, coverage (and 环比), articles, 阅读中位数, 分享率, rank."""
    m = sec.match
    if m is None:
        return fmt.notes([sec.match_note or f"未提供 {AUDIENCE_FILE}"], title="人群与内容匹配")
    rows, css = [], []
    for r in m.table.itertuples():
        published = r.articles > 0
        rank = "—" if r.rank_reads != r.rank_reads else f"{int(r.rank_reads)}/{m.published}"
        rows.append([r.content_type, r.audience, fmt.fmt_pct(r.coverage), _pp(r.delta_pp),
                     fmt.fmt_int(r.articles), fmt.fmt_int(r.reads_median) if published else "—",
                     fmt.fmt_pct(r.share_rate, 2) if published else "—", rank])
        mark = "ok" if r.content_type == m.best_fit and m.matched else \
            "warn" if r.content_type == m.best_fit else ""
        css.append(["", "", mark, "", "", "", "", ""])
    return fmt.table(
        rows, ["内容形式", "目标人群", "覆盖率", "覆盖率环比", "篇数", "阅读中位数", "分享率",
               "阅读排名"],
        numeric=(2, 3, 4, 5, 6, 7), wrap=(0, 1), css=css,
        caption="覆盖率 = 粉丝中目标人群的占比（多个维度相乘）；阅读中位数与分享率为第 03 章口径"
                "（分享人数 ÷ 阅读人数）；阅读排名只在本月发布的内容形式之间；标色为覆盖率最高者")


# --------------------------------------------------------------------------- charts


def distribution_chart(sec: PortraitSection, key: str, top: int = 10
                       ) -> Figure | fmt.HtmlBlock:
    """This month's shares (and last month's) of one dimension, horizontal bars."""
    v = sec.dims.get(key)
    if v is None:
        return _missing(f"{DIMENSIONS[key]}分布", sec)
    f = _ordered(v)
    if key != "age":
        f = f.head(top)
    f = f.iloc[::-1]
    y = np.arange(len(f))
    fig, ax = charts._figure(8.0, 0.42 * len(f) + 1.4)
    compared = v.shift is not None
    h = 0.4 if compared else 0.7
    ax.barh(y + (h / 2 if compared else 0), f["share"] * 100, height=h,
            color=charts.PALETTE["new"], label="本月")
    if compared:
        ax.barh(y - h / 2, f["share_before"] * 100, height=h, color=charts.PALETTE["muted"],
                label="上月")
        ax.legend(loc="lower right")
    ax.set_yticks(y, [charts.safe_label(c) for c in f["category"]])
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{fmt.fmt_num(x, 0)}%"))
    ax.set_xlabel("占比（%）")
    ax.set_title(f"{v.label}分布" + ("：本月与上月" if compared else ""))
    ax.grid(axis="y", visible=False)
    return fig


def movers_chart(sec: PortraitSection, top: int = 10) -> Figure | fmt.HtmlBlock:
    """The categories whose share changed most (percentage points), named ones coloured."""
    parts = []
    for v in sec.dims.values():
        if v.shift is not None:
            t = v.shift.table.assign(label=v.label)
            parts.append(t)
    if not parts:
        return fmt.notes([sec.compare_note or sec.prev_note or "无上月数据，无法比较"],
                         title="占比变化最大的类别")
    t = pd.concat(parts, ignore_index=True)
    t = t.reindex(t["delta_pp"].abs().sort_values(ascending=False).index).head(top).iloc[::-1]
    fig, ax = charts._figure(8.0, 0.42 * len(t) + 1.4)
    colors = [(charts.PALETTE["new"] if d > 0 else charts.PALETTE["cancel"]) if named
              else charts.PALETTE["muted"] for d, named in zip(t["delta_pp"], t["named"],
                                                                strict=True)]
    y = np.arange(len(t))
    ax.barh(y, t["delta_pp"], color=colors)
    ax.axvline(0, color=charts.PALETTE["text"], lw=0.8)
    ax.set_yticks(y, [charts.safe_label(f"{lab}·{c}") for lab, c in zip(t["label"],
                                                                       t["category"],
                                                                       strict=True)])
    ax.set_xlabel("占比变化（百分点）")
    ax.set_title("占比变化最大的类别（彩色为点名的显著变化）")
    ax.grid(axis="y", visible=False)
    return fig


def match_chart(sec: PortraitSection) -> Figure | fmt.HtmlBlock:
    """Coverage (x) against 阅读中位数 (y) per published 内容形式, bubble = articles."""
    m = sec.match
    if m is None:
        return fmt.notes([sec.match_note or f"未提供 {AUDIENCE_FILE}"], title="覆盖率与阅读")
    t = m.table[(m.table["articles"] > 0) & m.table["coverage"].notna()]
    if t.empty:
        return fmt.notes(["本月没有可对照的内容形式（需 content_plan.csv 与文章数据）"],
                         title="覆盖率与阅读")
    fig, ax = charts._figure(8.0, 4.2)
    colors = [charts.PALETTE["new"] if c == m.best_reads else charts.PALETTE["net"]
              for c in t["content_type"]]
    ax.scatter(t["coverage"] * 100, t["reads_median"], s=60 + 40 * t["articles"], c=colors,
               alpha=0.8)
    for x, yv, c in zip(t["coverage"] * 100, t["reads_median"], t["content_type"], strict=True):
        ax.annotate(charts.safe_label(c, 12), (x, yv), textcoords="offset points",
                    xytext=(6, 6), fontsize=9)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{fmt.fmt_num(x, 0)}%"))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: fmt.fmt_int(x)))
    ax.margins(x=0.18, y=0.18)
    ax.set_xlabel("目标人群覆盖率（%）")
    ax.set_ylabel("阅读中位数")
    ax.set_title("各内容形式：受众覆盖与阅读表现（气泡大小 = 篇数）")
    return fig
