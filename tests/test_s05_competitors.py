"""Section 05: WCI V14.2, competitor inputs, our own account, tables, narrative, findings."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from conftest import dump, make_month

from wxnb.kit import charts
from wxnb.io import competitors as comp_io
from wxnb.sections.s05_competitors import SPEC, compute, show, words
from wxnb.exceptions import DataValidationError
from wxnb.params import ReportParams
from wxnb.samples import competitors as sample_competitors

HEADER = list(comp_io.ART_COLUMNS)


def write_articles(folder: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / comp_io.ARTICLES_FILE
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_scores(folder: Path, rows: list[list[str]]) -> Path:
    path = folder / comp_io.SCORES_FILE
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(comp_io.SCORE_COLUMNS)
        w.writerows(rows)
    return path


GOOD = [
    ["竞品A", "2026-10-01", "甲一", "1", "1000", "10", "20", "30"],
    ["竞品A", "2026-10-02", "甲二", "是", "3000", "20", "30", "40"],
    ["竞品A", "2026-10-02", "甲三", "否", "500", "5", "5", ""],
    ["竞品B", "2026-10-03", "乙一", "1", "10万+", "900", "1,200", "2000"],
]


# --------------------------------------------------------------------------- WCI


def _b(r: float, z: float, l: float, re: float, w: tuple[float, ...]) -> float:
    return (w[0] * math.log(r + 1) + w[1] * math.log(10 * z + 1) + w[2] * math.log(10 * l + 1)
            + w[3] * math.log(10 * re + 1))


EXAMPLE = compute.WciTotals(n=40, r=200_000, z=1_500, l=2_500, re=4_000, rt=120_000, zt=900,
                       lt=1_500, ret=2_500, rmax=30_000, zmax=300, lmax=500, remax=800)


@pytest.mark.parametrize(("weights", "w", "expected"), [
    ("gsdata-v14.2", (0.70, 0.09, 0.06, 0.15), 818.16),
    ("v14.2-2021-no-shares", (0.85, 0.09, 0.06, 0.0), 865.67),
])
def test_wci_worked_example(weights: str, w: tuple[float, ...], expected: float) -> None:
    o = _b(200_000 / 30, 1_500 / 30, 2_500 / 30, 4_000 / 30, w)
    a = _b(200_000 / 40, 1_500 / 40, 2_500 / 40, 4_000 / 40, w)
    h = _b(120_000 / 30, 900 / 30, 1_500 / 30, 2_500 / 30, w)
    p = _b(30_000, 300, 500, 800, w)
    hand = (0.6 * o + 0.2 * a + 0.1 * h + 0.1 * p) ** 2 * 1.2 * 10
    assert round(hand, 2) == expected
    got = compute.wci_score(EXAMPLE, weights)
    assert round(got.wci, 2) == expected
    assert (got.o, got.a, got.h, got.p) == pytest.approx((o, a, h, p))


def test_wci_components_of_the_gsdata_example() -> None:
    got = compute.wci_score(EXAMPLE)
    assert (round(got.o, 4), round(got.a, 4), round(got.h, 4), round(got.p, 4)) == (
        8.2060, 7.9185, 7.7016, 9.7960)


def test_wci_no_articles_is_zero() -> None:
    empty = pd.DataFrame(columns=["reads", "zaikan", "likes", "shares", "is_headline"])
    t = compute.wci_totals(empty)
    assert t.n == 0
    got = compute.wci_score(t)
    assert (got.a, got.wci) == (0.0, 0.0)
    # n = 0 with non-zero totals (inconsistent input) must not divide by zero
    assert compute.wci_score(compute.WciTotals(0, 100, 1, 1, 1)).a == 0.0


def test_wci_without_headline_has_h_zero() -> None:
    arts = pd.DataFrame({"reads": [300, 100], "zaikan": [3, 1], "likes": [6, 2],
                         "shares": [9, 3], "is_headline": [False, False]})
    t = compute.wci_totals(arts)
    assert (t.n, t.r, t.rt, t.rmax, t.remax) == (2, 400, 0, 300, 9)
    got = compute.wci_score(t)
    w = compute.WEIGHTS["gsdata-v14.2"]
    o = _b(400 / 30, 4 / 30, 8 / 30, 12 / 30, w)
    a = _b(200, 2, 4, 6, w)
    p = _b(300, 3, 6, 9, w)
    assert got.h == 0.0
    assert got.wci == pytest.approx((0.6 * o + 0.2 * a + 0.1 * p) ** 2 * 12)


# --------------------------------------------------------------------------- inputs


def test_load_parses_and_caps_10wan(tmp_path: Path) -> None:
    rows = [*GOOD, ["竞品B", "2026-10-04", "乙二", "1", "250000", "1", "1", "1"]]
    write_articles(tmp_path, rows)
    inp = comp_io.load(tmp_path, "2026-10")
    a = inp.articles.set_index("title")
    assert a.at["乙一", "reads"] == 100_001 and a.at["乙一", "capped"]
    assert a.at["乙二", "reads"] == 100_001 and a.at["乙二", "capped"]
    assert a.at["甲一", "reads"] == 1000 and not a.at["甲一", "capped"]
    assert a.at["乙一", "likes"] == 1200  # thousands separator
    assert bool(a.at["甲二", "is_headline"]) and not a.at["甲三", "is_headline"]
    assert a.at["甲三", "shares"] == 0 and not a.at["甲三", "shares_known"]
    assert inp.scores is None


def _problems(tmp_path: Path, rows: list[list[str]], header: list[str] = HEADER) -> list:
    write_articles(tmp_path, rows, header)
    with pytest.raises(DataValidationError) as exc:
        comp_io.load(tmp_path, "2026-10")
    return exc.value.problems


@pytest.mark.parametrize(("row", "field", "found"), [
    (["竞品A", "2026-10-01", "t", "1", "-5", "1", "1", "1"], "reads", "负数"),
    (["竞品A", "2026-10-01", "t", "1", "5", "abc", "1", "1"], "zaikan", "文本"),
    (["竞品A", "2026-10-01", "t", "1", "5", "1", "1.5", "1"], "likes", "小数"),
    (["竞品A", "2026-10-01", "t", "1", "5", "1", "1", "-1"], "shares", "负数"),
    (["竞品A", "2026-11-01", "t", "1", "5", "1", "1", "1"], "publish_date", "2026-11-01"),
    (["竞品A", "2026-10-32", "t", "1", "5", "1", "1", "1"], "publish_date", "2026-10-32"),
    (["竞品A", "2026-10-01", "t", "Y", "5", "1", "1", "1"], "is_headline", "'Y'"),
    (["竞品A", "2026-10-01", "", "1", "5", "1", "1", "1"], "title", "空"),
    (["本账号", "2026-10-01", "t", "1", "5", "1", "1", "1"], "account", "本账号"),
])
def test_bad_article_values(tmp_path: Path, row: list[str], field: str, found: str) -> None:
    (p,) = _problems(tmp_path, [GOOD[0], row])
    assert (p.file, p.field, p.row) == (comp_io.ARTICLES_FILE, field, "第 3 行")
    assert found in p.found


def test_every_problem_reported_together(tmp_path: Path) -> None:
    probs = _problems(tmp_path, [["竞品A", "2026-09-30", "t", "2", "-1", "x", "1", "1"]])
    assert {p.field for p in probs} == {"publish_date", "is_headline", "reads", "zaikan"}
    assert "非负整数或 10万+" in str(DataValidationError(probs))


def test_duplicate_rows(tmp_path: Path) -> None:
    (p,) = _problems(tmp_path, [*GOOD, GOOD[1]])
    assert p.row == "第 6 行" and p.field == "account,publish_date,title"
    assert "第 3 行" in p.found


def test_missing_column_and_empty_file(tmp_path: Path) -> None:
    probs = _problems(tmp_path, [r[:-1] for r in GOOD], HEADER[:-1])
    assert [(p.field, p.found[:3]) for p in probs] == [("shares", "列缺失")]
    assert "现有列：account" in probs[0].found
    (p,) = _problems(tmp_path, [])
    assert p.expected == "至少一行数据"


def test_missing_articles_file(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="competitor_articles.csv"):
        comp_io.load(tmp_path, "2026-10")


def test_scores(tmp_path: Path) -> None:
    write_articles(tmp_path, GOOD)
    write_scores(tmp_path, [["本账号", "3.2", "12"], ["竞品A", "4.5", ""], ["竞品Z", "1", "1"]])
    inp = comp_io.load(tmp_path, "2026-10")
    assert inp.scores.at["本账号", "activity_innovation"] == 3.2
    assert math.isnan(inp.scores.at["竞品A", "service_response_min"])
    assert inp.notes == ["competitor_scores.csv 中的 竞品Z 没有文章数据，其评分未使用"]


def test_bad_scores(tmp_path: Path) -> None:
    write_articles(tmp_path, GOOD)
    write_scores(tmp_path, [["竞品A", "5.5", "3"], ["竞品B", "2", "-1"], ["竞品C", "高", "x"]])
    with pytest.raises(DataValidationError) as exc:
        comp_io.load(tmp_path, "2026-10")
    got = [(p.field, p.row) for p in exc.value.problems]
    assert got == [("activity_innovation", "第 2 行"), ("service_response_min", "第 3 行"),
                   ("activity_innovation", "第 4 行"), ("service_response_min", "第 4 行")]
    write_scores(tmp_path, [["竞品A", "1", "1"], ["竞品A", "2", "2"]])
    with pytest.raises(DataValidationError, match="重复"):
        comp_io.load(tmp_path, "2026-10")


# --------------------------------------------------------------------------- own account


def _detail(folder: Path, zaikan: tuple[int, int], likes: tuple[int, int]) -> None:
    """getarticletotaldetail for make_month's first article (2026-10-03, 2 stat_dates)."""
    rows = [{"stat_date": d, "read_user": r, "share_user": 4, "zaikan_user": z, "like_user": lk,
             "comment_count": 0} for d, r, z, lk in
            zip(("2026-10-03", "2026-10-04"), (40, 80), zaikan, likes, strict=True)]
    dump(folder / "getarticletotaldetail_2026-10-03_2026-10-03.json",
         {"list": [{"ref_date": "2026-10-03", "msgid": "2247483600_1", "detail_list": rows}]})


