"""The HTTP transport to a Shopify store's Admin GraphQL API: the only module that talks to Shopify.

Every query goes through :meth:`ShopifyHttp.execute`, which

- gets the store's access token from its :class:`StoreToken` (a fixed ``accessToken``, or the
  client-credentials grant, whose tokens expire: fetched on first use, fetched again after a 401)
  and sends it only in the ``X-Shopify-Access-Token`` header;
- **paces by Shopify's leaky bucket**: it keeps the ``throttleStatus`` of the last answer
  (``currentlyAvailable``, ``restoreRate``, ``maximumAvailable``) and, before a query whose
  cost it expects, waits until the bucket has refilled that far — never sending more than the
  bucket allows; a ``THROTTLED`` answer is retried after the wait its own ``throttleStatus``
  computes (``requestedQueryCost`` − ``currentlyAvailable``) / ``restoreRate``;
- rides out 5xx answers, dropped connections and timeouts with capped exponential back-off. The
  mutations cjrec sends are safe to repeat (``productSet`` upserts by its identifier,
  ``productVariantsBulkUpdate`` sets values, a second ``metafieldDefinitionCreate`` answers
  ``TAKEN``), so a lost answer is retried too;
- turns every failure into a :class:`~reconciler.errors.ApiError` subclass naming the call;
  ``userErrors`` are not failures here: they are in the data, for the caller to report per product.

No ``requests`` exception leaves this module, and no token appears in a URL, a log line, an
error or a repr. Time (``monotonic``, ``sleep``) comes from the injected clock.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

import requests
from requests.adapters import HTTPAdapter

from reconciler import __version__
from reconciler.adapters.clock import Clock
from reconciler.adapters.rate_limiter import RetryPolicy
from reconciler.adapters.store_tokens import StoreTokenCache
from reconciler.errors import ApiError, CancelledError, Reach, TransientApiError, UsageError
from reconciler.models.secret import Secret
from reconciler.safe_text import for_terminal

log = logging.getLogger("cjrec.shopify")

USER_AGENT = f"cjrec/{__version__} (+https://github.com/cjrec/cjrec)"
DEFAULT_TIMEOUT = (5.0, 30.0)
MUTATION_COST = 10  # what a mutation is expected to cost before Shopify says
MAX_THROTTLED = 30  # THROTTLED answers ridden out for one query before giving up
TOKEN_MARGIN_S = 60.0  # a granted token is used until a minute before it expires


class ShopifyAuthError(ApiError):
    """The store refused the token or the app's credentials (HTTP 401/403): a person must act."""

    reach: ClassVar[Reach] = Reach.ACCOUNT


class ShopifyThrottledError(TransientApiError):
    """Shopify kept answering THROTTLED; another app may be spending the same bucket."""

    reach: ClassVar[Reach] = Reach.PACE


class ShopifyQueryError(ApiError):
    """Shopify refused the query itself (``errors`` without data): a field or argument its schema
    does not have, a query over the cost ceiling. A cjrec bug or an API version mismatch."""


@dataclass(frozen=True)
class Cost:
    """``extensions.cost`` of one answer."""

    requested: int
    actual: int | None
    maximum: float
    available: float
    restore_rate: float


@dataclass(frozen=True)
class Answer:
    """The ``data`` of a successful query and what it cost."""

    data: dict[str, Any]
    cost: Cost | None


@dataclass
class ShopifyStats:
    """What a run sent: queries, attempts, retries, THROTTLED answers, points spent, seconds waited for the bucket."""

    queries: int = 0
    attempts: int = 0
    retries: int = 0
    throttled: int = 0
    points: int = 0
    paced_s: float = 0.0


class StoreToken:
    """The store's access token: a fixed one, or one got by the client-credentials grant
    (``POST /admin/oauth/access_token``), kept until it expires or the store refuses it. With a
    ``cache`` the granted token outlives the run (encrypted, under ``cache_key``): the next run
    uses it until a minute before it expires, so a run asks the store for a token only when
    the cached one expired or was refused."""

    def __init__(
        self,
        *,
        access_token: Secret | None = None,
        client_id: Secret | None = None,
        client_secret: Secret | None = None,
        cache: StoreTokenCache | None = None,
        cache_key: str = "",
    ) -> None:
        self._cache = cache
        self._cache_key = cache_key
        if access_token is None and (client_id is None or client_secret is None):
            raise UsageError("a store needs accessToken, or clientId and clientSecret")
        self._fixed = access_token
        self._client: tuple[Secret, Secret] | None = None
        if access_token is None and client_id is not None and client_secret is not None:
            self._client = (client_id, client_secret)
        self._token: Secret | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "StoreToken(" + ("access token" if self._fixed is not None else "client credentials") + ")"

    @property
    def renewable(self) -> bool:
        """True when a refused token can be replaced by asking again (client credentials)."""
        return self._client is not None

    def get(self, http: ShopifyHttp) -> Secret:
        """The token to send now (asking the store for one when there is none or it expired)."""
        if self._fixed is not None:
            return self._fixed
        with self._lock:
            if self._token is None and self._cache is not None:
                self._from_cache(http.clock)
            if self._token is None or http.clock.monotonic() >= self._expires_at:
                self._token, lifetime = http.fetch_token(*self._pair())
                self._expires_at = http.clock.monotonic() + max(0.0, lifetime - TOKEN_MARGIN_S)
                if self._cache is not None:
                    self._cache.save(self._cache_key, self._token, http.clock.now() + timedelta(seconds=lifetime))
            return self._token

    def _from_cache(self, clock: Clock) -> None:
        assert self._cache is not None
        found = self._cache.load(self._cache_key)
        if found is None:
            return
        token, expires_at = found
        left = (expires_at - clock.now()).total_seconds() - TOKEN_MARGIN_S
        if left > 0:
            self._token, self._expires_at = token, clock.monotonic() + left

    def forget(self) -> None:
        """The store refused the token: the next :meth:`get` asks for a new one."""
        with self._lock:
            self._token = None

    def _pair(self) -> tuple[Secret, Secret]:
        assert self._client is not None
        return self._client


