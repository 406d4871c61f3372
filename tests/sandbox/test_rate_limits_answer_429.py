"""The per-account QPS window and the per-IP limit answer HTTP 429 + 1600200, counted at arrival.

Timing tests are few and tolerant: a burst is far faster than the window, spaced calls
leave 10 % slack. The rest moves the sandbox clock instead of sleeping.
"""

from __future__ import annotations

import time

from reconciler.sandbox import Sandbox
from tests.support.sandbox_wire import MakeSandbox, Wire


def test_a_tight_burst_over_the_qps_gets_429_in_cjs_shape(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(qps=2, enforce_qps=True)
    wire = Wire(sandbox)
    answers = [wire.api("GET", "/setting/get", anonymous=True) for _ in range(5)]
    assert [a.status for a in answers[:2]] == [200, 200]
    limited = [a for a in answers if a.status == 429]
    assert len(limited) >= 2
    body = limited[0].json
    assert body == {
        "code": 1600200,
        "result": False,
        "message": "Too Many Requests, QPS limit is 2 time/1second",
        "data": None,
        "requestId": body["requestId"],
    }
    assert "retry-after" not in limited[0].headers


def test_calls_spaced_beyond_the_window_are_not_limited(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(qps=2, enforce_qps=True)
    wire = Wire(sandbox)
    statuses = [wire.api("GET", "/setting/get", anonymous=True).status]
    for _ in range(3):
        time.sleep(0.55)
        statuses.append(wire.api("GET", "/setting/get", anonymous=True).status)
    assert statuses == [200] * 4


def test_authentication_calls_count_against_the_window(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(qps=1, enforce_qps=True)
    wire = Wire(sandbox)
    wire.login()
    assert wire.api("GET", "/setting/get").status == 429
    sandbox.advance_clock(1)
    assert wire.api("GET", "/setting/get").code == 200


def test_refused_calls_do_not_take_a_slot(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(qps=1, enforce_qps=True)
    wire = Wire(sandbox)
    assert wire.api("GET", "/setting/get", anonymous=True).status == 200
    for _ in range(3):
        assert wire.api("GET", "/setting/get", anonymous=True).status == 429
    sandbox.advance_clock(1.0)
    assert wire.api("GET", "/setting/get", anonymous=True).status == 200


def test_more_than_ten_calls_a_second_from_one_ip_get_429(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(qps=50, enforce_qps=True)
    wire = Wire(sandbox)
    answers = [wire.api("GET", "/setting/get", anonymous=True) for _ in range(13)]
    limited = [a for a in answers if a.status == 429]
    assert limited, "the per-IP limit of 10/s never answered 429"
    assert limited[0].json["message"] == "Too Many Requests, QPS limit is 10 time/1second"


def test_without_enforcement_there_is_no_window(sandbox: Sandbox, wire: Wire) -> None:
    assert not sandbox.config.enforce_qps
    assert all(wire.api("GET", "/setting/get", anonymous=True).status == 200 for _ in range(15))