def test_own_articles_use_last_stat_date(tmp_path: Path) -> None:
    folder = make_month(tmp_path / "a" / "2026-10")
    own, known = comp_io.own_articles(folder, "2026-10")
    assert not known
    # make_month: last detail has int_page_read_count 2·40 + 5 and share_count 2·5
    assert own["reads"].tolist() == [85, 85] and own["shares"].tolist() == [10, 10]
    assert own["is_headline"].all() and (own["zaikan"] == 0).all()
    _detail(folder, (1, 3), (2, 5))
    own, known = comp_io.own_articles(folder, "2026-10")
    assert known
    assert own[["zaikan", "likes"]].values.tolist() == [[3, 5], [0, 0]]


def test_own_month_without_articles(tmp_path: Path) -> None:
    folder = make_month(tmp_path / "a" / "2026-10")
    for path in folder.glob("getarticletotal_*.json"):
        dump(path, {"list": []})
    write_articles(folder, GOOD)
    sec = compute.prepare(_params(folder))
    assert sec.stats.at["本账号", "n"] == 0 and sec.stats.at["本账号", "wci"] == 0.0
    assert "本账号排名第 3/3" in words.narrative(sec)[0]
    assert "本月未发文" in str(show.comparison_html(sec))  # not 未提供: nothing was published


