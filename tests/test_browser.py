"""The report as its readers see it: Debian's Chromium, driven by Playwright.

Managers open the review from a WeChat chat on a phone (390 px), on a laptop (1280 px) with no
network, or print it (A4). The sample month's report and a report built from hostile data are
built once per session (``wxnb build`` in subprocesses, in parallel) and opened in one headless
Chromium that sees only the fonts :mod:`browser.chromium` gives it.

The checks are proven able to fail: ``test_checks_catch_a_bad_page`` and
``test_pdf_checks_catch_a_cut_row_and_a_cut_chart`` run them on pages that are wrong on purpose,
and ``test_tofu_check_fails_without_a_cjk_font`` runs the glyph check in a second browser that has
no CJK font. ``WXNB_BROWSER_FONTS=none`` runs the whole module without a CJK font (the glyph tests
then fail). Screenshots and the printed PDF are written to ``test-artifacts/`` (not committed).

Chromium: ``/usr/bin/chromium`` (or ``$WXNB_CHROMIUM``); ``make test`` installs it as root. When
it or Playwright is missing the tests fail if ``CI`` is set and are skipped with the reason
otherwise.
"""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser import checks
from browser.chromium import launch, missing
from browser.pdf import PdfText, norm

from wxnb.kit.fmt import visible
from wxnb.paths import PROJECT_ROOT
from wxnb.samples.hostile import HOSTILE_TEXTS
from wxnb.samples.month import generate_sample

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
#: The account name of the hostile build (``--set account_name=...``).
HOSTILE_NAME = ("<script>alert(1)</script><img src=x onerror=alert(1)>\"><svg onload=alert(1)>"
                "[点我](javascript:alert(1))🔥\u202e恶意账号名")
SPIKE_HEADLINE = "".join(HOSTILE_TEXTS) + "清仓｜全场5折起，最后3天！错过再等一年"
A4_PT = (595.28, 841.89)
A4_TEXT_PX = round((210 - 2 * 14) / 25.4 * 96)  # @page margins: 14 mm left and right
RIGHT_MARGIN_PT = A4_PT[0] - 14 / 25.4 * 72


# --------------------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class Report:
    name: str
    path: Path

    @property
    def url(self) -> str:
        return self.path.as_uri()


