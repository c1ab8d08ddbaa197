"""End to end: build the sample month's report with real kernels and check what a reader sees."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from bs4 import BeautifulSoup

from wxnb.paths import DATA, NOTEBOOKS, PROJECT_ROOT

pytestmark = pytest.mark.e2e
SAMPLE = DATA / "sample" / "2026-10"


def wxnb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wxnb", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("out")
    res = wxnb("build", "--out", str(out))
    assert res.returncode == 0, res.stdout + res.stderr
    report = out / "sample" / "2026-10" / "report.html"
    assert str(report) in res.stdout
    return report, res.stdout + res.stderr


def rows(endpoint: str, folder: Path = SAMPLE) -> list[dict]:
    out: list[dict] = []
    for p in sorted(folder.glob(f"{endpoint}_*.json")):
        out += json.loads(p.read_text(encoding="utf-8"))["list"]
    return out


def wan(n: int) -> str:
    """A count as the KPI table writes it (exact below 10,000, else 万 with one decimal)."""
    if abs(n) < 10_000:
        return f"{n:,}"
    return f"{n / 10_000:.1f}".removesuffix(".0") + "万"


def _followers(folder: Path) -> dict[str, str]:
    summary = rows("getusersummary", folder)
    net = sum(r["new_user"] for r in summary) - sum(r["cancel_user"] for r in summary)
    cumulate = max(rows("getusercumulate", folder), key=lambda r: r["ref_date"])["cumulate_user"]
    return {"粉丝净增长": wan(net), "累计粉丝（月末）": wan(cumulate)}


def independent_kpis() -> dict[str, str]:
    """Section 01's KPIs straight from the bundled month's files (the 2025 发表内容 endpoints
    and the event log's push results) with plain Python and SQL (no wxnb code)."""
    readers = sum(r["detail"]["read_user"] for r in rows("getbizsummary"))
    sharers = sum(r["detail"]["share_user"] for r in rows("getbizsummary"))
    sent = dict(duckdb.sql(
        f"SELECT key, CAST(json_extract(value, '$.SentCount') AS BIGINT) FROM read_parquet("
        f"'{SAMPLE / 'events.parquet'}') WHERE event = 'MASSSENDJOBFINISH'").fetchall())
    session = delivered = 0
    for item in rows("getarticletotaldetail"):
        if item["publish_type"] != 0:
            continue  # published without notification: never delivered
        last = max(item["detail_list"], key=lambda d: d["stat_date"])  # cumulative counters
        session += next(s["user_count"] for s in last["read_user_source"]
                        if s["scene_desc"] == "公众号消息")
        delivered += sent[item["msgid"].split("_")[0]]
    return {**_followers(SAMPLE), "图文阅读量（人数）": wan(readers),
            "打开率": f"{session / delivered * 100:.2f}%",
            "分享率": f"{sharers / readers * 100:.2f}%", "转化率": independent_conversion()}


def legacy_kpis(folder: Path) -> dict[str, str]:
    """The same from a legacy month's 图文分析 files (getuserread, getarticletotal)."""
    total = [r for r in rows("getuserread", folder) if r["user_source"] == 99999999]
    reads = sum(r["int_page_read_count"] for r in total)
    shares = sum(r["share_count"] for r in total)
    session = delivered = 0
    for item in rows("getarticletotal", folder):
        last = max(item["details"], key=lambda d: d["stat_date"])  # counters are cumulative
        session += last["int_page_from_session_read_user"]
        delivered += last["target_user"]
    return {**_followers(folder), "图文阅读量（次数）": wan(reads),
            "打开率": f"{session / delivered * 100:.2f}%", "分享率": f"{shares / reads * 100:.2f}%"}


def independent_conversion() -> str:
    """Distinct article readers of the month's log who appear in orders.csv (csv + DuckDB)."""
    with (SAMPLE / "orders.csv").open(encoding="utf-8", newline="") as f:
        buyers = {r["follower_id"] for r in csv.DictReader(f) if r["time"][:7] == "2026-10"}
    readers = {r[0] for r in duckdb.sql(
        f"SELECT DISTINCT follower_id FROM read_parquet('{SAMPLE / 'events.parquet'}') "
        "WHERE event = 'article_read' AND strftime(time, '%Y-%m') = '2026-10'").fetchall()}
    return f"{len(readers & buyers) / len(readers) * 100:.2f}%"


def test_report_has_every_section_and_working_toc(built: tuple[Path, str]) -> None:
    report, _ = built
    soup = BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser")
    assert soup.html["lang"] == "zh"
    text = soup.get_text()
    for nb in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        title = json.loads(nb.read_text(encoding="utf-8"))["cells"][0]["source"]
        heading = "".join(title).splitlines()[0].lstrip("# ").strip()
        assert heading in text
    links = soup.select('nav#toc a[href^="#"]')
    assert links
    ids = [t["id"] for t in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))
    for a in links:
        assert soup.find(id=a["href"][1:]) is not None, a["href"]


