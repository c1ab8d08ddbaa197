"""wxnb.build.report: merging executed section notebooks into one offline Chinese HTML page.

The section notebooks are built in memory with ``nbformat.v4`` (as papermill would leave them)
and written to tmp_path; no kernel is started. The page is rendered once per module.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Same as wxnb.build.report does before importing nbformat: jsonschema's optional IRI checker
# (rfc3987_syntax) compiles Lark grammars for ~2 s on import and no notebook schema needs it.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat  # noqa: E402
import pytest  # noqa: E402
from bs4 import BeautifulSoup  # noqa: E402
from nbformat import v4  # noqa: E402

from wxnb.build import report# noqa: E402
from wxnb.exceptions import BuildError  # noqa: E402
from wxnb.build.report import (  # noqa: E402
    ReportMeta,
    SectionResult,
    merge_notebooks,
    render_html,
    write_report,
)

# A valid 1×1 PNG.
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5Er"
    "kJggg=="
)
HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
SECRET_PARAM = "PARAM_VALUE_7f3a"
INJECTED_PARAM = "INJECTED_VALUE_91bc"
CODE_MARKER = "CODE_SOURCE_c0ffee"
STDERR_TEXT = "UserWarning: Glyph 31881 missing from font(s) DejaVu Sans."
TABLE_HTML = (
    '<table class="dataframe"><thead><tr><th></th><th>渠道</th><th>阅读数</th><th>占比</th></tr>'
    "</thead><tbody><tr><th>0</th><td>公众号消息</td><td>1,234</td><td>45.6%</td></tr>"
    "<tr><th>1</th><td>朋友圈</td><td>567</td><td>—</td></tr></tbody></table>"
)
FOLD_TITLE = "分析明细与方法口径（**测试**）"
FOLDED_TEXT = "FOLDED_TEXT_5e1d 只在展开后可见"
FAIL_ERROR = "ValueError: 缺少 getarticletotal 数据 <b>bold?</b>"
# Output HTML that would load things from the network; the page must neutralise all of it.
EXTERNAL_HTML = (
    '<link rel="stylesheet" href="https://cdn.example.com/x.css">'
    '<script src="https://cdn.example.com/x.js"></script>'
    "<style>@import url(\"https://fonts.example.com/css\");"
    ".wx-bg{background:url(http://cdn.example.com/bg.png)}</style>"
    '<p class="wx-bg">外部内容 <img src="https://cdn.example.com/pixel.png" alt="追踪像素">'
    '<iframe src="//cdn.example.com/frame"></iframe></p>'
)


def section_notebook(
    number: int, title: str, *, failed: bool = False, extra: Sequence[Any] = ()
) -> nbformat.NotebookNode:
    """An executed section as papermill leaves it: parameters, injected cell, outputs, stderr."""
    params = v4.new_code_cell(f"account_name = '{SECRET_PARAM}'", execution_count=1)
    params.metadata["tags"] = ["parameters"]
    injected = v4.new_code_cell(f"month = '{INJECTED_PARAM}'", execution_count=2)
    injected.metadata["tags"] = ["injected-parameters"]
    setup = v4.new_code_cell(f"import wxnb  # {CODE_MARKER} setup", execution_count=3)
    setup.metadata["tags"] = ["remove_cell"]
    chart = v4.new_code_cell(
        f"show_chart()  # {CODE_MARKER}",
        execution_count=4,
        outputs=[
            v4.new_output("stream", name="stderr", text=f"/x/charts.py:12: {STDERR_TEXT}\n"),
            v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
            v4.new_output("display_data", data={"text/html": TABLE_HTML, "text/plain": "df"}),
            v4.new_output("stream", name="stdout", text=f"第 {number} 节的说明文字\n"),
        ],
    )
    quiet = v4.new_code_cell(f"x = 1  # {CODE_MARKER} no output", execution_count=5)
    cells = [
        v4.new_markdown_cell(f"# {title}\n\n本节说明。"),
        params,
        injected,
        setup,
        v4.new_markdown_cell("## 小结"),
        chart,
        quiet,
        v4.new_markdown_cell("### 细节\n\n见 [小结](#小结)。"),
        *extra,
    ]
    if failed:
        banner = v4.new_markdown_cell(
            '<span style="color:red">An Exception was encountered at In [4].</span>'
        )
        banner.metadata["tags"] = ["papermill-error-cell-tag"]
        boom = v4.new_code_cell(
            f"boom()  # {CODE_MARKER}",
            execution_count=6,
            outputs=[v4.new_output("error", ename="KeyError", evalue="'阅读'",
                                   traceback=[f"\x1b[31m{CODE_MARKER} traceback\x1b[0m"])],
        )
        cells = [banner, *cells, boom]
    nb = v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def write_nb(folder: Path, key: str, nb: nbformat.NotebookNode) -> Path:
    path = folder / f"{key}.ipynb"
    nbformat.write(nb, path)
    return path


def make_sections(folder: Path) -> list[SectionResult]:
    """Two good sections with identical sub-headings, and one failed section."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "logo.png").write_bytes(base64.b64decode(PNG))
    extra_1 = [v4.new_markdown_cell(
        "![本地示意图](logo.png)\n\n详见[公众号后台](https://mp.weixin.qq.com/)。")]
    raised = v4.new_code_cell(
        f"risky()  # {CODE_MARKER}",
        execution_count=9,
        outputs=[
            v4.new_output("display_data", data={"text/html": EXTERNAL_HTML, "text/plain": "x"}),
            v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                          traceback=[f"{CODE_MARKER} in risky()"]),
        ],
    )
    raised.metadata["tags"] = ["raises-exception"]
    # section 02's analyst layer: everything after its fold heading
    fold = v4.new_markdown_cell(f"## {FOLD_TITLE}", metadata={"tags": ["wx-fold"]})
    after = v4.new_markdown_cell(f"### 方法\n\n{FOLDED_TEXT}")
    # a fold heading with nothing after it folds nothing (section 01)
    empty_fold = v4.new_markdown_cell("## 空的明细", metadata={"tags": ["wx-fold"]})
    s1 = write_nb(folder, "01_kpi", section_notebook(1, "01 测试章节",
                                                     extra=[*extra_1, empty_fold]))
    s2 = write_nb(folder, "02_content", section_notebook(2, "02 测试章节",
                                                         extra=[raised, fold, after]))
    s3 = write_nb(folder, "03_fail", section_notebook(3, "03 失败章节", failed=True))
    return [
        SectionResult("01_kpi", "01 测试章节", s1, True, seconds=1.2),
        SectionResult("02_content", "02 测试章节", s2, True, seconds=0.8),
        SectionResult("03_fail", "03 失败章节", s3, False, FAIL_ERROR, 0.5),
    ]


