"""The in-process papermill engine (wxnb.build.inprocess): the outputs a kernel would send.

Each test runs papermill in a child process (the engine installs an IPython shell and the inline
matplotlib backend in its process, which must not leak into the test process). One test runs the
same notebook on a real Jupyter kernel and compares the outputs' shapes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

RUN = r"""
import json, sys
sys.modules.setdefault("rfc3987_syntax", None)
import papermill as pm
from papermill.engines import papermill_engines
from wxnb.build import inprocess, runner

engine, src, out, cwd, timeout = sys.argv[1:6]
params = json.loads(sys.argv[6])
if len(sys.argv) > 7:  # as in a build's worker: pyplot imported before the shell exists
    import matplotlib.pyplot
if engine == "inprocess":
    inprocess.shell()
    inprocess.InProcessEngine.cwd = cwd
    papermill_engines.register("wxnb-inprocess", inprocess.InProcessEngine)
    name = "wxnb-inprocess"
else:
    runner.ensure_kernelspec()
    name = None
for path, target in zip(src.split(","), out.split(",")):
    try:
        pm.execute_notebook(path, target, parameters=params, kernel_name=runner.KERNEL_NAME,
                            engine_name=name, progress_bar=False,
                            execution_timeout=float(timeout) or None,
                            request_save_on_cell_execute=False, cwd=cwd)
    except pm.PapermillExecutionError as exc:
        print(json.dumps({"ename": exc.ename, "evalue": exc.evalue, "cell": exc.cell_index}))
"""

CELLS = [
    new_markdown_cell("# 标题"),
    new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
    new_code_cell("import os, warnings\nprint('一', x)\nprint('二')\n"
                  "warnings.warn('注意')\nos.getcwd()"),
    new_code_cell("from IPython.display import HTML, display\n"
                  "display(HTML('<b>粗</b>'))\nprint('后')\n"
                  "import pandas as pd\npd.DataFrame({'a': [1, 2]})"),
    new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nNone"),
    new_code_cell("from matplotlib.figure import Figure\n"
                  "fig = Figure(); fig.add_subplot().plot([3, 1])\nfig"),
    new_code_cell(""),
    new_code_cell("y = x * 2\ny"),
]


def _notebook(path: Path, cells: list) -> Path:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "wxnb", "display_name": "wxnb", "language": "python"}
    nbformat.write(nb, path)
    return path


def _run(engine: str, sources: list[Path], tmp_path: Path, params: dict | None = None,
         timeout: float = 0, pyplot_first: bool = False
         ) -> tuple[list[nbformat.NotebookNode], list[dict]]:
    outs = [tmp_path / f"{engine}-{i}-{p.name}" for i, p in enumerate(sources)]
    proc = subprocess.run(
        [sys.executable, "-c", RUN, engine, ",".join(map(str, sources)),
         ",".join(map(str, outs)), str(tmp_path), str(timeout), json.dumps(params or {}),
         *(["pyplot-first"] if pyplot_first else [])],
        capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    errors = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return [nbformat.read(o, as_version=4) for o in outs], errors


def _shape(nb: nbformat.NotebookNode) -> list[list[tuple]]:
    """Each code cell's outputs as (type, stream name or sorted mime types)."""
    shape = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        shape.append([(o.output_type, o.get("name") or tuple(sorted(o.get("data", {}))))
                      for o in cell.outputs])
    return shape


@pytest.mark.parametrize("pyplot_first", [False, True], ids=["pyplot-later", "pyplot-first"])
def test_outputs_are_what_a_cell_shows_in_order(tmp_path: Path, pyplot_first: bool) -> None:
    src = _notebook(tmp_path / "nb.ipynb", CELLS)
    (nb,), errors = _run("inprocess", [src], tmp_path, {"x": 5}, pyplot_first=pyplot_first)
    assert errors == []
    code = [c for c in nb.cells if c.cell_type == "code"]
    params_cell, injected, printing, display, pyplot, figure, empty, last = code
    assert "x = 5" in injected.source  # papermill's injected parameters ran
    assert printing.outputs[0].output_type == "stream" and printing.outputs[0].name == "stdout"
    assert printing.outputs[0].text == "一 5\n二\n"
    assert printing.outputs[1].name == "stderr" and "注意" in printing.outputs[1].text
    assert printing.outputs[2].output_type == "execute_result"
    assert printing.outputs[2].data["text/plain"] == repr(str(tmp_path))  # the notebook's cwd
    assert [o.output_type for o in display.outputs] == ["display_data", "stream",
                                                        "execute_result"]
    assert display.outputs[0].data["text/html"] == "<b>粗</b>"
    assert "text/html" in display.outputs[2].data  # a DataFrame's HTML, as a kernel sends it
    assert [o.output_type for o in pyplot.outputs] == ["display_data"]  # the inline backend
    assert "image/png" in pyplot.outputs[0].data
    assert [o.output_type for o in figure.outputs] == ["execute_result"]
    assert "image/png" in figure.outputs[0].data
    assert empty.outputs == [] and empty.execution_count is None
    assert last.outputs[0].data["text/plain"] == "10"
    counts = [c.execution_count for c in code if c.source.strip()]
    assert counts == list(range(1, len(counts) + 1))
    assert nb.metadata.language_info.name == "python"
    assert all(c.metadata.papermill.status == "completed" for c in nb.cells)