def test_report_is_offline_and_clean(built: tuple[Path, str]) -> None:
    report, _ = built
    html = report.read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(src=True):
        assert tag["src"].startswith("data:"), tag["src"][:80]
    for tag in soup.find_all("link", href=True):
        assert not tag["href"].startswith("http"), tag["href"]
    assert "url(http" not in html and "cdnjs" not in html
    imgs = soup.find_all("img")
    assert len(imgs) >= 2 and all(i["src"].startswith("data:image/png;base64,") for i in imgs)
    text = soup.get_text()
    assert not re.search(r"\bError\b", text)  # an exception's text (WeChat's ErrorCount is fine)
    for bad in ("Traceback", "Exception", "missing from font", "UserWarning", "from_namespace",
                "section01.prepare", ".prepare("):
        assert bad not in text, bad


def kpi_cells(report: Path) -> tuple[dict[str, list[str]], Any]:
    soup = BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser")
    table = next(t for t in soup.find_all("table")
                 if [th.get_text() for th in t.find_all("th")][:3] == ["指标类别", "月度目标",
                                                                       "实际达成"])
    return {tr.find_all("td")[0].get_text(): [td.get_text() for td in tr.find_all("td")]
            for tr in table.tbody.find_all("tr")}, table


def test_kpi_values_equal_an_independent_computation(built: tuple[Path, str]) -> None:
    report, _ = built
    cells, table = kpi_cells(report)
    actual = {k: v[2] for k, v in cells.items()}
    assert {k: actual[k] for k in independent_kpis()} == independent_kpis()
    assert "未配置" in table.get_text()  # e.g. 累计粉丝 has no benchmark in the sample
    # the 2025 endpoints count no 阅读次数: said so, never a number or a bare dash
    assert actual["图文阅读量（次数）"] == "新接口不提供次数"


def test_a_legacy_month_builds_with_the_legacy_definitions(tmp_path: Path) -> None:
    """An archived month in the legacy 图文分析 shape (and the month before it) still builds,
    with 次数 and shares per read."""
    res = wxnb("sample", "--out", str(tmp_path / "data"), "--shape", "legacy")
    assert res.returncode == 0, res.stderr
    folder = tmp_path / "data" / "sample" / "2026-10"
    res = wxnb("build", "--data", str(folder), "--out", str(tmp_path / "out"))
    assert res.returncode == 0, res.stdout + res.stderr
    cells, _ = kpi_cells(tmp_path / "out" / "sample" / "2026-10" / "report.html")
    want = legacy_kpis(folder)
    assert {k: cells[k][2] for k in want} == want
    assert cells["分享率"][5] != "口径不同"  # both months legacy: 环比 compared


def test_narrative_carries_the_computed_figures(built: tuple[Path, str]) -> None:
    report, _ = built
    narrative = BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser").select_one(
        "#wx-s01 .wx-narrative").get_text()
    kpis = independent_kpis()
    assert narrative.startswith("数据显示")
    assert f"粉丝净增长 {kpis['粉丝净增长']} 人" in narrative
    assert kpis["打开率"] in narrative
    assert f"图文阅读 {kpis['图文阅读量（人数）']}人" in narrative and "不提供阅读次数" in narrative
    assert "10-15 至 10-16 取消关注" in narrative  # the sample's unfollow spike after a push


def test_broken_file_fails_clearly_and_keeps_the_last_report(tmp_path: Path) -> None:
    data = tmp_path / "sample" / "2026-10"
    shutil.copytree(SAMPLE, data)
    bad = sorted(data.glob("getbizsummary_*.json"))[2]
    bad.write_text('{"list": [', encoding="utf-8")
    out = tmp_path / "out"
    report = out / "sample" / "2026-10" / "report.html"
    report.parent.mkdir(parents=True)
    report.write_text("last good report", encoding="utf-8")
    res = wxnb("build", "--data", str(data), "--out", str(out))
    assert res.returncode == 2
    assert bad.name in res.stderr and "JSON 解析失败" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert report.read_text(encoding="utf-8") == "last good report"


