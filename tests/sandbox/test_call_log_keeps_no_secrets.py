"""The call log records every API call with its answer, never a secret, and flags tokens in URLs."""

from __future__ import annotations

from reconciler.sandbox import Sandbox
from tests.support.sandbox_wire import Wire

MUG = "1658748072937136128"


def test_every_call_is_logged_with_method_path_query_body_and_answer(sandbox: Sandbox, logged_in: Wire) -> None:
    logged_in.api("GET", "/product/query", query={"pid": MUG})
    logged_in.api("POST", "/product/addToMyProduct", body={"productId": MUG})
    calls = sandbox.calls()
    assert [c["path"] for c in calls] == [
        "/api2.0/v1/authentication/getAccessToken",
        "/api2.0/v1/product/query",
        "/api2.0/v1/product/addToMyProduct",
    ]
    query, add = calls[1], calls[2]
    assert (query["method"], query["query"], query["http_status"], query["code"]) == ("GET", {"pid": MUG}, 200, 200)
    assert add["body"] == {"productId": MUG}
    assert query["token_header"] is True and query["token_in_url"] is False
    assert isinstance(query["time"], float) and str(query["date"]).endswith("+08:00")


def test_secrets_in_bodies_are_redacted(sandbox: Sandbox, wire: Wire) -> None:
    data = wire.login()
    wire.api("POST", "/authentication/refreshAccessToken", body={"refreshToken": data["refreshToken"]})
    wire.api("POST", "/authentication/getAccessToken", body={"email": "a@b.c", "password": sandbox.config.api_key})
    wire.api("POST", "/product/addToMyProduct", body={"productId": MUG, "note": f"key {sandbox.config.api_key}"})
    logged = wire.admin("GET", "/calls").raw.decode()
    assert sandbox.config.api_key not in logged
    assert str(data["accessToken"]) not in logged and str(data["refreshToken"]) not in logged
    bodies = [c["body"] for c in sandbox.calls()]
    assert bodies[0] == {"apiKey": "(redacted)"}
    assert bodies[1] == {"refreshToken": "(redacted)"}
    assert bodies[2] == {"email": "a@b.c", "password": "(redacted)"}
    assert bodies[3] == {"productId": MUG, "note": "key (redacted)"}


def test_a_token_in_the_query_string_is_flagged_and_redacted(sandbox: Sandbox, logged_in: Wire) -> None:
    token = logged_in.token
    assert token is not None
    logged_in.api("GET", "/setting/get", query={"accessToken": token}, anonymous=True)
    logged_in.api("GET", "/product/query", query={"pid": MUG, "x": token})
    flagged = sandbox.calls()[-2:]
    assert all(c["token_in_url"] for c in flagged)
    assert flagged[0]["query"] == {"accessToken": "(redacted)"}
    assert token not in logged_in.admin("GET", "/calls").raw.decode()


def test_the_log_can_be_cleared_and_admin_calls_are_not_logged(sandbox: Sandbox, logged_in: Wire) -> None:
    logged_in.admin("GET", "/state")
    assert len(sandbox.calls()) == 1
    assert logged_in.admin("DELETE", "/calls").json == {"cleared": 1}
    assert logged_in.admin("GET", "/calls").json == {"calls": []}


def test_admin_clock_moves_time_forward_only(sandbox: Sandbox, wire: Wire) -> None:
    moved = wire.admin("POST", "/clock", {"advance_s": 3600}).json
    assert moved["offset_s"] == 3600
    assert wire.admin("POST", "/clock", {"advance_s": -1}).status == 400
    assert wire.admin("GET", "/nothing").status == 404
