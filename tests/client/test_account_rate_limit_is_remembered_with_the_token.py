"""The account's rate limit rides with the token: read by a new token's account check, kept in the
encrypted cache, re-read by one setting/get only when the cache does not know it or knew it over a day ago."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import responses

from reconciler.adapters.token_manager import QPS_LIMIT_MAX_AGE
from tests.client.test_token_manager_order_of_use import build, cached, pair_json, settings_json
from tests.support.client_fakes import BASE, T0, MemoryTokenStore


def with_limit(qps: float | None) -> dict:
    body = settings_json()
    body["data"]["setting"] = {"qpsLimit": qps} if qps is not None else {}
    return body


@responses.activate
def test_a_new_token_brings_the_limit_and_the_cache_keeps_it() -> None:
    responses.add(responses.POST, BASE + "/authentication/getAccessToken", json=pair_json("a", "r"))
    responses.add(responses.GET, BASE + "/setting/get", json=with_limit(4))
    store = MemoryTokenStore()
    manager, _, _ = build(store)
    manager.access_token()
    assert manager.known_qps_limit() == (True, 4.0)
    assert store.cached is not None and store.cached.qps_limit == 4.0
    assert store.cached.qps_limit_at is not None and store.cached.qps_limit_at - T0 < timedelta(seconds=5)
    later, _, _ = build(store)  # the next run, from the cache alone
    assert later.known_qps_limit() == (True, 4.0)
    assert len(responses.calls) == 2


def test_a_limit_read_over_a_day_ago_is_not_known_any_more() -> None:
    store = MemoryTokenStore(replace(cached(), qps_limit=2.0, qps_limit_at=T0 - QPS_LIMIT_MAX_AGE))
    manager, _, _ = build(store)
    assert manager.known_qps_limit() == (True, 2.0)
    store.cached = replace(store.cached, qps_limit_at=T0 - QPS_LIMIT_MAX_AGE - timedelta(seconds=1))  # type: ignore[arg-type]
    assert build(store)[0].known_qps_limit() == (False, None)


def test_a_cache_without_a_limit_learns_it_once_and_keeps_it() -> None:
    store = MemoryTokenStore(cached())
    manager, _, _ = build(store)
    assert manager.known_qps_limit() == (False, None)
    manager.note_qps_limit(6.0)
    assert store.cached is not None and store.cached.qps_limit == 6.0
    assert build(store)[0].known_qps_limit() == (True, 6.0)


@responses.activate
def test_cj_not_saying_is_remembered_as_not_said() -> None:
    responses.add(responses.POST, BASE + "/authentication/getAccessToken", json=pair_json("a", "r"))
    responses.add(responses.GET, BASE + "/setting/get", json=with_limit(None))
    store = MemoryTokenStore()
    manager, _, _ = build(store)
    manager.access_token()
    assert build(store)[0].known_qps_limit() == (True, None)
