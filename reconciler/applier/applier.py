"""Carry out a plan: record the local changes, then let each kind's executor make its calls.

The core only iterates; what a change means is its kind's executor's business (one per
kind, ``reconciler/kinds/<kind>/apply.py``, contract in ``kinds/executing.py``), built from the
registry in plan order, the order their calls run, by :func:`executors`. Changes that need no call to CJ (adopt,
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
from typing import TYPE_CHECKING, Any

from reconciler.errors import CjrecError, stops_further_calls
from reconciler.kinds.contract import ApplyDeps
from reconciler.kinds.executing import ApplyHooks, ApplyResult, Executor, Run, SilentHooks, StateWriter
from reconciler.kinds.registry import kinds
from reconciler.models.desired import Settings
from reconciler.models.plan import Change, Plan
from reconciler.models.state import SyncState

if TYPE_CHECKING:
    from reconciler.kinds.store.platform import StoreClients

__all__ = [
    "Applier",
    "ApplyHooks",
    "ApplyResult",
    "SilentHooks",
    "StateWriter",
    "executors",
    "record_change",
]


def executors(
    client: Any,
    *,
    uploader: Any = None,
    settings: Settings | None = None,
    now: Callable[[], datetime] | None = None,
    stores: StoreClients | None = None,
    saved_plan: bool = False,
) -> tuple[Executor, ...]:
    """One executor per kind that has one, in plan order (the order their calls run). ``client``
    makes the calls (each kind declares the Protocol of those it needs); ``now`` is the clock a
    kind counts daily limits by; ``stores`` the clients of the declared stores by name;
    ``saved_plan`` when the plan was saved earlier (kinds check what they see has not moved)."""
    deps = ApplyDeps(
        client=client,
        uploader=uploader,
        settings=settings or Settings(),
        now=now,
        stores=stores or {},
        saved_plan=saved_plan,
    )
    return tuple(kind.executor(deps) for kind in kinds() if kind.executor is not None)


class _NoCalls:
    """A client for recording only (:func:`record_change`): any call is a bug."""

    def __getattr__(self, name: str) -> object:
        raise ValueError(f"recording a change must not call CJ ({name})")


def record_change(state: SyncState, change: Change) -> SyncState:
    """The state after ``change``, as a successful apply records it (no call made)."""
    recorders = {executor.kind: executor for executor in executors(_NoCalls(), uploader=_NoCalls())}
    return _executor_for(recorders, change).record(state, change)


class Applier:
    """Applies plans for one account and one state store."""

    def __init__(
        self,
        *,
        client: Any,
        store: StateWriter,
        qps: float,
        hooks: ApplyHooks | None = None,
        stop: threading.Event | None = None,
        fatal: Callable[[CjrecError], bool] | None = None,
        settings: Settings | None = None,
        now: Callable[[], datetime] | None = None,
        uploader: Any = None,
        stores: StoreClients | None = None,
        saved_plan: bool = False,
    ) -> None:
        self.executors = executors(
            client, uploader=uploader, settings=settings, now=now, stores=stores or {}, saved_plan=saved_plan
        )
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