def test_a_failing_cell_stops_the_notebook_like_papermill(tmp_path: Path) -> None:
    cells = [new_code_cell("a = 1"), new_code_cell("print('前')\n1 / 0"),
             new_code_cell("never = True")]
    src = _notebook(tmp_path / "bad.ipynb", cells)
    (nb,), errors = _run("inprocess", [src], tmp_path)
    assert errors == [{"ename": "ZeroDivisionError", "evalue": "division by zero", "cell": 1}]
    code = [c for c in nb.cells if c.cell_type == "code"]  # papermill adds error banners
    failed, after = code[1], code[2]
    assert [o.output_type for o in failed.outputs] == ["stream", "error"]
    assert any("ZeroDivisionError" in line for line in failed.outputs[1].traceback)
    assert failed.metadata.papermill.status == "failed"
    assert after.outputs == [] and after.metadata.papermill.status == "pending"


def test_notebooks_in_one_process_do_not_see_each_other(tmp_path: Path) -> None:
    first = _notebook(tmp_path / "a.ipynb", [new_code_cell("secret = 41\nsecret")])
    second = _notebook(tmp_path / "b.ipynb", [new_code_cell("'secret' in dir()"),
                                               new_code_cell("len(In)"),
                                               new_code_cell("[n for n in ('_1', '_', 'Out') "
                                                             "if 41 in [globals().get(n)] + "
                                                             "list(Out.values())]")])
    (a, b), errors = _run("inprocess", [first, second], tmp_path)
    assert errors == []
    assert a.cells[0].outputs[0].data["text/plain"] == "41"
    assert b.cells[0].outputs[0].data["text/plain"] == "False"
    assert b.cells[0].execution_count == 1  # a new session: counting starts again
    assert b.cells[1].outputs[0].data["text/plain"] == "3"  # '' and this notebook's two cells
    assert b.cells[2].outputs[0].data["text/plain"] == "[]"  # the first one's results are gone


def test_a_cell_over_the_time_limit_is_stopped(tmp_path: Path) -> None:
    src = _notebook(tmp_path / "slow.ipynb", [new_code_cell("import time\ntime.sleep(30)")])
    (nb,), errors = _run("inprocess", [src], tmp_path, timeout=1)
    assert errors and errors[0]["ename"] == "TimeoutError"


def test_system_exit_is_an_error_output(tmp_path: Path) -> None:
    src = _notebook(tmp_path / "exit.ipynb", [new_code_cell("raise SystemExit('停止')"),
                                               new_code_cell("after = 1")])
    (nb,), errors = _run("inprocess", [src], tmp_path)
    assert errors == [{"ename": "SystemExit", "evalue": "停止", "cell": 0}]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.metadata.papermill.status for c in code] == ["failed", "pending"]


@pytest.mark.e2e
def test_same_outputs_as_a_jupyter_kernel(tmp_path: Path) -> None:
    src = _notebook(tmp_path / "nb.ipynb", CELLS)
    (ours,), _ = _run("inprocess", [src], tmp_path, {"x": 5})
    (kernel,), _ = _run("fresh", [src], tmp_path, {"x": 5})
    assert _shape(ours) == _shape(kernel)
    for a, b in zip(ours.cells, kernel.cells, strict=True):
        if a.cell_type == "code":
            assert a.execution_count == b.execution_count
            assert [_text(o) for o in a.outputs] == [_text(o) for o in b.outputs]


def _text(output: nbformat.NotebookNode) -> str | None:
    """What an output says, less what differs by design: a warning names the cell's code
    file (``<ipython-input-…>`` here, ``/tmp/ipykernel_…/….py`` in a kernel)."""
    if output.output_type == "stream":
        return output.text if output.name == "stdout" else output.text.split(":", 2)[-1]
    if output.output_type == "execute_result":
        return output.data.get("text/plain")
    return None
