"""wxnb.build.inputs.validate: the sections' own inputs checked before any kernel, with the event
log's coverage row and notes for the cover."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from wxnb.build import inputs as sections
from wxnb.exceptions import DataValidationError


def write_log(folder: Path, rows: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "events.csv").write_text("time,follower_id,event,key,value\n" + "\n".join(rows)
                                       + "\n", encoding="utf-8")


def test_event_log_coverage_and_notes(tmp_path: Path) -> None:
    write_log(tmp_path, ["2026-10-01 08:00:00,f1,article_read,1_1,公众号消息",
                         "2026-10-03 09:00:00,f2,CLICK,K,",
                         "2026-10-03 09:30:00,f2,user_get_card,,",  # unknown: counted
                         "2026-11-01 00:10:00,f3,article_read,1_1,公众号消息"])  # next month
    coverage, notes = sections.validate(tmp_path, "2026-10")
    assert coverage == [{"数据": "粉丝事件日志（events）", "文件数": 1, "行数": 2,
                         "覆盖天数": "2/31", "状态": "缺 29 天"}]
    text = " ".join(notes)
    assert "1 行为未知事件类型（user_get_card 1 行）" in text and "1 行的时间不在 2026-10 内" in text


def test_no_section_inputs_nothing_to_say(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    assert sections.validate(tmp_path, "2026-10") == ([], [])


def test_every_problem_of_every_input_together(tmp_path: Path) -> None:
    write_log(tmp_path, ["2026-10-01 08:00:00,,article_read,1_1,公众号消息"])
    (tmp_path / "content_plan.csv").write_text("msgid,date,title,content_type,cost\n"
                                               "x_1,,,品牌故事,100\n", encoding="utf-8")
    (tmp_path / "menu.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataValidationError) as exc:
        sections.validate(tmp_path, "2026-10")
    files = {p.file for p in exc.value.problems}
    assert {"events.csv", "content_plan.csv", "menu.json"} <= files


def prepare_every_section(params: object, before: Callable[[str], object] = lambda _k: None
                          ) -> list[str]:
    """Run the compute ``prepare`` of every section that has one (``before(key)`` first); the
    keys' numbers run."""
    import importlib

    from wxnb.sections import registry

    ran = []
    for spec in registry():
        try:
            compute = importlib.import_module(f"{spec.package}.compute")
        except ModuleNotFoundError:
            continue
        if hasattr(compute, "prepare"):
            before(spec.key)
            compute.prepare(params)
            ran.append(spec.key[:2])
    return ran


def test_no_section_reduces_a_log_the_build_has_checked(
        generated_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build's check reduces this month's log to every table and the previous month's to
    those its 环比 reads (eventsummary.FOR_PREVIOUS), before any section runs. Every section then
    reads those summaries: none validates or scans a raw log again (at 50M events that is a
    pass over the log; for the previous month, the one table it was spared)."""
    import json

    from wxnb.io import eventsummary
    from wxnb.params import load_params

    monkeypatch.setenv("WXNB_CACHE_DIR", str(tmp_path / "cache"))
    params = load_params(account="sample", month="2026-10",
                         overrides={"data_dir": str(generated_sample / "2026-10")})
    assert params.resolved_prev_data_dir() == generated_sample / "2026-09"
    sections.check_log(params.resolved_data_dir(), "2026-10")
    sections.check_log(params.resolved_prev_data_dir(), "2026-09",
                       tables=eventsummary.FOR_PREVIOUS)

    def refuse(folder: Path, month: str, **kwargs: object) -> None:
        raise AssertionError(f"a section reduced {month} again")

    monkeypatch.setattr(eventsummary.events, "open_month", refuse)
    ran = prepare_every_section(params)
    assert {"01", "02", "03", "04", "12"} <= set(ran)  # the readers of the event log
    held = {json.loads(m.read_text(encoding="utf-8"))["month"]:
            json.loads(m.read_text(encoding="utf-8"))["tables"]
            for m in (tmp_path / "cache" / "events").glob("*/manifest.json")}
    assert held == {"2026-10": list(eventsummary.TABLES),
                    "2026-09": list(eventsummary.FOR_PREVIOUS)}


def test_each_section_alone_asks_for_every_summary_table_it_reads(
        generated_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A notebook run by hand on a machine with no cache: each section reduces the event
    logs to the tables it names, and a query of a table it did not name fails (DuckDB's
    catalog error), so a missing name fails here, not in an analyst's JupyterLab."""

    from wxnb.params import load_params

    params = load_params(account="sample", month="2026-10",
                         overrides={"data_dir": str(generated_sample / "2026-10")})
    ran = prepare_every_section(params, lambda key: monkeypatch.setenv(
        "WXNB_CACHE_DIR", str(tmp_path / key)))  # nothing cached for any section
    assert {"01", "02", "03", "04", "12"} <= set(ran)
