"""Benchmark 9: publishing to the Shopify stand-in at Standard rates.

``products`` products of ``variants`` variants each are published, one ``productSet`` per
product, by the store interface (``adapters/shopify_store.py``) over the transport that paces
by the bucket Shopify reports (``adapters/shopify_http.py``), to the stand-in of
``cjrec sandbox`` at Standard rates: a bucket of 2,000 points restored at 100 points a second.
Real clock, real HTTP on loopback. Utilisation is the points the store charged (from the
stand-in's own call log) divided by the points the bucket made available during the run
(its 2,000 at the start plus 100 a second of wall time): 1.0 is the most any client can get.
THROTTLED answers are counted from the stand-in's log too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from reconciler.adapters.clock import SystemClock
from reconciler.adapters.shopify_http import ShopifyHttp, StoreToken
from reconciler.adapters.shopify_store import ShopifyStore, graphql_url
from reconciler.kinds.listing.payload import listing_of
from reconciler.kinds.product.record import ListedVariant, Listing, ProductRecord, ProductSnapshot, VariantSnapshot
from reconciler.kinds.store.model import PublishDefaults, Store, StoreAuth
from reconciler.models.declared import Source
from reconciler.models.secret import Secret
from reconciler.sandbox import Sandbox, SandboxConfig
from reconciler.sandbox.shopify.api import DEFAULT_TOKEN, ShopifyConfig

BUCKET = 2000.0
RESTORE = 100.0
PRODUCTS = 1000
VARIANTS = 5
GOAL = 0.9


@dataclass(frozen=True)
class Publishing:
    products: int
    variants: int
    wall_s: float
    points: int
    available: float
    throttled: int
    failed: int

    @property
    def utilisation(self) -> float:
        return self.points / self.available if self.available else 0.0


def _record(n: int, variants: int) -> ProductRecord:
    pid = f"{1_800_000_000_000_000 + n}"
    snaps = {
        f"{pid}-{k}": VariantSnapshot(
            f"SKU-{n}-{k}", "4.00", f"Colour{k}-M", f"https://cdn.example.com/{n}/{k}.jpg", "200"
        )
        for k in range(variants)
    }
    priced = {vid: ListedVariant("19.99", "24.99", "4.00") for vid in snaps}
    return ProductRecord(
        pid=pid,
        url=f"https://cjdropshipping.com/product/x-p-{pid}.html",
        origin="added",
        snapshot=ProductSnapshot(f"Product {n}", f"SKU-{n}", "4.00", "3", 0, snaps, None, "Color-Size"),
        listing=Listing("bench", "USD", priced),
    )


def run(*, products: int = PRODUCTS, variants: int = VARIANTS) -> Publishing:
    shop = ShopifyConfig(bucket_size=BUCKET, restore_rate=RESTORE)
    with Sandbox(SandboxConfig(products=10, seed=1), shopify=shop) as sandbox:
        store = Store(
            name="bench",
            platform="shopify",
            domain="cjrec-sandbox.myshopify.com",
            api_version="2026-01",
            cj_shop="bench",
            auth=StoreAuth(access_token=Secret(DEFAULT_TOKEN)),
            publish=PublishDefaults(),
            on_remove="archive",
            endpoint=sandbox.shopify_url,
            source=Source("bench", 1),
        )
        http = ShopifyHttp(
            graphql_url=graphql_url(store), token=StoreToken(access_token=Secret(DEFAULT_TOKEN)), clock=SystemClock()
        )
        client = ShopifyStore(http, store=store)
        listings = [listing_of(_record(n, variants)) for n in range(products)]
        started = time.monotonic()
        client.prepare(call="bench")
        failed = 0
        for listing in listings:
            assert listing is not None
            outcome = client.publish(listing, call="bench")
            failed += not outcome.ok
        wall = time.monotonic() - started
        calls = sandbox.shopify.calls
        points = sum(int(c.get("cost", 0)) for c in calls if c.get("outcome") == "ok")
        throttled = sum(1 for c in calls if c.get("outcome") == "THROTTLED")
        assert len(sandbox.shopify.products()) == products - failed
    return Publishing(products, variants, wall, points, BUCKET + RESTORE * wall, throttled, failed)


def row(result: Publishing) -> str:
    """The Markdown lines of the report's section."""
    return (
        f"| {result.products:,} × {result.variants} | {result.wall_s:,.1f} s | {result.points:,} | "
        f"{result.available:,.0f} | {result.utilisation:.3f} | {result.throttled} | {result.failed} |"
    )


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else PRODUCTS
    measured = run(products=count)
    print("| products × variants | wall | points charged | points available | utilisation | THROTTLED | failed |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(row(measured))
    print(f"goal utilisation ≥ {GOAL}: {'met' if measured.utilisation >= GOAL else 'missed'}", file=sys.stderr)