@dataclass
class _Bucket:
    """The last throttle status Shopify reported, and when."""

    available: float | None = None
    maximum: float | None = None
    restore_rate: float | None = None
    at: float = 0.0

    def wait_for(self, points: float, now: float) -> float:
        """Seconds until ``points`` are available (0 when unknown yet or available now)."""
        if self.available is None or not self.restore_rate:
            return 0.0
        ceiling = self.maximum if self.maximum is not None else points
        have = min(ceiling, self.available + (now - self.at) * self.restore_rate)
        need = min(points, ceiling)
        return max(0.0, (need - have) / self.restore_rate)

    def spend(self, points: float, now: float) -> None:
        if self.available is not None and self.restore_rate:
            ceiling = self.maximum if self.maximum is not None else self.available
            self.available = min(ceiling, self.available + (now - self.at) * self.restore_rate) - points
            self.at = now


@dataclass
class ShopifyHttp:
    """Sends GraphQL queries to one store, paced by its bucket. ``graphql_url`` is the store's
    ``…/admin/api/<version>/graphql.json`` (https, or http only on loopback: checked by the Store document)."""

    graphql_url: str
    token: StoreToken
    clock: Clock
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    rng: random.Random = field(default_factory=random.Random)
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    session: requests.Session = field(default_factory=requests.Session)
    stats: ShopifyStats = field(default_factory=ShopifyStats)
    cancel: threading.Event = field(default_factory=threading.Event)
    _bucket: _Bucket = field(default_factory=_Bucket)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=4, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT

    def __repr__(self) -> str:
        return f"ShopifyHttp({self.graphql_url!r})"

    @property
    def base_url(self) -> str:
        """``https://<domain>`` (or the endpoint that replaces it)."""
        return self.graphql_url.split("/admin/", 1)[0]

    def close(self) -> None:
        self.session.close()

    # -- queries ----------------------------------------------------------------------------
    def execute(
        self, query: str, variables: Mapping[str, Any] | None = None, *, call: str, expected_cost: int = MUTATION_COST
    ) -> Answer:
        """Run one query (with its retries) and return its data, or raise an ApiError naming ``call``."""
        attempt = throttled = 0
        renewed = False
        while True:
            self._pace(expected_cost, call)
            attempt += 1
            try:
                status, payload = self._post(query, variables, call=call)
            except TransientApiError:
                if attempt >= self.retry.max_attempts:
                    raise
                self._back_off(attempt, call)
                continue
            if status in (401, 403):
                if status == 401 and self.token.renewable and not renewed:
                    self.token.forget()
                    renewed = True
                    continue
                raise ShopifyAuthError(
                    "the store refused cjrec's access token"
                    if status == 401
                    else "the app lacks a scope this call needs",
                    call=call,
                    http_status=status,
                    hint="check accessToken (or clientId/clientSecret) in the Store document and the app's scopes "
                    "(read_products, write_products) in Shopify's Dev Dashboard",
                )
            if status >= 500 or status == 429:
                if attempt >= self.retry.max_attempts:
                    raise TransientApiError(
                        f"the store kept failing (HTTP {status})", call=call, http_status=status, hint="retry later"
                    )
                self._back_off(attempt, call)
                continue
            if status != 200 or not isinstance(payload, dict):
                raise ApiError(f"unexpected answer from the store (HTTP {status})", call=call, http_status=status)
            cost = _cost(payload)
            self._remember(cost)
            errors = payload.get("errors")
            if _throttled(errors):
                throttled += 1
                with self._lock:
                    self.stats.throttled += 1
                if throttled >= MAX_THROTTLED:
                    raise ShopifyThrottledError(
                        f"Shopify answered THROTTLED {throttled} times",
                        call=call,
                        hint="another app may be spending this store's query budget; retry later",
                    )
                self._wait(_throttle_wait(cost, expected_cost), call, "throttled")
                continue
            data = payload.get("data")
            if errors and not isinstance(data, dict):
                raise ShopifyQueryError(
                    f"Shopify refused the query: {for_terminal(_first_message(errors), limit=200)}",
                    call=call,
                    hint="this is a cjrec bug or an API version mismatch; report it with the plan",
                )
            if not isinstance(data, dict):
                raise ApiError("the store's answer has no data", call=call, http_status=status)
            with self._lock:
                self.stats.queries += 1
                self.stats.points += cost.actual if cost is not None and cost.actual is not None else 0
            return Answer(data, cost)

    def fetch_token(self, client_id: Secret, client_secret: Secret) -> tuple[Secret, float]:
        """The client-credentials grant: a new access token and its lifetime in seconds."""
        call = "POST /admin/oauth/access_token"
        try:
            response = self.session.post(
                self.base_url + "/admin/oauth/access_token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": client_id.reveal(),
                    "client_secret": client_secret.reveal(),
                },
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException:
            raise TransientApiError(f"cannot reach the store at {self.base_url}", call=call) from None
        if response.status_code in (400, 401, 403):
            raise ShopifyAuthError(
                "the store refused the app's client credentials",
                call=call,
                http_status=response.status_code,
                hint="check clientId and clientSecret in the Store document (the app's settings in Shopify's Dev Dashboard)",
            )
        body = _json(response.content)
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            raise ApiError("the store gave no access token", call=call, http_status=response.status_code)
        lifetime = body.get("expires_in") if isinstance(body, dict) else None
        return Secret(token), float(lifetime) if isinstance(lifetime, int | float) else 3600.0

    # -- pieces ---------------------------------------------------------------------------------
    def _post(self, query: str, variables: Mapping[str, Any] | None, *, call: str) -> tuple[int, Any]:
        if self.cancel.is_set():
            raise CancelledError(f"not sent: the run was interrupted ({call})")
        token = self.token.get(self)
        with self._lock:
            self.stats.attempts += 1
        try:
            response = self.session.post(
                self.graphql_url,
                data=json.dumps({"query": query, "variables": dict(variables or {})}),
                headers={"X-Shopify-Access-Token": token.reveal(), "Content-Type": "application/json"},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise TransientApiError("the store did not answer in time", call=call) from None
        except requests.ConnectionError:
            raise TransientApiError(f"cannot reach the store at {self.base_url}", call=call) from None
        except requests.RequestException as exc:
            raise ApiError(f"the request failed ({type(exc).__name__})", call=call) from None
        log.debug("%s -> HTTP %s", call, response.status_code)
        return response.status_code, _json(response.content)

    def _pace(self, points: int, call: str) -> None:
        with self._lock:
            wait = self._bucket.wait_for(points, self.clock.monotonic())
            self._bucket.spend(points, self.clock.monotonic() + wait)
        if wait > 0:
            self._wait(wait, call, "pacing", paced=True)

    def _remember(self, cost: Cost | None) -> None:
        if cost is None:
            return
        with self._lock:
            self._bucket = _Bucket(cost.available, cost.maximum, cost.restore_rate, self.clock.monotonic())

    def _back_off(self, attempt: int, call: str) -> None:
        with self._lock:
            self.stats.retries += 1
        self._wait(self.retry.backoff(attempt, self.rng), call, "transient failure")

    def _wait(self, seconds: float, call: str, why: str, *, paced: bool = False) -> None:
        log.debug("%s: waiting %.2fs (%s)", call, seconds, why)
        if paced:
            with self._lock:
                self.stats.paced_s += seconds
        self.clock.sleep(seconds)


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _cost(payload: dict[str, Any]) -> Cost | None:
    cost = (payload.get("extensions") or {}).get("cost") if isinstance(payload.get("extensions"), dict) else None
    status = cost.get("throttleStatus") if isinstance(cost, dict) else None
    if not isinstance(cost, dict) or not isinstance(status, dict):
        return None
    try:
        return Cost(
            requested=int(cost.get("requestedQueryCost") or 0),
            actual=None if cost.get("actualQueryCost") is None else int(cost["actualQueryCost"]),
            maximum=float(status["maximumAvailable"]),
            available=float(status["currentlyAvailable"]),
            restore_rate=float(status["restoreRate"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _throttled(errors: object) -> bool:
    return isinstance(errors, list) and any(
        isinstance(e, dict) and isinstance(e.get("extensions"), dict) and e["extensions"].get("code") == "THROTTLED"
        for e in errors
    )


def _throttle_wait(cost: Cost | None, expected: int) -> float:
    """Seconds until the bucket holds what the throttled query asked for (1 s when Shopify did not say)."""
    if cost is None or cost.restore_rate <= 0:
        return 1.0
    wanted = cost.requested or expected
    return max(0.0, (wanted - cost.available) / cost.restore_rate)


def _first_message(errors: object) -> str:
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message", ""))
    return str(errors)
