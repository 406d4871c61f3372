"""The HTTP transport to a WooCommerce store's REST API (``/wp-json/wc/v3``): the only module that talks to WooCommerce.

Plain ``requests``, not the ``woocommerce`` package: that package is a thin wrapper over
``requests`` (last released 2021) that, over plain http, signs with OAuth 1.0a in the query
string and offers query-string keys — secrets in URLs, which cjrec never sends — and has no
retries, pacing or batching; cjrec would have to wrap it in all of this module anyway, and
``requests`` is already the transport of CJ and Shopify (one session, injected clock, the same
error tree).

- **Auth**: the REST API key pair (consumer key and secret) in an HTTP Basic header, only
  over https; ``http://`` is refused unless the host is loopback (the sandbox). The keys never
  appear in a URL, a log line, an error or a repr.
- **Batches** (:meth:`WooHttp.batch`): ``create``/``update``/``delete`` cut into requests of
  at most :attr:`WooHttp.batch_limit` objects in total (WooCommerce's default 100); when the
  site's own limit is lower (``woocommerce_rest_request_entity_too_large``, or a web server's
  413), the batch is halved and sent again, and the lower limit is kept for the rest of the run.
  Each item's answer comes back in its place: the object, or WooCommerce's code and message
  (:class:`WooFailure`), so one refused product never stops the others.
- **Concurrency**: at most ``max_concurrency`` requests in flight (default 2: WooCommerce is
  self-hosted, often on a small server); :meth:`WooHttp.run_all` runs independent calls
  together within that bound.
- **Back-off like CJ's**: WooCommerce documents no rate limit, but hosts and WAFs answer 429
  or 503. A 429 is retried with capped exponential back-off and full jitter
  (:class:`~reconciler.adapters.rate_limiter.RetryPolicy`, up to ``max_rate_limited_attempts``),
  and pauses every request of the store until the wait is over; 5xx, dropped connections and
  timeouts are retried up to ``max_attempts``. A lost answer is retried too: a repeated
  create is refused by WooCommerce as a duplicated SKU, which the store layer resolves by
  looking the product up by its SKU. Time (``monotonic``, ``sleep``) is the injected clock's.
- Every failure is a :class:`~reconciler.errors.ApiError` subclass naming the call; no
  ``requests`` exception leaves this module. Text from the store is untrusted and reaches
  messages through ``safe_text.for_terminal``.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from reconciler import __version__
from reconciler.adapters.clock import Clock
from reconciler.adapters.rate_limiter import RetryPolicy
from reconciler.errors import (
    ApiError,
    CancelledError,
    CjrecError,
    RateLimitedError,
    Reach,
    TransientApiError,
    UsageError,
)
from reconciler.models.network import is_loopback
from reconciler.models.secret import Secret
from reconciler.safe_text import for_terminal

log = logging.getLogger("cjrec.woocommerce")

USER_AGENT = f"cjrec/{__version__} (+https://github.com/cjrec/cjrec)"
DEFAULT_TIMEOUT = (5.0, 60.0)  # a batch of 100 products can take a small server a while
API_PATH = "/wp-json/wc/v3"
BATCH_LIMIT = 100  # WooCommerce's default objects per batch request
PER_PAGE = 100  # the most a list answers per page
DEFAULT_CONCURRENCY = 2
TOO_LARGE = "woocommerce_rest_request_entity_too_large"
KEYS_HINT = (
    "check consumerKey and consumerSecret in the Store document: a key of WooCommerce → Settings → "
    "Advanced → REST API with Read/Write permissions; if the server strips the Authorization header, "
    "ask the host to pass it through"
)

T = TypeVar("T")


class WooAuthError(ApiError):
    """The store refused the REST API key (HTTP 401/403): a person must act."""

    reach: ClassVar[Reach] = Reach.ACCOUNT


class WooUnreachableApiError(ApiError):
    """The site answers, but not with WooCommerce's REST API: permalinks set to "Plain", or the plugin is off."""

    reach: ClassVar[Reach] = Reach.ACCOUNT


