"""Answers look like CJ's: the envelope, numeric openId, +08:00 dates, long tokens, header auth."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from reconciler.sandbox import DEMO_API_KEY
from tests.support.sandbox_wire import MakeSandbox, Wire

ENVELOPE = {"code", "result", "message", "data", "requestId", "success"}


def test_success_and_failure_answers_carry_the_full_envelope(logged_in: Wire) -> None:
    ok = logged_in.api("GET", "/setting/get")
    assert ok.status == 200
    assert set(ok.json) == ENVELOPE
    assert ok.json["result"] is True and ok.json["success"] is True and ok.code == 200
    bad = logged_in.api("GET", "/product/query", query={"pid": "nope"})
    assert set(bad.json) == ENVELOPE
    assert bad.json["result"] is False and bad.json["success"] is False
    assert ok.json["requestId"] != bad.json["requestId"]


def test_open_id_is_a_json_number_beyond_float_precision(wire: Wire) -> None:
    answer = wire.api("POST", "/authentication/getAccessToken", body={"apiKey": DEMO_API_KEY})
    open_id = json.loads(answer.raw)["data"]["openId"]
    assert isinstance(open_id, int) and open_id > 2**53
    assert int(float(open_id)) != open_id
    assert f'"openId":{open_id}' in answer.raw.decode()


def test_dates_have_the_china_offset_and_follow_the_lifetimes(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(access_ttl_s=3600, refresh_ttl_s=7200)
    data = Wire(sandbox).login()
    created = datetime.fromisoformat(str(data["createDate"]))
    access = datetime.fromisoformat(str(data["accessTokenExpiryDate"]))
    refresh = datetime.fromisoformat(str(data["refreshTokenExpiryDate"]))
    for date in (created, access, refresh):
        assert date.utcoffset() == timedelta(hours=8)
        assert str(data["createDate"]).endswith("+08:00")
    assert access - created == timedelta(hours=1)
    assert refresh - created == timedelta(hours=2)


def test_tokens_are_long_and_shaped_like_cjs(wire: Wire) -> None:
    data = wire.login()
    for key in ("accessToken", "refreshToken"):
        token = str(data[key])
        assert 540 <= len(token) <= 600
        assert token.startswith("API@CJ1000001@CJ:")
        assert len(token.split("@CJ:", 1)[1].split(".")) == 3
    assert data["accessToken"] != data["refreshToken"]


def test_a_call_without_the_token_header_answers_1600002(wire: Wire) -> None:
    answer = wire.api("GET", "/setting/get", anonymous=True)
    assert (answer.status, answer.code) == (200, 1600002)


def test_an_unknown_token_answers_1600001(wire: Wire) -> None:
    answer = wire.api("GET", "/setting/get", token="API@CJ1000001@CJ:not-a-token")
    assert (answer.status, answer.code) == (200, 1600001)


def test_an_unknown_path_or_method_answers_1600101(logged_in: Wire) -> None:
    assert logged_in.api("GET", "/product/nothingHere").code == 1600101
    assert logged_in.api("GET", "/product/addToMyProduct").code == 1600101
    assert logged_in.request("GET", "/").code == 1600101


def test_settings_describe_the_account(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(email="owner@example.com", qps=4)
    wire = Wire(sandbox)
    wire.login()
    data = wire.api("GET", "/setting/get").data
    assert isinstance(data, dict)
    assert data["openEmail"] == "owner@example.com"
    assert data["isSandbox"] is True
    assert data["setting"]["qpsLimit"] == 4
    assert isinstance(data["setting"]["quotaLimits"], list)
    assert {"openId", "openName", "callback", "root"} <= set(data)
