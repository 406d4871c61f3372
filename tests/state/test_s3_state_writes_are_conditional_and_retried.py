"""S3 state writes: no lost updates (If-Match), and transient failures retried with back-off.

Against moto_server on loopback; the failures moto never produces (409
ConditionalRequestConflict, 503 SlowDown, a dropped connection before or after the write
landed, 403) come from a small fault proxy between cjrec and moto. The clock is fake:
back-off is recorded, never slept.
"""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.adapters.s3_objects import S3Objects
from reconciler.adapters.s3_state import S3StateStore, StaleStateError
from reconciler.errors import StateError
from reconciler.kinds.product.record import ProductRecord, with_product, without_product
from reconciler.models.state import SyncState
from reconciler.models.state_location import parse_s3_url
from tests.support.client_fakes import FakeClock
from tests.support.s3_server import Fault, FaultProxy

PIDS = ["2503190327561613000", "2503190327561614000", "2503190327561615000"]
PREFIX = "prod/"


def product(pid: str) -> ProductRecord:
    return ProductRecord.from_dict(
        pid, {"url": f"https://cjdropshipping.com/product/x-p-{pid}.html", "origin": "added"}
    )


def open_store(bucket: Any, clock: FakeClock | None = None) -> S3StateStore:
    location = parse_s3_url(bucket.url(PREFIX))
    clock = clock or FakeClock()
    return S3StateStore(location, clock=clock, objects=S3Objects(location, clock=clock))


def seeded(bucket: Any) -> SyncState:
    store = open_store(bucket)
    store.load()
    return store.write(with_product(store.new_state(), product(PIDS[0])), previous=None)


def test_a_run_that_read_an_older_version_cannot_overwrite_a_newer_one(s3_bucket: Any) -> None:
    seeded(s3_bucket)
    first, second = open_store(s3_bucket), open_store(s3_bucket)
    a, b = first.load(), second.load()
    assert a is not None and b is not None
    first.write(with_product(a, product(PIDS[1])), previous=a)
    with pytest.raises(StaleStateError) as refused:
        second.write(with_product(b, product(PIDS[2])), previous=b)
    assert "s3://" in refused.value.message and "sync.json" in refused.value.message
    assert "adopted by the next apply" in (refused.value.hint or "")
    final = open_store(s3_bucket).load()
    assert final is not None
    assert set(final.products) == {PIDS[0], PIDS[1]}  # the newer write survived


def test_a_run_whose_lock_was_forced_away_is_refused_at_its_next_write_and_leaves_the_new_lock(s3_bucket: Any) -> None:
    seeded(s3_bucket)
    clock = FakeClock()
    old = open_store(s3_bucket, clock)
    lock = old.lock(operation="apply", clock=clock)
    held = lock.acquire()
    state = old.load()
    assert state is not None
    state = old.write(with_product(state, product(PIDS[1])), previous=state)

    new = open_store(s3_bucket, clock)
    new.force_unlock(held.id)
    with new.lock(operation="apply", clock=clock) as taken:
        newer = new.load()
        assert newer is not None
        new.write(without_product(newer, PIDS[0]), previous=newer)
        with pytest.raises(StaleStateError):
            old.write(with_product(state, product(PIDS[2])), previous=state)
        lock.release()  # the old run ends: the lock it would remove is no longer its own
        assert b'"id": "' + taken.id.encode() in s3_bucket.get(PREFIX + "cjrec.lock")
    assert PREFIX + "cjrec.lock" not in s3_bucket.key_names()


def test_the_first_write_of_a_run_keeps_the_version_it_replaces(s3_bucket: Any) -> None:
    before = seeded(s3_bucket)
    store = open_store(s3_bucket)
    state = store.load()
    assert state is not None
    state = store.write(with_product(state, product(PIDS[1])), previous=state)
    store.write(with_product(state, product(PIDS[2])), previous=state)
    backup = store.objects.get("sync.json.backup")
    assert backup is not None
    assert b'"serial": %d' % before.serial in backup.data  # the state as the run found it


