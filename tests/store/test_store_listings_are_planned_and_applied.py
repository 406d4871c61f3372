"""``store.<store>/product.<pid>``: planned from the recorded products (a no-op plan costs no store
call), applied through the store interface to the Shopify and the WooCommerce stand-ins (the round
trip runs once per platform) with the state written after every store call. A rerun whose state lost the listing finds the product by its metafield; a
CJ cost change reaches the store price; a product removed from the manifests is archived (or
deleted); a product the merchant deleted in the store is published again; one product's
userErrors fail that product alone.
"""

from __future__ import annotations

import random
import threading
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from reconciler.adapters.rate_limiter import RetryPolicy
from reconciler.adapters.shopify_http import ShopifyHttp, StoreToken
from reconciler.adapters.shopify_store import ShopifyStore, graphql_url
from reconciler.errors import CjrecError
from reconciler.kinds.executing import ApplyResult, Run, SilentHooks
from reconciler.kinds.planning import KindPlan, PlanContext, PlanRequest
from reconciler.kinds.product.record import ListedVariant as Priced
from reconciler.kinds.product.record import ProductRecord
from reconciler.kinds.store.apply import StoreExecutor
from reconciler.kinds.store.model import Store
from reconciler.kinds.store.plan import plan_store_listings
from reconciler.kinds.store.record import listings_of, without_listing
from reconciler.models.declared import Source
from reconciler.models.desired import Desired, DesiredProduct, Settings
from reconciler.models.observed import Observed
from reconciler.models.plan import Action, Change
from reconciler.models.state import SyncState
from reconciler.sandbox import Sandbox
from reconciler.sandbox.clock import SandboxClock
from tests.store.test_publishing_keeps_identity_and_the_merchants_edits import PID, FakeClock, record, store
from tests.support.plan_builders import NOW
from tests.support.sandbox_wire import FAST
from tests.support.store_platforms import StandIn

LINEAGE = "0b7c2f4e-2f7d-4b8e-9a55-3d8d1c0e7a11"
OTHER = "2503190327561613999"


def desired(shop: Store | None, *pids: str) -> Desired:
    items = {
        pid: DesiredProduct(
            pid=pid,
            url=f"https://cjdropshipping.com/product/x-p-{pid}.html",
            logo=None,
            source=Source("manifests/products.yaml", 4),
        )
        for pid in pids
    }
    resources: dict[str, Any] = {"product": items}
    if shop is not None:
        resources["store"] = {shop.name: shop}
    return Desired(credentials=None, settings=Settings(), resources=resources)


def state_with(*records: ProductRecord, base: SyncState | None = None) -> SyncState:
    state = base or SyncState(lineage=LINEAGE, serial=1, products={}, logos={})
    for one in records:
        state = state.with_record("products", one.pid, one)
    return state


def plan(want: Desired, state: SyncState) -> KindPlan:
    request = PlanRequest(mode="normal", now=NOW, manifests_digest="sha256:x", qps=1)
    return plan_store_listings(PlanContext(want, state, True, Observed(), request))


class Memory:
    def __init__(self) -> None:
        self.writes = 0

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState:
        self.writes += 1
        return state


def apply(changes: list[Change], state: SyncState, executor: StoreExecutor) -> ApplyResult:
    result = ApplyResult(state=state)
    run = Run(
        result=result, store=Memory(), hooks=SilentHooks(), stop=threading.Event(), is_fatal=lambda e: False, qps=1
    )
    executor.execute(changes, run)
    return result


@pytest.fixture
def sandbox() -> Sandbox:
    clock = FakeClock()
    box = Sandbox(FAST, clock=SandboxClock(monotonic=clock.monotonic, wall=clock.monotonic)).start()
    box.fake_clock = clock  # type: ignore[attr-defined]
    yield box  # type: ignore[misc]
    box.stop()


def executor_for(sandbox: Sandbox, shop: Store) -> StoreExecutor:
    assert shop.auth.access_token is not None
    http = ShopifyHttp(
        graphql_url=graphql_url(shop),
        token=StoreToken(access_token=shop.auth.access_token),
        clock=sandbox.fake_clock,  # type: ignore[attr-defined]
        retry=RetryPolicy(max_attempts=4),
        rng=random.Random(5),
    )
    return StoreExecutor({shop.name: ShopifyStore(http, store=shop)}, now=lambda: "2026-03-01T12:00:00Z")


def test_the_plan_publishes_updates_and_archives_and_a_no_op_costs_nothing() -> None:
    shop = store("http://127.0.0.1:1")
    product = record()
    state = state_with(product)
    (publish,) = plan(desired(shop, PID), state).changes
    assert (publish.address, publish.action, publish.reason) == (
        f"store.main/product.{PID}",
        Action.CREATE,
        "publish, 2 variant(s)",
    )
    assert publish.after is not None and publish.after["variants"]["V1"] == {
        "sku": "CJ-TS-BLK-M",
        "price": "19.99",
        "compare_at": "29.99",
    }
    assert publish.cost() == (1, 0)  # the store call; no CJ shop was read, so no connection to make

    assert plan(desired(None, PID), state).changes == []  # no Store: nothing to publish


