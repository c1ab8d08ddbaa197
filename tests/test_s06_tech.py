"""Section 06 技术支撑能力专项评估: hand-computed metrics, bad input, hostile text."""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import pytest
from conftest import dump

from wxnb.io import tech as tech_io
from wxnb.kit import charts, fmt, stats
from wxnb.sections.s06_tech import SPEC, compute, show, words
from wxnb.exceptions import DataValidationError
from wxnb.params import ReportParams
from wxnb.samples import tech as sample_tech

# (day, callbacks, failures, total_time_cost, max_time_cost)
IFACE = [
    ("2026-10-01", 1000, 1, 300_000, 2000),
    ("2026-10-02", 1000, 60, 600_000, 6000),
    ("2026-10-03", 1000, 50, 300_000, 3000),
    ("2026-10-04", 1000, 0, 400_000, 1000),
]
PERF = "date,startup_ms,samples,page\n2026-10-01,2000,100,首页\n2026-10-01,1000,100,详情\n" \
       "2026-10-02,1800,200,首页\n"
# 10 messages, 5 users, 8 correct, 7 with a rule; wrong replies for users a and b.
REPLIES = """time,user,message,rule,correct
2026-10-01 09:00,a,优惠券怎么领,关键词-优惠券,否
2026-10-01 10:00,a,领券,关键词-优惠券,是
2026-10-02 11:00,b,人工客服,关键词-客服,是
2026-10-02 12:00,b,在吗,,0
2026-10-03 13:00,c,查物流,关键词-物流,1
2026-10-03 14:00,c,谢谢,,是
2026-10-04 15:00,d,你好,默认回复,是
2026-10-05 16:00,d,转人工,关键词-客服,是
2026-10-06 17:00,e,[图片],,是
2026-10-07 18:00,e,积分兑换,关键词-会员,是
"""