def test_failing_section_names_cell_keeps_others_and_the_report(tmp_path: Path) -> None:
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    shutil.copy(NOTEBOOKS / "01_kpi.ipynb", nbs)
    broken = json.loads((NOTEBOOKS / "01_kpi.ipynb").read_text(encoding="utf-8"))
    broken["cells"][0]["source"] = "# 02 会失败的章节"
    broken["cells"].insert(3, {"cell_type": "code", "execution_count": None, "id": "boom",
                               "metadata": {}, "outputs": [],
                               "source": "raise ValueError('示例错误')"})
    (nbs / "02_broken.ipynb").write_text(json.dumps(broken, ensure_ascii=False), "utf-8")
    out = tmp_path / "out"
    report = out / "sample" / "2026-10" / "report.html"
    report.parent.mkdir(parents=True)
    report.write_text("last good report", encoding="utf-8")
    # A relative --notebooks (from the current folder) is found by the workers too.
    res = wxnb("build", "--notebooks", os.path.relpath(nbs, PROJECT_ROOT), "--out", str(out))
    assert res.returncode == 1
    assert "02 会失败的章节" in res.stderr and "ValueError: 示例错误" in res.stderr
    assert "raise ValueError" in res.stderr  # the failing cell is named
    assert "✓ 01 核心绩效指标达成分析" in res.stdout  # the other section still finished
    assert report.read_text(encoding="utf-8") == "last good report"
    # the failed build's notebooks are kept beside the last good build, which stays whole
    assert sorted(p.name for p in report.parent.iterdir()) == ["report.html"]
    failed = out / "sample" / "2026-10.failed"
    assert str(failed / "02_broken.ipynb") in res.stderr
    executed = json.loads((failed / "02_broken.ipynb").read_text("utf-8"))
    assert executed["metadata"]["papermill"]["exception"] is True
    assert (failed / "01_kpi.ipynb").exists() and (failed / "run.json").exists()


def test_notebook_runs_top_to_bottom_with_its_own_defaults() -> None:
    """As an analyst runs it in JupyterLab: no papermill, no injected parameters."""
    import nbformat
    from nbclient import NotebookClient

    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, kernel_name="wxnb", timeout=300,
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"]
        if path.stem == "01_kpi":
            assert any("image/png" in o.get("data", {}) for o in outputs)
        assert not [o for o in outputs if "missing from font" in o.get("text", "")]


def test_summary_and_strategy_follow_the_findings(built: tuple[Path, str]) -> None:
    report, _ = built
    soup = BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser")
    sections = [s["id"] for s in soup.select("[id^=wx-s]")]
    assert sections[0] == "wx-s00" and sections[-1] in ("wx-s08", "wx-s99")
    summary = soup.select_one("#wx-s00").get_text()
    assert "粉丝净增长" in summary and "未达标" in summary
    # the cover's verdict is section 00's, from the findings this build recorded
    from wxnb.kit.findings import read_folder
    from wxnb.sections.s00_summary.words import verdict

    items = read_folder(report.parent)
    said = soup.select_one("#wx-cover .wx-verdict").get_text()
    assert items and said == verdict(items)
    # it names the sample's worst problems: the 2 incidents still open (one of them severe) and
    # a fission campaign's high compliance risk before the largest target miss (an ad
    # placement's cost per conversion, 3.7 × its target)
    assert said.startswith("本月设有目标的")
    first = said.split("最需要处理：", 1)[1]
    assert first.startswith("未关闭风险事件（2 项）、合规风险")
    assert first.endswith("小程序激励式转化成本（¥223.40）。")
    for a in soup.select('#wx-s00 a[href^="#"]'):
        assert soup.find(id=a["href"][1:]) is not None
    strategy = soup.select_one("#wx-s08").get_text()
    # rule open-rate-short fired on the data: its action in the plan, citing the finding once
    plan = soup.select_one("#wx-s08 ol.wx-plan").get_text()
    assert "按阅读分时数据调整推送时段" in plan and "依据：打开率 1.70%，目标 2.00%" in plan
    assert "下月目标" in strategy and "2026-11-15" in strategy


def test_removing_an_input_drops_only_its_section(tmp_path: Path) -> None:
    data = tmp_path / "sample"
    shutil.copytree(DATA / "sample", data)
    (data / "2026-10" / "competitor_articles.csv").unlink()
    out = tmp_path / "out"
    res = wxnb("build", "--data", str(data / "2026-10"), "--out", str(out))
    assert res.returncode == 0, res.stdout + res.stderr
    soup = BeautifulSoup((out / "sample" / "2026-10" / "report.html").read_text("utf-8"),
                         "html.parser")
    ids = {s["id"] for s in soup.select("section[id^=wx-s]")}
    assert "wx-s05" not in ids and {"wx-s00", "wx-s01", "wx-s06", "wx-s07", "wx-s08"} <= ids
    cover = soup.select_one("#wx-cover").get_text()
    assert "05 竞品运营策略对标研究 未生成：数据目录中没有 competitor_articles.csv" in cover


