"""CJ's product endpoints as the sandbox answers them: product details and My Products.

Registered in :data:`PRODUCT_ENDPOINTS` (merged into the API's routes by this package);
they read the sandbox's catalog and change the account's My Products list through the
:class:`~.call.Call` they are given, under the state lock.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from reconciler.sandbox import envelope as env
from reconciler.sandbox.catalog import Product
from reconciler.sandbox.clock import epoch_ms
from reconciler.sandbox.endpoints.call import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Call, page_param, param_error
from reconciler.sandbox.envelope import Reply


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
        return param_error("One of pid, productSku or variantSku is required.")
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
        return param_error("The request body must be a JSON object.")
    pid = body.get("productId")
    if pid is None:
        return param_error("productId is required.")
    if not isinstance(pid, str) or not pid:
        return param_error("productId must be a non-empty string.")
    found = _on_sale(call.state.catalog.get(pid))
    if isinstance(found, Reply):
        return found
    if not call.state.account.my_products.add(pid, epoch_ms(call.now_wall)):
        return env.failure(env.BUSY, "The product has been added to My Products.")
    return env.success(True)


def list_my_products(call: Call) -> Reply:
    """``GET /product/myProduct/query?pageNum=&pageSize=``: newest first.

    ``pageSize`` defaults to 20; above 200 it is lowered to 200 (the answer says so in
    ``pageSize``). A page past the end is empty. Non-numbers or values below 1 answer 1600300.
    """
    number = page_param(call, "pageNum", 1)
    size = page_param(call, "pageSize", DEFAULT_PAGE_SIZE)
    if number is None or size is None:
        return param_error("pageNum and pageSize must be whole numbers of at least 1.")
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


PRODUCT_ENDPOINTS: dict[tuple[str, str], Callable[[Call], Reply]] = {
    ("GET", "/product/query"): query_product,
    ("POST", "/product/addToMyProduct"): add_to_my_products,
    ("GET", "/product/myProduct/query"): list_my_products,
}
