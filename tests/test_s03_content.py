"""Section 03 内容传播效能对比分析: hand-computed content-type rows, the last-stat_date rule,
sources never summed, the 爆款 rule's edges, title features, plan matching, hostile titles."""

from __future__ import annotations

import io
import json
import sys
import types
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import dump

from wxnb.kit import charts
from wxnb.kit import fmt
from wxnb.sections.s03_content import compute, show, words
from wxnb.io.datacube import MonthData, load_month
from wxnb.params import ReportParams

HOSTILE = "<script>alert(1)</script>🔥【限时】\u202e反向"


def det(stat: str, reads: int, shares: int, session: int, target: int = 10_000,
        **sources: int) -> dict[str, Any]:
    """One getarticletotal details row (cumulative counters up to ``stat``)."""
    row = {"stat_date": stat, "target_user": target, "int_page_read_user": reads,
           "int_page_read_count": reads + 10, "ori_page_read_user": 0, "ori_page_read_count": 0,
           "share_user": shares, "share_count": shares, "add_to_fav_user": 0,
           "add_to_fav_count": 0, "int_page_from_session_read_user": session,
           "int_page_from_session_read_count": session}
    for key, users in sources.items():
        row[f"int_page_from_{key}_read_user"] = users
        row[f"int_page_from_{key}_read_count"] = users
    return row


# msgid, push date, title, details (the last one is the article's final figure)
ARTICLES: list[tuple[str, str, str, list[dict[str, Any]]]] = [
    ("2247000001_1", "2026-10-01", "品牌故事：一家工厂", [
        det("2026-10-01", 600, 20, 360, friends=180, feed=100, other=50),
        det("2026-10-02", 900, 40, 540, friends=270, feed=180, other=90),
        det("2026-10-03", 1000, 50, 600, friends=300, feed=200, other=100)]),
    ("2247000001_2", "2026-10-01", "促销：秋季上新", [det("2026-10-01", 400, 8, 300)]),
    ("2247000002_1", "2026-10-08", "品牌故事二",
     [det("2026-10-08", 3000, 240, 1200, friends=1500, feed=600)]),
    ("2247000003_1", "2026-10-15", "促销：会员日", [det("2026-10-15", 800, 16, 500)]),
    ("2247000004_1", "2026-10-22", "品牌故事三", [det("2026-10-22", 1100, 33, 700)]),
    ("2247000005_1", "2026-10-29", HOSTILE, [det("2026-10-29", 600, 6, 400)]),
]
PLAN_COLS = ["msgid", "date", "title", "content_type", "cost", "author"]
PLAN = pd.DataFrame([
    ["2247000001_1", "2026-10-01", "品牌故事：一家工厂", "品牌故事", 1000.0, "甲"],
    ["2247000001_2", "2026-10-01", "促销：秋季上新", "促销资讯", 2000.0, "乙"],
    ["", "2026-10-08", " 品牌\u3000故事二 ", "品牌故事", 1000.0, "甲"],  # date + title match
    ["2247000003_1", "2026-10-15", "促销：会员日", "促销资讯", 2000.0, "乙"],
    ["2247000004_1", "2026-10-22", "品牌故事三", "品牌故事", 1000.0, "甲"],
    ["2247000005_1", "2026-10-29", HOSTILE, "促销资讯", 2000.0, "乙"],
    ["2247999999_1", "2026-10-03", "没有推送的文章", "互动问答", 1500.0, "丙"],
    ["", "2026-10-09", "不存在的文章", "互动问答", 800.0, "丙"],
    ["2247000001_1", "2026-10-01", "品牌故事：一家工厂", "互动问答", 50.0, "丙"],  # duplicate
], columns=PLAN_COLS)
ORDERS = pd.DataFrame([
    ["o1", "f1", "2026-10-02 10:00:00", 1000.0, "2247000001_1", "article"],
    ["o2", "f1", "2026-10-03 10:00:00", 2000.0, "2247000001_1", "article"],
    ["o3", "f1", "2026-10-09 10:00:00", 3000.0, "2247000002_1", "article"],
    ["o4", "f2", "2026-10-09 11:00:00", 6000.0, "2247000002_1", "article"],
    ["o5", "f3", "2026-10-02 12:00:00", 500.0, "2247000001_2", "article"],
    ["o6", "f4", "2026-10-30 12:00:00", 250.0, "2247000005_1", "article"],
    ["o7", "f5", "2026-10-10 12:00:00", 1000.0, "", "menu"],
    ["o8", "f6", "2026-10-11 12:00:00", 250.0, "2246999999_1", "article"],  # a September article
], columns=["order_id", "follower_id", "time", "amount", "msgid", "channel"])


