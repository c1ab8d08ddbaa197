"""The notebooks' contract: clean in git, one literal parameters cell matching ReportParams."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from wxnb.params import NOTEBOOK_PARAMETERS, from_namespace, load_params
from wxnb.paths import NOTEBOOKS

ALLOWED_TAGS = {"parameters", "remove_cell", "remove_input", "remove_output", "wx-fold"}
NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def test_there_are_section_notebooks() -> None:
    stems = [p.stem for p in NOTEBOOK_FILES]
    assert stems[0] == "00_summary" and "01_kpi" in stems and "08_strategy" in stems


@pytest.fixture(params=NOTEBOOK_FILES, ids=lambda p: p.stem)
def nb(request: pytest.FixtureRequest) -> dict:
    return json.loads(Path(request.param).read_text(encoding="utf-8"))


def _src(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_committed_without_outputs(nb: dict) -> None:
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
        assert "papermill" not in cell.get("metadata", {})
    assert "papermill" not in nb["metadata"]


def test_exactly_one_parameters_cell_of_literals(nb: dict) -> None:
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1
    for stmt in ast.parse(_src(cells[0])).body:
        assert isinstance(stmt, ast.AnnAssign | ast.Assign), ast.dump(stmt)
        ast.literal_eval(stmt.value)  # raises on anything but a literal


def test_only_known_tags(nb: dict) -> None:
    for cell in nb["cells"]:
        assert set(cell.get("metadata", {}).get("tags", [])) <= ALLOWED_TAGS


def _parameters(nb: dict) -> dict:
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    values = {}
    for stmt in ast.parse(_src(cell)).body:
        target = stmt.target if isinstance(stmt, ast.AnnAssign) else stmt.targets[0]
        values[target.id] = ast.literal_eval(stmt.value)
    return values


def test_parameters_cell_names_the_month_and_resolves_like_the_build(nb: dict) -> None:
    """The cell holds account, month and overrides; with its defaults the notebook resolves
    exactly the parameters ``wxnb build`` uses for the bundled sample month."""
    values = _parameters(nb)
    assert tuple(values) == NOTEBOOK_PARAMETERS
    assert values["overrides"] == {}
    assert from_namespace(values) == load_params()


def test_papermill_sees_the_notebook_parameters() -> None:
    import papermill as pm

    for path in NOTEBOOK_FILES:
        assert tuple(pm.inspect_notebook(str(path))) == NOTEBOOK_PARAMETERS


def test_notebooks_match_their_declarations() -> None:
    """Drift between a section's declared cells and its committed notebook fails here."""
    from wxnb.build import notebooks as mk

    declared = mk.declared()
    assert sorted(declared) == [p.stem for p in NOTEBOOK_FILES]
    for path in NOTEBOOK_FILES:
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert mk.content_hash(nb) == mk.content_hash(declared[path.stem]), path.name
        assert nb["metadata"]["wxnb"] == dict(declared[path.stem].metadata["wxnb"]), path.name


def test_regenerating_never_overwrites_an_analysts_edit(tmp_path: Path, monkeypatch,
                                                        capsys) -> None:
    import shutil

    from click.testing import CliRunner

    from wxnb import paths
    from wxnb.build import notebooks as mk
    from wxnb.cli import cli

    shutil.copytree(NOTEBOOKS, tmp_path / "notebooks")
    monkeypatch.setattr(paths, "NOTEBOOKS", tmp_path / "notebooks")
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path)
    edited = tmp_path / "notebooks" / "01_kpi.ipynb"
    nb = json.loads(edited.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "markdown", "id": "mine", "metadata": {},
                        "source": "分析师的点评"})
    edited.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    pristine = tmp_path / "notebooks" / "03_content.ipynb"
    pristine.write_text(pristine.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert mk.edited(edited) and not mk.edited(pristine)
    run = CliRunner().invoke(cli, ["notebooks"])
    assert run.exit_code == 1
    assert "分析师的点评" in edited.read_text(encoding="utf-8")  # kept
    assert "未覆盖 notebooks/01_kpi.ipynb" in run.stderr
    assert CliRunner().invoke(cli, ["notebooks", "--force"]).exit_code == 0
    assert "分析师的点评" not in edited.read_text(encoding="utf-8")
