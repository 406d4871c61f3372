"""The planner and the applier agree on the kinds of resource.

Each kind planned (``kinds.registry.planned()``) has its executor in the applier, in the same
order, so a change the planner can make is one apply can carry out; a plan holding a kind
this cjrec has no executor for is refused before anything is written.
"""

from __future__ import annotations

import re

import pytest

from reconciler.applier.applier import Applier, executors
from reconciler.errors import CjrecError
from reconciler.kinds.registry import planned
from reconciler.models.plan import Action, Change, Plan
from reconciler.models.state import SyncState


class _Store:
    def __init__(self) -> None:
        self.writes = 0

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState:
        self.writes += 1
        return state


class _NoClient:
    def add_to_my_products(self, pid: str) -> bool:
        raise AssertionError("no call expected")

    def set_webhooks(self, settings: object) -> None:
        raise AssertionError("no call expected")

    def subscribe_products(self, pids: list[str]) -> None:
        raise AssertionError("no call expected")

    def unsubscribe_products(self, pids: list[str]) -> None:
        raise AssertionError("no call expected")


def test_each_planned_kind_has_one_executor_in_the_same_order() -> None:
    applied = [executor.kind for executor in executors(_NoClient())]
    assert applied == [kind.name for kind in planned()]


def test_a_plan_with_a_kind_no_executor_handles_is_refused_before_any_write() -> None:
    store = _Store()
    applier = Applier(client=_NoClient(), store=store, qps=1)
    plan = Plan(
        created_at="2026-03-01T12:00:00+00:00",
        mode="normal",
        lineage=None,
        serial=None,
        manifests_digest="sha256:test",
        changes=(
            Change("logo.brand", Action.FORGET, {"name": "brand"}, None),
            Change("teleporter.x", Action.CREATE, None, {"to": "mars"}),
        ),
    )
    with pytest.raises(CjrecError, match=re.escape("teleporter.x: this cjrec cannot apply a 'teleporter' change")):
        applier.apply(plan, SyncState(lineage="l", serial=0))
    assert store.writes == 0
