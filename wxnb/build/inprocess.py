"""A papermill engine that runs a notebook's cells in this process's IPython shell.

A Jupyter kernel is a second process per worker: it starts (≈0.65 s), imports pandas, seaborn
and wxnb again, and every output crosses ZeroMQ. The build's worker processes already hold those
imports, so this engine executes each code cell with IPython's own ``InteractiveShell`` in the
worker itself and records what a kernel would have sent as nbformat outputs, in order:

- ``stream``: what the cell prints on stdout and stderr (warnings included);
- ``display_data``: ``display(...)``, and figures flushed by the inline backend;
- ``execute_result``: the cell's last expression, formatted by the shell's display formatter
  (the same mime bundle a kernel sends: text/html for a Styler, image/png for a Figure);
- ``error``: ename, evalue and the traceback lines, as ipykernel reports them.

papermill does the rest as with any engine (parameters, cell metadata, the error cell and
``PapermillExecutionError``): see ``papermill.engines.Engine``. Sections stay isolated as in a
reused kernel: the namespace, ``In``/``Out`` and the execution count are reset before each
notebook and open figures are closed. A cell running longer than ``execution_timeout`` is
interrupted (SIGALRM) and reported as a ``TimeoutError`` in that cell.
"""

from __future__ import annotations

import builtins
import io
import os
import signal
import sys
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from nbformat.v4 import new_output
from papermill.engines import Engine

__all__ = ["InProcessEngine", "shell"]

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


class _Stream(io.TextIOBase):
    """sys.stdout / sys.stderr during a cell: consecutive writes become one stream output."""

    def __init__(self, name: str, outputs: list[Any]) -> None:
        self.name, self._outputs = name, outputs

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            last = self._outputs[-1] if self._outputs else None
            if last is not None and last.output_type == "stream" and last.name == self.name:
                last.text += text
            else:
                self._outputs.append(new_output("stream", name=self.name, text=text))
        return len(text)


class _Publisher(DisplayPublisher):
    """``display(...)``: one display_data output."""

    def publish(self, data: dict[str, Any], metadata: dict[str, Any] | None = None,
                source: Any = None, *, transient: Any = None, update: bool = False) -> None:
        _Shell.current.append(new_output("display_data", data=data, metadata=metadata or {}))

    def clear_output(self, wait: bool = False) -> None:
        _Shell.current.clear()


class _Hook(DisplayHook):
    """The cell's last expression: one execute_result output (no prompt, nothing printed)."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict: dict[str, Any],
                          md_dict: dict[str, Any] | None = None) -> None:
        _Shell.current.append(new_output("execute_result", data=format_dict,
                                         metadata=md_dict or {},
                                         execution_count=self.shell.execution_count))

    def finish_displayhook(self) -> None:
        self._is_active = False

    def flush(self) -> None:
        """Forget the output history (``_``, ``_1`` …, ``Out``) as IPython's flush does when the
        namespace is reset, less its ``gc.collect()`` (≈0.1 s before every section): the last
        section's cyclic garbage is left to the collector's own schedule."""
        for n in range(1, self.prompt_count + 1):
            self.shell.user_ns_hidden.pop(f"_{n}", None)
            self.shell.user_ns.pop(f"_{n}", None)
        out = self.shell.user_ns.get("_oh")
        if out is not None:
            out.clear()
        self._, self.__, self.___ = "", "", ""
        if "_" not in builtins.__dict__:  # gettext's _ stays untouched
            self.shell.user_ns.update({"_": "", "__": "", "___": ""})


class _Shell(InteractiveShell):
    """IPython's shell with its outputs recorded instead of printed."""

    current: list[Any] = []  # the outputs of the cell being run
    displayhook_class = _Hook
    display_pub_class = _Publisher

    def _showtraceback(self, etype: Any, evalue: Any, stb: list[str]) -> None:
        _Shell.current.append(new_output(
            "error", ename=getattr(etype, "__name__", str(etype)), evalue=str(evalue),
            traceback=list(stb)))

    def enable_gui(self, gui: str | None = None) -> None:
        """The inline backend draws no window, so it needs no GUI event loop."""
        if gui not in (None, "inline"):
            raise NotImplementedError(f"构建中的章节不能使用 GUI 后端：{gui}")

    def init_history(self) -> None:  # no SQLite history file: cells are not a session to keep
        from IPython.core.history import HistoryManager

        self.history_manager = HistoryManager(shell=self, parent=self, enabled=False)
        self.configurables.append(self.history_manager)


def shell() -> InteractiveShell:
    """This process's shell, made once (matplotlib figures go through the inline backend, as
    in a kernel)."""
    if _Shell.initialized():
        return _Shell.instance()
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    sh = _Shell.instance(colors="nocolor")
    if "matplotlib.pyplot" in sys.modules:  # imported before: switch it to the inline backend
        sh.enable_matplotlib("inline")
    return sh


def _timeout(signum: int, frame: Any) -> None:
    raise TimeoutError("单元格执行超时")


def run_cell(sh: InteractiveShell, source: str, timeout: float | None = None) -> list[Any]:
    """Run one cell's source; return its outputs (an error output if it raised)."""
    outputs: list[Any] = []
    _Shell.current = outputs
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream("stdout", outputs), _Stream("stderr", outputs)
    alarm = timeout is not None and timeout > 0
    if alarm:
        previous = signal.signal(signal.SIGALRM, _timeout)
        signal.setitimer(signal.ITIMER_REAL, float(timeout))  # type: ignore[arg-type]
    try:
        sh.run_cell(source, store_history=True)
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        sys.stdout, sys.stderr = saved
        _Shell.current = []
    return outputs


def reset(cwd: str) -> None:
    """Before each notebook: an empty namespace and history, no open figures, its folder."""
    sh = shell()
    sh.reset(new_session=True)
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    os.chdir(cwd)


class InProcessEngine(Engine):
    """papermill's engine protocol over :func:`run_cell`: every cell is started, run and
    completed through papermill's execution manager; the first cell that fails stops the
    notebook, as papermill's own engine does."""

    cwd: str = "."

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
        reset(cls.cwd)
        sh = shell()
        nb_man.nb.metadata["language_info"] = {
            "name": "python", "version": sys.version.split()[0], "mimetype": "text/x-python",
            "file_extension": ".py", "codemirror_mode": {"name": "ipython", "version": 3},
            "pygments_lexer": "ipython3", "nbconvert_exporter": "python"}
        timeout = kwargs.get("execution_timeout")
        for index, cell in enumerate(nb_man.nb.cells):
            nb_man.cell_start(cell, index)
            error = None
            try:
                if cell.cell_type == "code" and cell.source.strip():
                    count = sh.execution_count
                    cell.outputs = run_cell(sh, cell.source, timeout)
                    cell.execution_count = count
                    error = next((o for o in cell.outputs if o.output_type == "error"), None)
                    if error is not None:
                        nb_man.cell_exception(cell, cell_index=index,
                                              exception=RuntimeError(error.evalue))
            finally:
                nb_man.cell_complete(cell, cell_index=index)
            if error is not None:
                break
        return nb_man.nb
