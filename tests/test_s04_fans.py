"""Section 04 粉丝质量多维评估 (FAN-IDM): hand-computed tiers, streaks, reach, cohorts, hostile text."""

from __future__ import annotations

import io
import math
import random
import warnings
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_month

from wxnb.kit import charts
from wxnb.io import eventsummary
from wxnb.kit import fmt
from wxnb.sections.s04_fans import compute, show, words
from wxnb.exceptions import DataValidationError
from wxnb.params import ReportParams

MONTH = "2026-10"  # 31 days; Oct 1 is a Thursday, so ISO weeks start Sep 28, Oct 5, 12, 19, 26
COLS = ["time", "follower_id", "event", "key", "value", "via"]


def ev(day: int, fid: str, event: str, *, via: str = "", hour: int = 9, month: str = MONTH,
       minute: int = 0) -> dict[str, str]:
    return {"time": f"{month}-{day:02d} {hour:02d}:{minute:02d}:00", "follower_id": fid,
            "event": event, "key": "", "value": "", "via": via}


def scenario() -> list[dict[str, str]]:
    """The hand-computed month (see the expectations in the tests below).

    a: 10 reads (days 1–10) + 4 comments (days 1–4) + 1 share (day 4) = 15 interactions
       (15 / (31/7) = 3.39 a week: active), streak 10 (loyal), reach 12 (influential) → core.
    b: one read on days 1–3 and 5–11 (10) + 2 comments = 12 (not active); streak 7 across the
       gap on day 4 (loyal) → 1 dimension.
    c: 13 messages + 1 comment on day 20 = 14 (exactly ≥ 14 = ⌈3·31/7⌉: active), streak 1.
    d: 1 share + CLICK on days 25–31 = 8, streak 7 (loyal), reach 10 (s0–s9; s0 twice and d's
       own read via d do not count) → core with 2 dimensions.
    r0–r11 read via a (1 each), s0–s9 via d (s0 twice), x0 via a sharer "ghost" who has no
    interaction of their own. New followers n1–n6 (see test_cohorts).
    """
    rows = [ev(d, "a", "article_read") for d in range(1, 11)]
    rows += [ev(d, "a", "article_comment", hour=10) for d in range(1, 5)]
    rows += [ev(4, "a", "article_share", hour=11)]
    rows += [ev(d, "b", "article_read") for d in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11)]
    rows += [ev(5, "b", "article_comment", hour=10), ev(6, "b", "article_comment", hour=10)]
    rows += [ev(20, "c", "message", hour=8, minute=m) for m in range(13)]
    rows += [ev(20, "c", "article_comment", hour=9)]
    rows += [ev(25, "d", "article_share", hour=8)] + [ev(d, "d", "CLICK") for d in range(25, 32)]
    rows += [ev(4, f"r{i}", "article_read", via="a", hour=12) for i in range(12)]
    rows += [ev(26, f"s{i}", "article_read", via="d", hour=12) for i in range(10)]
    rows += [ev(27, "s0", "article_read", via="d", hour=12), ev(26, "d", "article_read", via="d")]
    rows += [ev(15, "x0", "article_read", via="ghost")]
    # cohorts
    rows += [ev(2, "n1", "subscribe", hour=10)]
    rows += [ev(3, "n2", "subscribe"), ev(9, "n2", "unsubscribe")]
    rows += [ev(6, "n3", "subscribe"), ev(20, "n3", "unsubscribe")]
    rows += [ev(28, "n4", "subscribe")]
    rows += [ev(20, "n5", "subscribe"), ev(25, "n5", "article_like")]
    rows += [ev(1, "n6", "unsubscribe"), ev(2, "n6", "subscribe"), ev(5, "n6", "unsubscribe"),
             ev(6, "n6", "subscribe"), ev(30, "n6", "unsubscribe")]
    rows += [ev(1, "system", "MASSSENDJOBFINISH"), ev(3, "a", "LOCATION")]  # not interactions
    return rows


def frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLS)


