"""The font the report carries: subsets of Noto Sans SC embedded as web fonts.

A reader's phone, Windows or macOS has a Chinese font; a Linux viewer, a CI screenshot or a
print server may not, and without one every hanzi of the page is an empty box
(shared/reference/cjk-fonts.md). The report therefore embeds the glyphs it shows, subset with
fontTools from the Noto Sans SC the package already ships for its charts (OFL-1.1), as WOFF in
``data:`` URLs, first in the page's font stack. They cover the CJK code points and the Latin
letters, digits and punctuation (so numbers look and measure the same on every machine and a
printed report breaks into the same pages); emoji and other scripts come from the reader's
fonts:

* **"wxnb CJK"**: every CJK character in the package's own text (section prose, labels,
  templates: ≈ 1,200 characters, ≈ 220 KB). It depends on the wxnb version only, so it is made
  once per machine and version and kept in the cache folder (``WXNB_CACHE_DIR/fonts``, else
  ``outputs/.wxnb-cache/fonts``); a build makes it in the background if it is missing.
* **"wxnb CJK+"**: the characters of this month's data (article titles, the account name,
  comments) that the first face lacks, made when the page is put together (cached by its
  characters too).

Nothing here ever fails a build: without fontTools or the font file the page is written with
the reader's fonts only and a warning is logged.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import logging
import os
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from wxnb import paths

__all__ = ["FAMILIES", "UNICODE_RANGE", "base_chars", "cjk_chars", "font_css", "subset", "warm",
           "warm_aside"]

logger = logging.getLogger(__name__)

#: The embedded faces' family names, in the order of the page's font stack (wxreport.css).
FAMILIES = ("wxnb CJK", "wxnb CJK+")
#: What the embedded faces are used for: Latin letters, digits and punctuation (so a number
#: has the same width on every machine and the printed pages break in the same places), general
#: punctuation, arrows, maths, circled numbers and shapes, and the CJK blocks (radicals, symbols
#: and punctuation, kana, ideographs, compatibility ideographs, vertical and fullwidth forms).
_RANGES = ((0x0020, 0x007E), (0x00A0, 0x00FF), (0x2000, 0x206F), (0x2190, 0x22FF),
           (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x2E80, 0x9FFF), (0xF900, 0xFAFF),
           (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))
UNICODE_RANGE = ", ".join(f"U+{lo:04X}-{hi:04X}" for lo, hi in _RANGES)
#: Always in the first face: every printable ASCII character, and the pair of hanzi that
#: tests/browser/checks.py draws to tell glyphs from tofu.
_ALWAYS = "".join(map(chr, range(0x20, 0x7F))) + "二三"
_FORMAT = 1  # bump when the subsetting options change
_SOURCES = ("*.py", "*.yaml", "*.j2", "*.css")
_MAKING = threading.Lock()


def cjk_chars(text: str) -> set[int]:
    """The code points of ``text`` in the embedded faces' ranges (CJK, and the Latin letters,
    digits and punctuation around it)."""
    return {cp for cp in map(ord, set(text))
            if any(lo <= cp <= hi for lo, hi in _RANGES)
            and unicodedata.category(chr(cp))[0] != "C"}  # no bidi or other format controls


@functools.cache
def base_chars() -> frozenset[int]:
    """Every CJK character in the package's own files (what its sections and templates can
    write), and :data:`_ALWAYS`."""
    root = Path(__file__).resolve().parent.parent
    found = cjk_chars(_ALWAYS)
    for pattern in _SOURCES:
        for path in root.rglob(pattern):
            try:
                found |= cjk_chars(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
    return frozenset(found)


def _cache_dir() -> Path:
    return paths.cache_dir() / "fonts"


@functools.cache
def _font() -> tuple[str, str]:
    """The font file and what identifies its contents and the subsetter (for cache keys)."""
    import fontTools
    from pylopdf_fonts_zh_cn import sans_path

    path = str(sans_path())
    st = os.stat(path)
    return path, f"{os.path.basename(path)}:{st.st_size}:{fontTools.version}:{_FORMAT}"


def subset(chars: Iterable[int]) -> bytes | None:
    """WOFF bytes of the font's glyphs for ``chars`` (those it has), or None when there is no
    font or subsetter. Kept in the cache folder by the characters and the font's identity."""
    wanted = sorted(set(chars))
    try:
        path, ident = _font()
    except Exception as exc:  # noqa: BLE001 - the page can do without
        logger.warning("报告未嵌入中文字体（%s: %s），将使用阅读设备自带的字体", type(exc).__name__, exc)
        return None
    cached = _cached(ident, wanted)
    with _MAKING:  # the build's background thread may be making this very subset
        return _read_or_make(cached, path, wanted)