def make_meta(**changes: object) -> ReportMeta:
    fields: dict[str, object] = {
        "account": "sample",
        "account_name": f"示例品牌服务号{HOSTILE_SCRIPT}",
        "month": "2026-10",
        "generated_at": "2026-11-22 10:31",
        "coverage": [
            {"数据": "用户增减（getusersummary）", "文件数": 1, "行数": 62,
             "覆盖天数": "31/31", "状态": "完整"},
            {"数据": "图文阅读概况（getuserread）", "文件数": 1, "行数": 1234,
             "覆盖天数": HOSTILE_IMG, "状态": "缺 3 天"},
        ],
        "notes": [f"注意：{HOSTILE_IMG} 数据缺失", "第二条说明"],
        "wxnb_version": "9.9.9",
    }
    fields.update(changes)
    return ReportMeta(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, BeautifulSoup]:
    folder = tmp_path_factory.mktemp("sections")
    page = render_html(make_sections(folder), make_meta())
    return page, BeautifulSoup(page, "html.parser")


# --------------------------------------------------------------------------- merge


def test_merge_removes_hidden_cells_and_stderr_and_tags_sections(tmp_path: Path) -> None:
    nb = merge_notebooks(make_sections(tmp_path))
    ids = [c["id"] for c in nb.cells]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"s0[123]-\d{3}", i) for i in ids)
    for cell in nb.cells:
        tags = cell.metadata["tags"]
        assert not set(tags) & report.REMOVE_CELL_TAGS
        assert f"wx-section-{cell.metadata['wxnb']['section']}" in tags
        for out in cell.get("outputs", []):
            assert out.get("name") != "stderr"
    assert {c.metadata["wxnb"]["section"] for c in nb.cells} == {"01_kpi", "02_content",
                                                                  "03_fail"}
    # the failed section is reduced to its heading and the error box
    failed = [c for c in nb.cells if c.metadata["wxnb"]["section"] == "03_fail"]
    assert [c.cell_type for c in failed] == ["markdown", "code"]
    assert failed[0].source == "# 03 失败章节"
    assert nbformat.validate(nb) is None
    # deterministic
    assert [c["id"] for c in merge_notebooks(make_sections(tmp_path)).cells] == ids


def test_merge_of_an_unreadable_notebook_becomes_an_error_box(tmp_path: Path) -> None:
    missing = SectionResult("04_gone", "04 <丢失>", tmp_path / "nope.ipynb", True)
    nb = merge_notebooks([missing])
    assert nb.cells[0].source.startswith("# 04 &lt;丢失&gt;")
    html = nb.cells[1].outputs[0].data["text/html"]
    assert "本节生成失败" in html and "找不到已执行的笔记本" in html
    assert nb.metadata["wxnb"]["sections"][0]["ok"] is False


