"""Section 09 裂变活动复盘: hand-computed metrics, the share tree, right-censoring, the compliance
rules, bad input, degradation, hostile text, the sample and the charts."""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import pytest
from pydantic import ValidationError

from wxnb.exceptions import DataValidationError
from wxnb.io import fission as fio
from wxnb.kit import brief, charts, fmt, rules
from wxnb.params import ReportParams, load_params
from wxnb.samples import fission as sample_fission
from wxnb.sections.s09_fission import SPEC, compute, show, words

HEAD = ",".join(fio.CAMPAIGN_COLUMNS)
# A: 任务宝 with a follow gate and an invitation task (中); B: 抽奖 rewarding the follow (高).
CAMPAIGNS = f"""{HEAD}
A,资料包任务宝,任务宝,2026-10-01,2026-10-31,30,公众号,邀请3人得资料,是,否,否,否,是,3
B,关注抽奖,抽奖裂变,2026-10-20,2026-10-31,12,公众号,关注即抽奖,是,否,是,1,1,
"""
# The 5-node tree of A: a1 → (a2 → a4 → a5, a3); levels 0, 1, 1, 2, 3.
# a2 leaves on her next day (not retained), a3 two days later (retained), a4 never converts,
# a5 joins on the data's last day (censored). B: b1 stays, b2 leaves the same day, b3 censored.
PARTICIPANTS = """campaign_id,user_id,inviter_id,joined_at,is_converted,left_at
A,a1,,2026-10-01 09:00,是,
A,a2,a1,2026-10-02 10:00,是,2026-10-03 08:00
A,a3,a1,2026-10-05 10:00,1,2026-10-07 12:00
A,a4,a2,2026-10-06 10:00,否,
A,a5,a4,2026-10-31 09:00,是,
B,b1,,2026-10-20 12:00:30,是,
B,b2,b1,2026-10-21T13:00,是,2026-10-21 20:00
B,b3,,2026-10-31,是,
"""
BENCH = {"任务宝": {"cac_low": 1.8, "cac_high": 3.2, "day1_retention": 0.41, "risk": "中"},
         "抽奖": {"cac_low": 0.5, "cac_high": 1.2, "day1_retention": 0.28, "risk": "高"},
         "拼团": {"cac_low": 2.5, "cac_high": 4, "day1_retention": 0.53, "risk": "低"}}


@pytest.fixture
def month(tmp_path: Path) -> Path:
    folder = tmp_path / "acct" / "2026-10"
    folder.mkdir(parents=True)
    (folder / fio.CAMPAIGNS_FILE).write_text(CAMPAIGNS, encoding="utf-8")
    (folder / fio.PARTICIPANTS_FILE).write_text(PARTICIPANTS, encoding="utf-8")
    return folder


def params(folder: Path, **kw: object) -> ReportParams:
    kw.setdefault("fission_benchmarks", BENCH)
    return ReportParams(month=folder.name, account="acct", data_dir=str(folder), **kw)


def by_id(sec: compute.FissionSection) -> dict[str, compute.Campaign]:
    return {c.id: c for c in sec.campaigns}


# --------------------------------------------------------------------------- metrics


def test_counts_and_cac_by_hand(month: Path) -> None:
    sec = compute.prepare(params(month))
    a, b = by_id(sec)["A"], by_id(sec)["B"]
    assert (a.participants, a.new_users, a.left, a.net_users) == (5, 4, 2, 2)
    assert a.cac == pytest.approx(30 / 4) and a.net_cac == pytest.approx(30 / 2)
    assert a.conversion == pytest.approx(4 / 5)
    assert (b.participants, b.new_users) == (3, 3) and b.cac == pytest.approx(4.0)
    t = sec.totals
    assert (t.campaigns, t.participants, t.new_users, t.cost) == (2, 8, 7, 42.0)
    assert t.cac == pytest.approx(6.0) and (t.high, t.medium) == (1, 1)
    assert [c.id for c in sec.campaigns] == ["A", "B"]  # most new users first


def test_right_censoring_excludes_the_last_days_joiners(month: Path) -> None:
    sec = compute.prepare(params(month))
    a, b = by_id(sec)["A"].retention, by_id(sec)["B"].retention
    # A: a1 kept, a2 left on her next day, a3 left later (kept at day 1), a5 joined 10-31.
    assert (a.eligible, a.retained, a.censored) == (3, 2, 1)
    assert a.rate == pytest.approx(2 / 3)
    # B: b1 kept, b2 left the day she joined, b3 joined 10-31 (date only).
    assert (b.eligible, b.retained, b.censored) == (2, 1, 1)
    total = sec.totals.retention
    assert (total.eligible, total.retained, total.censored) == (5, 3, 2)
    assert "2 位新增用户在数据截止日当天加入" in " ".join(words.data_notes(sec))


