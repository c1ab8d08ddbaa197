"""``wxnb fetch-ads`` against a fake Tencent Ads Marketing API on 127.0.0.1: pages archived byte
for byte and read by the section's reader, limits and system errors retried, an error answer
stopping with its code and message (never the token), a stopped fetch resumed without asking a
page twice, whole-or-nothing writes, and the token in no file and no output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import defaultdict, deque
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from wxnb.io import ads as ads_io
from wxnb.io import adsfetch as api
from wxnb.paths import PROJECT_ROOT
from wxnb.samples import ads as sample_ads

TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90"  # the shape of a Marketing API access_token
ACCOUNT = "25610"
MONTH = "2026-10"
UNTIL, TODAY = date(2026, 11, 30), date(2026, 12, 1)


class FakeAds:
    """``GET /daily_reports/get`` and ``/hourly_reports/get`` answering from rows, paged as the
    API pages them; faults queued per report kind: ``limit`` (11017), ``busy`` (30001),
    ``daily`` (11018), ``expired`` (11000), ``echo`` (31033 quoting the token), ``denied`` (an
    HTML page quoting the request URL, token and all), ``http500``."""

    def __init__(self, daily: list[dict], hourly: dict[str, list[dict]]) -> None:
        self.daily, self.hourly = daily, hourly
        self.faults: dict[str, deque[str]] = defaultdict(deque)
        self.calls: list[dict[str, Any]] = []
        self.sent: dict[tuple[str, str, int], bytes] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}/v1.3"

    @classmethod
    def from_sample(cls, folder: Path, month: str) -> FakeAds:
        sample_ads.write_sample(folder, month)
        daily: list[dict] = []
        hourly: dict[str, list[dict]] = defaultdict(list)
        for path in sorted(folder.glob("ads_*_reports_*.json")):
            rows = json.loads(path.read_bytes())["data"]["list"]
            m = ads_io.HOURLY_RX.fullmatch(path.name)
            if m:
                hourly[m.group(1)] += rows
            else:
                daily += rows
        return cls(daily, dict(hourly))

    def __enter__(self) -> FakeAds:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(self, kind: str, *faults: str) -> None:
        self.faults[kind].extend(faults)

    def pages_asked(self, outcome: str = "ok") -> list[tuple[str, str, int]]:
        return [(c["kind"], c["start"], c["page"]) for c in self.calls if c["outcome"] == outcome]

    def answer(self, kind: str, q: dict[str, str], path: str) -> tuple[int, bytes]:
        rng = json.loads(q.get("date_range", "{}"))
        page, size = int(q.get("page", 1)), int(q.get("page_size", 10))
        call = {"kind": kind, "start": rng.get("start_date"), "end": rng.get("end_date"),
                "page": page, "query": q, "outcome": "ok"}

        def done(obj: dict[str, Any], outcome: str, status: int = 200) -> tuple[int, bytes]:
            call["outcome"] = outcome
            with self._lock:
                self.calls.append(call)
            return status, json.dumps(obj, ensure_ascii=False).encode("utf-8")

        if q.get("access_token") != TOKEN:
            return done({"code": 11002, "message": "Access token is invalid.",
                         "message_cn": "您的 access_token 无效"}, "token")
        fault = self.faults[kind].popleft() if self.faults[kind] else ""
        if fault == "limit":
            return done({"code": 11017, "message": "limit per minute",
                         "message_cn": "应用请求已达分钟频次上限"}, fault)
        if fault == "busy":
            return done({"code": 30001, "message": "system error", "message_cn": "系统错误"}, fault)
        if fault == "daily":
            return done({"code": 11018, "message": "limit per day",
                         "message_cn": "应用请求已达天频次上限"}, fault)
        if fault == "expired":
            return done({"code": 11000, "message": "Access token is expired.",
                         "message_cn": "您的 access_token 已过期"}, fault)
        if fault == "echo":
            return done({"code": 31033, "message": f"not permitted, token {TOKEN}",
                         "message_cn": f"无权限 access_token={TOKEN}"}, fault)
        if fault == "http500":
            return done({}, fault, 500)
        if fault == "denied":
            call["outcome"] = fault
            with self._lock:
                self.calls.append(call)
            return 200, f"<html><body>Denied {path}</body></html>".encode()
        if kind == "daily":
            rows = [r for r in self.daily if rng["start_date"] <= r["date"] <= rng["end_date"]]
        else:
            if rng["start_date"] != rng["end_date"]:
                return done({"code": 31000, "message": "date_range too long"}, "range")
            rows = self.hourly.get(rng["start_date"], [])
        total_page = -(-len(rows) // size)
        obj = {"code": 0, "message": "", "message_cn": "",
               "data": {"list": rows[(page - 1) * size:page * size],
                        "page_info": {"page": page, "page_size": size, "total_number": len(rows),
                                      "total_page": total_page}}}
        status, raw = done(obj, "ok")
        with self._lock:
            self.sent[(kind, rng["start_date"], page)] = raw
        return status, raw

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                kinds = {"/v1.3/daily_reports/get": "daily", "/v1.3/hourly_reports/get": "hourly"}
                if url.path not in kinds:
                    self.send_error(404)
                    return
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                status, raw = fake.answer(kinds[url.path], q, self.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        return Handler


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> FakeAds:
    return FakeAds.from_sample(tmp_path_factory.mktemp("src") / MONTH, MONTH)


@pytest.fixture
def server(rows: FakeAds) -> Any:
    with FakeAds(rows.daily, rows.hourly) as fake:
        yield fake


def client(server: FakeAds, token: str = TOKEN, **kw: Any) -> api.AdsClient:
    kw = {"timeout": 5.0, "retries": 3, "sleep": lambda s: None, "page_size": 50, **kw}
    return api.AdsClient(server.base, api.AdsCredentials(ACCOUNT, token), **kw)


def fetch(server: FakeAds, folder: Path, c: api.AdsClient | None = None,
          reports: list[api.Report] | None = None) -> api.AdsOutcome:
    return api.fetch_month(c or client(server), MONTH, folder, reports=reports, until=UNTIL,
                           today=TODAY)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# --------------------------------------------------------------------------- the month


def test_a_month_is_fetched_page_by_page_and_archived_byte_for_byte(
        server: FakeAds, tmp_path: Path) -> None:
    out = fetch(server, tmp_path)
    got = files(tmp_path)
    assert set(got) == {p.name for p in out.written} and not out.kept
    daily = sorted(n for n in got if n.startswith("ads_daily"))
    assert daily == [f"ads_daily_reports_2026-10-01_2026-10-31_p{p}.json" for p in (1, 2, 3)]
    assert len([n for n in got if n.startswith("ads_hourly")]) >= 31 * 2  # ≥ 51 rows a day
    for (kind, start, page), raw in server.sent.items():
        name = (ads_io.daily_name(date(2026, 10, 1), date(2026, 10, 31), page) if kind == "daily"
                else ads_io.hourly_name(date.fromisoformat(start), page))
        assert got[name] == raw
    # the section's reader reads exactly what the API sent
    inputs = ads_io.load(tmp_path, MONTH)
    assert len(inputs.daily) == len(server.daily)
    assert int(inputs.daily["cost_fen"].sum()) == sum(r["cost"] for r in server.daily)
    assert len(inputs.hourly) == sum(len(v) for v in server.hourly.values())


def test_the_request_carries_the_documented_parameters(server: FakeAds, tmp_path: Path) -> None:
    reports = api.plan(MONTH)[:2]  # the daily window and 10-01's hourly report
    before = time.time()
    fetch(server, tmp_path, reports=reports)
    daily = next(c for c in server.calls if c["kind"] == "daily")["query"]
    assert daily["account_id"] == ACCOUNT and daily["level"] == "REPORT_LEVEL_ADGROUP"
    assert json.loads(daily["date_range"]) == {"start_date": "2026-10-01",
                                               "end_date": "2026-10-31"}
    assert json.loads(daily["group_by"]) == ["date", "adgroup_id", "site_set"]
    assert {"view_count", "valid_click_count", "cost", "conversions_count"} <= set(
        json.loads(daily["fields"]))
    assert abs(int(daily["timestamp"]) - before) < 300 and daily["page_size"] == "50"
    hourly = next(c for c in server.calls if c["kind"] == "hourly")["query"]
    assert json.loads(hourly["group_by"]) == ["hour", "adgroup_id"]
    assert json.loads(hourly["date_range"]) == {"start_date": "2026-10-01",
                                                "end_date": "2026-10-01"}
    nonces = [c["query"]["nonce"] for c in server.calls]
    assert len(set(nonces)) == len(nonces) and all(len(n) <= 32 for n in nonces)


def test_the_plan_and_the_reach_of_the_api(server: FakeAds, tmp_path: Path) -> None:
    plan = api.plan("2024-02")
    assert plan[0] == api.Report("daily", date(2024, 2, 1), date(2024, 2, 29))
    assert [r.start.day for r in plan[1:]] == list(range(1, 30))
    assert all(r.kind == "hourly" and r.start == r.end for r in plan[1:])
    early = api.fetch_month(client(server), MONTH, tmp_path, until=date(2026, 10, 10),
                            today=date(2026, 10, 11))
    assert early.pending == 1 + 21  # the month's daily window and 10-11 … 10-31 not over
    assert not list(tmp_path.glob("ads_daily_*")) and len(list(tmp_path.glob("*_2026-10-10_p*")))
    late = api.fetch_month(client(server), MONTH, tmp_path / "late", until=date(2027, 1, 30),
                           today=date(2027, 1, 5))  # 90 days back: 10-07 and later only
    assert [r.start.day for r in late.too_old] == list(range(1, 7))
    assert not list((tmp_path / "late").glob("*_2026-10-06_p*"))


# --------------------------------------------------------------------------- answers


def test_limits_and_system_errors_are_retried_after_a_pause(server: FakeAds,
                                                            tmp_path: Path) -> None:
    pauses: list[float] = []
    server.fail("daily", "limit", "busy", "http500")
    out = fetch(server, tmp_path, client(server, sleep=pauses.append), api.plan(MONTH)[:1])
    assert len(out.written) == 3
    assert [c["outcome"] for c in server.calls][:4] == ["limit", "busy", "http500", "ok"]
    assert pauses[0] >= 60  # the per-minute limit waits a minute
    assert len(pauses) == 3


def test_an_error_answer_stops_with_its_code_and_never_the_token(server: FakeAds,
                                                                 tmp_path: Path) -> None:
    server.fail("hourly", "echo")
    with pytest.raises(api.AdsFetchError) as err:
        fetch(server, tmp_path)
    msg = str(err.value)
    assert "code 31033" in msg and "无权限" in msg and "***" in msg
    assert TOKEN not in msg and TOKEN[:8] not in msg
    assert not list(tmp_path.glob("ads_hourly_*"))  # the error answer is not archived


def test_a_page_quoting_the_url_never_shows_the_token(server: FakeAds, tmp_path: Path) -> None:
    server.fail("daily", "denied")
    with pytest.raises(api.AdsFetchError, match="响应不是 JSON") as err:
        fetch(server, tmp_path)
    msg = str(err.value)
    assert not any(TOKEN[i:i + 8] in msg for i in range(len(TOKEN) - 8))


def test_token_and_daily_limit_answers_stop_at_once(server: FakeAds, tmp_path: Path) -> None:
    server.fail("daily", "expired")
    with pytest.raises(api.AdsFetchError, match=r"code 11000.*已过期.*WXNB_ADS_ACCESS_TOKEN"):
        fetch(server, tmp_path)
    server.fail("daily", "daily")
    with pytest.raises(api.AdsFetchError, match=r"code 11018.*明天重新运行"):
        fetch(server, tmp_path)
    with pytest.raises(api.AdsFetchError, match="code 11002") as err:
        fetch(server, tmp_path, client(server, token="wrong-token-123456"))
    assert "wrong-token-123456" not in str(err.value)
    assert [c["outcome"] for c in server.calls] == ["expired", "daily", "token"]  # no retries


def test_a_stopped_fetch_resumes_without_asking_a_page_twice(server: FakeAds,
                                                            tmp_path: Path) -> None:
    # hourly reports: every call fails once the 4th hourly page is reached (retries = 3)
    server.fail("hourly", "ok", "ok", "ok", *["busy"] * 4)
    with pytest.raises(api.AdsFetchError, match=r"code 30001.*已重试 3 次.*从中断处继续"):
        fetch(server, tmp_path)
    first = files(tmp_path)
    assert len([n for n in first if n.startswith("ads_hourly")]) == 3
    asked = len(server.pages_asked())
    out = fetch(server, tmp_path)
    again = server.pages_asked()[asked:]
    assert len(set(again)) == len(again)
    assert not set(again) & set(server.pages_asked()[:asked])
    assert {p.name for p in out.kept} == set(first)
    assert all((tmp_path / n).read_bytes() == b for n, b in first.items())  # untouched
    assert len(out.written) + len(out.kept) == len(files(tmp_path))
    assert ads_io.load(tmp_path, MONTH).hourly is not None


def test_an_archived_first_page_says_how_many_pages_to_expect(server: FakeAds,
                                                             tmp_path: Path) -> None:
    reports = api.plan(MONTH)[:1]
    fetch(server, tmp_path, reports=reports)
    (tmp_path / "ads_daily_reports_2026-10-01_2026-10-31_p3.json").unlink()
    n = len(server.calls)
    out = fetch(server, tmp_path, reports=reports)
    assert [(c["kind"], c["page"]) for c in server.calls[n:]] == [("daily", 3)]
    assert len(out.kept) == 2 and len(out.written) == 1


def test_writes_are_whole_or_nothing(server: FakeAds, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    reports = api.plan(MONTH)[:1]

    def broken(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(api.os, "replace", broken)
    with pytest.raises(OSError):
        fetch(server, tmp_path, reports=reports)
    assert not list(tmp_path.glob("ads_*.json"))  # no half-written archive under its name
    assert list(tmp_path.glob(".ads_*.json.part"))
    monkeypatch.undo()
    out = fetch(server, tmp_path, reports=reports)
    assert len(out.written) == 3 and not list(tmp_path.glob(".*.part"))  # the stale part went


def test_credentials_come_from_the_environment_only() -> None:
    with pytest.raises(api.AdsFetchError, match="WXNB_ADS_ACCESS_TOKEN 与 WXNB_ADS_ACCOUNT_ID"):
        api.AdsCredentials.from_env({})
    with pytest.raises(api.AdsFetchError, match="帐号 id 应为数字"):
        api.AdsCredentials.from_env({api.ENV_TOKEN: TOKEN, api.ENV_ACCOUNT: "abc"})
    creds = api.AdsCredentials.from_env({api.ENV_TOKEN: TOKEN}, account_id="123")
    assert creds.account_id == "123" and TOKEN not in repr(creds)


# --------------------------------------------------------------------------- the command


def test_the_command_never_shows_or_writes_the_token(tmp_path: Path) -> None:
    from wxnb.build.scaffold import last_month

    month = last_month()  # the command asks what the clock allows: the month just past
    fake = FakeAds.from_sample(tmp_path / "src" / month, month)
    folder = tmp_path / "data" / "acct" / month
    env = {**os.environ, api.ENV_TOKEN: TOKEN, api.ENV_ACCOUNT: ACCOUNT}
    with fake:
        fake.fail("hourly", "echo")
        cmd = [sys.executable, "-m", "wxnb", "fetch-ads", "--account", "acct", "--month", month,
               "--data", str(folder), "--api-base", fake.base]
        bad = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                             timeout=300)
        good = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
    assert bad.returncode == 1 and "code 31033" in bad.stderr and "Traceback" not in bad.stderr
    assert good.returncode == 0, good.stdout + good.stderr
    assert "已获取" in good.stdout and "下一步：wxnb check" in good.stdout
    texts = bad.stdout + bad.stderr + good.stdout + good.stderr
    assert TOKEN not in texts
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path.name
    assert any(folder.glob("ads_daily_reports_*_p1.json"))


def test_a_plain_http_base_is_refused_before_any_request(server: FakeAds, tmp_path: Path) -> None:
    creds = api.AdsCredentials(ACCOUNT, TOKEN)
    plain = server.base.replace("127.0.0.1", "example.com")
    for base in (plain, "http://api.e.qq.com/v1.3", "api.e.qq.com/v1.3"):
        with pytest.raises(api.AdsFetchError,
                           match="--api-base 或环境变量 WXNB_ADS_API_BASE") as err:
            api.AdsClient(base, creds)
        assert TOKEN not in str(err.value)
    assert server.calls == []
    assert api.AdsClient("https://api.e.qq.com/v1.3/", creds).base == "https://api.e.qq.com/v1.3"
    assert api.AdsClient(server.base.replace("127.0.0.1", "localhost"), creds).base.startswith(
        "http://localhost:")
    out = fetch(server, tmp_path, client(server))  # http://127.0.0.1: the fake server, accepted
    assert out.written and server.calls


def test_the_command_refuses_a_plain_http_base_from_the_environment(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WXNB_")}
    env.update({api.ENV_TOKEN: TOKEN, api.ENV_ACCOUNT: ACCOUNT,
                api.ENV_BASE: "http://api.e.qq.com/v1.3"})
    res = subprocess.run([sys.executable, "-m", "wxnb", "fetch-ads", "--account", "acct",
                          "--month", MONTH, "--data", str(tmp_path / "m")], check=False,
                         cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "明文" in res.stderr and "WXNB_ADS_API_BASE" in res.stderr
    assert TOKEN not in res.stdout + res.stderr and not (tmp_path / "m").exists()
