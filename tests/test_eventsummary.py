"""wxnb.io.eventsummary: the month's event log reduced once, read back the same, made again
only when the event files or the code change, and never a reason to lose the input."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from wxnb.exceptions import DataValidationError
from wxnb.io import eventlog, eventsummary

MONTH = "2026-10"
COLS = ["time", "follower_id", "event", "key", "value", "via"]
ROWS = [
    ("2026-10-01 08:00:00", "", "MASSSENDJOBFINISH", "2247000001",
     '{"Status":"send success","TotalCount":10,"FilterCount":10,"SentCount":9,"ErrorCount":1}'),
    ("2026-10-01 09:00:00", "a", "article_read", "2247000001_1", "公众号消息", ""),
    ("2026-10-01 09:30:00", "a", "article_read", "2247000001_2", "公众号消息", ""),  # same push
    ("2026-10-01 10:00:00", "a", "CLICK", "menu_1", "", ""),
    ("2026-10-02 10:00:00", "a", "article_share", "2247000001_1", "", ""),
    ("2026-10-02 11:00:00", "b", "article_read", "2247000001_1", "聊天会话", "a"),
    ("2026-10-02 11:05:00", "b", "subscribe", "", "", "a"),
    ("2026-10-03 12:00:00", "c", "article_read", "2247000001_1", "公众号消息", ""),
    ("2026-10-03 12:10:00", "c", "order", "o1", "30", ""),
    ("2026-10-03 12:20:00", "c", "article_comment", "2247000001_1", "好文", ""),
    ("2026-10-05 12:00:00", "d", "unsubscribe", "", "", ""),
    ("2026-10-05 12:00:00", "d", "TEMPLATESENDJOBFINISH", "t1", "success", ""),
]


def frame() -> pd.DataFrame:
    return pd.DataFrame([r if len(r) == 6 else (*r, "") for r in ROWS], columns=COLS)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WXNB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "events"


@pytest.fixture
def month(tmp_path: Path) -> Path:
    folder = tmp_path / "acct" / MONTH
    folder.mkdir(parents=True)
    frame().to_csv(folder / "events.csv", index=False)
    return folder


@pytest.fixture
def reductions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The months really reduced from the raw log (not read from the cache)."""
    calls: list[str] = []
    real = eventsummary._write

    def spy(log, folder, target, *rest):  # type: ignore[no-untyped-def]
        calls.append(log.month)
        return real(log, folder, target, *rest)

    monkeypatch.setattr(eventsummary, "_write", spy)
    return calls


def tables(s: eventsummary.EventSummary) -> dict[str, pd.DataFrame]:
    order = {"fol": "k", "reach": "k", "act": "time, event, k", "sess": "push, t",
             "daily": "day, hour"}
    return {t: s.con.execute(f"SELECT * FROM {t} ORDER BY {o}").df() for t, o in order.items()}


def test_the_tables_by_hand() -> None:
    with eventsummary.from_frame(frame(), MONTH) as s:
        con = s.con
        fol = {r[0]: r[1:] for r in con.execute(
            "SELECT f.follower_id, n, c, s, mask, t_open IS NOT NULL, reader, buyer FROM fol "
            "JOIN (SELECT DISTINCT follower_id, hash(follower_id) AS k FROM "
            "(VALUES ('a'), ('b'), ('c'), ('d')) v(follower_id)) f USING (k)").fetchall()}
        # a: 2 reads + click + share on days 1–2; b: one read (subscribe is no interaction)
        assert fol["a"] == (4, 0, 1, 0b11, True, True, False)
        assert fol["b"] == (1, 0, 0, 0b10, False, True, False)
        assert fol["c"] == (3, 1, 0, 0b100, True, True, True)
        assert "d" not in fol  # only an unfollow and a template result: no interaction
        assert con.execute("SELECT reach, readers, follows, reads, via_events FROM reach "
                           "WHERE k = hash('a')").fetchall() == [(1, 1, 1, 1, 2)]
        act = con.execute("SELECT event, value FROM act ORDER BY time, event").fetchall()
        assert [e for e, _ in act] == ["MASSSENDJOBFINISH", "CLICK", "subscribe", "order",
                                       "TEMPLATESENDJOBFINISH", "unsubscribe"]
        assert dict(act)["CLICK"] is None and dict(act)["TEMPLATESENDJOBFINISH"] == "success"
        # a read two articles of the push: one opener, at the first read; b read from a chat
        assert con.execute("SELECT push, CAST(t AS VARCHAR), n FROM sess ORDER BY t").fetchall() \
            == [("2247000001", "2026-10-01 09:00:00", 1), ("2247000001", "2026-10-03 12:00:00", 1)]
        assert s.days == 4 and s.rows_used == len(ROWS)


def test_cached_summary_equals_the_one_in_memory(month: Path, cache: Path,
                                                 reductions: list) -> None:
    first = eventsummary.open_summary(month, MONTH)
    assert first is not None and first.cached and reductions == [MONTH]
    with eventsummary.from_frame(frame(), MONTH) as mem, first:
        a, b = tables(first), tables(mem)
        for name in eventsummary.TABLES:
            pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False)
        assert first.notes()[0].startswith("事件日志（events.csv）共 12 行")
        assert first.days == mem.days
    again = eventsummary.open_summary(month, MONTH)
    assert again is not None and reductions == [MONTH]  # read back, not reduced again
    again.close()


