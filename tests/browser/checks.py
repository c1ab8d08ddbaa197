"""In-page checks for the report, run in Chromium through Playwright.

Every check returns a list of problems (empty = fine) or a plain dict, so a test can assert on it
and tests/test_browser.py can prove each check fails on a page that is wrong on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PageLog:
    """What a page did: every request, console error, uncaught exception and dialog."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> PageLog:
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))

        def dialog(d: Any) -> None:
            self.dialogs.append(f"{d.type}: {d.message}")
            d.dismiss()

        page.on("dialog", dialog)
        return self

    def foreign_requests(self, own_url: str) -> list[str]:
        """Requests other than the report file itself (``data:`` URLs are part of the page)."""
        return [u for u in self.requests if u != own_url and not u.startswith("data:")]


def open_page(context: Any, url: str) -> tuple[Any, PageLog]:
    """Open ``url`` in a new tab with a :class:`PageLog` attached; wait until it has loaded."""
    page = context.new_page()
    log = PageLog().attach(page)
    page.goto(url, wait_until="load")
    return page, log


#: Each <img> must decode; returns the images that did not (and their natural sizes).
IMAGES_JS = """
async () => {
  const out = [];
  for (const img of document.images) {
    let error = null;
    try { await img.decode(); } catch (e) { error = String(e); }
    out.push({src: img.src.slice(0, 40), complete: img.complete, error,
              w: img.naturalWidth, h: img.naturalHeight});
  }
  return out;
}
"""


def image_problems(page: Any) -> list[str]:
    images = page.evaluate(IMAGES_JS)
    problems = [f"image {i['src']}… does not decode: {i['error']} ({i['w']}×{i['h']})"
                for i in images if i["error"] or not (i["w"] > 0 and i["h"] > 0)]
    return problems if images else ["the page has no image"]


#: Resources the page fetched, as the browser's own performance timeline saw them.
RESOURCES_JS = "() => performance.getEntriesByType('resource').map(e => e.name)"


LAYOUT_JS = """
() => {
  const problems = [];
  const vw = window.innerWidth;
  const px = (v) => parseFloat(v) || 0;
  const de = document.documentElement;
  if (de.scrollWidth > vw) problems.push(`page scrolls sideways: ${de.scrollWidth} > ${vw}`);
  if (document.body.scrollWidth > vw) {
    problems.push(`body scrollWidth ${document.body.scrollWidth} > ${vw}`);
  }
  let wide = 0;
  for (const table of document.querySelectorAll('table')) {
    if (table.parentElement.closest('table')) continue;
    const box = table.closest('.wx-scroll');
    const label = (table.textContent || '').trim().slice(0, 30);
    if (!box) { problems.push(`table not inside .wx-scroll: ${label}`); continue; }
    const ox = getComputedStyle(box).overflowX;
    if (ox !== 'auto' && ox !== 'scroll') problems.push(`.wx-scroll overflow-x ${ox}: ${label}`);
    const r = box.getBoundingClientRect();
    if (r.left < -0.5 || r.right > vw + 0.5) {
      problems.push(`scroll box outside the viewport (${r.left}..${r.right}): ${label}`);
    }
    const tw = table.getBoundingClientRect().width;
    if (tw > box.clientWidth + 0.5) {
      wide += 1;
      const before = box.scrollLeft;
      box.scrollLeft = box.scrollWidth;
      const moved = box.scrollLeft > 0;
      const reaches = box.scrollLeft + box.clientWidth >= tw - 1;
      box.scrollLeft = before;
      if (!moved || !reaches) {
        problems.push(`table ${Math.round(tw)}px in a ${box.clientWidth}px box that does not ` +
                      `scroll to its end: ${label}`);
      }
    }
  }
  for (const img of document.images) {
    const r = img.getBoundingClientRect();
    const parent = img.parentElement;
    const cs = getComputedStyle(parent);
    const inner = parent.clientWidth - px(cs.paddingLeft) - px(cs.paddingRight);
    // A chart wider than its box is allowed only at its smallest legible width, in a box
    // that scrolls sideways (a phone); otherwise it is scaled to the box.
    const scrolls = ['auto', 'scroll'].includes(cs.overflowX);
    const floor = px(getComputedStyle(img).minWidth);
    if (r.width > inner + 0.5 && !(scrolls && Math.abs(r.width - floor) <= 1)) {
      problems.push(`chart ${Math.round(r.width)}px wider than its container ${inner}px`);
    }
    const box = scrolls ? parent.getBoundingClientRect() : r;
    if (box.right > vw + 0.5) problems.push(`chart sticks out of the viewport: right ${box.right}`);
    if (img.naturalWidth > inner + 1 && Math.abs(r.width - Math.max(inner, floor)) > 1) {
      problems.push(`chart not scaled to the width: ${r.width} of ${inner}`);
    }
  }
  for (const el of document.body.querySelectorAll('*')) {
    // inside a box that scrolls sideways (a table's, a chart's on a phone): the box is checked
    if (el.closest('.wx-scroll')) continue;
    if (el.parentElement && el.parentElement.matches('.jp-RenderedImage')
        && ['auto', 'scroll'].includes(getComputedStyle(el.parentElement).overflowX)) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > vw + 0.5 || r.left < -0.5)) {
      const name = `${el.tagName.toLowerCase()}.${el.className}`;
      problems.push(`${name} spans ${Math.round(r.left)}..${Math.round(r.right)} of ${vw}`);
    }
  }
  return {problems: problems.slice(0, 20), wideTables: wide};
}
"""