def _stats(articles: pd.DataFrame, **kw) -> pd.DataFrame:
    return compute.account_stats(articles, None, "2026-10", "gsdata-v14.2", **kw)


def test_account_stats() -> None:
    own = pd.DataFrame({"account": "本账号", "reads": [700, 300], "zaikan": [7, 3],
                        "likes": [1, 1], "shares": [20, 10], "is_headline": [True, False],
                        "capped": False, "shares_known": True})
    comp = pd.DataFrame({"account": "竞品A", "reads": [100_001, 1_000, 999], "zaikan": [1, 1, 1],
                         "likes": [1, 1, 1], "shares": [50, 0, 0],
                         "is_headline": [True, True, False], "capped": [True, False, False],
                         "shares_known": [True, False, False]})
    st = _stats(pd.concat([own, comp], ignore_index=True))
    o, a = st.loc["本账号"], st.loc["竞品A"]
    assert list(st.index) == ["本账号", "竞品A"]
    assert o["frequency"] == pytest.approx(2 / (31 / 7))
    assert (o["avg_reads"], o["headline_avg_reads"]) == (500, 700)
    assert (o["zaikan_rate"], o["share_rate"]) == (0.01, 0.03)
    assert a["headline_avg_reads"] == pytest.approx(101_001 / 2)
    assert a["share_rate"] == pytest.approx(50 / 102_000)
    assert (a["capped"], a["shares_unknown"], a["rank"], o["rank"]) == (1, 2, 1, 2)
    assert math.isnan(o["activity"])
    assert math.isnan(_stats(own, own_engagement_known=False).at["本账号", "zaikan_rate"])


