"""The backend's 用户增长 download (user_analysis.xls: an HTML table, or an Excel workbook or CSV
once saved again) read as the datacube's follower endpoints when the API's files are not there."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from wxnb import paths
from wxnb.exceptions import DataValidationError
from wxnb.io import backend, datacube
from wxnb.io import folder as month_folder
from wxnb.io.datacube import load_month
from wxnb.kit import metrics

MONTH = "2026-10"
# The shape of wechat-data-schemas.md §5.1 (a title row, then the header), values synthetic.
HTML = ("<table><tr><th>用户增长</th></tr><tr><th>时间</th><th>新关注人数</th><th>取消关注人数</th>"
        "<th>净增关注人数</th><th>累积关注人数</th></tr>"
        "<tr><td>2026-09-30</td><td>10</td><td>2</td><td>8</td><td>100</td></tr>"
        "<tr><td>2026-10-01</td><td>1,210</td><td>20</td><td>1190</td><td>1,290</td></tr>"
        "<tr><td>2026-10-02</td><td>5</td><td>9</td><td>-4</td><td>1286</td></tr></table>")


def test_the_html_table_and_a_gbk_csv_with_the_other_spelling(tmp_path: Path) -> None:
    (tmp_path / "user_analysis.xls").write_text(HTML, encoding="utf-8")
    growth, problems = backend.read_user_growth(tmp_path / "user_analysis.xls", MONTH)
    assert problems == []
    assert [(r["ref_date"], r["user_source"], r["new_user"], r["cancel_user"])
            for r in growth.summary] == [("2026-10-01", 0, 1210, 20), ("2026-10-02", 0, 5, 9)]
    assert [r["cumulate_user"] for r in growth.cumulate] == [1290, 1286]
    assert growth.summary[0]["_row"] == "第 4 行"  # the title row and the header count
    assert any("1 天不在 2026-10 内" in n for n in growth.notes)
    csv_text = "时间,新关注人数,取消关注人数,净增关注人数,累计关注人数\n20261003,7,1,6,99\n"
    (tmp_path / "增长.csv").write_bytes(csv_text.encode("gbk"))
    growth, problems = backend.read_user_growth(tmp_path / "增长.csv", MONTH)
    assert problems == [] and growth.summary[0]["ref_date"] == "2026-10-03"
    (tmp_path / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert backend.read_user_growth(tmp_path / "other.csv", MONTH) == (None, [])


def test_bad_cells_name_the_file_the_column_and_the_row(tmp_path: Path) -> None:
    bad = HTML.replace("<td>5</td>", "<td>五</td>").replace("<td>1190</td>", "<td>1000</td>")
    (tmp_path / "user_analysis.xls").write_text(bad, encoding="utf-8")
    _, problems = backend.read_user_growth(tmp_path / "user_analysis.xls", MONTH)
    assert [(p.file, p.field, p.row) for p in problems] == [
        ("user_analysis.xls", "净增关注人数", "第 4 行"),
        ("user_analysis.xls", "新关注人数", "第 5 行")]
    (tmp_path / "user_analysis.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 64)
    _, problems = backend.read_user_growth(tmp_path / "user_analysis.xls", MONTH)
    assert [(p.file, p.field, p.row) for p in problems] == [("user_analysis.xls", None, None)]
    assert "无法读取 Excel 工作簿" in problems[0].found and "另存为 CSV" in problems[0].found


# The same table as Excel saves it: a title row, the header, real dates (or text), numbers.
ROWS = [["用户增长"], ["时间", "新关注人数", "取消关注人数", "净增关注人数", "累积关注人数"],
        [dt.date(2026, 9, 30), 10, 2, 8, 100], [dt.date(2026, 10, 1), 1210, 20, 1190, 1290],
        ["2026-10-02", 5, 9, -4, 1286]]


def write_xlsx(path: Path, rows: list[list[object]], *, first_sheet: bool = True) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    if not first_sheet:  # the table on the second sheet, a note on the first
        book.active.append(["说明：数据来自公众号后台"])
        book.active.title = "说明"
        book.create_sheet("用户增长")
        sheet = book["用户增长"]
    else:
        sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_xls(path: Path, rows: list[list[object]]) -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    day = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write(i, j, value, day)
            else:
                sheet.write(i, j, value)
    book.save(str(path))
    return path


@pytest.mark.parametrize("make", [
    lambda folder: write_xlsx(folder / "user_analysis.xlsx", ROWS),
    lambda folder: write_xlsx(folder / "用户增长.xlsx", ROWS, first_sheet=False),
    lambda folder: write_xls(folder / "user_analysis.xls", ROWS),
], ids=["xlsx", "xlsx-second-sheet", "biff-xls"])
def test_an_excel_workbook_reads_like_the_html_table(tmp_path: Path, make) -> None:
    path = make(tmp_path)
    growth, problems = backend.read_user_growth(path, MONTH)
    assert problems == []
    assert [(r["ref_date"], r["new_user"], r["cancel_user"], r["_row"])
            for r in growth.summary] == [("2026-10-01", 1210, 20, "第 4 行"),
                                         ("2026-10-02", 5, 9, "第 5 行")]
    assert [r["cumulate_user"] for r in growth.cumulate] == [1290, 1286]
    assert backend.mentions_growth(path)
    found, _ = backend.find_user_growth(tmp_path, set(), MONTH)
    assert found is not None and found.file == path.name


def test_a_workbook_names_its_bad_cells_and_another_workbook_is_not_it(tmp_path: Path) -> None:
    bad = [*ROWS[:3], [dt.date(2026, 10, 1), "一千", 20, 1190, 1290], ["10月2日", 5, 9, -4, 1286]]
    _, problems = backend.read_user_growth(write_xlsx(tmp_path / "user_analysis.xlsx", bad),
                                           MONTH)
    assert [(p.file, p.field, p.row, p.found) for p in problems] == [
        ("user_analysis.xlsx", "新关注人数", "第 4 行", "'一千'"),
        ("user_analysis.xlsx", "时间", "第 5 行", "'10月2日'")]
    other = write_xlsx(tmp_path / "内容分析.xlsx", [["日期", "阅读次数", "渠道"],
                                                   [20261001, 3, "公众号消息"]])
    assert backend.read_user_growth(other, MONTH) == (None, [])
    assert month_folder.unrecognised(tmp_path) == [
        ("内容分析.xlsx", month_folder._reason(other))]
    assert "不是 wxnb 读取的后台下载" in month_folder._reason(other)


@pytest.fixture
def month(tmp_path: Path, generated_legacy_sample: Path) -> Path:
    """A copy of the sample month as the legacy 图文分析 endpoints give it: the 数据趋势
    download stands in for getuserread, whose figures it repeats (次数 and 人数)."""
    folder = tmp_path / MONTH
    shutil.copytree(generated_legacy_sample / MONTH, folder)
    return folder


def _as_download(folder: Path) -> pd.DataFrame:
    """Replace the month's follower endpoint files by the same days as a 用户增长 download."""
    daily = metrics.follower_daily(load_month(folder, MONTH))
    rows = "".join(f"<tr><td>{d:%Y-%m-%d}</td><td>{r.new_user:,}</td><td>{r.cancel_user}</td>"
                   f"<td>{r.net_user}</td><td>{r.cumulate_user:,}</td></tr>"
                   for d, r in daily.iterrows())
    html = HTML.split("<tr><td>")[0] + rows + "</table>"
    for p in [*folder.glob("getusersummary*"), *folder.glob("getusercumulate*")]:
        p.unlink()
    (folder / "user_analysis.xls").write_text(html, encoding="utf-8")
    return daily


