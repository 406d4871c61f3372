"""The request rate a run uses: the Settings' ``qps``, or ``auto`` — the account's own limit.

CJ says each account's limit in ``setting/get`` (``setting.qpsLimit``: Free 1, Plus 2,
Prime 4, Advanced 6). ``auto`` (the default, also with no Settings file) uses it, and 1 when
CJ does not say. A number is used as given, except that one above the account's limit is
capped to it (with a warning): going faster only earns 429s. The choice itself is pure;
the CLI reads the limit and hands the result to the rate limiter, the workers and the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.models.desired import DEFAULT_QPS


@dataclass(frozen=True)
class RateChoice:
    """The rate used, why, and a warning when the Settings asked for more than the account allows."""

    qps: float
    configured: float | None  # None: auto
    account_limit: float | None  # None: CJ did not say
    warning: str | None = None

    @property
    def explanation(self) -> str:
        """``4 qps (auto: the account's limit)`` and the like, for notes."""
        if self.configured is None:
            if self.account_limit is None:
                return f"{self.qps:g} qps (auto: CJ did not report the account's limit)"
            return f"{self.qps:g} qps (auto: the account's limit)"
        if self.warning:
            return f"{self.qps:g} qps (capped from qps {self.configured:g} in Settings)"
        return f"{self.qps:g} qps (from Settings)"


def choose_rate(configured: float | None, account_limit: float | None) -> RateChoice:
    """The rate for Settings ``qps`` (None: auto) on an account whose limit is ``account_limit``."""
    limit = account_limit if account_limit is not None and account_limit > 0 else None
    if configured is None:
        return RateChoice(limit if limit is not None else DEFAULT_QPS, None, limit)
    if limit is not None and configured > limit:
        return RateChoice(
            limit,
            configured,
            limit,
            warning=(
                f"Settings ask for qps {configured:g}, above this account's limit of {limit:g} requests/s "
                f"(CJ setting/get qpsLimit); using {limit:g}. Set `qps: auto` (or at most {limit:g}) to silence this."
            ),
        )
    return RateChoice(configured, configured, limit)


def offline_rate(configured: float | None) -> RateChoice:
    """Without CJ (``plan --offline``): the Settings' number, or 1 for auto."""
    return RateChoice(configured if configured is not None else DEFAULT_QPS, configured, None)
