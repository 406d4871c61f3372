"""The receiver through a real uvicorn on 127.0.0.1: what CJ's deliveries, retries and bad senders get."""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from reconciler.adapters.event_log import LocalEventLog
from reconciler.receiver.app import ReceiverApp
from reconciler.receiver.server import ThreadedReceiver
from tests.receiver.helpers import OPEN_ID, TOKEN, make_app, product_message, signed, stored_files


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ReceiverApp, str]]:
    app = make_app(tmp_path, read_timeout_s=0.3)
    with ThreadedReceiver(app) as url:
        yield app, url


def post(url: str, body: bytes, headers: dict[str, str], path: str = "/cj/" + TOKEN) -> tuple[int, dict[str, object]]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


def oversized_post(url: str, body: bytes) -> bytes:
    """The status line a body refused by its Content-Length gets (the receiver may close before it is all sent)."""
    parts = urlsplit(url)
    head = f"POST /cj/{TOKEN} HTTP/1.1\r\nHost: x\r\nsign: {signed(body)['sign']}\r\nContent-Length: {len(body)}\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(head.encode())
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(body)
        return sock.recv(4096)[:12]


def test_a_delivery_and_its_concurrent_duplicates_are_stored_once(
    served: tuple[ReceiverApp, str], tmp_path: Path
) -> None:
    app, url = served
    body = product_message("m-burst")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: post(url, body, signed(body)), range(64)))
    assert {status for status, _ in answers} == {200}
    assert sum(1 for _, answer in answers if answer["duplicate"] is False) == 1
    assert len(stored_files(tmp_path)) == 1
    assert app.stored["PRODUCT"] == 1 and app.duplicates == 63


def test_bad_requests_write_nothing(served: tuple[ReceiverApp, str], tmp_path: Path) -> None:
    _, url = served
    body = product_message()
    assert post(url, body, {"sign": "nope"})[0] == 401
    assert post(url, body, signed(body), path="/cj/guess")[0] == 404
    assert post(url, body, signed(body), path="/")[0] == 404
    big = b"x" * 1_000_001
    assert oversized_post(url, big) == b"HTTP/1.1 413"
    assert post(url, b"{oops", signed(b"{oops"))[0] == 400
    assert stored_files(tmp_path) == []


def test_a_slow_sender_gets_408_and_the_message_is_not_stored(served: tuple[ReceiverApp, str], tmp_path: Path) -> None:
    _, url = served
    parts = urlsplit(url)
    body = product_message()
    head = (
        f"POST /cj/{TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"sign: {signed(body)['sign']}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(head + body[:20])  # and then nothing more
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408")
    assert stored_files(tmp_path) == []


def test_no_log_line_holds_the_token_or_the_openid(
    served: tuple[ReceiverApp, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, url = served
    caplog.set_level(logging.DEBUG)
    body = product_message("m-log")
    post(url, body, signed(body))
    post(url, body, {"sign": "bad"})
    post(url, body, signed(body), path="/cj/" + TOKEN[:-1])
    text = caplog.text
    assert "/cj/(token)" in text
    assert TOKEN not in text and TOKEN[:-1] not in text and OPEN_ID not in text


def test_the_answer_comes_only_after_the_message_is_on_disk(served: tuple[ReceiverApp, str], tmp_path: Path) -> None:
    _, url = served
    for number in range(20):
        body = product_message(f"m-{number}")
        assert post(url, body, signed(body))[0] == 200
        # read with a fresh log: the record is there the moment the 200 is
        assert f"m-{number}" in {m.message_id for m in LocalEventLog(tmp_path).pending()}
