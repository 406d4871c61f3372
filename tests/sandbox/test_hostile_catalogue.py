"""The hostile catalogue: a sandbox option and an admin call that fill CJ's text with attacks.

What a client must then survive comes over the wire exactly as CJ would send it: hostile
names, SKUs, variant keys and image URLs in product/query and My Products, lone surrogates
as JSON escapes, and every failure's ``message`` carrying hostile text.
"""

from __future__ import annotations

import json

from reconciler.sandbox.hostile import HOSTILE_IMAGES, HOSTILE_KEYS, HOSTILE_MESSAGE, HOSTILE_NAMES
from tests.support.sandbox_wire import MakeSandbox, Wire

LIST = "/product/myProduct/query"


def test_the_admin_call_makes_the_given_products_hostile_in_order(logged_in: Wire) -> None:
    pids = logged_in.sandbox.catalog_pids("on_sale")[3:6]
    untouched = logged_in.sandbox.catalog_pids("on_sale")[6]

    answer = logged_in.admin("POST", "/hostile", {"pids": pids})

    assert answer.status == 200 and answer.json == {"changed": 3}
    for index, pid in enumerate(pids):
        detail = logged_in.api("GET", "/product/query", query={"pid": pid}).data
        assert isinstance(detail, dict)
        assert detail["productNameEn"] == HOSTILE_NAMES[index]
        assert detail["productImage"] == HOSTILE_IMAGES[index]
        assert str(detail["productSku"]).startswith("=")
        assert all(
            str(v["variantKey"]).split("-")[0] in {k.split("-")[0] for k in HOSTILE_KEYS} for v in detail["variants"]
        )
    plain = logged_in.api("GET", "/product/query", query={"pid": untouched}).data
    assert isinstance(plain, dict) and plain["productNameEn"] not in HOSTILE_NAMES


def test_a_lone_surrogate_travels_as_a_json_escape(logged_in: Wire) -> None:
    surrogate = next(i for i, name in enumerate(HOSTILE_NAMES) if "\ud800" in name)
    pids = logged_in.sandbox.catalog_pids("on_sale")[3 : 4 + surrogate]
    logged_in.admin("POST", "/hostile", {"pids": pids})

    answer = logged_in.api("GET", "/product/query", query={"pid": pids[surrogate]})

    assert b"\\ud800" in answer.raw
    assert json.loads(answer.raw)["data"]["productNameEn"] == HOSTILE_NAMES[surrogate]


def test_failures_carry_a_hostile_message_once_the_catalogue_is_hostile(logged_in: Wire) -> None:
    before = logged_in.api("GET", "/product/query", query={"pid": "1"})
    logged_in.admin("POST", "/hostile", {"pids": []})
    after = logged_in.api("GET", "/product/query", query={"pid": "1"})

    assert before.code == after.code != 200
    assert str(after.json["message"]) == f"{before.json['message']} {HOSTILE_MESSAGE}"
    assert logged_in.admin("GET", "/faults").json["hostile_messages"] is True


def test_the_admin_call_refuses_an_unknown_pid_and_changes_nothing(logged_in: Wire) -> None:
    known = logged_in.sandbox.catalog_pids("on_sale")[3]
    answer = logged_in.admin("POST", "/hostile", {"pids": [known, "no-such-pid"]})

    assert answer.status == 404
    assert logged_in.sandbox.product(known)["productNameEn"] not in HOSTILE_NAMES
    assert logged_in.admin("POST", "/hostile", {"pids": "all"}).status == 400


def test_the_hostile_option_makes_the_whole_catalogue_hostile(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(hostile=True, products=30)
    wire = Wire(sandbox)
    wire.login()
    sandbox.add_to_my_products(*sandbox.catalog_pids("on_sale")[:5])

    listing = wire.api("GET", LIST, query={"pageNum": 1, "pageSize": 50}).data
    assert isinstance(listing, dict)
    names = {row["nameEn"] for row in listing["content"]}
    assert names <= set(HOSTILE_NAMES) and len(names) == 5
    assert all(sandbox.product(pid)["productNameEn"] in HOSTILE_NAMES for pid in sandbox.catalog_pids())
