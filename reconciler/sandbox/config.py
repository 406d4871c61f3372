"""Settings of a sandbox: :class:`SandboxConfig` and the faults it starts with.

Built by the caller (the ``cjrec sandbox`` command, tests, benchmarks) and read by every
other module of the package; nothing here changes once the sandbox runs. Faults that can
be changed while it runs live in :mod:`reconciler.sandbox.faults`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

# A fixed, public demo key, not a secret. It is derived rather than written out so that
# secret scanners looking for CJ API keys in the repository find none.
DEMO_API_KEY = "CJ1000001@api@" + hashlib.md5(b"cjrec sandbox demo api key", usedforsecurity=False).hexdigest()
DEMO_EMAIL = "demo@example.com"

DAY_S = 86400.0


@dataclass(frozen=True)
class FaultSettings:
    """Faults active from the start; all off by default.

    The rates are probabilities per API call (their sum must not exceed 1); ``burst_429``
    makes the next n API calls answer HTTP 429; ``points_remaining`` sets today's remaining
    points once at start; ``paths``, when not empty, limits the drawn faults to those endpoints.
    ``missing_paths`` are endpoints answered "interface not found" (HTTP 404 + 1600101), as a live
    API that lacks a route would; ``throttle_http_200`` sends every throttle (a 429 burst, the qps
    windows) as HTTP 200 + 1600200, the form field reports show besides HTTP 429.
    """

    error_rate_5xx: float = 0.0
    drop_rate: float = 0.0
    busy_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_s: float = 30.0
    burst_429: int = 0
    api_key_invalid: bool = False
    quota_exhausted: bool = False
    points_remaining: int | None = None
    paths: tuple[str, ...] = ()
    hostile_messages: bool = False
    missing_paths: tuple[str, ...] = ()
    throttle_http_200: bool = False

    def __post_init__(self) -> None:
        rates = (self.error_rate_5xx, self.drop_rate, self.busy_rate, self.timeout_rate)
        if any(not 0.0 <= rate <= 1.0 for rate in rates):
            raise ValueError("fault rates must be between 0 and 1")
        if sum(rates) > 1.0 + 1e-9:
            raise ValueError("the fault rates together must not exceed 1")
        if not self.timeout_s > 0:
            raise ValueError("timeout_s must be positive")
        if self.burst_429 < 0:
            raise ValueError("burst_429 must not be negative")
        if self.points_remaining is not None and self.points_remaining < 0:
            raise ValueError("points_remaining must not be negative")


@dataclass(frozen=True)
class SandboxConfig:
    """How a :class:`~reconciler.sandbox.Sandbox` behaves; every field has a demo default.

    ``port=0`` picks a free port. ``qps`` is the account's request rate (CJ Free = 1):
    ``floor(qps)`` calls in any one-second window, or one call per ``1/qps`` seconds below 1.
    ``ip_qps`` is CJ's per-IP limit (10/s), which caps ``qps`` for a single client machine.
    ``sourcing_per_day`` is how many sourcing requests CJ accepts per UTC day (5 live).
    ``enforce_qps=False`` turns both windows off (the 300 s getAccessToken guard and the
    refresh limit stay). Lifetimes and intervals are in seconds.
    """

    host: str = "127.0.0.1"
    port: int = 0
    qps: float = 1.0
    latency_ms: float = 0.0
    products: int = 500
    seed: int = 1
    api_key: str = DEMO_API_KEY
    email: str = DEMO_EMAIL
    access_ttl_s: float = 15 * DAY_S
    refresh_ttl_s: float = 180 * DAY_S
    auth_interval_s: float = 300.0
    refresh_per_minute: int = 5
    daily_points: int = 50_000
    enforce_qps: bool = True
    ip_qps: int = 10
    sourcing_per_day: int = 5
    hostile: bool = False  # the hostile catalogue (reconciler.sandbox.hostile) and hostile error messages
    faults: FaultSettings = field(default_factory=FaultSettings)

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be between 0 and 65535")
        if not (self.qps > 0 and math.isfinite(self.qps)):
            raise ValueError("qps must be a positive number")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        if self.products < 0:
            raise ValueError("products must not be negative")
        if not self.api_key:
            raise ValueError("api_key must not be empty")
        if self.access_ttl_s <= 0 or self.refresh_ttl_s <= 0:
            raise ValueError("token lifetimes must be positive")
        if self.auth_interval_s < 0:
            raise ValueError("auth_interval_s must not be negative")
        if self.refresh_per_minute < 1:
            raise ValueError("refresh_per_minute must be at least 1")
        if self.daily_points < 0:
            raise ValueError("daily_points must not be negative")
        if self.sourcing_per_day < 0:
            raise ValueError("sourcing_per_day must not be negative")
        if self.ip_qps < 1:
            raise ValueError("ip_qps must be at least 1")
