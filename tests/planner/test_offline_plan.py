"""``--offline`` plans from the manifests and the state alone: CJ is not asked anything.

New products are planned as creates without details (apply's add treats CJ's duplicate
answer as success, so a product that turns out to be listed already is harmless); nothing
is re-added, nothing is unmanaged, there is no drift, and planning cost nothing.
"""

from __future__ import annotations

from reconciler.models.observed import Observed
from reconciler.models.plan import Action
from tests.support.plan_builders import (
    LINEAGE,
    applied,
    desired,
    logo,
    observed,
    only,
    pid,
    plan,
    product,
    record,
    state,
)

P1, P2, P3 = pid(1), pid(2), pid(3)


def test_a_new_product_is_created_without_details() -> None:
    result = plan(desired([product(P1, logo="brand")], [logo("brand")]), None, Observed.offline(), mode="offline")

    assert result.mode == "offline"
    change = only(result, f"product.{P1}")
    assert change["action"] == "create"
    assert change["reason"] == "planned offline: CJ was not asked whether it is in My Products"
    assert change["after"]["snapshot"] is None
    assert change["after"]["logo"] == "brand"
    assert change["after"]["pod_properties"] is None
    assert result.cost.apply_calls == 1


def test_recorded_products_are_left_alone_and_removed_ones_forgotten() -> None:
    recorded = state([record(P1), record(P2)])
    result = plan(desired([product(P1), product(P3)]), recorded, Observed.offline(), mode="offline")

    assert [(c.address, c.action) for c in result.changes] == [
        (f"product.{P2}", Action.FORGET),
        (f"product.{P3}", Action.CREATE),
    ]
    assert result.drift == ()
    assert result.unmanaged == ()
    assert (result.cost.plan_calls, result.cost.plan_points) == (0, 0)


def test_the_plan_records_the_state_it_was_made_against() -> None:
    with_state = plan(desired(), state(serial=12), Observed.offline(), mode="offline")
    without_state = plan(desired(), None, Observed.offline(), mode="offline")

    assert (with_state.lineage, with_state.serial) == (LINEAGE, 12)
    assert (without_state.lineage, without_state.serial) == (None, None)
    assert without_state.to_dict()["state"] == {"lineage": None, "serial": None}


def test_a_url_change_is_planned_offline_too() -> None:
    new_url = f"https://cjdropshipping.com/product/renamed-p-{P1}.html"
    result = plan(desired([product(P1, url=new_url)]), state([record(P1)]), Observed.offline(), mode="offline")

    change = only(result, f"product.{P1}")
    assert (change["action"], change["reason"]) == ("update", "URL changed")
    assert change["after"]["url"] == new_url


def test_after_an_offline_apply_the_next_offline_plan_is_empty() -> None:
    want = desired([product(P1), product(P2, logo="brand")], [logo("brand")])
    first = plan(want, state([record(P3)]), Observed.offline(), mode="offline")
    second = plan(want, applied(first, state([record(P3)])), observed(my_products=None), mode="offline")

    assert second.changes == ()
