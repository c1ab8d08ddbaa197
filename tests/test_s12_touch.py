"""Section 12 触达渠道效果对比: hand-computed metrics, statistics that can fail, bad input,
missing inputs, the sample's planted effects and hostile text."""

from __future__ import annotations

import io
import math
import re
import shutil
import warnings
from pathlib import Path
from statistics import NormalDist

import pandas as pd
import pytest
from conftest import make_month
from scipy.stats import t as t_dist

from wxnb.exceptions import DataValidationError
from wxnb.io import touch as touch_io
from wxnb.io.datacube import load_month
from wxnb.kit import brief, charts, fmt, metrics
from wxnb.kit.stats import wilson
from wxnb.params import ReportParams
from wxnb.samples import datacube as sample_cube
from wxnb.samples import eventlog as sample_log
from wxnb.samples import touch as sample_touch
from wxnb.sections.s12_touch import SPEC, compute, show, words

MONTH = "2026-10"
BENCH = {
    "模板消息": {"open_low": 0.12, "open_high": 0.18, "cost_low": 0.3, "cost_high": 0.8,
                 "scene": "订单提醒/服务通知"},
    "服务号推送": {"open_low": 0.05, "open_high": 0.09, "cost_low": 1.2, "cost_high": 2.5,
                  "scene": "活动预告/新品发布"},
    "社群通知": {"open_low": 0.22, "open_high": 0.35, "cost_low": 0.1, "cost_high": 0.3,
                 "scene": "限时抢购/直播预热"},
}

# 10 callbacks in the month (msgid m3 logged twice, one September callback left out):
# 6 success (m1, m2, m3 clicked), 2 user block, 1 system failed, 1 freq limit.
TEMPLATES = """time,follower_id,msgid,status,template,clicked
2026-10-01 08:00:00,a,m1,success,发货通知,是
2026-10-02 08:00:00,b,m2,success,发货通知,1
2026-10-03 08:00,c,m3,success,会员通知,否
2026-10-03 08:00:05,c,m3,success,会员通知,true
2026-10-04 09:00:00,d,m4,success,会员通知,
2026-10-05 09:00:00,e,m5,success,发货通知,否
2026-10-06 09:00:00,f,m6,success,发货通知,0
2026-10-07 09:00:00,g,m7,failed:user block,发货通知,
2026-10-08 09:00:00,h,m8,failed: user block,会员通知,
2026-10-09 09:00:00,i,m9,failed: system failed,会员通知,
1791594000,j,m10,FAILED:FREQ LIMIT,会员通知,
2026-09-30 23:59:00,k,m0,success,发货通知,是
"""
# 1791594000 = 2026-10-10 09:00:00 Beijing time (CreateTime)

# Notice N1 (commute, Thu 10-08 08:30) to two groups, N2 (weekend evening, Sat 10-10 20:00)
# to two groups, and one row without a notice id (other slot, Wed 10-14 12:00).
COMMUNITY = """time,group,members,clicks,notice,cost,topic
2026-10-08 08:30,群1,200,50,N1,10,限时抢购
2026-10-08 08:32,群2,300,60,N1,10,限时抢购
2026-10-10 20:00,群1,200,80,N2,10,直播预热
2026-10-10 20:05,群2,300,90,N2,10,直播预热
2026-10-14 12:00,群1,200,30,,20,会员日
"""
COSTS = "channel,cost,note\n公众号模板消息,60,服务\n社群全员通知,90,人力\n"


def params(folder: Path, **kw: object) -> ReportParams:
    kw.setdefault("touch_benchmarks", BENCH)
    return ReportParams(month=folder.name, account="acct", data_dir=str(folder), **kw)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def month(tmp_path: Path) -> Path:
    folder = tmp_path / "acct" / MONTH
    write(folder, touch_io.TEMPLATE_CSV, TEMPLATES)
    write(folder, touch_io.COMMUNITY_FILE, COMMUNITY)
    write(folder, touch_io.COSTS_FILE, COSTS)
    return folder


# --------------------------------------------------------------------------- statistics


def test_ratio_stats_is_the_cluster_robust_ratio_estimator() -> None:
    st = compute.ratio_stats([10, 30, 20], [100, 200, 100])
    # R = 60/400; residuals −5, 0, 5; se² = 3/2 · 50 / 400²
    se = math.sqrt(1.5 * 50) / 400
    q = 4.302652729911275  # t(0.975, 2)
    assert st.rate == pytest.approx(0.15) and st.m == 3 and st.se == pytest.approx(se)
    assert (st.lo, st.hi) == pytest.approx((0.15 - q * se, 0.15 + q * se))
    one = compute.ratio_stats([5], [50])
    assert one.rate == 0.1 and math.isnan(one.lo)  # no interval from one send


def test_ratio_diff_is_welch_and_can_be_insignificant() -> None:
    a = compute.ratio_stats([10, 30, 20], [100, 200, 100])
    b = compute.ratio_stats([5, 5, 5], [100, 100, 100])  # no variance: se 0
    tval = 0.1 / a.se
    assert compute.ratio_diff(a, b) == pytest.approx(2 * t_dist.sf(tval, 2))
    noisy = compute.ratio_stats([5, 25, 12], [100, 100, 100])  # 4 %–25 %: overlaps a
    assert compute.ratio_diff(a, noisy) > 0.5
    assert compute.ratio_diff(a, compute.ratio_stats([5], [100])) is None


