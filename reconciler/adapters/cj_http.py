"""The HTTP transport to CJ's API: one connection pool, CJ's envelope, retries, pacing, points.

The only module that imports ``requests``. Every call goes through :meth:`CjHttp.call`,
which waits for the account's rate limiter, sends the access token only in the
``CJ-Access-Token`` header, reads CJ's envelope (success = HTTP 200, code 200 or 0, and
``result``/``success`` true, never merely missing), turns every failure into a cjrec
:class:`~reconciler.errors.ApiError` subclass, and retries what is worth retrying with
capped exponential back-off and full jitter. No ``requests`` exception leaves this module,
and no token appears in a URL, a log line, an error or a repr.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from reconciler import __version__
from reconciler.adapters.clock import Clock
from reconciler.adapters.rate_limiter import RateLimiter, RetryPolicy
from reconciler.errors import (
    ApiError,
    AuthThrottledError,
    CancelledError,
    CredentialsError,
    InvalidRefreshTokenError,
    InvalidTokenError,
    PointsBudgetError,
    PointsExhaustedError,
    ProductUnavailableError,
    QuotaExhaustedError,
    RateLimitedError,
    SourcingLimitError,
    TransientApiError,
    UsageError,
)
from reconciler.models.cj_limits import points_for
from reconciler.models.network import is_loopback
from reconciler.models.secret import Secret
from reconciler.safe_text import for_terminal

log = logging.getLogger("cjrec.api")

USER_AGENT = f"cjrec/{__version__} (+https://github.com/cjrec/cjrec)"
DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read
SUCCESS_CODES = frozenset({200, 0})
DUPLICATE_ADD_CODE = 1600000
DUPLICATE_ADD_TEXT = "has been added"
SOURCING_CREATE = "/product/sourcing/create"  # where 1600000 means the daily limit, not "busy" or "already added"
SOURCING_LIMIT_TEXT = "daily source limit"


def check_base_url(url: str) -> str:
    """Accept https URLs, and http only to a loopback host (the sandbox); return it without a trailing slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"CJREC_API_URL {url[:100]!r} is not an http(s) URL",
            hint="use https://developers.cjdropshipping.com/api2.0/v1, or the URL `cjrec sandbox` prints",
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise UsageError(
            f"CJREC_API_URL uses plain http to {parts.hostname}: tokens would travel unencrypted",
            hint="use https://, or http only for a sandbox on 127.0.0.1/localhost",
        )
    return url.rstrip("/")


@dataclass(frozen=True)
class Envelope:
    """CJ's answer to a successful call."""

    code: int
    message: str
    data: Any
    request_id: str | None
    duplicate: bool = False  # the "already in My Products" answer to addToMyProduct


@dataclass
class CallStats:
    """What a run asked of CJ: calls, attempts, 429s, points. Read by plan summaries and benchmarks."""

    calls: int = 0
    attempts: int = 0
    retries: int = 0
    rate_limited: int = 0
    points_spent: int = 0
    by_path: Counter[str] = field(default_factory=Counter)


