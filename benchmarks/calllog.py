"""Figures from a slice of the sandbox's call log: counts by kind, 429s, and the achieved rate.

The achieved rate of a run of calls is ``(n − 1) / (t_last − t_first)`` over the arrival
times of the calls CJ accepted: n calls are n − 1 gaps, and a client pacing at exactly
``qps`` scores exactly ``qps``. Calls answered 429 are counted apart and never as progress.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.sandbox import Call

KINDS = {
    "/product/query": "details",
    "/product/addToMyProduct": "adds",
    "/product/myProduct/query": "pages",
    "/setting/get": "account",
}


def kind_of(call: Call) -> str:
    """``auth``, ``account``, ``pages``, ``details``, ``adds`` or ``other``."""
    if call.is_auth:
        return "auth"
    return KINDS.get(call.path, "other")


@dataclass(frozen=True)
class Slice:
    """Figures for a run of calls."""

    calls: int  # accepted (not 429)
    rate_limited: int  # answered 429
    span_s: float
    by_kind: dict[str, int]

    @property
    def rate(self) -> float:
        """Accepted calls per second, gap-wise; 0 for fewer than two calls."""
        return (self.calls - 1) / self.span_s if self.calls > 1 and self.span_s > 0 else 0.0

    @property
    def mutating(self) -> int:
        return self.by_kind.get("adds", 0)


def summarise(calls: Sequence[Call]) -> Slice:
    accepted = [c for c in calls if c.http_status != 429]
    times = sorted(c.t for c in accepted)
    return Slice(
        calls=len(accepted),
        rate_limited=len(calls) - len(accepted),
        span_s=(times[-1] - times[0]) if len(times) > 1 else 0.0,
        by_kind=dict(Counter(kind_of(c) for c in accepted)),
    )