def test_holm_adjusts_and_a_raw_significance_can_vanish() -> None:
    from wxnb.kit import stats

    adj = stats.holm(pd.Series([0.01, 0.04, 0.03, math.nan]))
    assert list(adj[:3]) == pytest.approx([0.03, 0.06, 0.06]) and math.isnan(adj[3])


def test_min_sample_matches_the_closed_form() -> None:
    h = 2 * math.asin(math.sqrt(0.12)) - 2 * math.asin(math.sqrt(0.10))
    z = NormalDist().inv_cdf(0.975) + NormalDist().inv_cdf(0.8)
    n = 2 * z ** 2 / h ** 2
    got = compute.min_sample(0.10, 0.2, 0.05, 0.8)
    assert abs(got - math.ceil(n)) <= 1 and 3800 < got < 3900
    assert compute.min_sample(0.0, 0.2, 0.05, 0.8) is None
    assert compute.min_sample(0.10, 0.5, 0.05, 0.8) < got  # a larger lift needs fewer


# --------------------------------------------------------------------------- A/B tests


def ab_frame(rows: list[tuple[str, str, str, int, int]], shares: list[float] | None = None
             ) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["test", "arm", "style", "delivered", "opened"])
    df["title"] = "标题" + df["arm"]
    df["planned_share"] = shares if shares is not None else math.nan
    df["sent"] = math.nan
    return df


WINNER = [("X", "A", "疑问式", 5000, 500), ("X", "B", "数字式", 5000, 570)]  # p ≈ 0.0235
NULLS = [("Y", "A", "疑问式", 5000, 500), ("Y", "B", "数字式", 5000, 505),
         ("Y", "C", "悬念式", 5000, 498)]


def test_ab_winner_with_hand_computed_test() -> None:
    p = params(Path("/nonexistent") / MONTH)
    [t] = compute.ab_tests(ab_frame(WINNER), p)
    pooled = 1070 / 10000
    z = (0.114 - 0.100) / math.sqrt(pooled * (1 - pooled) * (2 / 5000))
    assert t.comparisons["p"][0] == pytest.approx(2 * NormalDist().cdf(-z))
    assert t.n_min == compute.min_sample(pooled, 0.2, 0.05, 0.8) < 5000
    assert (t.verdict, t.winner) == ("胜出", "B") and t.lift == pytest.approx(0.14)
    assert t.arms.set_index("arm").loc["B", "lo"] == pytest.approx(
        wilson(570, 5000)[0])


def test_holm_over_the_month_turns_the_winner_into_no_difference() -> None:
    # a lift of 50 % to detect: every arm passes the minimum sample, only Holm decides
    p = params(Path("/nonexistent") / MONTH, touch_ab_mde=0.5)
    tests = compute.ab_tests(ab_frame(WINNER + NULLS), p)
    assert all(not t.short_arms for t in tests)
    x = tests[0]
    raw = x.comparisons["p"][0]
    assert raw < 0.05 and x.comparisons["p_holm"][0] == pytest.approx(min(1.0, 4 * raw))
    assert x.verdict == "无显著差异" and x.winner is None  # 4 comparisons: 0.094 > 0.05
    assert [t.verdict for t in tests] == ["无显著差异", "无显著差异"]


def test_min_sample_is_powered_for_the_holm_correction_of_the_month() -> None:
    # X alone: 1 comparison, n_min at α = 0.05. X beside the 3-arm test Y: 4 comparisons are
    # Holm-corrected together, so n_min is powered at 0.05 ÷ 4 (Bonferroni, Holm's worst step).
    p = params(Path("/nonexistent") / MONTH)
    pooled = 1070 / 10000
    target = pooled * 1.2
    h = 2 * math.asin(math.sqrt(target)) - 2 * math.asin(math.sqrt(pooled))

    def closed_form(alpha: float) -> float:
        z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(0.8)
        return 2 * z ** 2 / h ** 2

    [alone] = compute.ab_tests(ab_frame(WINNER), p)
    assert abs(alone.n_min - math.ceil(closed_form(0.05))) <= 1 and alone.n_min < 5000
    x = compute.ab_tests(ab_frame(WINNER + NULLS), p)[0]
    assert x.alpha_plan == pytest.approx(0.0125)
    assert abs(x.n_min - math.ceil(closed_form(0.0125))) <= 1 and x.n_min > 5000
    assert x.verdict == "样本不足"  # 5,000 an arm: 80 % power at 0.05, not after Holm over 4
    html = str(show.ab_html(compute.TouchSection(
        p, None, None, "", pd.DataFrame(), None, "", [x], [])))  # type: ignore[arg-type]
    assert "0.05 ÷ 本月 4 个比较 = 0.0125" in html


def test_ab_table_marks_only_the_winning_arm() -> None:
    p = params(Path("/nonexistent") / MONTH)
    three = WINNER + [("X", "C", "悬念式", 5000, 495)]
    tests = compute.ab_tests(ab_frame(three), p)
    assert (tests[0].verdict, tests[0].winner) == ("胜出", "B")
    sec = compute.TouchSection(p, None, None, "", pd.DataFrame(), None, "",  # type: ignore[arg-type]
                               tests, [])
    cells = re.findall(r"<td[^>]*>(.*?)</td>", str(show.ab_html(sec)))
    verdicts = [cells[i] for i in range(9, len(cells), 10)]
    assert verdicts == ["未胜出", "胜出", "未胜出"]


