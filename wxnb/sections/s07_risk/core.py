"""Section 07 合规风险与舆情管控: risk incidents, open items and negative-comment spikes.

Inputs in the month folder (read only):

``incidents.csv`` (required)
    One row per compliance or public-opinion incident: ``date`` (YYYY-MM-DD, in the month),
    ``type`` (one of ``RISK_TYPES``), ``severity`` (高/中/低), ``description``, ``action``
    (应对措施, may be empty), ``resolved_at`` (YYYY-MM-DD HH:MM, empty = still open, never before
    ``date``), optional ``status`` (free text shown in the open-items list).
``user_texts.csv`` (optional)
    Comments and messages: ``time`` (YYYY-MM-DD HH:MM, in the month), ``text``, optional
    ``article`` (msgid or title; empty for messages) and ``label`` (正面/中性/负面, may be empty).

Both are CSV with one header row, UTF-8 (with or without BOM), UTF-16 with a BOM or GB18030/GBK
(``wxnb.io.csvin``; a file not read as UTF-8 is named in ``RiskInputs.notes``); header names are
stripped of spaces.

Sentiment uses the hand label when present, otherwise the lexicon shipped in
``wxnb/sentiment_lexicon.yaml`` (its rules and limits are written at its top). Daily negative
counts are scored with the robust z of ``metrics.flag_anomalies`` (wechat-analytics-methods.md
§4.7); net sentiment is KAWO's NSR = (正面 − 负面) / (正面 + 负面) (§1.5, §4.13).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.kit import charts
from wxnb.io import csvin
from wxnb.kit import fmt
from wxnb.kit import metrics
from wxnb.exceptions import DataValidationError, Problem
from wxnb.kit.findings import Finding
from wxnb.io.datacube import load_month, month_days
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s07_risk import SPEC

__all__ = [
    "INCIDENTS_FILE",
    "INPUTS",
    "LABELS",
    "RISK_TYPES",
    "SECTION",
    "SEVERITIES",
    "TEXTS_FILE",
    "Lexicon",
    "RiskInputs",
    "RiskSection",
    "findings",
    "lexicon_score",
    "lexicon_sentiment",
    "load",
    "load_lexicon",
    "method_notes",
    "narrative",
    "negative_trend_chart",
    "open_items_html",
    "prepare",
    "risk_table_html",
    "sentiment_html",
    "spike_events",
    "spikes_html",
]

SECTION = (SPEC.key, SPEC.title)
INCIDENTS_FILE = "incidents.csv"
TEXTS_FILE = "user_texts.csv"
INPUTS: tuple[str, ...] = SPEC.inputs

RISK_TYPES = ("诱导分享违规", "数据泄露隐患", "违规内容", "负面舆情", "虚假宣传", "其他")
SEVERITIES = ("高", "中", "低")
LABELS = ("正面", "中性", "负面")
INCIDENT_COLUMNS = ("date", "type", "severity", "description", "action", "resolved_at")
TEXT_COLUMNS = ("time", "text")
NO_ARTICLE = "（私信/留言，未关联文章）"
# A negative spike must also be improbable as Poisson noise around its baseline (methods §4.7:
# low-volume counts): P(X ≥ x | λ = max(baseline, 1)) below this. 4 texts on a quiet day are not.
SPIKE_P = 0.001
LEXICON_FILE = Path(__file__).with_name("sentiment_lexicon.yaml")

# What to do about each risk type that occurred (the seed's closing advice, per type).
ADVICE = {
    "诱导分享违规": "推文与活动上线前按内容审核清单逐条排查“转发/分享后领取”等诱导话术",
    "数据泄露隐患": "对第三方插件与数据导出权限做数据合规审查，落实加密传输与最小权限",
    "违规内容": "完善《微信运营合规手册》，发布前双人审核",
    "负面舆情": "建立舆情值守与分级响应机制，每月开展一次模拟舆情演练",
    "虚假宣传": "促销文案中的价格、折扣与功效表述由法务复核",
    "其他": "逐项复盘其他风险事件，补充进《微信运营合规手册》",
}


# --------------------------------------------------------------------------- reading


@dataclass
class RiskInputs:
    """One month's validated inputs: the incidents and (optionally) the user texts.

    ``notes`` names the files read in an encoding other than UTF-8 (``wxnb.io.csvin``)."""

    incidents: pd.DataFrame
    texts: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)


def _read_csv(path: Path, notes: list[str] | None = None
              ) -> tuple[list[str], list[dict[str, str]], list[Problem]]:
    """Header (names stripped) and rows (every column present) of one CSV, or its problems.

    Encodings, line ends and row widths as ``csvin.read_table``."""
    header, rows, problems, note = csvin.read_table(
        path, expected="CSV 文件，首行为字段名")
    if note and notes is not None:
        notes.append(note)
    return header or [], rows, problems


def _missing_columns(name: str, header: list[str], required: tuple[str, ...]) -> list[Problem]:
    have = csvin.columns_text(header)
    return [Problem(name, c, "表头", f"列 {c}", f"缺少该列（现有列：{have}）")
            for c in required if c not in header]


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) \
            else None
    except ValueError:
        return None


#: The latest accepted time (pandas' Timestamp ends in 2262; nothing here is resolved later).
_LAST_YEAR = 2100


def _parse_time(text: str) -> datetime | None:
    """``YYYY-MM-DD HH:MM`` (ASCII digits, ``2026-10-1 8:00`` too; year ≤ 2100), or None."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2} [0-9]{1,2}:[0-9]{2}", text):
        return None
    try:
        when = datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        return None
    return when if when.year <= _LAST_YEAR else None


