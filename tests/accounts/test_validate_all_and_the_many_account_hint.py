"""validate --all checks every account (with common/); a command without --all in a many-account repository says what to do."""

from __future__ import annotations

from tests.accounts.conftest import Accounts


def test_validate_all_checks_every_account_with_the_common_documents(two_accounts: Accounts) -> None:
    two_accounts.products("common/products.yaml", two_accounts.sandboxes["north"].catalog_pids("on_sale")[3:5])
    result = two_accounts.run("validate", "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Valid: 3 files, 2 products") == 2
    assert "north       0" in result.stdout and "south       0" in result.stdout


def test_an_invalid_common_document_fails_every_account_that_includes_it(two_accounts: Accounts) -> None:
    two_accounts.ws.write(
        "common/products.yaml", "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: x}\nspec: 3\n"
    )
    result = two_accounts.run("validate", "--all")
    assert result.exit_code == 1
    assert "2 of 2 accounts failed: north, south" in result.stderr
    assert "common/products.yaml:4" in result.stderr


def test_plan_without_all_in_a_many_account_repository_names_the_fix(two_accounts: Accounts) -> None:
    result = two_accounts.run("plan")
    assert result.exit_code == 1
    assert "this is a many-account repository" in result.stderr
    assert "--all or --accounts NAME" in result.stderr
