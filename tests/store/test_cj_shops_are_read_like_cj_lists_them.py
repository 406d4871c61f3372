"""``shop/getShops``: the sandbox lists its one Shopify store, and the parser reads either naming
of the rows (``shopId``/``shopName``/``shopType`` or ``id``/``name``/``type``), refusing a row
without an id with the call named."""

from __future__ import annotations

import pytest

from reconciler.adapters.cj_answers import parse_shops_page
from reconciler.errors import ApiError


def test_both_namings_of_the_rows_are_read() -> None:
    page = parse_shops_page(
        {
            "list": [
                {"shopId": 17, "shopName": " Main ", "shopType": "Shopify"},
                {"id": "x2", "name": "Woo", "type": "woocommerce"},
            ],
            "totalPages": 1,
        },
        call="GET /shop/getShops",
    )
    assert page.rows == (("17", "Main", "shopify"), ("x2", "Woo", "woocommerce"))
    assert page.is_last(1)
    assert parse_shops_page({"content": []}, call="GET /shop/getShops").rows == ()


@pytest.mark.parametrize("raw", [{"list": "nope"}, {"list": [{"shopName": "no id"}]}, {"list": [3]}, None])
def test_a_malformed_answer_is_an_api_error_naming_the_call(raw: object) -> None:
    with pytest.raises(ApiError) as failed:
        parse_shops_page(raw, call="GET /shop/getShops")
    assert "GET /shop/getShops" in str(failed.value)
