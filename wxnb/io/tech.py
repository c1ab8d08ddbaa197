"""Reading and validating section 06's inputs: the interface summary, mini program performance
and the labelled auto-reply sample.

Inputs of one month folder:

* ``getinterfacesummary_*.json|csv`` (datacube, validated by ``wxnb.io.datacube``): passive-reply
  callbacks, failures and latency per day. API success rate = 1 − fail_count / callback_count;
  average latency = total_time_cost / callback_count; WeChat waits 5 s for a passive reply.
* ``miniprogram_performance.csv`` (optional): ``date`` (YYYY-MM-DD), ``startup_ms`` (the day's
  mini program start-up time in ms, median or mean), ``samples`` (measurements behind it); extra
  columns such as ``page`` or ``scene`` are kept and ignored. One row per day, or several (one
  per page/scene); the month figure is the samples-weighted mean.
* ``autoreply_samples.csv`` (optional): a labelled sample of user messages: ``time``
  (YYYY-MM-DD HH:MM, Asia/Shanghai), ``user`` (pseudonymous id), ``message``, ``rule`` (the rule
  that fired, empty = none) and ``correct`` (是/否 or 1/0: was the reply, or its absence, right).

The CSV files may be UTF-8 (with or without BOM), UTF-16 with a BOM or GB18030/GBK (see
``wxnb.io.csvin``); a file not read as UTF-8 is named in the data notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import csvin
from wxnb.io.datacube import load_month

__all__ = [
    "AUTOREPLY_FILE",
    "INTERFACE_FILES",
    "PERF_COLUMNS",
    "PERF_FILE",
    "REPLY_COLUMNS",
    "TechInputs",
    "load",
]

INTERFACE_FILES = "getinterfacesummary*"  # the section's required input (its SPEC.inputs)
PERF_FILE = "miniprogram_performance.csv"
AUTOREPLY_FILE = "autoreply_samples.csv"
PERF_COLUMNS = ("date", "startup_ms", "samples")
REPLY_COLUMNS = ("time", "user", "message", "rule", "correct")
_TRUE, _FALSE = {"是", "1"}, {"否", "0"}


@dataclass
class TechInputs:
    """One month's validated inputs; ``None`` for a file that is not there."""

    month: str
    interface: pd.DataFrame | None
    performance: pd.DataFrame | None
    autoreply: pd.DataFrame | None
    warnings: list[str] = field(default_factory=list)


def _perf_problems(df: pd.DataFrame, name: str, month: str) -> list[Problem]:
    out = []
    for i, r in enumerate(df.to_dict("records")):
        d = str(r["date"]).strip()
        if not csvin.is_day(d):
            out.append(Problem(name, "date", csvin.row_label(i), "日期 YYYY-MM-DD",
                               csvin.brief(d, 80) if d else "缺失"))
        elif d[:7] != month:
            out.append(Problem(name, "date", csvin.row_label(i), f"{month} 月内的日期", d))
        ms = csvin.number(str(r["startup_ms"]))
        if ms is None:
            out.append(Problem(name, "startup_ms", csvin.row_label(i), "数值（毫秒）",
                               csvin.brief(r["startup_ms"], 80) if r["startup_ms"] else "缺失"))
        elif ms < 0:
            out.append(Problem(name, "startup_ms", csvin.row_label(i), "非负数（毫秒）",
                               str(r["startup_ms"])))
        n = str(r["samples"]).strip()
        if csvin.count(n) is None:
            out.append(Problem(name, "samples", csvin.row_label(i),
                               f"非负整数（不超过 {csvin.COUNT_MAX:,}）",
                               csvin.brief(n, 80) if n else "缺失"))
    return out