class CjHttp:
    """Sends calls to CJ for one account, paced by its rate limiter and bounded by its points budget."""

    def __init__(
        self,
        *,
        base_url: str,
        clock: Clock,
        limiter: RateLimiter,
        points_budget: int | None = None,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        pool_size: int = 8,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.clock = clock
        self.limiter = limiter
        self.points_budget = points_budget
        self.retry = retry or RetryPolicy()
        self.rng = rng or random.Random()
        self.timeout = timeout
        self.stats = CallStats()
        self._lock = threading.Lock()
        self._points_reserved = 0
        self.cancel = threading.Event()  # set on Ctrl-C/SIGTERM: no new call is sent after it
        self.session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT

    def __repr__(self) -> str:
        return f"CjHttp({self.base_url!r})"

    def _connections_opened(self) -> int:
        """How many connections the pool to CJ has opened so far (0 when the session is not requests' own)."""
        adapter = self.session.get_adapter(self.base_url)
        if not isinstance(adapter, HTTPAdapter):
            return 0
        pools = adapter.poolmanager.pools
        opened = 0
        # one pool to CJ in practice (requests keys them by its TLS options too); urllib3 refuses plain iteration
        for key in pools.keys():  # noqa: SIM118
            pool = pools.get(key)
            opened += int(getattr(pool, "num_connections", 0))
        return opened

    def close(self) -> None:
        """Close the connection pool."""
        self.session.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str | int | list[str]] | None = None,
        body: dict[str, Any] | None = None,
        token: Secret | None = None,
        retry_transient: bool = True,
        retry_lost: bool = True,
    ) -> Envelope:
        """Make one logical call (with its retries) and return the envelope, or raise an ApiError.

        ``retry_lost=False`` is for calls that are not safe to repeat (a create without an
        idempotency key): a transient failure whose answer was lost (no CJ code: timeout,
        dropped connection, gateway page, HTTP 5xx) is raised at once, because CJ may have
        acted; one CJ answered itself (busy, 1600301, 429) is retried as usual.
        """
        cost = points_for(path)
        self._reserve_points(path, cost)
        call = f"{method} {path}"
        attempt = 0
        limited = 0
        try:
            while True:
                attempt += 1
                try:
                    envelope = self._attempt(method, path, params=params, body=body, token=token, call=call)
                except RateLimitedError as exc:
                    limited += 1
                    self.limiter.penalize()
                    with self._lock:
                        self.stats.rate_limited += 1
                    if limited >= self.retry.max_rate_limited_attempts:
                        raise RateLimitedError(
                            f"CJ kept answering 429 after {limited} tries",
                            call=call,
                            code=exc.code,
                            request_id=exc.request_id,
                            http_status=exc.http_status,
                            hint="another process may be using the same account; lower `qps` in Settings or retry later",
                        ) from None
                    self._wait_retry(limited, call, "rate limited")
                    continue
                except TransientApiError as exc:
                    if not retry_transient or attempt >= self.retry.max_attempts:
                        raise
                    if not retry_lost and answer_lost(exc):
                        raise
                    self._wait_retry(attempt, call, "transient failure")
                    continue
                with self._lock:
                    self.stats.calls += 1
                    self.stats.points_spent += cost
                    self.stats.by_path[path] += 1
                return envelope
        finally:
            with self._lock:
                self._points_reserved -= cost

    def _reserve_points(self, path: str, cost: int) -> None:
        if cost == 0 or self.points_budget is None:
            return
        with self._lock:
            committed = self.stats.points_spent + self._points_reserved
            if committed + cost > self.points_budget:
                raise PointsBudgetError(
                    f"this call costs {cost} points and the run has spent {self.stats.points_spent} of its "
                    f"pointsBudget of {self.points_budget}",
                    call=f"GET {path}",
                    hint="raise `pointsBudget` in Settings, or narrow the run (fewer products to refresh)",
                )
            self._points_reserved += cost

    def _wait_retry(self, attempt: int, call: str, why: str) -> None:
        delay = self.retry.backoff(attempt, self.rng)
        with self._lock:
            self.stats.retries += 1
        log.debug("retrying %s after %s in %.2fs", call, why, delay)
        self.clock.sleep(delay)

    def _attempt(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str | int | list[str]] | None,
        body: dict[str, Any] | None,
        token: Secret | None,
        call: str,
    ) -> Envelope:
        self.limiter.acquire()
        if self.cancel.is_set():
            raise CancelledError(f"not sent: the run was interrupted ({call})")
        with self._lock:
            self.stats.attempts += 1
        opened = self._connections_opened()
        headers = {"CJ-Access-Token": token.reveal()} if token is not None else {}
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                params=params,
                json=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise TransientApiError(
                "CJ did not answer in time", call=call, hint="CJ may be slow; retry later"
            ) from None
        except requests.ConnectionError:
            raise TransientApiError(
                f"cannot reach CJ at {self.base_url}",
                call=call,
                hint="check the network and CJREC_API_URL",
            ) from None
        except requests.RequestException as exc:
            raise ApiError(f"the request failed ({type(exc).__name__})", call=call) from None
        log.debug("%s -> HTTP %s", call, response.status_code)
        if self._connections_opened() != opened:
            # This call (or one beside it) opened a connection: DNS, TCP and TLS delay its arrival at
            # CJ by an unknown part of its round trip, so the next start is paced from its answer, not
            # its send (in the benchmark of 20 accounts CJ's window counted such a call next to the two
            # sent after it on warm connections: a 429 for most accounts at their start).
            self.limiter.started_at(self.clock.monotonic())
        return interpret(response.status_code, response.content, call=call)


def answer_lost(error: TransientApiError) -> bool:
    """True when CJ's application did not answer (no CJ code, or HTTP 5xx): it may have acted or not."""
    return error.code is None or (error.http_status is not None and error.http_status >= 500)


