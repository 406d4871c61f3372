"""The endpoints of CJ's API the sandbox serves, one function each, keyed by method and path.

Called by :class:`~reconciler.sandbox.api.CjApi` under the state lock, after rate limits,
authentication and the points check; each gets a :class:`Call` and returns a Reply.
Answers follow ../shared/cj-api.md; where CJ's behaviour is unknown the choice is noted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reconciler.sandbox import envelope as env
from reconciler.sandbox.catalog import Product
from reconciler.sandbox.clock import cj_date, epoch_ms
from reconciler.sandbox.envelope import Reply
from reconciler.sandbox.tokens import TokenPair
from reconciler.sandbox.webhooks import MAX_BATCH, TOPICS, callback_url_problem

if TYPE_CHECKING:  # the state holds the desks whose endpoint modules import Call from here
    from reconciler.sandbox.state import SandboxState

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Call:
    """One call being answered: the state, its parameters and the time it arrived."""

    state: SandboxState
    query: Mapping[str, list[str]]
    body: bytes
    token: str
    now_mono: float
    now_wall: float

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json_object(self) -> dict[str, object] | None:
        """The body as a JSON object, or None when it is not one."""
        try:
            parsed: object = json.loads(self.body.decode("utf-8")) if self.body.strip() else {}
        except ValueError:
            return None
        return {str(k): v for k, v in parsed.items()} if isinstance(parsed, dict) else None


def _param_error(message: str) -> Reply:
    return env.failure(env.PARAM_ERROR, message)


def _tokens(pair: TokenPair) -> dict[str, object]:
    return {
        "accessToken": pair.access_token,
        "accessTokenExpiryDate": cj_date(pair.access_expires),
        "refreshToken": pair.refresh_token,
        "refreshTokenExpiryDate": cj_date(pair.refresh_expires),
        "createDate": cj_date(pair.created),
    }


def get_access_token(call: Call) -> Reply:
    """``POST /authentication/getAccessToken`` with ``{"apiKey"}``.

    The legacy ``{"email", "password"}`` body is refused with 1600300 (a request that
    must change, not a wrong key). A wrong key answers 1600005. A second success within
    ``auth_interval_s`` answers HTTP 429 + 1600200; failed attempts do not start that interval.
    """
    body = call.json_object()
    if body is None:
        return _param_error("The request body must be a JSON object.")
    api_key = body.get("apiKey")
    if api_key is None:
        if "email" in body or "password" in body:
            return _param_error("apiKey is required: logging in with email and password is no longer supported.")
        return _param_error("apiKey is required.")
    account = call.state.account
    if not isinstance(api_key, str) or not api_key:
        return _param_error("apiKey must be a non-empty string.")
    if call.state.faults.api_key_invalid or api_key != account.api_key:
        return env.failure(env.INVALID_API_KEY, "The API key is invalid.")
    if not account.auth_guard.allowed(call.now_mono):
        return env.too_many_requests(f"Too much request, QPS limit is {account.auth_guard.describe()}")
    account.auth_guard.record(call.now_mono)
    pair = account.tokens.issue(call.now_wall)
    return env.success({"openId": account.open_id} | _tokens(pair))


def refresh_access_token(call: Call) -> Reply:
    """``POST /authentication/refreshAccessToken`` with ``{"refreshToken"}``.

    A bad, spent, revoked or expired refresh token answers 1600003. More than
    ``refresh_per_minute`` successful refreshes in 60 s answer HTTP 429 + 1600200.
    The answer carries a new access token and a new refresh token; the old refresh token is spent.
    """
    body = call.json_object()
    if body is None:
        return _param_error("The request body must be a JSON object.")
    token = body.get("refreshToken")
    if not isinstance(token, str) or not token:
        return _param_error("refreshToken is required.")
    account = call.state.account
    if not account.tokens.refresh_valid(token, call.now_wall):
        return env.failure(env.INVALID_REFRESH_TOKEN, "Invalid refresh token.")
    if not account.refresh_window.try_acquire(call.now_mono):
        return env.too_many_requests(f"Too much request, QPS limit is {account.refresh_window.describe()}")
    pair = account.tokens.refresh(token, call.now_wall)
    if pair is None:  # cannot happen: checked above under the same lock
        return env.failure(env.INVALID_REFRESH_TOKEN, "Invalid refresh token.")
    return env.success(_tokens(pair))


def logout(call: Call) -> Reply:
    """``POST /authentication/logout``: the caller's access and refresh tokens stop working."""
    call.state.account.tokens.logout(call.token)
    return env.success(True)


