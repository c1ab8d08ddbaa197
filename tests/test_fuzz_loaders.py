"""Every loader, fed generated malformed input, either accepts it or raises DataValidationError.

The cases come from ``tests/fuzzgen.py`` (shared with ``tools/fuzz_inputs.py``, which runs
10,000 of them): a tiny valid folder per loader, one or two files damaged by structural and byte
mutations. Hypothesis drives the generator's random choices, so a failure is shrunk and printed
with the mutations that caused it. Bounded and repeatable: ``EXAMPLES`` cases per loader, no
deadline, derandomized (the same cases on every run, so CI is not flaky; explore new ones with
``tools/fuzz_inputs.py --seed N``), no example database in the checkout. Below, the classes of
input the fuzzing found are pinned as plain tests of sections 05–07, the content plan, the
orders and the menu (the datacube and event log ones are in test_load.py and test_events.py).
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import fuzzgen
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from wxnb.io import companions
from wxnb.io import competitors as s05_competitors
from wxnb.io import tech as s06_tech
from wxnb.io import risk as s07_risk
from wxnb.exceptions import DataValidationError

EXAMPLES = 120
MONTH = fuzzgen.MONTH


@pytest.mark.parametrize("name", list(fuzzgen.TARGETS))
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rng=st.randoms(use_true_random=False, note_method_calls=False))
def test_loader_accepts_or_reports_malformed_input(name: str, rng) -> None:
    target = fuzzgen.TARGETS[name]
    case = fuzzgen.make_case(rng, target)
    note(case.describe())
    with tempfile.TemporaryDirectory(prefix="wxnb-fuzz-") as folder:
        outcome = fuzzgen.run_case(target, case, Path(folder))
    assert outcome in ("accepted", "clean")


def test_the_valid_base_folders_are_accepted(tmp_path: Path) -> None:
    for i, target in enumerate(fuzzgen.TARGETS.values()):
        folder = tmp_path / str(i)
        folder.mkdir()
        case = fuzzgen.Case(target.name, dict(target.base(random.Random(i))))
        assert fuzzgen.run_case(target, case, folder) == "accepted", target.name


# --------------------------------------------------------------------------- found by fuzzing


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def problems(fn, *args) -> list[tuple]:
    with pytest.raises(DataValidationError) as exc:
        fn(*args)
    return [(p.file, p.field, p.row) for p in exc.value.problems]


ARTICLES = ("account,publish_date,title,is_headline,reads,zaikan,likes,shares\n"
            "竞品甲,2026-10-01,520,1,10万+,120,300,45\n"
            "竞品乙,2026-10-02,双十一预告,是,8000,5,9,\n")


@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8-sig"])
def test_s05_reads_excel_encodings_and_names_them(tmp_path: Path, encoding: str) -> None:
    write(tmp_path, s05_competitors.ARTICLES_FILE, ARTICLES, encoding)
    inputs = s05_competitors.load(tmp_path, MONTH)
    assert inputs.articles["title"].tolist() == ["520", "双十一预告"]
    named = {"gbk": "GB18030", "utf-16": "UTF-16"}.get(encoding)
    assert inputs.notes == ([f"competitor_articles.csv 按 {named} 编码读取"] if named else [])


def test_s05_counts_beyond_the_bound_and_header_spaces(tmp_path: Path) -> None:
    write(tmp_path, s05_competitors.ARTICLES_FILE,
          " account , publish_date,title,is_headline,reads,zaikan,likes,shares\r"
          f"竞品甲,2026-10-01,T,1,{'9' * 5000},1,1,1\r"     # Python refuses int() of this
          f"竞品甲,2026-10-02,U,1,1,{2**63},1,1\r")         # overflowed int64
    assert problems(s05_competitors.load, tmp_path, MONTH) == [
        ("competitor_articles.csv", "reads", "第 2 行"),
        ("competitor_articles.csv", "zaikan", "第 3 行")]


def test_s06_decimal_separator_superscript_digits_and_times(tmp_path: Path) -> None:
    write(tmp_path, s06_tech.PERF_FILE, "date,startup_ms,samples\n2026-10-01,\"1,350\",30\n")
    perf = s06_tech.load(tmp_path, MONTH).performance  # used to crash: astype(float) of "1,350"
    assert perf["startup_ms"].tolist() == [1350.0]
    write(tmp_path, s06_tech.PERF_FILE, "date,startup_ms,samples\n2026-10-01,1,²\n"
          f"2026-10-02,1,{'9' * 30}\n2026-W41-1,1,1\n")
    write(tmp_path, s06_tech.AUTOREPLY_FILE, "time,user,message,rule,correct\n"
          "٢٠٢٦-١٠-٠١ ٠٨:٠٠,u,m,,是\n2026-10-01T08:00,u,m,,是\n")
    assert problems(s06_tech.load, tmp_path, MONTH) == [
        ("miniprogram_performance.csv", "samples", "第 2 行"),
        ("miniprogram_performance.csv", "samples", "第 3 行"),
        ("miniprogram_performance.csv", "date", "第 4 行"),
        ("autoreply_samples.csv", "time", "第 2 行"),
        ("autoreply_samples.csv", "time", "第 3 行")]


def test_s07_header_spaces_far_future_and_encodings(tmp_path: Path) -> None:
    header = " date , type ,severity,description,action,resolved_at\n"
    write(tmp_path, s07_risk.INCIDENTS_FILE, header + "2026-10-03,负面舆情,高,投诉,回复,\n", "gbk")
    inputs = s07_risk.load(tmp_path, MONTH)  # used to raise KeyError: 'date'
    assert inputs.incidents["type"].tolist() == ["负面舆情"]
    assert inputs.notes == ["incidents.csv 按 GB18030 编码读取"]
    write(tmp_path, s07_risk.INCIDENTS_FILE,
          header + "2026-10-03,负面舆情,高,投诉,回复,9999-12-31 23:59\n")  # beyond pandas' range
    assert problems(s07_risk.load, tmp_path, MONTH) == [
        ("incidents.csv", "resolved_at", "第 2 行")]
    write(tmp_path, s07_risk.INCIDENTS_FILE, "date,date\n")
    assert problems(s07_risk.load, tmp_path, MONTH) == [("incidents.csv", "date", "第 1 行")]


def test_s07_nul_bytes_and_too_many_cells(tmp_path: Path) -> None:
    write(tmp_path, s07_risk.INCIDENTS_FILE,
          "date,type,severity,description,action,resolved_at\n2026-10-03,其他,高,x,\x00,\n")
    assert problems(s07_risk.load, tmp_path, MONTH) == [("incidents.csv", None, "第 2 行")]
    write(tmp_path, s07_risk.INCIDENTS_FILE,
          "date,type,severity,description,action,resolved_at\n2026-10-03,其他,高,x,,,extra\n")
    assert problems(s07_risk.load, tmp_path, MONTH) == [("incidents.csv", None, "第 2 行")]


def test_content_plan_and_orders_encodings_and_shapes(tmp_path: Path) -> None:
    write(tmp_path, companions.CONTENT_PLAN_FILE,
          "msgid , content_type,cost\r\n2247483600_1,促销资讯,1\r\n", "gb18030")
    plan = companions.load_content_plan(tmp_path, MONTH)
    assert plan["content_type"].tolist() == ["促销资讯"]
    assert plan.attrs["notes"] == ["content_plan.csv 按 GB18030 编码读取"]
    write(tmp_path, companions.ORDERS_FILE, "order_id,follower_id,time,amount,msgid\n"
          "o1,u1,2026-10-01 08:00:00,1,2247483647\n"          # msgid without its index
          "o2,u1,٢٠٢٦-١٠-٠١ ٠٨:٠٠:٠٠,1,\n")                  # Arabic-Indic digits
    assert problems(companions.load_orders, tmp_path, MONTH) == [
        ("orders.csv", "msgid", "第 2 行"), ("orders.csv", "time", "第 3 行")]


@pytest.mark.parametrize(("body", "found"), [
    ("[" * 50_000, "嵌套过深"), ('{"selfmenu_info": {"button": [], "x": ' + "9" * 5000 + "}}",
                                 None), ("\ufeff" + '{"selfmenu_info": {"button": []}}', None),
    ('{"selfmenu_info": {"button": [{"name": "A", "type": "click", "key": NaN}]}}', "NaN"),
    ('{"selfmenu_info": {"button": [{"name": "A\\udc00", "type": "click", "key": "K"}]}}',
     "\\udc00"),  # pandas' string column used to fail on the lone surrogate
])
def test_menu_json_hostile_documents(tmp_path: Path, body: str, found: str | None) -> None:
    write(tmp_path, companions.MENU_FILE, body)
    if found is None:  # a BOM, or a huge integer in a field the menu does not use, is fine
        assert companions.load_menu(tmp_path).items.empty
        return
    with pytest.raises(DataValidationError) as exc:
        companions.load_menu(tmp_path)
    assert exc.value.problems[0].file == "menu.json" and found in exc.value.problems[0].found