def test_a_month_with_the_download_instead_of_the_api_files(month: Path) -> None:
    daily = _as_download(month)
    data = load_month(month, MONTH)
    pd.testing.assert_frame_equal(metrics.follower_daily(data), daily)
    assert any("后台下载的 user_analysis.xls" in w for w in data.warnings)
    assert month_folder.unrecognised(month) == []
    assert month_folder.input_label("user_analysis.xls").startswith("后台下载")


def test_a_month_with_the_download_saved_by_excel(month: Path) -> None:
    daily = metrics.follower_daily(load_month(month, MONTH))
    rows = [[d.date(), r.new_user, r.cancel_user, r.net_user, r.cumulate_user]
            for d, r in daily.iterrows()]
    for p in [*month.glob("getusersummary*"), *month.glob("getusercumulate*")]:
        p.unlink()
    write_xlsx(month / "用户增长 2026年10月.xlsx", [*ROWS[:2], *rows])
    data = load_month(month, MONTH)
    pd.testing.assert_frame_equal(metrics.follower_daily(data), daily)
    assert any("后台下载的 用户增长 2026年10月.xlsx" in w for w in data.warnings)
    assert month_folder.unrecognised(month) == []


def test_the_api_files_win_and_a_broken_download_is_an_error(month: Path) -> None:
    (month / "user_analysis.xls").write_text(HTML.replace("<td>10</td>", "<td>x</td>"),
                                             encoding="utf-8")
    before = load_month(month, MONTH)  # the API files are there: the download is not read
    assert not any("后台下载" in w for w in before.warnings)
    for p in [*month.glob("getusersummary*"), *month.glob("getusercumulate*")]:
        p.unlink()
    with pytest.raises(DataValidationError) as exc:
        load_month(month, MONTH)
    assert ("user_analysis.xls", "新关注人数", "第 3 行") in [
        (p.file, p.field, p.row) for p in exc.value.problems]


