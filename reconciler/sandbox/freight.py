"""Freight quotes as the sandbox answers them: ``POST /logistic/freightCalculate`` (10 points).

The body is ``{startCountryCode, endCountryCode, zip?, products: [{quantity, vid}]}``; the
answer a list of ``{logisticName, logisticPrice (USD), logisticPriceCn, logisticAging: "2-5"}``
(../shared/cj-api-2.md). Prices grow with the parcel's weight and differ by destination, so
heavier variants and farther countries cost more, deterministically. An origin where none of
the variants has stock answers, as CJ is reported to do either way, an empty list
(``no_stock = "empty"``, the default) or an error (``"error"``). The admin side
(``POST /__sandbox/freight``) switches between the two and can pin the exact answer of a
route (``"CN-US": [ … ]``), bad values included, to test what clients make of them.

This module holds the desk (:class:`FreightDesk`, kept by the state) and the price table
(:func:`quotes`); the endpoint that reads them is :mod:`.endpoints.freight`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

CNY_PER_USD = 7.2


@dataclass(frozen=True)
class Method:
    """A logistics line: fixed fee, fee per 100 g, and transit days."""

    name: str
    base: float
    per_100g: float
    days: tuple[int, int]
    domestic_only: bool = False


_FROM_CHINA = (
    Method("CJPacket Ordinary", 2.10, 0.95, (7, 12)),
    Method("CJPacket Sensitive", 2.60, 1.10, (8, 15)),
    Method("YunExpress Special Line", 3.40, 0.80, (6, 10)),
    Method("DHL Official", 18.00, 3.20, (3, 7)),
)
_LOCAL = (
    Method("USPS+", 3.90, 0.55, (2, 5), domestic_only=True),
    Method("CJPacket Local", 4.60, 0.40, (3, 6)),
)
_DESTINATION_FACTOR = {"US": 1.0, "CA": 1.15, "GB": 1.05, "DE": 1.1, "FR": 1.1, "AU": 1.25}


@dataclass
class FreightDesk:
    """How freight questions are answered: the no-stock behaviour and routes pinned by tests."""

    no_stock: str = "empty"  # "empty" | "error"
    routes: dict[str, list[object]] = field(default_factory=dict)  # "CN-US" -> the raw data to answer

    def configure(self, changes: Mapping[str, object]) -> dict[str, object]:
        """Admin ``POST /__sandbox/freight``: ``{"noStock": "empty"|"error", "routes": {"CN-US": [...] | null}}``."""
        unknown = set(changes) - {"noStock", "routes", "reset"}
        if unknown:
            raise ValueError(f"unknown freight fields: {', '.join(sorted(unknown))}")
        if changes.get("reset") is True:
            self.no_stock, self.routes = "empty", {}
        no_stock = changes.get("noStock", self.no_stock)
        if no_stock not in ("empty", "error"):
            raise ValueError("noStock must be empty or error")
        routes = changes.get("routes", {})
        if not isinstance(routes, Mapping):
            raise ValueError("routes must be an object keyed by ORIGIN-DESTINATION")
        for key, answer in routes.items():
            if not re.fullmatch(r"[A-Z]{2}-[A-Z]{2}", str(key)) or not (answer is None or isinstance(answer, list)):
                raise ValueError(f"route {key!r}: keys look like CN-US and answers are lists (or null to unpin)")
        self.no_stock = str(no_stock)
        for key, answer in routes.items():
            if answer is None:
                self.routes.pop(str(key), None)
            else:
                self.routes[str(key)] = list(answer)
        return self.as_dict()

    def as_dict(self) -> dict[str, object]:
        return {"noStock": self.no_stock, "routes": dict(self.routes)}


def quotes(origin: str, destination: str, weight_g: int) -> list[dict[str, object]]:
    """The options from ``origin`` to ``destination`` for a parcel of ``weight_g`` grams."""
    factor = _DESTINATION_FACTOR.get(destination, 1.35)
    local = origin == destination or (origin == "US" and destination in ("US", "CA"))
    methods = _LOCAL if origin != "CN" and local else _FROM_CHINA
    options = []
    for method in methods:
        if method.domestic_only and origin != destination:
            continue
        price = round((method.base + method.per_100g * weight_g / 100.0) * factor, 2)
        low, high = method.days
        if not local and origin != "CN":  # from a third-country warehouse: a little longer
            low, high = low + 2, high + 4
        options.append(
            {
                "logisticName": method.name,
                "logisticPrice": price,
                "logisticPriceCn": round(price * CNY_PER_USD, 2),
                "logisticAging": f"{low}-{high}",
            }
        )
    return options
