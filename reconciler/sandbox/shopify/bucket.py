"""Shopify's leaky bucket of query cost, per app and shop, on the sandbox clock.

Standard plans: 2,000 points, restored at 100 points a second (``restore_rate``); a query
whose requested cost is more than what is available is answered ``THROTTLED`` and costs
nothing; one that runs is charged its requested cost, then refunded the difference to its
actual cost. A single query may not request more than 1,000 points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

MAX_QUERY_COST = 1000


@dataclass
class Bucket:
    """The points available now, restored continuously up to ``maximum``."""

    now: Callable[[], float]
    maximum: float = 2000.0
    restore_rate: float = 100.0
    _available: float | None = None
    _at: float = 0.0

    def available(self) -> float:
        """Points available at this moment."""
        t = self.now()
        if self._available is None:
            self._available, self._at = self.maximum, t
        self._available = min(self.maximum, self._available + max(0.0, t - self._at) * self.restore_rate)
        self._at = t
        return self._available

    def take(self, points: float) -> bool:
        """Charge ``points`` when that many are available; False (nothing charged) otherwise."""
        if self.available() < points:
            return False
        assert self._available is not None
        self._available -= points
        return True

    def refund(self, points: float) -> None:
        """Give back what a query requested beyond its actual cost."""
        self.available()
        assert self._available is not None
        self._available = min(self.maximum, self._available + max(0.0, points))

    def status(self) -> dict[str, float]:
        """``extensions.cost.throttleStatus`` as Shopify writes it."""
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": int(self.available()),
            "restoreRate": self.restore_rate,
        }
