"""plan|apply --all: two accounts of one repository against their own sandbox accounts, side by side."""

from __future__ import annotations

import json
import re
import subprocess

from tests.accounts.conftest import KEYS, Accounts
from tests.support.sops_keys import SOPS
from tests.support.state_files import state_document


def _pids(accounts: Accounts, count: int) -> list[str]:
    return accounts.sandboxes["north"].catalog_pids("on_sale")[3 : 3 + count]


def test_plan_all_shows_one_report_per_account_and_a_summary(two_accounts: Accounts) -> None:
    pids = _pids(two_accounts, 3)
    two_accounts.products("common/products.yaml", pids[:2])
    two_accounts.products("accounts/south/manifests/own.yaml", pids[2:], name="south-only")
    result = two_accounts.run("plan", "--all", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert "=== account north" in result.stdout and "=== account south" in result.stdout
    assert "north  " in result.stdout.split("account  exit")[-1]
    summary = result.stdout.split("account  exit")[-1]
    assert "2 to create" in summary.split("south")[0]
    assert "3 to create" in summary.split("south")[1]
    assert two_accounts.added("north") == [] and two_accounts.added("south") == []


def test_apply_all_applies_both_accounts_each_with_its_own_state(two_accounts: Accounts) -> None:
    pids = _pids(two_accounts, 4)
    two_accounts.products("common/products.yaml", pids[:2])
    two_accounts.products("accounts/south/manifests/own.yaml", pids[2:], name="south-only")
    result = two_accounts.run("apply", "--all", "--auto-approve", "--parallel", "2")
    assert result.exit_code == 0, result.output
    assert len(two_accounts.added("north")) == 2
    assert len(two_accounts.added("south")) == 4
    for name, count in (("north", 2), ("south", 4)):
        state = state_document(two_accounts.ws.root / f"accounts/{name}/state")  # the root and its shards
        assert len(state["products"]) == count
    assert not (two_accounts.ws.root / "state").exists()
    again = two_accounts.run("plan", "--all", "--detailed-exitcode", "--format", "json")
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert [row["result"] for row in report["summary"]] == ["no changes", "no changes"]
    assert set(report["accounts"]) == {"north", "south"}


def test_an_account_overrides_a_common_document_by_name(two_accounts: Accounts) -> None:
    pids = _pids(two_accounts, 3)
    two_accounts.products("common/products.yaml", pids[:2])
    two_accounts.products("accounts/north/manifests/products.yaml", pids[2:])  # same kind and name: replaces it
    result = two_accounts.run("plan", "--accounts", "north", "--format", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)["accounts"]["north"]
    assert plan["summary"]["create"] == 1


def test_one_failing_account_does_not_stop_the_other(two_accounts: Accounts) -> None:
    pids = _pids(two_accounts, 2)
    two_accounts.products("common/products.yaml", pids)
    two_accounts.account("north", api_key="CJ2000009@api@" + "00" * 16)  # a key no account has
    result = two_accounts.run("apply", "--all", "--auto-approve")
    assert result.exit_code == 1, result.output
    assert len(two_accounts.added("south")) == 2
    assert two_accounts.added("north") == []
    assert "1 of 2 accounts failed: north" in result.stderr
    assert "[north] Error:" in result.stderr
    assert not (two_accounts.ws.root / "accounts/north/state/sync.json").exists()


def test_swapped_keys_are_refused_by_the_account_check_and_nothing_is_written(two_accounts: Accounts) -> None:
    pids = _pids(two_accounts, 2)
    two_accounts.products("common/products.yaml", pids)
    two_accounts.account("north", api_key=KEYS["south"])
    two_accounts.account("south", api_key=KEYS["north"])
    result = two_accounts.run("apply", "--all", "--auto-approve")
    assert result.exit_code == 1, result.output
    assert "2 of 2 accounts failed" in result.stderr, result.stderr
    assert (
        "[north] Error: the API key belongs to the CJ account s***@example.com, not to n***@example.com"
        in result.stderr
    )
    assert (
        "[south] Error: the API key belongs to the CJ account n***@example.com, not to s***@example.com"
        in result.stderr
    )
    assert two_accounts.added("north") == [] and two_accounts.added("south") == []
    for name in ("north", "south"):
        state = two_accounts.ws.root / f"accounts/{name}/state"
        assert not (state / "sync.json").exists()
        cache = subprocess.run(
            [SOPS, "--decrypt", str(state / "token.sops.json")],
            env=two_accounts.ws.sops_env(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        # only the attempt is remembered (CJ's 300 s rule); no token of the other account is kept
        assert set(json.loads(cache)) == {"api_key_fingerprint", "format_version", "last_get_access_token_at", "source"}


def test_plan_all_writes_one_comment_with_a_section_per_account(two_accounts: Accounts) -> None:
    pids = _pids(two_accounts, 3)
    two_accounts.products("common/products.yaml", pids[:2])
    two_accounts.products("accounts/south/manifests/own.yaml", pids[2:], name="south-only")
    result = two_accounts.run("plan", "--all", "--detailed-exitcode", "--out-markdown", "comment.md")
    assert result.exit_code == 2, result.output
    assert "=== account north" in result.stdout  # the text report on the terminal, the comment in the file
    comment = (two_accounts.ws.root / "comment.md").read_text()
    assert comment.startswith("<!-- cjrec-plan -->") and comment.count("<!-- cjrec-plan -->") == 1
    assert "| `north` | 2 | 2 to create |" in comment and "| `south` | 2 | 3 to create |" in comment
    assert comment.index("## Account `north`") < comment.index("## Account `south`")
    printed = two_accounts.run("plan", "--all", "--detailed-exitcode", "--format", "markdown")
    calls = re.compile(r"used \d+ calls")  # the second plan finds the tokens cached: fewer calls
    assert calls.sub("", printed.stdout) == calls.sub("", comment)  # --format markdown prints the same comment
