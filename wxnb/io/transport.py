"""What the fetchers share (``wxnb fetch``, ``fetch-mp``, ``fetch-ads``): one HTTP exchange with
retries, and an answer archived whole or not at all.

:class:`HttpClient` asks ``base + path`` and retries a timeout, a lost connection, an HTTP 429
or 5xx after a growing pause (``backoff`` doubling, at most 60 s), ``retries`` times at most;
any other status, or a body that is not JSON, stops at once. Every message goes through the
subclass's :meth:`HttpClient._safe`, which removes its secrets (a token, an AppSecret) before a
text is cut, and the errors are the subclass's :attr:`HttpClient.error`, so each command keeps
its own error type. What an answer's body means (errcodes, token renewal, pages) stays with
each API's client.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wxnb.exceptions import WxnbError

__all__ = ["HttpClient", "write_whole"]


class HttpClient:
    """An API's client: its base URL (checked by the subclass), a session, retries and pauses.

    Parameters
    ----------
    base : str
        The API's base URL, already checked (``wxnb.io.fetch.require_https``).
    timeout : float
        Seconds a request may take.
    retries : int
        Asks again after a network fault, HTTP 429 or 5xx (and whatever the subclass retries),
        at most this many times.
    backoff : float
        The first pause in seconds; each next one doubles (at most 60 s).
    sleep : callable
        ``time.sleep`` (tests pass their own).
    """

    #: The exception the client raises (the command's own, a :class:`WxnbError`).
    error: type[WxnbError] = WxnbError

    def __init__(self, base: str, *, timeout: float = 30.0, retries: int = 4,
                 backoff: float = 2.0, sleep: Callable[[float], None] = time.sleep) -> None:
        import requests

        self.base = base
        self.timeout, self.retries, self.backoff, self.sleep = timeout, retries, backoff, sleep
        self._session = requests.Session()

    def _safe(self, text: str, limit: int = 0) -> str:
        """``text`` without the client's secrets, then cut to ``limit`` characters."""
        raise NotImplementedError

    def _pause(self, attempt: int, at_least: float = 0.0) -> None:
        self.sleep(max(min(self.backoff * (2 ** attempt), 60.0), at_least))

    def _exchange(self, what: str, method: str, path: str, **kw: Any) -> tuple[bytes, Any]:
        """One HTTP exchange (``what`` names it in messages) with retries on network faults,
        429 and 5xx: (raw body, parsed JSON)."""
        import requests

        last = ""
        for attempt in range(self.retries + 1):
            try:
                resp = self._session.request(method, self.base + path, timeout=self.timeout, **kw)
            except requests.Timeout:
                last = f"{self.timeout:g} 秒内没有响应"
            except requests.ConnectionError:
                last = "无法连接"
            else:
                if resp.status_code >= 500 or resp.status_code == 429:
                    last = f"HTTP {resp.status_code}"
                elif resp.status_code != 200:
                    raise self.error(f"{what}：HTTP {resp.status_code}（期望 200）"
                                     f"：{self._safe(resp.text, 120)!r}")
                else:
                    try:
                        return resp.content, json.loads(resp.content)
                    except ValueError:
                        raise self.error(f"{what}：响应不是 JSON（{self._safe(resp.text, 80)!r}）"
                                         ) from None
            if attempt < self.retries:
                self._pause(attempt)
        raise self.error(f"{what}：{last}，已重试 {self.retries} 次。重新运行同一命令会从中断处继续。")


def write_whole(path: Path, data: bytes) -> None:
    """``data`` as ``path``, whole or not at all (written aside, synced, renamed into place)."""
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