def _in_month(d: date, month: str) -> bool:
    return d.strftime("%Y-%m") == month


def _incident_problems(r: dict[str, str], where: str, month: str) -> list[Problem]:
    out = []

    def bad(col: str, expected: str) -> None:
        out.append(Problem(INCIDENTS_FILE, col, where, expected, csvin.brief(r.get(col, ""), 80)))

    day = _parse_day(r["date"].strip())
    if day is None:
        bad("date", "日期 YYYY-MM-DD")
    elif not _in_month(day, month):
        bad("date", f"{month} 月内的日期")
    if r["type"].strip() not in RISK_TYPES:
        bad("type", "以下类型之一：" + "、".join(RISK_TYPES))
    if r["severity"].strip() not in SEVERITIES:
        bad("severity", "高、中、低之一")
    if not r["description"].strip():
        bad("description", "非空的事件描述")
    done = r["resolved_at"].strip()
    when = _parse_time(done) if done else None
    if done and when is None:
        bad("resolved_at", f"YYYY-MM-DD HH:MM（{_LAST_YEAR} 年以前），未解决留空")
    elif when is not None and day is not None and when.date() < day:
        bad("resolved_at", f"不早于发生日期 {day}")
    return out


def _frame(rows: list[dict[str, str]], columns: tuple[str, ...]) -> pd.DataFrame:
    """Rows as strings, stripped; an optional column that is absent is all empty."""
    return pd.DataFrame([{c: r.get(c, "").strip() for c in columns} for r in rows],
                        columns=list(columns), dtype="object")


def _incident_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    df = _frame(rows, (*INCIDENT_COLUMNS, "status"))
    df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d")
    df["resolved_at"] = pd.to_datetime(df["resolved_at"].replace("", None),
                                       format="%Y-%m-%d %H:%M")
    df["open"] = df["resolved_at"].isna()
    df["hours"] = (df["resolved_at"] - df["date"]).dt.total_seconds() / 3600
    return df.sort_values("date", kind="stable").reset_index(drop=True)


def _text_problems(r: dict[str, str], where: str, month: str) -> list[Problem]:
    out = []
    raw = r["time"].strip()
    when = _parse_time(raw)
    if not raw:
        out.append(Problem(TEXTS_FILE, "time", where, "时间 YYYY-MM-DD HH:MM", "空（每条文本必须有时间）"))
    elif when is None:
        out.append(Problem(TEXTS_FILE, "time", where, "时间 YYYY-MM-DD HH:MM",
                           csvin.brief(raw, 80)))
    elif not _in_month(when.date(), month):
        out.append(Problem(TEXTS_FILE, "time", where, f"{month} 月内的时间", csvin.brief(raw, 80)))
    if not r["text"].strip():
        out.append(Problem(TEXTS_FILE, "text", where, "非空文本", "空"))
    if r.get("label", "").strip() not in ("", *LABELS):
        out.append(Problem(TEXTS_FILE, "label", where, "正面、中性、负面之一或留空",
                           csvin.brief(r["label"], 80)))
    return out


def _text_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    df = _frame(rows, ("time", "article", "text", "label"))
    df["time"] = pd.to_datetime(df["time"], format="%Y-%m-%d %H:%M")
    df["day"] = df["time"].dt.normalize()
    return df.sort_values("time", kind="stable").reset_index(drop=True)


def _read_checked(path: Path, required: tuple[str, ...], month: str,
                  check: Any, notes: list[str] | None = None
                  ) -> tuple[list[dict[str, str]], list[Problem]]:
    header, rows, problems = _read_csv(path, notes)
    if not problems:
        problems = _missing_columns(path.name, header, required) if header else [
            Problem(path.name, None, "表头", "带表头的 CSV", "空文件")]
    if problems:
        return [], problems
    for i, r in enumerate(rows):
        problems += check(r, f"第 {i + 2} 行", month)
    return rows, problems