def get_settings(call: Call) -> Reply:
    """``GET /setting/get``."""
    return env.success(call.state.account.settings())


def _on_sale(product: Product | None) -> Product | Reply:
    """The product if it is on sale; else 1602001 (unknown or offline) or 1602002 (removed)."""
    if product is None:
        return env.failure(env.PRODUCT_OFFLINE, "Product not found.")
    if product.removed:
        return env.failure(env.PRODUCT_REMOVED, "The product has been removed from the shelves.")
    if product.offline:
        return env.failure(env.PRODUCT_OFFLINE, "The product has been taken offline.")
    return product


def query_product(call: Call) -> Reply:
    """``GET /product/query?pid=`` (or ``productSku=``, ``variantSku=``); pids are case-sensitive.

    ``features=enable_inventory`` (repeated or comma-separated) adds ``inventories`` to each variant.
    """
    catalog = call.state.catalog
    pid, sku, variant_sku = call.param("pid"), call.param("productSku"), call.param("variantSku")
    if pid:
        product = catalog.get(pid)
    elif sku:
        product = catalog.by_sku(sku)
    elif variant_sku:
        product = catalog.by_variant_sku(variant_sku)
    else:
        return _param_error("One of pid, productSku or variantSku is required.")
    found = _on_sale(product)
    if isinstance(found, Reply):
        return found
    features = {f.strip() for value in call.query.get("features", []) for f in value.split(",")}
    return env.success(found.detail(with_inventory="enable_inventory" in features))


def add_to_my_products(call: Call) -> Reply:
    """``POST /product/addToMyProduct`` with ``{"productId"}``; ``{"pid"}`` answers 1600300.

    A product already there answers code 1600000, result false, "The product has been
    added to My Products." (an idempotent success for the client). Offline or unknown
    products answer 1602001, removed ones 1602002 (checked before the duplicate).
    """
    body = call.json_object()
    if body is None:
        return _param_error("The request body must be a JSON object.")
    pid = body.get("productId")
    if pid is None:
        return _param_error("productId is required.")
    if not isinstance(pid, str) or not pid:
        return _param_error("productId must be a non-empty string.")
    found = _on_sale(call.state.catalog.get(pid))
    if isinstance(found, Reply):
        return found
    if not call.state.account.my_products.add(pid, epoch_ms(call.now_wall)):
        return env.failure(env.BUSY, "The product has been added to My Products.")
    return env.success(True)


