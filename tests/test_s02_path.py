"""Section 02 用户行为路径: funnel, menu, forms and push delivery on tiny hand-made event logs.

Every expected value below is worked out by hand from the rows the helpers write (see the
comments), not by re-running the module's code.
"""

from __future__ import annotations

import io
import json
import math
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from conftest import dump

from wxnb.kit import charts, fmt, stats
from wxnb.io import eventsummary
from wxnb.sections.s02_path import SPEC, compute, show, words
from wxnb.exceptions import DataValidationError
from wxnb.params import ReportParams

COLS = ["time", "follower_id", "event", "key", "value"]
MENU = {"is_menu_open": 1, "selfmenu_info": {"button": [
    {"type": "click", "name": "今日歌曲", "key": "V1001"},
    {"name": "菜单", "sub_button": {"list": [
        {"type": "view", "name": "搜索", "url": "http://www.soso.com/"},
        {"type": "miniprogram", "name": "商城", "appid": "wx286b93c14bbf93aa",
         "pagepath": "pages/index"},
    ]}},
]}}


def push(day: str, total: int, filtered_to: int, sent: int, error: int, msgid: str) -> list:
    body = {"Status": "send success", "TotalCount": total, "FilterCount": filtered_to,
            "SentCount": sent, "ErrorCount": error}
    return [f"{day} 08:00:00", "system", "MASSSENDJOBFINISH", msgid, json.dumps(body)]


def october_rows() -> list[list[str]]:
    """The hand-made October.

    Pushes: m1 Total 1,000 / Filter 960 / Sent 950 / Error 10; m2 1,000 / 900 / 880 / 20.
    Funnel: o000–o199 read from 公众号消息 on 10-02 10:00 (打开 = 200). Deep after that:
    o000–o029 click V1001 twice (11:00, 11:05), o030–o049 open the 搜索 link once (11:00)
    → 深度互动 = 50. o150–o159 clicked V1001 on 10-01 only (before their read: not deep).
    Conversion after the first deep event: o000–o009 order (12:00), o030–o039 submit F1 (12:00)
    → 转化 = 20. o010–o014 ordered at 10:30, before their first deep event (11:00): not converted.
    f000–f029 read via 朋友圈, open 商城 and order: never passed 送达, not in the funnel.
    u0 clicks the retired key OLD_KEY 3 times, u1–u3 once each; u0 submits F2 without a view.
    Forms: F1 viewed by o030–o049 (20), submitted by o030–o039 (10); F2 viewed by f000–f009.
    Templates to t0–t7 (not followers' interactions): 5 success, 2 user block, 1 system failed.
    Active followers (any interaction) = 200 o + 30 f + 4 u = 234.
    """
    r = [push("2026-10-02", 1000, 960, 950, 10, "m1"), push("2026-10-16", 1000, 900, 880, 20, "m2")]
    for i in range(200):
        r.append(["2026-10-02 10:00:00", f"o{i:03d}", "article_read", "2247_1", "公众号消息"])
    for i in range(30):
        r += [["2026-10-02 11:00:00", f"o{i:03d}", "CLICK", "V1001", ""],
              ["2026-10-02 11:05:00", f"o{i:03d}", "CLICK", "V1001", ""]]
    for i in range(30, 50):
        r += [["2026-10-02 11:00:00", f"o{i:03d}", "VIEW", "http://www.soso.com/", ""],
              ["2026-10-02 11:30:00", f"o{i:03d}", "form_view", "F1", ""]]
    for i in range(150, 160):
        r.append(["2026-10-01 09:00:00", f"o{i:03d}", "CLICK", "V1001", ""])
    for i in range(10):
        r.append(["2026-10-02 12:00:00", f"o{i:03d}", "order", f"A{i}", "99.00"])
    for i in range(30, 40):
        r.append(["2026-10-02 12:00:00", f"o{i:03d}", "form_submit", "F1", ""])
    for i in range(10, 15):
        r.append(["2026-10-02 10:30:00", f"o{i:03d}", "order", f"B{i}", "19.90"])
    for i in range(30):
        r += [["2026-10-05 20:00:00", f"f{i:03d}", "article_read", "2247_1", "朋友圈"],
              ["2026-10-05 20:01:00", f"f{i:03d}", "view_miniprogram", "pages/index", ""],
              ["2026-10-05 20:09:00", f"f{i:03d}", "order", f"C{i}", "50"]]
    for i in range(10):
        r.append(["2026-10-05 20:05:00", f"f{i:03d}", "form_view", "F2", ""])
    r += [["2026-10-07 10:00:00", "u0", "CLICK", "OLD_KEY", ""]] * 3
    r += [["2026-10-07 10:00:00", f"u{i}", "CLICK", "OLD_KEY", ""] for i in (1, 2, 3)]
    r.append(["2026-10-07 10:10:00", "u0", "form_submit", "F2", ""])
    for i, status in enumerate(["success"] * 5 + ["failed:user block"] * 2
                               + ["failed: system failed"]):
        r.append(["2026-10-08 09:00:00", f"t{i}", "TEMPLATESENDJOBFINISH", f"T{i}", status])
    return r