@pytest.mark.parametrize(
    "fault",
    [
        Fault(method="PUT", key_suffix="sync.json", status=503, code="SlowDown"),
        Fault(method="PUT", key_suffix="sync.json", status=409, code="ConditionalRequestConflict"),
        Fault(method="PUT", key_suffix="sync.json", status=500, code="InternalError"),
        Fault(method="PUT", key_suffix="sync.json", drop="before"),
        Fault(method="PUT", key_suffix="sync.json", drop="after"),  # it landed; only the answer was lost
    ],
    ids=["503-slowdown", "409-conflict", "500", "dropped-before", "dropped-after-landing"],
)
def test_a_transient_failure_of_a_state_write_is_retried_with_back_off(
    s3_bucket: Any, proxy: FaultProxy, fault: Fault
) -> None:
    seeded(s3_bucket)
    clock = FakeClock()
    store = open_store(s3_bucket, clock)
    state = store.load()
    assert state is not None
    proxy.add(fault)
    state = store.write(with_product(state, product(PIDS[1])), previous=state)
    assert store.objects.retries == 1
    assert clock.sleeps == [0.25]
    state = store.write(with_product(state, product(PIDS[2])), previous=state)  # the version it holds is the real one
    final = open_store(s3_bucket).load()
    assert final is not None
    assert set(final.products) == set(PIDS)
    assert final.serial == state.serial


def test_a_lock_whose_creation_landed_before_the_connection_dropped_is_held_not_reported_as_taken(
    s3_bucket: Any, proxy: FaultProxy
) -> None:
    clock = FakeClock()
    store = open_store(s3_bucket, clock)
    proxy.add(Fault(method="PUT", key_suffix="cjrec.lock", drop="after"))
    with store.lock(operation="apply", clock=clock) as held:
        assert held.id.encode() in s3_bucket.get(PREFIX + "cjrec.lock")
    assert PREFIX + "cjrec.lock" not in s3_bucket.key_names()


def test_reads_are_retried_after_a_dropped_connection(s3_bucket: Any, proxy: FaultProxy) -> None:
    seeded(s3_bucket)
    proxy.add(
        Fault(method="GET", key_suffix="sync.json", drop="before"), Fault(method="GET", status=503, code="SlowDown")
    )
    store = open_store(s3_bucket)
    assert store.load() is not None
    assert store.objects.retries == 2


def test_a_failure_that_persists_stops_with_one_clear_message(s3_bucket: Any, proxy: FaultProxy) -> None:
    seeded(s3_bucket)
    clock = FakeClock()
    store = open_store(s3_bucket, clock)
    state = store.load()
    assert state is not None
    proxy.add(*[Fault(method="PUT", key_suffix="sync.json", status=503, code="SlowDown") for _ in range(5)])
    with pytest.raises(StateError) as failed:
        store.write(with_product(state, product(PIDS[1])), previous=state)
    assert failed.value.message.startswith(f"s3://{s3_bucket.name}/{PREFIX}sync.json: S3 kept failing")
    assert "after 5 attempts" in failed.value.message
    assert clock.sleeps == [0.25, 0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("AccessDenied", "access denied to read the state"),
        ("InvalidAccessKeyId", "refused the AWS credentials (InvalidAccessKeyId)"),
        ("SignatureDoesNotMatch", "refused the AWS credentials (SignatureDoesNotMatch)"),
    ],
)
def test_refused_credentials_and_permissions_are_named_not_retried(
    s3_bucket: Any, proxy: FaultProxy, code: str, expected: str
) -> None:
    proxy.add(Fault(method="GET", status=403, code=code))
    store = open_store(s3_bucket)
    with pytest.raises(StateError) as failed:
        store.load()
    assert expected in failed.value.message
    assert f"s3://{s3_bucket.name}/{PREFIX}sync.json" in failed.value.message
    assert store.objects.retries == 0
