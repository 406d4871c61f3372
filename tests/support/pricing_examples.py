"""Products with named variants (Black-S, Black-M, White-S…) and the worked-example rule, for pricing tests."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from reconciler.models.cj import ProductDetail, Variant
from reconciler.models.declared import Source
from reconciler.models.pricing import CompareAt, PricingRule, Tier

D = Decimal
PRICING_FILE = "manifests/pricing.yaml"


def shirt(
    pid: str, costs: dict[str, str | None] | None = None, *, status: str = "3", keys: Iterable[str] | None = None
) -> ProductDetail:
    """A shirt whose variants are ``key -> cost`` (vid ``<pid>-<key>``, SKU ``SH-<key>``)."""
    costs = costs if costs is not None else {"Black-S": "3.07", "Black-M": "3.07", "White-S": "38.70"}
    if keys is not None:
        costs = {k: costs[k] for k in keys}
    return ProductDetail(
        pid=pid,
        name="Cotton Shirt",
        sku="SH",
        sell_price="3.07-38.70",
        status=status,
        customization_version=0,
        image="https://img.example.com/shirt.jpg",
        variants=tuple(
            Variant(
                vid=f"{pid}-{key}",
                sku=f"SH-{key}",
                key=key,
                price=None if cost is None else D(cost),
                stock=5,
                image=f"https://img.example.com/{key}.jpg",
                weight=D(180),
            )
            for key, cost in costs.items()
        ),
        option_names="Color-Size",
    )


def worked_rule(
    name: str = "store", *, default: bool = True, min_margin: str | None = None, line: int = 3
) -> PricingRule:
    """The issue's worked example."""
    return PricingRule(
        name=name,
        tiers=(Tier(D(10), D(3), None), Tier(D(50), D(2), D(2)), Tier(None, D("1.6"), None)),
        cents="0.99",
        compare_at=CompareAt(D("1.3"), None),
        min_margin=None if min_margin is None else D(min_margin),
        default=default,
        source=Source(PRICING_FILE, line),
    )
