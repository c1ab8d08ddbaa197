"""``wxnb.io.mpfetch`` against a fake 小程序数据分析 API on 127.0.0.1 (a subclass of
tests/fakewechat.py's server that answers the mini program endpoints from an archive of
``wxa_*.json`` files): yyyymmdd dates in the requests, each endpoint's span respected (the
server refuses anything else), "数据还没准备好" and all-zero answers asked again and then
reported, never archived; the archive is WeChat's answer byte for byte and reads as the sample;
no token in any file, message or output."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from fakewechat import APPID, SECRET, FakeWeChat

from wxnb.io import fetch as oa
from wxnb.io import miniprogram as mp
from wxnb.io import mpfetch
from wxnb.paths import CST
from wxnb.samples.miniprogram import write_sample

CREDS = oa.Credentials(appid=APPID, secret=SECRET)
UNTIL = date(2026, 11, 1)  # a fetch on 2 November after 08:00: October is complete
_DAY = re.compile(r"[0-9]{8}")


def _zeroed(value: Any) -> Any:
    """The answer with every figure 0 (WeChat's answer before a day's data is ready)."""
    if isinstance(value, dict):
        return {k: v if k in ("ref_date", "refdate", "key", "id", "index", "page_path", "zh",
                              "name", "errmsg", "errcode", "count")
                else ("0" if k == "value" and isinstance(v, str) else _zeroed(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_zeroed(v) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return 0
    return value


class FakeMiniProgram(FakeWeChat):
    """The token endpoint of FakeWeChat plus the mini program analysis endpoints, answering
    with the archived file of exactly the window asked (61501 for any other window)."""

    def __init__(self, folders: list[Path]) -> None:
        super().__init__([])
        self.archive: dict[tuple[str, str, str], bytes] = {}
        for folder in folders:
            for path in folder.glob("wxa_*.json"):
                m = mp.NAME_RX.match(path.name)
                assert m is not None
                self.archive[(m.group(1), m.group(2), m.group(3))] = path.read_bytes()
        self.bodies: list[tuple[str, dict[str, Any]]] = []

    def _mp(self, endpoint: str, token: str, body: dict[str, Any]) -> bytes:
        def answer(obj: dict[str, Any], outcome: str, begin: str = "", end: str = "") -> bytes:
            with self._lock:
                self.calls.append((endpoint, begin, end, outcome))
            return json.dumps(obj, ensure_ascii=False).encode("utf-8")

        with self._lock:
            self.bodies.append((endpoint, body))
        if token not in self.tokens:
            return answer({"errcode": 40001, "errmsg": "invalid credential"}, "token")
        if endpoint == mp.PERFORMANCE:
            t = body.get("time") or {}
            b, e = t.get("begin_timestamp"), t.get("end_timestamp")
            if body.get("module") != "10017" or not isinstance(b, int) or not isinstance(e, int):
                return answer({"errcode": 40097, "errmsg": "invalid args"}, "format")
            first = datetime.fromtimestamp(b, CST)
            last = datetime.fromtimestamp(e, CST)
            if (first.hour, first.minute, last.hour, last.minute) != (0, 0, 0, 0) \
                    or (last - first).days > 29 or last < first:
                return answer({"errcode": 61501, "errmsg": "date range error"}, "range")
            begin, end = f"{first:%Y%m%d}", f"{last:%Y%m%d}"
        else:
            begin, end = str(body.get("begin_date")), str(body.get("end_date"))
            if not _DAY.fullmatch(begin) or not _DAY.fullmatch(end):
                return answer({"errcode": 61500, "errmsg": "date format error"}, "format",
                              begin, end)
            b = datetime.strptime(begin, "%Y%m%d").date()
            e = datetime.strptime(end, "%Y%m%d").date()
            if endpoint in mp.DAILY_ENDPOINTS and b != e:
                return answer({"errcode": 61501, "errmsg": "date range error"}, "range", begin,
                              end)
            if endpoint in (mp.MONTHLY_VISIT, mp.MONTHLY_RETAIN) and (
                    b.day != 1 or (e + timedelta(days=1)).day != 1 or (b.year, b.month)
                    != (e.year, e.month)):
                return answer({"errcode": 61501, "errmsg": "date range error"}, "range", begin,
                              end)
            if endpoint == mp.PORTRAIT and (e - b).days not in (0, 6, 29):
                return answer({"errcode": 61501, "errmsg": "date range error"}, "range", begin,
                              end)
        fault = self.faults[endpoint].popleft() if self.faults[endpoint] else ""
        if fault == "busy":
            return answer({"errcode": -1, "errmsg": "system error"}, fault, begin, end)
        if fault == "expire":
            with self._lock:
                self.tokens.clear()
            return answer({"errcode": 42001, "errmsg": "access_token expired"}, fault, begin, end)
        if fault == "echo":
            return answer({"errcode": 40003, "errmsg": f"invalid openid, token {token}"}, fault,
                          begin, end)
        if fault == "notready":
            return answer({"errcode": 61503, "errmsg": "数据还没准备好，请稍后再试"}, fault, begin,
                          end)
        raw = self.archive.get((endpoint, begin, end))
        if raw is None:
            return answer({"errcode": 61501, "errmsg": "date range error"}, "range", begin, end)
        if fault == "zeros":
            return answer(_zeroed(json.loads(raw)), fault, begin, end)
        with self._lock:
            self.calls.append((endpoint, begin, end, "ok"))
            self.sent[(endpoint, begin, end)] = raw
        return raw

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, raw: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path != "/cgi-bin/token":
                    self.send_error(404)
                    return
                self._send(json.dumps(fake._token(parse_qs(url.query))).encode())

            def do_POST(self) -> None:
                url = urlparse(self.path)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0))
                                  or b"{}")
                token = parse_qs(url.query).get("access_token", [""])[0]
                if url.path == "/wxa/business/performance/boot":
                    self._send(fake._mp(mp.PERFORMANCE, token, body))
                elif url.path.startswith("/datacube/getweanalysisappid"):
                    self._send(fake._mp(url.path.rsplit("/", 1)[1], token, body))
                else:
                    self.send_error(404)

        return Handler


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mp") / "sample"
    write_sample(root / "2026-10", "2026-10")
    return root / "2026-10"


def client(server: FakeMiniProgram, creds: oa.Credentials = CREDS, **kw: Any) -> oa.Client:
    kw = {"timeout": 5.0, "retries": 3, "delay_polls": 2, "sleep": lambda s: None, **kw}
    return oa.Client(server.base, creds, **kw)


# --------------------------------------------------------------------------- the plan


def test_the_plan_asks_yyyymmdd_windows_within_each_span() -> None:
    windows = mpfetch.plan("2026-10", until=UNTIL)
    by: dict[str, list[mpfetch.MpWindow]] = {}
    for w in windows:
        by.setdefault(w.endpoint, []).append(w)
    for name in mp.DAILY_ENDPOINTS:  # one day a call
        assert [(w.begin.day, w.end.day) for w in by[name]] == [(d, d) for d in range(1, 32)]
    assert [(w.begin, w.end) for w in by[mp.MONTHLY_VISIT]] == [(date(2026, 10, 1),
                                                                  date(2026, 10, 31))]
    assert [(w.begin, w.end, w.final_after) for w in by[mp.MONTHLY_RETAIN]] == [
        (date(2026, 10, 1), date(2026, 10, 31), date(2026, 10, 31)),
        (date(2026, 9, 1), date(2026, 9, 30), date(2026, 10, 31))]  # complete only now
    assert [(w.begin.day, w.end.day) for w in by[mp.PERFORMANCE]] == [(1, 30), (31, 31)]
    assert [(w.begin, w.end) for w in by[mp.PORTRAIT]] == [(date(2026, 10, 2),
                                                             date(2026, 10, 31))]
    assert mp.PORTRAIT not in {w.endpoint for w in mpfetch.plan("2026-10",
                                                                until=date(2026, 12, 6))}
    w = by[mp.VISIT_PAGE][4]
    assert w.filename == "wxa_getweanalysisappidvisitpage_20261005_20261005.json"
    assert w.request() == ("/datacube/getweanalysisappidvisitpage",
                           {"begin_date": "20261005", "end_date": "20261005"})
    path, body = by[mp.PERFORMANCE][0].request()
    assert path == "/wxa/business/performance/boot" and body["module"] == "10017"
    assert body["time"] == {"begin_timestamp": 1790784000,  # 2026-10-01 00:00 Beijing time
                            "end_timestamp": 1790784000 + 29 * 86400}
    assert {p["field"] for p in body["params"]} == {"networktype", "device_level", "device"}
    assert all(mp.NAME_RX.match(w.filename) for w in windows)


def test_credentials_are_the_mini_programs_own() -> None:
    with pytest.raises(oa.FetchError, match="WXNB_MP_APPID 与 WXNB_MP_APPSECRET"):
        mpfetch.credentials_from_env({"WXNB_APPID": APPID, "WXNB_APPSECRET": SECRET})
    creds = mpfetch.credentials_from_env({"WXNB_MP_APPID": APPID, "WXNB_MP_APPSECRET": SECRET})
    assert creds.appid == APPID and SECRET not in repr(creds)
    assert mpfetch.credentials_from_env({"WXNB_MP_ACCESS_TOKEN": "t0k3n-mp"}).token == "t0k3n-mp"


# --------------------------------------------------------------------------- fetching


def test_a_month_is_archived_byte_for_byte_and_reads_as_the_sample(archive: Path,
                                                                    tmp_path: Path) -> None:
    out_dir = tmp_path / "2026-10"
    with FakeMiniProgram([archive]) as server:
        server.fail(mp.DAILY_VISIT, "busy", "expire")  # retried; the token renewed
        c = client(server)
        out = mpfetch.fetch_month(c, "2026-10", out_dir, until=UNTIL)
        bodies = list(server.bodies)
    assert out.not_ready == [] and out.pending == 0 and out.retired == {}
    wxa = sorted(p.name for p in archive.glob("wxa_*.json"))
    assert sorted(p.name for p in out.written) == wxa
    for name in wxa:  # what WeChat sent, byte for byte
        assert (out_dir / name).read_bytes() == (archive / name).read_bytes(), name
    assert not list(out_dir.glob(".*part"))
    assert c.tokens_issued == 2
    # every request: dates yyyymmdd (never yyyy-MM-dd), the performance call in timestamps
    for endpoint, body in bodies:
        if endpoint == mp.PERFORMANCE:
            assert set(body["time"]) == {"begin_timestamp", "end_timestamp"}
        else:
            assert _DAY.fullmatch(body["begin_date"]) and _DAY.fullmatch(body["end_date"])
            assert "-" not in json.dumps(body)
    ours, theirs = mp.load(out_dir, "2026-10"), mp.load(archive, "2026-10")
    for name in ("visits", "pages", "retain", "sources", "performance", "monthly_retain"):
        a = getattr(ours, name).drop(columns="_file")
        assert a.equals(getattr(theirs, name).drop(columns="_file")), name
    again = mpfetch.fetch_month(client(FakeMiniProgram([archive])), "2026-10", out_dir,
                                until=UNTIL)
    assert len(again.kept) == len(wxa) and again.written == []  # nothing asked twice


def test_not_ready_and_all_zero_answers_are_asked_again_then_left_out(archive: Path,
                                                                      tmp_path: Path) -> None:
    day = date(2026, 10, 5)
    windows = [mpfetch.MpWindow(mp.VISIT_PAGE, day, day), mpfetch.MpWindow(mp.DAILY_VISIT, day, day),
               mpfetch.MpWindow(mp.PERFORMANCE, date(2026, 10, 31), date(2026, 10, 31))]
    states: list[tuple[str, str]] = []
    with FakeMiniProgram([archive]) as server:
        server.fail(mp.VISIT_PAGE, "notready", "notready", "notready")  # 3 tries, all not ready
        server.fail(mp.DAILY_VISIT, "zeros")  # zeros once, then the real answer
        server.fail(mp.PERFORMANCE, "zeros", "zeros", "zeros")
        out = mpfetch.fetch_month(client(server), "2026-10", tmp_path, windows=windows,
                                  until=UNTIL, progress=lambda w, s: states.append((w.endpoint, s)))
        outcomes = [(e, o) for e, _, _, o in server.calls]
        assert outcomes.count((mp.VISIT_PAGE, "notready")) == 3
        assert outcomes.count((mp.DAILY_VISIT, "zeros")) == 1
        assert out.not_ready == [windows[0], windows[2]]
        assert (mp.VISIT_PAGE, "数据未就绪") in states
        assert not (tmp_path / windows[0].filename).exists()  # zeros never archived as real
        assert not (tmp_path / windows[2].filename).exists()
        assert (tmp_path / windows[1].filename).read_bytes() == \
            (archive / windows[1].filename).read_bytes()
        later = mpfetch.fetch_month(client(server), "2026-10", tmp_path, windows=windows,
                                    until=UNTIL)
    assert sorted(p.name for p in later.written) == sorted([windows[0].filename,
                                                            windows[2].filename])
    assert later.not_ready == []


def test_windows_not_final_yet_are_left_for_a_later_run(archive: Path, tmp_path: Path) -> None:
    windows = mpfetch.plan("2026-10", until=date(2026, 10, 20),
                           endpoints=(mp.DAILY_VISIT, mp.MONTHLY_RETAIN))
    with FakeMiniProgram([archive]) as server:
        out = mpfetch.fetch_month(client(server), "2026-10", tmp_path, windows=windows,
                                  until=date(2026, 10, 20))
    assert len(out.written) == 20 and out.pending == 11 + 2  # the month before's too
    assert not list(tmp_path.glob(f"wxa_{mp.MONTHLY_RETAIN}_*"))


def test_daily_retention_waits_for_the_month_end(archive: Path, tmp_path: Path) -> None:
    # asked on 20 October, the 1 October cohort's day-7 and day-14 keys would be archived
    # unfinished (and never asked again) although section 13 counts them as observed
    windows = mpfetch.plan("2026-10", until=date(2026, 10, 20), endpoints=(mp.DAILY_RETAIN,))
    assert len(windows) == 31 and {w.final_after for w in windows} == {date(2026, 10, 31)}
    with FakeMiniProgram([archive]) as server:
        early = mpfetch.fetch_month(client(server), "2026-10", tmp_path, windows=windows,
                                    until=date(2026, 10, 20))
        assert early.written == [] and early.pending == 31
        late = mpfetch.fetch_month(client(server), "2026-10", tmp_path, windows=windows,
                                   until=UNTIL)
    assert len(late.written) == 31


def test_no_token_in_files_messages_or_output(archive: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    day = date(2026, 10, 9)
    windows = [mpfetch.MpWindow(mp.DAILY_RETAIN, day, day), mpfetch.MpWindow(mp.VISIT_PAGE, day, day)]
    with FakeMiniProgram([archive]) as server:
        server.fail(mp.VISIT_PAGE, "echo")  # an error message repeating the token
        with pytest.raises(oa.FetchError) as err:
            mpfetch.fetch_month(client(server), "2026-10", tmp_path, windows=windows,
                                until=UNTIL, progress=lambda w, s: print(w.filename, s))
        tokens = sorted(server.tokens)
    printed = capsys.readouterr()
    assert "40003" in str(err.value) and "***" in str(err.value)
    texts = [str(err.value), printed.out, printed.err]
    for secret in [SECRET, *tokens]:
        assert not any(secret in t for t in texts)
        for path in tmp_path.rglob("*"):
            assert secret.encode() not in path.read_bytes(), path.name
    assert (tmp_path / windows[0].filename).is_file()  # what was fetched before is kept


def test_a_stale_partial_write_is_removed(archive: Path, tmp_path: Path) -> None:
    stale = tmp_path / ".wxa_getweanalysisappidvisitpage_20261001_20261001.json.part"
    stale.write_bytes(b'{"list": [')
    with FakeMiniProgram([archive]) as server:
        mpfetch.fetch_month(client(server), "2026-10", tmp_path, windows=[], until=UNTIL)
    assert not stale.exists()


def test_not_ready_is_recognised_by_message_and_by_zeros() -> None:
    assert mpfetch.not_ready(mp.DAILY_VISIT, {"errcode": 61503, "errmsg": "数据还没准备好"})
    assert mpfetch.not_ready(mp.DAILY_VISIT, {"list": []})
    assert mpfetch.not_ready(mp.DAILY_RETAIN, {"ref_date": "20261001",
                                              "visit_uv_new": [{"key": 0, "value": 0}],
                                              "visit_uv": [{"key": 0, "value": 0}]})
    # a late cohort day: retained users are 0 (not yet), the cohort is real
    assert not mpfetch.not_ready(mp.DAILY_RETAIN, {"ref_date": "20261031",
                                                  "visit_uv_new": [{"key": 0, "value": 12},
                                                                   {"key": 1, "value": 0}],
                                                  "visit_uv": [{"key": 0, "value": 40}]})
    assert not mpfetch.not_ready(mp.DAILY_VISIT, {"errcode": 61501, "errmsg": "date range"})


def test_the_fake_server_refuses_dashed_dates_and_long_spans(archive: Path) -> None:
    import requests

    with FakeMiniProgram([archive]) as server:
        token = client(server).token()
        url = f"{server.base}/datacube/{mp.DAILY_VISIT}"
        dashed = requests.post(url, params={"access_token": token}, timeout=5,
                               json={"begin_date": "2026-10-01", "end_date": "2026-10-01"})
        long = requests.post(url, params={"access_token": token}, timeout=5,
                             json={"begin_date": "20261001", "end_date": "20261002"})
    assert dashed.json()["errcode"] == 61500 and long.json()["errcode"] == 61501


def test_wxnb_fetch_with_only_mini_program_credentials_fetches_the_mini_program(
        archive: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from wxnb.paths import PROJECT_ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("WXNB_")}
    env.update({mpfetch.ENV_APPID: APPID, mpfetch.ENV_SECRET: SECRET})
    folder = tmp_path / "acme" / "2026-10"
    with FakeMiniProgram([archive]) as server:
        res = subprocess.run([sys.executable, "-m", "wxnb", "fetch", "--account", "acme",
                              "--month", "2026-10", "--data", str(folder), "--api-base",
                              server.base], check=False, cwd=PROJECT_ROOT, env=env,
                             capture_output=True,
                             text=True, timeout=300)
        tokens = sorted(server.tokens)
    assert res.returncode == 0, res.stderr
    names = sorted(p.name for p in folder.iterdir())
    assert names and all(n.startswith("wxa_") for n in names)  # the OA was not asked
    # every endpoint but the portrait, which WeChat answers for recent end dates only
    assert names == sorted(p.name for p in archive.glob("wxa_*.json")
                           if mp.PORTRAIT not in p.name)
    assert "小程序：已获取" in res.stdout and "Traceback" not in res.stderr
    for secret in [SECRET, *tokens]:
        assert secret not in res.stdout + res.stderr


def test_the_mini_program_client_refuses_a_plain_http_base_too(archive: Path) -> None:
    creds = mpfetch.credentials_from_env({mpfetch.ENV_APPID: APPID, mpfetch.ENV_SECRET: SECRET})
    with FakeMiniProgram([archive]) as server:
        with pytest.raises(oa.FetchError, match="WXNB_API_BASE"):
            oa.Client(server.base.replace("127.0.0.1", "example.com"), creds)
        assert not server.tokens  # nothing was asked, not even a token
        assert client(server, creds).base == server.base  # http://127.0.0.1: accepted
