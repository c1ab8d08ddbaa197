"""Time section 04 from the raw event log at 1M, 10M and 50M events, one fresh process per run,
and (``--build``) the whole cold build of the same months.

The targets on the 2-core machine: section 04 from the raw log at 50M events in ≤ 20 s with peak
memory ≤ 2 GiB; the whole cold build ≤ 3 × that, with the memory of its whole process tree
≤ 2 GiB (issue #11). For each size the script generates a sample account once (cached under
``--data-dir``, default ``/tmp/wxnb-bench-events``; ``wxnb.samples.month.generate_sample(root,
account=..., events=N)``, run in its own process), then runs, in a fresh child process per
repeat with an empty cache: ``events.open_month`` alone (the validation pass, timed apart),
then section 04 from the raw log as it runs alone (a notebook run by hand on a machine with
no cache): ``eventsummary.open_summary`` for the tables section 04 reads (validation and the
month's reduction to those Parquet tables) and ``s04_fans.aggregate`` on them. It prints wall and CPU times, the child's peak RSS (``os.wait4``: the whole
process) and the ratios to the targets. It never asserts.

The machine may be shared: the script first measures how many cores are really free (two busy
processes against one) and prints it next to the figures; CPU seconds ÷ 2 is the wall time the
work needs on two idle cores.

With ``--build`` it also runs whole ``wxnb build``s of each generated month (every section, 2
workers, the previous month for 环比 included) and prints their wall times and ratios to section
04 from the raw log:

* a **cold** build: an empty ``WXNB_CACHE_DIR``, so both months' logs are reduced (the first
  build on a machine); then a second such build whose memory is sampled: the peak of the
  summed memory of the build's whole process tree (PSS of the CLI, its workers and the fork
  server, sampled from /proc every 50 ms) and its largest single process (``os.wait4``). The
  sampling slows the build it watches, so it is not the timed one;
* a **monthly** build: the cache as the previous month's own build left it (built once, untimed,
  and copied before each such build), so only this month is new: what an analyst's build of a
  new month meets.

    python benchmarks/bench_events.py [--sizes 1e6,1e7,5e7] [--repeats 3] [--data-dir DIR]
                                      [--build]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 20.0
TARGET_RSS = 2 * 1024**3
ACCOUNT = "bench"
MONTH = "2026-10"
DONE = ".generated"  # marker written after a complete generation

_CHILD = r"""
import json, os, resource, sys, tempfile, time
t0 = time.perf_counter()
from pathlib import Path
os.environ["WXNB_CACHE_DIR"] = tempfile.mkdtemp(prefix="wxnb-bench-cache-")  # a cold summary
from wxnb.io import eventlog as events
from wxnb.io import eventsummary
from wxnb.sections.s04_fans import compute as s04_fans
from wxnb.params import ReportParams

folder, month = Path(sys.argv[1]), sys.argv[2]
params = ReportParams(month=month, account="bench", data_dir=str(folder))

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

t1, c1 = time.perf_counter(), cpu()
log = events.open_month(folder, month, memory_limit=params.event_memory_limit)
rows = log.rows_used
log.close()
t2, c2 = time.perf_counter(), cpu()
# what section 04 run alone reduces: the tables it reads (s04_fans.READS), nothing for others
summary = eventsummary.open_summary(folder, month, tables=s04_fans.READS,
                                    memory_limit=params.event_memory_limit)
t3, c3 = time.perf_counter(), cpu()
agg = s04_fans.aggregate(summary, params)
t4, c4 = time.perf_counter(), cpu()
out = {"import_s": t1 - t0, "open_s": t2 - t1, "open_cpu": c2 - c1, "summary_s": t3 - t2,
       "summary_cpu": c3 - c2, "agg_s": t4 - t3, "agg_cpu": c4 - c3,
       "raw_s": t4 - t2, "raw_cpu": c4 - c2, "rows": rows, "population": agg.population,
       "active": agg.count("activity"), "core": agg.count("core"),
       "new_followers": agg.new_followers}
