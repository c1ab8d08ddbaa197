"""``wxnb fetch``: one month of an Official Account's 数据统计接口, fetched and kept as it came.

Every response is archived byte for byte as a file of the month folder, named the way the loader
reads it (``getusersummary_2026-10-01_2026-10-07.json``: endpoint, first and last day), so the
month builds from exactly what WeChat answered. Each endpoint is called once per window of its
allowed span (the loader's own table, :data:`wxnb.io.datacube.ENDPOINTS`; the 2025 发表内容
endpoints one day at a time). A window whose file exists is not fetched again, and a file is
written whole or not at all (a temporary file renamed into place), so a fetch stopped midway
resumes where it stopped.

WeChat's answers, as ``wechat-data-2026.md`` lists them:

- ``40001`` / ``42001`` / ``40014`` (token invalid or expired): a new token (from the AppID and
  AppSecret) and the call again; with only ``WXNB_ACCESS_TOKEN`` there is nothing to refresh
  it with, and the fetch stops saying so.
- ``-1`` (busy), ``45009`` (daily quota), ``45011`` (per-minute quota), a timeout or a lost
  connection: the call again after a growing pause, a bounded number of times; then the fetch
  stops (a rerun resumes).
- ``47009`` (the endpoint is offline: the legacy 图文分析 endpoints retired in favour of the
  发表内容 ones): that endpoint is skipped for the rest of the month and reported as retired.
- ``is_delay: true`` (发表内容 data not final yet): asked again a bounded number of times, then
  kept as it is and reported, and the build's data notes say so.

The access token and the AppSecret never reach a file, the terminal or an error message: the
token lives in memory only, and every message is scrubbed of both. They travel in the query
string, so the base URL must be ``https://`` (:func:`require_https`); plain ``http://`` is
accepted only for a loopback host (127.0.0.1, ::1, localhost: the tests' fake servers).
"""

from __future__ import annotations

import calendar
import ipaddress
import json
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from wxnb.exceptions import WxnbError
from wxnb.io import datacube
from wxnb.io.datacube import ENDPOINTS
from wxnb.io.transport import HttpClient, write_whole
from wxnb.paths import CST
from wxnb.secrets import scrub_text

__all__ = [
    "DEFAULT_API",
    "ENV_BASE",
    "LOOPBACK_HOSTS",
    "NEW_API_START",
    "Client",
    "Credentials",
    "FetchError",
    "Outcome",
    "RetiredEndpoint",
    "Window",
    "endpoints_for",
    "fetch_month",
    "plan",
    "require_https",
]

DEFAULT_API = "https://api.weixin.qq.com"
ENV_BASE = "WXNB_API_BASE"
#: Hosts a plain ``http://`` base URL may name: this machine (the tests' fake servers).
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
#: The 发表内容 endpoints hold data from this day on ("数据存储起始时间为2025-11-01").
NEW_API_START = date(2025, 11, 1)
#: The 2025 发表内容 endpoints (the month's article data from 2025-11 on; wxnb.io.datacube):
#: each is one day a call ("日期范围仅支持查询1天"; getbizsummary's span is disputed, 1 is safe).
NEW_ARTICLE = datacube.NEW_ARTICLE
#: The legacy 图文分析 endpoints, marked 已停止维护; production may answer 47009.
LEGACY_ARTICLE = datacube.LEGACY_ARTICLE
#: Endpoints of every month (not part of the 图文分析 change).
ALWAYS = ("getusersummary", "getusercumulate", "getupstreammsg", "getinterfacesummary")

_QUERY_SECRET = re.compile(r"(access_token|secret)=[^&\s'\"]+", re.IGNORECASE)
_TOKEN_ERRORS = (40001, 40014, 42001)
_RETRY_ERRORS = (-1, 45009, 45011)
_RETIRED = 47009
_HINTS = {
    40013: "AppID 无效：检查 WXNB_APPID",
    40125: "AppSecret 无效：检查 WXNB_APPSECRET",
    40164: "调用 IP 不在公众号后台的 IP 白名单中",
    61004: "调用 IP 不在公众号后台的 IP 白名单中",
    48001: "公众号没有该接口的权限（数据统计接口需要认证的公众号）",
    45009: "今日接口调用次数已用完；明天重新运行同一命令，会从中断处继续",
    45011: "每分钟调用次数超限",
    61500: "日期格式错误",
    61501: "日期范围错误（超过接口允许的跨度，或早于有数据的日期）",
}


