"""The observe phase: the reads a plan needs run together, and any failure among them stops the plan.

Listing My Products and querying details do not depend on each other, so neither may wait
for the other's round trip (at 300 ms latency that idled the account's rate limit). A
failure in any read, a CJ error or a bug, is raised in the calling thread.
"""

from __future__ import annotations

import threading

import pytest

from reconciler.errors import ApiError, ProductUnavailableError
from reconciler.kinds.product.model import details_of, listed, unavailable_of
from reconciler.kinds.webhook.model import callbacks_of, subscriptions_of
from reconciler.models.cj import MyProduct, ProductDetail
from reconciler.models.desired import Settings, Webhooks, WebhookSetting
from reconciler.models.observed import Observed
from reconciler.observe.refresh import refresh
from tests.support.plan_builders import NOW, declared, product

GUARD_S = 10.0  # only bounds a broken run; nothing here is timed


def detail(pid: str) -> ProductDetail:
    return ProductDetail(
        pid=pid,
        name=f"Item {pid}",
        sku=f"SKU{pid}",
        sell_price="1.00",
        status="3",
        customization_version=0,
        image=None,
        variants=(),
    )


def observe(
    reader: Reader, pids: list[str], *, qps: float, webhooks: bool = False, subscriptions: bool = False
) -> Observed:
    """The observe phase for new products ``pids`` (their details are read), with webhooks when asked."""
    hooks = None
    if webhooks or subscriptions:
        topics = {"product": WebhookSetting(enabled=False, url=None)} if webhooks else {}
        hooks = Webhooks(topics, subscribe_managed_products=subscriptions, source=product(pids[0]).source)
    want = declared(settings=Settings(), products=[product(p) for p in pids], webhooks=hooks)
    return refresh(reader, want, None, mode="normal", qps=qps, stop=threading.Event(), now=lambda: NOW)


class Reader:
    """A CJ stand-in whose My Products listing finishes only once a detail query has started."""

    def __init__(self, *, listing_error: Exception | None = None) -> None:
        self.detail_started = threading.Event()
        self.listing_error = listing_error

    def my_products(self) -> list[MyProduct]:
        overlapped = self.detail_started.wait(GUARD_S)
        if self.listing_error is not None:
            raise self.listing_error
        assert overlapped, "the listing ran alone: no detail query started meanwhile"
        return [MyProduct(pid="111111111111111111", name="Listed", sku="SKU1", sell_price="1.00", created_ms=None)]

    def product_detail(self, pid: str) -> ProductDetail:
        self.detail_started.set()
        if pid == "999999999999999999":
            raise ProductUnavailableError("gone", call="GET /product/query", code=1602001)
        return detail(pid)

    def webhook_settings(self) -> dict[str, WebhookSetting]:
        return {"product": WebhookSetting(enabled=False, url=None)}

    def product_subscriptions(self) -> frozenset[str]:
        return frozenset({"111111111111111111"})


def test_listing_and_detail_queries_overlap_and_all_results_arrive() -> None:
    pids = ["222222222222222222", "333333333333333333", "999999999999999999"]

    observed = observe(Reader(), pids, qps=2, webhooks=True, subscriptions=True)

    assert set(listed(observed) or {}) == {"111111111111111111"}
    assert set(details_of(observed)) == {"222222222222222222", "333333333333333333"}
    assert unavailable_of(observed) == {"999999999999999999": "not found or offline (1602001)"}
    assert callbacks_of(observed) == {"product": WebhookSetting(enabled=False, url=None)}
    assert subscriptions_of(observed) == frozenset({"111111111111111111"})


def test_without_webhooks_none_are_read() -> None:
    observed = observe(Reader(), ["222222222222222222"], qps=1)

    assert callbacks_of(observed) is None
    assert subscriptions_of(observed) is None


def test_a_failed_listing_fails_the_plan() -> None:
    error = ApiError("CJ is down", call="GET /product/myProduct/query")

    with pytest.raises(ApiError, match="CJ is down"):
        observe(Reader(listing_error=error), ["222222222222222222"], qps=1)


def test_a_bug_in_a_read_is_raised_in_the_caller_not_lost_in_a_thread() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        observe(Reader(listing_error=RuntimeError("boom")), ["222222222222222222"], qps=1)
