"""Fault injection: what can go wrong on a call, drawn from a seeded random source.

The faults a sandbox starts with come from :class:`~.config.FaultSettings` (and
``latency_ms``); the admin side (:mod:`.admin`) changes them while it runs. :mod:`.api`
asks :meth:`Faults.draw` once per API call, in arrival order, so the same seed and the
same sequence of calls give the same faults.

What each fault does to a call (decided in :mod:`.api`):

- ``burst_429``: the next n calls answer HTTP 429 / 1600200, not processed.
- ``error_rate_5xx``: HTTP 500 (HTML page), 502 (nginx HTML page) or 503 (empty body), not processed.
- ``drop_rate``: the connection is closed without an answer, not processed.
- ``busy_rate``: HTTP 200 with code 1600000 "System busy", not processed.
- ``timeout_rate``: the call **is processed**, its answer held back ``timeout_s`` seconds,
  as a real read timeout leaves the client unsure whether the server acted.
- ``api_key_invalid``: getAccessToken answers 1600005 while set.
- ``quota_exhausted``: every call past authentication answers 1600201 while set.
- ``points_remaining``: sets today's remaining points once (not a lasting fault).
- ``latency_ms``: every API answer waits this long (after the rate limit counted the call).
- ``paths``: when not empty, the drawn faults (the 429 burst and the rates) hit only calls to
  these endpoints (``["/product/sourcing/queryList"]``); the others draw no fault.
- ``missing_paths``: these endpoints answer HTTP 404 + 1600101 "Interface not found", as if the
  live API had no such route (``["/product/sourcing/queryList"]``).
- ``throttle_http_200``: throttles (a 429 burst, the qps windows) answer HTTP 200 + 1600200
  instead of HTTP 429; field reports show CJ sending both.
- ``hostile_messages``: every failure answer's ``message`` ends with hostile text
  (:data:`~.hostile.HOSTILE_MESSAGE`: escape sequences, ``\r``, Markdown, HTML, a mention).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from reconciler.sandbox.config import FaultSettings

_RATES = ("error_rate_5xx", "drop_rate", "busy_rate", "timeout_rate")
_FIELDS = {
    *_RATES,
    "latency_ms",
    "timeout_s",
    "burst_429",
    "api_key_invalid",
    "quota_exhausted",
    "points_remaining",
    "paths",
    "hostile_messages",
    "missing_paths",
    "throttle_http_200",
}


class FaultKind(Enum):
    NONE = "none"
    BURST_429 = "burst_429"
    ERROR_5XX = "error_5xx"
    DROP = "drop"
    BUSY = "busy"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class Draw:
    """The fault chosen for one call; ``status`` is the HTTP status of an ERROR_5XX."""

    kind: FaultKind
    status: int = 0


class Faults:
    """The faults in force; changed and drawn under the sandbox lock."""

    def __init__(self, settings: FaultSettings, *, latency_ms: float, seed: int) -> None:
        self._rng = random.Random(f"cjrec-sandbox-faults-{seed}")
        self.latency_ms = latency_ms
        self.error_rate_5xx = settings.error_rate_5xx
        self.drop_rate = settings.drop_rate
        self.busy_rate = settings.busy_rate
        self.timeout_rate = settings.timeout_rate
        self.timeout_s = settings.timeout_s
        self.burst_429 = settings.burst_429
        self.api_key_invalid = settings.api_key_invalid
        self.quota_exhausted = settings.quota_exhausted
        self.paths: tuple[str, ...] = tuple(settings.paths)
        self.hostile_messages = settings.hostile_messages
        self.missing_paths: tuple[str, ...] = tuple(settings.missing_paths)
        self.throttle_http_200 = settings.throttle_http_200

    def draw(self, path: str = "") -> Draw:
        """The fault for the next call to ``path``. Always consumes the same amount of randomness."""
        roll, pick = self._rng.random(), self._rng.random()
        if self.paths and path not in self.paths:
            return Draw(FaultKind.NONE)
        if self.burst_429 > 0:
            self.burst_429 -= 1
            return Draw(FaultKind.BURST_429)
        edge = 0.0
        for name, kind in zip(
            _RATES, (FaultKind.ERROR_5XX, FaultKind.DROP, FaultKind.BUSY, FaultKind.TIMEOUT), strict=True
        ):
            edge += float(getattr(self, name))
            if roll < edge:
                return Draw(kind, (500, 502, 503)[int(pick * 3)] if kind is FaultKind.ERROR_5XX else 0)
        return Draw(FaultKind.NONE)

    def update(self, changes: Mapping[str, object]) -> int | None:
        """Apply a partial change (all or nothing); returns ``points_remaining`` if given.

        ``{"reset": true}`` first turns every fault off (latency included).
        Raises ValueError naming the first bad key or value.
        """
        unknown = set(changes) - _FIELDS - {"reset"}
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(sorted(unknown))}; known: {', '.join(sorted(_FIELDS))}")
        values: dict[str, object] = {}
        if changes.get("reset") is True:
            values.update(FaultSettings().__dict__, latency_ms=0.0)
            values.pop("points_remaining")
        for name in _RATES:
            if name in changes:
                values[name] = _number(changes[name], name, low=0.0, high=1.0)
        if "latency_ms" in changes:
            values["latency_ms"] = _number(changes["latency_ms"], "latency_ms", low=0.0)
        if "timeout_s" in changes:
            values["timeout_s"] = _number(changes["timeout_s"], "timeout_s", low=0.001)
        if "burst_429" in changes:
            values["burst_429"] = int(_number(changes["burst_429"], "burst_429", low=0.0, integer=True))
        for name in ("api_key_invalid", "quota_exhausted", "hostile_messages", "throttle_http_200"):
            if name in changes:
                if not isinstance(changes[name], bool):
                    raise ValueError(f"{name} must be true or false")
                values[name] = changes[name]
        for name in ("paths", "missing_paths"):
            if name in changes:
                paths = changes[name]
                if not isinstance(paths, list | tuple) or not all(
                    isinstance(p, str) and p.startswith("/") for p in paths
                ):
                    raise ValueError(f"{name} must be a list of endpoint paths such as /product/sourcing/queryList")
                values[name] = tuple(str(p) for p in paths)
        points: int | None = None
        if changes.get("points_remaining") is not None:
            points = int(_number(changes["points_remaining"], "points_remaining", low=0.0, integer=True))
        rates = [values[name] if name in values else getattr(self, name) for name in _RATES]
        if sum(float(rate) for rate in rates if isinstance(rate, int | float)) > 1.0 + 1e-9:
            raise ValueError("the fault rates together must not exceed 1")
        for name, value in values.items():
            setattr(self, name, value)
        return points

    def as_dict(self) -> dict[str, object]:
        return {
            "latency_ms": self.latency_ms,
            "error_rate_5xx": self.error_rate_5xx,
            "drop_rate": self.drop_rate,
            "busy_rate": self.busy_rate,
            "timeout_rate": self.timeout_rate,
            "timeout_s": self.timeout_s,
            "burst_429": self.burst_429,
            "api_key_invalid": self.api_key_invalid,
            "quota_exhausted": self.quota_exhausted,
            "paths": list(self.paths),
            "hostile_messages": self.hostile_messages,
            "missing_paths": list(self.missing_paths),
            "throttle_http_200": self.throttle_http_200,
        }


def _number(value: object, name: str, *, low: float, high: float | None = None, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number")
    if integer and not float(value).is_integer():
        raise ValueError(f"{name} must be a whole number")
    if value < low or (high is not None and value > high):
        bounds = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
        raise ValueError(f"{name} must be {bounds}")
    return float(value)
