"""Section 01 核心绩效指标达成分析: what the notebook shows, prepared from the data.

``prepare`` loads and computes everything once; the other functions turn it into the report's
tables and narrative. Every figure in the narrative is computed here from the data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb.kit import fmt
from wxnb.kit import metrics
from wxnb.io.codes import USER_SOURCE, label
from wxnb.kit.findings import Finding
from wxnb.io.datacube import MonthData, PreviousMonth, load_month, load_previous
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s01_kpi import SPEC

__all__ = [
    "KpiSection",
    "anomaly_events",
    "anomaly_html",
    "data_notes",
    "findings",
    "definitions_html",
    "kpi_html",
    "narrative",
    "prepare",
    "sources_html",
]


@dataclass
class KpiSection:
    """Everything section 01 shows, computed once."""

    params: ReportParams
    data: MonthData
    previous: PreviousMonth
    totals: metrics.MonthTotals
    prev_totals: metrics.MonthTotals | None
    table: pd.DataFrame
    daily: pd.DataFrame
    anomalies: pd.DataFrame
    sources: pd.DataFrame
    pushes: pd.DataFrame
    conversion: metrics.Conversion | None = None


ENDPOINTS = ("getusersummary", "getusercumulate", "getarticletotal", "getuserread")


def prepare(params: ReportParams, *, conversion_rate: bool = True) -> KpiSection:
    """Load this month (and the previous one for 环比) and compute section 01.

    ``conversion_rate=False`` skips the event log (the conversion rate is then unknown): for
    callers that need only the datacube figures, such as section 08's PDCA plan, since the log
    pass costs seconds at tens of millions of events.
    """
    data = load_month(params.resolved_data_dir(), params.month, endpoints=ENDPOINTS)
    previous = load_previous(params.resolved_prev_data_dir(), prev_month(params.month),
                             endpoints=ENDPOINTS)
    conversion = _conversion(params.resolved_data_dir(), params.month, params) \
        if conversion_rate else None
    totals = metrics.month_totals(data, previous.data)
    totals = replace(totals, conversion_rate=conversion.rate if conversion else None)
    prev_totals = metrics.month_totals(previous.data) if previous.data else None
    if prev_totals is not None and conversion_rate:
        prev_conv = _conversion(params.resolved_prev_data_dir(), prev_month(params.month), params)
        prev_totals = replace(prev_totals,
                              conversion_rate=prev_conv.rate if prev_conv else None)
    table = metrics.kpi_table(totals, prev_totals, params.model_dump(),
                              conversion_available=bool(conversion and conversion.rate is not None))
    daily = metrics.follower_daily(data)
    return KpiSection(
        params=params,
        data=data,
        previous=previous,
        totals=totals,
        prev_totals=prev_totals,
        table=table,
        daily=daily,
        anomalies=_anomalies(daily, params),
        sources=metrics.follower_sources(data),
        pushes=metrics.pushes(metrics.article_final(data)),
        conversion=conversion,
    )


def _conversion(folder: Path, month: str, params: ReportParams) -> metrics.Conversion | None:
    """Readers → buyers from the month's event log and orders.csv; None without an event log."""
    from wxnb.io import eventlog as events

    if not folder.is_dir():
        return None
    orders = events.load_orders(folder, month)
    log = events.open_month(folder, month, **params.event_engine())
    if log is None:
        return None
    with log:
        return metrics.reader_conversion(log, orders)


def _anomalies(daily: pd.DataFrame, params: ReportParams) -> pd.DataFrame:
    parts = []
    for metric in ("new_user", "cancel_user"):
        a = metrics.flag_anomalies(daily[metric], window=params.anomaly_window, z=params.anomaly_z)
        parts.append(a.assign(metric=metric))
    out = pd.concat(parts)
    # Only spikes matter for the review; a dip in follows is visible in the chart anyway.
    out["flag"] = out["flag"] & (out["z"] > 0)
    return out


# --------------------------------------------------------------------------- tables


def _value(kind: str, v: Any) -> str:
    return fmt.fmt_pct(v, 2) if kind == "rate" else fmt.fmt_int(v)


def _attainment(row: pd.Series) -> str:
    if row["达成率"] is None or pd.isna(row["达成率"]):
        return "—"
    text = fmt.fmt_pct(row["达成率"])
    if row["kind"] == "rate" and row["gap_pp"] is not None:
        text += f"（{fmt.fmt_pp(row['gap_pp'])}）"
    return text