def test_merge_needs_sections() -> None:
    with pytest.raises(BuildError):
        merge_notebooks([])


# --------------------------------------------------------------------------- page


def test_one_chinese_html_document(built: tuple[str, BeautifulSoup]) -> None:
    page, soup = built
    assert page.count('<html lang="zh">') == 1
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert soup.title is not None
    assert soup.title.string == f"示例品牌服务号{HOSTILE_SCRIPT} 2026-10 微信营销月度复盘"


def test_the_analyst_layer_is_folded_under_its_heading(built: tuple[str, BeautifulSoup]) -> None:
    _, soup = built
    s1, s2 = soup.find(id="wx-s01"), soup.find(id="wx-s02")
    folds = s2.find_all("details", class_="wx-fold")
    assert len(folds) == 1 and not folds[0].has_attr("open")  # closed
    summary = folds[0].find("summary")
    assert summary.get_text() == "分析明细与方法口径（ 测试 ）"  # the heading's text, plain
    assert summary.find("strong") is None
    assert FOLDED_TEXT in folds[0].get_text()
    # the fold is the section's last child: what came before it stays in sight
    assert [c for c in s2.children if getattr(c, "name", None)][-1] is folds[0]
    assert "小结" in s2.get_text() and "小结" not in folds[0].get_text()
    # the fold heading itself is no heading any more (not in the contents, no id)
    assert not [h for h in s2.find_all(re.compile("^h[1-6]$")) if "测试）" in h.get_text()]
    # a fold with nothing after it leaves nothing behind
    assert s1.find("details") is None and "空的明细" not in s1.get_text()
    # the cover's data is folded too, its summary says whether it is complete
    cover = soup.find(id="wx-cover")
    data = cover.find("details", class_="wx-cover-data")
    assert data is not None and not data.has_attr("open")
    assert data.find("summary").get_text() == "数据覆盖与说明（2 项数据，1 项不完整，2 条说明）"
    assert data.find("table") is not None


def test_the_cover_states_the_verdict(tmp_path: Path) -> None:
    page = render_html(make_sections(tmp_path), make_meta(verdict=f"本月结论{HOSTILE_SCRIPT}"))
    soup = BeautifulSoup(page, "html.parser")
    verdict = soup.find(id="wx-cover").find(class_="wx-verdict")
    assert verdict.get_text() == f"本月结论{HOSTILE_SCRIPT}" and verdict.find("script") is None
    # no verdict, no empty box
    other = BeautifulSoup(render_html(make_sections(tmp_path / "b"), make_meta()), "html.parser")
    assert other.find(class_="wx-verdict") is None


