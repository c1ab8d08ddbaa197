"""A notebook run by hand (papermill here; JupyterLab and nbconvert run the same cells) sees the
same layered parameters as ``wxnb build``, rejects unknown names, and never overwrites the last
build's findings."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wxnb.paths import NOTEBOOKS, OUTPUTS, PROJECT_ROOT

pytestmark = pytest.mark.e2e
SCRATCH = OUTPUTS / "_scratch" / "sample"


def papermill(notebook: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "papermill", str(NOTEBOOKS / notebook), str(out), "--cwd",
         str(NOTEBOOKS), "--no-progress-bar", *args],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


def outputs_text(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            parts.append("".join(data.get("text/html", "")) + "".join(data.get("text/plain", "")))
            parts.append("".join(o.get("text", "")) + o.get("evalue", ""))
    return "\n".join(parts)


@pytest.fixture
def build_findings() -> dict[Path, bytes]:
    """The build's findings files of the sample months (as they are) and a clean scratch."""
    existed = SCRATCH.exists()
    files = {p: p.read_bytes() for p in (OUTPUTS / "sample").rglob("*.findings.json")}
    yield files
    if not existed:
        shutil.rmtree(SCRATCH, ignore_errors=True)


def test_papermill_month_uses_that_months_targets_and_writes_to_scratch(
    tmp_path: Path, build_findings: dict[Path, bytes],
) -> None:
    out = tmp_path / "01.ipynb"
    res = papermill("01_kpi.ipynb", out, "-p", "month", "2026-09")
    assert res.returncode == 0, res.stderr[-2000:]
    text = outputs_text(out)
    # September's layer: 4,500 net followers and a 3.00% open rate target (October: 5,000, 2%).
    assert "4,500" in text and "3.00%" in text and "5,000" not in text
    scratch = SCRATCH / "2026-09" / "01_kpi.findings.json"
    assert scratch.exists()
    assert {p: p.read_bytes() for p in (OUTPUTS / "sample").rglob("*.findings.json")} \
        == build_findings  # the last build's findings are untouched
    assert not (OUTPUTS / "sample" / "2026-09" / "01_kpi.findings.json").exists() \
        or (OUTPUTS / "sample" / "2026-09" / "01_kpi.findings.json") in build_findings


def test_papermill_unknown_parameter_stops_the_notebook(tmp_path: Path,
                                                        build_findings: dict[Path, bytes]) -> None:
    res = papermill("01_kpi.ipynb", tmp_path / "01.ipynb", "-p", "target_opne_rate", "0.03")
    assert res.returncode != 0
    text = outputs_text(tmp_path / "01.ipynb")
    assert "未知参数 'target_opne_rate'" in text and "target_open_rate" in text


def test_papermill_parameter_by_name_is_an_override(tmp_path: Path,
                                                    build_findings: dict[Path, bytes]) -> None:
    out = tmp_path / "01.ipynb"
    res = papermill("01_kpi.ipynb", out, "-p", "account", "acme", "-p", "data_dir",
                    "data/sample/2026-10", "-p", "target_open_rate", "0.015")
    assert res.returncode == 0, res.stderr[-2000:]
    text = outputs_text(out)
    assert "1.50%" in text  # the override, not the sample's 2% target
    # acme has no account layer: no benchmarks (the sample's open-rate benchmark is 1.20%)
    assert "行业均值来源：未配置" in text and "1.20%" not in text