def _mom(row: pd.Series, note: str) -> str:
    mode, v = row["mom_mode"], row["环比"]
    if mode == "na" or v is None or pd.isna(v):
        return "无上月数据" if note else "—"
    if mode == "pp":
        return fmt.fmt_pp(v)
    if mode == "abs":
        return f"{v:+,.0f}（基数小）"
    return fmt.fmt_signed_pct(v)


def kpi_html(sec: KpiSection) -> fmt.HtmlBlock:
    """The KPI table in the seed's shape: 指标类别, 月度目标, 实际达成, 达成率, 行业均值, 环比."""
    rows, css = [], []
    for _, r in sec.table.iterrows():
        target = "未设目标" if r["月度目标"] is None or pd.isna(r["月度目标"]) else _value(
            r["kind"], r["月度目标"])
        actual = why_missing(sec, str(r["key"])) if r["实际达成"] is None or pd.isna(
            r["实际达成"]) else _value(r["kind"], r["实际达成"])
        bench = "未配置" if r["行业均值"] is None or pd.isna(r["行业均值"]) else _value(
            r["kind"], r["行业均值"])
        rows.append([r["指标类别"], target, actual, _attainment(r), bench,
                     _mom(r, sec.previous.note), r["状态"]])
        css.append(["", "", "", "", "", "", _STATUS_CSS.get(r["状态"], "")])
    source = sec.params.benchmark_source or "未配置"
    return fmt.table(
        rows,
        ["指标类别", "月度目标", "实际达成", "达成率", "行业均值", "环比", "状态"],
        numeric=(1, 2, 3, 4, 5),
        css=css,
        caption=f"行业均值来源：{source}",
    )


_STATUS_CSS = {"达标": "ok", "预警": "warn", "未达标": "bad"}


def why_missing(sec: KpiSection, key: str) -> str:
    """Why a KPI has no value this month, in a few words (never a bare 0, nan or —)."""
    t = sec.totals
    if key in ("open_rate", "headline_open_rate"):
        if t.articles == 0:
            return "本月无群发"
        return "送达人数为 0"
    if key == "net_growth_rate":
        return "上月末累计粉丝未知"
    if key == "cumulate_followers":
        return "无累计用户数据"
    if key in ("read_count", "read_user", "share_rate"):
        return "无图文阅读数据"
    if key == "conversion_rate":
        return "无事件日志" if sec.conversion is None else "本月无文章读者"
    return "未提供"


def sources_html(sec: KpiSection) -> fmt.HtmlBlock:
    """New, cancelled and net followers by source, with each source's share of new followers."""
    rows = [
        [r["source"], fmt.fmt_int(r["new_user"]), fmt.fmt_pct(r["new_share"]),
         fmt.fmt_int(r["cancel_user"]), fmt.fmt_int(r["net_user"])]
        for _, r in sec.sources.iterrows()
    ]
    return fmt.table(rows, ["来源", "新关注", "新关注占比", "取消关注", "净增"],
                     numeric=(1, 2, 3, 4))


def _push_near(sec: KpiSection, day: pd.Timestamp) -> pd.Series | None:
    near = sec.pushes[(sec.pushes["ref_date"] <= day)
                      & (sec.pushes["ref_date"] >= day - pd.Timedelta(days=1))]
    return None if near.empty else near.iloc[0]


def _source_spikes(sec: KpiSection) -> pd.DataFrame:
    """Spikes of new followers within one source (a QR campaign hides in the daily total)."""
    s = sec.data.frames["getusersummary"]
    by_day = s.pivot_table(index="ref_date", columns="user_source", values="new_user",
                           aggfunc="sum").reindex(sec.daily.index, fill_value=0).fillna(0)
    parts = []
    for code in by_day.columns:
        if by_day[code].median() < 10:  # too few follows a day to tell a spike from noise
            continue
        a = metrics.flag_anomalies(by_day[code], window=sec.params.anomaly_window,
                                   z=sec.params.anomaly_z)
        parts.append(a[a["flag"] & (a["z"] > 0)].assign(
            metric=f"new_user:{code}", name=f"新关注·{label(USER_SOURCE, code, '未知来源')}"))
    return pd.concat(parts) if parts else pd.DataFrame()


