"""How webhooks read in plans and in ``cjrec state list|show``: ``on -> https://…`` for a topic
(``webhook.<topic>``), the subscription counts and their cost for ``webhook.subscriptions``.
"""

from __future__ import annotations

from typing import Any

from reconciler.kinds.webhook.model import SUBSCRIPTIONS_ADDRESS, apply_cost, subscription_delta
from reconciler.kinds.webhook.record import SECTION, SECTIONS, WebhookRecord, webhooks_of
from reconciler.kinds.wording import Description, short
from reconciler.models.plan import Change
from reconciler.models.state import SyncState

SUBSCRIPTIONS = SUBSCRIPTIONS_ADDRESS.partition(".")[2]


def summarise_webhook(change: Change) -> str:
    """``on -> https://…`` for a topic; the subscription counts and their cost for subscriptions."""
    if change.address == SUBSCRIPTIONS_ADDRESS:
        subscribe, unsubscribe = subscription_delta(change)
        total = len((change.after or change.before or {}).get("subscribed", []))
        calls, points = apply_cost(change)
        return f"{total} product(s) subscribed; +{len(subscribe)} -{len(unsubscribe)} ({calls} calls, {points} points)"
    record = change.after if change.after is not None else change.before
    return _topic(record)


def _topic(record: dict[str, Any] | None) -> str:
    if not record:
        return ""
    return f"on -> {short(record.get('url'))}" if record.get("enabled") else "off"


class WebhookDescription(Description):
    def summary(self, change: Change) -> str:
        return summarise_webhook(change)

    def entries(self, state: SyncState) -> list[tuple[str, dict[str, Any], str]]:
        record = webhooks_of(state)
        if record is None:
            return []
        data = record.to_dict()
        out = [(f"{self.kind}.{topic}", setting, _topic(setting)) for topic, setting in data["topics"].items()]
        if record.subscriptions:
            count = len(record.subscriptions)
            out.append((SUBSCRIPTIONS_ADDRESS, {"subscribed": data["subscriptions"]}, f"{count} product(s) subscribed"))
        return out

    def forget(self, state: SyncState, address: str) -> SyncState | None:
        record = webhooks_of(state)
        _kind, _, name = address.partition(".")
        if record is None:
            return None
        if name == SUBSCRIPTIONS and record.subscriptions:
            kept = WebhookRecord(record.topics, ())
        elif name in record.topics:
            kept = WebhookRecord({t: v for t, v in record.topics.items() if t != name}, record.subscriptions)
        else:
            return None
        return state.with_section(SECTION, kept if kept.topics or kept.subscriptions else None)


def description(kind: str) -> WebhookDescription:
    return WebhookDescription(kind, SECTIONS)
