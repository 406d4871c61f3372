"""Each fault kind, set at start or through /__sandbox/faults, and drawn deterministically per seed."""

from __future__ import annotations

import http.client
import socket
import time

import pytest

from reconciler.sandbox import FaultSettings, Sandbox
from tests.support.sandbox_wire import MakeSandbox, Wire

MUG = "1658748072937136128"


def test_a_burst_of_429_answers_the_next_n_calls(sandbox: Sandbox, wire: Wire) -> None:
    wire.admin("POST", "/faults", {"burst_429": 3})
    statuses = [wire.api("GET", "/setting/get", anonymous=True) for _ in range(4)]
    assert [a.status for a in statuses] == [429, 429, 429, 200]
    assert statuses[0].code == 1600200 and "success" not in statuses[0].json


def test_5xx_answers_are_html_or_empty_not_json(sandbox: Sandbox, wire: Wire) -> None:
    sandbox.set_faults(error_rate_5xx=1.0)
    answers = [wire.api("GET", "/setting/get", anonymous=True) for _ in range(12)]
    assert {a.status for a in answers} <= {500, 502, 503}
    assert len({a.status for a in answers}) >= 2
    for answer in answers:
        assert answer.raw == b"" or answer.raw.lstrip().startswith(b"<html")
    sandbox.set_faults(error_rate_5xx=0.0)
    assert wire.api("GET", "/setting/get", anonymous=True).status == 200


def test_a_dropped_connection_gets_no_answer(sandbox: Sandbox, wire: Wire) -> None:
    sandbox.set_faults(drop_rate=1.0)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        wire.api("GET", "/setting/get", anonymous=True)
    assert sandbox.calls()[-1]["fault"] == "drop" and sandbox.calls()[-1]["http_status"] == 0


def test_system_busy_answers_1600000(sandbox: Sandbox, wire: Wire) -> None:
    sandbox.set_faults(busy_rate=1.0)
    answer = wire.api("GET", "/setting/get", anonymous=True)
    assert (answer.status, answer.code, answer.json["result"]) == (200, 1600000, False)
    assert "busy" in str(answer.json["message"]).lower()


def test_a_timeout_holds_the_answer_back_but_the_call_is_processed(sandbox: Sandbox, logged_in: Wire) -> None:
    sandbox.set_faults(timeout_rate=1.0, timeout_s=2.0)
    with pytest.raises((TimeoutError, socket.timeout)):
        logged_in.api("POST", "/product/addToMyProduct", body={"productId": MUG}, timeout=0.3)
    assert sandbox.my_product_ids() == [MUG]


def test_latency_delays_every_answer(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(latency_ms=150)
    wire = Wire(sandbox)
    started = time.monotonic()
    assert wire.api("GET", "/setting/get", anonymous=True).code == 1600002
    assert time.monotonic() - started >= 0.14
    sandbox.set_faults(latency_ms=0)
    started = time.monotonic()
    wire.api("GET", "/setting/get", anonymous=True)
    assert time.monotonic() - started < 0.14


def test_an_invalid_api_key_fault_answers_1600005(sandbox: Sandbox, wire: Wire) -> None:
    sandbox.set_faults(api_key_invalid=True)
    body = {"apiKey": sandbox.config.api_key}
    assert wire.api("POST", "/authentication/getAccessToken", body=body, anonymous=True).code == 1600005


def test_an_exhausted_quota_answers_1600201(sandbox: Sandbox, logged_in: Wire) -> None:
    logged_in.admin("POST", "/faults", {"quota_exhausted": True})
    assert logged_in.api("GET", "/setting/get").code == 1600201
    logged_in.admin("POST", "/faults", {"reset": True})
    assert logged_in.api("GET", "/setting/get").code == 200


def test_points_remaining_can_be_set(sandbox: Sandbox, logged_in: Wire) -> None:
    logged_in.admin("POST", "/faults", {"points_remaining": 15})
    assert logged_in.api("GET", "/product/query", query={"pid": MUG}).code == 200
    assert logged_in.api("GET", "/product/query", query={"pid": MUG}).code == 16900500


def test_faults_set_at_start_apply_from_the_first_call(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(faults=FaultSettings(burst_429=1, quota_exhausted=True))
    wire = Wire(sandbox)
    assert wire.api("GET", "/setting/get", anonymous=True).status == 429
    wire.login()
    assert wire.api("GET", "/setting/get").code == 1600201


def test_the_same_seed_draws_the_same_faults(make_sandbox: MakeSandbox) -> None:
    def statuses(seed: int) -> list[int]:
        sandbox = make_sandbox(seed=seed, products=3, faults=FaultSettings(error_rate_5xx=0.3, busy_rate=0.3))
        wire = Wire(sandbox)
        return [wire.api("GET", "/nothing", anonymous=True).status for _ in range(20)]

    first, again, other = statuses(7), statuses(7), statuses(8)
    assert first == again
    assert first != other
    assert len(set(first)) >= 3


def test_bad_fault_settings_are_refused_and_change_nothing(sandbox: Sandbox, wire: Wire) -> None:
    before = wire.admin("GET", "/faults").json
    for body in ({"drop_rate": 2}, {"error_rate_5xx": 0.6, "busy_rate": 0.6}, {"typo_rate": 0.1}, {"burst_429": -1}):
        assert wire.admin("POST", "/faults", body).status == 400
    assert wire.admin("GET", "/faults").json == before
    with pytest.raises(ValueError, match="drop_rate"):
        sandbox.set_faults(drop_rate="often")
