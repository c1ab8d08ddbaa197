"""Section 99 附录, the words: the notes under the provenance and what each parameter means."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wxnb.kit.metrics import KPI_SPECS
from wxnb.params import ReportParams

__all__ = ["provenance_notes"]


def provenance_notes(frame: pd.DataFrame, data_dir: Path,
                     prev_dir: Path | None = None) -> list[str]:
    """The notes under the provenance tables: folders not found, no files, unreadable files."""
    notes = [f"未找到{what}数据目录 {Path(folder).name}"
             for what, folder in (("本月", data_dir), ("上月", prev_dir))
             if folder is not None and not Path(folder).is_dir()]
    if frame.empty and not notes:
        notes.append("数据目录中没有可识别的数据文件")
    unreadable = frame[frame["行数"].isna()]
    notes += [f"{r['文件']}：{r['说明']}" for _, r in unreadable.iterrows()]
    return notes


def _describe(name: str) -> str:
    field = ReportParams.model_fields[name]
    if field.description:
        return field.description
    names = {s.key: s.name for s in KPI_SPECS}
    for prefix, what in (("target_", "月度目标"), ("benchmark_", "行业均值")):
        if name.startswith(prefix) and name[len(prefix):] in names:
            return f"{what}：{names[name[len(prefix):]]}"
    return "行业均值的来源" if name == "benchmark_source" else "—"
