"""How store listings read in plans and in ``cjrec state list|show``: ``store.<store>/product.<pid>``
with the product's title and its variant count; the verb says what happens in the store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.kinds.store.record import SECTIONS
from reconciler.kinds.wording import Description, short
from reconciler.models.plan import Action, Change


class StoreDescription(Description):
    def summary_of(self, record: Mapping[str, Any] | None) -> str:
        if not record:
            return ""
        count = len(record.get("variants") or {})
        title = record.get("title")
        head = f"{short(title)}, " if title else ""
        return f"{head}{count} variant(s), {short(record.get('status'))}"

    def verb(self, change: Change) -> str:
        if change.action is Action.CREATE:
            return "publish"
        if change.action is Action.FORGET:
            return "delete"
        if (change.after or {}).get("removed"):
            return "archive" if (change.after or {}).get("status") == "archived" else "draft"
        return "update"

    def field_diff(self, change: Change) -> bool:
        return False  # the reason names each price old -> new


def description(kind: str) -> StoreDescription:
    return StoreDescription(kind, SECTIONS)