def anomaly_events(sec: KpiSection) -> list[dict[str, Any]]:
    """Flagged days grouped into episodes of consecutive days per metric, each with a cause."""
    total = sec.anomalies[sec.anomalies["flag"]].assign(
        name=lambda d: d["metric"].map({"new_user": "新关注", "cancel_user": "取消关注"}))
    flagged = pd.concat([total, _source_spikes(sec)])
    events: list[dict[str, Any]] = []
    if flagged.empty:
        return events
    for (metric, name), grp in flagged.sort_index().groupby(["metric", "name"], sort=False):
        for run in metrics.consecutive_runs(list(grp.index)):
            rows = grp.loc[run]
            events.append({
                "start": run[0], "end": run[-1], "metric": metric, "name": name,
                "value": float(rows["value"].sum()), "baseline": float(rows["baseline"].sum()),
                "z": float(rows["z"].max()), "reason": _anomaly_reason(sec, run[0], metric),
            })
    return sorted(events, key=lambda e: (e["start"], e["metric"]))


def _anomaly_reason(sec: KpiSection, day: pd.Timestamp, metric: str) -> str:
    if metric == "cancel_user":
        push = _push_near(sec, day)
        if push is not None:
            return f"紧随 {push['ref_date']:%m-%d} 的推送《{push['headline']}》"
        return "前一日及当日无推送"
    if metric.startswith("new_user:"):
        return "单一来源激增，多为线下活动、投放或渠道码"
    return f"新增主要来自{_top_source_that_day(sec, day)}"


def _top_source_that_day(sec: KpiSection, day: pd.Timestamp) -> str:
    s = sec.data.frames["getusersummary"]
    day_rows = s[s["ref_date"] == day].set_index("user_source")["new_user"]
    usual = s.groupby("user_source")["new_user"].median()
    lift = (day_rows - usual.reindex(day_rows.index).fillna(0)).sort_values(ascending=False)
    return label(USER_SOURCE, int(lift.index[0]), "未知来源") if len(lift) else "—"


def _span(e: dict[str, Any]) -> str:
    return f"{e['start']:%m-%d}" if e["start"] == e["end"] else \
        f"{e['start']:%m-%d} 至 {e['end']:%m-%d}"


def anomaly_html(sec: KpiSection) -> fmt.HtmlBlock:
    """The anomalous episodes with value, baseline, multiple and the likely cause."""
    events = anomaly_events(sec)
    if not events:
        return fmt.notes([f"本月没有超过阈值（稳健 z > {sec.params.anomaly_z}）的异常日"],
                         title="异常日")
    rows = [[_span(e), e["name"], fmt.fmt_int(e["value"]), fmt.fmt_int(e["baseline"]),
             f"{e['value'] / e['baseline']:.1f} 倍" if e["baseline"] else "—",
             f"{e['z']:.1f}", e["reason"]] for e in events]
    return fmt.table(rows, ["日期", "指标", "合计", "基线（滚动中位数）", "倍数", "最大稳健 z",
                            "可能原因"], numeric=(2, 3, 4, 5), wrap=(6,),
                     caption=f"判定：当日值偏离 {sec.params.anomaly_window} 日滚动中位数的稳健 z "
                             f"分数 > {sec.params.anomaly_z}")


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
    mode, v = row["mom_mode"], row["环比"]
    if mode == "rel":
        return f"，环比{'增长' if v >= 0 else '下降'} {abs(v):.1%}"
    if mode == "pp":
        return f"，环比{'上升' if v >= 0 else '下降'} {abs(v):.2f} 个百分点"
    if mode == "abs":
        return f"，较上月{'多' if v >= 0 else '少'} {abs(v):,.0f}"
    return ""