def test_toc_links_resolve_and_ids_are_unique(built: tuple[str, BeautifulSoup]) -> None:
    _, soup = built
    ids = [t["id"] for t in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    toc = soup.find("nav", id="toc")
    links = [a["href"] for a in toc.find_all("a")]
    # one line a section (the sub-headings are not listed: a manager's map of the report)
    assert len(links) == 3
    for href in links:
        assert href.startswith("#")
        assert soup.find(id=href[1:]) is not None, href
    titles = [a.get_text() for a in toc.select("nav > ol > li > a")]
    assert titles == ["01 测试章节", "02 测试章节", "03 失败章节"]
    summary_ids = [h["id"] for h in soup.find_all("h2") if "小结" in h.get_text()]
    assert len(summary_ids) == 2 and summary_ids[0] != summary_ids[1]
    assert summary_ids[0].startswith("s01-") and summary_ids[1].startswith("s02-")
    # every heading's own anchor link and the in-section link follow the new id
    for h in soup.select("main h1, main h2, main h3"):
        for a in h.select("a.anchor-link"):
            assert a["href"] == f"#{h['id']}"
    # "见 [小结](#小结)" points at the 小结 of its own section
    inner = [a["href"] for a in soup.select("main a[href]")
             if "anchor-link" not in (a.get("class") or [])]
    assert inner == [f"#{summary_ids[0]}", f"#{summary_ids[1]}"]


def test_all_internal_hrefs_resolve(built: tuple[str, BeautifulSoup]) -> None:
    _, soup = built
    for a in soup.find_all("a", href=True):
        assert a["href"].startswith("#") and soup.find(id=a["href"][1:]) is not None, a


def test_no_code_parameters_or_stderr(built: tuple[str, BeautifulSoup]) -> None:
    page, soup = built
    assert CODE_MARKER not in page
    assert SECRET_PARAM not in page
    assert INJECTED_PARAM not in page
    assert "UserWarning" not in page and "Glyph 31881" not in page
    assert not soup.select(".jp-InputPrompt, .jp-OutputPrompt, .jp-InputArea-editor")
    assert not soup.select('[data-mime-type="application/vnd.jupyter.stderr"]')
    assert "An Exception was encountered" not in page
    # stdout and display outputs do show
    assert "第 1 节的说明文字" in page and "第 2 节的说明文字" in page


def test_fully_offline(built: tuple[str, BeautifulSoup]) -> None:
    page, soup = built
    assert not re.search(r"""(?:src|href|srcset)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", page, re.I)
    assert not re.search(r"@import", page, re.I)
    assert "cdnjs" not in page and "require.min.js" not in page and "MathJax" not in page
    assert not soup.find_all(["link", "script", "iframe"])
    imgs = soup.select("main img")
    assert len(imgs) == 3  # one chart in each good section and the markdown image from disk
    assert all(img["src"].startswith("data:image/png;base64,") for img in imgs)
    assert soup.find("img", alt="本地示意图") is not None  # embed_images: read from disk
    # what was external is still visible as text, not lost
    text = soup.get_text()
    assert "公众号后台（https://mp.weixin.qq.com/）" in text
    assert "外部内容" in text and "[外部资源未嵌入：https://cdn.example.com/pixel.png]" in text


def test_cover_and_footer(built: tuple[str, BeautifulSoup]) -> None:
    _, soup = built
    cover = soup.find(id="wx-cover")
    text = cover.get_text()
    assert "微信营销月度复盘" in text
    assert "2026年10月" in text and "2026-11-22 10:31" in text
    assert f"示例品牌服务号{HOSTILE_SCRIPT}" in text
    rows = cover.select("table.wx-table tbody tr")
    assert len(rows) == 2
    assert [td.get_text() for td in rows[1].find_all("td")][:3] == [
        "图文阅读概况（getuserread）", "1", "1,234"]
    assert rows[1].find_all("td")[2]["class"] == ["num"]
    assert [li.get_text() for li in cover.select("ul.wx-cover-notes li")] == [
        f"注意：{HOSTILE_IMG} 数据缺失", "第二条说明"]
    assert "1 个章节生成失败" in text
    footer = soup.find(id="wx-footer").get_text()
    assert "sample" in footer and "2026年10月" in footer and "9.9.9" in footer
    assert "2026-11-22 10:31" in footer
    # the cover comes first and the TOC right after it
    body = [t.name for t in soup.body.find_all(True, recursive=False)]
    assert body[:3] == ["header", "nav", "main"] and body[-1] == "footer"


def test_empty_notes_show_none_and_ids_follow_the_section_key(tmp_path: Path) -> None:
    path = write_nb(tmp_path, "07_extra", section_notebook(7, "07 附加章节"))
    page = render_html([SectionResult("07_extra", "07 附加章节", path, True)],
                       make_meta(notes=[], coverage=[], account_name="品牌"))
    soup = BeautifulSoup(page, "html.parser")
    cover = soup.find(id="wx-cover")
    assert cover.select_one(".wx-cover-notes-empty").get_text() == "无"
    assert "无覆盖信息" in cover.get_text() and "生成失败" not in cover.get_text()
    assert [h["id"] for h in soup.select("main h1, main h2")] == ["s07-07-附加章节", "s07-小结"]


def test_the_analysts_commentary_sits_under_its_section_marked_by_hand(tmp_path: Path) -> None:
    sections = make_sections(tmp_path)
    key = sections[0].key
    text = f"国庆假期推送减少，净增低于目标。\n下月恢复每周三次。\n\n{HOSTILE_SCRIPT}"
    page = render_html(sections, make_meta(commentary={key: text}))
    soup = BeautifulSoup(page, "html.parser")
    asides = soup.select("aside.wx-commentary")
    assert len(asides) == 1
    aside = asides[0]
    assert aside.find_parent("section")["data-section"] == key
    assert aside.select_one(".wx-manual").get_text() == "人工"
    paras = [p.get_text() for p in aside.select(".wx-commentary-text")]
    assert paras == ["国庆假期推送减少，净增低于目标。\n下月恢复每周三次。", HOSTILE_SCRIPT]
    assert "<script" not in str(aside)  # the hostile paragraph is text, not markup
    first = aside.find_parent("section").find(True)  # the section's first cell comes before it
    assert first is not aside and first.find_next_sibling("aside") is aside
    assert not aside.find(["h1", "h2", "h3", "h4"])  # never a TOC entry


def test_untrusted_text_is_escaped(built: tuple[str, BeautifulSoup]) -> None:
    page, soup = built
    assert soup.find_all("script") == []  # the template itself emits no script at all
    assert not soup.select("img[onerror]")
    assert not [i for i in soup.find_all("img") if i.get("src") == "x"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_failed_section_shows_error_box(built: tuple[str, BeautifulSoup]) -> None:
    page, soup = built
    box = soup.select_one('section[data-section="03_fail"] .wx-error-box')
    assert box is not None
    assert "本节生成失败" in box.get_text()
    assert FAIL_ERROR in box.get_text()  # shown literally …
    assert box.find("b") is None  # … never parsed
    assert "KeyError: '阅读'" in box.get_text()  # the notebook's error output is not dropped
    assert "\x1b" not in page
    failed = soup.select_one('section[data-section="03_fail"]')
    assert failed.find("h1").get_text().startswith("03 失败章节")
    assert not failed.select("img, table")
    toc_item = soup.select("nav#toc > ol > li")[2]
    assert "生成失败" in toc_item.get_text()
    # the good sections are unaffected
    assert soup.select_one('section[data-section="02_content"] img') is not None


def test_error_output_of_a_good_section_shows_no_traceback(
    built: tuple[str, BeautifulSoup]
) -> None:
    _, soup = built
    inline = soup.select('section[data-section="02_content"] .wx-error-inline')
    assert [e.get_text() for e in inline] == ["ZeroDivisionError: division by zero"]


def test_tables_styled_and_scrollable(built: tuple[str, BeautifulSoup]) -> None:
    _, soup = built
    tables = soup.select("main table")
    assert len(tables) == 2
    for table in tables:
        assert "wx-table" in table["class"]
        assert "wx-scroll" in table.parent["class"]
        cells = table.select("tbody tr")[0].find_all("td")
        assert [("num" in (td.get("class") or [])) for td in cells] == [False, True, True]
    css = "\n".join(s.get_text() for s in soup.find_all("style"))
    for needle in ('"PingFang SC"', '"Noto Sans CJK SC"', '"WenQuanYi Micro Hei"',
                   "table.wx-table", "td.num", "@media print", "break-inside: avoid",
                   "break-after: page", "max-width: 100%"):
        assert needle in css, needle


def test_long_text_columns_are_marked_to_wrap(tmp_path: Path) -> None:
    """A column with a cell over 12 hanzi gets wx-long on its body cells (the CSS wraps them)."""
    long_text = "按来源复盘新关注质量，把预算向取关少的渠道倾斜"
    table = (
        '<table class="wx-table"><thead><tr><th>指标</th><th>改进</th><th>数值</th></tr></thead>'
        f"<tbody><tr><td>打开率</td><td>{long_text}</td><td>1.70%</td></tr>"
        "<tr><td>分享率</td><td>保持</td><td>3.70%</td></tr></tbody></table>"
    )
    cell = v4.new_code_cell("t", execution_count=1, outputs=[
        v4.new_output("display_data", data={"text/html": table, "text/plain": "t"})])
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# 09 长文本"), cell])
    path = write_nb(tmp_path, "09_long", nb)
    soup = BeautifulSoup(render_html([SectionResult("09_long", "09 长文本", path, True)],
                                     make_meta()), "html.parser")
    rows = soup.select("main table tbody tr")
    assert [["wx-long" in (td.get("class") or []) for td in r.find_all("td")] for r in rows] == [
        [False, True, False], [False, True, False]]
    assert not soup.select("main th.wx-long")
    css = "\n".join(s.get_text() for s in soup.find_all("style"))
    assert "td.wx-long" in css and "overflow-wrap: anywhere" in css


def test_footer_isolates_the_account_name_and_runs_on_printed_pages(
        built: tuple[str, BeautifulSoup]) -> None:
    _, soup = built
    footer = soup.find(id="wx-footer")
    line, running = footer.find("p"), footer.select_one(".wx-running")
    assert line.bdi.get_text() == f"示例品牌服务号{HOSTILE_SCRIPT}（sample）"
    assert running["aria-hidden"] == "true"
    assert running.bdi.get_text() == line.bdi.get_text()
    assert running.get_text().endswith(" · 2026年10月 微信营销月度复盘")
    css = "\n".join(s.get_text() for s in soup.find_all("style"))
    assert ".wx-running" in css and "position: fixed" in css


def test_sections_are_wrapped_in_order(built: tuple[str, BeautifulSoup]) -> None:
    _, soup = built
    sections = soup.select("main > section.wx-section")
    assert [s["data-section"] for s in sections] == ["01_kpi", "02_content", "03_fail"]
    assert "wx-section-failed" in sections[2]["class"]
    assert soup.select("main > *") == sections


# --------------------------------------------------------------------------- write


def test_write_report_writes_and_replaces(tmp_path: Path) -> None:
    sections = make_sections(tmp_path / "nb")
    out = tmp_path / "out" / "deep" / "report.html"
    assert write_report(sections, make_meta(), out) == out
    first = out.read_text(encoding="utf-8")
    assert '<html lang="zh">' in first
    write_report(sections, make_meta(account_name="第二版账号"), out)
    second = out.read_text(encoding="utf-8")
    assert "第二版账号" in second and "第二版账号" not in first
    assert list(out.parent.glob("*.tmp-*")) == []


def test_write_report_keeps_old_file_when_rendering_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.html"
    out.write_text("OLD REPORT", encoding="utf-8")

    def broken(*_args: object, **_kw: object) -> str:
        raise RuntimeError("nbconvert exploded")

    monkeypatch.setattr(report, "render_html", broken)
    with pytest.raises(BuildError, match="nbconvert exploded"):
        write_report([], make_meta(), out)
    assert out.read_text(encoding="utf-8") == "OLD REPORT"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_write_report_removes_temp_file_when_replace_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.html"
    out.write_text("OLD REPORT", encoding="utf-8")
    monkeypatch.setattr(report, "render_html", lambda *_a, **_k: "<html>new</html>")

    def no_replace(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(report.os, "replace", no_replace)
    with pytest.raises(BuildError, match="disk full"):
        write_report([], make_meta(), out)
    assert out.read_text(encoding="utf-8") == "OLD REPORT"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_import_is_cheap() -> None:
    code = ("import sys, wxnb.build.report; "
            "print(sorted(m for m in ('nbconvert', 'nbformat', 'bs4', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(Path(report.__file__)
                                                                          .parent.parent)})
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- section by section


def sections_pages(sections: list[SectionResult], meta: ReportMeta,
                   keys: Sequence[str] | None = None) -> dict[str, report.SectionPage]:
    keys = [s.key for s in sections] if keys is None else keys
    return {s.key: report.render_section(s, keys, meta.commentary) for s in sections}


def test_the_page_from_its_sections_is_the_page_of_one_pass(tmp_path: Path) -> None:
    sections = make_sections(tmp_path)  # a failed section, external content, twin headings
    meta = make_meta(commentary={"02_content": f"点评 {HOSTILE_SCRIPT}\n\n第二段"})
    pages = sections_pages(sections, meta)
    assert report._assemble(sections, meta, pages) is not None  # put together, not re-rendered
    whole = render_html(sections, meta)
    assert render_html(sections, meta, pages) == whole
    assert "wx-commentary" in whole and HOSTILE_SCRIPT not in whole


def test_pages_made_for_another_report_are_rendered_again(tmp_path: Path) -> None:
    sections = make_sections(tmp_path)
    meta = make_meta(commentary={"01_kpi": "本月点评"})
    stale = sections_pages(sections[:2], make_meta(), keys=[s.key for s in sections[:2]])
    stale["03_fail"] = report.render_section(  # rendered from another outcome of the section
        SectionResult("03_fail", "03 失败章节", sections[2].notebook, True),
        [s.key for s in sections])
    assert render_html(sections, meta, stale) == render_html(sections, meta)


def test_a_link_to_an_earlier_sections_heading_renders_the_page_in_one_pass(
        tmp_path: Path) -> None:
    sections = make_sections(tmp_path)
    first = nbformat.read(sections[0].notebook, as_version=4)
    first.cells.append(v4.new_markdown_cell("## 唯一的标题\n\n正文。"))
    nbformat.write(first, sections[0].notebook)
    second = nbformat.read(sections[1].notebook, as_version=4)
    second.cells.append(v4.new_markdown_cell("回看 [第一节](#唯一的标题)。"))
    nbformat.write(second, sections[1].notebook)
    meta = make_meta()
    pages = sections_pages(sections, meta)
    assert report._assemble(sections, meta, pages) is None  # only the whole page knows
    page = render_html(sections, meta, pages)
    assert page == render_html(sections, meta)
    link = BeautifulSoup(page, "html.parser").find("a", string="第一节")
    assert link["href"] == "#s01-唯一的标题"


def test_an_id_two_sections_share_renders_the_page_in_one_pass(tmp_path: Path) -> None:
    sections = make_sections(tmp_path)
    for sec in sections[:2]:
        nb = nbformat.read(sec.notebook, as_version=4)
        nb.cells.append(v4.new_code_cell("x", execution_count=7, outputs=[v4.new_output(
            "display_data", data={"text/html": '<div id="twin">同一个 id</div>',
                                  "text/plain": "x"})]))
        nbformat.write(nb, sec.notebook)
    meta = make_meta()
    pages = sections_pages(sections, meta)
    assert report._assemble(sections, meta, pages) is None
    page = render_html(sections, meta, pages)
    assert page == render_html(sections, meta)
    ids = [t["id"] for t in BeautifulSoup(page, "html.parser").find_all(id=True)]
    assert "twin" in ids and "twin-1" in ids and len(ids) == len(set(ids))


def test_a_page_rendered_before_is_read_back_from_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WXNB_CACHE_DIR", str(tmp_path / "cache"))
    sections = make_sections(tmp_path / "a")
    keys = [s.key for s in sections]
    rendered: list[str] = []
    real = report._render_section
    monkeypatch.setattr(report, "_render_section",
                        lambda sec, *a: rendered.append(sec.key) or real(sec, *a))
    # 01 shows a local image (embedded from its file): rendered every time, never kept
    first = {s.key: report.render_section(s, keys) for s in sections}
    assert rendered == keys
    # the same outcome again, from another build's folder, with other timings: read back
    nb = nbformat.read(sections[1].notebook, as_version=4)
    for cell in nb.cells:
        cell.metadata["papermill"] = {"duration": 9.9, "start_time": "2026-12-01T00:00:00"}
    again_folder = tmp_path / "b"
    again_folder.mkdir()
    moved = SectionResult("02_content", "02 测试章节", write_nb(again_folder, "02_content", nb),
                          True, seconds=7.5)
    rendered.clear()
    again = report.render_section(moved, keys)
    assert rendered == []
    assert again.html == first["02_content"].html and again.toc == first["02_content"].toc
    assert again.result == moved and again.info["seconds"] == 7.5  # this run's, not the kept
    assert report.render_section(sections[2], keys).html == first["03_fail"].html
    assert rendered == []
    # anything the page shows is part of its name: an output, the commentary, the report
    code = next(c for c in nb.cells if c.cell_type == "code" and c.outputs
                and "raises-exception" not in c.metadata.get("tags", []))
    code.outputs = [v4.new_output("stream", name="stdout", text="另一个结果")]
    (tmp_path / "c").mkdir()
    changed = SectionResult("02_content", "02 测试章节",
                            write_nb(tmp_path / "c", "02_content", nb), True)
    assert "另一个结果" in report.render_section(changed, keys).html
    report.render_section(moved, keys, {"02_content": "新的点评"})
    report.render_section(moved, [*keys, "04_more"])
    assert rendered == ["02_content"] * 3
    # a cache that cannot be written only costs the rendering
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("WXNB_CACHE_DIR", str(blocker))
    assert report.render_section(moved, keys).html == first["02_content"].html
    assert rendered == ["02_content"] * 4


def test_a_failed_section_is_logged_by_the_report_not_by_its_page_rendered_ahead(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A page is rendered on a thread while the build runs; a build stopped meanwhile must
    print only that it stopped (one line), so the failure is logged when the report uses it."""
    import logging

    sections = make_sections(tmp_path)
    meta = make_meta()
    with caplog.at_level(logging.WARNING, logger="wxnb.build.report"):
        pages = sections_pages(sections, meta)
        assert not [r for r in caplog.records if "生成失败" in r.getMessage()]
        render_html(sections, meta, pages)
    failed = [r for r in caplog.records if "生成失败" in r.getMessage()]
    assert len(failed) == 1 and "03_fail" in failed[0].getMessage()


def test_section_pages_render_in_the_background(tmp_path: Path) -> None:
    sections = make_sections(tmp_path)
    meta = make_meta(commentary={"03_fail": "失败了也有点评"})
    pages = report.SectionPages([s.key for s in sections], meta.commentary)
    for sec in sections:
        pages.add(sec)
    pages.add(SectionResult("99_other", "不在报告中", sections[0].notebook, True))
    done = pages.done()
    assert sorted(done) == [s.key for s in sections]
    assert render_html(sections, meta, done) == render_html(sections, meta)
    cancelled = report.SectionPages([s.key for s in sections], {})
    cancelled.add(sections[0])
    cancelled.cancel()  # a build with a failed section writes no report


def test_the_page_carries_a_glyph_for_every_chinese_character_it_shows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from fontTools.ttLib import TTFont

    from wxnb.build import webfont

    monkeypatch.setenv("WXNB_CACHE_DIR", str(tmp_path / "cache"))
    sections = make_sections(tmp_path)
    nb = nbformat.read(sections[0].notebook, as_version=4)
    nb.cells.append(v4.new_markdown_cell("数据里的生僻字：龘靐齉"))  # not in any wxnb text
    nbformat.write(nb, sections[0].notebook)
    page = render_html(sections, make_meta(account_name="鱻淼品牌"))
    soup = BeautifulSoup(page, "html.parser")
    style = soup.find("style", id="wx-fonts")
    assert style is not None and style.parent.name == "head"
    fonts = re.findall(r'font-family:"([^"]+)";src:url\(data:font/woff;base64,([^)]+)\)',
                       style.string)
    assert [f for f, _ in fonts] == ["wxnb CJK", "wxnb CJK+"]
    glyphs: set[int] = set()
    for _, data in fonts:
        glyphs |= set(TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap())
    shown = webfont.cjk_chars(soup.get_text())
    assert webfont.cjk_chars("龘靐齉鱻淼") <= shown
    assert shown <= glyphs
    # named first in the page's font stack (a web font listed after the system ones is skipped)
    css = (report.TEMPLATE_DIR / "wxreport" / "static" / "wxreport.css").read_text("utf-8")
    assert re.search(r'--wx-font:\s*"wxnb CJK", "wxnb CJK\+",', css)


def test_the_verdict_column_is_marked_to_stay_in_sight(tmp_path: Path) -> None:
    table = ("<table><thead><tr><th>指标</th><th>状态</th><th>实际</th><th>风险等级</th></tr>"
             "</thead><tbody><tr><td>打开率</td><td>达标</td><td>1.7%</td><td>低</td></tr>"
             "<tr><td>分享率</td><td>预警</td><td>3.9%</td><td>中</td></tr></tbody></table>")
    merged = ("<table><tr><th colspan='2'>状态</th></tr><tr><td>a</td><td>b</td></tr></table>")
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# 08 测试"), v4.new_code_cell(
        "t", execution_count=1, outputs=[v4.new_output("display_data", data={
            "text/html": table + merged, "text/plain": "t"})])])
    path = write_nb(tmp_path, "08_status", nb)
    soup = BeautifulSoup(render_html([SectionResult("08_status", "08 测试", path, True)],
                                     make_meta()), "html.parser")
    first, second = soup.select("#wx-s08 table")
    assert [c.get_text() for c in first.select(".wx-status")] == ["风险等级", "低", "中"]
    assert second.select(".wx-status") == []  # merged cells: left as they are
    cover = soup.select_one("#wx-cover table")  # the data coverage's 状态 column too
    assert [c.get_text() for c in cover.select(".wx-status")] == ["状态", "完整", "缺 3 天"]


