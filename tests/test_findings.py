"""Findings as data, the executive summary and the rule-based strategy (sections 00 and 08)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from conftest import make_month
from wxnb.kit import findings, rules
from wxnb.sections.s01_kpi import compute as section01
from wxnb.sections.s01_kpi import words as section01_words
from wxnb.sections.s08_strategy import compute as strategy
from wxnb.sections.s08_strategy import show as strategy_show
from wxnb.sections.s08_strategy import words as strategy_words
from wxnb.sections.s00_summary import show as summary_show
from wxnb.sections.s00_summary import words as summary_words
from wxnb.exceptions import ParameterError
from wxnb.kit.findings import Finding
from wxnb.params import ReportParams, load_params
from wxnb.paths import PARAMETERS

RULES = strategy.load_rules(PARAMETERS / "rules.yaml")


def kpi(metric: str, status: str, gap: float | None = None, **kw: object) -> Finding:
    return Finding(section="01_kpi", section_title="01 核心绩效指标达成分析", metric=metric,
                   name=metric, status=status, evidence=f"{metric} 证据", gap=gap,
                   value_text="1", target_text="2", **kw)  # type: ignore[arg-type]


def test_record_and_collect_round_trip(tmp_path: Path) -> None:
    p = ReportParams(month="2026-10", account="x", output_dir=str(tmp_path))
    items = [kpi("open_rate", "未达标", 0.2, value=0.016, target=0.02)]
    findings.record(items, p, "01_kpi")
    findings.record([kpi("other", "预警")], p, "03_content")
    got = findings.collect(p)
    assert got[0] == items[0] and [f.section for f in got] == ["01_kpi", "01_kpi"]
    findings.clear(tmp_path)
    assert findings.collect(p) == []


def test_rank_orders_by_severity_then_gap_and_drops_fine_ones() -> None:
    items = [kpi("a", "预警", 0.05), kpi("b", "未达标", 0.1), kpi("c", "达标", 0.0),
             kpi("d", "未达标", 0.3), kpi("e", "提示"), kpi("f", "预警", 0.09)]
    assert [f.metric for f in findings.rank(items)] == ["d", "b", "f", "a", "e"]
    assert [f.metric for f in findings.rank(items, 3)] == ["d", "b", "f"]


def test_rank_names_events_before_metrics_of_the_same_status() -> None:
    # an open high-severity incident (its gap a count) before a cost at 3 × its target; a
    # 预警 anomaly before a 预警 metric with a larger gap, but never before a worse status
    items = [kpi("cost", "未达标", 2.7), kpi("open", "预警", 0.4),
             kpi("incident", "未达标", 1.0, kind="event"),
             kpi("spike", "预警", 0.1, kind="event"), kpi("risk", "未达标", 0.5, kind="event")]
    assert [f.metric for f in findings.rank(items)] == ["incident", "risk", "cost", "spike",
                                                        "open"]


@pytest.fixture(scope="module")
def sample_findings() -> list[Finding]:
    return section01_words.findings(section01.prepare(load_params()))


def test_changing_a_target_changes_light_ranking_and_recommendations(
    sample_findings: list[Finding],
) -> None:
    easy = load_params(overrides={"target_open_rate": 0.015})
    before = {f.metric: f for f in sample_findings}
    after_items = section01_words.findings(section01.prepare(easy))
    after = {f.metric: f for f in after_items}
    assert before["open_rate"].status == "未达标" and after["open_rate"].status == "达标"
    assert "open_rate" in [f.metric for f in findings.rank(sample_findings)]
    assert "open_rate" not in [f.metric for f in findings.rank(after_items)]
    html_before = summary_show.cards_html(sample_findings).markup
    html_after = summary_show.cards_html(after_items).markup
    assert html_before != html_after and "● 达标" in html_after
    recs_before = strategy.recommendations(sample_findings, RULES, easy)
    recs_after = strategy.recommendations(after_items, RULES, easy)
    assert any(r["source"] == "规则 open-rate-short" and r["evidence"].startswith("打开率 1.70%")
               for r in recs_before)
    assert not any(r["source"] == "规则 open-rate-short" for r in recs_after)


def test_summary_with_the_sample(sample_findings: list[Finding]) -> None:
    text = " ".join(summary_words.paragraph(sample_findings))
    assert "设有目标的 6 项指标中 3 项未达标、2 项预警、1 项达标" in text
    # which ones, by name, value and target; then how many incidents the list below holds
    assert "未达标的是粉丝净增长 3,537（目标 5,000）、打开率 1.70%（目标 2.00%）" in text
    # a 2025 month: readers (人数); the 发表内容 endpoints count no 阅读次数
    assert "达标的是图文阅读量（人数）10.3万（目标 7万）" in text
    # the unfollow spike (预警), not the scan-code spike (提示: information, not a problem)
    events = [f for f in sample_findings if f.kind != "kpi" and f.severity >= 2]
    assert len(events) == 1 and "另有 1 项异常、风险或需要关注的变化" in text
    assert "p<" not in text and "p=" not in text and "置信区间" not in text
    top = summary_show.top_html(sample_findings).markup
    assert top.count("<li") == 5 and 'href="#wx-s01"' in top
    assert "取消关注" in top  # the unfollow spike ranks among the five


def test_summary_of_a_month_missing_sections() -> None:
    assert "无法生成摘要" in summary_words.paragraph([])[0]
    assert "缺少 01" in summary_show.cards_html([]).markup
    only_events = [Finding(section="07_risk", section_title="07 合规风险与舆情管控",
                           metric="incident", name="负面舆情", status="预警",
                           evidence="负面舆情 5 条", kind="event", gap=0.5)]
    text = " ".join(summary_words.paragraph(only_events))
    assert text == "另有 1 项异常、风险或需要关注的变化，见下方重点发现。"
    # a warning on a metric without a target is counted too: the paragraph is never empty
    untargeted = [Finding(section="02_path", section_title="02 用户行为路径深度解析",
                          metric="funnel_deep", name="打开后深度互动率", status="预警",
                          evidence="打开后深度互动率 18.2%，较上月下降 2.2 个百分点")]
    assert summary_words.paragraph(untargeted) == [
        "另有 1 项异常、风险或需要关注的变化，见下方重点发现。"]
    assert "负面舆情 5 条" in summary_show.top_html(only_events).markup
    assert 'href="#wx-s07"' in summary_show.top_html(only_events).markup


def _firing(rule: strategy.Rule) -> Finding:
    c = rule.when
    metric = c.metric[:-1] + "30" if c.metric.endswith("*") else c.metric
    value = (c.value_below - 1) if c.value_below is not None else \
        (c.value_above + 1) if c.value_above is not None else 1.0
    return kpi(metric, c.status[0] if c.status else "未达标", gap=(c.gap_above or 0) + 0.1,
               value=value, mom=(c.mom_below - 1) if c.mom_below is not None else None)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_fires_when_its_condition_holds(rule: strategy.Rule) -> None:
    p = load_params()
    recs = strategy.recommendations([_firing(rule)], [rule], p)
    assert len(recs) == 1 and recs[0]["source"] == f"规则 {rule.id}"
    assert "{" not in recs[0]["text"]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_stays_silent_otherwise(rule: strategy.Rule) -> None:
    # a status the rule does not name (达标 unless the rule acts on success: a pilot to roll out)
    status = next(s for s in ("达标", "未设目标", "提示", "预警", "未达标")
                  if s not in (rule.when.status or ()))
    fine = replace(_firing(rule), status=status)
    other = replace(_firing(rule), metric="something_else")
    assert strategy.recommendations([fine, other], [rule], load_params()) == []


def test_owners_and_manual_items() -> None:
    p = load_params(overrides={"owner_marketing": "品牌部", "manual_recommendations": [
        {"text": "双十一预热", "owner": "电商部", "priority": "高"}]})
    rule = next(r for r in RULES if r.id == "open-rate-short")
    recs = strategy.recommendations([_firing(rule)], [rule], p)
    assert recs[0]["owner"] == "品牌部"
    assert recs[-1] == {"priority": "高", "owner": "电商部", "text": "双十一预热",
                        "evidence": "—", "cite": "—", "source": "人工", "severity": 0,
                        "section": "—", "section_key": "", "name": ""}
    # a section's own actions never include the manual items (they are section 08's)
    assert recs[:-1] == rules.recommendations([_firing(rule)], [rule], p, manual=False)
    assert "人工" in strategy_show.recommendations_html(recs).markup


def test_no_rule_fires_on_a_perfect_month() -> None:
    assert strategy.recommendations([kpi("open_rate", "达标", 0.0)], RULES, load_params()) == []
    assert "没有规则被触发" in strategy_show.recommendations_html([]).markup


def test_bad_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - id: x\n    when: {metric: a, colour: red}\n"
                   "    recommendation: '{nonsense}'\n    owner: tech\n", encoding="utf-8")
    with pytest.raises(ParameterError) as info:
        strategy.load_rules(bad)
    assert "rules[0]" in str(info.value) and "colour" in str(info.value)
    assert "nonsense" in str(info.value)


def test_pdca_projection_by_hand() -> None:
    total, how = strategy._project(310, 31, 300, 30, 30, 31)
    assert total == pytest.approx(10 * 30 * (1 + (10 / 10 - 1) / 2))
    total, how = strategy._project(620, 31, 300, 30, 30, 31)  # daily mean doubled: +100% → +50%
    assert total == pytest.approx(20 * 30 * 1.5) and "+100.0%" in how
    total, how = strategy._project(310, 31, None, 30, 28, 31)
    assert total == pytest.approx(280) and "无上月数据" in how
    assert strategy._project(None, 31, 300, 30, 30, 31)[0] is None  # nothing to project from


def test_pdca_divides_by_the_days_with_data_not_the_calendar(tmp_path: Path) -> None:
    """A month whose export misses its last 11 days: 20 days of +6 a day project to +6 a day,
    not to 20 × 6 ÷ 31 (missing days counted as zero growth)."""
    folder = make_month(tmp_path / "acct" / "2026-10")
    _drop_days(folder, {f"2026-10-{d:02d}" for d in range(21, 32)})
    p = load_params(account="acct", overrides={"data_dir": str(folder)})
    sec = strategy.trend(p)
    assert sec.totals.follower_days == 20 and sec.totals.net_followers == 120
    assert sec.totals == section01.prepare(p, conversion_rate=False).totals  # 01's definitions
    plan = strategy.pdca(sec, p).set_index("指标")
    assert plan.loc["粉丝净增长", "下月目标"] == pytest.approx(6 * 30)
    assert "有数据的 20 天" in plan.loc["粉丝净增长", "预测方法"]
    assert plan.loc["图文阅读量（次数）", "下月目标"] == pytest.approx(80 * 30)


def _drop_days(folder: Path, days: set[str]) -> None:
    import json

    for path in folder.glob("getuser*.json"):
        body = json.loads(path.read_text(encoding="utf-8"))
        body["list"] = [r for r in body["list"] if r["ref_date"] not in days]
        path.write_text(json.dumps(body), encoding="utf-8")


def test_pdca_band_and_owner() -> None:
    p = load_params(overrides={"pdca_band": 0.2})
    plan = strategy.pdca(strategy.trend(p), p)
    row = plan.set_index("指标").loc["图文阅读量（人数）"]  # 2025 data: readers, no 次数
    assert row["下限"] == pytest.approx(row["下月目标"] * 0.8)
    assert row["上限"] == pytest.approx(row["下月目标"] * 1.2)
    assert set(plan["月份"]) == {"2026-11"}


def test_a_target_below_this_months_actual_says_why() -> None:
    p = load_params()  # the sample: October's daily net growth fell 3.9 % against September
    sec = strategy.trend(p)
    plan = strategy.pdca(sec, p).set_index("指标")
    below = plan[plan["下月目标"] < plan["本月实际"]]
    assert set(below.index) == {i for i in plan.index if plan.loc[i, "低于本月"]}
    net = plan.loc["粉丝净增长"]
    assert net["下月目标"] < net["本月实际"]
    assert "下月只有 30 天（本月 31 天）" in net["低于本月"]
    change = (sec.totals.net_followers / sec.totals.follower_days) / (
        sec.prev_totals.net_followers / sec.prev_totals.follower_days) - 1
    assert change < 0 and f"较上月−{abs(change) * 100:.1f}%" in net["低于本月"]
    rate = plan.loc["打开率"]
    assert rate["下月目标"] < rate["本月实际"] and "上月较低" in rate["低于本月"]
    assert plan.loc["图文阅读量（人数）", "低于本月"] == ""  # above this month: nothing to say
    html = str(strategy_show.pdca_html(plan.reset_index(), p, []))
    assert html.count("注意：低于本月实际") == len(below)


def test_collaboration_lists_each_owner_with_its_actions() -> None:
    p = load_params()
    rules = [r for r in RULES if r.id in ("open-rate-short", "unfollow-spike-feedback")]
    recs = strategy.recommendations([_firing(rules[0]), _firing(rules[1])], rules, p)
    text = strategy_words.collaboration(recs, p)
    assert text[0] == "下月共 2 项行动（高优先级 1 项），涉及 2 个部门。"
    assert text[1].startswith("市场部（1 项）：按阅读分时数据调整推送时段")
    assert text[2].startswith("客服中心（1 项）：取关高峰期间收集用户留言")
    assert text[3] == "技术部本月无新增行动项。"
    assert strategy_words.collaboration([], p) == ["本月没有触发任何行动项。"]


def test_no_findings_to_flag_is_never_a_false_all_clear() -> None:
    """Nothing ranked is not "everything met its target": say what the findings show."""
    assert "无法判断" in summary_show.top_html([]).markup and "已达标" not in summary_words.all_clear([])
    untargeted = [kpi("粉丝净增长", "未设目标", target=None)]
    text = summary_words.all_clear(untargeted)
    assert "均已达标" not in text and "无法判断目标达成" in text and "1 项指标未设目标" in text
    met = [kpi("open_rate", "达标", target=0.02, value=0.03), *untargeted]
    text = summary_words.all_clear(met)
    assert text.startswith("设有目标的 1 项指标均已达标") and "1 项指标未设目标" in text
    assert text in summary_show.top_html(met).markup


def test_findings_written_by_hand_go_to_scratch_not_the_build(tmp_path: Path,
                                                              monkeypatch) -> None:
    """A notebook run outside ``wxnb build`` (no output_dir) never replaces the build's
    findings; reading by hand sees the build's files, newer hand-run sections replacing them."""
    from wxnb import paths

    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    built = ReportParams(month="2026-10", account="x",
                         output_dir=str(tmp_path / "outputs" / "x" / "2026-10"))
    findings.record([kpi("open_rate", "未达标", 0.2)], built, "01_kpi")
    findings.record([kpi("incident", "预警")], built, "07_risk")
    by_hand = ReportParams(month="2026-10", account="x")
    path = findings.record([kpi("open_rate", "达标")], by_hand, "01_kpi")
    assert path == tmp_path / "outputs" / "_scratch" / "x" / "2026-10" / "01_kpi.findings.json"
    assert [f.status for f in findings.collect(built)] == ["未达标", "预警"]  # build untouched
    assert [f.status for f in findings.collect(by_hand)] == ["达标", "预警"]