summary.close()
print(json.dumps(out))
"""


def _label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n:,}"


def _sizes(text: str) -> list[int]:
    try:
        return [int(float(s)) for s in text.split(",") if s.strip()]
    except ValueError as exc:
        raise SystemExit(f"--sizes: expected numbers like 1e6,1e7, got {text!r}") from exc


def _busy(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def free_cores(n: int = 6_000_000) -> float:
    """About how many cores are free right now: time of one busy loop ÷ two in parallel × 2."""
    t = time.perf_counter()
    _busy(n)
    one = time.perf_counter() - t
    with Pool(2) as pool:
        t = time.perf_counter()
        pool.map(_busy, [n, n])
        two = time.perf_counter() - t
    return min(2.0, 2 * one / two)


def month_folder(data_dir: Path, n: int) -> Path:
    return data_dir / f"events_{n}" / ACCOUNT / MONTH


def generate(data_dir: Path, n: int) -> Path:
    """The cached sample of about ``n`` events (generated in a child process the first time)."""
    root = data_dir / f"events_{n}"
    folder = month_folder(data_dir, n)
    if (root / DONE).is_file():
        return folder
    print(f"generating {_label(n)} events under {root} (once) …", flush=True)
    code = ("import sys; from pathlib import Path; from wxnb.samples.month import generate_sample; "
            "generate_sample(Path(sys.argv[1]), account=sys.argv[2], events=int(sys.argv[3]))")
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, str(root), ACCOUNT, str(n)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise SystemExit(f"generation of {_label(n)} events failed:\n  " + "\n  ".join(tail))
    (root / DONE).write_text(f"{n}\n", encoding="utf-8")
    print(f"  done in {time.perf_counter() - t:.0f} s", flush=True)
    return folder


def run_once(folder: Path) -> dict:
    """One fresh child: open the log and aggregate; the child's own peak RSS from ``os.wait4``."""
    t = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(folder), MONTH], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=err, text=True)
        out = proc.stdout.read() if proc.stdout else ""  # to EOF, then reap it ourselves
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t
        if proc.returncode or not out.strip():
            err.seek(0)
            raise SystemExit(f"aggregation failed in {folder}:\n{err.read()[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(process_s=wall, rss=usage.ru_maxrss * 1024,
                  child_cpu=usage.ru_utime + usage.ru_stime)
    return result


def _pss(pid: int, status: dict[str, str]) -> int:
    """Proportional set size (bytes): shared pages split among the processes that map them,
    so a sum over processes is the memory they really take; VmRSS where smaps_rollup is not
    readable."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(status.get("VmRSS", "0 kB").split()[0]) * 1024


def _tree_memory(root: int) -> int:
    """Summed PSS (bytes) of ``root`` and all its descendants, from /proc."""
    parent: dict[int, int] = {}
    status: dict[int, dict[str, str]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/status", encoding="utf-8") as f:
                status[int(d)] = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        parent[int(d)] = int(status[int(d)].get("PPid", "0").strip() or 0)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in status:
            total += _pss(pid, status[pid])
        todo += [c for c, p in parent.items() if p == pid]
    return total


def _code_stamp() -> str:
    """What the seed cache was made by: every source file of the package and the libraries'
    versions. A seed made by other code would not be read as the build's own previous month
    (its summaries and figures are keyed on the code), so the "monthly" build would quietly
    reduce that month again."""
    import hashlib

    from wxnb.build.cache import versions

    h = hashlib.sha256(json.dumps(versions(), sort_keys=True).encode())
    for path in sorted((ROOT / "wxnb").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def seed_previous(folder: Path, seed: Path) -> Path:
    """``seed``: the machine cache after a build of the month before ``folder``'s, made again
    whenever the package's code or the libraries changed since (:func:`_code_stamp`)."""
    stamp = _code_stamp()
    try:
        if (seed / DONE).read_text(encoding="utf-8").strip() == stamp:
            return seed
    except OSError:
        pass
    shutil.rmtree(seed, ignore_errors=True)
    from wxnb.paths import prev_month

    prev = folder.parent / prev_month(MONTH)
    print(f"building {prev.name} once for the monthly builds' cache …", flush=True)
    with tempfile.TemporaryDirectory(prefix="wxnb-bench-out-") as out:
        proc = subprocess.run([sys.executable, "-m", "wxnb", "build", "--account", ACCOUNT,
                               "--month", prev.name, "--data", str(prev), "--out", out],
                              cwd=ROOT, capture_output=True, text=True, check=False,
                              env={**os.environ, "WXNB_CACHE_DIR": str(seed)})
    if proc.returncode:
        raise SystemExit(f"build of {prev} failed:\n{(proc.stdout + proc.stderr)[-2000:]}")
    (seed / DONE).write_text(stamp + "\n", encoding="utf-8")
    return seed


