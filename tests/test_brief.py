"""The management layer's words: plain and cited findings (kit.fmt), a section's 本月要点 and
行动 (kit.brief), one action for several findings (kit.rules), the cover's verdict (section 00)
and section 08's plan. All on small in-memory findings; no kernel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from wxnb.kit import brief, fmt, rules
from wxnb.kit.findings import Finding
from wxnb.params import load_params
from wxnb.paths import PARAMETERS
from wxnb.sections.s00_summary import words as summary_words
from wxnb.sections.s08_strategy import show as strategy_show
from wxnb.sections.spec import Spec

RULES = rules.load_rules(PARAMETERS / "rules.yaml")


def finding(metric: str, status: str, evidence: str, *, gap: float | None = None,
            kind: str = "kpi", name: str = "", value_text: str = "1", target: float | None = None,
            target_text: str = "", section: str = "06_tech") -> Finding:
    return Finding(section=section, section_title="06 技术支撑能力专项评估", metric=metric,
                   name=name or metric, status=status, evidence=evidence, gap=gap, kind=kind,
                   value_text=value_text, target=target, target_text=target_text)


# --------------------------------------------------------------------------- kit.fmt


@pytest.mark.parametrize(("text", "expected"), [
    ("送达→打开 环节转化率 23.6%（29,485 / 124,884，95% 置信区间 23.4%–23.8%），较上月显著下降 "
     "2.2 个百分点（p<0.001）", "送达→打开 环节转化率 23.6%，较上月显著下降 2.2 个百分点"),
    ("负面评论 45 条，为基线的 22.5 倍（稳健 z 最高 16.2）", "负面评论 45 条，为基线的 22.5 倍"),
    ("准确率 76.0%（95% 置信区间 70.9%–80.4%，n=308），标准 ≥ 85%", "准确率 76.0%，标准 ≥ 85%"),
    ("环比 +0.3 个百分点（p=0.674，差异不显著）", "环比 +0.3 个百分点"),
    # a parenthesis without a statistic stays, and so does an outer one around a dropped one
    ("加载 2.32s（135,044 次测量加权）", "加载 2.32s（135,044 次测量加权）"),
    ("峰值（紧随推送（p=0.01））", "峰值（紧随推送）"),
    ("半角 (n=12) 也去掉", "半角 也去掉"),
    ("未闭合（p=1", "未闭合（p=1"),  # never loses text it cannot parse
    ("《标题（第2期）》阅读 10 人", "《标题（第2期）》阅读 10 人"),
    ("《如何（p=0.01）做》阅读 10", "《如何（p=0.01）做》阅读 10"),  # a title is data: kept whole
    ("样本 200（双侧p<0.05）", "样本 200"),  # a statistic glued to a hanzi
    ("准确率 76%（CI 70%–80%）", "准确率 76%"),
])
def test_plain_drops_only_the_statistics(text: str, expected: str) -> None:
    assert fmt.plain(text) == expected


def test_cite_keeps_the_first_clause_without_parentheses_but_titles_whole() -> None:
    text = ("10-15 至 10-16 负面评论 45 条，为基线的 22.5 倍（稳健 z 最高 16.2），主要来自"
            "《清仓（限时）》 25 条（56%）；《福袋》 8 条（18%）。")
    assert fmt.cite(text) == "10-15 至 10-16 负面评论 45 条，为基线的 22.5 倍，主要来自《清仓（限时）》 25 条"
    assert fmt.cite("成功率 99.48%（失败 503 / 调用 96,073），标准 ≥ 99.5%。") == \
        "成功率 99.48%，标准 ≥ 99.5%"
    assert fmt.cite("本账号 WCI 759.10，落后竞品B（950.57）20.1%") == \
        "本账号 WCI 759.10，落后竞品B 20.1%"
    assert fmt.cite("\u202e反转") == "[U+202E]反转"
    assert fmt.cite("打开率（p=0.03 下降") == "打开率（p=0.03 下降"  # unclosed: kept
    assert fmt.cite("A (x) B") == "A B"  # bidi controls made visible, as everywhere


def test_cite_cuts_a_long_quoted_title_but_not_a_short_one() -> None:
    long = "清仓大促全场五折起错过再等一年" * 3  # 45 characters
    assert fmt.cite(f"负面评论 45 条，主要来自《{long}》 25 条") == \
        f"负面评论 45 条，主要来自《{long[:fmt.TITLE_CHARS]}…》 25 条"
    exact = "一" * (fmt.TITLE_CHARS + 1)  # one character over is kept: "…" would save nothing
    assert fmt.cite(f"来自《{exact}》") == f"来自《{exact}》"
    assert fmt.plain(f"来自《{long}》") == f"来自《{long}》"  # the analyst's sentence keeps it


# --------------------------------------------------------------------------- kit.brief


def test_points_put_target_misses_first_and_fill_with_what_went_well() -> None:
    items = [finding("a", "达标", "甲达标"), finding("b", "未设目标", "乙"),
             finding("c", "预警", "丙预警", gap=0.1), finding("d", "未达标", "丁未达标", gap=0.2)]
    assert [f.metric for f in brief.points(items)] == ["d", "c", "a"]
    assert [f.metric for f in brief.points(items, 1)] == ["d"]
    assert brief.points([]) == []


def test_brief_states_three_points_and_the_sections_own_actions() -> None:
    p = load_params()
    latency = next(r for r in RULES if r.id == "api-latency-over")
    hit = finding(latency.when.metric, (latency.when.status or ["未达标"])[0],
                  "接口最大耗时 8,255 ms（p<0.001），标准 ≤ 5,000 ms；其余<script>", gap=0.6)
    items = [hit, finding("x", "提示", "另一条（95% 置信区间 1%–2%）"),
             finding("y", "达标", "第三条"), finding("z", "达标", "第四条")]
    soup = BeautifulSoup(brief.brief_html(items, p).markup, "html.parser")
    points = [li.get_text() for li in soup.select("ol.wx-points li")]
    assert points == ["未达标接口最大耗时 8,255 ms，标准 ≤ 5,000 ms。", "提示另一条。", "达标第三条。"]
    assert soup.find("script") is None
    actions = soup.select("ul.wx-actions li")
    assert len(actions) == 1 and latency.recommendation.split("，")[0] in actions[0].get_text()
    assert f"（{p.owner_tech}）" in actions[0].get_text()


def test_brief_caps_the_actions_and_says_where_the_rest_are() -> None:
    p = load_params()
    fired = []
    for rule in RULES:
        if rule.when.metric.endswith("*") or not rule.when.status:
            continue
        fired.append(finding(rule.when.metric, rule.when.status[0], f"{rule.id} 的证据",
                             value_text="0", target=1.0, target_text="1"))
    todo = rules.actions(fired, p)
    assert len(todo) > brief.MAX_ACTIONS
    soup = BeautifulSoup(brief.brief_html(fired, p).markup, "html.parser")
    assert len(soup.select("ul.wx-actions li")) == brief.MAX_ACTIONS
    more = soup.find(class_="wx-actions-more").get_text()
    assert f"另有 {len(todo) - brief.MAX_ACTIONS} 项" in more


def test_brief_without_findings_or_actions_says_so() -> None:
    soup = BeautifulSoup(brief.brief_html([], load_params()).markup, "html.parser")
    assert "没有记录结论" in soup.get_text() and "未触发行动规则" in soup.get_text()
    # a warning no rule answers is never followed by "keep going as you are"
    warned = [finding("no_rule_metric", "预警", "推送到达率 95.0%，较上月下降 5.0 个百分点", gap=0.1)]
    text = BeautifulSoup(brief.brief_html(warned, load_params()).markup, "html.parser").get_text()
    assert "保持现有做法" not in text and "请分析师评估" in text


def test_a_point_is_never_cut_to_nothing() -> None:
    items = [finding("a", "未达标", "（见《A）后文很长", gap=0.5),
             finding("b", "未达标", "打开率（p=0.03 下降", gap=0.4)]
    points = [li.get_text() for li in BeautifulSoup(
        brief.brief_html(items, load_params()).markup, "html.parser").select("ol.wx-points li")]
    assert points == ["未达标（见《A）后文很长。", "未达标打开率（p=0.03 下降。"]


# --------------------------------------------------------------------------- kit.rules


def test_one_action_answering_two_findings_is_said_once_citing_both() -> None:
    p = load_params()
    rule = rules.Rule(id="burst", when=rules.Condition(metric="anomaly:*", status=["预警"]),
                      recommendation="复盘故障时段的日志", owner="tech")
    two = [finding(f"anomaly:api_{i}", "预警", f"第 {i} 次故障（p=0.01）", kind="event")
           for i in (1, 2)]
    recs = rules.recommendations(two, [rule], p)
    assert len(recs) == 1
    assert recs[0]["evidence"] == "第 1 次故障（p=0.01）；第 2 次故障（p=0.01）"
    assert recs[0]["cite"] == "第 1 次故障；第 2 次故障"
    assert recs[0]["section_key"] == "06_tech"


def test_default_rules_say_the_action_not_the_numbers_again() -> None:
    # the report cites the finding beside the action: a rule text repeating it says it twice
    for rule in RULES:
        assert "{evidence}" not in rule.recommendation, rule.id
        assert "{value_text}" not in rule.recommendation, rule.id


# --------------------------------------------------------------------------- the cover's verdict


def test_verdict_counts_the_targets_and_names_what_needs_action() -> None:
    items = [finding("a", "未达标", "甲", gap=0.3, name="粉丝净增长", value_text="3,537",
                     target=5000, target_text="5,000"),
             finding("b", "达标", "乙", name="阅读量", value_text="13.3万", target=1e5,
                     target_text="10万"),
             finding("c", "预警", "丙", gap=0.1, kind="event", name="负面舆情峰值",
                     value_text="45 条（p<0.001）")]
    assert summary_words.verdict(items) == (
        "本月设有目标的 2 项指标中 1 项未达标、0 项预警、1 项达标；"
        "最需要处理：粉丝净增长（3,537）、负面舆情峰值（45 条）。")
    fine = [items[1]]
    assert summary_words.verdict(fine) == summary_words.all_clear(fine)
    assert "无法给出判断" in summary_words.verdict([])
    # no targeted metric measured (section 01 failed), an event without a value
    events = [finding("x", "预警", "丁", gap=0.1, kind="event", name="接口失败集中", value_text="")]
    assert summary_words.verdict(events) == \
        "本月没有已测得且设有目标的指标；最需要处理：接口失败集中。"


# --------------------------------------------------------------------------- section 08


def _recs(n_high: int, n_mid: int) -> list[dict[str, object]]:
    return [{"priority": pr, "owner": "市场部", "text": f"行动{pr}{i}", "evidence": f"证据{i}（p=0.1）",
             "cite": f"证据{i}", "source": "规则 x", "severity": 1, "section": "—"}
            for pr, n in (("高", n_high), ("中", n_mid)) for i in range(n)]


@pytest.mark.parametrize(("high", "mid", "shown"), [(0, 0, 0), (0, 2, 2), (1, 5, 3), (4, 1, 4),
                                                    (9, 0, strategy_show.PLAN_MAX)])
def test_the_plan_shows_the_high_items_between_its_bounds(high: int, mid: int, shown: int) -> None:
    recs = _recs(high, mid)
    assert strategy_show.planned(recs) == shown
    if not recs:
        return
    soup = BeautifulSoup(strategy_show.plan_html(recs).markup, "html.parser")
    items = soup.select("ol.wx-plan > li")
    assert [li["value"] for li in items] == [str(i) for i in range(1, shown + 1)]
    assert all("依据：证据" in li.get_text() and "p=" not in li.get_text() for li in items)
    rest = BeautifulSoup(strategy_show.recommendations_html(recs, shown).markup, "html.parser")
    numbers = [tr.find("td").get_text() for tr in rest.select("tbody tr")]
    assert numbers == [str(i) for i in range(shown + 1, len(recs) + 1)]  # each one once


def test_next_months_targets_flag_a_target_below_this_months_actual() -> None:
    plan = pd.DataFrame([
        {"指标": "粉丝净增长", "本月实际": 3537, "下月目标": 3356.0, "kind": "count",
         "低于本月": "下月只有 30 天（本月 31 天）", "下限": 3020.4, "上限": 3691.6},
        {"指标": "图文阅读量（次数）", "本月实际": 133000, "下月目标": 140000.0, "kind": "count",
         "低于本月": "", "下限": 126000.0, "上限": 154000.0}])
    soup = BeautifulSoup(strategy_show.targets_html(plan).markup, "html.parser")
    assert [th.get_text() for th in soup.select("thead th")] == ["指标", "本月实际", "下月目标"]
    flags = [li.get_text() for li in soup.select(".wx-notes li")]
    assert flags == ["粉丝净增长的下月目标 3,356 低于本月实际 3,537：下月只有 30 天（本月 31 天）。"]


# --------------------------------------------------------------------------- the fold


def test_a_section_has_at_most_one_fold_and_the_notebook_tags_it(tmp_path: Path) -> None:
    from wxnb.build.notebooks import notebook

    cells = (("params", ""), ("code", "x"), ("fold", "明细"), ("md", "## 方法"))
    nb = notebook(Spec(key="42_x", title="42 测试", intro="", cells=cells))
    fold = [c for c in nb.cells if "wx-fold" in c.metadata.get("tags", [])]
    assert len(fold) == 1 and fold[0].cell_type == "markdown" and fold[0].source == "## 明细"
    with pytest.raises(ValueError, match="at most one fold"):
        Spec(key="42_x", title="42 测试", intro="", cells=(*cells, ("fold", "再来")))


def test_a_table_of_cards_labels_each_cell_with_its_column_escaped() -> None:
    html = fmt.table([["<b>甲</b>", 1]], ['列"<i>', "数"], numeric=(1,), cards=True).markup
    soup = BeautifulSoup(html, "html.parser")
    table = soup.find("table")
    assert table["class"] == ["wx-table", "wx-cardable"]
    assert [td["data-label"] for td in soup.find_all("td")] == ['列"<i>', "数"]
    assert soup.find("b") is None and soup.find("i") is None  # text, never markup
    plain_table = BeautifulSoup(fmt.table([["甲"]], ["列"]).markup, "html.parser")
    assert plain_table.find("td").get("data-label") is None
    assert plain_table.find("table")["class"] == ["wx-table"]


def test_a_manual_high_item_ranks_with_the_high_items() -> None:
    p = load_params(overrides={"manual_recommendations": [
        {"text": "双十一预热", "owner": "电商部", "priority": "高"}]})
    fired = [finding(r.when.metric, r.when.status[0], f"{r.id} 的证据", value_text="0",
                     target=1.0, target_text="1")
             for r in RULES if not r.when.metric.endswith("*") and r.when.status]
    recs = rules.recommendations(fired, RULES, p)
    order = [r["priority"] for r in recs]
    assert order == sorted(order, key="高中低".index)
    manual = next(i for i, r in enumerate(recs) if r["source"] == "人工")
    assert recs[manual]["priority"] == "高" and manual < order.count("高")
    assert manual < strategy_show.planned(recs) or strategy_show.planned(recs) == \
        strategy_show.PLAN_MAX


def test_pdca_refers_to_the_recommendations_of_its_own_metric() -> None:
    p = load_params()
    plan = pd.DataFrame([{"指标": "打开率", "本月实际": 0.017, "下月目标": 0.018, "kind": "rate",
                          "低于本月": "", "下限": 0.0162, "上限": 0.0198, "预测方法": "x",
                          "负责部门": "市场部", "月份": "2026-11"}])
    recs = [{"priority": "中", "owner": "市场部", "text": "头条标题 A/B", "name": "头条打开率",
             "evidence": "头条打开率 2.69%", "cite": "", "source": "规则 h", "severity": 2},
            {"priority": "高", "owner": "市场部", "text": "调推送时段", "name": "打开率",
             "evidence": "打开率 1.70%", "cite": "", "source": "规则 o", "severity": 3}]
    html = strategy_show.pdca_html(plan, p, recs).markup
    assert "见建议第 2 项" in html and "第 1、2 项" not in html


def test_a_topics_headline_is_its_worst_finding_and_counts_the_rest() -> None:
    items = [finding("a", "达标", "A 达标了"), finding("b", "预警", "B 接近目标（p=0.2）", gap=0.05),
             finding("c", "未达标", "<b>C</b> 差得多，原因（n=3）", gap=0.4),
             finding("d", "提示", "D 值得一看")]
    html = str(brief.headline_html(items))
    soup = BeautifulSoup(html, "html.parser")
    line = soup.find("p", class_="wx-headline")
    assert line.find(class_="wx-tag-bad").get_text() == "未达标"
    assert "&lt;b&gt;C&lt;/b&gt; 差得多，原因。" in html and "<b>" not in html and "n=3" not in html
    assert line.find(class_="wx-headline-more").get_text() == "另有 2 项需关注。"
    fine = str(brief.headline_html([finding("a", "达标", "A 达标了")]))
    assert "A 达标了。" in fine and "需关注" not in fine
    assert "没有记录结论" in str(brief.headline_html([]))


def test_a_topic_must_declare_its_headline_cell() -> None:
    cells = (("params", ""), ("code", "show.table(sec)"), ("fold", "明细"))
    with pytest.raises(ValueError, match="headline"):
        Spec(key="42_x", title="42 测试", intro="", cells=cells, topic=True)
    ok = Spec(key="42_x", title="42 测试", intro="", topic=True,
              cells=(("params", ""), ("code", "brief.headline_html([])"), *cells[1:]))
    assert ok.topic
