"""The product kind's name and its entries in the configuration: the products the store sells.

Read by the planners of products, markets, sourcing and webhooks, and by the CLI's catalog commands.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.models.desired import Desired, DesiredProduct
from reconciler.models.plan import Action, Change

KIND = "product"


def products(desired: Desired) -> tuple[DesiredProduct, ...]:
    """Every product to sell, in declaration order (sourced products after the declared ones)."""
    return tuple(desired.of(KIND).values())


def with_products(desired: Desired, items: Iterable[DesiredProduct]) -> Desired:
    """``desired`` selling ``items`` instead (a derived input: sourced products, shipping costs)."""
    return desired.replacing(KIND, {product.pid: product for product in items})


def apply_cost(change: Change) -> tuple[int, int]:
    """Adding a product (create, re-add) is one addToMyProduct call (free); the rest is only recorded."""
    return (1, 0) if change.action in (Action.CREATE, Action.READD) else (0, 0)