def _page_param(call: Call, name: str, default: int) -> int | None:
    raw = call.param(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 1 else None


def list_my_products(call: Call) -> Reply:
    """``GET /product/myProduct/query?pageNum=&pageSize=``: newest first.

    ``pageSize`` defaults to 20; above 200 it is lowered to 200 (the answer says so in
    ``pageSize``). A page past the end is empty. Non-numbers or values below 1 answer 1600300.
    """
    number = _page_param(call, "pageNum", 1)
    size = _page_param(call, "pageSize", DEFAULT_PAGE_SIZE)
    if number is None or size is None:
        return _param_error("pageNum and pageSize must be whole numbers of at least 1.")
    size = min(size, MAX_PAGE_SIZE)
    listed = call.state.account.my_products.newest_first()
    page = listed[(number - 1) * size : number * size]
    content = []
    for entry in page:
        product = call.state.catalog.get(entry.pid)
        if product is not None:
            content.append(product.listing(entry.created_ms))
    return env.success(
        {
            "pageNumber": number,
            "pageSize": size,
            "totalRecords": len(listed),
            "totalPages": math.ceil(len(listed) / size),
            "content": content,
        }
    )


def set_webhooks(call: Call) -> Reply:
    """``POST /webhook/set``: per topic ``{"type": "ENABLE"|"CANCEL", "callbackUrls": [one https URL]}``.

    The whole body is checked before anything changes; topics not named keep their setting.
    """
    body = call.json_object()
    if body is None or not body:
        return _param_error("The request body must name at least one topic.")
    changes: list[tuple[str, str, list[str]]] = []
    for topic, setting in body.items():
        if topic not in TOPICS or not isinstance(setting, dict):
            return _param_error(f"Unknown topic or malformed setting: {topic}.")
        kind = setting.get("type")
        urls = setting.get("callbackUrls") or []
        if kind not in ("ENABLE", "CANCEL") or not isinstance(urls, list):
            return _param_error(f"{topic}: type must be ENABLE or CANCEL and callbackUrls a list.")
        if kind == "ENABLE":
            if len(urls) != 1:
                return _param_error(f"{topic}: exactly one callback URL is allowed.")
            problem = callback_url_problem(urls[0])
            if problem:
                return _param_error(f"{topic}: {problem}.")
        changes.append((topic, str(kind), [str(u) for u in urls]))
    for topic, kind, urls in changes:
        call.state.account.webhooks.set(topic, kind, urls)
    return env.success(True)


def _subscription_ids(call: Call) -> list[str] | Reply:
    body = call.json_object()
    ids = body.get("productIds") if body is not None else None
    if not isinstance(ids, list) or not ids or not all(isinstance(p, str) and p for p in ids):
        return _param_error("productIds must be a non-empty list of product ids.")
    if len(ids) > MAX_BATCH:
        return _param_error(f"At most {MAX_BATCH} productIds per call.")
    return [str(p) for p in ids]


def subscribe_products(call: Call) -> Reply:
    """``POST /webhook/product/subscribe`` with at most 100 ``productIds`` (10 points)."""
    ids = _subscription_ids(call)
    if isinstance(ids, Reply):
        return ids
    unknown = [p for p in ids if call.state.catalog.get(p) is None]
    if unknown:
        return env.failure(env.PRODUCT_OFFLINE, f"Product not found: {unknown[0]}.")
    call.state.account.webhooks.subscriptions.update(ids)
    return env.success(True)


def unsubscribe_products(call: Call) -> Reply:
    """``POST /webhook/product/unsubscribe`` with at most 100 ``productIds`` (10 points)."""
    ids = _subscription_ids(call)
    if isinstance(ids, Reply):
        return ids
    call.state.account.webhooks.subscriptions.difference_update(ids)
    return env.success(True)


def list_subscriptions(call: Call) -> Reply:
    """``GET /webhook/product/subscribe/list?pageNum=&pageSize=``: subscribed pids, sorted, paged like My Products."""
    number = _page_param(call, "pageNum", 1)
    size = _page_param(call, "pageSize", DEFAULT_PAGE_SIZE)
    if number is None or size is None:
        return _param_error("pageNum and pageSize must be whole numbers of at least 1.")
    size = min(size, MAX_PAGE_SIZE)
    listed = sorted(call.state.account.webhooks.subscriptions)
    page = listed[(number - 1) * size : number * size]
    return env.success(
        {
            "pageNumber": number,
            "pageSize": size,
            "totalRecords": len(listed),
            "totalPages": math.ceil(len(listed) / size),
            "content": [{"productId": pid} for pid in page],
        }
    )


ENDPOINTS: dict[tuple[str, str], Callable[[Call], Reply]] = {
    ("POST", "/authentication/getAccessToken"): get_access_token,
    ("POST", "/authentication/refreshAccessToken"): refresh_access_token,
    ("POST", "/authentication/logout"): logout,
    ("GET", "/setting/get"): get_settings,
    ("GET", "/product/query"): query_product,
    ("POST", "/product/addToMyProduct"): add_to_my_products,
    ("GET", "/product/myProduct/query"): list_my_products,
    ("POST", "/webhook/set"): set_webhooks,
    ("POST", "/webhook/product/subscribe"): subscribe_products,
    ("POST", "/webhook/product/unsubscribe"): unsubscribe_products,
    ("GET", "/webhook/product/subscribe/list"): list_subscriptions,
}
