"""The market kind's records in the state: the freight quotes by country, then pid (the ``markets``
section of ``state/sync.json``, written only when not empty) and its codec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.kinds.contract import Section
from reconciler.models.markets import MarketQuote
from reconciler.models.state import SyncState

SECTION = "markets"


def markets_of(state: SyncState) -> Mapping[str, Mapping[str, MarketQuote]]:
    """The recorded quotes by country, then pid."""
    return state.records_in(SECTION)


def with_market(state: SyncState, country: str, quotes: Mapping[str, MarketQuote] | None) -> SyncState:
    """Replace the quotes of one market (None or empty: forget the market)."""
    if quotes:
        return state.with_record(SECTION, country, dict(quotes))
    return state.without_record(SECTION, country)


def _decode(data: Any) -> dict[str, dict[str, MarketQuote]]:
    return {
        str(country): {str(pid): MarketQuote.from_dict(str(country), dict(q)) for pid, q in dict(quotes).items()}
        for country, quotes in dict(data or {}).items()
        if quotes
    }


def _encode(markets: Mapping[str, Mapping[str, MarketQuote]]) -> dict[str, Any]:
    return {
        country: {pid: q.to_dict() for pid, q in sorted(quotes.items())}
        for country, quotes in sorted(markets.items())
        if quotes
    }


SECTIONS = (Section(SECTION, _decode, _encode, position=60),)
