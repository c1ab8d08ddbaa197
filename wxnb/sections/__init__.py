"""The report's sections: the ONE registry. Adding a section is a folder and a line here.

Each name is a package ``wxnb.sections.<name>`` whose ``__init__`` declares ``SPEC``
(:class:`wxnb.sections.spec.Spec`); the report orders them by key.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wxnb.sections.spec import Spec

__all__ = ["NAMES", "get", "registry"]

NAMES: tuple[str, ...] = (
    "s00_summary",
    "s01_kpi",
    "s02_path",
    "s03_content",
    "s04_fans",
    "s05_competitors",
    "s06_tech",
    "s07_risk",
    "s08_strategy",
    "s09_fission",
    "s10_ads",
    "s11_wecom",
    "s12_touch",
    "s13_miniprogram",
    "s14_channels",
    "s15_portrait",
    "s99_appendix",
)


@cache
def registry() -> tuple[Spec, ...]:
    """Every section's spec, in report order (by key)."""
    from dataclasses import replace

    specs = []
    for name in NAMES:
        package = f"wxnb.sections.{name}"
        specs.append(replace(importlib.import_module(package).SPEC, package=package))
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"two sections share a key: {keys}")
    return tuple(sorted(specs, key=lambda s: s.key))


def get(key: str) -> Spec:
    """The spec of the section ``key`` (``03_content``)."""
    for spec in registry():
        if spec.key == key:
            return spec
    raise KeyError(key)
