"""Findings as data: what each section concludes, written next to its executed notebook.

A section calls ``record(items, params, section_key)``; the summary (00) and the strategy (08)
read every section's file with ``collect``. One JSON file per section,
``<output_dir>/<section_key>.findings.json``, so a month missing a section simply has no file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wxnb import paths
from wxnb.params import ReportParams

__all__ = [
    "SEVERITY", "Finding", "clear", "collect", "findings_dir", "rank", "read_folder", "record",
    "scratch_dir",
]

# How bad a status is, for ranking (higher first).
SEVERITY = {"未达标": 3, "预警": 2, "提示": 1, "达标": 0, "未设目标": 0, "未提供": 0}


@dataclass(frozen=True)
class Finding:
    """One conclusion: a metric, its value against a target or benchmark, and the evidence."""

    section: str  # section key, e.g. "01_kpi"
    section_title: str  # e.g. "01 核心绩效指标达成分析"
    metric: str  # metric key, e.g. "open_rate"
    name: str  # Chinese name shown in the report
    status: str  # 达标 / 预警 / 未达标 / 提示 / 未设目标 / 未提供
    evidence: str  # the sentence that states it, with its numbers
    value: float | None = None
    value_text: str = ""
    target: float | None = None
    target_text: str = ""
    benchmark: float | None = None
    gap: float | None = None  # shortfall against the target as a fraction (0.2 = 20% short)
    mom: float | None = None  # 环比 (relative for counts, percentage points for rates)
    mom_text: str = ""
    kind: str = "kpi"  # "kpi" (a headline metric) or "event" (an anomaly, an incident …)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> int:
        return SEVERITY.get(self.status, 0)


def findings_dir(params: ReportParams) -> Path:
    """Where this run's sections write their findings.

    ``wxnb build`` sets ``output_dir`` (the report's folder). A notebook run by hand (JupyterLab,
    nbconvert, papermill) has none and writes to :func:`scratch_dir` instead, so it never
    replaces the findings of the last build.
    """
    if params.output_dir:
        p = Path(params.output_dir).expanduser()
        return p if p.is_absolute() else paths.PROJECT_ROOT / p
    return scratch_dir(params)


def scratch_dir(params: ReportParams) -> Path:
    """``outputs/_scratch/<account>/<month>``: side outputs of notebooks run outside a build
    (an account id never starts with ``_``, so this cannot be an account's folder)."""
    return paths.OUTPUTS / "_scratch" / params.account / params.month


def record(items: list[Finding], params: ReportParams, section: str) -> Path:
    """Write one section's findings (replacing its previous file in the same folder)."""
    folder = findings_dir(params)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{section}.findings.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([asdict(f) for f in items], ensure_ascii=False, indent=1),
                   encoding="utf-8")
    tmp.replace(path)
    return path


def collect(params: ReportParams) -> list[Finding]:
    """Read every section's findings of this run, in section order.

    In a build: the build's folder. Run by hand: the last build's findings of this account and
    month, each replaced by the section's newer file in the scratch folder when the analyst
    re-ran that section by hand.
    """
    files: dict[str, Path] = {}
    folders = [findings_dir(params)] if params.output_dir else \
        [paths.output_dir(params.account, params.month), scratch_dir(params)]
    for folder in folders:
        for path in folder.glob("*.findings.json"):
            old = files.get(path.name)
            if old is None or path.stat().st_mtime >= old.stat().st_mtime:
                files[path.name] = path
    return _read(files)


def read_folder(folder: Path) -> list[Finding]:
    """Every section's findings in one folder (a build's), in section order."""
    return _read({p.name: p for p in folder.glob("*.findings.json")})


def _read(files: dict[str, Path]) -> list[Finding]:
    out: list[Finding] = []
    for name in sorted(files):
        out.extend(Finding(**item) for item in json.loads(files[name].read_text(encoding="utf-8")))
    return out


def clear(folder: Path) -> None:
    """Remove earlier builds' findings so a section that no longer runs leaves nothing behind."""
    for path in folder.glob("*.findings.json"):
        path.unlink()


def rank(items: list[Finding], n: int = 5) -> list[Finding]:
    """The findings that matter most: worst status first; within a status, the events (an
    incident still open, a compliance risk, an anomaly: something happening that needs handling)
    before the headline metrics short of their target; then the largest gap.

    A gap measures a metric against its own target (a fraction short) and means something else
    for an event, so gaps are compared only within a kind: an open high-severity risk is named
    before a cost per conversion at 3 × its target, however large that shortfall. Findings that
    are fine (达标, or without a target) are left out.
    """
    worth = [f for f in items if f.severity > 0]
    return sorted(worth, key=lambda f: (-f.severity, f.kind != "event", -(f.gap or 0.0)))[:n]