def load(folder: Path, month: str) -> RiskInputs:
    """Read and validate ``incidents.csv`` and, when present, ``user_texts.csv``.

    Raises
    ------
    DataValidationError
        Every problem of both files (file, field, row, expected, found), reported together.
    """
    folder = Path(folder)
    path = folder / INCIDENTS_FILE
    if not path.is_file():
        raise DataValidationError([Problem(str(folder), None, None,
                                           f"风险事件文件 {INCIDENTS_FILE}", "没有找到")])
    notes: list[str] = []
    inc_rows, problems = _read_checked(path, INCIDENT_COLUMNS, month, _incident_problems, notes)
    texts_path = folder / TEXTS_FILE
    text_rows: list[dict[str, str]] | None = None
    if texts_path.is_file():
        text_rows, found = _read_checked(texts_path, TEXT_COLUMNS, month, _text_problems, notes)
        problems += found
    if problems:
        raise DataValidationError(problems)
    return RiskInputs(_incident_frame(inc_rows),
                      None if text_rows is None else _text_frame(text_rows), notes)


# --------------------------------------------------------------------------- lexicon


@dataclass(frozen=True)
class Lexicon:
    """Sentiment words: word → (kind, value); kind is pos, neg, negator, degree or neutral."""

    words: dict[str, tuple[str, float]]
    max_len: int


