"""``wxnb fetch`` against a fake 数据统计接口 on 127.0.0.1 (tests/fakewechat.py): windows cut to
each endpoint's span, the raw answers archived byte for byte, tokens renewed, busy and quota
answers and timeouts retried, 47009 skipped as retired, is_delay asked again, an interrupted
fetch resumed, and no secret in any file, message or output. The fetched month is read by the
loader exactly as the bundled one, and builds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from fakewechat import APPID, SECRET, FakeWeChat

from wxnb.io import datacube
from wxnb.io import fetch as api
from wxnb.paths import DATA, PROJECT_ROOT

SAMPLE = DATA / "sample" / "2026-10"
CREDS = api.Credentials(appid=APPID, secret=SECRET)


def client(server: FakeWeChat, creds: api.Credentials = CREDS, **kw: object) -> api.Client:
    kw = {"timeout": 5.0, "retries": 3, "delay_polls": 2, "sleep": lambda s: None, **kw}
    return api.Client(server.base, creds, **kw)  # type: ignore[arg-type]


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# --------------------------------------------------------------------------- the plan


def test_each_endpoint_is_cut_into_windows_of_its_span() -> None:
    windows = api.plan("2026-10")
    by = {e: [(w.begin.day, w.end.day) for w in windows if w.endpoint == e]
          for e in api.endpoints_for("2026-10")}
    assert by["getusersummary"] == [(1, 7), (8, 14), (15, 21), (22, 28), (29, 31)]
    assert by["getinterfacesummary"] == [(1, 30), (31, 31)]
    assert by["getarticleread"] == [(d, d) for d in range(1, 32)]  # 发表内容: one day a call
    assert by["getbizsummary"] == [(d, d) for d in range(1, 32)]
    legacy = {e: [(w.begin.day, w.end.day) for w in api.plan("2025-10") if w.endpoint == e]
              for e in ("getuserread", "getarticletotal")}
    assert legacy["getuserread"][:2] == [(1, 3), (4, 6)] and legacy["getuserread"][-1] == (31, 31)
    assert legacy["getarticletotal"] == [(d, d) for d in range(1, 32)]
    for w in windows:
        assert (w.end - w.begin).days + 1 <= api.span(w.endpoint)
        assert w.filename == f"{w.endpoint}_{w.begin}_{w.end}.json"
        assert datacube._NAME_RX.match(w.filename).group(1) == w.endpoint  # the loader's name
    assert [w.end for w in api.plan("2024-02", ("getusersummary",))][-1] == date(2024, 2, 29)


def test_the_new_endpoints_only_from_november_2025() -> None:
    assert "getarticleread" not in api.endpoints_for("2025-10")
    assert "getarticletotal" in api.endpoints_for("2025-10")
    new = api.endpoints_for("2025-11")
    assert {"getarticleread", "getarticleshare", "getbizsummary", "getarticletotaldetail"} <= set(new)
    # the retired legacy ones are not asked from then on (their quota is saved)
    assert not {"getarticletotal", "getuserread", "getarticlesummary"} & set(new)


def test_credentials_come_from_the_environment_only() -> None:
    with pytest.raises(api.FetchError, match="WXNB_APPID 与 WXNB_APPSECRET"):
        api.Credentials.from_env({})
    with pytest.raises(api.FetchError):
        api.Credentials.from_env({"WXNB_APPID": APPID})  # a secret is needed too
    assert api.Credentials.from_env({"WXNB_ACCESS_TOKEN": "t0k3n-abc"}).token == "t0k3n-abc"
    creds = api.Credentials.from_env({"WXNB_APPID": APPID, "WXNB_APPSECRET": SECRET})
    assert SECRET not in repr(creds)


# --------------------------------------------------------------------------- the client


def test_a_month_fetched_through_every_fault_is_the_month_wechat_sent(tmp_path: Path) -> None:
    with FakeWeChat([SAMPLE], slow=1.5) as server:
        server.fail("getusersummary", "busy", "quota")
        server.fail("getbizsummary", "daily")
        server.fail("getarticleread", "ok", "expire")  # the token expires mid-month
        server.fail("getinterfacesummary", "timeout")
        server.fail("getarticletotaldetail", "delay", "delay")  # then final
        c = client(server, timeout=0.5)
        out = api.fetch_month(c, "2026-10", tmp_path)
    windows = api.plan("2026-10")
    assert sorted(p.name for p in out.written) == sorted(w.filename for w in windows)
    got = files(tmp_path)
    assert set(got) == {w.filename for w in windows}  # no .part file, nothing else
    for w in windows:  # byte for byte what the server sent
        assert got[w.filename] == server.sent[(w.endpoint, str(w.begin), str(w.end))]
    assert c.tokens_issued == 2 and server.issued == 2
    outcomes = [o for *_, o in server.calls]
    assert outcomes.count("busy") == 1 and outcomes.count("quota") == 1
    assert outcomes.count("daily") == 1 and outcomes.count("expire") == 1
    assert outcomes.count("delay") == 2 and out.delayed == [] and out.retired == {}


def test_the_fetched_month_reads_as_the_bundled_one(tmp_path: Path) -> None:
    with FakeWeChat([SAMPLE]) as server:
        api.fetch_month(client(server), "2026-10", tmp_path)
    wanted = tuple(n for n in datacube.ENDPOINTS)
    ours = datacube.load_month(tmp_path, "2026-10", endpoints=wanted)
    theirs = datacube.load_month(SAMPLE, "2026-10", endpoints=wanted)
    assert set(ours.frames) == set(theirs.frames)
    for name, frame in theirs.frames.items():
        a = frame.drop(columns=[c for c in frame.columns if c.startswith("_")])
        b = ours.frames[name].drop(columns=[c for c in ours.frames[name].columns
                                            if c.startswith("_")])
        key = [c for c in datacube.ENDPOINTS[name].keys if c in a.columns]
        a = a.sort_values(key).reset_index(drop=True)
        b = b.sort_values(key).reset_index(drop=True)
        assert a.equals(b[a.columns]), name


def test_a_retired_endpoint_is_asked_once_and_reported(tmp_path: Path) -> None:
    with FakeWeChat([SAMPLE]) as server:
        server.fail("getarticleshare", "retired")
        out = api.fetch_month(client(server), "2026-10", tmp_path)
    assert list(out.retired) == ["getarticleshare"]
    assert "47009" in out.retired["getarticleshare"]
    assert [o for e, *_, o in server.calls if e == "getarticleshare"] == ["retired"]
    assert out.skipped == 30 and not list(tmp_path.glob("getarticleshare_*"))
    assert len(list(tmp_path.glob("getusersummary_*"))) == 5  # the others are all there


def test_data_still_delayed_is_kept_noted_and_asked_again_next_time(tmp_path: Path) -> None:
    window = api.Window("getarticletotaldetail", date(2026, 10, 15), date(2026, 10, 15))
    with FakeWeChat([SAMPLE]) as server:
        server.fail("getarticletotaldetail", *["delay"] * 3)  # more than delay_polls
        out = api.fetch_month(client(server), "2026-10", tmp_path, windows=[window])
        assert out.delayed == [tmp_path / window.filename]
        assert b'"is_delay": true' in (tmp_path / window.filename).read_bytes()
        notes = datacube.load_month(tmp_path, "2026-10",
                                    endpoints=("getarticletotaldetail",)).warnings
        assert any("is_delay" in n and window.filename in n for n in notes)
        again = api.fetch_month(client(server), "2026-10", tmp_path, windows=[window])
    assert again.written == [tmp_path / window.filename] and again.delayed == []
    assert b'"is_delay": false' in (tmp_path / window.filename).read_bytes()


def test_a_fault_that_outlasts_the_retries_stops_and_a_rerun_resumes(tmp_path: Path) -> None:
    windows = api.plan("2026-10", ("getusersummary", "getusercumulate"))
    with FakeWeChat([SAMPLE]) as server:
        server.fail("getusercumulate", *["busy"] * 4)  # retries=3: the 4th answer is busy too
        with pytest.raises(api.FetchError, match=r"errcode -1.*已重试 3 次.*重新运行"):
            api.fetch_month(client(server), "2026-10", tmp_path, windows=windows)
        assert len(list(tmp_path.glob("getusersummary_*"))) == 5  # kept
        before = len(server.windows_called())
        out = api.fetch_month(client(server), "2026-10", tmp_path, windows=windows)
        assert len(out.kept) == 5 and len(out.written) == 5
        assert len(server.windows_called()) == before + 5  # nothing asked twice


def test_a_fixed_token_that_expired_cannot_be_renewed(tmp_path: Path) -> None:
    with FakeWeChat([SAMPLE]) as server:
        with pytest.raises(api.FetchError, match="WXNB_ACCESS_TOKEN 无效或已过期"):
            api.fetch_month(client(server, api.Credentials(token="stale-token-123")),
                            "2026-10", tmp_path)
        bad = api.Credentials(appid=APPID, secret="0" * 32)
        with pytest.raises(api.FetchError, match="40125.*AppSecret 无效") as err:
            api.fetch_month(client(server, bad), "2026-10", tmp_path)
    assert "0" * 32 not in str(err.value)


def test_no_message_repeats_a_secret(tmp_path: Path) -> None:
    with FakeWeChat([SAMPLE]) as server:
        server.fail("getusersummary", "echo")
        with pytest.raises(api.FetchError) as err:
            api.fetch_month(client(server), "2026-10", tmp_path)
        token = next(iter(server.tokens))
    assert "40003" in str(err.value) and token not in str(err.value)
    assert "***" in str(err.value)


# --------------------------------------------------------------------------- the command


def run_fetch(server: FakeWeChat, folder: Path, *extra: str,
              **popen: object) -> subprocess.Popen[str]:
    env = {**os.environ, "WXNB_APPID": APPID, "WXNB_APPSECRET": SECRET}
    env.pop("WXNB_ACCESS_TOKEN", None)
    return subprocess.Popen(
        [sys.executable, "-m", "wxnb", "fetch", "--account", "sample", "--month", "2026-10",
         "--data", str(folder), "--api-base", server.base, *extra],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        **popen)  # type: ignore[call-overload]


def leaks(roots: list[Path], texts: list[str], secrets: list[str]) -> list[str]:
    found = [f"output: {s[:8]}…" for s in secrets for t in texts if s in t]
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                found += [f"{path.name}: {s[:8]}…" for s in secrets if s.encode() in data]
    return found


@pytest.mark.e2e
def test_fetch_then_build_and_no_secret_anywhere(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "sample" / "2026-10"
    with FakeWeChat([SAMPLE]) as server:
        server.fail("getarticleshare", "retired")
        proc = run_fetch(server, folder)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, out + err
        tokens = sorted(server.tokens)
    assert f"已获取 {len(api.plan('2026-10')) - 31} 个文件" in out  # 31 days of a retired one
    assert "接口已下线（errcode 47009）：getarticleshare" in err
    assert "wxnb build --account sample --month 2026-10 --data" in out
    build = subprocess.run(
        [sys.executable, "-m", "wxnb", "build", "--data", str(folder), "--out",
         str(tmp_path / "out")], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "WXNB_APPSECRET": SECRET})
    assert build.returncode == 0, build.stdout + build.stderr
    report = tmp_path / "out" / "sample" / "2026-10" / "report.html"
    assert report.is_file() and "粉丝净增长" in report.read_text("utf-8")
    assert leaks([tmp_path], [out, err, build.stdout, build.stderr], [SECRET, *tokens]) == []


@pytest.mark.e2e
def test_an_interrupted_fetch_resumes_where_it_stopped(tmp_path: Path) -> None:
    folder = tmp_path / "2026-10"
    with FakeWeChat([SAMPLE]) as server:
        server.fail("getbizsummary", "ok", "ok", "hang")  # the third getbizsummary call hangs
        proc = run_fetch(server, folder)
        assert server.hung.wait(120), proc.communicate()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        server.release()
        assert proc.returncode == 130, out + err
        assert "已中断" in err and "从中断处继续" in err and "Traceback" not in err
        first = files(folder)
        assert first and not [n for n in first if ".part" in n]
        n_calls = len(server.calls)
        proc = run_fetch(server, folder)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, out + err
        second = {f"{e}_{b}_{d}.json" for e, b, d, _ in server.calls[n_calls:]}
    total = len(api.plan("2026-10"))
    assert f"已获取 {total - len(first)} 个文件，已有 {len(first)} 个" in out
    assert second.isdisjoint(first)  # no window fetched twice
    assert len(files(folder)) == total


def test_files_not_read_make_one_note_per_reason(tmp_path: Path) -> None:
    from wxnb.io.folder import unread_notes

    for d in range(1, 6):
        day = f"2026-10-0{d}"
        # the 2025 endpoints' archives are inputs now: never listed as unread
        (tmp_path / f"getarticleread_{day}_{day}.json").write_text('{"list": [], "is_delay": false}')
        (tmp_path / f"articleread_{day}.json").write_text('{"list": []}')  # misnamed
    (tmp_path / "notes.txt").write_text("x")
    notes = unread_notes(tmp_path)
    assert len(notes) == 2
    assert notes[0].startswith(
        "未读取 articleread_2026-10-01.json、articleread_2026-10-02.json、"
        "articleread_2026-10-03.json 等 5 个文件：文件名不是已知的数据统计接口")
    assert notes[1].startswith("未读取 notes.txt：不是 wxnb 读取的文件")


def test_fetch_without_credentials_says_which_variables(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WXNB_")}
    res = subprocess.run([sys.executable, "-m", "wxnb", "fetch", "--account", "acme", "--month",
                          "2026-10", "--data", str(tmp_path / "m")], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "WXNB_APPID 与 WXNB_APPSECRET" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "m").exists()


def test_a_page_quoting_the_url_never_shows_a_piece_of_the_token(tmp_path: Path) -> None:
    with FakeWeChat([SAMPLE]) as server:
        server.fail("getusersummary", "denied")
        with pytest.raises(api.FetchError, match="响应不是 JSON") as err:
            api.fetch_month(client(server), "2026-10", tmp_path)
        token = next(iter(server.tokens))
    message = str(err.value)
    assert "access_token" not in message or "access_token=***" in message
    assert not any(token[i:i + 8] in message for i in range(len(token) - 8))


def test_an_http_error_page_is_quoted_without_the_token_and_not_retried(tmp_path: Path) -> None:
    with FakeWeChat([SAMPLE]) as server:
        server.fail("getusersummary", "forbidden", "forbidden")
        with pytest.raises(api.FetchError, match=r"HTTP 403（期望 200）：.*403 Forbidden") as err:
            api.fetch_month(client(server), "2026-10", tmp_path)
        token = next(iter(server.tokens))
        asked = [c for c in server.calls if c[3] == "forbidden"]
    message = str(err.value)
    assert len(asked) == 1  # a 4xx is not a fault that passes: asked once
    assert "access_token=***" in message or "access_token" not in message
    assert not any(token[i:i + 8] in message for i in range(len(token) - 8))


def test_days_not_over_yet_are_left_for_a_later_run(tmp_path: Path) -> None:
    windows = api.plan("2026-10", ("getusersummary",))
    with FakeWeChat([SAMPLE]) as server:
        early = api.fetch_month(client(server), "2026-10", tmp_path, windows=windows,
                                until=date(2026, 10, 20))
        assert len(early.written) == 2 and early.pending == 3  # 1–7, 8–14 done
        later = api.fetch_month(client(server), "2026-10", tmp_path, windows=windows,
                                until=date(2026, 11, 30))
    assert len(later.kept) == 2 and len(later.written) == 3 and later.pending == 0
    from datetime import datetime

    from wxnb.paths import CST
    assert api.available_until(datetime(2026, 12, 7, 7, 59, tzinfo=CST)) == date(2026, 12, 5)
    assert api.available_until(datetime(2026, 12, 7, 8, 0, tzinfo=CST)) == date(2026, 12, 6)


@pytest.mark.e2e
def test_fetch_with_the_previous_month_gives_the_build_its_month_over_month(
        tmp_path: Path) -> None:
    folder = tmp_path / "data" / "sample" / "2026-10"
    with FakeWeChat([SAMPLE, DATA / "sample" / "2026-09"]) as server:
        proc = run_fetch(server, folder, "--previous")
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, out + err
    before = tmp_path / "data" / "sample" / "2026-09"
    assert out.index("2026-09：") < out.index("2026-10：")
    assert len(files(before)) == len(api.plan("2026-09"))
    ours = datacube.load_month(before, "2026-09").frames["getusersummary"]
    theirs = datacube.load_month(DATA / "sample" / "2026-09", "2026-09").frames["getusersummary"]
    assert int(ours["new_user"].sum()) == int(theirs["new_user"].sum())
    build = subprocess.run(
        [sys.executable, "-m", "wxnb", "check", "--data", str(folder)], cwd=PROJECT_ROOT,
        capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    assert "无上月数据" not in build.stdout + build.stderr


# --------------------------------------------------------------------------- the base URL


def test_a_plain_http_base_is_refused_before_any_request(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    import requests

    asked: list[tuple] = []
    monkeypatch.setattr(requests.Session, "request",
                        lambda self, *a, **kw: asked.append(a) or pytest.fail("a request"))
    for base in ("http://api.weixin.qq.com", "http://10.0.0.8:8080/", "ftp://api.weixin.qq.com",
                 "api.weixin.qq.com", "http://localhost.example.com", "https://"):
        with pytest.raises(api.FetchError, match="--api-base 或环境变量 WXNB_API_BASE") as err:
            api.Client(base, CREDS)
        assert "https://" in str(err.value)
    with pytest.raises(api.FetchError, match="明文") as err:
        api.Client("http://user:hunter2@api.weixin.qq.com/", CREDS)
    assert "hunter2" not in str(err.value) and "'http://api.weixin.qq.com'" in str(err.value)
    # https anywhere, http only on this machine (the tests' fake servers)
    for base, kept in (("https://api.weixin.qq.com/", "https://api.weixin.qq.com"),
                       ("HTTPS://api.example.com:8443", "HTTPS://api.example.com:8443"),
                       ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
                       ("http://[::1]:8080", "http://[::1]:8080"),
                       ("http://localhost:8080", "http://localhost:8080")):
        assert api.Client(base, CREDS).base == kept
        assert api.require_https(base) == kept
    assert asked == []


def test_the_command_refuses_a_plain_http_base_from_the_option_or_the_environment(
        tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WXNB_")}
    env.update({"WXNB_APPID": APPID, "WXNB_APPSECRET": SECRET})
    cmd = [sys.executable, "-m", "wxnb", "fetch", "--account", "acme", "--month", "2026-10",
           "--data", str(tmp_path / "m")]
    by_option = subprocess.run([*cmd, "--api-base", "http://api.weixin.qq.com"], check=False,
                               cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                               timeout=120)
    by_env = subprocess.run(cmd, check=False, cwd=PROJECT_ROOT,
                            env={**env, "WXNB_API_BASE": "http://api.weixin.qq.com"},
                            capture_output=True, text=True, timeout=120)
    for res in (by_option, by_env):
        assert res.returncode == 2 and "Traceback" not in res.stderr
        assert "明文" in res.stderr and "--api-base 或环境变量 WXNB_API_BASE" in res.stderr
        assert SECRET not in res.stdout + res.stderr
    assert not (tmp_path / "m").exists()
