"""The WooCommerce stand-in of ``cjrec sandbox`` behaves like WooCommerce's REST API (wc/v3) where
cjrec depends on it: Basic auth with REST API keys, products and variations, batches with the
100-object limit (and a site's lower one) and per-item errors, ``?sku=`` lookup, meta data that
merges by key, list fields that an update replaces, errors as ``{code, message, data: {status}}``,
faults as a host answers them, and the merchant's route.

Driven through :meth:`WooApi.handle` (no socket), and over real HTTP on loopback.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import requests

from reconciler.sandbox import Sandbox
from reconciler.sandbox.envelope import Delivery, Request
from reconciler.sandbox.woocommerce.api import DEFAULT_KEY, DEFAULT_SECRET, WooApi, WooConfig
from tests.support.sandbox_wire import FAST

API = "/wp-json/wc/v3"


def stand_in(**config: Any) -> WooApi:
    return WooApi(WooConfig(**config), wall=lambda: 1_700_000_000.0)


def basic(key: str = DEFAULT_KEY, secret: str = DEFAULT_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def call(
    api: WooApi, method: str, path: str, body: Any = None, *, query: str = "", auth: str | None = None
) -> tuple[int, Any]:
    headers = {"content-type": "application/json", "authorization": basic() if auth is None else auth}
    reply = api.handle(Request(method, API + path, query, headers, json.dumps(body).encode() if body else b""))
    return reply.status, json.loads(reply.body) if reply.body.startswith((b"{", b"[")) else reply.body


def shirt(sku: str = "CJ-TS", **more: Any) -> dict[str, Any]:
    return {
        "name": "Men's T-Shirt",
        "type": "variable",
        "sku": sku,
        "attributes": [{"name": "Color", "variation": True, "visible": True, "options": ["Black", "White"]}],
        "images": [{"src": "https://cdn.cj.example/main.jpg"}],
        "meta_data": [{"key": "_cjrec_cj_pid", "value": "PID-1"}],
        **more,
    }


def test_auth_is_basic_with_rest_api_keys_and_errors_have_woocommerces_shape() -> None:
    api = stand_in(keys={DEFAULT_KEY: (DEFAULT_SECRET, "read_write"), "ck_read": ("cs_read", "read")})
    assert call(api, "GET", "/products", auth="") == (
        401,
        {
            "code": "woocommerce_rest_cannot_view",
            "message": "Sorry, you cannot list resources.",
            "data": {"status": 401},
        },
    )
    assert call(api, "POST", "/products", shirt(), auth="")[1]["code"] == "woocommerce_rest_cannot_create"
    assert call(api, "GET", "/products", auth=basic("ck_nobody"))[1]["message"] == "Consumer key is invalid."
    assert call(api, "GET", "/products", auth=basic(secret="wrong"))[1]["message"] == "Consumer secret is invalid."
    assert call(api, "GET", "/products", auth=basic("ck_read", "cs_read")) == (200, [])
    status, error = call(api, "POST", "/products", shirt(), auth=basic("ck_read", "cs_read"))
    assert (status, error["message"]) == (401, "The API key provided does not have write permissions.")
    assert call(api, "GET", "/orders")[1]["code"] == "rest_no_route"
    assert call(api, "GET", "/products/999")[1] == {
        "code": "woocommerce_rest_product_invalid_id",
        "message": "Invalid ID.",
        "data": {"status": 404},
    }
    status, error = call(api, "POST", "/products", {"name": "x", "regular_price": 9.99})
    assert (status, error["code"], error["data"]["params"]) == (
        400,
        "rest_invalid_param",
        {"regular_price": "regular_price is not of type string."},
    )
    assert all("cs_" not in json.dumps(entry) and "authorization" not in json.dumps(entry) for entry in api.calls)


def test_a_variable_product_with_variations_and_the_sku_lookup() -> None:
    api = stand_in()
    status, product = call(api, "POST", "/products", shirt())
    assert status == 201 and product["type"] == "variable" and product["sku"] == "CJ-TS"
    pid = product["id"]
    status, answer = call(
        api,
        "POST",
        f"/products/{pid}/variations/batch",
        {
            "create": [
                {"sku": "CJ-TS-BLK", "regular_price": "29.99", "sale_price": "19.99", "weight": "0.18",
                 "attributes": [{"name": "Color", "option": "Black"}]},
                {"sku": "CJ-TS-WHT", "regular_price": "21.99", "attributes": [{"name": "Color", "option": "White"}]},
            ]
        },
    )  # fmt: skip
    assert status == 200
    black, white = answer["create"]
    assert (black["price"], black["on_sale"], white["price"], white["on_sale"]) == ("19.99", True, "21.99", False)
    assert call(api, "GET", f"/products/{pid}")[1]["variations"] == [black["id"], white["id"]]
    assert call(api, "GET", f"/products/{pid}")[1]["price"] == "19.99"

    (found,) = call(api, "GET", "/products", query="sku=CJ-TS")[1]
    assert found["id"] == pid and found["meta_data"][0]["key"] == "_cjrec_cj_pid"
    assert call(api, "GET", "/products", query="sku=CJ-TS-BLK")[1] == []  # a variation is not a product
    assert call(api, "GET", "/products", query="sku=CJ-T")[1] == []  # exact, not a prefix
    assert [v["sku"] for v in call(api, "GET", f"/products/{pid}/variations", query="per_page=100")[1]] == [
        "CJ-TS-BLK",
        "CJ-TS-WHT",
    ]
    status, error = call(api, "GET", "/products", query="per_page=101")
    assert (status, error["code"]) == (400, "rest_invalid_param")
    # a SKU is unique across products and variations
    status, error = call(api, "POST", "/products", {"name": "Other", "sku": "CJ-TS-BLK"})
    assert (status, error["code"], error["message"]) == (400, "product_invalid_sku", "Invalid or duplicated SKU.")
    # variations only under a variable product
    _, simple = call(api, "POST", "/products", {"name": "Mug", "type": "simple", "sku": "MUG", "regular_price": "5.00"})
    assert call(api, "POST", f"/products/{simple['id']}/variations", {"sku": "X"})[0] == 400


def test_an_update_replaces_list_fields_it_is_given_and_merges_meta_data_by_key() -> None:
    api = stand_in()
    _, product = call(api, "POST", "/products", shirt())
    pid = product["id"]
    api.merchant_edit(
        pid,
        description="<p>The merchant's copy</p>",
        tags=["summer"],
        extra_images=["https://cdn.shop.example/lifestyle.jpg"],
        meta={"care": "Wash cold"},
        attribute={"name": "Material", "options": ["Cotton"]},
    )
    _, after = call(api, "PUT", f"/products/{pid}", {"meta_data": [{"key": "_cjrec_cj_pid", "value": "PID-1"}]})
    assert [(m["key"], m["value"]) for m in after["meta_data"]] == [("_cjrec_cj_pid", "PID-1"), ("care", "Wash cold")]
    assert len(after["images"]) == 2 and after["description"] == "<p>The merchant's copy</p>"
    _, after = call(api, "PUT", f"/products/{pid}", {"images": [{"src": "https://cdn.cj.example/new.jpg"}]})
    assert [i["src"] for i in after["images"]] == ["https://cdn.cj.example/new.jpg"]  # the gallery replaced
    _, after = call(api, "PUT", f"/products/{pid}", {"attributes": [{"name": "Color", "options": ["Red"]}]})
    assert [a["name"] for a in after["attributes"]] == ["Color"]  # the merchant's Material is gone
    status, error = call(api, "PUT", f"/products/{pid}", {"images": [{"src": "javascript:alert(1)"}]})
    assert (status, error["code"]) == (400, "woocommerce_product_image_upload_error")


def test_batches_take_at_most_the_limit_and_report_each_refused_item_in_its_place() -> None:
    api = stand_in()
    many = {"create": [{"name": f"P{n}", "sku": f"SKU-{n}", "regular_price": "1.00"} for n in range(101)]}
    status, error = call(api, "POST", "/products/batch", many)
    assert (status, error) == (
        413,
        {
            "code": "woocommerce_rest_request_entity_too_large",
            "message": "Unable to accept more than 100 items for this request.",
            "data": {"status": 413},
        },
    )
    assert call(api, "GET", "/products")[1] == []  # nothing of a refused batch was done
    status, answer = call(api, "POST", "/products/batch", {"create": many["create"][:100]})
    assert status == 200 and len(answer["create"]) == 100
    first = answer["create"][0]["id"]
    # 100 in total: create + update + delete count together
    mixed = {
        "create": [{"name": "New", "sku": "SKU-0"}, {"name": "Fine", "sku": "SKU-NEW"}],
        "update": [{"id": first, "regular_price": "2.00"}, {"id": 424242, "regular_price": "2.00"}],
        "delete": [answer["create"][1]["id"]],
    }
    status, done = call(api, "POST", "/products/batch", mixed)
    assert status == 200
    assert done["create"][0] == {
        "id": 0,
        "error": {"code": "product_invalid_sku", "message": "Invalid or duplicated SKU.", "data": {"status": 400}},
    }
    assert done["create"][1]["sku"] == "SKU-NEW"
    assert done["update"][0]["regular_price"] == "2.00"
    assert done["update"][1]["error"]["code"] == "woocommerce_rest_product_invalid_id"
    assert done["delete"][0]["id"] == answer["create"][1]["id"]

    api.set_batch_limit(25)
    status, error = call(api, "POST", "/products/batch", {"update": [{"id": first}] * 26})
    assert (status, error["message"]) == (413, "Unable to accept more than 25 items for this request.")
    assert call(api, "POST", "/products/batch", {"update": [{"id": first}] * 25})[0] == 200


def test_deleting_without_force_trashes_and_with_force_removes_the_variations_too() -> None:
    api = stand_in()
    _, product = call(api, "POST", "/products", shirt())
    pid = product["id"]
    call(api, "POST", f"/products/{pid}/variations", {"sku": "V1", "regular_price": "1.00"})
    assert call(api, "DELETE", f"/products/{pid}")[1]["status"] == "trash"
    assert call(api, "GET", "/products", query="sku=CJ-TS")[1] == []
    assert call(api, "DELETE", f"/products/{pid}", query="force=true")[0] == 200
    assert call(api, "GET", f"/products/{pid}")[0] == 404 and api.catalogue.variations == {}


def test_faults_come_as_a_host_sends_them_and_plain_permalinks_hide_the_api() -> None:
    api = stand_in()
    api.fail_next("429", "503", "drop")
    assert call(api, "GET", "/products")[0] == 429
    assert call(api, "GET", "/products")[0] == 503
    dropped = api.handle(Request("GET", API + "/products", headers={"authorization": basic()}))
    assert dropped.delivery is Delivery.DROP
    assert call(api, "GET", "/products") == (200, [])
    plain = stand_in(pretty_permalinks=False)
    status, body = call(plain, "GET", "/products")
    assert status == 404 and b"Page not found" in body


def test_over_http_with_requests_and_the_merchants_route() -> None:
    with Sandbox(FAST) as box:
        base = box.woocommerce_url
        session = requests.Session()
        session.auth = (DEFAULT_KEY, DEFAULT_SECRET)
        made = session.post(f"{base}{API}/products", json=shirt(), timeout=5)
        assert made.status_code == 201
        pid = made.json()["id"]
        edited = requests.post(
            f"{base}/__sandbox/woocommerce/products/{pid}", json={"name": "Soft Tee", "tags": ["summer"]}, timeout=5
        )
        assert edited.status_code == 200
        (seen,) = requests.get(f"{base}/__sandbox/woocommerce/products", timeout=5).json()
        assert (seen["name"], [t["name"] for t in seen["tags"]]) == ("Soft Tee", ["summer"])
        assert session.get(f"{base}{API}/products/{pid}", timeout=5).json()["name"] == "Soft Tee"
        assert requests.delete(f"{base}/__sandbox/woocommerce/products/{pid}", timeout=5).status_code == 200
        assert session.get(f"{base}{API}/products/{pid}", timeout=5).status_code == 404
        assert requests.get(f"{base}{API}/products", timeout=5).json()["code"] == "woocommerce_rest_cannot_view"
