"""Logos are created, updated and forgotten; every print-on-demand product records the logo it uses.

A POD product (``customizationVersion > 0``) uses its own logo, else the default one, and
the state keeps the ready-to-use ``podProperties`` string for order creation. A logo on a
non-POD product, a POD product with no logo at all and a logo CJ cannot fetch are warnings,
never errors.
"""

from __future__ import annotations

from reconciler.models.plan import Action
from tests.support.plan_builders import (
    LOGOS_FILE,
    applied,
    desired,
    detail,
    logo,
    messages,
    observed,
    only,
    pid,
    plan,
    product,
    record,
    state,
)

P1, P2 = pid(1), pid(2)
BRAND_URL = "https://cdn.example.com/logos/brand.png"
BRAND_POD = '[{"areaName":"LogoArea","links":["https://cdn.example.com/logos/brand.png"],"type":"1"}]'


# -- logo resources -------------------------------------------------------------------
def test_a_new_file_logo_is_created_with_its_image_facts() -> None:
    brand = logo("brand", default=True, line=9)
    result = plan(desired(logos=[brand]), None, observed())

    change = only(result, "logo.brand")
    assert change["action"] == "create"
    assert change["before"] is None
    assert change["source"] == f"{LOGOS_FILE}:9"
    assert change["after"] == {
        "file": "manifests/logos/brand.png",
        "url": None,
        "public_url": BRAND_URL,
        "default": True,
        "sha256": brand.image.sha256 if brand.image else None,
        "format": "png",
        "width": 64,
        "height": 64,
    }
    assert not result.changes[0].calls_cj
    assert result.cost.apply_calls == 0


def test_a_new_url_logo_is_created_without_image_facts() -> None:
    result = plan(desired(logos=[logo("ext", url="https://img.example.com/ext.png")]), None, observed())

    after = only(result, "logo.ext")["after"]
    assert after["url"] == "https://img.example.com/ext.png"
    assert after["file"] is None
    assert after["sha256"] is None


def test_a_logo_whose_image_changed_is_updated() -> None:
    result = plan(
        desired(logos=[logo("brand", content=b"v2")]), state(logos=[logo("brand", content=b"v1")]), observed()
    )

    change = only(result, "logo.brand")
    assert change["action"] == "update"
    assert change["reason"] == "changed: sha256"
    assert change["before"]["sha256"] != change["after"]["sha256"]


def test_a_logo_whose_public_url_or_default_flag_changed_is_updated() -> None:
    result = plan(
        desired(logos=[logo("brand", public_url="https://new.example.com/b.png", default=True)]),
        state(logos=[logo("brand")]),
        observed(),
    )

    assert only(result, "logo.brand")["reason"] == "changed: public_url, default"


def test_an_unchanged_logo_makes_no_change() -> None:
    assert plan(desired(logos=[logo("brand")]), state(logos=[logo("brand")]), observed()).changes == ()


def test_logo_changes_come_before_product_changes() -> None:
    result = plan(
        desired([product(P1)], [logo("new")]),
        state([record(P2)], [logo("old")]),
        observed(my_products=[P2], details=[detail(P1)]),
    )

    assert [(c.address, c.action) for c in result.changes] == [
        ("logo.old", Action.FORGET),
        ("logo.new", Action.CREATE),
        (f"product.{P2}", Action.FORGET),
        (f"product.{P1}", Action.CREATE),
    ]


# -- which logo a POD product uses ----------------------------------------------------
def test_a_pod_product_uses_its_own_logo_over_the_default() -> None:
    logos = [logo("brand"), logo("house", default=True)]
    result = plan(
        desired([product(P1, logo="brand")], logos), state(logos=logos), observed(details=[detail(P1, pod=True)])
    )

    after = only(result, f"product.{P1}")["after"]
    assert after["logo"] == "brand"
    assert after["pod_properties"] == BRAND_POD
    assert result.warnings == ()


def test_a_pod_product_without_a_logo_uses_the_default() -> None:
    logos = [logo("brand", default=True), logo("other")]
    result = plan(desired([product(P1)], logos), state(logos=logos), observed(details=[detail(P1, pod=True)]))

    after = only(result, f"product.{P1}")["after"]
    assert after["logo"] == "brand"
    assert after["pod_properties"] == BRAND_POD


