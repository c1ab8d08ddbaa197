"""Time a full build of the sample month against an in-process floor, in the same run.

The floor is the same section code run as plain Python (no kernels, no papermill, no HTML), on
the same number of worker processes: each cell's source is exec'd with the build's parameters and
every displayed value is rendered the way Jupyter would (``_repr_html_``, figures to PNG). Runs
are interleaved (build --force, the same build again with nothing changed, fresh-kernel build,
floor, …) so the ratios share the machine's noise. Prints wall times, per-section times and the
ratios against the targets of issue #11; never asserts. A second floor imports the libraries in
each worker first and freezes them out of the collector's reach (``gc.freeze``), as the build's
fork server does: the build against the best plain Python can do.

    python benchmarks/bench_build.py [--runs 3] [--copies 8]

Two more kinds start from an **empty machine cache** (a new ``WXNB_CACHE_DIR`` each run: the
month's dataset, the event summaries, the loaded files, the pages, the fonts, the imports memo
are all made again, as on a machine's first build): a ``--force`` build, and the plain floor on
its own empty cache (the notebooks' loaders then validate and load the month themselves). Their
ratio is the cold build against the cold floor.

``--copies N`` builds a report of N copies of each section notebook (``--notebooks`` of a temp
folder), to see how the fixed per-build costs amortise over a report of many sections.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _show(value: object) -> None:
    from matplotlib.figure import Figure

    if isinstance(value, Figure):
        value.savefig(io.BytesIO(), format="png", dpi=110, bbox_inches="tight")
    elif hasattr(value, "_repr_html_"):
        value._repr_html_()


def run_section_plain(path: str, params: dict) -> float:
    """Execute one notebook's code cells as plain Python; return seconds."""
    t0 = time.perf_counter()
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    ns: dict = {"__name__": "__main__"}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        if "parameters" in cell["metadata"].get("tags", []):
            ns.update(params)
            continue
        tree = ast.parse(src)
        last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        if last is not None:
            tree.body = tree.body[:-1]
        exec(compile(tree, path, "exec"), ns)  # noqa: S102
        if last is not None:
            _show(eval(compile(ast.Expression(last.value), path, "eval"), ns))  # noqa: S307
    return time.perf_counter() - t0


def _import_and_freeze() -> None:
    """A frozen floor's worker: the libraries and the kit first (what the build's fork server
    imports), then ``gc.freeze()`` as the fork server does, so no collection walks them."""
    import gc

    from wxnb.build.runner import WARM_IMPORTS

    exec(compile(WARM_IMPORTS, "<warm imports>", "exec"), {})  # noqa: S102
    gc.collect()
    gc.freeze()


@contextmanager
def _empty_cache(on: bool) -> Iterator[None]:
    """A new, empty machine cache for the run (``WXNB_CACHE_DIR``) when ``on``."""
    if not on:
        yield
        return
    old = os.environ.get("WXNB_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="wxnb-cold-cache-") as tmp:
        os.environ["WXNB_CACHE_DIR"] = tmp
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("WXNB_CACHE_DIR", None)
            else:
                os.environ["WXNB_CACHE_DIR"] = old


def floor(workers: int, nb_dir: Path, *, frozen: bool = False) -> tuple[float, dict[str, float]]:
    from wxnb.params import load_params
    from wxnb.build.runner import discover_sections

    # What wxnb build passes: the notebooks resolve the layers themselves (from_namespace).
    p = load_params()
    scratch = tempfile.mkdtemp(prefix="wxnb-floor-")
    params = {"account": p.account, "month": p.month,
              "overrides": {"output_dir": scratch, "event_workers": workers}}
    sections = discover_sections(nb_dir)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers, initializer=_import_and_freeze if frozen else None) as pool:
        times = list(pool.map(run_section_plain, [str(s.path) for s in sections],
                              [params] * len(sections)))
    return time.perf_counter() - t0, {s.key: t for s, t in zip(sections, times, strict=True)}


