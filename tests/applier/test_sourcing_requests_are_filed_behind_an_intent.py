"""The sourcing executor: intent written before each create, CJ's id right after, and every answer
CJ gave without filing undone, while a lost answer keeps the intent (CJ may have filed)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from reconciler.applier.applier import Applier
from reconciler.applier.checkpoints import BackgroundCheckpoints
from reconciler.errors import ApiError, CancelledError, CjrecError, OutcomeUnknownError, SourcingLimitError
from reconciler.kinds.sourcing.record import quota_of
from reconciler.models.declared import Source
from reconciler.models.desired import Desired, Settings
from reconciler.models.plan import Plan
from reconciler.models.sourcing import PHASE_FILING, PHASE_OPEN, SourcingItem, SourcingQuota
from reconciler.models.state import SyncState
from reconciler.planner.planner import PlanRequest, make_plan
from tests.support.plan_builders import cj_said, declared

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Store:
    def __init__(self) -> None:
        self.writes: list[SyncState] = []

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState:
        self.writes.append(state)
        return state


class Filer:
    """Answers each create with the next outcome: an id, or an error to raise."""

    def __init__(self, store: Store, *outcomes: str | CjrecError) -> None:
        self.store = store
        self.outcomes = list(outcomes)
        self.bodies: list[dict[str, Any]] = []
        self.seen_at_call: list[SyncState] = []

    def create_sourcing(self, body: dict[str, Any]) -> str:
        self.bodies.append(body)
        self.seen_at_call.append(self.store.writes[-1])
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, CjrecError):
            raise outcome
        return outcome

    def add_to_my_products(self, pid: str) -> bool:
        raise AssertionError("no product is added here")

    def set_webhooks(self, settings: object) -> None:
        raise AssertionError

    def subscribe_products(self, pids: list[str]) -> None:
        raise AssertionError

    def unsubscribe_products(self, pids: list[str]) -> None:
        raise AssertionError


def items(count: int) -> Desired:
    sourced = tuple(
        SourcingItem(
            url=f"https://a.test/{n}",
            name=f"Thing {n}",
            image="https://i.test/a.jpg",
            remark=None,
            source_price=Decimal("2"),
            sourcing_id=None,
            logo=None,
            source=Source("manifests/s.yaml", n),
        )
        for n in range(count)
    )
    return declared(settings=Settings(), sourcing=sourced)


def planned(count: int) -> Plan:
    request = PlanRequest(mode="normal", now=NOW, manifests_digest="sha256:x", qps=1)
    return make_plan(items(count), None, cj_said(my_products={}), request)


def apply(filer: Filer, store: Store, count: int, *, per_day: int = 5, state: SyncState | None = None) -> Any:
    applier = Applier(client=filer, store=store, qps=1, settings=Settings(sourcing_per_day=per_day), now=lambda: NOW)
    return applier.apply(planned(count), state or SyncState(lineage="l", serial=0))


def test_the_intent_is_written_before_the_call_and_the_id_right_after() -> None:
    store = Store()
    filer = Filer(store, "1801")
    result = apply(filer, store, 1)
    assert result.ok
    (at_call,) = filer.seen_at_call
    (intent,) = at_call.sourcing.values()
    assert (intent.phase, intent.sourcing_id) == (PHASE_FILING, None)
    assert at_call.sourcing_quota == SourcingQuota("2026-03-01", 1)
    (filed,) = result.state.sourcing.values()
    assert (filed.phase, filed.sourcing_id, filed.filed_at) == (PHASE_OPEN, "1801", "2026-03-01T12:00:00+00:00")
    assert filer.bodies[0]["productName"] == "Thing 0"


@pytest.mark.parametrize(
    "refusal",
    [ApiError("CJ rejected a parameter", call="POST /product/sourcing/create", code=1600300), CancelledError("stop")],
)
def test_an_answer_cj_gave_without_filing_puts_everything_back(refusal: CjrecError) -> None:
    store = Store()
    result = apply(Filer(store, refusal), store, 1)
    assert result.state.sourcing == {}
    assert quota_of(result.state) is None
    assert not result.ok


def test_a_lost_answer_keeps_the_intent_and_counts_the_day() -> None:
    store = Store()
    lost = OutcomeUnknownError("the answer was lost", call="POST /product/sourcing/create")
    result = apply(Filer(store, lost), store, 1)
    (kept,) = result.state.sourcing.values()
    assert kept.phase == PHASE_FILING
    assert result.state.sourcing_quota == SourcingQuota("2026-03-01", 1)
    assert [error for _, error in result.failed] == [lost]


def test_the_daily_limit_defers_the_rest_without_failing() -> None:
    store = Store()
    limit = SourcingLimitError("Exceeded the daily source limit", call="POST /product/sourcing/create", code=1600000)
    filer = Filer(store, "1801", limit)
    result = apply(filer, store, 4)
    assert result.ok and len(result.done) == 1 and len(result.deferred) == 3
    assert len(filer.bodies) == 2  # nothing asked after CJ said the day is used up
    assert result.state.sourcing_quota == SourcingQuota("2026-03-01", 1, exhausted=True)
    assert [r.phase for r in result.state.sourcing.values()] == [PHASE_OPEN]


def test_the_allowance_counted_in_the_state_is_kept_without_asking_cj() -> None:
    store = Store()
    filer = Filer(store, "1801", "1802")
    earlier = SyncState(lineage="l", serial=0, sourcing_quota=SourcingQuota("2026-03-01", 3))
    result = apply(filer, store, 4, state=earlier)
    assert len(filer.bodies) == 2 and len(result.deferred) == 2 and result.ok
    assert result.state.sourcing_quota == SourcingQuota("2026-03-01", 5)


class SlowStore(Store):
    """A store a round trip away: each write takes a while, as a bucket's does."""

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState:
        time.sleep(0.05)  # real time on the checkpoint thread: the applier must wait for it, not skip it
        return super().write(state, previous=previous)


def test_through_background_checkpoints_the_intent_is_stored_before_the_call() -> None:
    # apply writes checkpoints on a thread of their own; a sourcing intent must still be stored
    # before CJ is asked, because CJ cannot tell a refiled request from a new one
    store = SlowStore()
    filer = Filer(store, "1801", "1802")
    with BackgroundCheckpoints(store, stop=threading.Event(), written=None) as writer:
        applier = Applier(client=filer, store=writer, qps=1, settings=Settings(sourcing_per_day=5), now=lambda: NOW)
        result = applier.apply(planned(2), SyncState(lineage="l", serial=0))
    assert result.ok
    for at_call in filer.seen_at_call:  # what the store held when each create went out
        filing = [r for r in at_call.sourcing.values() if r.phase == PHASE_FILING]
        assert len(filing) == 1 and filing[0].sourcing_id is None
    assert sorted(r.sourcing_id or "" for r in store.writes[-1].sourcing.values()) == ["1801", "1802"]
