"""Fuzz every input loader with generated malformed files and count what happens.

Each case is a tiny valid month folder for one loader (the datacube files, the event log as
CSV, JSON Lines or Parquet, menu.json, content_plan.csv, orders.csv and the files of sections
05–07) with one or two files damaged (see ``tests/fuzzgen.py``, shared with
``tests/test_fuzz_loaders.py``). A loader may accept the case or reject it with a
``DataValidationError``; anything else (a bare exception, a modified input file, a temporary
file left behind, accepted text that cannot be written as UTF-8) is an internal error. Cases go
round-robin over the loaders, case ``i`` drawn from ``random.Random(seed * 1_000_003 + i)``, so
a failure is replayed alone with the same ``--seed`` (and ``--only``) and ``--case i``.

    .venv/bin/python tools/fuzz_inputs.py                 # 10,000 cases, seed 0
    .venv/bin/python tools/fuzz_inputs.py --cases 500 --seed 7 --jobs 2
    .venv/bin/python tools/fuzz_inputs.py --case 1234     # replay one case, print its traceback

Exit code 0 when no internal error was found, 1 otherwise.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

import fuzzgen

OUTCOMES = ("clean", "accepted", "internal")


def _names(only: str | None) -> list[str]:
    names = [n for n in fuzzgen.TARGETS if not only or only in n]
    if not names:
        raise SystemExit(f"no loader matches --only {only!r}; "
                         f"loaders: {', '.join(fuzzgen.TARGETS)}")
    return names


def run_one(i: int, seed: int, names: list[str]) -> tuple[str, str, str | None, str]:
    """Run case ``i``: (loader, outcome, traceback or None, the case's mutations)."""
    name = names[i % len(names)]
    target = fuzzgen.TARGETS[name]
    case = fuzzgen.make_case(random.Random(seed * 1_000_003 + i), target)
    with tempfile.TemporaryDirectory(prefix="wxnb-fuzz-") as folder:
        try:
            return name, fuzzgen.run_case(target, case, Path(folder)), None, case.describe()
        except Exception:  # noqa: BLE001 - counting every escape is the point
            return name, "internal", traceback.format_exc(), case.describe()


def _run_slice(args: tuple[range, int, list[str], int]) -> tuple[Counter, list[tuple]]:
    cases, seed, names, keep = args
    counts: Counter = Counter()
    failures: list[tuple] = []
    for i in cases:
        name, outcome, tb, what = run_one(i, seed, names)
        counts[name, outcome] += 1
        if tb is not None and len(failures) < keep:
            failures.append((i, what, tb))
    return counts, failures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=10_000, help="number of cases (default 10000)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the case generator (default 0)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="worker processes (default 1; the cases are the same for any value)")
    ap.add_argument("--only", help="only the loaders whose name contains this text")
    ap.add_argument("--case", type=int, help="run only case number CASE and show its outcome")
    ap.add_argument("--show", type=int, default=3,
                    help="tracebacks of internal errors to print (default 3)")
    args = ap.parse_args(argv)
    names = _names(args.only)

    if args.case is not None:
        _, outcome, tb, what = run_one(args.case, args.seed, names)
        print(f"case {args.case}: {what}\n→ {outcome}")
        if tb:
            print(tb)
        return 1 if tb else 0

    start = time.perf_counter()
    jobs = max(1, min(args.jobs, args.cases))
    slices = [(range(j, args.cases, jobs), args.seed, names, args.show) for j in range(jobs)]
    counts: Counter = Counter()
    failures: list[tuple] = []
    if jobs == 1:
        results = [_run_slice(slices[0])]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            results = list(pool.map(_run_slice, slices))
    for c, f in results:
        counts.update(c)
        failures += f
    elapsed = time.perf_counter() - start

    width = max(len(n) for n in names)
    print(f"{args.cases:,} cases, seed {args.seed}, {jobs} process(es), {elapsed:.1f} s "
          f"({1000 * elapsed / max(args.cases, 1):.1f} ms a case)")
    print(f"{'loader':<{width}}  {'clean error':>11}  {'accepted':>8}  {'internal error':>14}")
    for n in names:
        print(f"{n:<{width}}  {counts[n, 'clean']:>11,}  {counts[n, 'accepted']:>8,}  "
              f"{counts[n, 'internal']:>14,}")
    total = {o: sum(v for (_, oc), v in counts.items() if oc == o) for o in OUTCOMES}
    print(f"{'total':<{width}}  {total['clean']:>11,}  {total['accepted']:>8,}  "
          f"{total['internal']:>14,}")
    for i, what, tb in sorted(failures)[: args.show]:
        print(f"\n--- internal error, case {i} (replay: --seed {args.seed} --case {i}"
              f"{' --only ' + repr(args.only) if args.only else ''}): {what}\n{tb}")
    return 1 if total["internal"] else 0


if __name__ == "__main__":
    sys.exit(main())
