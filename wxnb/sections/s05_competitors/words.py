"""Section 05 竞品运营策略对标研究, the words: narrative, data notes and findings."""

from __future__ import annotations

from typing import Any

import pandas as pd

from wxnb.io.competitors import OWN, READ_CAP, SCORES_FILE
from wxnb.kit import fmt
from wxnb.kit.findings import Finding
from wxnb.sections.s05_competitors.compute import (
    DIMENSIONS,
    SECTION,
    WCI_DAYS,
    CompetitorSection,
    Dimension,
    _gap,
    _last,
    leaders,
)

__all__ = [
    "data_notes",
    "findings",
    "narrative",
]


# --------------------------------------------------------------------------- narrative


def _wci_sentence(sec: CompetitorSection) -> str:
    s = sec.stats.sort_values("wci", ascending=False)
    own, rank, total = float(s.at[OWN, "wci"]), int(s.at[OWN, "rank"]), len(s)
    order = "、".join(f"{a} {fmt.fmt_num(v, 2)}" for a, v in s["wci"].items())
    head = (f"本月 WCI 传播指数（清博 V14.2 公式，{_short_weights(sec)}，d = {WCI_DAYS}）"
            f"依次为：{order}。")
    if rank == 1:
        second = s[s.index != OWN].iloc[0]
        return head + (f"本账号排名第 1/{total}，领先第二名{second.name} "
                       f"{fmt.fmt_num(own - second['wci'], 2)} 分。")
    top = s.iloc[0]
    return head + (f"本账号排名第 {rank}/{total}，落后第一名{top.name} {fmt.fmt_num(top['wci'] - own, 2)} 分"
                   f"（{fmt.fmt_pct(_gap(own, float(top['wci'])), 1)}）。")


def _short_weights(sec: CompetitorSection) -> str:
    return "官网权重" if sec.params.wci_weights == "gsdata-v14.2" else "2021 无转发版权重"


def _lead_sentence(sec: CompetitorSection) -> str:
    lead = [d for d in DIMENSIONS if OWN in leaders(sec.stats, d)]
    if not lead:
        return "本账号在各对比维度上均未领先。"
    parts = "、".join(f"{d.label}（{d.show(sec.stats.at[OWN, d.key])}）" for d in lead)
    return f"本账号领先的维度：{parts}。"


def _compare(dim: Dimension, own: float, other: float) -> str:
    if not dim.higher_better:
        return f"快 {own - other:g} 分钟"
    if not own:
        return "本账号为 0"
    return f"为本账号的 {fmt.fmt_num(other / own, 1)} 倍" if other >= 2 * own else f"高 {fmt.fmt_pct(other / own - 1, 0)}"


def _best_competitor_sentence(sec: CompetitorSection) -> str:
    comps = sec.stats.drop(index=OWN).sort_values("wci", ascending=False)
    best, own = comps.iloc[0], sec.stats.loc[OWN]
    better = []
    for d in DIMENSIONS:
        b, o = best[d.key], own[d.key]
        if pd.isna(b) or pd.isna(o) or b == o or (b > o) != d.higher_better:
            continue
        better.append(f"{d.label} {d.show(b)} 对 {d.show(o)}（{_compare(d, o, b)}）")
    if not better:
        return f"WCI 最高的竞品（{best.name}）在各维度上没有超过本账号。"
    return f"WCI 最高的竞品（{best.name}）领先本账号的维度：{'；'.join(better)}。"


def _weakness(sec: CompetitorSection, name: str) -> str:
    """The competitor's largest relative shortfall against us on a higher-is-better dimension."""
    own, r = sec.stats.loc[OWN], sec.stats.loc[name]
    worst, ratio = None, 1.0
    for d in DIMENSIONS:
        ok = d.higher_better and pd.notna(r[d.key]) and pd.notna(own[d.key]) and own[d.key] > 0
        if ok and r[d.key] / own[d.key] < ratio:
            worst, ratio = d, r[d.key] / own[d.key]
    return f"，但其{worst.label}仅为本账号的 {fmt.fmt_pct(ratio, 0)}" if worst and ratio < 0.8 else ""


def _borrow_sentences(sec: CompetitorSection) -> list[str]:
    out = []
    for name in sec.stats.index.drop(OWN):
        dims = [d for d in DIMENSIONS if leaders(sec.stats, d) == [name]]
        if not dims:
            continue
        r = sec.stats.loc[name]
        strong = "、".join(f"{d.strength}（{d.label} {d.show(r[d.key])}）" for d in dims)
        learn = "、".join(d.borrow for d in dims)
        out.append(f"{name}凭借{strong}{_weakness(sec, str(name))}；本账号需借鉴{name}的{learn}。")
    return out


def narrative(sec: CompetitorSection) -> list[str]:
    """Seed-style paragraphs: WCI rank and gap, our leads, the best competitor, what to borrow."""
    out = [_wci_sentence(sec), _lead_sentence(sec) + _best_competitor_sentence(sec)]
    if not sec.stats.at[OWN, "n"]:
        out.insert(1, "本账号本月没有发文，WCI 按公式为 0；以下对比只说明竞品本月的表现，"
                      "本账号的阅读、在看与分享无从比较。")
    out.extend(_borrow_sentences(sec))
    if not sec.own_engagement_known:
        out.append("本月缺少发表内容数据（getarticletotaldetail），本账号在看与点赞按 0 计，"
                   "本账号 WCI 偏低，在看率不参与比较。")
    caps = sec.stats[sec.stats["capped"] > 0]
    if len(caps):
        items = "、".join(f"{a} {int(c)} 篇" for a, c in caps["capped"].items())
        out.append(f"阅读数为 10万+ 的文章按 {fmt.fmt_int(READ_CAP)} 计（{items}），其真实传播力可能更高。")
    if int(sec.stats.at[OWN, "rank"]) > 1:
        out.append("建议建立竞品动态监测看板，按月跟踪上述维度，实现策略快速迭代。")
    return out