def _wxnb(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "wxnb", *map(str, args)], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the pip package playwright (`pip install -e '.[dev]'`; no browser download "
                "is needed, Debian's Chromium is used)")
    try:
        import pypdfium2  # noqa: F401
    except ImportError:
        missing("the pip package pypdfium2 (`pip install -e '.[dev]'`)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    fonts = os.environ.get("WXNB_BROWSER_FONTS", "cjk")
    b = launch(playwright, tmp_path_factory.mktemp("fontconfig"), cjk=fonts != "none")
    yield b
    b.close()


@pytest.fixture(scope="session")
def reports(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Build the sample month and the hostile month, both at once (each starts its kernels)."""
    root = tmp_path_factory.mktemp("browser-reports")
    generate_sample(root / "data", hostile=True)
    # Both builds would (re)install the wxnb kernelspec when it names another interpreter, and
    # two installs at once race (FileNotFoundError: logo-32x32.png): install it here, first.
    from wxnb.build.runner import ensure_kernelspec

    ensure_kernelspec()
    builds = {
        "sample": _wxnb("build", "--out", root / "sample", "--pdf"),
        "hostile": _wxnb("build", "--data", root / "data" / "sample" / "2026-10",
                         "--set", f"account_name={HOSTILE_NAME}", "--out", root / "hostile"),
    }
    out = {}
    for name, proc in builds.items():
        log, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"wxnb build ({name}) failed:\n{log}"
        path = root / name / "sample" / "2026-10" / "report.html"
        assert path.is_file() and str(path) in log, log
        out[name] = Report(name, path)
    return out


@pytest.fixture(scope="session")
def desktop(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def phone(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                              device_scale_factor=2, locale="zh-CN")
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def printed(desktop: Any, reports: dict[str, Report], artifacts: Path) -> tuple[PdfText, Any]:
    """The sample report printed to PDF by Chromium's own print (A4, the page's @page rules)."""
    page, _ = checks.open_page(desktop, reports["sample"].url)
    pdf = artifacts / "report.pdf"
    page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    page.emulate_media(media="print")
    dom = page.evaluate("""() => ({
        // what prints: a closed <details> shows its summary only, as on screen
        cover: document.querySelector('#wx-cover').innerText,
        running: document.querySelector('.wx-running').textContent,
        toc: document.querySelector('#toc').textContent,
        sections: [...document.querySelectorAll('main > .wx-section')].map(s => {
          const h = s.querySelector('h1').cloneNode(true);
          h.querySelectorAll('.anchor-link').forEach(a => a.remove());
          return h.textContent;
        }),
        topics: [...document.querySelectorAll('main > .wx-section')]
          .map(s => s.classList.contains('wx-topic')),
        // rows the print lays out: not those inside a closed <details> (the appendix's
        // per-file list), which Chromium leaves out of the print as it does on screen
        rows: [...document.querySelectorAll('tr')]
          .filter(tr => !tr.closest('details:not([open])'))
          .map(tr => [...tr.cells].map(c => c.textContent).join('')),
        images: [...document.images].filter(i => !i.closest('details:not([open])'))
          .map(i => [i.naturalWidth, i.naturalHeight]),
        // the appendix never forces a page of its own (print media: emulated above)
        appendixBreak: getComputedStyle(
          [...document.querySelectorAll('main > .wx-section')].pop()).breakBefore,
    })""")
    page.close()
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    for n in (0, 2):
        if n < len(doc):
            doc[n].render(scale=1.25).to_pil().save(artifacts / f"pdf-page-{n + 1}.png")
    doc.close()
    return PdfText(pdf), dom


def _shot(page: Any, artifacts: Path, name: str, selector: str | None = None) -> None:
    if selector:
        page.locator(selector).first.scroll_into_view_if_needed()
        page.evaluate("(s) => document.querySelector(s).scrollIntoView({block: 'start'})",
                      selector)
    page.screenshot(path=str(artifacts / name))


# --------------------------------------------------------------------------- reading on screen


def test_toc_links_scroll_to_their_sections(desktop: Any, reports: dict[str, Report],
                                            artifacts: Path) -> None:
    page, log = checks.open_page(desktop, reports["sample"].url)
    _shot(page, artifacts, "cover-1280.png")
    links = page.locator("#toc a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 5 and all(h.startswith("#") for h in hrefs)
    problems = []
    for i, href in enumerate(hrefs):
        page.evaluate("window.scrollTo(0, 0)")
        links.nth(i).click()
        page.wait_for_function("(h) => decodeURIComponent(location.hash) === h", arg=href)
        problems.append(checks.toc_target_problem(page, href))
    assert [p for p in problems if p] == []
    _shot(page, artifacts, "section-1280.png", "main h1")
    assert log.console_errors == [] and log.page_errors == []
    page.close()


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_no_console_error_and_every_chart_decodes(desktop: Any, reports: dict[str, Report],
                                                  name: str) -> None:
    page, log = checks.open_page(desktop, reports[name].url)
    assert checks.image_problems(page) == []
    assert page.evaluate("document.images.length") >= 2
    page.wait_for_timeout(200)
    assert log.console_errors == [] and log.page_errors == []
    page.close()


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_page_makes_no_network_request(desktop: Any, reports: dict[str, Report],
                                       name: str) -> None:
    report = reports[name]
    page, log = checks.open_page(desktop, report.url)
    checks.image_problems(page)
    page.wait_for_timeout(300)
    assert report.url in log.requests
    assert log.foreign_requests(report.url) == []
    assert [u for u in page.evaluate(checks.RESOURCES_JS) if not u.startswith("data:")] == []
    page.close()


def test_chinese_renders_with_real_glyphs(desktop: Any, reports: dict[str, Report]) -> None:
    page, _ = checks.open_page(desktop, reports["sample"].url)
    result = checks.tofu(page)
    assert result["failed"] == 0, result["failures"]
    assert result["checked"] >= 200  # every distinct hanzi of headings, tables, text
    stack = page.evaluate("getComputedStyle(document.querySelector('main h1')).fontFamily")
    used = [f["familyName"] for f in checks.platform_fonts(page, "main h1")]
    assert any(f in stack for f in used), (used, stack)  # drawn by a font the report names
    page.close()


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_the_embedded_font_draws_the_chinese_without_a_system_cjk_font(
        playwright: Any, reports: dict[str, Report], name: str, tmp_path: Path) -> None:
    """On a machine with no Chinese font the page draws every hanzi with the glyphs it carries
    (wxnb.build.webfont); the same page without them is tofu: the glyph check can fail."""
    report = reports[name].path
    html = report.read_text(encoding="utf-8")
    assert html.count('<style id="wx-fonts">') == 1
    bare_page = tmp_path / "without-its-fonts.html"
    bare_page.write_text(re.sub(r'<style id="wx-fonts">.*?</style>', "", html, flags=re.S),
                         encoding="utf-8")
    bare = launch(playwright, tmp_path / "fontconfig", cjk=False)
    try:
        page = bare.new_page(viewport=DESKTOP)
        page.goto(report.as_uri())
        page.evaluate("async () => { await document.fonts.ready; }")
        carried = checks.tofu(page)
        used = checks.platform_fonts(page, "main h1")
        page.goto(bare_page.as_uri())
        without = checks.tofu(page, "main h1, main h2, th")
        used_without = [f["familyName"] for f in checks.platform_fonts(page, "main h1")]
    finally:
        bare.close()
    assert carried["failed"] == 0, carried["failures"]
    assert carried["checked"] >= 200
    assert any(f["isCustomFont"] for f in used), used  # the page's own font, no system one
    assert without["failed"] > 0 and without["failed"] >= without["checked"] // 2, without
    assert all("Noto Sans SC" not in f for f in used_without), used_without


# --------------------------------------------------------------------------- widths


@pytest.mark.parametrize("name", ["sample", "hostile"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_layout_fits_the_width(request: pytest.FixtureRequest, reports: dict[str, Report],
                               artifacts: Path, name: str, width: str) -> None:
    context = request.getfixturevalue(width)
    page, log = checks.open_page(context, reports[name].url)
    checks.image_problems(page)
    result = checks.layout(page)  # as it opens: the analyst blocks closed
    assert result["problems"] == []
    page.evaluate(checks.OPEN_ALL_JS)  # and every block open: the analyst's tables fit too
    opened = checks.layout(page)
    assert opened["problems"] == []
    sizes = page.evaluate(checks.FONT_SIZES_JS)
    if width == "phone":
        assert opened["wideTables"] >= 1  # the scroll-inside-the-box path is exercised
        assert sizes["body"] >= 14 and min(sizes["paragraphs"]) >= 14, sizes
        assert min(sizes["cells"]) >= 14 and min(sizes["toc"]) >= 14, sizes
        _shot(page, artifacts, f"section-390{'-hostile' if name == 'hostile' else ''}.png",
              "main h2")
    else:
        assert sizes["body"] >= 14 and min(sizes["paragraphs"]) >= 14, sizes
    assert log.console_errors == [] and log.page_errors == [] and log.dialogs == []
    page.close()


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_every_status_column_stays_in_sight_on_a_phone(phone: Any, reports: dict[str, Report],
                                                       name: str) -> None:
    """A table wider than the phone scrolls in its box, but its 状态 column (the verdict) is
    on screen before and after scrolling: it sticks to the box's right edge."""
    page, _ = checks.open_page(phone, reports[name].url)
    page.evaluate(checks.OPEN_ALL_JS)
    found = page.evaluate("""() => {
      const out = [], width = innerWidth;
      for (const box of document.querySelectorAll('.wx-scroll')) {
        const cells = [...box.querySelectorAll('.wx-status')];
        if (!cells.length) continue;
        const wide = box.scrollWidth > box.clientWidth + 1;
        for (const at of [0, box.scrollWidth]) {
          box.scrollLeft = at;
          for (const c of cells) {
            const r = c.getBoundingClientRect();
            if (r.left < -0.5 || r.right > width + 0.5) {
              out.push(`${c.textContent.trim()} at ${Math.round(r.left)}–${Math.round(r.right)}`);
            }
          }
        }
        out.push(wide ? 'wide' : 'narrow');
      }
      return out;
    }""")
    page.close()
    assert [f for f in found if f not in ("wide", "narrow")] == []
    assert found.count("wide") >= 2  # the KPI table and the cover's data coverage scroll
    if name == "sample":
        assert len(found) >= 5  # 01's KPIs, 06's and 07's checks, the cover


def test_toc_is_usable_on_a_phone(phone: Any, reports: dict[str, Report],
                                  artifacts: Path) -> None:
    page, _ = checks.open_page(phone, reports["sample"].url)
    toc = page.evaluate(checks.TOC_TARGETS_JS)
    assert toc["visible"]
    assert toc["nav"]["left"] >= 0 and toc["nav"]["right"] <= PHONE["width"]
    assert toc["nav"]["scrollWidth"] <= toc["nav"]["clientWidth"]
    small = [lk for lk in toc["links"] if lk["h"] < 44 or lk["right"] > PHONE["width"]]
    assert small == []  # tap targets at least 44 px high, inside the screen
    page.locator("#toc").scroll_into_view_if_needed()
    _shot(page, artifacts, "toc-390.png", "#toc")
    problems = []
    sections = page.locator("#toc > ol > li > a")  # every section; sub-headings: sizes above
    assert sections.count() >= 1
    for i in range(sections.count()):
        page.evaluate("window.scrollTo(0, 0)")
        loc = sections.nth(i)
        link = {"text": loc.text_content(), "href": loc.get_attribute("href")}
        loc.scroll_into_view_if_needed()
        hit = loc.evaluate("""(a) => { const r = a.getBoundingClientRect();
            const el = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return el === a || a.contains(el); }""")
        assert hit, f"{link['text']}: something covers the link"
        loc.tap()
        page.wait_for_function("(h) => decodeURIComponent(location.hash) === h", arg=link["href"])
        problems.append(checks.toc_target_problem(page, link["href"]))
    assert [p for p in problems if p] == []
    page.close()


# --------------------------------------------------------------------------- print


def test_print_stylesheet_breaks_pages_and_keeps_things_whole(desktop: Any,
                                                               reports: dict[str, Report]) -> None:
    page, _ = checks.open_page(desktop, reports["sample"].url)
    assert page.evaluate("getComputedStyle(document.querySelector('.wx-running')).display") \
        == "none"  # the running footer is for paper only
    page.emulate_media(media="print")
    css = page.evaluate(checks.PRINT_CSS_JS)
    # cover and contents share page 1; each section starts a page, but the 专题 (one line each)
    # follow one another from a page of their own, and the appendix (a title and a closed
    # block) follows the last section
    assert css["coverBreakAfter"] == "auto" and css["tocBreakAfter"] == "page"
    topics = page.evaluate("[...document.querySelectorAll('main > .wx-section')].slice(1)"
                           ".map(s => s.classList.contains('wx-topic'))")  # as the breaks
    breaks = css["sectionBreakBefore"]
    assert len(topics) == len(breaks) and sum(topics) >= 2
    first = topics.index(True)
    assert set(breaks[:first]) <= {"page"} and breaks[first] == "page"
    assert [b for b, t in zip(breaks[first + 1:-1], topics[first + 1:-1], strict=True) if t] \
        == ["auto"] * (sum(topics) - 1)
    assert breaks[-1] == "auto"
    assert css["rowsBreakInside"] == ["avoid"] and css["imagesBreakInside"] == ["avoid"]
    assert css["imagesMaxHeight"] != ["none"]  # a chart taller than a page would be cut
    assert css["scrollOverflow"] == ["visible"]  # printed tables are not clipped by a scroller
    running = css["running"]
    assert running["display"] == "block" and running["position"] == "fixed"
    assert "示例品牌服务号" in running["text"] and "2026年10月" in running["text"]
    page.close()


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_printed_page_fits_the_paper_width(desktop: Any, reports: dict[str, Report],
                                           tmp_path: Path, name: str) -> None:
    """On paper nothing scrolls: at the A4 text width (210 - 2 × 14 mm) nothing sticks out, and
    no printed text runs into the right margin."""
    page, _ = checks.open_page(desktop, reports[name].url)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_TEXT_PX, "height": 1100})
    assert page.evaluate(checks.PRINT_FIT_JS) == []
    # No number in a table breaks across lines on paper (a cell of one line of text).
    broken = page.evaluate("""() => [...document.querySelectorAll('table.wx-table td.num')]
        .filter(td => td.textContent.trim() && td.offsetParent !== null)
        .filter(td => { const r = document.createRange(); r.selectNodeContents(td);
                        const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
                        return tops.size > 1; })
        .map(td => td.textContent.trim()).slice(0, 5)""")
    assert broken == []
    if name == "hostile":  # the sample's PDF is checked in test_pdf_never_cuts_a_row_or_a_chart
        page.pdf(path=str(tmp_path / "hostile.pdf"), format="A4", prefer_css_page_size=True)
        edges = PdfText(tmp_path / "hostile.pdf").right_edges
        assert [(i + 1, round(r)) for i, r in enumerate(edges) if r > RIGHT_MARGIN_PT + 1] == []
    page.close()


