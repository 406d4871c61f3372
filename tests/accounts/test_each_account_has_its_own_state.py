"""Each account's state: accounts/<name>/state, <prefix>/<name>/ in a bucket, <dir>/<name> under --state-dir."""

from __future__ import annotations

from pathlib import Path

from reconciler.cli.accounts import Account, Layout
from reconciler.cli.context import AppContext
from reconciler.cli.many_accounts import account_context, worst
from reconciler.cli.run_options import RunOptions
from reconciler.cli.wiring import state_location
from reconciler.models.state_location import LocalLocation, S3Location
from tests.support.workspace import Workspace


def _options(*, state: str = "./state", explicit: bool = False) -> RunOptions:
    return RunOptions(
        manifests=Path("manifests"),
        state_location=state,
        state_explicit=explicit,
        api_url="http://127.0.0.1:1",
        sops_binary=None,
        debug=False,
        color=False,
    )


def _layout() -> tuple[Layout, Account]:
    account = Account("eu", Path("accounts/eu"))
    return Layout((account,), Path("common")), account


def test_by_default_the_state_is_in_the_accounts_folder(workspace: Workspace) -> None:
    workspace.monkeypatch.chdir(workspace.root)
    workspace.write("accounts/eu/manifests/settings.yaml", "apiVersion: cjrec/v1\nkind: Settings\nspec: {}\n")
    layout, account = _layout()
    context = account_context(AppContext(_options()), account, layout)
    assert state_location(context.options, None) == LocalLocation(Path("accounts/eu/state"))
    assert context.options.common == Path("common")


def test_a_bucket_in_the_settings_gets_a_prefix_per_account(workspace: Workspace) -> None:
    workspace.monkeypatch.chdir(workspace.root)
    workspace.write(
        "accounts/eu/manifests/settings.yaml",
        "apiVersion: cjrec/v1\nkind: Settings\nspec: {state: 's3://shop-state/stores'}\n",
    )
    layout, account = _layout()
    context = account_context(AppContext(_options()), account, layout)
    assert state_location(context.options, None) == S3Location("shop-state", "stores/eu/")


def test_an_explicit_state_dir_gets_a_folder_or_prefix_per_account() -> None:
    layout, account = _layout()
    local = account_context(AppContext(_options(state="/tmp/states", explicit=True)), account, layout)
    assert state_location(local.options, None) == LocalLocation(Path("/tmp/states/eu"))
    bucket = account_context(AppContext(_options(state="s3://bkt/all/", explicit=True)), account, layout)
    assert state_location(bucket.options, None) == S3Location("bkt", "all/eu/")


def test_the_exit_code_of_many_accounts_is_the_worst() -> None:
    assert worst([0, 0]) == 0
    assert worst([0, 2, 0]) == 2
    assert worst([2, 1, 0]) == 1
    assert worst([1, 130]) == 130
    assert worst([]) == 0
