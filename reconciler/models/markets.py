"""Markets: the countries a store sells to, and what shipping there costs and takes.

:class:`Market` is a ``kind: Market`` document after validation (built by the validator);
:class:`FreightOption` is one line of CJ's ``freightCalculate`` answer (built by the API
client); :class:`MarketQuote` is what the state keeps per product and market: every option
found per origin, and the cheapest one that qualifies (upper bound of ``logisticAging`` ≤
``maxDays`` and price ≤ ``maxShipping``). Qualification is recomputed from the recorded
options whenever a market's limits change, so tightening ``maxDays`` costs no API call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from reconciler.models.cj_limits import QUOTE_POINTS as QUOTE_POINTS  # noqa: PLC0414 - still importable from here
from reconciler.models.declared import Source
from reconciler.safe_text import for_terminal

_AGING = re.compile(r"^\s*(\d+)\s*(?:[-~–]\s*(\d+))?\s*(?:days?)?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Market:
    """Sell to ``country`` when a product gets there within ``max_days`` for at most ``max_shipping`` USD."""

    name: str
    country: str
    max_days: int
    max_shipping: Decimal
    origins: tuple[str, ...]
    source: Source


def parse_aging(text: str) -> tuple[int, int] | None:
    """CJ's ``logisticAging`` (``"2-5"``, ``"7"``, ``"3~6 days"``) → (low, high) days; None if unreadable."""
    match = _AGING.match(text)
    if match is None:
        return None
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) else low
    return (low, high) if low <= high else None


def parse_price(value: object) -> Decimal | None:
    """A USD price as CJ writes it (number or string); None if it is not a non-negative amount."""
    if value is None or isinstance(value, bool):
        return None
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return price if price.is_finite() and price >= 0 else None


@dataclass(frozen=True, slots=True)
class FreightOption:
    """One shipping option from ``origin``: CJ's method name (what order creation expects), price, days."""

    origin: str
    name: str
    price: Decimal
    min_days: int
    max_days: int

    def qualifies(self, market: Market) -> bool:
        return self.max_days <= market.max_days and self.price <= market.max_shipping

    def describe(self) -> str:
        days = f"{self.min_days}-{self.max_days}" if self.min_days != self.max_days else str(self.max_days)
        return f"{for_terminal(self.name, limit=60)} from {self.origin}, ${self.price:.2f}, {days} days"

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "name": self.name,
            "price": str(self.price),
            "min_days": self.min_days,
            "max_days": self.max_days,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FreightOption:
        price = parse_price(data["price"])
        if price is None:
            raise ValueError(f"freight price {str(data['price'])[:20]!r} is not an amount")
        return cls(
            origin=str(data["origin"]),
            name=str(data["name"]),
            price=price,
            min_days=_whole(data["min_days"]),
            max_days=_whole(data["max_days"]),
        )


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{str(value)[:20]!r} is not a whole number of days")
    return value


def best_option(options: tuple[FreightOption, ...], market: Market) -> FreightOption | None:
    """The cheapest option that qualifies (then the fastest, then by name, for a stable choice)."""
    fitting = [o for o in options if o.qualifies(market)]
    return min(fitting, key=lambda o: (o.price, o.max_days, o.origin, o.name)) if fitting else None


def closest_option(options: tuple[FreightOption, ...], market: Market) -> FreightOption | None:
    """When none qualifies, the option to name in the warning: the one that misses the limits by least."""

    def miss(o: FreightOption) -> tuple[Decimal, Decimal, int]:
        over_days = Decimal(max(0, o.max_days - market.max_days)) / Decimal(max(1, market.max_days))
        over_price = max(Decimal(0), o.price - market.max_shipping) / max(Decimal("0.01"), market.max_shipping)
        return (over_days + over_price, o.price, o.max_days)

    return min(options, key=miss) if options else None


@dataclass(frozen=True, slots=True)
class MarketQuote:
    """What the state keeps for one product and one market.

    ``options``: every option CJ quoted from the origins asked (``origins``), as of ``quoted_at``;
    ``best``: the cheapest qualifying one under the market's limits when recorded (None: none
    qualifies); ``vid``: the variant quoted (the heaviest, the worst case); ``notes``: origins
    that gave no quote and why.
    """

    country: str
    vid: str
    origins: tuple[str, ...]
    options: tuple[FreightOption, ...]
    best: FreightOption | None
    quoted_at: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "vid": self.vid,
            "origins": list(self.origins),
            "options": [o.to_dict() for o in self.options],
            "best": self.best.to_dict() if self.best else None,
            "quoted_at": self.quoted_at,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, country: str, data: dict[str, Any]) -> MarketQuote:
        best = data.get("best")
        return cls(
            country=country,
            vid=str(data["vid"]),
            origins=tuple(str(o) for o in data["origins"]),
            options=tuple(FreightOption.from_dict(dict(o)) for o in data["options"]),
            best=FreightOption.from_dict(dict(best)) if best else None,
            quoted_at=str(data["quoted_at"]),
            notes=tuple(str(n) for n in data.get("notes", [])),
        )


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    """One product to quote for one market: the variant, and the origins to ask (one call each)."""

    pid: str
    country: str
    vid: str
    origins: tuple[str, ...]
    market_origins: tuple[str, ...]  # the market's `from`, recorded with the quote
    skipped: tuple[str, ...] = ()  # origins left out, with why


@dataclass(frozen=True, slots=True)
class FreightAnswer:
    """CJ's answer to one quote request: the readable options, and what could not be read or was refused."""

    origin: str
    options: tuple[FreightOption, ...]
    problems: tuple[str, ...] = ()
