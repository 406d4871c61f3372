"""CJ's webhook messages as a plan sees them: hints that something changed at CJ, never facts.

The receiver stores each message (``reconciler/adapters/event_log.py``); plan and apply hand
the pending ones to the kinds' reads as :class:`EventHint` values (``ReadContext.events``).
A kind picks the types it understands (products: PRODUCT, VARIANT, STOCK; sourcing:
SOURCINGCREATE) and re-reads CJ before anything changes; what it acted on it names in its
``ReadBatch.settled``, and apply removes those messages only once the state recording the
effect is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EventHint:
    """One pending message: its id, CJ's ``type`` (upper case) and its ``params``."""

    message_id: str
    type: str
    params: Any

    def param(self, name: str) -> str | None:
        """A string (or numeric id) parameter, as a string; None when absent."""
        if not isinstance(self.params, dict):
            return None
        value = self.params.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value if isinstance(value, str) and value else None