def narrative(sec: KpiSection) -> list[str]:
    """The seed-style paragraph (数据显示…), every figure computed from ``sec``."""
    t, tab, p = sec.totals, sec.table.set_index("key"), sec.params
    net = tab.loc["net_followers"]
    out = [
        f"数据显示，本月粉丝净增长 {t.net_followers:,} 人（新关注 {t.new_user:,}、取消关注 "
        f"{t.cancel_user:,}），{_attain_phrase(net)}{_mom_phrase(net)}；" + (
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
    reads, head = tab.loc["read_count"], tab.loc["headline_open_rate"]
    if t.articles == 0:
        pushed = "本月没有群发图文，打开率与头条打开率无从计算"
    elif t.open_rate is None:
        pushed = (f"本月群发 {t.pushes} 次共 {t.articles} 篇，但送达人数为 0，"
                  "打开率无从计算")
    else:
        pushed = (f"本月群发 {t.pushes} 次共 {t.articles} 篇，打开率 "
                  f"{fmt.fmt_pct(t.open_rate, 2)}"
                  f"{_vs_benchmark(t.open_rate, p.benchmark_open_rate, p.benchmark_source)}，"
                  f"头条打开率 {fmt.fmt_pct(t.headline_open_rate, 2)}{_mom_phrase(head)}")
    if t.read_count is None:
        read_text = "本月没有图文阅读数据（图文阅读概况接口无“全部”来源的行）"
    else:
        read_text = (f"图文阅读 {fmt.fmt_int(t.read_count)} 次（阅读人数按日累计 "
                     f"{fmt.fmt_int(t.read_user)}），{_attain_phrase(reads)}{_mom_phrase(reads)}")
    out.append(f"{read_text}；{pushed}。")
    if reads["状态"] in ("预警", "未达标") and head["mom_mode"] == "pp" and head["环比"] < 0:
        out.append(f"阅读量缺口与头条打开率下降 {abs(head['环比']):.2f} 个百分点同时出现，"
                   "建议优先复盘头条选题与标题。")
    share = tab.loc["share_rate"]
    if t.share_rate is None:
        out.append("本月没有图文阅读，分享率无从计算。")
    else:
        out.append(f"分享率 {fmt.fmt_pct(t.share_rate, 2)}，{_attain_phrase(share)}"
                   f"{_vs_benchmark(t.share_rate, p.benchmark_share_rate, p.benchmark_source)}。")
    out.extend(_anomaly_sentences(sec))
    out.append(_status_summary(sec.table))
    return out


def _anomaly_sentences(sec: KpiSection) -> list[str]:
    events = anomaly_events(sec)
    if not events:
        return ["本月新关注与取消关注均无异常日。"]
    items = []
    for e in events:
        times = f"，为基线的 {e['value'] / e['baseline']:.1f} 倍" if e["baseline"] else ""
        items.append(f"{_span(e)} {e['name']} {e['value']:,.0f} 人{times}（{e['reason']}）")
    return [f"本月出现 {len(events)} 次异常：" + "；".join(items) + "。"]


def _status_summary(table: pd.DataFrame) -> str:
    counts = table["状态"].value_counts()
    bad = table.loc[table["状态"] == "未达标", "指标类别"].tolist()
    text = (f"目标达成情况：{counts.get('达标', 0)} 项达标、{counts.get('预警', 0)} 项预警、"
            f"{counts.get('未达标', 0)} 项未达标")
    return text + (f"（{'、'.join(bad)}）。" if bad else "。")


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
        notes.append(f"转化率：本月事件日志中读过文章的 {conv.readers:,} 人里有 {conv.buyers:,} 人"
                     f"下单（订单来自{conv.source}）；按人去重，不含未被追踪的读者。")
    if sec.totals.cumulate_start is None:
        notes.append("上月末累计粉丝未知（上月最后一天与本月 1 日都没有累计用户数据），"
                     "粉丝净增长率未计算。")
    if sec.totals.cumulate_followers is not None and sec.totals.cumulate_start is not None:
        diff = sec.totals.cumulate_followers - sec.totals.cumulate_start - sec.totals.net_followers
        if diff:
            notes.append(f"月末累计粉丝 − 上月末累计粉丝 与 净增长 相差 {diff:+,} 人")
    return notes


def definitions_html(sec: KpiSection) -> fmt.HtmlBlock:
    """The 口径 of every KPI row, as WeChat defines it."""
    rows = [[r["指标类别"], r["口径"]] for _, r in sec.table.iterrows()]
    return fmt.table(rows, ["指标", "口径（计算方法）"], wrap=(1,))


SECTION = (SPEC.key, SPEC.title)


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
        times = f"，为基线的 {e['value'] / e['baseline']:.1f} 倍" if e["baseline"] else ""
        out.append(Finding(
            section=SECTION[0], section_title=SECTION[1], metric=f"anomaly:{e['metric']}",
            name=f"{e['name']}异常", status="预警" if bad else "提示",
            evidence=f"{_span(e)} {e['name']} {e['value']:,.0f} 人{times}（{e['reason']}）",
            value=e["value"], value_text=fmt.fmt_int(e["value"]), kind="event",
            # How far above the expected level, relative: ranks against KPI shortfalls.
            gap=(e["value"] - e["baseline"]) / e["baseline"] if e["baseline"] else None,
            extra={"start": f"{e['start']:%Y-%m-%d}", "end": f"{e['end']:%Y-%m-%d}"},
        ))
    return out