@cache
def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """Read the sentiment lexicon (YAML lists ``positive``, ``negative``, ``negators``,
    ``neutral`` and the mapping ``degree`` of word → multiplier)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    words: dict[str, tuple[str, float]] = {}
    for key, kind, value in (("neutral", "neutral", 0.0), ("negators", "negator", -1.0),
                             ("positive", "pos", 1.0), ("negative", "neg", -1.0)):
        words.update({str(w): (kind, value) for w in raw.get(key) or []})
    words.update({str(w): ("degree", float(v)) for w, v in (raw.get("degree") or {}).items()})
    return Lexicon(words, max(map(len, words)))


_BREAK = set("，。！？；、,.!?;:：\n…~～ ")
_NEGATION_REACH = 2  # a negator or degree word reaches over at most 2 other characters


def _match(text: str, i: int, lex: Lexicon) -> str | None:
    for n in range(min(lex.max_len, len(text) - i), 0, -1):
        if text[i:i + n] in lex.words:
            return text[i:i + n]
    return None


def lexicon_score(text: str, lex: Lexicon | None = None) -> float:
    """Score a text with the lexicon: Σ ±1 per sentiment word, flipped by a negator just before
    it, multiplied by degree words (rules at the top of sentiment_lexicon.yaml)."""
    lex = lex or load_lexicon()
    score, flips, degree, gap, i = 0.0, 0, 1.0, 0, 0
    while i < len(text):
        word = None if text[i] in _BREAK else _match(text, i, lex)
        kind, value = lex.words[word] if word else ("", 0.0)
        if kind in ("pos", "neg"):
            score += value * degree * (-1) ** flips
        if kind in ("negator", "degree"):
            flips += kind == "negator"
            degree *= value if kind == "degree" else 1.0
            gap = 0
        else:
            gap += len(word) if word else 1
            if kind in ("pos", "neg") or text[i] in _BREAK or gap > _NEGATION_REACH:
                flips, degree, gap = 0, 1.0, 0
        i += len(word) if word else 1
    return score


def lexicon_sentiment(text: str, lex: Lexicon | None = None) -> str:
    """正面 / 中性 / 负面 from ``lexicon_score`` (> 0, = 0, < 0)."""
    s = lexicon_score(text, lex)
    return "正面" if s > 0 else "负面" if s < 0 else "中性"


def _with_sentiment(texts: pd.DataFrame) -> pd.DataFrame:
    out = texts.copy()
    out["lexicon"] = [lexicon_sentiment(t) for t in out["text"]]
    labelled = out["label"] != ""
    out["sentiment"] = np.where(labelled, out["label"], out["lexicon"])
    out["source"] = np.where(labelled, "人工标注", "词典")
    return out


def _agreement(texts: pd.DataFrame) -> dict[str, Any] | None:
    lab = texts[texts["label"] != ""]
    if lab.empty:
        return None
    hit = lab["label"] == lab["lexicon"]
    said_neg, is_neg = lab["lexicon"] == "负面", lab["label"] == "负面"
    return {
        "n": len(lab), "agree": int(hit.sum()), "rate": float(hit.mean()),
        "neg_precision": float((said_neg & is_neg).sum() / said_neg.sum()) if said_neg.any()
        else None,
        "neg_recall": float((said_neg & is_neg).sum() / is_neg.sum()) if is_neg.any() else None,
    }


# --------------------------------------------------------------------------- prepare


@dataclass
class RiskSection:
    """Everything section 07 shows, computed once."""

    params: ReportParams
    incidents: pd.DataFrame
    prev_incidents: pd.DataFrame | None
    prev_note: str
    texts: pd.DataFrame | None
    daily: pd.DataFrame | None
    agreement: dict[str, Any] | None
    titles: dict[str, str]
    notes: list[str] = field(default_factory=list)


def _previous(params: ReportParams) -> tuple[pd.DataFrame | None, str]:
    folder = params.resolved_prev_data_dir()
    if not (folder / INCIDENTS_FILE).is_file():
        return None, f"无上月数据（{folder.name} 中没有 {INCIDENTS_FILE}），环比不可用"
    try:
        return load(folder, prev_month(params.month)).incidents, ""
    except DataValidationError as exc:
        return None, (f"上月 {INCIDENTS_FILE} 校验未通过（{len(exc.problems)} 个问题，如 "
                      f"{exc.problems[0]}），环比不可用")


def _titles(folders: list[tuple[Path, str]]) -> tuple[dict[str, str], list[str]]:
    """msgid → title from the getarticletotal files of this month and the one before."""
    titles: dict[str, str] = {}
    notes = []
    for folder, month in folders:
        if not folder.is_dir():
            continue
        try:
            a = load_month(folder, month, endpoints=("getarticletotal",)).frames.get(
                "getarticletotal")
        except DataValidationError:
            notes.append(f"{folder.name} 的图文群发数据不可用，评论中的 msgid 无法换成标题")
            continue
        if a is None:  # nothing was pushed that month
            continue
        titles.update(zip(a["msgid"].astype(str), a["title"].astype(str), strict=True))
    return titles, notes


def _daily(texts: pd.DataFrame, params: ReportParams) -> pd.DataFrame:
    days = pd.DatetimeIndex(pd.to_datetime(month_days(params.month)), name="day")
    counts = pd.crosstab(texts["day"], texts["sentiment"]).reindex(
        index=days, columns=list(LABELS), fill_value=0)
    flags = metrics.flag_anomalies(counts["负面"], window=params.anomaly_window,
                                   z=params.negative_spike_z)
    out = counts.assign(total=counts.sum(axis=1), baseline=flags["baseline"], z=flags["z"])
    out["p"] = [_poisson_sf(int(x), max(float(b), 1.0)) if b == b else 1.0
                for x, b in zip(out["负面"], out["baseline"], strict=True)]
    out["spike"] = flags["flag"] & (flags["z"] > 0) & (out["p"] < SPIKE_P)
    return out


def _poisson_sf(x: int, lam: float) -> float:
    """P(X ≥ x) for X ~ Poisson(lam)."""
    term, below = math.exp(-lam), 0.0
    for k in range(x):
        below += term
        term *= lam / (k + 1)
    return max(0.0, 1.0 - below)


def prepare(params: ReportParams) -> RiskSection:
    """Load the month (and the previous month's incidents for 环比) and compute section 07."""
    folder = params.resolved_data_dir()
    inputs = load(folder, params.month)
    prev, prev_note = _previous(params)
    texts = daily = agreement = None
    titles: dict[str, str] = {}
    notes = [prev_note] if prev_note else []
    notes += inputs.notes  # e.g. "incidents.csv 按 GB18030 编码读取"
    if inputs.texts is None:
        notes.append(f"未提供 {TEXTS_FILE}（评论与留言），无法分析负面舆情趋势")
    else:
        titles, found = _titles([(folder, params.month),
                                 (params.resolved_prev_data_dir(), prev_month(params.month))])
        notes += found
        texts = _with_sentiment(inputs.texts)
        texts["title"] = [titles.get(a, a) or NO_ARTICLE for a in texts["article"]]
        daily = _daily(texts, params)
        agreement = _agreement(texts)
    return RiskSection(params, inputs.incidents, prev, prev_note, texts, daily, agreement,
                       titles, notes)


# --------------------------------------------------------------------------- incidents


def _type_counts(df: pd.DataFrame | None) -> pd.Series | None:
    if df is None:
        return None
    return df["type"].value_counts().reindex(list(RISK_TYPES), fill_value=0)


def _hours(h: float | None) -> str:
    if h is None or pd.isna(h):
        return "—"
    return f"{h:.1f} 小时" if h < 48 else f"{h / 24:.1f} 天"


def _mom_count(now: int, before: int | None) -> str:
    if before is None:
        return "环比：无上月数据"
    d = now - before
    return f"上月 {before} 次，环比" + (f" {d:+d} 次" if d else "持平")


def _actions(group: pd.DataFrame, limit: int = 3) -> str:
    acts = list(dict.fromkeys(a for a in group["action"] if a))
    if not acts:
        return "未填写"
    more = f" 等 {len(acts)} 项" if len(acts) > limit else ""
    return "；".join(acts[:limit]) + more


def _effect(group: pd.DataFrame) -> str:
    done = group[~group["open"]]
    text = (f"已处置 {len(done)}/{len(group)}（{len(done) / len(group):.0%}），"
            f"中位处置时长 {_hours(done['hours'].median() if len(done) else None)}")
    n_open = int(group["open"].sum())
    return text + (f"，未关闭 {n_open} 项" if n_open else "，无未关闭事项")


def _risk_rows(sec: RiskSection) -> list[dict[str, Any]]:
    now, before = _type_counts(sec.incidents), _type_counts(sec.prev_incidents)
    rows = []
    for t in RISK_TYPES:
        b = None if before is None else int(before[t])
        if now[t] == 0 and not b:
            continue
        g = sec.incidents[sec.incidents["type"] == t]
        rows.append({"type": t, "count": int(now[t]), "prev": b,
                     "actions": _actions(g) if len(g) else "—",
                     "effect": _effect(g) if len(g) else "本月未发生"})
    return rows


def risk_table_html(sec: RiskSection) -> fmt.HtmlBlock:
    """The seed's table: 风险类型, 发生频次 (with 环比), 应对措施, 改进效果, plus a total row."""
    rows = [[r["type"], f"{r['count']} 次/月（{_mom_count(r['count'], r['prev'])}）",
             r["actions"], r["effect"]] for r in _risk_rows(sec)]
    inc = sec.incidents
    prev_total = None if sec.prev_incidents is None else len(sec.prev_incidents)
    rows.append(["合计", f"{len(inc)} 次/月（{_mom_count(len(inc), prev_total)}）", "—",
                 _effect(inc) if len(inc) else "本月无风险事件"])
    return fmt.table(rows, ["风险类型", "发生频次", "应对措施", "改进效果"], wrap=(2, 3),
                     caption="处置时长 = 解决时间 − 发生日 00:00（发生时间只记到日，最多高估 1 天）")


def _open_days(sec: RiskSection, day: pd.Timestamp) -> int:
    end = pd.Timestamp(month_days(sec.params.month)[-1])
    return int((end - day).days) + 1


def open_items_html(sec: RiskSection) -> fmt.HtmlBlock:
    """The checklist of incidents without ``resolved_at`` (high severity first)."""
    open_ = sec.incidents[sec.incidents["open"]]
    if open_.empty:
        return fmt.notes(["本月所有风险事件均已处置完毕"], title="未关闭事项")
    order = open_.assign(rank=open_["severity"].map(SEVERITIES.index)).sort_values(
        ["rank", "date"], kind="stable")
    rows = [["☐", f"{r['date']:%m-%d}", r["type"], r["severity"], r["description"],
             r["action"] or "未填写", f"{_open_days(sec, r['date'])} 天", r["status"] or "未关闭"]
            for _, r in order.iterrows()]
    css = [["", "", "", "bad" if r[3] == "高" else "warn", "", "", "", ""] for r in rows]
    return fmt.table(rows, ["待办", "发生日期", "风险类型", "严重度", "事件描述", "已采取措施",
                            "至月末已开放", "状态"], numeric=(6,), wrap=(4, 5), css=css)


# --------------------------------------------------------------------------- sentiment


def spike_events(sec: RiskSection, top: int = 3) -> list[dict[str, Any]]:
    """Flagged days merged into episodes of consecutive days, each with the articles that drew
    most of its negative texts (count and share) and one example text."""
    if sec.daily is None or not sec.daily["spike"].any():
        return []
    days = list(sec.daily.index[sec.daily["spike"]])
    return [_event(sec, run, top) for run in metrics.consecutive_runs(days)]


def _event(sec: RiskSection, run: list[pd.Timestamp], top: int) -> dict[str, Any]:
    assert sec.texts is not None and sec.daily is not None
    rows = sec.daily.loc[run]
    neg = sec.texts[(sec.texts["sentiment"] == "负面") & sec.texts["day"].isin(run)]
    by = neg.groupby("title", sort=False).size().sort_values(ascending=False, kind="stable")
    articles = [{"title": t, "count": int(n), "share": n / len(neg)}
                for t, n in by.head(top).items()]
    example = neg[neg["title"] == by.index[0]]["text"].iloc[0] if len(by) else ""
    return {"start": run[0], "end": run[-1], "value": int(rows["负面"].sum()),
            "baseline": float(rows["baseline"].sum()), "z": float(rows["z"].max()),
            "total": int(rows["total"].sum()), "articles": articles, "example": example}


def _span(e: dict[str, Any]) -> str:
    return f"{e['start']:%m-%d}" if e["start"] == e["end"] else \
        f"{e['start']:%m-%d} 至 {e['end']:%m-%d}"


def _quoted(title: str) -> str:
    return title if title == NO_ARTICLE else f"《{title}》"


def _article_list(e: dict[str, Any]) -> str:
    return "；".join(f"{_quoted(a['title'])} {a['count']} 条（{a['share']:.0%}）"
                    for a in e["articles"])


def spikes_html(sec: RiskSection) -> fmt.HtmlBlock:
    """Each negative spike with its count, baseline, robust z and the articles behind it."""
    if sec.texts is None:
        return fmt.notes([f"未提供 {TEXTS_FILE}"], title="负面峰值")
    events = spike_events(sec)
    if not events:
        return fmt.notes([f"本月每日负面文本数没有超过阈值（稳健 z > {sec.params.negative_spike_z}）"
                          "的峰值"], title="负面峰值")
    rows = [[_span(e), fmt.fmt_int(e["value"]), fmt.fmt_int(e["baseline"]), f"{e['z']:.1f}",
             _article_list(e), e["example"]] for e in events]
    return fmt.table(rows, ["日期", "负面条数", "基线", "最大稳健 z", "主要关联文章（条数、占比）",
                            "示例评论"], numeric=(1, 2, 3), wrap=(4, 5),
                     caption=f"判定：当日负面文本数偏离 {sec.params.anomaly_window} 日滚动中位数的"
                             f"稳健 z 分数 > {sec.params.negative_spike_z}")


def _nsr(counts: pd.Series) -> float | None:
    pos, neg = int(counts.get("正面", 0)), int(counts.get("负面", 0))
    return (pos - neg) / (pos + neg) if pos + neg else None


def _agreement_text(a: dict[str, Any] | None) -> str:
    if a is None:
        return "无人工标注，无法评估"
    return f"{a['rate']:.1%}（{a['agree']}/{a['n']}，n = {a['n']}）"


def sentiment_html(sec: RiskSection) -> fmt.HtmlBlock:
    """Texts by sentiment, NSR, how each was judged and the lexicon's agreement with labels."""
    if sec.texts is None:
        return fmt.notes([f"未提供 {TEXTS_FILE}"], title="评论情感")
    t = sec.texts
    counts = t["sentiment"].value_counts()
    src = t["source"].value_counts()
    a = sec.agreement
    pr = "—" if a is None else \
        f"{fmt.fmt_pct(a['neg_precision'])} / {fmt.fmt_pct(a['neg_recall'])}"
    rows = [["文本数（评论与留言）", fmt.fmt_int(len(t))],
            *[[f"{lab}", f"{int(counts.get(lab, 0)):,}（{counts.get(lab, 0) / len(t):.1%}）"]
              for lab in LABELS],
            ["净情感值 NSR", fmt.fmt_pct(_nsr(counts))],
            ["判定来源", f"人工标注 {int(src.get('人工标注', 0)):,} 条，词典 {int(src.get('词典', 0)):,} 条"],
            ["词典与人工标注一致率", _agreement_text(a)],
            ["词典判负面的精确率 / 召回率", pr]]
    return fmt.table(rows, ["指标", "数值"], numeric=(1,),
                     caption="NSR =（正面 − 负面）÷（正面 + 负面），KAWO 口径")


def negative_trend_chart(sec: RiskSection) -> Figure | fmt.HtmlBlock:
    """Daily negative texts (bars) with the rolling baseline; spikes in orange, labelled with
    the article that drew most of their negative texts."""
    if sec.daily is None:
        return fmt.notes([f"未提供 {TEXTS_FILE}，无法绘制负面评论趋势"], title="负面评论趋势")
    d = sec.daily
    fig, ax = charts._figure()
    colors = [charts.PALETTE["anomaly"] if s else charts.PALETTE["cancel"] for s in d["spike"]]
    ax.bar(d.index, d["负面"], color=colors, width=0.8, label="负面文本数")
    ax.plot(d.index, d["baseline"], color=charts.PALETTE["muted"], lw=1.8, ls="--",
            label=f"{sec.params.anomaly_window} 日滚动中位数")
    for e in spike_events(sec):
        if e["articles"]:
            peak = d.loc[e["start"]:e["end"], "负面"].idxmax()
            title = e["articles"][0]["title"]
            label = "私信/留言" if title == NO_ARTICLE else f"《{charts.safe_label(title, 12)}》"
            ax.annotate(label, (peak, d.loc[peak, "负面"]),
                        xytext=(8, -4), textcoords="offset points", fontsize=9,
                        color=charts.PALETTE["text"])
    ax.set_xlim(d.index[0] - pd.Timedelta(hours=18), d.index[-1] + pd.Timedelta(hours=18))
    ax.set_ylim(0, max(1.0, float(d["负面"].max())) * 1.2)
    ax.set_title("每日负面评论与留言数（橙色为峰值日）")
    ax.set_ylabel("条数")
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=3))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.legend(loc="upper left")
    return fig