def test_pdf_cover_and_contents_are_page_one_and_sections_start_pages(
        printed: tuple[PdfText, dict[str, Any]]) -> None:
    pdf, dom = printed
    assert len(pdf) >= 3
    assert all(abs(w - A4_PT[0]) < 2 and abs(h - A4_PT[1]) < 2 for w, h in pdf.sizes)
    running = norm(dom["running"])
    assert all(t.endswith(running) for t in pdf.texts)
    body = [t.removesuffix(running) for t in pdf.texts]
    # page 1: the cover (its data block closed: only its title line) and the contents
    assert body[0] == norm(dom["cover"]) + norm(dom["toc"])
    # each core section starts a page; the first 专题 starts one, the others follow it, each
    # printed as its one line (title and headline)
    first = dom["topics"].index(True)
    starts = []
    for heading in dom["sections"][:first + 1]:
        pages = [i for i in range(1, len(body)) if body[i].startswith(norm(heading))]
        assert pages, heading
        starts.append(pages[0])
    assert starts[0] == 1 and starts == sorted(starts)
    rest = norm("".join(body[starts[-1]:]))
    later = [h for h, t in zip(dom["sections"], dom["topics"], strict=True) if t][1:]
    assert later and [h for h in later if norm(h) not in rest] == []
    # the appendix (a title and a closed block) follows the last section without a page break
    # of its own (it may still open a page when the last section fills the one before)
    assert norm(dom["sections"][-1]) in body[-1] and dom["appendixBreak"] == "auto"


