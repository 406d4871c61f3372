"""How markets read in plans and in ``cjrec state list|show``: ``12 products quoted, 10 within the limits, …``.

An update's reason already says what changed, so it is not shown field by field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.kinds.market.record import SECTIONS, markets_of
from reconciler.kinds.wording import Description
from reconciler.models.plan import Change
from reconciler.models.state import SyncState
from reconciler.safe_text import for_terminal


def summarise_market(record: Mapping[str, Any] | None) -> str:
    """``12 products quoted, 10 within the limits, cheapest $3.20``."""
    if not record:
        return ""
    quotes = dict(record.get("quotes") or {})
    fitting = [q["best"] for q in quotes.values() if isinstance(q, dict) and q.get("best")]
    text = f"{len(quotes)} product(s) quoted, {len(fitting)} within the limits"
    if fitting:
        cheapest = min(fitting, key=lambda b: float(b.get("price", 0)))
        text += f", cheapest ${float(cheapest['price']):.2f} ({for_terminal(cheapest.get('name'), limit=40)})"
    return text


class MarketDescription(Description):
    def summary_of(self, record: Mapping[str, Any] | None) -> str:
        return summarise_market(record)

    def field_diff(self, change: Change) -> bool:
        return False

    def entries(self, state: SyncState) -> list[tuple[str, dict[str, Any], str]]:
        out = []
        for country, quotes in sorted(markets_of(state).items()):
            data = {"quotes": {pid: q.to_dict() for pid, q in sorted(quotes.items())}}
            out.append((f"{self.kind}.{country}", data, summarise_market(data)))
        return out


def description(kind: str) -> MarketDescription:
    return MarketDescription(kind, SECTIONS)