# --------------------------------------------------------------------------- narrative


def _severity_text(df: pd.DataFrame) -> str:
    c = df["severity"].value_counts()
    return "、".join(f"{s} {int(c[s])} 起" for s in SEVERITIES if c.get(s, 0))


def _change(now: int, before: int | None, unit: str = "起") -> str:
    if before is None:
        return "环比：无上月数据"
    d = now - before
    word = "增加" if d > 0 else "减少" if d < 0 else "持平"
    return f"较上月（{before} {unit}）{word}" + (f" {abs(d)} {unit}" if d else "")


def _incident_sentence(sec: RiskSection) -> str:
    inc = sec.incidents
    prev = None if sec.prev_incidents is None else len(sec.prev_incidents)
    if inc.empty:
        return f"本月未登记合规与舆情风险事件，{_change(0, prev)}。"
    counts = _type_counts(inc)
    top = str(counts.idxmax())
    before = _type_counts(sec.prev_incidents)
    top_mom = "" if before is None else f"，上月 {int(before[top])} 起"
    return (f"本月共登记合规与舆情风险事件 {len(inc)} 起（{_severity_text(inc)}），"
            f"{_change(len(inc), prev)}；最多的是{top}（{int(counts[top])} 起，占 "
            f"{counts[top] / len(inc):.0%}{top_mom}）。")