def params(folder: Path | None = None, **kw: object) -> ReportParams:
    if folder is None:
        return ReportParams(month=MONTH, account="acct", **kw)
    return ReportParams(month=folder.name, account="acct", data_dir=str(folder), **kw)


def agg_of(rows: list[dict[str, str]], month: str = MONTH, **kw: object) -> compute.FanAggregate:
    with eventsummary.from_frame(frame(rows), month) as log:
        return compute.aggregate(log, ReportParams(month=month, account="acct", **kw))


def write_log(folder: Path, rows: list[dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "events.csv"
    frame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def month(tmp_path: Path) -> Path:
    folder = make_month(tmp_path / "acct" / MONTH)  # datacube files, month-end cumulate 1,186
    write_log(folder, scenario())
    return folder


# --------------------------------------------------------------------------- tiers


def test_population_and_tier_shares_by_hand() -> None:
    agg = agg_of(scenario())
    # a b c d, r0–r11, s0–s9, x0, n5 interact; n1–n4, n6 only (un)subscribe; system is a
    # MASSSENDJOBFINISH, a's LOCATION is not an interaction.
    assert agg.population == 4 + 12 + 10 + 1 + 1 == 28
    assert agg.interactions == 15 + 12 + 14 + 8 + 12 + 11 + 1 + 1 + 1  # d's read via itself
    assert (agg.count("activity"), agg.count("influence"), agg.count("loyalty")) == (2, 2, 3)
    assert agg.share("activity") == pytest.approx(2 / 28)
    assert agg.share("loyalty") == pytest.approx(3 / 28)
    assert agg.count("core") == 2 and agg.share("core") == pytest.approx(2 / 28)
    # UGC: a 4, b 2, c 1 comments; the core fans (a, d) made a's 4.
    assert (agg.comments, agg.core_comments) == (7, 4)
    assert agg.core_ugc_share == pytest.approx(4 / 7)
    assert (agg.shares, agg.sharers) == (2, 2)


def test_tier_share_independently_in_plain_python() -> None:
    rows = scenario()
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["event"] not in ("subscribe", "unsubscribe", "LOCATION", "MASSSENDJOBFINISH"):
            counts[r["follower_id"]] += 1
    weekly = {f: n / (31 / 7) for f, n in counts.items()}
    active = sum(1 for w in weekly.values() if w >= 3)
    assert agg_of(rows).share("activity") == pytest.approx(active / len(counts))


def test_weekly_rate_threshold() -> None:
    assert compute.Rules(3.0, 10, 7, 2).active_min(31) == 14  # ⌈93 / 7⌉
    assert compute.Rules(3.0, 10, 7, 2).active_min(28) == 12  # exactly 3 a week
    # c has 14 interactions: 14 / (31/7) = 3.16 a week; at 3.2 a week only a (15) is active.
    assert agg_of(scenario(), fan_active_weekly=3.2).count("activity") == 1
    assert agg_of(scenario(), fan_active_weekly=3.0).count("activity") == 2


def test_weekly_rate_exactly_at_the_threshold() -> None:
    # February 2026 has 28 days = 4 weeks: 12 interactions are exactly 3 a week (active).
    rows = [ev(d, "g", "article_read", month="2026-02") for d in range(1, 13)]
    rows += [ev(d, "h", "article_read", month="2026-02") for d in range(1, 12)]
    agg = agg_of(rows, month="2026-02")
    assert agg.days == 28 and agg.population == 2 and agg.count("activity") == 1


def test_streak_across_a_gap() -> None:
    agg = agg_of(scenario())
    # a 10; b 7 (days 1–3 | gap | 5–11); d 7 (25–31); s0 2 (26, 27); the other 24 have 1.
    assert agg.streak_hist.to_dict() == {1: 24, 2: 1, 7: 2, 10: 1}
    assert agg_of(scenario(), fan_loyal_days=8).count("loyalty") == 1  # only a


def test_streak_first_and_last_days_of_month() -> None:
    rows = [ev(d, "e", "article_read") for d in (1, 2, 29, 30, 31)]
    rows += [ev(d, "f", "CLICK") for d in range(1, 32)]
    assert agg_of(rows).streak_hist.to_dict() == {3: 1, 31: 1}


def test_via_reach() -> None:
    agg = agg_of(scenario())
    r = agg.reach
    # a reached r0–r11; d reached s0–s9 (s0 twice, its own read excluded); ghost reached x0.
    assert (r.sharers, r.pairs, r.influential, r.outside_population) == (3, 23, 2, 1)
    assert (r.reader_pairs, r.follow_pairs, r.reads) == (23, 0, 24)
    assert r.via_events == 24
    assert agg.reach_hist.to_dict() == {1: 1, 10: 1, 12: 1}
    assert agg_of(scenario(), fan_influence_reach=11).count("influence") == 1


def test_follows_through_a_share_count_as_reach() -> None:
    rows = [ev(3, "k", "article_share")] + [
        ev(4, f"f{i}", "subscribe", via="k") for i in range(3)] + [
        ev(4, "f0", "article_read", via="k")]
    agg = agg_of(rows, fan_influence_reach=3)
    assert (agg.reach.pairs, agg.reach.follow_pairs, agg.reach.reader_pairs) == (3, 3, 1)
    assert agg.count("influence") == 1  # k; the followers' subscribes are not interactions


def test_core_fans_need_min_dims() -> None:
    agg = agg_of(scenario(), fan_core_min_dims=3)
    assert agg.count("core") == 1 and agg.core_comments == 4  # a only
    agg = agg_of(scenario(), fan_core_min_dims=1)
    assert agg.count("core") == 4  # a, b, c and d each meet at least one
    assert agg.core_comments == 7


# --------------------------------------------------------------------------- cohorts


def cohort_rows(agg: compute.FanAggregate) -> dict[str, dict[str, int]]:
    return {f"{r['week']:%m-%d}": r.to_dict() for _, r in agg.cohorts.iterrows()}


def test_cohorts_and_right_censoring() -> None:
    agg = agg_of(scenario())
    c = cohort_rows(agg)
    assert list(c) == ["09-28", "10-05", "10-19", "10-26"]
    w40 = c["09-28"]  # n1 (kept), n2 (left on day 6), n6 (left on day 3 after following day 2)
    assert (w40["members"], w40["eligible_7"], w40["kept_7"]) == (3, 3, 1)
    assert (w40["eligible_21"], w40["kept_21"]) == (3, 1)
    w41 = c["10-05"]  # n3 follows on the 6th, leaves on the 20th = day 14
    assert (w41["kept_7"], w41["kept_14"], w41["eligible_14"]) == (1, 0, 1)
    w43 = c["10-19"]  # n5 follows on the 20th: 20 + 7 ≤ 31 but 20 + 14 > 31
    assert (w43["eligible_7"], w43["kept_7"], w43["active_7"]) == (1, 1, 1)
    assert (w43["eligible_14"], w43["eligible_21"]) == (0, 0)
    w44 = c["10-26"]  # n4 follows on the 28th: too young for any k
    assert (w44["members"], w44["eligible_7"]) == (1, 0)
    assert agg.retention(7) == (pytest.approx(3 / 5), 5)
    assert agg.retention(14) == (pytest.approx(1 / 4), 4)
    assert agg.retention(21) == (pytest.approx(1 / 4), 4)
    assert (agg.new_followers, agg.unsubscribers, agg.new_then_left) == (6, 3, 3)


def test_cohort_table_shows_dash_for_young_cohorts(month: Path) -> None:
    sec = compute.prepare(params(month))
    html = str(show.cohort_html(sec))
    last = html.split("<tr>")[-2]  # the 10-26 cohort (the last row is the average)
    assert "10-26–10-31" in last and last.count("<td class=\"num\">—</td>") == 6
    assert "33.3%（3）" in html and "60.0%（5）" in html and "25.0%（4）" in html
    assert "第 44 周" in last


def test_retention_boundary_day_k() -> None:
    # Follow on the 10th; leaving on the 17th (day 7) counts at day 7, on the 18th does not.
    rows = [ev(10, "p", "subscribe"), ev(17, "p", "unsubscribe", hour=23),
            ev(10, "q", "subscribe"), ev(18, "q", "unsubscribe", hour=0)]
    c = agg_of(rows).cohorts.iloc[0]
    assert (c["eligible_7"], c["kept_7"]) == (2, 1)
    # Follow on the 24th: 24 + 7 = 31 is the last day, so day 7 is observed.
    c = agg_of([ev(24, "p", "subscribe", hour=23)]).cohorts.iloc[0]
    assert c["eligible_7"] == 1 and c["eligible_14"] == 0


def test_active_at_day_k_window() -> None:
    # Follow on the 3rd: day 7 is the 10th, its window is days 4–10.
    rows = [ev(3, "p", "subscribe"), ev(3, "p", "article_read", hour=12),
            ev(3, "q", "subscribe"), ev(10, "q", "article_read"),
            ev(3, "r", "subscribe"), ev(11, "r", "article_read")]
    c = agg_of(rows).cohorts.iloc[0]
    assert (c["active_7"], c["active_14"]) == (1, 1)  # q on day 7; r on day 8 (window 11–17)


# --------------------------------------------------------------------------- against plain Python


def reference(rows: list[dict[str, str]], days: int, rules: compute.Rules) -> dict:
    """FAN-IDM computed the slow, obvious way (no SQL, no bit masks)."""
    non = {"subscribe", "unsubscribe", "LOCATION", "MASSSENDJOBFINISH", "TEMPLATESENDJOBFINISH"}
    n: dict[str, int] = defaultdict(int)
    comments: dict[str, int] = defaultdict(int)
    active_days: dict[str, set[int]] = defaultdict(set)
    reached: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        t = datetime.fromisoformat(r["time"])
        if r["event"] not in non:
            n[r["follower_id"]] += 1
            active_days[r["follower_id"]].add(t.day)
            comments[r["follower_id"]] += r["event"] == "article_comment"
        if r["via"] and r["via"] != r["follower_id"]:
            reached[r["via"]].add(r["follower_id"])

    def longest(ds: set[int]) -> int:
        best = run = 0
        for d in range(1, days + 1):
            run = run + 1 if d in ds else 0
            best = max(best, run)
        return best

    flags = {}
    for f, count in n.items():
        a = count / (days / 7) >= rules.active_weekly
        i = len(reached.get(f, ())) >= rules.influence_reach
        lo = longest(active_days[f]) >= rules.loyal_days
        flags[f] = (a, i, lo)
    core = {f for f, fl in flags.items() if sum(fl) >= rules.core_min_dims}
    return {"population": len(n), "active": sum(fl[0] for fl in flags.values()),
            "influential": sum(fl[1] for fl in flags.values()),
            "loyal": sum(fl[2] for fl in flags.values()), "core": len(core),
            "core_comments": sum(comments[f] for f in core),
            "comments": sum(comments.values()),
            "streaks": sorted(longest(active_days[f]) for f in n)}


def random_log(seed: int, n: int = 3000) -> list[dict[str, str]]:
    rng = random.Random(seed)
    ids = [f"u{i}" for i in range(120)]
    kinds = ["article_read"] * 6 + ["article_share", "article_comment", "CLICK", "message",
                                    "subscribe", "unsubscribe", "LOCATION"]
    rows = []
    for _ in range(n):
        fid = ids[int(rng.random() ** 2 * len(ids))]
        kind = rng.choice(kinds)
        day = rng.randint(1, 31) if rng.random() < 0.5 else rng.randint(8, 20)
        via = rng.choice(ids[:15]) if kind in ("article_read", "subscribe") and \
            rng.random() < 0.3 else ""
        rows.append(ev(day, fid, kind, via=via, hour=rng.randint(0, 23),
                       minute=rng.randint(0, 59)))
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_plain_python_reference(seed: int) -> None:
    rows = random_log(seed)
    kw = {"fan_active_weekly": 2.0, "fan_influence_reach": 4, "fan_loyal_days": 4}
    agg = agg_of(rows, **kw)
    ref = reference(rows, 31, agg.rules)
    assert agg.population == ref["population"]
    assert (agg.count("activity"), agg.count("influence"), agg.count("loyalty"),
            agg.count("core")) == (ref["active"], ref["influential"], ref["loyal"],
                                   ref["core"])
    assert (agg.comments, agg.core_comments) == (ref["comments"], ref["core_comments"])
    streaks = sorted(v for s, c in agg.streak_hist.items() for v in [s] * c)
    assert streaks == ref["streaks"]


def test_cohorts_match_plain_python_reference() -> None:
    rows = random_log(7, 4000)
    agg = agg_of(rows)
    by: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for r in rows:
        if r["event"] in ("subscribe", "unsubscribe"):
            by[r["follower_id"]].append((datetime.fromisoformat(r["time"]), r["event"]))
    expect: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])  # members, eligible, kept
    for items in by.values():
        subs = sorted(t for t, e in items if e == "subscribe")
        if not subs:
            continue
        t0 = subs[0]
        left = min((t for t, e in items if e == "unsubscribe" and t > t0), default=None)
        week = t0.date() - timedelta(days=t0.weekday())
        expect[week][0] += 1
        if t0.day + 14 <= 31:
            expect[week][1] += 1
            expect[week][2] += left is None or left.date() > t0.date() + timedelta(days=14)
    got = {r["week"].date(): [r["members"], r["eligible_14"], r["kept_14"]]
           for _, r in agg.cohorts.iterrows()}
    assert got == dict(expect)


