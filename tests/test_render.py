"""Formatting is Chinese-style; every text from data is escaped; charts have no missing glyph."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager as fm
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from wxnb.kit import charts
from wxnb.kit import fmt

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(1)>"><svg onload=alert(1)>'


def test_number_formats() -> None:
    assert fmt.fmt_int(1234567) == "1,234,567"
    assert fmt.fmt_pct(0.0345) == "3.5%" and fmt.fmt_pct(0.0345, 2) == "3.45%"
    assert fmt.fmt_signed_pct(-0.052) == "−5.2%" and fmt.fmt_signed_pct(0.052) == "+5.2%"
    assert fmt.fmt_pp(-0.42) == "−0.42 个百分点" and fmt.fmt_pp(0.42) == "+0.42 个百分点"
    assert fmt.fmt_money(3000) == "¥3,000" and fmt.fmt_money(-3000.4) == "−¥3,000"
    assert fmt.fmt_int(-1234567) == "−1,234,567" and fmt.fmt_int(12, "人") == "12人"
    assert fmt.fmt_int(None) == fmt.fmt_pct(float("nan")) == fmt.fmt_int(pd.NA) == "—"
    assert fmt.month_cn("2026-01") == "2026年1月"


def test_counts_in_prose_go_to_wan_and_yi_from_ten_thousand() -> None:
    assert [fmt.fmt_count(v) for v in (0, 999, 9999, 9999.4)] == ["0", "999", "9,999", "9,999"]
    assert [fmt.fmt_count(v) for v in (9999.6, 10000, 12345, 127099, 1234567)] == [
        "1万", "1万", "1.2万", "12.7万", "123.5万"]
    assert [fmt.fmt_count(v) for v in (99_999_999, 123_456_789, 2_000_000_000)] == [
        "1亿", "1.23亿", "20亿"]
    assert fmt.fmt_count(-127099) == "−12.7万" and fmt.fmt_count(-0.4) == "0"
    assert fmt.fmt_count(127099, "次") == "12.7万次" and fmt.fmt_count(12, "人") == "12人"
    assert {fmt.fmt_count(v) for v in (None, float("nan"), float("inf"), pd.NA)} == {"—"}


def test_number_formats_never_show_minus_zero_infinity_or_a_hyphen() -> None:
    # Values that round to zero carry no sign; non-finite values are "—", like missing ones.
    assert fmt.fmt_int(-0.4) == "0" and fmt.fmt_int(-0.0) == "0"
    assert fmt.fmt_pct(-0.00001) == "0.0%" and fmt.fmt_pct(-0.0) == "0.0%"
    assert fmt.fmt_signed_pct(-0.0004) == "0.0%" and fmt.fmt_signed_pct(0.0004) == "0.0%"
    assert fmt.fmt_pp(-0.004) == "0.00 个百分点" and fmt.fmt_money(-0.2) == "¥0"
    for bad in (float("inf"), float("-inf"), np.float64("inf")):
        assert {fmt.fmt_int(bad), fmt.fmt_pct(bad), fmt.fmt_signed_pct(bad), fmt.fmt_pp(bad),
                fmt.fmt_money(bad)} == {"—"}
    for v in (-1, -0.6, -1234.5):
        for text in (fmt.fmt_int(v), fmt.fmt_count(v), fmt.fmt_signed_int(v), fmt.fmt_pct(v),
                     fmt.fmt_signed_pct(v), fmt.fmt_pp(v), fmt.fmt_money(v)):
            assert "-" not in text and text.startswith(fmt.MINUS), text
    for text in (fmt.fmt_pct(-0.0123), fmt.fmt_signed_pct(-0.0123), fmt.fmt_pp(-0.0123)):
        assert "-" not in text and text.startswith(fmt.MINUS), text
    assert fmt.fmt_signed_int(12) == "+12" and fmt.fmt_signed_int(-0.3) == "0"


def test_an_html_block_has_the_same_text_form_in_every_run() -> None:
    """The notebook keeps a text/plain beside each HTML output: an object address there made
    every run's outputs differ (and no section page could be reused)."""
    a, b = fmt.table([["1"]], ["列"]), fmt.table([["1"]], ["列"])
    assert repr(a) == repr(b) and "0x" not in repr(a)
    assert repr(a) != repr(fmt.table([["12"]], ["列"]))


def test_tables_narratives_and_notes_escape_data() -> None:
    for block in (fmt.table([[HOSTILE, 1]], ["标题", HOSTILE], numeric=[1], caption=HOSTILE),
                  fmt.narrative([HOSTILE]), fmt.notes([HOSTILE], title=HOSTILE)):
        html = block._repr_html_()
        assert "<script" not in html and "<img" not in html and "<svg" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _render_warnings(fig: Figure, fmt_: str) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format=fmt_)
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


@pytest.fixture
def figures() -> list[Figure]:
    charts.apply_theme()
    days = pd.date_range("2026-10-01", periods=31, name="ref_date")
    rng = np.random.default_rng(0)
    daily = pd.DataFrame({"new_user": rng.poisson(200, 31), "cancel_user": rng.poisson(80, 31)},
                         index=days)
    daily["net_user"] = daily["new_user"] - daily["cancel_user"]
    anomalies = pd.DataFrame({"flag": [True], "metric": ["cancel_user"]}, index=days[[14]])
    sources = pd.DataFrame({"source": ["扫描二维码", "公众号搜索", "未知来源(999)", "视频号"],
                            "new_user": [900, 700, 5, 40],
                            "new_share": [0.55, 0.42, 0.003, 0.027]})
    return [charts.follower_trend(daily, anomalies), charts.follower_sources_bar(sources)]


@pytest.mark.parametrize("fmt_", ["png", "svg"])
def test_charts_render_without_missing_glyphs(figures: list[Figure], fmt_: str) -> None:
    for fig in figures:
        assert _render_warnings(fig, fmt_) == []


def test_every_chart_character_has_a_glyph(figures: list[Figure]) -> None:
    from matplotlib.ft2font import FT2Font

    fonts = [FT2Font(charts.font_path()), FT2Font(fm.findfont("DejaVu Sans"))]
    for fig in figures:
        FigureCanvasAgg(fig).draw()
        for text in fig.findobj(Text):
            for ch in text.get_text():
                if ch.isspace():
                    continue
                assert any(f.get_char_index(ord(ch)) for f in fonts), repr(ch)


def test_cjk_font_is_really_used() -> None:
    charts.apply_theme()
    path = fm.findfont(fm.FontProperties(family=charts.FONT_FAMILIES[0]),
                       fallback_to_default=False)
    assert "NotoSansSC" in path

    def pixels(ch: str) -> np.ndarray:
        fig = Figure(figsize=(1, 1), dpi=50)
        fig.text(0.1, 0.1, ch, fontsize=30)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba())

    assert not np.array_equal(pixels("二"), pixels("三"))  # tofu draws one box for both
