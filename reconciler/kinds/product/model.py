"""The product kind's name, its entries in the configuration (the products the store sells), what
CJ said of them this run (:class:`CatalogSeen`) and what adding one costs.

Read by the planners of products, markets, sourcing and webhooks, and by the CLI's catalog commands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from reconciler.models.cj import MyProduct, ProductDetail
from reconciler.models.desired import Desired, DesiredProduct
from reconciler.models.observed import Observed
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


@dataclass(frozen=True)
class CatalogSeen:
    """What CJ said of products this run: My Products (all pages), the details of the products
    queried, and the products CJ called unavailable (1602001/1602002) with the reason."""

    my_products: dict[str, MyProduct]
    details: dict[str, ProductDetail] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)


def listed(observed: Observed) -> dict[str, MyProduct] | None:
    """My Products by pid; None when the plan was made offline (nothing is known)."""
    seen = observed.of(KIND)
    return seen.my_products if isinstance(seen, CatalogSeen) else None


def details_of(observed: Observed) -> dict[str, ProductDetail]:
    """The details of the products queried this run, by pid."""
    seen = observed.of(KIND)
    return seen.details if isinstance(seen, CatalogSeen) else {}


def unavailable_of(observed: Observed) -> dict[str, str]:
    """The products CJ called unavailable this run, with the reason."""
    seen = observed.of(KIND)
    return seen.unavailable if isinstance(seen, CatalogSeen) else {}
