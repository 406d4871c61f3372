"""CJ's ``shop/getShops`` as the sandbox answers it: the stores authorised to the account.

Registered in :data:`SHOP_ENDPOINTS`. The sandbox account has one Shopify store, the one the
Shopify stand-in of the same sandbox plays (``SANDBOX_SHOP``). CJ's answer shape is not
documented (see ../shared/store-apis.md §3): a page like the other lists, each row with
``shopId``, ``shopName``, ``shopType`` and ``shopUrl``; cjrec reads ``id``/``name`` too.
"""

from __future__ import annotations

import math
from collections.abc import Callable

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
SHOPS = (SANDBOX_SHOP,)


def get_shops(call: Call) -> Reply:
    """``GET /shop/getShops?pageNum&pageSize (≤ 50)&keyword``: the account's stores."""
    number = page_param(call, "pageNum", 1)
    size = page_param(call, "pageSize", 20)
    if number is None or size is None:
        return param_error("pageNum and pageSize must be whole numbers of at least 1.")
    size = min(size, MAX_SHOP_PAGE)
    keyword = (call.param("keyword") or "").lower()
    listed = [shop for shop in SHOPS if keyword in shop["shopName"].lower()]
    page = listed[(number - 1) * size : number * size]
    return env.success(
        {
            "pageNum": number,
            "pageSize": size,
            "total": len(listed),
            "totalPages": math.ceil(len(listed) / size),
            "list": list(page),
        }
    )


SHOP_ENDPOINTS: dict[tuple[str, str], Callable[[Call], Reply]] = {
    ("GET", "/shop/getShops"): get_shops,
}