def test_parallel_sections_share_the_event_engine(built: tuple[Path, str]) -> None:
    """The build tells each section how many run at once, so their DuckDB limits add up to
    event_memory_limit (the figure printed as “（N 个并行进程）”)."""
    report, out = built
    workers = int(re.search(r"（(\d+) 个并行进程）", out).group(1))
    nb = json.loads((report.parent / "04_fans.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["papermill"]["parameters"]["overrides"]["event_workers"] == workers


def test_sections_02_to_04_show_the_event_log_numbers(built: tuple[Path, str]) -> None:
    """The funnel, a content-type row and the FAN-IDM shares, recomputed from the sample files
    with the SQL of tests/test_sample_events.py (no wxnb code), as the report prints them."""
    from test_sample_events import _facts

    report, _ = built
    soup = BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser")
    facts = _facts(SAMPLE, "2026-10")
    s02 = soup.select_one("#wx-s02").get_text()
    sent, opened, deep, converted = facts["funnel"]
    assert (f"送达 {sent:,} 人" in s02 and f"打开 {opened:,} 人" in s02 and f"深度互动 {deep:,} 人" in s02
            and f"转化 {converted:,} 人" in s02)
    assert "流失发生在「送达→打开」环节" in s02  # the biggest leak, named
    assert f"「member_signup」（{facts['abandon']['member_signup']:.1%}" in s02
    # one content-type row: 品牌故事's cost, attributed revenue and ROI from the two CSV files
    with (SAMPLE / "content_plan.csv").open(encoding="utf-8", newline="") as f:
        plan = {r["msgid"]: r for r in csv.DictReader(f) if r["msgid"]}
    with (SAMPLE / "orders.csv").open(encoding="utf-8", newline="") as f:
        orders = list(csv.DictReader(f))
    cost = sum(float(p["cost"]) for p in plan.values() if p["content_type"] == "品牌故事")
    revenue = sum(float(o["amount"]) for o in orders
                  if o["msgid"] in plan and plan[o["msgid"]]["content_type"] == "品牌故事")

    tables = [t for t in soup.select("#wx-s03 table")
              if [th.get_text() for th in t.find_all("th")][:2] == ["内容形式", "篇数"]]
    brief, full = tables[0], tables[1]  # the manager's matrix, then the analyst's in the fold
    assert brief.find_parent("details") is None and full.find_parent("details") is not None

    def cells_of(table: Any) -> list[str]:
        tr = next(tr for tr in table.tbody.find_all("tr") if tr.td.get_text() == "品牌故事")
        return [td.get_text() for td in tr.find_all("td")]

    cells = cells_of(full)
    assert f"¥{cost:,.0f}" in cells and f"¥{revenue:,.0f}" in cells
    assert f"{(revenue - cost) / cost:.0%}" in cells
    ratio = f"1:{revenue / cost:.0f}"
    assert ratio in cells and cells_of(brief)[-1] == ratio  # one figure, both tables
    s03 = soup.select_one("#wx-s03").get_text()
    assert "年度好物清单：青禾编辑部的私藏" in s03 and "未匹配到文章" in s03  # unplanned row noted
    s04 = soup.select_one("#wx-s04").get_text()
    assert f"占 {facts['core_share']:.1%}" in s04
    assert f"贡献了 {facts['core_ugc']:.1%} 的留言" in s04
    assert len(soup.select("#wx-s02 img, #wx-s03 img, #wx-s04 img")) >= 6  # their charts
    cover = next(tr for tr in soup.select("#wx-cover table.wx-coverage tr")
                 if "粉丝事件日志" in tr.get_text())
    assert [td.get_text() for td in cover.find_all("td")][1:] == [
        "1", f"{facts['rows']:,}", "31/31", "完整"]


#: What a number must never look like in the report: a hyphen for a minus (the report's minus
#: is U+2212, wxnb.kit.fmt.MINUS), a minus zero, nan or inf.
BAD_NUMBERS = {
    "hyphen minus": re.compile(r"(?<![\w\-–~/#.:])-\d"),
    "minus zero": re.compile(r"−0(?:\.0+)?(?![\d.])"),
    "nan or inf": re.compile(r"(?<![A-Za-z])(?:nan|NaN|inf|Infinity)(?![A-Za-z])"),
}


def test_every_number_in_the_report_is_written_one_way(built: tuple[Path, str]) -> None:
    """Both layers, every section: one minus sign, never −0, nan or inf."""
    report, _ = built
    soup = BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["style", "script"]):
        tag.decompose()
    text = soup.get_text(" ")
    found = {name: [text[max(0, m.start() - 25):m.end() + 5] for m in rx.finditer(text)][:5]
             for name, rx in BAD_NUMBERS.items()}
    assert {k: v for k, v in found.items() if v} == {}
    assert "−" in text  # the report does print negative numbers, with the one minus sign
