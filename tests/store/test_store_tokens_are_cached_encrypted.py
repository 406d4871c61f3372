"""Client-credentials tokens of a store outlive the run, encrypted: the first run asks the store
for a token and keeps it in ``state/store-tokens.sops.json`` (every value ciphertext, to the
Credentials' recipients when no ``.sops.yaml`` rule covers the file); the next run uses it
without asking; once it is within a minute of its expiry the store is asked again. The token
and the client secret never appear in the file.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest

from reconciler.adapters.shopify_store import ShopifyStore, connect
from reconciler.adapters.sops import Sops
from reconciler.adapters.sops_rules import Recipients
from reconciler.adapters.store_tokens import CACHE_NAME, SopsStoreTokens
from reconciler.adapters.token_store import LocalCacheFile, TokenStore
from reconciler.kinds.store.model import StoreAuth
from reconciler.models.secret import Secret
from reconciler.sandbox import Sandbox
from reconciler.sandbox.clock import SandboxClock
from reconciler.sandbox.shopify.api import ShopifyConfig
from tests.store.test_publishing_keeps_identity_and_the_merchants_edits import FakeClock, store
from tests.support.sandbox_wire import FAST
from tests.support.sops_keys import SOPS
from tests.support.workspace import Workspace

CLIENT_ID, CLIENT_SECRET = "app-client-cache", "shpss_" + "5" * 32
LIFETIME = 3_600.0
GRANT = "/admin/oauth/access_token"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    shop = ShopifyConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_lifetime_s=LIFETIME)
    box = Sandbox(FAST, clock=SandboxClock(monotonic=clock.monotonic, wall=clock.monotonic), shopify=shop).start()
    yield box  # type: ignore[misc]
    box.stop()


def a_run(sandbox: Sandbox, clock: FakeClock, workspace: Workspace) -> ShopifyStore:
    """What one cjrec run builds: a fresh cache object over the file, a fresh client."""
    shop = replace(
        store(sandbox.shopify_url), auth=StoreAuth(client_id=Secret(CLIENT_ID), client_secret=Secret(CLIENT_SECRET))
    )
    cache = TokenStore(
        LocalCacheFile(workspace.root / "state", CACHE_NAME),
        Sops(binary=SOPS, env=workspace.sops_env()),
        fallback=Recipients(age=(workspace.key.public,)),
    )
    return connect(shop, cancel=threading.Event(), clock=clock, timeout=(5.0, 30.0), tokens=SopsStoreTokens(cache))


def grants(sandbox: Sandbox) -> int:
    return sum(1 for call in sandbox.shopify.calls if call["path"] == GRANT)


def test_a_granted_token_is_kept_encrypted_and_used_until_it_expires(
    sandbox: Sandbox, clock: FakeClock, workspace: Workspace
) -> None:
    assert a_run(sandbox, clock, workspace).find("P1") is None
    assert grants(sandbox) == 1
    path = workspace.root / "state" / CACHE_NAME
    raw = path.read_bytes()
    issued = sandbox.shopify._issued[-1].token
    assert issued.encode() not in raw and CLIENT_SECRET.encode() not in raw and CLIENT_ID.encode() not in raw
    doc = json.loads(raw)
    assert all(isinstance(v, str) and v.startswith("ENC[") for k, v in doc.items() if k not in ("sops", "tokens"))
    assert json.dumps(doc["tokens"]).count("ENC[") == 2  # the token and its expiry

    clock.t += LIFETIME - 120  # the next run, two minutes before expiry: the cached token is used
    assert a_run(sandbox, clock, workspace).find("P1") is None
    assert grants(sandbox) == 1

    clock.t += 90  # within the minute's margin: a new token
    assert a_run(sandbox, clock, workspace).find("P1") is None
    assert grants(sandbox) == 2