def test_ab_with_no_opens_at_all_says_so() -> None:
    p = params(Path("/nonexistent") / MONTH)
    [t] = compute.ab_tests(ab_frame([("Z", "A", "疑问式", 800, 0), ("Z", "B", "数字式", 800, 0)]),
                           p)
    assert t.n_min is None and t.verdict == "样本不足"
    sec = compute.TouchSection(p, None, None, "", pd.DataFrame(), None, "",  # type: ignore[arg-type]
                               [t], [])
    f = words._ab_finding(sec, t)
    assert f.evidence.startswith("标题测试 Z 各组打开率全为 0%，无法估算所需样本，不判胜负")
    assert "才能检出" not in f.evidence


def test_min_sample_refuses_a_winner_and_the_refusal_follows_the_parameter() -> None:
    small = [("S", "A", "疑问式", 600, 60), ("S", "B", "数字式", 600, 100)]  # 10 % vs 16.7 %
    strict = params(Path("/nonexistent") / MONTH)
    [t] = compute.ab_tests(ab_frame(small), strict)
    assert t.comparisons["p"][0] < 0.01  # significant, and still no winner
    assert t.verdict == "样本不足" and t.winner is None and t.short_arms == ["A", "B"]
    lenient = params(Path("/nonexistent") / MONTH, touch_ab_mde=1.0)
    [t] = compute.ab_tests(ab_frame(small), lenient)
    assert t.n_min < 600 and (t.verdict, t.winner) == ("胜出", "B")


def test_sample_ratio_mismatch() -> None:
    p = params(Path("/nonexistent") / MONTH)
    skew = [("R", "A", "疑问式", 5000, 500), ("R", "B", "数字式", 4500, 560)]
    [t] = compute.ab_tests(ab_frame(skew), p)
    exp = 4750.0
    chi = 2 * (250 ** 2) / exp
    from scipy.stats import chi2

    assert t.srm_p == pytest.approx(chi2.sf(chi, 1)) and t.verdict == "分流异常"
    [t] = compute.ab_tests(ab_frame(skew, [5000 / 9500, 4500 / 9500]), p)
    assert t.srm_p == pytest.approx(1.0) and t.verdict == "胜出"


# --------------------------------------------------------------------------- channels


def test_template_channel_statuses_and_refusal(month: Path) -> None:
    sec = compute.prepare(params(month))
    now = sec.now
    assert now.callbacks == 10  # m3 once, m0 (September) left out
    st = compute.status_table(now.templates).set_index("label")
    assert dict(st["n"]) == {"送达成功": 6, "用户拒收": 2, "系统失败": 1, "频率限制": 1}
    c = sec.channel("模板消息")
    assert (c.delivered, c.opened) == (6, 3) and c.rate == 0.5  # m3's last callback: clicked
    assert (c.stat.lo, c.stat.hi) == pytest.approx(
        wilson(3, 6))
    assert now.block_rate == pytest.approx(0.2)
    assert c.cost == 60 and c.cost_per_reach == 10 and c.cost_per_open == 20
    found = {f.metric: f for f in words.findings(sec)}
    assert found["touch_template_fail_rate"].status == "预警"  # 20 % > 5 %
    assert found["touch_template_open_rate"].status == "达标"  # 50 % ≥ 12 %
    notes = " ".join(words.data_notes(sec))
    assert "1 条重复的回调" in notes and "1 条回调不在 2026-10 内" in notes
    assert [x.name for x in now.channels] == ["模板消息", "服务号推送", "社群通知"]


def test_template_open_rate_below_the_range_is_a_warning(month: Path) -> None:
    text = TEMPLATES.replace(",是\n", ",否\n").replace(",1\n", ",0\n").replace(",true\n",
                                                                            ",false\n")
    write(month, touch_io.TEMPLATE_CSV, text)
    sec = compute.prepare(params(month))
    f = {f.metric: f for f in words.findings(sec)}["touch_template_open_rate"]
    assert sec.channel("模板消息").rate == 0 and f.status == "预警" and f.gap == 1.0
    assert compute.prepare(params(month, touch_benchmarks={})).channel("模板消息").rate == 0
    unset = {f.metric: f for f in words.findings(compute.prepare(params(month,
                                                                        touch_benchmarks={})))}
    assert unset["touch_template_open_rate"].status == "未设目标"


def test_community_channel_clustered_by_notice_and_its_cost(month: Path) -> None:
    sec = compute.prepare(params(month))
    c = sec.channel("社群通知")
    assert (c.delivered, c.opened) == (1200, 310)
    sends = compute.notices(sec.now.inputs.community)
    assert list(sends["members"]) == [500, 500, 200] and list(sends["clicks"]) == [110, 170, 30]
    assert c.stat.m == 3 and c.stat.se == pytest.approx(compute.ratio_stats(
        [110, 170, 30], [500, 500, 200]).se)
    assert c.cost == 90 and c.cost_per_open == pytest.approx(90 / 310)
    (month / touch_io.COSTS_FILE).unlink()  # the notices' own cost column instead
    c = compute.prepare(params(month)).channel("社群通知")
    assert c.cost == 60 and c.cost_source.startswith("touch_community.csv")


