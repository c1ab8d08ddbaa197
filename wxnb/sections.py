"""The section modules that bring input files of their own (beyond the datacube files).

Each has ``INPUTS`` (glob patterns the build checks before running its notebook),
``write_sample`` (its part of the sample month) and ``NOTEBOOK_CELLS``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

__all__ = ["MODULES", "modules", "write_samples"]

MODULES = (
    "wxnb.s02_path",
    "wxnb.s03_content",
    "wxnb.s04_fans",
    "wxnb.s05_competitors",
    "wxnb.s06_tech",
    "wxnb.s07_risk",
)


def modules() -> list[ModuleType]:
    """The section modules, imported."""
    return [importlib.import_module(name) for name in MODULES]


def write_samples(folder: Path, month: str, *, seed: int = 2026,
                  hostile: bool = False) -> list[Path]:
    """Write every section's sample inputs for one month into ``folder``."""
    out: list[Path] = []
    for mod in modules():
        if hasattr(mod, "write_sample"):  # 02-04's inputs come from wxnb.sample_events
            out.extend(mod.write_sample(folder, month, seed=seed, hostile=hostile))
    return sorted(out)
