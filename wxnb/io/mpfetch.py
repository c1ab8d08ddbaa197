"""``wxnb fetch`` for a mini program: one month of the 小程序数据分析 API, kept as it came.

Built on :mod:`wxnb.io.fetch`: the same :class:`~wxnb.io.fetch.Client` (token from the AppID
and AppSecret, renewed on 40001/42001/40014; busy and quota answers, timeouts and lost
connections asked again after a growing pause; every message scrubbed of the token and the
secret), the same archive rule (a file written whole or not at all, a window whose file is
there not asked again, a window not over yet left for a later run). A mini program has its own
AppID and AppSecret: :func:`credentials_from_env` reads them from ``WXNB_MP_APPID`` and
``WXNB_MP_APPSECRET`` (or a ready ``WXNB_MP_ACCESS_TOKEN``).

Each answer is archived byte for byte as ``wxa_<endpoint>_<yyyymmdd>_<yyyymmdd>.json`` in the
month folder (the reader is :mod:`wxnb.io.miniprogram`). The calls, with dates as the mini
program API takes them (yyyymmdd, no dashes; the Official Account API uses yyyy-MM-dd):

- ``POST /datacube/<endpoint>`` ``{"begin_date": "20261001", "end_date": "20261001"}``, one
  day a call, for getweanalysisappiddailyvisittrend, …dailysummarytrend, …visitpage,
  …dailyretaininfo and …visitdistribution; the daily retention only once the month is over
  (a cohort day's key k is day + k: asked earlier, its later keys would be archived
  unfinished, while the reader counts every key up to the month's end as observed);
- the same for getweanalysisappidmonthlyvisittrend and …monthlyretaininfo over the natural
  month (first to last day), and …monthlyretaininfo over the month before too: its key 1 (the
  month after) is this month, complete only now;
- getweanalysisappiduserportrait over the last 30 days of the month (``end − begin = 29``),
  asked only while the month's end is recent (WeChat answers it for recent end dates only;
  :data:`PORTRAIT_RECENT_DAYS`);
- ``POST /wxa/business/performance/boot`` (getPerformanceData) ``{"time": {"begin_timestamp",
  "end_timestamp"}, "module": "10017", "params": [networktype -1, device_level -1, device
  -1]}``, Beijing midnight of the first and last day, at most 30 days a call.

"数据还没准备好" and all-zero answers (WeChat's answer early in the day, before the day's
figures are computed) are asked again a bounded number of times (the client's ``delay_polls``,
``delay_wait`` apart); still not ready, the window is **not archived** (zeros are never kept as
if they were real) and is reported in :attr:`MpOutcome.not_ready`, so a later run fetches it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from wxnb.io import miniprogram as mp
from wxnb.io.datacube import month_days
from wxnb.io.fetch import (
    Client,
    Credentials,
    FetchError,
    Outcome,
    RetiredEndpoint,
    available_until,
)
from wxnb.io.transport import write_whole
from wxnb.paths import CST, prev_month

__all__ = [
    "ENV_APPID",
    "ENV_SECRET",
    "ENV_TOKEN",
    "PERFORMANCE_MODULE",
    "PORTRAIT_RECENT_DAYS",
    "MpOutcome",
    "MpWindow",
    "call",
    "credentials_from_env",
    "fetch_month",
    "plan",
]

ENV_APPID, ENV_SECRET, ENV_TOKEN = "WXNB_MP_APPID", "WXNB_MP_APPSECRET", "WXNB_MP_ACCESS_TOKEN"
PERFORMANCE_MODULE = "10017"  # 启动各阶段耗时
PERFORMANCE_SPAN = 30  # days a getPerformanceData call may cover
#: getUserPortrait is asked while the month ended at most this many days before the last day
#: with data (WeChat answers it for recent end dates only).
PORTRAIT_RECENT_DAYS = 7
_NOT_READY = re.compile(r"还没准备好|未准备好|没有准备好|not\s*ready|not\s*prepared", re.IGNORECASE)


def credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials:
    """The mini program's credentials (its own AppID and AppSecret, or a ready token), from the
    environment only."""
    env = os.environ if environ is None else environ
    creds = Credentials(appid=env.get(ENV_APPID, "").strip(),
                        secret=env.get(ENV_SECRET, "").strip(),
                        token=env.get(ENV_TOKEN, "").strip())
    if not creds.token and not (creds.appid and creds.secret):
        raise FetchError(
            f"缺少小程序接口凭据：请设置环境变量 {ENV_APPID} 与 {ENV_SECRET}（小程序后台 → 开发 → "
            f"开发管理 → 开发设置；小程序与公众号的 AppID 不同），或 {ENV_TOKEN}。凭据只从环境变量读取，"
            "不写入任何文件。")
    return creds


@dataclass(frozen=True)
class MpWindow:
    """One call: an endpoint over [begin, end] (both included). ``ready`` is the day after
    which the answer is final (the month's end for the month before's retention)."""

    endpoint: str
    begin: date
    end: date
    ready: date | None = None

    @property
    def filename(self) -> str:
        return mp.file_name(self.endpoint, self.begin, self.end)

    @property
    def final_after(self) -> date:
        return self.ready or self.end

    def request(self) -> tuple[str, dict[str, Any]]:
        """(path, JSON body) of the call."""
        if self.endpoint == mp.PERFORMANCE:
            return "/wxa/business/performance/boot", {
                "time": {"begin_timestamp": _midnight(self.begin),
                         "end_timestamp": _midnight(self.end)},
                "module": PERFORMANCE_MODULE,
                "params": [{"field": "networktype", "value": "-1"},
                           {"field": "device_level", "value": "-1"},
                           {"field": "device", "value": "-1"}]}
        return f"/datacube/{self.endpoint}", {"begin_date": f"{self.begin:%Y%m%d}",
                                               "end_date": f"{self.end:%Y%m%d}"}


def _midnight(d: date) -> int:
    """Unix seconds of Beijing midnight starting ``d``."""
    return int(datetime(d.year, d.month, d.day, tzinfo=CST).timestamp())


def plan(month: str, *, until: date | None = None,
         endpoints: tuple[str, ...] | None = None) -> list[MpWindow]:
    """Every call of the month (see the module); ``until`` (the last day with data) decides
    whether the user portrait is still asked."""
    days = month_days(month)
    first, last = days[0], days[-1]
    wanted = endpoints or tuple(mp.ENDPOINTS)
    out = []
    for name in mp.DAILY_ENDPOINTS:
        if name in wanted:
            # A day's retention keeps growing (key k is day + k): asked before the month is
            # over, its later keys would be archived unfinished and never asked again, while
            # section 13 counts every key up to the month's end as observed.
            ready = last if name == mp.DAILY_RETAIN else None
            out += [MpWindow(name, d, d, ready=ready) for d in days]
    if mp.MONTHLY_VISIT in wanted:
        out.append(MpWindow(mp.MONTHLY_VISIT, first, last))
    if mp.MONTHLY_RETAIN in wanted:
        before = month_days(prev_month(month))
        out.append(MpWindow(mp.MONTHLY_RETAIN, first, last))
        out.append(MpWindow(mp.MONTHLY_RETAIN, before[0], before[-1], ready=last))
    if mp.PERFORMANCE in wanted:
        for i in range(0, len(days), PERFORMANCE_SPAN):
            chunk = days[i:i + PERFORMANCE_SPAN]
            out.append(MpWindow(mp.PERFORMANCE, chunk[0], chunk[-1]))
    recent = until is None or (until - last).days <= PORTRAIT_RECENT_DAYS
    if mp.PORTRAIT in wanted and recent:
        out.append(MpWindow(mp.PORTRAIT, last - timedelta(days=29), last))
    return out


# --------------------------------------------------------------------------- answers


def _numbers(value: Any) -> list[float]:
    """Every figure of an answer (numbers, and the performance values given as text), dates,
    keys, ids and names aside."""
    out: list[float] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("ref_date", "refdate", "key", "id", "index", "count", "errcode",
                     "begin_timestamp", "end_timestamp"):
                continue
            if k == "value" and isinstance(v, str):
                try:
                    out.append(float(v))
                except ValueError:
                    pass
                continue
            out += _numbers(v)
    elif isinstance(value, list):
        for v in value:
            out += _numbers(v)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        out.append(float(value))
    return out


def _shape_ok(endpoint: str, body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    if endpoint == mp.PERFORMANCE:
        data = body.get("data")
        inner = data.get("body") if isinstance(data, dict) else None
        return isinstance(inner, dict) and isinstance(inner.get("tables"), list)
    if endpoint in (mp.DAILY_RETAIN, mp.MONTHLY_RETAIN, mp.PORTRAIT):
        return "visit_uv_new" in body or "visitUvNew" in body
    return isinstance(body.get("list"), list)


def not_ready(endpoint: str, body: Any) -> bool:
    """True for WeChat's answers while a day's figures are not computed yet: a 数据还没准备好
    message, an empty list, or an answer whose every figure is 0."""
    if isinstance(body, dict) and _NOT_READY.search(str(body.get("errmsg", ""))):
        return True
    if not isinstance(body, dict) or not _shape_ok(endpoint, body):
        return False
    figures = _numbers({k: v for k, v in body.items() if k not in ("errcode", "errmsg")})
    return not figures or all(x == 0 for x in figures)


def call(client: Client, window: MpWindow) -> bytes | None:
    """The raw body of WeChat's answer for ``window``; None when it is still not ready after
    the client's ``delay_polls`` tries (nothing to archive)."""
    what = f"{window.endpoint} {window.begin:%Y%m%d}～{window.end:%Y%m%d}"
    path, payload = window.request()
    polls = 0
    while True:
        raw, body, code = client.post(what, path, payload)  # token and busy retries
        if not_ready(window.endpoint, body):
            if polls < client.delay_polls:
                polls += 1
                client.sleep(client.delay_wait)
                continue
            return None
        if code:
            raise client._error(what, body)
        if not _shape_ok(window.endpoint, body):
            head = client._safe(raw.decode("utf-8", "replace"), 80)
            raise FetchError(f"{what}：应答不是该接口的格式（{head!r}）")
        return raw


