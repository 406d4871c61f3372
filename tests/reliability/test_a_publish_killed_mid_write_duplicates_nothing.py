"""kill -9 an apply at each of its store writes, on every store platform: the rerun duplicates
neither the store product nor its connection at CJ.

Neither Shopify nor WooCommerce has an idempotency key; cjrec's identity is the ``cjrec.cj_pid``
metafield that ``productSet`` upserts by (Shopify), and the product's SKU with its
``_cjrec_cj_pid`` meta, looked up before a create (WooCommerce). CJ's connection POST has none either; cjrec reads the product's
connections before posting. The stand-ins act at once and answer late (latency), so a SIGKILL
sent as soon as the store (or CJ) has acted lands in the worst window: the write was done,
cjrec never recorded it. What must hold after the rerun: one store product per CJ product,
one connection per published variant, the connection not posted again, and an empty plan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.kinds.store.platforms import platform_named
from reconciler.kinds.store.record import listings_of
from reconciler.sandbox import Sandbox
from tests.e2e.test_priced_catalogue_and_refresh_only import RULE
from tests.reliability.harness import kill_when, load_state, new_sandbox, new_workspace, on_sale
from tests.support.cj_workspace import CjWorkspace
from tests.support.secret_watch import SecretWatch
from tests.support.sops_keys import AgeKey
from tests.support.store_platforms import PLATFORMS, StandIn

CONNECTION = "/product/conn/connection"


@pytest.fixture(params=PLATFORMS)
def shop_repo(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    age_key: AgeKey,
    secret_watch: SecretWatch,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[CjWorkspace, StandIn]]:
    """A repository with one priced product and the Store of a fresh sandbox's stand-in, once per platform."""
    sandbox = new_sandbox()
    try:
        store = StandIn(str(request.param), sandbox, clock=None)
        ws = new_workspace(tmp_path / "repo", sandbox, key=age_key, watch=secret_watch, monkeypatch=monkeypatch)
        secret_watch.secrets.update(store.secrets)
        ws.products(on_sale(sandbox, 1, start=12))
        ws.write("manifests/pricing.yaml", RULE)
        ws.encrypt("manifests/store.sops.yaml", store.document())
        assert ws.run("token", "refresh").exit_code == 0
        yield ws, store
    finally:
        sandbox.stop()


def posts(sandbox: Sandbox) -> int:
    return sum(1 for c in sandbox.calls() if c.get("method") == "POST" and str(c["path"]).endswith(CONNECTION))


def settled(ws: CjWorkspace, store: StandIn) -> None:
    """One product in the store, one connection per variant, recorded, and nothing left to do."""
    (product,) = store.products()  # one product, never a second
    variants = {platform_named(store.platform).cj_id(v) for v in product.variant_ids.values()}
    rows = store.sandbox.connections()
    assert Counter(r["platformVariantId"] for r in rows) == Counter(dict.fromkeys(variants, 1))
    state = load_state(ws)
    assert state is not None
    (listing,) = listings_of(state).values()
    assert listing.product_id == product.id and listing.connection is not None
    assert set(listing.connection.variants.values()) == variants
    quiet = ws.run("plan", "--detailed-exitcode")
    assert quiet.exit_code == 0, quiet.output


def test_a_kill_between_the_stores_answer_and_the_state_write_publishes_once(
    shop_repo: tuple[CjWorkspace, StandIn],
) -> None:
    ws, store = shop_repo
    store.set_latency(1.5)  # the shop creates the product at once and answers 1.5 s later
    kill_when(ws, lambda: bool(store.products()))
    state = load_state(ws)
    assert state is not None and listings_of(state) == {}  # the state never heard of it

    store.set_latency(0)
    applied = ws.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    settled(ws, store)


def test_a_kill_between_cjs_answer_to_the_connection_and_the_state_write_connects_once(
    shop_repo: tuple[CjWorkspace, StandIn],
) -> None:
    ws, store = shop_repo
    sandbox = store.sandbox

    def slow_cj_once_published() -> None:  # CJ answers late from the connection on
        if store.products():
            sandbox.set_faults(latency_ms=1500)

    kill_when(ws, lambda: bool(sandbox.connections()), meanwhile=slow_cj_once_published)
    state = load_state(ws)
    assert state is not None
    (listing,) = listings_of(state).values()
    assert listing.connection is None  # published and recorded; the connection never was
    posted = posts(sandbox)
    assert posted == 1

    sandbox.set_faults(latency_ms=0)
    applied = ws.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert posts(sandbox) == posted  # CJ had every variant already: nothing posted again
    settled(ws, store)


def test_a_kill_while_a_removed_product_is_disconnected_and_archived_finishes_both_on_rerun(
    shop_repo: tuple[CjWorkspace, StandIn],
) -> None:
    ws, store = shop_repo
    sandbox = store.sandbox
    applied = ws.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert sandbox.connections()
    ws.products([])
    sandbox.set_faults(latency_ms=1500)  # CJ deletes the connection at once and answers 1.5 s later
    kill_when(ws, lambda: not sandbox.connections(), "--allow-mass-forget")
    (product,) = store.products()
    assert product.status == "active"  # killed before the store was told

    sandbox.set_faults(latency_ms=0)
    again = ws.run("apply", "--auto-approve", "--allow-mass-forget")
    assert again.exit_code == 0, again.output
    (product,) = store.products()
    assert product.status == "archived" and sandbox.connections() == []
    state = load_state(ws)
    assert state is not None
    (listing,) = listings_of(state).values()
    assert (listing.status, listing.connection) == ("archived", None)
    quiet = ws.run("plan", "--detailed-exitcode")
    assert quiet.exit_code == 0, quiet.output
