"""The receiver's rules, straight through the ASGI app (no socket): path, size, signature, JSON, then the write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.adapters.event_log import LocalEventLog
from tests.receiver.helpers import OPEN_ID, TOKEN, call, make_app, product_message, signed, stored_files
from tests.support.client_fakes import FakeClock


def test_a_signed_message_is_stored_once_and_answered_200(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    body = product_message()
    assert call(app, body, headers=signed(body)) == (200, {"ok": True, "duplicate": False, "known": True})
    [record] = stored_files(tmp_path)
    stored = json.loads(record.read_text())
    assert stored["messageId"] == "m-1" and stored["type"] == "PRODUCT"
    assert stored["params"]["pid"] == "1000000000000000003"
    # the openId signs CJ's messages: it is a secret and never stored
    assert OPEN_ID not in record.read_text()
    assert (tmp_path / "events" / ".gitignore").read_text().splitlines()[-1] == "*"
    [pending] = LocalEventLog(tmp_path).pending()
    assert pending.message_id == "m-1"


def test_retries_and_duplicates_are_stored_once(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    body = product_message("m-dup")
    for _ in range(4):  # CJ's first delivery and its three retries
        assert call(app, body, headers=signed(body))[0] == 200
    assert len(stored_files(tmp_path)) == 1
    assert app.duplicates == 3 and app.stored["PRODUCT"] == 1


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "no sign header"),
        ({"sign": "AAAA"}, "a wrong signature"),
        (signed(product_message(), open_id="another-account"), "signed with another openId"),
    ],
)
def test_an_unsigned_or_wrongly_signed_message_is_401_and_writes_nothing(
    tmp_path: Path, headers: dict[str, str], why: str
) -> None:
    status, answer = call(make_app(tmp_path), product_message(), headers=headers)
    assert status == 401, why
    assert answer == {"error": "missing or wrong signature"}
    assert stored_files(tmp_path) == []


def test_a_replayed_body_with_one_byte_changed_is_401(tmp_path: Path) -> None:
    body = product_message()
    sign = signed(body)
    changed = body.replace(b"12.5", b"12.6")
    assert call(make_app(tmp_path), changed, headers=sign)[0] == 401
    assert stored_files(tmp_path) == []


@pytest.mark.parametrize(
    "path", ["/", "/cj/", "/cj/wrong-token-wrong-token-wrong", "/cj/" + TOKEN + "/x", "/CJ/" + TOKEN, "/healthz/x"]
)
def test_any_other_path_is_404_and_writes_nothing(tmp_path: Path, path: str) -> None:
    body = product_message()
    assert call(make_app(tmp_path), body, path=path, headers=signed(body))[0] == 404
    assert stored_files(tmp_path) == []


def test_other_methods_are_405_and_health_is_200(tmp_path: Path) -> None:
    assert call(make_app(tmp_path), b"", method="GET")[0] == 405
    assert call(make_app(tmp_path), b"", method="GET", path="/healthz") == (200, {"ok": True})


def test_a_body_over_1_mb_is_413_whether_announced_or_streamed(tmp_path: Path) -> None:
    big = b"{" + b" " * 1_000_001 + b"}"
    headers = {**signed(big), "content-length": str(len(big))}
    assert call(make_app(tmp_path), big, headers=headers)[0] == 413
    # no Content-Length (chunked): counted as it arrives
    assert call(make_app(tmp_path), b"", headers=signed(big), chunks=[big[:600_000], big[600_000:]])[0] == 413
    assert stored_files(tmp_path) == []


def test_a_slow_sender_is_408_and_writes_nothing(tmp_path: Path) -> None:
    body = product_message()
    app = make_app(tmp_path, read_timeout_s=0.05)
    assert call(app, body, headers=signed(body), chunks=[body[:10]], stall=True)[0] == 408
    assert stored_files(tmp_path) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "the body is not JSON"),
        (b"[1, 2]", "the body must be a JSON object"),
        (b'{"type": "PRODUCT"}', "messageId must be"),
        (b'{"messageId": "x"}', "type must be"),
        (b"[" * 100_000, "the body is not JSON"),
    ],
)
def test_a_signed_body_that_is_not_a_cj_message_is_400(tmp_path: Path, body: bytes, reason: str) -> None:
    status, answer = call(make_app(tmp_path), body, headers=signed(body))
    assert status == 400
    assert answer["error"].startswith(reason)
    assert stored_files(tmp_path) == []


def test_an_unknown_type_is_stored_and_counted_but_marked_unknown(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    body = json.dumps({"messageId": "n-1", "type": "NEWTHING", "params": {}}).encode()
    assert call(app, body, headers=signed(body)) == (200, {"ok": True, "duplicate": False, "known": False})
    [message] = LocalEventLog(tmp_path).pending()
    assert (message.type, message.known) == ("NEWTHING", False)
    assert LocalEventLog(tmp_path).counts() == {"NEWTHING": 1}


def test_a_settled_message_is_still_a_duplicate_for_48_hours_then_new(tmp_path: Path) -> None:
    clock = FakeClock()
    app = make_app(tmp_path, clock)
    log = LocalEventLog(tmp_path)
    body = product_message("m-48")
    assert call(app, body, headers=signed(body))[1]["duplicate"] is False
    log.settle(log.pending(), now=clock.now())
    assert log.pending() == []
    clock.advance(47 * 3600)
    assert call(app, body, headers=signed(body))[1]["duplicate"] is True
    assert log.pending() == []
    clock.advance(2 * 3600)  # 49 h after the first delivery: the tombstone has expired
    log.settle([], now=clock.now())
    assert stored_files(tmp_path) == []  # pruned
    assert call(app, body, headers=signed(body))[1]["duplicate"] is False
    assert [m.message_id for m in log.pending()] == ["m-48"]


def test_a_pending_message_is_never_replaced_by_a_late_duplicate(tmp_path: Path) -> None:
    clock = FakeClock()
    app = make_app(tmp_path, clock)
    first = product_message("m-p", productSellPrice=1.0)
    call(app, first, headers=signed(first))
    clock.advance(72 * 3600)
    again = product_message("m-p", productSellPrice=2.0)
    assert call(app, again, headers=signed(again))[1]["duplicate"] is True
    [message] = LocalEventLog(tmp_path).pending()
    assert message.params["productSellPrice"] == 1.0


def test_a_state_folder_that_cannot_be_written_is_503_so_cj_retries(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the state folder should be")
    body = product_message()
    status, answer = call(make_app(blocker), body, headers=signed(body))
    assert status == 503
    assert "send it again" in answer["error"]
