"""``wxnb fetch-ads``: one month of Tencent Ads (腾讯广告 Marketing API) reports, fetched and kept
as they came.

Two reports, both at level ``REPORT_LEVEL_ADGROUP`` (the analyst maps adgroups to 版位):

- ``daily_reports/get`` over the month (one window: the API allows up to 90 days a query and
  365 days back), grouped by ``date``, ``adgroup_id`` and ``site_set``;
- ``hourly_reports/get`` one day a call (the API's longest span; 90 days back), grouped by
  ``hour`` and ``adgroup_id``.

A call is ``GET <base>/<report>/get`` with the global parameters ``access_token``,
``timestamp`` (seconds) and ``nonce`` (unique, ≤ 32 characters), then ``account_id``,
``level``, ``date_range``, ``group_by``, ``fields`` (JSON texts), ``page`` and ``page_size``.
The answer is ``{"code": 0, "message": "", "message_cn": "", "data": {"list": [...],
"page_info": {"page", "page_size", "total_number", "total_page"}}}``.

Every page is archived byte for byte as the file the reader (``wxnb.io.ads``) reads
(``ads_daily_reports_2026-10-01_2026-10-31_p1.json``, ``ads_hourly_reports_2026-10-05_p2.json``),
written whole or not at all (a temporary file renamed into place). A page whose file is there
is not asked again, so a fetch stopped midway resumes where it stopped; a window that has not
ended (the previous day is complete after 08:00 Beijing time) is left for a later run.

Answers (``code``, developers.e.qq.com 返回码):

- 11000 / 11002 / 11004 / 11005 (the access token expired, invalid, malformed, empty): the
  fetch stops; the token comes from ``WXNB_ADS_ACCESS_TOKEN`` and is renewed by the OAuth flow
  of the ads developer platform, outside wxnb.
- 11008 / 11016 / 11017 / 11019 (request limits), 10000 and 30000–30099 (system errors), an
  HTTP 429 or 5xx, a timeout or a lost connection: asked again after a growing pause (at least
  a minute after the per-minute limit), a bounded number of times; then the fetch stops and a
  rerun resumes.
- 11018 (the application's daily limit): the fetch stops at once; run it again tomorrow.
- any other code: the fetch stops with the code and the API's message.

The access token never reaches a file, the terminal or an error message: it lives in memory
only and every message is scrubbed of it (and of any ``access_token=`` in a quoted URL); a base
URL that is not ``https://`` (other than ``http://`` on a loopback host) is refused before any
request (``--api-base`` / ``WXNB_ADS_API_BASE``).
"""

from __future__ import annotations

import calendar
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from wxnb.exceptions import WxnbError
from wxnb.io.ads import daily_name, hourly_name
from wxnb.io.fetch import available_until, require_https
from wxnb.io.transport import HttpClient, write_whole
from wxnb.paths import CST
from wxnb.secrets import scrub_text

__all__ = [
    "DAILY_FIELDS",
    "DEFAULT_ADS_API",
    "ENV_ACCOUNT",
    "ENV_BASE",
    "ENV_TOKEN",
    "HOURLY_FIELDS",
    "AdsClient",
    "AdsCredentials",
    "AdsFetchError",
    "AdsOutcome",
    "Report",
    "fetch_month",
    "plan",
]

DEFAULT_ADS_API = "https://api.e.qq.com/v1.3"
ENV_TOKEN = "WXNB_ADS_ACCESS_TOKEN"
ENV_ACCOUNT = "WXNB_ADS_ACCOUNT_ID"
ENV_BASE = "WXNB_ADS_API_BASE"
LEVEL = "REPORT_LEVEL_ADGROUP"
DAILY_FIELDS = ("date", "adgroup_id", "adgroup_name", "site_set", "view_count",
                "valid_click_count", "cost", "conversions_count", "order_amount")
HOURLY_FIELDS = ("hour", "adgroup_id", "view_count", "valid_click_count", "cost",
                 "conversions_count")
DAILY_GROUP_BY = ("date", "adgroup_id", "site_set")
HOURLY_GROUP_BY = ("hour", "adgroup_id")
DAILY_BACK, HOURLY_BACK = 365, 90  # how far back each report can be asked (days)
PAGE_SIZE = 100

_TOKEN_CODES = {11000: "已过期", 11002: "无效", 11004: "格式不正确", 11005: "为空"}
_LIMIT_CODES = (11008, 11016, 11017, 11019)
_DAILY_LIMIT = 11018
_QUERY_SECRET = re.compile(r"(access_token=)[^&\s'\"<>]+", re.IGNORECASE)