def test_push_channel_is_section_01_headline_open_rate(tmp_path: Path) -> None:
    folder = make_month(tmp_path / "acct" / MONTH)
    write(folder, touch_io.COSTS_FILE, "channel,cost\n服务号推送,400\n")
    sec = compute.prepare(params(folder))
    c = sec.channel("服务号推送")
    # two pushes, each 1,000 delivered and 40 headline readers from the session at the last day
    assert (c.delivered, c.opened, c.stat.m) == (2000, 80, 2)
    totals = metrics.month_totals(load_month(folder, MONTH))
    assert c.rate == pytest.approx(totals.headline_open_rate)
    assert c.cost_per_reach == 0.2 and c.cost_per_open == 5.0
    assert sec.channel("模板消息").stat is None and sec.channel("社群通知").stat is None


def test_best_channel_by_cost_per_open_else_by_rate(month: Path) -> None:
    sec = compute.prepare(params(month))
    best, by = compute.best_channel(sec.channels)
    assert (best.name, by) == ("社群通知", "cost")  # 0.29 元 against 20 元
    (month / touch_io.COSTS_FILE).unlink()
    (month / touch_io.COMMUNITY_FILE).write_text(COMMUNITY.replace(",10,", ",,").replace(
        ",20,", ",,"), encoding="utf-8")
    best, by = compute.best_channel(compute.prepare(params(month)).channels)
    assert (best.name, by) == ("模板消息", "rate")  # 50 % against 25.8 %


# --------------------------------------------------------------------------- slots


@pytest.mark.parametrize(("stamp", "slot"), [
    ("2026-10-08 08:30", "通勤时段"),  # Thursday
    ("2026-10-08 09:00", "其他时段"),  # [7, 9): 9:00 is out
    ("2026-10-08 18:59", "通勤时段"),
    ("2026-10-10 20:00", "周末晚间"),  # Saturday
    ("2026-10-10 08:30", "其他时段"),  # a weekend morning is no commute
    ("2026-10-14 12:00", "其他时段"),
])
def test_slot_of(stamp: str, slot: str) -> None:
    assert compute.slot_of(pd.Timestamp(stamp), params(Path("/x") / MONTH)) == slot


def test_slot_calendar_overrides_the_weekday() -> None:
    p = params(Path("/x") / MONTH, touch_calendar={"2026-10-08": "休息日",
                                                   "2026-10-10": "工作日"})
    assert compute.slot_of(pd.Timestamp("2026-10-08 20:00"), p) == "周末晚间"
    assert compute.slot_of(pd.Timestamp("2026-10-10 08:30"), p) == "通勤时段"


def test_default_calendar_knows_the_2026_national_day_holiday() -> None:
    # 国务院办公厅 2026 年节假日安排: 10-01 (Thu) to 10-07 off, 09-20 (Sun) and 10-10 (Sat) at work
    from wxnb.params import load_params

    p = load_params(account="sample", month=MONTH)
    assert compute.slot_of(pd.Timestamp("2026-10-01 17:44"), p) == "其他时段"  # no commute
    assert compute.slot_of(pd.Timestamp("2026-10-07 20:00"), p) == "周末晚间"
    assert compute.slot_of(pd.Timestamp("2026-10-10 08:30"), p) == "通勤时段"
    assert compute.slot_of(pd.Timestamp("2026-10-08 08:30"), p) == "通勤时段"
    assert words._calendar_note(p.touch_calendar, MONTH).endswith(
        "本月有 6 天与周一至周五的规则不同。")  # 5 days off on weekdays, 1 Saturday at work
    assert "未配置 2027 年的日期" in words._calendar_note(p.touch_calendar, "2027-10")


def sends(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"channel": "社群通知", "time": pd.Timestamp(t), "delivered": n,
                          "opened": k} for t, n, k in rows])


SENDS = [("2026-10-05 08:10", 100, 30), ("2026-10-06 08:10", 100, 34),
         ("2026-10-07 08:10", 100, 32),  # commute: 32 %
         ("2026-10-05 12:00", 100, 20), ("2026-10-06 12:00", 100, 22),
         ("2026-10-07 12:00", 100, 24)]  # other: 22 %


def test_slot_table_compares_with_the_other_slot() -> None:
    p = params(Path("/x") / MONTH)
    s = compute.slot_table(sends(SENDS), p).set_index("slot")
    a = compute.ratio_stats([30, 34, 32], [100, 100, 100])
    b = compute.ratio_stats([20, 22, 24], [100, 100, 100])
    va, vb = a.se ** 2, b.se ** 2
    assert va == pytest.approx(1.5 * 8 / 300 ** 2)  # m/(m−1) = 3/2; residuals −2, 2, 0
    df = (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 2)
    p_hand = 2 * t_dist.sf(0.10 / math.sqrt(va + vb), df)
    assert s.loc["通勤时段", "diff_pp"] == pytest.approx(10.0)
    assert s.loc["通勤时段", "p"] == pytest.approx(p_hand)
    assert s.loc["通勤时段", "p_holm"] == pytest.approx(p_hand)  # the only comparison
    assert compute.best_slot(compute.slot_table(sends(SENDS), p), 0.05)["slot"] == "通勤时段"
    fewer = compute.slot_table(sends(SENDS), params(Path("/x") / MONTH,
                                                    touch_slot_min_sends=4))
    assert not fewer["tested"].any() and compute.best_slot(fewer, 0.05) is None