class FetchError(WxnbError):
    """The fetch cannot go on: what was asked, what WeChat answered, what to do."""


class RetiredEndpoint(FetchError):
    """WeChat answered 47009: the endpoint is offline."""


def require_https(base: str, env: str = ENV_BASE, *,
                  error: type[WxnbError] = FetchError) -> str:
    """``base`` without its trailing slash, when it is an ``https://`` URL with a host, or an
    ``http://`` one whose host is a loopback address (127.0.0.1 or any 127.x, ::1, localhost:
    a test server on this machine). Anything else raises ``error`` naming the option
    ``--api-base`` and the environment variable ``env``: the access token (and the AppSecret)
    travel in the query string and would cross the network unencrypted. The URL is shown
    only as its scheme and host (a user:password part is never repeated)."""
    from urllib.parse import urlsplit

    text = str(base).strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        _ = parts.port  # a bad port raises ValueError
    except ValueError:
        parts, host = None, ""
    scheme = parts.scheme.lower() if parts is not None else ""
    if scheme == "https" and host:
        return text.rstrip("/")
    if scheme == "http" and host:
        loopback = host.rstrip(".") in LOOPBACK_HOSTS
        if not loopback:
            try:
                loopback = ipaddress.ip_address(host).is_loopback  # 127.0.0.2 …
            except ValueError:
                loopback = False
        if loopback:
            return text.rstrip("/")
    shown = f"{scheme}://{host}" if scheme and host else (text.rpartition("@")[2][:40] or "空")
    why = ("会以明文（未加密）发送 access_token 等接口凭据" if scheme == "http"
           else "不是 https:// 开头、带主机名的网址")
    raise error(f"接口地址 {shown!r} 被拒绝：{why}。请用 https:// 地址（选项 --api-base 或环境变量 "
                f"{env}；不设置则用官方地址）；只有本机测试服务器（127.0.0.1、::1、localhost）"
                "可以用 http://。")


@dataclass(frozen=True)
class Credentials:
    """Where the access token comes from: the AppID and AppSecret (a token is asked for and
    renewed as needed) or a ready token (``WXNB_ACCESS_TOKEN``, used as it is)."""

    appid: str = ""
    secret: str = field(default="", repr=False)
    token: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if environ is None else environ
        creds = cls(appid=env.get("WXNB_APPID", "").strip(),
                    secret=env.get("WXNB_APPSECRET", "").strip(),
                    token=env.get("WXNB_ACCESS_TOKEN", "").strip())
        if not creds.token and not (creds.appid and creds.secret):
            raise FetchError(
                "缺少接口凭据：请设置环境变量 WXNB_APPID 与 WXNB_APPSECRET（公众号后台 → 设置与开发 → "
                "基本配置），或 WXNB_ACCESS_TOKEN（已有的 access_token）。凭据只从环境变量读取，"
                "不写入任何文件。")
        return creds

    @property
    def secrets(self) -> list[str]:
        return [s for s in (self.secret, self.token) if s]


@dataclass(frozen=True)
class Window:
    """One call: an endpoint over [begin, end] (both included)."""

    endpoint: str
    begin: date
    end: date

    @property
    def filename(self) -> str:
        return f"{self.endpoint}_{self.begin.isoformat()}_{self.end.isoformat()}.json"


def _month_days(month: str) -> tuple[date, date]:
    y, m = (int(x) for x in month.split("-"))
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def endpoints_for(month: str) -> tuple[str, ...]:
    """The endpoints a month is fetched from: the 发表内容 family from 2025-11 on (the build
    reads them; the retired legacy ones are not asked, saving the daily quota), the legacy
    图文分析 endpoints before that."""
    first, _ = _month_days(month)
    if first < NEW_API_START:
        return (*ALWAYS, *LEGACY_ARTICLE)
    return (*ALWAYS, *NEW_ARTICLE)


def span(endpoint: str) -> int:
    """The most days one call may cover."""
    return ENDPOINTS[endpoint].span if endpoint in ENDPOINTS else 1


def plan(month: str, endpoints: tuple[str, ...] | None = None) -> list[Window]:
    """Every call of the month: each endpoint's days cut into windows of its span."""
    first, last = _month_days(month)
    out = []
    for name in endpoints or endpoints_for(month):
        step = span(name)
        day = first
        while day <= last:
            end = min(day + timedelta(days=step - 1), last)
            out.append(Window(name, day, end))
            day = end + timedelta(days=1)
    return out


