"""Reading and validating section 07's own inputs: ``incidents.csv`` and ``user_texts.csv``.

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import csvin

__all__ = [
    "INCIDENTS_FILE",
    "INCIDENT_COLUMNS",
    "LABELS",
    "RISK_TYPES",
    "SEVERITIES",
    "TEXTS_FILE",
    "TEXT_COLUMNS",
    "RiskInputs",
    "load",
]

INCIDENTS_FILE = "incidents.csv"
TEXTS_FILE = "user_texts.csv"

RISK_TYPES = ("诱导分享违规", "数据泄露隐患", "违规内容", "负面舆情", "虚假宣传", "其他")
SEVERITIES = ("高", "中", "低")
LABELS = ("正面", "中性", "负面")
INCIDENT_COLUMNS = ("date", "type", "severity", "description", "action", "resolved_at")
TEXT_COLUMNS = ("time", "text")


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
