"""The event log in an S3 state (moto): the same records and rules as the folder's, with conditional writes."""

from __future__ import annotations

from typing import Any

from reconciler.adapters.event_log import Message
from reconciler.adapters.s3_event_log import S3EventLog
from reconciler.adapters.s3_objects import S3Objects
from reconciler.models.state_location import parse_s3_url
from tests.support.client_fakes import FakeClock


def message(message_id: str, clock: FakeClock, price: float = 1.0) -> Message:
    return Message(message_id, "PRODUCT", "UPDATE", {"pid": "7", "productSellPrice": price}, clock.now())


def test_messages_are_stored_once_settled_and_pruned_after_48_hours(s3_bucket: Any) -> None:
    clock = FakeClock()
    location = parse_s3_url(s3_bucket.url("acct/"))
    log = S3EventLog(S3Objects(location, clock=clock))
    assert log.record(message("a", clock)).new
    assert not log.record(message("a", clock, price=2.0)).new  # a retry: stored once, the first kept
    assert log.record(message("b", clock)).new
    assert [m.message_id for m in log.pending()] == ["a", "b"]
    assert log.pending()[0].params["productSellPrice"] == 1.0
    assert sorted(k for k in s3_bucket.key_names() if k.startswith("acct/events/")) == sorted(
        f"acct/events/{n}" for n in {log.record(message("a", clock)).name, log.record(message("b", clock)).name}
    )

    log.settle([m for m in log.pending() if m.message_id == "a"], now=clock.now())
    assert [m.message_id for m in log.pending()] == ["b"]
    assert not log.record(message("a", clock)).new  # settled, still a duplicate within 48 h
    clock.advance(49 * 3600)
    log.settle([], now=clock.now())  # prunes the expired tombstone
    assert len([k for k in s3_bucket.key_names() if k.startswith("acct/events/")]) == 1
    assert log.record(message("a", clock)).new  # new again after 48 h
