"""CJ's freight endpoint as the sandbox answers it: ``POST /logistic/freightCalculate``.

Registered in :data:`FREIGHT_ENDPOINTS` (merged into the API's routes by this package); it
checks the body, weighs the parcel from the catalog and answers with the quotes of
:mod:`reconciler.sandbox.freight`, or what the :class:`~reconciler.sandbox.freight.FreightDesk`
was told to answer, under the state lock.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from reconciler.sandbox import envelope as env
from reconciler.sandbox.endpoints.call import Call
from reconciler.sandbox.envelope import Reply
from reconciler.sandbox.freight import quotes

_COUNTRY = re.compile(r"^[A-Z]{2}$")
NO_STOCK_CODE = 1603001  # made up: CJ's code for "no route from this warehouse" is not documented


def freight_calculate(call: Call) -> Reply:
    """``POST /logistic/freightCalculate``; unknown vids answer 1600300, an origin without stock per ``no_stock``."""
    body = call.json_object()
    if body is None:
        return env.failure(env.PARAM_ERROR, "The request body must be a JSON object.")
    origin, destination = body.get("startCountryCode"), body.get("endCountryCode")
    if not isinstance(origin, str) or not _COUNTRY.match(origin):
        return env.failure(env.PARAM_ERROR, "startCountryCode must be a two-letter country code.")
    if not isinstance(destination, str) or not _COUNTRY.match(destination):
        return env.failure(env.PARAM_ERROR, "endCountryCode must be a two-letter country code.")
    items = body.get("products")
    if not isinstance(items, list) or not items:
        return env.failure(env.PARAM_ERROR, "products must be a non-empty list of {quantity, vid}.")
    weight = 0
    stocked = False
    for item in items:
        if not isinstance(item, dict):
            return env.failure(env.PARAM_ERROR, "products must be a non-empty list of {quantity, vid}.")
        vid, quantity = item.get("vid"), item.get("quantity")
        if not isinstance(vid, str) or isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            return env.failure(env.PARAM_ERROR, "each product needs a vid and a quantity of at least 1.")
        found = call.state.catalog.variant(vid)
        if found is None:
            return env.failure(env.PARAM_ERROR, f"Variant not found: {vid}.")
        variant = found[1]
        weight += variant.weight_g * quantity
        stocked = stocked or variant.inventory.get(origin, 0) > 0
    desk = call.state.freight
    pinned = desk.routes.get(f"{origin}-{destination}")
    if pinned is not None:
        return env.success(pinned)
    if not stocked:
        if desk.no_stock == "error":
            return env.failure(NO_STOCK_CODE, f"No warehouse in {origin} has stock of these products.")
        return env.success([])
    return env.success(quotes(origin, destination, weight))


FREIGHT_ENDPOINTS: dict[tuple[str, str], Callable[[Call], Reply]] = {
    ("POST", "/logistic/freightCalculate"): freight_calculate,
}
