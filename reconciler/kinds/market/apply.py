"""Apply market changes: record the freight quotes a plan gathered (no call to CJ).

The executor for ``market.<COUNTRY>`` (contract in ``kinds/executing.py``). Quotes are
asked for while planning (they are reads, counted in the plan's cost); applying only
records them, with the cheapest qualifying option per product that pricing's
``includeShipping`` reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.kinds.executing import Run
from reconciler.kinds.market.record import with_market
from reconciler.models.markets import MarketQuote
from reconciler.models.plan import Action, Change
from reconciler.models.state import SyncState


class MarketExecutor:
    """Records market quotes."""

    kind = "market"

    def record(self, state: SyncState, change: Change) -> SyncState:
        country = change.name
        if change.action is Action.FORGET or change.after is None:
            return with_market(state, country, None)
        quotes = dict(change.after.get("quotes") or {})
        return with_market(state, country, {pid: MarketQuote.from_dict(country, dict(q)) for pid, q in quotes.items()})

    def execute(self, changes: Sequence[Change], run: Run) -> None:
        raise ValueError("market changes make no call to CJ: they are only recorded")
