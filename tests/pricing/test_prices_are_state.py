"""Store prices are recorded per selected variant and recomputed on every plan.

A rule change or a CJ cost change (seen by a refresh) is a ``~ update`` with the price old
→ new; an item may fix ``price:``; ``minMargin`` misses are warnings naming variant, price,
cost and margin; a variant without a cost is left unpriced with a warning; a rule that
gives a price at or below 0 is a plan error at the rule.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from reconciler.errors import ManifestError
from reconciler.models.pricing import Tier
from reconciler.render.describe import field_diff
from tests.support.plan_builders import applied, desired, observed, pid, plan, product
from tests.support.pricing_examples import PRICING_FILE, shirt, worked_rule

P1 = pid(1)
D = Decimal


def listing_of(result_after: dict[str, object] | None) -> dict[str, dict[str, str | None]]:
    assert result_after is not None
    listing = result_after["listing"]
    assert isinstance(listing, dict)
    return listing["variants"]  # type: ignore[no-any-return]


def test_each_selected_variant_is_recorded_at_its_computed_price() -> None:
    result = plan(desired([product(P1)], pricing=[worked_rule()]), None, observed(details=[shirt(P1)]))

    variants = listing_of(result.changes[0].after)
    assert variants[f"{P1}-Black-S"] == {"price": "9.99", "compare_at": "12.99", "cost": "3.07"}
    assert variants[f"{P1}-White-S"] == {"price": "79.99", "compare_at": "103.99", "cost": "38.70"}
    assert result.changes[0].after["listing"]["rule"] == "store"  # type: ignore[index]


def test_a_rule_change_is_an_update_showing_each_price_old_to_new() -> None:
    before = applied(plan(desired([product(P1)], pricing=[worked_rule()]), None, observed(details=[shirt(P1)])), None)
    cheaper = replace(worked_rule(), tiers=(Tier(D(10), D("2.5"), None), *worked_rule().tiers[1:]))

    result = plan(desired([product(P1)], pricing=[cheaper]), before, observed(my_products=[P1]))

    [change] = result.changes
    assert change.action.value == "update"
    assert "2 store price(s) changed" in (change.reason or "")
    diff = {key: (old, new) for key, old, new in field_diff(change)}
    assert diff[f"listing.variants.{P1}-Black-S.price"] == ("9.99", "7.99")  # 3.07 x 2.5 = 7.675
    assert diff[f"listing.variants.{P1}-Black-S.compare_at"] == ("12.99", "10.99")
    assert f"listing.variants.{P1}-White-S.price" not in diff  # tier 2 did not change


def test_a_cost_change_seen_by_a_refresh_reprices() -> None:
    want = desired([product(P1)], pricing=[worked_rule()])
    before = applied(plan(want, None, observed(details=[shirt(P1)])), None)
    dearer = shirt(P1, {"Black-S": "3.50", "Black-M": "3.07", "White-S": "38.70"})

    result = plan(want, before, observed(my_products=[P1], details=[dearer]), mode="refresh-details")

    diff = {key: (old, new) for key, old, new in field_diff(result.changes[0])}
    assert diff[f"listing.variants.{P1}-Black-S.price"] == ("9.99", "10.99")  # 3.50 x 3 = 10.50
    assert diff[f"snapshot.variants.{P1}-Black-S.price"] == ("3.07", "3.50")


def test_without_a_refresh_the_recorded_costs_give_the_same_prices() -> None:
    want = desired([product(P1)], pricing=[worked_rule()])
    before = applied(plan(want, None, observed(details=[shirt(P1)])), None)

    assert plan(want, before, observed(my_products=[P1])).changes == ()


def test_a_fixed_item_price_applies_to_every_selected_variant() -> None:
    want = desired([product(P1, price="24.00", include=["Black-*"])], pricing=[worked_rule()])

    variants = listing_of(plan(want, None, observed(details=[shirt(P1)])).changes[0].after)

    assert {v["price"] for v in variants.values()} == {"24.00"}
    assert len(variants) == 2


def test_a_named_rule_beats_the_default() -> None:
    flat = replace(worked_rule("flat", default=False), tiers=(Tier(None, D(2), None),), compare_at=None)
    want = desired([product(P1, pricing="flat")], pricing=[worked_rule(), flat])

    variants = listing_of(plan(want, None, observed(details=[shirt(P1)])).changes[0].after)

    assert variants[f"{P1}-Black-S"]["price"] == "6.99"  # 3.07 x 2 = 6.14


def test_a_margin_below_min_margin_is_a_warning_naming_variant_price_cost_and_margin() -> None:
    want = desired([product(P1)], pricing=[worked_rule(min_margin="7.00")])

    result = plan(want, None, observed(details=[shirt(P1)]))

    messages = [w.message for w in result.warnings]
    assert (
        "variant Black-S: price 9.99 USD on cost 3.07 USD leaves a margin of 6.92 USD, below minMargin 7.00" in messages
    )
    assert not any("White-S" in m for m in messages)  # 79.99 - 38.70 = 41.29


def test_a_variant_without_a_cost_is_left_unpriced_with_a_warning() -> None:
    want = desired([product(P1)], pricing=[worked_rule()])

    result = plan(want, None, observed(details=[shirt(P1, {"Black-S": None, "White-S": "38.70"})]))

    assert listing_of(result.changes[0].after)[f"{P1}-Black-S"]["price"] is None
    assert any("variant Black-S has no cost at CJ" in w.message for w in result.warnings)


def test_a_rule_giving_a_price_at_or_below_zero_is_a_plan_error_at_the_rule() -> None:
    broken = replace(worked_rule(line=8), tiers=(Tier(None, D(1), D(-5)),), cents=None, compare_at=None)

    with pytest.raises(ManifestError) as caught:
        plan(desired([product(P1)], pricing=[broken]), None, observed(details=[shirt(P1)]))

    problem = caught.value.diagnostics[0]
    assert (problem.file, problem.line) == (PRICING_FILE, 8)
    assert "a store price must be above 0" in problem.message
