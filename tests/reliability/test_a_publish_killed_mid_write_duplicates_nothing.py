"""kill -9 an apply at each of its store writes: the rerun duplicates neither the store product
nor its connection at CJ.

Shopify has no idempotency key; cjrec's identity is the ``cjrec.cj_pid`` metafield that
``productSet`` upserts by. CJ's connection POST has none either; cjrec reads the product's
connections before posting. The stand-ins act at once and answer late (latency), so a SIGKILL
sent as soon as the store (or CJ) has acted lands in the worst window: the write was done,
cjrec never recorded it. What must hold after the rerun: one store product per CJ product,
one connection per published variant, the connection not posted again, and an empty plan.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.kinds.store.record import listings_of
from reconciler.sandbox import Sandbox
from reconciler.sandbox.shopify.api import DEFAULT_TOKEN
from tests.e2e.test_priced_catalogue_and_refresh_only import RULE
from tests.e2e.test_publish_to_the_shopify_stand_in import STORE
from tests.reliability.harness import load_state, new_sandbox, new_workspace, on_sale, spawn
from tests.support.cj_workspace import CjWorkspace
from tests.support.secret_watch import SecretWatch
from tests.support.sops_keys import AgeKey

CONNECTION = "/product/conn/connection"


def store_repo(
    tmp_path: Path, sandbox: Sandbox, age_key: AgeKey, watch: SecretWatch, mp: pytest.MonkeyPatch
) -> CjWorkspace:
    ws = new_workspace(tmp_path / "repo", sandbox, key=age_key, watch=watch, monkeypatch=mp)
    watch.secrets.add(DEFAULT_TOKEN)
    ws.products(on_sale(sandbox, 1, start=12))
    ws.write("manifests/pricing.yaml", RULE)
    ws.encrypt("manifests/store.sops.yaml", STORE.format(endpoint=sandbox.shopify_url, token=DEFAULT_TOKEN))
    assert ws.run("token", "refresh").exit_code == 0
    return ws


def kill_when(
    ws: CjWorkspace, done: Callable[[], bool], *args: str, meanwhile: Callable[[], None] = lambda: None
) -> None:
    """Start apply and SIGKILL it as soon as ``done()`` holds (the stand-in has acted, its answer pending)."""
    proc = spawn(ws, "apply", "--auto-approve", *args)
    deadline = time.monotonic() + 120
    while not done():
        meanwhile()
        assert proc.poll() is None, f"apply ended before the kill: {proc.communicate()[1][-2000:]}"
        assert time.monotonic() < deadline, "the write never came"
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the kill did not land mid-run"


def posts(sandbox: Sandbox) -> int:
    return sum(1 for c in sandbox.calls() if c.get("method") == "POST" and str(c["path"]).endswith(CONNECTION))


def settled(ws: CjWorkspace, sandbox: Sandbox) -> None:
    """One product in the store, one connection per variant, recorded, and nothing left to do."""
    (product,) = sandbox.shopify.products()  # one product, never a second
    variants = {v["id"].rsplit("/", 1)[-1] for v in product["variants"]}
    rows = sandbox.connections()
    assert Counter(r["platformVariantId"] for r in rows) == Counter(dict.fromkeys(variants, 1))
    state = load_state(ws)
    assert state is not None
    (listing,) = listings_of(state).values()
    assert listing.product_id == product["id"] and listing.connection is not None
    assert set(listing.connection.variants.values()) == variants
    quiet = ws.run("plan", "--detailed-exitcode")
    assert quiet.exit_code == 0, quiet.output


def test_a_kill_between_shopifys_answer_and_the_state_write_publishes_once(
    tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = new_sandbox()
    try:
        ws = store_repo(tmp_path, sandbox, age_key, secret_watch, monkeypatch)
        sandbox.shopify.set_latency(1.5)  # the shop creates the product at once and answers 1.5 s later
        kill_when(ws, lambda: bool(sandbox.shopify.products()))
        state = load_state(ws)
        assert state is not None and listings_of(state) == {}  # the state never heard of it

        sandbox.shopify.set_latency(0)
        applied = ws.run("apply", "--auto-approve")
        assert applied.exit_code == 0, applied.output
        settled(ws, sandbox)
    finally:
        sandbox.stop()


def test_a_kill_between_cjs_answer_to_the_connection_and_the_state_write_connects_once(
    tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = new_sandbox()
    try:
        ws = store_repo(tmp_path, sandbox, age_key, secret_watch, monkeypatch)

        def slow_cj_once_published() -> None:  # CJ answers late from the connection on
            if sandbox.shopify.products():
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
        settled(ws, sandbox)
    finally:
        sandbox.stop()


def test_a_kill_while_a_removed_product_is_disconnected_and_archived_finishes_both_on_rerun(
    tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = new_sandbox()
    try:
        ws = store_repo(tmp_path, sandbox, age_key, secret_watch, monkeypatch)
        applied = ws.run("apply", "--auto-approve")
        assert applied.exit_code == 0, applied.output
        assert sandbox.connections()
        ws.products([])
        sandbox.set_faults(latency_ms=1500)  # CJ deletes the connection at once and answers 1.5 s later
        kill_when(ws, lambda: not sandbox.connections(), "--allow-mass-forget")
        (product,) = sandbox.shopify.products()
        assert product["status"] == "ACTIVE"  # killed before the store was told

        sandbox.set_faults(latency_ms=0)
        again = ws.run("apply", "--auto-approve", "--allow-mass-forget")
        assert again.exit_code == 0, again.output
        (product,) = sandbox.shopify.products()
        assert product["status"] == "ARCHIVED" and sandbox.connections() == []
        state = load_state(ws)
        assert state is not None
        (listing,) = listings_of(state).values()
        assert (listing.status, listing.connection) == ("archived", None)
        quiet = ws.run("plan", "--detailed-exitcode")
        assert quiet.exit_code == 0, quiet.output
    finally:
        sandbox.stop()