@dataclass
class MpOutcome(Outcome):
    """What a fetch did (:class:`wxnb.io.fetch.Outcome`) and the windows whose data WeChat had
    not ready (not archived; a later run asks again)."""

    not_ready: list[MpWindow] = field(default_factory=list)
    portrait_skipped: bool = False


def fetch_month(client: Client, month: str, folder: Path, *,
                windows: list[MpWindow] | None = None,
                progress: Callable[[MpWindow, str], None] | None = None,
                until: date | None = None) -> MpOutcome:
    """Fetch every window of ``month`` into ``folder`` (made if needed). A window whose file
    is there is kept; a window not final by ``until`` (default
    :func:`wxnb.io.fetch.available_until`: yesterday after 08:00 Beijing time) is left for a
    later run; a window still not ready is not archived. ``progress(window, state)`` is told
    each window's fate: 已有, 已获取, 数据未就绪, 未到可获取时间, 接口已下线, 跳过."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".wxa_*.json.part"):  # a write the last run did not finish
        stale.unlink()
    last = until or available_until()
    todo = windows if windows is not None else plan(month, until=last)
    out = MpOutcome()
    out.portrait_skipped = windows is None and not any(w.endpoint == mp.PORTRAIT for w in todo)
    report = progress or (lambda w, s: None)
    for w in todo:
        path = folder / w.filename
        if w.final_after > last:
            out.pending += 1
            report(w, "未到可获取时间")
            continue
        if w.endpoint in out.retired:
            out.skipped += 1
            report(w, "跳过")
            continue
        if path.exists():
            out.kept.append(path)
            report(w, "已有")
            continue
        try:
            raw = call(client, w)
        except RetiredEndpoint as exc:
            out.retired[w.endpoint] = str(exc)
            report(w, "接口已下线")
            continue
        if raw is None:
            out.not_ready.append(w)
            report(w, "数据未就绪")
            continue
        write_whole(path, raw)
        out.written.append(path)
        report(w, "已获取")
    return out
