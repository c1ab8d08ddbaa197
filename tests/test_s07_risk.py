"""Section 07 合规风险与舆情管控: inputs, lexicon, incident table, spikes, findings, sample."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import make_month

from wxnb.kit import charts
from wxnb.kit import fmt
from wxnb.io import risk as risk_io
from wxnb.sections.s07_risk import SPEC, compute, show, words
from wxnb.exceptions import DataValidationError
from wxnb.params import ReportParams
from wxnb.samples import risk as sample_risk

INC_HEAD = "date,type,severity,description,action,resolved_at,status\n"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def params(folder: Path, tmp_path: Path, **kw: object) -> ReportParams:
    return ReportParams(month="2026-10", account="t", data_dir=str(folder),
                        output_dir=str(tmp_path / "out"), **kw)


INCIDENTS = INC_HEAD + (
    "2026-10-02,诱导分享违规,中,转发领取,删除话术,2026-10-02 12:00,\n"
    "2026-10-05,诱导分享违规,低,集赞,改文案,2026-10-06 12:00,\n"
    "2026-10-09,数据泄露隐患,高,插件回传手机号,停用插件,,处理中\n"
    "2026-10-15,负面舆情,中,清仓质疑,公关回复,2026-10-18 00:00,\n"
)
PREV = INC_HEAD + "2026-09-03,负面舆情,低,吐槽,回复,2026-09-03 10:00,\n"


def texts_csv(spike_day: int = 15) -> str:
    """Two texts a day (one positive, one neutral) plus negatives: 1 a day on days 1-31 except
    ``spike_day`` (12: 8 on article 2247483600_1 '第1篇', 3 on '某标题', 1 message)."""
    lines = ["time,article,text,label"]
    for d in range(1, 32):
        lines += [f"2026-10-{d:02d} 09:00,,谢谢，很好用,正面", f"2026-10-{d:02d} 10:00,,发票怎么开,"]
        if d == spike_day:
            lines += [f"2026-10-{d:02d} 21:00,2247483600_1,套路,负面"] * 8
            lines += [f"2026-10-{d:02d} 21:30,某标题,太贵了,"] * 3
            lines += [f"2026-10-{d:02d} 22:00,,退款,负面"]
        else:
            lines += [f"2026-10-{d:02d} 11:00,2247483610_1,发货太慢,"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def month(tmp_path: Path) -> Path:
    folder = make_month(tmp_path / "acct" / "2026-10")
    write(folder, "incidents.csv", INCIDENTS)
    write(folder, "user_texts.csv", texts_csv())
    return folder


# --------------------------------------------------------------------------- lexicon


@pytest.mark.parametrize(("text", "score"), [
    ("很好", 1.5), ("非常失望", -2.0), ("不是很好", -1.5), ("质量不好", -1.0), ("不贵", 1.0),
    ("没想到这么好用", 1.0),  # the negator is too far from 好用 to flip it
    ("好的，收到", 0.0), ("差别不大", 0.0), ("客服不回复，很失望", -2.5), ("不是不好", 1.0),
    ("好贵", -1.0), ("谢谢，已取关", 0.0),
])
def test_lexicon_scores_by_hand(text: str, score: float) -> None:
    assert compute.lexicon_score(text) == pytest.approx(score)


def test_lexicon_labels_and_known_sarcasm_limit() -> None:
    assert compute.lexicon_sentiment("这款护手霜很好用") == "正面"
    assert compute.lexicon_sentiment("先涨价再打5折，套路太深") == "负面"
    assert compute.lexicon_sentiment("发票怎么开") == "中性"
    # Sarcasm is a documented limit: the lexicon reads it as positive.
    assert compute.lexicon_sentiment("真是好一个最后3天") == "正面"


# --------------------------------------------------------------------------- bad input


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(DataValidationError) as exc:
        risk_io.load(folder, "2026-10")
    return [str(p) for p in exc.value.problems]


def test_every_incident_problem_is_reported_together(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", INC_HEAD + (
        "2026-10-02,刷量,中,a,b,,\n"              # line 2: unknown type
        "2026-11-01,其他,严重,a,b,,\n"            # line 3: outside the month, bad severity
        "2026-10-05,其他,低,a,b,2026-10-04 09:00,\n"  # line 4: resolved before the date
        "2026-10-05,其他,低,,b,2026/10/06,\n"     # line 5: no description, bad resolved_at
    ))
    found = problems_of(tmp_path)
    assert len(found) == 6
    assert any("第 2 行 字段 type" in p and "诱导分享违规、数据泄露隐患、违规内容、负面舆情、虚假宣传、其他"
               in p and "'刷量'" in p for p in found)
    assert any("第 3 行 字段 date" in p and "2026-10 月内" in p for p in found)
    assert any("第 3 行 字段 severity" in p and "'严重'" in p for p in found)
    assert any("第 4 行 字段 resolved_at" in p and "不早于发生日期 2026-10-05" in p for p in found)
    assert any("第 5 行 字段 description" in p for p in found)
    assert any("第 5 行 字段 resolved_at" in p and "YYYY-MM-DD HH:MM" in p for p in found)
    assert all(p.startswith("incidents.csv") for p in found)


def test_missing_columns_and_missing_file(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", "date,type,description\n2026-10-01,其他,a\n")
    found = problems_of(tmp_path)
    assert [p.split("字段 ")[1].split(":")[0] for p in found] == ["severity", "action",
                                                                   "resolved_at"]
    assert problems_of(tmp_path / "none")[0].endswith("风险事件文件 incidents.csv，实际为 没有找到")
    write(tmp_path, "incidents.csv", "")
    assert "空文件" in problems_of(tmp_path)[0]


def test_text_problems(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", INC_HEAD)
    write(tmp_path, "user_texts.csv", "time,article,text,label\n"
          ",x,没有时间,\n2026-09-30 10:00,x,上月的,\n2026-10-01 10:00,x,,\n"
          "2026-10-01 10:00,x,好,很好\n2026-10-01,x,只有日期,\n")
    found = problems_of(tmp_path)
    assert len(found) == 5
    assert found[0].startswith("user_texts.csv 第 2 行 字段 time") and "每条文本必须有时间" in found[0]
    assert "第 3 行 字段 time" in found[1] and "2026-10 月内" in found[1]
    assert "第 4 行 字段 text" in found[2]
    assert "第 5 行 字段 label" in found[3] and "'很好'" in found[3]
    assert "第 6 行 字段 time" in found[4]


def test_no_incidents_and_no_texts_is_valid(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", INC_HEAD)
    sec = compute.prepare(params(tmp_path, tmp_path))
    assert sec.incidents.empty and sec.texts is None
    assert "本月无风险事件" in str(show.risk_table_html(sec))
    assert isinstance(show.negative_trend_chart(sec), fmt.HtmlBlock)
    assert "未提供评论与留言数据" in "".join(words.narrative(sec))
    assert [f.status for f in words.findings(sec)] == ["达标", "提示"]


# --------------------------------------------------------------------------- metrics


def test_incident_table_with_and_without_previous_month(month: Path, tmp_path: Path) -> None:
    sec = compute.prepare(params(month, tmp_path))
    html = str(show.risk_table_html(sec))
    # 诱导分享违规: 2 resolved after 12 h and 36 h → median 24.0 小时.
    assert "2 次/月（环比：无上月数据）" in html
    assert "已处置 2/2（100%），中位处置时长 24.0 小时，无未关闭事项" in html
    assert "删除话术；改文案" in html
    # 合计: 3 of 4 resolved, hours 12, 36, 72 → median 36.0 小时; one open.
    assert "已处置 3/4（75%），中位处置时长 36.0 小时，未关闭 1 项" in html
    write(month.parent / "2026-09", "incidents.csv", PREV)
    sec = compute.prepare(params(month, tmp_path))
    html = str(show.risk_table_html(sec))
    assert "1 次/月（上月 1 次，环比持平）" in html  # 负面舆情
    assert "4 次/月（上月 1 次，环比 +3 次）" in html  # 合计
    assert "较上月（1 起）增加 3 起" in words.narrative(sec)[0]


def test_open_items_checklist(month: Path, tmp_path: Path) -> None:
    sec = compute.prepare(params(month, tmp_path))
    html = str(show.open_items_html(sec))
    assert html.count("<tr>") == 2  # header + the one open incident
    assert "插件回传手机号" in html and "23 天" in html and "处理中" in html  # 10-09 → 10-31


def test_sentiment_labels_lexicon_and_agreement(month: Path, tmp_path: Path) -> None:
    sec = compute.prepare(params(month, tmp_path))
    t = sec.texts
    assert len(t) == 31 * 3 - 1 + 12  # 30 days × 3 + spike day 2 + 12
    counts = t["sentiment"].value_counts()
    assert (counts["正面"], counts["中性"], counts["负面"]) == (31, 31, 42)
    # Labelled: 31 正面 (lexicon agrees: 谢谢 + 很好用) and 9 负面 (套路 agrees, 退款 agrees).
    assert sec.agreement == {"n": 40, "agree": 40, "rate": 1.0, "neg_precision": 1.0,
                             "neg_recall": 1.0}
    html = str(show.sentiment_html(sec))
    assert "100.0%（40/40，n = 40）" in html
    # NSR = (31 − 42) / 73
    assert fmt.fmt_pct((31 - 42) / 73) in html


def test_label_overrides_lexicon(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", INC_HEAD)
    write(tmp_path, "user_texts.csv", "time,text,label\n2026-10-01 10:00,很好用,负面\n"
          "2026-10-01 11:00,很好用,\n")
    sec = compute.prepare(params(tmp_path, tmp_path))
    assert list(sec.texts["sentiment"]) == ["负面", "正面"]
    assert sec.agreement is not None and sec.agreement["rate"] == 0.0


def test_spike_linked_to_articles(month: Path, tmp_path: Path) -> None:
    sec = compute.prepare(params(month, tmp_path))
    events = compute.spike_events(sec)
    assert len(events) == 1
    e = events[0]
    assert (e["start"].day, e["end"].day, e["value"]) == (15, 15, 12)
    assert e["baseline"] == 1.0
    # 8 of 12 on msgid 2247483600_1, whose title in getarticletotal is 第1篇.
    assert e["articles"][0] == {"title": "第1篇", "count": 8, "share": 8 / 12}
    assert e["articles"][1]["title"] == "某标题"
    assert e["articles"][2]["title"] == compute.NO_ARTICLE
    assert "《第1篇》 8 条（67%）" in str(show.spikes_html(sec))
    text = " ".join(words.narrative(sec))
    assert "10-15 负面评论与留言 12 条，为基线的 12.0 倍" in text
    assert "同期登记风险事件 1 起（负面舆情）" in text


def test_findings(month: Path, tmp_path: Path) -> None:
    sec = compute.prepare(params(month, tmp_path))
    f = {x.metric: x for x in words.findings(sec)}
    assert f["risk_open_incidents"].status == "未达标"
    assert f["risk_open_incidents"].value == 1
    assert f["risk_incidents"].status == "提示" and f["risk_incidents"].mom_text == "无上月数据"
    assert f["anomaly:negative_texts"].status == "预警"
    assert f["anomaly:negative_texts"].extra["article"] == "第1篇"
    write(month.parent / "2026-09", "incidents.csv", PREV)
    f = {x.metric: x for x in words.findings(compute.prepare(params(month, tmp_path)))}
    assert (f["risk_incidents"].status, f["risk_incidents"].mom) == ("预警", 3.0)
    write(month.parent / "2026-09", "incidents.csv", INCIDENTS.replace("2026-10", "2026-09") * 1
          + "2026-09-20,其他,低,a,b,2026-09-21 10:00,\n")
    f = {x.metric: x for x in words.findings(compute.prepare(params(month, tmp_path)))}
    assert (f["risk_incidents"].status, f["risk_incidents"].mom) == ("提示", -1.0)


def test_open_medium_only_is_warning(tmp_path: Path) -> None:
    write(tmp_path, "incidents.csv", INC_HEAD + "2026-10-02,其他,中,a,,,\n")
    sec = compute.prepare(params(tmp_path, tmp_path))
    assert words.findings(sec)[0].status == "预警"
    assert "未填写" in str(show.open_items_html(sec))


def test_broken_previous_month_is_a_note(month: Path, tmp_path: Path) -> None:
    write(month.parent / "2026-09", "incidents.csv", INC_HEAD + "2026-10-01,其他,低,a,b,,\n")
    sec = compute.prepare(params(month, tmp_path))
    assert sec.prev_incidents is None
    assert "上月 incidents.csv 校验未通过（1 个问题" in words.method_notes(sec)[0]


# --------------------------------------------------------------------------- sample, hostile


def render(fig: object) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")  # type: ignore[attr-defined]
    return buf.getvalue()


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    for m in ("2026-09", "2026-10"):
        make_month(tmp_path / "s" / m, m)
        sample_risk.write_sample(tmp_path / "s" / m, m)
    return tmp_path / "s" / "2026-10"


def test_write_sample_facts(sample: Path, tmp_path: Path) -> None:
    first = (sample / "user_texts.csv").read_bytes()
    sample_risk.write_sample(sample, "2026-10")
    assert (sample / "user_texts.csv").read_bytes() == first  # deterministic
    sec = compute.prepare(params(sample, tmp_path))
    inc = sec.incidents
    assert len(inc) == 10 and len(sec.prev_incidents) == 6
    assert inc["type"].value_counts()["诱导分享违规"] == 3
    assert int(inc["open"].sum()) == 2
    assert 100 <= len(sec.texts) <= 500  # make_month has 2 articles; the bundled month 30+
    assert 0.4 <= (sec.texts["label"] != "").mean() <= 0.6
    spikes = compute.spike_events(sec)
    assert [(e["start"].day, e["end"].day) for e in spikes] == [(15, 16)]
    # make_month's last push before 10-15 is 第2篇 (10-10).
    assert spikes[0]["articles"][0]["title"] == "第2篇"
    charts.apply_theme()
    render(show.negative_trend_chart(sec))


def test_hostile_texts_are_shown_literally(tmp_path: Path) -> None:
    folder = make_month(tmp_path / "h" / "2026-10")
    plain = make_month(tmp_path / "p" / "2026-10")
    sample_risk.write_sample(folder, "2026-10", hostile=True)
    sample_risk.write_sample(plain, "2026-10")
    charts.apply_theme()
    sec = compute.prepare(params(folder, tmp_path))
    assert all("<" in d or "\u202e" in d or "🔥" in d or "javascript" in d or len(d) > 300
               for d in sec.incidents["description"])
    same = compute.prepare(params(plain, tmp_path))
    assert sec.daily["负面"].tolist() == same.daily["负面"].tolist()  # no number changes
    html = "".join(str(b) for b in (
        show.risk_table_html(sec), show.open_items_html(sec), show.spikes_html(sec),
        show.sentiment_html(sec), fmt.narrative(words.narrative(sec))))
    assert "<script>" not in html and "<img" not in html and "<svg" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    render(show.negative_trend_chart(sec))


def test_chart_text_strips_what_the_font_cannot_draw() -> None:
    assert charts.safe_label("🔥爆款👍\u202e反向$x$", limit=20) == r"爆款反向\$x\$"
    assert charts.safe_label("清仓" * 20, limit=5) == "清仓清仓…"


def test_hostile_spike_title_in_chart(tmp_path: Path) -> None:
    folder = make_month(tmp_path / "2026-10")
    write(folder, "incidents.csv", INC_HEAD)
    lines = ["time,article,text,label"] + [f"2026-10-{d:02d} 10:00,,退款," for d in range(1, 32)]
    lines += ["2026-10-20 10:00,🔥<script>alert(1)</script>\u202e$a$,退款,负面"] * 9
    write(folder, "user_texts.csv", "\n".join(lines) + "\n")
    charts.apply_theme()
    sec = compute.prepare(params(folder, tmp_path))
    assert compute.spike_events(sec)[0]["start"].day == 20
    render(show.negative_trend_chart(sec))


def test_notebook_cells_follow_the_contract() -> None:
    cells = SPEC.notebook_cells
    assert cells[0][0] == "md" and cells[0][1].startswith("# 07 合规风险与舆情管控")
    assert [k for k, _ in cells[1:3]] == ["params", "setup"]
    assert cells[-1] == ("hidden",
                         'findings.record(words.findings(sec), sec.params, "07_risk")')
    assert compute.SECTION == ("07_risk", "07 合规风险与舆情管控")
    assert compute.INPUTS == ("incidents.csv",)
    for kind, src in cells:
        if kind == "code":
            assert src.startswith(("show.", "fmt.", "brief.")) and "\n" not in src


def test_count_changes_use_the_report_minus_sign() -> None:
    from wxnb.sections.s07_risk import show as risk_show

    assert risk_show._mom_count(2, 5) == "上月 5 次，环比 −3 次"
    assert risk_show._mom_count(5, 2) == "上月 2 次，环比 +3 次"
    assert risk_show._mom_count(5, 5) == "上月 5 次，环比持平"
