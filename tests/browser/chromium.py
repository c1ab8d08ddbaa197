"""Debian's Chromium for the browser tests: where it is, how it starts, which fonts it sees.

Chromium is started by Playwright (``executable_path``), never downloaded by it. It runs with the
flags this closed network needs (shared/reference/cjk-fonts.md) and a fresh profile (Playwright's
``launch`` makes a new temporary user-data dir each time and removes it on close).

Fonts are isolated: Chromium gets a ``FONTCONFIG_FILE`` that lists only the fonts named here, so
the tests see the same fonts on a developer's machine and on a fresh CI machine, whatever CJK
fonts the system has:

* ``cjk`` (the default): Noto Sans SC Regular from the ``pylopdf-fonts-zh-cn`` wheel (a project
  dependency; one of the names in the report's font stack) and DejaVu (Debian's fontconfig
  depends on it) for anything else.
* ``none``: DejaVu only, no CJK font at all. Chinese text is drawn as boxes (tofu); the glyph
  tests must then fail. Set ``WXNB_BROWSER_FONTS=none`` to see them fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

#: Flags for this closed network: without the background-networking ones Chromium keeps trying
#: to reach Google's hosts. ``--headless`` and ``--no-sandbox`` because CI runs as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
DEFAULT_CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = (
    "run `make test` as root (tools/install-browser.sh installs it), or "
    "`apt-get update && apt-get install -y --no-install-recommends chromium`"
)
_LATIN_DIRS = ("/usr/share/fonts/truetype/dejavu",)


def missing(what: str) -> None:
    """Fail (in CI, where CI=true) or skip (elsewhere) with a message saying what to install."""
    message = f"browser tests need {what}"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(message + " (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


def chromium_path() -> str:
    """The Chromium binary: ``$WXNB_CHROMIUM`` or Debian's ``/usr/bin/chromium``."""
    path = os.environ.get("WXNB_CHROMIUM", DEFAULT_CHROMIUM)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        missing(f"Chromium at {path}: {INSTALL_HINT}")
    return path


def cjk_font_file() -> Path:
    """Noto Sans SC Regular (OFL-1.1) as shipped by the pylopdf-fonts-zh-cn wheel."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:
        missing("the pip package pylopdf-fonts-zh-cn (`pip install -e '.[dev]'`)")
    return Path(sans_path())


def write_fontconfig(folder: Path, *, cjk: bool) -> Path:
    """Write an isolated fontconfig into ``folder``; return the ``FONTCONFIG_FILE`` path.

    With ``cjk`` the bundled Noto Sans SC is linked into ``folder/fonts``; sans-serif, serif and
    monospace all prefer it. DejaVu (when installed) is the fallback for other scripts.
    """
    folder.mkdir(parents=True, exist_ok=True)
    fonts = folder / "fonts"
    if fonts.exists():
        shutil.rmtree(fonts)
    fonts.mkdir()
    dirs = [str(fonts)] + [d for d in _LATIN_DIRS if os.path.isdir(d)]
    families = ["DejaVu Sans"]
    if cjk:
        (fonts / "NotoSansSC-Regular.otf").symlink_to(cjk_font_file())
        families.insert(0, "Noto Sans SC")
    prefer = "".join(f"<family>{f}</family>" for f in families)
    aliases = "".join(
        f"<alias><family>{generic}</family><prefer>{prefer}</prefer></alias>"
        for generic in ("sans-serif", "serif", "monospace", "system-ui")
    )
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig>\n"
        + "".join(f"  <dir>{d}</dir>\n" for d in dirs)
        + f"  <cachedir>{folder / 'cache'}</cachedir>\n  {aliases}\n</fontconfig>\n",
        encoding="utf-8",
    )
    return conf


def launch(playwright: object, folder: Path, *, cjk: bool) -> object:
    """Start headless Chromium with an isolated fontconfig in ``folder``."""
    conf = write_fontconfig(folder, cjk=cjk)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FONTCONFIG_")}
    env["FONTCONFIG_FILE"] = str(conf)
    return playwright.chromium.launch(  # type: ignore[attr-defined]
        executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True, env=env,
        chromium_sandbox=False,
    )
