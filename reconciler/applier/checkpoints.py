"""State checkpoints written on their own thread, so writing the state never holds up calls to CJ.

Used by ``cjrec apply`` between the applier and the state store. The applier records each
successful call at once (``write``); this writer hands the newest state to a background
thread and returns. The thread writes it, then the newest one recorded meanwhile, and so
on: one write in flight at a time, the ones that piled up during it coalesced into the
next. A checkpoint of a big state, or to a bucket a round trip away, therefore never
stalls the workers waiting on the rate limiter, and a kill loses at most the calls since
the last checkpoint finished — which the next apply adopts from My Products instead of
making them twice. A record that must be stored before a call CJ cannot deduplicate (a
sourcing request's intent) is saved ``durable``: :meth:`flush` waits for it.

A write that fails (storage down after retries, or the state moved on because this run's
lock was forced away) is kept as :attr:`error` and stops the run: no new call starts and
no later write is attempted, so newer state is never overwritten.
"""

from __future__ import annotations

import threading
from types import TracebackType

from reconciler.errors import CjrecError
from reconciler.kinds.executing import StateWriter
from reconciler.models.state import SyncState


class BackgroundCheckpoints:
    """A :class:`StateWriter` that writes the latest state on a thread of its own (use as a context manager)."""

    def __init__(self, store: StateWriter, *, stop: threading.Event, written: SyncState | None) -> None:
        self.store = store
        self.stop = stop
        self.error: CjrecError | None = None
        self.writes = 0  # writes made to the store
        self._written = written  # the state as last written (with the serial the store gave it)
        self._pending: SyncState | None = None
        self._busy = False  # a write is in flight
        self._closing = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="cjrec-checkpoints", daemon=True)

    def __enter__(self) -> BackgroundCheckpoints:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @property
    def written(self) -> SyncState | None:
        """The state as last written to the store."""
        with self._changed:
            return self._written

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState:
        """Queue ``state`` as the newest checkpoint and return at once (the store assigns the serial)."""
        with self._changed:
            if self.error is None:
                self._pending = state
                self._changed.notify_all()
        return state

    def flush(self) -> None:
        """Return once every state queued so far is stored; raise the error of a write that failed."""
        with self._changed:
            while self.error is None and (self._pending is not None or self._busy):
                self._changed.wait()
            if self.error is not None:
                raise self.error

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._changed:
                while self._pending is None and not self._closing:
                    self._changed.wait()
                if self._pending is None:
                    return
                state, self._pending = self._pending, None
                previous = self._written
                self._busy = True
            try:
                written = self.store.write(state, previous=previous)
            except Exception as exc:  # noqa: BLE001 - any failure must stop the run and wake flush()
                with self._changed:
                    self.error = (
                        exc if isinstance(exc, CjrecError) else CjrecError(f"writing the state failed: {exc!r}")
                    )
                    self._pending = None
                    self._busy = False
                    self._changed.notify_all()
                self.stop.set()
                return
            with self._changed:
                self._written = written
                self.writes += 1
                self._busy = False
                self._changed.notify_all()
