"""Loading and validation: every bad-input class gets a message naming file, field, row."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import dump, make_month
from wxnb.exceptions import DataValidationError
from wxnb.load import discover, load_month, load_previous


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
