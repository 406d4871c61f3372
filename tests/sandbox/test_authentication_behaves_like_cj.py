"""getAccessToken, refreshAccessToken and logout, with expiry and throttles on the sandbox clock."""

from __future__ import annotations

from reconciler.sandbox import Sandbox
from tests.support.sandbox_wire import Wire

GET = "/authentication/getAccessToken"
REFRESH = "/authentication/refreshAccessToken"
LOGOUT = "/authentication/logout"


def test_an_access_token_stops_working_when_it_expires(sandbox: Sandbox, logged_in: Wire) -> None:
    assert logged_in.api("GET", "/setting/get").code == 200
    sandbox.advance_clock(sandbox.config.access_ttl_s - 1)
    assert logged_in.api("GET", "/setting/get").code == 200
    sandbox.advance_clock(2)
    assert logged_in.api("GET", "/setting/get").code == 1600001


def test_refreshing_gives_a_working_access_token_and_spends_the_old_refresh_token(sandbox: Sandbox, wire: Wire) -> None:
    first = wire.login()
    sandbox.advance_clock(sandbox.config.access_ttl_s + 1)
    answer = wire.api("POST", REFRESH, body={"refreshToken": first["refreshToken"]}, anonymous=True)
    assert answer.code == 200
    data = answer.data
    assert isinstance(data, dict)
    assert set(data) == {
        "accessToken",
        "accessTokenExpiryDate",
        "refreshToken",
        "refreshTokenExpiryDate",
        "createDate",
    }
    assert wire.api("GET", "/setting/get", token=str(data["accessToken"])).code == 200
    again = wire.api("POST", REFRESH, body={"refreshToken": first["refreshToken"]}, anonymous=True)
    assert again.code == 1600003


def test_an_expired_or_unknown_refresh_token_answers_1600003(sandbox: Sandbox, wire: Wire) -> None:
    data = wire.login()
    assert wire.api("POST", REFRESH, body={"refreshToken": "made-up"}, anonymous=True).code == 1600003
    sandbox.advance_clock(sandbox.config.refresh_ttl_s)
    assert wire.api("POST", REFRESH, body={"refreshToken": data["refreshToken"]}, anonymous=True).code == 1600003


def test_get_access_token_twice_within_300_seconds_answers_429(sandbox: Sandbox, wire: Wire) -> None:
    wire.login()
    again = wire.api("POST", GET, body={"apiKey": sandbox.config.api_key}, anonymous=True)
    assert again.status == 429
    assert again.json == {
        "code": 1600200,
        "result": False,
        "message": "Too much request, QPS limit is 1 time/300 seconds",
        "data": None,
        "requestId": again.json["requestId"],
    }
    sandbox.advance_clock(299)
    assert wire.api("POST", GET, body={"apiKey": sandbox.config.api_key}, anonymous=True).status == 429
    sandbox.advance_clock(1)
    assert wire.api("POST", GET, body={"apiKey": sandbox.config.api_key}, anonymous=True).code == 200


def test_a_wrong_api_key_answers_1600005_and_does_not_start_the_300_seconds(wire: Wire) -> None:
    assert wire.api("POST", GET, body={"apiKey": "CJ1000001@api@" + "0" * 32}, anonymous=True).code == 1600005
    wire.login()


def test_the_legacy_email_and_password_body_is_refused(sandbox: Sandbox, wire: Wire) -> None:
    body = {"email": "demo@example.com", "password": sandbox.config.api_key}
    answer = wire.api("POST", GET, body=body, anonymous=True)
    assert answer.code == 1600300
    assert "apiKey" in str(answer.json["message"])


def test_refresh_is_limited_per_minute(sandbox: Sandbox, wire: Wire) -> None:
    token = str(wire.login()["refreshToken"])
    for _ in range(sandbox.config.refresh_per_minute):
        answer = wire.api("POST", REFRESH, body={"refreshToken": token}, anonymous=True)
        assert answer.code == 200
        token = str(answer.field("refreshToken"))
    limited = wire.api("POST", REFRESH, body={"refreshToken": token}, anonymous=True)
    assert (limited.status, limited.code) == (429, 1600200)
    sandbox.advance_clock(60)
    assert wire.api("POST", REFRESH, body={"refreshToken": token}, anonymous=True).code == 200


def test_logout_makes_both_tokens_invalid(wire: Wire) -> None:
    data = wire.login()
    assert wire.api("POST", LOGOUT).data is True
    assert wire.api("GET", "/setting/get").code == 1600001
    assert wire.api("POST", REFRESH, body={"refreshToken": data["refreshToken"]}, anonymous=True).code == 1600003
    assert wire.api("POST", LOGOUT).code == 1600001


def test_invalidating_tokens_through_the_admin_endpoint_revokes_every_token(logged_in: Wire) -> None:
    assert logged_in.admin("POST", "/invalidate-tokens").json == {"invalidated": 1}
    assert logged_in.api("GET", "/setting/get").code == 1600001
