"""Project paths: where notebooks, parameters, data and outputs live."""

from __future__ import annotations

import os
from datetime import timedelta, timezone
from pathlib import Path

__all__ = [
    "CST",
    "NOTEBOOKS",
    "OUTPUTS",
    "PARAMETERS",
    "PROJECT_ROOT",
    "SAMPLE_ACCOUNT",
    "SAMPLE_MONTH",
    "cache_dir",
    "default_data_dir",
    "output_dir",
    "prev_month",
]

#: The reports' clock: Beijing time (a fixed +08:00, as Asia/Shanghai has been since 1991; no
#: time zone database needed).
CST = timezone(timedelta(hours=8), "Asia/Shanghai")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = PROJECT_ROOT / "notebooks"
PARAMETERS = PROJECT_ROOT / "parameters"
OUTPUTS = PROJECT_ROOT / "outputs"
DATA = PROJECT_ROOT / "data"

SAMPLE_ACCOUNT = "sample"
SAMPLE_MONTH = "2026-10"


def cache_dir() -> Path:
    """The machine's cache of what wxnb derives from inputs and code (datasets, event
    summaries, loads, fonts, file digests, section timings): ``WXNB_CACHE_DIR`` if set, else
    ``outputs/.wxnb-cache``. Everything in it can be deleted; it is made again."""
    env = os.environ.get("WXNB_CACHE_DIR")
    return Path(env) if env else OUTPUTS / ".wxnb-cache"


def prev_month(month: str) -> str:
    """Return the month before ``month`` (both ``YYYY-MM``)."""
    year, mon = (int(x) for x in month.split("-"))
    year, mon = (year - 1, 12) if mon == 1 else (year, mon - 1)
    return f"{year:04d}-{mon:02d}"


def default_data_dir(account: str, month: str) -> Path:
    """Return ``data/<account>/<month>`` under the project root."""
    return DATA / account / month


def output_dir(account: str, month: str, root: Path | None = None) -> Path:
    """Return ``outputs/<account>/<month>`` (or under ``root``)."""
    return (root or OUTPUTS) / account / month