# --------------------------------------------------------------------------- the section


def test_prepare_tables_and_context(month: Path) -> None:
    sec = compute.prepare(params(month))
    assert sec.followers_end == 1000 + 31 * 6  # getusercumulate on the 31st
    html = str(show.tier_html(sec))
    for text in ("活跃度（Activity）", "周均互动 ≥ 3 次（本月 31 天即 ≥ 14 次）",
                 "分享带来 ≥ 10 人阅读或关注（好友数不可观测）", "最长连续活跃 ≥ 7 天",
                 "满足 ≥ 2 个维度", "7.1%", "10.7%", "无上月数据", "有互动的粉丝 28 人"):
        assert text in html, text
    rows = {r.key: r for r in sec.rows}
    # activity and influence are tied at 2/28; the first in order is the weakest.
    assert rows["activity"].weakest and rows["activity"].status == "提示"
    assert rows["activity"].strategy == "优先建立积分奖励体系（三个维度中占比最低）"
    assert rows["loyalty"].strategy == "维持现有运营，持续监测"
    assert "贡献 57.1% 的留言" in rows["core"].strategy
    combos = str(show.combos_html(sec))
    assert "活跃 + 影响力 + 忠诚" in combos and "影响力 + 忠诚" in combos
    infl = str(show.influence_html(sec))
    assert "其中 1 位本月自身无互动记录" in infl and "阅读 23 人次，关注 0 人次" in infl