def september_rows() -> list[list[str]]:
    """September: one push Total 1,000 / Sent 1,000 (arrival 100 %); 300 push readers of whom
    75 click the menu afterwards and 30 of those order; templates 100 success, 0 blocked."""
    r = [push("2026-09-03", 1000, 1000, 1000, 0, "p1")]
    for i in range(300):
        r.append(["2026-09-03 10:00:00", f"s{i:03d}", "article_read", "2240_1", "公众号消息"])
    for i in range(75):
        r.append(["2026-09-03 11:00:00", f"s{i:03d}", "CLICK", "V1001", ""])
    for i in range(30):
        r.append(["2026-09-03 12:00:00", f"s{i:03d}", "order", f"S{i}", "10"])
    for i in range(100):
        r.append(["2026-09-04 09:00:00", f"t{i}", "TEMPLATESENDJOBFINISH", f"T{i}", "success"])
    return r


def write_month(folder: Path, rows: list[list[str]], menu: dict | None = MENU) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=COLS).to_csv(folder / "events.csv", index=False)
    if menu is not None:
        dump(folder / "menu.json", menu)
    return folder


@pytest.fixture
def month(tmp_path: Path) -> Path:
    return write_month(tmp_path / "acct" / "2026-10", october_rows())


@pytest.fixture
def with_prev(month: Path) -> Path:
    write_month(month.parent / "2026-09", september_rows())
    return month


def params(folder: Path, **kw: object) -> ReportParams:
    return ReportParams(month=folder.name, account="acct", data_dir=str(folder), **kw)


def steps_by_key(sec: compute.PathSection) -> dict[str, compute.Step]:
    return {s.key: s for s in sec.steps}


