"""Before spending points the plan knows the cost; the plan then says what apply will need.

``details_needed`` picks the products to query (new ones, or every managed one with
``--refresh-details``), ``detail_cost`` prices them at 10 points each. The plan's cost copies
what observing spent and counts apply's calls: only product creates and re-adds call CJ.
"""

from __future__ import annotations

import pytest

from reconciler.kinds.product.plan import detail_cost, details_needed
from reconciler.models.cj_limits import DETAIL_POINTS
from reconciler.models.plan import Action
from reconciler.planner.planner import PlanRequest
from tests.support.plan_builders import NOW, desired, detail, logo, observed, pid, plan, product, record, state

P1, P2, P3, P4, P5 = (pid(i) for i in range(1, 6))


def test_only_new_products_need_details() -> None:
    want = desired([product(P3), product(P1), product(P2)])

    assert details_needed(want, state([record(P1)]), refresh_details=False) == [P3, P2]


def test_without_state_every_product_needs_details() -> None:
    want = desired([product(P1), product(P2)])

    assert details_needed(want, None, refresh_details=False) == [P1, P2]


def test_a_record_without_a_snapshot_needs_details() -> None:
    """Products created offline were never queried."""
    want = desired([product(P1), product(P2)])

    assert details_needed(want, state([record(P1, no_snapshot=True), record(P2)]), refresh_details=False) == [P1]


def test_refresh_details_queries_every_desired_product_but_not_forgotten_ones() -> None:
    want = desired([product(P1), product(P2)])

    assert details_needed(want, state([record(P1), record(P2), record(P3)]), refresh_details=True) == [P1, P2]


def test_details_cost_ten_points_each() -> None:
    assert DETAIL_POINTS == 10
    assert detail_cost([]) == 0
    assert detail_cost([P1, P2, P3]) == 30


def test_the_cost_copies_planning_and_counts_only_product_adds() -> None:
    """P1 create, P2 adopt, P3 re-add, P4 update (URL), P5 forget, and a logo create: 2 calls."""
    result = plan(
        desired(
            [product(P1), product(P2), product(P3), product(P4, url="https://cjdropshipping.com/product/x-p-1.html")],
            [logo("brand")],
        ),
        state([record(P3), record(P4), record(P5)]),
        observed(my_products=[P2, P4, P5], details=[detail(P1), detail(P2)], calls=4, points=20),
    )

    assert {c.action for c in result.changes} == set(Action)
    assert result.counts() == {"create": 2, "adopt": 1, "update": 1, "re-add": 1, "forget": 1}
    assert [c.address for c in result.changes if c.calls_cj] == [f"product.{P1}", f"product.{P3}"]
    cost = result.cost
    assert (cost.plan_calls, cost.plan_points) == (4, 20)
    assert (cost.apply_calls, cost.apply_points) == (2, 0)
    assert cost.qps == 2
    assert cost.apply_seconds == 1.0
    assert result.to_dict()["cost"] == {
        "plan_calls": 4,
        "plan_points": 20,
        "apply_calls": 2,
        "apply_points": 0,
        "qps": 2.0,
        "apply_seconds": 1.0,
    }


def test_a_plan_with_nothing_to_add_takes_no_time() -> None:
    result = plan(desired(logos=[logo("brand")]), None, observed())

    assert result.cost.apply_calls == 0
    assert result.cost.apply_seconds == 0.0


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown plan mode 'fast'"):
        PlanRequest(mode="fast", now=NOW, manifests_digest="sha256:test", qps=2)


def test_the_plan_carries_the_request() -> None:
    result = plan(desired(), state(serial=3), observed(), mode="refresh-details")

    assert result.created_at == "2026-03-01T12:00:00+00:00"
    assert result.mode == "refresh-details"
    assert result.manifests_digest == "sha256:test"
    assert result.serial == 3
