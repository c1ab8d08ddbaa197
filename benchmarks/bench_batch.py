"""Accounts per minute of ``wxnb batch`` for 1, 2 and N concurrent builds, locally and on a Dask
LocalCluster, on a generated multi-account month (issue #16).

Each account is the sample account with its own seed (``wxnb sample --events``, kept in
``/tmp/wxnb-bench-batch`` between runs). Every run is ``--force`` (every section executes) into a
fresh output folder, so the runs measure the same work; they are interleaved so they share the
machine's noise. Prints wall times, accounts per minute and the speed-up over one build at a
time; never asserts.

    python benchmarks/bench_batch.py [--accounts 4] [--events 20000] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MONTH = "2026-10"


def agency(n: int, events: int) -> Path:
    """``n`` sample-derived accounts (seeds 1…n) under a cached data root."""
    root = Path(tempfile.gettempdir()) / f"wxnb-bench-batch-{events}"
    for i in range(1, n + 1):
        name = f"acct{i:02d}"
        if not (root / name / MONTH).is_dir():
            subprocess.run([sys.executable, "-m", "wxnb", "sample", "--out", str(root),
                            "--account", name, "--seed", str(i), "--events", str(events)],
                           cwd=ROOT, check=True, capture_output=True)
    return root


def one_run(root: Path, accounts: list[str], executor: str, workers: int) -> float:
    out = Path(tempfile.mkdtemp(prefix="wxnb-bench-batch-out-"))
    try:
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "wxnb", "batch", "--month", MONTH,
                              "--data", str(root), "--out", str(out), "--accounts",
                              ",".join(accounts), "--executor", executor, "--workers",
                              str(workers), "--force"], cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if res.returncode != 0:
            raise SystemExit(f"wxnb batch failed ({executor}, {workers}):\n{res.stdout}"
                             f"{res.stderr}")
        return seconds
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=4)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    root = agency(args.accounts, args.events)
    accounts = [f"acct{i:02d}" for i in range(1, args.accounts + 1)]
    cores = os.cpu_count() or 1
    configs = [("local", 1), ("local", 2), ("local", args.accounts), ("dask", 2)]
    configs = list(dict.fromkeys(configs))
    times: dict[tuple[str, int], list[float]] = {c: [] for c in configs}
    one_run(root, accounts[:1], "local", 1)  # warm: kernelspec, font subsets, caches
    for _ in range(args.runs):
        for c in configs:
            times[c].append(one_run(root, accounts, *c))
    base = statistics.median(times[("local", 1)])
    print(f"{len(accounts)} accounts, ~{args.events:,} events a month each, {cores} cores, "
          f"{args.runs} run(s) each, every section executed (--force)")
    print(f"{'executor':<8} {'builds at once':>14} {'seconds':>9} {'accounts/min':>13} "
          f"{'vs 1 at once':>13}")
    for (executor, workers), ts in times.items():
        s = statistics.median(ts)
        print(f"{executor:<8} {workers:>14} {s:>9.1f} {len(accounts) / s * 60:>13.1f} "
              f"{base / s:>12.2f}×")


if __name__ == "__main__":
    main()
