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
    return out, good_build(out)


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
