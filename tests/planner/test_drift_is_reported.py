"""With fresh details (``--refresh-details``), every difference from the recorded snapshot is drift.

Drift is recorded-versus-observed: price, option values and image per variant, status, name,
SKU, POD kind, main image, variants added or gone. Each drifted product also gets an update (CJ is not called; the state takes
the new snapshot) whose reason says it drifted remotely.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.models.cj import ProductDetail
from reconciler.models.plan import Action, Drift
from reconciler.render.describe import field_diff
from tests.support.plan_builders import desired, detail, observed, only, pid, plan, product, record, state

P1, P2 = pid(1), pid(2)
ADDRESS = f"product.{P1}"


def refreshed(**fresh: Any) -> tuple[list[Drift], dict[str, Any]]:
    """Plan with P1 recorded as ``detail(P1)`` and now seen as ``detail(P1, **fresh)``."""
    result = plan(
        desired([product(P1)]),
        state([record(P1)]),
        observed(my_products=[P1], details=[detail(P1, **fresh)]),
        mode="refresh-details",
    )
    return list(result.drift), only(result, ADDRESS)


def test_a_price_change_is_reported_per_variant() -> None:
    drift, change = refreshed(prices=["9.50", "12.50"])

    assert drift == [Drift(ADDRESS, f"variants.{P1}-2.price", "12.00", "12.50")]
    assert change["action"] == "update"
    assert change["reason"] == "drifted remotely"
    assert change["after"]["snapshot"]["variants"][f"{P1}-2"]["price"] == "12.50"


def test_a_status_change_is_reported() -> None:
    drift, _ = refreshed(status="2")

    assert drift == [Drift(ADDRESS, "status", "3", "2")]


def test_a_name_change_is_reported() -> None:
    drift, _ = refreshed(name="Renamed Mug")

    assert drift == [Drift(ADDRESS, "name", detail(P1).name, "Renamed Mug")]


def test_a_variant_added_is_reported() -> None:
    drift, _ = refreshed(prices=["9.50", "12.00", "15.00"])

    assert drift == [Drift(ADDRESS, f"variants.{P1}-3", None, f"added (CJ{P1[-6:]}-3, 15.00)")]


def test_a_variant_gone_is_reported() -> None:
    drift, change = refreshed(prices=["9.50"])

    assert drift == [Drift(ADDRESS, f"variants.{P1}-2", f"CJ{P1[-6:]}-2, 12.00", None)]
    assert f"{P1}-2" not in change["after"]["snapshot"]["variants"]


def test_a_product_turning_print_on_demand_is_reported() -> None:
    drift, _ = refreshed(pod=True)

    assert drift == [Drift(ADDRESS, "customization_version", 0, 2)]


def test_several_differences_are_all_reported_in_a_stable_order() -> None:
    drift, _ = refreshed(name="New", status="2", prices=["10.00", "12.00", "1.00"])

    assert [d.field for d in drift] == ["name", "status", f"variants.{P1}-1.price", f"variants.{P1}-3"]


def test_no_drift_when_cj_says_what_was_recorded() -> None:
    result = plan(
        desired([product(P1)]),
        state([record(P1)]),
        observed(my_products=[P1], details=[detail(P1)]),
        mode="refresh-details",
    )

    assert result.drift == ()
    assert [c.reason.split(":")[0] for c in result.changes] == ["checked at CJ, no change"]  # only the check time


def test_a_normal_plan_does_not_requery_and_reports_no_drift() -> None:
    """Without fresh details the recorded snapshot stands: no drift, no update."""
    result = plan(desired([product(P1)]), state([record(P1, seen=detail(P1, status="2"))]), observed(my_products=[P1]))

    assert result.drift == ()
    assert result.changes == ()


def test_drift_is_per_product_and_only_for_drifted_ones() -> None:
    result = plan(
        desired([product(P1), product(P2)]),
        state([record(P1), record(P2)]),
        observed(my_products=[P1, P2], details=[detail(P1), detail(P2, status="2")]),
        mode="refresh-details",
    )

    assert [(d.address, d.field) for d in result.drift] == [(f"product.{P2}", "status")]
    drifted = [(c.address, c.action) for c in result.changes if not c.reason.startswith("checked at CJ, no change")]
    assert drifted == [(f"product.{P2}", Action.UPDATE)]  # P1 changes only its check time


def test_the_update_diff_shows_the_drifted_field_before_and_after() -> None:
    result = plan(
        desired([product(P1)]),
        state([record(P1)]),
        observed(my_products=[P1], details=[detail(P1, prices=["9.50", "12.50"])]),
        mode="refresh-details",
    )

    assert field_diff(result.changes[0]) == [(f"snapshot.variants.{P1}-2.price", "12.00", "12.50")]


def with_images(seen: ProductDetail, tag: str) -> ProductDetail:
    """``seen`` with a main image and one image per variant, all named after ``tag``."""
    variants = tuple(replace(v, image=f"https://img.example.com/{tag}/{v.vid}.jpg") for v in seen.variants)
    return replace(seen, image=f"https://img.example.com/{tag}/main.jpg", variants=variants)


def test_a_changed_image_or_option_value_is_reported() -> None:
    before = with_images(detail(P1), "old")
    now = with_images(detail(P1), "new")
    now = replace(now, variants=(replace(now.variants[0], key="Colour 9"), *now.variants[1:]))
    result = plan(
        desired([product(P1)]),
        state([record(P1, seen=before)]),
        observed(my_products=[P1], details=[now]),
        mode="refresh-details",
    )

    assert [d.field for d in result.drift] == [
        "image",
        f"variants.{P1}-1.variant_key",
        f"variants.{P1}-1.image",
        f"variants.{P1}-2.image",
    ]
    assert result.drift[1] == Drift(ADDRESS, f"variants.{P1}-1.variant_key", "Colour 1", "Colour 9")


def test_images_and_option_values_first_recorded_are_an_update_but_not_drift() -> None:
    """A state written before cjrec recorded images and variantKey learns them quietly."""
    old = record(P1)
    assert old.snapshot is not None
    bare = {vid: replace(v, variant_key=None, image=None) for vid, v in old.snapshot.variants.items()}
    legacy = replace(old, snapshot=replace(old.snapshot, image=None, variants=bare))
    result = plan(
        desired([product(P1)]),
        state([legacy]),
        observed(my_products=[P1], details=[with_images(detail(P1), "now")]),
        mode="refresh-details",
    )

    assert result.drift == ()
    change = only(result, ADDRESS)
    assert change["action"] == "update"
    assert change["after"]["snapshot"]["image"] == "https://img.example.com/now/main.jpg"
    assert change["after"]["snapshot"]["variants"][f"{P1}-1"]["variant_key"] == "Colour 1"