def _open_list(open_: pd.DataFrame) -> str:
    return "、".join(f"{r['date']:%m-%d} {r['type']}（{r['severity']}）"
                    for _, r in open_.iterrows())


def _resolve_sentence(sec: RiskSection) -> str:
    inc = sec.incidents
    if inc.empty:
        return "本月无需处置的风险事件。"
    done, open_ = inc[~inc["open"]], inc[inc["open"]]
    text = (f"已处置 {len(done)} 起（{len(done) / len(inc):.0%}），中位处置时长 "
            f"{_hours(done['hours'].median() if len(done) else None)}")
    if open_.empty:
        return text + "，全部事件均已关闭。"
    items = _open_list(open_)
    high = int((open_["severity"] == "高").sum())
    tail = f"，其中高严重度 {high} 起需优先跟进" if high else ""
    return text + f"；仍有 {len(open_)} 起未关闭：{items}{tail}。"


def _nearby_incidents(sec: RiskSection, e: dict[str, Any]) -> str:
    inc = sec.incidents
    near = inc[(inc["date"] >= e["start"] - pd.Timedelta(days=1))
               & (inc["date"] <= e["end"] + pd.Timedelta(days=1))]
    if near.empty:
        return "，同期未登记相关风险事件（建议补登）"
    return f"，同期登记风险事件 {len(near)} 起（{'、'.join(dict.fromkeys(near['type']))}）"


