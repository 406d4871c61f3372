"""The contract between the applier core and the one executor per kind of resource.

Each kind of resource has its executor in ``reconciler/kinds/<kind>/apply.py``: a class with

- ``kind``: the address prefix of the changes it handles (``product`` handles
  ``product.<pid>``), the same prefix its planner module writes;
- ``record(state, change) -> SyncState``: the state once ``change`` is done, with no call
  to CJ. The core records every change that calls nothing this way, all in one write;
- ``execute(changes, run)``: carry out the changes that call out (``change.calls_out``, from
  the cost and upload rules the kind registers), in plan order. For each one it calls
  :meth:`Run.begin` before the call, then :meth:`Run.save` with the new state right after
  each successful call (so a crash loses at most the call in flight) and
  :meth:`Run.succeeded`, or :meth:`Run.failed`. It starts nothing once ``run.stop`` is
  set, and lets a KeyboardInterrupt through (the core records it). A kind that never calls
  CJ raises ValueError there.

The kind's ``executor`` factory builds it from :class:`~reconciler.kinds.contract.ApplyDeps`
(its client is a Protocol of just the calls it makes); :func:`reconciler.applier.applier.executors`
builds them all from the registry, in the order their calls run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from reconciler.errors import CjrecError
from reconciler.models.plan import Change
from reconciler.models.state import SyncState


class StateWriter(Protocol):
    """Persists the state; returns it with the serial it was given."""

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState: ...


@runtime_checkable
class DeferredWriter(Protocol):
    """A StateWriter whose ``write`` may return before the state is stored (background checkpoints)."""

    def flush(self) -> None:
        """Return once everything written so far is stored; raise the CjrecError of a write that failed."""
        ...


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
    deferred: list[tuple[Change, str]] = field(default_factory=list)  # left planned on purpose (a daily limit), why
    interrupted: bool = False
    fatal: CjrecError | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_started and not self.interrupted


class Run:
    """One apply in progress, shared by the core and the executors (thread-safe).

    Holds the result (with the latest state written), the state store, the progress hooks,
    the stop event and the account's qps (for executors that run calls on a few threads).
    """

    def __init__(
        self,
        *,
        result: ApplyResult,
        store: StateWriter,
        hooks: ApplyHooks,
        stop: threading.Event,
        is_fatal: Callable[[CjrecError], bool],
        qps: float,
    ) -> None:
        self.result = result
        self.store = store
        self.hooks = hooks
        self.stop = stop
        self.is_fatal = is_fatal
        self.qps = qps
        self.started: set[str] = set()
        self._lock = threading.Lock()

    def begin(self, change: Change) -> None:
        """``change``'s call is about to be made (a change never begun is reported as not started)."""
        with self._lock:
            self.started.add(change.address)

    def withdraw(self, change: Change) -> None:
        """The call was cancelled before CJ saw it: report ``change`` as not started."""
        with self._lock:
            self.started.discard(change.address)

    def save(self, update: Callable[[SyncState], SyncState], *, durable: bool = False) -> None:
        """Record ``update(latest state)``, so a crash after the call loses nothing.

        A checkpoint may be written in the background (a later apply adopts what a kill lost).
        ``durable``: return only once it is stored — for a record that must exist before a
        call CJ cannot deduplicate (a sourcing request's intent).
        """
        with self._lock:
            previous = self.result.state
            self.result.state = self.store.write(update(previous), previous=previous)
        if durable and isinstance(self.store, DeferredWriter):
            self.store.flush()

    def succeeded(self, change: Change) -> None:
        with self._lock:
            self.result.done.append(change)
        self.hooks.change_done(change, None)

    def defer(self, change: Change, why: str) -> None:
        """Leave ``change`` planned for a later run on purpose (CJ's daily limit): neither done nor failed."""
        with self._lock:
            self.started.add(change.address)
            self.result.deferred.append((change, why))

    def failed(self, change: Change, error: CjrecError) -> None:
        """Record the failure; a fatal one stops every further call."""
        with self._lock:
            self.result.failed.append((change, error))
            if self.is_fatal(error) and self.result.fatal is None:
                self.result.fatal = error
                self.stop.set()
        self.hooks.change_done(change, error)


class Executor(Protocol):
    """What the applier core needs of each kind (see the module docstring)."""

    kind: str

    def record(self, state: SyncState, change: Change) -> SyncState: ...

    def execute(self, changes: Sequence[Change], run: Run) -> None: ...