def test_a_store_round_trip_against_the_stand_in(stand_in: StandIn) -> None:
    """The same scenario on every platform (``stand_in`` runs it for Shopify and for WooCommerce)."""
    shop = stand_in.store()
    executor = StoreExecutor({shop.name: stand_in.client(shop)}, now=lambda: "2026-03-01T12:00:00Z")
    state = state_with(record())

    # publish
    first = plan(desired(shop, PID), state).changes
    result = apply(first, state, executor)
    assert result.failed == [] and len(result.done) == 1
    state = result.state
    listing = listings_of(state)[f"main/product.{PID}"]
    (live,) = stand_in.products()
    assert listing.product_id == live.id and listing.status == "active" and live.pid == PID
    assert live.prices == {"CJ-TS-BLK-M": "19.99", "CJ-TS-WHT-M": "21.99"}
    assert {vid: v.id for vid, v in listing.variants.items()} == {
        "V1": live.variant_ids["CJ-TS-BLK-M"],
        "V2": live.variant_ids["CJ-TS-WHT-M"],
    }

    # nothing new: no change, no store call
    calls = stand_in.calls()
    assert plan(desired(shop, PID), state).changes == []
    assert stand_in.calls() == calls

    # the state lost the listing (kill -9 after the store's answer): found by its identity, not duplicated
    lost = without_listing(state, f"main/product.{PID}")
    again = plan(desired(shop, PID), lost).changes
    assert [c.action for c in again] == [Action.CREATE]
    result = apply(again, lost, executor)
    assert result.failed == [] and len(stand_in.products()) == 1
    assert listings_of(result.state)[f"main/product.{PID}"].product_id == live.id
    state = result.state

    # the merchant edits, then CJ's cost moves and cjrec reprices
    stand_in.merchant_edit(live, description="<p>mine</p>", tags=["summer"], meta=("custom.care", "cold"))
    product = record(black="24.00")
    state = state_with(product, base=state)
    (update,) = plan(desired(shop, PID), state).changes
    assert update.action is Action.UPDATE and update.reason == "CJ-TS-BLK-M 19.99 -> 24.00"
    result = apply([update], state, executor)
    assert result.failed == []
    state = result.state
    (kept,) = stand_in.products()
    assert kept.prices == {"CJ-TS-BLK-M": "24.00", "CJ-TS-WHT-M": "21.99"}
    assert (kept.description, kept.tags, kept.meta) == ("<p>mine</p>", ["summer"], {"custom.care": "cold"})

    # a price edited in the store's admin is set back by the next update of that product
    stand_in.merchant_price(kept, "CJ-TS-BLK-M", "1.00")
    assert stand_in.products()[0].prices["CJ-TS-BLK-M"] == "1.00"

    # a variant leaves the selection: options and variants only
    fewer = record(black="24.00", white=None)
    state = state_with(fewer, base=state)
    (narrower,) = plan(desired(shop, PID), state).changes
    assert narrower.reason == "-1 variant(s)"
    result = apply([narrower], state, executor)
    assert result.failed == []
    state = result.state
    (kept,) = stand_in.products()
    assert kept.prices == {"CJ-TS-BLK-M": "24.00"} and kept.description == "<p>mine</p>"

    # the merchant deleted it in the store: the next update publishes it again
    stand_in.merchant_delete(kept)
    state = state_with(record(black="25.00", white=None), base=state)
    (back,) = plan(desired(shop, PID), state).changes
    result = apply([back], state, executor)
    assert result.failed == []
    state = result.state
    (republished,) = stand_in.products()
    assert listings_of(state)[f"main/product.{PID}"].product_id == republished.id != kept.id

    # removed from the manifests: archived (onRemove default), then nothing more to do
    (gone,) = plan(desired(shop), state).changes
    assert gone.action is Action.UPDATE and gone.reason == "archive in the store: removed from the manifests"
    state = apply([gone], state, executor).state
    assert stand_in.products()[0].status == "archived"
    assert listings_of(state)[f"main/product.{PID}"].status == "archived"
    assert plan(desired(shop), state).changes == []

    # back in the manifests: published again, active
    (returned,) = plan(desired(shop, PID), state).changes
    assert returned.action is Action.UPDATE and "status archived -> active" in str(returned.reason)
    state = apply([returned], state, executor).state
    assert stand_in.products()[0].status == "active"

    # onRemove: delete
    deleting = replace(shop, on_remove="delete")
    (delete,) = plan(desired(deleting), state).changes
    assert delete.action is Action.FORGET
    state = apply([delete], state, executor).state
    assert stand_in.products() == [] and listings_of(state) == {}


