"""Which errors stop further calls is decided by one table (errors.stops_further_calls), per step.

Pinned against the rules each place wrote out before: apply and the plan's essential reads
stop on everything but a product CJ refuses; sourcing status checks stop only on what
concerns the account (credentials, tokens, points, quota, budget) or the run; freight
quotes stop on those and on CJ still saying "too fast" after the retries.
"""

from __future__ import annotations

import pytest

from reconciler import errors
from reconciler.errors import (
    ApiError,
    CancelledError,
    CjrecError,
    CredentialsError,
    InvalidRefreshTokenError,
    InvalidTokenError,
    PointsBudgetError,
    PointsExhaustedError,
    ProductUnavailableError,
    QuotaExhaustedError,
    RateLimitedError,
    Step,
    stops_further_calls,
)

ACCOUNT = (
    CredentialsError,
    InvalidTokenError,
    InvalidRefreshTokenError,
    PointsExhaustedError,
    PointsBudgetError,
    QuotaExhaustedError,
)
API_ERRORS = sorted(
    (c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, ApiError)), key=lambda c: c.__name__
)


def make(cls: type[CjrecError]) -> CjrecError:
    return cls("boom", call="GET /x") if issubclass(cls, ApiError) else cls("boom")  # type: ignore[call-arg]


@pytest.mark.parametrize("cls", [*API_ERRORS, CancelledError], ids=lambda c: c.__name__)
def test_each_step_stops_on_what_it_always_stopped_on(cls: type[CjrecError]) -> None:
    error = make(cls)
    account_or_run = issubclass(cls, ACCOUNT) or not issubclass(cls, ApiError)

    assert stops_further_calls(error) is not issubclass(cls, ProductUnavailableError)  # apply
    assert stops_further_calls(error, Step.READ) is not issubclass(cls, ProductUnavailableError)
    assert stops_further_calls(error, Step.STATUS_CHECK) is account_or_run
    assert stops_further_calls(error, Step.QUOTE) is (account_or_run or issubclass(cls, RateLimitedError))


def test_an_error_that_is_not_cjrecs_stops_every_step() -> None:
    assert all(stops_further_calls(RuntimeError("bug"), step) for step in Step)
