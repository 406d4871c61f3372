"""The Shopify stand-in of ``cjrec sandbox`` behaves like Shopify's Admin GraphQL API where cjrec
depends on it: queries validated against Shopify's own schema subset, productSet upserting by a
customId metafield (list fields replaced wholesale), productVariantsBulkUpdate touching only
what it is given, userErrors, calculated cost and the leaky bucket, THROTTLED, tokens.

Driven through :meth:`ShopifyApi.handle` on a hand-moved clock (no socket, no sleep), and once
over real HTTP on loopback.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from reconciler.sandbox import Sandbox
from reconciler.sandbox.envelope import Delivery, Request
from reconciler.sandbox.shopify.api import DEFAULT_TOKEN, ShopifyApi, ShopifyConfig
from tests.support.sandbox_wire import FAST

URL = "/admin/api/2026-01/graphql.json"
DEFINE = """
mutation {
  metafieldDefinitionCreate(definition: {namespace: "cjrec", key: "cj_pid", name: "CJ product",
                                         ownerType: PRODUCT, type: "id"}) {
    createdDefinition { id type { name } }
    userErrors { field message code }
  }
}"""
SET = """
mutation Set($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier, synchronous: true) {
    product { id title handle variants(first: 10) { nodes { id sku price selectedOptions { name value } } } }
    userErrors { field message code }
  }
}"""
PRICES = """
mutation Prices($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    productVariants { id price }
    userErrors { field message code }
  }
}"""
READ = """
query Read($pid: String!) {
  productByIdentifier(identifier: {customId: {namespace: "cjrec", key: "cj_pid", value: $pid}}) {
    id title descriptionHtml tags
    metafield(namespace: "cjrec", key: "cj_pid") { value }
    variants(first: 10) { nodes { id price } }
  }
}"""


class Clock:
    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t


def stand_in(**config: Any) -> tuple[ShopifyApi, Clock]:
    clock = Clock()
    return ShopifyApi(ShopifyConfig(**config), monotonic=clock, wall=clock), clock


def call(api: ShopifyApi, query: str, variables: dict[str, Any] | None = None, *, token: str = DEFAULT_TOKEN) -> Any:
    reply = api.handle(
        Request(
            "POST",
            URL,
            headers={"x-shopify-access-token": token, "content-type": "application/json"},
            body=json.dumps({"query": query, "variables": variables or {}}).encode(),
        )
    )
    assert reply.status == 200, reply.body
    return json.loads(reply.body)


def product_input(pid: str, *, colours: tuple[str, ...] = ("Black", "White"), price: str = "19.99") -> dict[str, Any]:
    return {
        "title": f"Shirt {pid}",
        "status": "ACTIVE",
        "productOptions": [{"name": "Color", "position": 1, "values": [{"name": c} for c in colours]}],
        "variants": [
            {"optionValues": [{"optionName": "Color", "name": c}], "price": price, "sku": f"{pid}-{c}"} for c in colours
        ],
    }


def identifier(pid: str) -> dict[str, Any]:
    return {"customId": {"namespace": "cjrec", "key": "cj_pid", "value": pid}}


def test_a_query_with_a_field_shopify_does_not_have_is_refused_like_shopify() -> None:
    api, _ = stand_in()
    answer = call(api, '{ product(id: "gid://shopify/Product/1") { id costPrice } }')
    assert "data" not in answer
    assert "Cannot query field 'costPrice' on type 'Product'" in answer["errors"][0]["message"]
    answer = call(api, SET.replace("synchronous: true", "synchronous: true, upsert: true"))
    assert "Unknown argument 'upsert'" in answer["errors"][0]["message"]


def test_product_set_upserts_by_the_custom_id_metafield_and_never_duplicates() -> None:
    api, _ = stand_in()
    assert call(api, DEFINE)["data"]["metafieldDefinitionCreate"]["userErrors"] == []
    again = call(api, DEFINE)["data"]["metafieldDefinitionCreate"]
    assert again["createdDefinition"] is None and again["userErrors"][0]["code"] == "TAKEN"

    first = call(api, SET, {"input": product_input("P1"), "identifier": identifier("P1")})["data"]["productSet"]
    assert first["userErrors"] == []
    ids = {v["sku"]: v["id"] for v in first["product"]["variants"]["nodes"]}

    second = call(api, SET, {"input": product_input("P1", price="24.00"), "identifier": identifier("P1")})
    product = second["data"]["productSet"]["product"]
    assert product["id"] == first["product"]["id"]
    assert {v["sku"]: v["id"] for v in product["variants"]["nodes"]} == ids  # same option values, same variants
    assert {v["price"] for v in product["variants"]["nodes"]} == {"24.00"}
    assert len(api.products()) == 1

    read = call(api, READ, {"pid": "P1"})["data"]["productByIdentifier"]
    assert read["id"] == product["id"] and read["metafield"] == {"value": "P1"}
    assert call(api, READ, {"pid": "P2"})["data"]["productByIdentifier"] is None


def test_product_set_replaces_variants_wholesale_and_reports_user_errors() -> None:
    api, _ = stand_in()
    call(api, DEFINE)
    call(api, SET, {"input": product_input("P1"), "identifier": identifier("P1")})
    fewer = call(api, SET, {"input": product_input("P1", colours=("Black",)), "identifier": identifier("P1")})
    assert [v["sku"] for v in fewer["data"]["productSet"]["product"]["variants"]["nodes"]] == ["P1-Black"]

    wrong = product_input("P1")
    wrong["variants"][0]["optionValues"] = [{"optionName": "Size", "name": "XL"}]
    errors = call(api, SET, {"input": wrong, "identifier": identifier("P1")})["data"]["productSet"]["userErrors"]
    assert errors[0]["field"] == ["input", "variants", "0", "optionValues"] and errors[0]["code"] == "INVALID_VARIANT"


def test_a_custom_id_without_its_id_type_definition_is_a_user_error() -> None:
    api, _ = stand_in()
    errors = call(api, SET, {"input": product_input("P1"), "identifier": identifier("P1")})["data"]["productSet"]
    assert errors["product"] is None
    assert errors["userErrors"][0]["code"] == "INVALID_METAFIELD"
    assert api.products() == []


def test_bulk_variant_update_changes_prices_and_leaves_the_merchants_edits() -> None:
    api, _ = stand_in()
    call(api, DEFINE)
    made = call(api, SET, {"input": product_input("P1"), "identifier": identifier("P1")})["data"]["productSet"][
        "product"
    ]
    gid = made["id"]
    api.merchant_edit(
        gid,
        descriptionHtml="<p>Merchant copy</p>",
        tags=["summer"],
        collections=["gid://shopify/Collection/7"],
        extraImages=["https://cdn.example.com/extra.jpg"],
        metafield=("custom", "care", "Wash cold"),
    )
    variants = [{"id": v["id"], "price": "29.00"} for v in made["variants"]["nodes"]]
    answer = call(api, PRICES, {"productId": gid, "variants": variants})["data"]["productVariantsBulkUpdate"]
    assert answer["userErrors"] == [] and {v["price"] for v in answer["productVariants"]} == {"29.00"}

    (kept,) = api.products()
    assert kept["descriptionHtml"] == "<p>Merchant copy</p>" and kept["tags"] == ["summer"]
    assert kept["collections"] == ["gid://shopify/Collection/7"]
    assert kept["files"] == ["https://cdn.example.com/extra.jpg"]
    assert kept["metafields"][("custom", "care")]["value"] == "Wash cold"

    # productSet, by contrast, replaces list fields wholesale, as Shopify documents
    call(api, SET, {"input": {**product_input("P1"), "metafields": []}, "identifier": identifier("P1")})
    (wiped,) = api.products()
    assert ("custom", "care") not in wiped["metafields"] and ("cjrec", "cj_pid") in wiped["metafields"]

    unknown = call(
        api, PRICES, {"productId": gid, "variants": [{"id": "gid://shopify/ProductVariant/1", "price": "1"}]}
    )
    assert unknown["data"]["productVariantsBulkUpdate"]["userErrors"][0]["code"] == "PRODUCT_VARIANT_DOES_NOT_EXIST"


def test_cost_is_reported_and_an_empty_bucket_throttles_until_it_refills() -> None:
    api, clock = stand_in(bucket_size=25.0, restore_rate=10.0)
    answer = call(api, DEFINE)
    cost = answer["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 10 and cost["throttleStatus"]["currentlyAvailable"] == 15
    assert cost["throttleStatus"]["restoreRate"] == 10.0 and cost["throttleStatus"]["maximumAvailable"] == 25.0
    call(api, READ, {"pid": "P1"})  # 1 + metafield 1 + variants 2 + 10 × 1 = 14
    throttled = call(api, DEFINE)
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED" and "data" not in throttled
    assert throttled["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 1
    clock.t += 1.0  # 1 + 10 = 11 points
    assert "data" in call(api, DEFINE)

    huge = call(
        api,
        '{ product(id: "x") { variants(first: 250) { nodes { id inventoryItem { unitCost { amount } measurement { weight { value } } } } } } }',
    )
    assert huge["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"


def test_tokens_versions_and_faults() -> None:
    api, clock = stand_in(client_id="app-1", client_secret="secret-1", token_lifetime_s=60)
    no_token = api.handle(Request("POST", URL, body=b'{"query": "{ shop { id } }"}'))
    assert no_token.status == 401
    old = api.handle(
        Request("POST", "/admin/api/2024-10/graphql.json", headers={"x-shopify-access-token": DEFAULT_TOKEN})
    )
    assert old.status == 404

    bad = api.handle(
        Request(
            "POST",
            "/admin/oauth/access_token",
            body=b"grant_type=client_credentials&client_id=app-1&client_secret=nope",
        )
    )
    assert bad.status == 401
    granted = api.handle(
        Request(
            "POST",
            "/admin/oauth/access_token",
            body=b"grant_type=client_credentials&client_id=app-1&client_secret=secret-1",
        )
    )
    token = json.loads(granted.body)
    assert token["expires_in"] == 60 and "write_products" in token["scope"]
    assert "data" in call(api, DEFINE, token=token["access_token"])
    clock.t += 61
    expired = api.handle(Request("POST", URL, headers={"x-shopify-access-token": token["access_token"]}, body=b"{}"))
    assert expired.status == 401

    api.fail_next("5xx", "drop", "throttle")
    assert api.handle(Request("POST", URL)).status == 503
    assert api.handle(Request("POST", URL)).delivery is Delivery.DROP
    assert call(api, DEFINE)["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert all("secret-1" not in json.dumps(c) and token["access_token"] not in json.dumps(c) for c in api.calls)


def test_the_stand_in_answers_over_http_next_to_cj() -> None:
    with Sandbox(FAST) as sandbox:
        answer = requests.post(
            sandbox.shopify_url + URL,
            json={"query": DEFINE},
            headers={"X-Shopify-Access-Token": DEFAULT_TOKEN},
            timeout=5,
        )
        assert answer.status_code == 200
        assert answer.json()["data"]["metafieldDefinitionCreate"]["createdDefinition"]["type"] == {"name": "id"}
        assert requests.get(sandbox.base_url + "/nothing", timeout=5).status_code == 404  # CJ still answers CJ's paths