class Client(HttpClient):
    """Calls the 数据统计接口 at ``base`` (``https://api.weixin.qq.com`` or a test server).

    Parameters
    ----------
    base : str
        The API's base URL: ``https://`` (or ``http://`` on a loopback host), checked by
        :func:`require_https` before anything is asked.
    creds : Credentials
    timeout : float
        Seconds a request may take.
    retries : int
        Calls again after a busy / quota answer or a network fault, at most this many times.
    backoff : float
        The first pause in seconds; each next one doubles (at most 60 s).
    delay_polls, delay_wait : int, float
        How many times an ``is_delay: true`` answer is asked again, and the pause before each.
    sleep : callable
        ``time.sleep`` (tests pass their own).
    """

    error = FetchError

    def __init__(self, base: str, creds: Credentials, *, timeout: float = 30.0,
                 retries: int = 4, backoff: float = 2.0, delay_polls: int = 3,
                 delay_wait: float = 10.0, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(require_https(base), timeout=timeout, retries=retries,
                         backoff=backoff, sleep=sleep)
        self.creds = creds
        self.delay_polls, self.delay_wait = delay_polls, delay_wait
        self._token = creds.token
        self._expires = float("inf") if creds.token else 0.0
        self.tokens_issued = 0

    # ------------------------------------------------------------------ helpers

    def _safe(self, text: str, limit: int = 0) -> str:
        """``text`` without the token or the AppSecret (by value, and any ``access_token=``
        or ``secret=`` in it), then cut to ``limit`` characters: scrubbed before it is cut,
        so a cut never leaves part of a secret."""
        text = scrub_text(text, [*self.creds.secrets, *([self._token] if self._token else [])])
        text = _QUERY_SECRET.sub(r"\1=***", text)
        return text[:limit] if limit else text

    @staticmethod
    def _errcode(body: Any) -> int:
        if isinstance(body, dict):
            try:
                return int(body.get("errcode", 0) or 0)
            except (TypeError, ValueError):
                return 0
        return 0

    def _error(self, what: str, body: Any, *, endpoint: bool = True) -> FetchError:
        """The error for an answer; 47009 means a retired endpoint only for a datacube call."""
        code = self._errcode(body)
        msg = self._safe(str(body.get("errmsg", "")), 120) if isinstance(body, dict) else ""
        hint = _HINTS.get(code)
        text = f"{what}：微信返回 errcode {code}（{msg}）" + (f"：{hint}" if hint else "")
        if code == _RETIRED and endpoint:
            return RetiredEndpoint(f"{what}：接口已下线（errcode 47009），微信已停止维护该接口")
        return FetchError(text)

    # ------------------------------------------------------------------ token

    def token(self, *, refresh: bool = False) -> str:
        """The access token: asked for with the AppID and AppSecret when there is none, it is
        about to expire or ``refresh``; kept in memory only."""
        if self._token and not refresh and time.monotonic() < self._expires:
            return self._token
        if not (self.creds.appid and self.creds.secret):
            raise FetchError("WXNB_ACCESS_TOKEN 无效或已过期，且未设置 WXNB_APPID / WXNB_APPSECRET，"
                             "无法获取新的 access_token")
        what = "获取 access_token"
        attempt = 0
        while True:
            _, body = self._exchange(what, "GET", "/cgi-bin/token", params={
                "grant_type": "client_credential", "appid": self.creds.appid,
                "secret": self.creds.secret})
            code = self._errcode(body)
            if code in _RETRY_ERRORS and attempt < self.retries:
                self._pause(attempt)
                attempt += 1
                continue
            token = body.get("access_token") if isinstance(body, dict) else None
            if code or not isinstance(token, str) or not token:
                raise self._error(what, body, endpoint=False)
            self._token = token
            expires = body.get("expires_in", 7200)
            expires = expires if isinstance(expires, int) and expires > 0 else 7200
            self._expires = time.monotonic() + max(expires - 300, 60)  # renew 5 min early
            self.tokens_issued += 1
            return token

    # ------------------------------------------------------------------ datacube

    def post(self, what: str, path: str, payload: dict[str, Any]) -> tuple[bytes, Any, int]:
        """POST ``payload`` to ``path`` with the access token: a new token on a token error
        (twice at most), the call again after a growing pause while WeChat is busy or over a
        quota. Returns the raw body, the parsed body and its errcode (0, or any other error,
        for the caller to judge)."""
        refreshed = busy = 0
        while True:
            raw, body = self._exchange(what, "POST", path, params={"access_token": self.token()},
                                       json=payload)
            code = self._errcode(body)
            if code in _TOKEN_ERRORS:
                if refreshed >= 2:
                    raise self._error(what, body)
                refreshed += 1
                self.token(refresh=True)
                continue
            if code in _RETRY_ERRORS:
                if busy >= self.retries:
                    raise FetchError(str(self._error(what, body)) +
                                     f"；已重试 {self.retries} 次。重新运行同一命令会从中断处继续。")
                self._pause(busy, 60.0 if code == 45011 else 0.0)  # a per-minute quota
                busy += 1
                continue
            return raw, body, code

    def call(self, window: Window) -> tuple[bytes, bool]:
        """The raw body of a successful answer for ``window``, and whether WeChat still marks it
        ``is_delay`` after the bounded re-polls."""
        what = f"{window.endpoint} {window.begin}～{window.end}"
        payload = {"begin_date": window.begin.isoformat(), "end_date": window.end.isoformat()}
        polls = 0
        while True:
            raw, body, code = self.post(what, f"/datacube/{window.endpoint}", payload)
            if code:
                raise self._error(what, body)
            if not isinstance(body, dict) or not isinstance(body.get("list"), list):
                head = self._safe(raw.decode("utf-8", "replace"), 80)
                raise FetchError(f"{what}：响应中没有 list 数组（{head!r}）")
            if body.get("is_delay") is True and polls < self.delay_polls:
                polls += 1
                self.sleep(self.delay_wait)
                continue
            return raw, body.get("is_delay") is True


@dataclass
class Outcome:
    """What a fetch did: files written, files already there, endpoints WeChat retired (with
    its message), files kept although still ``is_delay``."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    retired: dict[str, str] = field(default_factory=dict)
    delayed: list[Path] = field(default_factory=list)
    skipped: int = 0  # windows of a retired endpoint, not asked
    pending: int = 0  # windows not over yet (or their data not out yet), not asked


def _delayed(path: Path) -> bool:
    """True for a file kept while WeChat still marked it ``is_delay`` (asked again)."""
    try:
        body = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(body, dict) and body.get("is_delay") is True


def available_until(now: datetime | None = None) -> date:
    """The last day WeChat has final data for: yesterday after 08:00 Beijing time
    ("每日8点后获取前一天数据"), the day before yesterday until then."""
    now = (now or datetime.now(CST)).astimezone(CST)
    return now.date() - timedelta(days=1 if now.hour >= 8 else 2)


def fetch_month(client: Client, month: str, folder: Path, *,
                windows: list[Window] | None = None,
                progress: Callable[[Window, str], None] | None = None,
                until: date | None = None) -> Outcome:
    """Fetch every window of ``month`` into ``folder`` (made if needed); a window whose file
    is there is kept (unless it was kept while still ``is_delay``: it is asked again). A
    window ending after ``until`` (default :func:`available_until`) is not asked yet. ``progress(window, state)`` is told each window's fate: 已有, 已获取,
    已获取（is_delay）, 接口已下线, 跳过."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".*.json.part"):  # a write the last run did not finish
        stale.unlink()
    out = Outcome()
    report = progress or (lambda w, s: None)
    last = until or available_until()
    for w in windows if windows is not None else plan(month):
        path = folder / w.filename
        if w.end > last:  # asked now, it would be kept unfinished and never asked again
            out.pending += 1
            report(w, "未到可获取时间")
            continue
        if w.endpoint in out.retired:
            out.skipped += 1
            report(w, "跳过")
            continue
        if path.exists() and not _delayed(path):
            out.kept.append(path)
            report(w, "已有")
            continue
        try:
            raw, delayed = client.call(w)
        except RetiredEndpoint as exc:
            out.retired[w.endpoint] = str(exc)
            report(w, "接口已下线")
            continue
        write_whole(path, raw)
        out.written.append(path)
        if delayed:
            out.delayed.append(path)
        report(w, "已获取（is_delay）" if delayed else "已获取")
    return out

