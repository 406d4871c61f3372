"""Publishing managed products to the WooCommerce stand-in through ``adapters/woocommerce_store.py``,
over real HTTP on loopback:

- a product with several variants becomes a ``variable`` product (attributes with
  ``variation: true``, variations with SKU, regular/sale price, weight in kg, image), a product
  with one variant a ``simple`` one; both carry the ``_cjrec_cj_pid`` meta and a SKU;
- a rerun that lost its state finds the products by SKU and updates them, never duplicates them,
  also when the answer of the create was lost after WooCommerce acted;
- repricing and variant changes send only what cjrec owns: the merchant's description, tags,
  images, meta and own attributes stay;
- archive, delete and the read-back for drift; a refused product fails alone; products go
  through ``/products/batch`` 100 at a time.
"""

from __future__ import annotations

import random
from dataclasses import replace

from reconciler.adapters.rate_limiter import RetryPolicy
from reconciler.adapters.woocommerce_http import WooHttp, WooKeys
from reconciler.adapters.woocommerce_store import Publication, WooCommerceStore
from reconciler.kinds.listing.payload import listing_of
from reconciler.kinds.store.model import PublishDefaults, Store, StoreAuth
from reconciler.kinds.store.platform import Listing
from reconciler.models.declared import Source
from reconciler.models.secret import Secret
from reconciler.sandbox import Sandbox
from reconciler.sandbox.woocommerce.api import DEFAULT_KEY, DEFAULT_SECRET
from tests.store.test_publishing_keeps_identity_and_the_merchants_edits import PID, record

SINGLE = "2503190327561614000"


def woo_store(url: str, *, on_remove: str = "archive") -> Store:
    return Store(
        name="woo",
        platform="woocommerce",
        domain="127.0.0.1",
        api_version="wc/v3",
        cj_shop="My Woo Shop",
        auth=StoreAuth(consumer_key=Secret(DEFAULT_KEY), consumer_secret=Secret(DEFAULT_SECRET)),
        publish=PublishDefaults(status="active"),
        on_remove=on_remove,  # type: ignore[arg-type]
        endpoint=url,
        source=Source("manifests/woo.sops.yaml", 1),
    )


def connect(sandbox: Sandbox) -> WooCommerceStore:
    http = WooHttp(
        url=sandbox.woocommerce_url,
        keys=WooKeys(Secret(DEFAULT_KEY), Secret(DEFAULT_SECRET)),
        clock=sandbox.fake_clock,  # type: ignore[attr-defined]
        retry=RetryPolicy(max_attempts=4),
        rng=random.Random(3),
    )
    return WooCommerceStore(http, store=woo_store(sandbox.woocommerce_url))


def shirt(**prices: str | None) -> Listing:
    listing = listing_of(record(**prices))  # type: ignore[arg-type]
    assert listing is not None
    return listing


def mug() -> Listing:
    listing = listing_of(replace(record(white=None), pid=SINGLE))
    assert listing is not None and len(listing.variants) == 1
    return replace(listing, variants=(replace(listing.variants[0], sku="CJ-MUG-1"),))


def batches(sandbox: Sandbox, path: str = "/wp-json/wc/v3/products/batch") -> int:
    return sum(1 for c in sandbox.woocommerce.calls if c["path"] == path and c["status"] == 200)