def write_iface(folder: Path, rows: list[tuple[str, int, int, int, int]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    items = [{"ref_date": d, "callback_count": c, "fail_count": f, "total_time_cost": t,
              "max_time_cost": m} for d, c, f, t, m in rows]
    dump(folder / f"getinterfacesummary_{rows[0][0]}_{rows[-1][0]}.json", {"list": items})


@pytest.fixture
def month(tmp_path: Path) -> Path:
    folder = tmp_path / "acct" / "2026-10"
    write_iface(folder, IFACE)
    (folder / tech_io.PERF_FILE).write_text(PERF, encoding="utf-8")
    (folder / tech_io.AUTOREPLY_FILE).write_text(REPLIES, encoding="utf-8")
    return folder


def params(folder: Path, **kw: object) -> ReportParams:
    return ReportParams(month=folder.name, account="acct", data_dir=str(folder), **kw)


def rows_by_key(sec: compute.TechSection) -> dict[str, compute.ModuleRow]:
    return {r.key: r for r in sec.modules}


# --------------------------------------------------------------------------- metrics


def test_api_metrics_and_episode(month: Path) -> None:
    sec = compute.prepare(params(month))
    m = sec.metrics
    assert (m.callbacks, m.failures) == (4000, 111)
    assert m.api_success == pytest.approx(1 - 111 / 4000)
    assert m.avg_ms == pytest.approx(400.0)
    assert m.max_ms == 6000 and f"{m.max_day:%m-%d}" == "10-02" and m.slow_days == 1
    rows = rows_by_key(sec)
    assert rows["api_success"].gap == pytest.approx((0.995 - 0.97225) / 0.995)
    assert rows["api_success"].status == "预警"
    assert rows["api_latency"].gap == pytest.approx(0.2)
    assert rows["api_latency"].status == "未达标"
    [ep] = sec.episodes  # 10-02 and 10-03 are below 99.5 %, 10-01 (99.9 %) is not
    assert (f"{ep['start']:%d}", f"{ep['end']:%d}") == ("02", "03")
    assert (ep["callbacks"], ep["failures"]) == (2000, 110)
    assert ep["success"] == pytest.approx(0.945)


def test_miniprogram_load_weighted(month: Path) -> None:
    sec = compute.prepare(params(month))
    assert sec.metrics.load_s == pytest.approx(1.65)  # (2000·100 + 1000·100 + 1800·200) / 400
    assert sec.metrics.load_samples == 400
    daily = compute.daily_load(sec.inputs.performance)
    assert list(daily.round(3)) == [1.5, 1.8]
    row = rows_by_key(sec)["miniprogram_load"]
    assert row.gap == pytest.approx(0.1) and row.status == "未达标"
    assert rows_by_key(compute.prepare(params(month, miniprogram_load_standard=1.6)))[
        "miniprogram_load"].status == "预警"  # 1.65 is 3.1 % above 1.6


def test_autoreply_metrics(month: Path) -> None:
    sec = compute.prepare(params(month))
    m = sec.metrics
    assert (m.labelled, m.accuracy, m.hits, m.hit_rate) == (10, 0.8, 7, 0.7)
    assert m.accuracy_ci == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert (m.users, m.users_affected, m.affected_share) == (5, 2, 0.4)
    row = rows_by_key(sec)["autoreply_accuracy"]
    assert row.gap == pytest.approx(0.05 / 0.85) and row.status == "未达标"
    assert rows_by_key(sec)["keyword_hit_rate"].status == "未设目标"
    lenient = compute.prepare(params(month, autoreply_accuracy_standard=0.84))
    assert rows_by_key(lenient)["autoreply_accuracy"].status == "预警"
    table = compute.rule_table(sec.inputs.autoreply)
    assert table.loc["关键词-优惠券", "accuracy"] == 0.5
    assert table.loc["（未触发规则）", "n"] == 3


def test_wilson_edges() -> None:
    assert stats.wilson(0, 10)[0] == 0.0
    assert stats.wilson(10, 10)[1] == pytest.approx(1.0)
    assert all(math.isnan(v) for v in stats.wilson(0, 0))


def test_narrative_and_findings(month: Path) -> None:
    sec = compute.prepare(params(month))
    text = "".join(words.narrative(sec))
    assert "成功率 97.22%" in text and "最大耗时 6,000 ms（10-02）" in text
    assert "10-02 至 10-03" in text
    assert "1.65 秒" in text and "准确率 80.0%（95% 置信区间 49.0%–94.3%）" in text
    assert "技术瓶颈已影响 40.0% 的用户" in text
    assert "需优先解决接口响应超时问题" in text  # latency gap 20 % > load 10 % > accuracy 5.9 %
    found = {f.metric: f for f in words.findings(sec)}
    assert found["api_success"].status == "预警"
    assert found["miniprogram_load"].status == "未达标"
    assert found["anomaly:api_failure"].kind == "event"
    assert found["anomaly:api_failure"].status == "预警"
    assert found["anomaly:api_failure"].extra["start"] == "2026-10-02"
    assert found["api_success"].mom is None  # no previous month


def test_bottleneck_changes_with_data(month: Path) -> None:
    (month / tech_io.PERF_FILE).write_text("date,startup_ms,samples\n2026-10-01,3000,10\n",
                                            encoding="utf-8")
    sec = compute.prepare(params(month))
    assert compute.bottleneck(sec).key == "miniprogram_load"  # 100 % over 1.5 s
    assert "需优先解决小程序性能问题" in words.narrative(sec)[-1]


def test_previous_month_mom(month: Path) -> None:
    prev = month.parent / "2026-09"
    write_iface(prev, [("2026-09-01", 2000, 2, 600_000, 3000)])  # 99.9 %, 300 ms, max 3 s
    sec = compute.prepare(params(month))
    rows = rows_by_key(sec)
    assert rows["api_success"].mom == pytest.approx((0.97225 - 0.999) * 100)
    assert rows["api_success"].mom_text == "−2.68 个百分点"
    assert rows["api_latency"].mom == pytest.approx(1.0)  # max 6,000 vs 3,000 ms
    assert rows["autoreply_accuracy"].mom_text == "无上月数据"  # no sample in September
    assert "环比 −2.68 个百分点" in words.narrative(sec)[0]


def test_no_previous_month_and_broken_previous(month: Path) -> None:
    sec = compute.prepare(params(month))
    assert all(r.mom_text == "无上月数据" for r in sec.modules)
    assert "无上月数据（未找到 2026-09 目录）" in " ".join(words.data_notes(sec))
    prev = month.parent / "2026-09"
    write_iface(prev, [("2026-09-01", 10, 2, 600, 3000)])
    (prev / tech_io.AUTOREPLY_FILE).write_text("time,user\n", encoding="utf-8")
    sec = compute.prepare(params(month))  # never raises for the previous month
    assert "上月数据校验未通过" in sec.prev_note
    assert rows_by_key(sec)["api_success"].mom_text == "无上月数据"


def test_optional_files_missing(tmp_path: Path) -> None:
    folder = tmp_path / "acct" / "2026-10"
    write_iface(folder, IFACE)
    sec = compute.prepare(params(folder))
    html = str(show.modules_html(sec))
    assert "未提供（需 miniprogram_performance.csv）" in html
    assert "未提供（需 autoreply_samples.csv）" in html
    assert {f.metric for f in words.findings(sec)} == {
        "api_success", "api_latency", "anomaly:api_failure"}
    assert "需 autoreply_samples.csv" in " ".join(words.narrative(sec))
    assert "未提供" in str(show.load_chart(sec))
    assert "未提供" in str(show.autoreply_html(sec))


def test_tables_html(month: Path) -> None:
    sec = compute.prepare(params(month))
    html = str(show.modules_html(sec))
    for text in ("API接口稳定性", "接口平均耗时 / 最大耗时", "小程序加载速度", "自动回复准确率",
                 "关键词回复命中率", "超出标准 20.0%", "平均 400 ms / 最大 6,000 ms"):
        assert text in html
    worst = str(show.worst_days_html(sec))
    assert worst.index("10-02") < worst.index("10-03") < worst.index("10-01")
    assert "6.00%" in worst and "低于成功率标准、最大耗时超过 5 秒" in worst
    errors = str(show.autoreply_errors_html(sec))
    assert "优惠券怎么领" in errors and "在吗" in errors and "领券" not in errors


# --------------------------------------------------------------------------- bad input


def expect_problems(folder: Path, n: int) -> str:
    with pytest.raises(DataValidationError) as exc:
        tech_io.load(folder, "2026-10")
    assert len(exc.value.problems) == n, str(exc.value)
    return str(exc.value)


def test_missing_columns(month: Path) -> None:
    (month / tech_io.PERF_FILE).write_text("date,startup\n2026-10-01,2000\n", encoding="utf-8")
    (month / tech_io.AUTOREPLY_FILE).write_text("time,user,message,rule\n", encoding="utf-8")
    msg = expect_problems(month, 3)
    assert "miniprogram_performance.csv 表头 字段 startup_ms: 应为 有列 startup_ms" in msg
    assert "miniprogram_performance.csv 表头 字段 samples" in msg
    assert "autoreply_samples.csv 表头 字段 correct: 应为 有列 correct，实际为 列缺失" in msg


def test_bad_startup_values(month: Path) -> None:
    (month / tech_io.PERF_FILE).write_text(
        "date,startup_ms,samples\n2026-10-01,快,10\n2026-10-02,-5,10\n2026-09-30,100,x\n",
        encoding="utf-8")
    msg = expect_problems(month, 4)
    assert "第 2 行 字段 startup_ms: 应为 数值（毫秒），实际为 '快'" in msg
    assert "第 3 行 字段 startup_ms: 应为 非负数（毫秒），实际为 -5" in msg
    assert "第 4 行 字段 date: 应为 2026-10 月内的日期，实际为 2026-09-30" in msg
    assert "第 4 行 字段 samples: 应为 非负整数" in msg


def test_bad_autoreply_values(month: Path) -> None:
    (month / tech_io.AUTOREPLY_FILE).write_text(
        "time,user,message,rule,correct\n"
        "2026-11-01 09:00,a,你好,默认回复,是\n"
        ",b,没有时间,,否\n"
        "2026-10-02 25:00,c,坏时间,,是\n"
        "2026-10-03 10:00,d,好的,,也许\n", encoding="utf-8")
    msg = expect_problems(month, 4)
    assert "autoreply_samples.csv 第 2 行 字段 time: 应为 2026-10 月内的时间" in msg
    assert "第 3 行 字段 time: 应为 时间 YYYY-MM-DD HH:MM，实际为 缺失" in msg
    assert "第 4 行 字段 time: 应为 时间 YYYY-MM-DD HH:MM，实际为 '2026-10-02 25:00'" in msg
    assert "第 5 行 字段 correct: 应为 是/否 或 1/0，实际为 '也许'" in msg


def test_interface_and_own_problems_together(month: Path) -> None:
    write_iface(month, [("2026-10-09", 10, 20, 100, 100)])  # failures > callbacks
    (month / tech_io.AUTOREPLY_FILE).write_text(
        "time,user,message,rule,correct\n2026-10-01 09:00,,你好,,是\n", encoding="utf-8")
    msg = expect_problems(month, 2)
    assert "fail_count" in msg and "字段 user: 应为 用户标识（匿名 id），实际为 缺失" in msg


def test_inputs_are_not_modified(month: Path) -> None:
    before = {p.name: p.read_bytes() for p in month.iterdir()}
    compute.prepare(params(month))
    assert {p.name: p.read_bytes() for p in month.iterdir()} == before


# --------------------------------------------------------------------------- sample, hostile


def sample(tmp_path: Path, month: str, hostile: bool = False) -> Path:
    folder = tmp_path / ("h" if hostile else "n") / month
    write_iface(folder, IFACE if month == "2026-10" else [("2026-09-01", 1000, 1, 3000, 300)])
    sample_tech.write_sample(folder, month, hostile=hostile)
    return folder


def test_write_sample_facts(tmp_path: Path) -> None:
    oct_, sep = sample(tmp_path, "2026-10"), sample(tmp_path, "2026-09")
    again = tmp_path / "again"
    paths = sample_tech.write_sample(again, "2026-10")
    assert [p.name for p in paths] == [tech_io.PERF_FILE, tech_io.AUTOREPLY_FILE]
    assert all(p.read_bytes() == (oct_ / p.name).read_bytes() for p in paths)
    now, before = tech_io.load(oct_, "2026-10"), tech_io.load(sep, "2026-09")
    m_now, m_before = compute.compute_metrics(now), compute.compute_metrics(before)
    assert 250 <= m_now.labelled <= 400
    assert 0.72 <= m_now.accuracy <= 0.80 and 0.77 <= m_before.accuracy <= 0.84
    daily = compute.daily_load(now.performance)
    assert 1.85 <= daily.min() and daily.max() <= 2.85 and len(daily) == 31
    assert m_before.load_s < m_now.load_s
    assert {"关键词-优惠券", "关键词-客服", "默认回复"} <= set(now.autoreply["rule"])


def test_hostile_sample_is_shown_literally(tmp_path: Path) -> None:
    plain, bad = sample(tmp_path, "2026-10"), sample(tmp_path, "2026-10", hostile=True)
    m_plain = compute.compute_metrics(tech_io.load(plain, "2026-10"))
    sec = compute.prepare(params(bad))
    assert sec.metrics == m_plain  # hostile only changes texts
    html = "".join(str(b) for b in (show.autoreply_html(sec),
                                    show.autoreply_errors_html(sec, n=50),
                                    show.modules_html(sec)))
    html += str(fmt.narrative(words.narrative(sec)))
    assert "<script>" not in html and "<img" not in html and "<svg" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[点我](javascript:alert(1))" in html and "[U+202E]" in html and "\u202e" not in html


def test_chart_label_strips_missing_glyphs() -> None:
    assert charts.safe_label("🔥爆款👍😂\u202e反向") == "爆款反向"
    assert charts.safe_label("x" * 40, limit=10) == "x" * 9 + "…"


def render(fig: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png")  # type: ignore[attr-defined]


def test_charts_render_without_missing_glyphs(tmp_path: Path) -> None:
    charts.apply_theme()
    sec = compute.prepare(params(sample(tmp_path, "2026-10", hostile=True)))
    for builder in (show.api_chart, show.load_chart, show.rules_chart):
        fig = builder(sec)
        assert type(fig).__name__ == "Figure"
        render(fig)


def test_notebook_cells_shape() -> None:
    cells = SPEC.notebook_cells
    assert cells[0][0] == "md" and cells[0][1].startswith("# 06 技术支撑能力专项评估")
    assert [k for k, _ in cells[1:3]] == ["params", "setup"]
    assert "compute.prepare(from_namespace(globals()))" in cells[2][1]
    record = 'findings.record(words.findings(sec), sec.params, "06_tech")'
    assert cells[-1] == ("hidden", record)
    assert compute.SECTION == ("06_tech", "06 技术支撑能力专项评估")
    assert compute.INPUTS == ("getinterfacesummary*",)
