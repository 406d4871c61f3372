"""Apply webhook changes: set callback topics and change product event subscriptions.

The executor for ``webhook.<topic>`` and ``webhook.subscriptions`` (contract in
``kinds/executing.py``). A topic is set with one ``webhook/set`` call and recorded; the
subscriptions change in batches of at most ``SUBSCRIPTION_BATCH`` pids a call, the state
written after each batch, so an interrupted run resumes from what CJ already has. Calls run
one at a time, after the products (a subscription names managed products). Forgetting
only records: CJ keeps the setting. A ``{receiver: …}`` callback is planned and recorded
masked; only the ``webhook/set`` call gets it whole, with Settings ``receiverToken``.
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
from reconciler.models.receiver_url import NOT_DECRYPTED, is_masked, unmask
from reconciler.models.secret import Secret
from reconciler.models.state import SyncState


class WebhookWriter(Protocol):
    """The webhook calls: set topics, change product event subscriptions (at most 100 pids a call)."""

    def set_webhooks(self, settings: dict[str, WebhookSetting]) -> None: ...

    def subscribe_products(self, pids: list[str]) -> None: ...

    def unsubscribe_products(self, pids: list[str]) -> None: ...


class WebhookExecutor:
    """Sets topics and subscriptions at CJ and records webhook changes."""

    kind = "webhook"

    def __init__(self, writer: WebhookWriter, *, receiver_token: Secret | None = None) -> None:
        self.writer = writer
        self.receiver_token = receiver_token  # Settings receiverToken: unmasks a {receiver: …} callback at the call

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
                url = self._callback(after.get("url"))
                self.writer.set_webhooks({change.name: WebhookSetting(bool(after["enabled"]), url)})
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

    def _callback(self, url: str | None) -> str | None:
        """The URL CJ gets: a masked receiver callback made whole with the token, any other URL as it is."""
        if url is None or not (is_masked(url) or url.endswith(NOT_DECRYPTED)):
            return url
        real = None if self.receiver_token is None else unmask(url, self.receiver_token)
        if real is None:
            raise CjrecError(
                f"the receiver callback {url} was planned with a receiverToken this run cannot open "
                "(not decrypted, or changed since the plan)",
                hint="make the sops key available and run `cjrec plan` again, then apply that plan",
            )
        return real


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
