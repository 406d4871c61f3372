"""The commands besides plan/apply/validate in a many-account repository (cli/account_scope.py).

Reading commands (state list, export, token status, …) run per account with --all/--accounts;
the ones that change or serve one account's state (force-unlock, state forget, …) take
--accounts NAME and refuse several; at the repository's root without an account every
account-scoped command refuses instead of reading ./state; a command that is not about an
account (sandbox, schema) says so when given --all.
"""

from __future__ import annotations

import json

import pytest

from tests.accounts.conftest import Accounts


@pytest.fixture
def applied(two_accounts: Accounts) -> Accounts:
    pids = two_accounts.sandboxes["north"].catalog_pids("on_sale")[3:6]
    two_accounts.products("common/products.yaml", pids[:1])
    two_accounts.products("accounts/south/manifests/own.yaml", pids[1:], name="south-only")
    done = two_accounts.run("apply", "--all", "--auto-approve")
    assert done.exit_code == 0, done.output
    return two_accounts


def test_state_list_all_lists_each_accounts_records_under_its_name(applied: Accounts) -> None:
    result = applied.run("state", "list", "--all")
    assert result.exit_code == 0, result.output
    blocks = {block.split(" ", 1)[0]: block for block in result.stdout.split("=== account ")[1:]}  # as they finish
    assert blocks["north"].count("product.") == 1 and blocks["south"].count("product.") == 3
    assert "north       0" in result.stdout and "south       0" in result.stdout


def test_export_all_writes_one_file_per_account(applied: Accounts) -> None:
    result = applied.run("export", "--all", "--out", "exports/{account}.jsonl")
    assert result.exit_code == 0, result.output
    for name, count in (("north", 1), ("south", 3)):
        lines = (applied.ws.root / f"exports/{name}.jsonl").read_text().splitlines()
        assert len(lines) == count and all(json.loads(line)["pid"] for line in lines)
    assert not (applied.ws.root / "exports/{account}.jsonl").exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("export", "--all", "--out", "catalog.jsonl"), "--out catalog.jsonl would be the same file for every account"),
        (("export", "--all"), "--out - (standard output) would mix every account's output"),
        (("plan", "--all", "--offline", "--out", "plan.json"), "put {account} in it"),
        (("export", "--out", "x/{account}.csv"), "no account is named"),
    ],
)
def test_a_file_option_shared_by_several_accounts_is_refused(
    two_accounts: Accounts, args: tuple[str, ...], said: str
) -> None:
    result = two_accounts.run(*args)
    assert result.exit_code == 1
    assert said in result.stderr and "Traceback" not in result.output


def test_plan_all_saves_one_plan_per_account_that_apply_all_carries_out(applied: Accounts) -> None:
    pid = applied.sandboxes["north"].catalog_pids("on_sale")[9]
    applied.products("accounts/north/manifests/more.yaml", [pid], name="north-more")
    planned = applied.run("plan", "--all", "--out", "plans/{account}.json", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert {p.name for p in (applied.ws.root / "plans").iterdir()} == {"north.json", "south.json"}
    done = applied.run("apply", "--all", "--auto-approve", "plans/{account}.json")
    assert done.exit_code == 0, done.output
    assert len(applied.added("north")) == 2 and len(applied.added("south")) == 3


def test_token_status_all_shows_each_accounts_token_and_never_the_token(applied: Accounts) -> None:
    result = applied.run("token", "status", "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("=== account ") == 2
    applied.ws.watch.record(result.output)


def test_force_unlock_at_the_root_asks_which_account(two_accounts: Accounts) -> None:
    result = two_accounts.run("force-unlock", "0123456789abcdef")
    assert result.exit_code == 1
    assert "`cjrec force-unlock` needs to know which account" in result.stderr
    assert "--accounts NAME" in result.stderr and "--all" not in result.stderr
    assert not (two_accounts.ws.root / "state").exists()


def test_force_unlock_takes_one_account_and_refuses_all_or_several(two_accounts: Accounts) -> None:
    many = two_accounts.run("force-unlock", "--all", "0123456789abcdef")
    assert many.exit_code == 1
    assert "`cjrec force-unlock` works on one account's state: it takes --accounts NAME, not --all" in many.stderr
    several = two_accounts.run("force-unlock", "--accounts", "north,south", "0123456789abcdef")
    assert several.exit_code == 1 and "names several" in several.stderr
    one = two_accounts.run("force-unlock", "--accounts", "north", "0123456789abcdef")
    assert one.exit_code == 1
    assert "accounts/north/state" in one.stderr and "Traceback" not in one.output


def test_state_list_at_the_root_without_an_account_refuses_instead_of_reading_dot_state(two_accounts: Accounts) -> None:
    result = two_accounts.run("state", "list")
    assert result.exit_code == 1
    assert "many-account repository" in result.stderr and "--all or --accounts NAME" in result.stderr


def test_a_command_that_is_not_about_an_account_says_so_when_given_all(two_accounts: Accounts) -> None:
    result = two_accounts.run("schema", "--all")
    assert result.exit_code == 1
    assert "`cjrec schema` is not about one CJ account, so it takes no --all" in result.stderr
    assert "state list" in result.stderr and "force-unlock" in result.stderr  # the commands that do, listed
