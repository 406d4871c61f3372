"""A product CJ cannot add (unknown pid, offline 1602001, removed 1602002) stops the plan at plan time.

The error names the manifest file and line of every such product, so the user knows what
to fix. A product cjrec already tracks that became unavailable is a warning instead: there
is nothing to add, but orders for it will fail.
"""

from __future__ import annotations

import pytest

from reconciler.errors import CjrecError, Diagnostic, ManifestError
from tests.support.plan_builders import (
    PRODUCTS_FILE,
    desired,
    detail,
    messages,
    observed,
    only,
    pid,
    plan,
    product,
    record,
    state,
)

P1, P2, P3 = pid(1), pid(2), pid(3)
OFFLINE = "not found or offline (1602001)"
REMOVED = "removed from shelves (1602002)"


def test_a_new_unavailable_product_is_an_error_naming_the_manifest_line() -> None:
    with pytest.raises(ManifestError) as caught:
        plan(desired([product(P1, line=14)]), None, observed(unavailable={P1: OFFLINE}))

    error = caught.value
    assert isinstance(error, CjrecError)
    assert error.diagnostics == [
        Diagnostic(
            PRODUCTS_FILE,
            14,
            "productUrl",
            f"CJ cannot add product {P1}: {OFFLINE}; remove it from the manifest or pick another product",
        )
    ]
    assert f"{PRODUCTS_FILE}:14: productUrl: CJ cannot add product {P1}" in str(error)
    assert error.hint is not None
    assert "fix the manifests" in error.hint


def test_every_unavailable_product_is_reported_at_once() -> None:
    with pytest.raises(ManifestError) as caught:
        plan(
            desired([product(P1, line=6), product(P2, line=8), product(P3, line=10)]),
            None,
            observed(details=[detail(P2)], unavailable={P1: OFFLINE, P3: REMOVED}),
        )

    assert [(d.line, d.message.split(": ", 1)[1].split(";")[0]) for d in caught.value.diagnostics] == [
        (6, OFFLINE),
        (10, REMOVED),
    ]
    assert str(caught.value).startswith("2 problems in the manifests:")


def test_a_recorded_product_that_became_unavailable_is_a_warning_and_recorded_as_such() -> None:
    result = plan(
        desired([product(P1)]),
        state([record(P1)]),
        observed(my_products=[P1], unavailable={P1: REMOVED}),
        mode="refresh-details",
    )

    assert messages(result, f"product.{P1}") == [f"CJ says the product is {REMOVED}; orders for it will fail"]
    change = only(result, f"product.{P1}")
    assert (change["action"], change["reason"]) == ("update", "drifted remotely")
    assert change["after"]["snapshot"]["status"] == "unavailable"
    assert [(d.field, d.before, d.after) for d in result.drift] == [("status", "3", "unavailable")]


def test_a_recorded_product_never_queried_that_is_unavailable_is_warned_about() -> None:
    """Created offline (no snapshot yet), then CJ pulled it: the plan must not stay silent."""
    result = plan(
        desired([product(P1)]),
        state([record(P1, no_snapshot=True)]),
        observed(my_products=[P1], unavailable={P1: OFFLINE}),
    )

    assert messages(result, f"product.{P1}") == [f"CJ says the product is {OFFLINE}; orders for it will fail"]
    assert [c.reason.split(":")[0] for c in result.changes] == ["checked at CJ, no change"]  # the check time only


def test_an_unavailable_product_that_stays_unavailable_changes_nothing_more() -> None:
    recorded = state([record(P1, seen=detail(P1, status="unavailable"))])
    result = plan(
        desired([product(P1)]), recorded, observed(my_products=[P1], unavailable={P1: REMOVED}), mode="refresh-details"
    )

    assert [c.reason.split(":")[0] for c in result.changes] == ["checked at CJ, no change"]  # the check time only
    assert result.drift == ()
    assert len(result.warnings) == 1


def test_an_unavailable_product_being_forgotten_is_no_error() -> None:
    result = plan(desired(), state([record(P1)]), observed(my_products=[P1], unavailable={P1: REMOVED}))

    assert [c.action.value for c in result.changes] == ["forget"]


def test_an_unavailable_product_already_in_my_products_is_adopted_with_a_warning() -> None:
    result = plan(
        desired([product(P1)]),
        None,
        observed(my_products=[P1], unavailable={P1: "not found or offline (1602001)"}),
    )
    assert [(c.address, c.action.value) for c in result.changes] == [(f"product.{P1}", "adopt")]
    assert result.cost.apply_calls == 0
    assert any("adopted; orders for it will fail" in w.message for w in result.warnings)