# --------------------------------------------------------------------------- the section


def _params(folder: Path, **kw) -> ReportParams:
    return ReportParams(month="2026-10", account="acct", data_dir=str(folder),
                        output_dir=str(folder.parent / "out"), **kw)


def _section(tmp_path: Path, rows: list[list[str]], scores=None, **kw) -> compute.CompetitorSection:
    folder = make_month(tmp_path / "acct" / "2026-10")
    write_articles(folder, rows)
    if scores:
        write_scores(folder, scores)
    return compute.prepare(_params(folder, **kw))


# make_month: own = 2 headlines, 85 reads and 10 shares each, 在看/likes unknown.
WEAK = [["竞品A", "2026-10-01", "a1", "1", "50", "0", "0", "1"],
        ["竞品A", "2026-10-02", "a2", "1", "50", "0", "0", "1"],
        ["竞品A", "2026-10-03", "a3", "0", "50", "0", "0", "1"]]


def test_prepare_without_detail_or_previous_month(tmp_path: Path) -> None:
    sec = _section(tmp_path, GOOD)
    assert not sec.own_engagement_known and sec.prev_stats is None
    table = str(show.comparison_html(sec))
    assert "未提供（缺 getarticletotaldetail）" in table and "（偏低：在看/点赞未计）" in table
    assert "0.5 次/周" in table  # 2 articles / (31 / 7) = 0.45
    assert "未评分" in table
    assert "无上月数据" in str(show.ranking_html(sec))
    text = "".join(words.narrative(sec))
    assert "本账号在看与点赞按 0 计" in text and "竞品B 1 篇" in text
    assert any("无上月数据" in n for n in words.data_notes(sec))
    assert any("竞品A 有 1/3 篇文章转发数未知" in n for n in words.data_notes(sec))


def test_narrative_and_findings_when_behind(tmp_path: Path) -> None:
    sec = _section(tmp_path, GOOD, scores=[["本账号", "3", "20"], ["竞品A", "4", "5"],
                                           ["竞品B", "2", "9"]])
    st = sec.stats
    own, top = st.at["本账号", "wci"], st.at["竞品B", "wci"]
    text = words.narrative(sec)
    assert text[0].endswith(f"本账号排名第 3/3，落后第一名竞品B {top - own:.2f} 分"
                            f"（{(top - own) / top:.1%}）。")
    assert "本账号需借鉴竞品B的精准推送策略" in "".join(text)
    assert "本账号需借鉴竞品A的高频更新与内容排期、活动策划与创新玩法、客服快速响应机制" in "".join(text)
    fs = {f.metric: f for f in words.findings(sec)}
    assert fs["wci_rank"].status == "未达标"
    assert fs["wci_rank"].gap == pytest.approx((top - own) / top)
    assert fs["competitor_last:response_min"].status == "预警"
    assert fs["competitor_last:response_min"].gap == pytest.approx((20 - 5) / 20)
    assert "competitor_last:zaikan_rate" not in fs  # unknown for us: not compared


def test_findings_rank_one_and_close_second(tmp_path: Path) -> None:
    sec = _section(tmp_path, WEAK)
    f = words.findings(sec)[0]
    assert (f.status, f.gap, f.extra["rank"]) == ("达标", 0.0, 1)
    assert "本账号排名第 1/2，领先第二名竞品A" in words.narrative(sec)[0]
    assert any("本账号领先的维度" in p for p in words.narrative(sec))
    # a competitor just ahead (< 10 %) → 预警
    close = [["竞品A", "2026-10-01", "a1", "1", "90", "0", "0", "10"],
             ["竞品A", "2026-10-02", "a2", "1", "90", "0", "0", "10"]]
    f = words.findings(_section(tmp_path / "b", close))[0]
    # our WCI 62.74 (2 × 85 reads, 10 shares) against 64.72 (2 × 90 reads, 10 shares)
    assert f.status == "预警" and f.gap == pytest.approx((64.7186 - 62.7400) / 64.7186, abs=1e-5)
    assert (f.value, f.target) == pytest.approx((62.7400, 64.7186), abs=1e-4)


def test_weights_parameter_changes_wci_and_caption(tmp_path: Path) -> None:
    a = _section(tmp_path / "a", GOOD)
    b = _section(tmp_path / "b", GOOD, wci_weights="v14.2-2021-no-shares")
    assert a.stats.at["竞品A", "wci"] != b.stats.at["竞品A", "wci"]
    cap = str(show.ranking_html(b))
    assert "V14.2 2021 版权重" in cap and "d = 30" in cap


