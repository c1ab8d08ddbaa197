"""Reading and validating section 05's own inputs: the competitor files and our own articles.

Inputs (in the month folder; read only, never modified)
-------------------------------------------------------
``competitor_articles.csv`` (required, one header row; UTF-8 with or without BOM, UTF-16 with a
BOM or GB18030/GBK as Excel on Chinese Windows saves it, see ``wxnb.io.csvin``): one row per
competitor article of the month, collected by hand or exported from a ranking tool.

=============  =============================================================================
column         meaning and rule
=============  =============================================================================
account        competitor name (non-empty; ``本账号`` is reserved for our own account)
publish_date   发布日期 ``YYYY-MM-DD``, inside the report month
title          article title (non-empty)
is_headline    头条: ``1``/``0`` or ``是``/``否``
reads          阅读数: a non-negative integer (thousands separators allowed) or ``10万+``;
               ``10万+`` and any value above 100,000 are stored as 100,001 (GSDATA's rule)
               and flagged
zaikan         在看数, non-negative integer
likes          点赞数, non-negative integer
shares         转发数, non-negative integer, or empty = unknown (counted as 0 and said so)
=============  =============================================================================

Rows are unique by (account, publish_date, title). Every problem (missing column, non-numeric
or negative count, a count above 10^12, date outside the month, unknown ``is_headline`` value,
duplicate row) is raised together in one ``DataValidationError`` naming file, field, CSV line,
expected and found.

``competitor_scores.csv`` (optional): ``account`` (a competitor, or ``本账号`` for us),
``activity_innovation`` (活动创新度, 0–5), ``service_response_min`` (客服响应时效 in minutes,
≥ 0). An empty cell means 未评分. Out-of-range or non-numeric scores and duplicate accounts are
errors.

Our own account is measured from our own datacube data (:func:`own_articles`): each article of
``getarticletotal`` at its last ``stat_date`` (reads = ``int_page_read_count``, shares =
``share_count``, headline = msgid index 1), 在看 and likes from ``getarticletotaldetail``
(``zaikan_user``, ``like_user`` at the last ``stat_date``). Without that endpoint our 在看/likes
are unknown: our WCI counts them as 0 and the report says it is understated. A month of the
2025 发表内容 data (from 2025-11) is read from ``getarticletotaldetail`` alone: reads and shares
are people there (阅读人数, 分享人数), which ``reads_basis`` says.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import csvin
from wxnb.io.datacube import MonthData, last_stat_date, load_month

__all__ = [
    "ARTICLES_FILE",
    "ART_COLUMNS",
    "OWN",
    "READ_CAP",
    "SCORES_FILE",
    "SCORE_COLUMNS",
    "CompetitorInputs",
    "load",
    "own_articles",
]

ARTICLES_FILE = "competitor_articles.csv"
SCORES_FILE = "competitor_scores.csv"
OWN = "本账号"
READ_CAP = 100_001  # GSDATA stores a public "10万+" as 100001
ART_COLUMNS = ("account", "publish_date", "title", "is_headline", "reads", "zaikan", "likes",
               "shares")
SCORE_COLUMNS = ("account", "activity_innovation", "service_response_min")


@dataclass
class CompetitorInputs:
    """The validated competitor files: one row per article, scores per account (or None)."""

    articles: pd.DataFrame
    scores: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)


_CAP_TEXTS = {"10万+", "10w+", "100000+", "10W+"}


def _count(raw: str) -> int | None:
    """A non-negative integer up to ``csvin.COUNT_MAX`` (thousands separators allowed)."""
    return csvin.count(raw)


def _found(raw: str) -> str:
    if raw == "":
        return "空"
    shown = csvin.brief(raw, 40)
    if re.fullmatch(r"-\d+(\.\d+)?", raw):
        return f"{shown}（负数）"
    if re.fullmatch(r"\d+\.\d+", raw):
        return f"{shown}（小数）"
    if re.fullmatch(r"\d+|\d{1,3}(,\d{3})+", raw):
        return f"{shown}（超过上限 {csvin.COUNT_MAX:,}）"
    return f"{shown}（文本）"


def _in_month(month: str) -> Callable[[str], Any]:
    def check(raw: str) -> Any:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw) or raw[:7] != month:
            return None
        try:
            return pd.Timestamp(date.fromisoformat(raw))
        except ValueError:
            return None
    return check


def _reads(raw: str) -> Any:
    if raw in _CAP_TEXTS:
        return READ_CAP + 1  # marks "capped" (above the cap); _finish_articles caps it
    return _count(raw)


_NONE = object()  # a parser's "invalid" (None is a valid value: an unknown share count)


def _article_parsers(month: str) -> dict[str, tuple[Callable[[str], Any], str]]:
    return {
        "account": (lambda s: s if s and s != OWN else _NONE, f"竞品名称（非空，{OWN} 为保留名称）"),
        "publish_date": (lambda s: _in_month(month)(s) or _NONE, f"{month} 月内的日期 YYYY-MM-DD"),
        "title": (lambda s: s or _NONE, "非空标题"),
        "is_headline": (lambda s: {"1": True, "是": True, "0": False, "否": False}.get(s, _NONE),
                        "1/0 或 是/否"),
        "reads": (lambda s: _or_none(_reads(s)), "非负整数或 10万+"),
        "zaikan": (lambda s: _or_none(_count(s)), "非负整数"),
        "likes": (lambda s: _or_none(_count(s)), "非负整数"),
        "shares": (lambda s: None if s == "" else _or_none(_count(s)), "非负整数，或留空表示未知"),
    }


def _or_none(v: Any) -> Any:
    return _NONE if v is None else v


def _parse_rows(df: pd.DataFrame, name: str,
                parsers: dict[str, tuple[Callable[[str], Any], str]]
                ) -> tuple[pd.DataFrame, list[Problem]]:
    rows, problems = [], []
    for i, rec in enumerate(df.to_dict("records")):
        line = f"第 {i + 2} 行"
        row: dict[str, Any] = {"_line": line}
        for col, (parse, expected) in parsers.items():
            value = parse(rec[col])
            if value is _NONE:
                problems.append(Problem(name, col, line, expected, _found(rec[col])))
            row[col] = value
        rows.append(row)
    return pd.DataFrame(rows), problems


def _duplicates(df: pd.DataFrame, name: str, keys: list[str]) -> list[Problem]:
    out = []
    first_line: dict[tuple[Any, ...], str] = {}
    for rec in df.to_dict("records"):
        key = tuple(rec[k] for k in keys)
        if key in first_line:
            out.append(Problem(name, ",".join(keys), rec["_line"], f"({', '.join(keys)}) 只出现一次",
                               f"与{first_line[key]}重复"))
        else:
            first_line[key] = rec["_line"]
    return out


def _load_articles(path: Path, month: str, notes: list[str] | None = None
                   ) -> tuple[pd.DataFrame | None, list[Problem]]:
    raw, problems = csvin.read_csv(path, ART_COLUMNS, notes=notes)
    if raw is None:
        return None, problems
    df, problems = _parse_rows(raw, path.name, _article_parsers(month))
    if problems:
        return None, problems
    problems = _duplicates(df, path.name, ["account", "publish_date", "title"])
    return (None, problems) if problems else (_finish_articles(df), [])


def _finish_articles(df: pd.DataFrame) -> pd.DataFrame:
    out = df.drop(columns="_line").copy()
    out["capped"] = out["reads"] > READ_CAP - 1
    out["reads"] = out["reads"].clip(upper=READ_CAP).astype("int64")
    out["shares_known"] = out["shares"].notna()
    out["shares"] = out["shares"].fillna(0).astype("int64")
    for c in ("zaikan", "likes"):
        out[c] = out[c].astype("int64")
    out["is_headline"] = out["is_headline"].astype(bool)
    return out


def _score(lo: float, hi: float | None) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        if raw == "":
            return math.nan
        try:
            v = float(raw)
        except ValueError:
            return _NONE
        return v if math.isfinite(v) and v >= lo and (hi is None or v <= hi) else _NONE
    return parse


def _load_scores(path: Path, notes: list[str] | None = None
                 ) -> tuple[pd.DataFrame | None, list[Problem]]:
    raw, problems = csvin.read_csv(path, SCORE_COLUMNS, notes=notes)
    if raw is None:
        return None, problems
    df, problems = _parse_rows(raw, path.name, {
        "account": (lambda s: s or _NONE, "账号名称（非空）"),
        "activity_innovation": (_score(0, 5), "0–5 的评分，或留空表示未评分"),
        "service_response_min": (_score(0, None), "≥ 0 的分钟数，或留空表示未评分"),
    })
    problems += [] if problems else _duplicates(df, path.name, ["account"])
    return (None, problems) if problems else (df.drop(columns="_line").set_index("account"), [])


def load(folder: Path, month: str) -> CompetitorInputs:
    """Read and validate ``competitor_articles.csv`` (and ``competitor_scores.csv`` if present).

    Raises
    ------
    DataValidationError
        Listing every problem of both files (file, field, CSV line, expected, found).
    """
    folder = Path(folder)
    path = folder / ARTICLES_FILE
    if not path.is_file():
        raise DataValidationError([Problem(str(folder), None, None, f"竞品文章数据 {ARTICLES_FILE}",
                                           "没有找到")])
    notes: list[str] = []  # files read in an encoding other than UTF-8 first
    articles, problems = _load_articles(path, month, notes)
    scores = None
    if (folder / SCORES_FILE).is_file():
        scores, found = _load_scores(folder / SCORES_FILE, notes)
        problems += found
    if problems:
        raise DataValidationError(problems)
    assert articles is not None
    if scores is not None:
        known = set(articles["account"]) | {OWN}
        extra = [a for a in scores.index if a not in known]
        if extra:
            notes.append(f"{SCORES_FILE} 中的 {'、'.join(extra)} 没有文章数据，其评分未使用")
    return CompetitorInputs(articles, scores, notes)


def own_articles(folder: Path, month: str) -> tuple[pd.DataFrame, bool]:
    """Our own articles from the datacube files, in the competitor frame's columns.

    Returns the frame and whether 在看/likes are known (``getarticletotaldetail`` present).
    """
    data = load_month(folder, month, endpoints=("getarticletotal", "getarticletotaldetail"))
    if data.article_api == "2025":
        return _own_published(data)
    empty = pd.DataFrame(columns=["ref_date", "msgid", "title", "stat_date",
                                  "int_page_read_count", "share_count"], dtype=object)
    last = last_stat_date(data.frames.get("getarticletotal", empty))
    out = pd.DataFrame({
        "account": OWN, "publish_date": last["ref_date"], "title": last["title"],
        "msgid": last["msgid"],
        "is_headline": last["msgid"].str.rsplit("_", n=1).str[-1] == "1",
        "reads": last["int_page_read_count"], "shares": last["share_count"],
    })
    out["reads_basis"] = "次数"
    known = data.has("getarticletotaldetail")
    eng = pd.DataFrame(columns=["zaikan", "likes"])
    if known:
        eng = last_stat_date(data.frames["getarticletotaldetail"]).set_index("msgid")[
            ["zaikan_user", "like_user"]]
        eng.columns = ["zaikan", "likes"]
    out = out.join(eng, on="msgid")
    out[["zaikan", "likes"]] = out[["zaikan", "likes"]].fillna(0).astype("int64")
    out["capped"] = out["reads"] > READ_CAP
    out["reads"] = out["reads"].clip(upper=READ_CAP).astype("int64")
    out["shares_known"] = True
    return out.drop(columns="msgid").reset_index(drop=True), known


def _own_published(data: MonthData) -> tuple[pd.DataFrame, bool]:
    """Our own articles from the 2025 发表内容 data (getarticletotaldetail, every publication
    of the month at its last stat_date). Those endpoints count people, not 次数: reads are
    阅读人数 and shares 分享人数 (``reads_basis`` = 人数), a little below the competitors'
    次数, so our WCI is a little understated; 在看 and likes are known."""
    d = data.frames.get("getarticletotaldetail")
    cols = ["account", "publish_date", "title", "is_headline", "reads", "shares", "zaikan",
            "likes", "capped", "shares_known", "reads_basis"]
    if d is None or d.empty:
        return pd.DataFrame(columns=cols), True
    last = last_stat_date(d)
    title = last["title"].astype(str) if "title" in last else last["msgid"].astype(str)
    out = pd.DataFrame({
        "account": OWN, "publish_date": last["ref_date"], "title": title,
        "is_headline": last["msgid"].str.rsplit("_", n=1).str[-1] == "1",
        "reads": last["read_user"].astype("int64"), "shares": last["share_user"].astype("int64"),
        "zaikan": last["zaikan_user"].astype("int64"), "likes": last["like_user"].astype("int64"),
    })
    out["capped"] = out["reads"] > READ_CAP
    out["reads"] = out["reads"].clip(upper=READ_CAP).astype("int64")
    out["shares_known"] = True
    out["reads_basis"] = "人数"
    return out[cols].reset_index(drop=True), True