def test_narrative_is_computed(month: Path) -> None:
    sec = compute.prepare(params(month))
    text = "".join(words.narrative(sec))
    assert "有互动的粉丝 28 人（月末累计粉丝 1,186 人，有互动的约占 2.4%）" in text
    assert "活跃粉丝（周均互动 ≥ 3 次）2 人，占 7.1%" in text
    assert "有影响力粉丝（分享带来 ≥ 10 人阅读或关注）2 人" in text
    assert "核心粉丝 2 人，占 7.1%" in text
    assert "贡献了 57.1% 的留言（UGC，7 条中 4 条），是其人数占比的 8.0 倍" in text
    assert "第 7 天 60.0%（5 人满 7 天）" in text
    assert "建议优先建立积分奖励体系" in text


def test_best_and_worst_cohort_named_only_when_large_enough(tmp_path: Path) -> None:
    folder = tmp_path / "acct" / MONTH
    rows = [ev(6, f"p{i}", "subscribe") for i in range(40)]  # week 41: 30 of 40 stay
    rows += [ev(8, f"p{i}", "unsubscribe") for i in range(10)]
    rows += [ev(13, f"q{i}", "subscribe") for i in range(40)]  # week 42: 38 of 40 stay
    rows += [ev(14, f"q{i}", "unsubscribe") for i in range(2)]
    rows += [ev(20, "t", "subscribe"), ev(21, "t", "unsubscribe"), ev(21, "a", "CLICK")]
    write_log(folder, rows)
    text = "".join(words.narrative(compute.prepare(params(folder))))
    assert ("7 日留存最好的是第 42 周（10-12–10-18），为 95.0%；最差的是第 41 周（10-05–10-11），"
            "为 75.0%") in text  # week 43 (1 follower, 0 %) is too small to be named
    assert "第 7 天 84.0%（81 人满 7 天）" in text  # (30 + 38 + 0) / 81


