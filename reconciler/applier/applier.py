"""Carry out a plan: record the local changes, then let each kind's executor make its calls.

The core only iterates; what a change means is its kind's executor's business (one per
kind, ``applier/<kind>.py``, contract in ``applier/executor.py``), listed once, in the
order their calls run, by :func:`executors`. Changes that need no call to CJ (adopt,
update, forget, logos already hosted) are recorded first, in one state write. Then each executor carries
out its kind's calls, saving the state after every successful one (``cjrec apply`` writes
those checkpoints on their own thread, ``applier/checkpoints.py``), so a crash or a kill
loses at most the calls since the last checkpoint, which the next plan adopts. A fatal answer (points exhausted, refused credentials,
…) or an interruption stops new calls; running calls finish and are recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Protocol, cast

from reconciler.applier.executor import ApplyHooks, ApplyResult, Executor, Run, SilentHooks, StateWriter
from reconciler.applier.logos import LogoExecutor, LogoUploader
from reconciler.applier.markets import MarketExecutor
from reconciler.applier.products import ProductAdder, ProductExecutor
from reconciler.applier.sourcing import SourcingExecutor, SourcingFiler
from reconciler.applier.webhooks import WebhookExecutor, WebhookWriter
from reconciler.errors import CjrecError, stops_further_calls
from reconciler.models.desired import DEFAULT_SOURCING_PER_DAY
from reconciler.models.plan import Change, Plan
from reconciler.models.state import SyncState

__all__ = [
    "Applier",
    "ApplyHooks",
    "ApplyResult",
    "CjWriter",
    "SilentHooks",
    "StateWriter",
    "executors",
    "record_change",
]


class CjWriter(ProductAdder, WebhookWriter, SourcingFiler, Protocol):
    """Every call apply makes: the union of the executors' clients."""


def executors(
    client: CjWriter,
    *,
    uploader: LogoUploader | None = None,
    sourcing_per_day: int = DEFAULT_SOURCING_PER_DAY,
    now: Callable[[], datetime] | None = None,
) -> tuple[Executor, ...]:
    """One executor per kind, in the order their calls run: logos are uploaded before the
    products that print them are added; sourcing requests are filed early (they are quick and
    limited per day); products are added before webhooks subscribe to them. ``now`` is the
    clock sourcing counts its daily limit by."""
    sourcing = (
        SourcingExecutor(client, per_day=sourcing_per_day, now=now)
        if now
        else SourcingExecutor(client, per_day=sourcing_per_day)
    )
    return (LogoExecutor(uploader), sourcing, ProductExecutor(client), MarketExecutor(), WebhookExecutor(client))


class _NoCalls:
    """A client for recording only (:func:`record_change`): any call is a bug."""

    def __getattr__(self, name: str) -> object:
        raise ValueError(f"recording a change must not call CJ ({name})")


def record_change(state: SyncState, change: Change) -> SyncState:
    """The state after ``change``, as a successful apply records it (no call made)."""
    return _executor_for(_RECORDERS, change).record(state, change)


_RECORDERS = {executor.kind: executor for executor in executors(cast(CjWriter, _NoCalls()))}


class Applier:
    """Applies plans for one account and one state store."""

    def __init__(
        self,
        *,
        client: CjWriter,
        store: StateWriter,
        qps: float,
        hooks: ApplyHooks | None = None,
        stop: threading.Event | None = None,
        fatal: Callable[[CjrecError], bool] | None = None,
        sourcing_per_day: int = DEFAULT_SOURCING_PER_DAY,
        now: Callable[[], datetime] | None = None,
        uploader: LogoUploader | None = None,
    ) -> None:
        self.executors = executors(client, uploader=uploader, sourcing_per_day=sourcing_per_day, now=now)
        self.store = store
        self.qps = qps
        self.hooks = hooks or SilentHooks()
        self.stop = stop or threading.Event()
        self.is_fatal = fatal or stops_further_calls

    def apply(self, plan: Plan, state: SyncState) -> ApplyResult:
        """Apply ``plan`` to ``state`` (the state it was planned against, or a fresh one)."""
        by_kind = {executor.kind: executor for executor in self.executors}
        for change in plan.changes:
            _executor_for(by_kind, change)  # refuse a plan with a kind this cjrec cannot apply, before anything
        self.hooks.started(len(plan.changes))
        local = [c for c in plan.changes if not c.calls_out]
        current = state
        for change in local:
            current = by_kind[change.kind].record(current, change)
        current = self.store.write(current, previous=state) if local else current
        result = ApplyResult(state=current)
        for change in local:
            result.done.append(change)
            self.hooks.change_done(change, None)
        run = Run(
            result=result, store=self.store, hooks=self.hooks, stop=self.stop, is_fatal=self.is_fatal, qps=self.qps
        )
        remote: list[Change] = []
        for executor in self.executors:
            mine = [c for c in plan.changes if c.calls_out and c.kind == executor.kind]
            remote += mine
            if not mine or result.interrupted:
                continue
            try:
                executor.execute(mine, run)
            except KeyboardInterrupt:
                result.interrupted = True
        result.not_started = [c for c in remote if c.address not in run.started]
        return result


def _executor_for(by_kind: dict[str, Executor], change: Change) -> Executor:
    executor = by_kind.get(change.kind)
    if executor is None:
        raise CjrecError(
            f"{change.address}: this cjrec cannot apply a {change.kind!r} change",
            hint="apply the plan with the cjrec version that made it, or plan again",
        )
    return executor