def test_faults_mid_apply_are_ridden_out_without_a_duplicate(stand_in: StandIn) -> None:
    """503s, dropped connections and throttling between the writes of three publishes and a reprice."""
    shop = stand_in.store()
    executor = StoreExecutor({shop.name: stand_in.client(shop)}, now=lambda: "2026-03-01T12:00:00Z")
    products = [replace(record(), pid=pid) for pid in (PID, OTHER, "2503190327561613998")]
    products = [
        replace(p, snapshot=replace(p.snapshot, sku=f"SKU-{n}", variants=_skus(p.snapshot.variants, n)))  # type: ignore[arg-type]
        for n, p in enumerate(products)
    ]
    state = state_with(*products)
    stand_in.fail_next("unavailable", "throttle", "drop")
    result = apply(plan(desired(shop, *(p.pid for p in products)), state).changes, state, executor)
    assert result.failed == [] and len(result.done) == 3
    live = stand_in.products()
    assert sorted(str(p.pid) for p in live) == sorted(p.pid for p in products)  # each once
    prices = {p.pid: p.prices for p in live}
    assert all(prices[p.pid][f"SKU-{n}-BLK"] == "19.99" for n, p in enumerate(products))

    repriced = replace(products[0], listing=replace(products[0].listing, variants={  # type: ignore[arg-type]
        **products[0].listing.variants, "V1": Priced("23.00", "29.99", "5.10")}))  # type: ignore[union-attr]  # fmt: skip
    state = state_with(repriced, base=result.state)
    stand_in.fail_next("throttle", "unavailable", "drop")
    (update,) = plan(desired(shop, *(p.pid for p in products)), state).changes
    assert apply([update], state, executor).failed == []
    assert {p.pid: p.prices["SKU-0-BLK"] for p in stand_in.products() if p.pid == PID} == {PID: "23.00"}


def _skus(variants: dict[str, Any], n: int) -> dict[str, Any]:
    """The product's variants with SKUs of their own (SKUs are unique in a store)."""
    return {vid: replace(v, sku=f"SKU-{n}-{v.sku.rsplit('-', 2)[-2]}") for vid, v in variants.items()}


def test_a_product_the_store_refuses_fails_alone_and_a_stale_plan_is_refused(sandbox: Sandbox) -> None:
    shop = store(sandbox.shopify_url)
    executor = executor_for(sandbox, shop)
    bad = record()
    assert bad.snapshot is not None and bad.listing is not None
    many = {
        f"V{n}": replace(bad.snapshot.variants["V1"], sku=f"SKU-{n}", variant_key=f"Black-{n}") for n in range(2100)
    }
    priced = {vid: Priced("10.00", None, "1.00") for vid in many}
    bad = replace(
        bad, pid=OTHER, snapshot=replace(bad.snapshot, variants=many), listing=replace(bad.listing, variants=priced)
    )
    state = state_with(record(), bad)
    changes = plan(desired(shop, PID, OTHER), state).changes
    assert len(changes) == 2
    stale = state_with(record(black="30.00"), base=state)  # the products moved on after the plan
    result = apply(changes, stale, executor)
    errors = {change.name: error for change, error in result.failed}
    assert f"main/product.{PID}" in errors and "run `cjrec plan` again" in str(errors[f"main/product.{PID}"].hint)
    assert isinstance(errors[f"main/product.{PID}"], CjrecError)
    # 2,100 variants are cut to Shopify's 2,048 by the listing: the store takes it
    assert f"main/product.{OTHER}" not in errors
    (other,) = sandbox.shopify.products()
    assert len(other["variants"]) == 2048
    assert Decimal(other["variants"][0]["price"]) == Decimal("10.00")


def test_first_publishes_go_to_woocommerce_in_one_batch_and_a_refused_one_fails_alone(sandbox: Sandbox) -> None:
    """WooCommerce takes up to 100 first publishes at once (StorePlatform.publish_batch): three new
    products are one /products/batch; the one whose SKU a merchant's product holds fails alone, with
    WooCommerce's reason, and the others are recorded."""
    stand_in = StandIn("woocommerce", sandbox, sandbox.fake_clock)  # type: ignore[attr-defined]
    shop = stand_in.store()
    executor = StoreExecutor({shop.name: stand_in.client(shop)}, now=lambda: "2026-03-01T12:00:00Z")
    products = [replace(record(), pid=pid) for pid in (PID, OTHER, "2503190327561613998")]
    products = [
        replace(p, snapshot=replace(p.snapshot, sku=f"SKU-{n}", variants=_skus(p.snapshot.variants, n)))  # type: ignore[arg-type]
        for n, p in enumerate(products)
    ]
    sandbox.woocommerce.catalogue.create_product({"name": "The merchant's own", "sku": "SKU-1"})
    state = state_with(*products)
    changes = plan(desired(shop, *(p.pid for p in products)), state).changes
    result = apply(changes, state, executor)
    assert sorted(c.name for c in result.done) == [f"main/product.{PID}", "main/product.2503190327561613998"]
    ((failed, error),) = result.failed
    assert failed.name == f"main/product.{OTHER}"
    assert "the SKU SKU-1 is already used by product" in str(error) and "not published by cjrec" in str(error)
    assert set(listings_of(result.state)) == {f"main/product.{PID}", "main/product.2503190327561613998"}
    batches = [c for c in sandbox.woocommerce.calls if c["path"].endswith("/wc/v3/products/batch")]
    assert [c["items"] for c in batches] == [2]  # the refused one was found by SKU before the batch