class WooRefusedError(ApiError):
    """WooCommerce refused the request itself (HTTP 4xx with its code and message)."""

    def __init__(self, message: str, *, woo_code: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.woo_code = woo_code


class _TooLarge(Exception):
    """The request carried more objects than the site takes (413)."""


@dataclass(frozen=True)
class WooFailure:
    """What WooCommerce said about one item (or one request): its code and message, terminal-safe."""

    code: str
    message: str
    status: int | None = None

    def __str__(self) -> str:
        return f"{self.message} ({self.code})" if self.code else self.message


@dataclass(frozen=True)
class ItemResult:
    """One object of a batch: what WooCommerce answered for it, or why it failed."""

    value: dict[str, Any] | None
    error: WooFailure | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.value is not None


@dataclass
class BatchResult:
    """A batch's answers, each list in the order of what was sent."""

    create: list[ItemResult] = field(default_factory=list)
    update: list[ItemResult] = field(default_factory=list)
    delete: list[ItemResult] = field(default_factory=list)


@dataclass
class WooStats:
    """What a run sent: requests answered, attempts, retries, 429s, batches, objects, halvings, seconds paused."""

    requests: int = 0
    attempts: int = 0
    retries: int = 0
    rate_limited: int = 0
    batches: int = 0
    objects: int = 0
    halvings: int = 0
    paused_s: float = 0.0


class WooKeys:
    """A REST API key pair; shown as neither."""

    def __init__(self, consumer_key: Secret, consumer_secret: Secret) -> None:
        self._key, self._secret = consumer_key, consumer_secret

    def __repr__(self) -> str:
        return "WooKeys(…)"

    def header(self) -> str:
        pair = f"{self._key.reveal()}:{self._secret.reveal()}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


def check_store_url(url: str) -> str:
    """``url`` without a trailing slash when it is https, or http to a loopback host; else a UsageError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"the store URL {url[:100]!r} is not an http(s) URL", hint="give https://your-shop.example")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise UsageError(
            f"the store URL uses plain http to {parts.hostname[:60]}: the REST API keys would travel unencrypted",
            hint="use https://, or http:// only for a sandbox on 127.0.0.1/localhost",
        )
    return url.rstrip("/")


@dataclass
class WooHttp:
    """Sends requests to one WooCommerce store's REST API, at most ``max_concurrency`` at a time."""

    url: str  # the site, https://shop.example.com (the API is under /wp-json/wc/v3)
    keys: WooKeys
    clock: Clock
    max_concurrency: int = DEFAULT_CONCURRENCY
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    rng: random.Random = field(default_factory=random.Random)
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    session: requests.Session = field(default_factory=requests.Session)
    stats: WooStats = field(default_factory=WooStats)
    cancel: threading.Event = field(default_factory=threading.Event)
    batch_limit: int = BATCH_LIMIT
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _paused_until: float = 0.0

    def __post_init__(self) -> None:
        self.url = check_store_url(self.url)
        if self.max_concurrency < 1:
            raise UsageError("maxConcurrency is at least 1")
        self._slots = threading.BoundedSemaphore(self.max_concurrency)
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.max_concurrency, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT

    def __repr__(self) -> str:
        return f"WooHttp({self.url!r})"

    def close(self) -> None:
        self.session.close()

    # -- calls ------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        call: str | None = None,
    ) -> Any:
        """One request (with its retries) to ``/wp-json/wc/v3<path>``; its JSON answer, or an ApiError naming ``call``."""
        call = call or f"{method} {path}"
        try:
            return self._request(method, path, params=params, body=body, call=call)
        except _TooLarge:
            raise WooRefusedError(
                f"the store takes fewer objects per request than this one carries ({self.batch_limit} or less)",
                call=call,
                woo_code=TOO_LARGE,
                http_status=413,
            ) from None

    def get_all(self, path: str, *, params: Mapping[str, str | int] | None = None, call: str) -> list[dict[str, Any]]:
        """Every page of a list (``per_page`` 100) until a page comes back short."""
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            answer = self.request("GET", path, params={**(params or {}), "per_page": PER_PAGE, "page": page}, call=call)
            items = [item for item in answer if isinstance(item, dict)] if isinstance(answer, list) else []
            found.extend(items)
            if len(items) < PER_PAGE:
                return found
            page += 1

    def batch(
        self,
        path: str,
        *,
        create: Sequence[Mapping[str, Any]] = (),
        update: Sequence[Mapping[str, Any]] = (),
        delete: Sequence[int] = (),
        call: str,
    ) -> BatchResult:
        """``POST <path>`` (``/products/batch``, ``/products/<id>/variations/batch``) in requests of at most
        :attr:`batch_limit` objects, run ``max_concurrency`` at a time; every item answered in its place.

        A request that fails after its retries fails its own items (with the reason), not the
        others; an error that reaches the account (the keys refused) or the run (cancelled) is raised.
        """
        objects: list[tuple[str, int, Any]] = [
            *(("create", n, dict(item)) for n, item in enumerate(create)),
            *(("update", n, dict(item)) for n, item in enumerate(update)),
            *(("delete", n, item) for n, item in enumerate(delete)),
        ]
        result = BatchResult(
            create=[ItemResult(None)] * len(create),
            update=[ItemResult(None)] * len(update),
            delete=[ItemResult(None)] * len(delete),
        )
        limit = self.batch_limit
        chunks = [objects[start : start + limit] for start in range(0, len(objects), limit)]
        outcomes = self.run_all([functools.partial(self._send_batch, path, chunk, call) for chunk in chunks])
        for chunk, outcome in zip(chunks, outcomes, strict=True):
            if isinstance(outcome, CjrecError):
                if outcome.reach in (Reach.ACCOUNT, Reach.RUN):
                    raise outcome
                failed = ItemResult(None, WooFailure(getattr(outcome, "woo_code", ""), outcome.message))
                answers = [(kind, n, failed) for kind, n, _ in chunk]
            else:
                answers = outcome
            for kind, n, item in answers:
                getattr(result, kind)[n] = item
        return result

    def run_all(self, tasks: Sequence[Callable[[], T]]) -> list[T | CjrecError]:
        """Run ``tasks`` at most ``max_concurrency`` at a time; each one's result or the CjrecError it raised, in order."""

        def guarded(task: Callable[[], T]) -> T | CjrecError:
            try:
                return task()
            except CjrecError as exc:
                return exc

        if len(tasks) <= 1 or self.max_concurrency == 1:
            return [guarded(task) for task in tasks]
        with ThreadPoolExecutor(max_workers=self.max_concurrency, thread_name_prefix="cjrec-woo") as pool:
            return list(pool.map(guarded, tasks))

    # -- pieces -----------------------------------------------------------------------------
    def _send_batch(self, path: str, chunk: list[tuple[str, int, Any]], call: str) -> list[tuple[str, int, ItemResult]]:
        body: dict[str, list[Any]] = {}
        for kind, _, item in chunk:
            body.setdefault(kind, []).append(item)
        try:
            answer = self._request("POST", path, params=None, body=body, call=call)
        except _TooLarge:
            if len(chunk) == 1:
                raise WooRefusedError(
                    "the store refuses even one object per batch request",
                    call=call,
                    woo_code=TOO_LARGE,
                    http_status=413,
                ) from None
            half = (len(chunk) + 1) // 2
            with self._lock:
                self.batch_limit = min(self.batch_limit, half)
                self.stats.halvings += 1
            log.debug("%s: the store takes fewer objects per batch; sending %d at a time", call, half)
            return self._send_batch(path, chunk[:half], call) + self._send_batch(path, chunk[half:], call)
        with self._lock:
            self.stats.batches += 1
            self.stats.objects += len(chunk)
        out: list[tuple[str, int, ItemResult]] = []
        position = dict.fromkeys(body, 0)
        for kind, n, _ in chunk:
            answers = answer.get(kind) if isinstance(answer, dict) else None
            index = position[kind]
            position[kind] += 1
            one = answers[index] if isinstance(answers, list) and index < len(answers) else None
            out.append((kind, n, _item(one)))
        return out

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None,
        body: Mapping[str, Any] | None,
        call: str,
    ) -> Any:
        attempt = limited = 0
        while True:
            attempt += 1
            try:
                status, payload = self._send(method, path, params=params, body=body, call=call)
            except TransientApiError:
                if attempt >= self.retry.max_attempts:
                    raise
                self._back_off(attempt, call, "transient failure")
                continue
            if status == 429:
                limited += 1
                with self._lock:
                    self.stats.rate_limited += 1
                if limited >= self.retry.max_rate_limited_attempts:
                    raise RateLimitedError(
                        f"the store kept answering 429 after {limited} tries",
                        call=call,
                        http_status=429,
                        hint="the store's host or firewall limits requests: lower maxConcurrency in the Store "
                        "document, or retry later",
                    )
                self._back_off(limited, call, "rate limited", pause_all=True)
                continue
            if status >= 500:
                if attempt >= self.retry.max_attempts:
                    raise TransientApiError(
                        f"the store kept failing (HTTP {status})", call=call, http_status=status, hint="retry later"
                    )
                self._back_off(attempt, call, f"HTTP {status}", pause_all=status == 503)
                continue
            if 200 <= status < 300:
                with self._lock:
                    self.stats.requests += 1
                return payload
            self._refused(status, payload, call)

    def _refused(self, status: int, payload: Any, call: str) -> None:
        failure = _failure(payload, status)
        if status == 413:
            raise _TooLarge()
        if status in (401, 403):
            raise WooAuthError(
                f"the store refused cjrec's REST API key: {failure.message}",
                call=call,
                http_status=status,
                hint=KEYS_HINT,
            )
        if status == 404 and not isinstance(payload, dict):
            raise WooUnreachableApiError(
                f"{self.url}{API_PATH} answers with a page, not WooCommerce's REST API",
                call=call,
                http_status=status,
                hint='set WordPress permalinks to anything but "Plain" (Settings → Permalinks), and check that '
                "WooCommerce is active",
            )
        if failure.code == "rest_no_route":
            raise WooUnreachableApiError(
                f"the store has no such REST route: {failure.message}",
                call=call,
                http_status=status,
                hint="check that WooCommerce (3.5 or later, REST API wc/v3) is active on the site",
            )
        raise WooRefusedError(f"the store refused it: {failure}", call=call, woo_code=failure.code, http_status=status)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None,
        body: Mapping[str, Any] | None,
        call: str,
    ) -> tuple[int, Any]:
        if self.cancel.is_set():
            raise CancelledError(f"not sent: the run was interrupted ({call})")
        self._wait_for_pause(call)
        with self._slots:
            if self.cancel.is_set():
                raise CancelledError(f"not sent: the run was interrupted ({call})")
            with self._lock:
                self.stats.attempts += 1
            try:
                response = self.session.request(
                    method,
                    self.url + API_PATH + path,
                    params=dict(params or {}),
                    data=None if body is None else json.dumps(body, separators=(",", ":")),
                    headers={"Authorization": self.keys.header(), "Content-Type": "application/json"},
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.Timeout:
                raise TransientApiError("the store did not answer in time", call=call) from None
            except requests.ConnectionError:
                raise TransientApiError(f"cannot reach the store at {self.url}", call=call) from None
            except requests.RequestException as exc:
                raise ApiError(f"the request failed ({type(exc).__name__})", call=call) from None
        log.debug("%s -> HTTP %s", call, response.status_code)
        return response.status_code, _json(response.content)

    def _wait_for_pause(self, call: str) -> None:
        with self._lock:
            wait = self._paused_until - self.clock.monotonic()
        if wait > 0:
            log.debug("%s: waiting %.2fs (the store asked to slow down)", call, wait)
            self.clock.sleep(wait)

    def _back_off(self, attempt: int, call: str, why: str, *, pause_all: bool = False) -> None:
        delay = self.retry.backoff(attempt, self.rng)
        with self._lock:
            self.stats.retries += 1
            self.stats.paused_s += delay
            if pause_all:
                self._paused_until = max(self._paused_until, self.clock.monotonic() + delay)
        log.debug("retrying %s after %s in %.2fs", call, why, delay)
        if not pause_all:
            self.clock.sleep(delay)


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _failure(payload: Any, status: int | None) -> WooFailure:
    """WooCommerce's ``{code, message, data: {status}}``, terminal-safe; a plain description when it is not that."""
    if isinstance(payload, dict) and isinstance(payload.get("code"), str):
        data = payload.get("data")
        shown = data.get("status") if isinstance(data, dict) else None
        return WooFailure(
            code=for_terminal(payload["code"], limit=80),
            message=for_terminal(str(payload.get("message") or ""), limit=300),
            status=shown if isinstance(shown, int) else status,
        )
    return WooFailure(code="", message=f"HTTP {status} without WooCommerce's error body", status=status)


def _item(answer: Any) -> ItemResult:
    if not isinstance(answer, dict):
        return ItemResult(None, WooFailure("", "the store answered nothing for this object"))
    if isinstance(answer.get("error"), dict):
        return ItemResult(None, _failure(answer["error"], None))
    return ItemResult(answer)
