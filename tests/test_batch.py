"""wxnb batch (issue #16): an agency's month, account by account, on the local pool or a Dask
LocalCluster, one account's failure never stopping the others, and the portfolio overview."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from wxnb.build import batch, portfolio
from wxnb.io import eventlog
from wxnb.kit.findings import Finding, read_folder
from wxnb.paths import PROJECT_ROOT

MONTH = "2026-10"
ACCOUNTS = ("east", "north", "south")


@pytest.fixture(scope="module")
def agency(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three sample-derived accounts (different seeds, 10,000 events a month): the data root."""
    from wxnb.samples.month import generate_sample

    root = tmp_path_factory.mktemp("agency")
    for seed, account in enumerate(ACCOUNTS, start=1):
        generate_sample(root, account=account, month=MONTH, seed=seed, events=10_000)
    return root


def wxnb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wxnb", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=1200)


def findings_of(out: Path, account: str) -> list[Finding]:
    return read_folder(out / account / MONTH)


# --------------------------------------------------------------------------- accounts


def test_accounts_are_the_folders_holding_the_month(tmp_path: Path) -> None:
    for name in ("b", "a", "_events", "templates", ".hidden"):
        (tmp_path / name / MONTH).mkdir(parents=True)
    (tmp_path / "c" / "2026-09").mkdir(parents=True)  # not this month
    assert batch.accounts_for(MONTH, None, tmp_path) == ["a", "b"]
    assert batch.accounts_for(MONTH, "x, y,x", tmp_path) == ["x", "y"]
    with pytest.raises(batch.BatchError, match="没有含 2026-11 目录的账号"):
        batch.accounts_for("2026-11", None, tmp_path)


def test_event_log_partitioned_by_account_and_month(tmp_path: Path) -> None:
    month = tmp_path / "data" / "acme" / MONTH
    month.mkdir(parents=True)
    part = tmp_path / "data" / "_events" / "account=acme" / f"month={MONTH}"
    part.mkdir(parents=True)
    (part / "part-0.parquet").write_bytes(b"x")
    (part / "part-1.parquet").write_bytes(b"x")
    other = tmp_path / "data" / "_events" / "account=other" / f"month={MONTH}"
    other.mkdir(parents=True)
    (other / "part-0.parquet").write_bytes(b"x")
    assert [p.name for p in eventlog.event_files(month)] == ["part-0.parquet", "part-1.parquet"]
    assert all(p.parent == part for p in eventlog.event_files(month))
    (month / "events.parquet").write_bytes(b"x")  # the month folder's own log wins
    assert eventlog.event_files(month) == [month / "events.parquet"]


# --------------------------------------------------------------------------- the overview


def _row(account: str, **kw: object) -> portfolio.AccountRow:
    return portfolio.AccountRow(account=account, name=kw.pop("name", account),  # type: ignore[arg-type]
                                ok=kw.pop("ok", True), **kw)  # type: ignore[arg-type]


def test_overview_orders_by_attention_and_escapes_every_text() -> None:
    bad = Finding(section="01_kpi", section_title="01", metric="open_rate", name="打开率",
                  status="未达标", evidence="打开率 1.2%（目标 2%）<img src=x onerror=alert(1)>",
                  gap=0.4)
    rows = [_row("calm", met=5, targeted=5),
            _row("worse", name="<script>alert(1)</script>旗舰店", missed=3, warned=1,
                 worst=[bad], met=1, targeted=5, open_rate=0.012, link="../../worse/x.html"),
            _row("broken", ok=False, message="getbizsummary_2026-10-03.json 第 1 行 <b>坏</b>"),
            _row("bad", missed=3, warned=0, met=2, targeted=5)]
    assert [r.account for r in portfolio.order(rows)] == ["broken", "worse", "bad", "calm"]
    page = portfolio.render(rows, MONTH, generated="2026-11-02 09:00")
    soup = BeautifulSoup(page, "html.parser")
    assert not soup.find("script") and not soup.find("b") and not soup.find("img")
    text = soup.get_text()
    assert "<script>alert(1)</script>旗舰店" in text and "onerror=alert(1)" in text
    assert "4 个账号，2 个有未达标项" in text and "1 个报告未生成" in text
    items = soup.select("ol.wx-attention li")
    assert [li.strong.get_text() for li in items] == ["broken", "<script>alert(1)</script>旗舰店",
                                                       "bad"]  # every account the verdict names
    assert "未达标 3 项、预警 0 项" in items[2].get_text()
    summaries = [d.summary.get_text() for d in soup.select("details.wx-fold")]
    assert summaries == ["未生成报告的原因（1 个账号）", "方法与口径"]
    assert "getbizsummary_2026-10-03.json" in soup.select("details.wx-fold")[0].get_text()
    assert "1/5 项达标" in text and "1.20%" in text
    assert "url(http" not in page and "<link" not in page


# --------------------------------------------------------------------------- builds


