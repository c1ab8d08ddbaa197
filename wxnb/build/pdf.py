"""``wxnb build --pdf``: the report printed to ``report.pdf`` by Chromium, as a reader's Ctrl+P
would print it (A4 and the margins of the page's ``@page`` rule, its print stylesheet: cover
alone on page 1, each section on a new page, the running footer). WeChat's chat viewer previews a
PDF reliably where an HTML file is often opened as text.

Chromium prints in headless mode from its command line (``--print-to-pdf``), with a fresh
profile and the flags a closed network needs, from the page the build wrote: it is offline,
carries its Chinese glyphs (``wxnb.build.webfont``) and has no script, so nothing is fetched and
the PDF looks the same on any machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from wxnb.exceptions import BuildError

__all__ = ["INSTALL_HINT", "chromium", "write_pdf"]

#: Chromium binaries looked for on PATH when ``WXNB_CHROMIUM`` is not set.
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
          "microsoft-edge")
INSTALL_HINT = ("安装 Chromium（Debian/Ubuntu：以 root 运行 make browser-deps，或 "
                "apt-get install -y --no-install-recommends chromium），或用环境变量 WXNB_CHROMIUM "
                "指向已安装的 Chromium/Chrome；不需要 PDF 时去掉 --pdf")
#: Headless, no sandbox (CI runs as root), nothing in the background that would reach the
#: network, no header or footer of Chromium's own (the page has its running footer).
_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-extensions", "--hide-scrollbars", "--no-pdf-header-footer",
          "--run-all-compositor-stages-before-draw")
_TIMEOUT = 180  # seconds; the sample report prints in ≈ 2 s


def chromium() -> str:
    """The Chromium (or Chrome) to print with: ``$WXNB_CHROMIUM``, else the first of
    :data:`_NAMES` on PATH. Raises BuildError saying how to install one."""
    env = os.environ.get("WXNB_CHROMIUM")
    if env:
        if os.path.isfile(env) and os.access(env, os.X_OK):
            return env
        raise BuildError(f"WXNB_CHROMIUM 指向的 {env} 不存在或不可执行，无法生成 PDF：{INSTALL_HINT}")
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BuildError(f"找不到 Chromium，无法生成 PDF：{INSTALL_HINT}")


def write_pdf(html: Path, pdf: Path, *, browser: str | None = None) -> Path:
    """Print ``html`` to ``pdf`` (written whole or not at all; an existing ``pdf`` is replaced
    only by a complete one).

    Raises
    ------
    BuildError
        No Chromium, or it failed, timed out or wrote no PDF (its last output lines are named).
    """
    exe = browser or chromium()
    html, pdf = Path(html).resolve(), Path(pdf)
    tmp = pdf.with_name(f".{pdf.name}.{os.getpid()}.tmp")
    with tempfile.TemporaryDirectory(prefix="wxnb-chromium-") as profile:
        cmd = [exe, *_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp}",
               html.as_uri()]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=_TIMEOUT,
                                 stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            tmp.unlink(missing_ok=True)
            raise BuildError(f"Chromium 打印 PDF 超时（{_TIMEOUT} 秒）：{html}") from exc
        except OSError as exc:
            raise BuildError(f"无法启动 Chromium（{exe}）：{exc}。{INSTALL_HINT}") from exc
    ok = run.returncode == 0 and tmp.is_file() and tmp.read_bytes()[:5] == b"%PDF-"
    if not ok:
        tmp.unlink(missing_ok=True)
        tail = "\n".join(line for line in (run.stderr or "").splitlines()[-5:]
                         if "dbus" not in line.lower())
        raise BuildError(f"Chromium 未能把报告打印为 PDF（退出码 {run.returncode}）"
                         + (f"：\n{tail}" if tail else ""))
    os.replace(tmp, pdf)
    return pdf
