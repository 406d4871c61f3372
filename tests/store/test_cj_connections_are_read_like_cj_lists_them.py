"""``product/conn/connection``: the parser reads either naming of the rows (``cjProductId``/
``cjVariantId`` or ``pid``/``vid``, ids as numbers or text) and refuses a row without the
store's variant id with the call named; the sandbox connects a variant posted twice once, and
refuses a CJ variant that is not the product's."""

from __future__ import annotations

import pytest

from reconciler.adapters.cj_answers import parse_connections_page
from reconciler.errors import ApiError
from reconciler.models.cj import CjConnection
from reconciler.sandbox.connections import ConnectionDesk

CALL = "GET /product/conn/connection"


def test_both_namings_of_the_rows_are_read() -> None:
    page = parse_connections_page(
        {
            "list": [
                {
                    "cjProductId": "P1",
                    "cjVariantId": "V1",
                    "platformProductId": 81,
                    "platformVariantId": 811,
                    "shopId": 5,
                },
                {"pid": "P1", "vid": "V2", "platformProductId": "81", "platformVariantId": "812", "shopId": "5"},
            ],
            "totalPages": 1,
        },
        call=CALL,
    )
    assert page.rows == (CjConnection("P1", "V1", "81", "811", "5"), CjConnection("P1", "V2", "81", "812", "5"))
    assert parse_connections_page({"content": []}, call=CALL).rows == ()


@pytest.mark.parametrize(
    "raw", [{"list": "nope"}, {"list": [{"cjProductId": "P1", "cjVariantId": "V1", "shopId": 5}]}, {"list": [3]}, None]
)
def test_a_malformed_answer_is_an_api_error_naming_the_call(raw: object) -> None:
    with pytest.raises(ApiError) as failed:
        parse_connections_page(raw, call=CALL)
    assert CALL in str(failed.value)


def test_the_sandbox_keeps_one_connection_per_store_variant() -> None:
    desk = ConnectionDesk()
    row: dict[str, object] = {
        "shopId": "5",
        "cjProductId": "P1",
        "cjVariantId": "V1",
        "platformProductId": "81",
        "platformVariantId": "811",
    }
    desk.connect(row)
    desk.connect({**row, "logistics": "USPS+"})
    assert [r["logistics"] for r in desk.listed(shop_id="5", platform_product_id="81", platform_variant_id=None)] == [
        "USPS+"
    ]
    assert desk.disconnect(shop_id="5", platform_product_id="81", platform_variant_id=None) == 1
    assert desk.listed(shop_id=None, platform_product_id=None, platform_variant_id=None) == []
