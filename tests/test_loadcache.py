"""wxnb.io.loadcache: a large input is parsed once per month, and a changed file never gets an
earlier file's result."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import companions, loadcache, touch


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WXNB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "loads"


def counting(files: list[Path], result: object = "r"):
    calls = []

    def load() -> object:
        calls.append(1)
        return {"result": result, "seen": [f.read_text() for f in files if f.exists()]}

    return calls, lambda: loadcache.cached("t", ("2026-10",), files, load)


def test_the_second_load_of_unchanged_files_is_the_first_result(tmp_path: Path,
                                                                 cache: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("x\n1\n", encoding="utf-8")
    calls, get = counting([f])
    first, second = get(), get()
    assert first == second == {"result": "r", "seen": ["x\n1\n"]} and len(calls) == 1
    assert len(list(cache.glob("*.pkl"))) == 1
    assert f.read_text(encoding="utf-8") == "x\n1\n"  # the input is never written


def test_a_changed_file_same_size_same_instant_is_loaded_again(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("x\n1\n", encoding="utf-8")
    st = f.stat()
    calls, get = counting([f])
    get()
    f.write_text("x\n2\n", encoding="utf-8")  # same size
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime
    assert get()["seen"] == ["x\n2\n"] and len(calls) == 2


def test_a_file_that_appears_changes_the_key(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("1", encoding="utf-8")
    calls, get = counting([a, b])
    assert get()["seen"] == ["1"]
    b.write_text("2", encoding="utf-8")
    assert get()["seen"] == ["1", "2"] and len(calls) == 2


def test_other_arguments_are_other_results(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("1", encoding="utf-8")
    assert loadcache.cached("t", ("2026-10",), [f], lambda: 10) == 10
    assert loadcache.cached("t", ("2026-09",), [f], lambda: 9) == 9
    assert loadcache.cached("u", ("2026-10",), [f], lambda: 11) == 11
    assert loadcache.cached("t", ("2026-10",), [f], lambda: 0) == 10


def test_a_failed_load_is_not_kept(tmp_path: Path, cache: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("1", encoding="utf-8")
    calls = []

    def bad() -> None:
        calls.append(1)
        raise DataValidationError([Problem("a.csv", "x", "第 2 行", "数字", "abc")])

    for _ in range(2):
        with pytest.raises(DataValidationError):
            loadcache.cached("t", (), [f], bad)
    assert len(calls) == 2 and not list(cache.glob("*.pkl"))


def test_a_damaged_or_unwritable_cache_only_costs_a_load(tmp_path: Path, cache: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "a.csv"
    f.write_text("1", encoding="utf-8")
    calls, get = counting([f])
    get()
    for p in cache.glob("*.pkl"):
        p.write_bytes(b"not a pickle")
    assert get()["seen"] == ["1"] and len(calls) == 2
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("WXNB_CACHE_DIR", str(blocker))
    assert get()["seen"] == ["1"] and get()["seen"] == ["1"] and len(calls) == 4


def test_old_results_are_pruned(tmp_path: Path, cache: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loadcache, "KEEP", 3)
    f = tmp_path / "a.csv"
    f.write_text("1", encoding="utf-8")
    for i in range(6):
        loadcache.cached("t", (i,), [f], lambda i=i: i)
    assert len(list(cache.glob("*.pkl"))) == 3


def test_orders_and_template_callbacks_come_back_identical(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        "order_id,follower_id,time,amount,msgid,channel\n"
        "o1,f1,2026-10-02 09:00:00,12.5,,menu\n"
        "o2,f2,2026-09-30 23:00:00,3,,\n", encoding="utf-8")
    (tmp_path / "touch_templates.csv").write_text(
        "time,follower_id,msgid,status,template,clicked\n"
        "2026-10-02 09:00:00,f1,m1,success,t1,是\n"
        "2026-10-02 09:00:05,f2,m2,failed:user block,t1,\n", encoding="utf-8")
    first = companions.load_orders(tmp_path, "2026-10")
    again = companions.load_orders(tmp_path, "2026-10")
    assert first is not again and first.equals(again) and first.attrs == again.attrs
    assert list(first["order_id"]) == ["o1"] and len(first.attrs["notes"]) == 1
    t1, t2 = touch.load(tmp_path, "2026-10"), touch.load(tmp_path, "2026-10")
    assert t1.templates.equals(t2.templates) and t1.warnings == t2.warnings
    assert list(t1.templates["status"]) == ["success", "failed:user block"]
    assert isinstance(t2.templates, pd.DataFrame)


def test_a_read_only_cache_still_serves_what_it_holds(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "a.csv"
    f.write_text("1", encoding="utf-8")
    calls, get = counting([f])
    get()

    def refuse(*_args: object, **_kw: object) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(loadcache.os, "utime", refuse)
    assert get()["seen"] == ["1"] and len(calls) == 1


@pytest.mark.parametrize("module, patterns, found", [
    ("fission", ("fission_*.csv",), None),
    ("ads", ("ads_*",), "ads_daily_reports_*.json"),
    ("wecom", ("wecom_*",), "wecom_behavior_*.json"),
    ("miniprogram", ("wxa_*", "mp_orders.csv"), "wxa_*"),
])
def test_the_topic_loaders_parse_a_month_once_and_see_every_file_they_read(
        module: str, patterns: tuple[str, ...], found: str | None, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each file a loader reads is part of the key, those it finds by a pattern too: a changed
    file, a new one or one taken away is read again; an unchanged month is not."""
    import importlib
    import shutil

    from wxnb.paths import DATA

    mod = importlib.import_module(f"wxnb.io.{module}")
    folder = tmp_path / "month"
    folder.mkdir()
    for pattern in patterns:
        for f in (DATA / "sample" / "2026-10").glob(pattern):
            shutil.copy2(f, folder / f.name)
    loads: list[int] = []
    real = mod._load
    monkeypatch.setattr(mod, "_load", lambda *a: loads.append(1) or real(*a))

    def load() -> None:
        try:
            mod.load(folder, "2026-10")
        except DataValidationError:
            pass  # a copy may be a problem (a duplicate day): what counts is that it was read

    first = mod.load(folder, "2026-10")
    assert repr(mod.load(folder, "2026-10")) == repr(first) and len(loads) == 1
    if found is not None:
        some = sorted(folder.glob(found))[0]
        extra = folder / some.name.replace(some.stem, some.stem + "9")
        shutil.copy2(some, extra)  # a new file the loader's pattern finds
        load()
        assert len(loads) == 2
        extra.unlink()
        load()  # as it was: the first result, from the cache
        assert len(loads) == 2
    changed = sorted(folder.iterdir())[-1]
    changed.write_bytes(changed.read_bytes() + b"\n")  # a trailing newline more
    load()
    assert len(loads) == (3 if found else 2)
    changed.unlink()  # a file taken away
    load()
    assert len(loads) == (4 if found else 3)


def test_a_derived_result_is_kept_by_its_parts_and_its_code(tmp_path: Path) -> None:
    code = tmp_path / "compute.py"
    code.write_text("x = 1\n", encoding="utf-8")
    calls: list[int] = []

    def run(*parts: object) -> object:
        return loadcache.derived("d", parts, [code], lambda: calls.append(1) or len(calls))

    assert run("summary-a", "Rules(7)") == run("summary-a", "Rules(7)") == 1
    assert run("summary-b", "Rules(7)") == 2  # another month's data
    assert run("summary-a", "Rules(8)") == 3  # other parameters
    code.write_text("x = 2\n", encoding="utf-8")
    assert run("summary-a", "Rules(7)") == 4  # other code
    assert run(None, "Rules(7)") == 5 and run(None, "Rules(7)") == 6  # no key: never kept
    assert (tmp_path / "cache" / "derived").is_dir()