class AdsFetchError(WxnbError):
    """The fetch cannot go on: what was asked, what the API answered, what to do."""


@dataclass(frozen=True)
class AdsCredentials:
    """The advertiser account and its access token (from the environment only)."""

    account_id: str
    token: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None,
                 account_id: str | None = None) -> AdsCredentials:
        env = os.environ if environ is None else environ
        token = env.get(ENV_TOKEN, "").strip()
        account = (account_id or env.get(ENV_ACCOUNT, "")).strip()
        missing = [n for n, v in ((ENV_TOKEN, token), (ENV_ACCOUNT, account)) if not v]
        if missing:
            raise AdsFetchError(
                f"缺少腾讯广告接口凭据：请设置环境变量 {' 与 '.join(missing)}（access_token 在腾讯广告"
                "开发者平台完成 OAuth 授权后获得；广告主帐号 id 也可用 --ads-account-id 指定）。"
                "凭据只从环境变量读取，不写入任何文件。")
        if not re.fullmatch(r"[0-9]{1,20}", account):
            raise AdsFetchError(f"广告主帐号 id 应为数字，实际为 {account[:24]!r}")
        return cls(account_id=account, token=token)


@dataclass(frozen=True)
class Report:
    """One report window: ``daily`` over [start, end] or ``hourly`` for one day."""

    kind: str
    start: date
    end: date

    def filename(self, page: int) -> str:
        return daily_name(self.start, self.end, page) if self.kind == "daily" \
            else hourly_name(self.start, page)

    @property
    def label(self) -> str:
        span = f"{self.start}" if self.start == self.end else f"{self.start}～{self.end}"
        return f"{'日报表' if self.kind == 'daily' else '小时报表'} {span}"


def _month_days(month: str) -> tuple[date, date]:
    y, m = (int(x) for x in month.split("-"))
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def plan(month: str) -> list[Report]:
    """The month's reports: the daily report over the whole month (≤ 90 days), then one hourly
    report per day."""
    first, last = _month_days(month)
    out = [Report("daily", first, last)]
    day = first
    while day <= last:
        out.append(Report("hourly", day, day))
        day += timedelta(days=1)
    return out


