"""Section discovery: titles, phases and input gating read from the notebooks' metadata."""

from __future__ import annotations

import json
from pathlib import Path

from wxnb.cli import _runnable
from wxnb.build import runner
from wxnb.build.runner import discover_sections


def write_nb(folder: Path, name: str, title: str, meta: dict) -> None:
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": [f"# {title}\n", "x"]}],
          "metadata": {"wxnb": meta}, "nbformat": 4, "nbformat_minor": 5}
    (folder / name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def test_discover_reads_title_phase_and_inputs(tmp_path: Path) -> None:
    write_nb(tmp_path, "00_summary.ipynb", "00 执行摘要", {"phase": 2})
    write_nb(tmp_path, "05_x.ipynb", "05 竞品", {"inputs": ["competitor_articles.csv"]})
    write_nb(tmp_path, "notes.ipynb", "not a section", {})
    secs = discover_sections(tmp_path)
    assert [(s.key, s.title, s.phase, s.inputs) for s in secs] == [
        ("00_summary", "00 执行摘要", 2, ()),
        ("05_x", "05 竞品", 1, ("competitor_articles.csv",)),
    ]


def test_a_section_without_its_input_is_skipped_with_a_note(tmp_path: Path) -> None:
    nbs, data = tmp_path / "nb", tmp_path / "data"
    nbs.mkdir()
    data.mkdir()
    write_nb(nbs, "01_kpi.ipynb", "01 核心", {})
    write_nb(nbs, "05_x.ipynb", "05 竞品", {"inputs": ["competitor_articles.csv"]})
    run, notes = _runnable(discover_sections(nbs), data)
    assert [s.key for s in run] == ["01_kpi"]
    assert notes == ["05 竞品 未生成：数据目录中没有 competitor_articles.csv"]
    (data / "competitor_articles.csv").write_text("account\n", encoding="utf-8")
    run, notes = _runnable(discover_sections(nbs), data)
    assert [s.key for s in run] == ["01_kpi", "05_x"] and notes == []


def test_an_input_of_two_alternatives_is_met_by_either_file(tmp_path: Path) -> None:
    nbs, data = tmp_path / "nb", tmp_path / "data"
    nbs.mkdir()
    data.mkdir()
    write_nb(nbs, "15_x.ipynb", "15 画像", {"inputs": ["用户属性*|getuserportrait*"]})
    run, notes = _runnable(discover_sections(nbs), data)
    assert run == [] and notes == ["15 画像 未生成：数据目录中没有 用户属性* 或 getuserportrait*"]
    for name in ("getuserportrait_20261001_20261031.json", "用户属性.xls"):
        for old in data.iterdir():
            old.unlink()
        (data / name).write_text("{}", encoding="utf-8")
        assert [s.key for s in _runnable(discover_sections(nbs), data)[0]] == ["15_x"]


def test_start_order_longest_first_then_event_sections() -> None:
    def sec(key: str, inputs: tuple[str, ...] = ()) -> runner.Section:
        return runner.Section(key, key, Path(f"{key}.ipynb"), 1, inputs)

    a, b, c, d = sec("01"), sec("02", ("events*",)), sec("03"), sec("04", ("events*",))
    # A cold build (no timings): the sections that need the event log first, in their order.
    assert [s.key for s in runner.start_order([a, b, c, d])] == ["02", "04", "01", "03"]
    # The last build's timings decide; sections without one follow, event sections first.
    assert [s.key for s in runner.start_order([a, b, c, d], {"03": 2.0, "01": 5.0})] == [
        "01", "03", "02", "04"]
    assert [s.key for s in runner.start_order([a, b, c, d], {"04": 9.0, "02": 10.0,
                                                              "01": 4.0, "03": 4.5})] == [
        "02", "04", "03", "01"]


def test_start_fork_server_starts_it_in_the_background() -> None:
    import sys
    import threading
    from multiprocessing import forkserver

    if not sys.platform.startswith("linux"):
        return
    runner.start_fork_server()
    for t in threading.enumerate():
        if t.name == "wxnb-fork-server":
            t.join(60)
    pid = forkserver._forkserver._forkserver_pid
    assert pid is not None and runner.pid_alive(pid)


def test_workers_find_the_imports_frozen_out_of_the_collectors_reach() -> None:
    """The fork server freezes what it imported (gc.freeze) before it forks the workers: no
    collection in a section walks those objects again (6 sections: 1.6 s of collections → 0.2 s)."""
    import gc
    import sys
    from concurrent.futures import ProcessPoolExecutor

    if not sys.platform.startswith("linux"):
        return
    with ProcessPoolExecutor(1, mp_context=runner._context()) as pool:
        frozen = pool.submit(gc.get_freeze_count).result(timeout=120)
    assert frozen > 50_000  # pandas, matplotlib, IPython, papermill and the kit


def test_a_new_output_folder_starts_with_the_last_timings_of_the_same_month(
        tmp_path: Path, monkeypatch) -> None:
    from types import SimpleNamespace

    from wxnb import cli
    from wxnb.build.report import SectionResult

    monkeypatch.setenv("WXNB_CACHE_DIR", str(tmp_path / "cache"))
    params = SimpleNamespace(month="2026-10", resolved_data_dir=lambda: tmp_path / "data")
    other = SimpleNamespace(month="2026-09", resolved_data_dir=lambda: tmp_path / "data")
    assert cli._last_seconds(tmp_path / "new", params) == {}
    done = [SectionResult("13_miniprogram", "13", tmp_path / "a", True, seconds=1.62),
            SectionResult("05_competitors", "05", tmp_path / "b", True, seconds=0.31),
            SectionResult("07_risk", "07", tmp_path / "c", False, seconds=0.2)]
    cli._remember_seconds(params, done)
    assert cli._last_seconds(tmp_path / "new", params) == {"13_miniprogram": 1.62,
                                                            "05_competitors": 0.31}
    assert cli._last_seconds(tmp_path / "new", other) == {}  # another month: nothing known
    own = tmp_path / "own"
    own.mkdir()
    (own / "run.json").write_text(json.dumps({"sections": [
        {"key": "05_competitors", "seconds": 2.0, "reused": False}]}), encoding="utf-8")
    assert cli._last_seconds(own, params) == {"05_competitors": 2.0}  # its own build first
