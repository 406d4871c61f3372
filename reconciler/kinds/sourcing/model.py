"""The sourcing kind's name and its entries in the configuration: the Products items with a sourceUrl."""

from __future__ import annotations

from reconciler.models.desired import Desired
from reconciler.models.sourcing import SourcingItem

KIND = "sourcing"


def sourcing_items(desired: Desired) -> tuple[SourcingItem, ...]:
    """Every sourced item, in declaration order."""
    return tuple(desired.of(KIND).values())
