"""The account-wide request pacer and the retry back-off policy.

One :class:`RateLimiter` per account is shared by every thread of a run. A request may
start ``1/qps`` after the previous one *actually* started: the gap is measured from real
release times, not from planned slots, so a thread that overslept on a loaded machine
pushes the next start back instead of squeezing two starts into CJ's one-second window.
Threads wait outside the lock, so several requests may be in flight at once. A small
safety margin absorbs the difference between our clock and CJ's. CJ counts its window on its
own clock, so a client at the limit sometimes trips it (the calls' delays on their way there
vary more than the margin allows): a lone 429 (none in the last :data:`LONE_429_S` seconds)
pushes the next start one interval away and widens the margin by :data:`DEFAULT_MARGIN` (up to
:data:`MAX_MARGIN`; it narrows again by as much every :data:`MARGIN_RELAX_S` without a 429),
keeping the pace. A 429 that follows another
one means the account really is over its rate (another process on it, a lower limit): the rate
is halved (multiplicative decrease) and then creeps back to the target (additive increase). Time and sleep come from an injected Clock, so tests never sleep.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from reconciler.adapters.clock import Clock

DEFAULT_MARGIN = 0.03
# A 429 with none in this many seconds before it is taken for CJ's clock catching a call at the
# edge of its window, not for a rate that is too high (an account really over its rate, e.g.
# shared with another client, meets 429s every few calls). Halving for each cost the slowest of
# 20 accounts at 2/s 3 to 6 s of a 25 s apply, from one or two 429s (BENCHMARKS.md §11).
LONE_429_S = 5.0
MAX_MARGIN = 0.15  # each lone 429 widens the margin by DEFAULT_MARGIN, up to this
MARGIN_RELAX_S = 60.0  # and each such stretch without a 429 narrows it by as much again


class RateLimiter:
    """Paces request starts to at most ``qps`` per second, slowing down after a 429."""

    def __init__(
        self,
        *,
        qps: float,
        clock: Clock,
        margin: float = DEFAULT_MARGIN,
        floor_fraction: float = 0.25,
        recovery_per_s: float = 0.05,
        assume_recent_call: bool = False,
    ) -> None:
        """``assume_recent_call``: pace the first request as if one had just started.

        A process cannot see the calls of the cjrec process that ran just before it on the same
        account (``plan --out`` then ``apply plan.json`` in CI start well within CJ's one-second
        window), so the CLI counts its own start as a call: the first request waits one interval.
        """
        self._clock = clock
        self._margin, self._floor_fraction, self._recovery_per_s = margin, floor_fraction, recovery_per_s
        self._base_margin = margin
        self._configure(qps)
        self._rate = self._target
        self._last_release = clock.monotonic() if assume_recent_call else float("-inf")
        self._last_adjust = clock.monotonic()
        self._last_penalty = float("-inf")
        self._margin_since = float("-inf")  # when the margin last widened or narrowed
        self._lock = threading.Lock()
        self.penalties = 0
        self.forgiven = 0  # lone 429s, which did not slow the pace

    def _configure(self, qps: float) -> None:
        if qps <= 0:
            raise ValueError("qps must be positive")
        self.qps = qps
        self._target = qps / (1.0 + self._margin)
        self._floor = qps * self._floor_fraction
        self._recovery = qps * self._recovery_per_s  # rate regained per second without a 429

    def set_qps(self, qps: float) -> None:
        """Pace at ``qps`` from now on (the account's limit became known); a slow-down after a 429 carries over."""
        with self._lock:
            slowed = self._rate < self._target
            self._configure(qps)
            self._rate = min(self._rate, self._target) if slowed else self._target

    @property
    def rate(self) -> float:
        """The current pace in requests per second."""
        return self._rate

    def acquire(self) -> float:
        """Wait until a request may start; return how long this call waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock.monotonic()
                self._recover(now)
                wait = self._last_release + 1.0 / self._rate - now
                if wait <= 0:
                    self._last_release = now
                    return waited
            self._clock.sleep(wait)
            waited += wait

    def started_at(self, moment: float) -> None:
        """Count the last start as made at ``moment`` at the latest (its answer came then: CJ saw it before)."""
        with self._lock:
            self._last_release = max(self._last_release, moment)

    def penalize(self) -> None:
        """CJ said 429: push the next slot one interval away and, unless the 429 is a lone one, halve the pace."""
        with self._lock:
            now = self._clock.monotonic()
            lone = now - self._last_penalty > LONE_429_S
            self._last_penalty = now
            self._last_release = max(self._last_release, now)
            self.penalties += 1
            if lone:  # keep the pace, but leave CJ's window more room from now on
                self.forgiven += 1
                self._margin = min(MAX_MARGIN, self._margin + DEFAULT_MARGIN)
                self._margin_since = now
                self._configure(self.qps)
                self._rate = min(self._rate, self._target)
                return
            self._recover(now)
            self._rate = max(self._floor, self._rate / 2.0)
            self._last_adjust = now

    def _recover(self, now: float) -> None:
        if self._margin > self._base_margin and now - self._margin_since >= MARGIN_RELAX_S:
            at_target = self._rate >= self._target
            self._margin = max(self._base_margin, self._margin - DEFAULT_MARGIN)
            self._margin_since = now  # the next step down is one more clean stretch away
            self._configure(self.qps)
            if at_target:
                self._rate = self._target
        elapsed = now - self._last_adjust
        if elapsed > 0 and self._rate < self._target:
            self._rate = min(self._target, self._rate + self._recovery * elapsed)
        self._last_adjust = now


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry: capped exponential back-off with full jitter."""

    max_attempts: int = 5
    max_rate_limited_attempts: int = 8
    base_s: float = 0.5
    cap_s: float = 20.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based): uniform in [0, min(cap, base*2**attempt)]."""
        return rng.uniform(0.0, min(self.cap_s, self.base_s * (2 ** (attempt - 1))))
