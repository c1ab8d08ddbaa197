"""Execute the section notebooks with papermill in parallel worker processes.

Workers are forked from multiprocessing's fork server once it has imported
``wxnb.build.preload`` (pandas, seaborn, papermill, every section's modules): the imports are paid
once per build, while the main process validates the data. Each worker then runs sections with
one of three engines:

- ``inprocess`` (default): the cells run in the worker's own IPython shell
  (``wxnb.build.inprocess``, a papermill engine); no kernel process, no ZeroMQ.
- ``warm``: the worker owns one Jupyter kernel, started once and reset before each section.
  papermill has no kernel reuse (nteract/papermill#326, #583, #616); the ``wxnb-warm`` engine
  passes the worker's kernel manager to papermill's own notebook client, which only shuts down
  kernels it created.
- ``fresh``: plain papermill, a new kernel per section.

Either way each section starts from an empty namespace. papermill's ``cwd=`` is a process-wide
``os.chdir`` (nteract/papermill#473); kernels get their working directory at start instead
(``cwd=`` of the kernel manager, or nbclient's resources path), the in-process engine changes
into it before each notebook.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wxnb import paths
from wxnb.build.report import SectionResult

__all__ = [
    "KERNEL_NAME",
    "KernelPool",
    "Section",
    "pid_alive",
    "remove_stale_sockets",
    "discover_sections",
    "run_sections",
    "start_fork_server",
    "start_order",
]

logger = logging.getLogger(__name__)

KERNEL_NAME = "wxnb"
WARM_IMPORTS = (
    "import pandas, numpy, seaborn, matplotlib.pyplot\n"
    "import wxnb.io.datacube, wxnb.kit.metrics, wxnb.kit.charts, wxnb.kit.fmt, wxnb.params\n"
    "import wxnb.kit.findings\n"
    "wxnb.kit.charts.font_path()\n"
)


def warm_code() -> str:
    """What a kernel runs once when it starts: the libraries, and every registered section's
    modules (read from the registry), so a section's first cell finds them imported. A module
    that fails to import is left for its section to report (its setup cell raises the error,
    the build names the cell), never taking the worker down."""
    from wxnb.sections import registry

    modules = []
    for spec in registry():
        folder = paths.PROJECT_ROOT.joinpath(*spec.package.split("."))
        modules += [f"{spec.package}.{p.stem}" for p in sorted(folder.glob("*.py"))
                    if p.stem != "__init__"]
    return WARM_IMPORTS + (
        "import importlib as _il\n"
        f"for _m in {modules!r}:\n"
        "    try:\n"
        "        _il.import_module(_m)\n"
        "    except Exception:\n"
        "        pass\n"
        "del _il, _m\n")


RESET = (
    "get_ipython().reset(new_session=True)\n"
    "import os, matplotlib.pyplot as _plt\n"
    "_plt.close('all'); os.chdir({cwd!r}); del os, _plt\n"
)


@dataclass(frozen=True)
class Section:
    """One section notebook: its key (file stem), title (first heading) and path.

    ``phase`` 2 marks a section that reads the other sections' findings (the summary, the
    strategy): it runs once every phase-1 section has finished. Set it in the notebook's
    metadata as ``{"wxnb": {"phase": 2}}``.
    """

    key: str
    title: str
    path: Path
    phase: int = 1
    inputs: tuple[str, ...] = ()  # glob patterns of the files the section needs

    def missing(self, data_dir: Path) -> list[str]:
        """The input patterns that match no file in ``data_dir`` (the section is skipped); the
        event log may also be the month's partition (``wxnb.io.eventlog.event_files``)."""
        from wxnb.io.eventfiles import event_files
        from wxnb.sections.spec import alternatives, present

        return [" 或 ".join(alternatives(p)) for p in self.inputs if not present(data_dir, p)
                and not (p.startswith("events") and event_files(data_dir))]


def _needs_events(section: Section) -> bool:
    """Whether the section needs the month's event log (``events*`` among its inputs)."""
    return any(p.startswith("events") for p in section.inputs)


def start_order(sections: Sequence[Section],
                expected: Mapping[str, float] | None = None) -> list[Section]:
    """The order in which to start one phase's sections: longest expected time first (so the
    workers finish together); then, without a figure, the sections that need the event log
    (their time grows with it), then the others, each group in its given order."""
    expected = expected or {}
    return sorted(sections, key=lambda s: (-expected.get(s.key, 0.0), not _needs_events(s)))