def _spike_sentence(sec: RiskSection, e: dict[str, Any]) -> str:
    times = f"，为基线的 {e['value'] / e['baseline']:.1f} 倍" if e["baseline"] else ""
    return (f"{_span(e)} 负面评论与留言 {e['value']} 条{times}（稳健 z 最高 {e['z']:.1f}），"
            f"主要来自{_article_list(e)}{_nearby_incidents(sec, e)}")


def _sentiment_sentences(sec: RiskSection) -> list[str]:
    if sec.texts is None:
        return [f"本月未提供评论与留言数据（{TEXTS_FILE}），未做负面舆情趋势分析。"]
    t = sec.texts
    counts = t["sentiment"].value_counts()
    n_neg, n_lab = int(counts.get("负面", 0)), int((t["source"] == "人工标注").sum())
    out = [f"本月收集评论与留言 {len(t):,} 条，负面 {n_neg:,} 条（占 {n_neg / len(t):.1%}），"
           f"净情感值 NSR {fmt.fmt_pct(_nsr(counts))}；其中 {n_lab:,} 条有人工标注，其余按词典判定"
           f"（词典与人工标注一致率 {_agreement_text(sec.agreement)}）。"]
    events = spike_events(sec)
    if not events:
        out.append(f"每日负面文本数没有异常峰值（稳健 z 阈值 {sec.params.negative_spike_z}）。")
    else:
        out.append(f"负面舆情出现 {len(events)} 次峰值：" + "；".join(
            _spike_sentence(sec, e) for e in events) + "。")
    return out