def test_an_earlier_data_end_censors_its_last_days_joiners(month: Path) -> None:
    # A's export ends on 10-05: a1 (10-01) kept, a2 (10-02) left on her next day, a3 joined on
    # 10-05 itself (censored); a4 and a5, who joined later, are not in that export.
    text = CAMPAIGNS.replace(HEAD, HEAD + ",data_until")
    text = text.replace(",是,3\n", ",是,3,2026-10-05\n").replace(",1,1,\n", ",1,1,,\n")
    (month / fio.CAMPAIGNS_FILE).write_text(text, encoding="utf-8")
    (month / fio.PARTICIPANTS_FILE).write_text(
        "".join(ln for ln in PARTICIPANTS.splitlines(keepends=True)
                if not ln.startswith(("A,a4", "A,a5"))), encoding="utf-8")
    sec = compute.prepare(params(month))
    a, b = by_id(sec)["A"].retention, by_id(sec)["B"].retention
    assert (a.eligible, a.retained, a.censored) == (2, 1, 1)
    assert (b.eligible, b.censored) == (2, 1)  # B's data ends on the month's last day


def test_a_data_end_outside_the_month_is_a_problem_not_next_months_joins(month: Path) -> None:
    # An export up to 11-05 would let a join of 11-03 count toward October (and a5's next day
    # be read from November's data): data_until must be a day of the report month.
    text = CAMPAIGNS.replace(HEAD, HEAD + ",data_until")
    text = text.replace(",是,3\n", ",是,3,2026-11-05\n").replace(",1,1,\n", ",1,1,,2026-09-30\n")
    (month / fio.CAMPAIGNS_FILE).write_text(text, encoding="utf-8")
    (month / fio.PARTICIPANTS_FILE).write_text(PARTICIPANTS + "A,a6,a1,2026-11-03 10:00,是,\n",
                                               encoding="utf-8")
    msg = expect(month, 2)
    assert ("fission_campaigns.csv 第 2 行 字段 data_until: 应为 报告月 2026-10 内的一天"
            "（2026-10-01 至 2026-10-31；留空表示月末），实际为 '2026-11-05'") in msg
    assert "fission_campaigns.csv 第 3 行 字段 data_until: 应为 报告月 2026-10 内的一天" in msg
    assert "'2026-09-30'" in msg
    # within the month (the last day, or empty) it is fine, and the November join is refused
    (month / fio.CAMPAIGNS_FILE).write_text(text.replace("2026-11-05", "2026-10-31").replace(
        "2026-09-30", ""), encoding="utf-8")
    msg = expect(month, 1)
    assert "fission_participants.csv 第 10 行 字段 joined_at: 应为 不晚于数据截止日 2026-10-31" in msg


def test_retention_interval_is_wilson(month: Path) -> None:
    r = by_id(compute.prepare(params(month)))["A"].retention
    assert r.ci == pytest.approx((0.2077, 0.9385), abs=1e-4)  # Wilson 95 % of 2 / 3


def test_share_tree_of_five_nodes_by_hand(month: Path) -> None:
    t = by_id(compute.prepare(params(month)))["A"].tree
    assert t.levels == {0: 1, 1: 2, 2: 1, 3: 1}
    assert (t.seeds, t.invited, t.inviters, t.max_depth) == (1, 4, 3, 3)
    assert t.mean_depth == pytest.approx((0 + 1 + 1 + 2 + 3) / 5)
    assert t.deep_share == pytest.approx(2 / 5)
    # K: 4 invited ÷ the 4 participants above the deepest level (a5, level 3, is left out)
    assert t.k_factor == pytest.approx(4 / 4) and t.per_inviter == pytest.approx(4 / 3)
    assert t.multiple == pytest.approx(5.0)


def test_k_of_a_doubling_campaign_is_above_one() -> None:
    # Every participant invites two, for four levels, then the campaign ends: 1, 2, 4, 8, 16.
    # invited ÷ all participants (30 / 31) would read "below 1, dies out"; the 16 of the last
    # level could not yet be seen inviting, so K = 30 ÷ 15 = 2.
    rows, level = [("s", "")], ["s"]
    for _ in range(4):
        level = [f"{u}{j}" for u in level for j in (0, 1)]
        rows += [(u, u[:-1]) for u in level]
    import pandas as pd

    t = compute.tree_stats(pd.DataFrame(rows, columns=["user_id", "inviter_id"]))
    assert t.levels == {0: 1, 1: 2, 2: 4, 3: 8, 4: 16}
    assert t.k_factor == pytest.approx(2.0)
    # a campaign dying out: 8 seeds bring 4, who bring 2, who bring 1 → 7 ÷ (15 − 1) = 0.5
    dying = [(f"s{i}", "") for i in range(8)] + [(f"a{i}", f"s{i}") for i in range(4)] \
        + [(f"b{i}", f"a{i}") for i in range(2)] + [("c0", "b0")]
    assert compute.tree_stats(pd.DataFrame(dying, columns=["user_id", "inviter_id"])
                              ).k_factor == pytest.approx(0.5)


def test_tree_depths_forest_and_loops() -> None:
    depth, loops = fio.tree_depths({"r": "", "x": "r", "y": "x", "s": "", "z": "s"})
    assert depth == {"r": 0, "x": 1, "y": 2, "s": 0, "z": 1} and loops == []
    depth, loops = fio.tree_depths({"p": "q", "q": "r", "r": "p", "t": "p", "u": "u"})
    assert sorted(map(sorted, loops)) == [["p", "q", "r"], ["u"]]
    assert depth["t"] == -1 and depth["u"] == -1