def test_build_pdf_is_the_reports_own_print(printed: tuple[PdfText, dict[str, Any]],
                                            reports: dict[str, Report],
                                            artifacts: Path) -> None:
    """`wxnb build --pdf` writes report.pdf beside the HTML: A4, the page's print layout (as
    many pages as the browser's own print of the same page, the running footer on each), its
    Chinese text in the file."""
    import pypdfium2

    path = reports["sample"].path.with_name("report.pdf")
    assert path.is_file() and path.read_bytes()[:5] == b"%PDF-"
    ours = PdfText(path)
    browser_print, dom = printed
    assert len(ours) == len(browser_print) > 1
    assert {tuple(round(x) for x in size) for size in ours.sizes} == {(595, 842)}  # A4, pt
    assert 0 in ours.page_of("营销月度复盘") and 0 in ours.page_of("品牌服务号")
    assert ours.footer_problems(dom["running"]) == []
    doc = pypdfium2.PdfDocument(str(path))
    try:
        doc[0].render(scale=1.25).to_pil().save(artifacts / "build-pdf-page-1.png")
    finally:
        doc.close()


def test_pdf_never_cuts_a_row_or_a_chart(printed: tuple[PdfText, dict[str, Any]]) -> None:
    pdf, dom = printed
    rows = [r for r in dom["rows"] if norm(r)]
    assert len(rows) >= 30  # the KPI, anomaly, source and definition tables and the coverage
    assert [r for r in rows if not pdf.page_of(r)] == []  # every row whole on one page
    placed = sorted(size for page in pdf.images for size in page)
    assert placed == sorted(tuple(s) for s in dom["images"])  # each chart once, uncut
    assert [(i + 1, round(r)) for i, r in enumerate(pdf.right_edges)
            if r > RIGHT_MARGIN_PT + 1] == []  # no text past the right margin (too wide a table)


