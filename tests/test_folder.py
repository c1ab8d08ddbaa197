"""A month folder: every file is an input wxnb reads, or is named with the reason it is not."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from wxnb import cli, paths
from wxnb.io import folder as month_folder
from wxnb.io.handmade import HANDMADE


def test_known_inputs_are_recognised_and_others_named_with_a_reason(tmp_path: Path) -> None:
    known = ["getusersummary_2026-10-01_2026-10-07.json", "getarticletotal.csv",
             "events.parquet", "events_2026-10.csv", "menu.json", *(f.name for f in HANDMADE)]
    other = {"ContentAnalysis.xls": "Excel", "内容分析.xlsx": "Excel",
             "getsomethingelse_2026-10-01.json": "接口", "notes.txt": "不是 wxnb 读取的文件"}
    for name in [*known, *other, ".DS_Store"]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    found = month_folder.unrecognised(tmp_path)
    assert [n for n, _ in found] == sorted(other)
    for name, why in found:
        assert other[name] in why, (name, why)
    assert month_folder.unrecognised(tmp_path / "absent") == []
    assert month_folder.input_label("orders.csv") == "订单与转化"
    assert month_folder.input_label("events.parquet").startswith("事件日志")


def test_check_names_a_file_it_does_not_read(tmp_path: Path) -> None:
    month = tmp_path / paths.SAMPLE_MONTH
    shutil.copytree(paths.default_data_dir(paths.SAMPLE_ACCOUNT, paths.SAMPLE_MONTH), month)
    (month / "内容分析.xls").write_bytes(b"<table><tr><td>x</td></tr></table>")
    res = CliRunner().invoke(cli.cli, ["check", "--data", str(month)])
    assert res.exit_code == 0, res.output
    assert "未读取 内容分析.xls：Excel 表格" in res.output
