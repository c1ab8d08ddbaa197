"""The analyst's commentary file: one text per section, checked like any other input."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from wxnb import cli
from wxnb.exceptions import DataValidationError
from wxnb.io.commentary import MAX_CHARS, load_commentary

KEYS = ["00_summary", "01_kpi", "04_fans", "99_appendix"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "2026-10.commentary.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_texts_by_key_or_number(tmp_path: Path) -> None:
    path = write(tmp_path, '01_kpi: |\n  十月净增低于目标。\n  原因是假期。\n"04": 核心粉丝稳定\n'
                           "99_appendix: '  '\n00_summary:\n")
    assert load_commentary(path, KEYS) == {"01_kpi": "十月净增低于目标。\n原因是假期。",
                                           "04_fans": "核心粉丝稳定"}
    assert load_commentary(tmp_path / "absent.yaml", KEYS) == {}
    assert load_commentary(write(tmp_path, "# 只有注释\n"), KEYS) == {}


@pytest.mark.parametrize(("text", "field", "expected"), [
    ("01_kpi: [\n", None, "合法的 YAML"),
    ("- 一条\n", None, "映射"),
    ("05_competitors: 竞品\n", "05_competitors", "01_kpi"),
    ("01_kpi: 12\n", "01_kpi", "一段文字"),
    ("01_kpi: {a: 1}\n", "01_kpi", "一段文字"),
    (f"01_kpi: {'长' * (MAX_CHARS + 1)}\n", "01_kpi", f"不超过 {MAX_CHARS}"),
])
def test_faults_name_the_file_the_section_and_what_was_expected(
        tmp_path: Path, text: str, field: str | None, expected: str) -> None:
    with pytest.raises(DataValidationError) as exc:
        load_commentary(write(tmp_path, text), KEYS)
    problem = exc.value.problems[0]
    assert problem.file == "2026-10.commentary.yaml" and problem.field == field
    assert expected in problem.expected


def test_a_bad_line_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError) as exc:
        load_commentary(write(tmp_path, "01_kpi: 好\n04_fans: [未闭合\n"), KEYS)
    assert exc.value.problems[0].row is not None and "行" in exc.value.problems[0].row


def test_check_reports_a_bad_commentary_file(tmp_path: Path) -> None:
    path = write(tmp_path, "42_nothing: 文字\n")
    res = CliRunner().invoke(cli.cli, ["check", "--set", f"commentary_file={path}"])
    assert res.exit_code == 2
    assert "2026-10.commentary.yaml" in res.output and "42_nothing" in res.output


def test_a_build_checks_the_commentary_against_its_own_sections(tmp_path: Path) -> None:
    """`wxnb build --notebooks DIR` may have a section notebooks/ lacks: its commentary is
    checked against the build's sections, not the default ones."""
    from wxnb.params import load_params

    path = write(tmp_path, "09_extra: 新增章节的点评\n")
    params = load_params(overrides={"commentary_file": str(path)})
    assert cli._commentary(params, ["01_kpi", "09_extra"]) == {"09_extra": "新增章节的点评"}
    with pytest.raises(DataValidationError):
        cli._commentary(params)  # notebooks/ has no 09_extra
