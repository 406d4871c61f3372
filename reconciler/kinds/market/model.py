"""The market kind's name and its entries in the configuration: the countries the store ships to."""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.models.desired import Desired
from reconciler.models.markets import Market, MarketQuote
from reconciler.models.observed import Observed

KIND = "market"


def markets(desired: Desired) -> tuple[Market, ...]:
    """Every declared market, in declaration order."""
    return tuple(desired.of(KIND).values())


def freight_of(observed: Observed) -> Mapping[tuple[str, str], MarketQuote]:
    """The fresh freight quotes of this run by (pid, country); ``best`` is left for the planner to choose."""
    seen = observed.of(KIND)
    return seen if isinstance(seen, Mapping) else {}
