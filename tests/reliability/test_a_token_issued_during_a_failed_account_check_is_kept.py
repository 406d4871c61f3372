"""A token pair CJ issued is kept even when the account check after it fails, and is checked before use.

Found by the stateful test: tokens invalidated while the quota was used up. cjrec
authenticated (getAccessToken succeeded, so CJ's once-per-300 s clock started) and then
``setting/get``, which tells whose account the token opens, answered 1600201. The new pair
was dropped, and the next run, quota back, could not authenticate for five minutes. Now
the pair is cached marked unverified, unused, and the next run checks its account first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.sandbox import DEMO_API_KEY
from tests import figures
from tests.reliability.harness import age_token_cache, new_sandbox, new_workspace, on_sale
from tests.support.secret_watch import SecretWatch
from tests.support.sops_keys import AgeKey


def auth_paths(calls: list[dict[str, object]]) -> list[str]:
    return [
        str(c["path"]).rsplit("/", 1)[-1]
        for c in calls
        if "/authentication/" in str(c["path"]) or str(c["path"]).endswith("/setting/get")
    ]


@pytest.mark.parametrize("then", ["same account", "another account", "kept pair invalidated"])
def test_the_pair_is_kept_and_its_account_checked_by_the_next_run(
    tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch, then: str
) -> None:
    sandbox = new_sandbox(products=20)
    try:
        ws = new_workspace(tmp_path / "repo", sandbox, key=age_key, watch=secret_watch, monkeypatch=monkeypatch)
        ws.products(on_sale(sandbox, 2))
        assert ws.run("token", "refresh").exit_code == 0
        sandbox.invalidate_tokens()
        age_token_cache(ws)
        sandbox.set_faults(quota_exhausted=True)
        sandbox.clear_calls()
        failed = ws.run("plan")
        assert failed.exit_code == 1 and "quota is used up" in failed.stderr and "GET /setting/get" in failed.stderr
        assert auth_paths(sandbox.calls()) == ["refreshAccessToken", "getAccessToken", "get"]

        sandbox.set_faults(quota_exhausted=False)
        if then == "another account":  # the manifest now names another account than the key opens
            ws.credentials(email="someone.else@example.com", token=DEMO_API_KEY)
        if then == "kept pair invalidated":  # and five minutes later
            sandbox.invalidate_tokens()
            age_token_cache(ws)
        sandbox.clear_calls()
        later = ws.run("plan")  # well within 300 s of the getAccessToken above
        if then == "kept pair invalidated":
            assert later.exit_code == 0, later.output
            assert auth_paths(sandbox.calls()) == ["get", "refreshAccessToken", "getAccessToken", "get"]
        elif then == "same account":
            assert later.exit_code == 0, later.output
            assert auth_paths(sandbox.calls()) == ["get"]  # the kept pair, checked once, no new getAccessToken
            assert ws.run("plan").exit_code == 0
            assert auth_paths(sandbox.calls()) == ["get"]  # checked once is enough
        else:
            assert later.exit_code == 1
            assert "belongs to the CJ account d***@example.com" in later.stderr
            assert "getAccessToken" not in auth_paths(sandbox.calls())
        figures.add("token_scenarios_passed")
    finally:
        sandbox.stop()