def wilson_by_formula(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def pooled_z_pvalue(k1: int, n1: int, k0: int, n0: int) -> float:
    p = (k1 + k0) / (n1 + n0)
    z = (k1 / n1 - k0 / n0) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
    return math.erfc(abs(z) / math.sqrt(2))


# --------------------------------------------------------------------------- funnel


def test_funnel_is_one_cohort_of_users(month: Path) -> None:
    sec = compute.prepare(params(month))
    steps = sec.steps
    assert [s.name for s in steps] == ["送达", "打开", "深度互动", "转化"]
    assert [s.users for s in steps] == [950, 200, 50, 20]  # largest push's SentCount first
    assert [s.label for s in steps] == ["送达", "送达→打开", "打开→深度互动", "深度互动→转化"]
    assert sec.now.active == 234


def test_one_funnel_step_checked_independently(month: Path) -> None:
    deep = steps_by_key(compute.prepare(params(month)))["deep"]
    assert (deep.users, deep.base) == (50, 200)
    assert deep.rate == pytest.approx(0.25)
    assert deep.ci == pytest.approx(wilson_by_formula(50, 200), abs=1e-9)
    assert deep.ci == pytest.approx((0.1950, 0.3143), abs=1e-4)
    assert deep.cumulative == pytest.approx(50 / 950)
    assert (deep.lost, deep.drop) == (150, pytest.approx(0.75))


def test_biggest_leak_is_the_largest_absolute_loss(month: Path) -> None:
    sec = compute.prepare(params(month))
    step, share = compute.biggest_leak(sec.steps)
    assert step.key == "open" and share == pytest.approx(750 / 930)  # losses 750, 150, 30
    after, after_share = compute.biggest_leak(sec.steps, after="open")
    assert after.key == "deep" and after_share == pytest.approx(150 / 180)
    text = " ".join(words.narrative(sec))
    assert "数据揭示 80.6% 的用户流失发生在「送达→打开」环节（流失 750 人，全漏斗共流失 930 人）" in text
    assert "打开文章之后流失最多的是「打开→深度互动」（150 人，占打开后流失的 83.3%" in text


def test_biggest_leak_is_not_the_lowest_rate() -> None:
    # 100 → 90 → 10 → 1: losses 10, 80, 9; the lowest rate is 10 % (深度互动→转化) but the
    # biggest leak is 打开→深度互动 with 80 of the 99 users lost.
    now = compute.MonthPath(
        "2026-10", active=120, opened=90, deep=10, converted=1,
        pushes=pd.DataFrame({"msgid": ["m"], "time": [pd.Timestamp("2026-10-01")],
                             "status": ["send success"], "total": [100], "filter": [100],
                             "sent": [100], "error": [0]}),
        templates=pd.DataFrame(), menu=pd.DataFrame(), menu_users=0, menu_clicks=0,
        forms=pd.DataFrame(), has_menu_tree=False)
    steps = compute.funnel_steps(now, None, 0.01)
    assert min(steps[1:], key=lambda s: s.rate).key == "convert"
    step, share = compute.biggest_leak(steps)
    assert step.key == "deep" and share == pytest.approx(80 / 99)


def test_no_pushes_starts_the_funnel_at_open(tmp_path: Path) -> None:
    rows = [r for r in october_rows() if r[2] != "MASSSENDJOBFINISH"]
    sec = compute.prepare(params(write_month(tmp_path / "a" / "2026-10", rows)))
    assert [s.key for s in sec.steps] == ["open", "deep", "convert"]
    assert sec.steps[0].rate is None and sec.steps[-1].cumulative == pytest.approx(20 / 200)
    notes = " ".join(words.data_notes(sec))
    assert "没有群发结果（MASSSENDJOBFINISH），送达人数未知，漏斗从“打开”开始" in notes
    assert "推送到达率无法计算" in str(show.pushes_html(sec))
    assert "push_arrival_rate" not in {f.metric for f in words.findings(sec)}


def test_more_readers_than_the_largest_push(tmp_path: Path) -> None:
    rows = [push("2026-10-02", 150, 150, 150, 0, "m1")]  # 150 sent, 200 push readers
    rows += [r for r in october_rows() if r[2] != "MASSSENDJOBFINISH"]
    sec = compute.prepare(params(write_month(tmp_path / "a" / "2026-10", rows)))
    assert sec.steps[0].key == "open"
    assert "从公众号消息打开的 200 人多于单次群发最大送达 150 人" in " ".join(
        words.data_notes(sec))


# --------------------------------------------------------------------------- menu, forms


def menu_rows(sec: compute.PathSection) -> dict[tuple[str, str], dict]:
    return {(r["level1"], r["level2"]): r for r in compute.menu_table(sec).to_dict("records")}


def test_menu_usage_per_item(month: Path) -> None:
    sec = compute.prepare(params(month))
    rows = menu_rows(sec)
    assert list(rows) == [("今日歌曲", ""), ("菜单", ""), ("菜单", "搜索"), ("菜单", "商城"),
                          ("其他/已下线", ""), ("其他/已下线", "OLD_KEY")]
    song = rows[("今日歌曲", "")]  # 30 × 2 clicks after reading + 10 clicks before
    assert (song["clicks"], song["users"]) == (70, 40)
    assert song["per_user"] == pytest.approx(1.75) and song["usage"] == pytest.approx(40 / 234)
    assert (rows[("菜单", "搜索")]["clicks"], rows[("菜单", "搜索")]["users"]) == (20, 20)
    assert (rows[("菜单", "商城")]["clicks"], rows[("菜单", "商城")]["users"]) == (30, 30)
    assert (rows[("菜单", "")]["clicks"], rows[("菜单", "")]["users"]) == (50, 50)
    old = rows[("其他/已下线", "OLD_KEY")]
    assert (old["clicks"], old["users"], old["known"]) == (6, 4, False)
    assert old["per_user"] == pytest.approx(1.5)
    assert (sec.now.menu_clicks, sec.now.menu_users) == (126, 94)
    assert sec.now.menu_usage == pytest.approx(94 / 234)
    html = str(show.menu_html(sec))
    assert "（一级合计）" in html and "OLD_KEY" in html and "40.17%" in html
    notes = " ".join(words.data_notes(sec))
    assert "一级→二级的“跳转流失”无法观测" in notes


def test_menu_item_without_events_and_no_menu_file(tmp_path: Path) -> None:
    menu = json.loads(json.dumps(MENU))
    menu["selfmenu_info"]["button"][1]["sub_button"]["list"].append(
        {"type": "scancode_push", "name": "扫一扫", "key": "SCAN1"})
    sec = compute.prepare(params(write_month(tmp_path / "a" / "2026-10", october_rows(), menu)))
    assert "不产生点击事件" in str(show.menu_html(sec))
    assert "1 个菜单项的类型不产生" in " ".join(words.data_notes(sec))
    bare = compute.prepare(params(write_month(tmp_path / "b" / "2026-10", october_rows(), None)))
    keys = {r["level2"] for r in compute.menu_table(bare).to_dict("records")}
    assert {"V1001", "http://www.soso.com/", "pages/index", "OLD_KEY"} <= keys
    assert "未提供 menu.json" in " ".join(words.data_notes(bare))
    assert bare.now.menu_users == 94


def test_form_abandonment(month: Path) -> None:
    sec = compute.prepare(params(month))
    f = sec.now.forms.set_index("form")
    assert (f.loc["F1", "viewers"], f.loc["F1", "submitted"], f.loc["F1", "abandoned"]) == \
        (20, 10, 10)
    assert f.loc["F1", "abandon_rate"] == pytest.approx(0.5)
    assert f.loc["F2", "abandon_rate"] == pytest.approx(1.0)  # u0's submit had no view
    assert f.loc["F2", "submit_no_view"] == 1
    assert sec.now.form_abandon == pytest.approx(20 / 30)
    assert "1 人次提交了表单但本月没有打开记录" in " ".join(words.data_notes(sec))


def test_forms_not_tracked(tmp_path: Path) -> None:
    rows = [r for r in october_rows() if not r[2].startswith("form_")]
    sec = compute.prepare(params(write_month(tmp_path / "a" / "2026-10", rows)))
    assert "表单放弃率未追踪" in str(show.forms_html(sec))
    assert "表单放弃率未追踪" in " ".join(words.narrative(sec))
    assert "form_abandon_rate" not in {f.metric for f in words.findings(sec)}
    # without form submits, 转化 comes from orders only: o000–o009
    assert steps_by_key(sec)["convert"].users == 10


# --------------------------------------------------------------------------- delivery


def test_push_arrival_from_two_pushes(month: Path) -> None:
    sec = compute.prepare(params(month))
    p = sec.now.pushes.set_index("msgid")
    assert p.loc["m1", "arrival"] == pytest.approx(0.95)
    assert p.loc["m1", "filtered_share"] == pytest.approx(0.04)  # (1000 − 960) / 1000
    assert p.loc["m2", "error_share"] == pytest.approx(0.02)
    assert sec.now.arrival == pytest.approx((950 + 880) / 2000)
    html = str(show.pushes_html(sec))
    assert "91.5%" in html and "本月合计" in html and "7.0%" in html  # filtered (40 + 100) / 2000


def test_duplicate_push_result_counts_once(tmp_path: Path) -> None:
    rows = october_rows() + [push("2026-10-16", 1000, 900, 870, 30, "m2")]
    rows[-1][0] = "2026-10-16 08:30:00"  # a later copy of m2 wins
    sec = compute.prepare(params(write_month(tmp_path / "a" / "2026-10", rows)))
    assert len(sec.now.pushes) == 2
    assert sec.now.arrival == pytest.approx((950 + 870) / 2000)
    assert "1 条重复的群发结果" in " ".join(words.data_notes(sec))


def test_template_block_rate(month: Path) -> None:
    sec = compute.prepare(params(month))
    assert sec.now.template_count() == 8
    assert sec.now.template_count("用户拒收") == 2
    assert sec.now.template_count("送达成功") == 5
    found = {f.metric: f for f in words.findings(sec)}
    assert found["template_block_rate"].value == pytest.approx(0.25)
    html = str(show.templates_html(sec))
    assert "系统失败" in html and "62.50%" in html
    assert "模板消息 8 条：送达率 62.50%，用户拒收率 25.00%" in " ".join(words.narrative(sec))


def test_bad_push_value_is_a_clear_error(tmp_path: Path) -> None:
    rows = october_rows()
    rows[0][4] = '{"Status": "send success", "TotalCount": "many"}'
    folder = write_month(tmp_path / "a" / "2026-10", rows)
    with pytest.raises(DataValidationError) as exc:
        compute.prepare(params(folder))
    msg = str(exc.value)
    assert "events.csv MASSSENDJOBFINISH 2026-10-02 08:00:00 MsgID=m1 字段 value.TotalCount: " \
           "应为 非负整数，实际为 'many'" in msg
    assert "字段 value.SentCount: 应为 非负整数，实际为 缺失" in msg


# --------------------------------------------------------------------------- 环比


def test_missing_previous_month(month: Path) -> None:
    sec = compute.prepare(params(month))
    assert sec.prev is None
    assert all(s.prev_rate is None and s.pvalue is None for s in sec.steps)
    assert "无上月数据（未找到 2026-09 目录），环比不可用" in words.data_notes(sec)
    assert "无上月事件日志，漏斗未做环比。" in words.narrative(sec)
    for f in words.findings(sec):
        assert f.mom is None
        assert f.status == ("提示" if f.metric == "biggest_leak" else "未设目标")
    assert "无上月数据，本月作为基线" in str(show.summary_html(sec))


def test_previous_folder_without_events(month: Path) -> None:
    (month.parent / "2026-09").mkdir()
    sec = compute.prepare(params(month))
    assert sec.prev is None and "上月（2026-09）目录中没有事件日志" in sec.prev_note


def test_month_on_month_significance(with_prev: Path) -> None:
    sec = compute.prepare(params(with_prev))
    s = steps_by_key(sec)
    # 送达→打开: 200/950 against 300/1,000.
    assert s["open"].prev_rate == pytest.approx(0.3)
    assert s["open"].mom_pp == pytest.approx((200 / 950 - 0.3) * 100)
    assert s["open"].pvalue == pytest.approx(pooled_z_pvalue(200, 950, 300, 1000), rel=1e-9)
    assert s["open"].notable
    # 打开→深度互动 25 % both months, 深度互动→转化 40 % both: nothing to call out.
    assert s["deep"].pvalue == pytest.approx(1.0) and not s["deep"].notable
    assert not s["convert"].notable
    found = {f.metric: f for f in words.findings(sec)}
    assert found["funnel_open"].status == "预警"
    assert found["funnel_open"].mom == pytest.approx((200 / 950 - 0.3) * 100)
    assert found["funnel_deep"].status == "未设目标"
    assert found["push_arrival_rate"].status == "预警"  # 91.5 % against 100 %
    assert found["template_block_rate"].status == "预警"  # 2/8 against 0/100
    p_block = pooled_z_pvalue(2, 8, 0, 100)
    assert found["template_block_rate"].extra["pvalue"] == pytest.approx(p_block)
    text = " ".join(words.narrative(sec))
    assert "「送达→打开」下降 8.9 个百分点（30.0% → 21.1%，p<0.001）" in text
    # The September menu is taken from October's menu.json (none in 2026-09): 75/300 used it.
    assert menu_rows(sec)[("今日歌曲", "")]["prev_usage"] == pytest.approx(75 / 300)


def test_small_change_is_not_called_out(with_prev: Path) -> None:
    # With a 10-point materiality threshold the 8.9-point drop in opens is not named.
    sec = compute.prepare(params(with_prev, funnel_material_pp=0.10))
    assert not any(s.notable for s in sec.steps)
    assert "没有同时满足显著（p<0.05）且变化 ≥ 10 个百分点的变化" in " ".join(
        words.narrative(sec))
    assert {f.metric: f for f in words.findings(sec)}["funnel_open"].status == "未设目标"


def test_two_proportion_edges() -> None:
    assert stats.two_proportion(0, 10, 0, 20) == 1.0
    assert stats.two_proportion(1, 0, 1, 10) is None
    assert stats.two_proportion(30, 100, 10, 100) == pytest.approx(
        pooled_z_pvalue(30, 100, 10, 100))
    assert all(math.isnan(v) for v in stats.wilson(0, 0))
    assert stats.wilson(0, 10)[0] == pytest.approx(0.0, abs=1e-12)


# --------------------------------------------------------------------------- report text


def numbers(text: str) -> set[str]:
    return set(re.findall(r"\d[\d,]*(?:\.\d+)?%?", text))


def test_narrative_numbers_match_the_tables(month: Path) -> None:
    sec = compute.prepare(params(month))
    text = " ".join(words.narrative(sec))
    assert ("送达 950 人（单次群发最大 SentCount） → 打开 200 人（环节转化率 21.1%，95% 置信区间 "
            "18.6%–23.8%） → 深度互动 50 人（环节转化率 25.0%，95% 置信区间 19.5%–31.4%） → 转化 "
            "20 人（环节转化率 40.0%，95% 置信区间 27.6%–53.8%），累计转化率 2.11%") in text
    assert "菜单使用率 40.17%（本月点击菜单的 94 人 ÷ 活跃粉丝 234 人，共 126 次点击" in text
    assert "表单放弃率 66.7%（20 人次打开未提交 ÷ 30 人次打开" in text
    assert "推送到达率 91.5%（Σ SentCount 1,830 ÷ Σ TotalCount 2,000）" in text
    tables = "".join(str(b) for b in (show.funnel_html(sec), show.menu_html(sec),
                                      show.forms_html(sec), show.pushes_html(sec),
                                      show.templates_html(sec)))
    for n in ("950", "200", "21.1%", "18.6%–23.8%", "25.0%", "19.5%–31.4%", "40.0%", "2.11%",
              "750", "80.6%", "930", "40.17%", "126", "1.34", "66.7%", "91.5%", "1,830",
              "2,000", "140", "62.50%", "25.00%"):
        assert n in tables, n
    # Only the after-open leak share (150 of the 180 lost after 打开) is the narrative's own.
    assert numbers(text) - numbers(tables) == {"83.3%"}


def test_summary_table_marks_the_leak(month: Path) -> None:
    sec = compute.prepare(params(month))
    rows = {r.metric: r for r in words.summary_rows(sec)}
    assert rows["推送打开率（送达→打开）"].bad
    assert "全漏斗最大流失环节（流失 750 人，占全部流失 80.6%）" in \
        rows["推送打开率（送达→打开）"].direction
    assert not rows["菜单使用率"].bad
    assert "最少用「菜单 / 搜索」8.55%" in rows["菜单使用率"].direction  # 20 / 234
    assert "放弃率最高的表单「F2」100.0%（10 人打开）" in rows["表单放弃率"].direction
    assert [r.stage for r in words.summary_rows(sec)][:3] == ["曝光层", "曝光层", "打开层"]


def test_findings_shape(month: Path) -> None:
    found = {f.metric: f for f in words.findings(compute.prepare(params(month)))}
    assert set(found) == {"funnel_open", "funnel_deep", "funnel_convert", "biggest_leak",
                          "menu_usage_rate", "form_abandon_rate", "push_arrival_rate",
                          "template_block_rate"}
    leak = found["biggest_leak"]
    assert (leak.kind, leak.status, leak.value) == ("event", "提示", pytest.approx(750 / 930))
    assert leak.evidence.startswith("80.6% 的用户流失发生在「送达→打开」环节")
    assert found["funnel_deep"].value == pytest.approx(0.25)
    assert found["funnel_deep"].kind == "kpi"
    assert found["form_abandon_rate"].value == pytest.approx(20 / 30)
    assert all(f.section == "02_path" for f in found.values())


def test_hostile_menu_name_is_escaped(tmp_path: Path) -> None:
    menu = json.loads(json.dumps(MENU))
    menu["selfmenu_info"]["button"][0]["name"] = "<script>alert(1)</script>"
    rows = october_rows() + [["2026-10-09 10:00:00", "u1", "CLICK", "<img src=x onerror=1>", ""]]
    sec = compute.prepare(params(write_month(tmp_path / "a" / "2026-10", rows, menu)))
    html = "".join(str(b) for b in (show.menu_html(sec), show.summary_html(sec)))
    html += str(fmt.narrative(words.narrative(sec)))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    charts.apply_theme()
    render(show.menu_chart(sec))


def render(fig: object) -> None:
    assert type(fig).__name__ == "Figure"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png")  # type: ignore[attr-defined]


def test_charts_render_without_missing_glyphs(with_prev: Path) -> None:
    charts.apply_theme()
    sec = compute.prepare(params(with_prev))
    for builder in (show.funnel_chart, show.menu_chart, show.push_chart):
        render(builder(sec))


def test_charts_render_in_the_first_month_of_an_account(month: Path) -> None:
    """No previous month: the rate chart has no 上月 bars (it raised TypeError in max())."""
    charts.apply_theme()
    sec = compute.prepare(params(month))
    assert sec.prev is None
    for builder in (show.funnel_chart, show.menu_chart, show.push_chart):
        render(builder(sec))


def test_inputs_are_not_modified(with_prev: Path) -> None:
    before = {p: p.read_bytes() for p in with_prev.parent.rglob("*") if p.is_file()}
    compute.prepare(params(with_prev))
    assert {p: p.read_bytes() for p in with_prev.parent.rglob("*") if p.is_file()} == before


def test_compute_on_an_in_memory_log() -> None:
    # The same aggregation on a log built in memory (eventsummary.from_frame), without menu.json.
    log = eventsummary.from_frame(pd.DataFrame(october_rows(), columns=COLS), "2026-10")
    try:
        m = compute.compute(log.con, "2026-10")
    finally:
        log.close()
    assert (m.delivered, m.opened, m.deep, m.converted, m.active) == (950, 200, 50, 20, 234)
    assert not m.has_menu_tree and m.menu_users == 94


def test_notebook_cells_shape() -> None:
    cells = SPEC.notebook_cells
    assert cells[0][0] == "md" and cells[0][1].startswith("# 02 用户行为路径深度解析")
    assert [k for k, _ in cells[1:3]] == ["params", "setup"]
    assert "compute.prepare(from_namespace(globals()))" in cells[2][1]
    assert cells[-1] == ("hidden", 'findings.record(words.findings(sec), sec.params, "02_path")')
    assert compute.SECTION == ("02_path", "02 用户行为路径深度解析")
    assert compute.INPUTS == ("events*",)
    calls = {c.split("(")[0].split(".")[-1] for k, c in cells if k == "code"}
    assert calls <= set(show.__all__) | {"narrative", "notes", "brief_html"}


def test_a_log_without_paths_still_renders(tmp_path: Path) -> None:
    rows = [["2026-10-03 09:00:00", "a", "subscribe", "qrscene_1", ""],
            ["2026-10-03 09:01:00", "a", "message", "text", ""]]
    sec = compute.prepare(params(write_month(tmp_path / "a" / "2026-10", rows, None)))
    assert (sec.now.active, sec.now.opened, sec.now.menu_users) == (1, 0, 0)
    assert "推送转化漏斗无法计算" in words.narrative(sec)[0]
    assert compute.biggest_leak(sec.steps) is None
    charts.apply_theme()
    for builder in (show.funnel_chart, show.menu_chart, show.push_chart):
        assert type(builder(sec)).__name__ == "HtmlBlock"
    for block in (show.summary_html, show.funnel_html, show.menu_html,
                  show.forms_html, show.pushes_html, show.templates_html):
        assert "<" in str(block(sec))
    found = {f.metric: f for f in words.findings(sec)}
    assert found["menu_usage_rate"].value == 0.0 and "biggest_leak" not in found


def test_a_months_figures_are_computed_once_per_menu(
        with_prev: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The previous month's figures of a build are the ones that month's own build computed:
    kept per month (its event files) and menu, computed again when either changes."""
    monkeypatch.setenv("WXNB_CACHE_DIR", str(tmp_path / "cache"))
    calls: list[str] = []
    real = compute.compute
    monkeypatch.setattr(compute, "compute", lambda con, month, *a, **k: calls.append(month)
                        or real(con, month, *a, **k))
    sep = with_prev.parent / "2026-09"
    first = compute.prepare(params(sep))  # September's own build (no month before it)
    assert calls == ["2026-09"]
    october = compute.prepare(params(with_prev))  # October's: September is read back
    assert calls == ["2026-09", "2026-10"]
    assert october.prev is not None and october.prev.active == first.now.active
    assert october.prev.menu.equals(first.now.menu)
    dump(sep / "menu.json", {"is_menu_open": 1, "selfmenu_info": {"button": [
        {"type": "click", "name": "今日歌曲", "key": "V1001"}]}})
    compute.prepare(params(with_prev))
    assert calls == ["2026-09", "2026-10", "2026-09"]  # September's menu changed