def test_a_variable_and_a_simple_product_at_first_publish(sandbox: Sandbox) -> None:
    store = connect(sandbox)
    done = store.publish_items(
        [Publication(shirt(), "CJ-TS", "active"), Publication(mug(), "CJ-MUG", "draft")], call="publish"
    )
    assert all(o.ok for o in done)
    variable, simple = sandbox.woocommerce.products()
    assert (variable["type"], variable["sku"], variable["status"], variable["name"]) == (
        "variable",
        "CJ-TS",
        "publish",
        "Men's T-Shirt",
    )
    assert variable["attributes"] == [
        {"id": 0, "name": "Color", "position": 0, "visible": True, "variation": True, "options": ["Black", "White"]},
        {"id": 0, "name": "Size", "position": 1, "visible": True, "variation": True, "options": ["M"]},
    ]
    assert {m["key"]: m["value"] for m in variable["meta_data"]} == {"_cjrec_cj_pid": PID}
    assert [
        (v["sku"], v["regular_price"], v["sale_price"], v["weight"], v["image"]["src"], v["attributes"])
        for v in variable["variations"]
    ] == [
        ("CJ-TS-BLK-M", "29.99", "19.99", "0.18", "https://cdn.cj.example/black.jpg",
         [{"id": 0, "name": "Color", "option": "Black"}, {"id": 0, "name": "Size", "option": "M"}]),
        ("CJ-TS-WHT-M", "21.99", "", "0.18", "https://cdn.cj.example/white.jpg",
         [{"id": 0, "name": "Color", "option": "White"}, {"id": 0, "name": "Size", "option": "M"}]),
    ]  # fmt: skip
    assert [i["src"] for i in variable["images"]] == [
        "https://cdn.cj.example/main.jpg",
        "https://cdn.cj.example/black.jpg",
        "https://cdn.cj.example/white.jpg",
    ]
    assert (simple["type"], simple["sku"], simple["status"], simple["regular_price"], simple["sale_price"]) == (
        "simple",
        "CJ-MUG-1",
        "draft",
        "29.99",
        "19.99",
    )
    assert simple["variations"] == [] and {m["key"] for m in simple["meta_data"]} == {"_cjrec_cj_pid"}
    shirt_ids = done[0].product.variant_ids({v.sku: v.vid for v in shirt().variants})  # type: ignore[union-attr]
    assert shirt_ids == {"V1": str(variable["variations"][0]["id"]), "V2": str(variable["variations"][1]["id"])}
    assert done[1].product is not None and done[1].product.variant_ids({"CJ-MUG-1": "V1"}) == {"V1": str(simple["id"])}
    # one lookup by SKU, one products batch for both, one variations batch (the simple product has none)
    assert batches(sandbox) == 1
    assert batches(sandbox, f"/wp-json/wc/v3/products/{variable['id']}/variations/batch") == 1


def test_a_rerun_without_state_finds_the_products_by_sku_even_when_the_answer_was_lost(sandbox: Sandbox) -> None:
    store = connect(sandbox)
    first = store.publish_items([Publication(shirt(), "CJ-TS", "active")], call="publish")
    assert first[0].ok and first[0].product is not None
    again = store.publish_items(
        [Publication(shirt(), "CJ-TS", "active"), Publication(mug(), "CJ-MUG", "active")], call="rerun"
    )
    assert all(o.ok for o in again)
    assert again[0].product is not None and again[0].product.id == first[0].product.id
    products = sandbox.woocommerce.products()
    assert len(products) == 2 and len(products[0]["variations"]) == 2

    # the next create is carried out but its answer is lost: the retry meets the SKU and takes the product
    sandbox.woocommerce.fail_next("lost", on="/products/batch")
    other = replace(mug(), pid="2503190327561615000", variants=(replace(mug().variants[0], sku="CJ-CAP"),))
    (made,) = store.publish_items([Publication(other, "CJ-CAP", "active")], call="publish cap")
    assert made.ok and made.product is not None
    assert [p["sku"] for p in sandbox.woocommerce.products()].count("CJ-CAP") == 1
    # the lost create, its retry (refused per item: the SKU exists), the update of the product found by SKU
    assert [c["outcome"] for c in sandbox.woocommerce.calls if c["path"].endswith("/products/batch")][-3:] == [
        "answer lost",
        "ok",
        "ok",
    ]


