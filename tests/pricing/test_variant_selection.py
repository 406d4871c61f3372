"""``items[].variants`` chooses what the store sells, and a bad entry is a plan error at its line.

Entries match a variantKey or a SKU, ``*`` globs, case-insensitively; no include means every
variant; exclude wins. An entry that matches nothing names the variants that exist. The
selection is recorded (the listing's vids), counted in the plan and in ``state show``, and a
selected variant vanishing at CJ is drift and material drift.
"""

from __future__ import annotations

import pytest

from reconciler.errors import ManifestError
from reconciler.kinds.product.record import ProductRecord
from reconciler.render.describe import summarise
from tests.support.plan_builders import PRODUCTS_FILE, applied, desired, observed, pid, plan, product
from tests.support.pricing_examples import shirt

P1 = pid(1)


def listed_vids(include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> list[str]:
    result = plan(desired([product(P1, include=include, exclude=exclude)]), None, observed(details=[shirt(P1)]))
    after = result.changes[0].after
    assert after is not None
    return sorted(after["listing"]["variants"])


@pytest.mark.parametrize(
    ("include", "exclude", "chosen"),
    [
        (("Black-*",), (), ["Black-M", "Black-S"]),
        (("black-s",), (), ["Black-S"]),  # case does not matter
        (("SH-White-S",), (), ["White-S"]),  # a SKU works too
        ((), ("*-S",), ["Black-M"]),  # no include: every variant but the excluded
        (("Black-*", "White-S"), ("Black-M",), ["Black-S", "White-S"]),  # exclude wins
    ],
)
def test_entries_match_keys_or_skus_with_globs(
    include: tuple[str, ...], exclude: tuple[str, ...], chosen: list[str]
) -> None:
    assert listed_vids(include, exclude) == [f"{P1}-{key}" for key in chosen]


def test_an_entry_matching_nothing_is_a_plan_error_at_its_line_listing_the_variants() -> None:
    want = desired([product(P1, line=10, include=["Black-*", "Red-XL"])])

    with pytest.raises(ManifestError) as caught:
        plan(want, None, observed(details=[shirt(P1)]))

    [problem] = caught.value.diagnostics
    assert (problem.file, problem.line) == (PRODUCTS_FILE, 13)  # the second include entry
    assert "'Red-XL' matches no variant" in problem.message
    assert problem.message.endswith(
        "its variants are: Black-M (SH-Black-M), Black-S (SH-Black-S), White-S (SH-White-S)"
    )


def test_the_plan_and_the_state_give_the_selected_count() -> None:
    result = plan(desired([product(P1, include=["Black-*"])]), None, observed(details=[shirt(P1)]))
    state = applied(result, None)

    assert "2 of 3 selected" in summarise(result.changes[0])
    assert state.products[P1].selected() == [f"{P1}-Black-M", f"{P1}-Black-S"]


def test_without_selection_or_pricing_nothing_new_is_recorded() -> None:
    """Catalogues that use neither keep their records as they were: every variant, no listing."""
    result = plan(desired([product(P1)]), None, observed(details=[shirt(P1)]))
    record = ProductRecord.from_dict(P1, result.changes[0].after or {})

    assert record.listing is None
    assert len(record.selected()) == 3


def test_a_selected_variant_vanishing_is_drift_and_material() -> None:
    want = desired([product(P1, include=["Black-*"])])
    first = applied(plan(want, None, observed(details=[shirt(P1)])), None)

    later = plan(
        want,
        first,
        observed(my_products=[P1], details=[shirt(P1, keys=["Black-S", "White-S"])]),
        mode="refresh-details",
    )

    assert any(d.field == f"variants.{P1}-Black-M" and d.after is None for d in later.drift)
    assert [m.message for m in later.material_drift] == ["selected variant Black-M is gone at CJ"]
    update = later.changes[0]
    assert update.after is not None and sorted(update.after["listing"]["variants"]) == [f"{P1}-Black-S"]
    assert "selected variants 2 -> 1" in (update.reason or "")


def test_a_new_variant_matching_the_selection_is_drift_and_joins_the_listing() -> None:
    want = desired([product(P1, include=["Black-*"])])
    first = applied(plan(want, None, observed(details=[shirt(P1)])), None)
    grown = shirt(P1, {"Black-S": "3.07", "Black-M": "3.07", "White-S": "38.70", "Black-L": "3.50"})

    later = plan(want, first, observed(my_products=[P1], details=[grown]), mode="refresh-details")

    assert any(d.field == f"variants.{P1}-Black-L" and d.before is None for d in later.drift)
    after = later.changes[0].after
    assert after is not None and f"{P1}-Black-L" in after["listing"]["variants"]
    assert later.material_drift == ()  # appearing is drift, not a reason to fail the drift job
