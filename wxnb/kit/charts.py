"""The one chart theme (with a bundled CJK font) and the report's chart builders.

The font is Noto Sans SC Regular (OFL-1.1), installed from PyPI with the package
(``pylopdf-fonts-zh-cn``), registered by path so a stale matplotlib font cache cannot hide it, and
passed to ``sns.set_theme`` because seaborn's themes reset ``font.sans-serif``
(shared/reference/cjk-fonts.md). Builders return a ``matplotlib.figure.Figure`` that is not
managed by pyplot, so Jupyter shows it exactly once and tests can render it.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

import matplotlib as mpl
import pandas as pd
import seaborn as sns
from matplotlib import dates as mdates
from matplotlib import font_manager as fm
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.kit import fmt

__all__ = [
    "FONT_FAMILIES",
    "PALETTE",
    "apply_theme",
    "follower_sources_bar",
    "follower_trend",
    "font_path",
    "safe_label",
]

PALETTE = {
    "new": "#07C160",  # WeChat green
    "cancel": "#FA5151",
    "net": "#10AEFF",
    "muted": "#B2B2B2",
    "anomaly": "#FA9D3B",
    "text": "#191919",
}
FONT_FAMILIES = ["Noto Sans SC", "DejaVu Sans"]


@cache
def font_path() -> str:
    """Return the bundled Noto Sans SC file, registering it with matplotlib once."""
    from pylopdf_fonts_zh_cn import sans_path

    path = str(sans_path())
    fm.fontManager.addfont(path)
    return path


@cache
def _font_chars() -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(font_path()).get_charmap())


def safe_label(text: Any, limit: int = 24) -> str:
    """A text from data made safe for a chart: characters the bundled font lacks (emoji) and
    control/format characters (U+202E and other bidi controls) dropped, whitespace collapsed,
    ``$`` escaped (no mathtext), cut to ``limit`` characters with an ellipsis."""
    chars = _font_chars()
    kept = "".join(c for c in str(text)
                   if ord(c) in chars and unicodedata.category(c)[0] != "C" or c == " ")
    kept = " ".join(kept.split())
    short = kept if len(kept) <= limit else kept[: limit - 1] + "…"
    return short.replace("$", r"\$")


def apply_theme() -> None:
    """Set the report's seaborn theme, CJK font and figure defaults (call once per notebook)."""
    font_path()
    sns.set_theme(
        style="whitegrid",
        palette=[PALETTE["new"], PALETTE["net"], PALETTE["cancel"], PALETTE["anomaly"]],
        font=FONT_FAMILIES[0],
        rc={
            # Glyph-by-glyph fallback only happens across the families in font.family.
            "font.family": FONT_FAMILIES,
            "axes.unicode_minus": False,
            "figure.dpi": 100,
            "savefig.dpi": 110,
            "axes.titlesize": 13,
            "axes.titleweight": "normal",
            "axes.labelsize": 11,
            "legend.frameon": False,
        },
    )
    _register_inline_png()


def _register_inline_png() -> None:
    """Let Jupyter show a returned Figure as one PNG (figures here are not pyplot-managed, so
    the inline backend's own hook never fires for them)."""
    import sys

    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython
    from IPython.core.pylabtools import select_figure_formats

    shell = get_ipython()
    if shell is not None and hasattr(shell, "display_formatter"):
        select_figure_formats(shell, {"png"}, bbox_inches="tight", dpi=110)


def _figure(width: float = 9.0, height: float = 3.6) -> tuple[Figure, mpl.axes.Axes]:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def follower_trend(daily: pd.DataFrame, anomalies: pd.DataFrame) -> Figure:
    """Daily new (up), cancelled (down) and net followers; anomalous days ringed.

    ``daily`` comes from ``metrics.follower_daily``; ``anomalies`` has a boolean ``flag`` column
    and a ``metric`` column ('new_user' or 'cancel_user') for each flagged day.
    """
    fig, ax = _figure()
    x = daily.index
    ax.bar(x, daily["new_user"], color=PALETTE["new"], width=0.8, label="新关注")
    ax.bar(x, -daily["cancel_user"], color=PALETTE["cancel"], width=0.8, label="取消关注")
    ax.plot(x, daily["net_user"], color=PALETTE["net"], marker="o", ms=3, lw=1.8, label="净增")
    ax.axhline(0, color=PALETTE["muted"], lw=0.8)
    flagged = anomalies[anomalies["flag"]]
    if len(flagged):
        ys = [daily.loc[d, m] * (1 if m == "new_user" else -1)
              for d, m in zip(flagged.index, flagged["metric"], strict=True)]
        ax.scatter(flagged.index, ys, s=150, facecolors="none", edgecolors=PALETTE["anomaly"],
                   lw=2, zorder=5, label="异常日")
    ax.set_xlim(x[0] - pd.Timedelta(hours=18), x[-1] + pd.Timedelta(hours=18))
    ax.set_title("每日粉丝变化（新关注、取消关注、净增）")
    ax.set_ylabel("人数")
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=3))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_int(abs(v))}"))
    ax.legend(loc="upper left", ncols=4)
    return fig


def follower_sources_bar(sources: pd.DataFrame, top: int = 8) -> Figure:
    """Horizontal bars of new followers by source (Chinese names), with each source's share."""
    data = sources.head(top).iloc[::-1]
    fig, ax = _figure(8.0, 0.45 * len(data) + 1.2)
    ax.barh(data["source"], data["new_user"], color=PALETTE["new"])
    for y, (n, share) in enumerate(zip(data["new_user"], data["new_share"], strict=True)):
        ax.text(n, y, f" {fmt.fmt_int(n)}（{fmt.fmt_pct(share, 1)}）", va="center", fontsize=9, color=PALETTE["text"])
    ax.set_title("新关注来源（user_source）")
    ax.set_xlabel("新关注人数")
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{fmt.fmt_int(v)}"))
    ax.set_xlim(0, data["new_user"].max() * 1.25 if len(data) else 1)
    ax.grid(axis="y", visible=False)
    return fig
