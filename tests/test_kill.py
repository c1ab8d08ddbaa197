"""A stopped build stops everything it started and leaves the last good build as it was.

Each signal is tried at random moments of a real build (validation, kernels warming up,
sections running, the report being written); ``tools/kill_builds.py`` runs many more.
"""

from __future__ import annotations

import random
import signal
from pathlib import Path

import pytest

from killharness import good_build, stop_build

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def last_good(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    out = tmp_path_factory.mktemp("out")
    good_build(out)  # a first build on a fresh clone also fills the caches: slower than the rest
    return out, good_build(out)  # the stops are drawn within a build as long as theirs


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT],
                         ids=lambda s: s.name)
def test_stopped_build_leaves_no_process_and_the_last_build(last_good: tuple[Path, float],
                                                            sig: signal.Signals) -> None:
    out, seconds = last_good
    rng = random.Random()
    for _ in range(3):  # a moment before the build would have finished by itself
        outcome = stop_build(out, sig, rng.uniform(0.3, 0.8 * seconds))
        if not outcome.finished_first:
            break
    assert not outcome.finished_first
    assert outcome.survivors == [], outcome
    assert outcome.sockets == [], outcome
    assert outcome.changed == [], outcome
    if sig == signal.SIGINT:  # Ctrl-C: one line, no traceback, exit 130
        assert outcome.returncode == 130, outcome
        lines = [ln for ln in outcome.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and "已中断" in lines[0], outcome.stderr
        assert "Traceback" not in outcome.stderr and "KeyboardInterrupt" not in outcome.stderr
    if sig == signal.SIGTERM:
        assert outcome.returncode == 143, outcome


SWALLOWED = """
import signal, sys
from wxnb import cli

real = cli._prepare

def prepare(*args):
    # The Ctrl-C's handler ran (it records the signal), but the exception it raised was lost on
    # the way: DuckDB turns it into RuntimeError("Query interrupted") inside its query, or drops
    # it when the query ends first.
    result = real(*args)
    cli._STOP_SIGNAL = signal.SIGINT
    if {how!r} == "converted":
        raise RuntimeError("Query interrupted")
    return result

cli._prepare = prepare
sys.argv = ["wxnb", "build", "--force", "--out", {out!r}]
cli.main()
"""


@pytest.mark.parametrize("how", ["converted", "dropped"])
def test_a_stop_a_library_swallowed_still_stops_the_build(tmp_path: Path, how: str) -> None:
    import subprocess
    import sys

    report = tmp_path / "sample" / "2026-10" / "report.html"
    report.parent.mkdir(parents=True)
    report.write_text("last good report", encoding="utf-8")
    res = subprocess.run([sys.executable, "-c", SWALLOWED.format(how=how, out=str(tmp_path))],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 130, res.stdout + res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "已中断" in lines[0], res.stderr
    assert "报告已生成" not in res.stdout
    assert report.read_text(encoding="utf-8") == "last good report"
