"""The webhook kind's record in the state: the topics cjrec set and the product event subscriptions
it made; the ``webhooks`` section of ``state/sync.json`` (one record, or null) and its codec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.kinds.contract import Section
from reconciler.models.state import SyncState

SECTION = "webhooks"


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    """The webhook topics cjrec set, and the product event subscriptions it made."""

    topics: dict[str, dict[str, Any]]  # topic -> {"enabled": bool, "url": str | None}
    subscriptions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "topics": {t: {"enabled": bool(v["enabled"]), "url": v.get("url")} for t, v in sorted(self.topics.items())},
            "subscriptions": sorted(self.subscriptions),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebhookRecord:
        topics = {str(t): {"enabled": bool(v["enabled"]), "url": v.get("url")} for t, v in dict(data["topics"]).items()}
        return cls(topics=topics, subscriptions=tuple(sorted(str(p) for p in data["subscriptions"])))


def webhooks_of(state: SyncState) -> WebhookRecord | None:
    """The webhook record, when cjrec has set webhooks."""
    found = state.section(SECTION)
    return found if isinstance(found, WebhookRecord) else None


def with_webhooks(state: SyncState, record: WebhookRecord | None) -> SyncState:
    return state.with_section(SECTION, record)


def _decode(data: Any) -> WebhookRecord | None:
    return WebhookRecord.from_dict(data) if data else None


def _encode(record: WebhookRecord | None) -> dict[str, Any] | None:
    return record.to_dict() if record else None


SECTIONS = (Section(SECTION, _decode, _encode, position=30, always=True),)
