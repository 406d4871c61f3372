"""What the webhook kind reads from CJ before planning: the callback settings (when a Webhooks
document exists or topics were recorded) and the product subscriptions (when cjrec manages them
or did). Both free; stage 1 of the observe phase, together with the product reads. A callback
that holds the receiver's token is masked as soon as it is read (``models/receiver_url.py``).
"""

from __future__ import annotations

from typing import Protocol

from reconciler.kinds.contract import ReadBatch, ReadContext, Reads
from reconciler.kinds.webhook.model import CallbacksSeen
from reconciler.kinds.webhook.plan import needs_settings, needs_subscriptions
from reconciler.models.desired import WebhookSetting
from reconciler.models.receiver_url import masked_live_url
from reconciler.models.secret import Secret


class CallbackReader(Protocol):
    """The webhook reads a plan makes."""

    def webhook_settings(self) -> dict[str, WebhookSetting]: ...

    def product_subscriptions(self) -> frozenset[str]: ...


def _prepare(context: ReadContext) -> ReadBatch | None:
    reader: CallbackReader = context.reader
    settings: list[dict[str, WebhookSetting]] = []  # filled by the one read of each, when asked
    subscribed: list[frozenset[str]] = []
    tasks = []
    token = context.desired.settings.receiver_token
    if needs_settings(context.desired, context.state):
        tasks.append(lambda: settings.append(_masked(reader.webhook_settings(), token)))
    if needs_subscriptions(context.desired, context.state):
        tasks.append(lambda: subscribed.append(reader.product_subscriptions()))
    if not tasks:
        return None
    return ReadBatch(
        tasks=tasks,
        result=lambda: CallbacksSeen(settings[0] if settings else None, subscribed[0] if subscribed else None),
    )


def _masked(settings: dict[str, WebhookSetting], token: Secret | None) -> dict[str, WebhookSetting]:
    """CJ's callbacks with the receiver's token masked, before anything can show or store them."""
    return {
        topic: WebhookSetting(setting.enabled, masked_live_url(setting.url, token))
        for topic, setting in settings.items()
    }


READS = Reads(stage=1, prepare=_prepare)