def test_a_url_logo_is_fetched_from_its_url() -> None:
    ext = logo("ext", url="https://img.example.com/ext.png")
    result = plan(
        desired([product(P1, logo="ext")], [ext]), state(logos=[ext]), observed(details=[detail(P1, pod=True)])
    )

    assert only(result, f"product.{P1}")["after"]["pod_properties"] == (
        '[{"areaName":"LogoArea","links":["https://img.example.com/ext.png"],"type":"1"}]'
    )


def test_a_changed_logo_url_updates_the_products_that_use_it() -> None:
    old, new = logo("brand", default=True), logo("brand", default=True, public_url="https://cdn2.example.com/b.png")
    recorded = state([record(P1, seen=detail(P1, pod=True), logo="brand", pod=BRAND_POD)], [old])
    result = plan(desired([product(P1)], [new]), recorded, observed(my_products=[P1]))

    change = only(result, f"product.{P1}")
    assert change["action"] == "update"
    assert change["reason"] == "logo changed"
    assert "https://cdn2.example.com/b.png" in change["after"]["pod_properties"]
    assert [c.address for c in result.changes] == ["logo.brand", f"product.{P1}"]


def test_switching_a_product_to_another_logo_is_an_update() -> None:
    logos = [logo("brand"), logo("promo")]
    recorded = state([record(P1, seen=detail(P1, pod=True), logo="brand", pod=BRAND_POD)], logos)
    result = plan(desired([product(P1, logo="promo")], logos), recorded, observed(my_products=[P1]))

    change = only(result, f"product.{P1}")
    assert (change["action"], change["reason"]) == ("update", "logo changed")
    assert (change["before"]["logo"], change["after"]["logo"]) == ("brand", "promo")


# -- warnings -------------------------------------------------------------------------
def test_a_logo_on_a_non_pod_product_is_a_warning_and_is_not_recorded() -> None:
    brand = logo("brand")
    result = plan(desired([product(P1, logo="brand")], [brand]), state(logos=[brand]), observed(details=[detail(P1)]))

    assert messages(result, f"product.{P1}") == [
        "names logo 'brand' but is not a print-on-demand product: the logo is not used"
    ]
    after = only(result, f"product.{P1}")["after"]
    assert (after["logo"], after["pod_properties"]) == (None, None)


def test_a_non_pod_product_without_a_logo_is_not_warned_about() -> None:
    result = plan(desired([product(P1)], [logo("brand", default=True)]), None, observed(details=[detail(P1)]))

    assert result.warnings == ()


def test_a_pod_product_with_no_logo_and_no_default_may_appear_unbranded() -> None:
    result = plan(desired([product(P1)], [logo("brand")]), None, observed(details=[detail(P1, pod=True)]))

    [warning] = messages(result, f"product.{P1}")
    assert "print-on-demand product with no logo and no default logo" in warning
    assert "may appear unbranded" in warning
    after = only(result, f"product.{P1}")["after"]
    assert (after["logo"], after["pod_properties"]) == (None, None)


def test_a_pod_logo_without_a_public_url_is_a_warning_and_has_no_pod_properties() -> None:
    draft = logo("draft", public_url=None)
    result = plan(desired([product(P1, logo="draft")], [draft]), None, observed(details=[detail(P1, pod=True)]))

    assert messages(result, f"product.{P1}") == [
        "uses logo 'draft', which has no publicUrl: CJ cannot fetch it for orders yet"
    ]
    after = only(result, f"product.{P1}")["after"]
    assert (after["logo"], after["pod_properties"]) == ("draft", None)


def test_warnings_repeat_on_every_plan_but_make_no_change() -> None:
    want = desired([product(P1, logo="draft")], [logo("draft", public_url=None)])
    first = plan(want, None, observed(details=[detail(P1, pod=True)]))
    second = plan(want, applied(first, None), observed(my_products=[P1]))

    assert second.changes == ()
    assert [w.message for w in second.warnings] == [w.message for w in first.warnings]
