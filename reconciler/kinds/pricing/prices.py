"""Plan what the store sells of a product: its selected variants and their prices.

Pure, called by the product planner (``kinds/product/plan.py``) for every product whose
details are known (from this run or recorded), so prices follow CJ's costs on every plan.
Pricing has no resource of its own: a rule change, a selection change or a cost change
shows as a ``~ update`` of the products it touches, with each price old → new.

- **Selection**: ``items[].variants.include``/``exclude`` entries match a variant's
  variantKey (``Black-XL``) or SKU, ``*`` matching any run of characters, case-insensitively.
  No include means every variant. An entry that matches no variant is a plan error at the
  entry's line, listing the variants that exist.
- **Prices**: the item's fixed ``price:``, else its ``pricing:`` rule, else the default rule;
  see ``models/pricing.py`` for the arithmetic. A variant CJ gives no cost is left unpriced
  (a warning); a rule that yields a price ≤ 0 is a plan error; a margin below ``minMargin``
  is a warning naming variant, price, cost and margin.
- **Extra cost**: :func:`extra_cost` is the one place a per-product amount joins the cost
  base (issue 12's ``includeShipping`` returns the recorded cheapest shipping quote there).

Without a selection, a rule or a price the product has no listing (None): every variant is
sold and nothing is priced, as before pricing existed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from reconciler.errors import Diagnostic
from reconciler.kinds.pricing.model import default_pricing, pricing_rule
from reconciler.kinds.product.record import ListedVariant, Listing, ProductSnapshot, VariantSnapshot
from reconciler.models.declared import VariantPattern
from reconciler.models.desired import Desired, DesiredProduct
from reconciler.models.plan import Finding
from reconciler.models.pricing import PricingRule, VariantPrice, fixed_price, price_variant

FIXED_RULE = "price"  # Listing.rule of an item with a fixed `price:`
SHOWN_VARIANTS = 12  # variants listed in a "matches nothing" error


@dataclass
class Priced:
    """The listing of one product, and what pricing it found worth saying."""

    listing: Listing | None
    warnings: list[Finding] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)


def extra_cost(desired: Desired, product: DesiredProduct) -> Decimal:
    """A per-product amount (USD) added to every variant's cost base before pricing.

    With Pricing ``includeShipping: <country>``: the cheapest qualifying shipping quote to
    that market (``DesiredProduct.shipping``, set by the planner core from the markets' quotes),
    or zero when there is none (the markets planner warns about it).
    """
    rule = rule_for(desired, product)
    if rule is None or rule.include_shipping is None:
        return Decimal(0)
    return dict(product.shipping).get(rule.include_shipping, Decimal(0))


def rule_for(desired: Desired, product: DesiredProduct) -> PricingRule | None:
    """The rule that prices ``product``: the one it names, or the default (names are validated)."""
    if product.pricing is not None:
        return pricing_rule(desired, product.pricing)
    return default_pricing(desired)


def plan_listing(desired: Desired, product: DesiredProduct, snapshot: ProductSnapshot, address: str) -> Priced:
    """The selected variants of ``product`` at their store prices."""
    rule = rule_for(desired, product)
    if product.variants is None and rule is None and product.price is None:
        return Priced(None)
    found = Priced(None)
    selected = _select(product, snapshot, found)
    if found.errors:
        return found
    extra = extra_cost(desired, product)
    currency = rule.currency if rule is not None else "USD"
    variants: dict[str, ListedVariant] = {}
    for vid in selected:
        variant = snapshot.variants[vid]
        label = variant.variant_key or variant.sku or vid
        if variant.price is None:
            variants[vid] = ListedVariant(price=None)
            if rule is not None or product.price is not None:
                found.warnings.append(
                    Finding(address, f"variant {label} has no cost at CJ: it is not priced and store exports skip it")
                )
            continue
        cost = Decimal(variant.price)
        if product.price is not None:
            priced: VariantPrice = fixed_price(product.price, cost, rule=default_pricing(desired), extra=extra)
        elif rule is not None:
            priced = price_variant(rule, cost, extra=extra)
        else:
            variants[vid] = ListedVariant(price=None, cost=str(cost + extra))
            continue
        if priced.price <= 0:
            where = rule.source if rule is not None and rule.source is not None else product.source
            found.errors.append(
                Diagnostic(
                    where.file,
                    where.line,
                    "spec.tiers",
                    f"rule {rule.name if rule else ''!r} prices variant {label} of product {product.pid} "
                    f"(cost {cost}) at {priced.price}: a store price must be above 0; raise the tier's `add`",
                )
            )
            continue
        variants[vid] = ListedVariant(
            price=str(priced.price),
            compare_at=None if priced.compare_at is None else str(priced.compare_at),
            cost=str(priced.cost),
        )
        floor = rule.min_margin if rule is not None else None
        if floor is not None and priced.margin < floor:
            found.warnings.append(
                Finding(
                    address,
                    f"variant {label}: price {priced.price} {currency} on cost {priced.cost} USD leaves a margin of "
                    f"{priced.margin} {currency}, below minMargin {floor}",
                )
            )
    name = FIXED_RULE if product.price is not None else (rule.name if rule is not None else None)
    rate = rule.exchange_rate if rule is not None else Decimal(1)
    found.listing = Listing(rule=name, currency=currency, variants=variants, exchange_rate=str(rate))
    return found


def margin_misses(desired: Desired, product: DesiredProduct, listing: Listing, snapshot: ProductSnapshot) -> list[str]:
    """Recorded prices whose margin, on the costs in ``snapshot``, is now below the rule's ``minMargin``."""
    rule = rule_for(desired, product)
    if rule is None or rule.min_margin is None or product.price is not None:
        return []
    extra = extra_cost(desired, product)
    misses = []
    for vid, listed in sorted(listing.variants.items()):
        variant = snapshot.variants.get(vid)
        if listed.price is None or variant is None or variant.price is None:
            continue
        base = Decimal(variant.price) + extra
        fees = rule.fees.of(Decimal(listed.price)) if rule.fees is not None else Decimal(0)
        margin = Decimal(listed.price) - fees - base * rule.exchange_rate
        if margin < rule.min_margin:
            label = variant.variant_key or variant.sku or vid
            misses.append(
                f"variant {label}: recorded price {listed.price} {rule.currency} on cost {base} USD leaves "
                f"{margin.quantize(Decimal('0.01'))}, below minMargin {rule.min_margin}"
            )
    return misses


def _select(product: DesiredProduct, snapshot: ProductSnapshot, found: Priced) -> list[str]:
    variants = snapshot.variants
    selection = product.variants
    if selection is None:
        return sorted(variants)
    include = [(p, _matcher(p.pattern)) for p in selection.include]
    exclude = [(p, _matcher(p.pattern)) for p in selection.exclude]
    for pattern, match in include + exclude:
        if not any(_matches(match, v) for v in variants.values()):
            found.errors.append(_matches_nothing(product, pattern, variants))
    chosen = []
    for vid, variant in sorted(variants.items()):
        if include and not any(_matches(m, variant) for _p, m in include):
            continue
        if any(_matches(m, variant) for _p, m in exclude):
            continue
        chosen.append(vid)
    return chosen


def _matcher(pattern: str) -> re.Pattern[str]:
    parts = (re.escape(part) for part in pattern.strip().casefold().split("*"))
    return re.compile(".*".join(parts))


def _matches(match: re.Pattern[str], variant: VariantSnapshot) -> bool:
    return any(
        value is not None and match.fullmatch(value.casefold()) is not None
        for value in (variant.variant_key, variant.sku)
    )


def _matches_nothing(
    product: DesiredProduct, pattern: VariantPattern, variants: Mapping[str, VariantSnapshot]
) -> Diagnostic:
    names = [f"{v.variant_key} ({v.sku})" if v.variant_key else v.sku for _vid, v in sorted(variants.items())]
    shown = ", ".join(names[:SHOWN_VARIANTS]) + (
        f" and {len(names) - SHOWN_VARIANTS} more" if len(names) > SHOWN_VARIANTS else ""
    )
    return Diagnostic(
        pattern.source.file,
        pattern.source.line,
        "variants",
        f"{pattern.pattern!r} matches no variant of product {product.pid}; its variants are: {shown or 'none'}",
    )
