"""The pricing kind's name and its entries in the configuration: the Pricing rules and the default one."""

from __future__ import annotations

from reconciler.models.desired import Desired
from reconciler.models.pricing import PricingRule

KIND = "pricing"


def pricing_rules(desired: Desired) -> tuple[PricingRule, ...]:
    """Every Pricing rule, in declaration order."""
    return tuple(desired.of(KIND).values())


def pricing_rule(desired: Desired, name: str) -> PricingRule | None:
    """The Pricing rule called ``name``."""
    found = desired.of(KIND).get(name)
    return found if isinstance(found, PricingRule) else None


def default_pricing(desired: Desired) -> PricingRule | None:
    """The Pricing rule products that name none use (asked once a product: a plain loop)."""
    for rule in desired.of(KIND).values():
        if rule.default:
            return rule  # type: ignore[no-any-return]
    return None
