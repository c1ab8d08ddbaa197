"""Write the section notebooks from their declarations (``wxnb.sections``): clean, fixed ids.

Each section's ``SPEC.cells`` is the one source of a notebook; ``wxnb notebooks`` writes them.
A notebook edited after it was generated (in JupyterLab) is never overwritten without
``--force``: its content no longer matches the hash recorded when it was written. The parameters
cell holds the account, the month (defaults: the bundled sample month) and overrides; the
notebook resolves every other parameter from the YAML layers exactly as ``wxnb build`` does.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from wxnb import paths
from wxnb.sections import registry
from wxnb.sections.spec import FOLD_TAG, Spec

__all__ = ["content_hash", "declared", "edited", "notebook", "parameters_source", "write_all"]


def parameters_source() -> str:
    """The parameters cell: the account and month, and overrides over the YAML layers.

    Every other parameter is resolved from ``parameters/`` by ``wxnb.params.from_namespace``
    exactly as ``wxnb build`` resolves it, so a notebook run by hand sees the build's values.
    """
    return "\n".join([
        f"account: str = {paths.SAMPLE_ACCOUNT!r}  # 账号标识（parameters/accounts/<account>.yaml）",
        f"month: str = {paths.SAMPLE_MONTH!r}  # 报告月份 YYYY-MM（parameters/months/<account>/<month>.yaml）",
        "# 其余参数按 defaults → 账号 → 月份 的分层 YAML 解析，与 wxnb build 一致；",
        "# 在此覆盖，如 {\"target_open_rate\": 0.03}（同 wxnb build --set），"
        "或 papermill -p target_open_rate 0.03",
        "overrides: dict = {}",
    ])


def notebook(spec: Spec) -> Any:
    """The notebook a spec declares (an ``nbformat`` node), with its content hash recorded."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook()
    meta: dict[str, Any] = {}
    if spec.phase != 1:
        meta["phase"] = spec.phase
    if spec.inputs:
        meta["inputs"] = list(spec.inputs)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, src) in enumerate(spec.notebook_cells):
        if kind == "md":
            cell = new_markdown_cell(src)
        elif kind == "params":
            cell = new_code_cell(parameters_source(), metadata={"tags": ["parameters"]})
        elif kind == "fold":
            cell = new_markdown_cell(f"## {src}", metadata={"tags": [FOLD_TAG]})
        elif kind in ("setup", "hidden"):
            cell = new_code_cell(src, metadata={"tags": ["remove_cell"]})
        else:
            cell = new_code_cell(src)
        cell["id"] = f"{spec.key.replace('_', '-')}-{i:02d}"
        nb.cells.append(cell)
    meta["generated"] = content_hash(nb)
    nb.metadata["wxnb"] = meta
    return nb


def content_hash(nb: dict[str, Any]) -> str:
    """A notebook's content as a person edits it: each cell's type, source and tags."""
    cells = []
    for c in nb["cells"]:
        src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        cells.append([c["cell_type"], src, sorted(c.get("metadata", {}).get("tags", []))])
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def declared() -> dict[str, Any]:
    """Every section notebook as its declaration generates it, by key."""
    return {spec.key: notebook(spec) for spec in registry()}


def edited(path: Path) -> bool:
    """True when the notebook on disk was changed after it was generated (in JupyterLab, by
    hand): its content no longer matches the hash recorded when it was written."""
    if not path.exists():
        return False
    nb = json.loads(path.read_text(encoding="utf-8"))
    recorded = nb.get("metadata", {}).get("wxnb", {}).get("generated")
    return bool(recorded != content_hash(nb))


def write_all(folder: Path | None = None, *, force: bool = False) -> tuple[list[Path], list[Path]]:
    """Write every declared notebook into ``folder`` (default ``notebooks/``); return the paths
    written and those kept because they were edited since generated (unless ``force``)."""
    import nbformat

    folder = folder or paths.NOTEBOOKS
    written, kept = [], []
    for key, nb in declared().items():
        path = folder / f"{key}.ipynb"
        if edited(path) and not force:
            kept.append(path)
            continue
        nbformat.write(nb, path)
        written.append(path)
    return written, kept
