"""Daily points: product/query costs 10, the rest is free, failures cost nothing, 16900500 when out."""

from __future__ import annotations

from datetime import UTC, datetime

from reconciler.sandbox import FaultSettings, Sandbox
from tests.support.sandbox_wire import MakeSandbox, Wire

MUG = "1658748072937136128"


def test_only_successful_product_queries_cost_points(sandbox: Sandbox, logged_in: Wire) -> None:
    logged_in.api("GET", "/setting/get")
    logged_in.api("POST", "/product/addToMyProduct", body={"productId": MUG})
    logged_in.api("GET", "/product/myProduct/query")
    assert sandbox.points_used() == 0
    logged_in.api("GET", "/product/query", query={"pid": MUG})
    logged_in.api("GET", "/product/query", query={"pid": sandbox.catalog_pids("offline")[0]})
    assert sandbox.points_used() == 10
    assert logged_in.admin("GET", "/state").json["points_used"] == 10


def test_a_call_beyond_the_remaining_points_answers_16900500(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(daily_points=25)
    wire = Wire(sandbox)
    wire.login()
    for _ in range(2):
        assert wire.api("GET", "/product/query", query={"pid": MUG}).code == 200
    out = wire.api("GET", "/product/query", query={"pid": MUG})
    assert out.status == 200
    assert (out.code, out.json["result"]) == (16900500, False)
    assert str(out.json["message"]).startswith("Insufficient API points")
    assert sandbox.points_used() == 20
    assert wire.api("GET", "/setting/get").code == 200


def test_points_come_back_at_midnight_utc(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(faults=FaultSettings(points_remaining=5))
    wire = Wire(sandbox)
    wire.login()
    assert wire.api("GET", "/product/query", query={"pid": MUG}).code == 16900500
    now = datetime.fromisoformat(str(sandbox.state()["now"])).astimezone(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() + 86400
    sandbox.advance_clock(midnight - now.timestamp() + 2)
    assert sandbox.points_used() == 0
    assert wire.api("GET", "/product/query", query={"pid": MUG}).code == 200
