"""CJ's connections through ``cjrec``: every variant published to the Shopify or the WooCommerce stand-in is
connected at CJ (``product/conn/connection``) to its CJ variant, with the store's numeric ids,
the CJ shop's id and the Store's logistics; a plan after that is empty; a connection a person
made by hand for a product cjrec does not manage is left alone; a product removed from the
manifests is disconnected and archived; a variant dropped from the store is disconnected.
"""

from __future__ import annotations

import pytest

from reconciler.sandbox.endpoints.shops import SANDBOX_SHOP, SANDBOX_WOO_SHOP
from reconciler.sandbox.shopify.api import DEFAULT_TOKEN
from tests.e2e.test_priced_catalogue_and_refresh_only import RULE
from tests.e2e.test_publish_to_the_shopify_stand_in import STORE, priced_store
from tests.support.cj_workspace import CjWorkspace, on_sale
from tests.support.store_platforms import PLATFORMS

SHOP_ID = SANDBOX_SHOP["shopId"]
SHOP_IDS = {"shopify": SHOP_ID, "woocommerce": SANDBOX_WOO_SHOP["shopId"]}
HAND_MADE = {
    "shopId": SHOP_ID,
    "cjProductId": "HAND-MADE-PID",
    "cjVariantId": "HAND-MADE-VID",
    "platformProductId": "777",
    "platformVariantId": "7771",
}


def _numeric(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_published_variants_are_connected_and_removed_products_disconnected(cjw: CjWorkspace, platform: str) -> None:
    shop_id = SHOP_IDS[platform]
    pids = on_sale(cjw.sandbox, 2, start=4)
    extra = "  logistics: CJPacket Ordinary\n  shipFrom: CN\n"
    stand_in = priced_store(cjw, pids, extra=extra, platform=platform)
    cjw.sandbox.connect_by_hand({**HAND_MADE, "shopId": shop_id})

    applied = cjw.run("apply", "--auto-approve")  # one apply: added, priced, published and connected
    assert applied.exit_code == 0, applied.output
    live = {p.pid: p for p in stand_in.products()}
    assert set(live) == set(pids)
    wanted = {
        (pid, _numeric(product.id), _numeric(variant))
        for pid, product in live.items()
        for variant in product.variant_ids.values()
    }
    rows = [row for row in cjw.sandbox.connections() if row["cjProductId"] != "HAND-MADE-PID"]
    assert {(r["cjProductId"], r["platformProductId"], r["platformVariantId"]) for r in rows} == wanted
    assert {(r["shopId"], r["logistics"], r["sourceCountryCode"]) for r in rows} == {
        (shop_id, "CJPacket Ordinary", "CN")
    }
    recorded = cjw.state()["store_listings"][f"main/product.{pids[0]}"]["connection"]  # type: ignore[index]
    assert recorded["shop_id"] == shop_id and len(recorded["variants"]) == len(live[pids[0]].variant_ids)

    calls = stand_in.calls()
    assert cjw.run("plan", "--detailed-exitcode").exit_code == 0  # connected: nothing to do
    assert stand_in.calls() == calls

    cjw.products(pids[:1])
    removed = cjw.run("apply", "--auto-approve")
    assert removed.exit_code == 0, removed.output
    left = {(r["cjProductId"], r["platformVariantId"]) for r in cjw.sandbox.connections()}
    assert {pid for pid, _ in left} == {pids[0], "HAND-MADE-PID"}  # the hand-made one is left alone
    assert "connection" not in cjw.state()["store_listings"][f"main/product.{pids[1]}"]  # type: ignore[operator]


def test_a_logistics_change_reconnects_without_a_store_call(cjw: CjWorkspace) -> None:
    cjw.watch.secrets.add(DEFAULT_TOKEN)
    pids = on_sale(cjw.sandbox, 1, start=6)
    cjw.products(pids)
    cjw.write("manifests/pricing.yaml", RULE)
    store = STORE.format(endpoint=cjw.sandbox.shopify_url, token=DEFAULT_TOKEN)
    cjw.encrypt("manifests/store.sops.yaml", store + "  logistics: CJPacket Ordinary\n")
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    cjw.encrypt("manifests/store.sops.yaml", store + "  logistics: USPS+\n")
    calls = len(cjw.sandbox.shopify.calls)
    plan = cjw.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 2, plan.output
    assert "connection at CJ: logistics CJPacket Ordinary -> USPS+" in plan.output
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    assert len(cjw.sandbox.shopify.calls) == calls  # the store is not called: only CJ's connection moves
    assert {r["logistics"] for r in cjw.sandbox.connections()} == {"USPS+"}


def test_a_connection_removed_at_cj_shows_in_a_refresh_and_is_made_again(cjw: CjWorkspace) -> None:
    (pid,) = on_sale(cjw.sandbox, 1, start=9)
    priced_store(cjw, [pid])
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    connected = {r["platformVariantId"] for r in cjw.sandbox.connections()}
    (product,) = cjw.sandbox.shopify.products()
    assert cjw.sandbox.disconnect_by_hand(SHOP_ID, _numeric(product["id"])) == len(connected)

    assert cjw.run("plan", "--detailed-exitcode").exit_code == 0  # CJ is read only in a refresh
    shown = cjw.run("plan", "--refresh-details", "--detailed-exitcode")
    assert shown.exit_code == 2, shown.output
    assert f"connection removed at CJ for {len(connected)} variant(s): connect again" in shown.output
    calls = len(cjw.sandbox.shopify.calls)
    fixed = cjw.run("apply", "--refresh-details", "--auto-approve")
    assert fixed.exit_code == 0, fixed.output
    assert {r["platformVariantId"] for r in cjw.sandbox.connections()} == connected
    operations = [str(c.get("operation")) for c in cjw.sandbox.shopify.calls[calls:]]
    assert operations and all(op.startswith("query ") for op in operations)  # the store was read back, never written
    assert cjw.run("plan", "--refresh-details", "--detailed-exitcode").exit_code == 0
