"""A recorded product still in the manifests but gone from My Products (removed in CJ's web UI) is added again."""

from __future__ import annotations

from reconciler.models.plan import Action
from tests.support.plan_builders import applied, desired, detail, observed, only, pid, plan, product, record, state

P1, P2 = pid(1), pid(2)


def test_a_product_gone_from_my_products_is_readded_with_the_reason() -> None:
    before = record(P1)
    result = plan(desired([product(P1), product(P2)]), state([before, record(P2)]), observed(my_products=[P2]))

    change = only(result, f"product.{P1}")
    assert change["action"] == "re-add"
    assert change["before"] == before.to_dict()
    assert change["after"] == before.to_dict()
    assert "gone from My Products" in change["reason"]
    assert "added again" in change["reason"]
    assert result.changes[0].calls_cj
    assert result.cost.apply_calls == 1
    assert len(result.changes) == 1


def test_a_readded_product_becomes_one_cjrec_added() -> None:
    result = plan(desired([product(P1)]), state([record(P1, origin="adopted")]), observed(my_products=[]))

    assert only(result, f"product.{P1}")["after"]["origin"] == "added"


def test_a_product_gone_from_my_products_that_cj_no_longer_sells_is_not_readded() -> None:
    result = plan(
        desired([product(P1)]),
        state([record(P1)]),
        observed(my_products=[], unavailable={P1: "removed from shelves (1602002)"}),
        mode="refresh-details",
    )

    assert [c.action.value for c in result.changes] == ["update"]
    assert result.cost.apply_calls == 0
    assert any("cannot be added again" in w.message for w in result.warnings)


def test_a_readd_also_takes_fresh_details_when_refreshed() -> None:
    fresh = detail(P1, prices=["9.50", "13.00"])
    result = plan(
        desired([product(P1)]), state([record(P1)]), observed(my_products=[], details=[fresh]), mode="refresh-details"
    )

    change = only(result, f"product.{P1}")
    assert change["action"] == "re-add"
    assert change["after"]["snapshot"]["variants"][f"{P1}-2"]["price"] == "13.00"
    assert [d.field for d in result.drift] == [f"variants.{P1}-2.price"]


def test_offline_plans_never_readd() -> None:
    """Offline, nobody asked CJ, so the product is not known to be gone."""
    result = plan(desired([product(P1)]), state([record(P1)]), observed(my_products=None), mode="offline")

    assert result.changes == ()


def test_after_readding_the_next_plan_is_empty() -> None:
    recorded = state([record(P1)])
    result = plan(desired([product(P1)]), recorded, observed(my_products=[]))

    assert [c.action for c in result.changes] == [Action.READD]
    again = plan(desired([product(P1)]), applied(result, recorded), observed(my_products=[P1]))
    assert again.changes == ()