def discover_sections(folder: Path = paths.NOTEBOOKS) -> list[Section]:
    """Return the section notebooks ``NN_*.ipynb`` in order.

    A notebook of a registered section (``wxnb.sections``) takes its title, phase and inputs
    from the section's spec; any other notebook in the folder (one an analyst added) from its
    first heading and its ``metadata.wxnb``.
    """
    import json

    from wxnb.sections import registry

    specs = {s.key: s for s in registry()}
    out = []
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        spec = specs.get(path.stem)
        if spec is not None:
            out.append(Section(spec.key, spec.title, path, spec.phase, spec.inputs))
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        title = path.stem
        for cell in nb["cells"]:
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if cell["cell_type"] == "markdown" and src.startswith("# "):
                title = src.splitlines()[0][2:].strip()
                break
        meta = nb.get("metadata", {}).get("wxnb", {})
        out.append(Section(path.stem, title, path, int(meta.get("phase", 1)),
                           tuple(meta.get("inputs", ()))))
    return out


# --------------------------------------------------------------------------- kernels


#: One BLAS/OpenMP thread per process that runs sections (two of them share two cores): set for
#: kernels, for the in-process workers and, before numpy loads, for their fork server.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def kernel_env() -> dict[str, str]:
    """The environment kernels inherit: no MPLBACKEND (it would drop every figure), one BLAS
    thread per kernel, our kernelspec preferred."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.update(ONE_THREAD, JUPYTER_PREFER_ENV_PATH="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def ensure_kernelspec() -> None:
    """Install the ``wxnb`` kernelspec into this environment, pointing at this interpreter.

    Guarded by a lock file: two builds starting at once must not install it concurrently.
    """
    import fcntl

    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    def current() -> bool:
        try:
            spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        except NoSuchKernel:
            return False
        return bool(spec.argv) and Path(spec.argv[0]).resolve() == Path(sys.executable).resolve()

    if current():
        return
    lock = Path(sys.prefix) / ".wxnb-kernelspec.lock"
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        if not current():
            from ipykernel.kernelspec import install

            install(kernel_name=KERNEL_NAME, display_name="wxnb (Python)", prefix=sys.prefix)


def _quiet_imports() -> None:
    # jupyterlab pulls in jsonschema[format-nongpl] → rfc3987_syntax, which compiles ~35 Lark
    # grammars on import (≈1.9 s per process; jsonschema#1428). Only the iri formats need it, and
    # no notebook schema uses them, so make that optional import fail fast.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.ERROR)


class _Worker:
    """The state of one worker process: its warm kernel manager and client."""

    km: Any = None
    kc: Any = None
    cwd: str = ""
    events: Any = None
    stage: str = ""  # the build's staging folder, removed when the build dies


def _ipc_folder() -> Path:
    import tempfile

    folder = Path(tempfile.gettempdir()) / f"wxnb-kernels-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _ipc_prefix(pid: int | None = None) -> str:
    return str(_ipc_folder() / f"k{pid or os.getpid()}")


def _remove_sockets(pid: int) -> None:
    """Remove the kernel socket and connection files of worker ``pid``."""
    for path in _ipc_folder().glob(f"k{pid}-*"):
        path.unlink(missing_ok=True)


def remove_stale_sockets() -> list[Path]:
    """Remove what killed builds left: kernel socket and connection files of worker processes
    that no longer run, and DuckDB spill folders (``wxnb-duckdb-<pid>-…``) of dead kernels."""
    import tempfile

    removed = []
    for path in _ipc_folder().glob("k*-*"):
        pid = path.name[1:].split("-", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    for path in Path(tempfile.gettempdir()).glob("wxnb-duckdb-*-*"):
        pid = path.name[len("wxnb-duckdb-"):].split("-", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def pid_alive(pid: int) -> bool:
    """True while a process with this pid exists (signal 0 probes without sending)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _release_fork_server() -> None:
    """Close this worker's copy of the fork server's "alive" pipe. multiprocessing hands every
    child the build's end of it (so a child could start processes of its own from the same
    server); while a worker holds it, the server never sees the build die, never exits, and the
    worker never gets its parent-death signal: a killed build would leave both running."""
    try:
        from multiprocessing import forkserver

        server = forkserver._forkserver  # type: ignore[attr-defined]
        if server._forkserver_alive_fd is not None:
            os.close(server._forkserver_alive_fd)
            server._forkserver_alive_fd = None
    except (ImportError, AttributeError, OSError):
        pass


def _die_with(build: int) -> None:
    """Have the kernel send this worker SIGTERM when its parent dies, however it dies (SIGKILL
    included): Linux's parent-death signal. The parent is the build's fork server, which exits
    as soon as the build process is gone. Elsewhere the pool's own shutdown is all there is."""
    _release_fork_server()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1 or not pid_alive(build):  # died before the signal was armed
        _on_terminate(signal.SIGTERM, None)


