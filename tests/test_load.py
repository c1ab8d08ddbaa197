"""Loading and validation: every bad-input class gets a message naming file, field, row."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import dump, make_month
from wxnb.exceptions import DataValidationError
from wxnb.io.datacube import discover, load_month, load_previous


def first_file(folder: Path, endpoint: str) -> Path:
    return sorted(folder.glob(f"{endpoint}_*.json"))[0]


def edit(path: Path, fn) -> None:
    body = json.loads(path.read_text(encoding="utf-8"))
    fn(body)
    dump(path, body)


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        load_month(folder, "2026-10")
    return [str(p) for p in info.value.problems]


def test_valid_month_loads_typed_frames(month_dir: Path) -> None:
    data = load_month(month_dir, "2026-10")
    assert data.frames["getusersummary"]["new_user"].sum() == 31 * 10
    assert str(data.frames["getusercumulate"]["cumulate_user"].dtype) == "int64"
    assert data.warnings == []


def test_discover_tells_userread_from_userreadhour(tmp_path: Path) -> None:
    for name in ("getuserread_2026-10-01_2026-10-03.json", "getuserreadhour_2026-10-01.json",
                 "getuserread.csv", "notes.txt", "getuserreadx.json"):
        (tmp_path / name).write_text("{}")
    found = discover(tmp_path)
    assert [p.name for p in found["getuserread"]] == [
        "getuserread.csv", "getuserread_2026-10-01_2026-10-03.json"]
    assert [p.name for p in found["getuserreadhour"]] == ["getuserreadhour_2026-10-01.json"]


def test_missing_required_file_is_named(month_dir: Path) -> None:
    for p in month_dir.glob("getusercumulate_*.json"):
        p.unlink()
    msgs = problems_of(month_dir)
    assert len(msgs) == 1
    assert "getusercumulate" in msgs[0] and "没有找到" in msgs[0]


def test_malformed_json_names_file_and_position(month_dir: Path) -> None:
    bad = first_file(month_dir, "getuserread")
    bad.write_text('{"list": [{"ref_date": "2026-10-01",}', encoding="utf-8")
    msgs = problems_of(month_dir)
    assert any(bad.name in m and "JSON 解析失败" in m and "第 1 行" in m for m in msgs)


def test_errcode_body_is_an_error_with_its_message(month_dir: Path) -> None:
    bad = first_file(month_dir, "getusersummary")
    dump(bad, {"errcode": 61501, "errmsg": "date range error"})
    (msg,) = problems_of(month_dir)
    assert bad.name in msg and "errcode=61501" in msg and "date range error" in msg


def test_renamed_field_is_reported_as_missing(month_dir: Path) -> None:
    bad = first_file(month_dir, "getusersummary")
    edit(bad, lambda b: [r.update(newuser=r.pop("new_user")) for r in b["list"]])
    msgs = problems_of(month_dir)
    assert any(bad.name in m and "new_user" in m and "字段缺失" in m for m in msgs)


def test_field_missing_in_one_row_names_the_row(month_dir: Path) -> None:
    bad = first_file(month_dir, "getusersummary")
    edit(bad, lambda b: b["list"][3].pop("cancel_user"))
    (msg,) = problems_of(month_dir)
    assert f"{bad.name} list[3] 字段 cancel_user" in msg and "缺失" in msg


def test_wrong_type_says_expected_and_found(month_dir: Path) -> None:
    bad = first_file(month_dir, "getusersummary")
    edit(bad, lambda b: b["list"][2].update(new_user="12"))
    (msg,) = problems_of(month_dir)
    assert "list[2]" in msg and "new_user" in msg and "整数" in msg and "'12'（文本）" in msg


def test_negative_count(month_dir: Path) -> None:
    bad = first_file(month_dir, "getuserread")
    edit(bad, lambda b: b["list"][1].update(int_page_read_count=-5))
    (msg,) = problems_of(month_dir)
    assert "list[1]" in msg and "int_page_read_count" in msg and "非负数" in msg and "-5" in msg


def test_date_outside_month(month_dir: Path) -> None:
    bad = first_file(month_dir, "getusercumulate")
    edit(bad, lambda b: b["list"][0].update(ref_date="2026-09-30"))
    msgs = problems_of(month_dir)
    assert any("list[0]" in m and "ref_date" in m and "2026-10 月内" in m for m in msgs)


def test_all_problems_in_a_file_are_reported_together(month_dir: Path) -> None:
    bad = first_file(month_dir, "getusersummary")
    edit(bad, lambda b: (b["list"][0].update(new_user=-1), b["list"][1].update(cancel_user="x")))
    bad2 = first_file(month_dir, "getuserread")
    bad2.write_text("not json")
    msgs = problems_of(month_dir)
    assert len(msgs) == 3
    assert sum(m.startswith(bad.name) for m in msgs) == 2
    assert sum(m.startswith(bad2.name) for m in msgs) == 1


def test_duplicate_rows_across_chunk_files(month_dir: Path) -> None:
    src = first_file(month_dir, "getusersummary")
    body = json.loads(src.read_text(encoding="utf-8"))
    dump(month_dir / "getusersummary_extra.json", {"list": body["list"][:1]})
    (msg,) = problems_of(month_dir)
    assert "getusersummary_extra.json list[0]" in msg and "重复" in msg and src.name in msg


def test_empty_list_is_a_warning_not_a_failure(month_dir: Path) -> None:
    dump(month_dir / "getusershare_2026-10-01_2026-10-07.json", {"list": []})
    data = load_month(month_dir, "2026-10")
    assert any("getusershare_2026-10-01_2026-10-07.json" in w and "list 为空" in w
               for w in data.warnings)


def test_missing_days_are_a_warning(month_dir: Path) -> None:
    bad = first_file(month_dir, "getuserread")  # covers 10-01..10-03
    bad.unlink()
    data = load_month(month_dir, "2026-10")
    assert any("getuserread" in w and "10-01、10-02、10-03" in w for w in data.warnings)
    row = next(r for r in data.coverage() if "getuserread）" in r["数据"])
    assert row["覆盖天数"] == "28/31" and row["状态"] == "缺 3 天"


def test_unknown_enum_is_kept(month_dir: Path) -> None:
    bad = first_file(month_dir, "getusersummary")
    edit(bad, lambda b: b["list"][0].update(user_source=999))
    data = load_month(month_dir, "2026-10")
    assert 999 in set(data.frames["getusersummary"]["user_source"])


def test_cumulative_article_counter_may_not_decrease(month_dir: Path) -> None:
    bad = sorted(month_dir.glob("getarticletotal_*.json"))[0]
    edit(bad, lambda b: b["list"][0]["details"][1].update(int_page_read_user=1))
    (msg,) = problems_of(month_dir)
    assert "list[0].details[1]" in msg and "int_page_read_user" in msg and "累计值" in msg


def test_bad_ref_hour(month_dir: Path) -> None:
    row = {"ref_date": "2026-10-01", "ref_hour": 130, "user_source": 99999999,
           **{k: 1 for k in ("int_page_read_user", "int_page_read_count", "ori_page_read_user",
                             "ori_page_read_count", "share_user", "share_count",
                             "add_to_fav_user", "add_to_fav_count")}}
    dump(month_dir / "getuserreadhour_2026-10-01.json", {"list": [row]})
    (msg,) = problems_of(month_dir)
    assert "ref_hour" in msg and "2300" in msg and "130" in msg


def test_interface_fail_count_above_callbacks(month_dir: Path) -> None:
    dump(month_dir / "getinterfacesummary.json", {"list": [
        {"ref_date": "2026-10-01", "callback_count": 10, "fail_count": 11,
         "total_time_cost": 100, "max_time_count": 20}]})
    (msg,) = problems_of(month_dir)
    assert "fail_count" in msg and "callback_count" in msg


def test_csv_alternative_with_same_fields(month_dir: Path) -> None:
    for p in month_dir.glob("getusercumulate_*.json"):
        rows = json.loads(p.read_text(encoding="utf-8"))["list"]
        p.unlink()
        lines = ["ref_date,cumulate_user"] + [f"{r['ref_date']},{r['cumulate_user']}" for r in rows]
        p.with_suffix(".csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = load_month(month_dir, "2026-10")
    assert len(data.frames["getusercumulate"]) == 31
    bad = sorted(month_dir.glob("getusercumulate_*.csv"))[0]
    bad.write_text("ref_date,cumulate_user\n2026-10-01,abc\n", encoding="utf-8")
    (msg,) = problems_of(month_dir)
    assert f"{bad.name} 第 2 行 字段 cumulate_user" in msg and "'abc'" in msg


def test_inconsistent_cumulate_is_a_note(month_dir: Path) -> None:
    bad = first_file(month_dir, "getusercumulate")
    edit(bad, lambda b: b["list"][3].update(cumulate_user=b["list"][3]["cumulate_user"] + 50))
    data = load_month(month_dir, "2026-10")
    assert any("累计粉丝的日变化" in w and "10-04（差 +50）" in w for w in data.warnings)


def test_input_files_are_never_modified(month_dir: Path) -> None:
    def digest() -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in month_dir.iterdir()}
    before = digest()
    load_month(month_dir, "2026-10")
    edit(first_file(month_dir, "getuserread"), lambda b: b["list"][0].update(share_user=-1))
    before = digest()
    with pytest.raises(DataValidationError):
        load_month(month_dir, "2026-10")
    assert digest() == before


def test_previous_month_absent_or_broken_is_a_note(tmp_path: Path) -> None:
    none = load_previous(tmp_path / "2026-09", "2026-09")
    assert none.data is None and "无上月数据" in none.note
    broken = make_month(tmp_path / "2026-09", "2026-09")
    edit(first_file(broken, "getusersummary"), lambda b: b["list"][0].update(new_user="x"))
    res = load_previous(broken, "2026-09")
    assert res.data is None and "校验未通过" in res.note


# --------------------------------------------------------------------------- encodings and shapes


def csv_of(rows: list[dict]) -> str:
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(str(r[k]) for k in header) for r in rows]
    return "\n".join(lines) + "\n"


def article_csv(month_dir: Path, title: str, msgid: str = "2247483600_1") -> Path:
    """Replace the first getarticletotal JSON by a CSV of the same article with ``title``."""
    src = min(month_dir.glob("getarticletotal_*.json"))
    item = json.loads(src.read_text(encoding="utf-8"))["list"][0]
    src.unlink()
    rows = [{"ref_date": item["ref_date"], "msgid": msgid, "title": title, **d}
            for d in item["details"]]
    path = src.with_suffix(".csv")
    path.write_text(csv_of(rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-8-sig"])
def test_excel_csv_encodings_are_read_and_named(month_dir: Path, encoding: str) -> None:
    # Excel on Chinese Windows saves a plain "CSV" as GBK (GB18030 reads it), "Unicode text"
    # as UTF-16 with a BOM and "CSV UTF-8" with a BOM.
    path = article_csv(month_dir, "双十一：爆款清单")
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode(encoding))
    data = load_month(month_dir, "2026-10")
    assert "双十一：爆款清单" in set(data.frames["getarticletotal"]["title"])
    named = {"gbk": "GB18030", "gb18030": "GB18030", "utf-16": "UTF-16"}.get(encoding)
    notes = [w for w in data.warnings if path.name in w]
    assert notes == ([f"{path.name} 按 {named} 编码读取"] if named else [])


def test_csv_that_is_no_known_encoding_says_which_were_tried(month_dir: Path) -> None:
    path = article_csv(month_dir, "标题")
    path.write_bytes(path.read_bytes() + b"\xff\xfe\x80 tail\n")  # damaged UTF-8, not GBK
    (p,) = problem_objects(month_dir)
    assert p.file == path.name and "UTF-8" in p.expected and "GB18030" in p.expected
    assert "0xFF" in p.found and "第 4 行" in p.found


def problem_objects(folder: Path, *endpoints: str) -> list:
    with pytest.raises(DataValidationError) as info:
        load_month(folder, "2026-10", endpoints=endpoints or None)
    return info.value.problems


@pytest.mark.parametrize("title", ["520", "007", "-1", "1e3", "２０２６"])
def test_digit_only_title_in_csv_stays_text(month_dir: Path, title: str) -> None:
    article_csv(month_dir, title)
    data = load_month(month_dir, "2026-10")
    df = data.frames["getarticletotal"]
    assert df.loc[df["msgid"] == "2247483600_1", "title"].tolist() == [title, title]


def test_json_with_a_bom_is_accepted(month_dir: Path) -> None:
    for p in month_dir.glob("getusersummary_*.json"):
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    data = load_month(month_dir, "2026-10")
    assert data.frames["getusersummary"]["new_user"].sum() == 31 * 10
    assert data.warnings == []


@pytest.mark.parametrize("endpoint", ["getarticletotal", "getarticlesummary",
                                      "getarticletotaldetail"])
@pytest.mark.parametrize("msgid", ["2247483647", "_1", "2247483647_1_2", "２２４７_1"])
def test_msgid_without_index_is_rejected(month_dir: Path, endpoint: str, msgid: str) -> None:
    day = "2026-10-03"
    detail = {"stat_date": day, "read_user": 1, "share_user": 1, "zaikan_user": 0,
              "like_user": 0, "comment_count": 0}
    if endpoint == "getarticletotal":
        path = min(month_dir.glob("getarticletotal_*.json"))
        edit(path, lambda b: b["list"][0].update(msgid=msgid))
    elif endpoint == "getarticlesummary":
        path = dump(month_dir / f"getarticlesummary_{day}.json", {"list": [
            {"ref_date": day, "msgid": "2247483600_1", "title": "好", **{k: 1 for k in (
                "int_page_read_user", "int_page_read_count", "ori_page_read_user",
                "ori_page_read_count", "share_user", "share_count", "add_to_fav_user",
                "add_to_fav_count")}}]})
        edit(path, lambda b: b["list"].append({**b["list"][0], "msgid": msgid}))
    else:
        path = dump(month_dir / f"getarticletotaldetail_{day}.json", {"list": [
            {"ref_date": day, "msgid": msgid, "detail_list": [detail]}]})
    problems = problem_objects(month_dir, endpoint)
    rows = {"getarticletotal": ["list[0].details[0]", "list[0].details[1]"],
            "getarticlesummary": ["list[1]"],
            "getarticletotaldetail": ["list[0].detail_list[0]"]}[endpoint]
    assert [(p.file, p.field, p.row) for p in problems] == [(path.name, "msgid", r) for r in rows]
    assert "<msg_data_id>_<idx>" in problems[0].expected and msgid in problems[0].found


def test_msgid_rule_applies_to_csv_too(month_dir: Path) -> None:
    path = article_csv(month_dir, "标题", msgid="2247483600")
    problems = problem_objects(month_dir)
    assert {(p.file, p.field, p.row) for p in problems} == {
        (path.name, "msgid", "第 2 行"), (path.name, "msgid", "第 3 行")}


# --------------------------------------------------------------------------- hostile values


def raw_edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("token", "found"), [
    ("9" * 5000, "5000 位整数"),             # beyond Python's int-from-text limit
    ("9" * 19, "9999999999999999999"),       # beyond int64
    (str(2**63), str(2**63)),
    (str(10**12 + 1), str(10**12 + 1)),      # beyond the plausible bound
])
def test_huge_counts_are_problems(month_dir: Path, token: str, found: str) -> None:
    bad = first_file(month_dir, "getusersummary")
    raw_edit(bad, '"new_user": 6', f'"new_user": {token}')
    (p,) = problem_objects(month_dir)
    assert (p.file, p.field, p.row) == (bad.name, "new_user", "list[0]")
    assert "1,000,000,000,000" in p.expected and found in p.found


def test_huge_counts_in_csv_are_problems(month_dir: Path) -> None:
    for p in month_dir.glob("getusercumulate_*.json"):
        p.unlink()
    rows = [{"ref_date": f"2026-10-{d:02d}", "cumulate_user": 1000 + d} for d in range(1, 32)]
    rows[4]["cumulate_user"] = "9" * 5000
    rows[5]["cumulate_user"] = -(2**64)
    path = month_dir / "getusercumulate.csv"
    path.write_text(csv_of(rows), encoding="utf-8")
    problems = problem_objects(month_dir)
    assert [(p.file, p.field, p.row) for p in problems] == [
        (path.name, "cumulate_user", "第 7 行"), (path.name, "cumulate_user", "第 6 行")]
    assert "非负数" in problems[0].expected and "5000 位整数" in problems[1].found


@pytest.mark.parametrize(("body", "found"), [
    ("[" * 100_000 + "]" * 100_000, "嵌套过深"),
    ('{"list": [{"ref_date": "2026-10-01", "user_source": 0, "new_user": NaN}]}', "NaN"),
    ('{"list": [{"ref_date": "2026-10-01", "user_source": 0, "new_user": -Infinity}]}',
     "-Infinity"),
    ("", "JSON 解析失败"),
    ("\x00\x00", "NUL"),
    # a lone surrogate escape is valid JSON but no character: no UTF-8 writer takes it
    ('{"list": [{"ref_date": "2026-10-01", "user_source": 0, "note": "\\ud800"}]}', "\\ud800"),
])
def test_unparseable_json_is_one_problem(month_dir: Path, body: str, found: str) -> None:
    bad = first_file(month_dir, "getusersummary")
    bad.write_text(body, encoding="utf-8")
    (p,) = problem_objects(month_dir)
    assert p.file == bad.name and found in p.found


@pytest.mark.parametrize(("body", "row", "found"), [
    ("42", None, "整数 42"),
    ('"list"', None, "文本"),
    ("[1, null]", "[0].", "整数 1"),
    ("null", None, "null"),
])
def test_json_that_is_not_an_envelope(month_dir: Path, body: str, row: str | None,
                                      found: str) -> None:
    bad = first_file(month_dir, "getusersummary")
    bad.write_text(body, encoding="utf-8")
    problems = problem_objects(month_dir)
    assert (problems[0].file, problems[0].row) == (bad.name, row) and found in problems[0].found


@pytest.mark.parametrize(("field_", "value", "found"), [
    ("new_user", "1e400", "inf（小数）"),
    ("new_user", "true", "True（布尔值）"),
    ("new_user", "1.0", "1.0（小数）"),
    ("new_user", "[1]", "（数组）"),
    ("user_source", "false", "False（布尔值）"),
])
def test_wrong_json_types_in_counts(month_dir: Path, field_: str, value: str, found: str) -> None:
    bad = first_file(month_dir, "getusersummary")
    raw_edit(bad, f'"{field_}": {6 if field_ == "new_user" else 30}', f'"{field_}": {value}')
    problems = problem_objects(month_dir)
    assert (problems[0].file, problems[0].field, problems[0].row) == (bad.name, field_, "list[0]")
    assert "整数" in problems[0].expected and found in problems[0].found


@pytest.mark.parametrize("title", [520, ["a"], {"t": 1}, True, 1.5])
def test_non_string_title_is_a_problem(month_dir: Path, title: object) -> None:
    bad = min(month_dir.glob("getarticletotal_*.json"))
    edit(bad, lambda b: b["list"][0].update(title=title))
    problems = problem_objects(month_dir)
    assert {(p.file, p.field) for p in problems} == {(bad.name, "title")}
    assert problems[0].row == "list[0].details[0]"


def test_csv_shapes_header_spaces_line_ends_and_bad_rows(month_dir: Path) -> None:
    for p in month_dir.glob("getusercumulate_*.json"):
        p.unlink()
    rows = [" ref_date ,\tcumulate_user "] + [f"2026-10-{d:02d},{1000 + 6 * d}"
                                                for d in range(1, 32)]
    path = month_dir / "getusercumulate.csv"
    path.write_bytes("\r".join(rows).encode())  # CR alone, and spaces around the header names
    assert len(load_month(month_dir, "2026-10").frames["getusercumulate"]) == 31
    path.write_bytes("\r\n".join(rows[:3] + ["2026-10-03,1,extra"] + rows[4:]).encode())
    (p,) = problem_objects(month_dir)
    assert (p.file, p.row) == (path.name, "第 4 行") and "3 个字段" in p.found
    path.write_bytes(b"\xef\xbb\xbf")
    (p,) = problem_objects(month_dir)
    assert (p.file, p.found) == (path.name, "空文件")
    path.write_text("ref_date,ref_date,cumulate_user\n2026-10-01,2026-10-01,1\n", "utf-8")
    (p,) = problem_objects(month_dir)
    assert (p.file, p.field, p.row) == (path.name, "ref_date", "第 1 行")


def test_stat_date_beyond_the_timestamp_range_is_a_problem(month_dir: Path) -> None:
    bad = min(month_dir.glob("getarticletotal_*.json"))
    edit(bad, lambda b: b["list"][0]["details"][1].update(stat_date="9999-12-31"))
    (p,) = problem_objects(month_dir)
    assert (p.file, p.field, p.row) == (bad.name, "stat_date", "list[0].details[1]")


def test_both_spellings_of_an_aliased_field(month_dir: Path) -> None:
    dump(month_dir / "getinterfacesummary.json", {"list": [
        {"ref_date": "2026-10-01", "callback_count": 10, "fail_count": 1,
         "total_time_cost": 100, "max_time_cost": 20, "max_time_count": 30},
        {"ref_date": "2026-10-02", "callback_count": 10, "fail_count": 1,
         "total_time_cost": 100, "max_time_count": 40}]})
    df = load_month(month_dir, "2026-10").frames["getinterfacesummary"]
    assert df["max_time_cost"].tolist() == [20, 40]


@pytest.mark.parametrize("endpoint", ["getusersummary", "getusercumulate", "getuserread"])
def test_a_required_endpoint_present_but_empty_fails_validation(tmp_path: Path,
                                                                 endpoint: str) -> None:
    """It passed check and then failed sections: now it is a problem naming the files."""
    from conftest import make_month

    folder = make_month(tmp_path / "2026-10")
    for path in folder.glob(f"{endpoint}_*.json"):
        path.write_text('{"list": []}', encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_month(folder, "2026-10")
    (problem,) = info.value.problems
    assert problem.field == "list" and endpoint in problem.file and "都为空" in problem.found


def test_a_month_without_pushes_is_valid(tmp_path: Path) -> None:
    from conftest import make_month

    folder = make_month(tmp_path / "2026-10")
    for path in folder.glob("getarticletotal_*.json"):
        path.write_text('{"list": []}', encoding="utf-8")
    assert "getarticletotal" not in load_month(folder, "2026-10").frames


def test_counts_are_bounded_so_month_sums_cannot_wrap(tmp_path: Path) -> None:
    """Two counts of 2^62 summed past int64 and wrapped to a negative total."""
    from conftest import make_month

    folder = make_month(tmp_path / "2026-10")
    path = sorted(folder.glob("getusersummary_*.json"))[0]
    body = json.loads(path.read_text(encoding="utf-8"))
    body["list"][0]["new_user"] = body["list"][1]["new_user"] = 2**62
    path.write_text(json.dumps(body), encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_month(folder, "2026-10")
    assert {p.field for p in info.value.problems} == {"new_user"}


def test_empty_chunks_are_one_note_per_endpoint(month_dir: Path) -> None:
    """A month without pushes said "list 为空" once per chunk file (15 lines in the sample)."""
    for path in month_dir.glob("getarticletotal_*.json"):
        path.unlink()
    for day in range(1, 6):
        dump(month_dir / f"getarticletotal_2026-10-0{day}_2026-10-0{day}.json", {"list": []})
    notes = [w for w in load_month(month_dir, "2026-10").warnings if "list 为空" in w]
    assert len(notes) == 1 and notes[0].startswith("本月没有群发图文")
    assert "等 5 个文件" in notes[0]