def test_findings(month: Path) -> None:
    sec = compute.prepare(params(month))
    found = {f.metric: f for f in words.findings(sec)}
    assert set(found) == {"fan_active_share", "fan_influence_share", "fan_loyal_share",
                          "core_fan_share", "core_fan_ugc_share", "retention_d7"}
    assert found["fan_active_share"].status == "提示"
    assert found["fan_loyal_share"].status == "未设目标"
    assert found["fan_active_share"].value == pytest.approx(2 / 28)
    assert found["core_fan_ugc_share"].value == pytest.approx(4 / 7)
    assert found["retention_d7"].value == pytest.approx(0.6)
    assert found["retention_d7"].extra["eligible"] == 5
    assert all(f.mom is None for f in found.values())
    assert all(f.section == "04_fans" for f in found.values())


def test_previous_month_mom_and_strategy(month: Path) -> None:
    prev = month.parent / "2026-09"  # 30 days: 3 a week = ≥ 13 interactions
    rows = [ev(d, "a", "article_read", month="2026-09") for d in range(1, 14)]
    rows += [ev(d, "b", "article_read", month="2026-09") for d in range(1, 14)]
    rows += [ev(d, "c", "article_read", month="2026-09") for d in (1, 2)]
    rows += [ev(1, "d", "article_read", month="2026-09")]
    write_log(prev, rows)
    sec = compute.prepare(params(month))
    assert sec.prev is not None and sec.prev.days == 30
    assert sec.prev.count("activity") == 2 and sec.prev.population == 4
    rows_ = {r.key: r for r in sec.rows}
    assert rows_["activity"].mom == pytest.approx((2 / 28 - 2 / 4) * 100)
    assert rows_["activity"].mom_text == "−42.86 个百分点"
    assert rows_["loyalty"].mom == pytest.approx((3 / 28 - 2 / 4) * 100)  # a, b 13 days
    # loyalty is not the weakest but fell ≥ 1 pp: it gets its strategy, with the reason.
    assert rows_["loyalty"].strategy == "设计签到打卡机制（环比下降 39.3 个百分点）"
    assert rows_["loyalty"].status == "提示"
    assert "−42.86 个百分点" in str(show.tier_html(sec))
    assert "忠诚度（Retention）环比下降 39.3 个百分点，可同步设计签到打卡机制" in "".join(
        words.narrative(sec))
    found = {f.metric: f for f in words.findings(sec)}
    assert found["fan_loyal_share"].mom == pytest.approx((3 / 28 - 0.5) * 100)
    assert found["retention_d7"].mom is None  # no follows in September


