"""End-to-end fixtures: a real `cjrec sandbox` on a free loopback port and a workspace pointed at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.models.product_url import product_url
from reconciler.sandbox import DEMO_API_KEY, DEMO_EMAIL, Sandbox, SandboxConfig
from tests.conftest import Workspace

QPS = 10  # CJ's per-IP ceiling; the client paces itself to just under it


@pytest.fixture
def cj() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(qps=QPS, products=300, seed=11)) as sandbox:
        yield sandbox


class CjWorkspace(Workspace):
    """A workspace whose Credentials open the sandbox's demo account."""

    sandbox: Sandbox

    def products(self, pids: list[str], *, name: str = "storefront", relpath: str = "manifests/products.yaml") -> Path:
        items = "\n".join(f"    - productUrl: {product_url(pid, 'item')}" for pid in pids) or "    []"
        if not pids:
            return self.write(
                relpath, f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: {name}}}\nspec:\n  items: []\n"
            )
        return self.write(
            relpath, f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: {name}}}\nspec:\n  items:\n{items}\n"
        )

    def settings(self, *, qps: float = QPS, budget: int = 20_000) -> Path:
        return self.write(
            "manifests/settings.yaml",
            f"apiVersion: cjrec/v1\nkind: Settings\nspec: {{qps: {qps}, pointsBudget: {budget}}}\n",
        )

    def run(self, *args: str) -> object:
        return self.cli(*args, env={"CJREC_API_URL": self.sandbox.base_url})

    def state(self) -> dict[str, object]:
        return json.loads((self.root / "state" / "sync.json").read_text())

    def mutating_calls(self) -> list[dict[str, object]]:
        return [c for c in self.sandbox.calls() if str(c.get("path", "")).endswith("/product/addToMyProduct")]

    def auth_calls(self) -> list[dict[str, object]]:
        return [c for c in self.sandbox.calls() if "/authentication/" in str(c.get("path", ""))]


@pytest.fixture
def cjw(workspace: Workspace, cj: Sandbox) -> CjWorkspace:
    ws = CjWorkspace(root=workspace.root, key=workspace.key, watch=workspace.watch, monkeypatch=workspace.monkeypatch)
    ws.sandbox = cj
    ws.credentials(email=DEMO_EMAIL, token=DEMO_API_KEY)
    ws.settings()
    return ws


def on_sale(sandbox: Sandbox, count: int, *, start: int = 3) -> list[str]:
    """``count`` on-sale pids of the catalog (skipping the three fixed demo products)."""
    return sandbox.catalog_pids("on_sale")[start : start + count]
