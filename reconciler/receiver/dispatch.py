"""When ``cjrec receive --dispatch`` starts the drift job: after messages arrive, at most once an interval.

The receiver's ASGI app calls :meth:`Dispatcher.noted` for every *new* message of a type the
drift job acts on (PRODUCT, VARIANT, STOCK, SOURCINGCREATE; a duplicate or an ORDER starts
nothing). That only counts, under a lock, so the 200 to CJ never waits on GitHub or GitLab.
:meth:`Dispatcher.tick`, called by :class:`DispatchLoop` on its own thread (or by a test,
with a fake clock), starts the job when:

- messages are waiting, the first of them for :attr:`Dispatcher.settle_s` (CJ sends a
  change's PRODUCT and VARIANT messages in a row: one job reads them all), and
- the last attempt, accepted or not, is at least :attr:`Dispatcher.interval_s` ago
  (default 300 s: at most one job every 5 minutes).

A failed call is logged (never the token: the trigger's errors do not hold it) and the
messages stay waiting, so the next interval tries again. The messages themselves are in the
event log already: a trigger that never succeeds delays the drift job (the daily schedule
still runs it), it loses nothing. At start-up, messages already pending in the log count as
waiting, so a receiver restarted after a failed dispatch still starts the job.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from reconciler.adapters.clock import Clock
from reconciler.adapters.pipeline_trigger import PipelineTrigger
from reconciler.errors import CjrecError

DEFAULT_INTERVAL_S = 300
SETTLE_S = 10.0
# the types the drift job acts on (plan and apply read them as hints); others are stored and counted only
ACTED_ON = frozenset({"PRODUCT", "VARIANT", "STOCK", "SOURCINGCREATE"})

log = logging.getLogger("cjrec.receiver.dispatch")


@dataclass
class DispatchCounts:
    """What the dispatcher did, for tests, figures and the log."""

    noted: int = 0
    accepted: int = 0
    failed: int = 0


class Dispatcher:
    """Counts the messages waiting for a drift job, and starts one when it is due."""

    def __init__(
        self,
        *,
        trigger: PipelineTrigger,
        clock: Clock,
        interval_s: float = DEFAULT_INTERVAL_S,
        settle_s: float = SETTLE_S,
    ) -> None:
        self.trigger = trigger
        self.clock = clock
        self.interval_s = interval_s
        self.settle_s = min(settle_s, interval_s)
        self.counts = DispatchCounts()
        self._lock = threading.Lock()
        self._waiting = 0
        self._first_at: float | None = None
        self._last_attempt: float | None = None

    def noted(self, count: int = 1) -> None:
        """``count`` new messages the drift job acts on were stored (cheap: the app calls it before its 200)."""
        if count <= 0:
            return
        with self._lock:
            self._waiting += count
            self.counts.noted += count
            if self._first_at is None:
                self._first_at = self.clock.monotonic()

    @property
    def waiting(self) -> int:
        """Messages noted and not yet covered by an accepted trigger."""
        with self._lock:
            return self._waiting

    def due_in(self) -> float | None:
        """Seconds until :meth:`tick` would start the job (0: now), None when nothing waits."""
        with self._lock:
            if self._first_at is None:
                return None
            now = self.clock.monotonic()
            ready = self._first_at + self.settle_s
            if self._last_attempt is not None:
                ready = max(ready, self._last_attempt + self.interval_s)
            return max(0.0, ready - now)

    def tick(self) -> bool:
        """Start the drift job if it is due; True when the service accepted it."""
        due = self.due_in()
        if due is None or due > 0:
            return False
        with self._lock:
            sending = self._waiting
            self._last_attempt = self.clock.monotonic()
        try:
            self.trigger.start(messages=sending)
        except CjrecError as exc:
            self.counts.failed += 1
            log.warning(
                "could not start the drift job (%s): %s; %d message(s) wait, next try in %g s",
                self.trigger.display,
                exc.message,
                sending,
                self.interval_s,
            )
            return False
        with self._lock:
            self._waiting -= sending  # messages noted during the call wait for the next interval
            self._first_at = None if self._waiting == 0 else self.clock.monotonic()
            self.counts.accepted += 1
        log.info("started the drift job (%s) for %d message(s)", self.trigger.display, sending)
        return True


class DispatchLoop:
    """Ticks a dispatcher on a background thread until stopped: ``with DispatchLoop(d): server.run()``."""

    def __init__(self, dispatcher: Dispatcher, *, poll_s: float = 1.0) -> None:
        self.dispatcher = dispatcher
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cjrec-dispatch", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.dispatcher.tick()
            except Exception:  # a bug must not end the loop: the next tick tries again
                log.exception("the dispatch loop failed; it goes on")
            due = self.dispatcher.due_in()
            self._stop.wait(self.poll_s if due is None else min(max(due, 0.05), self.poll_s))

    def __enter__(self) -> DispatchLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(15)