def test_no_previous_month_and_broken_previous(month: Path) -> None:
    sec = compute.prepare(params(month))
    assert sec.prev is None
    assert "无上月数据（未找到 2026-09 目录），环比不可用" in words.data_notes(sec)
    prev = month.parent / "2026-09"
    prev.mkdir()
    assert "上月（2026-09）目录中没有事件日志" in compute.prepare(params(month)).prev_note
    (prev / "events.csv").write_text("time,follower_id,event\n2026-09-01 08:00:00,,CLICK\n",
                                     encoding="utf-8")
    sec = compute.prepare(params(month))  # never raises for the previous month
    assert "上月事件日志校验未通过" in sec.prev_note and sec.prev is None


def test_no_via_makes_influence_unmeasurable(tmp_path: Path) -> None:
    folder = tmp_path / "acct" / MONTH
    write_log(folder, [{**r, "via": ""} for r in scenario()])
    sec = compute.prepare(params(folder))
    rows = {r.key: r for r in sec.rows}
    assert rows["influence"].share is None and rows["influence"].share_text == "不可计算"
    assert rows["influence"].strategy.startswith("先为分享链接加 via 追踪参数")
    assert not rows["influence"].weakest and rows["activity"].weakest
    assert sec.agg.count("core") == 1  # a: active + loyal; d lost its influence
    assert "fan_influence_share" not in {f.metric for f in words.findings(sec)}
    assert any("影响力维度不可计算" in n for n in words.data_notes(sec))
    assert "无法归因" in str(show.influence_html(sec))
    assert "未提供累计粉丝数据（getusercumulate）" in " ".join(words.data_notes(sec))


