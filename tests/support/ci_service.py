"""A loopback stand-in for GitHub's and GitLab's trigger endpoints: records every request, answers as told.

``with CiService() as ci:`` serves on 127.0.0.1; point ``CJREC_GITHUB_API_URL`` or
``CJREC_GITLAB_API_URL`` at ``ci.url``. ``ci.requests`` holds (method, path, headers, body) of
each call; ``ci.statuses`` is a queue of status codes to answer with (default: GitHub's 204
for ``/dispatches``, GitLab's 201 for ``/trigger/pipeline``); ``ci.echo`` makes an error
answer repeat the request body (an API that echoes what it got, tokens included).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class CiService:
    def __init__(self) -> None:
        self.requests: list[Call] = []
        self.statuses: deque[int] = deque()
        self.echo = False
        self.arrived = threading.Event()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                service.requests.append(Call("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                status = service.statuses.popleft() if service.statuses else (204 if "dispatches" in self.path else 201)
                answer = b"" if status == 204 else (body if service.echo and status >= 400 else b'{"id": 1}')
                self.send_response(status)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                service.arrived.set()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CiService:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
