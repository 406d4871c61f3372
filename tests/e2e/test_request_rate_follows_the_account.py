"""`qps: auto` (the default, also with no Settings) runs at the account's limit from setting/get.

An explicit qps above the account's limit is capped, with a warning; the plan's time estimate
uses the rate actually used. The rate reached is measured in benchmarks (`--only rate`), not here.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import pytest

from reconciler.adapters.cj_answers import parse_account_settings
from reconciler.cli.request_rate import choose_rate, offline_rate
from reconciler.sandbox import DEMO_API_KEY, DEMO_EMAIL, Sandbox, SandboxConfig
from tests.support.cj_workspace import CjWorkspace, on_sale
from tests.support.workspace import Workspace


@pytest.mark.parametrize(
    ("configured", "limit", "used", "warned"),
    [
        (None, 4.0, 4.0, False),  # auto: the account's limit
        (None, None, 1.0, False),  # auto, CJ did not say: the lowest tier
        (None, 0.0, 1.0, False),  # a nonsense limit is no limit
        (6.0, 4.0, 4.0, True),  # above the limit: capped, with a warning
        (2.0, 4.0, 2.0, False),  # below: as asked
        (4.0, 4.0, 4.0, False),
        (3.0, None, 3.0, False),  # CJ did not say: as asked
    ],
)
def test_the_rate_used(configured: float | None, limit: float | None, used: float, warned: bool) -> None:
    choice = choose_rate(configured, limit)
    assert choice.qps == used
    assert (choice.warning is not None) == warned
    if warned:
        assert f"{configured:g}" in str(choice.warning) and f"{limit:g}" in str(choice.warning)


def test_offline_auto_plans_at_the_lowest_tier() -> None:
    assert offline_rate(None).qps == 1.0
    assert offline_rate(2.5).qps == 2.5


def test_setting_get_without_a_qps_limit_reads_as_unknown() -> None:
    data = {"openId": 1, "openEmail": "a@b.c", "setting": {"quotaLimits": []}}
    assert parse_account_settings(data, call="GET /setting/get").qps_limit is None
    assert parse_account_settings({**data, "setting": {"qpsLimit": 4}}, call="x").qps_limit == 4.0


@pytest.fixture
def prime() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(qps=4, products=80, seed=31)) as sandbox:
        yield sandbox


@pytest.fixture
def shop(workspace: Workspace, prime: Sandbox) -> CjWorkspace:
    ws = CjWorkspace(root=workspace.root, key=workspace.key, watch=workspace.watch, monkeypatch=workspace.monkeypatch)
    ws.sandbox = prime
    ws.credentials(email=DEMO_EMAIL, token=DEMO_API_KEY)
    ws.products(on_sale(prime, 3))
    return ws


def plan_cost(ws: CjWorkspace) -> tuple[dict[str, object], str]:
    result = ws.run("plan", "--format", "json")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    return json.loads(result.stdout)["cost"], result.stderr  # type: ignore[attr-defined]


def test_without_settings_the_plan_runs_and_estimates_at_the_accounts_limit(shop: CjWorkspace) -> None:
    cost, stderr = plan_cost(shop)
    assert cost["qps"] == 4.0
    assert "Warning" not in stderr
    assert cost["plan_calls"] == len(shop.sandbox.calls())  # reading the limit is among the plan's calls
    text = shop.run("plan")
    assert "at 4 qps" in text.stdout  # type: ignore[attr-defined]


def test_an_explicit_qps_above_the_accounts_limit_is_capped_with_a_warning(shop: CjWorkspace) -> None:
    shop.settings(qps=6)
    cost, stderr = plan_cost(shop)
    assert cost["qps"] == 4.0
    assert "Warning: Settings ask for qps 6, above this account's limit of 4" in stderr
    assert stderr.count("Warning:") == 1


def test_an_explicit_qps_below_the_limit_is_used_as_given(shop: CjWorkspace) -> None:
    shop.settings(qps=2)
    cost, stderr = plan_cost(shop)
    assert cost["qps"] == 2.0
    assert "Warning" not in stderr


def test_an_apply_at_auto_rate_gets_no_429(shop: CjWorkspace) -> None:
    result = shop.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.stdout + result.stderr  # type: ignore[attr-defined]
    assert "0 answered 429" in result.stdout  # type: ignore[attr-defined]
    calls = shop.sandbox.calls()
    assert calls and not [c for c in calls if c.get("http_status") == 429]
    # paced at 4/s, not at the 1/s the run starts with: some calls start well under a second apart
    starts = sorted(float(c["t"]) for c in calls)  # type: ignore[arg-type]
    assert min(b - a for a, b in itertools.pairwise(starts)) < 0.6


def test_the_next_run_takes_the_limit_from_the_token_cache_without_another_call(shop: CjWorkspace) -> None:
    plan_cost(shop)
    shop.sandbox.clear_calls()
    cost, _ = plan_cost(shop)
    assert cost["qps"] == 4.0
    assert not [c for c in shop.sandbox.calls() if str(c["path"]).endswith("/setting/get")]
    status = shop.run("token", "status")
    assert "Account rate limit:    4 requests/s (setting/get, " in status.stdout  # type: ignore[attr-defined]
