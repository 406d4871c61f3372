"""CJ's webhook endpoints as the sandbox answers them: topics and product subscriptions.

Registered in :data:`WEBHOOK_ENDPOINTS` (merged into the API's routes by this package);
they change the account's :class:`~reconciler.sandbox.webhooks.Webhooks` through the
:class:`~.call.Call` they are given, under the state lock.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from reconciler.sandbox import envelope as env
from reconciler.sandbox.endpoints.call import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Call, page_param, param_error
from reconciler.sandbox.envelope import Reply
from reconciler.sandbox.webhooks import MAX_BATCH, TOPICS, callback_url_problem


def set_webhooks(call: Call) -> Reply:
    """``POST /webhook/set``: per topic ``{"type": "ENABLE"|"CANCEL", "callbackUrls": [one https URL]}``.

    The whole body is checked before anything changes; topics not named keep their setting.
    """
    body = call.json_object()
    if body is None or not body:
        return param_error("The request body must name at least one topic.")
    changes: list[tuple[str, str, list[str]]] = []
    for topic, setting in body.items():
        if topic not in TOPICS or not isinstance(setting, dict):
            return param_error(f"Unknown topic or malformed setting: {topic}.")
        kind = setting.get("type")
        urls = setting.get("callbackUrls") or []
        if kind not in ("ENABLE", "CANCEL") or not isinstance(urls, list):
            return param_error(f"{topic}: type must be ENABLE or CANCEL and callbackUrls a list.")
        if kind == "ENABLE":
            if len(urls) != 1:
                return param_error(f"{topic}: exactly one callback URL is allowed.")
            problem = callback_url_problem(urls[0])
            if problem:
                return param_error(f"{topic}: {problem}.")
        changes.append((topic, str(kind), [str(u) for u in urls]))
    for topic, kind, urls in changes:
        call.state.account.webhooks.set(topic, kind, urls)
    return env.success(True)


def _subscription_ids(call: Call) -> list[str] | Reply:
    body = call.json_object()
    ids = body.get("productIds") if body is not None else None
    if not isinstance(ids, list) or not ids or not all(isinstance(p, str) and p for p in ids):
        return param_error("productIds must be a non-empty list of product ids.")
    if len(ids) > MAX_BATCH:
        return param_error(f"At most {MAX_BATCH} productIds per call.")
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
    number = page_param(call, "pageNum", 1)
    size = page_param(call, "pageSize", DEFAULT_PAGE_SIZE)
    if number is None or size is None:
        return param_error("pageNum and pageSize must be whole numbers of at least 1.")
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


WEBHOOK_ENDPOINTS: dict[tuple[str, str], Callable[[Call], Reply]] = {
    ("POST", "/webhook/set"): set_webhooks,
    ("POST", "/webhook/product/subscribe"): subscribe_products,
    ("POST", "/webhook/product/unsubscribe"): unsubscribe_products,
    ("GET", "/webhook/product/subscribe/list"): list_subscriptions,
}