def test_pdf_has_a_running_footer_clear_of_the_content(
        printed: tuple[PdfText, dict[str, Any]]) -> None:
    pdf, dom = printed
    assert "示例品牌服务号" in dom["running"] and "2026年10月" in dom["running"]
    assert pdf.footer_problems(dom["running"]) == []  # on every page, below everything else
    assert all(pdf.lines(i)[0][0] < 60 for i in range(len(pdf)))  # at the page's foot


@pytest.mark.parametrize("reserved", [True, False], ids=["css", "without-reserved-space"])
def test_running_footer_never_covers_a_full_page(desktop: Any, reports: dict[str, Report],
                                                 tmp_path: Path, reserved: bool) -> None:
    """Pages filled to the bottom keep the footer clear; without the body's cloned bottom
    padding (the CSS that reserves its space) the check fails."""
    page, _ = checks.open_page(desktop, reports["sample"].url)
    page.evaluate("""(reserved) => {
        const main = document.querySelector('main');
        main.querySelectorAll('.wx-section').forEach(s => s.remove());  // a short PDF: fast
        for (let i = 0; i < 300; i++) {
          const p = document.createElement('p');
          p.textContent = `填充段落第 ${i} 行`;
          p.style.cssText = 'margin: 0; line-height: 1.2';  // dense: lines reach the page foot
          main.appendChild(p);
        }
        if (!reserved) {
          const s = document.createElement('style');
          s.textContent = '@media print { body.wx-report { padding-bottom: 0 !important } }';
          document.head.appendChild(s);
        }
    }""", reserved)
    running = page.evaluate("document.querySelector('.wx-running').textContent")
    page.pdf(path=str(tmp_path / "full.pdf"), format="A4", prefer_css_page_size=True)
    page.close()
    problems = PdfText(tmp_path / "full.pdf").footer_problems(running)
    assert (problems == []) is reserved, problems


