"""Stop real ``wxnb build`` runs at random moments and count the clean stops.

    python tools/kill_builds.py [--runs 20] [--signals KILL,TERM,INT] [--seed N]

For each signal, ``--runs`` builds of the sample month are stopped at a moment drawn uniformly
from the first 90% of a build's duration (measured first); a run passes when no process of the
build survives 15 s later, no kernel socket file is left and the outputs folder is byte-for-byte
the last good build. Prints one line per run and the counts; exit 1 if any run failed.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from killharness import good_build, stop_build  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--signals", default="KILL,TERM,INT")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = Path(tempfile.mkdtemp(prefix="wxnb-kill-"))
    seconds = good_build(out)
    print(f"last good build: {seconds:.1f} s into {out}")
    failed = 0
    for name in args.signals.split(","):
        sig = signal.Signals[f"SIG{name.strip().upper()}"]
        passed = tried = 0
        while tried < args.runs:
            o = stop_build(out, sig, rng.uniform(0.2, 0.9 * seconds))
            if o.finished_first:
                if not o.ok:
                    print(f"FAIL finished build left survivors={o.survivors} "
                          f"sockets={o.sockets}", flush=True)
                    failed += 1
                continue
            tried += 1
            passed += o.ok
            verdict = "ok  " if o.ok else "FAIL"
            print(f"{verdict} {sig.name} at {o.delay:5.2f} s exit {o.returncode}"
                  + ("" if o.ok else f" survivors={o.survivors} sockets={o.sockets} "
                                     f"changed={o.changed[:5]}"), flush=True)
        failed += tried - passed
        print(f"{sig.name}: {passed} of {tried} runs clean", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