def test_slot_holm_can_remove_a_slot() -> None:
    p = params(Path("/x") / MONTH)
    one = compute.slot_table(sends(SENDS), p)
    raw = float(one.set_index("slot").loc["通勤时段", "p"])
    assert raw < 0.05
    evening = [("2026-10-10 20:00", 100, 22), ("2026-10-11 20:00", 100, 23),
               ("2026-10-17 20:00", 100, 21)]
    two = compute.slot_table(sends(SENDS + evening), p).set_index("slot")
    assert two.loc["通勤时段", "p_holm"] == pytest.approx(min(1.0, 2 * raw))


def test_section_slots_from_the_community_log(month: Path) -> None:
    sec = compute.prepare(params(month))
    s = sec.slots.set_index("slot")
    assert list(s["sends"]) == [1, 1, 1]  # N1 commute, N2 weekend evening, the row: other
    assert s.loc["周末晚间", "rate"] == pytest.approx(170 / 500)
    assert not s["tested"].any()  # one send per slot: no variance to test with
    assert "服务号推送不参与时段比较" in " ".join(words.data_notes(sec))


# --------------------------------------------------------------------------- tiers, event log


EV_COLS = ["time", "follower_id", "event", "key", "value"]


def ev(t: str, fid: str, event: str, key: str = "", value: str = "") -> dict[str, str]:
    return dict(zip(EV_COLS, [t, fid, event, key, value], strict=True))


def tier_months(tmp_path: Path) -> Path:
    """September: a 12 interactions (高活跃), b 4 (中活跃), c 1 (低活跃), d none (沉睡).
    October: e follows; a–e each get one delivered template, a and b click; one more for a."""
    prev = tmp_path / "acct" / "2026-09"
    rows = [ev(f"2026-09-{d:02d} 10:00:00", "a", "article_read", "1_1", "公众号消息")
            for d in range(1, 13)]
    rows += [ev(f"2026-09-{d:02d} 10:00:00", "b", "CLICK", "k") for d in range(1, 5)]
    rows += [ev("2026-09-05 10:00:00", "c", "message", "text"),
             ev("2026-09-05 11:00:00", "d", "subscribe")]
    prev.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(prev / "events.csv", index=False)
    now = tmp_path / "acct" / MONTH
    rows = [ev("2026-10-02 10:00:00", "e", "subscribe"),
            ev("2026-10-03 10:00:00", "c", "article_read", "1_1", "公众号消息")]
    for i, fid in enumerate("abcdea"):
        rows.append(ev(f"2026-10-{10 + i:02d} 09:00:00", fid, "TEMPLATESENDJOBFINISH",
                       f"t{i}", "success"))
    rows.append(ev("2026-10-20 09:00:00", "f", "TEMPLATESENDJOBFINISH", "t9",
                   "failed:user block"))
    now.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(now / "events.csv", index=False)
    write(now, touch_io.CLICKS_FILE, "msgid,time\nt0,2026-10-10 09:05\nt1,2026-10-11 10:00\n"
                                     "t1,2026-10-11 11:00\nzz,2026-10-12 10:00\n")
    return now


def test_templates_from_the_event_log_with_the_clicks_file(tmp_path: Path) -> None:
    folder = tier_months(tmp_path)
    sec = compute.prepare(params(folder))
    assert sec.now.template_source.startswith("事件日志")
    c = sec.channel("模板消息")
    assert (c.delivered, c.opened) == (6, 2) and sec.now.block_rate == pytest.approx(1 / 7)
    assert "1 次点击对应不到本月送达成功的模板消息" in " ".join(words.data_notes(sec))


def test_tiers_from_the_previous_month(tmp_path: Path) -> None:
    folder = tier_months(tmp_path)
    sec = compute.prepare(params(folder))
    tr = sec.tiers
    assert tr.basis == "上月" and tr.basis_month == "2026-09"
    t = tr.table.set_index("tier")
    assert list(t.index) == ["高活跃", "中活跃", "低活跃", "沉睡", "本月新关注"]
    assert dict(t["delivered"]) == {"高活跃": 2, "中活跃": 1, "低活跃": 1, "沉睡": 1,
                                    "本月新关注": 1}
    assert dict(t["recipients"])["高活跃"] == 1 and dict(t["opened"]) == {
        "高活跃": 1, "中活跃": 1, "低活跃": 0, "沉睡": 0, "本月新关注": 0}
    assert t.loc["高活跃", "rate"] == 0.5
    from scipy.stats import chi2_contingency

    obs = [[1, 1], [1, 0], [0, 1], [0, 1], [0, 1]]
    assert tr.p == pytest.approx(chi2_contingency(obs, correction=False)[1])
    lifted = compute.prepare(params(folder, touch_tier_high=13)).tiers.table.set_index("tier")
    assert "高活跃" not in lifted.index and lifted.loc["中活跃", "delivered"] == 3


def test_tiers_fall_back_to_this_month_without_a_previous_log(tmp_path: Path) -> None:
    folder = tier_months(tmp_path)
    shutil.rmtree(folder.parent / "2026-09")
    tr = compute.prepare(params(folder)).tiers
    assert tr.basis == "本月"
    t = tr.table.set_index("tier")
    # this month only c read an article (低活跃); nobody is 本月新关注 in this basis
    assert dict(t["delivered"]) == {"低活跃": 1, "沉睡": 5}