def test_a_campaign_without_new_users(month: Path) -> None:
    with (month / fio.CAMPAIGNS_FILE).open("a", encoding="utf-8") as fh:
        fh.write("C,无人关注的拼团,拼团,2026-10-10,2026-10-12,50,公众号,,否,否,否,否,是,0\n")
    with (month / fio.PARTICIPANTS_FILE).open("a", encoding="utf-8") as fh:
        fh.write("C,c1,,2026-10-10,否,\nC,c2,,2026-10-11,否,\n")
    sec = compute.prepare(params(month))
    c = by_id(sec)["C"]
    assert (c.participants, c.new_users, c.cac, c.cac_status) == (2, 0, None, "未达标")
    assert c.tree.levels == {0: 2} and c.tree.k_factor == 0 and c.tree.per_inviter is None
    assert c.retention.eligible == 0 and c.ret_status == "未提供"
    assert sec.campaigns[-1].id == "C"  # fewest new users last
    found = next(f for f in words.findings(sec)
                 if f.metric == "fission_cac" and f.extra["campaign_id"] == "C")
    assert found.evidence == "「无人关注的拼团」花费 ¥50，没有新增关注" and found.value is None
    assert "无新增" in str(show.key_table_html(sec))


def test_another_month_gets_septembers_plan(tmp_path: Path) -> None:
    paths = sample_fission.write_sample(tmp_path / "2027-02", "2027-02")
    inputs = fio.load(tmp_path / "2027-02", "2027-02")
    assert list(inputs.campaigns["campaign_id"]) == ["T2702A", "G2702B"]
    assert inputs.participants is not None and len(paths) == 2


# --------------------------------------------------------------------------- benchmarks


def test_cac_status_against_the_type_upper_bound(month: Path) -> None:
    def status(high: float) -> tuple[str, float | None]:
        bench = dict(BENCH, 任务宝={"cac_low": 1, "cac_high": high})
        return by_id(compute.prepare(params(month, fission_benchmarks=bench)))["A"].cac_status, \
            by_id(compute.prepare(params(month, fission_benchmarks=bench)))["A"].cac_gap

    assert status(8.0) == ("达标", 0.0)  # 7.5 ≤ 8
    s, gap = status(7.0)  # 7 / 7.5 = 0.933 ≥ 0.9
    assert s == "预警" and gap == pytest.approx(7.5 / 7 - 1)
    assert status(6.0)[0] == "未达标"  # 6 / 7.5 = 0.8
    sec = compute.prepare(params(month, fission_benchmarks={}))
    assert by_id(sec)["A"].cac_status == "未设目标"
    found = {(f.metric, f.extra["campaign_id"]): f for f in words.findings(sec)
             if "campaign_id" in f.extra}
    assert "任务宝裂变的行业经验值未配置" in found[("fission_cac", "A")].evidence


def _campaign(rate_k: int, n: int, bench: float | None) -> compute.Campaign:
    from datetime import date

    c = compute.Campaign(id="x", name="x", kind="抽奖", target="公众号", start=date(2026, 10, 1),
                         end=date(2026, 10, 2), until=date(2026, 10, 31), cost=1.0, reward="",
                         row={}, source="明细")
    c.retention = compute.Retention(n, rate_k, 0)
    if bench is not None:
        c.bench = compute.Benchmark("抽奖", 0.5, 1.2, bench, "高")
    return c


def test_retention_status_uses_the_interval_and_the_warn_ratio() -> None:
    judge = compute.retention_status
    assert judge(_campaign(300, 1000, 0.28), 0.9, 30)[0] == "达标"
    assert judge(_campaign(200, 1000, 0.28), 0.9, 30)[0] == "未达标"  # 20 %: clear and material
    assert judge(_campaign(13, 50, 0.28), 0.9, 30)[0] == "预警"  # 26 %, interval holds 28 %
    assert judge(_campaign(2600, 10000, 0.28), 0.9, 30)[0] == "预警"  # clear, but 26 % ≥ 25.2 %
    assert judge(_campaign(2500, 10000, 0.28), 0.9, 30)[0] == "未达标"  # 25 % < 25.2 %
    assert judge(_campaign(5, 20, 0.28), 0.9, 30)[0] == "样本不足"
    assert judge(_campaign(5, 40, None), 0.9, 30)[0] == "未设目标"


def test_small_cohorts_are_listed_not_judged(month: Path) -> None:
    sec = compute.prepare(params(month))  # 3 and 2 observable users < 30
    assert {c.ret_status for c in sec.campaigns} == {"样本不足"}
    assert not [f for f in words.findings(sec) if f.metric == "fission_day1_retention"]
    sec = compute.prepare(params(month, fission_min_users=2))
    found = [f for f in words.findings(sec) if f.metric == "fission_day1_retention"]
    a = next(f for f in found if f.extra["campaign_id"] == "A")
    assert a.status == "达标" and a.value == pytest.approx(2 / 3)  # 66.7 % ≥ 41 %
    assert "次日留存 66.7%（95% 置信区间 20.8%–93.9%，可观察 3 人，另有 1 人于数据截止日加入未计入）" \
        in a.evidence


