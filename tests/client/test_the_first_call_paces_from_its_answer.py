"""A call that opened a connection paces the next start from its answer, not its send.

DNS, TCP and TLS delay such a call's arrival at CJ by an unknown part of its round trip;
paced from its send, the next two calls on warm connections can land in CJ's one-second
window together with it (the many-accounts benchmark saw exactly that: getAccessToken,
setting/get and the first product/query within 0.54 s, then a 429). Calls on a kept-alive
connection are paced from their sends, as before. A real loopback server, so that the
connection pool really opens (and then reuses) a connection; the pacing clock is a fake one.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reconciler.adapters.cj_http import CjHttp
from reconciler.adapters.rate_limiter import RateLimiter
from tests.support.client_fakes import FakeClock

BODY = b'{"code": 200, "result": true, "message": "Success", "data": {}, "requestId": "r"}'


class _Server(ThreadingHTTPServer):
    clock: FakeClock
    sent: list[float]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the second call reuses the first one's connection
    server: _Server

    def do_GET(self) -> None:
        self.server.sent.append(self.server.clock.monotonic())
        if len(self.server.sent) == 1:
            self.server.clock.advance(0.6)  # the connection's set-up and the first round trip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.clock, httpd.sent = FakeClock(), []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_the_start_after_a_new_connection_is_one_interval_after_its_answer(server: _Server) -> None:
    clock = server.clock
    limiter = RateLimiter(qps=2, clock=clock)
    http = CjHttp(
        base_url=f"http://127.0.0.1:{server.server_address[1]}/api2.0/v1",
        clock=clock,
        limiter=limiter,
        rng=random.Random(1),
    )
    for _ in range(3):
        http.call("GET", "/setting/get")
    http.close()
    sent, interval = server.sent, 1 / limiter.rate
    assert sent[1] - sent[0] >= 0.6 + interval - 1e-9  # from the first answer: it opened the connection
    assert abs((sent[2] - sent[1]) - interval) < 1e-9  # from the second send: a kept-alive connection
