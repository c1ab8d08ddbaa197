"""Write the section notebooks from their cell lists (clean: no outputs, fixed cell ids).

Run `python tools/make_notebooks.py` after changing a section's cells here; edit in JupyterLab
instead if you prefer and keep the notebook clean (tests enforce it). The parameters cell holds
the account, the month (defaults: the bundled sample month) and overrides; the notebook resolves
every other parameter from the YAML layers exactly as ``wxnb build`` does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wxnb.params import load_params  # noqa: E402


def parameters_source() -> str:
    """The parameters cell: the account and month, and overrides over the YAML layers.

    Every other parameter is resolved from ``parameters/`` by ``wxnb.params.from_namespace``
    exactly as ``wxnb build`` resolves it, so a notebook run by hand sees the build's values.
    """
    sample = load_params()
    return "\n".join([
        f"account: str = {sample.account!r}  # 账号标识（parameters/accounts/<account>.yaml）",
        f"month: str = {sample.month!r}  # 报告月份 YYYY-MM（parameters/months/<account>/<month>.yaml）",
        "# 其余参数按 defaults → 账号 → 月份 的分层 YAML 解析，与 wxnb build 一致；",
        "# 在此覆盖，如 {\"target_open_rate\": 0.03}（同 wxnb build --set），"
        "或 papermill -p target_open_rate 0.03",
        "overrides: dict = {}",
    ])


SETUP = """\
from wxnb.kit import charts
from wxnb.kit import findings
from wxnb.kit import fmt
from wxnb.sections.s01_kpi import core as section01
from wxnb.params import from_namespace

charts.apply_theme()
sec = section01.prepare(from_namespace(globals()))"""

SUMMARY_SETUP = """\
from wxnb.kit import findings
from wxnb.kit import fmt
from wxnb.sections.s00_summary import core as summary
from wxnb.params import from_namespace

items = findings.collect(from_namespace(globals()))"""

STRATEGY_SETUP = """\
from wxnb.kit import findings
from wxnb.kit import fmt
from wxnb.sections.s01_kpi import core as section01
from wxnb.sections.s08_strategy import core as strategy
from wxnb.params import from_namespace