def hour_row(day: str, hour: int, source: int, users: int) -> dict[str, Any]:
    return {"ref_date": day, "ref_hour": hour, "user_source": source,
            "int_page_read_user": users, "int_page_read_count": users, "ori_page_read_user": 0,
            "ori_page_read_count": 0, "share_user": 0, "share_count": 0, "add_to_fav_user": 0,
            "add_to_fav_count": 0}


# 10-05 and 10-12 are Mondays, 10-06 a Tuesday; source 0 rows must be ignored.
HOURS = [hour_row("2026-10-05", 2000, 99999999, 100), hour_row("2026-10-05", 800, 99999999, 50),
         hour_row("2026-10-12", 2000, 99999999, 300), hour_row("2026-10-06", 1200, 99999999, 90),
         hour_row("2026-10-06", 300, 0, 10_000)]


def write_articles(folder: Path, articles: list[tuple[str, str, str, list[dict[str, Any]]]],
                   hours: list[dict[str, Any]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    by_day: dict[str, list[dict[str, Any]]] = {}
    for msgid, day, title, details in articles:
        by_day.setdefault(day, []).append(
            {"ref_date": day, "msgid": msgid, "title": title, "details": details})
    for day, items in by_day.items():
        dump(folder / f"getarticletotal_{day}_{day}.json", {"list": items})
    for row in hours or []:
        day = row["ref_date"]
        path = folder / f"getuserreadhour_{day}_{day}.json"
        old = json.loads(path.read_text())["list"] if path.exists() else []
        dump(path, {"list": [*old, row]})
    return folder


PREV_ARTICLES = [("2246999999_1", "2026-09-20", "品牌故事旧",
                  [det("2026-09-20", 550, 11, 600)])]
PREV_PLAN = pd.DataFrame([["2246999999_1", "2026-09-20", "品牌故事旧", "品牌故事", 500.0, "甲"]],
                         columns=PLAN_COLS)


@pytest.fixture
def month(tmp_path: Path) -> Path:
    return write_articles(tmp_path / "acct" / "2026-10", ARTICLES, HOURS)


@pytest.fixture
def prev(tmp_path: Path) -> Path:
    return write_articles(tmp_path / "acct" / "2026-09", PREV_ARTICLES)


def params(folder: Path, **kw: Any) -> ReportParams:
    return ReportParams(month=folder.name, account="acct", data_dir=str(folder), **kw)


def load(folder: Path) -> MonthData:
    return load_month(folder, folder.name, endpoints=compute.ENDPOINTS)


def section(month: Path, plan: pd.DataFrame | None = PLAN, orders: pd.DataFrame | None = ORDERS,
            previous: Path | None = None, prev_plan: pd.DataFrame | None = None,
            **kw: Any) -> compute.ContentSection:
    return compute.compute(params(month, **kw), load(month), plan, orders,
                               previous=load(previous) if previous else None, prev_plan=prev_plan)


def table_rows(html: str) -> list[list[str]]:
    """The body rows of a fmt.table as lists of cell texts."""
    soup = BeautifulSoup(html, "html.parser")
    return [[td.get_text() for td in tr.find_all("td")] for tr in soup.select("tbody tr")]


def by_msgid(sec: compute.ContentSection) -> pd.DataFrame:
    return sec.articles.set_index("msgid")


# --------------------------------------------------------------------------- articles


def test_last_stat_date_is_taken_not_the_sum(month: Path) -> None:
    a = by_msgid(section(month))
    first = a.loc["2247000001_1"]
    assert first["reads"] == 1000  # not 600 + 900 + 1000 = 2500
    assert first["shares"] == 50 and first["session"] == 600
    assert first["share_rate"] == pytest.approx(0.05)
    assert first["days_tracked"] == 3
    assert first["stat_date"] == pd.Timestamp("2026-10-03")


def test_sources_are_shares_of_reads_never_summed(month: Path) -> None:
    sec = section(month)
    a = by_msgid(sec)
    first = a.loc["2247000001_1"]
    # 600 + 300 + 200 + 100 = 1,200 source readers for 1,000 readers: the total stays 1,000.
    assert first["src_total"] == 1000
    assert first["share_driven"] == pytest.approx(0.5)  # (300 + 200) / 1000
    assert np.isnan(a.loc["2247000001_2", "share_driven"])  # no friends/feed fields: unknown
    assert np.isnan(a.loc["2247000001_2", "src_friends"])
    html = str(show.top_html(sec))
    [cells] = [r for r in table_rows(html) if r[1] == "品牌故事：一家工厂"]
    # 阅读人数, 读者分享率, 公众号消息, 聊天会话, 朋友圈, 推荐, 搜一搜, 主页, 其他, 分享带来, 爆款
    assert cells[4:] == ["1,000", "5.00%", "60.0%", "30.0%", "20.0%", "—", "—", "—", "10.0%",
                         "50.0%", "否"]
    assert "不相加作总数" in html
    notes = " ".join(words.data_notes(sec))
    assert "从不相加作总数" in notes and "推荐/看一看、搜一搜、公众号主页/历史消息" in notes


def test_read_user_source_from_the_detail_api(month: Path) -> None:
    scenes = [{"scene_desc": "全部", "user_count": 1000},
              {"scene_desc": "公众号消息", "user_count": 500},
              {"scene_desc": "聊天会话", "user_count": 250},
              {"scene_desc": "推荐", "user_count": 400}]
    item = {"ref_date": "2026-10-01", "msgid": "2247000001_1", "publish_type": 0,
            "detail_list": [{"stat_date": "2026-10-03", "read_user": 1000, "share_user": 50,
                             "zaikan_user": 20, "like_user": 30, "comment_count": 5,
                             "read_user_source": scenes}]}
    dump(month / "getarticletotaldetail_2026-10-01_2026-10-01.json", {"list": [item]})
    sec = section(month)
    first = by_msgid(sec).loc["2247000001_1"]
    assert first["src_origin"] == "getarticletotaldetail"
    assert (first["src_session"], first["src_friends"], first["src_kanyikan"]) == (500, 250, 400)
    assert first["src_feed"] == 0  # a scene the API did not list had no readers
    assert first["share_driven"] == pytest.approx(0.25)
    assert first["zaikan"] == 20
    brand = sec.matrix.loc["品牌故事"]
    assert brand["zaikan_rate"] == pytest.approx(20 / 1000)  # only articles with detail data
    assert "在看率" in str(show.engagement_html(sec))


def test_unreadable_read_user_source_falls_back(month: Path) -> None:
    item = {"ref_date": "2026-10-01", "msgid": "2247000001_1", "publish_type": 0,
            "detail_list": [{"stat_date": "2026-10-03", "read_user": 1000, "share_user": 50,
                             "zaikan_user": 20, "like_user": 30, "comment_count": 5,
                             "read_user_source": [{"scene_desc": "全部", "user_count": "多"}]}]}
    dump(month / "getarticletotaldetail_2026-10-01_2026-10-01.json", {"list": [item]})
    sec = section(month)
    first = by_msgid(sec).loc["2247000001_1"]
    assert first["src_origin"] == "getarticletotal" and first["src_friends"] == 300
    assert "1 篇文章的 read_user_source 不是" in " ".join(words.data_notes(sec))


def test_month_without_articles(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "2026-10"
    folder.mkdir(parents=True)
    dump(folder / "getarticletotal_2026-10-01_2026-10-01.json", {"list": []})
    sec = section(folder)
    assert words.narrative(sec) == ["本月没有图文群发数据，无法分析内容传播效能。"]
    [f] = words.findings(sec)  # the orders are there, none can be attributed
    assert f.metric == "content_revenue_unattributed" and f.value == 1.0
    assert "本月没有图文群发数据" in str(show.matrix_html(sec))
    for builder in (show.sources_chart, show.open_rate_chart,
                    show.top_html, show.titles_html):
        assert isinstance(builder(sec), fmt.HtmlBlock)
    assert "content_plan.csv 第 2 行（2247000001_1" in " ".join(words.data_notes(sec))


# --------------------------------------------------------------------------- plan and matrix


def test_one_content_type_row_by_hand(month: Path) -> None:
    m = section(month).matrix
    brand = m.loc["品牌故事"]  # articles 1000, 3000 and 1100 readers; costs 3 × 1,000
    assert brand["articles"] == 3
    assert brand["per_week"] == pytest.approx(3 * 7 / 31)
    assert brand["reads_mean"] == pytest.approx(1700)
    assert brand["reads_median"] == 1100
    assert brand["share_rate"] == pytest.approx((50 + 240 + 33) / 5100)
    assert brand["cost"] == 3000 and brand["revenue"] == 12_000  # 1000 + 2000 + 3000 + 6000
    assert brand["buyers"] == 2  # f1 bought three times through two brand articles
    assert brand["conversion"] == pytest.approx(2 / 5100)
    assert brand["roi"] == pytest.approx(3.0) and brand["ratio"] == pytest.approx(4.0)
    promo = m.loc["促销资讯"]
    assert (promo["reads_median"], promo["revenue"], promo["cost"]) == (600, 750, 6000)
    assert promo["roi"] == pytest.approx(-0.875)
    assert list(m.index) == ["品牌故事", "促销资讯", "合计"]
    assert m.loc["合计", "articles"] == 6 and m.loc["合计", "reads"] == 6900


def test_matrix_html_and_ratio_text(month: Path) -> None:
    html = str(show.matrix_html(section(month)))
    assert "3 篇/月（0.7 篇/周）" in html
    for text in ("1,700", "1,100", "6.33%", "¥3,000", "¥12,000", "300%", "1:4.0", "1:0.1",
                 "−88%", "无上月计划"):
        assert text in html, text
    assert words.ratio_text(36.2) == "1:36" and words.ratio_text(None) == "—"


def test_plan_matching_by_date_and_title_and_unmatched_rows(month: Path) -> None:
    sec = section(month)
    a = by_msgid(sec)
    assert a.loc["2247000002_1", "matched_by"] == "日期+标题"  # full-width space, padding
    assert a.loc["2247000002_1", "content_type"] == "品牌故事"
    assert a.loc["2247000001_1", "content_type"] == "品牌故事"  # the duplicate row is ignored
    unmatched = sec.plan.unmatched
    assert list(unmatched["row"]) == ["第 8 行", "第 9 行"]
    notes = " ".join(words.data_notes(sec))
    assert "第 8 行（2247999999_1，互动问答）未匹配到文章：msgid 2247999999_1 不在本月" in notes
    assert "成本 ¥1,500 未计入" in notes
    assert "第 9 行（2026-10-09《不存在的文章》，互动问答）未匹配到文章" in notes
    assert "第 10 行 与 第 2 行 指向同一篇文章《品牌故事：一家工厂》，已忽略该行" in notes
    assert "按 msgid 5 篇、按推送日期+标题 1 篇，未分类 0 篇" in notes


def test_articles_without_a_plan_row_are_untyped() -> None:
    articles = pd.DataFrame({"msgid": ["1_1", "2_1"], "title": ["甲", "乙"],
                             "ref_date": pd.to_datetime(["2026-10-01", "2026-10-02"])})
    plan = pd.DataFrame([["", "2026-10-02", "乙", "促销资讯", 10.0, ""]], columns=PLAN_COLS)
    got = compute.match_plan(articles, plan).articles.set_index("msgid")
    assert got.loc["1_1", "content_type"] == compute.UNTYPED
    assert np.isnan(got.loc["1_1", "cost"])
    assert got.loc["2_1", "content_type"] == "促销资讯"
    assert compute.match_plan(articles, None).has_plan is False


def test_attribution_last_touch_by_msgid(month: Path) -> None:
    att = section(month).attribution
    assert (att.orders, att.revenue, att.attributed_revenue) == (8, 14_000, 12_750)
    assert (att.no_msgid_orders, att.no_msgid_revenue) == (1, 1000)
    assert (att.outside_orders, att.outside_revenue, att.outside_msgids) == (1, 250, 1)
    assert att.unattributed_share == pytest.approx(1250 / 14_000)
    assert att.before_push == 0
    late = ORDERS.assign(time=ORDERS["time"].where(ORDERS["order_id"] != "o3",
                                                   "2026-10-07 09:00:00"))
    assert section(month, orders=late).attribution.before_push == 1


def test_without_plan_the_matrix_is_a_note(month: Path) -> None:
    sec = section(month, plan=None)
    assert sec.matrix is None
    assert "未提供内容计划" in str(show.matrix_html(sec))
    assert not {"content_roi_best", "content_share_rate_lowest"} & {
        f.metric for f in words.findings(sec)}
    assert "本月群发图文 6 篇（5 次推送）；未提供内容计划" in words.narrative(sec)[0]
    assert "1 篇文章达到爆款标准" in " ".join(words.narrative(sec))  # still per article


def test_without_orders_roi_is_not_provided(month: Path) -> None:
    sec = section(month, orders=None)
    html = str(show.matrix_html(sec))
    assert html.count("未提供") >= 8  # conversion, revenue, ROI, ratio for three rows
    assert "未提供订单数据（orders.csv）" in " ".join(words.narrative(sec))
    assert "content_roi_best" not in {f.metric for f in words.findings(sec)}


def test_previous_month_mom(month: Path, prev: Path) -> None:
    sec = section(month, previous=prev, prev_plan=PREV_PLAN)
    html = str(show.matrix_html(sec))
    assert "+100.0%" in html  # brand median 1,100 against 550
    assert fmt.fmt_pp((323 / 5100 - 0.02) * 100) in html  # +4.33 个百分点
    assert "上月无此类" in html  # no 促销资讯 in September
    assert sec.prev_opens.head == pytest.approx(0.06)
    assert "头条打开率 6.80%（环比 +0.80 个百分点）" in " ".join(words.narrative(sec))


# --------------------------------------------------------------------------- 爆款


def test_viral_article_and_its_driver(month: Path) -> None:
    sec = section(month)
    rule = sec.rule  # readers 400 600 800 1000 1100 3000; shares 1 % … 8 %
    assert (rule.median, rule.q1, rule.q3) == (900, 650, 1075)
    assert rule.fence == pytest.approx(1712.5)
    assert rule.share_p75 == pytest.approx(0.045)
    a = by_msgid(sec)
    assert list(a.index[a["viral"]]) == ["2247000002_1"]
    second = a.loc["2247000002_1"]
    assert second["driver"] == "聊天会话/好友转发"  # 50 % against a median of 40 %
    assert (second["driver_share"], second["driver_usual"]) == pytest.approx((0.5, 0.4))
    assert "阅读人数 ≥ 本月中位数 900 × 3（2,700）或 > Q3 + 1.5·IQR（1,712）" in rule.text()
    assert "P75（4.50%）" in rule.text()
    [f] = [f for f in words.findings(sec) if f.metric == "viral_articles"]
    assert f.kind == "event" and "《品牌故事二》（品牌故事）阅读 3,000 人，为中位数的 3.3 倍" in f.evidence


def frame(reads: list[int], share: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"reads": reads, "share_rate": share})


def test_viral_rule_edges() -> None:
    # Exactly median × 3 counts; share exactly at P75 counts.
    a = frame([100, 100, 100, 100, 100, 300], [0.01, 0.01, 0.01, 0.01, 0.05, 0.05])
    rule = compute.viral_rule(a, 3.0)
    assert rule.read_bar == 300 and rule.share_p75 == pytest.approx(0.04)
    assert list(compute.flag_viral(a, rule)) == [False] * 5 + [True]
    # Above the IQR fence but below median × 10: the "or" makes it 爆款.
    rule = compute.viral_rule(a, 10.0)
    assert rule.fence == 100 and list(compute.flag_viral(a, rule))[-1]
    # Many readers but a share rate under P75: not 爆款.
    b = frame([100, 100, 100, 100, 100, 900], [0.05, 0.05, 0.05, 0.05, 0.05, 0.01])
    assert not compute.flag_viral(b, compute.viral_rule(b, 3.0)).any()
    # No readers: share rate unknown, never 爆款.
    c = frame([0, 0, 0, 0, 0, 0], [np.nan] * 6)
    assert not compute.flag_viral(c, compute.viral_rule(c, 3.0)).any()


def test_viral_rule_needs_five_articles() -> None:
    a = frame([100, 100, 100, 1000], [0.01, 0.01, 0.01, 0.5])
    rule = compute.viral_rule(a, 3.0)
    assert not rule.applicable
    assert not compute.flag_viral(a, rule).any()
    assert "至少 5 篇文章（本月 4 篇），未判定" in rule.text()


def test_viral_multiple_parameter(month: Path) -> None:
    a = by_msgid(section(month, viral_read_multiple=5.0))  # bar 4,500 but fence 1,712.5 holds
    assert list(a.index[a["viral"]]) == ["2247000002_1"]


# --------------------------------------------------------------------------- open rates


def test_headline_and_secondary_open_rates(month: Path) -> None:
    sec = section(month)
    o = sec.opens
    assert (o.pushes, o.head_articles, o.secondary_articles) == (5, 5, 1)
    assert o.head == pytest.approx(3400 / 50_000)  # 600 + 1200 + 500 + 700 + 400 over 5 × 10,000
    assert o.secondary == pytest.approx(0.03)
    first = sec.pushes.iloc[0]
    assert (first["head_rate"], first["secondary_rate"]) == pytest.approx((0.06, 0.03))
    assert np.isnan(sec.pushes.iloc[1]["secondary_rate"])
    html = str(show.pushes_html(sec))
    assert "6.80%" in html and "3.00%" in html and "无上月" not in html
    [f] = [f for f in words.findings(sec) if f.metric == "content_headline_open_rate"]
    assert f.value == pytest.approx(0.068) and f.mom is None


# --------------------------------------------------------------------------- reading hours


def test_reading_heatmap_by_hand(month: Path) -> None:
    h = section(month).hours
    assert h.n_days == 3 and h.days[0] == 2 and h.days[1] == 1
    assert h.grid.loc[0, 20] == 200  # Mondays: (100 + 300) / 2
    assert h.grid.loc[0, 8] == 25  # 50 on one Monday, no row (0) on the other
    assert h.grid.loc[1, 3] == 0  # the 10,000 of user_source 0 is not a total
    assert h.hourly[20] == pytest.approx(400 / 3)
    assert h.top_hours(3) == [20, 12, 8]
    assert h.best_cell() == (0, 20, 200.0)
    text = " ".join(words.narrative(section(month)))
    assert "最高为周一 20 时（平均 200 人）" in text and "不等于最佳推送时间" in text


def test_no_hour_data(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "a" / "2026-10", ARTICLES)
    sec = section(folder)
    assert sec.hours is None
    assert "未提供图文阅读分时数据" in str(show.heatmap_chart(sec))
    assert "reading_peak_hours" not in {f.metric for f in words.findings(sec)}


# --------------------------------------------------------------------------- titles


def test_title_flags() -> None:
    f = compute.title_flags("【干货】3个方法？好用！🔥")
    assert f["number"] and f["question"] and f["exclaim"] and f["brackets"] and f["emoji"]
    g = compute.title_flags("一二三，没有阿拉伯数字")
    assert not (g["number"] or g["question"] or g["emoji"]) and g["len_short"]
    assert compute.title_flags("x" * 26)["len_long"]
    assert compute.title_flags("ｘ" * 16)["len_mid"]


def test_title_features_by_hand() -> None:
    rates = [0.05, 0.06, 0.07, 0.08, 0.09, 0.01, 0.02, 0.03, 0.04, 0.05]
    titles = [f"{i}个方法" for i in range(5)] + ["一个方法", "两个方法", "三个方法", "四个方法?",
                                                 "五个方法"]
    a = pd.DataFrame({"title": titles, "idx": 1, "open_rate": rates})
    t = compute.title_features(a)
    num = t.loc["number"]
    assert (num["n_with"], num["n_without"]) == (5, 5)
    assert (num["rate_with"], num["rate_without"]) == pytest.approx((0.07, 0.03))
    # Every article is a headline: index = rate / 0.05 (the month's median).
    assert (num["index_with"], num["index_without"]) == pytest.approx((1.4, 0.6))
    assert num["diff"] == pytest.approx(1.4 / 0.6 - 1)
    assert num["p"] < 0.05 and num["p_holm"] == pytest.approx(num["p"])  # the only test
    q = t.loc["question"]
    assert (q["n_with"], q["enough"]) == (1, False) and np.isnan(q["p"])


def test_title_index_adjusts_for_position() -> None:
    a = pd.DataFrame({"title": ["甲", "乙", "丙", "丁"], "idx": [1, 1, 2, 2],
                      "open_rate": [0.04, 0.02, 0.01, 0.005]})
    index = compute._open_index(a)
    assert list(index) == pytest.approx([4 / 3, 2 / 3, 4 / 3, 2 / 3])


def test_small_samples_say_so(month: Path) -> None:
    sec = section(month)  # 6 articles: no feature has 5 on both sides
    assert not sec.titles["enough"].any()
    html = str(show.titles_html(sec))
    assert html.count("样本不足（两组各需 ≥5 篇）") == len(compute.FEATURES)
    assert "各组样本不足" in words.narrative(sec)[-1]
    assert not [f for f in words.findings(sec) if f.metric.startswith("title_feature")]


# --------------------------------------------------------------------------- narrative, findings


def test_narrative_and_findings(month: Path) -> None:
    sec = section(month)
    text = words.narrative(sec)
    assert text[0] == "本月群发图文 6 篇，内容计划标注了 2 种内容形式。"
    assert text[1] == ("按末次触点归因的订单收入计算，品牌故事类内容投入产出比最高，达 1:4.0（收入 "
                       "¥12,000，成本 ¥3,000，ROI 300%），远高于促销资讯类的 1:0.1（收入低于成本）。")
    assert text[2] == "促销资讯读者分享率最低（1.67%，全部文章为 5.12%，阅读中位数 600）。"
    assert "未归因 8.9%（无 msgid 1 笔 ¥1,000；指向 1 篇本月之外文章的 1 笔 ¥250）" in text[3]
    found = {f.metric: f for f in words.findings(sec)}
    assert found["content_roi_best"].value == pytest.approx(4.0)
    assert found["content_roi_best"].extra["content_type"] == "品牌故事"
    assert found["content_roi_negative"].status == "预警"
    assert found["content_roi_negative"].value == pytest.approx(-0.875)
    low = found["content_share_rate_lowest"]
    assert low.value == pytest.approx(30 / 1800) and low.benchmark == pytest.approx(353 / 6900)
    assert found["content_revenue_unattributed"].value == pytest.approx(1250 / 14_000)
    assert found["reading_peak_hours"].extra["hours"] == [20, 12, 8]
    json.dumps([asdict(f) for f in found.values()])  # findings.record writes them as JSON


def test_lowest_share_type_that_is_also_cheapest(month: Path) -> None:
    cheap = PLAN.assign(cost=PLAN["cost"].where(PLAN["content_type"] != "促销资讯", 100.0))
    text = words.narrative(section(month, plan=cheap))[2]
    assert "其单篇成本也最低（¥100），成本低但传播力不足" in text


# --------------------------------------------------------------------------- hostile, charts


def test_hostile_titles_are_escaped(month: Path) -> None:
    sec = section(month, viral_read_multiple=1.5)
    html = "".join(str(b(sec)) for b in (show.top_html, show.pushes_html,
                                         show.matrix_html, show.titles_html))
    html += str(fmt.narrative(words.narrative(sec)))
    html += str(fmt.notes(words.data_notes(sec)))
    assert "<script>" not in html and "\u202e" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;🔥【限时】[U+202E]反向" in html


def render(fig: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png")


def test_charts_render_without_missing_glyphs(month: Path) -> None:
    charts.apply_theme()
    sec = section(month)
    for builder in (show.sources_chart, show.open_rate_chart,
                    show.heatmap_chart):
        fig = builder(sec)
        assert type(fig).__name__ == "Figure", builder.__name__
        render(fig)
    labels = [t.get_text() for t in show.sources_chart(sec).axes[0].get_yticklabels()]
    assert "品牌故事二（爆款）" in labels
    assert "<script>alert(1…" in labels  # cut to 16 characters; no emoji, no U+202E


# --------------------------------------------------------------------------- prepare


def test_prepare_reads_the_plan_through_events(month: Path, prev: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []

    def plan(folder: Path, m: str) -> pd.DataFrame | None:
        calls.append(("plan", m))
        return PLAN if m == "2026-10" else PREV_PLAN

    def orders(folder: Path, m: str) -> pd.DataFrame | None:
        calls.append(("orders", m))
        return ORDERS if m == "2026-10" else None

    fake = types.ModuleType("wxnb.io.companions")
    fake.load_content_plan = plan  # type: ignore[attr-defined]
    fake.load_orders = orders  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "wxnb.io.companions", fake)
    monkeypatch.setattr("wxnb.io.companions", fake, raising=False)
    before = {p.name: p.read_bytes() for p in month.iterdir()}
    sec = compute.prepare(params(month))
    assert sorted(calls) == [("orders", "2026-09"), ("orders", "2026-10"), ("plan", "2026-09"),
                             ("plan", "2026-10")]
    assert sec.prev_matrix is not None and sec.prev_opens.head == pytest.approx(0.06)
    assert sec.matrix.loc["品牌故事", "revenue"] == 12_000
    assert {p.name: p.read_bytes() for p in month.iterdir()} == before


def test_prepare_with_real_files(month: Path) -> None:
    (month / "content_plan.csv").write_text(
        "msgid,date,title,content_type,cost,author\n"
        "2247000001_1,2026-10-01,品牌故事：一家工厂,品牌故事,1000,甲\n"
        ",2026-10-08,品牌故事二,品牌故事,1000,甲\n", encoding="utf-8")
    (month / "orders.csv").write_text(
        "order_id,follower_id,time,amount,msgid,channel\n"
        "o1,f1,2026-10-02 10:00:00,1000,2247000001_1,article\n"
        "o2,f2,2026-10-09 10:00:00,500,,menu\n", encoding="utf-8")
    sec = compute.prepare(params(month))
    brand = sec.matrix.loc["品牌故事"]
    assert (brand["articles"], brand["cost"], brand["revenue"]) == (2, 2000, 1000)
    assert sec.attribution.unattributed_share == pytest.approx(500 / 1500)
    assert (sec.articles["content_type"] == compute.UNTYPED).sum() == 4


def test_notebook_cells_shape() -> None:
    cells = compute.SPEC.notebook_cells
    assert cells[0][0] == "md" and cells[0][1].startswith("# 03 内容传播效能对比分析")
    assert [k for k, _ in cells[1:3]] == ["params", "setup"]
    assert "compute.prepare(from_namespace(globals()))" in cells[2][1]
    assert cells[-1] == ("hidden",
                         'findings.record(words.findings(sec), sec.params, "03_content")')
    assert compute.SECTION == ("03_content", "03 内容传播效能对比分析")
    assert compute.INPUTS == ("getarticletotal*",)
    for kind, code in cells:
        if kind == "code":
            name = code.split("(")[0].split(".")[-1]
            assert name in ("narrative", "notes", "brief_html") or hasattr(show, name), code


# --------------------------------------------------------------------------- push hours


def push_log() -> pd.DataFrame:
    """Send events and 公众号消息 reads for the pushes of ARTICLES (target_user 10,000 each)."""
    rows = [("2026-10-01 08:10:00", "system", "MASSSENDJOBFINISH", "2247000001", "{}"),  # by id
            ("2026-10-08 20:05:00", "system", "MASSSENDJOBFINISH", "9001", "{}"),  # by day
            ("2026-10-15 08:20:00", "system", "MASSSENDJOBFINISH", "9002", "{}"),
            ("2026-10-22 20:10:00", "system", "MASSSENDJOBFINISH", "9003", "{}"),
            ("2026-10-29 08:00:00", "system", "MASSSENDJOBFINISH", "9004", "{}"),  # two that
            ("2026-10-29 20:00:00", "system", "MASSSENDJOBFINISH", "9005", "{}")]  # day: none

    def reads(msgid: str, day: str, n: int, start: int = 0, scene: str = "公众号消息",
              hour: int = 12) -> list[tuple[str, str, str, str, str]]:
        return [(f"{day} {hour:02d}:00:00", f"u{start + i}", "article_read", msgid, scene)
                for i in range(n)]

    rows += reads("2247000001_1", "2026-10-01", 30)
    rows += reads("2247000001_2", "2026-10-01", 10, start=20)  # 10 of the 30 again: distinct
    rows += reads("2247000001_1", "2026-10-02", 5, start=100, hour=9)  # after 24 h: not counted
    rows += reads("2247000001_1", "2026-10-01", 7, start=200, scene="聊天会话")  # not the push
    rows += reads("2247000002_1", "2026-10-09", 50, hour=19)  # next day, within 24 h
    rows += reads("2247000003_1", "2026-10-15", 20)
    rows += reads("2247000004_1", "2026-10-22", 40, hour=22)
    rows += reads("2247000005_1", "2026-10-29", 60, hour=21)
    return pd.DataFrame(rows, columns=["time", "follower_id", "event", "key", "value"])


def with_log(month: Path, plan: pd.DataFrame | None,
             orders: pd.DataFrame | None) -> compute.ContentSection:
    """The section computed with the event log of ``push_log``."""
    from wxnb.io import eventsummary

    with eventsummary.from_frame(push_log(), "2026-10") as log:
        return compute.compute(params(month), load(month), plan, orders, log=log)


def test_push_hours_by_hand(month: Path) -> None:
    from scipy.stats import kruskal

    sec = with_log(month, PLAN, ORDERS)
    ph = sec.push_hours
    assert ph is not None and ph.adjusted and ph.unmatched == ["10-29"]
    got = ph.pushes.set_index("push")
    assert got["hour"].to_dict() == {"2247000001": 8, "2247000002": 20, "2247000003": 8,
                                     "2247000004": 20}
    assert got["openers"].to_dict() == {"2247000001": 30, "2247000002": 50, "2247000003": 20,
                                        "2247000004": 40}
    assert got["rate"].tolist() == pytest.approx([0.003, 0.005, 0.002, 0.004])
    # 品牌故事 (3 pushes) against its median 0.004; 促销资讯 has one push: the month's 0.0035
    assert got["index"].tolist() == pytest.approx([0.75, 1.25, 0.002 / 0.0035, 1.0])
    eight, twenty = ph.by_hour.loc[8], ph.by_hour.loc[20]
    assert (eight["pushes"], twenty["pushes"]) == (2, 2)
    assert eight["rate_median"] == pytest.approx(0.0025)
    assert twenty["index_median"] == pytest.approx(1.125)
    hour, best = ph.best()
    assert hour == 20
    p = kruskal([0.75, 0.002 / 0.0035], [1.25, 1.0]).pvalue
    assert ph.p_value == pytest.approx(p) and not ph.significant
    text = " ".join(words.narrative(sec))
    assert f"20 时推送的打开率指数最高（中位数 {best['index_median']:.2f}，2 次）" in text
    assert "差异不显著" in text and "现有数据不支持调整推送时间" in text
    rows = table_rows(str(show.push_hours_html(sec)))
    assert rows[0][:5] == ["8:00–8:59", "2", "0.25%", "0.20%–0.30%", "0.25%"]
    assert "10-29" in " ".join(words.data_notes(sec))
    [f] = [f for f in words.findings(sec) if f.metric == "best_push_hour"]
    assert f.value == 20 and f.status == "未设目标"


def test_push_hours_without_plan_or_log(month: Path) -> None:
    ph = with_log(month, None, None).push_hours
    assert ph is not None and not ph.adjusted
    assert ph.pushes["index"].tolist() == pytest.approx(
        [0.003 / 0.0035, 0.005 / 0.0035, 0.002 / 0.0035, 0.004 / 0.0035])
    plain = section(month)  # no log: said, not guessed
    assert plain.push_hours is None
    assert "无法比较不同推送时刻" in " ".join(words.narrative(plain))
    assert "无法按推送时刻比较" in str(show.push_hours_html(plain))
