"""Event log loading (wxnb.io.eventlog): formats, time handling, vocabulary, validation, settings.

Expected values are written out by hand (or computed with the standard library's zoneinfo), never
by re-running the module's own code.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from wxnb.io import eventlog as events
from wxnb.io import companions
from wxnb.exceptions import DataValidationError, ParameterError

MONTH = "2026-10"


def _rows(log: events.EventLog) -> list[tuple]:
    return log.con.sql(
        "SELECT strftime(time, '%Y-%m-%d %H:%M:%S'), day, follower_id, event, key, value, via "
        "FROM ev ORDER BY time, follower_id, event").fetchall()


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "time": ["2026-10-01 08:00:00", "2026-10-02 09:30:00", "2026-10-03 10:00:00"],
        "follower_id": ["u1", "u2", "u1"],
        "event": ["article_read", "CLICK", "order"],
        "key": ["2650000001_1", "V1001", "o-1"],
        "value": ["朋友圈", "", "99.50"],
        "via": ["u9", "", ""],
    })


EXPECTED = [
    ("2026-10-01 08:00:00", date(2026, 10, 1), "u1", "article_read", "2650000001_1", "朋友圈",
     "u9"),
    ("2026-10-02 09:30:00", date(2026, 10, 2), "u2", "CLICK", "V1001", "", ""),
    ("2026-10-03 10:00:00", date(2026, 10, 3), "u1", "order", "o-1", "99.50", ""),
]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _problems(exc: pytest.ExceptionInfo[DataValidationError]) -> list[tuple]:
    return [(p.file, p.field, p.row) for p in exc.value.problems]


# --------------------------------------------------------------------------- constants


def test_vocabulary_constants() -> None:
    assert events.EVENT_GLOBS == ("events*.parquet", "events*.csv", "events*.jsonl")
    assert events.READ_SCENES == ("公众号消息", "聊天会话", "朋友圈", "公众号主页", "推荐", "搜一搜",
                                  "其他")
    assert set(events.INTERACTIONS) == {
        "SCAN", "CLICK", "VIEW", "view_miniprogram", "message", "article_read", "article_share",
        "article_like", "article_zaikan", "article_comment", "read_original", "mp_visit",
        "form_view", "form_submit", "order",
    }
    assert len(events.EVENT_TYPES) == 20


@pytest.mark.parametrize(("raw", "expected"), [
    ("click", ("CLICK", "")), ("Subscribe", ("subscribe", "")), ("scan", ("SCAN", "")),
    ("VIEW_MINIPROGRAM", ("view_miniprogram", "")), ("masssendjobfinish", ("MASSSENDJOBFINISH", "")),
    ("text", ("message", "text")), ("Image", ("message", "image")),
    ("shortvideo", ("message", "shortvideo")), ("location", ("message", "location")),
    ("LOCATION", ("LOCATION", "")), (" article_read ", ("article_read", "")),
    ("scancode_push", (None, "")), ("", (None, "")), (None, (None, "")),
])
def test_canonical_event(raw: str | None, expected: tuple) -> None:
    assert events.canonical_event(raw) == expected


# --------------------------------------------------------------------------- formats


def test_parquet_round_trip(tmp_path: Path) -> None:
    df = _frame()
    df["time"] = pd.to_datetime(df["time"])
    df.to_parquet(tmp_path / "events.parquet")
    with events.open_month(tmp_path, MONTH) as log:
        assert _rows(log) == EXPECTED
        assert (log.rows_total, log.rows_used, log.outside_month, log.unknown) == (3, 3, 0, {})
        assert log.files == [tmp_path / "events.parquet"]


def test_csv_round_trip_with_bom_crlf_and_t_separator(tmp_path: Path) -> None:
    text = ("time,follower_id,event,key,value,via,extra\r\n"
            "2026-10-01 08:00:00,u1,article_read,2650000001_1,朋友圈,u9,x\r\n"
            "2026-10-02T09:30:00,u2,CLICK,V1001,,,\r\n"
            '"2026-10-03 10:00:00",u1,order,o-1,99.50,,"a,b"\r\n')
    (tmp_path / "events.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    with events.open_month(tmp_path, MONTH) as log:
        assert _rows(log) == EXPECTED


def test_jsonl_round_trip_with_numbers(tmp_path: Path) -> None:
    lines = [
        {"time": "2026-10-01 08:00:00", "follower_id": "u1", "event": "article_read",
         "key": "2650000001_1", "value": "朋友圈", "via": "u9", "nested": {"a": 1}},
        {"time": "2026-10-02 09:30:00", "follower_id": "u2", "event": "CLICK", "key": "V1001"},
        {"time": "2026-10-03 10:00:00", "follower_id": "u1", "event": "order", "key": "o-1",
         "value": "99.50", "via": None},
        {"time": "2026-10-04 00:00:00", "follower_id": 12345, "event": "VIEW", "key": "http://x"},
    ]
    (tmp_path / "events.jsonl").write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    with events.open_month(tmp_path, MONTH) as log:
        assert _rows(log) == [*EXPECTED, ("2026-10-04 00:00:00", date(2026, 10, 4), "12345",
                                          "VIEW", "http://x", "", "")]


def test_mixed_formats_and_several_files(tmp_path: Path) -> None:
    df = _frame()
    df["time"] = pd.to_datetime(df["time"])
    df.iloc[:2].to_parquet(tmp_path / "events_a.parquet")
    df.iloc[2:].drop(columns=["via"]).to_csv(tmp_path / "events_b.csv", index=False)
    (tmp_path / "events_c.jsonl").write_text(
        '{"time": "2026-10-05 12:00:00", "follower_id": "u3", "event": "foo"}\n', "utf-8")
    (tmp_path / "other.parquet").write_bytes(b"not an event file")
    assert [p.name for p in events.event_files(tmp_path)] == [
        "events_a.parquet", "events_b.csv", "events_c.jsonl"]
    with events.open_month(tmp_path, MONTH) as log:
        assert _rows(log) == EXPECTED
        assert (log.rows_total, log.rows_used, log.unknown) == (4, 3, {"foo": 1})


def test_no_event_files_gives_none(tmp_path: Path) -> None:
    assert events.open_month(tmp_path, MONTH) is None
    assert events.event_files(tmp_path / "absent") == []


# --------------------------------------------------------------------------- time


def test_tz_aware_times_become_shanghai_wall_clock(tmp_path: Path) -> None:
    utc = pd.to_datetime(["2026-09-30 16:30:00", "2026-10-15 04:00:00", "2026-10-31 16:00:00"])
    df = pd.DataFrame({"time": utc.tz_localize("UTC"), "follower_id": ["a", "b", "c"],
                       "event": ["CLICK"] * 3})
    df.to_parquet(tmp_path / "events.parquet")
    with events.open_month(tmp_path, MONTH) as log:
        # +8 h: 09-30 16:30 UTC is 10-01 00:30 in Shanghai; 10-31 16:00 UTC is 11-01 00:00.
        assert [r[:3] for r in _rows(log)] == [
            ("2026-10-01 00:30:00", date(2026, 10, 1), "a"),
            ("2026-10-15 12:00:00", date(2026, 10, 15), "b"),
        ]
        assert log.outside_month == 1


def test_text_times_with_offset(tmp_path: Path) -> None:
    df = pd.DataFrame({"time": ["2026-10-01T00:30:00+08:00", "2026-10-01 00:30:00Z"],
                       "follower_id": ["a", "b"], "event": ["CLICK", "CLICK"]})
    with events.from_frame(df, MONTH) as log:
        assert [r[0] for r in _rows(log)] == ["2026-10-01 00:30:00", "2026-10-01 08:30:00"]


def test_integer_create_time_is_unix_seconds_in_shanghai() -> None:
    stamps = [1790000000, 1791234567]
    df = pd.DataFrame({"time": stamps, "follower_id": [1, 2], "event": ["text", "SCAN"]})
    tz = ZoneInfo("Asia/Shanghai")
    expected = [datetime.fromtimestamp(s, tz).strftime("%Y-%m-%d %H:%M:%S") for s in stamps]
    month = expected[0][:7]
    with events.from_frame(df, month) as log:
        got = _rows(log)
        assert [r[0] for r in got] == expected[: len(got)]
        assert got[0][2:5] == ("1", "message", "text")


def test_integer_time_in_csv_text(tmp_path: Path) -> None:
    s = int(datetime(2026, 10, 9, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp())
    (tmp_path / "events.csv").write_text(f"time,follower_id,event\n{s},a,CLICK\n", "utf-8")
    with events.open_month(tmp_path, MONTH) as log:
        assert _rows(log)[0][:4] == ("2026-10-09 12:00:00", date(2026, 10, 9), "a", "CLICK")


def test_out_of_month_rows_excluded_and_counted() -> None:
    df = pd.DataFrame({
        "time": ["2026-09-30 23:59:59", "2026-10-01 00:00:00", "2026-10-31 23:59:59",
                 "2026-11-01 00:00:00", "2025-10-15 12:00:00"],
        "follower_id": list("abcde"), "event": ["CLICK"] * 5,
    })
    with events.from_frame(df, MONTH) as log:
        assert [r[2] for r in _rows(log)] == ["b", "c"]
        assert (log.rows_total, log.rows_used, log.outside_month) == (5, 2, 3)
        assert "事件日志中 3 行的时间不在 2026-10 内（按北京时间），未计入。" in log.notes()


# --------------------------------------------------------------------------- vocabulary


def test_aliases_and_case_insensitive_names() -> None:
    df = pd.DataFrame({
        "time": [f"2026-10-0{i} 12:00:00" for i in range(1, 9)],
        "follower_id": list("abcdefgh"),
        "event": ["text", "Image", "voice", "location", "LOCATION", "click", "Subscribe",
                  "view_miniprogram"],
        "key": ["", "custom", None, "", "", "V1", "qrscene_7", "pages/index"],
    })
    with events.from_frame(df, MONTH) as log:
        assert [r[3:5] for r in _rows(log)] == [
            ("message", "text"), ("message", "custom"), ("message", "voice"),
            ("message", "location"), ("LOCATION", ""), ("CLICK", "V1"),
            ("subscribe", "qrscene_7"), ("view_miniprogram", "pages/index"),
        ]


def test_unknown_types_counted_not_fatal() -> None:
    df = pd.DataFrame({
        "time": ["2026-10-01 12:00:00"] * 6,
        "follower_id": ["a", "b", "", None, "e", "f"],
        "event": ["foo", "foo", "bar", "foo", None, "CLICK"],
    })
    with events.from_frame(df, MONTH) as log:
        assert log.unknown == {"foo": 3, "bar": 1, "": 1}
        assert (log.rows_total, log.rows_used) == (6, 1)
        assert ("事件日志中 5 行为未知事件类型（foo 3 行、（空） 1 行、bar 1 行），未计入。"
                in log.notes())
        assert log.con.sql("SELECT count(*) FROM ev").fetchall() == [(1,)]


def test_masssend_may_have_empty_follower_id() -> None:
    df = pd.DataFrame({"time": ["2026-10-01 20:00:00"], "follower_id": [None],
                       "event": ["MASSSENDJOBFINISH"], "key": ["1000001"],
                       "value": ['{"Status": "send success", "TotalCount": 10}']})
    with events.from_frame(df, MONTH) as log:
        assert _rows(log)[0][2:5] == ("", "MASSSENDJOBFINISH", "1000001")


# --------------------------------------------------------------------------- errors


def test_missing_follower_id_names_file_field_row(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text(
        "time,follower_id,event\n2026-10-01 08:00:00,a,CLICK\n2026-10-01 09:00:00,,CLICK\n"
        "2026-10-01 10:00:00,  ,article_read\n", "utf-8")
    with pytest.raises(DataValidationError) as exc:
        events.open_month(tmp_path, MONTH)
    assert _problems(exc) == [("events.csv", "follower_id", None),
                              ("events.csv", "follower_id", "第 3 行"),
                              ("events.csv", "follower_id", "第 4 行")]
    assert "2 行不符合" in exc.value.problems[0].found
    assert exc.value.problems[1].found == "空"
    assert "events.csv 第 3 行 字段 follower_id" in str(exc.value)


def test_missing_follower_id_in_parquet_and_jsonl(tmp_path: Path) -> None:
    df = pd.DataFrame({"time": pd.to_datetime(["2026-10-01 08:00:00"] * 3),
                       "follower_id": ["a", "b", None], "event": ["CLICK"] * 3})
    df.to_parquet(tmp_path / "events.parquet")
    (tmp_path / "events.jsonl").write_text(
        '{"time": "2026-10-01 08:00:00", "follower_id": null, "event": "VIEW"}\n', "utf-8")
    with pytest.raises(DataValidationError) as exc:
        events.open_month(tmp_path, MONTH)
    rows = _problems(exc)
    assert ("events.parquet", "follower_id", "第 3 条记录") in rows
    assert ("events.jsonl", "follower_id", "第 1 行") in rows


def test_examples_capped_at_five_with_the_full_count() -> None:
    df = pd.DataFrame({"time": ["2026-10-01 08:00:00"] * 12,
                       "follower_id": [None] * 12, "event": ["CLICK"] * 12})
    with pytest.raises(DataValidationError) as exc:
        events.from_frame(df, MONTH)
    assert len(exc.value.problems) == 6
    assert exc.value.problems[0].found.startswith("12 行不符合")
    assert [p.row for p in exc.value.problems[1:]] == [f"iloc[{i}]" for i in range(5)]


@pytest.mark.parametrize("bad", [
    "2026-02-30 00:00:00", "2026/10/01 08:00:00", "2026-10-01", "2026-10-1 08:00:00",
    "yesterday", "", "1790000000000",
])
def test_unparseable_time(tmp_path: Path, bad: str) -> None:
    (tmp_path / "events.csv").write_text(
        f"time,follower_id,event\n2026-10-01 08:00:00,a,CLICK\n{bad},b,CLICK\n", "utf-8")
    with pytest.raises(DataValidationError) as exc:
        events.open_month(tmp_path, MONTH)
    assert _problems(exc)[1] == ("events.csv", "time", "第 3 行")
    assert exc.value.problems[1].found == (repr(bad) if bad else "空")


def test_unparseable_time_on_unknown_type_is_ignored() -> None:
    df = pd.DataFrame({"time": ["garbage", "2026-10-02 00:00:00"], "follower_id": ["a", "b"],
                       "event": ["foo", "CLICK"]})
    with events.from_frame(df, MONTH) as log:
        assert (log.rows_used, log.unknown) == (1, {"foo": 1})


def test_missing_column_lists_present_columns(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text("time,user,event\n2026-10-01 08:00:00,a,CLICK\n", "utf-8")
    with pytest.raises(DataValidationError) as exc:
        events.open_month(tmp_path, MONTH)
    (p,) = exc.value.problems
    assert (p.file, p.field) == ("events.csv", "follower_id")
    assert "time、user、event" in p.found


def test_missing_column_in_frame() -> None:
    with pytest.raises(DataValidationError) as exc:
        events.from_frame(pd.DataFrame({"follower_id": ["a"], "event": ["CLICK"]}), MONTH)
    assert _problems(exc) == [("DataFrame", "time", None)]


def test_unsupported_time_type(tmp_path: Path) -> None:
    df = pd.DataFrame({"time": [True], "follower_id": ["a"], "event": ["CLICK"]})
    df.to_parquet(tmp_path / "events.parquet")
    with pytest.raises(DataValidationError) as exc:
        events.open_month(tmp_path, MONTH)
    assert _problems(exc) == [("events.parquet", "time", None)]


def test_malformed_files_are_reported_not_raised_raw(tmp_path: Path) -> None:
    (tmp_path / "events_a.csv").write_text(
        "time,follower_id,event\n2026-10-01 08:00:00,a,CLICK,extra\n", "utf-8")
    (tmp_path / "events_b.jsonl").write_text('{"time": "2026-10-01 08:00:00", "follower_id": '
                                             '"a", "event": "CLICK"}\n{broken\n', "utf-8")
    (tmp_path / "events_c.parquet").write_bytes(b"PAR1 not really")
    (tmp_path / "events_d.csv").write_bytes(b"")
    with pytest.raises(DataValidationError) as exc:
        events.open_month(tmp_path, MONTH)
    assert {p.file for p in exc.value.problems} >= {
        "events_a.csv", "events_b.jsonl", "events_c.parquet", "events_d.csv"}


def test_gbk_csv_is_read_through_a_utf8_copy_and_named(tmp_path: Path) -> None:
    # Excel on Chinese Windows saves "CSV" as GBK/GB18030: DuckDB reads UTF-8 only, so the log
    # is transcoded into the spill directory (removed on close) and the note names the encoding.
    text = "time,follower_id,event,key,value\n2026-10-01 08:00:00,粉丝1,article_read,1_1,朋友圈\n"
    (tmp_path / "events.csv").write_bytes(text.encode("gbk"))
    before = _digest(tmp_path)
    log = events.open_month(tmp_path, MONTH)
    spill = Path(log.con.sql("SELECT current_setting('temp_directory')").fetchall()[0][0])
    assert [r[2:6] for r in _rows(log)] == [("粉丝1", "article_read", "1_1", "朋友圈")]
    assert log.read_notes == ["events.csv 按 GB18030 编码读取（DuckDB 读取其 UTF-8 副本）"]
    assert log.read_notes[0] in log.exclusion_notes() and log.read_notes[0] in log.notes()
    log.close()
    assert not spill.exists() and _digest(tmp_path) == before
    (tmp_path / "events.csv").write_bytes(text.encode("utf-16"))  # Excel's "Unicode text"
    with events.open_month(tmp_path, MONTH) as log:
        assert log.rows_used == 1 and "UTF-16" in log.read_notes[0]


def test_undecodable_csv_names_the_encodings(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_bytes(b"time,follower_id,event\n\xff\xff\x80,a,CLICK\n")
    with pytest.raises(DataValidationError) as exc:
        events.open_month(tmp_path, MONTH)
    (p,) = exc.value.problems
    assert p.file == "events.csv" and "UTF-8" in p.found and "GB18030" in p.found
    # a UTF-8 log with one bad byte is damaged UTF-8, not GB18030 text to be guessed at
    (tmp_path / "events.csv").write_bytes(
        "time,follower_id,event,value\n2026-10-01 08:00:00,粉丝,CLICK,朋友圈".encode() + b"\xff\n")
    with pytest.raises(DataValidationError) as exc:
        events.open_month(tmp_path, MONTH)
    assert "UTF-8" in exc.value.problems[0].found


def test_bad_bytes_after_the_first_mebibyte_fail_validation_not_a_later_query(
        tmp_path: Path) -> None:
    rows = "".join(f"2026-10-01 08:00:00,u{i},CLICK,k,v\n" for i in range(40_000))
    (tmp_path / "events.csv").write_bytes(
        b"time,follower_id,event,key,value\n" + rows.encode() + b"2026-10-02 08:00:00,u,CLICK,k,"
        b"\xc4\xe3\n")  # a GBK value far past the part read to tell the encoding
    with pytest.raises(DataValidationError) as exc:
        events.open_month(tmp_path, MONTH)
    assert exc.value.problems[0].file == "events.csv"


@pytest.mark.parametrize("line_end", ["\r", "\r\n"])
def test_cr_only_and_crlf_line_ends(tmp_path: Path, line_end: str) -> None:
    rows = ["time,follower_id,event", "2026-10-01 08:00:00,a,CLICK", "2026-10-02 08:00:00,b,VIEW"]
    (tmp_path / "events.csv").write_bytes(line_end.join(rows + [""]).encode())
    with events.open_month(tmp_path, MONTH) as log:
        assert [r[2] for r in _rows(log)] == ["a", "b"]


def test_header_names_are_stripped_and_checked(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text(
        " time , follower_id,\tevent ,_row,raw,t\n2026-10-01 08:00:00,a,CLICK,x,1,2\n"
        "bad,b,CLICK,y,1,2\n", "utf-8")
    with pytest.raises(DataValidationError) as exc:  # columns named _row, raw, t do not confuse it
        events.open_month(tmp_path, MONTH)
    assert _problems(exc) == [("events.csv", "time", None), ("events.csv", "time", "第 3 行")]
    (tmp_path / "events.csv").write_text("time,follower_id,event,event\n", "utf-8")
    with pytest.raises(DataValidationError) as exc:
        events.open_month(tmp_path, MONTH)
    assert _problems(exc) == [("events.csv", "event", "第 1 行")]
    assert "重复" in exc.value.problems[0].found


def test_nul_in_header_and_bom_jsonl(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_bytes("time,follower_id,event\n".encode("utf-16-le"))
    with pytest.raises(DataValidationError) as exc:  # UTF-16 without a BOM
        events.open_month(tmp_path, MONTH)
    assert "NUL" in exc.value.problems[0].found
    (tmp_path / "events.csv").unlink()
    (tmp_path / "events.jsonl").write_bytes(
        b'\xef\xbb\xbf{"time": "2026-10-01 08:00:00", "follower_id": "a", "event": "CLICK"}\n')
    with events.open_month(tmp_path, MONTH) as log:
        assert log.rows_used == 1 and log.read_notes == []


@pytest.mark.parametrize("compression", ["none", "snappy"])
def test_damaged_parquet_page_fails_validation(tmp_path: Path, compression: str) -> None:
    # Validation used to read only time, follower_id and event (and, for timestamp times, only
    # the row groups their statistics could not clear): a damaged page of `value` passed and
    # failed later, in a section's query.
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 2000
    table = pa.table({"time": pa.array([datetime(2026, 10, 1)] * n, pa.timestamp("us")),
                      "follower_id": [f"u{i}" for i in range(n)], "event": ["CLICK"] * n,
                      "value": [f"value-{i}" * 3 for i in range(n)]})
    pq.write_table(table, tmp_path / "events.parquet", compression=compression,
                   use_dictionary=False)
    raw = bytearray((tmp_path / "events.parquet").read_bytes())
    at = raw.index(b"value-1000") if compression == "none" else len(raw) // 2
    raw[at: at + 8] = b"\xff\xfe" * 4  # invalid UTF-8, or a broken compressed block
    (tmp_path / "events.parquet").write_bytes(bytes(raw))
    with pytest.raises(DataValidationError) as exc:
        events.open_month(tmp_path, MONTH)
    assert [p.file for p in exc.value.problems] == ["events.parquet"]


def test_files_never_modified(tmp_path: Path) -> None:
    df = _frame()
    df["time"] = pd.to_datetime(df["time"])
    df.to_parquet(tmp_path / "events_a.parquet")
    _frame().to_csv(tmp_path / "events_b.csv", index=False)
    (tmp_path / "events_c.jsonl").write_text(
        '{"time": "2026-10-05 12:00:00", "follower_id": "", "event": "CLICK"}\n', "utf-8")
    before = _digest(tmp_path)
    with pytest.raises(DataValidationError):
        events.open_month(tmp_path, MONTH)
    (tmp_path / "events_c.jsonl").unlink()
    before.pop("events_c.jsonl")
    with events.open_month(tmp_path, MONTH) as log:
        log.con.sql("SELECT count(*) FROM ev").fetchall()
    assert _digest(tmp_path) == before


# --------------------------------------------------------------------------- engine settings


def test_connection_settings_view_and_cleanup(tmp_path: Path) -> None:
    _frame().to_csv(tmp_path / "events.csv", index=False)
    log = events.open_month(tmp_path, MONTH, memory_limit="512MB", threads=1)
    con = log.con
    setting = dict(con.sql(
        "SELECT name, value FROM duckdb_settings() WHERE name IN ('threads', "
        "'preserve_insertion_order', 'temp_directory', 'memory_limit')").fetchall())
    assert setting["threads"] == "1"
    assert setting["preserve_insertion_order"] == "false"
    assert setting["memory_limit"].startswith("488") or "512" in setting["memory_limit"]
    spill = Path(setting["temp_directory"])
    assert spill.is_dir() and spill.parent == Path(tempfile.gettempdir())
    assert con.sql("SELECT table_type FROM information_schema.tables WHERE table_name = 'ev'"
                   ).fetchall() == [("VIEW",)]
    assert con.sql("SELECT column_name, data_type FROM information_schema.columns "
                   "WHERE table_name = 'ev' ORDER BY ordinal_position").fetchall() == [
        ("time", "TIMESTAMP"), ("day", "DATE"), ("follower_id", "VARCHAR"),
        ("event", "VARCHAR"), ("key", "VARCHAR"), ("value", "VARCHAR"), ("via", "VARCHAR")]
    log.close()
    assert not spill.exists()


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError):
        events.from_frame(_frame(), MONTH, memory_limit="lots")
    with pytest.raises(ParameterError):
        events.from_frame(_frame(), "2026-13")


# --------------------------------------------------------------------------- menu.json

MENU = {
    "is_menu_open": 1,
    "selfmenu_info": {"button": [
        {"type": "click", "name": "今日歌曲", "key": "V1001"},
        {"name": "菜单", "sub_button": {"list": [
            {"type": "view", "name": "搜索", "url": "http://www.soso.com/"},
            {"type": "miniprogram", "name": "商城", "appid": "wx286b93c14bbf93aa",
             "url": "http://mp.weixin.qq.com", "pagepath": "pages/index"},
            {"type": "click", "name": "赞一下", "key": "V1002"},
            {"type": "text", "name": "联系我们", "value": "电话 123"},
        ]}},
        {"name": "会员", "sub_button": [{"type": "view", "name": "积分", "url": "http://x/p"}]},
    ]},
}


def _write_json(folder: Path, name: str, doc: object) -> None:
    (folder / name).write_text(json.dumps(doc, ensure_ascii=False), "utf-8")


def test_menu_tree(tmp_path: Path) -> None:
    _write_json(tmp_path, "menu.json", MENU)
    menu = companions.load_menu(tmp_path)
    assert menu.is_open and menu.notes == []
    assert menu.items.to_dict("records") == [
        {"level1": "今日歌曲", "level2": "", "type": "click", "match": "V1001", "event": "CLICK"},
        {"level1": "菜单", "level2": "搜索", "type": "view", "match": "http://www.soso.com/",
         "event": "VIEW"},
        {"level1": "菜单", "level2": "商城", "type": "miniprogram", "match": "pages/index",
         "event": "view_miniprogram"},
        {"level1": "菜单", "level2": "赞一下", "type": "click", "match": "V1002",
         "event": "CLICK"},
        {"level1": "菜单", "level2": "联系我们", "type": "text", "match": "电话 123", "event": ""},
        {"level1": "会员", "level2": "积分", "type": "view", "match": "http://x/p",
         "event": "VIEW"},
    ]
    assert menu.label("CLICK", "V1002") == "菜单 / 赞一下"
    assert menu.label("CLICK", "V1001") == "今日歌曲"
    assert menu.label("CLICK", "nope") is None


def test_menu_absent_closed_and_get_menu_shape(tmp_path: Path) -> None:
    assert companions.load_menu(tmp_path) is None
    _write_json(tmp_path, "menu.json", {"is_menu_open": 0, "selfmenu_info": {"button": []}})
    menu = companions.load_menu(tmp_path)
    assert not menu.is_open and menu.items.empty and "is_menu_open = 0" in menu.notes[0]
    _write_json(tmp_path, "menu.json",
                {"menu": {"button": [{"type": "click", "name": "A", "key": "K"}]}})
    assert companions.load_menu(tmp_path).items["match"].tolist() == ["K"]


def test_menu_problems(tmp_path: Path) -> None:
    _write_json(tmp_path, "menu.json", {"selfmenu_info": {"button": [
        {"type": "click", "name": "A"},
        {"name": "B", "sub_button": {"list": [{"type": "view", "name": "B1"},
                                              {"type": "miniprogram", "name": "B2",
                                               "pagepath": "p"},
                                              {"name": "B3", "type": ""}]}},
        {"name": "C"},
        {"type": "click", "name": "", "key": "K"},
    ]}})
    with pytest.raises(DataValidationError) as exc:
        companions.load_menu(tmp_path)
    assert _problems(exc) == [
        ("menu.json", "key", "button[0]"),
        ("menu.json", "url", "button[1].sub_button.list[0]"),
        ("menu.json", "type", "button[1].sub_button.list[2]"),
        ("menu.json", "type", "button[2]"),
        ("menu.json", "name", "button[3]"),
    ]


def test_menu_not_json(tmp_path: Path) -> None:
    (tmp_path / "menu.json").write_text('{"selfmenu_info": ', "utf-8")
    with pytest.raises(DataValidationError) as exc:
        companions.load_menu(tmp_path)
    assert exc.value.problems[0].expected == "合法的 JSON"
    (tmp_path / "menu.json").write_text('{"errcode": 40001}', "utf-8")
    with pytest.raises(DataValidationError) as exc:
        companions.load_menu(tmp_path)
    assert exc.value.problems[0].field == "selfmenu_info.button"


# --------------------------------------------------------------------------- content plan


def _csv(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def test_content_plan(tmp_path: Path) -> None:
    path = _csv(tmp_path, "content_plan.csv",
                "msgid,date,title,content_type,cost,author\n"
                "2650000001_1,,,品牌故事,3000,张三\n"
                ',2026-10-03,双十一预告,促销资讯,"1,200.5",李四\n'
                ",2026-09-28,上月文章,互动问答,100,王五\n")
    before = path.read_bytes()
    plan = companions.load_content_plan(tmp_path, MONTH)
    assert plan.drop(columns="_row").to_dict("records") == [
        {"msgid": "2650000001_1", "date": "", "title": "", "content_type": "品牌故事",
         "cost": 3000.0, "author": "张三"},
        {"msgid": "", "date": "2026-10-03", "title": "双十一预告", "content_type": "促销资讯",
         "cost": 1200.5, "author": "李四"},
    ]
    assert plan["_row"].tolist() == ["第 2 行", "第 3 行"]
    assert plan.attrs["notes"] == ["content_plan.csv 中 1 行的日期不在 2026-10 内，未计入"]
    assert path.read_bytes() == before


def test_content_plan_without_msgid_column_or_author(tmp_path: Path) -> None:
    _csv(tmp_path, "content_plan.csv", "date,title,content_type,cost\n2026-10-01,T,品牌故事,0\n")
    plan = companions.load_content_plan(tmp_path, MONTH)
    assert plan[["msgid", "author", "cost"]].values.tolist() == [["", "", 0.0]]
    assert companions.load_content_plan(tmp_path / "absent", MONTH) is None


def test_content_plan_problems(tmp_path: Path) -> None:
    _csv(tmp_path, "content_plan.csv",
         "msgid,date,title,content_type,cost,author\n"
         "2650000001_1,,,品牌故事,-5,a\n"           # line 2: negative cost
         "2650000002_1,,,品牌故事,三千,a\n"         # line 3: cost not a number
         ",2026-10-32,T,促销资讯,10,a\n"            # line 4: bad date
         ",,T,促销资讯,10,a\n"                       # line 5: neither msgid nor date+title
         "abc,,,促销资讯,10,a\n"                     # line 6: bad msgid
         "2650000003_1,,,,10,a\n"                   # line 7: no content type
         "2650000004_1,,,品牌故事,10,a\n"
         "2650000004_1,,,促销资讯,20,b\n")          # line 9: the same article again
    with pytest.raises(DataValidationError) as exc:
        companions.load_content_plan(tmp_path, MONTH)
    assert _problems(exc) == [
        ("content_plan.csv", "cost", "第 2 行"), ("content_plan.csv", "cost", "第 3 行"),
        ("content_plan.csv", "date", "第 4 行"), ("content_plan.csv", "msgid", "第 5 行"),
        ("content_plan.csv", "msgid", "第 6 行"), ("content_plan.csv", "content_type", "第 7 行"),
        ("content_plan.csv", "msgid", "第 9 行"),
    ]
    assert exc.value.problems[-1].found == "与 第 8 行 重复"


def test_content_plan_missing_columns(tmp_path: Path) -> None:
    _csv(tmp_path, "content_plan.csv", "msgid,content_type\n2650000001_1,品牌故事\n")
    with pytest.raises(DataValidationError) as exc:
        companions.load_content_plan(tmp_path, MONTH)
    assert _problems(exc) == [("content_plan.csv", "cost", "表头")]
    _csv(tmp_path, "content_plan.csv", "title,content_type,cost\nT,品牌故事,1\n")
    with pytest.raises(DataValidationError) as exc:
        companions.load_content_plan(tmp_path, MONTH)
    assert _problems(exc) == [("content_plan.csv", "msgid", "第 1 行")]


# --------------------------------------------------------------------------- orders


def test_orders(tmp_path: Path) -> None:
    _csv(tmp_path, "orders.csv",
         "order_id,follower_id,time,amount,msgid,channel\n"
         "o1,u1,2026-10-01 00:00:00,99.5,2650000001_1,article\n"
         "o2,u2,2026-10-31 23:59:59,10,,menu\n"
         "o3,u1,2026-11-01 00:00:00,50,,\n"
         "o4,u3,2026-09-30 23:59:59,20,,\n")
    orders = companions.load_orders(tmp_path, MONTH)
    assert orders.drop(columns="_row").to_dict("records") == [
        {"order_id": "o1", "follower_id": "u1", "time": pd.Timestamp("2026-10-01 00:00:00"),
         "amount": 99.5, "msgid": "2650000001_1", "channel": "article"},
        {"order_id": "o2", "follower_id": "u2", "time": pd.Timestamp("2026-10-31 23:59:59"),
         "amount": 10.0, "msgid": "", "channel": "menu"},
    ]
    assert orders.attrs["notes"] == ["orders.csv 中 2 行订单的时间不在 2026-10 内，未计入"]
    assert companions.load_orders(tmp_path / "absent", MONTH) is None


def test_orders_optional_columns_and_header_only(tmp_path: Path) -> None:
    _csv(tmp_path, "orders.csv", "order_id,follower_id,time,amount\n")
    orders = companions.load_orders(tmp_path, MONTH)
    assert orders.empty and list(orders.columns[:6]) == [
        "order_id", "follower_id", "time", "amount", "msgid", "channel"]
    assert orders.attrs["notes"] == ["orders.csv 只有表头，没有数据行"]


def test_orders_problems(tmp_path: Path) -> None:
    _csv(tmp_path, "orders.csv",
         "order_id,follower_id,time,amount,msgid\n"
         "o1,u1,2026-10-01 08:00:00,10,\n"
         "o1,u2,2026-10-02 08:00:00,10,\n"           # line 3: duplicate order id
         "o2,u1,2026-10-02,10,\n"                    # line 4: date without time
         "o3,,2026-10-02 08:00:00,abc,\n"            # line 5: no follower, bad amount
         "o4,u1,2026-10-02 25:00:00,-1,x\n")         # line 6: bad time, negative, bad msgid
    with pytest.raises(DataValidationError) as exc:
        companions.load_orders(tmp_path, MONTH)
    assert _problems(exc) == [
        ("orders.csv", "order_id", "第 3 行"), ("orders.csv", "time", "第 4 行"),
        ("orders.csv", "follower_id", "第 5 行"), ("orders.csv", "amount", "第 5 行"),
        ("orders.csv", "time", "第 6 行"), ("orders.csv", "amount", "第 6 行"),
        ("orders.csv", "msgid", "第 6 行"),
    ]
    assert exc.value.problems[0].found == "'o1' 与 第 2 行 重复"


def test_orders_times_and_repeats_checked_column_wise(tmp_path: Path) -> None:
    _csv(tmp_path, "orders.csv",
         "order_id,follower_id,time,amount\n"
         "o1,u1,2026-10-01T08:00:00,1\n"             # a T between date and time is fine
         "o2,u1,2026-10-01 23:59:60,1\n"             # line 3: a leap second is not a time
         "o3,u1,2026-09-31 08:00:00,1\n"             # line 4: no such day
         "o1,u2,2026-10-02 08:00:00,1\n"             # line 5: o1 again (first on line 2)
         "o1,u3,2026-10-03 08:00:00,1,\n"            # line 6: and again
         "o4,u1, 2026-10-03 08:00:00 ,1e3\n")        # cells are stripped; 1e3 is a number
    with pytest.raises(DataValidationError) as exc:
        companions.load_orders(tmp_path, MONTH)
    assert [(p.field, p.row, p.found) for p in exc.value.problems] == [
        ("time", "第 3 行", "'2026-10-01 23:59:60'"), ("time", "第 4 行", "'2026-09-31 08:00:00'"),
        ("order_id", "第 5 行", "'o1' 与 第 2 行 重复"), ("order_id", "第 6 行", "'o1' 与 第 2 行 重复")]
    _csv(tmp_path, "orders.csv",
         "order_id,follower_id,time,amount\n"
         "o1,u1,2026-10-01T08:00:00,1\n"
         "o4,u1, 2026-10-03 08:00:00 ,1e3\n"
         "o5,u1,2026-11-03 08:00:00,2\n")
    orders = companions.load_orders(tmp_path, MONTH)
    assert orders["time"].tolist() == [pd.Timestamp("2026-10-01 08:00:00"),
                                       pd.Timestamp("2026-10-03 08:00:00")]
    assert orders["amount"].tolist() == [1.0, 1000.0]
    assert orders["_row"].tolist() == ["第 2 行", "第 3 行"]
    assert orders.attrs["notes"] == ["orders.csv 中 1 行订单的时间不在 2026-10 内，未计入"]


def test_orders_missing_column(tmp_path: Path) -> None:
    _csv(tmp_path, "orders.csv", "order_id,time,amount\no1,2026-10-01 08:00:00,1\n")
    with pytest.raises(DataValidationError) as exc:
        companions.load_orders(tmp_path, MONTH)
    assert _problems(exc) == [("orders.csv", "follower_id", "表头")]
    assert "order_id、time、amount" in exc.value.problems[0].found


# --------------------------------------------------------------------------- Parquet statistics


def _parquet_groups(path: Path, times: list, fids: list, evs: list) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"time": times, "follower_id": fids, "event": evs})
    pq.write_table(table, path, row_group_size=2)


def test_parquet_checks_only_the_row_groups_statistics_cannot_clear(tmp_path: Path) -> None:
    # Row groups of two rows: clean | one before the month | system row + unknown | one after.
    times = [datetime(2026, 10, 1), datetime(2026, 10, 2), datetime(2026, 9, 30, 23),
             datetime(2026, 10, 3), datetime(2026, 10, 4), datetime(2026, 10, 5),
             datetime(2026, 10, 6), datetime(2026, 11, 1)]
    fids = ["a", "b", "c", "d", "", "e", "f", "g"]
    evs = ["CLICK", "VIEW", "CLICK", "CLICK", "MASSSENDJOBFINISH", "foo", "CLICK", "CLICK"]
    _parquet_groups(tmp_path / "events.parquet", times, fids, evs)
    with events.open_month(tmp_path, MONTH) as log:
        assert (log.rows_total, log.rows_used, log.outside_month, log.unknown) == (
            8, 5, 2, {"foo": 1})
        assert [r[2] for r in _rows(log)] == ["a", "b", "d", "", "f"]
    fids[1] = " "  # in a row group whose times are all inside the month
    _parquet_groups(tmp_path / "events.parquet", times, fids, evs)
    with pytest.raises(DataValidationError) as exc:
        events.open_month(tmp_path, MONTH)
    assert _problems(exc) == [("events.parquet", "follower_id", None),
                              ("events.parquet", "follower_id", "第 2 条记录")]
    assert exc.value.problems[1].found == "' '（只有空白）"


def test_parquet_tz_aware_month_bounds_in_shanghai(tmp_path: Path) -> None:
    utc = ZoneInfo("UTC")
    times = [datetime(2026, 9, 30, 15, 59, 59, tzinfo=utc), datetime(2026, 9, 30, 16, tzinfo=utc),
             datetime(2026, 10, 31, 15, 59, 59, tzinfo=utc), datetime(2026, 10, 31, 16, tzinfo=utc)]
    _parquet_groups(tmp_path / "events.parquet", times, list("abcd"), ["CLICK"] * 4)
    with events.open_month(tmp_path, MONTH) as log:
        assert [(r[0], r[2]) for r in _rows(log)] == [("2026-10-01 00:00:00", "b"),
                                                      ("2026-10-31 23:59:59", "c")]
        assert log.outside_month == 2


def test_spill_directory_removed_when_a_log_is_dropped_unclosed() -> None:
    import gc

    log = events.from_frame(_frame(), MONTH)
    spill = Path(log.con.sql("SELECT current_setting('temp_directory')").fetchall()[0][0])
    assert spill.is_dir()
    log.con.close()
    del log
    gc.collect()
    assert not spill.exists()
