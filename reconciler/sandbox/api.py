"""CJ's API as the sandbox answers it: every request under ``/api2.0/v1``.

:meth:`CjApi.handle` takes one parsed :class:`Request` and returns the :class:`Reply`
the server writes; it runs entirely under the state lock and never sleeps (latency and
timeout faults are returned as a delay for the server to wait out). For each call, in order:

1. note the arrival time on the sandbox clock and draw the call's fault (:mod:`.faults`);
2. a 429 burst, a 5xx, a dropped connection or "System busy" answer at once, unprocessed
   (a timeout fault lets the call through and only holds its answer back);
3. the per-IP (10/s) and per-account (``qps``) sliding windows: HTTP 429 + 1600200 (or HTTP 200
   + 1600200 with the ``throttle_http_200`` fault);
4. routing (unknown path, or one of the ``missing_paths`` fault: HTTP 404 + 1600101), then authentication: the auth calls check
   their body, everything else the ``CJ-Access-Token`` header (1600002 missing, 1600001 bad);
5. ``quota_exhausted`` (1600201), then points: a call that costs more than what is left
   answers 16900500; points are charged only when the call succeeds;
6. the endpoint itself (:mod:`.endpoints`); then the call is logged without secrets.
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.sandbox import envelope as env
from reconciler.sandbox.clock import cj_date
from reconciler.sandbox.endpoints import ROUTES
from reconciler.sandbox.endpoints.call import Call
from reconciler.sandbox.envelope import Reply, Request
from reconciler.sandbox.faults import Draw, FaultKind
from reconciler.sandbox.hostile import HOSTILE_MESSAGE
from reconciler.sandbox.state import SandboxState

API_PREFIX = "/api2.0/v1"
AUTH_PREFIX = "/authentication/"
COSTS = {  # every other endpoint served here is free
    "/product/query": 10,
    "/webhook/product/subscribe": 10,
    "/webhook/product/unsubscribe": 10,
    "/logistic/freightCalculate": 10,
}


class CjApi:
    """The API side of a sandbox."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state

    def handle(self, request: Request) -> Reply:
        state = self._state
        with state.lock:
            now_mono, now_wall = state.clock.monotonic(), state.clock.wall()
            draw = state.faults.draw(request.path.removeprefix(API_PREFIX))
            reply = self._faulted(draw)
            if reply is None:
                reply = self._limited(request, now_mono) or self._serve(request, now_mono, now_wall)
                if draw.kind is FaultKind.TIMEOUT:
                    reply = reply.delayed(state.faults.timeout_s)
            if state.faults.hostile_messages and reply.code not in (None, env.OK):
                reply = env.with_message_suffix(reply, HOSTILE_MESSAGE)
            if reply.delivery is env.Delivery.ANSWER:
                reply = reply.delayed(state.faults.latency_ms / 1000.0)
            self._log(request, reply, draw, now_mono, now_wall)
            return reply

    def _faulted(self, draw: Draw) -> Reply | None:
        if draw.kind is FaultKind.BURST_429:
            return self._throttled(self._state.account.window.describe())
        if draw.kind is FaultKind.ERROR_5XX:
            return env.server_error(draw.status)
        if draw.kind is FaultKind.DROP:
            return env.dropped()
        if draw.kind is FaultKind.BUSY:
            return env.failure(env.BUSY, "System busy, please try again later.")
        return None

    def _limited(self, request: Request, now: float) -> Reply | None:
        """HTTP 429 if the caller's IP or the account has no room left in its window."""
        state = self._state
        if not state.config.enforce_qps:
            return None
        ip_window, account_window = state.ip_window(request.client_ip), state.account.window
        for window in (ip_window, account_window):
            if window.count(now) >= window.capacity:
                return self._throttled(window.describe())
        ip_window.try_acquire(now)
        account_window.try_acquire(now)
        return None

    def _throttled(self, limit: str) -> Reply:
        status = 200 if self._state.faults.throttle_http_200 else 429
        return env.too_many_requests(f"Too Many Requests, QPS limit is {limit}", status=status)

    def _serve(self, request: Request, now_mono: float, now_wall: float) -> Reply:
        state = self._state
        subpath = request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX + "/") else None
        endpoint: Callable[[Call], Reply] | None = None
        if subpath is not None:
            endpoint = ROUTES.get((request.method, subpath))
        if subpath is None or endpoint is None or subpath in state.faults.missing_paths:
            return env.failure(env.NOT_FOUND, f"Interface not found: {request.method} {request.path}", status=404)
        call = Call(state, request.query, request.body, request.headers.get("cj-access-token", ""), now_mono, now_wall)
        if not subpath.startswith(AUTH_PREFIX) or subpath == "/authentication/logout":
            denied = self._authorise(call)
            if denied is not None:
                return denied
        if state.faults.quota_exhausted and not subpath.startswith(AUTH_PREFIX):
            return env.failure(env.QUOTA_USED_UP, "The API call quota has been used up.")
        cost = COSTS.get(subpath, 0)
        day = state.clock.utc_day()
        if cost and not state.account.points.can_spend(day, cost):
            return env.failure(
                env.OUT_OF_POINTS, "Insufficient API points, please try again after the reset at 00:00 UTC"
            )
        reply = endpoint(call)
        if cost and reply.code == env.OK:
            state.account.points.spend(day, cost)
        return reply

    def _authorise(self, call: Call) -> Reply | None:
        if not call.token:
            return env.failure(env.TOKEN_EMPTY, "CJ-Access-Token is empty. Please log in again.")
        if not self._state.account.tokens.access_valid(call.token, call.now_wall):
            return env.failure(env.INVALID_TOKEN, "Invalid API key or access token.")
        return None

    def _log(self, request: Request, reply: Reply, draw: Draw, now_mono: float, now_wall: float) -> None:
        scrubber = self._state.scrubber()
        query, leaked = scrubber.query(request.raw_query)
        self._state.calls.add(
            {
                "time": now_wall,
                "date": cj_date(now_wall),
                "t": now_mono,
                "method": request.method,
                "path": scrubber.text(request.path),
                "query": query,
                "body": scrubber.body(request.body),
                "http_status": reply.status,
                "code": reply.code,
                "fault": None if draw.kind is FaultKind.NONE else draw.kind.value,
                "token_in_url": leaked or scrubber.contains_secret(request.path),
                "token_header": "cj-access-token" in request.headers,
                "secret_headers": scrubber.secret_headers(request.headers),
                "client": request.client_ip,
            }
        )