def _own_source(sec: CompetitorSection) -> str:
    """Where our own figures come from, and in which unit (次数, or 人数 in 2025 data)."""
    own = sec.articles[sec.articles["account"] == OWN]
    if "reads_basis" in own and (own["reads_basis"] == "人数").any():
        return ("本账号数据来自 2025 发表内容接口（getarticletotaldetail，每篇文章取最后一个 "
                "stat_date 的累计值）：该接口只统计人数，阅读与转发按阅读人数 read_user、分享人数 "
                "share_user 计，略低于竞品榜单的次数口径，本账号 WCI 因此略偏低；竞品数据为人工采集"
                "或榜单导出。")
    return ("本账号数据来自公众号数据接口（每篇文章取最后一个 stat_date 的累计值：阅读次数 "
            "int_page_read_count、分享次数 share_count）；竞品数据为人工采集或榜单导出。")


def data_notes(sec: CompetitorSection) -> list[str]:
    """Caveats: weighting and d, the 10万+ cap, unknown shares and scores, the previous month."""
    s = sec.stats
    notes = [(f"WCI 权重：{sec.weights_label}；d = {WCI_DAYS}（清博月榜固定按 30 天计，"
              "非自然日）。WCI 只衡量传播力，不代表内容质量或转化。"),
             _own_source(sec)]
    if not sec.own_engagement_known:
        notes.append("未提供 getarticletotaldetail：本账号在看、点赞未知，按 0 计入 WCI（偏低）。")
    for name, r in s[s["shares_unknown"] > 0].iterrows():
        notes.append(f"{name} 有 {int(r['shares_unknown'])}/{int(r['n'])} 篇文章转发数未知，按 0 计"
                     + ("，分享率不参与比较" if r["shares_unknown"] == r["n"] else ""))
    unscored = [a for a in s.index
                if pd.isna(s.at[a, "activity"]) or pd.isna(s.at[a, "response_min"])]
    if unscored:
        notes.append(f"活动创新度或客服响应时效未评分：{'、'.join(unscored)}（{SCORES_FILE}）")
    if s["capped"].sum():
        notes.append(f"10万+ 阅读按 {fmt.fmt_int(READ_CAP)} 计（清博规则），共 {int(s['capped'].sum())} 篇。")
    return notes + sec.notes + ([sec.prev_note] if sec.prev_note else [])


# --------------------------------------------------------------------------- findings


def _finding(metric: str, name: str, status: str, evidence: str, **kw: Any) -> Finding:
    return Finding(section=SECTION[0], section_title=SECTION[1], metric=metric, name=name,
                   status=status, evidence=evidence, **kw)


def _wci_finding(sec: CompetitorSection) -> Finding:
    s = sec.stats.sort_values("wci", ascending=False)
    own, rank = float(s.at[OWN, "wci"]), int(s.at[OWN, "rank"])
    top_name, top = str(s.index[0]), float(s["wci"].iloc[0])
    gap = 0.0 if rank == 1 else _gap(own, top)
    status = "达标" if rank == 1 else "预警" if gap < 0.10 else "未达标"
    prev = sec.prev_stats
    mom = None
    # WCI is an index, not a count: always relative (no kit.compare small-base rule)
    if prev is not None and OWN in prev.index and prev.at[OWN, "wci"] and sec.own_comparable:
        mom = own / float(prev.at[OWN, "wci"]) - 1
    evidence = (f"本账号 WCI {fmt.fmt_num(own, 2)}，排名第 {rank}/{len(s)}" +
                ("" if rank == 1 else f"，落后{top_name}（{fmt.fmt_num(top, 2)}）{fmt.fmt_pct(gap, 1)}"))
    return _finding("wci_rank", "WCI 竞品排名", status, evidence, value=own,
                    value_text=f"{fmt.fmt_num(own, 2)}（第 {rank}/{len(s)} 名）", target=top,
                    target_text=f"第一名 {top_name} {fmt.fmt_num(top, 2)}", gap=gap, mom=mom,
                    mom_text=fmt.fmt_signed_pct(mom) if mom is not None else
                    "无上月数据" if sec.own_comparable else "口径不同",
                    extra={"rank": rank, "accounts": len(s), "weights": sec.params.wci_weights,
                           "days": WCI_DAYS})


def _last_finding(sec: CompetitorSection, dim: Dimension) -> Finding:
    col = sec.stats[dim.key].dropna()
    best_name = str(col.idxmax() if dim.higher_better else col.idxmin())
    own, best = float(col[OWN]), float(col[best_name])
    gap = _gap(own, best) if dim.higher_better else (own - best) / own if own else 0.0
    return _finding(
        f"competitor_last:{dim.key}", f"{dim.label}（竞品对标）", "预警",
        f"本账号{dim.label} {dim.show(own)}，在 {len(col)} 个账号中排名末位，"
        f"最佳为{best_name} {dim.show(best)}", value=own, value_text=dim.show(own),
        target=best, target_text=f"{best_name} {dim.show(best)}", gap=gap,
        extra={"best_account": best_name})


def findings(sec: CompetitorSection) -> list[Finding]:
    """The WCI rank (达标 if first, 预警 if < 10% behind the leader, else 未达标) and one
    预警 per dimension where 本账号 is last."""
    return [_wci_finding(sec)] + [_last_finding(sec, d) for d in DIMENSIONS
                                  if OWN in _last(sec.stats, d)]
