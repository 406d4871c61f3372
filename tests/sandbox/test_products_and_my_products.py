"""product/query, addToMyProduct and myProduct/query answer as CJ does, including the awkward parts."""

from __future__ import annotations

import json

from reconciler.sandbox import Sandbox
from tests.support.sandbox_wire import MakeSandbox, Wire

TEE = "2503190327561613000"
MUG = "1658748072937136128"
TOTE = "000B9312-456A-4D31-94BD-B083E2A198E8"
ADD = "/product/addToMyProduct"
LIST = "/product/myProduct/query"


def test_product_detail_has_cjs_fields_and_inventory_only_when_asked(logged_in: Wire) -> None:
    plain = logged_in.api("GET", "/product/query", query={"pid": TEE})
    assert plain.code == 200
    detail = plain.data
    assert isinstance(detail, dict)
    assert detail["pid"] == TEE and detail["status"] == "3" and detail["customizationVersion"] == 1
    assert json.loads(detail["productName"]) == [detail["productNameEn"]]
    assert detail["sellPrice"] == "7.90-8.40"
    assert all("inventories" not in v for v in detail["variants"])
    variant = detail["variants"][0]
    assert {"vid", "variantSku", "variantKey", "variantSellPrice"} <= set(variant)
    assert isinstance(variant["variantSellPrice"], float)
    stocked = logged_in.api("GET", "/product/query", query={"pid": TEE, "features": "enable_inventory"}).data
    assert isinstance(stocked, dict)
    for variant in stocked["variants"]:
        assert variant["inventories"] and {"countryCode", "totalInventory"} <= set(variant["inventories"][0])


def test_the_three_demo_products_are_always_on_sale(sandbox: Sandbox, logged_in: Wire) -> None:
    assert sandbox.catalog_pids()[:3] == [TEE, MUG, TOTE]
    for pid, pod in ((TEE, True), (MUG, False), (TOTE, False)):
        detail = logged_in.api("GET", "/product/query", query={"pid": pid}).data
        assert isinstance(detail, dict)
        assert (detail["customizationVersion"] > 0) is pod


def test_a_product_can_be_found_by_its_sku_or_a_variant_sku(logged_in: Wire) -> None:
    by_sku = logged_in.api("GET", "/product/query", query={"productSku": "CJMG1658748"})
    assert by_sku.field("pid") == MUG
    by_variant = logged_in.api("GET", "/product/query", query={"variantSku": "CJMG1658748-Black"})
    assert by_variant.field("pid") == MUG


def test_unknown_or_lowercased_pids_answer_1602001_and_no_pid_answers_1600300(logged_in: Wire) -> None:
    assert logged_in.api("GET", "/product/query", query={"pid": TOTE.lower()}).code == 1602001
    assert logged_in.api("GET", "/product/query", query={"pid": "1"}).code == 1602001
    assert logged_in.api("GET", "/product/query").code == 1600300


def test_offline_products_answer_1602001_and_removed_ones_1602002(sandbox: Sandbox, logged_in: Wire) -> None:
    offline, removed = sandbox.catalog_pids("offline")[0], sandbox.catalog_pids("removed")[0]
    for endpoint in ("query", "add"):
        for pid, code in ((offline, 1602001), (removed, 1602002)):
            if endpoint == "query":
                answer = logged_in.api("GET", "/product/query", query={"pid": pid})
            else:
                answer = logged_in.api("POST", ADD, body={"productId": pid})
            assert (answer.status, answer.code, answer.json["result"]) == (200, code, False)


def test_adding_twice_answers_the_already_added_message(sandbox: Sandbox, logged_in: Wire) -> None:
    first = logged_in.api("POST", ADD, body={"productId": MUG})
    assert (first.code, first.data) == (200, True)
    second = logged_in.api("POST", ADD, body={"productId": MUG})
    assert second.status == 200
    assert (second.code, second.json["result"], second.json["message"]) == (
        1600000,
        False,
        "The product has been added to My Products.",
    )
    assert sandbox.my_product_ids() == [MUG]


