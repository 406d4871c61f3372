"""Store prices from CJ's costs: the ``kind: Pricing`` rules and their arithmetic.

Built by the validator from ``kind: Pricing`` documents and used by the product planner
(``kinds/pricing/prices.py``) on every plan, so a store price follows CJ's cost instead of being
fixed at import. Decimal arithmetic only; a float never touches a price.

How one variant is priced (every amount a :class:`~decimal.Decimal`):

1. **cost base** (USD) = the variant's cost at CJ (``variantSellPrice``) + ``extra``, a
   per-product amount the caller may add (issue 12's ``includeShipping`` adds the recorded
   cheapest shipping quote there: see :func:`price_variant`'s ``extra``);
2. **tier**: the first tier whose inclusive ``upTo`` (USD) is ≥ the cost base, or the open
   last one; ``x = base × multiplier + add`` (multiplier 1 and add 0 when absent);
3. **currency**: ``x × exchangeRate`` (a fixed rate; 1 for USD);
4. **fees** (optional, store currency): the price that still nets ``x`` after the store's
   fees, ``(x + fixed) / (1 − percent/100)``, raised when needed so that the profit after
   fees, ``price − fees(price) − base × rate``, is at least ``minProfit``;
5. **cents**: ``0.99``/``0.95``/``0.90`` give the smallest price ≥ x ending so, ``whole`` the
   smallest whole amount ≥ x, absent rounds half-up to 2 decimals;
6. **compare-at** = price × ``compareAt.multiplier`` or + ``compareAt.add``, then the same
   cents rule;
7. **margin** (store currency) = price − fees(price) − base × rate; below ``minMargin`` it is a
   plan warning (and material drift for the daily drift job).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from reconciler.models.declared import Source

CENTS_ENDINGS = (Decimal("0.99"), Decimal("0.95"), Decimal("0.90"))
WHOLE = "whole"
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Tier:
    """Costs up to ``up_to`` USD (inclusive; None for the open last tier) get ``× multiplier + add``."""

    up_to: Decimal | None
    multiplier: Decimal | None
    add: Decimal | None


@dataclass(frozen=True, slots=True)
class Fees:
    """The store's fees on a sale: ``percent`` of the price plus ``fixed`` (store currency)."""

    percent: Decimal
    fixed: Decimal

    def of(self, price: Decimal) -> Decimal:
        return price * self.percent / HUNDRED + self.fixed


@dataclass(frozen=True, slots=True)
class CompareAt:
    """The compare-at ("was") price: the final price × ``multiplier``, or + ``add``."""

    multiplier: Decimal | None
    add: Decimal | None


@dataclass(frozen=True, slots=True)
class PricingRule:
    """One ``kind: Pricing`` document, validated."""

    name: str
    tiers: tuple[Tier, ...]
    currency: str = "USD"
    exchange_rate: Decimal = Decimal(1)
    cents: str | None = None  # "0.99", "0.95", "0.90", "whole" or None (2 decimals)
    compare_at: CompareAt | None = None
    fees: Fees | None = None
    min_profit: Decimal | None = None
    min_margin: Decimal | None = None
    default: bool = False
    source: Source | None = None
    include_shipping: str | None = None  # a Market's country: its cheapest qualifying quote joins the cost base


@dataclass(frozen=True, slots=True)
class VariantPrice:
    """The store price of one variant and how it came about (amounts in the rule's currency,
    ``cost`` the cost base in USD)."""

    price: Decimal
    compare_at: Decimal | None
    cost: Decimal
    margin: Decimal


def round_cents(value: Decimal, cents: str | None) -> Decimal:
    """``value`` rounded by the ``cents`` rule (see the module docstring)."""
    if cents is None:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    if cents == WHOLE:
        return value.to_integral_value(rounding=ROUND_CEILING).quantize(CENT)
    ending = Decimal(cents)
    candidate = value.to_integral_value(rounding=ROUND_CEILING) - 1 + ending
    if candidate < value:
        candidate += 1
    return candidate.quantize(CENT)


def tier_for(rule: PricingRule, base: Decimal) -> Tier:
    """The tier a cost base falls in (the rule's tiers are validated: the last one is open)."""
    for tier in rule.tiers:
        if tier.up_to is None or base <= tier.up_to:
            return tier
    return rule.tiers[-1]


def price_variant(rule: PricingRule, cost: Decimal, *, extra: Decimal = Decimal(0)) -> VariantPrice:
    """The store price of a variant costing ``cost`` USD at CJ.

    ``extra`` (USD) is added to the cost base before the tier is chosen: the hook for
    per-product amounts such as a shipping quote (issue 12's ``includeShipping``).
    """
    base = cost + extra
    tier = tier_for(rule, base)
    x = base * (tier.multiplier if tier.multiplier is not None else 1) + (tier.add or 0)
    x *= rule.exchange_rate
    base_local = base * rule.exchange_rate
    if rule.fees is not None:
        keep = 1 - rule.fees.percent / HUNDRED
        x = (x + rule.fees.fixed) / keep
        if rule.min_profit is not None:
            x = max(x, (base_local + rule.min_profit + rule.fees.fixed) / keep)
    elif rule.min_profit is not None:
        x = max(x, base_local + rule.min_profit)
    price = round_cents(x, rule.cents)
    compare = None
    if rule.compare_at is not None:
        raw = price * rule.compare_at.multiplier if rule.compare_at.multiplier is not None else price
        raw += rule.compare_at.add or 0
        compare = round_cents(raw, rule.cents)
    return VariantPrice(price=price, compare_at=compare, cost=base, margin=margin_of(rule, price, base))


def margin_of(rule: PricingRule | None, price: Decimal, base: Decimal) -> Decimal:
    """What a sale at ``price`` leaves after the rule's fees and the cost base (store currency)."""
    rate = rule.exchange_rate if rule is not None else Decimal(1)
    fees = rule.fees.of(price) if rule is not None and rule.fees is not None else Decimal(0)
    return (price - fees - base * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def fixed_price(
    price: Decimal, cost: Decimal, *, rule: PricingRule | None, extra: Decimal = Decimal(0)
) -> VariantPrice:
    """An item's fixed ``price:``, in the store currency: the default rule's (its fees and rate give
    the margin), or USD when there is no default rule."""
    base = cost + extra
    return VariantPrice(price=price, compare_at=None, cost=base, margin=margin_of(rule, price, base))
