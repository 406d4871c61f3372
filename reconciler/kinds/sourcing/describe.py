"""How sourcing requests read in plans and in ``cjrec state list|show``: ``"Desk Lamp" · request 1890… · open``.

A request's address is ``sourcing.<url>`` (its normalised sourceUrl); its verb is ``source``
(``re-source`` when a failed request is filed again).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.kinds.sourcing.record import SECTION, SECTIONS, requests_of
from reconciler.kinds.wording import Description
from reconciler.models.plan import Action, Change
from reconciler.models.sourcing import address_of
from reconciler.models.state import SyncState
from reconciler.safe_text import for_terminal


def summarise_sourcing(record: Mapping[str, Any] | None) -> str:
    """``"Desk Lamp" · request 1890… · open at CJ`` (or ``to be filed``)."""
    if not record:
        return ""
    name = for_terminal(record.get("name") or "(no name)", limit=60)
    ident = record.get("sourcing_id")
    phase = record.get("phase")
    if phase == "succeeded":
        state = f"succeeded: product {record.get('pid')}"
    elif phase == "failed":
        state = f"failed: {for_terminal(record.get('reason') or 'no reason', limit=80)}"
    elif ident:
        state = "open at CJ"
    else:
        state = "to be filed"
    return " · ".join([f'"{name}"', *([f"request {ident}"] if ident else []), state])


class SourcingDescription(Description):
    def summary_of(self, record: Mapping[str, Any] | None) -> str:
        return summarise_sourcing(record)

    def verb(self, change: Change) -> str:
        if change.action is Action.CREATE:
            return "source"
        if change.action is Action.READD:
            return "re-source"
        return str(change.action.value)

    def entries(self, state: SyncState) -> list[tuple[str, dict[str, Any], str]]:
        records = sorted(requests_of(state).values(), key=lambda r: address_of(r.url))
        return [(address_of(r.url), r.to_dict(), summarise_sourcing(r.to_dict())) for r in records]

    def forget(self, state: SyncState, address: str) -> SyncState | None:
        keys = [key for key, r in requests_of(state).items() if address_of(r.url) == address]
        return state.without_record(SECTION, keys[0]) if keys else None


def description(kind: str) -> SourcingDescription:
    return SourcingDescription(kind, SECTIONS)
