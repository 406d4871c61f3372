"""The market kind's name and its entries in the configuration: the countries the store ships to."""

from __future__ import annotations

from reconciler.models.desired import Desired
from reconciler.models.markets import Market

KIND = "market"


def markets(desired: Desired) -> tuple[Market, ...]:
    """Every declared market, in declaration order."""
    return tuple(desired.of(KIND).values())