# --------------------------------------------------------------------------- sample and chart


def _sample(root: Path, hostile: bool = False) -> Path:
    for month in ("2026-09", "2026-10"):
        folder = make_month(root / month, month)
        sample_competitors.write_sample(folder, month, hostile=hostile)
    return root / "2026-10"


def test_write_sample_is_deterministic_and_consistent(tmp_path: Path) -> None:
    a, b = _sample(tmp_path / "a"), _sample(tmp_path / "b")
    for name in ("competitor_articles.csv", "competitor_scores.csv",
                 "getarticletotaldetail_2026-10-03_2026-10-03.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    detail = json.loads((a / "getarticletotaldetail_2026-10-03_2026-10-03.json").read_text())
    total = json.loads((a / "getarticletotal_2026-10-03_2026-10-03.json").read_text())
    assert [d["read_user"] for d in detail["list"][0]["detail_list"]] == \
        [d["int_page_read_user"] for d in total["list"][0]["details"]]
    sec = compute.prepare(_params(a))
    assert sec.own_engagement_known and sec.prev_stats is not None
    st = sec.stats
    assert list(st.index) == ["本账号", "竞品A", "竞品B", "竞品C"]
    assert st.at["竞品A", "frequency"] > st.at["竞品C", "frequency"] > st.at["竞品B", "frequency"]
    assert st.at["竞品B", "avg_reads"] > 3 * st.at["竞品A", "avg_reads"]
    assert st.at["竞品B", "capped"] == 1
    assert "无上月数据" not in str(show.ranking_html(sec))


def test_hostile_sample_is_escaped_and_charts_render(tmp_path: Path) -> None:
    sec = compute.prepare(_params(_sample(tmp_path, hostile=True)))
    assert any("<script>" in str(a) for a in sec.stats.index)
    for block in (show.comparison_html(sec), show.ranking_html(sec)):
        markup = str(block)
        assert "<script>" not in markup and "<svg" not in markup and "&lt;script&gt;" in markup
    charts.apply_theme()
    show.radar_chart(sec).savefig(io.BytesIO(), format="png")  # Glyph warnings are errors


def test_radar_with_scores_and_chart_label(tmp_path: Path) -> None:
    sec = _section(tmp_path, GOOD, scores=[["本账号", "3", "0"], ["竞品A", "4", "5"]])
    dims = [d.key for d in show._radar_dims(sec.stats)]
    assert dims == ["frequency", "avg_reads", "zaikan_rate", "share_rate", "activity",
                    "response_min"]
    speed = show._normalised(sec.stats, compute._DIM["response_min"])
    assert speed.tolist() == [1.0, 0.2, 0.0]  # 1/max(min,1), scaled; unscored → 0
    charts.apply_theme()
    fig = show.radar_chart(sec)
    fig.savefig(io.BytesIO(), format="png")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["本账号", "竞品A",
                                                                           "竞品B"]
    assert charts.safe_label("竞品🔥\u202eA<b>") == "竞品A<b>"
    assert charts.safe_label("长" * 40) == "长" * 23 + "…"


def test_notebook_cells_shape() -> None:
    kinds = [k for k, _ in SPEC.notebook_cells]
    assert kinds[:3] == ["md", "params", "setup"] and kinds[-1] == "hidden"
    assert SPEC.notebook_cells[0][1].startswith("# 05 竞品运营策略对标研究")
    assert compute.SECTION == ("05_competitors", "05 竞品运营策略对标研究")
    assert compute.INPUTS == ("competitor_articles.csv",)


def test_an_account_that_published_nothing_is_named_not_scored_as_missing(tmp_path: Path) -> None:
    from conftest import make_month
    from wxnb.params import load_params

    folder = make_month(tmp_path / "acct" / "2026-10")
    for path in folder.glob("getarticletotal_*.json"):
        path.write_text('{"list": []}', encoding="utf-8")
    sample_competitors.write_sample(folder, "2026-10")
    sec = compute.prepare(load_params(account="acct",
                                              overrides={"data_dir": str(folder)}))
    assert words.narrative(sec)[1].startswith("本账号本月没有发文")
    html = show.comparison_html(sec).markup
    assert html.count("本月未发文") == 5 and "未提供" not in html  # 4 rates + WCI
