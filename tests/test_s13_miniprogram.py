"""Section 13 小程序经营分析: every metric against a hand-computed value, the statistics on
planted data, bad input naming file/field/row, missing inputs degrading, right-censoring,
hostile text escaped, the sample's planted effects, charts without missing glyphs."""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from wxnb.exceptions import DataValidationError
from wxnb.io import miniprogram as mp
from wxnb.kit import brief, charts, fmt
from wxnb.params import ReportParams
from wxnb.samples import miniprogram as sample_mp
from wxnb.sections.s13_miniprogram import SPEC, compute, show, words

MONTH = "2026-10"


def dump(folder: Path, endpoint: str, begin: str, end: str, body: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"wxa_{endpoint}_{begin}_{end}.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def page(path: str, uv: int, pv: int, stay: float, exit_: int, entry: int = 0) -> dict:
    return {"page_path": path, "page_visit_pv": pv, "page_visit_uv": uv,
            "page_staytime_pv": stay, "entrypage_pv": entry, "exitpage_pv": exit_,
            "page_share_pv": 1, "page_share_uv": 1}


# Two days of pages: home 100+200 users, 150+250 visits, 45+55 exits; detail 60+90 users,
# 80+120 visits at 30 s and 20 s, 20+60 exits.
PAGES = {
    "20261001": [page("pages/index/index", 100, 150, 10.0, 45),
                 page("pages/goods/detail", 60, 80, 30.0, 20),
                 page("pages/cart/index", 10, 12, 5.0, 2)],
    "20261002": [page("pages/index/index", 200, 250, 12.0, 55),
                 page("pages/goods/detail-v2", 90, 120, 20.0, 60)],
}
# Day 1: a (twice) and b pay; day 2: a and c; day 3 (no page data): d.
ORDERS = """order_id,time,openid,amount,scene
A1,2026-10-01 09:00:00,a,100.00,1035
A2,2026-10-01 10:00,a,50,1035
A3,2026-10-01 11:00:00,b,30.5,1001
A4,2026-10-02 12:00:00,a,19.5,1089
A5,2026-10-02 13:00:00,c,"1,000.00",
A6,2026-10-03 14:00:00,d,0,1035
A7,2026-09-30 23:59:59,e,999,1035
"""
REVENUE = 100 + 50 + 30.5 + 19.5 + 1000 + 0


def retain(day: str, new: dict[int, int], active: dict[int, int] | None = None) -> dict:
    def entries(values: dict[int, int]) -> list[dict]:
        return [{"key": k, "value": values.get(k, 0)} for k in mp.RETAIN_KEYS]

    return {"ref_date": day, "visit_uv_new": entries(new),
            "visit_uv": entries(active or {0: new[0] * 3, 1: new[0], 7: new[0] // 2})}


# Cohorts: 10-01 (100), 10-02 (50), 10-28 (40, day 7 = 11-04: censored, its bogus 6 ignored),
# 10-30 (20, day 1 = 10-31 observed).
RETAIN = {
    "20261001": {0: 100, 1: 30, 7: 10, 14: 7, 30: 4},
    "20261002": {0: 50, 1: 10, 7: 5, 14: 3, 30: 2},
    "20261028": {0: 40, 1: 8, 3: 5, 7: 6},
    "20261030": {0: 20, 1: 4},
}


def perf(window: tuple[str, str], tables: dict[str, list[float]]) -> dict:
    days = [f"{window[0][:6]}{int(window[0][6:]) + i:02d}" for i in range(len(
        next(iter(tables.values()))))]
    return {"errcode": 0, "errmsg": "ok", "data": {"body": {"count": len(tables), "tables": [
        {"id": f"t{i}", "zh": zh, "lines": [{"fields": [
            {"refdate": d, "value": f"{v:.1f}"} for d, v in zip(days, values, strict=True)]}]}
        for i, (zh, values) in enumerate(tables.items())]}}}


def write_month(folder: Path, *, orders: bool = True, extra: bool = True) -> Path:
    for day, items in PAGES.items():
        dump(folder, mp.VISIT_PAGE, day, day, {"ref_date": day, "list": items})
    if orders:
        (folder / mp.ORDERS_FILE).write_text(ORDERS, encoding="utf-8")
    if not extra:
        return folder
    for day, values in RETAIN.items():
        dump(folder, mp.DAILY_RETAIN, day, day, retain(day, values))
    dump(folder, mp.MONTHLY_VISIT, "20261001", "20261031", {"list": [{
        "ref_date": "202610", "session_cnt": 900, "visit_pv": 2000, "visit_uv": 500,
        "visit_uv_new": 210, "stay_time_uv": 100.5, "stay_time_session": 50, "visit_depth": 2.2}]})
    dump(folder, mp.MONTHLY_RETAIN, "20260901", "20260930", {
        "ref_date": "202609", "visit_uv_new": [{"key": 0, "value": 1000}, {"key": 1, "value": 180}],
        "visit_uv": [{"key": 0, "value": 3000}, {"key": 1, "value": 1200}]})
    dump(folder, mp.MONTHLY_RETAIN, "20261001", "20261031", {
        "ref_date": "202610", "visit_uv_new": [{"key": 0, "value": 210}, {"key": 1, "value": 0}],
        "visit_uv": [{"key": 0, "value": 500}, {"key": 1, "value": 0}]})
    for day, counts in (("20261001", {13: 2000, 1: 3000, 99: 100}),
                        ("20261002", {13: 1000, 1: 2000})):
        dump(folder, mp.DISTRIBUTION, day, day, {"ref_date": day, "list": [
            {"index": "access_source_session_cnt",
             "item_list": [{"key": k, "value": v} for k, v in counts.items()]}]})
    dump(folder, mp.PERFORMANCE, "20261001", "20261003", perf(("20261001", "20261003"), {
        "启动总耗时": [2000, 2200, 2400], "代码包下载耗时": [500, 520, 540],
        "代码注入耗时": [600, 610, 650]}))
    return folder


@pytest.fixture
def month(tmp_path: Path) -> Path:
    return write_month(tmp_path / "acct" / MONTH)


def write_previous(folder: Path) -> Path:
    """September: the same funnel shapes; injection 300–320 ms, download as in October."""
    prev = folder.parent / "2026-09"
    for day in ("20260901", "20260902"):
        dump(prev, mp.VISIT_PAGE, day, day, {"ref_date": day, "list": [
            page("pages/index/index", 200, 300, 10.0, 60),
            page("pages/goods/detail", 100, 150, 40.0, 30)]})
    (prev / mp.ORDERS_FILE).write_text(
        "order_id,time,openid,amount\n" + "".join(
            f"S{i},2026-09-0{1 + i % 2} 10:00,u{i},10\n" for i in range(20)), encoding="utf-8")
    dump(prev, mp.PERFORMANCE, "20260901", "20260903", perf(("20260901", "20260903"), {
        "启动总耗时": [1800, 1800, 1800], "代码包下载耗时": [505, 525, 530],
        "代码注入耗时": [300, 310, 320]}))
    return prev


def params(folder: Path, **kw: Any) -> ReportParams:
    return ReportParams(month=folder.name, account="acct", data_dir=str(folder), **kw)


def found(sec: compute.MpSection) -> dict[str, Any]:
    return {f.metric: f for f in words.findings(sec)}


# --------------------------------------------------------------------------- funnel


def test_home_click_through_rate(month: Path) -> None:
    f = compute.prepare(params(month)).funnel
    assert (f.home_pv, f.home_exit) == (400, 100)
    assert f.home_ctr == pytest.approx(0.75)  # 1 − 100 / 400


def test_detail_page_stay_is_weighted_by_visits(month: Path) -> None:
    f = compute.prepare(params(month)).funnel
    assert f.detail_stay == pytest.approx((30 * 80 + 20 * 120) / 200)  # 24 s, not (30+20)/2
    assert f.detail_exit_rate == pytest.approx(80 / 200)
    assert list(f.stay_daily.round(6)) == [30.0, 20.0]


def test_funnel_steps_in_user_days(month: Path) -> None:
    sec = compute.prepare(params(month))
    f = sec.funnel
    assert (f.home_uv, f.detail_uv) == (300, 150)  # detail-v2 matches pages/goods/detail*
    assert f.payers == 4  # day 1: a, b; day 2: a, c; day 3 has no page data
    assert f.detail_rate == pytest.approx(0.5)
    assert f.pay_conversion == pytest.approx(4 / 150)
    step = sec.step("pay_conversion")
    assert (step.k, step.n, step.lost) == (4, 150, 146)
    lo, hi = step.ci
    assert lo < 4 / 150 < hi and lo > 0


def test_detail_step_is_not_called_a_subset_of_the_home_page(month: Path) -> None:
    # 25 of day 2's detail-page visits began there (shared links, search): the detail users are
    # not a part of the home-page users, so the text must not say "其中"
    dump(month, mp.VISIT_PAGE, "20261002", "20261002", {"ref_date": "20261002", "list": [
        page("pages/index/index", 200, 250, 12.0, 55),
        page("pages/goods/detail-v2", 90, 120, 20.0, 60, entry=25)]})
    sec = compute.prepare(params(month))
    assert sec.funnel.detail_entry == 25
    text = " ".join(words.narrative(sec))
    assert "其中进入商品详情页" not in text
    assert "商品详情页访问 150 人·日（为首页的 50.0%）" in text  # (60 + 90) ÷ (100 + 200)
    notes = " ".join(words.data_notes(sec))
    assert "不是首页访客中进入详情页的比例" in notes and "作为入口页 25 次" in notes


def test_where_sentence_says_only_what_declined() -> None:
    # the pay step fell significantly but the detail-page stay ROSE (30 → 40 s) and the exit
    # rate fell: the text must not claim a shorter stay, more exits, or a cause
    steps = [compute.Step("home_ctr", "首页点击率", 0.7, 70, 100, 0.7, p_adj=0.9, material=0.01),
             compute.Step("detail_rate", "首页 → 商品详情页", 0.5, 50, 100, 0.5, p_adj=0.9,
                          material=0.01),
             compute.Step("pay_conversion", "商品详情页 → 支付", 0.05, 5000, 100000, 0.07,
                          p_adj=0.0001, material=0.01),
             compute.Step("detail_stay", "商品详情页停留", 40.0, kind="seconds", prev=30.0,
                          p_adj=0.001, material=0.1)]
    now = compute.Funnel(detail_pv=100, detail_exit=20)
    before = compute.Funnel(detail_pv=100, detail_exit=30)

    class Sec:
        funnel, prev_funnel = now, before

        @staticmethod
        def step(key: str) -> compute.Step:
            return next(s for s in steps if s.key == key)

    Sec.steps = steps  # type: ignore[attr-defined]
    text = words._verdict_sentence(Sec)  # type: ignore[arg-type]
    assert "商品详情页停留（+33.3%" in text and "详情页到支付的转化下降" in text
    for claim in ("停留变短", "离开变多", "随之", "退出率由"):
        assert claim not in text, claim
    steps[3] = compute.Step("detail_stay", "商品详情页停留", 20.0, kind="seconds", prev=30.0,
                            p_adj=0.001, material=0.1)
    Sec.prev_funnel = compute.Funnel(detail_pv=100, detail_exit=10)
    text = words._verdict_sentence(Sec)  # type: ignore[arg-type]
    assert "详情页次均停留由 30.0 秒 降至 20.0 秒" in text and "退出率由 10.0% 升至 20.0%" in text


def test_page_patterns_are_parameters(month: Path) -> None:
    sec = compute.prepare(params(month, mp_detail_pages=["pages/goods/detail"]))
    assert sec.funnel.detail_uv == 60  # detail-v2 no longer counts
    with pytest.raises(ValueError):
        params(month, mp_home_pages=[])


def test_arpu_arppu_and_pay_rate(month: Path) -> None:
    m = compute.prepare(params(month)).money
    assert m.revenue == pytest.approx(REVENUE) and m.orders == 6  # A7 is September's
    assert m.payers == 4 and m.active == 500
    assert m.arpu == pytest.approx(REVENUE / 500)
    assert m.arppu == pytest.approx(REVENUE / 4)
    assert m.pay_rate == pytest.approx(4 / 500)


def test_seven_day_retention_is_right_censored(month: Path) -> None:
    r = compute.prepare(params(month)).retention
    assert r.rate(7) == pytest.approx((10 + 5) / (100 + 50))  # 10-28's 6 is not day 7 yet
    assert (r.observed[7], r.censored[7]) == (2, 2)
    assert r.rate(1) == pytest.approx((30 + 10 + 8 + 4) / 210)  # 10-30 + 1 = 10-31: observed
    assert r.rate(3) == pytest.approx((0 + 0 + 5) / 190)  # 10-30 + 3 is November
    assert r.rate(14) == pytest.approx(10 / 150)
    assert r.rate(30) == pytest.approx(4 / 100)  # only 10-01 + 30 = 10-31 is observed
    assert r.active[1] == pytest.approx((100 + 50 + 40 + 20) / (300 + 150 + 120 + 60))
    weeks = compute.cohort_weeks(r)
    assert math.isnan(weeks.iloc[-1][7]) and weeks.iloc[0][7] == pytest.approx(0.1)


def test_next_month_activity_is_censored_until_the_next_month_exists(month: Path) -> None:
    sec = compute.prepare(params(month))
    sept, octo = sec.next_month
    assert (sept.cohort, sept.rate) == ("2026-09", pytest.approx(0.18))
    assert octo.rate is None and octo.new == 210  # its key 1 (0) is not observed
    assert "2026-11/wxa_getweanalysisappidmonthlyretaininfo_20261001_20261031.json" in octo.source
    assert sec.next_active is sept
    assert any("右删失" in n for n in words.data_notes(sec))
    later = month.parent / "2026-11"
    dump(later, mp.MONTHLY_RETAIN, "20261001", "20261031", {
        "ref_date": "202610", "visit_uv_new": [{"key": 0, "value": 210}, {"key": 1, "value": 42}],
        "visit_uv": [{"key": 0, "value": 500}, {"key": 1, "value": 200}]})
    sec = compute.prepare(params(month))
    assert sec.next_month[1].rate == pytest.approx(0.2) and sec.next_active.cohort == MONTH
    assert found(sec)["mp_next_month_active"].value == pytest.approx(0.2)


def test_entry_channels_and_scene_mapping(month: Path) -> None:
    rows = {c.name: c for c in compute.prepare(params(month)).channels}
    menu, history = rows["公众号菜单"], rows["小程序历史列表"]
    assert (menu.sessions, menu.orders, menu.revenue) == (3000, 3, 150.0)  # A1, A2, A6
    assert menu.share == pytest.approx(3000 / 8100) and menu.per_k == pytest.approx(1.0)
    assert (history.sessions, history.orders) == (5000, 1)
    assert rows["来源 99（未知编号）"].orders is None  # no 场景值 known for it
    assert rows["场景值 1089（未归入访问来源）"].orders == 1
    assert rows["未记录场景值"].orders == 1
    assert compute.best_channel(list(rows.values())) is None  # 3 vs 1 orders: not significant


def test_best_channel_needs_a_significant_difference(tmp_path: Path) -> None:
    folder = write_month(tmp_path / "acct" / MONTH)
    lines = ["order_id,time,openid,amount,scene"]
    lines += [f"M{i},2026-10-01 10:00,m{i},10,1035" for i in range(60)]
    lines += [f"H{i},2026-10-01 10:00,h{i},10,1001" for i in range(10)]
    (folder / mp.ORDERS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    sec = compute.prepare(params(folder))
    best = compute.best_channel(sec.channels)
    assert best is not None and best.name == "公众号菜单" and best.p < 0.05
    assert found(sec)["mp_channel_best"].status == "提示"


# --------------------------------------------------------------------------- launch


def test_launch_total_against_the_standard_of_section_06(month: Path) -> None:
    sec = compute.prepare(params(month))
    t = sec.launch.total
    assert t.mean == pytest.approx(2200) and t.standard == 1500
    assert t.gap == pytest.approx(700 / 1500) and t.status == "未达标"
    f = found(sec)["mp_launch_ms"]
    assert f.status == "未达标" and f.extra["higher_better"] is False
    # in seconds, as section 06 states the same standard
    assert f.value_text == "2.20 秒" and "标准 ≤ 1.50 秒" in f.evidence
    close = compute.prepare(params(month, miniprogram_load_standard=2.15))
    assert close.launch.total.status == "预警"  # 2.3 % over: 06's 5 % band


def test_slower_stage_found_by_welch_and_holm(month: Path) -> None:
    write_previous(month)
    sec = compute.prepare(params(month))
    stages = {s.zh: s for s in sec.launch.stages}
    inject, download = stages["代码注入耗时"], stages["代码包下载耗时"]
    assert inject.prev == pytest.approx(310) and inject.change == pytest.approx(620 / 310 - 1)
    assert inject.slower and inject.p_adj < 0.05
    assert not download.slower  # 520 vs 520: no change
    assert inject.share == pytest.approx(620 / 2200)
    f = found(sec)["mp_launch_stage:t2"]
    assert f.status == "预警" and "代码注入耗时" in f.evidence
    assert "mp_launch_stage:t1" not in found(sec)


def test_stage_standards_are_parameters(month: Path) -> None:
    sec = compute.prepare(params(month, mp_stage_standards_ms={"代码包下载耗时": 500}))
    download = next(s for s in sec.launch.stages if s.zh == "代码包下载耗时")
    assert download.gap == pytest.approx(0.04) and download.status == "预警"
    assert found(sec)["mp_launch_stage:t1"].status == "预警"


# --------------------------------------------------------------------------- statistics


def test_holm_and_welch() -> None:
    adj = compute.holm([0.01, 0.04, None, 0.03])  # sorted 0.01·3, 0.03·2, 0.04·1 → monotone
    assert adj[0] == pytest.approx(0.03) and adj[2] is None
    assert adj[1] == pytest.approx(0.06) and adj[3] == pytest.approx(0.06)
    assert compute.holm([None]) == [None]
    assert compute.welch([1, 2], [3, 4, 5]) is None
    assert compute.welch([1, 2, 3, 4], [11, 12, 13, 14]) < 0.001
    assert compute.welch([1, 2, 3, 4], [1, 2, 3, 4]) == pytest.approx(1.0)


def _funnel(home: int, detail: int, payers: int) -> compute.Funnel:
    return compute.Funnel(home_uv=home, home_pv=home, home_exit=home // 4, detail_uv=detail,
                          payers=payers)


def test_a_step_is_flagged_only_when_significant_and_material() -> None:
    p = ReportParams(month=MONTH, account="acct")
    big = compute.steps(_funnel(100_000, 50_000, 2_600), _funnel(100_000, 50_000, 3_500), p)
    pay = next(s for s in big if s.key == "pay_conversion")
    assert pay.flagged and pay.declined and pay.change == pytest.approx(-1.8)
    small = compute.steps(_funnel(1_000, 500, 26), _funnel(1_000, 500, 35), p)
    assert not next(s for s in small if s.key == "pay_conversion").flagged  # same rates, n small
    tiny = compute.steps(_funnel(10**7, 5 * 10**6, 255_000), _funnel(10**7, 5 * 10**6, 260_000), p)
    tiny_pay = next(s for s in tiny if s.key == "pay_conversion")
    assert tiny_pay.p_adj < 0.05 and not tiny_pay.flagged  # significant but 0.1 pp < 1 pp
    same = compute.steps(_funnel(2000, 1000, 50), _funnel(2000, 1000, 50), p)
    assert not any(s.flagged for s in same)


def test_pay_conversion_status_target_or_decline(month: Path) -> None:
    write_previous(month)
    sec = compute.prepare(params(month))  # Sept 20/200 = 10 % vs Oct 4/150 = 2.7 %
    pay = found(sec)["mp_pay_conversion"]
    assert sec.step("pay_conversion").prev == pytest.approx(0.1)
    assert pay.status == "预警" and pay.mom == pytest.approx((4 / 150 - 0.1) * 100)
    hit = compute.prepare(params(month, target_mp_pay_conversion=0.02))
    assert found(hit)["mp_pay_conversion"].status == "达标"
    miss = compute.prepare(params(month, target_mp_pay_conversion=0.1))
    f = found(miss)["mp_pay_conversion"]
    assert f.status == "未达标" and f.gap == pytest.approx(1 - (4 / 150) / 0.1)


def test_benchmarks_only_when_a_type_is_chosen(month: Path) -> None:
    sec = compute.prepare(params(month))
    assert found(sec)["mp_retention_d7"].status == "未设目标"
    bench = {"电商零售": {"retention_d7_low": 0.12, "retention_d7_high": 0.2, "arpu_low": 1.0,
                      "arpu_high": 3.0, "next_month_active": 0.2}}
    typed = compute.prepare(params(month, mp_benchmarks=bench, mp_type="电商零售",
                                   mp_benchmark_source="测试来源"))
    f = found(typed)
    assert f["mp_retention_d7"].status == "预警"  # 10 % < 12 %
    assert f["mp_retention_d7"].gap == pytest.approx((0.12 - 0.1) / 0.12)
    assert "测试来源" in f["mp_retention_d7"].evidence
    assert f["mp_arpu"].status == "达标"  # 2.4 元 ≥ 1 元
    assert f["mp_next_month_active"].status == "预警"  # 18 % < 20 %
    with pytest.raises(ValueError, match="游戏"):
        params(month, mp_type="游戏")


# --------------------------------------------------------------------------- degrading


def test_only_the_required_file_degrades_with_named_files(tmp_path: Path) -> None:
    folder = write_month(tmp_path / "acct" / MONTH, orders=False, extra=False)
    sec = compute.prepare(params(folder))
    rows = {r[0]: r for r in words.key_rows(sec)}
    assert rows["支付转化率"][1:] == ("未提供", "—", "未提供")
    assert rows["启动耗时"][3] == "未提供"
    html = str(show.key_html(sec))
    assert "启动耗时需启动性能数据" in html and "支付转化率需小程序订单" in html
    assert ".json" not in html and ".csv" not in html  # the management layer names no file
    notes = " ".join(words.data_notes(sec))
    for need in ("wxa_getweanalysisappiddailyretaininfo_*.json", "mp_orders.csv",
                 "wxa_getweanalysisappidmonthlyvisittrend_*.json",
                 "wxa_getperformancedata10017_*.json"):
        assert need in notes
    assert {f.metric for f in words.findings(sec)} == {"mp_home_ctr", "mp_detail_stay",
                                                       "mp_funnel_leak"}
    for builder in (show.retention_chart, show.launch_chart, show.channels_chart,
                    show.daily_chart):
        assert "未提供" in str(builder(sec))


def test_a_month_without_the_page_file_is_skipped_naming_it(tmp_path: Path) -> None:
    from wxnb.build.runner import Section

    folder = tmp_path / MONTH
    folder.mkdir()
    (folder / mp.ORDERS_FILE).write_text(ORDERS, encoding="utf-8")
    section = Section(SPEC.key, SPEC.title, tmp_path / "x.ipynb", 1, SPEC.inputs)
    assert section.missing(folder) == ["wxa_getweanalysisappidvisitpage_*.json"]
    write_month(folder, extra=False)
    assert section.missing(folder) == []


def test_no_previous_month(month: Path) -> None:
    sec = compute.prepare(params(month))
    assert sec.previous is None and "无上月数据" in sec.prev_note
    assert all(s.prev is None and not s.flagged for s in sec.steps)


# --------------------------------------------------------------------------- bad input


def problems(folder: Path) -> str:
    with pytest.raises(DataValidationError) as exc:
        mp.load(folder, MONTH)
    return str(exc.value)


def test_dashed_dates_errcode_and_fields_are_named(month: Path) -> None:
    dump(month, mp.DAILY_VISIT, "20261003", "20261003", {"list": [{
        "ref_date": "2026-10-03", "session_cnt": 1, "visit_pv": 1, "visit_uv": 2,
        "visit_uv_new": "3", "stay_time_uv": 1, "stay_time_session": 1, "visit_depth": 1}]})
    dump(month, mp.DAILY_SUMMARY, "20261004", "20261004",
         {"errcode": 61500, "errmsg": "date format error"})
    msg = problems(month)
    assert ("wxa_getweanalysisappiddailyvisittrend_20261003_20261003.json list[0] 字段 ref_date:"
            " 应为 日期 yyyymmdd（如 20261001），实际为 '2026-10-03'") in msg
    assert "list[0] 字段 visit_uv_new: 应为 非负整数" in msg
    assert "wxa_getweanalysisappiddailysummarytrend_20261004_20261004.json 字段 errcode" in msg


def test_retention_keys_and_cohort_sizes_are_checked(month: Path) -> None:
    bad = retain("20261005", {0: 10, 1: 20})
    bad["visit_uv_new"].append({"key": 8, "value": 1})
    dump(month, mp.DAILY_RETAIN, "20261005", "20261005", bad)
    msg = problems(month)
    assert "visit_uv_new[10] 字段 visit_uv_new.key: 应为 0–7、14、30 之一" in msg
    assert "visit_uv_new[1] 字段 visit_uv_new.value: 应为 ≤ key 0 的人数（10），实际为 20" in msg


def test_duplicates_windows_and_page_consistency(month: Path) -> None:
    day = PAGES["20261001"]
    dump(month, mp.VISIT_PAGE, "20261001", "20261002", {"ref_date": "20261001", "list": day})
    msg = problems(month)
    assert "重复" in msg and "page_path" in msg
    (month / "wxa_getweanalysisappidvisitpage_20261001_20261002.json").unlink()
    dump(month, mp.VISIT_PAGE, "20261005", "20261005", {"ref_date": "20261006", "list": [
        page("pages/index/index", 4, 5, 1.0, 1)]})
    msg = problems(month)
    assert "文件名所示的 20261005–20261005 内" in msg
    dump(month, mp.VISIT_PAGE, "20261005", "20261005", {"ref_date": "20261005", "list": [
        page("pages/index/index", 5, 4, 1.0, 1)]})
    assert "list[0] 字段 page_visit_uv: 应为 ≤ page_visit_pv（4），实际为 5" in problems(month)


def test_performance_values_and_file_names(month: Path) -> None:
    body = perf(("20261005", "20261005"), {"启动总耗时": [1.0]})
    body["data"]["body"]["tables"][0]["lines"][0]["fields"][0]["value"] = "快"
    dump(month, mp.PERFORMANCE, "20261005", "20261005", body)
    (month / "wxa_visitpage_2026-10-01.json").write_text("{}", encoding="utf-8")
    dump(month, "getsomething", "20261001", "20261001", {})
    msg = problems(month)
    assert "tables[0].lines[0].fields[0] 字段 value: 应为 非负数" in msg
    assert "wxa_visitpage_2026-10-01.json: 应为 文件名 wxa_<接口名>_<yyyymmdd>_<yyyymmdd>.json" in msg
    assert "wxa_getsomething_20261001_20261001.json: 应为 已知的小程序数据接口" in msg


def test_bad_orders_are_named(month: Path) -> None:
    (month / mp.ORDERS_FILE).write_text(
        "order_id,time,openid,amount,scene\nA1,2026-10-01 09:00,a,-1,1035\n"
        "A1,2026-10-01,b,5,abc\nA3,2026-10-02 10:00,,5,\n", encoding="utf-8")
    msg = problems(month)
    assert "mp_orders.csv 第 2 行 字段 amount: 应为 金额（元，≥ 0），实际为 '-1'" in msg
    assert "第 3 行 字段 order_id: 应为 每个订单号只出现一次，实际为 与 第 2 行 重复" in msg
    assert "第 3 行 字段 time: 应为 时间 YYYY-MM-DD HH:MM[:SS]（北京时间）" in msg
    assert "第 3 行 字段 scene: 应为 场景值（4 位数字，如 1035）或留空" in msg
    assert "第 4 行 字段 openid: 应为 买家标识（openid），实际为 缺失" in msg


def test_all_zero_days_are_not_ready_not_zero(month: Path) -> None:
    dump(month, mp.VISIT_PAGE, "20261003", "20261003", {"ref_date": "20261003", "list": [
        page("pages/index/index", 0, 0, 0.0, 0), page("pages/goods/detail", 0, 0, 0.0, 0)]})
    inputs = mp.load(month, MONTH)
    assert date(2026, 10, 3) not in inputs.days(mp.VISIT_PAGE)
    assert any("20261003" in w and "全为 0" in w for w in inputs.warnings)
    sec = compute.prepare(params(month))
    assert sec.funnel.days == 2 and sec.funnel.home_uv == 300


def test_camel_case_cloud_answers_are_read(month: Path) -> None:
    dump(month, mp.DAILY_VISIT, "20261003", "20261003", {"list": [{
        "refDate": "20261003", "sessionCnt": 5, "visitPv": 9, "visitUv": 4, "visitUvNew": 1,
        "stayTimeUv": 10.5, "stayTimeSession": 8, "visitDepth": 1.8}]})
    visits = mp.load(month, MONTH).visits
    assert visits.loc[0, "visit_uv"] == 4 and visits.loc[0, "stay_time_uv"] == 10.5


def test_inputs_are_not_modified(month: Path) -> None:
    before = {p.name: p.read_bytes() for p in month.iterdir()}
    compute.prepare(params(month))
    assert {p.name: p.read_bytes() for p in month.iterdir()} == before


# --------------------------------------------------------------------------- sample, hostile


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("mp13")
    out = {}
    for kind, hostile in (("plain", False), ("hostile", True)):
        for m in ("2026-09", MONTH):
            sample_mp.write_sample(root / kind / m, m, hostile=hostile)
        out[kind] = root / kind / MONTH
    return out


def test_sample_is_deterministic_and_plants_the_detail_page_drop(samples: dict[str, Path],
                                                                  tmp_path: Path) -> None:
    again = sample_mp.write_sample(tmp_path / MONTH, MONTH)
    assert all(p.read_bytes() == (samples["plain"] / p.name).read_bytes() for p in again)
    sec = compute.prepare(params(samples["plain"]))
    pay, stay, home = (sec.step(k) for k in ("pay_conversion", "detail_stay", "home_ctr"))
    assert 0.06 < pay.prev < 0.08 and 0.045 < pay.value < 0.06 and pay.declined
    assert stay.declined and stay.change < -0.2
    assert not home.flagged  # the home page is not where visitors are lost
    assert sec.funnel.detail_exit_rate > sec.prev_funnel.detail_exit_rate + 0.1
    assert found(sec)["mp_pay_conversion"].status == "预警"
    assert "问题出在商品详情页" in " ".join(words.narrative(sec))


def test_sample_plants_a_slower_stage_matching_section_06(samples: dict[str, Path]) -> None:
    from wxnb.samples.tech import _perf_rows

    sec = compute.prepare(params(samples["plain"]))
    assert [s.zh for s in sec.launch.slower] == ["代码注入耗时"]
    total = sec.launch.total
    daily06 = [float(r[1]) for r in _perf_rows(MONTH, 2026)]
    assert list(total.daily.round(4)) == pytest.approx(daily06)  # 06's start-up, day by day
    assert total.prev < total.mean
    r = sec.retention
    assert r.censored[7] == 7 and r.observed[7] == 24
    assert sec.next_active.cohort == "2026-09"
    unknown = " ".join(words.data_notes(sec))
    assert "来源编号 99" in unknown and "场景值 1089" in unknown


def test_hostile_sample_changes_texts_only_and_is_escaped(samples: dict[str, Path]) -> None:
    plain = compute.prepare(params(samples["plain"]))
    bad = compute.prepare(params(samples["hostile"]))
    assert bad.funnel == plain.funnel and bad.money == plain.money
    assert [s.mean for s in bad.launch.stages] == [s.mean for s in plain.launch.stages]
    html = "".join(str(b) for b in (show.pages_html(bad), show.launch_html(bad),
                                    show.portrait_html(bad), show.key_html(bad),
                                    show.channels_html(bad), show.funnel_html(bad),
                                    fmt.narrative(words.narrative(bad)),
                                    fmt.notes(words.data_notes(bad))))
    assert "<script>" not in html and "<img" not in html and "<svg" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # a page path, a table's name
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # a device name
    paths = compute.page_table(bad.inputs, bad.params, top=40).index.tolist()
    assert any("\u202e" in p for p in paths)  # the RTL page path is data, shown made visible
    assert "\u202e" not in str(show.pages_html(bad))


def test_charts_render_without_missing_glyphs(samples: dict[str, Path]) -> None:
    charts.apply_theme()
    sec = compute.prepare(params(samples["hostile"]))
    for builder in (show.funnel_chart, show.daily_chart, show.retention_chart,
                    show.channels_chart, show.launch_chart):
        fig = builder(sec)
        assert type(fig).__name__ == "Figure", builder.__name__
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fig.savefig(io.BytesIO(), format="png")  # type: ignore[union-attr]


def test_management_layer_has_no_field_names_or_statistics(samples: dict[str, Path]) -> None:
    sec = compute.prepare(params(samples["plain"]))
    items = words.findings(sec)
    text = re.sub(r"<[^>]+>", " ", str(brief.headline_html(items)) + str(show.key_html(sec))
                  + str(brief.brief_html(items, sec.params, n=2, max_actions=1)))
    for name in mp.API_FIELDS:
        if "_" in name:
            assert name not in text, name
    assert not re.search(r"\bp\s*[<=>]|置信区间|Wilson|检验|\bn\s*=|Holm|Welch", text), text
    assert "支付转化率" in text


def test_notebook_cells_shape() -> None:
    cells = SPEC.notebook_cells
    assert SPEC.topic and cells[0][1].startswith("# 13 小程序经营分析")
    assert [k for k, _ in cells[1:4]] == ["params", "setup", "code"]
    assert cells[3][1] == "brief.headline_html(words.findings(sec))"
    assert cells[-1] == ("hidden",
                         'findings.record(words.findings(sec), sec.params, "13_miniprogram")')
    kinds = [k for k, _ in cells]
    assert kinds.count("fold") == 1 and kinds.index("fold") == 7
    assert compute.SECTION == ("13_miniprogram", "13 小程序经营分析")
    assert SPEC.check == "wxnb.io.miniprogram:load"


def test_the_sample_writer_covers_every_endpoint(samples: dict[str, Path]) -> None:
    inputs = mp.load(samples["plain"], MONTH)
    assert set(inputs.files) == set(mp.ENDPOINTS)
    assert all(len(inputs.days(e)) == 31 for e in mp.DAILY_ENDPOINTS)
    assert inputs.warnings == []


def test_copy_of_a_month_reads_the_same(samples: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / MONTH
    shutil.copytree(samples["plain"], copy)
    a = mp.load(copy, MONTH).pages.drop(columns="_file")
    assert a.equals(mp.load(samples["plain"], MONTH).pages.drop(columns="_file"))


def test_a_missing_observable_retention_value_is_named_not_zero(month: Path) -> None:
    body = retain("20261003", {0: 30, 1: 6, 7: 3})
    body["visit_uv_new"] = [e for e in body["visit_uv_new"] if e["key"] != 7]  # day 7 not given
    dump(month, mp.DAILY_RETAIN, "20261003", "20261003", body)
    sec = compute.prepare(params(month))
    assert sec.retention.missing[7] == 1
    assert sec.retention.rate(7) == pytest.approx(15 / 150)  # 10-03 left out, not counted as 0
    assert sec.retention.rate(1) == pytest.approx((52 + 6) / 240)
    assert "第 7 天 1 个" in " ".join(words.data_notes(sec))
