"""A fake WeChat 数据统计接口 for ``wxnb fetch``'s tests: a real HTTP server on 127.0.0.1 (in a
thread), answering in the official shapes with the rows of month folders' files, faults on call.

- ``GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` →
  ``{"access_token": …, "expires_in": 7200}`` (40013 / 40125 for a wrong AppID / AppSecret).
- ``POST /datacube/<endpoint>?access_token=…`` with ``{"begin_date", "end_date"}`` →
  ``{"list": [the rows whose ref_date is in the window]}`` (plus ``"is_delay": false`` for the
  2025 发表内容 endpoints); 40001 for an unknown or expired token; 61501 for a window longer
  than the endpoint's span.

Faults are queued per endpoint (``server.fail("getusersummary", "busy", "quota")``): each call
takes the next one. ``busy`` (-1), ``quota`` (45011), ``daily`` (45009), ``expire`` (every
token expires, 42001), ``timeout`` (answers after ``slow`` seconds), ``delay`` (the data with
``is_delay: true``), ``retired`` (47009, and for every later call too), ``hang`` (waits until
``release()``; ``hung`` is set once a call waits), ``echo`` (an error whose message repeats the
token), ``denied`` (an HTML page quoting the request's URL, token included, as a proxy might).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from wxnb.io.datacube import discover
from wxnb.io.fetch import NEW_ARTICLE, span

APPID = "wx5f0c2a7e9b1d3c44"
SECRET = "3f2b8c1d9e7a6b5c4d3e2f1a0b9c8d7e"  # the shape of a real AppSecret (32 hex digits)
NEW_FAMILY = NEW_ARTICLE


class FakeWeChat:
    """The server; ``with FakeWeChat([folder]) as api:`` starts and stops it (``api.base``)."""

    def __init__(self, folders: list[Path], slow: float = 1.0) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for folder in folders:
            for name, files in discover(folder).items():
                for path in files:
                    if path.suffix == ".json":
                        self.rows[name].extend(json.loads(path.read_text("utf-8"))["list"])
        self.slow = slow
        self.faults: dict[str, deque[str]] = defaultdict(deque)
        self.retired: set[str] = set()
        self.tokens: set[str] = set()
        self.issued = 0
        self.calls: list[tuple[str, str, str, str]] = []  # endpoint, begin, end, outcome
        self.sent: dict[tuple[str, str, str], bytes] = {}  # the last success per window
        self.hung = threading.Event()
        self._go = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeWeChat:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._go.set()
        self._server.shutdown()
        self._server.server_close()

    def fail(self, endpoint: str, *faults: str) -> None:
        self.faults[endpoint].extend(faults)

    def release(self) -> None:
        self._go.set()

    def windows_called(self, outcome: str = "ok") -> list[tuple[str, str, str]]:
        return [(e, b, d) for e, b, d, o in self.calls if o == outcome]

    # ------------------------------------------------------------------ answers

    def _token(self, query: dict[str, list[str]]) -> dict[str, Any]:
        if query.get("appid") != [APPID]:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if query.get("secret") != [SECRET]:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        with self._lock:
            self.issued += 1
            token = f"86_TOKEN{self.issued:03d}_x7Kq9ZpL2mVt4Wn8RbYc1DfGh3JkMs6"
            self.tokens.add(token)
        return {"access_token": token, "expires_in": 7200}

    def _datacube(self, endpoint: str, token: str, body: dict[str, Any],
                  path: str = "") -> tuple[bytes, str]:
        begin, end = str(body.get("begin_date")), str(body.get("end_date"))

        def answer(obj: dict[str, Any], outcome: str) -> tuple[bytes, str]:
            with self._lock:
                self.calls.append((endpoint, begin, end, outcome))
            return json.dumps(obj, ensure_ascii=False).encode("utf-8"), outcome

        if token not in self.tokens:
            return answer({"errcode": 40001, "errmsg": "invalid credential, access_token is "
                           "invalid or not latest"}, "token")
        if endpoint in self.retired:
            return answer({"errcode": 47009, "errmsg": "this api is offline, please use the new "
                           "api"}, "retired")
        fault = self.faults[endpoint].popleft() if self.faults[endpoint] else ""
        if fault == "busy":
            return answer({"errcode": -1, "errmsg": "system error"}, fault)
        if fault == "quota":
            return answer({"errcode": 45011, "errmsg": "api minute-quota reach limit"}, fault)
        if fault == "daily":
            return answer({"errcode": 45009, "errmsg": "reach max api daily quota limit"}, fault)
        if fault == "denied":  # a proxy's HTML page quoting the request, token and all
            with self._lock:
                self.calls.append((endpoint, begin, end, fault))
            return f"<html><body>Denied {'x' * 60} {path}</body></html>".encode(), fault
        if fault == "forbidden":  # a gateway's HTTP 403 page, quoting the request's URL
            with self._lock:
                self.calls.append((endpoint, begin, end, fault))
            return f"<html><body>403 Forbidden: {path}</body></html>".encode(), fault
        if fault == "echo":
            return answer({"errcode": 40003, "errmsg": f"invalid openid, token {token}"}, fault)
        if fault == "expire":
            with self._lock:
                self.tokens.clear()
            return answer({"errcode": 42001, "errmsg": "access_token expired"}, fault)
        if fault == "retired":
            self.retired.add(endpoint)
            return answer({"errcode": 47009, "errmsg": "this api is offline, please use the new "
                           "api"}, "retired")
        if fault == "hang":
            self.hung.set()
            self._go.wait(30)
        if fault == "timeout":
            threading.Event().wait(self.slow)
        try:
            first, last = date.fromisoformat(begin), date.fromisoformat(end)
        except ValueError:
            return answer({"errcode": 61500, "errmsg": "date format error"}, "format")
        if (last - first).days + 1 > span(endpoint) or last < first:
            return answer({"errcode": 61501, "errmsg": "date range error"}, "range")
        rows = [r for r in self.rows.get(endpoint, []) if begin <= str(r.get("ref_date")) <= end]
        obj: dict[str, Any] = {"list": rows}
        if endpoint in NEW_FAMILY:
            obj["is_delay"] = fault == "delay"
        raw, outcome = answer(obj, "delay" if fault == "delay" else "ok")
        with self._lock:
            self.sent[(endpoint, begin, end)] = raw
        return raw, outcome

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, raw: bytes, status: int = 200) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                try:
                    self.wfile.write(raw)
                except OSError:  # the client gave up (a timeout test)
                    pass

            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                if url.path != "/cgi-bin/token":
                    self.send_error(404)
                    return
                self._send(json.dumps(fake._token(parse_qs(url.query))).encode())

            def do_POST(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                if not url.path.startswith("/datacube/"):
                    self.send_error(404)
                    return
                token = parse_qs(url.query).get("access_token", [""])[0]
                raw, outcome = fake._datacube(url.path.rsplit("/", 1)[1], token, body,
                                              self.path)
                self._send(raw, 403 if outcome == "forbidden" else 200)

        return Handler
