"""Section 04 粉丝质量多维评估 (FAN-IDM), the words: narrative, data notes (definitions) and
findings."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from wxnb.kit import compare, fmt
from wxnb.kit.findings import Finding
from wxnb.sections.s04_fans.compute import (
    _DIM_SHORT,
    DECLINE_PP,
    DIMENSIONS,
    MIN_COHORT,
    RETENTION_DAYS,
    SECTION,
    STRATEGIES,
    UGC_EVENT,
    FanSection,
    TierRow,
)

__all__ = [
    "data_notes",
    "findings",
    "narrative",
]

_METRIC = {"activity": "fan_active_share", "influence": "fan_influence_share",
           "loyalty": "fan_loyal_share", "core": "core_fan_share"}


# --------------------------------------------------------------------------- labels


def _cohort_label(r: pd.Series) -> str:
    iso = r["week"].isocalendar()
    return f"第 {iso.week} 周（{r['start']:%m-%d}–{r['end']:%m-%d}）"


# --------------------------------------------------------------------------- narrative


def _row(sec: FanSection, key: str) -> TierRow:
    return next(r for r in sec.rows if r.key == key)


def _population_sentence(sec: FanSection) -> str:
    agg = sec.agg
    month = fmt.month_cn(agg.month)
    if not agg.population:
        return f"{month}事件日志中没有互动事件，无法评估粉丝质量。"
    per = agg.interactions / agg.population
    context = ""
    if sec.followers_end:
        context = (f"（月末累计粉丝 {fmt.fmt_int(sec.followers_end)} 人，有互动的约占 "
                   f"{fmt.fmt_pct(agg.population / sec.followers_end)}）")
    return (f"{month}有互动的粉丝 {fmt.fmt_int(agg.population)} 人{context}，人均互动 {fmt.fmt_num(per, 1)} 次、"
            f"周均 {fmt.fmt_num(per / (agg.days / 7), 1)} 次；以下各维度占比均以这 {fmt.fmt_int(agg.population)} 人"
            "为分母。")


def _dims_sentence(sec: FanSection) -> str:
    if not sec.agg.population:
        return ""
    parts = []
    for key in DIMENSIONS:
        r = _row(sec, key)
        if r.share is None:
            parts.append(f"{_DIM_SHORT[key]}不可计算（日志中没有分享来源 via）")
            continue
        mom = f"，环比 {r.mom_text}" if r.mom is not None else ""
        rule = sec.agg.rules.text(key, sec.agg.days, short=True)
        parts.append(f"{_DIM_SHORT[key]}（{rule}）{fmt.fmt_int(r.count)} 人，占 "
                     f"{fmt.fmt_pct(r.share)}{mom}")
    return "按现行规则，" + "；".join(parts) + "。"


def _core_sentence(sec: FanSection) -> str:
    agg = sec.agg
    if not agg.population:
        return ""
    r = _row(sec, "core")
    head = (f"满足至少 {agg.rules.core_min_dims} 个维度的核心粉丝 {fmt.fmt_int(r.count)} 人，占 "
            f"{fmt.fmt_pct(r.share)}")
    if r.mom is not None:
        head += f"（环比 {r.mom_text}）"
    ugc = agg.core_ugc_share
    if ugc is None:
        return head + "；本月没有留言事件（article_comment），无法计算其 UGC 贡献。"
    tail = ""
    if r.share:
        ratio = ugc / r.share
        tail = f"，是其人数占比的 {fmt.fmt_num(ratio, 1)} 倍" if ratio >= 1 else "，低于其人数占比"
    return (f"{head}，贡献了 {fmt.fmt_pct(ugc)} 的留言（UGC，{fmt.fmt_int(agg.comments)} 条中 "
            f"{fmt.fmt_int(agg.core_comments)} 条）{tail}。")


def _influence_sentence(sec: FanSection) -> str:
    agg, r = sec.agg, sec.agg.reach
    if not agg.population:
        return ""
    if not r.observable:
        return (f"本月 {fmt.fmt_int(agg.sharers)} 位粉丝分享 {fmt.fmt_int(agg.shares)} 次，但日志中没有分享来源"
                "（via），分享带来的阅读与关注无法归因到分享者。")
    return (f"本月 {fmt.fmt_int(agg.sharers)} 位粉丝分享 {fmt.fmt_int(agg.shares)} 次；可追踪的分享链接带来 "
            f"{fmt.fmt_int(r.pairs)} 人次触达（按分享者去重，其中关注 {fmt.fmt_int(r.follow_pairs)} 人次），"
            f"触达 ≥ {agg.rules.influence_reach} 人的分享者 {fmt.fmt_int(r.influential)} 位。")


def _retention_sentence(sec: FanSection) -> str:
    agg = sec.agg
    c = agg.cohorts
    if c.empty:
        return "本月事件日志中没有关注事件，无法计算新粉留存。"
    parts = []
    for k in RETENTION_DAYS:
        value, n = agg.retention(k)
        if value is not None:
            parts.append(f"第 {k} 天 {fmt.fmt_pct(value)}（{fmt.fmt_int(n)} 人满 {k} 天）")
    text = (f"本月新关注 {fmt.fmt_int(agg.new_followers)} 人（按首次关注的周分为 {len(c)} 组），"
            f"其中 {fmt.fmt_int(agg.new_then_left)} 人在月内又取关。")
    if parts:
        text += "未取关的加权平均留存：" + "，".join(parts) + "。"
    young = [k for k in RETENTION_DAYS if not c[f"eligible_{k}"].iloc[-1]]
    if young:
        text += (f"最近一组到月末尚不满 {young[0]} 天，相应格子不计入（不按流失计）。")
    rated = c[c["eligible_7"] >= MIN_COHORT]
    if len(rated) >= 2:
        rate = rated["kept_7"] / rated["eligible_7"]
        best, worst = rate.idxmax(), rate.idxmin()
        if rate[best] - rate[worst] >= 0.01:
            text += (f"满 7 天人数不少于 {MIN_COHORT} 的关注周中，7 日留存最好的是"
                     f"{_cohort_label(c.loc[best])}，为 {fmt.fmt_pct(rate[best])}；最差的是"
                     f"{_cohort_label(c.loc[worst])}，为 {fmt.fmt_pct(rate[worst])}。")
    return text


def _strategy_sentence(sec: FanSection) -> str:
    weak = [r for r in sec.rows if r.weakest]
    if not weak:
        return ""
    w = weak[0]
    text = (f"三个维度中占比最低的是{w.name}（{fmt.fmt_pct(w.share)}），建议优先"
            f"{STRATEGIES[w.key]}")
    falling = [r for r in sec.rows if r.key in DIMENSIONS and not r.weakest
               and r.mom is not None and r.mom <= -DECLINE_PP]
    if falling:
        text += "；" + "、".join(f"{r.name}环比下降 {fmt.fmt_num(abs(r.mom or 0), 1)} 个百分点，"
                                f"可同步{STRATEGIES[r.key]}" for r in falling)
    return text + "。"


def narrative(sec: FanSection) -> list[str]:
    """The seed-style paragraphs, every figure computed from ``sec``."""
    parts = [_population_sentence(sec), _dims_sentence(sec), _core_sentence(sec),
             _influence_sentence(sec), _retention_sentence(sec), _strategy_sentence(sec)]
    return [p for p in parts if p]


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _sci(p: float) -> str:
    """A small probability as 4×10⁻⁶ (or 0 when there is nothing to collide)."""
    if p <= 0:
        return "0"
    exp = math.floor(math.log10(p))
    mant = round(p / 10**exp)
    if mant == 10:
        mant, exp = 1, exp + 1
    return f"{mant}×10{str(exp).translate(_SUPERSCRIPT)}"


def data_notes(sec: FanSection) -> list[str]:
    """Definitions, denominators, what WeChat does not let us observe, and the inputs' notes."""
    agg, rules = sec.agg, sec.agg.rules
    notes = list(sec.log_notes)
    notes.append(
        f"FAN-IDM 的阈值（周均互动 ≥ {rules.active_weekly:g} 次、分享触达 ≥ "
        f"{rules.influence_reach} 人、连续活跃 ≥ {rules.loyal_days} 天、核心粉丝满足 ≥ "
        f"{rules.core_min_dims} 个维度）是业务规则，不是行业标准（未找到公开标准），可在参数中"
        "调整；表中“优质粉丝标准”列印出当前规则。")
    notes.append(
        f"分母：本月事件日志中至少有 1 次互动的用户（{fmt.fmt_int(agg.population)} 人）。互动 = 除关注、"
        "取关、地理位置上报、群发与模板消息结果以外的全部事件类型。日志中的用户可能包括已取关或"
        "未关注的分享读者，因此与月末累计粉丝（getusercumulate，仅作对照）不是同一口径。")
    if not sec.followers_end:
        notes.append(sec.followers_note)
    notes.append(f"周均互动 = 本月互动次数 ÷（本月 {agg.days} 天 ÷ 7）；月中新关注的粉丝也按"
                 "全月计算，周均偏低。")
    notes.append("影响力：种子方案的“好友数 ≥ 500”在微信中不可观测（接口不提供用户的好友数），"
                 "改用分享触达 = 通过该粉丝的可追踪分享链接（事件的 via 字段）产生阅读或关注的"
                 "不同用户数（不含本人）；没有带 via 的分享（截图、复制文字等）无法归因。")
    if not agg.reach.observable:
        notes.append("本月事件日志中没有带 via 的事件：影响力维度不可计算，按未满足计入核心粉丝的"
                     "维度数。")
    notes.append("忠诚度：一天有至少 1 次互动即为活跃日；最长连续活跃天数只在本月内计算（跨月的"
                 "连续从 1 日起算）。")
    notes.append(f"核心粉丝的 UGC 份额 = 核心粉丝的留言事件（{UGC_EVENT}）÷ 全部留言事件"
                 f"（{fmt.fmt_int(agg.comments)} 条）。")
    notes.append("新粉留存：按本月首次关注（subscribe）所在的 ISO 周（周一开始）分组；第 k 天留存"
                 " = 关注当天（第 0 天）起至第 k 天结束没有取关（取关后再关注仍计为流失）；只有"
                 "关注日 + k 天不晚于月末的粉丝计入第 k 天的分母（右删失），不足 k 天的组显示"
                 "“—”；第 k 天活跃 = 第 k−6 至第 k 天有互动。")
    notes.append(f"粉丝按 follower_id 的 64 位哈希聚合：n 个 id 中出现碰撞的概率约为 n²/2⁶⁵"
                 f"（本月 {fmt.fmt_int(agg.population)} 人时约 {_sci(agg.population ** 2 / 2 ** 65)}），"
                 "即使发生也只影响一位粉丝的归类。")
    if sec.prev_note:
        notes.append(sec.prev_note)
    return list(dict.fromkeys(n for n in notes if n))