def test_adding_with_the_pid_key_or_a_number_answers_1600300(logged_in: Wire) -> None:
    assert logged_in.api("POST", ADD, body={"pid": MUG}).code == 1600300
    assert logged_in.api("POST", ADD, body={"productId": int(MUG)}).code == 1600300


def test_my_products_are_paged_up_to_total_pages(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(products=560)
    wire = Wire(sandbox)
    wire.login()
    pids = sandbox.catalog_pids("on_sale")[:450]
    assert len(pids) == 450
    for pid in pids:
        assert wire.api("POST", ADD, body={"productId": pid}).code == 200
    seen: list[str] = []
    page, pages = 1, 1
    while page <= pages:
        answer = wire.api("GET", LIST, query={"pageNum": str(page), "pageSize": "200"})
        assert answer.field("pageNumber") == page and answer.field("pageSize") == 200
        assert answer.field("totalRecords") == 450
        pages = int(str(answer.field("totalPages")))
        content = answer.field("content")
        assert isinstance(content, list)
        seen += [entry["productId"] for entry in content]
        page += 1
    assert pages == 3
    assert sorted(seen) == sorted(pids)
    entry = content[0]
    assert {"productId", "nameEn", "sku", "sellPrice", "createAt"} <= set(entry)
    assert isinstance(entry["createAt"], int) and entry["createAt"] > 1_600_000_000_000
    default = wire.api("GET", LIST)
    assert (default.field("pageSize"), default.field("totalPages")) == (20, 23)
    past_end = wire.api("GET", LIST, query={"pageNum": "4", "pageSize": "200"})
    assert past_end.field("content") == []


def test_page_size_above_200_is_lowered_and_bad_paging_answers_1600300(logged_in: Wire) -> None:
    assert logged_in.api("GET", LIST, query={"pageSize": "500"}).field("pageSize") == 200
    assert logged_in.api("GET", LIST, query={"pageNum": "0"}).code == 1600300
    assert logged_in.api("GET", LIST, query={"pageSize": "ten"}).code == 1600300


def test_admin_changes_show_up_as_drift(sandbox: Sandbox, logged_in: Wire) -> None:
    logged_in.api("POST", ADD, body={"productId": MUG})
    vid = "1658748072937136130"
    changed = logged_in.admin("POST", f"/products/{MUG}", {"variantPrices": {vid: 4.5}, "inventory": {vid: 0}})
    assert changed.status == 200
    detail = logged_in.api("GET", "/product/query", query={"pid": MUG, "features": "enable_inventory"}).data
    assert isinstance(detail, dict)
    assert detail["sellPrice"] == "3.25-4.50"
    black = next(v for v in detail["variants"] if v["vid"] == vid)
    assert black["variantSellPrice"] == 4.5 and black["inventories"][0]["totalInventory"] == 0
    sandbox.set_product(MUG, sellPrice="5.00", offline=True)
    assert logged_in.api("GET", "/product/query", query={"pid": MUG}).code == 1602001
    listed = logged_in.api("GET", LIST).field("content")
    assert isinstance(listed, list) and listed[0]["sellPrice"] == "5.00"
    assert logged_in.admin("POST", "/products/nope", {"offline": True}).status == 404
    assert logged_in.admin("POST", f"/products/{MUG}", {"colour": "red"}).status == 400


def test_removing_from_my_products_in_the_web_ui_is_simulated(sandbox: Sandbox, logged_in: Wire) -> None:
    logged_in.api("POST", ADD, body={"productId": TEE})
    logged_in.api("POST", ADD, body={"productId": MUG})
    assert sandbox.my_product_ids() == [MUG, TEE]
    assert logged_in.admin("POST", f"/my-products/{TEE}/remove").json == {"removed": True}
    assert logged_in.admin("GET", "/state").json["my_products"] == [MUG]
    assert logged_in.api("POST", ADD, body={"productId": TEE}).code == 200
