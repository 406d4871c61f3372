"""The WooCommerce client (``adapters/woocommerce_http.py``) against canned HTTP answers (``responses``):
Basic auth over https only (http only on loopback), batches of at most 100 objects in total,
halved when the site takes fewer, every item answered in its place with WooCommerce's message
while the rest go on, at most ``maxConcurrency`` requests in flight, 429/503 backed off on the
injected clock, and errors that name the call and never the keys.
"""

from __future__ import annotations

import base64
import json
import random
import threading
from typing import Any

import pytest
import responses
from requests import PreparedRequest

from reconciler.adapters.rate_limiter import RetryPolicy
from reconciler.adapters.woocommerce_http import (
    WooAuthError,
    WooHttp,
    WooKeys,
    WooUnreachableApiError,
    check_store_url,
)
from reconciler.errors import RateLimitedError, UsageError
from reconciler.models.secret import Secret
from tests.support.client_fakes import FakeClock

SITE = "https://shop.example.com"
BATCH = SITE + "/wp-json/wc/v3/products/batch"
KEY, SECRET = "ck_" + "a" * 40, "cs_" + "b" * 40


def client(clock: FakeClock | None = None, **options: Any) -> WooHttp:
    return WooHttp(
        url=SITE,
        keys=WooKeys(Secret(KEY), Secret(SECRET)),
        clock=clock or FakeClock(),
        retry=options.pop("retry", RetryPolicy(max_attempts=3, max_rate_limited_attempts=4)),
        rng=random.Random(1),
        **options,
    )


