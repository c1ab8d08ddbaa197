"""Write the section notebooks from their cell lists (clean: no outputs, fixed cell ids).

Run `python tools/make_notebooks.py` after changing a section's cells here; edit in JupyterLab
instead if you prefer and keep the notebook clean (tests enforce it). The parameters cell is
generated from wxnb.params.ReportParams and the sample account's resolved parameters, so the
notebook's defaults always point at the bundled sample month.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wxnb.params import ReportParams, load_params  # noqa: E402


def parameters_source() -> str:
    sample = load_params()
    lines = []
    for name, field in ReportParams.model_fields.items():
        ann = field.annotation
        type_name = {str: "str", int: "int", float: "float"}.get(ann)  # type: ignore[arg-type]
        if type_name is None:
            inner = [a for a in getattr(ann, "__args__", ()) if a is not type(None)]
            # papermill's parameter parser reads `name: "Optional[int]" = …`, not `int | None`.
            type_name = f'"Optional[{inner[0].__name__}]"'
        value = getattr(sample, name)
        help_text = field.description or ""
        comment = f"  # {help_text}" if help_text else ""
        lines.append(f"{name}: {type_name} = {value!r}{comment}")
    return "\n".join(lines)


SETUP = """\
from wxnb import charts, fmt, section01
from wxnb.params import from_namespace

charts.apply_theme()
sec = section01.prepare(from_namespace(globals()))"""

SECTIONS: dict[str, list[tuple[str, str]]] = {
    "01_kpi": [
        ("md", "# 01 核心绩效指标达成分析\n\n"
               "三阶对比：月度目标、行业均值、上月（环比）。数据来自公众号数据统计接口"
               "（用户增减、累计用户、图文群发总数据、图文阅读概况）。"),
        ("params", ""),
        ("setup", SETUP),
        ("md", "## 关键指标达成"),
        ("code", "section01.kpi_html(sec)"),
        ("md", "## 结论"),
        ("code", "fmt.narrative(section01.narrative(sec))"),
        ("md", "## 每日粉丝变化"),
        ("code", "charts.follower_trend(sec.daily, sec.anomalies)"),
        ("md", "### 异常日"),
        ("code", "section01.anomaly_html(sec)"),
        ("md", "## 新关注来源"),
        ("code", "charts.follower_sources_bar(sec.sources)"),
        ("code", "section01.sources_html(sec)"),
        ("md", "## 口径与数据说明"),
        ("code", "section01.definitions_html(sec)"),
        ("code", "fmt.notes(section01.data_notes(sec))"),
    ],
}


def build(key: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, src) in enumerate(cells):
        if kind == "md":
            cell = new_markdown_cell(src)
        elif kind == "params":
            cell = new_code_cell(parameters_source(), metadata={"tags": ["parameters"]})
        elif kind == "setup":
            cell = new_code_cell(src, metadata={"tags": ["remove_cell"]})
        else:
            cell = new_code_cell(src)
        cell["id"] = f"{key.replace('_', '-')}-{i:02d}"
        nb.cells.append(cell)
    return nb


def main() -> None:
    for key, cells in SECTIONS.items():
        path = ROOT / "notebooks" / f"{key}.ipynb"
        nbformat.write(build(key, cells), path)
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