def build(engine: str, workers: int, out: Path, nb_dir: Path,
          *, force: bool = True) -> tuple[float, dict[str, float]]:
    cmd = [sys.executable, "-m", "wxnb", "build", "--engine", engine,
           "--workers", str(workers), "--out", str(out), "--notebooks", str(nb_dir)]
    cmd += ["--force"] if force else []
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
    wall = time.perf_counter() - t0
    manifest = json.loads(next(out.glob("*/*/run.json")).read_text(encoding="utf-8"))
    return wall, {s["key"]: s["seconds"] for s in manifest["sections"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--copies", type=int, default=1)
    args = ap.parse_args()
    # The package's bytecode, as a user's machine has it after its first build (Python writes
    # it on import; where PYTHONDONTWRITEBYTECODE forbids that, every process would compile
    # wxnb from source). The build and the floor import the same modules.
    import compileall

    compileall.compile_dir(str(ROOT / "wxnb"), quiet=1)
    from wxnb.paths import NOTEBOOKS
    from wxnb.build.runner import discover_sections

    tmp_nb = tempfile.TemporaryDirectory()
    nb_dir = NOTEBOOKS
    if args.copies > 1:
        nb_dir = Path(tmp_nb.name)
        for i in range(args.copies):
            for s in discover_sections():
                shutil.copy(s.path, nb_dir / f"{i * 10 + int(s.key[:2]):02d}_{s.key[3:]}.ipynb")
    n_sections = len(discover_sections(nb_dir))
    workers = max(1, min(os.cpu_count() or 1, n_sections))
    results: dict[str, list[float]] = {"inprocess": [], "rebuild": [], "warm": [],
                                       "fresh": [], "floor": [], "frozen": [],
                                       "cold": [], "coldfloor": []}
    per_section: dict[str, dict[str, list[float]]] = {k: {} for k in results}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            for kind in results:
                with _empty_cache(kind in ("cold", "coldfloor")):
                    if kind in ("floor", "frozen", "coldfloor"):
                        wall, secs = floor(workers, nb_dir, frozen=kind == "frozen")
                    elif kind == "rebuild":  # nothing changed since the build just before
                        wall, _ = build("inprocess", workers, Path(tmp) / f"inprocess{i}",
                                        nb_dir, force=False)
                        secs = {}
                    else:
                        engine = "inprocess" if kind == "cold" else kind
                        wall, secs = build(engine, workers, Path(tmp) / f"{kind}{i}", nb_dir)
                results[kind].append(wall)
                for key, s in secs.items():
                    per_section[kind].setdefault(key, []).append(s)
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"sections: {n_sections}, workers: {workers}, runs: {args.runs} (interleaved)")
    print(f"{'pipeline':<38}{'median s':>10}{'min–max':>16}{'× floor':>9}")
    labels = {"inprocess": "wxnb build --force (the default)",
              "rebuild": "wxnb build, nothing changed",
              "warm": "wxnb build --force --engine warm",
              "fresh": "wxnb build --engine fresh (papermill)", "floor": "floor: plain Python",
              "frozen": "floor, imports first and gc.freeze",
              "cold": "--force build, empty machine cache", "coldfloor": "floor, empty machine cache"}
    for k, v in results.items():
        print(f"{labels[k]:<38}{med[k]:>10.2f}{f'{min(v):.2f}–{max(v):.2f}':>16}"
              f"{med[k] / med['floor']:>9.2f}")
    print(f"rebuild with nothing changed / --force build: {med['rebuild'] / med['inprocess']:.3f}"
          "  (target ≤ 0.05)")
    print(f"--force build / plain papermill in parallel (fresh): "
          f"{med['inprocess'] / med['fresh']:.2f}"
          "  (target ≤ 0.4)")
    print(f"--force build / floor: {med['inprocess'] / med['floor']:.2f}  (target ≤ 1.25)")
    print(f"--force build / floor with the build's gc.freeze: "
          f"{med['inprocess'] / med['frozen']:.2f}")
    print(f"--force build / floor, both on an empty machine cache: "
          f"{med['cold'] / med['coldfloor']:.2f}  (target ≤ 1.25)")
    print("per section (median s):")
    for key in per_section["floor"]:
        row = "  ".join(f"{k} {statistics.median(per_section[k][key]):.2f}" for k in per_section
                        if key in per_section[k])
        print(f"  {key}: {row}")


if __name__ == "__main__":
    main()