# --------------------------------------------------------------------------- bad input


def expect_problems(folder: Path) -> str:
    with pytest.raises(DataValidationError) as exc:
        touch_io.load(folder, MONTH)
    return str(exc.value)


def test_bad_template_rows_name_file_field_and_row(month: Path) -> None:
    write(month, touch_io.TEMPLATE_CSV,
          "time,follower_id,msgid,status,clicked\n"
          "2026-10-32 08:00,a,m1,success,是\n"
          "2026-10-02 08:00,,m2,success,否\n"
          "2026-10-03 08:00,c,,success,也许\n")
    msg = expect_problems(month)
    assert "touch_templates.csv 第 2 行 字段 time: 应为 北京时间 YYYY-MM-DD HH:MM[:SS] 或 Unix 秒" in msg
    assert "第 3 行 字段 follower_id: 应为 接收者的粉丝 ID" in msg
    assert "第 4 行 字段 msgid: 应为 消息 MsgID，实际为 缺失" in msg
    assert "第 4 行 字段 clicked: 应为 是/否" in msg and "'也许'" in msg


def test_many_bad_rows_are_listed_then_counted(month: Path) -> None:
    rows = "".join(f"bad,x{i},m{i},success\n" for i in range(25))
    write(month, touch_io.TEMPLATE_CSV, "time,follower_id,msgid,status\n" + rows)
    with pytest.raises(DataValidationError) as exc:
        touch_io.load(month, MONTH)
    assert len(exc.value.problems) == 21 and "另有 5 行" in str(exc.value)


def test_missing_template_column_and_both_formats(month: Path) -> None:
    write(month, touch_io.TEMPLATE_CSV, "time,follower_id,msgid\n2026-10-01 08:00,a,m1\n")
    assert "touch_templates.csv 表头 字段 status: 应为 有列 status" in expect_problems(month)
    write(month, touch_io.TEMPLATE_JSONL, "")
    assert "只提供一个" in expect_problems(month)


def test_jsonl_callbacks_with_wechat_names(month: Path) -> None:
    (month / touch_io.TEMPLATE_CSV).unlink()
    write(month, touch_io.TEMPLATE_JSONL,
          '{"ToUserName":"gh_1","FromUserName":"oA","CreateTime":1791594000,"MsgType":"event",'
          '"Event":"TEMPLATESENDJOBFINISH","MsgID":200163836,"Status":"success"}\n'
          '{"FromUserName":"oB","CreateTime":1791594001,"Event":"subscribe"}\n\n'
          '{"follower_id":"oC","time":"2026-10-11T09:00:00","msgid":"x",'
          '"status":"failed:user block",'
          '"template_id":"T1","clicked":"否"}\n')
    inputs = touch_io.load(month, MONTH)
    t = inputs.templates
    assert list(t["msgid"]) == ["200163836", "x"] and list(t["label"]) == ["送达成功", "用户拒收"]
    assert t["time"].iloc[0] == pd.Timestamp("2026-10-10 09:00:00")
    assert "1 行不是 TEMPLATESENDJOBFINISH 回调" in " ".join(inputs.warnings)
    write(month, touch_io.TEMPLATE_JSONL, "[1, 2]\n")
    assert "touch_templates.jsonl 第 1 行: 应为 一个 JSON 对象" in expect_problems(month)


def test_bad_community_costs_and_ab_rows(month: Path) -> None:
    write(month, touch_io.COMMUNITY_FILE,
          "time,group,members,clicks\n2026-11-01 08:00,群1,100,10\n2026-10-02 08:00,,100,120\n"
          "2026-10-03 08:00,群3,0,0\n")
    write(month, touch_io.COSTS_FILE, "channel,cost\n短信,10\n模板消息,-1\n公众号模板消息,2\n")
    write(month, touch_io.AB_FILE,
          "test,arm,title,style,delivered,opened,planned_share\n"
          "T1,A,甲,反问式,100,10,0.5\nT1,A,乙,数字式,100,120,\nT2,A,丙,数字式,100,10,0.6\n"
          "T2,B,丁,悬念式,100,10,0.6\nT3,A,戊,其他,100,10,\n")
    msg = expect_problems(month)
    assert "touch_community.csv 第 2 行 字段 time: 应为 2026-10 月内的时间" in msg
    assert "第 3 行 字段 group: 应为 社群名称" in msg
    assert "第 3 行 字段 clicks: 应为 不超过 members，实际为 120（members 100）" in msg
    assert "第 4 行 字段 members: 应为 大于 0" in msg
    assert "touch_costs.csv 第 2 行 字段 channel: 应为 模板消息、服务号推送、社群通知 之一" in msg
    assert "第 3 行 字段 cost: 应为 非负数（元，本月合计），实际为 '-1'" in msg
    assert "第 4 行 字段 channel: 应为 每个渠道一行" in msg
    assert "touch_ab_tests.csv 第 2 行 字段 style: 应为 疑问式、数字式、悬念式、其他 之一" in msg
    assert "第 3 行 字段 arm: 应为 同一测试内组别不重复" in msg
    assert "第 3 行 字段 opened: 应为 不超过 delivered" in msg
    assert "第 3 行 字段 planned_share: 应为 同一测试的各组都填写或都不填写" in msg
    assert "字段 planned_share: 应为 测试 'T2' 各组合计为 1，实际为 合计 1.2" in msg
    assert "第 6 行 字段 test: 应为 每个测试至少两组" in msg


