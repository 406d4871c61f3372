"""Shopify's Admin API for one shop as the stand-in answers it, and the merchant's side of it.

:meth:`ShopifyApi.handle` takes one parsed request under ``/admin/`` and returns the reply:

- ``POST /admin/oauth/access_token`` — the client-credentials grant (``grant_type``,
  ``client_id``, ``client_secret``, as a form or JSON): a token that expires after
  ``token_lifetime_s`` on the sandbox clock;
- ``POST /admin/api/<version>/graphql.json`` with ``X-Shopify-Access-Token`` (HTTP 401
  without a valid one; 404 for a version before 2025-04 or malformed): the query is parsed
  and **validated against Shopify's schema subset** (errors as Shopify writes them, HTTP 200),
  its calculated cost is checked against the 1,000-point ceiling and the leaky bucket
  (``THROTTLED`` when the bucket lacks it), then executed by graphql-core on :class:`~.shop.Root`;
  every answer carries ``extensions.cost``.

Faults for the reliability tests are queued with :meth:`ShopifyApi.fail_next` (``5xx``,
``drop``, ``throttle``). Every call is logged without its token (:attr:`ShopifyApi.calls`).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from graphql import (
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    execute,
    get_operation_ast,
    parse,
    validate,
)

from reconciler.sandbox.envelope import Delivery, Reply, Request
from reconciler.sandbox.shopify.bucket import MAX_QUERY_COST, Bucket
from reconciler.sandbox.shopify.schema import admin_schema, requested_cost
from reconciler.sandbox.shopify.shop import Root, Shop

SHOPIFY_PREFIX = "/admin/"
TOKEN_PATH = "/admin/oauth/access_token"  # noqa: S105 - a path, not a password
GRAPHQL_PATH = re.compile(r"^/admin/api/(?P<version>20[0-9]{2}-(01|04|07|10))/graphql\.json$")
LOWEST_VERSION = "2025-04"
DEFAULT_TOKEN = "shpat_sandbox_" + "0" * 32  # the token of a fresh stand-in; tests set their own
SCOPES = "read_products,write_products"
FAULTS = ("5xx", "drop", "throttle")


@dataclass
class ShopifyConfig:
    """The shop the stand-in plays: its domain, app credentials and rate."""

    domain: str = "cjrec-sandbox.myshopify.com"
    access_tokens: tuple[str, ...] = (DEFAULT_TOKEN,)
    client_id: str | None = None
    client_secret: str | None = None
    token_lifetime_s: float = 86_399.0
    bucket_size: float = 2000.0
    restore_rate: float = 100.0
    latency_s: float = 0.0  # every answer waits this long after the shop has acted (kill tests land in between)


@dataclass
class _Issued:
    token: str
    expires_at: float


@dataclass
class ShopifyApi:
    """The stand-in: one shop, its bucket and tokens; every call under one lock."""

    config: ShopifyConfig
    monotonic: Callable[[], float]
    wall: Callable[[], float]
    shop: Shop = field(init=False)
    bucket: Bucket = field(init=False)
    calls: list[dict[str, Any]] = field(default_factory=list)
    _issued: list[_Issued] = field(default_factory=list)
    _faults: list[str] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.shop = Shop(now=lambda: datetime.fromtimestamp(self.wall(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.bucket = Bucket(self.monotonic, maximum=self.config.bucket_size, restore_rate=self.config.restore_rate)

    # -- the admin side (tests, the merchant) -------------------------------------------
    def fail_next(self, *kinds: str) -> None:
        """The next calls fail, one per kind, in order: ``5xx`` (HTTP 503), ``drop`` (the
        connection closes without an answer), ``throttle`` (``THROTTLED`` whatever the bucket)."""
        for kind in kinds:
            if kind not in FAULTS:
                raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULTS)}")
        with self._lock:
            self._faults.extend(kinds)

    def expire_tokens(self) -> None:
        """Every client-credentials token expires now."""
        with self._lock:
            self._issued.clear()

    def merchant_edit(self, gid: str, **changes: Any) -> None:
        with self._lock:
            self.shop.merchant_edit(gid, **changes)

    def merchant_delete(self, gid: str) -> None:
        with self._lock:
            self.shop.merchant_delete(gid)

    def products(self) -> list[dict[str, Any]]:
        """A copy of every product as the stand-in keeps it (variants, metafields by (ns, key))."""
        import copy

        with self._lock:
            return copy.deepcopy(list(self.shop.products.values()))

    def set_latency(self, seconds: float) -> None:
        """From now on every answer waits ``seconds`` after the shop has acted on the request."""
        with self._lock:
            self.config.latency_s = max(0.0, seconds)

    # -- requests ---------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        reply = self._handle(request)
        return reply.delayed(self.config.latency_s) if self.config.latency_s > 0 else reply

    def _handle(self, request: Request) -> Reply:
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None
            if fault == "5xx":
                self._log(request, 503, "fault")
                return Reply(503, b"<html><body>503 Service Unavailable</body></html>", "text/html")
            if fault == "drop":
                self._log(request, 0, "dropped")
                return Reply(0, b"", delivery=Delivery.DROP)
            if request.path == TOKEN_PATH:
                return self._token(request)
            match = GRAPHQL_PATH.match(request.path)
            if match is None or match["version"] < LOWEST_VERSION:
                self._log(request, 404, "not found")
                return _json(404, {"errors": "Not Found"})
            if request.method != "POST":
                return _json(405, {"errors": "Method Not Allowed"})
            if not self._authorised(request.headers.get("x-shopify-access-token", "")):
                self._log(request, 401, "unauthorised")
                return _json(
                    401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
                )
            return self._graphql(request, throttle=fault == "throttle")

    def _authorised(self, token: str) -> bool:
        if not token:
            return False
        if any(secrets.compare_digest(token, known) for known in self.config.access_tokens):
            return True
        now = self.wall()
        return any(secrets.compare_digest(token, issued.token) and issued.expires_at > now for issued in self._issued)

    def _token(self, request: Request) -> Reply:
        form = _form(request)
        if form.get("grant_type") != "client_credentials":
            self._log(request, 400, "unsupported grant")
            return _json(
                400, {"error": "unsupported_grant_type", "error_description": "grant_type must be client_credentials"}
            )
        good = (
            self.config.client_id is not None
            and self.config.client_secret is not None
            and secrets.compare_digest(str(form.get("client_id", "")), self.config.client_id)
            and secrets.compare_digest(str(form.get("client_secret", "")), self.config.client_secret)
        )
        if not good:
            self._log(request, 401, "bad client")
            return _json(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        issued = _Issued("shpat_cc_" + secrets.token_hex(16), self.wall() + self.config.token_lifetime_s)
        self._issued.append(issued)
        self._log(request, 200, "token issued")
        return _json(
            200, {"access_token": issued.token, "scope": SCOPES, "expires_in": int(self.config.token_lifetime_s)}
        )

    def _graphql(self, request: Request, *, throttle: bool) -> Reply:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return _json(400, {"errors": "body is not JSON"})
        query = body.get("query") if isinstance(body, dict) else None
        variables = body.get("variables") if isinstance(body, dict) else None
        if not isinstance(query, str):
            return _json(400, {"errors": {"query": "Required parameter missing or invalid"}})
        if variables is None:
            variables = {}
        try:
            document = parse(query)
        except GraphQLError as exc:
            self._log(request, 200, "syntax error")
            return _json(200, {"errors": [exc.formatted]})
        problems = validate(admin_schema(), document)
        if problems:
            self._log(request, 200, "invalid query")
            return _json(200, {"errors": [p.formatted for p in problems]})
        operation = get_operation_ast(document, body.get("operationName"))
        if not isinstance(operation, OperationDefinitionNode):
            return _json(200, {"errors": [{"message": "no single operation to run"}]})
        cost = requested_cost(document, operation, variables)
        if cost > MAX_QUERY_COST:
            self._log(request, 200, f"cost {cost} too high")
            return _json(
                200,
                {
                    "errors": [
                        {
                            "message": f"Query cost is {cost}, which exceeds the single query max cost limit ({MAX_QUERY_COST}).",
                            "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": MAX_QUERY_COST},
                        }
                    ]
                },
            )
        if throttle or not self.bucket.take(cost):
            self._log(request, 200, "THROTTLED", cost=cost)
            return _json(
                200,
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            },
                        }
                    ],
                    "extensions": {
                        "cost": {
                            "requestedQueryCost": cost,
                            "actualQueryCost": None,
                            "throttleStatus": self.bucket.status(),
                        }
                    },
                },
            )
        result = execute(
            admin_schema(),
            document,
            root_value=Root(self.shop),
            variable_values=variables,
            operation_name=body.get("operationName"),
        )
        assert isinstance(result, ExecutionResult)  # every resolver is synchronous
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
        payload["extensions"] = {
            "cost": {"requestedQueryCost": cost, "actualQueryCost": cost, "throttleStatus": self.bucket.status()}
        }
        self._log(request, 200, "ok" if not result.errors else "errors", cost=cost, operation=_root_fields(operation))
        return _json(200, payload)

    def _log(self, request: Request, status: int, outcome: str, **extra: Any) -> None:
        self.calls.append({"path": request.path, "status": status, "outcome": outcome, "at": self.wall(), **extra})


def _root_fields(operation: OperationDefinitionNode) -> str:
    names = [getattr(s, "name", None) for s in operation.selection_set.selections]
    return f"{operation.operation.value} " + ",".join(n.value for n in names if n is not None)


def _form(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    fields = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    fields.update(request.query)
    return {name: values[0] for name, values in fields.items() if values}


def _json(status: int, payload: object) -> Reply:
    return Reply(status, json.dumps(payload, separators=(",", ":")).encode("utf-8"), "application/json; charset=utf-8")