def build_once(folder: Path, *, memory: bool = False, seed: Path | None = None) -> dict:
    """One ``wxnb build`` of the generated month: wall, largest process RSS and, with
    ``memory``, the peak PSS of its process tree.

    Sampling the tree's memory slows the build it measures (reading a process's
    ``smaps_rollup`` takes its memory map's lock, which DuckDB's threads then wait for: at 50M
    events a build sampled every 50 ms took 67–77 s, the same build unsampled 57–60 s), so a
    build is either timed or sampled, never both.
    """
    with tempfile.TemporaryDirectory(prefix="wxnb-bench-out-") as out:
        cmd = [sys.executable, "-m", "wxnb", "build", "--account", ACCOUNT, "--month", MONTH,
               "--data", str(folder), "--out", out]
        # Cold: no dataset or event summary of an earlier run to read; monthly (``seed``): the
        # previous month's, as its own build left them.
        if seed is not None:
            shutil.copytree(seed, Path(out) / "cache")
        env = {**os.environ, "WXNB_CACHE_DIR": str(Path(out) / "cache")}
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, env=env,
                                stderr=subprocess.STDOUT, text=True)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _tree_memory(proc.pid))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        if memory:
            sampler.start()
        output = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        done.set()
        if memory:
            sampler.join()
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"build failed for {folder}:\n{output[-2000:]}")
    sections = {}
    for line in output.splitlines():  # "  ✓ 04 粉丝质量多维评估（11.2 秒）"
        if "✓" in line and "（" in line and line.rstrip().endswith("秒）"):
            name = line.split("✓", 1)[1].split("（")[0].strip()
            sections[name[:2]] = float(line.rsplit("（", 1)[1].split()[0])
    return {"build_s": wall, "tree_pss": peak[0], "max_rss": usage.ru_maxrss * 1024,
            "sections": sections}


def _build_run(folder: Path, into: list[dict], s04: dict, seed: Path) -> None:
    """A timed cold build, then one whose memory is sampled, then a timed monthly build
    (``seed``: the previous month's cache); appended to ``into`` with the ratios of the timed
    builds to the section 04 run ``s04`` made just before them."""
    b = build_once(folder)
    m = build_once(folder, memory=True)
    b["tree_pss"], b["sampled_s"] = m["tree_pss"], m["build_s"]
    b["max_rss"] = max(b["max_rss"], m["max_rss"])
    b["ratio"] = b["build_s"] / s04["raw_s"]
    monthly = build_once(folder, seed=seed)
    b["monthly_s"], b["monthly_ratio"] = monthly["build_s"], monthly["build_s"] / s04["raw_s"]
    b["monthly_sections"] = monthly["sections"]
    into.append(b)


