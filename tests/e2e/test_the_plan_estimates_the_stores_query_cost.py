"""The plan estimates what applying costs against each store's rate limit (Shopify: calculated
query cost points) next to CJ's calls and points, in the text, Markdown and JSON plans: a first
publish costs the identity definition once and one productSet per product, a repricing one
productVariantsBulkUpdate per 250 variants, and a plan with nothing for the store none.
"""

from __future__ import annotations

import json

from tests.e2e.test_publish_to_the_shopify_stand_in import priced_store
from tests.support.cj_workspace import CjWorkspace, on_sale

FIRST = "Apply also needs about 40 query cost points at store main (Shopify)."  # definition + 3 products × 10


def test_the_store_cost_is_in_every_plan_format(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 3, start=20)
    priced_store(cjw, pids)

    text = cjw.run("plan")
    assert text.exit_code == 0, text.output
    assert FIRST in text.output
    markdown = cjw.run("plan", "--format", "markdown")
    assert FIRST in markdown.output
    shown = json.loads(cjw.run("plan", "--format", "json").stdout)
    stores = [c for c in shown["changes"] if c["address"].startswith("store.")]
    assert len(stores) == 3
    assert shown["cost"]["budgets"] == [{"what": "store main (Shopify)", "amount": 40, "unit": "query cost points"}]

    assert cjw.run("apply", "--auto-approve").exit_code == 0
    quiet = json.loads(cjw.run("plan", "--format", "json").stdout)
    assert "budgets" not in quiet["cost"]  # nothing for the store: no store cost
    assert "query cost points" not in cjw.run("plan").output


def test_repricing_costs_one_bulk_update_per_250_variants_and_a_removal_one_mutation() -> None:
    from reconciler.kinds.store.record import ListingRecord, StoreVariantRecord, with_listing
    from tests.store.test_publishing_keeps_identity_and_the_merchants_edits import PID, record, store
    from tests.store.test_store_listings_are_planned_and_applied import desired, plan, state_with

    main = store("http://127.0.0.1:1")
    old = {
        vid: StoreVariantRecord(f"gid://shopify/ProductVariant/{i}", f"S{i}", "1.00")
        for i, vid in enumerate(("V1", "V2"))
    }
    published = ListingRecord(
        "main", PID, "gid://shopify/Product/1", old, "sha256:old", "active", "2026-03-01T12:00:00Z"
    )
    state = with_listing(state_with(record()), published)
    (budget,) = plan(desired(main, PID), state).budgets
    assert (budget.what, budget.amount, budget.unit) == ("store main (Shopify)", 10, "query cost points")
    (gone,) = plan(desired(main), state).budgets  # the product left the manifests: archived
    assert gone.amount == 10


def test_a_woocommerce_plan_estimates_requests() -> None:
    """WooCommerce counts requests: a first publish is its variations batch (its share of the products
    batch left out) plus the one check before the first publish; a repricing, the variations batch."""
    from reconciler.kinds.store.record import ListingRecord, StoreVariantRecord, with_listing
    from tests.store.test_publishing_keeps_identity_and_the_merchants_edits import PID, record
    from tests.store.test_store_listings_are_planned_and_applied import desired, plan, state_with
    from tests.store.test_woocommerce_store_publishes_in_batches import woo_store

    woo = woo_store("http://127.0.0.1:1")
    (first,) = plan(desired(woo, PID), state_with(record())).budgets
    assert (first.what, first.amount, first.unit) == ("store woo (WooCommerce)", 2, "requests")
    old = {vid: StoreVariantRecord(str(100 + i), f"S{i}", "1.00") for i, vid in enumerate(("V1", "V2"))}
    published = ListingRecord("woo", PID, "99", old, "sha256:old", "active", "2026-03-01T12:00:00Z")
    (reprice,) = plan(desired(woo, PID), with_listing(state_with(record()), published)).budgets
    assert reprice.amount == 1
