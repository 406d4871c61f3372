"""One CJ address in front of several sandboxes, one account each: the test's stand-in for CJ's many accounts.

CJ serves every account at one URL and tells them apart by API key and token; a sandbox
serves one account. :class:`AccountRouter` listens on loopback and forwards each call to
the sandbox whose account it belongs to: ``getAccessToken`` by the API key in its body,
``refreshAccessToken`` by the refresh token, every other call by its ``CJ-Access-Token``
(learnt from the sandboxes' token answers). A call it cannot place gets CJ's 401 envelope.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from reconciler.sandbox import Sandbox

_PASSED_HEADERS = ("content-type", "retry-after")


class AccountRouter:
    """Routes CJ calls to the sandbox of their account; ``base_url`` is the one address cjrec is given."""

    def __init__(self, sandboxes: list[Sandbox]) -> None:
        self._by_key = {sandbox.config.api_key: sandbox for sandbox in sandboxes}
        self._by_token: dict[str, Sandbox] = {}
        self._lock = threading.Lock()
        self._session = requests.Session()
        router = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, answer = router.forward(self.command, self.path, dict(self.headers), body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_PATCH = do_DELETE = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api2.0/v1"

    def _place(self, headers: dict[str, str], body: bytes) -> Sandbox | None:
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            data = {}
        with self._lock:
            if isinstance(data, dict) and isinstance(data.get("apiKey"), str):
                return self._by_key.get(data["apiKey"])
            if isinstance(data, dict) and isinstance(data.get("refreshToken"), str):
                return self._by_token.get(data["refreshToken"])
            token = next((value for name, value in headers.items() if name.lower() == "cj-access-token"), None)
            return self._by_token.get(token) if token else None

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        sandbox = self._place(headers, body)
        if sandbox is None:
            answer = {"code": 1600001, "result": False, "message": "Invalid API key or access token", "data": None}
            return 401, {"Content-Type": "application/json"}, json.dumps(answer).encode()
        sent = {name: value for name, value in headers.items() if name.lower() in ("content-type", "cj-access-token")}
        reply = self._session.request(method, sandbox.root_url + path, headers=sent, data=body, timeout=60)
        try:
            data = reply.json().get("data")
        except ValueError:
            data = None
        if isinstance(data, dict):
            with self._lock:
                for field in ("accessToken", "refreshToken"):
                    if isinstance(data.get(field), str):
                        self._by_token[data[field]] = sandbox
        passed = {name: value for name, value in reply.headers.items() if name.lower() in _PASSED_HEADERS}
        return reply.status_code, passed, reply.content

    def __enter__(self) -> AccountRouter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._session.close()


@contextmanager
def routed(sandboxes: list[Sandbox]) -> Iterator[AccountRouter]:
    with AccountRouter(sandboxes) as router:
        yield router