def test_inputs_are_not_modified(month: Path) -> None:
    before = {p.name: p.read_bytes() for p in month.iterdir()}
    compute.prepare(params(month))
    assert {p.name: p.read_bytes() for p in month.iterdir()} == before


# --------------------------------------------------------------------------- missing inputs


def test_a_month_without_touch_files_is_skipped_naming_them(tmp_path: Path) -> None:
    from wxnb.build.runner import Section

    folder = make_month(tmp_path / "acct" / MONTH)
    s = Section(SPEC.key, SPEC.title, Path("x.ipynb"), SPEC.phase, SPEC.inputs)
    assert s.missing(folder) == ["touch_*"]
    write(folder, touch_io.AB_FILE, "test,arm,title,style,delivered,opened\n"
                                    "T,A,甲,疑问式,100,5\nT,B,乙,数字式,100,6\n")
    assert s.missing(folder) == []


def test_only_costs_degrades_to_not_provided(tmp_path: Path) -> None:
    folder = tmp_path / "acct" / MONTH
    write(folder, touch_io.COSTS_FILE, "channel,cost\n社群通知,10\n")
    sec = compute.prepare(params(folder))
    assert all(c.stat is None for c in sec.channels) and words.findings(sec) == []
    assert sec.tiers is None and sec.slots.empty and sec.tests == []
    notes = " ".join(words.data_notes(sec))
    assert "社群通知：未提供 touch_community.csv" in notes
    assert "模板消息：未提供 touch_templates.csv" in notes
    for block in (show.key_html, show.channels_html, show.statuses_html, show.templates_html,
                  show.slots_html, show.tiers_html, show.ab_html, show.ab_comparisons_html,
                  show.groups_html, show.channel_chart, show.slot_chart, show.ab_chart):
        assert "未提供" in str(block(sec)) or "没有" in str(block(sec)) or \
            "无法" in str(block(sec)), block.__name__
    assert "本专题本月没有记录结论" in str(brief.headline_html(words.findings(sec)))


def test_template_without_clicks_has_no_open_rate(month: Path) -> None:
    write(month, touch_io.TEMPLATE_CSV, "time,follower_id,msgid,status\n"
                                        "2026-10-01 08:00,a,m1,success\n")
    sec = compute.prepare(params(month))
    c = sec.channel("模板消息")
    assert c.delivered == 1 and c.rate is None and c.cost_per_open is None
    assert "touch_template_open_rate" not in {f.metric for f in words.findings(sec)}
    assert "打开需 touch_template_clicks.csv" in " ".join(words.data_notes(sec))


def test_previous_month_gives_mom_in_points(month: Path) -> None:
    prev = month.parent / "2026-09"
    write(prev, touch_io.COMMUNITY_FILE, "time,group,members,clicks\n2026-09-08 08:30,群1,100,50\n")
    sec = compute.prepare(params(month))
    assert sec.mom("社群通知") == pytest.approx((310 / 1200 - 0.5) * 100)
    assert sec.mom("模板消息") is None  # no template callbacks in September
    write(prev, touch_io.COSTS_FILE, "channel,cost\n短信,1\n")
    sec = compute.prepare(params(month))
    assert sec.prev is None and "上月数据校验未通过" in sec.prev_note


# --------------------------------------------------------------------------- sample, hostile


def _sample(root: Path, hostile: bool = False) -> Path:
    """Both sample months (datacube, event log, this section's files) under ``root``."""
    months = ("2026-09", MONTH)
    folders = [root / "sample" / m for m in months]
    p_files, m_prev, r_prev = sample_cube.write_month_files(
        folders[0], months[0], 2026, sample_cube.DEFAULT_START_FOLLOWERS, False, 1.0, None)
    _, m_now, r_now = sample_cube.write_month_files(
        folders[1], months[1], 2026, int(m_prev.cumulate[-1]), False, 1.0, None)
    population = None
    for folder, m, rows in ((folders[0], m_prev, r_prev), (folders[1], m_now, r_now)):
        _, population, _ = sample_log.write_month(folder, m, rows["getupstreammsg"], seed=2026,
                                                  hostile=False, population=population)
    for folder, m in zip(folders, months, strict=True):
        sample_touch.write_sample(folder, m, hostile=hostile)
    return folders[1]


