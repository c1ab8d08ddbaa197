"""Section 01 metrics on tiny in-memory data, each checked against a hand computation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wxnb.kit import metrics
from wxnb.io.datacube import MonthData


def frame(rows: list[dict], dates: tuple[str, ...] = ("ref_date",)) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for d in dates:
        df[d] = pd.to_datetime(df[d])
    return df


def reads(day: str, source: int, users: int, count: int, shares: int = 0) -> dict:
    return {"ref_date": day, "user_source": source, "int_page_read_user": users,
            "int_page_read_count": count, "share_count": shares, "share_user": shares}


def art(day: str, msgid: str, stat: str, target: int, read: int, session: int) -> dict:
    return {"ref_date": day, "msgid": msgid, "title": msgid, "stat_date": stat,
            "target_user": target, "int_page_read_user": read, "int_page_read_count": read,
            "int_page_from_session_read_user": session}


@pytest.fixture
def tiny() -> MonthData:
    """Feb 2026 (28 days), only a few days with data; numbers chosen to check by hand."""
    summary = frame([
        {"ref_date": "2026-02-01", "user_source": 0, "new_user": 5, "cancel_user": 2},
        {"ref_date": "2026-02-01", "user_source": 30, "new_user": 10, "cancel_user": 1},
        {"ref_date": "2026-02-02", "user_source": 1, "new_user": 7, "cancel_user": 4},
        {"ref_date": "2026-02-02", "user_source": 999, "new_user": 3, "cancel_user": 0},
    ])
    cumulate = frame([{"ref_date": "2026-02-01", "cumulate_user": 1012},
                      {"ref_date": "2026-02-02", "cumulate_user": 1018}])
    userread = frame([
        reads("2026-02-01", 99999999, 40, 60, 6), reads("2026-02-01", 0, 30, 35),
        reads("2026-02-01", 1, 20, 25), reads("2026-02-02", 99999999, 10, 40, 2),
    ])
    total = frame([
        # push 1: two articles, cumulative counters over two stat dates
        art("2026-02-01", "100_1", "2026-02-01", 1000, 30, 20),
        art("2026-02-01", "100_1", "2026-02-02", 1000, 50, 30),
        art("2026-02-01", "100_2", "2026-02-01", 1000, 8, 5),
        art("2026-02-01", "100_2", "2026-02-02", 1000, 12, 10),
        # push 2: one article, one stat date
        art("2026-02-02", "101_1", "2026-02-02", 1010, 25, 20),
    ], ("ref_date", "stat_date"))
    frames = {"getusersummary": summary, "getusercumulate": cumulate, "getuserread": userread,
              "getarticletotal": total}
    return MonthData("2026-02", Path("."), frames, {}, [])


def test_month_totals_by_hand(tiny: MonthData) -> None:
    t = metrics.month_totals(tiny)
    assert (t.new_user, t.cancel_user, t.net_followers) == (25, 7, 18)
    assert t.cumulate_followers == 1018
    assert t.cumulate_start == 1012 - 12  # first day's cumulate minus that day's net
    assert t.net_growth_rate == pytest.approx(18 / 1000)
    # reads come from the 99999999 rows only: the per-source rows (30+20 > 40) are never summed
    assert (t.read_count, t.read_user) == (100, 50)
    assert (t.pushes, t.articles) == (2, 3)
    # open rate: last stat_date per article; (30 + 10 + 20) / (1000 + 1000 + 1010)
    assert t.open_rate == pytest.approx(60 / 3010)
    assert t.headline_open_rate == pytest.approx(50 / 2010)
    assert t.share_rate == pytest.approx(8 / 100)


def test_follower_daily_fills_missing_days_with_zero(tiny: MonthData) -> None:
    d = metrics.follower_daily(tiny)
    assert len(d) == 28
    assert d.loc["2026-02-02", "net_user"] == 6 and d.loc["2026-02-10", "new_user"] == 0
    assert pd.isna(d.loc["2026-02-10", "cumulate_user"])


def test_follower_sources_names_unknown_codes(tiny: MonthData) -> None:
    s = metrics.follower_sources(tiny)
    assert list(s["source"]) == ["扫描二维码", "公众号搜索", "其他合计", "未知来源(999)"]
    assert s["new_share"].sum() == pytest.approx(1.0)
    assert s.set_index("source").loc["其他合计", "net_user"] == 3


def test_kpi_table_attainment_gap_mom_and_status(tiny: MonthData) -> None:
    now = metrics.month_totals(tiny)
    before = metrics.MonthTotals(**{**now.as_dict(), "net_followers": 20, "open_rate": 0.03,
                                    "read_count": 10})
    params = {"target_net_followers": 20, "target_open_rate": 0.02, "target_read_count": 80,
              "benchmark_open_rate": 0.012, "status_warn_ratio": 0.9}
    t = metrics.kpi_table(now, before, params).set_index("key")
    assert t.loc["net_followers", "达成率"] == pytest.approx(0.9)
    assert t.loc["net_followers", "状态"] == "预警"
    assert t.loc["net_followers", "mom_mode"] == "abs"  # base 20 < 30: absolute change
    assert t.loc["net_followers", "环比"] == -2
    assert t.loc["read_count", "状态"] == "达标"
    assert t.loc["open_rate", "gap_pp"] == pytest.approx((60 / 3010 - 0.02) * 100)
    assert t.loc["open_rate", "mom_mode"] == "pp"
    assert t.loc["open_rate", "环比"] == pytest.approx((60 / 3010 - 0.03) * 100)
    assert t.loc["open_rate", "行业均值"] == 0.012
    assert pd.isna(t.loc["share_rate", "行业均值"]) and t.loc["share_rate", "状态"] == "未设目标"
    assert t.loc["conversion_rate", "状态"] == "未提供"


def test_kpi_table_without_previous_month_has_no_mom(tiny: MonthData) -> None:
    t = metrics.kpi_table(metrics.month_totals(tiny), None, {})
    assert set(t["mom_mode"]) == {"na"}
    assert t["环比"].isna().all()


def test_flag_anomalies_finds_a_spike_and_ignores_noise() -> None:
    rng = np.random.default_rng(1)
    values = pd.Series(rng.poisson(100, 31), index=pd.date_range("2026-10-01", periods=31))
    values.iloc[14] = 420
    a = metrics.flag_anomalies(values, window=7, z=3.5)
    assert list(a.index[a["flag"]]) == [values.index[14]]
    assert a.loc[values.index[14], "direction"] == "高"


def test_flag_anomalies_quiet_series_does_not_flag_wobbles() -> None:
    values = pd.Series([3, 3, 3, 4, 3, 3, 2, 3, 3, 3], index=pd.date_range("2026-10-01",
                                                                           periods=10))
    assert not metrics.flag_anomalies(values).flag.any()


def test_previous_month_end_prefers_the_previous_months_last_cumulate(tiny: MonthData) -> None:
    jan = MonthData("2026-01", Path("."), {"getusercumulate": frame([
        {"ref_date": "2026-01-30", "cumulate_user": 990},
        {"ref_date": "2026-01-31", "cumulate_user": 995}])}, {}, [])
    assert metrics.previous_month_end(tiny, jan) == 995
    assert metrics.month_totals(tiny, jan).net_growth_rate == pytest.approx(18 / 995)
    # the previous month without its last day: fall back to day 1 of this month
    jan.frames["getusercumulate"] = jan.frames["getusercumulate"].iloc[:1]
    assert metrics.previous_month_end(tiny, jan) == 1000


def test_previous_month_end_unknown_when_day_one_is_missing(tiny: MonthData) -> None:
    c = tiny.frames["getusercumulate"]
    tiny.frames["getusercumulate"] = c[c["ref_date"] > "2026-02-01"]
    # deriving from 02-02 (1018 − 6) would count 02-01's growth into the start: refuse
    assert metrics.previous_month_end(tiny) is None
    t = metrics.month_totals(tiny)
    assert t.cumulate_start is None and t.net_growth_rate is None


def test_reader_conversion_counts_distinct_readers_who_ordered() -> None:
    from wxnb.io import eventsummary

    rows = [  # r1 reads twice and orders twice; r2 reads; b1 orders without reading
        ("2026-10-02 09:00:00", "r1", "article_read", "1_1", "公众号消息"),
        ("2026-10-03 09:00:00", "r1", "article_read", "2_1", "朋友圈"),
        ("2026-10-03 10:00:00", "r1", "order", "o1", "10"),
        ("2026-10-04 10:00:00", "r1", "order", "o2", "12"),
        ("2026-10-02 09:00:00", "r2", "article_read", "1_1", "公众号消息"),
        ("2026-10-05 10:00:00", "b1", "order", "o3", "30"),
        ("2026-10-05 10:00:00", "r3", "article_read", "1_1", "聊天会话"),
    ]
    df = pd.DataFrame(rows, columns=["time", "follower_id", "event", "key", "value"])
    with eventsummary.from_frame(df, "2026-10") as log:
        c = metrics.reader_conversion(log, None)
        assert (c.readers, c.buyers) == (3, 1) and c.rate == pytest.approx(1 / 3)
        # orders.csv, when given, decides who bought (r2 and r3 there; b1 never read)
        orders = pd.DataFrame({"follower_id": ["r2", "r3", "r3", "b1"]})
        c = metrics.reader_conversion(log, orders)
        assert (c.readers, c.buyers, c.source) == (3, 2, "orders.csv")


def _empty_articles(folder: Path) -> None:
    for path in folder.glob("getarticletotal_*.json"):
        path.write_text('{"list": []}', encoding="utf-8")


def test_a_month_without_articles_says_so(tmp_path: Path) -> None:
    """Every getarticletotal chunk {"list": []}: section 01 builds and says why (KeyError)."""
    from conftest import make_month
    from wxnb.sections.s01_kpi import compute as section01
    from wxnb.sections.s01_kpi import show as section01_show
    from wxnb.sections.s01_kpi import words as section01_words
    from wxnb.params import load_params

    folder = make_month(tmp_path / "acct" / "2026-10")
    _empty_articles(folder)
    sec = section01.prepare(load_params(account="acct", overrides={"data_dir": str(folder)}))
    assert sec.totals.articles == 0 and sec.totals.open_rate is None
    text = " ".join(section01_words.narrative(sec))
    assert "本月没有群发图文" in text and "打开率 —" not in text
    assert "本月无群发" in section01_show.kpi_html(sec).markup
    assert section01_words.findings(sec)  # the other KPIs are still recorded


def test_a_previous_month_without_articles_never_fails(tmp_path: Path) -> None:
    from conftest import make_month
    from wxnb.sections.s01_kpi import compute as section01
    from wxnb.params import load_params

    folder = make_month(tmp_path / "acct" / "2026-10")
    prev = make_month(tmp_path / "acct" / "2026-09", month="2026-09")
    _empty_articles(prev)
    sec = section01.prepare(load_params(account="acct", overrides={"data_dir": str(folder)}))
    assert sec.prev_totals is not None and sec.prev_totals.open_rate is None
    row = sec.table.set_index("key").loc["open_rate"]
    assert row["mom_mode"] == "na"  # no 环比 against a month that had nothing to open


def test_zero_new_followers_never_prints_nan(tmp_path: Path) -> None:
    import json

    from conftest import make_month
    from wxnb.sections.s01_kpi import compute as section01
    from wxnb.sections.s01_kpi import show as section01_show
    from wxnb.sections.s01_kpi import words as section01_words
    from wxnb.params import load_params

    folder = make_month(tmp_path / "acct" / "2026-10")
    for path in folder.glob("getusersummary_*.json"):
        body = json.loads(path.read_text(encoding="utf-8"))
        for r in body["list"]:
            r["new_user"] = 0
        path.write_text(json.dumps(body), encoding="utf-8")
    sec = section01.prepare(load_params(account="acct", overrides={"data_dir": str(folder)}))
    shown = " ".join(section01_words.narrative(sec)) + section01_show.sources_html(sec).markup
    assert "nan" not in shown.lower() and "本月没有新关注" in shown


def test_holm_adjusts_the_tested_p_values_and_keeps_the_untested_ones_missing() -> None:
    import math

    import pandas as pd

    from wxnb.kit import stats

    # by hand: sorted 0.01, 0.02, 0.04 → 3×0.01 = 0.03, 2×0.02 = 0.04, 1×0.04 = 0.04 (monotone)
    got = stats.holm([0.04, None, 0.01, float("nan"), 0.02])
    assert got[0] == pytest.approx(0.04) and got[2] == pytest.approx(0.03)
    assert got[4] == pytest.approx(0.04) and math.isnan(got[1]) and math.isnan(got[3])
    assert stats.holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])  # capped at 1
    series = stats.holm(pd.Series([0.01, 0.02], index=["a", "b"], name="p"))
    assert list(series.index) == ["a", "b"] and series["a"] == pytest.approx(0.02)
    assert stats.holm([]) == []
