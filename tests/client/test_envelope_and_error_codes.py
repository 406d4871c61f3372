"""CJ's envelope is read exactly as cj-api.md says, and each error code maps to its handling."""

from __future__ import annotations

import random

import pytest
import responses

from reconciler.adapters.cj_http import CjHttp, check_base_url, interpret
from reconciler.adapters.rate_limiter import RateLimiter, RetryPolicy
from reconciler.errors import (
    ApiError,
    AuthThrottledError,
    CredentialsError,
    InvalidRefreshTokenError,
    InvalidTokenError,
    PointsBudgetError,
    PointsExhaustedError,
    ProductUnavailableError,
    QuotaExhaustedError,
    RateLimitedError,
    TransientApiError,
    UsageError,
)
from reconciler.models.secret import Secret
from tests.support.client_fakes import BASE, FakeClock

CALL = "GET /x"


def body(
    code: object = 200, *, result: object = True, message: str = "Success", data: object = None, **extra: object
) -> bytes:
    import json

    payload = {"code": code, "message": message, "data": data, "requestId": "req-1", **extra}
    if result is not ...:
        payload["result"] = result
    return json.dumps(payload).encode()


@pytest.mark.parametrize(
    ("code", "extra"),
    [(200, {}), (0, {}), (200, {"success": True}), (0, {"success": True})],
)
def test_success_needs_http_200_a_success_code_and_a_true_result(code: int, extra: dict[str, object]) -> None:
    envelope = interpret(200, body(code, data={"a": 1}, **extra), call=CALL)
    assert envelope.data == {"a": 1}
    assert envelope.request_id == "req-1"


def test_missing_result_is_not_success() -> None:
    with pytest.raises(ApiError, match="no `result: true`"):
        interpret(200, body(200, result=...), call=CALL)


@pytest.mark.parametrize("extra", [{"result": False}, {"success": False}])
def test_result_or_success_false_with_code_200_is_not_success(extra: dict[str, object]) -> None:
    payload = body(200, **{k: v for k, v in extra.items() if k != "result"}, result=extra.get("result", True))
    with pytest.raises(ApiError):
        interpret(200, payload, call=CALL)


def test_a_429_body_without_result_is_rate_limited_not_success() -> None:
    payload = b'{"code": 1600200, "message": "Too Many Requests, QPS limit is 1 time/1second"}'
    with pytest.raises(RateLimitedError) as info:
        interpret(429, payload, call=CALL)
    assert info.value.code == 1600200


def test_duplicate_add_answer_is_an_idempotent_success() -> None:
    envelope = interpret(
        200, body(1600000, result=False, message="The product has been added to My Products."), call=CALL
    )
    assert envelope.duplicate


@pytest.mark.parametrize(
    ("status", "code", "message", "error"),
    [
        (200, 1600000, "System busy", TransientApiError),
        (200, 1600001, "Invalid token", InvalidTokenError),
        (200, 1600003, "Invalid refresh token", InvalidRefreshTokenError),
        (200, 1600004, "Authorization failed", CredentialsError),
        (200, 1600005, "API key wrong", CredentialsError),
        (200, 1600008, "Account disabled", CredentialsError),
        (200, 1600100, "param error", ApiError),
        (200, 1600101, "interface not found", ApiError),
        (429, 1600200, "Too Many Requests", RateLimitedError),
        (200, 1600200, "Too Many Requests", RateLimitedError),
        (429, 1600200, "Too much request, QPS limit is 1 time/300 seconds", AuthThrottledError),
        (200, 1600201, "quota used up", QuotaExhaustedError),
        (200, 1600300, "parameter error", ApiError),
        (200, 1600301, "read timed out", TransientApiError),
        (200, 1602001, "product not found", ProductUnavailableError),
        (200, 1602002, "removed from shelves", ProductUnavailableError),
        (200, 16900500, "Insufficient API points", PointsExhaustedError),
        (429, 429, "Insufficient API points, try tomorrow", PointsExhaustedError),
        (200, 429, "Insufficient API points", PointsExhaustedError),
        (502, 500, "Bad gateway", TransientApiError),
    ],
)
def test_each_cj_code_maps_to_its_error(status: int, code: int, message: str, error: type[ApiError]) -> None:
    with pytest.raises(error) as info:
        interpret(status, body(code, result=False, message=message), call=CALL)
    assert type(info.value) is error
    assert info.value.request_id == "req-1"
    assert "CJ code" in info.value.message


def test_points_exhaustion_is_not_retryable_and_rate_limit_is() -> None:
    assert not issubclass(PointsExhaustedError, TransientApiError)
    assert not issubclass(QuotaExhaustedError, TransientApiError)
    assert not issubclass(AuthThrottledError, TransientApiError)
    assert issubclass(RateLimitedError, TransientApiError)


@pytest.mark.parametrize(
    ("status", "content", "error", "words"),
    [
        (200, b"<html><body>Gateway</body></html>", ApiError, "not CJ's JSON envelope"),
        (200, b"", ApiError, "empty body"),
        (404, b"Not Found", ApiError, "HTTP 404"),
        (503, b"<html>down</html>", TransientApiError, "HTTP 503"),
        (429, b"", RateLimitedError, "HTTP 429"),
        (200, b"[1, 2]", ApiError, "not CJ's JSON envelope"),
    ],
)
def test_unexpected_bodies_become_clear_errors(status: int, content: bytes, error: type[ApiError], words: str) -> None:
    with pytest.raises(error, match=words):
        interpret(status, content, call=CALL)


@pytest.mark.parametrize(
    "url", ["ftp://cj.test/api", "cj.test/api", "file:///etc/passwd", "http://cj.example.com/api2.0/v1"]
)
def test_base_url_must_be_https_or_loopback_http(url: str) -> None:
    with pytest.raises(UsageError):
        check_base_url(url)


