"""A product the manifests name that is already in My Products is adopted: recorded, never added again."""

from __future__ import annotations

from reconciler.models.plan import Action
from tests.support.plan_builders import applied, desired, detail, logo, observed, only, pid, plan, product, state

P1, P2 = pid(1), pid(2)


def test_a_listed_product_is_adopted_without_a_call() -> None:
    result = plan(desired([product(P1)]), None, observed(my_products=[P1], details=[detail(P1)]))

    change = only(result, f"product.{P1}")
    assert change["action"] == "adopt"
    assert change["before"] is None
    assert change["after"]["origin"] == "adopted"
    assert change["after"]["snapshot"]["name"] == detail(P1).name
    assert "already in My Products" in change["reason"]
    assert result.cost.apply_calls == 0
    assert not result.changes[0].calls_cj


def test_adopt_and_create_side_by_side() -> None:
    result = plan(
        desired([product(P1), product(P2)]), None, observed(my_products=[P2], details=[detail(P1), detail(P2)])
    )

    assert [(c.address, c.action) for c in result.changes] == [
        (f"product.{P1}", Action.CREATE),
        (f"product.{P2}", Action.ADOPT),
    ]
    assert result.cost.apply_calls == 1


def test_an_adopted_pod_product_gets_its_logo_association() -> None:
    brand = logo("brand")
    result = plan(
        desired([product(P1, logo="brand")], [brand]),
        state(logos=[brand]),
        observed(my_products=[P1], details=[detail(P1, pod=True)]),
    )

    after = only(result, f"product.{P1}")["after"]
    assert after["logo"] == "brand"
    assert after["pod_properties"] is not None


def test_after_adopting_the_record_says_adopted() -> None:
    result = plan(desired([product(P1)]), None, observed(my_products=[P1], details=[detail(P1)]))

    recorded = applied(result, None)
    assert recorded.products[P1].origin == "adopted"
    assert plan(desired([product(P1)]), recorded, observed(my_products=[P1])).changes == ()
