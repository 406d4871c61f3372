"""A many-account repository: two sandbox accounts behind one CJ address (tests/support/account_router.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from reconciler.sandbox import Sandbox, SandboxConfig
from tests.support.account_router import AccountRouter
from tests.support.cj_workspace import QPS
from tests.support.workspace import Result, Workspace

KEYS = {"north": "CJ2000001@api@" + "1f" * 16, "south": "CJ2000002@api@" + "2e" * 16}
EMAILS = {"north": "north@example.com", "south": "south@example.com"}


@dataclass
class Accounts:
    """The repository, each account's sandbox, and the router cjrec is pointed at."""

    ws: Workspace
    sandboxes: dict[str, Sandbox]
    router: AccountRouter

    def run(self, *args: str) -> Result:
        return self.ws.cli(*args, env={"CJREC_API_URL": self.router.base_url})

    def account(self, name: str, *, api_key: str | None = None, qps: float = QPS) -> None:
        self.ws.credentials(
            email=EMAILS[name],
            token=api_key or KEYS[name],
            relpath=f"accounts/{name}/manifests/credentials.sops.yaml",
        )
        self.ws.write(
            f"accounts/{name}/manifests/settings.yaml",
            f"apiVersion: cjrec/v1\nkind: Settings\nspec: {{qps: {qps}, pointsBudget: 20000}}\n",
        )

    def products(self, relpath: str, pids: list[str], *, name: str = "shared") -> None:
        from reconciler.models.product_url import product_url

        items = "\n".join(f"    - productUrl: {product_url(pid, 'item')}" for pid in pids)
        self.ws.write(
            relpath, f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: {name}}}\nspec:\n  items:\n{items}\n"
        )

    def added(self, name: str) -> list[str]:
        return [
            str(call.get("path"))
            for call in self.sandboxes[name].calls()
            if str(call.get("path", "")).endswith("/product/addToMyProduct")
        ]


@pytest.fixture
def two_accounts(workspace: Workspace) -> Iterator[Accounts]:
    configs = {
        name: SandboxConfig(qps=QPS, products=200, seed=5, api_key=KEYS[name], email=EMAILS[name]) for name in KEYS
    }
    with Sandbox(configs["north"]) as north, Sandbox(configs["south"]) as south:
        sandboxes = {"north": north, "south": south}
        with AccountRouter([north, south]) as router:
            accounts = Accounts(workspace, sandboxes, router)
            accounts.account("north")
            accounts.account("south")
            yield accounts