def test_the_appendix_counts_the_downloads_days(month: Path) -> None:
    from wxnb.sections.s99_appendix import compute

    _as_download(month)
    frame = compute.provenance(month, MONTH).set_index("文件")
    row = frame.loc["user_analysis.xls"]
    assert row["接口"].startswith("后台下载：用户增长")
    assert row["行数"] == 31 and row["日期范围"] == "2026-10-01 至 2026-10-31"


# --------------------------------------------------------------------------- 内容分析 · 数据趋势

TREND_HEADER = ["日期", "阅读次数", "阅读人数", "分享次数", "分享人数", "阅读原文次数",
                "阅读原文人数", "收藏次数", "收藏人数", "群发篇数", "渠道"]


def trend_csv(rows: list[list[object]]) -> str:
    return "\n".join(",".join(map(str, r)) for r in [TREND_HEADER, *rows]) + "\n"


def test_the_content_trend_reads_as_getuserread_rows(tmp_path: Path) -> None:
    # The shape of wechat-data-schemas.md §5.2 (a): yyyymmdd dates, one row per channel.
    rows = [[20260930, 9, 9, 0, 0, 0, 0, 0, 0, 0, "全部"],
            [20261001, 40, 30, 5, 4, 2, 2, 1, 1, 1, "全部"],
            [20261001, 25, 20, 3, 3, 0, 0, 0, 0, 1, "公众号消息"],
            [20261001, 10, 6, 1, 1, 0, 0, 0, 0, 1, "聊天会话"],
            [20261001, 5, 4, 1, 0, 0, 0, 0, 0, 1, "推荐"]]
    (tmp_path / "数据趋势.csv").write_bytes(trend_csv(rows).encode("gbk"))
    trend, problems = backend.read_content_trend(tmp_path / "数据趋势.csv", MONTH)
    assert problems == []
    assert [(r["ref_date"], r["user_source"], r["int_page_read_count"], r["share_count"])
            for r in trend.read] == [("2026-10-01", 99999999, 40, 5), ("2026-10-01", 0, 25, 3),
                                     ("2026-10-01", 1, 10, 1), ("2026-10-01", 6, 5, 1)]
    assert trend.read[0]["add_to_fav_user"] == 1 and trend.read[0]["_row"] == "第 3 行"
    assert any("1 行不在 2026-10 内" in n for n in trend.notes)
    assert backend.read_user_growth(tmp_path / "数据趋势.csv", MONTH) == (None, [])
    (tmp_path / "other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert backend.read_content_trend(tmp_path / "other.csv", MONTH) == (None, [])
    book = write_xlsx(tmp_path / "数据趋势.xlsx", [["数据趋势"], TREND_HEADER, *rows])
    again, problems = backend.read_content_trend(book, MONTH)
    assert problems == [] and [r | {"_row": ""} for r in again.read] == [
        r | {"_row": ""} for r in trend.read]


def test_the_content_trends_bad_rows_are_named(tmp_path: Path) -> None:
    rows = [[20261001, 40, 30, 5, 4, 2, 2, 1, 1, 1, "全部"],
            [20261001, 40, 30, 5, 4, 2, 2, 1, 1, 1, "全部"],
            [20261002, "四十", 30, 5, 4, 2, 2, 1, 1, 1, "全部"],
            [20261002, 4, 3, 0, 0, 0, 0, 0, 0, 1, "视频号"],
            ["10/03", 4, 3, 0, 0, 0, 0, 0, 0, 1, "全部"]]
    (tmp_path / "trend.csv").write_text(trend_csv(rows), encoding="utf-8")
    _, problems = backend.read_content_trend(tmp_path / "trend.csv", MONTH)
    assert [(p.field, p.row) for p in problems] == [
        ("渠道", "第 3 行"), ("阅读次数", "第 4 行"), ("渠道", "第 5 行"), ("日期", "第 6 行")]
    assert "每天每个渠道一行" in problems[0].expected and "公众号消息" in problems[2].expected


def test_a_month_with_the_content_trend_instead_of_getuserread(month: Path) -> None:
    before = load_month(month, MONTH)
    names = {code: name for name, code in backend.CHANNELS.items()}
    read = before.frames["getuserread"]
    rows = [[f"{r.ref_date:%Y%m%d}", r.int_page_read_count, r.int_page_read_user,
             r.share_count, r.share_user, r.ori_page_read_count, r.ori_page_read_user,
             r.add_to_fav_count, r.add_to_fav_user, 0, names[r.user_source]]
            for r in read.itertuples() if r.user_source in names]
    for p in month.glob("getuserread_*"):
        p.unlink()
    (month / "内容分析-数据趋势.csv").write_text(trend_csv(rows), encoding="utf-8")
    after = load_month(month, MONTH)
    t0, t1 = metrics.month_totals(before), metrics.month_totals(after)
    assert (t1.read_count, t1.read_user, t1.share_rate) == (t0.read_count, t0.read_user,
                                                            t0.share_rate)
    assert any("后台下载的 内容分析-数据趋势.csv" in w for w in after.warnings)
    assert month_folder.unrecognised(month) == []
    from wxnb.sections.s99_appendix import compute

    row = compute.provenance(month, MONTH).set_index("文件").loc["内容分析-数据趋势.csv"]
    assert row["接口"].startswith("后台下载：内容分析") and row["行数"] == 31


def downloads_only(folder: Path) -> None:
    """Turn a copy of the sample month into what an analyst without API access has: the
    用户增长 download and the 内容分析 → 数据趋势 download, nothing else."""
    before = load_month(folder, MONTH)
    _as_download(folder)
    names = {code: name for name, code in backend.CHANNELS.items()}
    rows = [[f"{r.ref_date:%Y%m%d}", r.int_page_read_count, r.int_page_read_user,
             r.share_count, r.share_user, r.ori_page_read_count, r.ori_page_read_user,
             r.add_to_fav_count, r.add_to_fav_user, 0, names[r.user_source]]
            for r in before.frames["getuserread"].itertuples() if r.user_source in names]
    (folder / "内容分析-数据趋势.csv").write_text(trend_csv(rows), encoding="utf-8")
    for p in folder.iterdir():
        if p.name not in ("user_analysis.xls", "内容分析-数据趋势.csv"):
            p.unlink()


def test_a_month_of_downloads_only_reads_without_article_data(month: Path) -> None:
    t0 = metrics.month_totals(load_month(month, MONTH))
    downloads_only(month)
    data = load_month(month, MONTH)
    assert sorted(data.frames) == ["getusercumulate", "getuserread", "getusersummary"]
    assert datacube.NO_ARTICLES_NOTE in data.warnings
    t = metrics.month_totals(data)
    assert (t.net_followers, t.cumulate_followers, t.read_count, t.read_user, t.share_rate) == (
        t0.net_followers, t0.cumulate_followers, t0.read_count, t0.read_user, t0.share_rate)
    assert t.open_rate is None and t.headline_open_rate is None
    # without the 数据趋势 download, the per-article file is still required
    (month / "内容分析-数据趋势.csv").unlink()
    with pytest.raises(DataValidationError, match="getuserread"):
        load_month(month, MONTH)


@pytest.mark.e2e
def test_a_month_of_downloads_only_builds_its_section_01(month: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    from bs4 import BeautifulSoup

    downloads_only(month)
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "wxnb", "build", "--data", str(month), "--out",
                          str(out)], cwd=paths.PROJECT_ROOT, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    soup = BeautifulSoup((out / "sample" / MONTH / "report.html").read_text("utf-8"),
                         "html.parser")
    kpi = {tr.td.get_text(): [td.get_text() for td in tr.find_all("td")]
           for tr in soup.select("#wx-s01 table")[0].tbody.find_all("tr")}
    assert kpi["粉丝净增长"][2] == "3,537" and kpi["图文阅读量（次数）"][2] == "13.3万"
    assert kpi["打开率"][2] == "未提供文章级数据" and kpi["打开率"][-1] == "未提供"
    notes = soup.select_one("#wx-cover").get_text()
    assert "没有文章级数据" in notes and "03 内容传播效能对比分析 未生成" in notes


MESSAGES_CSV = "时间,消息发送人数,消息发送次数,人均发送次数\n{rows}"


def test_the_message_download_stands_in_for_getupstreammsg(month: Path) -> None:
    """消息分析 → 消息发送 → 导出CSV (GBK): one row a day, all message types together."""
    for p in month.glob("getupstreammsg_*"):
        p.unlink()
    rows = "".join(f"2026-10-{d:02d},{10 + d},{25 + 2 * d},2.1\n" for d in range(1, 32))
    rows += "2026-09-30,5,9,1.8\n"  # outside the month: left out, said so
    (month / "消息发送.csv").write_bytes(MESSAGES_CSV.format(rows=rows).encode("gb18030"))
    data = load_month(month, MONTH)
    msgs = data.frames["getupstreammsg"]
    assert len(msgs) == 31 and set(msgs["msg_type"]) == {backend.ALL_MESSAGE_TYPES}
    assert int(msgs["msg_user"].sum()) == sum(10 + d for d in range(1, 32))
    assert int(msgs["msg_count"].sum()) == sum(25 + 2 * d for d in range(1, 32))
    assert any("消息发送.csv" in w and "各类消息合计" in w for w in data.warnings)
    assert any("1 天不在 2026-10 内" in w for w in data.warnings)
    assert month_folder.unrecognised(month) == []


def test_a_bad_message_download_names_file_column_row(month: Path) -> None:
    for p in month.glob("getupstreammsg_*"):
        p.unlink()
    rows = "2026-10-01,10,25,2.5\n2026-10-01 至 2026-10-07,70,150,2.1\n2026-10-02,30,12,0.4\n"
    (month / "messages.csv").write_text(MESSAGES_CSV.format(rows=rows), encoding="utf-8")
    with pytest.raises(DataValidationError) as exc:
        load_month(month, MONTH)
    text = str(exc.value)
    assert "messages.csv 第 3 行 字段 时间" in text and "按日导出" in text
    assert "messages.csv 第 4 行 字段 消息发送次数" in text and "不少于消息发送人数（30）" in text
