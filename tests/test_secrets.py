"""Secrets never reach an output or a log: by key name at any depth, by the credential
environment variables, in every file a build writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wxnb.params import load_params
from wxnb.paths import PROJECT_ROOT
from wxnb.secrets import MASK, known_secrets, mask_secrets, scrub_folder, scrub_text

NESTED = "nested-recommendation-token-7Hq2"
APPSECRET = "0123456789abcdef0123456789abcdef"  # a WeChat AppSecret is 32 hex digits
ACCESS_TOKEN = "ACCESS-TOKEN-planted-9f8e7d6c5b4a"
RECS = (f"manual_recommendations=[{{text: 复盘推送时段, owner: 市场部, priority: 高, "
        f"api_token: {NESTED}}}]")


def test_masked_parameters_mask_secret_keys_at_any_depth() -> None:
    """It used to look at top-level names only: a token inside manual_recommendations leaked."""
    p = load_params(overrides={"manual_recommendations": [
        {"text": "复盘", "owner": "市场部", "priority": "高", "api_token": NESTED}]})
    masked = p.masked()
    assert masked["manual_recommendations"][0]["api_token"] == MASK
    assert masked["manual_recommendations"][0]["text"] == "复盘"
    assert NESTED in known_secrets(p.model_dump())


def test_environment_credentials_are_known_and_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WXNB_APPSECRET", APPSECRET)
    monkeypatch.setenv("WXNB_ACCESS_TOKEN", ACCESS_TOKEN)
    monkeypatch.setenv("WXNB_ADS_SECRET", "another-planted-value")
    assert {APPSECRET, ACCESS_TOKEN, "another-planted-value"} <= set(known_secrets())
    shown = mask_secrets({"note": f"url?x=1 {ACCESS_TOKEN} end"})
    assert ACCESS_TOKEN not in shown["note"] and MASK in shown["note"]


def test_scrub_masks_every_escaped_form(tmp_path: Path) -> None:
    secret = 'p"a<s>s&word\\x'
    (tmp_path / "a.json").write_text('{"v": "p\\"a<s>s&word\\\\x"}', encoding="utf-8")
    (tmp_path / "b.html").write_text("<td>p&quot;a&lt;s&gt;s&amp;word\\x</td>", encoding="utf-8")
    (tmp_path / "c.bin").write_bytes(b"\xff\xfe binary")
    changed = scrub_folder(tmp_path, [secret])
    assert sorted(p.name for p in changed) == ["a.json", "b.html"]
    for p in changed:
        assert "word" not in p.read_text(encoding="utf-8")
    assert scrub_text("a-b-secret-c", ["secret"]) == "a-b-***-c"
    # too short to scrub from text (it would mask ordinary words); its key is still masked
    assert known_secrets({"token": "abc"}) == [] and mask_secrets({"token": "abc"}) == {
        "token": MASK}


@pytest.mark.e2e
def test_no_planted_secret_reaches_any_output_of_a_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {**os.environ, "WXNB_APPSECRET": APPSECRET, "WXNB_ACCESS_TOKEN": ACCESS_TOKEN}
    res = subprocess.run([sys.executable, "-m", "wxnb", "build", "--out", str(out), "--set", RECS],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".ipynb" for p in files) and any(p.name == "run.json" for p in files)
    for p in files:
        data = p.read_bytes()
        for secret in (NESTED, APPSECRET, ACCESS_TOKEN):
            assert secret.encode() not in data, (p.name, secret)
    for secret in (NESTED, APPSECRET, ACCESS_TOKEN):
        assert secret not in res.stdout + res.stderr
    report = (out / "sample" / "2026-10" / "report.html").read_text(encoding="utf-8")
    assert "复盘推送时段" in report  # the recommendation itself is kept, only its secret masked