class AdsClient(HttpClient):
    """Calls the Marketing API at ``base`` (``https://api.e.qq.com/v1.3`` or a test server).

    ``base`` must be ``https://`` (``http://`` only on a loopback host: a test server), checked
    by :func:`wxnb.io.fetch.require_https` before anything is asked: the access token travels
    in the query string.

    ``retries`` bounds the calls again after a limit / system answer or a network fault;
    ``backoff`` is the first pause (doubling, at most 60 s); ``sleep`` is ``time.sleep``
    (tests pass their own); ``page_size`` the rows a page asks for.
    """

    error = AdsFetchError

    def __init__(self, base: str, creds: AdsCredentials, *, timeout: float = 30.0,
                 retries: int = 4, backoff: float = 2.0, page_size: int = PAGE_SIZE,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(require_https(base, ENV_BASE, error=AdsFetchError), timeout=timeout,
                         retries=retries, backoff=backoff, sleep=sleep)
        self.creds = creds
        self.page_size = page_size

    def _safe(self, text: str, limit: int = 0) -> str:
        """``text`` without the token (by value and as ``access_token=``), then cut to
        ``limit`` characters: scrubbed first, so a cut never leaves part of it."""
        text = scrub_text(text, [self.creds.token] if self.creds.token else [])
        text = _QUERY_SECRET.sub(r"\1***", text)
        return text[:limit] if limit else text

    def _params(self, report: Report, page: int) -> dict[str, Any]:
        daily = report.kind == "daily"
        return {
            "access_token": self.creds.token,
            "timestamp": int(time.time()),
            "nonce": uuid.uuid4().hex,
            "account_id": self.creds.account_id,
            "level": LEVEL,
            "date_range": json.dumps({"start_date": report.start.isoformat(),
                                      "end_date": report.end.isoformat()}),
            "group_by": json.dumps(list(DAILY_GROUP_BY if daily else HOURLY_GROUP_BY)),
            "fields": json.dumps(list(DAILY_FIELDS if daily else HOURLY_FIELDS)),
            "page": page,
            "page_size": self.page_size,
        }

    def _message(self, body: dict[str, Any]) -> str:
        msg = body.get("message_cn") or body.get("message") or ""
        return self._safe(str(msg), 160)

    def call(self, report: Report, page: int) -> tuple[bytes, int]:
        """The raw body of a successful answer for one page, and the window's page count."""
        what = f"{report.label} 第 {page} 页"
        path = "/daily_reports/get" if report.kind == "daily" else "/hourly_reports/get"
        busy = 0
        while True:
            raw, body = self._exchange(what, "GET", path, params=self._params(report, page))
            code = body.get("code") if isinstance(body, dict) else None
            if code == 0:
                return raw, self._pages(what, raw, body, page)
            if not isinstance(code, int) or isinstance(code, bool):
                head = self._safe(raw.decode("utf-8", "replace"), 80)
                raise AdsFetchError(f"{what}：应答中没有 code（{head!r}）")
            text = f"{what}：腾讯广告接口返回 code {code}（{self._message(body)}）"
            if code in _TOKEN_CODES:
                raise AdsFetchError(f"{text}：access_token {_TOKEN_CODES[code]}，请在腾讯广告开发者平台"
                                    f"重新授权或刷新令牌后更新环境变量 {ENV_TOKEN}")
            if code == _DAILY_LIMIT:
                raise AdsFetchError(f"{text}：今日接口调用次数已用完；明天重新运行同一命令，会从中断处继续")
            if code in _LIMIT_CODES or code == 10000 or 30000 <= code <= 30099:
                if busy >= self.retries:
                    raise AdsFetchError(f"{text}；已重试 {self.retries} 次。重新运行同一命令会从中断处继续。")
                self._pause(busy, 60.0 if code == 11017 else 0.0)
                busy += 1
                continue
            raise AdsFetchError(text)

    def _pages(self, what: str, raw: bytes, body: dict[str, Any], page: int) -> int:
        data = body.get("data")
        info = data.get("page_info") if isinstance(data, dict) else None
        total = info.get("total_page") if isinstance(info, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("list"), list) \
                or not isinstance(total, int) or isinstance(total, bool) or total < 0:
            head = self._safe(raw.decode("utf-8", "replace"), 80)
            raise AdsFetchError(f"{what}：应答中没有 data.list 与 data.page_info.total_page（{head!r}）")
        if info.get("page") not in (page, None):
            raise AdsFetchError(f"{what}：应答的 page_info.page 为 {info.get('page')!r}，请求的是第 {page} 页")
        return max(total, 1)


@dataclass
class AdsOutcome:
    """What a fetch did: pages written, pages already there, windows not over yet, windows
    too old for the API (hourly: 90 days; daily: 365 days)."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    pending: int = 0
    too_old: list[Report] = field(default_factory=list)


def _archived_pages(path: Path) -> int | None:
    """The page count an archived first page states, or None when it is not a good answer
    (then it is asked again)."""
    try:
        body = json.loads(path.read_bytes())
        total = body["data"]["page_info"]["total_page"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if body.get("code") != 0 or not isinstance(total, int) or isinstance(total, bool):
        return None
    return max(total, 1)


def fetch_month(client: AdsClient, month: str, folder: Path, *,
                reports: list[Report] | None = None,
                progress: Callable[[Report, int, str], None] | None = None,
                until: date | None = None, today: date | None = None) -> AdsOutcome:
    """Fetch every page of every report of ``month`` into ``folder`` (made if needed).

    A page whose file is there is kept. A window ending after ``until`` (default
    :func:`wxnb.io.fetch.available_until`: yesterday after 08:00 Beijing time) is not asked
    yet; one starting before the API's reach back from ``today`` is skipped and reported.
    ``progress(report, page, state)`` is told each page's fate: 已有, 已获取, 未到可获取时间,
    超出可查询范围 (page 0 for a window not asked).
    """
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".ads_*.json.part"):  # a write the last run did not finish
        stale.unlink()
    out = AdsOutcome()
    report = progress or (lambda r, p, s: None)
    last = until or available_until()
    now = today or datetime.now(CST).date()
    for r in reports if reports is not None else plan(month):
        if r.end > last:
            out.pending += 1
            report(r, 0, "未到可获取时间")
            continue
        reach = DAILY_BACK if r.kind == "daily" else HOURLY_BACK
        if r.start < now - timedelta(days=reach):
            out.too_old.append(r)
            report(r, 0, "超出可查询范围")
            continue
        first = folder / r.filename(1)
        total = _archived_pages(first) if first.exists() else None
        if total is not None:
            out.kept.append(first)
            report(r, 1, "已有")
        else:
            raw, total = client.call(r, 1)
            write_whole(first, raw)
            out.written.append(first)
            report(r, 1, "已获取")
        for page in range(2, total + 1):
            path = folder / r.filename(page)
            if path.exists():
                out.kept.append(path)
                report(r, page, "已有")
                continue
            raw, _ = client.call(r, page)
            write_whole(path, raw)
            out.written.append(path)
            report(r, page, "已获取")
    return out
