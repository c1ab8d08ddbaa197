"""Section 01 核心绩效指标达成分析, the words: narrative, data notes, phrases and findings.

Every figure in a sentence comes from ``wxnb.sections.s01_kpi.compute``; 环比 sentences use the
report's one rule and words (``wxnb.kit.compare``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from wxnb.kit import fmt, metrics
from wxnb.kit.compare import Change
from wxnb.kit.findings import Finding
from wxnb.sections.s01_kpi.compute import SECTION, KpiSection, anomaly_events

__all__ = [
    "anomaly_reason",
    "data_notes",
    "findings",
    "narrative",
    "why_missing",
]


# --------------------------------------------------------------------------- phrases


def _value(kind: str, v: Any) -> str:
    """A KPI's value as the summary's cards and the evidence say it (counts in 万 from 10,000;
    the section's table keeps the exact figure)."""
    return fmt.fmt_pct(v, 2) if kind == "rate" else fmt.fmt_count(v)


def _attainment(row: pd.Series) -> str:
    if row["达成率"] is None or pd.isna(row["达成率"]):
        return "—"
    text = fmt.fmt_pct(row["达成率"])
    if row["kind"] == "rate" and row["gap_pp"] is not None:
        text += f"（{fmt.fmt_pp(row['gap_pp'])}）"
    return text


def _mom(row: pd.Series, note: str) -> str:
    # The table's short form (+12.3% / +1.20pp / +12（基数小）), not kit.compare's sentence.
    mode, v = row["mom_mode"], row["环比"]
    if not row.get("comparable", True) and row["实际达成"] is not None \
            and not pd.isna(row["实际达成"]):
        return "口径不同"  # 2025 发表内容 vs legacy 图文分析 (kit.metrics.KpiSpec.redefined_2025)
    if mode == "na" or v is None or pd.isna(v):
        return "无上月数据" if note else "—"
    if mode == "pp":
        return fmt.fmt_pp(v)
    if mode == "abs":
        return f"{fmt.fmt_signed_int(v)}（基数小）"
    return fmt.fmt_signed_pct(v)


def why_missing(sec: KpiSection, key: str) -> str:
    """Why a KPI has no value this month, in a few words (never a bare 0, nan or —)."""
    t = sec.totals
    if key in ("open_rate", "headline_open_rate"):
        if sec.data.article_api == "none":  # a month of backend downloads only
            return "未提供文章级数据"
        if t.articles == 0:
            return "本月无群发"
        if t.undelivered_pushes:
            return "送达人数未知"
        return "送达人数为 0"
    if key == "read_count" and t.article_api == "2025":
        return "新接口不提供次数"
    if key == "net_growth_rate":
        return "上月末累计粉丝未知"
    if key == "cumulate_followers":
        return "无累计用户数据"
    if key in ("read_count", "read_user", "share_rate"):
        return "无图文阅读数据"
    if key == "conversion_rate":
        return "无事件日志" if sec.conversion is None else "本月无文章读者"
    return "未提供"


def _span(e: dict[str, Any]) -> str:
    return f"{e['start']:%m-%d}" if e["start"] == e["end"] else \
        f"{e['start']:%m-%d} 至 {e['end']:%m-%d}"


def anomaly_reason(e: dict[str, Any]) -> str:
    """The likely cause of an anomaly episode (``compute.anomaly_events``), in a few words."""
    if e["metric"] == "cancel_user":
        push = e["push"]
        if push is not None:
            return f"紧随 {push['ref_date']:%m-%d} 的推送《{push['headline']}》"
        return "前一日及当日无推送"
    if e["metric"].startswith("new_user:"):
        return "单一来源激增，多为线下活动、投放或渠道码"
    return f"新增主要来自{e['top_source'] or '—'}"


# --------------------------------------------------------------------------- narrative


def _vs_benchmark(actual: float | None, bench: float | None, source: str) -> str:
    if actual is None:
        return ""
    if bench is None:
        return "，行业均值未配置"
    word = "高于" if actual >= bench else "低于"
    return f"，{word}行业均值 {fmt.fmt_pct(bench, 2)}（{source or '来源未注明'}）"


def _attain_phrase(row: pd.Series) -> str:
    if row["达成率"] is None or pd.isna(row["达成率"]):
        return "本月未设目标"
    return f"达成月度目标的 {fmt.fmt_pct(row['达成率'])}（{row['状态']}）"


def _mom_phrase(row: pd.Series) -> str:
    """``，环比增长 12.3%`` and the like: the report's one 环比 sentence (kit.compare)."""
    return Change(row["mom_mode"], row["环比"]).phrase()


def narrative(sec: KpiSection) -> list[str]:
    """The seed-style paragraph (数据显示…), every figure computed from ``sec``."""
    t, tab, p = sec.totals, sec.table.set_index("key"), sec.params
    net = tab.loc["net_followers"]
    out = [
        f"数据显示，本月粉丝净增长 {fmt.fmt_int(t.net_followers)} 人（新关注 {fmt.fmt_int(t.new_user)}、取消关注 "
        f"{fmt.fmt_int(t.cancel_user)}），{_attain_phrase(net)}{_mom_phrase(net)}；" + (
            "上月末累计粉丝未知，净增长率无从计算。" if t.net_growth_rate is None else
            f"净增长率 {fmt.fmt_pct(t.net_growth_rate, 2)}"
            f"{_vs_benchmark(t.net_growth_rate, p.benchmark_net_growth_rate, p.benchmark_source)}"
            "。")
    ]
    top = sec.sources[sec.sources["new_user"] > 0].head(2)
    if t.new_user == 0:
        out.append("本月没有新关注，无法按来源拆分。")
    elif len(top):
        parts = "、".join(f"{r['source']}（{fmt.fmt_pct(r['new_share'])}）"
                         for _, r in top.iterrows())
        out.append(f"新关注主要来自{parts}。")
    new = t.article_api == "2025"
    reads = tab.loc["read_user" if new else "read_count"]
    head = tab.loc["headline_open_rate"]
    sent = "通知粉丝的发表" if new else "群发"
    unknown = (f"（其中 {t.undelivered_pushes} 次找不到群发结果，送达人数未知，不计入打开率）"
               if t.undelivered_pushes else "")
    if t.articles == 0:
        pushed = f"本月没有{'通知粉丝的发表' if new else '群发图文'}，打开率与头条打开率无从计算"
    elif t.open_rate is None:
        why = "送达人数未知" if t.undelivered_pushes else "送达人数为 0"
        pushed = f"本月{sent} {t.pushes} 次共 {t.articles} 篇，但{why}，打开率无从计算"
    else:
        pushed = (f"本月{sent} {t.pushes} 次共 {t.articles} 篇{unknown}，打开率 "
                  f"{fmt.fmt_pct(t.open_rate, 2)}"
                  f"{_vs_benchmark(t.open_rate, p.benchmark_open_rate, p.benchmark_source)}，"
                  f"头条打开率 {fmt.fmt_pct(t.headline_open_rate, 2)}{_mom_phrase(head)}")
    if new and t.read_user is not None:
        read_text = (f"图文阅读 {fmt.fmt_count(t.read_user)}人（按日去重后累计；2025 发表内容接口"
                     f"不提供阅读次数），{_attain_phrase(reads)}{_mom_phrase(reads)}")
    elif t.read_count is None:
        read_text = "本月没有图文阅读数据（图文阅读概况接口无“全部”来源的行）"
    else:
        read_text = (f"图文阅读 {fmt.fmt_count(t.read_count)}次（阅读人数按日累计 "
                     f"{fmt.fmt_count(t.read_user)}），{_attain_phrase(reads)}{_mom_phrase(reads)}")
    out.append(f"{read_text}；{pushed}。")
    if reads["状态"] in ("预警", "未达标") and head["mom_mode"] == "pp" and head["环比"] < 0:
        out.append(f"阅读量缺口与头条打开率下降 {fmt.fmt_num(abs(head['环比']), 2)} 个百分点同时出现，"
                   "建议优先复盘头条选题与标题。")
    share = tab.loc["share_rate"]
    if t.share_rate is None:
        out.append("本月没有图文阅读，分享率无从计算。")
    else:
        bench = "（分享人数 ÷ 阅读人数，与按次数计算的行业均值不可直接比较）" if new else \
            _vs_benchmark(t.share_rate, p.benchmark_share_rate, p.benchmark_source)
        out.append(f"分享率 {fmt.fmt_pct(t.share_rate, 2)}，{_attain_phrase(share)}{bench}。")
    out.extend(_anomaly_sentences(sec))
    out.append(_status_summary(sec.table))
    return out


def _anomaly_sentences(sec: KpiSection) -> list[str]:
    events = anomaly_events(sec)
    if not events:
        return ["本月新关注与取消关注均无异常日。"]
    items = []
    for e in events:
        times = f"，为基线的 {fmt.fmt_num(e['value'] / e['baseline'], 1)} 倍" if e["baseline"] else ""
        items.append(f"{_span(e)} {e['name']} {fmt.fmt_int(e['value'])} 人{times}（{anomaly_reason(e)}）")
    return [f"本月出现 {len(events)} 次异常：" + "；".join(items) + "。"]


def _status_summary(table: pd.DataFrame) -> str:
    counts = table["状态"].value_counts()
    bad = table.loc[table["状态"] == "未达标", "指标类别"].tolist()
    text = (f"目标达成情况：{counts.get('达标', 0)} 项达标、{counts.get('预警', 0)} 项预警、"
            f"{counts.get('未达标', 0)} 项未达标")
    return text + (f"（{'、'.join(bad)}）。" if bad else "。")


def _family_notes(sec: KpiSection) -> list[str]:
    """Which article endpoints the month (and the month before) were read from, what that
    leaves out, and which 环比 compare across the 2025-11 break."""
    t, before = sec.totals, sec.prev_totals
    notes = list(metrics.article_notes(sec.data))
    if t.article_api == "2025":
        notes.append("本月文章数据来自 2025 发表内容接口：阅读与分享只有人数，没有次数；打开率只计已通知"
                     "粉丝的发表，送达人数取自群发结果（MASSSENDJOBFINISH）。")
    if before is not None and (before.article_api == "2025") != (t.article_api == "2025"):
        redefined = [s.name for s in metrics.KPI_SPECS if s.redefined_2025]
        same = [s.name for s in metrics.KPI_SPECS if not s.redefined_2025]
        older = "旧版图文分析接口" if t.article_api == "2025" else "2025 发表内容接口"
        notes.append(f"上月数据来自{older}：环比只比较两者定义相同的指标（{'、'.join(same)}）；"
                     f"{'、'.join(redefined)}口径不同，不比较环比。")
    return notes


def data_notes(sec: KpiSection) -> list[str]:
    """Caveats the reader needs: missing data, 口径, the previous month."""
    notes = list(sec.data.warnings)
    if sec.previous.note:
        notes.append(sec.previous.note)
    if not sec.data.has("getusersummary"):
        notes.append("缺少用户增减数据")
    conv = sec.conversion
    if conv is None:
        notes.append("转化率需要事件日志（events*）中的文章阅读与订单数据（orders.csv），本月未提供。")
    else:
        notes.append(f"转化率：本月事件日志中读过文章的 {fmt.fmt_int(conv.readers)} 人里有 {fmt.fmt_int(conv.buyers)} 人"
                     f"下单（订单来自{conv.source}）；按人去重，不含未被追踪的读者。")
    notes.extend(_family_notes(sec))
    if sec.totals.cumulate_start is None:
        notes.append("上月末累计粉丝未知（上月最后一天与本月 1 日都没有累计用户数据），"
                     "粉丝净增长率未计算。")
    if sec.totals.cumulate_followers is not None and sec.totals.cumulate_start is not None:
        diff = sec.totals.cumulate_followers - sec.totals.cumulate_start - sec.totals.net_followers
        if diff:
            notes.append(f"月末累计粉丝 − 上月末累计粉丝 与 净增长 相差 {fmt.fmt_signed_int(diff)} 人")
    return notes


# --------------------------------------------------------------------------- findings


def findings(sec: KpiSection) -> list[Finding]:
    """Section 01's conclusions as data: one per KPI row, one per anomaly episode."""
    out = []
    for _, r in sec.table.iterrows():
        if r["状态"] == "未提供":
            continue
        value = None if pd.isna(r["实际达成"]) else float(r["实际达成"])
        target = None if r["月度目标"] is None or pd.isna(r["月度目标"]) else float(r["月度目标"])
        att = None if r["达成率"] is None or pd.isna(r["达成率"]) else float(r["达成率"])
        mom = None if r["环比"] is None or pd.isna(r["环比"]) else float(r["环比"])
        value_text = _value(r["kind"], value)
        target_text = _value(r["kind"], target) if target is not None else "未设目标"
        evidence = f"{r['指标类别']} {value_text}"
        if target is not None:
            evidence += f"，目标 {target_text}，达成 {_attainment(r)}"
        if mom is not None:
            evidence += f"，环比 {_mom(r, sec.previous.note)}"
        out.append(Finding(
            section=SECTION[0], section_title=SECTION[1], metric=str(r["key"]),
            name=str(r["指标类别"]), status=str(r["状态"]), evidence=evidence, value=value,
            value_text=value_text, target=target, target_text=target_text,
            benchmark=None if pd.isna(r["行业均值"]) else float(r["行业均值"]),
            gap=max(0.0, 1 - att) if att is not None else None, mom=mom,
            mom_text=_mom(r, sec.previous.note), kind="kpi",
            extra={"kind": str(r["kind"]), "mom_mode": str(r["mom_mode"])},
        ))
    for e in anomaly_events(sec):
        bad = e["metric"] == "cancel_user"
        times = f"，为基线的 {fmt.fmt_num(e['value'] / e['baseline'], 1)} 倍" if e["baseline"] else ""
        out.append(Finding(
            section=SECTION[0], section_title=SECTION[1], metric=f"anomaly:{e['metric']}",
            name=f"{e['name']}异常", status="预警" if bad else "提示",
            evidence=f"{_span(e)} {e['name']} {fmt.fmt_int(e['value'])} 人{times}（{anomaly_reason(e)}）",
            value=e["value"], value_text=fmt.fmt_int(e["value"]), kind="event",
            # How far above the expected level, relative: ranks against KPI shortfalls.
            gap=(e["value"] - e["baseline"]) / e["baseline"] if e["baseline"] else None,
            extra={"start": f"{e['start']:%Y-%m-%d}", "end": f"{e['end']:%Y-%m-%d}"},
        ))
    return out
