"""A Pricing rule turns a CJ cost into a store price with Decimal arithmetic, exactly as documented.

The issue's worked example must hold to the cent; tiers are inclusive at ``upTo``; the cents
rules give the smallest price at or above the amount ending so; compare-at is rounded the
same way; the fee-aware form nets the tier's price after fees and respects ``minProfit``;
the exchange rate converts before rounding.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from reconciler.models.pricing import CompareAt, Fees, PricingRule, Tier, price_variant, round_cents

D = Decimal


def worked_example(**changes: object) -> PricingRule:
    rule = PricingRule(
        name="store",
        tiers=(Tier(D(10), D(3), None), Tier(D(50), D(2), D(2)), Tier(None, D("1.6"), None)),
        cents="0.99",
        compare_at=CompareAt(D("1.3"), None),
    )
    fields = {name: getattr(rule, name) for name in rule.__slots__}  # type: ignore[attr-defined]
    fields.update(changes)
    return PricingRule(**fields)  # type: ignore[arg-type]


def test_the_issues_worked_example_holds_to_the_cent() -> None:
    rule = worked_example()

    low = price_variant(rule, D("3.07"))  # 3.07 x 3 = 9.21 -> 9.99, compare-at 9.99 x 1.3 = 12.987 -> 12.99
    high = price_variant(rule, D("38.70"))  # 38.70 x 2 + 2 = 79.40 -> 79.99, compare-at 103.987 -> 103.99

    assert (low.price, low.compare_at) == (D("9.99"), D("12.99"))
    assert (high.price, high.compare_at) == (D("79.99"), D("103.99"))
    assert str(low.price) == "9.99" and str(high.compare_at) == "103.99"  # two decimals, as a store expects


@pytest.mark.parametrize(
    ("cost", "price"),
    [
        ("10", "30.99"),  # upTo is inclusive: 10 is still tier 1 (x3 = 30.00)
        ("10.01", "22.99"),  # tier 2: 10.01 x 2 + 2 = 22.02
        ("50", "102.99"),  # inclusive again: 50 x 2 + 2 = 102
        ("50.01", "80.99"),  # the open tier: 50.01 x 1.6 = 80.016
    ],
)
def test_tiers_are_chosen_by_cost_with_inclusive_bounds(cost: str, price: str) -> None:
    assert price_variant(worked_example(), D(cost)).price == D(price)


@pytest.mark.parametrize(
    ("amount", "cents", "expected"),
    [
        ("9.21", "0.99", "9.99"),
        ("9.99", "0.99", "9.99"),  # already ends so: kept
        ("10.00", "0.99", "10.99"),  # 9.99 is below 10: the next one up
        ("9.96", "0.95", "10.95"),
        ("9.90", "0.90", "9.90"),
        ("9.901", "0.90", "10.90"),
        ("9.01", "whole", "10.00"),
        ("9.00", "whole", "9.00"),
        ("9.005", None, "9.01"),  # absent: 2 decimals, half up
        ("9.004", None, "9.00"),
    ],
)
def test_cents_give_the_smallest_price_at_or_above_ending_so(amount: str, cents: str | None, expected: str) -> None:
    assert round_cents(D(amount), cents) == D(expected)


def test_compare_at_can_add_and_is_rounded_by_the_same_rule() -> None:
    rule = worked_example(compare_at=CompareAt(None, D(5)))

    assert price_variant(rule, D("3.07")).compare_at == D("14.99")  # 9.99 + 5 = 14.99 (ends .99 already)


def test_a_rate_converts_before_rounding_into_the_store_currency() -> None:
    rule = worked_example(currency="EUR", exchange_rate=D("0.92"), compare_at=None)

    priced = price_variant(rule, D("3.07"))  # 9.21 USD x 0.92 = 8.4732 EUR -> 8.99

    assert priced.price == D("8.99")
    assert priced.margin == D("6.17")  # 8.99 - 3.07 x 0.92 (2.8244) = 6.1656, in EUR


def test_the_fee_aware_form_nets_the_tier_price_after_fees() -> None:
    rule = worked_example(cents=None, compare_at=None, fees=Fees(D("2.9"), D("0.30")))

    priced = price_variant(rule, D("3.07"))  # (9.21 + 0.30) / 0.971 = 9.7940...

    assert priced.price == D("9.79")
    assert priced.margin == D("6.14")  # 9.79 - (9.79 x 2.9 % + 0.30) - 3.07


def test_min_profit_raises_a_price_whose_profit_after_fees_is_too_small() -> None:
    rule = PricingRule(
        name="thin",
        tiers=(Tier(None, D("1.1"), None),),
        fees=Fees(D(10), D(0)),
        min_profit=D(5),
    )

    priced = price_variant(rule, D("20"))  # 22 / 0.9 = 24.44 leaves 2.00; the floor: (20 + 5) / 0.9 = 27.78

    assert priced.price == D("27.78")
    assert priced.margin == D("5.00")  # 27.78 - 2.778 - 20 = 5.002


def test_an_extra_per_product_amount_joins_the_cost_base_before_the_tier() -> None:
    """The hook for a shipping quote: 8 + 4 = 12 falls in tier 2, not tier 1."""
    priced = price_variant(worked_example(), D(8), extra=D(4))

    assert priced.cost == D(12)
    assert priced.price == D("26.99")  # 12 x 2 + 2 = 26


def test_no_float_creeps_in() -> None:
    """0.1 + 0.2 style errors would show as 0.30000000000000004 in a float world."""
    rule = PricingRule(name="tiny", tiers=(Tier(None, D("1.1"), D("0.2")),))

    priced = price_variant(rule, D("0.1"))  # 0.11 + 0.2 = 0.31

    assert priced.price == D("0.31")
    assert all(isinstance(v, Decimal) for v in (priced.price, priced.cost, priced.margin))