def test_repricing_and_variant_changes_leave_the_merchants_edits(sandbox: Sandbox) -> None:
    store = connect(sandbox)
    (made,) = store.publish_items([Publication(shirt(), "CJ-TS", "active")], call="publish")
    assert made.product is not None
    product_id = int(made.product.id)
    ids = made.product.variant_ids({v.sku: v.vid for v in shirt().variants})
    sandbox.woocommerce.merchant_edit(
        product_id,
        name="Soft Tee",
        description="<p>The merchant's copy</p>",
        tags=["summer"],
        categories=["Shirts"],
        extra_images=["https://cdn.shop.example/lifestyle.jpg"],
        meta={"care": "Wash cold"},
        attribute={"name": "Material", "options": ["Cotton"]},
    )
    before = sandbox.woocommerce.products()[0]

    repriced = Publication(shirt(black="24.00"), "CJ-TS", "active", str(product_id), ids, first=False)
    (moved,) = store.publish_items([repriced], call="reprice")
    assert moved.ok
    (kept,) = sandbox.woocommerce.products()
    assert [(v["regular_price"], v["sale_price"]) for v in kept["variations"]] == [("29.99", "24.00"), ("21.99", "")]
    for name in ("name", "description", "tags", "categories", "images", "attributes"):
        assert kept[name] == before[name], name
    assert {m["key"]: m["value"] for m in kept["meta_data"]} == {"_cjrec_cj_pid": PID, "care": "Wash cold"}

    # down to one variant: a simple product with that variant's SKU and prices; the merchant's attribute stays
    fewer = Publication(shirt(black="24.00", white=None), "CJ-TS", "active", str(product_id), ids, first=False)
    (narrowed,) = store.publish_items([fewer], call="variants")
    assert narrowed.ok and narrowed.product is not None
    (kept,) = sandbox.woocommerce.products()
    assert (kept["type"], kept["sku"], kept["regular_price"], kept["sale_price"], kept["variations"]) == (
        "simple",
        "CJ-TS-BLK-M",
        "29.99",
        "24.00",
        [],
    )
    assert [(a["name"], a["options"]) for a in kept["attributes"]] == [("Material", ["Cotton"])]
    assert (kept["name"], kept["description"], len(kept["images"])) == ("Soft Tee", "<p>The merchant's copy</p>", 4)

    # two variants again: variable, the CJ product's SKU on the parent, the merchant's attribute still there
    simple_ids = narrowed.product.variant_ids({"CJ-TS-BLK-M": "V1"})
    assert simple_ids == {"V1": str(product_id)}
    more = Publication(shirt(black="24.00"), "CJ-TS", "active", str(product_id), simple_ids, first=False)
    (grown,) = store.publish_items([more], call="variants")
    assert grown.ok
    (kept,) = sandbox.woocommerce.products()
    assert (kept["type"], kept["sku"]) == ("variable", "CJ-TS")
    assert [v["sku"] for v in kept["variations"]] == ["CJ-TS-BLK-M", "CJ-TS-WHT-M"]
    assert [a["name"] for a in kept["attributes"]] == ["Color", "Size", "Material"]
    assert kept["description"] == "<p>The merchant's copy</p>"


def test_status_delete_and_the_read_back_for_drift(sandbox: Sandbox) -> None:
    store = connect(sandbox)
    (made,) = store.publish_items([Publication(shirt(), "CJ-TS", "active")], call="publish")
    assert made.product is not None
    gid = made.product.id
    variation = int(made.product.variants[0].id)
    sandbox.woocommerce.merchant_edit(int(gid), variation_price={variation: "9.99"})
    seen = store.read_products([gid, "999999"])
    assert seen["999999"] is None
    product = seen[gid]
    assert product is not None and product.pid == PID
    assert {v.sku: v.price for v in product.variants} == {"CJ-TS-BLK-M": "19.99", "CJ-TS-WHT-M": "21.99"}
    assert {v.sku: v.regular_price for v in product.variants}["CJ-TS-BLK-M"] == "9.99"

    (archived,) = store.set_statuses([gid], "archived", call="archive")
    assert archived.ok and archived.product is not None and archived.product.status == "private"
    assert all(o.ok or o.product is None for o in store.delete_all([gid], call="delete"))
    assert store.delete_all([gid], call="delete again")[0].errors == ()  # gone already: no error
    assert sandbox.woocommerce.products() == [] and store.read_products([gid])[gid] is None


def test_a_refused_product_fails_alone_and_products_go_100_to_a_batch(sandbox: Sandbox) -> None:
    store = connect(sandbox)
    # the merchant's own product holds the SKU cjrec would use
    store.http.request("POST", "/products", body={"name": "Merchant's mug", "sku": "CJ-MUG-1", "regular_price": "3.00"})
    many = [
        Publication(replace(mug(), pid=f"P{n}", variants=(replace(mug().variants[0], sku=f"SKU-{n}"),)), "", "active")
        for n in range(150)
    ]
    done = store.publish_items([Publication(mug(), "CJ-MUG", "active"), *many], call="publish")
    assert not done[0].ok and "already used by product" in str(done[0].errors[0])
    assert all(o.ok for o in done[1:])
    assert batches(sandbox) == 2  # 150 products: 100 + 50
    assert len(sandbox.woocommerce.products()) == 151
