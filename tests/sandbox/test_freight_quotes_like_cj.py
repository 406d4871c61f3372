"""Freight quotes: 10 points, aging ranges, weight-dependent prices, origins without stock, pinned routes."""

from __future__ import annotations

import pytest

from tests.support.sandbox_wire import Wire

MUG_WHITE = "1658748072937136130"  # in stock in CN and US
TOTE = "6E7A1C0B-5D2F-4A4B-9C3E-1F2A3B4C5D6E"  # stock in CN only


def quote(wire: Wire, vid: str, origin: str = "CN", destination: str = "US", quantity: int = 1) -> object:
    return wire.api(
        "POST",
        "/logistic/freightCalculate",
        body={
            "startCountryCode": origin,
            "endCountryCode": destination,
            "products": [{"quantity": quantity, "vid": vid}],
        },
    )


def test_a_quote_lists_options_with_usd_prices_and_aging_ranges_for_10_points(logged_in: Wire) -> None:
    before = logged_in.sandbox.points_used()
    answer = quote(logged_in, MUG_WHITE)
    assert answer.code == 200  # type: ignore[attr-defined]
    options = answer.data  # type: ignore[attr-defined]
    assert isinstance(options, list) and options
    for option in options:
        assert set(option) == {"logisticName", "logisticPrice", "logisticPriceCn", "logisticAging"}
        low, high = (int(x) for x in option["logisticAging"].split("-"))
        assert 0 < low <= high
        assert option["logisticPrice"] > 0
    assert logged_in.sandbox.points_used() - before == 10


def test_heavier_parcels_cost_more_and_local_warehouses_are_faster(logged_in: Wire) -> None:
    one = {o["logisticName"]: o for o in quote(logged_in, MUG_WHITE).data}  # type: ignore[attr-defined]
    three = {o["logisticName"]: o for o in quote(logged_in, MUG_WHITE, quantity=3).data}  # type: ignore[attr-defined]
    assert all(three[name]["logisticPrice"] > one[name]["logisticPrice"] for name in one)
    local = quote(logged_in, MUG_WHITE, origin="US").data  # type: ignore[attr-defined]
    fastest_local = min(int(o["logisticAging"].split("-")[1]) for o in local)
    cheapest_from_cn = min(one.values(), key=lambda o: o["logisticPrice"])
    assert fastest_local < int(cheapest_from_cn["logisticAging"].split("-")[1])


def test_an_origin_without_stock_answers_an_empty_list_or_an_error(logged_in: Wire) -> None:
    assert quote(logged_in, TOTE, origin="US").data == []  # type: ignore[attr-defined]
    logged_in.sandbox.set_freight(noStock="error")
    answer = quote(logged_in, TOTE, origin="US")
    assert answer.code not in (200, 0) and answer.json["result"] is False  # type: ignore[attr-defined]


def test_pinned_routes_answer_exactly_what_was_set(logged_in: Wire) -> None:
    odd = [{"logisticName": "Slow Boat", "logisticPrice": "n/a", "logisticAging": "soon"}]
    logged_in.sandbox.set_freight(routes={"CN-DE": odd})
    assert quote(logged_in, MUG_WHITE, destination="DE").data == odd  # type: ignore[attr-defined]
    logged_in.sandbox.set_freight(routes={"CN-DE": None})
    assert quote(logged_in, MUG_WHITE, destination="DE").data != odd  # type: ignore[attr-defined]
    assert logged_in.admin("POST", "/freight", {"routes": {"china": []}}).status == 400


@pytest.mark.parametrize(
    "body",
    [
        {"startCountryCode": "CN", "endCountryCode": "US", "products": []},
        {"startCountryCode": "China", "endCountryCode": "US", "products": [{"quantity": 1, "vid": MUG_WHITE}]},
        {"startCountryCode": "CN", "endCountryCode": "US", "products": [{"quantity": 0, "vid": MUG_WHITE}]},
        {"startCountryCode": "CN", "endCountryCode": "US", "products": [{"quantity": 1, "vid": "nope"}]},
    ],
)
def test_bad_bodies_answer_1600300_and_cost_nothing(logged_in: Wire, body: dict[str, object]) -> None:
    answer = logged_in.api("POST", "/logistic/freightCalculate", body=body)
    assert answer.code == 1600300
    assert logged_in.sandbox.points_used() == 0
