"""The sourcing kind's name and its entries in the configuration: the Products items with a sourceUrl."""

from __future__ import annotations

from reconciler.models.desired import Desired
from reconciler.models.plan import Action, Change
from reconciler.models.sourcing import SourcingItem

KIND = "sourcing"


def sourcing_items(desired: Desired) -> tuple[SourcingItem, ...]:
    """Every sourced item, in declaration order."""
    return tuple(desired.of(KIND).values())


def apply_cost(change: Change) -> tuple[int, int]:
    """Filing a request (create, re-add) is one sourcing/create call (free); the rest is only recorded."""
    return (1, 0) if change.action in (Action.CREATE, Action.READD) else (0, 0)
