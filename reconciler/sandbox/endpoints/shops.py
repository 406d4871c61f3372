"""CJ's ``shop/getShops`` and ``product/conn/connection`` as the sandbox answers them: the stores
authorised to the account, and which of their variants are connected to CJ variants.

Registered in :data:`SHOP_ENDPOINTS`. Connections (``POST``, ``GET``, ``DELETE``) follow CJ's
own client (../shared/store-apis.md §3; no official page): the POST takes ``cjProductId``,
``platformProductId``, ``shopId``, ``variantList [{cjVariantId, platformVariantId}]``,
``logistics`` and the ship-from/to country codes, and connects each listed variant (a variant
posted again is replaced, never doubled: ``sandbox/connections.py``); the GET lists them by
shop, product and variant, ``pageSize`` ≤ 100; the DELETE removes a product's connections, or
one variant's. The sandbox account has one Shopify store and one WooCommerce store, the ones
the Shopify and WooCommerce stand-ins of the same sandbox play (``SANDBOX_SHOP``, ``SANDBOX_WOO_SHOP``). CJ's answer shape is not
documented (see ../shared/store-apis.md §3): a page like the other lists, each row with
``shopId``, ``shopName``, ``shopType`` and ``shopUrl``; cjrec reads ``id``/``name`` too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from reconciler.sandbox import envelope as env
from reconciler.sandbox.endpoints.call import Call, page_param, param_error
from reconciler.sandbox.envelope import Reply

MAX_SHOP_PAGE = 50
SANDBOX_SHOP = {
    "shopId": "1690000000000000001",
    "shopName": "Sandbox Shop",
    "shopType": "shopify",
    "shopUrl": "cjrec-sandbox.myshopify.com",
}
SANDBOX_WOO_SHOP = {
    "shopId": "1690000000000000002",
    "shopName": "Sandbox Woo Shop",
    "shopType": "woocommerce",
    "shopUrl": "127.0.0.1",
}
SHOPS = (SANDBOX_SHOP, SANDBOX_WOO_SHOP)


def get_shops(call: Call) -> Reply:
    """``GET /shop/getShops?pageNum&pageSize (≤ 50)&keyword``: the account's stores."""
    keyword = (call.param("keyword") or "").lower()
    return _page(call, [shop for shop in SHOPS if keyword in shop["shopName"].lower()], "pageNum", MAX_SHOP_PAGE)


def _page(call: Call, listed: Sequence[Mapping[str, object]], numbered: str, most: int) -> Reply:
    """The page the call asks for (its number in ``numbered``, ``pageSize`` at most ``most``) of
    ``listed``, in the shape of CJ's shop lists (``pageNum``, ``total``, ``list``)."""
    number = page_param(call, numbered, 1)
    size = page_param(call, "pageSize", 20)
    if number is None or size is None:
        return param_error(f"{numbered} and pageSize must be whole numbers of at least 1.")
    size = min(size, most)
    return env.success(
        {
            "pageNum": number,
            "pageSize": size,
            "total": len(listed),
            "totalPages": math.ceil(len(listed) / size),
            "list": listed[(number - 1) * size : number * size],
        }
    )


MAX_CONNECTION_PAGE = 100


def post_connection(call: Call) -> Reply:
    """``POST /product/conn/connection``: connect each listed store variant to its CJ variant."""
    body = call.json_object()
    if body is None:
        return param_error("The body must be a JSON object.")
    variants = body.get("variantList")
    missing = [name for name in ("cjProductId", "platformProductId", "shopId") if not str(body.get(name) or "").strip()]
    if missing or not isinstance(variants, list) or not variants:
        return param_error("cjProductId, platformProductId, shopId and a non-empty variantList are required.")
    if str(body["shopId"]) not in {shop["shopId"] for shop in SHOPS}:
        return param_error(f"shopId {str(body['shopId'])[:40]} is not a store of this account.")
    pid = str(body["cjProductId"])
    product = call.state.catalog.get(pid)
    if product is None:
        return param_error(f"cjProductId {pid[:40]} does not exist.")
    known = {variant.vid for variant in product.variants}
    rows = []
    for item in variants:
        if not isinstance(item, dict) or not item.get("cjVariantId") or not item.get("platformVariantId"):
            return param_error("each variantList item needs cjVariantId and platformVariantId.")
        if str(item["cjVariantId"]) not in known:
            return param_error(f"cjVariantId {str(item['cjVariantId'])[:40]} is not a variant of {pid[:40]}.")
        rows.append(
            {
                "shopId": str(body["shopId"]),
                "cjProductId": pid,
                "cjVariantId": str(item["cjVariantId"]),
                "platformProductId": str(body["platformProductId"]),
                "platformVariantId": str(item["platformVariantId"]),
                "logistics": body.get("logistics"),
                "sourceCountryCode": body.get("sourceCountryCode"),
                "targetCountryCode": body.get("targetCountryCode"),
            }
        )
    for row in rows:
        call.state.connections.connect(row)
    return env.success(True)


def get_connections(call: Call) -> Reply:
    """``GET /product/conn/connection?shopId&platformProductId&platformVariantId&page&pageSize (≤ 100)``."""
    listed = call.state.connections.listed(
        shop_id=call.param("shopId"),
        platform_product_id=call.param("platformProductId"),
        platform_variant_id=call.param("platformVariantId"),
    )
    return _page(call, listed, "page", MAX_CONNECTION_PAGE)


def delete_connection(call: Call) -> Reply:
    """``DELETE /product/conn/connection?platformProductId&shopId&platformVariantId?``."""
    shop_id, product_id = call.param("shopId"), call.param("platformProductId")
    if not shop_id or not product_id:
        return param_error("shopId and platformProductId are required.")
    removed = call.state.connections.disconnect(
        shop_id=shop_id, platform_product_id=product_id, platform_variant_id=call.param("platformVariantId")
    )
    return env.success(removed)


SHOP_ENDPOINTS: dict[tuple[str, str], Callable[[Call], Reply]] = {
    ("GET", "/shop/getShops"): get_shops,
    ("POST", "/product/conn/connection"): post_connection,
    ("GET", "/product/conn/connection"): get_connections,
    ("DELETE", "/product/conn/connection"): delete_connection,
}