def _kill_kernel() -> None:
    """Kill this worker's kernel (every process it started, even one still starting) at once,
    wait for them to end, then remove the sockets and connection file they leave."""
    _Worker.km = _Worker.kc = None
    try:
        import psutil

        kids = psutil.Process().children(recursive=True)
        for kid in kids:
            try:
                kid.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(kids, timeout=5)
    except Exception:  # noqa: BLE001 - dying anyway; the sockets are removed all the same
        pass
    # Twice: a kernel start under way in another thread of this worker may write its
    # connection file just after the first pass (anything left is removed by the next build).
    _remove_sockets(os.getpid())
    time.sleep(0.1)
    _remove_sockets(os.getpid())


def _on_terminate(signum: int, frame: Any) -> None:
    """SIGTERM in a worker (the build was stopped or died): kill the kernel, remove the build's
    staging folder so nothing half-built remains, and exit without running more sections.

    The handler runs wherever the worker was interrupted, perhaps inside a lock that the
    cleanup needs: a second SIGTERM is ignored, and SIGALRM's default action ends the process
    after 5 s whatever the cleanup is waiting for."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(5)
    _kill_kernel()
    if _Worker.stage:
        shutil.rmtree(_Worker.stage, ignore_errors=True)
    os._exit(128 + signum)


def _start_kernel() -> None:
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    # IPC sockets: no TCP port race between parallel kernels, no "running over TCP" warning.
    # The connection file sits beside the sockets (k<worker pid>-…), so one glob removes both.
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=_ipc_prefix(),
                            connection_file=f"{_ipc_prefix()}-kernel.json")
    _Worker.km = km  # known before it starts: a SIGTERM during the start still kills it
    run_sync(km.start_kernel)(cwd=_Worker.cwd, env=kernel_env())
    kc = km.client()
    kc.start_channels()
    run_sync(kc.wait_for_ready)(timeout=120)
    _Worker.km, _Worker.kc = km, kc
    _run_code(warm_code())


def _stop_kernel() -> None:
    from jupyter_core.utils import run_sync

    if _Worker.kc is not None:
        _Worker.kc.stop_channels()
    if _Worker.km is not None and _Worker.km.has_kernel:
        run_sync(_Worker.km.shutdown_kernel)(now=True)
    _Worker.km = _Worker.kc = None


def _run_code(code: str) -> None:
    """Run code silently in the worker's kernel; raise if it fails."""
    from jupyter_core.utils import run_sync

    async def run() -> dict[str, Any]:
        msg_id = _Worker.kc.execute(code, silent=True, store_history=False)
        while True:
            reply = await _Worker.kc.get_shell_msg(timeout=300)
            if reply["parent_header"].get("msg_id") == msg_id:
                return dict(reply["content"])

    content = run_sync(run)()
    if content.get("status") != "ok":
        raise RuntimeError(f"kernel: {content.get('ename')}: {content.get('evalue')}")


def _init_worker(engine: str, cwd: str, events: Any, parent: int, stage: str,
                 env: dict[str, str]) -> None:
    # Ctrl-C reaches the whole terminal process group: only the build handles it (one line,
    # exit 130); it stops the workers with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_terminate)
    _Worker.stage = stage
    import psutil  # noqa: F401  (imported before a SIGTERM can need it: no import in a handler)

    _die_with(parent)
    # The build's environment now, not the fork server's (started by an earlier build of this
    # process, perhaps), with one BLAS thread as the fork server set it.
    os.environ.clear()
    os.environ.update(env | ONE_THREAD)
    _quiet_imports()
    _Worker.cwd, _Worker.events = cwd, events
    import papermill  # noqa: F401  (import once per worker, before the first section)
    from papermill.engines import papermill_engines

    papermill_engines.register("wxnb-warm", _warm_engine())
    if engine == "inprocess":
        _start_inprocess()
    elif engine == "warm":
        _start_kernel()
        from multiprocessing import util

        util.Finalize(_Worker, _stop_kernel, exitpriority=10)


def _start_inprocess() -> None:
    """This worker runs its sections itself (wxnb.build.inprocess), with the libraries a warm
    kernel would have (already there when the fork server preloaded them)."""
    from papermill.engines import papermill_engines

    from wxnb.build import inprocess

    inprocess.shell()
    inprocess.InProcessEngine.cwd = _Worker.cwd
    papermill_engines.register("wxnb-inprocess", inprocess.InProcessEngine)
    # The libraries (already there from the fork server); a section's own modules are
    # imported by its first cell, in the worker that runs it.
    exec(compile(WARM_IMPORTS, "<wxnb warm imports>", "exec"), {})  # noqa: S102