def test_no_comments_no_ugc_share() -> None:
    rows = [r for r in scenario() if r["event"] != "article_comment"]
    with eventsummary.from_frame(frame(rows), MONTH) as log:
        agg = compute.aggregate(log, params())
    assert agg.comments == 0 and agg.core_ugc_share is None


def test_missing_event_log_is_a_clear_error(tmp_path: Path) -> None:
    folder = make_month(tmp_path / "acct" / MONTH)
    with pytest.raises(DataValidationError) as exc:
        compute.prepare(params(folder))
    assert "事件日志 events*.parquet | events*.csv | events*.jsonl" in str(exc.value)


def test_empty_month_of_interactions(tmp_path: Path) -> None:
    folder = tmp_path / "acct" / MONTH
    write_log(folder, [ev(3, "n1", "subscribe")])
    sec = compute.prepare(params(folder))
    assert sec.agg.population == 0
    assert all(r.share is None for r in sec.rows)
    assert "没有互动事件" in words.narrative(sec)[0]
    assert [f.metric for f in words.findings(sec)] == ["retention_d7"]
    charts.apply_theme()
    for builder in (show.tier_chart, show.interactions_chart, show.streak_chart):
        assert isinstance(builder(sec), fmt.HtmlBlock)


def test_inputs_are_not_modified(month: Path) -> None:
    before = {p.name: p.read_bytes() for p in month.iterdir()}
    compute.prepare(params(month))
    assert {p.name: p.read_bytes() for p in month.iterdir()} == before


def test_no_tables_are_left_behind() -> None:
    """aggregate reads the month's summary and leaves only its tables in the connection."""
    with eventsummary.from_frame(frame(scenario()), MONTH) as log:
        compute.aggregate(log, params())
        left = log.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        assert sorted(t for (t,) in left) == sorted(eventsummary.TABLES)


# --------------------------------------------------------------------------- hostile, charts


HOSTILE = "<script>alert(1)</script>"


def test_hostile_text_never_unescaped(tmp_path: Path) -> None:
    folder = tmp_path / "acct" / MONTH
    rows = scenario()
    rows = [{**r, "follower_id": r["follower_id"] + HOSTILE,
             "via": r["via"] + HOSTILE if r["via"] else ""} for r in rows]
    rows.append(ev(5, "z", HOSTILE))  # an unknown event type: named in the notes
    rows.append(ev(5, "<img src=x onerror=alert(1)>", "CLICK"))
    write_log(folder, rows)
    sec = compute.prepare(params(folder))
    assert sec.agg.count("influence") == 2  # ids with markup are just ids
    html = "".join(str(b) for b in (
        show.tier_html(sec), show.combos_html(sec), show.influence_html(sec),
        show.cohort_html(sec), fmt.narrative(words.narrative(sec)),
        fmt.notes(words.data_notes(sec))))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the unknown type, escaped


