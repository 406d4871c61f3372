"""Publishing a managed product to the Shopify stand-in through the store interface
(``adapters/shopify_store.py``, a ``StoreClient``) with the inputs ``kinds/store/shopify.py``
builds from the listing of ``kinds/listing/payload.py``:

- the listing of a product (options from CJ's variant keys, prices, cost in the store currency,
  weight, images) and its fingerprint, which moves only with what cjrec owns;
- first publish by ``productSet`` keyed by the ``cjrec.cj_pid`` metafield; a rerun that lost
  its state finds the product by that metafield and updates it, never duplicates it;
- repricing by ``productVariantsBulkUpdate`` and variant changes by ``productSet`` without the
  merchant's fields leave the merchant's description, tags, collections, images and other
  metafields as they were;
- drift read back (a price edited in the admin, a product deleted there), archive and delete,
  and userErrors reported per product with field and message.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from reconciler.adapters.rate_limiter import RetryPolicy
from reconciler.adapters.shopify_http import ShopifyHttp, StoreToken
from reconciler.adapters.shopify_store import ShopifyStore, graphql_url
from reconciler.kinds.listing.payload import listing_of
from reconciler.kinds.product.record import (
    ListedVariant as Priced,
)
from reconciler.kinds.product.record import (
    Listing as Chosen,
)
from reconciler.kinds.product.record import (
    ProductRecord,
    ProductSnapshot,
    VariantSnapshot,
)
from reconciler.kinds.store.model import PublishDefaults, Store, StoreAuth
from reconciler.models.declared import Source
from reconciler.models.secret import Secret
from reconciler.sandbox import Sandbox
from reconciler.sandbox.clock import SandboxClock
from reconciler.sandbox.shopify.api import DEFAULT_TOKEN
from tests.support.sandbox_wire import FAST

PID = "2503190327561613000"


class FakeClock:
    def __init__(self) -> None:
        self.t = 50_000.0

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, tz=UTC)

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)


def record(*, black: str = "19.99", white: str | None = "21.99", status: str = "3") -> ProductRecord:
    variants = {
        "V1": VariantSnapshot("CJ-TS-BLK-M", "5.10", "Black-M", "https://cdn.cj.example/black.jpg", "180"),
        "V2": VariantSnapshot("CJ-TS-WHT-M", "5.20", "White-M", "https://cdn.cj.example/white.jpg", "180"),
        "V3": VariantSnapshot("CJ-TS-RED-M", "5.30", "Red-M", None, None),  # not selected
    }
    chosen = {"V1": Priced(black, "29.99", "5.10")}
    if white is not None:
        chosen["V2"] = Priced(white, None, "5.20")
    return ProductRecord(
        pid=PID,
        url=f"https://cjdropshipping.com/product/x-p-{PID}.html",
        origin="added",
        snapshot=ProductSnapshot(
            "Men's T-Shirt", "CJ-TS", "5.10-5.30", status, 0, variants, "https://cdn.cj.example/main.jpg", "Color-Size"
        ),
        listing=Chosen("standard", "EUR", chosen, exchange_rate="0.9"),
    )


def store(endpoint: str) -> Store:
    return Store(
        name="main",
        platform="shopify",
        domain="cjrec-sandbox.myshopify.com",
        api_version="2026-01",
        cj_shop="My Shop",
        auth=StoreAuth(access_token=Secret(DEFAULT_TOKEN)),
        publish=PublishDefaults(status="active", vendor="Acme", product_type="Shirts", tags=("cjrec",)),
        on_remove="archive",
        endpoint=endpoint,
        source=Source("manifests/store.sops.yaml", 1),
    )


@pytest.fixture
def sandbox() -> Sandbox:
    clock = FakeClock()
    box = Sandbox(FAST, clock=SandboxClock(monotonic=clock.monotonic, wall=clock.monotonic)).start()
    box.fake_clock = clock  # type: ignore[attr-defined]
    yield box  # type: ignore[misc]
    box.stop()


def connect(sandbox: Sandbox) -> tuple[ShopifyStore, Store]:
    shop = store(sandbox.shopify_url)
    assert shop.auth.access_token is not None
    http = ShopifyHttp(
        graphql_url=graphql_url(shop),
        token=StoreToken(access_token=shop.auth.access_token),
        clock=sandbox.fake_clock,  # type: ignore[attr-defined]
        retry=RetryPolicy(max_attempts=4),
        rng=random.Random(3),
    )
    return ShopifyStore(http, store=shop), shop


def test_the_listing_of_a_product_and_its_fingerprint() -> None:
    listing = listing_of(record())
    assert listing is not None
    assert listing.option_names == ("Color", "Size")
    assert [(v.vid, v.sku, v.values, v.price, v.compare_at, v.cost) for v in listing.variants] == [
        ("V1", "CJ-TS-BLK-M", ("Black", "M"), "19.99", "29.99", "4.59"),  # cost 5.10 USD × 0.9
        ("V2", "CJ-TS-WHT-M", ("White", "M"), "21.99", None, "4.68"),
    ]
    assert listing.images == (
        "https://cdn.cj.example/main.jpg",
        "https://cdn.cj.example/black.jpg",
        "https://cdn.cj.example/white.jpg",
    )
    same = listing_of(record())
    assert same is not None and same.fingerprint == listing.fingerprint
    repriced = listing_of(record(black="20.49"))
    assert repriced is not None and repriced.fingerprint != listing.fingerprint
    assert listing_of(replace(record(), listing=None)) is None
    unpriced = record()
    assert unpriced.listing is not None
    no_price = replace(unpriced, listing=replace(unpriced.listing, variants={"V1": Priced(None)}))
    assert listing_of(no_price) is None


def test_first_publish_then_a_rerun_without_state_updates_the_same_product(sandbox: Sandbox) -> None:
    shop, _ = connect(sandbox)
    listing = listing_of(record())
    assert listing is not None
    assert shop.prepare(call="prepare") == ()
    assert shop.prepare(call="prepare") == ()  # a second run: TAKEN is fine

    made = shop.publish(listing, call=f"publish product.{PID}")
    assert made.ok and made.product is not None
    ids = made.product.variant_ids({v.sku: v.vid for v in listing.variants})
    assert set(ids) == {"V1", "V2"}
    (kept,) = sandbox.shopify.products()
    assert (kept["title"], kept["status"], kept["vendor"], kept["productType"], kept["tags"]) == (
        "Men's T-Shirt",
        "ACTIVE",
        "Acme",
        "Shirts",
        ["cjrec"],
    )
    assert kept["handle"] == f"cj-{PID}"
    assert kept["metafields"][("cjrec", "cj_pid")] == {"type": "id", "value": PID}
    assert [(v["sku"], v["price"], v["cost"], v["weight"]) for v in kept["variants"]] == [
        ("CJ-TS-BLK-M", "19.99", "4.59", {"value": 180.0, "unit": "GRAMS"}),
        ("CJ-TS-WHT-M", "21.99", "4.68", {"value": 180.0, "unit": "GRAMS"}),
    ]

    # the state was lost (kill -9 between Shopify's answer and the state write): found by its metafield
    found = shop.find(PID)
    assert found is not None and found.id == made.product.id and found.pid == PID
    again = shop.publish(listing, call=f"publish product.{PID}")
    assert again.product is not None and again.product.id == made.product.id
    assert again.product.variant_ids({v.sku: v.vid for v in listing.variants}) == ids
    assert len(sandbox.shopify.products()) == 1


def test_repricing_and_variant_changes_leave_the_merchants_edits(sandbox: Sandbox) -> None:
    shop, _ = connect(sandbox)
    shop.prepare(call="prepare")
    listing = listing_of(record())
    assert listing is not None
    made = shop.publish(listing, call="publish")
    assert made.product is not None
    gid = made.product.id
    ids = made.product.variant_ids({v.sku: v.vid for v in listing.variants})
    sandbox.shopify.merchant_edit(
        gid,
        title="Soft Tee",
        descriptionHtml="<p>The merchant's copy</p>",
        tags=["summer", "cjrec"],
        collections=["gid://shopify/Collection/7"],
        seo={"title": "Soft tee"},
        extraImages=["https://cdn.shop.example/lifestyle.jpg"],
        metafield=("custom", "care", "Wash cold"),
    )

    repriced = listing_of(record(black="24.00"))
    assert repriced is not None
    moved = shop.set_prices(gid, repriced, ids, call="reprice")
    assert moved.ok and moved.product is not None
    assert {v.sku: v.price for v in moved.product.variants} == {"CJ-TS-BLK-M": "24.00", "CJ-TS-WHT-M": "21.99"}

    fewer = listing_of(record(black="24.00", white=None))
    assert fewer is not None
    changed = shop.set_variants(gid, fewer, ids, call="variants")
    assert changed.ok and changed.product is not None
    assert [(v.id, v.sku) for v in changed.product.variants] == [(ids["V1"], "CJ-TS-BLK-M")]

    (kept,) = sandbox.shopify.products()
    assert kept["title"] == "Soft Tee"
    assert kept["descriptionHtml"] == "<p>The merchant's copy</p>"
    assert kept["tags"] == ["summer", "cjrec"]
    assert kept["collections"] == ["gid://shopify/Collection/7"]
    assert kept["seo"] == {"title": "Soft tee"}
    assert "https://cdn.shop.example/lifestyle.jpg" in kept["files"]
    assert kept["metafields"][("custom", "care")]["value"] == "Wash cold"
    assert kept["metafields"][("cjrec", "cj_pid")]["value"] == PID


def test_drift_is_read_back_and_a_removed_product_is_archived_or_deleted(sandbox: Sandbox) -> None:
    shop, _ = connect(sandbox)
    shop.prepare(call="prepare")
    listing = listing_of(record())
    assert listing is not None
    made = shop.publish(listing, call="publish")
    assert made.product is not None
    gid = made.product.id
    ids = made.product.variant_ids({v.sku: v.vid for v in listing.variants})

    sandbox.shopify.merchant_edit(gid, variant_price={ids["V1"]: "9.99"})
    seen = shop.read([gid, "gid://shopify/Product/999999"])
    product = seen[gid]
    assert product is not None and {v.sku: v.price for v in product.variants}["CJ-TS-BLK-M"] == "9.99"
    assert seen["gid://shopify/Product/999999"] is None
    assert shop.set_prices(gid, listing, ids, call="restore").ok
    restored = shop.read([gid])[gid]
    assert restored is not None and {v.sku: v.price for v in restored.variants}["CJ-TS-BLK-M"] == "19.99"

    archived = shop.set_status(gid, "archived", call="archive")
    assert archived.ok and archived.product is not None and archived.product.status == "archived"
    assert shop.delete(gid, call="delete").ok
    assert shop.delete(gid, call="delete again").ok  # gone already: no error
    assert shop.find(PID) is None and sandbox.shopify.products() == []


def test_user_errors_come_back_per_product_with_field_and_message(sandbox: Sandbox) -> None:
    shop, _ = connect(sandbox)
    listing = listing_of(record())
    assert listing is not None
    no_identity = shop.publish(listing, call="publish")
    assert not no_identity.ok and no_identity.product is None
    assert str(no_identity.errors[0]).startswith("identifier.customId: Metafield definition cjrec.cj_pid")
    shop.prepare(call="prepare")
    untitled = shop.publish(replace(listing, title=""), call="publish")
    assert [(e.field, e.code) for e in untitled.errors] == [("input.title", "INVALID_PRODUCT")]
    unknown = shop.set_prices("gid://shopify/Product/424242", listing, {"V1": "x"}, call="reprice")
    assert unknown.gone and unknown.product is None  # deleted in the store: the executor publishes it again


def test_every_query_the_store_interface_sends_is_valid_for_shopifys_schema() -> None:
    from graphql import parse, validate

    from reconciler.adapters import shopify_store
    from reconciler.sandbox.shopify.schema import admin_schema

    queries = [
        getattr(shopify_store, name)
        for name in ("DEFINE", "FIND", "READ", "MORE_VARIANTS", "SET", "PRICES", "STATUS", "DELETE")
    ]
    for query in queries:
        assert validate(admin_schema(), parse(query)) == [], query


def test_cjs_text_reaches_the_store_as_one_clean_line_and_only_http_images() -> None:
    hostile = record()
    assert hostile.snapshot is not None
    snap = replace(
        hostile.snapshot,
        name="Tee\x1b[31m red\u202e\nline two",
        image="javascript:alert(1)",
        variants={
            **hostile.snapshot.variants,
            "V1": replace(hostile.snapshot.variants["V1"], sku="CJ\x07-BLK", image="data:text/html,x"),
        },
    )
    listing = listing_of(replace(hostile, snapshot=snap))
    assert listing is not None
    assert "\x1b" not in listing.title and "\u202e" not in listing.title and "\n" not in listing.title
    assert listing.variants[0].sku == "CJ-BLK"
    assert listing.images == ("https://cdn.cj.example/white.jpg",)
