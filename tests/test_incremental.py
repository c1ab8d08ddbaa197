"""Incremental builds, end to end: a rebuild with nothing changed reuses the last report, a
changed input re-runs only the sections that read it, ``--force`` re-runs everything."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wxnb.paths import DATA, PROJECT_ROOT, cache_dir
from wxnb.sections import registry

pytestmark = pytest.mark.e2e
TITLES = {s.key: s.title for s in registry()}


def wxnb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wxnb", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)


def ran(out: str) -> list[str]:
    return sorted(k for k, t in TITLES.items() if f"✓ {t}" in out)


def reused(out: str) -> list[str]:
    return sorted(k for k, t in TITLES.items() if f"↺ {t}" in out)


def test_rebuilds_reuse_exactly_what_did_not_change(tmp_path: Path) -> None:
    for month in ("2026-09", "2026-10"):
        shutil.copytree(DATA / "sample" / month, tmp_path / "data" / month)
    data, out = tmp_path / "data" / "2026-10", tmp_path / "out"
    args = ("build", "--data", str(data), "--out", str(out))
    report = out / "sample" / "2026-10" / "report.html"

    first = wxnb(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    assert ran(first.stdout) == sorted(TITLES) and reused(first.stdout) == []
    built = report.stat().st_mtime_ns
    # the digests and the code's imports are the machine's (any output folder finds them)
    assert (cache_dir() / "digests.json").is_file()
    assert not (out / ".wxnb-cache").exists()

    again = wxnb(*args)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "无变化" in again.stdout and ran(again.stdout) == []
    assert reused(again.stdout) == sorted(TITLES)
    assert report.stat().st_mtime_ns == built  # the report is not even rewritten

    # One incident's action changes: 07 reads it, the appendix lists every file, the
    # summary and the strategy read 07's findings; 01-06 are reused.
    incidents = data / "incidents.csv"
    text = incidents.read_text(encoding="utf-8")
    incidents.write_text(text.replace("删除诱导话术", "删除<b>诱导</b>话术", 1), encoding="utf-8")
    third = wxnb(*args)
    assert third.returncode == 0, third.stdout + third.stderr
    assert ran(third.stdout) == ["00_summary", "07_risk", "08_strategy", "99_appendix"]
    assert reused(third.stdout) == ["01_kpi", "02_path", "03_content", "04_fans",
                                    "05_competitors", "06_tech", "09_fission", "10_ads",
                                    "11_wecom", "12_touch", "13_miniprogram", "14_channels",
                                    "15_portrait"]
    html = report.read_text(encoding="utf-8")
    assert "删除&lt;b&gt;诱导&lt;/b&gt;话术" in html  # the new text, escaped, in the report
    assert "<b>诱导</b>" not in html
    manifest = json.loads((report.parent / "run.json").read_text(encoding="utf-8"))
    assert {s["key"] for s in manifest["sections"] if s["reused"]} == set(reused(third.stdout))

    forced = wxnb(*args, "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert ran(forced.stdout) == sorted(TITLES) and reused(forced.stdout) == []
    # the inputs were validated by the build before: --force re-runs every section, not that
    assert "↺ 数据校验" in forced.stdout

    # a changed input is validated again, --force or not
    incidents.write_text(text.replace("2026-10-03,", "2026-10-99,", 1), encoding="utf-8")
    broken = wxnb(*args, "--force")
    assert broken.returncode == 2, broken.stdout + broken.stderr
    assert "↺ 数据校验" not in broken.stdout and "incidents.csv" in broken.stderr
    assert ran(broken.stdout) == []


def test_a_changed_parameter_reruns_everything_it_reaches(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert wxnb("build", "--out", str(out)).returncode == 0
    res = wxnb("build", "--out", str(out), "--set", "target_open_rate=0.05")
    assert res.returncode == 0, res.stdout + res.stderr
    assert reused(res.stdout) == [] and ran(res.stdout) == sorted(TITLES)
    # the machine-only parameters (cores, memory) change no result
    res = wxnb("build", "--out", str(out), "--set", "target_open_rate=0.05",
               "--set", "event_memory_limit=2GB", "--workers", "1")
    assert "无变化" in res.stdout, res.stdout + res.stderr


def test_previous_month_problems_reach_the_cover_and_the_reused_validation(
        tmp_path: Path) -> None:
    for month in ("2026-09", "2026-10"):
        shutil.copytree(DATA / "sample" / month, tmp_path / "data" / month)
    incidents = tmp_path / "data" / "2026-09" / "incidents.csv"
    text = incidents.read_text(encoding="utf-8")
    incidents.write_text(text.replace("2026-09-", "2026-13-", 1), encoding="utf-8")
    args = ("build", "--data", str(tmp_path / "data" / "2026-10"), "--out", str(tmp_path / "o"))
    note = "上月（2026-09）数据校验未通过"
    for run in ("checked while the sections ran", "reused under --force"):
        res = wxnb(*args, *(("--force",) if run.startswith("reused") else ()))
        assert res.returncode == 0, res.stdout + res.stderr
        assert ("↺ 数据校验" in res.stdout) == run.startswith("reused")
        out = tmp_path / "o" / "sample" / "2026-10"
        manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
        assert [n for n in manifest["notes"] if note in n and "incidents.csv" in n], run
        assert [n for n in manifest["checked"]["warnings"] if note in n], run
        assert note in (out / "report.html").read_text(encoding="utf-8"), run
