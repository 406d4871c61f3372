"""WooCommerce's REST API (wc/v3) for one shop as the stand-in answers it, and the merchant's route.

:meth:`WooApi.handle` takes one parsed request under ``/wp-json/`` and returns the reply:

- **auth**: HTTP Basic with a REST API key pair (consumer key and secret); none, an unknown key
  or a wrong secret is HTTP 401 in WooCommerce's words; a read-only key may not write;
- ``GET|POST /wc/v3/products`` (``?sku=a,b``, ``?include=1,2``, ``page``, ``per_page`` ≤ 100),
  ``GET|PUT|PATCH|POST|DELETE /wc/v3/products/<id>`` (``?force=true`` deletes, else the trash),
  ``POST /wc/v3/products/batch``;
- ``GET|POST /wc/v3/products/<id>/variations``, ``…/variations/<id>``, ``…/variations/batch``;
- a **batch** is ``{create, update, delete}``: more objects in total than the shop's limit
  (``batch_limit``, WooCommerce's default 100; a site may set it lower) is HTTP 413
  ``woocommerce_rest_request_entity_too_large``; otherwise every item is done on its own and
  a refused one is ``{id, error: {code, message, data}}`` in its place while the rest go on;
- every error is ``{code, message, data: {status}}``; a route that does not exist is
  ``rest_no_route``; with ``pretty_permalinks`` off, ``/wp-json/`` is WordPress's HTML 404.

Faults for the reliability tests are queued with :meth:`WooApi.fail_next` (``429`` and ``503``
as a host or WAF answers them, in HTML; ``drop``; ``lost``: done, the answer never sent). The merchant's side is
:meth:`WooApi.handle_merchant` under ``/__sandbox/woocommerce/`` (``GET products``,
``POST|DELETE products/<id>``) and the same methods in Python. Every call is logged without
its credentials (:attr:`WooApi.calls`).
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reconciler.sandbox.envelope import Delivery, Reply, Request
from reconciler.sandbox.woocommerce.catalogue import Catalogue, WooError

WOO_PREFIX = "/wp-json/"
API_PREFIX = "/wp-json/wc/v3"
MERCHANT_PREFIX = "/__sandbox/woocommerce/"
DEFAULT_KEY = "ck_sandbox_" + "0" * 29  # the key pair of a fresh stand-in; tests set their own
DEFAULT_SECRET = "cs_sandbox_" + "0" * 29  # the stand-in's own throw-away secret
DEFAULT_BATCH_LIMIT = 100
MAX_PER_PAGE = 100
FAULTS = ("429", "503", "drop", "lost")

_PRODUCT = re.compile(r"^/products/(?P<id>[0-9]+)$")
_VARIATIONS = re.compile(r"^/products/(?P<id>[0-9]+)/variations$")
_VARIATION = re.compile(r"^/products/(?P<id>[0-9]+)/variations/(?P<vid>[0-9]+)$")
_VARIATION_BATCH = re.compile(r"^/products/(?P<id>[0-9]+)/variations/batch$")
_MERCHANT_PRODUCT = re.compile(r"^/__sandbox/woocommerce/products/(?P<id>[0-9]+)$")
_EDIT = ("POST", "PUT", "PATCH")


@dataclass
class WooConfig:
    """The shop the stand-in plays: its REST API keys (``key: (secret, "read_write" | "read")``) and limits."""

    keys: dict[str, tuple[str, str]] = field(default_factory=lambda: {DEFAULT_KEY: (DEFAULT_SECRET, "read_write")})
    batch_limit: int = DEFAULT_BATCH_LIMIT
    pretty_permalinks: bool = True
    latency_s: float = 0.0  # every answer waits this long after the shop has acted (kill tests land in between)


@dataclass
class WooApi:
    """The stand-in: one shop's catalogue, its keys and faults; every call under one lock."""

    config: WooConfig
    wall: Callable[[], float]
    catalogue: Catalogue = field(init=False)
    calls: list[dict[str, Any]] = field(default_factory=list)
    _faults: list[tuple[str, str | None]] = field(default_factory=list)  # (kind, path it waits for)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.catalogue = Catalogue(
            now=lambda: datetime.fromtimestamp(self.wall(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
        )

    # -- the admin side (tests, the merchant) ------------------------------------------------
    def fail_next(self, *kinds: str, on: str | None = None) -> None:
        """The next calls fail, one per kind, in order: ``429`` or ``503`` (a host's or WAF's HTML
        page), ``drop`` (the connection closes without an answer, nothing done), ``lost`` (the
        request is carried out, then the connection closes without the answer). With ``on``, only
        calls whose path ends with it (``/products/batch``) take the faults; the others pass."""
        for kind in kinds:
            if kind not in FAULTS:
                raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULTS)}")
        with self._lock:
            self._faults.extend((kind, on) for kind in kinds)

    def set_batch_limit(self, limit: int) -> None:
        """The site's own limit on objects per batch (WooCommerce's ``woocommerce_rest_batch_items_limit``)."""
        if limit < 1:
            raise ValueError("the batch limit is at least 1")
        with self._lock:
            self.config.batch_limit = limit

    def set_latency(self, seconds: float) -> None:
        """From now on every answer waits ``seconds`` after the shop has acted on the request."""
        with self._lock:
            self.config.latency_s = max(0.0, seconds)

    def merchant_edit(self, product_id: int, **changes: Any) -> dict[str, Any]:
        """See :meth:`Catalogue.merchant_edit`."""
        with self._lock:
            return self.catalogue.merchant_edit(product_id, changes)

    def merchant_delete(self, product_id: int) -> None:
        with self._lock:
            self.catalogue.merchant_delete(product_id)

    def products(self) -> list[dict[str, Any]]:
        """Every product as the API shows it (oldest first, the trash too), each with its variations as objects."""
        with self._lock:
            shown = []
            for product_id in sorted(self.catalogue.products):
                product = self.catalogue.get_product(product_id)
                product["variations"] = self.catalogue.list_variations(product_id)
                shown.append(product)
            return copy.deepcopy(shown)

    # -- requests ------------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        reply = self._handle(request)
        return reply.delayed(self.config.latency_s) if self.config.latency_s > 0 else reply

    def _handle(self, request: Request) -> Reply:
        with self._lock:
            fault = self._take_fault(request.path)
            if fault is not None and fault != "lost":
                return self._fault(request, fault)
            if not self.config.pretty_permalinks:
                self._log(request, 404, "plain permalinks")
                return Reply(404, b"<html><body><h1>Page not found</h1></body></html>", "text/html; charset=UTF-8")
            if not request.path.startswith(API_PREFIX + "/"):
                return self._error(request, WooError("rest_no_route", _NO_ROUTE, 404))
            try:
                self._authorise(request)
                status, payload, items = self._route(request, request.path[len(API_PREFIX) :])
            except WooError as exc:
                return self._error(request, exc)
            if fault == "lost":  # done, but the answer never arrives
                self._log(request, 0, "answer lost", items=items)
                return Reply(0, b"", delivery=Delivery.DROP)
            self._log(request, status, "ok", items=items)
            return _json(status, payload)

    def handle_merchant(self, request: Request) -> Reply:
        """``GET /__sandbox/woocommerce/products``; ``POST …/products/<id>`` with the changes of
        :meth:`Catalogue.merchant_edit` as JSON; ``DELETE …/products/<id>``."""
        if request.path.rstrip("/") == MERCHANT_PREFIX + "products" and request.method == "GET":
            return _json(200, self.products())
        match = _MERCHANT_PRODUCT.match(request.path)
        if match is None:
            return _json(404, WooError("rest_no_route", _NO_ROUTE, 404).body())
        product_id = int(match["id"])
        try:
            if request.method == "DELETE":
                self.merchant_delete(product_id)
                return _json(200, {"deleted": product_id})
            if request.method == "POST":
                changes = json.loads(request.body or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("the changes are a JSON object")
                return _json(200, self.merchant_edit(product_id, **changes))
        except KeyError as exc:
            return _json(404, {"code": "not_found", "message": f"no such product, variation or change: {exc}"})
        except (ValueError, TypeError) as exc:
            return _json(400, {"code": "bad_request", "message": str(exc)})
        return _json(405, {"code": "method_not_allowed", "message": "GET, POST or DELETE"})

    # -- pieces --------------------------------------------------------------------------------
    def _take_fault(self, path: str) -> str | None:
        for n, (kind, on) in enumerate(self._faults):
            if on is None or path.endswith(on):
                del self._faults[n]
                return kind
        return None

    def _fault(self, request: Request, fault: str) -> Reply:
        self._log(request, 0 if fault == "drop" else int(fault), "fault")
        if fault == "drop":
            return Reply(0, b"", delivery=Delivery.DROP)
        title = "429 Too Many Requests" if fault == "429" else "503 Service Unavailable"
        return Reply(int(fault), f"<html><body><h1>{title}</h1></body></html>".encode(), "text/html")

    def _authorise(self, request: Request) -> None:
        writing = request.method != "GET"
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            if writing:
                raise WooError("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources.", 401)
            raise WooError("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401)
        try:
            key, _, secret = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise WooError("woocommerce_rest_authentication_error", "Consumer key is invalid.", 401) from None
        known = next((pair for k, pair in self.config.keys.items() if secrets.compare_digest(k, key)), None)
        if known is None:
            raise WooError("woocommerce_rest_authentication_error", "Consumer key is invalid.", 401)
        if not secrets.compare_digest(known[0], secret):
            raise WooError("woocommerce_rest_authentication_error", "Consumer secret is invalid.", 401)
        if writing and known[1] != "read_write":
            raise WooError(
                "woocommerce_rest_authentication_error", "The API key provided does not have write permissions.", 401
            )

    def _route(self, request: Request, path: str) -> tuple[int, Any, int]:
        method, shop = request.method, self.catalogue
        if path == "/products":
            if method == "GET":
                return 200, _page(request, shop.list_products(skus=_csv(request, "sku"), include=_ids(request))), 0
            if method == "POST":
                return 201, shop.create_product(_body(request)), 1
        elif path == "/products/batch" and method in _EDIT:
            return self._batch(
                _body(request),
                create=shop.create_product,
                update=shop.update_product,
                delete=lambda i: shop.delete_product(i, force=True),
            )
        elif (match := _PRODUCT.match(path)) is not None:
            product_id = int(match["id"])
            if method == "GET":
                return 200, shop.get_product(product_id), 0
            if method in _EDIT:
                return 200, shop.update_product(product_id, _body(request)), 1
            if method == "DELETE":
                return 200, shop.delete_product(product_id, force=_flag(request, "force")), 1
        elif (match := _VARIATIONS.match(path)) is not None:
            parent = int(match["id"])
            if method == "GET":
                return 200, _page(request, shop.list_variations(parent)), 0
            if method == "POST":
                return 201, shop.create_variation(parent, _body(request)), 1
        elif (match := _VARIATION_BATCH.match(path)) is not None and method in _EDIT:
            parent = int(match["id"])
            shop.get_product(parent)  # 404 for the whole batch when the parent is gone
            return self._batch(
                _body(request),
                create=lambda data: shop.create_variation(parent, data),
                update=lambda i, data: shop.update_variation(parent, i, data),
                delete=lambda i: shop.delete_variation(parent, i),
            )
        elif (match := _VARIATION.match(path)) is not None:
            parent, variation = int(match["id"]), int(match["vid"])
            if method == "GET":
                return 200, shop.get_variation(parent, variation), 0
            if method in _EDIT:
                return 200, shop.update_variation(parent, variation, _body(request)), 1
            if method == "DELETE":
                return 200, shop.delete_variation(parent, variation), 1
        raise WooError("rest_no_route", _NO_ROUTE, 404)

    def _batch(
        self,
        body: dict[str, Any],
        *,
        create: Callable[[dict[str, Any]], dict[str, Any]],
        update: Callable[[int, dict[str, Any]], dict[str, Any]],
        delete: Callable[[int], dict[str, Any]],
    ) -> tuple[int, dict[str, Any], int]:
        lists = {name: body.get(name) or [] for name in ("create", "update", "delete")}
        if not all(isinstance(items, list) for items in lists.values()):
            raise WooError("rest_invalid_param", "Invalid parameter(s): create, update, delete", 400)
        total = sum(len(items) for items in lists.values())
        if total > self.config.batch_limit:
            raise WooError(
                "woocommerce_rest_request_entity_too_large",
                f"Unable to accept more than {self.config.batch_limit} items for this request.",
                413,
            )
        answer: dict[str, list[dict[str, Any]]] = {}
        if "create" in body:
            answer["create"] = [_item(functools.partial(_create, create, item), 0) for item in lists["create"]]
        if "update" in body:
            answer["update"] = [
                _item(functools.partial(_update, update, item), _raw_id(item)) for item in lists["update"]
            ]
        if "delete" in body:
            answer["delete"] = [
                _item(functools.partial(_delete, delete, item), _raw_id(item)) for item in lists["delete"]
            ]
        return 200, answer, total

    def _error(self, request: Request, error: WooError) -> Reply:
        self._log(request, error.status, error.code)
        return _json(error.status, error.body())

    def _log(self, request: Request, status: int, outcome: str, **extra: Any) -> None:
        self.calls.append(
            {"method": request.method, "path": request.path, "status": status, "outcome": outcome, "at": self.wall(),
             **extra}
        )  # fmt: skip


_NO_ROUTE = "No route was found matching the URL and request method."


def _item(run: Callable[[], dict[str, Any]], item_id: Any) -> dict[str, Any]:
    try:
        return run()
    except WooError as exc:
        return {"id": item_id if isinstance(item_id, int) else 0, "error": exc.body()}


def _create(create: Callable[[dict[str, Any]], dict[str, Any]], item: Any) -> dict[str, Any]:
    return create(_object(item))


def _update(update: Callable[[int, dict[str, Any]], dict[str, Any]], item: Any) -> dict[str, Any]:
    return update(_id_of(item), {k: v for k, v in _object(item).items() if k != "id"})


def _delete(delete: Callable[[int], dict[str, Any]], item: Any) -> dict[str, Any]:
    return delete(_id_of(item if isinstance(item, dict) else {"id": item}))


def _raw_id(item: Any) -> Any:
    return item.get("id", 0) if isinstance(item, dict) else item


def _object(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise WooError("rest_invalid_param", "Invalid parameter(s): item", 400)
    return item


def _id_of(item: Any) -> int:
    value = item.get("id") if isinstance(item, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        try:
            return int(str(value))
        except ValueError:
            raise WooError("woocommerce_rest_product_invalid_id", "Invalid ID.", 400) from None
    return value


def _body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise WooError("rest_invalid_json", "Invalid JSON body passed.", 400) from None
    if not isinstance(data, dict):
        raise WooError("rest_invalid_json", "Invalid JSON body passed.", 400)
    return data


def _csv(request: Request, name: str) -> list[str] | None:
    values = request.query.get(name)
    if not values:
        return None
    return [part.strip() for part in values[0].split(",") if part.strip()]


def _ids(request: Request) -> list[int] | None:
    parts = _csv(request, "include")
    if parts is None:
        return None
    if not all(p.isdigit() for p in parts):
        raise WooError(
            "rest_invalid_param",
            "Invalid parameter(s): include",
            400,
            {"include": "include[0] is not of type integer."},
        )
    return [int(p) for p in parts]


def _flag(request: Request, name: str) -> bool:
    return (request.query.get(name) or ["false"])[0].lower() in ("1", "true", "yes")


def _page(request: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    try:
        page = int((request.query.get("page") or ["1"])[0])
        per_page = int((request.query.get("per_page") or ["10"])[0])
    except ValueError:
        raise WooError("rest_invalid_param", "Invalid parameter(s): page, per_page", 400) from None
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise WooError(
            "rest_invalid_param",
            "Invalid parameter(s): per_page",
            400,
            {"per_page": f"per_page must be between 1 ({MAX_PER_PAGE} max)."},
        )
    if page < 1:
        raise WooError("rest_invalid_param", "Invalid parameter(s): page", 400, {"page": "page must be at least 1."})
    return items[(page - 1) * per_page : page * per_page]


def _json(status: int, payload: object) -> Reply:
    return Reply(status, json.dumps(payload, separators=(",", ":")).encode("utf-8"), "application/json; charset=UTF-8")