@pytest.mark.parametrize(
    "url", ["https://cj.test/api2.0/v1/", "http://127.0.0.1:8765/api2.0/v1", "http://localhost:1/x"]
)
def test_https_and_loopback_http_base_urls_are_accepted(url: str) -> None:
    assert check_base_url(url) == url.rstrip("/")


def make_http(
    *, qps: float = 100.0, budget: int | None = None, retry: RetryPolicy | None = None
) -> tuple[CjHttp, FakeClock]:
    clock = FakeClock()
    http = CjHttp(
        base_url=BASE,
        clock=clock,
        limiter=RateLimiter(qps=qps, clock=clock),
        points_budget=budget,
        retry=retry,
        rng=random.Random(7),
    )
    return http, clock


@responses.activate
def test_transient_failures_are_retried_with_capped_jittered_backoff_then_succeed() -> None:
    http, clock = make_http()
    url = BASE + "/setting/get"
    responses.add(responses.GET, url, body="<html>oops</html>", status=503)
    responses.add(responses.GET, url, body=body(1600000, result=False, message="System busy"))
    responses.add(responses.GET, url, body=body(data={"ok": True}))
    envelope = http.call("GET", "/setting/get", token=Secret("tok"))
    assert envelope.data == {"ok": True}
    assert http.stats.retries == 2
    backoffs = [s for s in clock.sleeps if s > 0.05]
    assert all(0 <= s <= 1.0 for s in backoffs)
    # the two retries slept the policy's full-jitter draws (the same seed): up to 0.5 s, then up to 1 s
    draws = random.Random(7)
    expected = [draws.uniform(0, 0.5), draws.uniform(0, 1.0)]
    assert [s for s in clock.sleeps if s in expected] == expected
    assert backoffs == expected  # (the draws of seed 7 are well above the limiter's 0.01 s pacing)


@responses.activate
def test_transient_retries_are_bounded() -> None:
    http, _ = make_http(retry=RetryPolicy(max_attempts=3))
    responses.add(responses.GET, BASE + "/setting/get", body="", status=500)
    with pytest.raises(TransientApiError):
        http.call("GET", "/setting/get", token=Secret("tok"))
    assert len(responses.calls) == 3


@responses.activate
def test_connection_errors_are_retried_and_never_escape_as_requests_exceptions() -> None:
    import requests

    http, _ = make_http(retry=RetryPolicy(max_attempts=2))
    responses.add(responses.GET, BASE + "/setting/get", body=requests.ConnectionError("refused"))
    responses.add(responses.GET, BASE + "/setting/get", body=requests.ReadTimeout("slow"))
    with pytest.raises(TransientApiError) as info:
        http.call("GET", "/setting/get", token=Secret("tok"))
    assert not isinstance(info.value, requests.RequestException)
    assert len(responses.calls) == 2


@responses.activate
def test_rate_limited_answers_slow_the_limiter_and_are_retried() -> None:
    http, clock = make_http(qps=4)
    url = BASE + "/setting/get"
    for _ in range(3):
        responses.add(
            responses.GET, url, json={"code": 1600200, "result": False, "message": "Too Many Requests"}, status=429
        )
    responses.add(responses.GET, url, body=body(data={}))
    before = http.limiter.rate
    http.call("GET", "/setting/get", token=Secret("tok"))
    assert http.stats.rate_limited == 3
    assert http.limiter.penalties == 3
    assert http.limiter.rate < before
    # each 429 was followed by a jittered back-off (up to 0.5, 1 and 2 s) before the retry
    draws = random.Random(7)
    expected = [draws.uniform(0, 0.5), draws.uniform(0, 1.0), draws.uniform(0, 2.0)]
    assert [s for s in clock.sleeps if s in expected] == expected
    assert clock.monotonic() - 1000.0 >= sum(expected)


@responses.activate
def test_points_exhaustion_stops_at_once_without_retry() -> None:
    http, _ = make_http()
    responses.add(
        responses.GET, BASE + "/product/query", body=body(16900500, result=False, message="Insufficient API points")
    )
    with pytest.raises(PointsExhaustedError):
        http.call("GET", "/product/query", params={"pid": "1"}, token=Secret("tok"))
    assert len(responses.calls) == 1


@responses.activate
def test_points_budget_refuses_a_call_before_sending_it() -> None:
    http, _ = make_http(budget=25)
    responses.add(responses.GET, BASE + "/product/query", body=body(data={}))
    http.call("GET", "/product/query", token=Secret("t"))
    http.call("GET", "/product/query", token=Secret("t"))
    with pytest.raises(PointsBudgetError, match="pointsBudget of 25"):
        http.call("GET", "/product/query", token=Secret("t"))
    assert len(responses.calls) == 2
    assert http.stats.points_spent == 20
    responses.add(responses.GET, BASE + "/setting/get", body=body(data={}))
    http.call("GET", "/setting/get", token=Secret("t"))  # free calls still go through
    assert len(responses.calls) == 3


@responses.activate
def test_token_travels_only_in_the_header_with_a_cjrec_user_agent() -> None:
    http, _ = make_http()
    responses.add(responses.GET, BASE + "/product/query", body=body(data={}))
    http.call("GET", "/product/query", params={"pid": "123"}, token=Secret("sekrit-token"))
    sent = responses.calls[0].request
    assert "sekrit-token" not in sent.url
    assert sent.headers["CJ-Access-Token"] == "sekrit-token"
    assert sent.headers["User-Agent"].startswith("cjrec/")
    assert "sekrit-token" not in repr(http)
