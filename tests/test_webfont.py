"""wxnb.build.webfont: the Chinese font subsets the report embeds."""

from __future__ import annotations

import base64
import io
import logging
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from wxnb.build import webfont


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WXNB_CACHE_DIR", str(tmp_path))
    return tmp_path / "fonts"


def cmap(data: bytes) -> set[int]:
    return set(TTFont(io.BytesIO(data)).getBestCmap())


def faces(css: str) -> dict[str, tuple[bytes, str]]:
    """family → (font bytes, unicode-range) of each @font-face rule."""
    out = {}
    for family, b64, ranges in re.findall(
            r'font-family:"([^"]+)";src:url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\) '
            r'format\("woff"\);font-display:block;unicode-range:([^}]+)}', css):
        out[family] = (base64.b64decode(b64), ranges)
    return out


def test_the_faces_cover_chinese_and_the_latin_around_it_not_emoji() -> None:
    text = "月报 A1，（阅读）😀−é\u202e"
    assert webfont.cjk_chars(text) == {ord(c) for c in "月报 A1，（阅读）−é"}
    assert {ord(c) for c in "0123456789%.,-+ABCxyz "} <= webfont.base_chars()


def test_the_first_face_covers_the_packages_own_text() -> None:
    base = webfont.base_chars()
    for text in ("核心绩效指标达成分析", "微信营销月度复盘", "分析师点评", "人工", "二三"):
        assert webfont.cjk_chars(text) <= base, text
    assert 500 < len(base) < 4000


def test_a_subset_is_a_woff_with_the_glyphs_asked_for_and_is_kept(_cache: Path,
                                                                monkeypatch) -> None:
    chars = webfont.cjk_chars("二三月报阅读龘")
    data = webfont.subset(chars)
    assert data is not None and data[:4] == b"wOFF"
    assert chars <= cmap(data)
    assert len(data) < 20_000  # seven glyphs, not the 8 MB font
    assert len(list(_cache.glob("*.woff"))) == 1
    monkeypatch.setattr(webfont, "_make", lambda *a: pytest.fail("made again"))
    assert webfont.subset(sorted(chars, reverse=True)) == data  # found by its characters


def test_the_first_face_is_made_by_a_child_process_and_read_here(_cache: Path,
                                                                  monkeypatch) -> None:
    """A build's page renders never wait behind fontTools in the main process: the package's
    face is made by a child (into the machine's cache), and this process only reads it."""
    monkeypatch.setattr(webfont, "_make", lambda *a: pytest.fail("made in this process"))
    webfont.warm_aside().join(timeout=120)
    data = webfont.subset(webfont.base_chars())
    assert data is not None and data[:4] == b"wOFF" and len(list(_cache.glob("*.woff"))) == 1
    assert webfont.cjk_chars("核心绩效指标达成分析微信营销月度复盘") <= cmap(data)  # the package's text
    webfont.warm_aside().join(timeout=120)  # kept: no child needed, nothing made again
    assert len(list(_cache.glob("*.woff"))) == 1


def test_no_font_means_no_face_and_a_warning(monkeypatch, caplog) -> None:
    def missing() -> tuple[str, str]:
        raise ModuleNotFoundError("No module named 'pylopdf_fonts_zh_cn'")

    monkeypatch.setattr(webfont, "_font", missing)
    with caplog.at_level(logging.WARNING, logger="wxnb.build.webfont"):
        assert webfont.subset([ord("月")]) is None
        assert webfont.font_css([ord("月")]) == ""
    assert "未嵌入中文字体" in caplog.text


def test_the_second_face_holds_only_the_datas_other_characters() -> None:
    rare = webfont.cjk_chars("龘靐")
    assert not rare & webfont.base_chars()
    css = webfont.font_css(webfont.cjk_chars("月度复盘龘靐"))
    got = faces(css)
    assert list(got) == list(webfont.FAMILIES)
    first, first_range = got["wxnb CJK"]
    second, second_range = got["wxnb CJK+"]
    hanzi = {cp for cp in webfont.base_chars() if 0x4E00 <= cp <= 0x9FFF}
    assert hanzi <= cmap(first)  # Noto Sans SC has every one (a symbol such as ↺ may be missing)
    assert rare <= cmap(second) and not cmap(second) & webfont.base_chars()
    assert first_range == webfont.UNICODE_RANGE
    assert second_range == ", ".join(f"U+{cp:04X}" for cp in sorted(rare))
    assert list(faces(webfont.font_css(webfont.cjk_chars("月度复盘")))) == ["wxnb CJK"]
