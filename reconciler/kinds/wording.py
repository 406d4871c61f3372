"""How resources read in plans and in ``cjrec state list|show``: the default description a kind
starts from, and the terminal-safe way to show outside text in one.

Each kind's ``describe.py`` subclasses :class:`Description`; the renderers
(``reconciler/render/describe.py``) and the ``state`` commands call it through the registry.
Everything returned is terminal-safe (:func:`reconciler.safe_text.for_terminal`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.kinds.contract import Section
from reconciler.models.plan import Change
from reconciler.models.state import SyncState
from reconciler.safe_text import for_terminal

NAME_LIMIT = 80  # characters of a name or value shown in a plan line


def short(value: Any) -> str:
    """Outside text (a name, SKU, URL, value) for a plan line: terminal-safe and capped."""
    return for_terminal(value, limit=NAME_LIMIT)


class Description:
    """A kind's description with the defaults: the action as its verb, updates shown field by field,
    one entry per record of each of its map sections at ``<kind>.<name>``."""

    def __init__(self, kind: str, sections: tuple[Section, ...] = ()) -> None:
        self.kind = kind
        self.sections = sections

    def summary_of(self, record: Mapping[str, Any] | None) -> str:
        """The one-line description of a record (as JSON-ready data); empty by default."""
        return ""

    def summary(self, change: Change) -> str:
        return self.summary_of(change.after if change.after is not None else change.before)

    def verb(self, change: Change) -> str:
        return change.action.value

    def field_diff(self, change: Change) -> bool:
        return True

    def entries(self, state: SyncState) -> list[tuple[str, dict[str, Any], str]]:
        out = []
        for section in self.sections:
            records = state.section(section.key)
            if not isinstance(records, Mapping):
                continue
            for name, record in sorted(records.items()):
                data = dict(record.to_dict())
                out.append((f"{self.kind}.{name}", data, self.summary_of(data)))
        return out

    def forget(self, state: SyncState, address: str) -> SyncState | None:
        _kind, _, name = address.partition(".")
        for section in self.sections:
            records = state.section(section.key)
            if isinstance(records, Mapping) and name in records:
                return state.without_record(section.key, name)
        return None