def render(fig: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png")  # type: ignore[attr-defined]


def test_charts_render_without_missing_glyphs(month: Path) -> None:
    charts.apply_theme()
    sec = compute.prepare(params(month))
    for builder in (show.tier_chart, show.interactions_chart, show.streak_chart,
                    show.retention_chart):
        fig = builder(sec)
        assert type(fig).__name__ == "Figure", builder.__name__
        render(fig)


def test_interaction_bins_put_the_threshold_on_an_edge() -> None:
    agg = agg_of(scenario())
    b = compute.interaction_bins(agg)
    assert list(b["lo"]) == [1, 2, 3, 5, 8, 14, 28, 56, 112]
    assert b.loc[b["lo"] == 14, "label"].item() == "14–27"
    assert b.loc[b["active"], "followers"].sum() == 2  # a (15) and c (14)
    assert b["followers"].sum() == 28 and math.isclose(b["cum_share"].iloc[-1], 1.0)


def test_notebook_cells_shape() -> None:
    cells = compute.SPEC.notebook_cells
    assert cells[0][0] == "md" and cells[0][1].startswith("# 04 粉丝质量多维评估")
    assert [k for k, _ in cells[1:3]] == ["params", "setup"]
    assert "compute.prepare(from_namespace(globals()))" in cells[2][1]
    record = 'findings.record(words.findings(sec), sec.params, "04_fans")'
    assert cells[-1] == ("hidden", record)
    assert compute.SECTION == ("04_fans", "04 粉丝质量多维评估")
    assert compute.INPUTS == ("events*",)


def test_tiny_change_is_not_shown_as_minus_zero() -> None:
    row = compute.TierRow("loyalty", "忠诚度", "", 10, 0.03849, prev_share=0.03852)
    assert row.mom == pytest.approx(-0.003) and row.mom_text == "0.00 个百分点"
    assert compute.TierRow("loyalty", "", "", 1, 0.05, 0.0642).mom_text == "−1.42 个百分点"


def test_hash_collision_note_is_computed(month: Path) -> None:
    assert words._sci(2_500_000**2 / 2**65) == "2×10⁻⁷"
    assert words._sci(12_700_000**2 / 2**65) == "4×10⁻⁶"
    assert words._sci(0) == "0"
    notes = " ".join(words.data_notes(compute.prepare(params(month))))
    assert "本月 28 人时约 2×10⁻¹⁷" in notes  # 784 / 2⁶⁵


def test_thresholds_are_bound_parameters_not_sql_text() -> None:
    """``--set fan_active_weekly=.inf`` was formatted straight into the SQL; the parameters
    refuse it now, and the thresholds never appear in the query text."""
    import inspect

    from wxnb.sections.s04_fans import compute

    src = inspect.getsource(compute._per_follower) + inspect.getsource(compute._reach_summary)
    assert "rules.active_weekly)!r" not in src and "{int(rules." not in src
    assert "$active_weekly" in src and "$influence_reach" in src


def test_a_months_aggregate_is_computed_once_per_rules(
        month: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The previous month's figures of a build are the ones that month's own build computed:
    kept per month (its event files) and FAN-IDM rules, computed again when either changes."""
    monkeypatch.setenv("WXNB_CACHE_DIR", str(tmp_path / "cache"))
    calls: list[str] = []
    real = compute.aggregate
    monkeypatch.setattr(compute, "aggregate",
                        lambda log, p: calls.append(log.month) or real(log, p))
    first = compute._open_and_aggregate(month, MONTH, params(month))
    again = compute._open_and_aggregate(month, MONTH, params(month))
    assert calls == [MONTH] and first is not None and again is not None
    assert again[0].population == first[0].population and again[0].rules == first[0].rules
    stricter = compute._open_and_aggregate(month, MONTH, params(month, fan_loyal_days=10))
    assert calls == [MONTH, MONTH] and stricter is not None
    assert stricter[0].rules.loyal_days == 10
    rows = scenario()
    rows.append(ev(20, "new-one", "article_read"))
    write_log(month, rows)
    compute._open_and_aggregate(month, MONTH, params(month))
    assert calls == [MONTH] * 3  # the log changed
