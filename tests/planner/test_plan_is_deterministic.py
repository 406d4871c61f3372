"""The same inputs give the same plan, to the byte: no hidden clock, no dict or set order leaking out."""

from __future__ import annotations

import json

from reconciler.kinds.product.model import details_of
from reconciler.kinds.product.model import listed as listed_of
from reconciler.models.desired import Desired
from reconciler.models.observed import Observed
from reconciler.models.state import SyncState
from tests.support.plan_builders import cj_said, desired, detail, logo, observed, pid, plan, product, record, state

PIDS = [pid(i) for i in range(1, 9)]


def _inputs() -> tuple[Desired, SyncState, Observed]:
    want = desired(
        [product(p, logo="brand" if i % 3 == 0 else None) for i, p in enumerate(PIDS[:6])],
        [logo("brand"), logo("house", default=True), logo("draft", public_url=None)],
    )
    recorded = state([record(p) for p in PIDS[2:8]], [logo("house"), logo("retired")])
    seen = observed(
        my_products=[PIDS[0], *PIDS[3:6], PIDS[7], pid(99)],
        details=[detail(p, pod=i % 2 == 0, prices=["5.00", "7.00"]) for i, p in enumerate(PIDS[:6])],
        calls=7,
        points=60,
    )
    return want, recorded, seen


def test_planning_twice_gives_identical_documents() -> None:
    want, recorded, seen = _inputs()
    first = plan(want, recorded, seen, mode="refresh-details")
    second = plan(want, recorded, seen, mode="refresh-details")

    assert first == second
    assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())


def test_the_order_of_state_and_cj_answers_does_not_matter() -> None:
    want, recorded, seen = _inputs()
    shuffled_state = SyncState(
        lineage=recorded.lineage,
        serial=recorded.serial,
        products=dict(reversed(recorded.products.items())),
        logos=dict(reversed(recorded.logos.items())),
    )
    catalog = listed_of(seen)
    assert catalog is not None
    shuffled_seen = cj_said(
        my_products=dict(reversed(catalog.items())),
        details=dict(reversed(details_of(seen).items())),
        calls=seen.calls,
        points=seen.points,
    )

    expected = plan(want, recorded, seen, mode="refresh-details").to_dict()
    assert plan(want, shuffled_state, shuffled_seen, mode="refresh-details").to_dict() == expected
    assert expected["changes"]  # the inputs do make a plan worth comparing
