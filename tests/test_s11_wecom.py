"""Section 11 企业微信试点评估: hand-computed outcomes, the DiD on a hand-made design, bad
input, degraded months, the sample's planted effects, hostile text, charts."""

from __future__ import annotations

import io
import json
import re
import shutil
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_did import brute_p

from wxnb.build.runner import Section
from wxnb.exceptions import DataValidationError
from wxnb.io import wecom as wio
from wxnb.kit import brief, charts, fmt
from wxnb.params import ReportParams
from wxnb.paths import CST
from wxnb.samples import wecom as sample_wecom
from wxnb.sections.s11_wecom import SPEC, compute, show, words

SEP, OCT = "2026-09", "2026-10"
ROSTER_HEAD = "unit,unit_type,group,pilot_start,store,name\n"

# The hand-made design: 4 pilot and 4 control stores, one staff member each (userids with "_"
# and "." to prove the file name is read from its end).
PILOT, CONTROL = ["A1", "A2", "A3", "A4"], ["B1", "B2", "B3", "B4"]
STORES = PILOT + CONTROL
# repurchasers out of 10 cohort customers, (pre, post)
REPEAT = {"A1": (3, 6), "A2": (4, 8), "A3": (3, 5), "A4": (4, 7),
          "B1": (3, 4), "B2": (3, 3), "B3": (4, 5), "B4": (4, 6)}
# every order's amount (yuan), (pre, post)
AMOUNT = {"A1": (100, 130), "A2": (110, 135), "A3": (120, 155), "A4": (130, 160),
          "B1": (90, 100), "B2": (100, 112), "B3": (110, 118), "B4": (120, 130)}
# chat-weighted first-reply minutes, (pre, post)
MINUTES = {"A1": (8, 3), "A2": (7, 3), "A3": (9, 3), "A4": (8, 2),
           "B1": (9, 9), "B2": (8, 9), "B3": (8, 8), "B4": (10, 10)}
# reply_percentage on the 3-chat day (the 1-chat day is always 90 %), (pre, post)
PERCENT = {"A1": (70, 90), "A2": (74, 94), "A3": (66, 90), "A4": (70, 86),
           "B1": (70, 74), "B2": (70, 70), "B3": (74, 74), "B4": (66, 70)}


def staff(store: str) -> str:
    return f"{store.lower()}_x.y"


def unix(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=CST).timestamp())


