"""A workspace whose Credentials open a sandbox's demo account (:class:`CjWorkspace`), and sandbox pids.

Made by the ``cjw`` fixture of tests/e2e/conftest.py (on the ``cj`` sandbox) and by the
reliability suites (one sandbox per scenario). ``QPS`` is the rate those sandboxes allow
and the workspaces' Settings ask for; :func:`on_sale` picks pids a test can add.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.models.product_url import product_url
from reconciler.sandbox import Sandbox
from tests.support.workspace import Workspace

QPS = 10  # CJ's per-IP ceiling; the client paces itself to just under it


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
        from tests.support.state_files import state_document

        return state_document(self.root / "state")

    def mutating_calls(self) -> list[dict[str, object]]:
        return [c for c in self.sandbox.calls() if str(c.get("path", "")).endswith("/product/addToMyProduct")]

    def auth_calls(self) -> list[dict[str, object]]:
        return [c for c in self.sandbox.calls() if "/authentication/" in str(c.get("path", ""))]


def on_sale(sandbox: Sandbox, count: int, *, start: int = 3) -> list[str]:
    """``count`` on-sale pids of the catalog (skipping the three fixed demo products)."""
    return sandbox.catalog_pids("on_sale")[start : start + count]
