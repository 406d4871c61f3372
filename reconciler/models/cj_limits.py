"""CJ's numbers in one table: page and batch sizes, points per call, per-day and per-time limits.

What CJ's API allows and charges (``shared/cj-api.md``), kept apart from the code that
obeys it, so a change at CJ is one line here. Pure values, importable from every layer:
the API client pages and batches its calls by them (``adapters/cj_api.py``), the transport
counts points by :data:`POINT_COSTS` (``adapters/cj_http.py``), the token manager waits
:data:`AUTH_INTERVAL_S`, the planner prices a plan with the points per call, the validator
bounds a sourcing request's texts, and the Settings default to CJ's daily sourcing limit.
The sandbox (a stand-in for CJ) keeps its own copy on purpose: it must not share the
client's assumptions.
"""

from __future__ import annotations

# -- pages and batches -----------------------------------------------------------------------
MY_PRODUCTS_PAGE_SIZE = 200  # rows per page of My Products and of the subscription list (CJ's maximum)
MAX_PAGES = 10_000  # a pager stops here even if CJ never says it is done
SUBSCRIPTION_BATCH = 100  # pids per subscribe/unsubscribe call
QUERY_BATCH = 100  # ids per sourcing queryList call

# -- points (50,000 a day, reset at 00:00 UTC); every endpoint not listed is free --------------
POINT_COSTS: dict[str, int] = {
    "/product/query": 10,
    "/product/list": 50,
    "/product/listV2": 50,
    "/product/variant/query": 10,
    "/product/stock/queryByVid": 10,
    "/webhook/product/subscribe": 10,
    "/webhook/product/unsubscribe": 10,
    "/logistic/freightCalculate": 10,
}
DETAIL_POINTS = POINT_COSTS["/product/query"]  # one product's details with inventories
SUBSCRIPTION_POINTS = POINT_COSTS["/webhook/product/subscribe"]  # per subscribe/unsubscribe call
QUOTE_POINTS = POINT_COSTS["/logistic/freightCalculate"]  # one freight quote

# -- limits per day and per time -------------------------------------------------------------
SOURCING_PER_DAY = 5  # sourcing requests CJ accepts a day (the Settings' default sourcingPerDay)
AUTH_INTERVAL_S = 300.0  # getAccessToken at most once per 300 s
SOURCING_TEXT_MAX = 200  # characters of a sourcing request's productName and productImage


def points_for(path: str) -> int:
    """Points one successful call to ``path`` costs."""
    return POINT_COSTS.get(path, 0)
