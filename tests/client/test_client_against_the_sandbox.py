"""The real client over real HTTP against `cjrec sandbox`: pacing, faults ridden out, token renewal, the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from reconciler.adapters.cj_api import CjApi, CjAuth
from reconciler.adapters.cj_http import CjHttp
from reconciler.adapters.clock import SystemClock
from reconciler.adapters.rate_limiter import RateLimiter, RetryPolicy
from reconciler.adapters.sops import Sops
from reconciler.adapters.token_manager import TokenManager
from reconciler.adapters.token_store import TokenStore
from reconciler.models.declared import Source
from reconciler.models.desired import Credentials
from reconciler.models.secret import Secret
from reconciler.sandbox import DEMO_API_KEY, DEMO_EMAIL, Sandbox, SandboxConfig
from tests.support.sops_keys import SOPS
from tests.support.workspace import Workspace


class ShiftedClock(SystemClock):
    """The real clock, shifted forward (to step past CJ's 300 s guard without waiting)."""

    def __init__(self, shift_s: float = 0.0) -> None:
        self.shift = timedelta(seconds=shift_s)

    def now(self):  # type: ignore[no-untyped-def]
        return super().now() + self.shift


def credentials() -> Credentials:
    return Credentials(
        email=Secret(DEMO_EMAIL),
        api_token=Secret(DEMO_API_KEY),
        check_account_email=True,
        override=None,
        source=Source("manifests/credentials.sops.yaml", 1),
        file=Path("manifests/credentials.sops.yaml"),
    )


@pytest.fixture
def keyed(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("SOPS_AGE_KEY", workspace.key.private)
    monkeypatch.setenv("SOPS_DISABLE_VERSION_CHECK", "1")
    return workspace


def client(
    sandbox: Sandbox, state_dir: Path, *, qps: float, clock: SystemClock | None = None, retry: RetryPolicy | None = None
) -> tuple[CjApi, CjHttp, TokenManager]:
    clock = clock or SystemClock()
    http = CjHttp(
        base_url=sandbox.base_url,
        clock=clock,
        limiter=RateLimiter(qps=qps, clock=clock),
        retry=retry or RetryPolicy(base_s=0.05, cap_s=0.5),
        timeout=(5.0, 15.0),
    )
    auth = CjAuth(http)
    manager = TokenManager(
        auth=auth,
        store=TokenStore(state_dir, Sops(binary=SOPS)),
        credentials=credentials(),
        clock=clock,
        account_of=auth.account_settings,
    )
    return CjApi(http, manager), http, manager


@pytest.fixture
def sandbox2() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(qps=2, products=50, seed=5)) as sandbox:
        yield sandbox


def api_calls(sandbox: Sandbox, fragment: str = "") -> list[dict[str, object]]:
    return [c for c in sandbox.calls() if fragment in str(c["path"])]


def test_100_sequential_and_concurrent_calls_at_qps_2_get_no_429_and_respect_the_limit(
    keyed: Workspace, sandbox2: Sandbox
) -> None:
    api, http, manager = client(sandbox2, keyed.root / "state", qps=2)
    manager.access_token()  # getAccessToken + setting/get
    started = time.monotonic()
    for _ in range(38):
        api.account_settings()
    threads = [threading.Thread(target=lambda: [api.account_settings() for _ in range(15)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    calls = sandbox2.calls()
    # a call re-sent after a read timeout (a loaded machine) reaches the server twice: each is a retry
    assert len(calls) == 100 + http.stats.retries and http.stats.retries <= 2
    assert [c for c in calls if c["http_status"] == 429] == []
    assert http.stats.rate_limited == 0
    assert elapsed >= (98 - 1) / 2  # 98 calls after the first two cannot start faster than 2 per second
    assert not any(c["token_in_url"] for c in calls)


def test_a_burst_of_429s_5xx_answers_and_dropped_connections_are_ridden_out(keyed: Workspace) -> None:
    with Sandbox(SandboxConfig(qps=10, products=20, seed=2, enforce_qps=False)) as sandbox:
        api, http, manager = client(
            sandbox, keyed.root / "state", qps=10, retry=RetryPolicy(max_attempts=8, base_s=0.02, cap_s=0.2)
        )
        manager.access_token()
        sandbox.set_faults(burst_429=4)
        api.account_settings()
        sandbox.set_faults(burst_429=0, error_rate_5xx=0.3, drop_rate=0.1)
        for _ in range(30):
            api.account_settings()
        sandbox.set_faults(reset=True)
        statuses = [c["http_status"] for c in sandbox.calls()]
        assert statuses.count(429) == 4
        assert any(s in (500, 502, 503) for s in statuses)
        assert 0 in statuses  # a dropped connection
        assert http.stats.retries >= 4
        assert http.stats.rate_limited == 4


def test_a_token_near_expiry_is_refreshed_before_use(keyed: Workspace) -> None:
    with Sandbox(SandboxConfig(qps=10, products=10, access_ttl_s=6 * 3600, enforce_qps=False)) as sandbox:
        _, _, first = client(sandbox, keyed.root / "state", qps=10)
        first.access_token()
        _, _, second = client(sandbox, keyed.root / "state", qps=10)
        second.access_token()  # the cached token expires within the 24 h margin
        paths = [str(c["path"]).rsplit("/", 1)[-1] for c in api_calls(sandbox, "/authentication/")]
        assert paths == ["getAccessToken", "refreshAccessToken"]


def test_an_expired_access_token_is_refreshed_when_cj_rejects_it(keyed: Workspace) -> None:
    with Sandbox(SandboxConfig(qps=10, products=10, enforce_qps=False)) as sandbox:
        api, _, manager = client(sandbox, keyed.root / "state", qps=10)
        manager.access_token()
        sandbox.advance_clock(16 * 86400)  # past the 15-day access token, within the refresh token's life
        api.account_settings()
        paths = [str(c["path"]).rsplit("/", 1)[-1] for c in sandbox.calls()]
        assert paths == ["getAccessToken", "get", "get", "refreshAccessToken", "get"]


def test_an_invalid_refresh_token_leads_to_exactly_one_get_access_token(keyed: Workspace) -> None:
    with Sandbox(SandboxConfig(qps=10, products=10, enforce_qps=False)) as sandbox:
        _, _, manager = client(sandbox, keyed.root / "state", qps=10)
        manager.access_token()
        sandbox.invalidate_tokens()
        sandbox.advance_clock(400)  # CJ's 300 s guard has passed at CJ…
        sandbox.clear_calls()
        api, _, later = client(sandbox, keyed.root / "state", qps=10, clock=ShiftedClock(400))  # …and for cjrec
        api.account_settings()
        paths = [str(c["path"]).rsplit("/", 1)[-1] for c in sandbox.calls()]
        assert paths == ["get", "refreshAccessToken", "getAccessToken", "get", "get"]
        assert later.calls == ["refreshAccessToken", "getAccessToken", "setting/get"]


def test_the_cache_holds_no_plaintext_token_and_a_second_process_reuses_it(keyed: Workspace) -> None:
    with Sandbox(SandboxConfig(qps=10, products=10, enforce_qps=False)) as sandbox:
        keyed.credentials(email=DEMO_EMAIL, token=DEMO_API_KEY)
        first = keyed.cli("token", "refresh", env={"CJREC_API_URL": sandbox.base_url})
        assert first.exit_code == 0, first.output
        cache = keyed.root / "state" / "token.sops.json"
        plaintext = json.loads(Sops(binary=SOPS).decrypt_json(cache, display="cache"))
        keyed.watch.secrets.update({plaintext["access_token"], plaintext["refresh_token"], plaintext["open_id"]})
        raw = cache.read_text()
        for secret in (plaintext["access_token"], plaintext["refresh_token"], plaintext["open_id"], DEMO_API_KEY):
            assert secret not in raw
        sandbox.clear_calls()
        env = dict(
            os.environ, SOPS_AGE_KEY=keyed.key.private, SOPS_DISABLE_VERSION_CHECK="1", CJREC_API_URL=sandbox.base_url
        )
        second = subprocess.run(
            [sys.executable, "-m", "reconciler", "plan"],
            cwd=keyed.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert second.returncode == 0, second.stderr
        assert api_calls(sandbox, "/authentication/") == []
        assert api_calls(sandbox, "/product/myProduct/query")
        for secret in (plaintext["access_token"], plaintext["refresh_token"], plaintext["open_id"]):
            assert secret not in second.stdout + second.stderr
