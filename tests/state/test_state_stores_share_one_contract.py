"""One contract, two state stores: a local folder and an S3 prefix (moto_server on loopback).

Every behaviour the commands rely on — read nothing, write, read back, serials, the lock
excluding a second holder, force-unlock by ID only, the token cache — is checked on both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.adapters.s3_state import S3StateStore
from reconciler.adapters.state_store import LocalStateStore, StateStore, render_state
from reconciler.errors import LockError, StateError
from reconciler.kinds.product.record import ProductRecord, with_product, without_product
from reconciler.models.state_location import parse_s3_url
from tests.support.client_fakes import FakeClock

PID = "2503190327561613000"


@pytest.fixture(params=["local", "s3"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """A factory: each call opens the same state location anew, as a second process would."""
    if request.param == "local":
        return lambda: LocalStateStore(tmp_path / "state")
    bucket = request.getfixturevalue("s3_bucket")
    location = parse_s3_url(bucket.url("team/prod"))
    return lambda: S3StateStore(location, clock=FakeClock())


def product(pid: str = PID) -> ProductRecord:
    return ProductRecord.from_dict(
        pid, {"url": f"https://cjdropshipping.com/product/x-p-{pid}.html", "origin": "added"}
    )


def test_a_new_location_has_no_state_and_a_write_reads_back(make_store: Any) -> None:
    store: StateStore = make_store()
    assert store.load() is None
    written = store.write(with_product(store.new_state(), product()), previous=None)
    assert written.serial == 1
    again = make_store().load()
    assert again is not None
    assert again.lineage == written.lineage
    assert set(again.products) == {PID}
    assert render_state(again) == render_state(written)


def test_the_serial_moves_only_when_the_content_changes(make_store: Any) -> None:
    store: StateStore = make_store()
    store.load()
    first = store.write(with_product(store.new_state(), product()), previous=None)
    same = store.write(first, previous=first)
    assert same.serial == 1
    second = store.write(without_product(first, PID), previous=first)
    assert second.serial == 2
    loaded = make_store().load()
    assert loaded is not None
    assert loaded.serial == 2
    assert loaded.products == {}


def test_a_second_holder_is_refused_naming_the_first_and_force_unlock_needs_its_id(make_store: Any) -> None:
    clock = FakeClock()
    with make_store().lock(operation="apply", clock=clock) as held:
        with pytest.raises(LockError) as refused, make_store().lock(operation="state forget", clock=clock):
            pass
        assert held.id in refused.value.message
        assert "`cjrec apply`" in refused.value.message
        with pytest.raises(LockError, match="does not match"):
            make_store().force_unlock("not-the-id")
    with make_store().lock(operation="apply", clock=clock) as stuck:  # released above; taken again
        removed = make_store().force_unlock(stuck.id)
        assert removed.id == stuck.id
        with make_store().lock(operation="apply", clock=clock) as after:  # the lock is free again
            assert after.id != stuck.id


def test_waiting_for_the_lock_gives_up_after_the_timeout(make_store: Any) -> None:
    clock = FakeClock()
    with (
        make_store().lock(operation="apply", clock=clock),
        pytest.raises(LockError, match="after waiting 3 s"),
        make_store().lock(operation="apply", clock=clock, timeout_s=3),
    ):
        pass
    assert sum(clock.sleeps) >= 3


def test_the_token_cache_round_trips_beside_the_state(make_store: Any) -> None:
    cache = make_store().token_cache()
    assert cache.read() is None
    cache.write(b'{"sops": {}}')
    assert make_store().token_cache().read() == b'{"sops": {}}'
    make_store().token_cache().delete()
    assert make_store().token_cache().read() is None


def test_a_state_that_is_not_cjrecs_is_refused_naming_it(make_store: Any, request: pytest.FixtureRequest) -> None:
    store = make_store()
    if isinstance(store, LocalStateStore):
        store.path.parent.mkdir(parents=True)
        store.path.write_text('{"hello": "world"}')
    else:
        bucket = request.getfixturevalue("s3_bucket")
        bucket.put("team/prod/sync.json", b'{"hello": "world"}')
    with pytest.raises(StateError) as refused:
        store.load()
    assert store.display in refused.value.message
    assert "format_version" in refused.value.message
