"""CJ's connections through ``cjrec``: every variant published to the Shopify stand-in is
connected at CJ (``product/conn/connection``) to its CJ variant, with the store's numeric ids,
the CJ shop's id and the Store's logistics; a plan after that is empty; a connection a person
made by hand for a product cjrec does not manage is left alone; a product removed from the
manifests is disconnected and archived; a variant dropped from the store is disconnected.
"""

from __future__ import annotations

from reconciler.sandbox.endpoints.shops import SANDBOX_SHOP
from reconciler.sandbox.shopify.api import DEFAULT_TOKEN
from tests.e2e.test_priced_catalogue_and_refresh_only import RULE
from tests.e2e.test_publish_to_the_shopify_stand_in import STORE
from tests.support.cj_workspace import CjWorkspace, on_sale

SHOP_ID = SANDBOX_SHOP["shopId"]
HAND_MADE = {
    "shopId": SHOP_ID,
    "cjProductId": "HAND-MADE-PID",
    "cjVariantId": "HAND-MADE-VID",
    "platformProductId": "777",
    "platformVariantId": "7771",
}


def _numeric(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


def test_published_variants_are_connected_and_removed_products_disconnected(cjw: CjWorkspace) -> None:
    cjw.watch.secrets.add(DEFAULT_TOKEN)
    pids = on_sale(cjw.sandbox, 2, start=4)
    cjw.products(pids)
    cjw.write("manifests/pricing.yaml", RULE)
    store = STORE.format(endpoint=cjw.sandbox.shopify_url, token=DEFAULT_TOKEN) + "  logistics: CJPacket Ordinary\n"
    cjw.encrypt("manifests/store.sops.yaml", store + "  shipFrom: CN\n")
    cjw.sandbox.connect_by_hand(HAND_MADE)

    applied = cjw.run("apply", "--auto-approve")  # one apply: added, priced, published and connected
    assert applied.exit_code == 0, applied.output
    live = {p["metafields"][("cjrec", "cj_pid")]["value"]: p for p in cjw.sandbox.shopify.products()}
    assert set(live) == set(pids)
    wanted = {
        (pid, _numeric(product["id"]), _numeric(variant["id"]))
        for pid, product in live.items()
        for variant in product["variants"]
    }
    rows = [row for row in cjw.sandbox.connections() if row["cjProductId"] != "HAND-MADE-PID"]
    assert {(r["cjProductId"], r["platformProductId"], r["platformVariantId"]) for r in rows} == wanted
    assert {(r["shopId"], r["logistics"], r["sourceCountryCode"]) for r in rows} == {
        (SHOP_ID, "CJPacket Ordinary", "CN")
    }
    recorded = cjw.state()["store_listings"][f"main/product.{pids[0]}"]["connection"]  # type: ignore[index]
    assert recorded["shop_id"] == SHOP_ID and len(recorded["variants"]) == len(live[pids[0]]["variants"])

    calls = len(cjw.sandbox.shopify.calls)
    assert cjw.run("plan", "--detailed-exitcode").exit_code == 0  # connected: nothing to do
    assert len(cjw.sandbox.shopify.calls) == calls

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