# --------------------------------------------------------------------------- hostile text


def test_hostile_text_is_shown_literally_and_never_runs(
        desktop: Any, phone: Any, reports: dict[str, Report], artifacts: Path) -> None:
    for context in (desktop, phone):
        page, log = checks.open_page(context, reports["hostile"].url)
        checks.image_problems(page)
        page.mouse.move(10, 10)
        page.mouse.wheel(0, 4000)
        page.wait_for_timeout(300)
        assert log.dialogs == []
        assert checks.dom_safety_problems(page) == []
        assert log.console_errors == [] and log.page_errors == []
        text = page.evaluate("document.body.textContent")
        # Shown literally, except that bidi controls (U+202E) appear as a visible "[U+202E]".
        assert "\u202e" not in text
        for hostile in (*HOSTILE_TEXTS, SPIKE_HEADLINE, HOSTILE_NAME):
            assert visible(hostile) in text, hostile[:40]
        assert page.evaluate("document.querySelector('.wx-cover-account').textContent") \
            == visible(HOSTILE_NAME)
        narrative = page.evaluate("""() => [...document.querySelectorAll('.wx-narrative')]
            .map(n => n.textContent).join('\\n')""")
        assert f"《{visible(SPIKE_HEADLINE)}》" in narrative  # the push before the unfollow spike
        cells = page.evaluate("[...document.querySelectorAll('td')].map(td => td.textContent)")
        assert f"紧随 10-15 的推送《{visible(SPIKE_HEADLINE)}》" in cells  # the anomaly's cause
        assert page.evaluate("[...document.querySelectorAll('a')].filter("
                             "a => a.textContent === '点我').length") == 0
        if context is phone:
            page.evaluate("""() => [...document.querySelectorAll('td')]
                .find(td => td.textContent.includes('紧随')).scrollIntoView({block: 'center'})""")
            page.screenshot(path=str(artifacts / "hostile-390.png"))
        page.close()


# --------------------------------------------------------------------------- the checks can fail