# --------------------------------------------------------------------------- compliance

CLEAN = {"requires_follow": False, "requires_share": False, "reward_for_follow": False,
         "is_lottery": False, "rules_published": True, "share_threshold": 0,
         "campaign_type": "其他"}
MINIMAL = {
    "reward_for_follow": {"reward_for_follow": True},
    "lottery_for_follow_or_share": {"is_lottery": True, "requires_share": True},
    "forced_share": {"requires_share": True},
    "group_buy_lottery_or_unclear": {"campaign_type": "拼团", "rules_published": False},
    "forced_follow": {"requires_follow": True},
    "invite_task": {"share_threshold": 2},
    "rules_unpublished": {"rules_published": False},
}


def test_every_rule_has_a_minimal_case() -> None:
    assert {r.id for r in compute.load_rules().rules} == set(MINIMAL)


def test_a_clean_campaign_fires_nothing() -> None:
    assert compute.compliance(CLEAN, compute.load_rules()) == ("低", [])
    clean_group = dict(CLEAN, campaign_type="拼团")
    assert compute.compliance(clean_group, compute.load_rules()) == ("低", [])


@pytest.mark.parametrize("rule_id", sorted(MINIMAL))
def test_each_rule_fires_on_its_minimal_campaign(rule_id: str) -> None:
    book = compute.load_rules()
    rule = next(r for r in book.rules if r.id == rule_id)
    campaign = CLEAN | MINIMAL[rule_id]
    level, fired = compute.compliance(campaign, book)
    assert rule in fired and level == rule.level
    assert not rule.fires(CLEAN)


def test_lottery_alone_is_not_a_rule_but_tied_to_follow_is_high() -> None:
    book = compute.load_rules()
    assert compute.compliance(CLEAN | {"is_lottery": True}, book) == ("低", [])
    level, fired = compute.compliance(CLEAN | {"is_lottery": True, "requires_follow": True}, book)
    assert level == "高"
    assert [r.id for r in fired] == ["lottery_for_follow_or_share", "forced_follow"]
    assert compute.compliance(CLEAN | {"is_lottery": True, "share_threshold": 1}, book)[0] == "高"