@pytest.fixture(scope="module")
def sample_month(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _sample(tmp_path_factory.mktemp("s12"))


def test_sample_is_deterministic(sample_month: Path, tmp_path: Path) -> None:
    again = tmp_path / "again" / "sample" / MONTH
    shutil.copytree(sample_month.parent, again.parent)  # the tiers read the previous month
    for p in again.glob("touch_*"):
        p.unlink()
    paths = sample_touch.write_sample(again, MONTH)
    assert [p.name for p in paths] == [touch_io.TEMPLATE_CSV, touch_io.COMMUNITY_FILE,
                                       touch_io.COSTS_FILE, touch_io.AB_FILE]
    assert all(p.read_bytes() == (sample_month / p.name).read_bytes() for p in paths)


def test_sample_plants_what_the_narrative_says(sample_month: Path) -> None:
    sec = compute.prepare(params(sample_month))
    t = sec.channel("模板消息")
    assert 1200 < sec.now.callbacks < 1700 and 0.01 < sec.now.block_rate < 0.05
    assert 0.12 <= t.rate <= 0.20
    # the template file holds exactly the event log's callbacks (no mismatch note)
    assert not any("事件日志中有" in n for n in words.data_notes(sec))
    push = sec.channel("服务号推送")
    assert push.delivered > 1_000_000 and 0.015 < push.rate < 0.05
    assert 0.22 < sec.channel("社群通知").rate < 0.35
    assert len(sec.now.inputs.community["group"].unique()) == 20
    best = compute.best_slot(sec.slots, 0.05)
    assert (best["channel"], best["slot"]) == ("社群通知", "周末晚间")
    tiers = sec.tiers.table.set_index("tier")
    assert sec.tiers.basis == "上月" and sec.tiers.p < 0.001
    assert tiers.loc["高活跃", "rate"] > 2.5 * tiers.loc["沉睡", "rate"]
    verdicts = {t.test: (t.verdict, t.winner) for t in sec.tests}
    assert verdicts == {"T10-双11预热": ("胜出", "B"), "T10-会员日": ("样本不足", None)}
    assert sec.prev is not None and sec.mom("社群通知") is not None
    found = {f.metric: f for f in words.findings(sec)}
    assert found["touch_push_open_rate"].status == "预警"
    assert found["touch_ab:T10-会员日"].status == "预警"
    assert found["touch_best_slot"].status == "提示"
    said = "".join(words.narrative(sec))  # a slot difference is observed, not an experiment
    assert "社群通知在周末晚间发送的打开率更高" in said and "观察比较" in said
    assert "效果更好" not in said


def test_hostile_sample_is_escaped_and_numbers_unchanged(sample_month: Path,
                                                         tmp_path: Path) -> None:
    bad = tmp_path / "bad" / "sample" / MONTH
    shutil.copytree(sample_month.parent, bad.parent)
    for m in ("2026-09", MONTH):
        sample_touch.write_sample(bad.parent / m, m, hostile=True)
    plain, hostile = compute.prepare(params(sample_month)), compute.prepare(params(bad))
    assert [(c.delivered, c.opened) for c in plain.channels] == \
        [(c.delivered, c.opened) for c in hostile.channels]
    assert [f.value for f in words.findings(plain)] == [f.value for f in words.findings(hostile)]
    html = "".join(str(b(hostile)) for b in (
        show.key_html, show.channels_html, show.templates_html, show.ab_html,
        show.ab_comparisons_html, show.groups_html, show.tiers_html, show.slots_html))
    html += str(fmt.narrative(words.narrative(hostile)))
    assert "<script>" not in html and "<img" not in html and "<svg" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "\u202e" not in html
    charts.apply_theme()
    for builder in (show.channel_chart, show.slot_chart, show.ab_chart):
        fig = builder(hostile)
        assert type(fig).__name__ == "Figure"
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fig.savefig(io.BytesIO(), format="png")


#: The analyst's words the management layer must not hold (as the browser test checks).
TEST_WORDS = re.compile(r"\bp\s*[<=>]|置信区间|稳健\s*z|\bz\s*=|\bn\s*=|检验|Wilson|卡方")


def test_management_layer_has_no_field_names_nor_statistics(sample_month: Path) -> None:
    sec = compute.prepare(params(sample_month))
    items = words.findings(sec)
    text = str(brief.headline_html(items)) + str(brief.brief_html(items, sec.params, n=2,
                                                                  max_actions=1))
    text += str(show.key_html(sec))
    names = {f for f in touch_io.API_FIELDS if "_" in f} | {"TEMPLATESENDJOBFINISH",
                                                           "MASSSENDJOBFINISH", "SentCount"}
    assert not [n for n in names if n in text]
    assert not TEST_WORDS.search(re.sub(r"<[^>]+>", "", text))
    assert "服务号推送打开率 2." in text  # the headline states the worst finding


def test_notebook_cells_shape() -> None:
    cells = SPEC.notebook_cells
    assert cells[0][1].startswith("# 12 触达渠道效果对比") and SPEC.topic
    assert [k for k, _ in cells[1:4]] == ["params", "setup", "code"]
    assert cells[3][1] == "brief.headline_html(words.findings(sec))"
    assert cells[-1] == ("hidden", 'findings.record(words.findings(sec), sec.params, "12_touch")')
    assert compute.SECTION == ("12_touch", "12 触达渠道效果对比")
    assert SPEC.check == "wxnb.io.touch:load" and SPEC.inputs == ("touch_*",)


def test_parameters_validate() -> None:
    p = ReportParams(month=MONTH, account="a", touch_ab_mde=1, touch_block_rate_warn=0)
    assert p.touch_ab_mde == 1.0 and isinstance(p.touch_block_rate_warn, float)
    for bad in ({"touch_benchmarks": {"短信": {"open_low": 0.1, "open_high": 0.2}}},
                {"touch_benchmarks": {"模板消息": {"open_low": 12, "open_high": 18}}},
                {"touch_benchmarks": {"模板消息": {"open_low": 0.2, "open_high": 0.1}}},
                {"touch_commute_hours": [[9, 7]]}, {"touch_tier_mid": 10},
                {"touch_calendar": {"2026-10-01": "假日"}}):
        with pytest.raises(ValueError):
            ReportParams(month=MONTH, account="a", **bad)  # type: ignore[arg-type]