def _png(width: int, height: int) -> str:
    from PIL import Image

    img = Image.new("RGB", (width, height))
    img.putdata([((x * 7) % 256, (y // 4) % 256, 90) for y in range(height) for x in range(width)])
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def test_checks_catch_a_bad_page(desktop: Any, tmp_path: Path) -> None:
    """Each screen check fails on a page that breaks its rule."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!doctype html><html lang="zh"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width">'
        "<h1>坏页面</h1>"
        '<img src="http://127.0.0.1:9/pixel.png" alt="外部图片">'
        '<img src="data:image/png;base64,AAAA" alt="坏图">'
        '<script>console.error("canary"); alert("canary");</script>'
        '<a href="javascript:alert(1)">点我</a><p onclick="alert(1)">段落</p>'
        f"<table><tr><td style='white-space:nowrap'>{'很长的表格' * 80}</td></tr></table>",
        encoding="utf-8")
    page, log = checks.open_page(desktop, bad.as_uri())
    images = checks.image_problems(page)
    page.wait_for_timeout(200)
    assert log.foreign_requests(bad.as_uri()) == ["http://127.0.0.1:9/pixel.png"]
    assert log.console_errors and log.dialogs == ["alert: canary"]
    assert len(images) == 2  # the unreachable one and the broken one
    safety = " ".join(checks.dom_safety_problems(page))
    assert "script element" in safety and "onclick" in safety and "javascript:" in safety
    problems = " ".join(checks.layout(page)["problems"])
    assert "page scrolls sideways" in problems and "table not inside .wx-scroll" in problems
    page.close()


def test_pdf_checks_catch_a_cut_row_and_a_cut_chart(desktop: Any, tmp_path: Path) -> None:
    """Without break-inside: avoid, Chromium splits tall rows and a tall image across pages."""
    rows = "".join(f"<tr><td>第{i}行</td><td>{'<br>'.join(f'{i}-{k}行文字' for k in range(7))}"
                   "</td></tr>" for i in range(40))
    cut = tmp_path / "cut.html"
    cut.write_text(
        '<!doctype html><html lang="zh"><meta charset="utf-8"><style>'
        "tr, td, img { break-inside: auto } img { display: block; width: 100% }</style>"
        f"<table>{rows}</table><img src='{_png(300, 1500)}' alt='图'>", encoding="utf-8")
    page, _ = checks.open_page(desktop, cut.as_uri())
    row_texts = page.evaluate("[...document.querySelectorAll('tr')]"
                              ".map(tr => [...tr.cells].map(c => c.textContent).join(''))")
    page.pdf(path=str(tmp_path / "cut.pdf"), format="A4")
    page.close()
    pdf = PdfText(tmp_path / "cut.pdf")
    assert [r for r in row_texts if not pdf.page_of(r)] != []  # a row is split
    assert sum(len(p) for p in pdf.images) > 1  # the image is drawn on more than one page


# --------------------------------------------------------------------------- the two layers


def api_names() -> set[str]:
    """What a manager must not read: the WeChat API's endpoint and field names (from the
    loaders' own declarations, so a new endpoint is covered) and the push event's fields."""
    from wxnb.io import datacube, eventlog

    names = set(datacube.ENDPOINTS)
    for ep in datacube.ENDPOINTS.values():
        for attr in ("keys", "counts", "codes", "texts", "optional_counts"):
            names |= {f for f in getattr(ep, attr, ()) or () if "_" in f}
    names |= {e for e in eventlog.EVENT_TYPES if len(e) > 3 and e.isupper()}
    names |= {"SentCount", "TotalCount", "FilterCount", "ErrorCount", "MsgID", "msgid"}
    # the fields of every section's own reader (the 专题' APIs: WeCom, Tencent Ads, mini program)
    from wxnb.sections import registry
    from wxnb.sections.spec import Spec

    for spec in registry():
        if spec.check:
            module = Spec.function(spec.check).__module__
            names |= {f for f in getattr(sys.modules[module], "API_FIELDS", ()) if "_" in f}
    return names


#: The statistics of the analyst layer: p-values, intervals, robust z, sample sizes, tests.
TEST_WORDS = re.compile(r"\bp\s*[<=>]|置信区间|稳健\s*z|\bz\s*=|\bn\s*=|检验|Wilson|卡方")


def management_text(page: Any) -> str:
    """The text a reader sees with every analyst block closed (what the page opens with)."""
    assert page.evaluate("document.querySelectorAll('details[open]').length") == 0
    return str(page.evaluate("document.body.innerText"))


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_the_management_layer_fits_fifteen_phone_screens(phone: Any, reports: dict[str, Report],
                                                         artifacts: Path, name: str) -> None:
    page, _ = checks.open_page(phone, reports[name].url)
    management_text(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    screens = height / PHONE["height"]
    assert screens <= 15, f"{screens:.1f} phone screens"
    # every section but the summary has its analyst block, closed, opening with a tap
    folds = page.locator("main details.wx-fold")
    assert folds.count() == page.evaluate(
        "document.querySelectorAll('main > .wx-section:not([data-section^=\"00\"])').length")
    first = folds.first
    first.locator("summary").tap()
    assert first.evaluate("d => d.open") and page.evaluate(
        "document.documentElement.scrollHeight") > height + PHONE["height"]
    page.close()


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_no_api_field_or_test_name_in_the_management_layer(desktop: Any,
                                                            reports: dict[str, Report],
                                                            name: str) -> None:
    page, _ = checks.open_page(desktop, reports[name].url)
    text = management_text(page)
    page.evaluate(checks.OPEN_ALL_JS)
    analyst = str(page.evaluate("document.body.innerText"))
    page.close()
    fields = sorted(n for n in api_names()
                    if re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", text))
    assert fields == []
    assert [m.group(0) for m in TEST_WORDS.finditer(text)] == []
    # the check can fail: the analyst layer holds both
    assert any(n in analyst for n in api_names()) and TEST_WORDS.search(analyst)


def test_the_printed_management_layer_fits_twelve_pages(
        printed: tuple[PdfText, dict[str, Any]], reports: dict[str, Report]) -> None:
    pdf, _ = printed
    assert len(pdf) <= 12
    assert len(PdfText(reports["sample"].path.with_name("report.pdf"))) == len(pdf)


def test_every_chart_is_legible_on_a_phone(phone: Any, reports: dict[str, Report],
                                           artifacts: Path) -> None:
    """A chart is a PNG scaled to the column: its smallest text (10–11 pt at 110 dpi, ≈ 15–17
    px as drawn) stays at 10 px or more when it is shown at ≥ 0.65 of its drawn width. The
    management layer's chart fits the phone at that; a wider one (in an analyst block) scrolls
    sideways in its box, which stays on the screen."""
    page, _ = checks.open_page(phone, reports["sample"].url)
    charts = """[...document.images].filter(i => !i.closest('details:not([open])'))
        .map(i => [i.closest('section').id, i.naturalWidth, i.getBoundingClientRect().width,
                   i.parentElement.scrollWidth > i.parentElement.clientWidth + 1,
                   Math.round(i.parentElement.getBoundingClientRect().right)])"""
    managers = page.evaluate(charts)
    assert managers and [m for m in managers if m[3]] == []  # the manager's fit: no scrolling
    page.evaluate(checks.OPEN_ALL_JS)
    every = page.evaluate(charts)
    assert len(every) >= 10
    assert [(s, w, round(d)) for s, w, d, _, _ in every if d / w < 0.65] == []
    assert [c for c in every if c[4] > PHONE["width"]] == []  # the box on the screen
    assert any(c[3] for c in every)  # the sideways path is exercised
    page.locator("#wx-s01 img").first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "chart-390.png"))
    page.close()


# --------------------------------------------------------------------------- the portfolio


@pytest.fixture(scope="session")
def portfolio_page(reports: dict[str, Report], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The overview of an agency's month (wxnb batch's page): the sample and hostile builds as
    two accounts, and one whose build failed."""
    import shutil

    from wxnb.build import batch, portfolio

    root = tmp_path_factory.mktemp("portfolio")
    outcomes = []
    for name, report in reports.items():
        shutil.copytree(report.path.parent, root / name / "2026-10")
        outcomes.append(batch.AccountOutcome(name, True, 1.0, str(report.path)))
    outcomes.append(batch.AccountOutcome("broken", False, 1.0,
                                         message="getbizsummary_2026-10-03.json: JSON 解析失败"))
    return portfolio.write(portfolio.collect(outcomes, "2026-10", root), "2026-10", root)


def test_the_portfolio_fits_phone_desktop_and_paper(phone: Any, desktop: Any,
                                                    portfolio_page: Path,
                                                    artifacts: Path) -> None:
    page, _ = checks.open_page(phone, portfolio_page.as_uri())
    assert checks.layout(page)["problems"] == []
    assert page.evaluate("document.documentElement.scrollHeight") / PHONE["height"] <= 15
    # its only links out of the page are the accounts' reports, relative and beside it
    assert [p for p in checks.dom_safety_problems(page) if not re.fullmatch(
        r"link out of the page: \.\./\.\./[\w-]+/2026-10/report\.html", p)] == []
    result = checks.tofu(page)
    assert result["failed"] == 0 and result["checked"] >= 40
    # the league table is one card per account on a phone, each link a report that exists
    assert page.evaluate("getComputedStyle(document.querySelector('#wx-league thead'))"
                         ".display") == "none"
    hrefs = page.evaluate("[...document.querySelectorAll('#wx-league a')].map(a => a.href)")
    assert len(hrefs) == 2 and all(Path(h.removeprefix("file://")).is_file() for h in hrefs)
    _shot(page, artifacts, "portfolio-390.png", "main h1")
    page.close()
    page, _ = checks.open_page(desktop, portfolio_page.as_uri())
    assert checks.layout(page)["problems"] == []
    text = management_text(page)
    fields = [n for n in api_names()
              if re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", text)]
    assert fields == [] and not TEST_WORDS.search(text)
    page.evaluate(checks.OPEN_ALL_JS)  # the failed build's own message is in a closed block
    assert "getbizsummary_2026-10-03.json" in page.evaluate("document.body.innerText")
    pdf = artifacts / "portfolio.pdf"
    page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    page.close()
    assert len(PdfText(pdf)) <= 12
