"""Apply webhook changes: set callback topics and change product event subscriptions.

The executor for ``webhook.<topic>`` and ``webhook.subscriptions`` (contract in
``kinds/executing.py``). A topic is set with one ``webhook/set`` call and recorded; the
subscriptions change in batches of at most ``SUBSCRIPTION_BATCH`` pids a call, the state
written after each batch, so an interrupted run resumes from what CJ already has. Calls run
one at a time, after the products (a subscription names managed products). Forgetting
only records: CJ keeps the setting.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Protocol

from reconciler.errors import CancelledError, CjrecError
from reconciler.kinds.executing import Run
from reconciler.kinds.webhook.model import SUBSCRIPTIONS_ADDRESS, subscription_delta
from reconciler.kinds.webhook.record import WebhookRecord, webhooks_of, with_webhooks
from reconciler.models.cj_limits import SUBSCRIPTION_BATCH
from reconciler.models.desired import WebhookSetting
from reconciler.models.plan import Action, Change
from reconciler.models.state import SyncState


class WebhookWriter(Protocol):
    """The webhook calls: set topics, change product event subscriptions (at most 100 pids a call)."""

    def set_webhooks(self, settings: dict[str, WebhookSetting]) -> None: ...

    def subscribe_products(self, pids: list[str]) -> None: ...

    def unsubscribe_products(self, pids: list[str]) -> None: ...


class WebhookExecutor:
    """Sets topics and subscriptions at CJ and records webhook changes."""

    kind = "webhook"

    def __init__(self, writer: WebhookWriter) -> None:
        self.writer = writer

    def record(self, state: SyncState, change: Change) -> SyncState:
        record = _hooks_of(state)
        if change.address == SUBSCRIPTIONS_ADDRESS:
            pids = tuple(sorted((change.after or {}).get("subscribed", [])))
            return _normalised(state, WebhookRecord(record.topics, pids))
        topics = {k: v for k, v in record.topics.items() if k != change.name}
        if change.action is not Action.FORGET and change.after is not None:
            topics[change.name] = {"enabled": bool(change.after["enabled"]), "url": change.after.get("url")}
        return _normalised(state, WebhookRecord(topics, record.subscriptions))

    def execute(self, changes: Sequence[Change], run: Run) -> None:
        for change in changes:
            if run.stop.is_set():
                break
            run.begin(change)
            self._one(change, run)

    def _one(self, change: Change, run: Run) -> None:
        """Set one topic, or change subscriptions batch by batch, recording after each call."""
        try:
            if change.address != SUBSCRIPTIONS_ADDRESS:
                after = change.after or {}
                self.writer.set_webhooks({change.name: WebhookSetting(bool(after["enabled"]), after.get("url"))})
                run.save(lambda state: self.record(state, change))
            else:
                subscribe, unsubscribe = subscription_delta(change)
                for batch in _batches(subscribe):
                    self.writer.subscribe_products(batch)
                    run.save(functools.partial(_subscribed, add=batch))
                for batch in _batches(unsubscribe):
                    self.writer.unsubscribe_products(batch)
                    run.save(functools.partial(_subscribed, remove=batch))
                run.save(lambda state: self.record(state, change))
        except CancelledError:
            return
        except CjrecError as exc:
            run.failed(change, exc)
            return
        run.succeeded(change)


def _batches(pids: list[str]) -> list[list[str]]:
    return [pids[i : i + SUBSCRIPTION_BATCH] for i in range(0, len(pids), SUBSCRIPTION_BATCH)]


def _hooks_of(state: SyncState) -> WebhookRecord:
    return webhooks_of(state) or WebhookRecord(topics={}, subscriptions=())


def _normalised(state: SyncState, record: WebhookRecord) -> SyncState:
    empty = not record.topics and not record.subscriptions
    return with_webhooks(state, None if empty else record)


def _subscribed(state: SyncState, *, add: Sequence[str] = (), remove: Sequence[str] = ()) -> SyncState:
    record = _hooks_of(state)
    pids = (set(record.subscriptions) | set(add)) - set(remove)
    return _normalised(state, WebhookRecord(record.topics, tuple(sorted(pids))))
