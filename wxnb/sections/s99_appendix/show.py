"""Section 99 附录, what shows it: the dictionary, provenance, parameters and versions tables.

All HTML goes through ``wxnb.kit.fmt``, so file names and values are escaped. Parameter values
are masked (``params.masked()``, then ``mask_secrets``) before they are shown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb import paths
from wxnb.kit import fmt
from wxnb.params import ReportParams
from wxnb.secrets import MASK, mask_secrets
from wxnb.sections.s99_appendix.compute import (
    metric_dictionary,
    provenance,
    provenance_summary,
    versions,
)
from wxnb.sections.s99_appendix.words import _describe, provenance_notes

__all__ = [
    "MASK",
    "dictionary_html",
    "mask_secrets",
    "parameters_html",
    "provenance_html",
    "versions_html",
]

UNSET = "未设置"


def dictionary_html() -> fmt.HtmlBlock:
    """Return the metric dictionary as a table: 指标 | 定义 | 分子 | 分母 | 数据来源 | 口径说明."""
    rows = [[e["name"], e["definition"], e["numerator"], e["denominator"], e["source"],
             e["caliber"]] for e in metric_dictionary()]
    return fmt.table(rows, ["指标", "定义", "分子", "分母", "数据来源", "口径说明"],
                     wrap=(1, 2, 3, 4, 5),
                     caption="指标口径与 wxnb/metrics.py 的计算一致；数据来源为微信数据统计接口及字段")


# --------------------------------------------------------------------------- provenance


def provenance_html(
    data_dir: Path, month: str, *, prev_dir: Path | None = None
) -> fmt.HtmlBlock:
    """Return the provenance: one row per month and input (files, rows, dates, bytes), then, in a
    collapsible block, every file with its SHA-256 (shortened to 12 hex digits), and notes.

    Parameters are those of ``provenance``; folders that do not exist are named in a note.
    """
    frame = provenance(data_dir, month, prev_dir=prev_dir)
    groups = [[
        g["月份"], g["接口"], fmt.fmt_int(g["文件数"]),
        "部分无法读取" if g["行数"] is None else fmt.fmt_int(g["行数"]),
        g["日期范围"], fmt.fmt_int(g["字节数"]),
        "见下方逐个文件" if g["SHA-256"] is None else g["SHA-256"][:12] or "—",
    ] for g in provenance_summary(frame)]
    summary = fmt.table(
        groups, ["月份", "输入", "文件数", "行数", "日期范围", "字节数", "SHA-256（前 12 位）"],
        numeric=(2, 3, 5), wrap=(1,),
        caption="输入文件只读打开、未作任何修改；行数为 list 的记录数（图文群发总数据为 details 行数）",
    )
    rows = [
        [r["月份"], r["文件"], r["接口"], "无法读取" if pd.isna(r["行数"]) else fmt.fmt_int(r["行数"]),
         r["日期范围"], fmt.fmt_int(r["字节数"]), r["SHA-256"][:12] or "—", r["说明"] or "—"]
        for _, r in frame.iterrows()
    ]
    files = fmt.table(
        rows, ["月份", "文件", "接口", "行数", "日期范围", "字节数", "SHA-256（前 12 位）", "说明"],
        numeric=(3, 5),
        wrap=(1, 7),
    )
    markup = summary.markup
    if rows:
        markup += (f'<details class="wx-files"><summary>逐个文件及其 SHA-256（{fmt.fmt_int(len(rows))} 个文件）'
                   f"</summary>{files.markup}</details>")
    notes = provenance_notes(frame, data_dir, prev_dir)
    if not notes:
        return fmt.HtmlBlock(markup)
    return fmt.HtmlBlock(markup + fmt.notes(notes, title="文件说明").markup)


# --------------------------------------------------------------------------- parameters


def _shown(value: Any) -> str:
    if value is None:
        return UNSET
    if isinstance(value, str) and value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _folder_text(folder: Path) -> str:
    """A folder as the report shows it: inside the project relative to it, elsewhere only its
    last two names (the report never carries the machine's absolute paths)."""
    folder = Path(folder)
    try:
        return str(folder.resolve().relative_to(paths.PROJECT_ROOT))
    except ValueError:
        tail = folder.parts[-2:]
        return "…/" + "/".join(tail) if len(folder.parts) > 2 else str(folder)


def _default_dir(params: ReportParams, name: str) -> str:
    folder = params.resolved_data_dir() if name == "data_dir" else params.resolved_prev_data_dir()
    return _folder_text(folder)


def parameters_html(params: ReportParams) -> fmt.HtmlBlock:
    """Return every report parameter with the value used: 参数 | 取值 | 说明.

    Values go through ``params.masked()`` and then ``mask_secrets``; None is shown as 未设置;
    an empty data folder parameter shows the default folder that was used.
    """
    values = mask_secrets(params.masked())
    rows = []
    for name, value in values.items():
        shown = _shown(value)
        if name in ("data_dir", "prev_data_dir"):
            shown = (f"（默认）{mask_secrets({'d': _default_dir(params, name)})['d']}"
                     if not value else mask_secrets({"d": _folder_text(Path(value))})["d"])
        elif name == "output_dir" and value:  # set by wxnb build: its staging folder
            shown = "（本次构建的输出目录）"
        elif name in ("rules_file", "commentary_file") and value:
            shown = mask_secrets({"d": _folder_text(Path(value))})["d"]
        rows.append([name, shown, _describe(name)])
    return fmt.table(rows, ["参数", "取值", "说明"], wrap=(1, 2),
                     caption="本次生成所用的全部参数；疑似密钥的值已隐去（***）")


# --------------------------------------------------------------------------- versions


def versions_html() -> fmt.HtmlBlock:
    """Return the versions table: 组件 | 版本."""
    return fmt.table([list(v) for v in versions()], ["组件", "版本"],
                     caption="生成本报告时的运行环境")