def dump(path: Path, body: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def roster_text(start: str = "2026-10-01") -> str:
    rows = [f"{s},门店,{'试点' if s in PILOT else '对照'},{start if s in PILOT else ''},,{s}店"
            for s in STORES]
    rows += [f"{staff(s)},员工,,,{s},员工{s}" for s in STORES]
    return ROSTER_HEAD + "\n".join(rows) + "\n"


def order_rows(month: str, k: int) -> list[list[object]]:
    """One period's orders (see REPEAT / AMOUNT): 10 cohort customers entering on day 3 (the
    10th on day 4 with two orders that same day), ``i < repeat`` coming back on day 8, c8
    coming back 15 days later (too late), and a censored customer entering on day 25."""
    y, m = (int(x) for x in month.split("-"))
    d = lambda day, hh=12: f"{y:04d}-{m:02d}-{day:02d} {hh:02d}:00"
    rows: list[list[object]] = []
    for s in STORES:
        pre_post = 0 if month == SEP else 1
        repeat, amount = REPEAT[s][pre_post], AMOUNT[s][pre_post]
        for i in range(9):
            c = f"{s}-{month}-c{i}"
            rows.append([d(3), c, s, amount])
            if i < repeat:  # the return orders carry the staff userid: mapped to the store
                rows.append([d(8), c, staff(s), amount])
        rows.append([d(18), f"{s}-{month}-c8", s, amount])  # 15 days later: no repurchase
        rows += [[d(4, 10), f"{s}-{month}-c9", s, amount], [d(4, 15), f"{s}-{month}-c9", s, amount]]
        rows += [[d(25), f"{s}-{month}-late", s, amount], [d(27), f"{s}-{month}-late", s, amount]]
    rows.append([d(5), "stranger", "ZZ9", 999])  # a store outside the design
    return [[f"{month}-{n:04d}", *r] for n, r in enumerate(rows)]


def orders_text(month: str) -> str:
    body = "\n".join(",".join(str(x) for x in [r[0], r[1], r[2], r[3], r[4]])
                     for r in order_rows(month, 0))
    return "order_id,time,customer_id,unit,amount\n" + body + "\n"


def behavior_items(month: str, store: str, lo: date, hi: date) -> list[dict[str, object]]:
    k = 0 if month == SEP else 1
    v, pct = MINUTES[store][k], PERCENT[store][k]
    items = []
    day = lo
    while day <= hi:
        item: dict[str, object] = {"stat_time": unix(day), "chat_cnt": 0, "message_cnt": 0,
                                   "negative_feedback_cnt": 0, "new_apply_cnt": 1,
                                   "new_contact_cnt": 1}
        if day.day == 2:
            item.update(chat_cnt=1, message_cnt=4, reply_percentage=90, avg_reply_time=v + 3)
        elif day.day == 5:
            item.update(chat_cnt=3, message_cnt=9, reply_percentage=pct, avg_reply_time=v - 1)
        items.append(item)
        day += timedelta(days=1)
    return items


def write_behavior(folder: Path, month: str) -> None:
    y, m = (int(x) for x in month.split("-"))
    first = date(y, m, 1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    for s in STORES:
        for lo, hi in ((first, first + timedelta(days=14)), (first + timedelta(days=15), last)):
            dump(folder / f"wecom_behavior_{staff(s)}_{lo}_{hi}.json",
                 {"errcode": 0, "errmsg": "ok",
                  "behavior_data": behavior_items(month, s, lo, hi)})


@pytest.fixture
def design(tmp_path: Path) -> Path:
    """The hand-made design: September (pre) and October (post) folders."""
    root = tmp_path / "acct"
    for month in (SEP, OCT):
        folder = root / month
        folder.mkdir(parents=True)
        (folder / wio.ORDERS_FILE).write_text(orders_text(month), encoding="utf-8")
        write_behavior(folder, month)
    (root / OCT / wio.PILOT_FILE).write_text(roster_text(), encoding="utf-8")
    return root / OCT


def params(folder: Path, **kw: object) -> ReportParams:
    return ReportParams(month=folder.name, account="acct", data_dir=str(folder), **kw)


def changes(pairs: dict[str, tuple[float, float]], f=lambda x: x) -> tuple[float, float]:
    t = np.mean([f(pairs[s][1]) - f(pairs[s][0]) for s in PILOT])
    c = np.mean([f(pairs[s][1]) - f(pairs[s][0]) for s in CONTROL])
    return float(t), float(c)


# --------------------------------------------------------------------------- outcomes by hand


def test_repurchase_by_hand(design: Path) -> None:
    sec = compute.prepare(params(design))
    r = sec.result("repurchase")
    units = r.units
    for s in STORES:
        assert units.at[s, "pre"] == pytest.approx(REPEAT[s][0] / 10)
        assert units.at[s, "post"] == pytest.approx(REPEAT[s][1] / 10)
        assert units.at[s, "n_pre"] == 10 == units.at[s, "n_post"]  # the late entry censored
    t, c = changes(REPEAT, lambda k: k / 10)
    assert (t, c) == pytest.approx((0.3, 0.1))
    assert r.result.estimate == pytest.approx(0.2)
    assert r.result.treated_change == pytest.approx(0.3)


def test_repurchase_window_edges() -> None:
    day = lambda d: pd.Timestamp(f"2026-10-{d:02d}")
    rows = [("u", "a", 1), ("u", "a", 15),  # back exactly 14 days later: a repurchase
            ("u", "b", 1), ("u", "b", 16),  # 15 days later: not
            ("u", "c", 2), ("u", "c", 2),  # twice the same day: not
            ("u", "d", 17), ("u", "d", 20),  # entry on the last full-window day: counted
            ("u", "e", 18), ("u", "e", 19),  # entry too late to follow 14 days: censored
            ("v", "a", 3)]  # another unit: its own customers
    orders = pd.DataFrame([{"unit": u, "customer_id": c, "time": day(d), "day": day(d),
                            "amount": 1.0} for u, c, d in rows])
    per_unit, weekly = compute.repurchase(orders, date(2026, 10, 1), date(2026, 10, 31), 14,
                                          date(2026, 10, 1))
    assert per_unit.loc["u", ["customers", "repeat"]].tolist() == [4, 2]  # a, d of a, b, c, d
    assert per_unit.loc["v", "value"] == 0.0
    assert weekly.set_index(["unit", "week"]).loc[("u", 2), "customers"] == 1  # d (10-17)
    assert weekly["days"].max() == 7


def test_order_value_by_hand(design: Path) -> None:
    r = compute.prepare(params(design)).result("order_value")
    for s in STORES:
        assert (r.units.at[s, "pre"], r.units.at[s, "post"]) == AMOUNT[s]
        # 9 entries + repeats + c8's late return + c9's two + the censored customer's two
        assert r.units.at[s, "n_pre"] == 9 + REPEAT[s][0] + 1 + 2 + 2
    assert r.result.estimate == pytest.approx(30 - 10)
    assert r.result.counterfactual == pytest.approx(115 + 10)
    assert r.result.relative == pytest.approx(20 / 125)


def test_response_time_is_chat_weighted_and_skips_idle_days(design: Path) -> None:
    r = compute.prepare(params(design)).result("response_time")
    for s in STORES:  # (1·(v+3) + 3·(v−1)) / 4 = v; an unweighted mean would be v + 1
        assert (r.units.at[s, "pre"], r.units.at[s, "post"]) == pytest.approx(MINUTES[s])
        assert r.units.at[s, "n_pre"] == 4  # chats of the days that report a reply time
    t, c = changes(MINUTES)
    assert r.result.estimate == pytest.approx(t - c) == pytest.approx(-5.5)
    assert not r.metric.higher_better and r.better


def test_reply_share_percent_becomes_a_fraction(design: Path) -> None:
    r = compute.prepare(params(design)).result("reply_share")
    share = lambda pct: (0.90 * 1 + pct / 100 * 3) / 4
    for s in STORES:
        assert r.units.at[s, "pre"] == pytest.approx(share(PERCENT[s][0]))
        assert r.units.at[s, "post"] == pytest.approx(share(PERCENT[s][1]))
    t, c = changes(PERCENT, share)
    assert r.result.estimate == pytest.approx(t - c)
    assert 0 < r.result.estimate < 1  # a fraction, not percent points


def test_inference_is_over_the_stores(design: Path) -> None:
    sec = compute.prepare(params(design))
    r = sec.result("order_value")
    z = [s in PILOT for s in r.units.index]
    diffs = (r.units["post"] - r.units["pre"]).tolist()
    assert r.result.test.exact and r.result.test.assignments == 70  # C(8, 4)
    assert r.result.p_value == pytest.approx(brute_p(diffs, z))
    ps = [x.result.p_value for x in sec.results]
    order = np.argsort(ps)
    holm = [x.p_holm for x in sec.results]
    # Holm: the smallest p times 4, then monotone
    assert holm[order[0]] == pytest.approx(min(1.0, 4 * ps[order[0]]))
    assert all(h >= p for h, p in zip(holm, ps, strict=True))


def test_pre_period_source_and_unknown_units(design: Path) -> None:
    sec = compute.prepare(params(design))
    text = " ".join(words.narrative(sec))
    assert "前期 2026-09-01 至 2026-09-30（30 天，取自上月目录 2026-09）" in text
    notes = " ".join(words.data_notes(sec))
    assert "2 笔订单的 unit 不在 wecom_pilot.csv 中（如 ZZ9）" in notes  # Sep and Oct
    assert "企业微信联系客户统计：前期 2026-09-01 至 2026-09-30（30 天，取自上月目录 2026-09）" in notes


# --------------------------------------------------------------------------- bad input


def expect(folder: Path, n: int, month: str = OCT) -> str:
    with pytest.raises(DataValidationError) as exc:
        wio.load(folder, month)
    assert len(exc.value.problems) == n, str(exc.value)
    return str(exc.value)


def test_roster_problems(tmp_path: Path) -> None:
    (tmp_path / wio.PILOT_FILE).write_text(
        ROSTER_HEAD + "S1,门店,试点,2026-10-01,,\nS1,门店,对照,,,\nS2,仓库,对照,,,\n"
        "S3,门店,实验,2026-10-40,,\n", encoding="utf-8")
    msg = expect(tmp_path, 4)
    assert "wecom_pilot.csv 第 3 行 字段 unit: 应为 每个单位只出现一次，实际为 'S1' 与第 2 行重复" in msg
    assert "第 4 行 字段 unit_type: 应为 门店 或 员工，实际为 '仓库'" in msg
    assert "第 5 行 字段 group: 应为 试点 或 对照，实际为 '实验'" in msg
    assert "第 5 行 字段 pilot_start: 应为 日期 YYYY-MM-DD" in msg


def test_roster_design_problems(tmp_path: Path) -> None:
    (tmp_path / wio.PILOT_FILE).write_text(
        ROSTER_HEAD + "S1,门店,试点,2026-10-01,,\nS2,门店,试点,,,\nS3,门店,试点,2026-10-08,,\n"
        "s1_a,员工,,,S9,\ns1_b,员工,对照,,S1,\n", encoding="utf-8")
    msg = expect(tmp_path, 5)
    assert "第 3 行 字段 pilot_start: 应为 试点单位的开始日期 YYYY-MM-DD，实际为 缺失" in msg
    assert "第 5 行 字段 store: 应为 本文件中某个门店行的 unit" in msg
    assert "第 6 行 字段 group: 应为 空或与所属门店相同（试点），实际为 对照" in msg
    assert "字段 group: 应为 至少一个试点门店和一个对照门店，实际为 试点" in msg
    assert "所有试点单位同一个开始日期" in msg and "2026-10-01、2026-10-08" in msg
    (tmp_path / wio.PILOT_FILE).write_text("unit,group\nS1,试点\n", encoding="utf-8")
    msg = expect(tmp_path, 2)
    assert "wecom_pilot.csv 表头 字段 unit_type: 应为 有列 unit_type" in msg


def test_staff_design_units_are_staff(tmp_path: Path) -> None:
    (tmp_path / wio.PILOT_FILE).write_text(
        ROSTER_HEAD + "zhang_san,员工,试点,2026-10-01,S1,张三\nli.si,员工,对照,,S1,\n",
        encoding="utf-8")
    roster = wio.load(tmp_path, OCT).roster
    assert roster.level == "员工" and list(roster.units.index) == ["zhang_san", "li.si"]
    assert roster.members == {"zhang_san": "zhang_san", "li.si": "li.si"}
    assert roster.units.at["li.si", "name"] == "li.si"  # no display name: the id


def behavior_file(folder: Path, name: str, items: list[object], **env: object) -> Path:
    return dump(folder / name, {"errcode": 0, "errmsg": "ok", "behavior_data": items, **env})


def test_behavior_fields_and_percent(tmp_path: Path) -> None:
    d1, d2, d3 = (unix(date(2026, 10, d)) for d in (1, 2, 3))
    behavior_file(tmp_path, "wecom_behavior_wang_wei.2_2026-10-01_2026-10-30.json", [
        {"stat_time": d1, "chat_cnt": 4, "message_cnt": 9, "reply_percentage": 60.25,
         "avg_reply_time": 3},
        {"stat_time": d2, "chat_cnt": 0, "message_cnt": 0, "negative_feedback_cnt": 0,
         "new_apply_cnt": 0, "new_contact_cnt": 0},  # an idle day: no reply fields
        {"stat_time": d3, "chat_cnt": 0, "reply_percentage": 100, "avg_reply_time": 0}])
    data = wio.load(tmp_path, OCT)
    b = data.behavior.set_index("day")
    assert set(data.behavior["userid"]) == {"wang_wei.2"}  # read from the end of the name
    assert b.loc["2026-10-01", "reply_share"] == pytest.approx(0.6025)
    assert b.loc["2026-10-01", "reply_min"] == 3.0
    assert np.isnan(b.loc["2026-10-02", "reply_share"]) and np.isnan(b.loc["2026-10-02", "reply_min"])
    assert np.isnan(b.loc["2026-10-03", "reply_min"])  # no chats: a reply time means nothing
    assert len(data.behavior_days) == 30  # the window's days are covered, idle or not


def test_behavior_problems(tmp_path: Path) -> None:
    day = unix(date(2026, 10, 1))
    behavior_file(tmp_path, "wecom_behavior_a_2026-10-01_2026-10-15.json", [
        {"stat_time": day + 3600, "chat_cnt": 1},
        {"stat_time": unix(date(2026, 10, 20)), "chat_cnt": 1},
        {"stat_time": day, "chat_cnt": 2, "reply_percentage": "60%", "avg_reply_time": -1},
        {"stat_time": unix(date(2026, 10, 2)), "reply_percentage": 160}])
    dump(tmp_path / "wecom_behavior_b_2026-10-01_2026-10-15.json",
         {"errcode": 40001, "errmsg": "invalid credential"})
    dump(tmp_path / "wecom_behavior_c_2026-09-01_2026-10-15.json", {"errcode": 0})
    dump(tmp_path / "wecom_behavior_2026-10-01.json", {"errcode": 0})
    msg = expect(tmp_path, 9)
    assert "behavior_data[0] 字段 stat_time: 应为 北京时间某日 0 点的 unix 秒" in msg
    assert "behavior_data[1] 字段 stat_time: 应为 文件名的日期范围内（2026-10-01–2026-10-15）" in msg
    assert "behavior_data[2] 字段 reply_percentage: 应为 百分数 0–100（60.25 即 60.25%），实际为 '60%'" in msg
    assert "behavior_data[2] 字段 avg_reply_time: 应为 非负数（分钟），实际为 -1" in msg
    assert "behavior_data[3] 字段 chat_cnt: 应为 非负整数，实际为 缺失" in msg
    assert "behavior_data[3] 字段 reply_percentage" in msg and "160" in msg
    assert "wecom_behavior_b_2026-10-01_2026-10-15.json 字段 errcode: 应为 0" in msg
    assert "40001 'invalid credential'" in msg
    assert "一次请求的跨度不超过 30 天（接口上限）" in msg
    assert "wecom_behavior_2026-10-01.json 文件名" in msg


def test_overlapping_behavior_files(tmp_path: Path) -> None:
    item = {"stat_time": unix(date(2026, 10, 3)), "chat_cnt": 2, "avg_reply_time": 4,
            "reply_percentage": 50}
    behavior_file(tmp_path, "wecom_behavior_a_2026-10-01_2026-10-05.json", [item])
    behavior_file(tmp_path, "wecom_behavior_a_2026-10-03_2026-10-09.json", [item])
    data = wio.load(tmp_path, OCT)
    assert len(data.behavior) == 1
    assert any("重复且数值相同" in n for n in data.notes)
    behavior_file(tmp_path, "wecom_behavior_a_2026-10-03_2026-10-09.json",
                  [{**item, "avg_reply_time": 9}])
    msg = expect(tmp_path, 1)
    assert "wecom_behavior_a_2026-10-03_2026-10-09.json behavior_data[0] 字段 stat_time" in msg
    assert "同一员工同一天有两个不同的应答" in msg


def test_order_problems_and_outside_rows(tmp_path: Path) -> None:
    (tmp_path / wio.ORDERS_FILE).write_text(
        "order_id,time,customer_id,unit,amount\n"
        "A1,2026-10-01 10:00,c1,S1,10\n"
        "A1,2026-10-01 11:00,c2,S1,10\n"
        "A3,2026-10-32 10:00,c3,S1,10\n"
        "A4,2026-10-02 10:00,,S1,-5\n", encoding="utf-8")
    msg = expect(tmp_path, 4)
    assert "第 3 行 字段 order_id: 应为 每个订单号只出现一次，实际为 'A1' 与第 2 行重复" in msg
    assert "第 4 行 字段 time: 应为 时间 YYYY-MM-DD HH:MM[:SS]，实际为 '2026-10-32 10:00'" in msg
    assert "第 5 行 字段 customer_id: 应为 客户标识（匿名 id），实际为 缺失" in msg
    assert "第 5 行 字段 amount: 应为 金额（元），≥ 0 的数，实际为 '-5'" in msg
    (tmp_path / wio.ORDERS_FILE).write_text(
        "order_id,time,customer_id,unit,amount\nA1,2026-10-01T10:00:05,c1,S1,\"1,200.5\"\n"
        "A2,2026-09-30 23:59,c1,S1,3\n", encoding="utf-8")
    data = wio.load(tmp_path, OCT)
    assert data.orders["amount"].tolist() == [1200.5]
    assert "1 笔订单的时间不在 2026-10，未计入" in data.notes[0]


def test_groupchat_shapes_and_problems(tmp_path: Path) -> None:
    data = dict(zip(wio.GROUPCHAT_FIELDS, (1, 5, 4, 20, 300, 90, 1000), strict=True))
    dump(tmp_path / "wecom_groupchat_statistic_2026-10-01_2026-10-15.json",
         {"errcode": 0, "items": [{"owner": "a", "data": data}]})
    days = [{"stat_time": unix(date(2026, 10, d)),
             "data": {**data, "new_member_cnt": d, "member_total": 300 + d}} for d in (1, 2)]
    dump(tmp_path / "wecom_groupchat_byday_b_2026-10-01_2026-10-02.json",
         {"errcode": 0, "items": days})
    g = wio.load(tmp_path, OCT).groupchat.set_index("owner")
    assert g.loc["b", "new_member_cnt"] == 3 and g.loc["b", "member_total"] == 302
    assert g.loc["a", "kind"] == "statistic" and g.loc["b", "days"] == 2
    dump(tmp_path / "wecom_groupchat_statistic_2026-10-10_2026-10-20.json",
         {"errcode": 0, "items": [{"owner": "a", "data": {**data, "msg_total": -1}},
                                  {"data": data}]})
    msg = expect(tmp_path, 2)
    assert "items[0].data 字段 msg_total: 应为 非负整数，实际为 -1" in msg
    assert "items[1] 字段 owner: 应为 群主 userid，实际为 缺失" in msg
    dump(tmp_path / "wecom_groupchat_statistic_2026-10-10_2026-10-20.json",
         {"errcode": 0, "items": [{"owner": "a", "data": data}]})
    assert "重叠" in expect(tmp_path, 1)


def test_inputs_are_not_modified(design: Path) -> None:
    before = {p.name: p.read_bytes() for p in design.iterdir()}
    compute.prepare(params(design))
    assert {p.name: p.read_bytes() for p in design.iterdir()} == before


# --------------------------------------------------------------------------- degraded months


def test_a_month_without_the_design_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "acct" / SEP
    sample_wecom.write_sample(folder, SEP)
    assert not (folder / wio.PILOT_FILE).exists()  # the sample's September: pre-period only
    section = Section(SPEC.key, SPEC.title, tmp_path / "x.ipynb", inputs=SPEC.inputs)
    assert section.missing(folder) == ["wecom_pilot.csv"]
    sec = compute.prepare(params(folder))  # run by hand anyway: says so, invents nothing
    assert words.findings(sec) == []
    assert "未提供试点名单（wecom_pilot.csv）" in words.narrative(sec)[0]
    assert "未提供试点名单" in str(show.summary_html(sec))


def test_without_orders_or_behavior(design: Path) -> None:
    for month in (SEP, OCT):
        for p in (design.parent / month).glob("wecom_behavior_*.json"):
            p.unlink()
    sec = compute.prepare(params(design))
    found = {f.metric: f for f in words.findings(sec)}
    assert found["wecom_uplift_response_time"].status == "未提供"
    assert "未提供 wecom_behavior_" in found["wecom_uplift_reply_share"].evidence
    assert found["wecom_uplift_order_value"].value == pytest.approx(20)
    assert "未提供" in str(show.summary_html(sec))
    for month in (SEP, OCT):
        (design.parent / month / wio.ORDERS_FILE).unlink()
    sec = compute.prepare(params(design))
    assert {f.status for f in words.findings(sec)} == {"未提供"}  # no pre-trend finding either
    assert len(words.findings(sec)) == 4
    assert "复购率：未提供 wecom_orders.csv" in " ".join(words.data_notes(sec))


def test_a_unit_without_a_pre_period_is_left_out_and_named(design: Path) -> None:
    for p in (design.parent / SEP).glob(f"wecom_behavior_{staff('B4')}_*.json"):
        p.unlink()
    sec = compute.prepare(params(design))
    r = sec.result("response_time")
    assert np.isnan(r.units.at["B4", "pre"]) and r.result.test.n_control == 3
    t = np.mean([MINUTES[s][1] - MINUTES[s][0] for s in PILOT])
    c = np.mean([MINUTES[s][1] - MINUTES[s][0] for s in CONTROL[:3]])
    assert r.result.estimate == pytest.approx(t - c)
    assert "首次回复时长：1 个门店缺少前期或后期数据，未计入净提升（B4）" in words.data_notes(sec)
    assert r.few_units  # 3 control stores < 4


def test_no_pre_period_is_said_not_estimated(design: Path) -> None:
    shutil.rmtree(design.parent / SEP)
    sec = compute.prepare(params(design))
    assert all(r.result is None for r in sec.results)
    assert "试点前只有 0 天订单数据（至少需要 14 天），无法估计" in sec.result("order_value").reason
    assert "未找到上月目录 2026-09" in sec.prev_note
    assert {f.status for f in words.findings(sec)} == {"未提供"}
    html = str(show.summary_html(sec))
    assert "无法估计" in html


def test_mid_month_pilot_uses_this_months_first_days(design: Path) -> None:
    shutil.rmtree(design.parent / SEP)
    (design / wio.PILOT_FILE).write_text(roster_text("2026-10-20"), encoding="utf-8")
    sec = compute.prepare(params(design))
    val = sec.result("order_value")
    assert val.result is not None  # 19 days before the start are enough
    assert val.result.treated_pre == np.mean([AMOUNT[s][1] for s in PILOT])
    assert "前期 2026-10-01 至 2026-10-19（19 天，取自本月试点开始前的日子" in words.narrative(sec)[0]
    assert sec.result("repurchase").reason == (
        "复购率需要试点前后各至少 15 天的订单（14 天复购窗口），现有前期 19 天、后期 12 天")
    assert "前期 8 个、后期 0 个单位有数据" in sec.result("response_time").reason  # no chats after
    assert compute.prepare(params(design, wecom_min_pre_days=20)).result(
        "order_value").result is None


def test_too_few_units_are_not_judged(design: Path) -> None:
    sec = compute.prepare(params(design, wecom_min_units=5))
    r = sec.result("order_value")
    assert r.few_units and r.verdict == "单位太少"
    f = next(f for f in words.findings(sec) if f.metric == "wecom_uplift_order_value")
    assert f.status == "提示" and "太少（4 与 4 个）" in f.evidence


# --------------------------------------------------------------------------- the sample


def sample(tmp_path: Path, name: str = "s", **kw: object) -> Path:
    root = tmp_path / name
    for month in (SEP, OCT):
        sample_wecom.write_sample(root / month, month, **kw)  # type: ignore[arg-type]
    return root / OCT


def test_sample_is_deterministic_and_hostile_changes_only_names(tmp_path: Path) -> None:
    a, b = sample(tmp_path, "a"), sample(tmp_path, "b")
    h = sample(tmp_path, "h", hostile=True)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in h.iterdir())
    assert len([n for n in names if n.startswith("wecom_behavior_")]) == 12 * 2 * 2
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes()
        if n != wio.PILOT_FILE:
            assert (a / n).read_bytes() == (h / n).read_bytes()
    plain = pd.read_csv(a / wio.PILOT_FILE, dtype=str)
    bad = pd.read_csv(h / wio.PILOT_FILE, dtype=str)
    assert plain.drop(columns="name").equals(bad.drop(columns="name"))
    assert not plain["name"].equals(bad["name"])
    other = tmp_path / "other"
    sample_wecom.write_sample(other, OCT, seed=7)
    assert (other / wio.ORDERS_FILE).read_bytes() != (a / wio.ORDERS_FILE).read_bytes()


def test_sample_planted_effect_is_recovered(tmp_path: Path) -> None:
    sec = compute.prepare(params(sample(tmp_path)))
    assert sec.counts == (6, 6) and sec.roster.level == "门店"
    for r in sec.results:
        lo, hi = r.result.ci
        assert lo <= sample_wecom.PLANTED[r.key] <= hi, r.key
        assert r.verdict == "可信", r.key
    found = {f.metric: f for f in words.findings(sec)}
    assert {found[f"wecom_uplift_{m.key}"].status for m in compute.METRICS} == {"达标"}
    assert found["wecom_pretrend"].status == "达标"
    rep = sec.result("repurchase").result
    # the seed's naive comparison credits the pilot with the stores' earlier lead
    assert rep.naive_difference > rep.estimate + 0.03 and rep.pre_gap > 0.03


def test_null_sample_interval_covers_zero(tmp_path: Path) -> None:
    sec = compute.prepare(params(sample(tmp_path, effect=0.0)))
    for r in sec.results:
        assert r.result.ci[0] <= 0 <= r.result.ci[1], r.key
        assert r.verdict == "尚无法确认", r.key
    found = [f for f in words.findings(sec) if f.metric.startswith("wecom_uplift_")]
    assert {f.status for f in found} == {"提示"}
    assert all("尚无法确认" in fmt.cite(f.evidence) for f in found)


def test_pretrend_check_fires_on_a_diverging_sample(tmp_path: Path) -> None:
    sec = compute.prepare(params(sample(tmp_path, pre_drift=8.0)))
    val = sec.result("order_value")
    assert val.diverging and val.verdict == "前期走势不同"
    assert val.pretrend.test.ci[0] <= 8.0 <= val.pretrend.test.ci[1]  # yuan per week
    assert not sec.result("response_time").diverging
    found = {f.metric: f for f in words.findings(sec)}
    assert found["wecom_pretrend"].status == "预警"
    assert found["wecom_pretrend"].extra["metrics"] == ["order_value"]
    assert found["wecom_uplift_order_value"].status == "提示"
    html = str(brief.brief_html(words.findings(sec), sec.params, n=2, max_actions=5))
    assert "重新选择对照组" in html


# --------------------------------------------------------------------------- what is shown


def management(sec: compute.WecomSection) -> str:
    return str(show.summary_html(sec)) + str(
        brief.brief_html(words.findings(sec), sec.params, n=2, max_actions=1))


def test_management_layer_is_plain(tmp_path: Path) -> None:
    sec = compute.prepare(params(sample(tmp_path)))
    table = str(show.summary_html(sec))
    assert table.count("<tr>") == 1 + 4 and table.count("<th>") == 4
    assert "+8" in table or "+9" in table or "+10" in table  # the repurchase uplift in pp
    assert "（可信）" in table
    html = management(sec)
    for name in wio.API_FIELDS:
        assert name not in html, name
    for word in ("置信区间", "p =", "p 值", "检验", "n =", "Holm", "Wilson"):
        assert word not in html, word
    assert "推广到更多门店" in html  # the confirmed effect's action


def test_analyst_tables_and_narrative(tmp_path: Path) -> None:
    sec = compute.prepare(params(sample(tmp_path)))
    did_table = str(show.did_html(sec))
    assert "95% 置信区间" in did_table and "924" in did_table  # C(12, 6), enumerated
    naive = str(show.naive_html(sec))
    assert "简单对比“提升幅度”" in naive and "试点前已有差异" in naive
    text = " ".join(words.narrative(sec))
    assert "置换检验 p" in text and "Holm 校正后" in text
    assert "若像种子表那样只比较本月" in text
    assert "客户群（仅作背景" in text
    units = str(show.units_html(sec))
    assert units.count("<tr>") == 1 + 12 and "上海静安店" in units


def test_naive_comparison_words_follow_its_sign(design: Path) -> None:
    # the seed's "提升幅度" when the pilot is BELOW the control this month: 0.26 vs 0.305
    # (−14.8 %), and a reply time LONGER than the control's: 9 vs 6 minutes (+50 %)
    sec = compute.prepare(params(design))
    from wxnb.kit import did as kit_did
    rep, minutes = sec.result("repurchase"), sec.result("response_time")
    rep.result = kit_did.did([0.30, 0.32, 0.40, 0.42], [0.25, 0.27, 0.30, 0.31],
                             [True, True, False, False])
    minutes.result = kit_did.did([8, 8, 5, 5], [9, 9, 6, 6], [True, True, False, False])
    naive = str(show.naive_html(sec))
    assert "降低 14.8%" in naive and "提升 14.8%" not in naive
    assert "延长 50.0%" in naive and "缩短 50.0%" not in naive
    text = " ".join(words.narrative(sec))
    assert "简单对比降低 14.8%" in text and "简单对比延长 50.0%" in text


def test_interval_level_follows_the_parameter(design: Path) -> None:
    sec = compute.prepare(params(design, wecom_alpha=0.1))
    assert "90% 置信区间" in str(show.did_html(sec)) and "95%" not in str(show.did_html(sec))
    assert "90% 置信区间" in " ".join(words.narrative(sec))


def test_plain_words_do_not_overclaim_and_the_method_is_named(design: Path) -> None:
    sec = compute.prepare(params(design))
    assert "排除了偶然波动" not in str(show.summary_html(sec))
    assert "Welch 标准误" in " ".join(words.data_notes(sec))


def test_hostile_names_are_escaped(tmp_path: Path) -> None:
    sec = compute.prepare(params(sample(tmp_path, hostile=True)))
    plain = compute.prepare(params(sample(tmp_path, "p")))
    for a, b in zip(sec.results, plain.results, strict=True):
        assert a.result.estimate == b.result.estimate  # hostile only changes texts
    html = "".join(str(x) for x in (show.units_html(sec), show.summary_html(sec),
                                    show.did_html(sec), fmt.narrative(words.narrative(sec))))
    assert "<script>" not in html and "<img" not in html and "<svg" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[U+202E]" in html and "\u202e" not in html


def render(fig: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png")  # type: ignore[attr-defined]


def test_charts_render_without_missing_glyphs(tmp_path: Path, design: Path) -> None:
    charts.apply_theme()
    for folder in (sample(tmp_path, hostile=True), design):
        sec = compute.prepare(params(folder))
        for builder in (show.effects_chart, show.trend_chart):
            fig = builder(sec)
            assert type(fig).__name__ == "Figure"
            render(fig)


def test_findings_feed_the_rules(tmp_path: Path) -> None:
    sec = compute.prepare(params(sample(tmp_path, effect=0.0)))
    html = str(brief.brief_html(words.findings(sec), sec.params, n=2, max_actions=3))
    assert "延长观察期或增加试点与对照门店" in html
    assert re.search(r"wx-tag-info", html)


def test_notebook_cells_shape() -> None:
    cells = SPEC.notebook_cells
    assert cells[0][1].startswith("# 11 企业微信试点评估")
    assert [k for k, _ in cells[1:3]] == ["params", "setup"]
    assert "compute.prepare(from_namespace(globals()))" in cells[2][1]
    fold = [k for k, _ in cells].index("fold")
    # the headline (a 专题's management layer), then heading, table, brief in its block
    assert [k for k, _ in cells[3:fold]] == ["code", "md", "code", "code"]
    assert SPEC.topic and cells[3][1] == "brief.headline_html(words.findings(sec))"
    assert "n=2, max_actions=1" in cells[fold - 1][1]
    assert cells[-1] == ("hidden", 'findings.record(words.findings(sec), sec.params, "11_wecom")')
    assert compute.SECTION == ("11_wecom", "11 企业微信试点评估")
    assert SPEC.inputs == ("wecom_pilot.csv",) and SPEC.param_files == ("rules_file",)
