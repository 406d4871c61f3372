"""Checkpoints on their own thread: a slow state write never holds up the applier, and nothing is lost.

A store whose writes block until the test lets them go stands in for a slow bucket. While
one write is in flight, the states recorded meanwhile are coalesced into the next write;
closing writes the last one; a failing write stops the run and no later write is tried.
"""

from __future__ import annotations

import threading

import pytest

from reconciler.adapters.state_store import new_state, next_version
from reconciler.applier.checkpoints import BackgroundCheckpoints
from reconciler.errors import StateError
from reconciler.kinds.product.record import ProductRecord, with_product
from reconciler.models.state import SyncState

PIDS = [f"25031903275616{i:02d}000" for i in range(10)]


def product(pid: str) -> ProductRecord:
    return ProductRecord.from_dict(pid, {"url": f"https://cjdropshipping.com/product/x-p-{pid}.html", "origin": "added"})


class SlowStore:
    """Writes block until ``gate`` is set; records what it was given."""

    def __init__(self, *, fail_on: int | None = None) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.writes: list[SyncState] = []
        self.fail_on = fail_on

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState:
        self.entered.set()
        assert self.gate.wait(10)
        if self.fail_on is not None and len(self.writes) + 1 == self.fail_on:
            raise StateError("s3://bucket/prod/sync.json: the state changed since this run read it")
        stored = next_version(state, previous) or state
        self.writes.append(stored)
        return stored


def test_states_recorded_during_a_slow_write_are_coalesced_and_the_caller_never_waits() -> None:
    store, stop = SlowStore(), threading.Event()
    state = new_state()
    with BackgroundCheckpoints(store, stop=stop, written=None) as writer:
        state = writer.write(with_product(state, product(PIDS[0])), previous=state)
        assert store.entered.wait(5)  # the first write is in flight, blocked
        for pid in PIDS[1:]:
            state = writer.write(with_product(state, product(pid)), previous=state)  # returns at once
        store.gate.set()
    assert [set(s.products) for s in store.writes] == [{PIDS[0]}, set(PIDS)]
    assert [s.serial for s in store.writes] == [1, 2]
    assert writer.written == store.writes[-1]
    assert not stop.is_set()


def test_a_failed_write_stops_the_run_and_no_later_write_is_tried() -> None:
    store, stop = SlowStore(fail_on=1), threading.Event()
    store.gate.set()
    state = new_state()
    with BackgroundCheckpoints(store, stop=stop, written=None) as writer:
        writer.write(with_product(state, product(PIDS[0])), previous=state)
        assert stop.wait(5)
        writer.write(with_product(state, product(PIDS[1])), previous=state)
    assert store.writes == []
    assert isinstance(writer.error, StateError)
    assert "changed since this run read it" in writer.error.message


@pytest.mark.parametrize("count", [1, 3])
def test_closing_writes_the_last_state_recorded(count: int) -> None:
    store = SlowStore()
    store.gate.set()
    state = new_state()
    with BackgroundCheckpoints(store, stop=threading.Event(), written=None) as writer:
        for pid in PIDS[:count]:
            state = writer.write(with_product(state, product(pid)), previous=state)
    assert set(store.writes[-1].products) == set(PIDS[:count])
