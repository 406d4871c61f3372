"""Test doubles for the client: a clock that never sleeps and an in-memory token store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from reconciler.adapters.token_store import CachedTokens

BASE = "https://cj.test/api2.0/v1"
T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class FakeClock:
    """Wall and monotonic time that advance only when someone sleeps (or the test says so)."""

    def __init__(self, start: datetime = T0) -> None:
        self._now = start
        self._mono = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds


class MemoryTokenStore:
    """Same interface as TokenStore, in memory; counts saves."""

    def __init__(self, cached: CachedTokens | None = None) -> None:
        self.cached = cached
        self.saves: list[CachedTokens] = []
        self.path = Path("/nonexistent/state/token.sops.json")
        self.display = "state/token.sops.json"

    def load(self) -> CachedTokens | None:
        return self.cached

    def present(self) -> bool:
        return self.cached is not None

    def save(self, cached: CachedTokens) -> None:
        self.cached = cached
        self.saves.append(cached)

    def clear(self) -> None:
        self.cached = None