def _med(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} [{min(values):.2f}–{max(values):.2f}]"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e6,1e7,5e7", help="event counts, e.g. 1e6,1e7,5e7")
    ap.add_argument("--repeats", type=int, default=1, help="fresh-process runs per size")
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp/wxnb-bench-events"),
                    help="cache of generated samples (kept between runs)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--build", action="store_true",
                    help="also time a whole wxnb build of each size and its memory")
    args = ap.parse_args(argv)
    sizes = _sizes(args.sizes)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    folders = {n: generate(args.data_dir, n) for n in sizes}
    seeds = {n: seed_previous(folders[n], args.data_dir / f"events_{n}.seed-cache")
             for n in sizes} if args.build else {}
    cores = free_cores()
    print(f"free cores before the runs ≈ {cores:.1f} of {os.cpu_count()} "
          f"(load average {os.getloadavg()[0]:.2f})", flush=True)
    results: dict[str, list[dict]] = {}
    builds: dict[str, list[dict]] = {}
    for _ in range(args.repeats):  # interleaved: 1M, 10M, 50M, 1M, …
        for n in sizes:
            r = run_once(folders[n])
            results.setdefault(_label(n), []).append(r)
            print(f"  {_label(n):>5}: section 04 from the raw log {r['raw_s']:.2f} s (summary "
                  f"{r['summary_s']:.2f} s + aggregate {r['agg_s']:.2f} s; cpu "
                  f"{r['raw_cpu']:.2f} s), validation alone {r['open_s']:.2f} s, peak RSS "
                  f"{r['rss'] / 2**20:,.0f} MiB", flush=True)
            if args.build:  # right after its section 04: a drift of the machine's speed
                _build_run(folders[n], builds.setdefault(_label(n), []), r,  # hits both
                           seeds[n])
    cores_after = free_cores()
    print(f"\nfree cores after the runs ≈ {cores_after:.1f}\n")
    head = (f"{'events':>8} {'rows in ev':>12} {'followers':>10} {'s04 from raw s':>18} "
            f"{'summary s':>10} {'aggregate s':>12} {'cpu s':>8} {'peak RSS MiB':>13} "
            f"{'time/20s':>9} {'RSS/2GiB':>9}")
    print(head)
    print("-" * len(head))
    for label, runs in results.items():
        raw = [r["raw_s"] for r in runs]
        rss = max(r["rss"] for r in runs)
        print(f"{label:>8} {runs[0]['rows']:>12,} {runs[0]['population']:>10,} "
              f"{_med(raw):>18} {statistics.median(r['summary_s'] for r in runs):>10.2f} "
              f"{statistics.median(r['agg_s'] for r in runs):>12.2f} "
              f"{statistics.median(r['raw_cpu'] for r in runs):>8.2f} {rss / 2**20:>13,.0f} "
              f"{statistics.median(raw) / TARGET_S:>9.2f} {rss / TARGET_RSS:>9.2f}")
    print("\ns04 from raw = section 04 alone from the log: the month's summary made cold for the "
          "tables it reads (eventsummary.open_summary: validation, the reduction to Parquet) + "
          "s04_fans.aggregate on it (median [min–max]); cpu s = their CPU time (÷ 2 ≈ wall on two idle cores); peak RSS = the "
          "child process (import, validation, reduction and aggregation).")
    if args.build:
        print("\nwhole build (wxnb build, 2 workers, every section, previous month included), "
              "each right after a section 04 run:")
        for label, runs in builds.items():
            for b in runs:
                print(f"  {label:>5}: build {b['build_s']:.1f} s ({b['ratio']:.2f} × the section "
                      f"04 run before it); a second build, its memory sampled "
                      f"({b['sampled_s']:.1f} s): peak PSS of the process tree "
                      f"{b['tree_pss'] / 2**20:,.0f} MiB, largest process "
                      f"{b['max_rss'] / 2**20:,.0f} MiB; sections of the timed build "
                      + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(b["sections"].items())))
                print(f"  {label:>5}: monthly build {b['monthly_s']:.1f} s "
                      f"({b['monthly_ratio']:.2f} ×); sections "
                      + ", ".join(f"{k} {v:.1f} s"
                                  for k, v in sorted(b["monthly_sections"].items())))
        head = (f"\n{'events':>8} {'cold build s':>18} {'cold/s04':>9} {'monthly build s':>18} "
                f"{'monthly/s04':>12} {'tree PSS MiB':>13} {'tree/2GiB':>10} {'largest MiB':>12}")
        print(head)
        print("-" * (len(head) - 1))
        for label, runs in builds.items():
            largest = max(r["max_rss"] for r in runs)
            tree = max(r["tree_pss"] for r in runs)
            s04 = statistics.median(r["raw_s"] for r in results[label])
            ratio = statistics.median(r["build_s"] for r in runs) / s04
            monthly = statistics.median(r["monthly_s"] for r in runs) / s04
            print(f"{label:>8} {_med([r['build_s'] for r in runs]):>18} {ratio:>9.2f} "
                  f"{_med([r['monthly_s'] for r in runs]):>18} {monthly:>12.2f} "
                  f"{tree / 2**20:>13,.0f} {tree / TARGET_RSS:>10.2f} {largest / 2**20:>12,.0f}")
        print("\ncold/s04, monthly/s04 = the median build ÷ the median section 04 from the raw "
              "log, same run (issue #11's target at 50M: ≤ 3); each build ran right after a "
              "section 04 run, and the ratios of those pairs were: cold "
              + "; ".join(f"{label} " + ", ".join(f"{b['ratio']:.2f}" for b in runs)
                          for label, runs in builds.items())
              + "; monthly "
              + "; ".join(f"{label} " + ", ".join(f"{b['monthly_ratio']:.2f}" for b in runs)
                          for label, runs in builds.items())
              + ". tree/2GiB: the target is ≤ 1.")
        print("\ncold build s = a build with an empty cache timed alone (both months' logs "
              "reduced); monthly build s = a build whose cache holds the previous month's own "
              "build (only this month is new); tree PSS = peak of the summed proportional set "
              "size of every process of a second build (sampled every 50 ms, which slows that "
              "build; shared pages split among the processes sharing them); largest = the peak "
              "RSS of the biggest single process of either (os.wait4).")
    if args.json:
        args.json.write_text(json.dumps({"free_cores": [cores, cores_after], "runs": results,
                                         "builds": builds}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
