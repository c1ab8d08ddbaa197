"""Stop a ``wxnb build`` at a chosen moment and check what it leaves behind.

Used by ``tests/test_kill.py`` (a few random moments per signal) and ``tools/kill_builds.py``
(many). A run starts the build in its own session, waits ``delay`` seconds, records every
process of the build (the command, its workers, their kernels), sends ``signal`` (SIGINT to the
whole process group, as a terminal's Ctrl-C does; SIGTERM and SIGKILL to the build process) and
then checks: no recorded process is still running after ``grace`` seconds, no kernel socket file
of a worker is left, and the outputs folder is byte-for-byte the last good build.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def tree(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (hidden ones included) with its SHA-256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build_cmd(out: Path) -> list[str]:
    # --force: a build that reuses the last one would finish before any signal could stop it
    return [sys.executable, "-m", "wxnb", "build", "--force", "--out", str(out)]


def good_build(out: Path) -> float:
    """Build the sample month into ``out``; return how long it took."""
    t0 = time.monotonic()
    res = subprocess.run(build_cmd(out), cwd=PROJECT_ROOT, capture_output=True, text=True,
                         timeout=600)
    if res.returncode != 0:
        raise RuntimeError(res.stdout + res.stderr)
    return time.monotonic() - t0


@dataclass
class Outcome:
    signal: str
    delay: float
    finished_first: bool = False  # the build ended before the signal: nothing was tested
    returncode: int | None = None
    survivors: list[str] = field(default_factory=list)
    sockets: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return not (self.survivors or self.sockets or self.changed)


def _sockets(pids: list[int]) -> list[str]:
    folder = Path(tempfile.gettempdir()) / f"wxnb-kernels-{os.getuid()}"
    return [p.name for pid in pids for p in folder.glob(f"k{pid}-*")]


def stop_build(out: Path, sig: signal.Signals, delay: float, *, grace: float = 15.0) -> Outcome:
    """Start a build into ``out`` (which holds the last good build), stop it after ``delay``
    seconds with ``sig`` and report what survived or changed."""
    before = tree(out)
    proc = subprocess.Popen(build_cmd(out), cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    outcome = Outcome(sig.name, round(delay, 2))
    time.sleep(delay)
    try:
        main = psutil.Process(proc.pid)
        procs = [main, *main.children(recursive=True)]
    except psutil.NoSuchProcess:
        procs = []
    if proc.poll() is not None:
        outcome.finished_first = True
        proc.communicate()
        return outcome
    workers = [p.pid for p in procs[1:] if p.ppid() == proc.pid]
    if sig == signal.SIGINT:
        os.killpg(proc.pid, signal.SIGINT)  # a terminal sends Ctrl-C to the whole group
    else:
        os.kill(proc.pid, sig)
    try:
        out_text, outcome.stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out_text, outcome.stderr = proc.communicate()
    outcome.returncode = proc.returncode
    # The stop came after the new build was published: a finished build, not a stopped one
    # (its processes must still be gone; its outputs are the new build).
    outcome.finished_first = "报告已生成" in out_text
    _, alive = psutil.wait_procs(procs, timeout=grace)
    outcome.survivors = [f"{p.pid} {' '.join(p.cmdline()[:4])}" for p in alive
                         if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    for p in alive:  # never leave them behind, whatever the verdict
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    outcome.sockets = _sockets(workers)
    after = tree(out)
    if not outcome.finished_first:
        outcome.changed = sorted(k for k in before.keys() | after.keys()
                                 if before.get(k) != after.get(k))
    return outcome