def _cached(ident: str, wanted: list[int]) -> Path:
    key = hashlib.sha256(f"{ident}\0{','.join(map(str, wanted))}".encode()).hexdigest()[:32]
    return _cache_dir() / f"{key}.woff"


def _read_or_make(cached: Path, path: str, wanted: list[int]) -> bytes | None:
    try:
        return cached.read_bytes()
    except OSError:
        pass
    try:
        data = _make(path, wanted)
    except Exception as exc:  # noqa: BLE001
        logger.warning("中文字体子集生成失败（%s: %s），报告使用阅读设备自带的字体",
                       type(exc).__name__, exc)
        return None
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(cached)
    except OSError:
        logger.debug("字体子集未能写入缓存 %s", cached, exc_info=True)
    return data


def _make(path: str, chars: list[int]) -> bytes:
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    options = ft_subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]  # vertical forms, locl: the shapes Chinese text expects
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # names, version, OFL licence and its URL
    options.name_languages = [0x409]
    options.notdef_outline = True
    options.hinting = False
    font = TTFont(path, lazy=True)
    try:
        subsetter = ft_subset.Subsetter(options)
        subsetter.populate(unicodes=chars)
        subsetter.subset(font)
        buf = io.BytesIO()
        font.flavor = "woff"
        font.save(buf)
    finally:
        font.close()
    return buf.getvalue()


def warm() -> None:
    """Make (or find) the first face, so putting a page together does not wait for it."""
    subset(base_chars())


def warm_aside() -> threading.Thread:
    """:func:`warm` without using this process: when the machine's cache lacks the package's
    face, a child process makes it (≈ 1.5 s of fontTools, pure Python) while this one goes on;
    :func:`subset` waits for that child instead of making the face again. A build renders its
    pages on a thread of the main process, which the subsetting would otherwise hold up behind
    the interpreter lock until the last section (a first build on a machine: a 3 s tail)."""
    thread = threading.Thread(target=_warm_in_child, name="wxnb-font", daemon=True)
    thread.start()
    return thread


def _warm_in_child() -> None:
    try:
        _, ident = _font()
    except Exception:  # noqa: BLE001 - subset() says so when the page needs the face
        return
    with _MAKING:
        if _cached(ident, sorted(base_chars())).is_file():
            return
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [package_root, *filter(None, [os.environ.get("PYTHONPATH")])])}
        try:  # a failure only means subset() makes the face itself
            subprocess.run([sys.executable, "-c", "from wxnb.build import webfont; webfont.warm()"],
                           env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=300, check=False)
        except (OSError, subprocess.SubprocessError):
            logger.debug("字体子集的子进程未能运行", exc_info=True)


def _face(family: str, data: bytes, unicode_range: str) -> str:
    url = "data:font/woff;base64," + base64.b64encode(data).decode("ascii")
    return (f'@font-face{{font-family:"{family}";src:url({url}) format("woff");'
            f"font-display:block;unicode-range:{unicode_range}}}")


def font_css(page_chars: Iterable[int]) -> str:
    """The ``@font-face`` rules for a page showing ``page_chars`` ("" when no font could be
    made): the package's face, and a face of the page's other characters if it has any."""
    base = base_chars()
    rules = []
    first = subset(base)
    if first is not None:
        rules.append(_face(FAMILIES[0], first, UNICODE_RANGE))
    extra = sorted(set(page_chars) - base)
    if extra:
        second = subset(extra)
        if second is not None:
            rules.append(_face(FAMILIES[1], second, ", ".join(f"U+{cp:04X}" for cp in extra)))
    return "\n".join(rules)
