"""wxnb.build.pdf: finding Chromium and printing with it (a fake Chromium here; the real one
prints the sample report in tests/test_browser.py)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from wxnb.build import pdf
from wxnb.exceptions import BuildError
from wxnb.paths import PROJECT_ROOT


def fake_chromium(folder: Path, body: str) -> str:
    """An executable that stands in for Chromium: ``$out`` is the --print-to-pdf path."""
    script = folder / "chromium"
    script.write_text("#!/bin/sh\nfor a; do case $a in --print-to-pdf=*) out=${a#*=};; esac; "
                      f"done\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def page(tmp_path: Path) -> Path:
    html = tmp_path / "report.html"
    html.write_text("<html lang='zh'><body>月报</body></html>", encoding="utf-8")
    return html


def test_chromium_comes_from_the_environment_or_the_path(tmp_path: Path, monkeypatch) -> None:
    exe = fake_chromium(tmp_path, "exit 0")
    monkeypatch.setenv("WXNB_CHROMIUM", exe)
    assert pdf.chromium() == exe
    monkeypatch.setenv("WXNB_CHROMIUM", str(tmp_path / "nope"))
    with pytest.raises(BuildError, match="WXNB_CHROMIUM 指向的 .*nope 不存在") as err:
        pdf.chromium()
    assert "apt-get install" in str(err.value) and "去掉 --pdf" in str(err.value)
    monkeypatch.delenv("WXNB_CHROMIUM")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BuildError, match="找不到 Chromium"):
        pdf.chromium()
    monkeypatch.setenv("PATH", str(tmp_path))
    assert pdf.chromium() == exe  # named chromium on PATH


def test_a_printed_pdf_replaces_the_old_one_whole(tmp_path: Path) -> None:
    exe = fake_chromium(tmp_path, 'printf "%%PDF-1.4 %s" "$*" > "$out"')
    out = tmp_path / "report.pdf"
    out.write_bytes(b"%PDF-old")
    assert pdf.write_pdf(page(tmp_path), out, browser=exe) == out
    args = out.read_text(encoding="utf-8")
    assert args.startswith("%PDF-1.4")
    assert "--headless" in args and "--no-pdf-header-footer" in args
    assert "--disable-background-networking" in args and "--user-data-dir=" in args
    assert (tmp_path / "report.html").as_uri() in args
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chromium", "report.html",
                                                          "report.pdf"]


@pytest.mark.parametrize("body, why", [
    ("echo 'crashed: no display' >&2; exit 3", "退出码 3"),
    ('printf "<html>not a pdf" > "$out"', "退出码 0"),
    ("exit 0", "退出码 0"),
])
def test_a_failed_print_says_so_and_keeps_the_old_pdf(tmp_path: Path, body: str,
                                                      why: str) -> None:
    exe = fake_chromium(tmp_path, body)
    out = tmp_path / "report.pdf"
    out.write_bytes(b"%PDF-old")
    with pytest.raises(BuildError, match="未能把报告打印为 PDF") as err:
        pdf.write_pdf(page(tmp_path), out, browser=exe)
    assert why in str(err.value)
    assert out.read_bytes() == b"%PDF-old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chromium", "report.html",
                                                          "report.pdf"]


def test_build_pdf_without_chromium_fails_before_any_section(tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = out / "sample" / "2026-10" / "report.html"
    report.parent.mkdir(parents=True)
    report.write_text("last good report", encoding="utf-8")
    env = dict(os.environ, WXNB_CHROMIUM=str(tmp_path / "no-chromium"))
    res = subprocess.run([sys.executable, "-m", "wxnb", "build", "--pdf", "--force",
                          "--out", str(out)], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, timeout=120, env=env)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "无法生成 PDF" in res.stderr and "apt-get install" in res.stderr
    assert "Traceback" not in res.stderr and "执行" not in res.stdout  # no section ran
    assert report.read_text(encoding="utf-8") == "last good report"
