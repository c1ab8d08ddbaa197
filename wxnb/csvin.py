"""Reading the small CSV inputs that users prepare by hand (section files beyond the datacube).

Every problem is a :class:`~wxnb.exceptions.Problem` naming the file, the column, the row (as the
spreadsheet shows it: the header is row 1) and what was expected, so a build can list them all.
Files are only read, never changed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from wxnb.exceptions import Problem

__all__ = ["is_day", "number", "read_csv", "row_label"]


def read_csv(path: Path, required: Sequence[str], *,
             allow_empty: bool = False) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a UTF-8 CSV (a BOM from Excel is fine) as text, cells stripped, empty cells ``""``.

    Returns ``(None, problems)`` when the file cannot be parsed, a required column is missing, or
    (unless ``allow_empty``) there is no data row.
    """
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        return None, [Problem(path.name, None, None, "UTF-8 CSV，首行为字段名", str(exc)[:120])]
    except pd.errors.EmptyDataError:
        return None, [Problem(path.name, None, None, "UTF-8 CSV，首行为字段名", "空文件")]
    df.columns = [str(c).strip() for c in df.columns]
    have = "、".join(df.columns)
    missing = [Problem(path.name, c, "表头", f"有列 {c}", f"列缺失（现有列：{have}）")
               for c in required if c not in df.columns]
    if missing:
        return None, missing
    if df.empty and not allow_empty:
        return None, [Problem(path.name, None, None, "至少一行数据", "没有数据行")]
    return df.apply(lambda s: s.str.strip()), []


def row_label(i: int) -> str:
    """The spreadsheet row of the ``i``-th data row (0-based; the header is row 1)."""
    return f"第 {i + 2} 行"


def number(text: str) -> float | None:
    """A finite number, or None (empty, text, inf and nan are not numbers)."""
    try:
        v = float(str(text).replace(",", ""))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def is_day(text: str) -> bool:
    """True for an ISO date ``YYYY-MM-DD``."""
    try:
        return len(text) == 10 and date.fromisoformat(text) is not None
    except ValueError:
        return False