def _advice(sec: RiskSection) -> list[str]:
    inc = sec.incidents
    items = []
    high_open = inc[inc["open"] & (inc["severity"] == "高")]
    if len(high_open):
        items.append(f"优先关闭 {len(high_open)} 项高严重度未结事项"
                     f"（{'、'.join(dict.fromkeys(high_open['type']))}）")
    for t in inc["type"].value_counts().index:
        items.append(ADVICE[str(t)])
    heads = list(dict.fromkeys(e["articles"][0]["title"] for e in spike_events(sec)
                               if e["articles"] and e["articles"][0]["title"] != NO_ARTICLE))
    if heads:
        items.append("复盘引发负面峰值的推送（" + "、".join(f"《{h}》" for h in heads)
                     + "）的选题与话术，促销推送前评估舆情风险并预备回应口径")
    return items


def narrative(sec: RiskSection) -> list[str]:
    """The seed-style paragraphs, every figure computed from ``sec``."""
    out = [_incident_sentence(sec) + _resolve_sentence(sec), *_sentiment_sentences(sec)]
    advice = _advice(sec)
    if advice:
        out.append("建议：" + "；".join(f"{i}）{a}" for i, a in enumerate(advice, 1)) + "。")
    return out


def method_notes(sec: RiskSection) -> list[str]:
    """口径, the lexicon's known limits and data caveats."""
    notes = list(sec.notes)
    notes += [
        "处置时长 = 解决时间（resolved_at）− 发生日 00:00；resolved_at 为空的事件视为未关闭。",
        "情感判定：有人工标注（label）的文本以标注为准，其余用 wxnb/sentiment_lexicon.yaml 词典"
        "（正负面词计 ±1，紧邻的否定词“不/没/别”等翻转方向，程度词加权）。",
        "词典的已知局限：识别不了反讽（如“真是好一个最后3天”）；行业与品牌特有说法需补充词条；"
        "短文本与纯表情几乎都判为中性；否定只作用于紧随的一个情感词；不处理转折。",
        f"负面峰值：每日负面文本数偏离 {sec.params.anomaly_window} 日滚动中位数的稳健 z 分数"
        f" > {sec.params.negative_spike_z}（1.4826 × MAD，下限为基线的平方根），且按泊松分布"
        f"（λ = max(基线, 1)）出现该条数的概率 < {SPIKE_P}，避免少量评论的偶然波动被当作峰值。",
        "净情感值 NSR =（正面 − 负面）÷（正面 + 负面），KAWO 口径。",
    ]
    return notes


# --------------------------------------------------------------------------- findings


def _finding(**kw: Any) -> Finding:
    return Finding(section=SECTION[0], section_title=SECTION[1], **kw)


def _open_finding(sec: RiskSection) -> Finding:
    open_ = sec.incidents[sec.incidents["open"]]
    high = open_[open_["severity"] == "高"]
    status = "未达标" if len(high) else "预警" if len(open_) else "达标"
    items = _open_list(open_)
    evidence = (f"未关闭风险事件 {len(open_)} 项，其中高严重度 {len(high)} 项：{items}"
                if len(open_) else "本月风险事件均已处置完毕")
    return _finding(metric="risk_open_incidents", name="未关闭风险事件", status=status,
                    evidence=evidence, value=float(len(open_)), value_text=f"{len(open_)} 项",
                    target=0.0, target_text="0 项", kind="event",
                    gap=float(len(high)) if len(high) else None,
                    extra={"open_high": len(high)})


def _count_finding(sec: RiskSection) -> Finding:
    now = len(sec.incidents)
    before = None if sec.prev_incidents is None else len(sec.prev_incidents)
    mom = None if before is None else now - before
    status = "预警" if mom is not None and mom > 0 else "提示"
    return _finding(metric="risk_incidents", name="风险事件数", status=status,
                    evidence=f"本月登记风险事件 {now} 起，{_change(now, before)}",
                    value=float(now), value_text=f"{now} 起",
                    mom=None if mom is None else float(mom),
                    mom_text="无上月数据" if mom is None else f"{mom:+d} 起", kind="kpi",
                    gap=mom / before if mom and before else None)


def _spike_finding(sec: RiskSection, e: dict[str, Any]) -> Finding:
    return _finding(metric="anomaly:negative_texts", name="负面舆情峰值", status="预警",
                    evidence=_spike_sentence(sec, e), value=float(e["value"]),
                    value_text=f"{e['value']} 条", kind="event",
                    gap=(e["value"] - e["baseline"]) / e["baseline"] if e["baseline"] else None,
                    extra={"start": f"{e['start']:%Y-%m-%d}", "end": f"{e['end']:%Y-%m-%d}",
                           "article": e["articles"][0]["title"] if e["articles"] else ""})


def findings(sec: RiskSection) -> list[Finding]:
    """Open incidents (未达标 when a high-severity one is open), the incident count's 环比
    (预警 when it rose) and one 预警 per negative spike."""
    return [_open_finding(sec), _count_finding(sec),
            *(_spike_finding(sec, e) for e in spike_events(sec))]