def layout(page: Any) -> dict[str, Any]:
    return page.evaluate(LAYOUT_JS)


#: Font sizes a reader gets: body, narrative paragraphs and table cells.
FONT_SIZES_JS = """
() => {
  const size = (el) => parseFloat(getComputedStyle(el).fontSize);
  const all = (sel) => [...document.querySelectorAll(sel)]
    .filter(e => e.getClientRects().length).map(size);
  return {body: size(document.body), paragraphs: all('main p, .wx-narrative p'),
          cells: all('main td, main th'), toc: all('#toc a')};
}
"""

TOC_TARGETS_JS = """
() => {
  const nav = document.querySelector('nav#toc');
  const r = nav.getBoundingClientRect();
  const cs = getComputedStyle(nav);
  return {
    visible: cs.display !== 'none' && cs.visibility !== 'hidden' && r.height > 0 && r.width > 0,
    nav: {left: r.left, right: r.right, scrollWidth: nav.scrollWidth,
          clientWidth: nav.clientWidth},
    links: [...nav.querySelectorAll('a')].map(a => {
      const b = a.getBoundingClientRect();
      return {href: a.getAttribute('href'), text: a.textContent, w: b.width, h: b.height,
              left: b.left, right: b.right};
    }),
  };
}
"""

#: Where a heading is after the reader followed a TOC link to it.
TARGET_JS = """
(id) => {
  const el = document.getElementById(id);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  const se = document.scrollingElement;
  return {top: r.top, bottom: r.bottom, hash: decodeURIComponent(location.hash),
          atBottom: Math.ceil(se.scrollTop + innerHeight) >= se.scrollHeight - 1,
          innerHeight, scrollMargin: parseFloat(getComputedStyle(el).scrollMarginTop) || 0};
}
"""


def toc_target_problem(page: Any, href: str) -> str | None:
    """None if the heading ``href`` names is at the top of the viewport (or the page end)."""
    t = page.evaluate(TARGET_JS, href[1:])
    if t is None:
        return f"{href}: no element with that id"
    if t["hash"] != href:
        return f"{href}: location.hash is {t['hash']!r}"
    if -2 <= t["top"] <= t["scrollMargin"] + 24:
        return None
    if t["atBottom"] and 0 <= t["top"] < t["innerHeight"] - 20:
        return None  # the page cannot scroll further; the heading is in view
    return f"{href}: heading top at {t['top']:.0f}px after the jump"


#: Nothing from the data may run: no script element, no on* attribute, no javascript: URL.
DOM_SAFETY_JS = """
() => {
  const problems = [];
  const URL_ATTRS = ['href', 'src', 'srcset', 'action', 'formaction', 'xlink:href', 'data',
                     'poster', 'background', 'ping', 'longdesc', 'manifest'];
  const bad = /^\\s*(javascript|vbscript|data:text\\/html)/i;
  for (const s of document.querySelectorAll('script')) {
    problems.push('script element: ' + (s.src || s.textContent.slice(0, 60)));
  }
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) problems.push(`${tag} has ${a.name}="${a.value.slice(0, 40)}"`);
      if (URL_ATTRS.includes(a.name.toLowerCase()) && bad.test(a.value)) {
        problems.push(`${tag} ${a.name}="${a.value.slice(0, 40)}"`);
      }
    }
  }
  for (const a of document.querySelectorAll('a[href]')) {
    const href = a.getAttribute('href');
    if (!href.startsWith('#')) problems.push('link out of the page: ' + href.slice(0, 60));
  }
  for (const tag of ['iframe', 'object', 'embed', 'form', 'base', 'meta[http-equiv]']) {
    for (const el of document.querySelectorAll(tag)) problems.push(`unexpected <${tag}>`);
  }
  return problems;
}
"""


def dom_safety_problems(page: Any) -> list[str]:
    return page.evaluate(DOM_SAFETY_JS)