p = from_namespace(globals())
recs = strategy.recommendations(findings.collect(p), strategy.load_rules(p.resolved_rules_file()), p)
plan = strategy.pdca(section01.prepare(p, conversion_rate=False), p)"""

# Sections that read the other sections' findings run after them (runner phase 2).
PHASE_2 = {"00_summary", "08_strategy"}

SECTIONS: dict[str, list[tuple[str, str]]] = {
    "00_summary": [
        ("md", "# 00 执行摘要\n\n汇总各章节记录的结论：核心指标红绿灯、最需要关注的发现"
               "（按严重程度与差距排序）和一段话总结。"),
        ("params", ""),
        ("setup", SUMMARY_SETUP),
        ("md", "## 核心指标"),
        ("code", "summary.cards_html(items)"),
        ("md", "## 一段话总结"),
        ("code", "fmt.narrative(summary.paragraph(items))"),
        ("md", "## 重点发现"),
        ("code", "summary.top_html(items)"),
    ],
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
        ("hidden", "findings.record(section01.findings(sec), sec.params, \"01_kpi\")"),
    ],
    "99_appendix": [
        ("md", "# 99 附录\n\n指标字典（定义、分子分母、数据来源与微信口径）、数据来源（每个输入文件的行数、"
               "日期范围与校验和）、本次使用的参数（敏感值已遮盖）和软件版本。"),
        ("params", ""),
        ("setup", "from wxnb import appendix\nfrom wxnb.params import from_namespace\n\n"
                  "p = from_namespace(globals())"),
        ("md", "## 指标字典"),
        ("code", "appendix.dictionary_html()"),
        ("md", "## 数据来源"),
        ("code", "appendix.provenance_html(p.resolved_data_dir(), p.month, "
                 "prev_dir=p.resolved_prev_data_dir())"),
        ("md", "## 本次使用的参数"),
        ("code", "appendix.parameters_html(p)"),
        ("md", "## 软件版本"),
        ("code", "appendix.versions_html()"),
    ],
    "08_strategy": [
        ("md", "# 08 下阶段战略部署建议\n\n基于 PDCA 循环：行动建议由 `parameters/rules.yaml` "
               "中的规则从各章节结论生成（未触发的规则不产生建议），下月目标按趋势预测并保留弹性空间。"),
        ("params", ""),
        ("setup", STRATEGY_SETUP),
        ("md", "## 行动建议"),
        ("code", "strategy.recommendations_html(recs)"),
        ("md", "## 下月目标（PDCA）"),
        ("code", "strategy.pdca_html(plan, p, recs)"),
        ("md", "## 跨部门协作"),
        ("code", "fmt.narrative(strategy.collaboration(recs, p))"),
    ],
}


def module_sections() -> dict[str, tuple[list[tuple[str, str]], tuple[str, ...]]]:
    """Sections whose cells live in their own module (wxnb.build.inputs.MODULES), with inputs."""
    from wxnb.build import inputs as sections

    return {m.SECTION[0]: (m.NOTEBOOK_CELLS, tuple(m.INPUTS)) for m in sections.modules()}


def build(key: str, cells: list[tuple[str, str]],
          inputs: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    nb = new_notebook()
    if key in PHASE_2:
        nb.metadata["wxnb"] = {"phase": 2}
    if inputs:
        nb.metadata["wxnb"] = {"inputs": list(inputs)}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, src) in enumerate(cells):
        if kind == "md":
            cell = new_markdown_cell(src)
        elif kind == "params":
            cell = new_code_cell(parameters_source(), metadata={"tags": ["parameters"]})
        elif kind in ("setup", "hidden"):
            cell = new_code_cell(src, metadata={"tags": ["remove_cell"]})
        else:
            cell = new_code_cell(src)
        cell["id"] = f"{key.replace('_', '-')}-{i:02d}"
        nb.cells.append(cell)
    return nb


def content_hash(nb: dict) -> str:
    """A notebook's content as a person edits it: each cell's type, source and tags."""
    import hashlib
    import json

    cells = []
    for c in nb["cells"]:
        src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        cells.append([c["cell_type"], src, sorted(c.get("metadata", {}).get("tags", []))])
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def declared() -> dict[str, nbformat.NotebookNode]:
    """Every section notebook as its declaration generates it, by key; each records the hash of
    its generated content (``metadata.wxnb.generated``) so an edit made later can be told."""
    specs = {key: (cells, ()) for key, cells in SECTIONS.items()} | module_sections()
    out = {}
    for key, (cells, inputs) in sorted(specs.items()):
        nb = build(key, cells, inputs)
        nb.metadata.setdefault("wxnb", {})["generated"] = content_hash(nb)
        out[key] = nb
    return out


def edited(path: Path) -> bool:
    """True when the notebook on disk was changed after it was generated (in JupyterLab, by
    hand): its content no longer matches the hash recorded when it was written."""
    import json

    if not path.exists():
        return False
    nb = json.loads(path.read_text(encoding="utf-8"))
    recorded = nb.get("metadata", {}).get("wxnb", {}).get("generated")
    return recorded != content_hash(nb)


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Regenerate notebooks/ from the declarations.")
    ap.add_argument("--force", action="store_true",
                    help="overwrite notebooks edited since they were generated (edits are lost)")
    args = ap.parse_args(argv)
    kept = []
    for key, nb in declared().items():
        path = ROOT / "notebooks" / f"{key}.ipynb"
        if edited(path) and not args.force:
            kept.append(path)
            continue
        nbformat.write(nb, path)
        print(path.relative_to(ROOT))
    for path in kept:
        print(f"未覆盖 {path.relative_to(ROOT)}：它在生成后被编辑过。请把改动移入其声明"
              "（tools/make_notebooks.py 或章节模块的 NOTEBOOK_CELLS），或用 --force 覆盖（改动会丢失）。",
              file=sys.stderr)
    return 1 if kept else 0


if __name__ == "__main__":
    sys.exit(main())