def echo_batch(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
    """A store that answers each object: creates get ids, updates echo, deletes echo the id; SKU 'BAD' is refused."""
    body = json.loads(request.body or b"{}")
    answer: dict[str, list[Any]] = {}
    for n, item in enumerate(body.get("create", [])):
        if item.get("sku") == "BAD":
            error = {"code": "product_invalid_sku", "message": "Invalid or duplicated SKU.", "data": {"status": 400}}
            answer.setdefault("create", []).append({"id": 0, "error": error})
        else:
            answer.setdefault("create", []).append({"id": 1000 + n, **item})
    if "update" in body:
        answer["update"] = [dict(item) for item in body["update"]]
    if "delete" in body:
        answer["delete"] = [{"id": i} for i in body["delete"]]
    return 200, {}, json.dumps(answer)


def sizes(calls: responses.CallList) -> list[int]:
    out = []
    for call in calls:
        body = json.loads(call.request.body or b"{}")
        out.append(sum(len(body.get(k, [])) for k in ("create", "update", "delete")))
    return out


def test_only_https_or_loopback_http_and_the_keys_only_in_a_basic_header() -> None:
    assert check_store_url("https://shop.example.com/") == "https://shop.example.com"
    assert check_store_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    with pytest.raises(UsageError, match=r"plain http to shop\.example\.com"):
        check_store_url("http://shop.example.com")
    with pytest.raises(UsageError, match="not an http"):
        check_store_url("ftp://shop.example.com")
    woo = client()
    assert KEY not in repr(woo) and SECRET not in repr(woo.keys)
    with responses.RequestsMock() as mocked:
        mocked.get(SITE + "/wp-json/wc/v3/products", json=[])
        assert woo.request("GET", "/products", params={"sku": "CJ-1"}) == []
        sent = mocked.calls[0].request
        assert sent.headers["Authorization"] == "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
        assert KEY not in str(sent.url) and SECRET not in str(sent.url)


def test_a_batch_is_cut_into_requests_of_at_most_100_objects_in_total() -> None:
    woo = client()
    with responses.RequestsMock() as mocked:
        mocked.add_callback(responses.POST, BATCH, callback=echo_batch)
        result = woo.batch(
            "/products/batch",
            create=[{"sku": f"S{n}"} for n in range(150)],
            update=[{"id": n, "regular_price": "1.00"} for n in range(80)],
            delete=list(range(20)),
            call="publish",
        )
        assert sorted(sizes(mocked.calls)) == [50, 100, 100]
    assert [r.value["sku"] for r in result.create if r.value] == [f"S{n}" for n in range(150)]
    assert [r.value["id"] for r in result.update if r.value] == list(range(80))
    assert all(r.ok for r in result.create + result.update + result.delete)
    assert (woo.stats.batches, woo.stats.objects) == (3, 250)


def test_a_lower_limit_of_the_site_halves_the_batch_and_is_kept() -> None:
    woo = client()
    limit = 30

    def site(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        if sizes_of(request) > limit:
            error = {
                "code": "woocommerce_rest_request_entity_too_large",
                "message": f"Unable to accept more than {limit} items for this request.",
                "data": {"status": 413},
            }
            return 413, {}, json.dumps(error)
        return echo_batch(request)

    with responses.RequestsMock() as mocked:
        mocked.add_callback(responses.POST, BATCH, callback=site)
        result = woo.batch("/products/batch", create=[{"sku": f"S{n}"} for n in range(100)], call="publish")
        assert [r.value["sku"] for r in result.create if r.value] == [f"S{n}" for n in range(100)]
        accepted = [
            n for n, call in zip(sizes(mocked.calls), mocked.calls, strict=True) if call.response.status_code == 200
        ]
        assert sum(accepted) == 100 and max(accepted) <= limit
        assert woo.batch_limit <= limit and woo.stats.halvings >= 2
        mocked.calls.reset()
        woo.batch("/products/batch", create=[{"sku": f"T{n}"} for n in range(50)], call="publish again")
        assert all(call.response.status_code == 200 for call in mocked.calls)  # the lower limit was kept


def sizes_of(request: PreparedRequest) -> int:
    body = json.loads(request.body or b"{}")
    return sum(len(body.get(k, [])) for k in ("create", "update", "delete"))


def test_a_refused_item_is_reported_with_woocommerces_message_and_the_rest_go_on() -> None:
    woo = client()
    with responses.RequestsMock() as mocked:
        mocked.add_callback(responses.POST, BATCH, callback=echo_batch)
        result = woo.batch("/products/batch", create=[{"sku": "A"}, {"sku": "BAD"}, {"sku": "C"}], call="publish")
    assert [r.ok for r in result.create] == [True, False, True]
    failure = result.create[1].error
    assert failure is not None and str(failure) == "Invalid or duplicated SKU. (product_invalid_sku)"


def test_a_request_that_keeps_failing_fails_its_own_items_only() -> None:
    woo = client(clock := FakeClock())
    answers = iter([(503, {}, "<html>503</html>")] * 3)

    def site(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body or b"{}")
        if body["create"][0]["sku"] == "S100":
            return next(answers)
        return echo_batch(request)

    with responses.RequestsMock() as mocked:
        mocked.add_callback(responses.POST, BATCH, callback=site)
        result = woo.batch("/products/batch", create=[{"sku": f"S{n}"} for n in range(150)], call="publish")
    assert all(r.ok for r in result.create[:100])
    assert not any(r.ok for r in result.create[100:])
    assert "kept failing (HTTP 503" in str(result.create[120].error)
    assert len(clock.sleeps) == 2  # two back-offs between three attempts


def test_429_and_503_back_off_like_cjs_and_a_429_pauses_every_request() -> None:
    clock = FakeClock()
    woo = client(clock)
    with responses.RequestsMock() as mocked:
        mocked.get(SITE + "/wp-json/wc/v3/products", body="<html>Too Many Requests</html>", status=429)
        mocked.get(SITE + "/wp-json/wc/v3/products", body="<html>busy</html>", status=503)
        mocked.get(SITE + "/wp-json/wc/v3/products", json=[{"id": 1}])
        assert woo.request("GET", "/products") == [{"id": 1}]
    assert len(clock.sleeps) == 2 and woo.stats.rate_limited == 1 and woo.stats.retries == 2
    with responses.RequestsMock() as mocked:
        mocked.get(SITE + "/wp-json/wc/v3/products", body="<html>Too Many Requests</html>", status=429)
        with pytest.raises(RateLimitedError, match="kept answering 429 after 4 tries") as caught:
            woo.request("GET", "/products", call="GET /products?sku=CJ-1")
        assert "maxConcurrency" in str(caught.value.hint) and "call GET /products?sku=CJ-1" in str(caught.value)
        assert len(mocked.calls) == 4
    # a 429 met by one request (another thread's) holds back the next request of the store too
    woo._back_off(1, "POST /products/batch", "rate limited", pause_all=True)
    waited = len(clock.sleeps)
    with responses.RequestsMock() as mocked:
        mocked.get(SITE + "/wp-json/wc/v3/products", json=[])
        woo.request("GET", "/products")
    assert len(clock.sleeps) == waited + 1
    # back-off grows with the attempts (capped exponential, full jitter): the caps are 0.5, 1, 2 s
    assert all(wait <= cap for wait, cap in zip(clock.sleeps[2:], (0.5, 1.0, 2.0), strict=False))


def test_the_keys_refused_and_plain_permalinks_say_what_to_do() -> None:
    woo = client()
    with responses.RequestsMock() as mocked:
        mocked.get(
            SITE + "/wp-json/wc/v3/products",
            status=401,
            json={"code": "woocommerce_rest_authentication_error", "message": "Consumer secret is invalid.",
                  "data": {"status": 401}},
        )  # fmt: skip
        with pytest.raises(WooAuthError) as refused:
            woo.request("GET", "/products")
        mocked.replace(responses.GET, SITE + "/wp-json/wc/v3/products", status=404, body="<html>Page not found</html>")
        with pytest.raises(WooUnreachableApiError) as plain:
            woo.request("GET", "/products")
    assert "Consumer secret is invalid." in str(refused.value) and "Read/Write" in str(refused.value.hint)
    assert 'anything but "Plain"' in str(plain.value.hint)
    for error in (refused.value, plain.value):
        assert KEY not in f"{error} {error.hint}" and SECRET not in f"{error} {error.hint}"


def test_at_most_max_concurrency_requests_are_in_flight() -> None:
    woo = client(max_concurrency=2)
    meet = threading.Barrier(2, timeout=10)
    lock = threading.Lock()
    in_flight = peak = 0

    def site(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        meet.wait()  # two requests at once, or the barrier breaks
        with lock:
            in_flight -= 1
        return echo_batch(request)

    with responses.RequestsMock() as mocked:
        mocked.add_callback(responses.POST, BATCH, callback=site)
        result = woo.batch("/products/batch", create=[{"sku": f"S{n}"} for n in range(400)], call="publish")
    assert all(r.ok for r in result.create) and peak == 2