def test_rules_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "r.yaml"
    bad.write_text("sources: {a: x}\nrules:\n  - {id: r, name: n, level: 高, checks: c, "
                   "basis: [b], when: [{is_lottery: true}]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="依据"):
        compute.load_rules(bad)
    bad.write_text("sources: {a: x}\nrules:\n  - {id: r, name: n, level: 高, checks: c, "
                   "basis: [a], when: [{lotery: true}]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="合规规则格式错误"):
        compute.load_rules(bad)


def test_campaign_levels_and_findings(month: Path) -> None:
    sec = compute.prepare(params(month))
    a, b = by_id(sec)["A"], by_id(sec)["B"]
    assert (a.risk, [r.id for r in a.fired]) == ("中", ["forced_follow", "invite_task"])
    assert b.risk == "高" and {r.id for r in b.fired} == {  # no invitation task: threshold ""
        "reward_for_follow", "lottery_for_follow_or_share", "forced_follow"}
    risk = {f.extra["campaign_id"]: f for f in words.findings(sec)
            if f.metric == "fission_compliance"}
    assert (risk["A"].status, risk["B"].status) == ("预警", "未达标")
    assert risk["B"].kind == "event" and "利诱关注" in risk["B"].evidence
    assert "「关注抽奖」合规风险等级高" in risk["B"].evidence


def test_the_rules_file_gives_the_actions(month: Path) -> None:
    sec = compute.prepare(params(month))
    items = words.findings(sec)
    todo = rules.actions(items, sec.params)
    assert todo[0]["priority"] == "高" and todo[0]["source"] == "规则 fission-compliance-high"
    assert {"规则 fission-compliance-medium", "规则 fission-cac-over"} <= {t["source"] for t in todo}
    html = str(brief.brief_html(items, sec.params, n=2, max_actions=1))
    assert "暂停该活动中命中高风险规则的机制" in html and "另有" in html


# --------------------------------------------------------------------------- words


def test_narrative_and_total_finding(month: Path) -> None:
    sec = compute.prepare(params(month, fission_min_users=2))
    text = "".join(words.narrative(sec))
    assert "本月共 2 个裂变活动（任务宝 1 个、抽奖 1 个），参与 8 人，新增公众号关注 7 人" in text
    assert "平均获客成本 6 元/人" in text
    assert "「资料包任务宝」7.5 元/人（任务宝裂变 1.8–3.2 元/人，高出上限 134.4%，未达标）" in text
    assert "数据截止日当天加入的 2 人次日尚未结束" in text
    assert "「资料包任务宝」最深 3 层、二级及以上占 40.0%、K 值 1.00" in text
    assert "「关注抽奖」（利诱关注、以关注或分享换抽奖机会、强制关注）判为高风险" in text
    assert "按机制为中" not in text  # 任务宝: the seed's level 中 agrees
    total = next(f for f in words.findings(sec) if f.metric == "fission_new_users")
    assert total.status == "未设目标" and total.value == 7.0 and total.mom is None


def test_previous_month_mom(month: Path) -> None:
    prev = month.parent / "2026-09"
    prev.mkdir()
    (prev / fio.CAMPAIGNS_FILE).write_text(
        f"{HEAD}\nS,九月任务宝,任务宝,2026-09-01,2026-09-30,20,公众号,,是,否,否,否,是,3\n",
        encoding="utf-8")
    (prev / fio.PARTICIPANTS_FILE).write_text(
        "campaign_id,user_id,inviter_id,joined_at,is_converted,left_at\n"
        "S,s1,,2026-09-01,是,\nS,s2,s1,2026-09-02,是,2026-09-02\n", encoding="utf-8")
    sec = compute.prepare(params(month))
    assert sec.prev_totals.new_users == 2 and sec.prev_totals.cac == pytest.approx(10.0)
    assert sec.mom.new_users.mode == "abs" and sec.mom.new_users.value == 5  # base < 30
    assert sec.mom.cac == pytest.approx(6.0 / 10.0 - 1)
    assert sec.mom.retention.value == pytest.approx((3 / 5 - 1 / 2) * 100)
    html = str(show.mom_html(sec))
    assert "−40.0%" in html and "+10.00 个百分点" in html
    assert "与上月相比：活动由 1 个变为 2 个" in " ".join(words.narrative(sec))


def test_no_previous_month_and_broken_previous(month: Path) -> None:
    sec = compute.prepare(params(month))
    assert sec.mom is None and "未找到 2026-09 目录" in sec.prev_note
    assert "未找到 2026-09 目录" in str(show.mom_html(sec))
    prev = month.parent / "2026-09"
    prev.mkdir()
    (prev / fio.CAMPAIGNS_FILE).write_text(f"{HEAD}\n", encoding="utf-8")
    sec = compute.prepare(params(month))  # never raises for the previous month
    assert sec.mom is None and "上月裂变数据校验未通过" in sec.prev_note


# --------------------------------------------------------------------------- degradation


def test_without_participants_the_tool_totals_are_used(month: Path) -> None:
    (month / fio.PARTICIPANTS_FILE).unlink()
    text = CAMPAIGNS.replace(HEAD, HEAD + ",participant_count,new_user_count")
    text = text.replace(",是,3\n", ",是,3,100,60\n").replace(",1,1,\n", ",1,1,,,\n")
    (month / fio.CAMPAIGNS_FILE).write_text(text, encoding="utf-8")
    sec = compute.prepare(params(month))
    a, b = by_id(sec)["A"], by_id(sec)["B"]
    assert (a.source, a.participants, a.new_users, a.cac) == ("汇总", 100, 60, 0.5)
    assert a.retention is None and a.tree is None and a.cac_status == "达标"
    assert (b.source, b.new_users, b.cac_status) == ("", None, "未提供")
    html = str(show.key_table_html(sec))
    assert "未提供" in html
    notes = " ".join(words.data_notes(sec))
    assert f"未提供 {fio.PARTICIPANTS_FILE}" in notes
    assert "需要" in str(show.tree_html(sec)) and "需要" in str(show.retention_html(sec))
    assert "未提供" in str(show.depth_chart(sec)) or "需要" in str(show.depth_chart(sec))
    assert {f.metric for f in words.findings(sec)} == {
        "fission_new_users", "fission_cac", "fission_compliance"}


def test_a_header_only_participants_file_counts_as_absent(month: Path) -> None:
    (month / fio.PARTICIPANTS_FILE).write_text(PARTICIPANTS.splitlines()[0] + "\n",
                                               encoding="utf-8")
    sec = compute.prepare(params(month))
    assert sec.inputs.participants is None and by_id(sec)["A"].new_users is None
    assert "只有表头" in " ".join(words.data_notes(sec))


def test_without_left_at_retention_is_not_shown(month: Path) -> None:
    lines = [ln.rsplit(",", 1)[0] for ln in PARTICIPANTS.strip().splitlines()]
    (month / fio.PARTICIPANTS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    sec = compute.prepare(params(month))
    assert all(c.retention is None and c.left is None for c in sec.campaigns)
    assert by_id(sec)["A"].tree.max_depth == 3
    assert "没有 left_at" in " ".join(words.data_notes(sec))
    assert "次日留存未提供" in " ".join(words.narrative(sec))


def test_late_joins_and_left_after_the_data_are_noted(month: Path) -> None:
    text = CAMPAIGNS.replace(HEAD, HEAD + ",data_until").replace(
        "2026-10-01,2026-10-31,30", "2026-10-01,2026-10-20,30").replace(
        ",是,3\n", ",是,3,2026-10-31\n").replace(",1,1,\n", ",1,1,,\n")
    (month / fio.CAMPAIGNS_FILE).write_text(text, encoding="utf-8")
    (month / fio.PARTICIPANTS_FILE).write_text(
        PARTICIPANTS.replace("A,a1,,2026-10-01 09:00,是,", "A,a1,,2026-10-01 09:00,是,2026-11-02"),
        encoding="utf-8")
    sec = compute.prepare(params(month))
    notes = " ".join(words.data_notes(sec))
    assert "1 位参与者在活动结束日之后加入" in notes  # a5 on 10-31, after 10-20
    assert "1 位用户的取关/删除时间晚于数据截止日" in notes
    assert by_id(sec)["A"].retention.retained == 2  # a1 still counts as kept


# --------------------------------------------------------------------------- bad input


def expect(folder: Path, n: int) -> str:
    with pytest.raises(DataValidationError) as exc:
        fio.load(folder, "2026-10")
    assert len(exc.value.problems) == n, str(exc.value)
    return str(exc.value)


def test_missing_file_and_columns(tmp_path: Path, month: Path) -> None:
    with pytest.raises(DataValidationError, match="fission_campaigns.csv"):
        fio.load(tmp_path, "2026-10")
    (month / fio.CAMPAIGNS_FILE).write_text("campaign_id,campaign_name\nA,x\n", encoding="utf-8")
    msg = expect(month, len(fio.CAMPAIGN_COLUMNS) - 2)
    assert "fission_campaigns.csv 表头 字段 cost_yuan: 应为 有列 cost_yuan" in msg


def test_bad_campaign_values(month: Path) -> None:
    (month / fio.CAMPAIGNS_FILE).write_text(
        f"{HEAD}\n"
        "A,,砍价,2026-10-05,2026-10-01,-3,朋友圈,,也许,否,否,否,是,x\n"
        "A,重复,任务宝,2026-09-01,2026-09-30,1,公众号,,是,否,否,否,是,\n", encoding="utf-8")
    (month / fio.PARTICIPANTS_FILE).unlink()
    msg = expect(month, 9)
    for text in ("第 2 行 字段 campaign_name: 应为 活动名称（非空），实际为 缺失",
                 "第 2 行 字段 campaign_type: 应为 以下类型之一：任务宝、拼团、抽奖、体验官、其他",
                 "第 2 行 字段 end_date: 应为 不早于开始日期 2026-10-05",
                 "第 2 行 字段 cost_yuan: 应为 成本（元），≥ 0 的数，实际为 '-3'",
                 "第 2 行 字段 target_channel: 应为 公众号 或 企业微信",
                 "第 2 行 字段 requires_follow: 应为 是/否 或 1/0，实际为 '也许'",
                 "第 2 行 字段 share_threshold: 应为 邀请门槛人数",
                 "第 3 行 字段 end_date: 应为 活动期与 2026-10 有交集",
                 "第 3 行 字段 campaign_id: 应为 每个活动编号只出现一次，实际为 'A' 与第 2 行重复"):
        assert text in msg


def test_bad_participant_values(month: Path) -> None:
    (month / fio.PARTICIPANTS_FILE).write_text(
        "campaign_id,user_id,inviter_id,joined_at,is_converted,left_at\n"
        "Z,z1,,2026-10-01 09:00,是,\n"
        "A,a1,,2026-10-01 25:00,是,\n"
        "A,a2,,2026-09-30 10:00,是,\n"
        "A,a3,,2026-10-02 10:00,否,2026-10-03\n"
        "A,a4,,2026-10-02 10:00,是,2026-10-01 09:00\n"
        "A,a4,,2026-10-03 10:00,maybe,\n"
        "A,,,2026-11-01,是,\n", encoding="utf-8")
    msg = expect(month, 9)
    for text in ("fission_participants.csv 第 2 行 字段 campaign_id: 应为 fission_campaigns.csv 中的活动编号",
                 "第 3 行 字段 joined_at: 应为 时间 YYYY-MM-DD HH:MM[:SS] 或日期 YYYY-MM-DD，"
                 "实际为 '2026-10-01 25:00'",
                 "第 4 行 字段 joined_at: 应为 不早于活动开始日期 2026-10-01",
                 "第 5 行 字段 left_at: 应为 留空（未转化的用户没有取关/删除时间）",
                 "第 6 行 字段 left_at: 应为 不早于加入时间 2026-10-02 10:00",
                 "第 7 行 字段 is_converted: 应为 是/否 或 1/0，实际为 'maybe'",
                 "第 7 行 字段 user_id: 应为 同一活动中每位用户只出现一次，实际为 'a4' 与第 6 行重复",
                 "第 8 行 字段 user_id: 应为 用户标识（非空），实际为 缺失",
                 "第 8 行 字段 joined_at: 应为 不晚于数据截止日 2026-10-31"):
        assert text in msg


def test_a_cycle_in_inviter_links_names_its_rows(month: Path) -> None:
    (month / fio.PARTICIPANTS_FILE).write_text(
        "campaign_id,user_id,inviter_id,joined_at,is_converted\n"
        "A,a1,,2026-10-01 09:00,是\n"
        "A,p,r,2026-10-02 09:00,是\n"
        "A,q,p,2026-10-02 09:00,是\n"
        "A,r,q,2026-10-02 09:00,是\n"
        "A,s,s,2026-10-03 09:00,是\n", encoding="utf-8")
    msg = expect(month, 2)
    assert ("fission_participants.csv 第 3 行 字段 inviter_id: 应为 邀请关系无环（沿邀请人回溯应到达种子用户），"
            "实际为 邀请链成环：") in msg
    assert "（第 3、4、5 行）" in msg and re.search(r"'p' → '[qr]' → '[qr]' → 'p'", msg)
    assert "第 6 行 字段 inviter_id" in msg and "'s' → 's'（第 6 行）" in msg


def test_unknown_or_later_inviter(month: Path) -> None:
    (month / fio.PARTICIPANTS_FILE).write_text(
        "campaign_id,user_id,inviter_id,joined_at,is_converted\n"
        "A,a1,,2026-10-05 09:00,是\n"
        "A,a2,a1,2026-10-04 09:00,是\n"
        "A,a3,b1,2026-10-06 09:00,是\n"
        "B,b1,,2026-10-20,是\n", encoding="utf-8")
    msg = expect(month, 2)
    assert "第 3 行 字段 inviter_id: 应为 邀请人 'a1'（第 2 行）加入不晚于本行" in msg
    assert "第 4 行 字段 inviter_id: 应为 同一活动中的参与者 user_id（种子用户留空），实际为 未知邀请人 'b1'" in msg


def test_inputs_are_not_modified(month: Path) -> None:
    before = {p.name: p.read_bytes() for p in month.iterdir()}
    compute.prepare(params(month))
    assert {p.name: p.read_bytes() for p in month.iterdir()} == before


def test_gb18030_file_is_read_and_noted(month: Path) -> None:
    (month / fio.CAMPAIGNS_FILE).write_bytes(CAMPAIGNS.encode("gb18030"))
    sec = compute.prepare(params(month))
    assert by_id(sec)["B"].name == "关注抽奖"
    assert "fission_campaigns.csv 按 GB18030 编码读取" in words.data_notes(sec)


# --------------------------------------------------------------------------- parameters


def test_benchmark_parameters_are_validated() -> None:
    ok = ReportParams(month="2026-10", account="a",
                      fission_benchmarks={"拼团": {"cac_low": 2, "cac_high": 4}})
    assert ok.fission_benchmarks["拼团"] == {"cac_low": 2.0, "cac_high": 4.0}
    for bad in ({"砍价": {"cac_low": 1, "cac_high": 2}}, {"拼团": {"cac_low": 5, "cac_high": 4}},
                {"拼团": {"cac_low": 1, "cac_high": 2, "day1_retention": 41}},
                {"拼团": {"cac_low": 1, "cac_high": 2, "risk": "很高"}},
                {"拼团": {"cac_high": 2}}, {"拼团": {"cac_low": 1, "cac_high": 2, "cpa": 1}}):
        with pytest.raises(ValidationError):
            ReportParams(month="2026-10", account="a", fission_benchmarks=bad)


def test_the_parameters_know_every_campaign_type() -> None:
    table = {k: {"cac_low": 1, "cac_high": 2} for k in fio.TYPES}
    assert list(ReportParams(month="2026-10", account="a",
                             fission_benchmarks=table).fission_benchmarks) == list(fio.TYPES)


def test_the_defaults_hold_the_seed_table_with_its_source() -> None:
    p = load_params(account="sample", month="2026-10")
    assert p.fission_benchmarks["任务宝"] == {"cac_low": 1.8, "cac_high": 3.2,
                                            "day1_retention": 0.41, "risk": "中"}
    assert p.fission_benchmarks["抽奖"]["risk"] == "高" and "体验官" not in p.fission_benchmarks
    assert "路由通《如何理解微信运营工作》2025-06" in p.fission_benchmark_source


# --------------------------------------------------------------------------- sample, hostile


def sample(tmp_path: Path, hostile: bool = False) -> Path:
    root = tmp_path / ("h" if hostile else "n")
    for m in ("2026-09", "2026-10"):
        sample_fission.write_sample(root / m, m, hostile=hostile)
    return root / "2026-10"


def test_sample_is_deterministic_and_plants_its_effects(tmp_path: Path) -> None:
    folder = sample(tmp_path)
    again = sample_fission.write_sample(tmp_path / "again", "2026-10")
    assert [p.name for p in again] == [fio.CAMPAIGNS_FILE, fio.PARTICIPANTS_FILE]
    assert all(p.read_bytes() == (folder / p.name).read_bytes() for p in again)
    other = sample_fission.write_sample(tmp_path / "seed", "2026-10", seed=7)
    assert other[1].read_bytes() != (folder / fio.PARTICIPANTS_FILE).read_bytes()
    sec = compute.prepare(load_params(account="sample", month="2026-10",
                                      overrides={"data_dir": str(folder)}))
    kinds = {c.kind: c for c in sec.campaigns}
    assert set(kinds) == {"任务宝", "抽奖", "体验官", "拼团"}
    assert 3000 <= sec.totals.participants <= 9000
    task, lottery, trial, group = (kinds[k] for k in ("任务宝", "抽奖", "体验官", "拼团"))
    assert (task.cac_status, task.ret_status, task.risk) == ("达标", "达标", "中")
    assert task.tree.max_depth == 5
    assert (lottery.risk, lottery.ret_status) == ("高", "未达标")
    assert "reward_for_follow" in {r.id for r in lottery.fired}
    assert (trial.risk, trial.cac_status, trial.target) == ("低", "未设目标", "企业微信")
    assert (group.cac_status, group.risk) == ("预警", "低")
    assert lottery.retention.censored > 0 and trial.retention.censored > 0
    assert task.retention.censored == 0
    assert sec.prev_totals is not None and sec.prev_totals.campaigns == 2
    assert sec.mom.new_users.value > 0


def test_hostile_sample_is_shown_literally(tmp_path: Path) -> None:
    plain, bad = sample(tmp_path), sample(tmp_path, hostile=True)
    p = dict(account="sample", month="2026-10")
    s1 = compute.prepare(load_params(**p, overrides={"data_dir": str(plain)}))
    s2 = compute.prepare(load_params(**p, overrides={"data_dir": str(bad)}))
    assert [(c.id, c.cost, c.new_users, c.cac_status, c.risk) for c in s1.campaigns] == \
        [(c.id, c.cost, c.new_users, c.cac_status, c.risk) for c in s2.campaigns]
    html = "".join(str(f(s2)) for f in (
        show.key_table_html, show.campaigns_html, show.benchmark_html, show.retention_html,
        show.tree_html, show.compliance_html, show.mom_html))
    html += str(fmt.narrative(words.narrative(s2)))
    html += str(brief.brief_html(words.findings(s2), s2.params, n=2, max_actions=1))
    assert "<script>" not in html and "<img" not in html and "<svg" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[点我](javascript:alert(1))" in html and "[U+202E]" in html and "\u202e" not in html


def render(fig: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png")  # type: ignore[attr-defined]


def test_charts_render_without_missing_glyphs(tmp_path: Path) -> None:
    charts.apply_theme()
    folder = sample(tmp_path, hostile=True)
    sec = compute.prepare(load_params(account="sample", month="2026-10",
                                      overrides={"data_dir": str(folder)}))
    for builder in (show.cac_chart, show.depth_chart, show.daily_chart):
        fig = builder(sec)
        assert type(fig).__name__ == "Figure"
        render(fig)


# --------------------------------------------------------------------------- the two layers

TEST_WORDS = re.compile(r"\bp\s*[<=>]|置信区间|稳健\s*z|\bz\s*=|\bn\s*=|检验|Wilson|卡方")


def management_html(sec: compute.FissionSection) -> str:
    return str(show.key_table_html(sec)) + str(
        brief.brief_html(words.findings(sec), sec.params, n=2, max_actions=1))


def test_the_management_layer_has_no_field_names_nor_statistics(tmp_path: Path) -> None:
    folder = sample(tmp_path)
    sec = compute.prepare(load_params(account="sample", month="2026-10",
                                      overrides={"data_dir": str(folder)}))
    text = re.sub(r"<[^>]+>", " ", management_html(sec))
    assert [f for f in fio.API_FIELDS
            if re.search(rf"(?<![A-Za-z0-9_]){re.escape(f)}(?![A-Za-z0-9_])", text)] == []
    assert TEST_WORDS.search(text) is None
    # the check can fail: the analyst layer has both
    analyst = str(show.retention_html(sec)) + " ".join(words.data_notes(sec))
    assert TEST_WORDS.search(analyst) and "cost_yuan" in analyst
    table = str(show.key_table_html(sec))
    assert table.count("<tr>") == 1 + show.KEY_ROWS and table.count("<th>") == 4


def test_notebook_cells_shape() -> None:
    cells = SPEC.notebook_cells
    assert cells[0][1].startswith("# 09 裂变活动复盘")
    assert [k for k, _ in cells[1:3]] == ["params", "setup"]
    assert "compute.prepare(from_namespace(globals()))" in cells[2][1]
    fold = [k for k, _ in cells].index("fold")
    manager = cells[3:fold]
    assert [k for k, _ in manager] == ["code", "md", "code", "code"]
    assert SPEC.topic and manager[0][1] == "brief.headline_html(words.findings(sec))"
    assert manager[3][1] == "brief.brief_html(words.findings(sec), sec.params, n=2, max_actions=1)"
    record = 'findings.record(words.findings(sec), sec.params, "09_fission")'
    assert cells[-1] == ("hidden", record)
    assert compute.SECTION == ("09_fission", "09 裂变活动复盘")
    assert SPEC.inputs == (fio.CAMPAIGNS_FILE,) and fio.PARTICIPANTS_FILE in SPEC.own
    for _, src in cells:  # every name a code cell uses exists
        for mod, name in re.findall(r"\b(show|words)\.(\w+)\(", src):
            assert hasattr({"show": show, "words": words}[mod], name), name
