"""The sandbox's CJ account: who it is, its tokens, its limits, its My Products list.

A sandbox serves one account, made from the config (API key, email, QPS, lifetimes,
daily points). Its ``openId`` is a number above 2**53, derived from the API key, so a
client that reads it as a float gets it wrong. :mod:`.api` and :mod:`.admin` read and
change the account under the sandbox lock.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass

from reconciler.sandbox.config import SandboxConfig
from reconciler.sandbox.limits import IntervalGuard, PointsLedger, SlidingWindow
from reconciler.sandbox.sourcing import SourcingDesk
from reconciler.sandbox.tokens import TokenStore
from reconciler.sandbox.webhooks import Webhooks

_KEY_FORM = re.compile(r"^(CJ\d+)@api@")


def account_number(api_key: str) -> str:
    """``CJ1000001`` for ``CJ1000001@api@…``; a stable made-up number for other keys."""
    match = _KEY_FORM.match(api_key)
    if match:
        return match.group(1)
    return f"CJ{int(hashlib.sha256(api_key.encode()).hexdigest()[:8], 16) % 10**7:07d}"


def open_id_for(api_key: str) -> int:
    """An odd number between 1.7e18 and 1.8e18: larger than 2**53 and never exact as a float."""
    digest = int(hashlib.sha256(b"openId:" + api_key.encode()).hexdigest()[:12], 16)
    return 1_700_000_000_000_000_001 + 2 * (digest % 10**12)


@dataclass(frozen=True)
class Listed:
    """One product in My Products, with when it was added."""

    pid: str
    created_ms: int
    sequence: int


class MyProducts:
    """The account's My Products list, newest first (as CJ's web UI shows it)."""

    def __init__(self) -> None:
        self._entries: dict[str, Listed] = {}
        self._sequence = itertools.count()

    def __contains__(self, pid: object) -> bool:
        return pid in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, pid: str, created_ms: int) -> bool:
        """Add ``pid``; False if it was already there."""
        if pid in self._entries:
            return False
        self._entries[pid] = Listed(pid, created_ms, next(self._sequence))
        return True

    def remove(self, pid: str) -> bool:
        """Remove ``pid`` (only the web UI can: there is no API for it); False if absent."""
        return self._entries.pop(pid, None) is not None

    def newest_first(self) -> list[Listed]:
        return sorted(self._entries.values(), key=lambda e: (e.created_ms, e.sequence), reverse=True)

    def pids(self) -> list[str]:
        return [e.pid for e in self.newest_first()]


class Account:
    """The one account a sandbox serves."""

    def __init__(self, config: SandboxConfig) -> None:
        self.api_key = config.api_key
        self.email = config.email
        self.number = account_number(config.api_key)
        self.open_id = open_id_for(config.api_key)
        self.name = f"sandbox-{self.number.lower()}"
        self.qps = config.qps
        self.tokens = TokenStore(
            account_number=self.number,
            open_id=self.open_id,
            access_ttl_s=config.access_ttl_s,
            refresh_ttl_s=config.refresh_ttl_s,
        )
        self.my_products = MyProducts()
        self.window = SlidingWindow.per_second(config.qps)
        self.auth_guard = IntervalGuard(config.auth_interval_s)
        self.refresh_window = SlidingWindow(config.refresh_per_minute, 60.0)
        self.points = PointsLedger(config.daily_points)
        self.webhooks = Webhooks()
        self.sourcing = SourcingDesk(per_day=config.sourcing_per_day, seed=config.seed)

    def settings(self) -> dict[str, object]:
        """``data`` of ``GET /setting/get``."""
        qps: float | int = int(self.qps) if float(self.qps).is_integer() else self.qps
        return {
            "openId": self.open_id,
            "openName": self.name,
            "openEmail": self.email,
            "setting": {
                "qpsLimit": qps,
                "quotaLimits": [
                    {"quotaUrl": "/api2.0/v1/product/query", "quotaLimit": self.points.daily // 10, "quotaType": 1},
                    {"quotaUrl": "/api2.0/v1/product/list", "quotaLimit": self.points.daily // 50, "quotaType": 1},
                ],
            },
            "callback": self.webhooks.as_callback(),
            "root": "GENERAL",
            "isSandbox": True,
        }