def interpret(status: int, content: bytes, *, call: str) -> Envelope:
    """Turn an HTTP answer into an Envelope, or raise the ApiError it means."""
    payload = _json_or_none(content)
    if not isinstance(payload, dict):
        if status >= 500 or status == 429:
            cls = RateLimitedError if status == 429 else TransientApiError
            raise cls(f"CJ answered HTTP {status} without a JSON body", call=call, http_status=status)
        what = "an empty body" if not content.strip() else "a body that is not CJ's JSON envelope"
        raise ApiError(
            f"unexpected answer from CJ: HTTP {status} with {what} ({_snippet(content)})",
            call=call,
            http_status=status,
            hint="check CJREC_API_URL points at CJ's API (…/api2.0/v1); a proxy may be answering instead",
        )
    code = payload.get("code")
    message = for_terminal(payload.get("message"), limit=300)  # CJ's text: one safe line in every error
    request_id = payload.get("requestId")
    request_id = for_terminal(request_id, limit=80) if request_id is not None else None
    kw: dict[str, Any] = {"call": call, "code": code if isinstance(code, int) else None, "request_id": request_id}
    if (
        status == 200
        and code in SUCCESS_CODES
        and payload.get("result") is not False
        and payload.get("success") is not False
    ):
        if payload.get("result") is True or payload.get("success") is True:
            return Envelope(int(code), message, payload.get("data"), request_id)
        raise ApiError("CJ's answer has no `result: true`; not treating it as success", http_status=status, **kw)
    if code == DUPLICATE_ADD_CODE and DUPLICATE_ADD_TEXT in message.lower() and _path_of(call) != SOURCING_CREATE:
        return Envelope(int(code), message, payload.get("data"), request_id, duplicate=True)
    raise _error_for(status, code, message, kw)


def _error_for(status: int, code: object, message: str, kw: dict[str, Any]) -> ApiError:
    lowered = message.lower()
    shown = message or "(no message)"
    if SOURCING_LIMIT_TEXT in lowered or (
        code == DUPLICATE_ADD_CODE and _path_of(str(kw["call"])) == SOURCING_CREATE and "busy" not in lowered
    ):
        return SourcingLimitError(
            f"CJ's daily limit of sourcing requests is reached: {shown}",
            http_status=status,
            hint="CJ accepts a few sourcing requests per day; the rest are filed by a run after 00:00 UTC",
            **kw,
        )
    if (
        code == 16900500
        or (code == 429 and status != 429)
        or "insufficient api points" in lowered
        or (status == 429 and code == 429)
    ):
        return PointsExhaustedError(
            f"the account's API points are used up: {shown}",
            http_status=status,
            hint="CJ resets points at 00:00 UTC; run again after that",
            **kw,
        )
    if code == 1600200 or status == 429:
        if "300 seconds" in lowered:
            return AuthThrottledError(
                f"CJ allows getAccessToken once per 300 s: {shown}",
                http_status=status,
                hint="wait 5 minutes before authenticating again",
                **kw,
            )
        return RateLimitedError(f"too many requests: {shown}", http_status=status, **kw)
    if code == 1600201:
        return QuotaExhaustedError(
            f"CJ's quota is used up: {shown}", http_status=status, hint="retry after it resets", **kw
        )
    if code == 1600001:
        return InvalidTokenError(f"CJ rejected the access token: {shown}", http_status=status, **kw)
    if code == 1600003:
        return InvalidRefreshTokenError(f"CJ rejected the refresh token: {shown}", http_status=status, **kw)
    if code == 1600002:
        return ApiError("the access token was empty (a cjrec bug)", http_status=status, hint="report it", **kw)
    if isinstance(code, int) and 1600004 <= code <= 1600008:
        return CredentialsError(
            f"CJ refused the credentials: {shown}",
            http_status=status,
            hint="check apiToken in the Credentials manifest (CJ's site: My CJ > Authorization > API) and the account's status",
            **kw,
        )
    if code in (1602001, 1602002):
        what = "not found or offline" if code == 1602001 else "removed from shelves"
        return ProductUnavailableError(f"the product is {what}: {shown}", http_status=status, **kw)
    if code in (1600000, 1600301) or status >= 500:
        return TransientApiError(f"CJ is busy or failed: {shown}", http_status=status, **kw)
    if code == 1600300:
        return ApiError(
            f"CJ rejected a parameter: {shown}", http_status=status, hint="check the value named above", **kw
        )
    if code in (1600100, 1600101):
        return ApiError(f"CJ says this interface is unavailable: {shown}", http_status=status, **kw)
    return ApiError(f"CJ answered with an error: {shown}", http_status=status, **kw)


def _path_of(call: str) -> str:
    """``/product/sourcing/create`` of ``POST /product/sourcing/create?x=1``."""
    return call.split(" ", 1)[-1].split("?", 1)[0]


def _json_or_none(content: bytes) -> Any:
    import json

    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested thousands deep
        return None


def _snippet(content: bytes, limit: int = 80) -> str:
    text = content.decode("utf-8", "replace").strip().replace("\n", " ")
    return repr(text[:limit] + ("…" if len(text) > limit else ""))