def _load_performance(path: Path, month: str, notes: list[str] | None = None
                      ) -> tuple[pd.DataFrame | None, list[Problem]]:
    df, problems = csvin.read_csv(path, PERF_COLUMNS, notes=notes)
    if df is None:
        return None, problems
    problems = _perf_problems(df, path.name, month)
    if problems:
        return None, problems
    df["date"] = pd.to_datetime(df["date"].str.strip(), format="%Y-%m-%d")
    df["startup_ms"] = df["startup_ms"].map(csvin.number).astype(float)  # "1,200" too
    df["samples"] = df["samples"].map(lambda s: csvin.count(str(s).strip())).astype("int64")
    return df, []


_MINUTE_RX = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2} [0-9]{1,2}:[0-9]{2}")


def _minute(text: str) -> datetime | None:
    """``YYYY-MM-DD HH:MM`` (ASCII digits; ``2026-10-1 8:00`` too) as a datetime, or None."""
    if not _MINUTE_RX.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        return None


def _reply_problems(df: pd.DataFrame, name: str, month: str) -> list[Problem]:
    out = []
    for i, r in enumerate(df.to_dict("records")):
        t = str(r["time"]).strip()
        stamp = _minute(t)
        if not t:
            out.append(Problem(name, "time", csvin.row_label(i), "时间 YYYY-MM-DD HH:MM", "缺失"))
        elif stamp is None:
            out.append(Problem(name, "time", csvin.row_label(i), "时间 YYYY-MM-DD HH:MM",
                               csvin.brief(t, 80)))
        elif f"{stamp:%Y-%m}" != month:
            out.append(Problem(name, "time", csvin.row_label(i), f"{month} 月内的时间", t))
        if not str(r["user"]).strip():
            out.append(Problem(name, "user", csvin.row_label(i), "用户标识（匿名 id）", "缺失"))
        c = str(r["correct"]).strip()
        if c not in _TRUE | _FALSE:
            out.append(Problem(name, "correct", csvin.row_label(i), "是/否 或 1/0",
                               csvin.brief(c, 80) if c else "缺失"))
    return out


def _load_autoreply(path: Path, month: str, notes: list[str] | None = None
                    ) -> tuple[pd.DataFrame | None, list[Problem]]:
    df, problems = csvin.read_csv(path, REPLY_COLUMNS, notes=notes)
    if df is None:
        return None, problems
    problems = _reply_problems(df, path.name, month)
    if problems:
        return None, problems
    df["time"] = pd.to_datetime(df["time"].map(lambda t: _minute(str(t).strip())))
    df["user"] = df["user"].str.strip()
    df["rule"] = df["rule"].str.strip()
    df["correct"] = df["correct"].str.strip().isin(_TRUE)
    df["hit"] = df["rule"] != ""
    return df, []


def _load_interface(folder: Path, month: str) -> tuple[pd.DataFrame | None, list[str]]:
    if not any(folder.glob(INTERFACE_FILES)):
        return None, []
    data = load_month(folder, month, endpoints=("getinterfacesummary",))
    return data.frames.get("getinterfacesummary"), list(data.warnings)


def load(folder: Path, month: str) -> TechInputs:
    """Read and validate this section's files of one month (read-only).

    Raises
    ------
    DataValidationError
        Listing every problem of every file (file, field, row, expected, found).
    """
    folder = Path(folder)
    problems: list[Problem] = []
    interface, warnings = None, []
    try:
        interface, warnings = _load_interface(folder, month)
    except DataValidationError as exc:
        problems.extend(exc.problems)
    frames: dict[str, pd.DataFrame | None] = {}
    for name, reader in ((PERF_FILE, _load_performance), (AUTOREPLY_FILE, _load_autoreply)):
        path = folder / name
        frames[name] = None
        if path.is_file():
            frames[name], found = reader(path, month, warnings)
            problems.extend(found)
            if frames[name] is not None and frames[name].empty:
                warnings.append(f"{name} 只有表头，没有数据行")
                frames[name] = None
    if problems:
        raise DataValidationError(problems)
    return TechInputs(month, interface, frames[PERF_FILE], frames[AUTOREPLY_FILE], warnings)
