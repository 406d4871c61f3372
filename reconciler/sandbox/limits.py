"""The sandbox's limits: sliding request windows, the getAccessToken guard, daily points.

Pure bookkeeping on times and numbers passed in by :mod:`.api` (which reads the sandbox
clock under its lock); nothing here reads a clock or sleeps.

- :class:`SlidingWindow`: at most ``capacity`` accepted events in any ``window_s`` seconds,
  counted at arrival; refused events do not take a slot (so a client that backs off is let
  through as soon as the window has room again).
- :class:`IntervalGuard`: at most one event per interval (getAccessToken: 1 per 300 s).
- :class:`PointsLedger`: points spent per UTC day against a daily budget.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import date


class SlidingWindow:
    """At most ``capacity`` events in any window of ``window_s`` seconds."""

    def __init__(self, capacity: int, window_s: float) -> None:
        if capacity < 1 or window_s <= 0:
            raise ValueError("a window needs a capacity of at least 1 and a positive length")
        self.capacity = capacity
        self.window_s = window_s
        self._times: deque[float] = deque()

    @classmethod
    def per_second(cls, qps: float) -> SlidingWindow:
        """The window for a QPS limit: ``floor(qps)`` per second, or one per ``1/qps`` s below 1."""
        if qps >= 1:
            return cls(math.floor(qps), 1.0)
        return cls(1, 1.0 / qps)

    def _expire(self, now: float) -> None:
        while self._times and self._times[0] <= now - self.window_s:
            self._times.popleft()

    def try_acquire(self, now: float) -> bool:
        """Take a slot at ``now`` if the window has one; False means: answer 429."""
        self._expire(now)
        if len(self._times) >= self.capacity:
            return False
        self._times.append(now)
        return True

    def count(self, now: float) -> int:
        self._expire(now)
        return len(self._times)

    def clear(self) -> None:
        self._times.clear()

    def describe(self) -> str:
        """The limit as CJ words it: ``1 time/1second``, ``5 time/60 seconds``."""
        if self.window_s == 1.0:
            return f"{self.capacity} time/1second"
        return f"{self.capacity} time/{_number(self.window_s)} seconds"


class IntervalGuard:
    """At most one event per ``interval_s``: the getAccessToken throttle."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._last: float | None = None

    def allowed(self, now: float) -> bool:
        return self._last is None or now - self._last >= self.interval_s

    def record(self, now: float) -> None:
        self._last = now

    def retry_in(self, now: float) -> float:
        """Seconds until :meth:`allowed` becomes true again (0 if it is)."""
        if self._last is None:
            return 0.0
        return max(0.0, self.interval_s - (now - self._last))

    def describe(self) -> str:
        return f"1 time/{_number(self.interval_s)} seconds"


class PointsLedger:
    """Points spent per UTC day; each day starts with ``daily`` points."""

    def __init__(self, daily: int) -> None:
        self.daily = daily
        self._used: dict[date, int] = {}

    def used(self, day: date) -> int:
        return self._used.get(day, 0)

    def remaining(self, day: date) -> int:
        return max(0, self.daily - self.used(day))

    def can_spend(self, day: date, cost: int) -> bool:
        return cost <= self.remaining(day)

    def spend(self, day: date, cost: int) -> None:
        self._used[day] = self.used(day) + cost

    def set_remaining(self, day: date, points: int) -> None:
        """Pretend today's spending left exactly ``points`` (a fault for tests)."""
        self._used[day] = self.daily - points


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
