"""What every build worker needs imported, imported once by the build's fork server.

The build's workers are forked from multiprocessing's fork server (``wxnb.build.runner``), which
imports this module before it forks any of them: pandas, seaborn, matplotlib, papermill, the
in-process engine and every registered section's modules are then imported once per build
instead of once per worker (≈2.6 s of CPU each on the 2-core machine), while the main process
validates the data. A module that fails to import is left for its section to report.
"""

from __future__ import annotations

import os
import sys

# One BLAS/OpenMP thread per worker (two workers share two cores), set before numpy loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # see runner.py


def _preload() -> None:
    import importlib

    for name in ("papermill", "papermill.engines", "wxnb.build.inprocess", "wxnb.build.report"):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a worker imports it again and reports the error
            pass
    from wxnb.build.runner import warm_code

    try:
        exec(compile(warm_code(), "<wxnb warm imports>", "exec"), {})  # noqa: S102
    except Exception:  # noqa: BLE001
        pass


_preload()


def _exit_now() -> None:
    """The fork server exits when the build process is gone; it has nothing to write or save,
    so it skips the interpreter's teardown of everything it imported (≈0.5 s, during which it
    still holds the build's stdout: a caller reading the build's output would wait for it)."""
    os._exit(0)


if sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules:  # the server
    import atexit

    atexit.register(_exit_now)
