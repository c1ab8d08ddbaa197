"""What every build worker needs imported, imported once by the build's fork server.

The build's workers are forked from multiprocessing's fork server (``wxnb.build.runner``), which
imports this module before it forks any of them: pandas, seaborn, matplotlib, papermill, the
in-process engine and the shared kit are then imported once per build instead of once per
worker (≈1.5 s of CPU each on the 2-core machine), while the main process validates the data.
A section's own modules are not (≈0.15 s for all ten, on the path to the first section): the
worker that runs a section imports them, the two workers in parallel. A module that fails to
import is left for its section to report.
"""

from __future__ import annotations

import os
import sys

from wxnb.build.runner import ONE_THREAD, WARM_IMPORTS  # stdlib only: numpy is not loaded yet

_SERVER = sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules
if _SERVER:
    # Ctrl-C reaches the terminal's whole process group, the fork server included; the build
    # handles it (one line, exit 130) and the server exits when the build is gone. The server
    # ignores SIGINT once it serves, but not while it imports this module: without this, a
    # Ctrl-C during these imports printed its KeyboardInterrupt traceback under the build's line.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
os.environ.update(ONE_THREAD)
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # see runner.py


def _preload() -> None:
    try:
        import wxnb.build.inprocess  # noqa: F401  (papermill's engines and IPython)
    except Exception:  # noqa: BLE001 - a worker imports it again and reports the error
        pass
    try:
        exec(compile(WARM_IMPORTS, "<wxnb warm imports>", "exec"), {})  # noqa: S102
    except Exception:  # noqa: BLE001
        pass


_preload()
if _SERVER:
    # Every worker is forked from here: what was imported goes to the collector's permanent
    # generation, so no collection in a worker walks (and, by touching their headers, copies)
    # the hundreds of thousands of objects the imports made (Python's gc.freeze, for forks).
    import gc

    gc.collect()
    gc.freeze()


def _exit_now() -> None:
    """The fork server exits when the build process is gone; it has nothing to write or save,
    so it skips the interpreter's teardown of everything it imported (≈0.5 s, during which it
    still holds the build's stdout: a caller reading the build's output would wait for it)."""
    os._exit(0)


if _SERVER:
    import atexit

    atexit.register(_exit_now)
