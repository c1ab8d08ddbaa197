"""wxnb.io.dataset: a month validated once is read back exactly, and only while its input
files, the loader and the libraries are unchanged."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import dump

from wxnb.io import dataset, datacube

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample" / "2026-10"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WXNB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "datasets"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The endpoints each load really parsed (not read from a dataset)."""
    calls: list[set[str]] = []
    real = datacube._load_endpoints

    def spy(folder, month, files, wanted):  # type: ignore[no-untyped-def]
        calls.append(set(wanted))
        return real(folder, month, files, wanted)

    monkeypatch.setattr(datacube, "_load_endpoints", spy)
    return calls


def same(a: datacube.MonthData, b: datacube.MonthData) -> None:
    assert a.warnings == b.warnings and sorted(a.frames) == sorted(b.frames)
    assert a.files == b.files
    for name in a.frames:
        pd.testing.assert_frame_equal(a.frames[name], b.frames[name])


def test_a_whole_load_is_kept_and_read_back_exactly(tmp_path: Path, cache: Path,
                                                    parses: list) -> None:
    month = shutil.copytree(SAMPLE, tmp_path / "2026-10")
    first = datacube.load_month(month, "2026-10")
    assert len(list(cache.iterdir())) == 1 and len(parses) == 1
    again = datacube.load_month(month, "2026-10")
    assert len(parses) == 1  # read from the dataset
    same(first, again)
    sub = datacube.load_month(month, "2026-10", endpoints=("getarticletotaldetail",))
    assert list(sub.frames) == ["getarticletotaldetail"] and len(parses) == 1
    os.environ["WXNB_CACHE_DIR"] = str(tmp_path / "elsewhere")  # no dataset: parsed
    same(sub, datacube.load_month(month, "2026-10", endpoints=("getarticletotaldetail",)))


def test_notes_and_text_columns_survive(tmp_path: Path, cache: Path, parses: list) -> None:
    from conftest import make_month

    month = make_month(tmp_path / "a" / "2026-10")
    gone = sorted(month.glob("getuserread_*.json"))[3]
    gone.unlink()  # a day missing: a note on the gap
    dump(sorted(month.glob("getarticletotal_*.json"))[0].with_name(
        "getarticletotal_2026-10-30_2026-10-30.json"), {"list": []})
    first = datacube.load_month(month, "2026-10")
    assert first.warnings  # the gap and the empty list are noted
    same(first, datacube.load_month(month, "2026-10"))
    assert len(parses) == 1


def test_a_file_only_touched_keeps_the_dataset(tmp_path: Path, cache: Path,
                                               parses: list) -> None:
    month = shutil.copytree(SAMPLE, tmp_path / "2026-10")
    datacube.load_month(month, "2026-10")
    path = sorted(month.glob("getusersummary_*.json"))[0]
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # same bytes
    datacube.load_month(month, "2026-10")
    assert len(parses) == 1  # the checksum says it is the same file
    text = path.read_text(encoding="utf-8")  # same size, other bytes, later mtime
    path.write_text(text.replace('"new_user":48', '"new_user":47', 1), encoding="utf-8")
    assert path.stat().st_size == st.st_size
    datacube.load_month(month, "2026-10")
    assert len(parses) == 2


@pytest.mark.parametrize("change", ["edit", "add", "remove", "code"])
def test_any_change_means_parsing_again(tmp_path: Path, cache: Path, parses: list,
                                        monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    month = shutil.copytree(SAMPLE, tmp_path / "2026-10")
    datacube.load_month(month, "2026-10")
    path = sorted(month.glob("getusersummary_*.json"))[0]
    if change == "edit":
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('"new_user":', '"new_user": ', 1), encoding="utf-8")
    elif change == "add":
        (month / "readme.txt").write_text("x", encoding="utf-8")
    elif change == "remove":
        path.unlink()
    else:
        monkeypatch.setattr(dataset, "_code", lambda: "another loader")
    try:
        datacube.load_month(month, "2026-10")
    except Exception:  # noqa: BLE001  # a removed required file may now fail validation
        pass
    assert len(parses) == 2


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        parses: list) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("WXNB_CACHE_DIR", str(blocker))  # a file where a folder should be
    month = shutil.copytree(SAMPLE, tmp_path / "2026-10")
    same(datacube.load_month(month, "2026-10"), datacube.load_month(month, "2026-10"))
    assert len(parses) == 2


def test_a_damaged_dataset_is_ignored(tmp_path: Path, cache: Path, parses: list) -> None:
    month = shutil.copytree(SAMPLE, tmp_path / "2026-10")
    first = datacube.load_month(month, "2026-10")
    (target,) = cache.iterdir()
    (target / "getusersummary.parquet").write_bytes(b"not parquet")
    same(first, datacube.load_month(month, "2026-10"))
    assert len(parses) == 2


def test_the_input_folder_is_never_written(tmp_path: Path, cache: Path) -> None:
    month = shutil.copytree(SAMPLE, tmp_path / "2026-10")
    before = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in month.iterdir()}
    datacube.load_month(month, "2026-10")
    datacube.load_month(month, "2026-10")
    assert {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in month.iterdir()} == before


def test_old_datasets_are_pruned(tmp_path: Path, cache: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dataset, "KEEP", 2)
    for i in range(4):
        month = shutil.copytree(SAMPLE, tmp_path / f"m{i}" / "2026-10")
        datacube.load_month(month, "2026-10")
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == 2