def test_a_changed_file_or_code_makes_it_again(month: Path, cache: Path, reductions: list,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    eventsummary.open_summary(month, MONTH).close()
    os.utime(month / "events.csv", ns=(1, 1))  # touched only: the checksum still matches
    eventsummary.open_summary(month, MONTH).close()
    assert reductions == [MONTH]
    df = frame()
    df.loc[len(df)] = ["2026-10-06 08:00:00", "e", "article_read", "x_1", "推荐", ""]
    df.to_csv(month / "events.csv", index=False)
    with eventsummary.open_summary(month, MONTH) as s:
        assert s.rows_used == len(ROWS) + 1
    assert reductions == [MONTH, MONTH]
    (month / "events2.csv").write_text("time,follower_id,event\n", encoding="utf-8")
    eventsummary.open_summary(month, MONTH).close()  # a file more
    monkeypatch.setattr(eventsummary, "_code", lambda: "other code")
    eventsummary.open_summary(month, MONTH).close()
    assert reductions == [MONTH] * 4


def test_a_previous_month_is_reduced_to_what_its_comparison_reads(
        month: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report reads its previous month for 环比 only: the build reduces it to the tables
    of FOR_PREVIOUS; a later report of that month itself adds the missing table, and only that
    one, beside the ones made before (which are not made again)."""
    made: list[list[str]] = []
    real = eventsummary._write

    def spy(log, folder, target, want, kept=None):  # type: ignore[no-untyped-def]
        made.append([t for t in want if not kept or t not in kept["tables"]])
        return real(log, folder, target, want, kept)

    monkeypatch.setattr(eventsummary, "_write", spy)
    assert "sess" not in eventsummary.FOR_PREVIOUS
    with eventsummary.open_summary(month, MONTH, tables=eventsummary.FOR_PREVIOUS) as prev:
        assert prev.tables == eventsummary.FOR_PREVIOUS and prev.days == 4
        with pytest.raises(duckdb.CatalogException, match="sess"):
            prev.con.execute("SELECT * FROM sess")
    target = next(p for p in cache.iterdir() if p.is_dir())  # not the lock file beside it
    assert sorted(p.name for p in target.glob("*.parquet")) == \
        sorted(f"{t}.parquet" for t in eventsummary.FOR_PREVIOUS)
    fol_inode, folder_inode = (target / "fol.parquet").stat().st_ino, target.stat().st_ino
    reader = eventsummary.open_summary(month, MONTH, tables=("fol",))  # open meanwhile
    # a caller reading fewer tables reads the cache, whichever tables it asks for
    with eventsummary.open_summary(month, MONTH, tables=("act",)) as s:
        assert s.cached and s.tables == eventsummary.FOR_PREVIOUS
    assert made == [list(eventsummary.FOR_PREVIOUS)]
    # the month's own report: sess is added, the other tables are kept as they were
    with eventsummary.open_summary(month, MONTH) as full, \
            eventsummary.from_frame(frame(), MONTH) as mem:
        assert full.tables == tuple(eventsummary.TABLES)
        a, b = tables(full), tables(mem)
        for name in eventsummary.TABLES:
            pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False)
    assert made == [list(eventsummary.FOR_PREVIOUS), ["sess"]]
    # added beside the others in the same folder: not made again, never gone meanwhile
    assert (target / "fol.parquet").stat().st_ino == fol_inode
    assert target.stat().st_ino == folder_inode
    assert sorted(p.name for p in target.iterdir() if p.name.startswith(".")) == []
    assert reader.con.execute("SELECT count(*) FROM fol").fetchall() == [(3,)]
    reader.close()
    eventsummary.open_summary(month, MONTH).close()
    assert len(made) == 2


def test_tables_asked_for_by_name() -> None:
    assert eventsummary._wanted(None) == tuple(eventsummary.TABLES)
    assert eventsummary._wanted(("act", "fol")) == ("fol", "act", "daily")  # daily: the days
    with pytest.raises(ValueError, match="no summary table"):
        eventsummary._wanted(("fol", "sessions"))
    with eventsummary.from_frame(frame(), MONTH) as mem:
        assert mem.tables == tuple(eventsummary.TABLES)
    log = eventlog.from_frame(frame(), MONTH)
    with eventsummary.summarize(log, ("reach",)) as s:
        assert s.tables == ("reach", "daily")
        assert s.con.execute("SELECT count(*) FROM reach").fetchall() == [(1,)]


def test_bad_log_is_an_error_and_nothing_is_cached(month: Path, cache: Path) -> None:
    (month / "events.csv").write_text("time,follower_id,event\nyesterday,a,CLICK\n",
                                      encoding="utf-8")
    with pytest.raises(DataValidationError, match="time"):
        eventsummary.open_summary(month, MONTH)
    assert not any(p.is_dir() for p in cache.iterdir()) if cache.exists() else True


def test_no_event_files_is_none(tmp_path: Path, cache: Path) -> None:
    assert eventsummary.open_summary(tmp_path, MONTH) is None


def test_an_unwritable_cache_keeps_the_summary_in_memory(month: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("WXNB_CACHE_DIR", str(blocker))  # a file: no folder can be made in it
    before = (month / "events.csv").read_bytes()
    with eventsummary.open_summary(month, MONTH) as s:
        assert not s.cached
        assert s.con.execute("SELECT count(*) FROM fol").fetchall() == [(3,)]
    assert (month / "events.csv").read_bytes() == before
    assert sorted(p.name for p in month.iterdir()) == ["events.csv"]


def test_two_processes_reduce_a_month_once(month: Path, cache: Path, reductions: list) -> None:
    """The lock: a second open waits for the first reduction and reads it."""
    out: list[eventsummary.EventSummary] = []
    threads = [threading.Thread(target=lambda: out.append(eventsummary.open_summary(
        month, MONTH))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 3 and reductions == [MONTH]
    for s in out:
        assert s.con.execute("SELECT sum(n) FROM fol").fetchall() == [(8,)]
        s.close()


def test_a_process_reduces_one_month_at_a_time(month: Path, cache: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Two months asked for at once (the build's two threads) are reduced one after the
    other, each with the whole budget; the second still gets its own summary. An uncacheable
    summary (kept in memory) is made under the same rule."""
    other = shutil.copytree(month, tmp_path / "other" / MONTH)
    busy, overlaps, real = [0], [], eventlog.open_month
    gate = threading.Barrier(2)

    def open_month(*args, **kwargs):  # type: ignore[no-untyped-def]
        busy[0] += 1  # a reduction: from opening the log to its tables written
        overlaps.append(busy[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(eventlog, "open_month", open_month)
    real_write = eventsummary._write

    def slow_write(log, folder, target, *rest):  # type: ignore[no-untyped-def]
        threading.Event().wait(0.2)  # long enough for the other thread to arrive
        try:
            return real_write(log, folder, target, *rest)
        finally:
            busy[0] -= 1

    monkeypatch.setattr(eventsummary, "_write", slow_write)
    out: dict[str, eventsummary.EventSummary] = {}

    def run(folder: Path) -> None:
        gate.wait()
        out[folder.parent.name] = eventsummary.open_summary(folder, MONTH)

    threads = [threading.Thread(target=run, args=(f,)) for f in (month, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == [1, 1] and set(out) == {"acct", "other"}
    for s in out.values():
        assert s.con.execute("SELECT sum(n) FROM fol").fetchall() == [(8,)]
        s.close()


def test_the_spill_folders_are_removed(month: Path, cache: Path) -> None:
    s = eventsummary.open_summary(month, MONTH)
    spill = s._tempdir
    assert spill and Path(spill).is_dir()
    s.close()
    assert not Path(spill).exists()


def test_a_copied_month_is_its_own_summary(month: Path, cache: Path, tmp_path: Path) -> None:
    other = shutil.copytree(month, tmp_path / "other" / MONTH)
    pd.DataFrame([("2026-10-09 08:00:00", "z", "CLICK", "k", "", "")], columns=COLS).to_csv(
        other / "events.csv", index=False)
    with eventsummary.open_summary(month, MONTH) as a, \
            eventsummary.open_summary(other, MONTH) as b:
        assert a.rows_used == len(ROWS) and b.rows_used == 1


def test_the_log_view_is_never_what_sections_query() -> None:
    """The sections' code reads the summary's tables, never the raw view ``ev``."""
    root = Path(eventlog.__file__).resolve().parent.parent
    offenders = [str(p.relative_to(root)) for p in (root / "sections").rglob("*.py")
                 if "FROM ev" in p.read_text(encoding="utf-8")
                 or "open_month(" in p.read_text(encoding="utf-8")]
    offenders += [str(p.relative_to(root)) for p in (root / "kit").rglob("*.py")
                  if "FROM ev" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_the_source_key_names_the_files_contents_not_the_folder(
        month: Path, cache: Path, tmp_path: Path) -> None:
    with eventsummary.open_summary(month, MONTH) as a:
        key = a.source_key
    assert key and len(key) == 64
    with eventsummary.open_summary(month, MONTH, tables=("act",)) as again:
        assert again.source_key == key
    copy = shutil.copytree(month, tmp_path / "copy" / MONTH)
    with eventsummary.open_summary(copy, MONTH) as b:
        assert b.source_key == key  # the same files elsewhere: the same tables
    df = frame()
    df.loc[len(df)] = ["2026-10-06 08:00:00", "e", "article_read", "x_1", "推荐", ""]
    df.to_csv(copy / "events.csv", index=False)
    with eventsummary.open_summary(copy, MONTH) as c:
        assert c.source_key != key
    with eventsummary.from_frame(frame(), MONTH) as mem:
        assert mem.source_key is None  # in memory: nothing to key a kept result on