def _warm_engine() -> type:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine

    class WarmEngine(NBClientEngine):
        """papermill's nbclient engine on the worker's warm kernel, namespace reset first."""

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
            if _Worker.km is None:
                _start_kernel()
            _run_code(RESET.format(cwd=_Worker.cwd))
            client = PapermillNotebookClient(
                nb_man, km=_Worker.km, kernel_name=kernel_name,
                timeout=kwargs.get("execution_timeout"),
                startup_timeout=kwargs.get("start_timeout", 60),
                log=logging.getLogger("papermill"), log_output=False,
            )
            client.kc = _Worker.kc  # the worker's connected client: no per-section handshake
            return client.execute()

    return WarmEngine


_ENGINES = {"inprocess": "wxnb-inprocess", "warm": "wxnb-warm", "fresh": None}
_RETRYABLE = ("Kernel died", "Kernel didn't respond", "Address already in use", "DeadKernel")


def _execute(section: Section, output: str, parameters: dict[str, Any], engine: str) -> SectionResult:
    """Run one section in this worker (retrying once on a kernel start race)."""
    import papermill as pm

    if _Worker.events is not None:
        _Worker.events.put((section.key, "start"))
    t0 = time.perf_counter()
    for attempt in (1, 2):
        try:
            pm.execute_notebook(
                str(section.path), output, parameters=parameters, kernel_name=KERNEL_NAME,
                engine_name=_ENGINES.get(engine),
                progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                start_timeout=120, execution_timeout=600,
                **({"resources": {"metadata": {"path": _Worker.cwd}}} if engine == "fresh"
                   else {}),
            )
            return SectionResult(section.key, section.title, Path(output), True,
                                 seconds=time.perf_counter() - t0)
        except pm.PapermillExecutionError as exc:
            first = (exc.source or "").strip().splitlines()
            return SectionResult(
                section.key, section.title, Path(output), False,
                seconds=time.perf_counter() - t0, error=f"{exc.ename}: {exc.evalue}",
                cell=f"第 {exc.cell_index} 个单元格（In [{exc.exec_count}]）："
                     f"{first[0] if first else ''}",
            )
        except Exception as exc:  # kernel start races and deaths: retry once on a new kernel
            text = f"{type(exc).__name__}: {exc}"
            if attempt == 1 and any(r in text for r in _RETRYABLE):
                logger.warning("%s: %s; retrying on a new kernel", section.key, text)
                if engine == "warm":
                    _stop_kernel()
                    _start_kernel()
                continue
            return SectionResult(section.key, section.title, Path(output), False,
                                 seconds=time.perf_counter() - t0, error=text)
    raise AssertionError("unreachable")


def _context() -> Any:
    """Where workers come from. On Linux, multiprocessing's fork server with
    ``wxnb.build.preload`` imported once: each worker is forked from it with pandas, matplotlib,
    papermill and the sections' modules already imported (elsewhere, spawn)."""
    if not sys.platform.startswith("linux"):
        return mp.get_context("spawn")
    # A build that stops (or leaves at once) hands the named semaphores of its queues to
    # multiprocessing's resource tracker, which removes them as it should but warns about each
    # on the terminal; the tracker takes its warning filters from these options.
    quiet = "ignore:resource_tracker:UserWarning"
    if quiet not in sys.warnoptions:
        sys.warnoptions.append(quiet)
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["wxnb.build.preload"])
    return ctx


def start_fork_server() -> None:
    """Start the fork server now, in the background, so its imports (≈2.2 s) begin before the
    build has hashed its inputs (``wxnb build --force``, which runs every section); the pool's
    workers are forked from it later. Elsewhere than Linux (spawn) there is nothing to start."""
    ctx = _context()
    if ctx.get_start_method() != "forkserver":
        return
    import threading
    from multiprocessing import forkserver

    threading.Thread(target=forkserver.ensure_running, daemon=True,
                     name="wxnb-fork-server").start()


def _ready() -> int:
    return os.getpid()


