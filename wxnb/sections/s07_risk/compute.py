"""Section 07 合规风险与舆情管控, the numbers: incidents, sentiment, daily negatives and spikes.

The inputs are read and validated by ``wxnb.io.risk``. Sentiment uses the hand label when
present, otherwise the lexicon shipped in ``wxnb/sections/s07_risk/sentiment_lexicon.yaml`` (its rules and limits
are written at its top). Daily negative counts are scored with the robust z of
``metrics.flag_anomalies`` (wechat-analytics-methods.md §4.7); net sentiment is KAWO's NSR =
(正面 − 负面) / (正面 + 负面) (§1.5, §4.13).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from wxnb.exceptions import DataValidationError
from wxnb.io.datacube import load_month, month_days
from wxnb.io.risk import INCIDENTS_FILE, LABELS, RISK_TYPES, TEXTS_FILE, load
from wxnb.kit import metrics
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s07_risk import SPEC

__all__ = [
    "INPUTS",
    "SECTION",
    "Lexicon",
    "RiskSection",
    "lexicon_score",
    "lexicon_sentiment",
    "load_lexicon",
    "prepare",
    "spike_events",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs
NO_ARTICLE = "（私信/留言，未关联文章）"
# A negative spike must also be improbable as Poisson noise around its baseline (methods §4.7:
# low-volume counts): P(X ≥ x | λ = max(baseline, 1)) below this. 4 texts on a quiet day are not.
SPIKE_P = 0.001
LEXICON_FILE = Path(__file__).with_name("sentiment_lexicon.yaml")


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
    """msgid → title from the article files (getarticletotal or, from 2025-11,
    getarticletotaldetail) of this month and the one before."""
    titles: dict[str, str] = {}
    notes = []
    for folder, month in folders:
        if not folder.is_dir():
            continue
        try:
            a = metrics.article_final(load_month(folder, month,
                                                 endpoints=metrics.ARTICLE_ENDPOINTS),
                                      delivered=False)
        except DataValidationError:
            notes.append(f"{folder.name} 的图文群发数据不可用，评论中的 msgid 无法换成标题")
            continue
        if a.empty:  # nothing was pushed that month
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


def _open_days(sec: RiskSection, day: pd.Timestamp) -> int:
    end = pd.Timestamp(month_days(sec.params.month)[-1])
    return int((end - day).days) + 1


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


def _nsr(counts: pd.Series) -> float | None:
    pos, neg = int(counts.get("正面", 0)), int(counts.get("负面", 0))
    return (pos - neg) / (pos + neg) if pos + neg else None