# --------------------------------------------------------------------------- 专题 (topics)


def test_a_topic_shows_its_headline_and_folds_the_rest_in_both_renderings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    from wxnb import sections as registry

    known = registry.get
    monkeypatch.setattr(registry, "get", lambda key: types.SimpleNamespace(topic=True)
                        if key == "09_topic" else known(key))
    headline = v4.new_code_cell("brief.headline_html(x)", execution_count=7, outputs=[
        v4.new_output("display_data", data={
            "text/html": f'<p class="wx-headline">首要结论{HOSTILE_IMG}</p>', "text/plain": "x"})])
    table = v4.new_code_cell("show.key_table(sec)", execution_count=8, outputs=[
        v4.new_output("display_data", data={"text/html": "<p>关键表格</p>", "text/plain": "t"})])
    fold = v4.new_markdown_cell(f"## {FOLD_TITLE}", metadata={"tags": ["wx-fold"]})
    nb = section_notebook(9, "09 测试专题")
    nb.cells[4:] = [headline, table, fold, v4.new_markdown_cell(f"### 方法\n\n{FOLDED_TEXT}")]
    sections = [*make_sections(tmp_path)[:1],
                SectionResult("09_topic", "09 测试专题", write_nb(tmp_path, "09_topic", nb), True)]
    meta = make_meta()
    whole = render_html(sections, meta)
    assert render_html(sections, meta, sections_pages(sections, meta)) == whole
    soup = BeautifulSoup(whole, "html.parser")
    topic, core = soup.find(attrs={"data-section": "09_topic"}), soup.find(id="wx-s01")
    assert "wx-topic" in topic["class"] and "wx-topic" not in core["class"]
    more = topic.find("details", class_="wx-more")
    assert not more.has_attr("open") and HOSTILE_IMG not in whole
    # the headline is the closed block's summary: the topic reads as its title and one line
    # the topic is one line: its title and its headline, the summary of the closed block
    assert more.summary.find(class_="wx-topic-title").get_text() == "09 测试专题"
    assert more.summary.get_text() == "09 测试专题首要结论" + BeautifulSoup(
        HOSTILE_IMG, "html.parser").text
    assert "wx-headline" in more.summary["class"] and topic.find("p", class_="wx-headline") is None
    assert [c for c in topic.children if getattr(c, "name", None)] == [more]
    assert more.find("h1") is not None and "本节说明" in more.get_text()  # title cell inside
    toc = soup.find("nav", id="toc")
    assert toc.find("a", href=f"#{topic['id']}") is not None  # the contents reach it closed
    assert "关键表格" in more.get_text() and more.find("details", class_="wx-fold") is not None
    assert FOLDED_TEXT in more.find("details", class_="wx-fold").get_text()
    assert core.find("details", class_="wx-more") is None  # a core section keeps its layout