class KernelPool:
    """Worker processes, each with a warm kernel, started ahead of the work.

    Entering the pool forks the workers and lets them start and warm their kernels in the
    background, so that cost overlaps the data validation the caller does meanwhile; no
    notebook runs before ``run`` is called.
    """

    def __init__(self, n_sections: int, *, workers: int | None = None,
                 engine: str = "inprocess", stage: Path | None = None) -> None:
        self.n = max(1, min(workers or os.cpu_count() or 1, n_sections))
        self.engine = engine
        self.stage = stage  # removed by the workers if the build dies while they run
        self._ctx = _context()
        self._events: Any = None
        self._pool: ProcessPoolExecutor | None = None
        self._starter: Any = None

    def __enter__(self) -> KernelPool:
        import threading

        ensure_kernelspec()
        remove_stale_sockets()
        self._events = self._ctx.Queue()
        self._pool = ProcessPoolExecutor(
            self.n, mp_context=self._ctx, initializer=_init_worker,
            initargs=(self.engine, str(paths.NOTEBOOKS), self._events, os.getpid(),
                      str(self.stage or ""), dict(os.environ)))
        # A worker's start waits for the fork server's imports: start them in the background,
        # so the caller validates the data meanwhile.
        self._starter = threading.Thread(target=self._start_workers, daemon=True)
        self._starter.start()
        return self

    def _start_workers(self) -> None:
        assert self._pool is not None
        try:
            for _ in range(self.n):
                self._pool.submit(_ready)
        except RuntimeError:  # shut down meanwhile (the build stopped)
            pass

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        if self._pool is None:
            return
        if exc_type is not None and not issubclass(exc_type, SystemExit):
            self.kill()  # interrupted (Ctrl-C, SIGTERM) or failed: no section may go on
        else:
            self._starter.join()
            self._pool.shutdown(wait=True, cancel_futures=True)

    def kill(self) -> None:
        """Stop every worker and its kernel now (SIGTERM, then SIGKILL after 5 s) and remove
        their sockets; queued sections never start."""
        if self._pool is None:
            return
        procs = list((getattr(self._pool, "_processes", None) or {}).values())
        for proc in procs:
            if proc.is_alive():
                os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join(1)
        self._pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            _remove_sockets(proc.pid)

    def run(
        self,
        sections: Sequence[Section],
        parameters: dict[str, Any],
        out_dir: Path,
        on_event: Callable[[str, str, SectionResult | None], None] | None = None,
        expected: Mapping[str, float] | None = None,
    ) -> list[SectionResult]:
        """Execute every section into ``out_dir/<key>.ipynb``; a failure never stops the others.

        Returns the outcomes in section order; ``on_event(key, "start"|"done", outcome)``
        reports progress. ``expected`` (seconds per section, e.g. the last build's) starts the
        longest sections of a phase first, so the workers finish together (longest processing
        time first); sections without a figure come after those with one, the ones that need
        the event log (whose time grows with it) first, the others in their order.
        """
        assert self._pool is not None, "use the pool as a context manager"
        out_dir.mkdir(parents=True, exist_ok=True)
        outcomes: dict[str, SectionResult] = {}
        for phase in sorted({s.phase for s in sections}):
            batch = start_order([s for s in sections if s.phase == phase], expected)
            self._run_phase(batch, parameters, out_dir, on_event, outcomes)
        return [outcomes[s.key] for s in sections]

    def _run_phase(
        self,
        sections: Sequence[Section],
        parameters: dict[str, Any],
        out_dir: Path,
        on_event: Callable[[str, str, SectionResult | None], None] | None,
        outcomes: dict[str, SectionResult],
    ) -> None:
        assert self._pool is not None
        futures: dict[Future[SectionResult], Section] = {
            self._pool.submit(_execute, s, str(out_dir / f"{s.key}.ipynb"), parameters,
                              self.engine): s
            for s in sections
        }
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(self._events, on_event)
            for fut in done:
                sec = futures[fut]
                try:
                    outcome = fut.result()
                except Exception as exc:  # a worker died: the section failed, the rest go on
                    outcome = SectionResult(sec.key, sec.title, out_dir / f"{sec.key}.ipynb",
                                            False, error=f"{type(exc).__name__}: {exc}")
                outcomes[sec.key] = outcome
                if on_event:
                    on_event(sec.key, "done", outcome)


def run_sections(
    sections: Sequence[Section],
    parameters: dict[str, Any],
    out_dir: Path,
    *,
    workers: int | None = None,
    engine: str = "inprocess",
    on_event: Callable[[str, str, SectionResult | None], None] | None = None,
) -> list[SectionResult]:
    """Start a pool, execute every section, stop the pool (see ``KernelPool.run``)."""
    with KernelPool(len(sections), workers=workers, engine=engine) as pool:
        return pool.run(sections, parameters, out_dir, on_event)


def _drain(events: Any, on_event: Callable[..., None] | None) -> None:
    import queue

    while True:
        try:
            key, what = events.get_nowait()
        except queue.Empty:
            return
        if on_event:
            on_event(key, what, None)
