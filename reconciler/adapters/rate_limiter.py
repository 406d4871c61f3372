"""The account-wide request pacer and the retry back-off policy.

One :class:`RateLimiter` per account is shared by every thread of a run. A request may
start ``1/qps`` after the previous one *actually* started: the gap is measured from real
release times, not from planned slots, so a thread that overslept on a loaded machine
pushes the next start back instead of squeezing two starts into CJ's one-second window.
Threads wait outside the lock, so several requests may be in flight at once. A small
safety margin absorbs the difference between our clock and CJ's. When CJ still answers 429, the
rate is halved (multiplicative decrease) and then creeps back to the target (additive
increase). Time and sleep come from an injected Clock, so tests never sleep.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from reconciler.adapters.clock import Clock

DEFAULT_MARGIN = 0.03


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
        self._configure(qps)
        self._rate = self._target
        self._last_release = clock.monotonic() if assume_recent_call else float("-inf")
        self._last_adjust = clock.monotonic()
        self._lock = threading.Lock()
        self.penalties = 0

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

    def penalize(self) -> None:
        """CJ said 429: halve the pace and push the next slot one new interval away."""
        with self._lock:
            now = self._clock.monotonic()
            self._rate = max(self._floor, self._rate / 2.0)
            self._last_release = max(self._last_release, now)
            self._last_adjust = now
            self.penalties += 1

    def _recover(self, now: float) -> None:
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