# --------------------------------------------------------------------------- findings


def _finding(metric: str, name: str, status: str, evidence: str, value: float | None,
             value_text: str, mom: float | None = None, mom_text: str = "",
             extra: dict[str, Any] | None = None) -> Finding:
    return Finding(section=SECTION[0], section_title=SECTION[1], metric=metric, name=name,
                   status=status, evidence=evidence, value=value, value_text=value_text,
                   mom=mom, mom_text=mom_text, kind="kpi", extra=extra or {})


def _row_finding(sec: FanSection, r: TierRow) -> Finding:
    evidence = (f"{_DIM_SHORT[r.key]}（{r.rule}）占有互动粉丝的 {r.share_text}"
                f"（{fmt.fmt_int(r.count)} / {fmt.fmt_int(sec.agg.population)}）")
    if r.mom is not None:
        evidence += f"，环比 {r.mom_text}"
    return _finding(_METRIC[r.key], _DIM_SHORT[r.key] + "占比", r.status, evidence, r.share,
                    r.share_text, r.mom, r.mom_text if r.mom is not None else "",
                    {"rule": r.rule, "count": r.count, "population": sec.agg.population,
                     "weakest": r.weakest, "strategy": r.strategy, "mom_mode": "pp"})


def _retention_finding(sec: FanSection) -> Finding | None:
    value, n = sec.agg.retention(7)
    if value is None:
        return None
    prev_value = sec.prev.retention(7)[0] if sec.prev is not None else None
    mom = compare.change("rate", value, prev_value).value  # points; None without a base
    evidence = f"新关注粉丝 7 日留存（未取关）{fmt.fmt_pct(value)}（{fmt.fmt_int(n)} 人满 7 天）"
    if mom is not None:
        evidence += f"，环比 {fmt.fmt_pp(mom)}"
    status = "提示" if mom is not None and mom <= -DECLINE_PP else "未设目标"
    return _finding("retention_d7", "新粉 7 日留存", status, evidence, value,
                    fmt.fmt_pct(value), mom, fmt.fmt_pp(mom) if mom is not None else "",
                    {"eligible": n, "cohorts": len(sec.agg.cohorts), "mom_mode": "pp"})


def findings(sec: FanSection) -> list[Finding]:
    """The three dimension shares, the core fans' share and UGC share, 7-day retention."""
    out = [_row_finding(sec, r) for r in sec.rows if r.share is not None]
    ugc = sec.agg.core_ugc_share
    if ugc is not None:
        core = _row(sec, "core")
        prev_ugc = sec.prev.core_ugc_share if sec.prev is not None else None
        mom = compare.change("rate", ugc, prev_ugc).value  # points; None without a base
        out.append(_finding(
            "core_fan_ugc_share", "核心粉丝的 UGC 份额", "未设目标",
            f"核心粉丝（{core.share_text}）贡献了 {fmt.fmt_pct(ugc)} 的留言（"
            f"{fmt.fmt_int(sec.agg.core_comments)} / {fmt.fmt_int(sec.agg.comments)} 条）", ugc, fmt.fmt_pct(ugc),
            mom, fmt.fmt_pp(mom) if mom is not None else "",
            {"core_share": core.share, "comments": sec.agg.comments, "mom_mode": "pp"}))
    ret = _retention_finding(sec)
    if ret is not None:
        out.append(ret)
    return out
