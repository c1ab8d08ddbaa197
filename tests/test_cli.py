"""The command line: bad parameters and bad data stop before any notebook runs, clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_month
from wxnb.cli import cli


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.output + (res.stderr if res.stderr_bytes is not None else "")


def test_check_passes_on_the_sample() -> None:
    code, out = run("check")
    assert code == 0 and "校验通过" in out


def test_unknown_parameter_exits_2_with_suggestion() -> None:
    code, out = run("check", "--set", "target_opne_rate=0.03")
    assert code == 2 and "target_opne_rate" in out and "target_open_rate" in out


def test_build_rejects_bad_parameters_before_any_kernel(tmp_path: Path) -> None:
    code, out = run("build", "--set", "anomaly_z=很高", "--out", str(tmp_path))
    assert code == 2 and "anomaly_z" in out
    assert not any(tmp_path.iterdir())  # nothing was executed or written


def test_check_names_the_broken_file(tmp_path: Path) -> None:
    folder = make_month(tmp_path / "acme" / "2026-10")
    bad = sorted(folder.glob("getusersummary_*.json"))[1]
    body = json.loads(bad.read_text(encoding="utf-8"))
    body["list"][0]["new_user"] = -3
    bad.write_text(json.dumps(body), encoding="utf-8")
    code, out = run("check", "--account", "acme", "--data", str(folder))
    assert code == 2
    assert f"{bad.name} list[0] 字段 new_user: 应为 非负数，实际为 -3" in out
    assert "Traceback" not in out


def test_missing_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    code, out = run("check", "--account", "acme", "--data", str(tmp_path / "nope"))
    assert code == 2 and "目录不存在" in out


def test_bad_section_inputs_are_listed_with_the_datacube_problems(tmp_path: Path) -> None:
    """The event log and the section CSVs are validated before any kernel, in the same list
    as the datacube's problems: file, row, field, expected and found, exit code 2."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = make_month(tmp_path / "acme" / "2026-10")
    bad = sorted(folder.glob("getusersummary_*.json"))[1]
    body = json.loads(bad.read_text(encoding="utf-8"))
    body["list"][0]["new_user"] = -3
    bad.write_text(json.dumps(body), encoding="utf-8")
    pq.write_table(pa.table({"time": ["2026-10-02 08:00:00", "2026-10-02 09:00:00"],
                             "follower_id": ["f1", ""], "event": ["article_read", "CLICK"]}),
                   folder / "events.parquet")
    (folder / "orders.csv").write_text("order_id,follower_id,time,amount\n"
                                       "A1,f1,2026-10-02 10:00:00,-5\n", encoding="utf-8")
    (folder / "competitor_articles.csv").write_text(
        "account,publish_date,title,is_headline,reads,zaikan,likes,shares\n"
        "竞品A,2026-13-01,标题,1,100,1,1,1\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    out_dir = tmp_path / "out"
    code, out = run("build", "--account", "acme", "--data", str(folder), "--out", str(out_dir))
    assert code == 2 and "Traceback" not in out
    assert f"{bad.name} list[0] 字段 new_user" in out
    assert "events.parquet 第 2 条记录 字段 follower_id" in out
    assert "orders.csv 第 2 行 字段 amount" in out and "'-5'" in out
    assert "competitor_articles.csv 第 2 行 字段 publish_date" in out
    assert "涉及 4 个文件" in out
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # inputs untouched
    assert not out_dir.exists() or not any(out_dir.rglob("*.ipynb"))  # no section ran


# --------------------------------------------------------------------------- nothing is written


def _data_state() -> dict[str, tuple[int, int]]:
    """Every file under the repository's data/ with its size and mtime (ns)."""
    from wxnb.paths import DATA

    return {str(p.relative_to(DATA)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(DATA.rglob("*")) if p.is_file()}


def _git_status_data() -> str:
    import subprocess

    from wxnb.paths import DATA, PROJECT_ROOT

    res = subprocess.run(["git", "status", "--porcelain", "--", str(DATA)], cwd=PROJECT_ROOT,
                         capture_output=True, text=True)
    return res.stdout if res.returncode == 0 else "(no git)"


def test_check_of_a_month_the_sample_lacks_is_an_error_and_writes_nothing() -> None:
    """It used to regenerate the sample and overwrite the committed 2026-10 (116 files)."""
    before, status = _data_state(), _git_status_data()
    code, out = run("check", "--month", "2026-11")
    assert code == 2 and "Traceback" not in out
    assert "目录不存在" in out and "wxnb sample --month 2026-11" in out
    assert _data_state() == before and _git_status_data() == status


def test_a_missing_month_of_an_own_account_says_where_the_data_go(tmp_path: Path) -> None:
    before = _data_state()
    code, out = run("build", "--account", "acme", "--month", "2026-11", "--out", str(tmp_path))
    assert code == 2 and "data/acme/2026-11" in out and "docs/data-contract.md" in out
    assert _data_state() == before and not any(tmp_path.iterdir()), sorted(map(str, tmp_path.rglob("*")))


def test_set_month_is_refused_not_ignored() -> None:
    code, out = run("check", "--set", "month=2026-09")
    assert code == 2 and "--month" in out


def test_zero_workers_is_refused() -> None:
    code, out = run("build", "--workers", "0")
    assert code == 2 and "--workers" in out


@pytest.mark.parametrize("month", ["２０２６-10", "0000-10", "10000-01", "2026-W40"])
def test_bad_month_arguments_are_clear_errors(month: str) -> None:
    code, out = run("check", "--month", month)
    assert code == 2 and "报告月份" in out and "内部错误" not in out


def test_an_overlong_account_is_a_clear_error() -> None:
    code, out = run("check", "--account", "a" * 300)
    assert code == 2 and "最长 64" in out and "内部错误" not in out


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(month=st.one_of(
    st.builds("{:04d}-{:02d}".format, st.integers(1960, 2110), st.integers(0, 13)),
    st.text(max_size=12)))
def test_check_leaves_data_unchanged_for_any_month(month: str) -> None:
    """Whatever ``--month`` says, ``check`` reads only: data/ is as it was, exit 0 or 2."""
    before, status = _data_state(), _git_status_data()
    code, out = run("check", "--month", month)
    assert code in (0, 2), out
    assert "内部错误" not in out
    assert _data_state() == before and _git_status_data() == status


def test_rules_are_validated_before_any_kernel(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - id: x\n    when: {metric: open_rate}\n"
                   "    recommendation: '{no_such_placeholder}'\n    owner: tech\n",
                   encoding="utf-8")
    code, out = run("build", "--set", f"rules_file={bad}", "--out", str(tmp_path / "out"))
    assert code == 2 and "no_such_placeholder" in out and "内部错误" not in out
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.ipynb"))
    bad.write_bytes("rules: [中文]".encode("gbk"))
    code, out = run("check", "--set", f"rules_file={bad}")
    assert code == 2 and "UTF-8" in out and "内部错误" not in out


def test_check_names_a_broken_previous_month_without_failing(tmp_path: Path) -> None:
    folder = make_month(tmp_path / "acme" / "2026-10")
    prev = make_month(tmp_path / "acme" / "2026-09", month="2026-09")
    bad = sorted(prev.glob("getusersummary_*.json"))[0]
    bad.write_text('{"list": [', encoding="utf-8")
    code, out = run("check", "--account", "acme", "--data", str(folder))
    assert code == 0, out
    assert "上月（2026-09）数据校验未通过" in out and bad.name in out


def test_terminal_shows_bidi_controls_from_texts_as_codes(tmp_path: Path) -> None:
    code, out = run("check", "--set", "account_name=品牌\u202eABC")
    assert code == 0 and "\u202e" not in out and "[U+202E]" in out


def test_a_push_result_that_is_not_json_fails_check_not_the_build(tmp_path: Path) -> None:
    """It passed ``check`` and then failed section 02 in its kernel."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = make_month(tmp_path / "acme" / "2026-10")
    pq.write_table(pa.table({
        "time": ["2026-10-03 20:07:27", "2026-10-04 09:00:00"],
        "follower_id": ["system", "f1"], "event": ["MASSSENDJOBFINISH", "article_read"],
        "key": ["2247483664", "2247483664_1"], "value": ["not json", "1"]}),
        folder / "events.parquet")
    code, out = run("check", "--account", "acme", "--data", str(folder))
    assert code == 2
    assert "events.parquet MASSSENDJOBFINISH 2026-10-03 20:07:27 MsgID=2247483664 字段 value" in out
