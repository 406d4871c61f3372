"""From manifests to products live in the Shopify and the WooCommerce stand-ins of ``cjrec sandbox``
(each scenario runs once per platform), through ``cjrec``:
a Store document (sops-encrypted, endpoint on loopback) next to priced Products. One apply adds,
prices and publishes the products (the store is planned from what the product kind will
record, and runs after it); then a plan is empty and costs no store call, a CJ cost change
reaches the store price (the refresh records it, one apply reprices the product and the
store), and a product removed from the manifests is archived; a price edited in the store and a
product deleted there are set back. The store's token (or REST API keys) never shows.
"""

from __future__ import annotations

import pytest

from reconciler.sandbox.shopify.api import DEFAULT_TOKEN
from tests.e2e.test_priced_catalogue_and_refresh_only import RULE
from tests.support.cj_workspace import CjWorkspace, on_sale
from tests.support.store_platforms import DOCUMENTS, PLATFORMS, StandIn

STORE = DOCUMENTS["shopify"].replace("{name}", "main")  # .format(endpoint=…, token=…)


def priced_store(cjw: CjWorkspace, pids: list[str], *, extra: str = "", platform: str = "shopify") -> StandIn:
    """``pids`` in the manifests, the default Pricing rule, and the Store for the platform's stand-in
    (``extra``: more lines of its spec), its secrets watched for."""
    store = StandIn(platform, cjw.sandbox, clock=None)
    cjw.watch.secrets.update(store.secrets)
    cjw.products(pids)
    cjw.write("manifests/pricing.yaml", RULE)
    cjw.encrypt("manifests/store.sops.yaml", store.document() + extra)
    return store


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_priced_catalogue_is_published_repriced_and_archived(cjw: CjWorkspace, platform: str) -> None:
    pids = on_sale(cjw.sandbox, 2)
    store = priced_store(cjw, pids, platform=platform)

    first = cjw.run("apply", "--auto-approve")
    assert first.exit_code == 0, first.output
    assert f"+ product.{pids[0]}" in first.output and f"+ store.main/product.{pids[0]}" in first.output

    assert sorted(str(p.pid) for p in store.products()) == sorted(pids)
    listings = cjw.state()["store_listings"]
    assert isinstance(listings, dict) and set(listings) == {f"main/product.{pid}" for pid in pids}

    calls = store.calls()
    empty = cjw.run("plan", "--detailed-exitcode")
    assert empty.exit_code == 0, empty.output
    assert store.calls() == calls

    # CJ's cost moves: the next apply reprices the product and the store
    variant = cjw.sandbox.product(pids[0])["variants"][0]  # type: ignore[index]
    old = cjw.state()["products"][pids[0]]["listing"]["variants"][str(variant["vid"])]["price"]  # type: ignore[index]
    cjw.sandbox.set_product(pids[0], variantPrices={variant["vid"]: float(variant["variantSellPrice"]) * 3})
    assert cjw.run("apply", "--refresh-only", "--auto-approve").exit_code == 0  # the daily drift job
    again = cjw.run("apply", "--auto-approve")
    assert again.exit_code == 0, again.output
    listed = cjw.state()["products"][pids[0]]["listing"]["variants"][str(variant["vid"])]  # type: ignore[index]
    (in_store,) = [p.prices for p in store.products() if p.pid == pids[0]]
    assert in_store[str(variant["variantSku"])] == listed["price"] != old

    cjw.products(pids[:1])
    removed = cjw.run("apply", "--auto-approve")
    assert removed.exit_code == 0, removed.output
    assert {p.pid: p.status for p in store.products()} == {pids[0]: "active", pids[1]: "archived"}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_price_edited_or_a_product_deleted_in_the_store_is_set_back(cjw: CjWorkspace, platform: str) -> None:
    pids = on_sale(cjw.sandbox, 2, start=8)
    store = priced_store(cjw, pids, platform=platform)
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    edited, deleted = sorted(store.products(), key=lambda p: str(p.pid))
    sku, published = sorted(edited.prices.items())[0]
    store.merchant_price(edited, sku, "1.00")
    store.merchant_delete(deleted)

    assert cjw.run("plan", "--detailed-exitcode").exit_code == 0  # without --refresh-details the stores are not read
    shown = cjw.run("plan", "--refresh-details", "--detailed-exitcode")
    assert shown.exit_code == 2, shown.output
    assert f"price edited in the store: {sku} 1.00 -> {published}" in shown.output
    assert "deleted in the store: publish again" in shown.output

    fixed = cjw.run("apply", "--refresh-details", "--auto-approve")
    assert fixed.exit_code == 0, fixed.output
    live = {p.pid: p for p in store.products()}
    assert len(live) == 2
    assert live[edited.pid].prices[sku] == published
    assert cjw.run("plan", "--refresh-details", "--detailed-exitcode").exit_code == 0


def test_a_cj_shop_the_account_does_not_have_fails_the_plan_with_the_list(cjw: CjWorkspace) -> None:
    cjw.watch.secrets.add(DEFAULT_TOKEN)
    cjw.products(on_sale(cjw.sandbox, 1))
    text = STORE.format(endpoint=cjw.sandbox.shopify_url, token=DEFAULT_TOKEN).replace("Sandbox Shop", "Other Shop")
    cjw.encrypt("manifests/store.sops.yaml", text)
    result = cjw.run("plan")
    assert result.exit_code == 1, result.output
    assert "manifests/store.sops.yaml:1: spec.cjShop: CJ lists no shop 'Other Shop' for this account" in result.stderr
    assert "Sandbox Shop (id 1690000000000000001, shopify)" in result.stderr
    assert "Traceback" not in result.output

    by_id = STORE.format(endpoint=cjw.sandbox.shopify_url, token=DEFAULT_TOKEN).replace(
        "Sandbox Shop", '"1690000000000000001"'
    )
    cjw.encrypt("manifests/store.sops.yaml", by_id)
    assert cjw.run("plan").exit_code == 0
