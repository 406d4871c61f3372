"""Benchmark: publishing to the WooCommerce stand-in in batches.

``products`` products of ``variants`` variants each are published through the store interface
(``adapters/woocommerce_store.py``: ``publish_all`` of 100 products at a time, as the store
executor hands them over) over ``adapters/woocommerce_http.py`` (at most ``maxConcurrency``
requests in flight, default 2) to the WooCommerce stand-in of ``cjrec sandbox``. Real clock,
real HTTP on loopback. Requests are counted from the stand-in's own call log, by route:
``/products/batch`` carries the products (at most 100 objects each), one
``/products/<id>/variations/batch`` per product carries its variations (WooCommerce has no
batch across products for variations), and the SKU lookups are ``GET /products?sku=…``
(100 SKUs a request). The floor is one batch per 100 objects of each kind of batch.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from benchmarks.shopify_publish import _record
from reconciler.adapters.clock import SystemClock
from reconciler.adapters.woocommerce_http import WooHttp, WooKeys
from reconciler.adapters.woocommerce_store import WooCommerceStore
from reconciler.kinds.listing.payload import listing_of
from reconciler.kinds.store.model import PublishDefaults, Store, StoreAuth
from reconciler.models.declared import Source
from reconciler.models.secret import Secret
from reconciler.sandbox import Sandbox, SandboxConfig
from reconciler.sandbox.woocommerce.api import DEFAULT_KEY, DEFAULT_SECRET

PRODUCTS = 1000
VARIANTS = 5
BATCH = 100
CONCURRENCY = 2


@dataclass(frozen=True)
class WooPublishing:
    products: int
    variants: int
    wall_s: float
    requests: int  # every request the stand-in answered
    product_batches: int
    variation_batches: int
    lookups: int  # GET /products?sku=…
    largest_batch: int  # objects in the largest batch request
    failed: int

    @property
    def floor(self) -> int:
        """Batch requests at one per 100 objects: products in batches of 100, each product's variations in one."""
        return math.ceil(self.products / BATCH) + self.products * math.ceil(self.variants / BATCH)

    @property
    def batches(self) -> int:
        return self.product_batches + self.variation_batches


def run(*, products: int = PRODUCTS, variants: int = VARIANTS, concurrency: int = CONCURRENCY) -> WooPublishing:
    with Sandbox(SandboxConfig(products=10, seed=1)) as sandbox:
        store = Store(
            name="bench",
            platform="woocommerce",
            domain="127.0.0.1",
            api_version="wc/v3",
            cj_shop="bench",
            auth=StoreAuth(consumer_key=Secret(DEFAULT_KEY), consumer_secret=Secret(DEFAULT_SECRET)),
            publish=PublishDefaults(),
            on_remove="archive",
            endpoint=sandbox.woocommerce_url,
            source=Source("bench", 1),
            max_concurrency=concurrency,
        )
        keys = WooKeys(Secret(DEFAULT_KEY), Secret(DEFAULT_SECRET))
        http = WooHttp(url=store.base_url, keys=keys, clock=SystemClock(), max_concurrency=concurrency)
        client = WooCommerceStore(http, store=store)
        listings = [listing_of(_record(n, variants)) for n in range(products)]
        started = time.monotonic()
        client.prepare(call="bench")
        failed = 0
        for start in range(0, len(listings), BATCH):
            chunk = [listing for listing in listings[start : start + BATCH] if listing is not None]
            failed += sum(not outcome.ok for outcome in client.publish_all(chunk, call="bench"))
        wall = time.monotonic() - started
        calls = [c for c in sandbox.woocommerce.calls if c["status"] in (200, 201)]
        published = sandbox.woocommerce.products()
        assert len(published) == products - failed
        assert all(len(p["variations"]) == variants for p in published)
    product_batches = [c for c in calls if c["path"].endswith("/wc/v3/products/batch")]
    variation_batches = [c for c in calls if c["path"].endswith("/variations/batch")]
    return WooPublishing(
        products=products,
        variants=variants,
        wall_s=wall,
        requests=len(calls),
        product_batches=len(product_batches),
        variation_batches=len(variation_batches),
        lookups=sum(1 for c in calls if c["method"] == "GET" and c["path"].endswith("/wc/v3/products")),
        largest_batch=max((int(c.get("items", 0)) for c in product_batches + variation_batches), default=0),
        failed=failed,
    )


def row(result: WooPublishing) -> str:
    """The Markdown line of the report's table."""
    return (
        f"| {result.products:,} × {result.variants} | {result.wall_s:,.1f} s | {result.requests:,} | "
        f"{result.product_batches:,} | {result.variation_batches:,} | {result.lookups:,} | "
        f"{result.batches:,} / {result.floor:,} | {result.largest_batch} | {result.failed} |"
    )


HEADER = (
    "| products × variants | wall | requests | `/products/batch` | variation batches | SKU lookups "
    "| batches / floor | largest batch | failed |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else PRODUCTS
    measured = run(products=count)
    print(HEADER)
    print(row(measured))
