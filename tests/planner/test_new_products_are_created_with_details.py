"""A product the manifests name and nobody recorded is created, with the details CJ gave."""

from __future__ import annotations

from reconciler.models.plan import Action
from tests.support.plan_builders import (
    PRODUCTS_FILE,
    desired,
    detail,
    logo,
    observed,
    only,
    pid,
    plan,
    product,
    record,
    state,
    url_of,
)

P1, P2 = pid(1), pid(2)


def test_a_new_product_is_created_with_its_snapshot_and_source() -> None:
    result = plan(
        desired([product(P1, line=12)]),
        None,
        observed(details=[detail(P1, name="Steel Mug", sku="CJMUG", prices=["9.50", "12.00"])]),
    )

    change = only(result, f"product.{P1}")
    assert change["action"] == "create"
    assert change["before"] is None
    assert change["reason"] == "new in the manifests"
    assert change["source"] == f"{PRODUCTS_FILE}:12"
    assert change["after"] == {
        "url": url_of(P1),
        "origin": "added",
        "snapshot": {
            "name": "Steel Mug",
            "sku": "CJMUG",
            "sell_price": "9.50",
            "status": "3",
            "customization_version": 0,
            "image": None,
            "variants": {
                f"{P1}-1": {"sku": "CJMUG-1", "price": "9.50", "variant_key": "Colour 1", "image": None},
                f"{P1}-2": {"sku": "CJMUG-2", "price": "12.00", "variant_key": "Colour 2", "image": None},
            },
        },
        "logo": None,
        "pod_properties": None,
        "checked_at": "2026-03-01T12:00:00+00:00",  # NOW: its details were queried by this plan
    }


def test_a_create_calls_cj_once_and_is_counted() -> None:
    result = plan(desired([product(P1), product(P2)]), None, observed(details=[detail(P1), detail(P2)]))

    assert [c.action for c in result.changes] == [Action.CREATE, Action.CREATE]
    assert all(c.calls_cj for c in result.changes)
    assert result.cost.apply_calls == 2
    assert result.counts() == {"create": 2, "adopt": 0, "update": 0, "re-add": 0, "forget": 0}
    assert result.has_changes


def test_a_variant_without_a_price_is_recorded_with_no_price() -> None:
    result = plan(desired([product(P1)]), None, observed(details=[detail(P1, prices=[None, "4.00"])]))

    variants = only(result, f"product.{P1}")["after"]["snapshot"]["variants"]
    assert variants[f"{P1}-1"]["price"] is None
    assert variants[f"{P1}-2"]["price"] == "4.00"


def test_a_new_pod_product_records_its_logo_and_pod_properties() -> None:
    brand = logo("brand", default=True)
    result = plan(desired([product(P1)], [brand]), state(logos=[brand]), observed(details=[detail(P1, pod=True)]))

    after = only(result, f"product.{P1}")["after"]
    assert after["logo"] == "brand"
    assert after["pod_properties"] == (
        '[{"areaName":"LogoArea","links":["https://cdn.example.com/logos/brand.png"],"type":"1"}]'
    )


def test_products_already_recorded_and_listed_are_not_created_again() -> None:
    result = plan(desired([product(P1)]), state([record(P1)]), observed(my_products=[P1]))

    assert result.changes == ()
    assert result.cost.apply_calls == 0