@pytest.mark.e2e
def test_batch_locally_and_on_dask_gives_the_same_reports(agency: Path, tmp_path: Path) -> None:
    local, dask_out = tmp_path / "local", tmp_path / "dask"
    res = wxnb("batch", "--month", MONTH, "--data", str(agency), "--out", str(local),
               "--workers", "2")
    assert res.returncode == 0, res.stdout + res.stderr
    for account in ACCOUNTS:
        assert f"✓ {account}" in res.stdout
    res = wxnb("batch", "--month", MONTH, "--data", str(agency), "--out", str(dask_out),
               "--accounts", ",".join(ACCOUNTS), "--executor", "dask", "--workers", "2")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Dask" in res.stdout
    for account in ACCOUNTS:
        a, b = findings_of(local, account), findings_of(dask_out, account)
        assert a and a == b, account
    seeds = {a: findings_of(local, a) for a in ACCOUNTS}
    assert seeds["east"] != seeds["north"]  # three different accounts
    pages = [BeautifulSoup((root / "_portfolio" / MONTH / "report.html").read_text("utf-8"),
                           "html.parser") for root in (local, dask_out)]
    tables = [[td.get_text() for td in p.select("#wx-league tbody td")] for p in pages]
    assert tables[0] == tables[1] and len(tables[0]) == 7 * len(ACCOUNTS)
    for a in pages[0].select("#wx-league a[href]"):
        target = (local / "_portfolio" / MONTH / a["href"]).resolve()
        assert target.is_file() and target.name == "report.html"


@pytest.mark.e2e
def test_one_broken_account_never_stops_the_others(agency: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    for account in ("east", "north"):
        shutil.copytree(agency / account, data / account)
    bad = sorted((data / "north" / MONTH).glob("getbizsummary_*.json"))[3]
    bad.write_text('{"list": [', encoding="utf-8")
    out = tmp_path / "out"
    res = wxnb("batch", "--month", MONTH, "--data", str(data), "--out", str(out))
    assert res.returncode == 1, res.stdout + res.stderr
    assert "✓ east" in res.stdout and "✗ north" in res.stdout
    assert bad.name in res.stdout + res.stderr  # the build's own message, naming the file
    assert (out / "east" / MONTH / "report.html").is_file()
    assert not (out / "north" / MONTH / "report.html").exists()
    page = (out / "_portfolio" / MONTH / "report.html").read_text("utf-8")
    soup = BeautifulSoup(page, "html.parser")
    assert "1 个报告未生成" in soup.select_one(".wx-verdict").get_text()
    assert soup.select("ol.wx-attention li")[0].strong.get_text() == "north"
    summary = json.loads((out / "_portfolio" / MONTH / "batch.json").read_text("utf-8"))
    assert {a["account"]: a["ok"] for a in summary["accounts"]} == {"east": True,
                                                                    "north": False}


@pytest.mark.e2e
def test_an_account_reading_its_event_partition(agency: Path, tmp_path: Path) -> None:
    """The event log in data/_events/account=A/month=M/ (Parquet partitioned by account and
    month) instead of the month folder: the account builds with its event sections."""
    data = tmp_path / "data"
    shutil.copytree(agency / "south", data / "south")
    for month in (MONTH, "2026-09"):
        part = data / "_events" / "account=south" / f"month={month}"
        part.mkdir(parents=True)
        shutil.move(data / "south" / month / "events.parquet", part / "part-0.parquet")
    out = tmp_path / "out"
    res = wxnb("batch", "--month", MONTH, "--data", str(data), "--out", str(out))
    assert res.returncode == 0, res.stdout + res.stderr
    names = {p.name for p in (out / "south" / MONTH).glob("*.findings.json")}
    assert {"02_path.findings.json", "04_fans.findings.json"} <= names
    assert findings_of(out, "south") and "未生成" not in res.stdout


def test_finding_the_event_files_imports_no_duckdb_or_pandas() -> None:
    """A rebuild with nothing changed keys on the input files (event partitions included) and
    stops: naming the event files must not import DuckDB or pandas (≈ 0.4 s, 2× that rebuild)."""
    code = ("import sys; from wxnb.build import cache, runner; "
            "from wxnb.io.eventfiles import event_files; "
            "print(sorted(m for m in ('duckdb', 'pandas') if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(batch.BatchError, match="无法连接 Dask 调度器 tcp://127.0.0.1:9"):
        batch.run(["a"], MONTH, tmp_path, executor="dask", scheduler="tcp://127.0.0.1:9",
                  connect_timeout="2s")
    with pytest.raises(batch.BatchError, match="未知的执行方式"):
        batch.run(["a"], MONTH, tmp_path, executor="spark")


def test_the_appendix_lists_an_event_partition_with_its_checksum(tmp_path: Path) -> None:
    import hashlib

    import pandas as pd

    from wxnb.sections.s99_appendix import compute as appendix

    month = tmp_path / "data" / "acme" / MONTH
    month.mkdir(parents=True)
    part = tmp_path / "data" / "_events" / "account=acme" / f"month={MONTH}"
    part.mkdir(parents=True)
    pd.DataFrame({"time": ["2026-10-01 08:00:00"], "follower_id": ["a"],
                  "event": ["subscribe"]}).to_parquet(part / "part-0.parquet")
    row = appendix.provenance(month, MONTH).set_index("文件").loc[
        f"_events/account=acme/month={MONTH}/part-0.parquet"]
    assert row["接口"].startswith("事件日志") and row["行数"] == 1
    assert row["SHA-256"] == hashlib.sha256((part / "part-0.parquet").read_bytes()).hexdigest()
