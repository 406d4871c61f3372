"""cjrec accounts list [--changed-since REF] [--json], and cjrec -C DIR: which accounts a change touches."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.workspace import Workspace

PRODUCTS = "apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: {name}}}\nspec:\n  items: []\n"
PRICING = "apiVersion: cjrec/v1\nkind: Pricing\nmetadata: {{name: {name}}}\nspec: {{}}\n"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=root, check=True, capture_output=True
    )


@pytest.fixture
def repo(workspace: Workspace) -> Workspace:
    for name in ("east", "north", "south"):
        workspace.write(f"accounts/{name}/manifests/settings.yaml", "apiVersion: cjrec/v1\nkind: Settings\nspec: {}\n")
    workspace.write("common/products.yaml", PRODUCTS.format(name="shared"))
    workspace.write("common/pricing.yaml", PRICING.format(name="standard"))
    workspace.write("accounts/south/manifests/pricing.yaml", PRICING.format(name="standard"))  # overrides common's
    _git(workspace.root, "init", "-q", "-b", "main")
    _git(workspace.root, "add", "-A")
    _git(workspace.root, "commit", "-q", "-m", "start")
    _git(workspace.root, "checkout", "-q", "-b", "change")
    return workspace


def _listed(ws: Workspace, *args: str) -> list[str]:
    result = ws.cli("accounts", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    names: list[str] = json.loads(result.stdout)
    return names


def test_every_account_is_listed_one_a_line_or_as_json(repo: Workspace) -> None:
    assert repo.cli("accounts", "list").stdout.split() == ["east", "north", "south"]
    assert _listed(repo) == ["east", "north", "south"]


def test_nothing_changed_selects_no_account(repo: Workspace) -> None:
    assert _listed(repo, "--changed-since", "main") == []


def test_a_change_in_one_account_selects_only_it(repo: Workspace) -> None:
    repo.write("accounts/north/manifests/products.yaml", PRODUCTS.format(name="north-only"))
    _git(repo.root, "add", "-A")
    _git(repo.root, "commit", "-q", "-m", "north")
    assert _listed(repo, "--changed-since", "main") == ["north"]


def test_an_uncommitted_edit_counts_and_a_state_write_does_not(repo: Workspace) -> None:
    repo.write("accounts/east/manifests/settings.yaml", "apiVersion: cjrec/v1\nkind: Settings\nspec: {qps: 1}\n")
    repo.write("accounts/south/state/sync.json", "{}")
    assert _listed(repo, "--changed-since", "main") == ["east"]


def test_a_common_change_selects_every_account_that_includes_the_document(repo: Workspace) -> None:
    repo.write("common/products.yaml", PRODUCTS.format(name="shared") + "# edited\n")
    assert _listed(repo, "--changed-since", "main") == ["east", "north", "south"]


def test_a_common_document_an_account_overrides_does_not_select_it(repo: Workspace) -> None:
    repo.write("common/pricing.yaml", PRICING.format(name="standard") + "# edited\n")
    assert _listed(repo, "--changed-since", "main") == ["east", "north"]


def test_a_deleted_common_file_selects_every_account(repo: Workspace) -> None:
    (repo.root / "common/pricing.yaml").unlink()
    assert _listed(repo, "--changed-since", "main") == ["east", "north", "south"]


def test_an_unknown_ref_is_one_clear_message(repo: Workspace) -> None:
    result = repo.cli("accounts", "list", "--changed-since", "no-such-branch")
    assert result.exit_code == 1
    assert "Error: the merge base of no-such-branch and HEAD failed" in result.stderr
    assert "fetch-depth: 0" in result.stderr
    assert "Traceback" not in result.output


def test_a_ref_that_looks_like_an_option_is_refused(repo: Workspace) -> None:
    result = repo.cli("accounts", "list", "--changed-since=--output=/tmp/x")
    assert result.exit_code == 1
    assert "is not a git ref" in result.stderr


def test_dash_c_runs_as_if_started_in_the_folder(repo: Workspace, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    repo.monkeypatch.chdir(elsewhere)
    result = repo.cli("-C", str(repo.root), "accounts", "list")
    assert result.stdout.split() == ["east", "north", "south"]


def test_dash_c_of_a_missing_folder_is_a_usage_error(repo: Workspace) -> None:
    result = repo.cli("-C", "no/such/folder", "validate")
    assert result.exit_code == 1
    assert "no/such/folder" in result.stderr and "does not exist" in result.stderr


def test_a_single_account_repository_has_no_accounts(workspace: Workspace) -> None:
    result = workspace.cli("accounts", "list")
    assert result.exit_code == 1
    assert "not a many-account repository" in result.stderr


def test_an_unknown_account_name_is_refused_with_the_known_ones(repo: Workspace) -> None:
    result = repo.cli("plan", "--offline", "--accounts", "west")
    assert result.exit_code == 1
    assert "west is not an account (the accounts are: east, north, south)" in result.stderr


def test_plan_of_some_accounts_as_json_is_one_object_with_a_summary(repo: Workspace) -> None:
    result = repo.cli("plan", "--offline", "--accounts", "east,north", "--format", "json")
    assert "=== account" not in result.stdout
    report = json.loads(result.stdout)
    assert [row["account"] for row in report["summary"]] == ["east", "north"]
