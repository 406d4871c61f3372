"""The sandbox's own clock: real time plus an offset that tests move forward.

Everything in the sandbox that depends on time (token expiry, the QPS windows, the
getAccessToken guard, the daily points reset, call times) reads this clock, so
``advance_clock`` expires tokens or crosses midnight UTC without anyone sleeping.
Also formats dates the way CJ does (ISO-8601 with the China offset, ``+08:00``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))


class SandboxClock:
    """Monotonic and wall time, both shifted by the same offset; thread-safe.

    ``monotonic`` and ``wall`` are injectable so unit tests can drive the clock fully.
    """

    def __init__(
        self,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._monotonic = monotonic
        self._wall = wall
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def offset_s(self) -> float:
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward; it never goes back."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds

    def monotonic(self) -> float:
        """Seconds for measuring intervals (rate windows, guards)."""
        with self._lock:
            return self._monotonic() + self._offset

    def wall(self) -> float:
        """Epoch seconds for dates (token expiry, points day, call times)."""
        with self._lock:
            return self._wall() + self._offset

    def utc_day(self) -> date:
        """The UTC day the points budget belongs to; it changes at 00:00 UTC."""
        return datetime.fromtimestamp(self.wall(), tz=UTC).date()


def cj_date(epoch_s: float) -> str:
    """An epoch time as CJ writes dates, e.g. ``2026-12-11T09:16:33+08:00``."""
    return datetime.fromtimestamp(epoch_s, tz=CHINA).isoformat(timespec="seconds")


def epoch_ms(epoch_s: float) -> int:
    """An epoch time in milliseconds, as CJ's ``createAt`` fields are."""
    return int(epoch_s * 1000)
