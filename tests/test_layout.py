"""The package's architecture as a test: layers, no import circles, one registry of sections.

Every ``import`` in ``wxnb`` (at module level or inside a function) is read with ``ast``. A module
imports only modules of its own layer or below, and the import graph has no circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "wxnb"

# Lowest first. A module may import its own layer and the layers before it, never after.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("wxnb", "wxnb.exceptions", "wxnb.paths", "wxnb.secrets", "wxnb.params")),
    ("io", ("wxnb.io",)),
    ("kit", ("wxnb.kit",)),
    ("sections", ("wxnb.sections",)),
    ("samples", ("wxnb.samples",)),
    ("build", ("wxnb.build",)),
    ("cli", ("wxnb.cli", "wxnb.__main__")),
)


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports(path: Path, known: set[str]) -> set[str]:
    """The wxnb modules ``path`` imports (``from wxnb.kit import fmt`` is ``wxnb.kit.fmt``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "wxnb"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "wxnb":
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.add(sub if sub in known else node.module)
    return {m for m in found if m in known}


def layer(module: str) -> int:
    best = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if module == p or (p != "wxnb" and module.startswith(p + ".")):
                best = rank
    assert best is not None, f"{module} belongs to no layer: add it to LAYERS"
    return best


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {m: imports(p, set(mods)) - {m} for m, p in mods.items()}


def test_every_module_has_a_layer() -> None:
    for m in modules():
        layer(m)


def test_nothing_imports_upward() -> None:
    upward = sorted(f"{m} ({LAYERS[layer(m)][0]}) imports {d} ({LAYERS[layer(d)][0]})"
                    for m, deps in graph().items() for d in deps if layer(d) > layer(m))
    assert upward == []


def test_no_import_circles() -> None:
    g = graph()
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for d in sorted(g[m]):
            if state.get(d) == 1:
                circles.append(trail[trail.index(d):] + [d])
            elif d not in state:
                visit(d, [*trail, d])
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m, [m])
    assert circles == []


def test_a_section_never_imports_another_section() -> None:
    def section(m: str) -> str | None:
        parts = m.split(".")
        return parts[2] if len(parts) > 2 and parts[1] == "sections" and parts[2][:1] == "s" \
            and parts[2] != "spec" else None

    crossing = sorted(f"{m} imports {d}" for m, deps in graph().items() for d in deps
                      if section(m) and section(d) and section(m) != section(d))
    assert crossing == []


def test_the_registry_lists_every_section_folder_once() -> None:
    from wxnb.sections import NAMES, registry

    folders = sorted(p.parent.name for p in (PACKAGE / "sections").glob("s*/__init__.py"))
    assert sorted(NAMES) == folders
    assert [s.key for s in registry()] == sorted(s.key for s in registry())
    for name, spec in zip(sorted(NAMES), registry(), strict=True):
        assert name[1:] == spec.key, "the folder sNN_slug declares the key NN_slug"


def test_importing_the_registry_stays_light() -> None:
    """Listing the sections (the CLI does, for every build) imports no pandas or matplotlib."""
    import subprocess
    import sys

    code = ("import sys, wxnb.sections as s; s.registry(); "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'duckdb') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("bad", [
    {"cells": (("md", "x"),)},
    {"cells": (("params", ""), ("params", ""))},
    {"cells": (("params", ""), ("chart", "x"))},
    {"title": "3 标题"},
    {"phase": 3},
])
def test_a_malformed_spec_is_refused(bad: dict) -> None:
    from wxnb.sections.spec import Spec

    base = {"key": "03_x", "title": "03 标题", "intro": "", "cells": (("params", ""),)}
    with pytest.raises(ValueError):
        Spec(**(base | bad))
