"""The Shopify client (``adapters/shopify_http.py``) against the stand-in over real HTTP on loopback:
it paces by the bucket Shopify reports (never THROTTLED when alone), retries THROTTLED after the
computed wait, rides out 5xx and dropped connections, gets and renews client-credentials tokens,
and names the call in every error without the token. The clock is shared and moved by the
client's sleep: no test sleeps.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from reconciler.adapters.rate_limiter import RetryPolicy
from reconciler.adapters.shopify_http import (
    ShopifyAuthError,
    ShopifyHttp,
    ShopifyQueryError,
    StoreToken,
)
from reconciler.errors import TransientApiError
from reconciler.models.secret import Secret
from reconciler.sandbox import Sandbox
from reconciler.sandbox.clock import SandboxClock
from reconciler.sandbox.shopify.api import ShopifyConfig
from tests.support.sandbox_wire import FAST

TOKEN = "shpat_client_test_" + "9" * 24
CLIENT_ID, CLIENT_SECRET = "app-client-1", "shpss_" + "7" * 32
DEFINE = """mutation { metafieldDefinitionCreate(definition: {namespace: "cjrec", key: "cj_pid", name: "CJ product",
  ownerType: PRODUCT, type: "id"}) { createdDefinition { id } userErrors { code } } }"""
READ = '{ productByIdentifier(identifier: {handle: "none"}) { id } }'


class FakeClock:
    def __init__(self) -> None:
        self.t = 10_000.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, tz=UTC)

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += max(0.0, seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    shop = ShopifyConfig(
        access_tokens=(TOKEN,), client_id=CLIENT_ID, client_secret=CLIENT_SECRET, bucket_size=100.0, restore_rate=10.0
    )
    box = Sandbox(FAST, clock=SandboxClock(monotonic=clock.monotonic, wall=clock.monotonic), shopify=shop).start()
    yield box  # type: ignore[misc]
    box.stop()


def client(sandbox: Sandbox, clock: FakeClock, token: StoreToken | None = None) -> ShopifyHttp:
    return ShopifyHttp(
        graphql_url=sandbox.shopify_url + "/admin/api/2026-01/graphql.json",
        token=token or StoreToken(access_token=Secret(TOKEN)),
        clock=clock,
        retry=RetryPolicy(max_attempts=4, base_s=0.5, cap_s=4.0),
        rng=random.Random(7),
    )


def test_pacing_from_the_reported_bucket_spends_it_fully_without_a_throttle(sandbox: Sandbox, clock: FakeClock) -> None:
    http = client(sandbox, clock)
    start = clock.t
    for _ in range(30):  # 30 mutations × 10 points = 300 points from a bucket of 100 refilled at 10/s
        answer = http.execute(DEFINE, call="metafieldDefinitionCreate")
        assert answer.cost is not None and answer.cost.requested == 10
    elapsed = clock.t - start
    assert http.stats.throttled == 0
    assert all(call["outcome"] != "THROTTLED" for call in sandbox.shopify.calls)
    # 100 points at once, then 200 more at 10 points/s: 20 s is the least possible
    assert 19.0 <= elapsed <= 21.0, elapsed
    assert http.stats.points == 300 and http.stats.queries == 30


def test_throttled_answers_are_retried_after_the_computed_wait(sandbox: Sandbox, clock: FakeClock) -> None:
    http = client(sandbox, clock)
    sandbox.shopify.fail_next("throttle", "throttle")
    answer = http.execute(READ, call="productByIdentifier", expected_cost=1)
    assert answer.data == {"productByIdentifier": None}
    assert http.stats.throttled == 2


def test_5xx_and_dropped_connections_are_ridden_out(sandbox: Sandbox, clock: FakeClock) -> None:
    http = client(sandbox, clock)
    sandbox.shopify.fail_next("5xx", "drop", "5xx")
    answer = http.execute(DEFINE, call="metafieldDefinitionCreate")
    assert answer.data["metafieldDefinitionCreate"]["userErrors"] == []
    assert http.stats.retries == 3

    sandbox.shopify.fail_next("5xx", "5xx", "5xx", "5xx")
    with pytest.raises(TransientApiError) as failed:
        http.execute(DEFINE, call="metafieldDefinitionCreate")
    assert "metafieldDefinitionCreate" in str(failed.value) and "HTTP 503" in str(failed.value)


def test_client_credentials_are_exchanged_for_a_token_and_renewed_when_refused(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    token = StoreToken(client_id=Secret(CLIENT_ID), client_secret=Secret(CLIENT_SECRET))
    http = client(sandbox, clock, token)
    assert http.execute(READ, call="productByIdentifier", expected_cost=1).data == {"productByIdentifier": None}
    sandbox.shopify.expire_tokens()
    assert http.execute(READ, call="productByIdentifier", expected_cost=1).data == {"productByIdentifier": None}
    grants = [c for c in sandbox.shopify.calls if c["path"] == "/admin/oauth/access_token"]
    assert len(grants) == 2
    assert CLIENT_SECRET not in repr(http) and CLIENT_SECRET not in repr(token)


def test_refused_credentials_and_queries_name_the_call_never_the_secret(sandbox: Sandbox, clock: FakeClock) -> None:
    wrong = client(sandbox, clock, StoreToken(access_token=Secret("shpat_wrong_" + "1" * 20)))
    with pytest.raises(ShopifyAuthError) as refused:
        wrong.execute(READ, call="productByIdentifier", expected_cost=1)
    assert "productByIdentifier" in str(refused.value) and "HTTP 401" in str(refused.value)
    assert "shpat_wrong" not in str(refused.value) + str(refused.value.hint)

    bad_app = client(sandbox, clock, StoreToken(client_id=Secret(CLIENT_ID), client_secret=Secret("nope-" + "2" * 20)))
    with pytest.raises(ShopifyAuthError) as no_grant:
        bad_app.execute(READ, call="productByIdentifier", expected_cost=1)
    assert "client credentials" in str(no_grant.value) and "nope-" not in str(no_grant.value)

    with pytest.raises(ShopifyQueryError) as mistake:
        client(sandbox, clock).execute('{ product(id: "x") { costPrice } }', call="product", expected_cost=1)
    assert "costPrice" in str(mistake.value) and "cjrec bug" in str(mistake.value.hint)