#: Tofu check. Every distinct Han character of the selected elements is drawn into a canvas in
#: that element's own font (family, weight, style), and compared with the drawing of U+10FFFD, a
#: private-use code point no font has, i.e. the .notdef box ("tofu") the browser draws for a
#: character it has no glyph for. A character that draws like it, or draws nothing, is tofu.
#: 二 and 三 drawn in each font must differ too.
TOFU_JS = """
(selector) => {
  const size = 40, canvas = document.createElement('canvas');
  canvas.width = canvas.height = size + 8;
  const g = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch, font) => {
    g.clearRect(0, 0, canvas.width, canvas.height);
    g.font = font; g.textBaseline = 'top'; g.fillStyle = '#000';
    g.fillText(ch, 4, 4);
    return g.getImageData(0, 0, canvas.width, canvas.height).data;
  };
  const ink = (a) => {
    let n = 0;
    for (let i = 3; i < a.length; i += 4) if (a[i] > 96) n++;
    return n;
  };
  const diff = (a, b) => {
    let n = 0;
    for (let i = 3; i < a.length; i += 4) if (Math.abs(a[i] - b[i]) > 96) n++;
    return n;
  };
  const fonts = {}, failures = [], seen = new Set();
  let checked = 0;
  for (const el of document.querySelectorAll(selector)) {
    if (!el.getClientRects().length) continue;
    const cs = getComputedStyle(el);
    const font = `${cs.fontStyle} ${cs.fontWeight} ${size}px ${cs.fontFamily}`;
    if (!(font in fonts)) {
      const er = draw('二', font), san = draw('三', font);
      fonts[font] = {tofu: draw('\\u{10FFFD}', font), erVsSan: diff(er, san)};
      if (fonts[font].erVsSan < 20) {
        failures.push({ch: '二/三', font, tag: el.tagName, why: 'draw alike'});
      }
    }
    for (const ch of new Set(el.textContent.match(/\\p{Script=Han}/gu) || [])) {
      if (seen.has(font + ch)) continue;
      seen.add(font + ch);
      const bmp = draw(ch, font);
      checked += 1;
      if (ink(bmp) < 10) failures.push({ch, font, tag: el.tagName, why: 'no ink'});
      else if (diff(bmp, fonts[font].tofu) < 10) {
        failures.push({ch, font, tag: el.tagName, why: 'tofu box'});
      }
    }
  }
  return {checked, fonts: Object.keys(fonts), failures: failures.slice(0, 30),
          failed: failures.length};
}
"""

#: Everything a reader reads: headings, table cells, the TOC, the cover, narrative and notes.
TEXT_SELECTOR = "h1, h2, h3, th, td, caption, #toc a, dt, dd, p, li"


def tofu(page: Any, selector: str = TEXT_SELECTOR) -> dict[str, Any]:
    return page.evaluate(TOFU_JS, selector)


def platform_fonts(page: Any, selector: str) -> list[dict[str, Any]]:
    """The fonts Chromium really used for the element's text (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()


#: With print media emulated at the paper's text width: every element box and every piece of
#: text that sticks out on the right (on paper nothing scrolls, so it would be cut off).
PRINT_FIT_JS = """
() => {
  const out = [], limit = innerWidth + 0.5;
  // what a closed <details> holds beyond its summary does not print (Chromium may still give
  // it a box when the details is nested in another closed one: a 专题's analyst block)
  const folded = (n) => {
    for (let d = n.closest('details'); d; d = d.parentElement && d.parentElement.closest('details')) {
      const s = n.closest('summary');
      if (!d.open && !(s && s.parentElement === d)) return true;
    }
    return false;
  };
  const skip = (n) => n.closest && (n.closest('.wx-running, style, head') || folded(n));
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (!skip(e) && r.width > 0 && r.right > limit) {
      out.push(`${e.tagName.toLowerCase()} box ends at ${Math.round(r.right)}px`);
    }
  }
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (!n.textContent.trim() || skip(n.parentElement)) continue;
    range.selectNodeContents(n);
    const r = range.getBoundingClientRect();
    if (r.width > 0 && r.right > limit) {
      out.push(`text ends at ${Math.round(r.right)}px: ${n.textContent.trim().slice(0, 30)}`);
    }
  }
  return out.slice(0, 20);
}
"""


#: Open every <details> (the cover's data, the sections' analyst blocks).
OPEN_ALL_JS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"


#: What the print stylesheet says, with print media emulated.
PRINT_CSS_JS = """
() => {
  const cs = (el) => getComputedStyle(el);
  const q = (s) => document.querySelector(s);
  const all = (s) => [...document.querySelectorAll(s)];
  const distinct = (s, f) => [...new Set(all(s).map(e => f(cs(e))))];
  const running = q('.wx-running');
  return {
    coverBreakAfter: cs(q('#wx-cover')).breakAfter,
    tocBreakAfter: cs(q('#toc')).breakAfter,
    sectionBreakBefore: all('main > .wx-section').slice(1).map(s => cs(s).breakBefore),
    rowsBreakInside: distinct('tr', c => c.breakInside),
    imagesBreakInside: distinct('img', c => c.breakInside),
    imagesMaxHeight: distinct('img', c => c.maxHeight),
    scrollOverflow: distinct('.wx-scroll', c => c.overflowX),
    running: running && {display: cs(running).display, position: cs(running).position,
                         text: running.textContent},
  };
}
"""
