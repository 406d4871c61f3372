"""Carry out a plan: record the local changes, add products at CJ, save state after each one.

The applier branches on each change's Action alone. Changes that need no call to CJ
(adopt, update, forget, logos) are recorded first, in one state write. Adds then run on a
few threads under the client's rate limiter, and the state is written after **every**
successful add, so a crash or a kill loses at most the call in flight; the next run adopts
it from My Products instead of adding it twice. A fatal answer (points exhausted, refused
credentials, …) or an interruption stops new calls; running calls finish and are recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from reconciler.applier.workers import run_bounded, worker_count
from reconciler.errors import CancelledError, CjrecError, ProductUnavailableError
from reconciler.models.desired import WebhookSetting
from reconciler.models.plan import SUBSCRIPTION_BATCH, SUBSCRIPTIONS_ADDRESS, Action, Change, Plan
from reconciler.models.state import LogoRecord, ProductRecord, SyncState, WebhookRecord


class ProductAdder(Protocol):
    """The one mutating call cjrec makes."""

    def add_to_my_products(self, pid: str) -> bool: ...


class WebhookWriter(Protocol):
    """The webhook calls: set topics, change product event subscriptions (at most 100 pids a call)."""

    def set_webhooks(self, settings: dict[str, WebhookSetting]) -> None: ...

    def subscribe_products(self, pids: list[str]) -> None: ...

    def unsubscribe_products(self, pids: list[str]) -> None: ...


class StateWriter(Protocol):
    """Persists the state; returns it with the serial it was given."""

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState: ...


class ApplyHooks(Protocol):
    """Progress callbacks the CLI implements (the engine never prints)."""

    def started(self, total: int) -> None: ...

    def change_done(self, change: Change, error: CjrecError | None) -> None: ...


class SilentHooks:
    """Hooks that do nothing (tests, JSON output)."""

    def started(self, total: int) -> None:
        return None

    def change_done(self, change: Change, error: CjrecError | None) -> None:
        return None


@dataclass
class ApplyResult:
    """What an apply did."""

    state: SyncState
    done: list[Change] = field(default_factory=list)
    failed: list[tuple[Change, CjrecError]] = field(default_factory=list)
    not_started: list[Change] = field(default_factory=list)
    interrupted: bool = False
    fatal: CjrecError | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_started and not self.interrupted


class Applier:
    """Applies plans for one account and one state store."""

    def __init__(
        self,
        *,
        adder: ProductAdder,
        store: StateWriter,
        webhooks: WebhookWriter | None = None,
        qps: float,
        hooks: ApplyHooks | None = None,
        stop: threading.Event | None = None,
        fatal: Callable[[CjrecError], bool] | None = None,
    ) -> None:
        self.adder = adder
        self.store = store
        self.webhooks = webhooks
        self.qps = qps
        self.hooks = hooks or SilentHooks()
        self.stop = stop or threading.Event()
        self.is_fatal = fatal or _fatal
        self._lock = threading.Lock()

    def apply(self, plan: Plan, state: SyncState) -> ApplyResult:
        """Apply ``plan`` to ``state`` (the state it was planned against, or a fresh one)."""
        self.hooks.started(len(plan.changes))
        local = [c for c in plan.changes if not c.calls_cj]
        remote = [c for c in plan.changes if c.calls_cj and c.kind == "product"]
        hooks = [c for c in plan.changes if c.calls_cj and c.kind == "webhook"]
        current = state
        for change in local:
            current = _record(current, change)
        current = self.store.write(current, previous=state) if local else current
        result = ApplyResult(state=current)
        for change in local:
            result.done.append(change)
            self.hooks.change_done(change, None)
        started: set[str] = set()

        def add(change: Change) -> None:
            with self._lock:
                started.add(change.address)
            try:
                self.adder.add_to_my_products(change.name)
            except CancelledError:
                with self._lock:
                    started.discard(change.address)
                return
            except CjrecError as exc:
                with self._lock:
                    result.failed.append((change, exc))
                    if self.is_fatal(exc) and result.fatal is None:
                        result.fatal = exc
                        self.stop.set()
                self.hooks.change_done(change, exc)
                return
            with self._lock:
                previous = result.state
                result.state = self.store.write(_record(previous, change), previous=previous)
                result.done.append(change)
            self.hooks.change_done(change, None)

        try:
            run_bounded(remote, add, workers=worker_count(self.qps, len(remote)), stop=self.stop)
        except KeyboardInterrupt:
            result.interrupted = True
        if not result.interrupted:
            try:
                for change in hooks:
                    if self.stop.is_set():
                        break
                    started.add(change.address)
                    self._webhook(change, result)
            except KeyboardInterrupt:
                result.interrupted = True
        result.not_started = [c for c in [*remote, *hooks] if c.address not in started]
        return result

    def _webhook(self, change: Change, result: ApplyResult) -> None:
        """Set one topic, or change subscriptions batch by batch, recording after each call."""
        if self.webhooks is None:
            raise ValueError("this applier was built without a webhook client")
        try:
            if change.address != SUBSCRIPTIONS_ADDRESS:
                after = change.after or {}
                self.webhooks.set_webhooks({change.name: WebhookSetting(bool(after["enabled"]), after.get("url"))})
                result.state = self.store.write(_record(result.state, change), previous=result.state)
            else:
                subscribe, unsubscribe = change.subscription_delta()
                for batch in _batches(subscribe):
                    self.webhooks.subscribe_products(batch)
                    result.state = self.store.write(_subscribed(result.state, add=batch), previous=result.state)
                for batch in _batches(unsubscribe):
                    self.webhooks.unsubscribe_products(batch)
                    result.state = self.store.write(_subscribed(result.state, remove=batch), previous=result.state)
                result.state = self.store.write(_record(result.state, change), previous=result.state)
        except CancelledError:
            return
        except CjrecError as exc:
            result.failed.append((change, exc))
            self.hooks.change_done(change, exc)
            if self.is_fatal(exc):
                result.fatal = result.fatal or exc
                self.stop.set()
            return
        result.done.append(change)
        self.hooks.change_done(change, None)


def _batches(pids: list[str]) -> list[list[str]]:
    return [pids[i : i + SUBSCRIPTION_BATCH] for i in range(0, len(pids), SUBSCRIPTION_BATCH)]


def _hooks_of(state: SyncState) -> WebhookRecord:
    return state.webhooks or WebhookRecord(topics={}, subscriptions=())


def _normalised(state: SyncState, record: WebhookRecord) -> SyncState:
    empty = not record.topics and not record.subscriptions
    return state.with_webhooks(None if empty else record)


def _subscribed(state: SyncState, *, add: Sequence[str] = (), remove: Sequence[str] = ()) -> SyncState:
    record = _hooks_of(state)
    pids = (set(record.subscriptions) | set(add)) - set(remove)
    return _normalised(state, WebhookRecord(record.topics, tuple(sorted(pids))))


def _record(state: SyncState, change: Change) -> SyncState:
    """The state after ``change``."""
    kind, name = change.kind, change.name
    if kind == "webhook":
        record = _hooks_of(state)
        if change.address == SUBSCRIPTIONS_ADDRESS:
            pids = tuple(sorted((change.after or {}).get("subscribed", [])))
            return _normalised(state, WebhookRecord(record.topics, pids))
        topics = {k: v for k, v in record.topics.items() if k != name}
        if change.action is not Action.FORGET and change.after is not None:
            topics[name] = {"enabled": bool(change.after["enabled"]), "url": change.after.get("url")}
        return _normalised(state, WebhookRecord(topics, record.subscriptions))
    if change.action is Action.FORGET:
        return state.without_product(name) if kind == "product" else state.without_logo(name)
    if change.after is None:
        raise ValueError(f"{change.address}: a {change.action.value} change needs an `after` record")
    if kind == "product":
        return state.with_product(ProductRecord.from_dict(name, change.after))
    return state.with_logo(LogoRecord.from_dict(name, change.after))


def _fatal(error: CjrecError) -> bool:
    """Errors that make further calls pointless: everything but a product CJ refuses."""
    return not isinstance(error, ProductUnavailableError)
