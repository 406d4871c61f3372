"""A tiny stand-in that answers chosen API paths with canned bodies and passes the rest to a sandbox.

For the bad-input suite: CJ (or a proxy in front of it) answering HTML error pages, empty
bodies, JSON of the wrong shape. Standard library only, on a free loopback port::

    with CannedApi(sandbox) as api:
        api.answer("GET", "/product/myProduct/query", 200, b"<html>…", content_type="text/html")
        ... CJREC_API_URL=api.base_url ...
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import cast
from urllib.parse import urlsplit

from reconciler.sandbox import Sandbox

API_PREFIX = "/api2.0/v1"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    canned: dict[tuple[str, str], tuple[int, bytes, str]]
    upstream: tuple[str, int]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        server = cast(_Server, self.server)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        subpath = urlsplit(self.path).path.removeprefix(API_PREFIX)
        canned = server.canned.get((self.command, subpath))
        if canned is None:
            connection = http.client.HTTPConnection(*server.upstream, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            connection.request(self.command, self.path, body=body or None, headers=headers)
            reply = connection.getresponse()
            canned = (reply.status, reply.read(), reply.getheader("Content-Type") or "application/json")
            connection.close()
        status, content, content_type = canned
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)


class CannedApi:
    """Canned answers for some (method, path) pairs; everything else goes to ``sandbox``."""

    def __init__(self, sandbox: Sandbox) -> None:
        parts = urlsplit(sandbox.root_url)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.canned = {}
        self._server.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{API_PREFIX}"

    def answer(
        self, method: str, path: str, status: int, body: bytes, *, content_type: str = "application/json"
    ) -> None:
        self._server.canned[(method, path)] = (status, body, content_type)

    def clear(self) -> None:
        self._server.canned.clear()

    def __enter__(self) -> CannedApi:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
