"""A throw-away cjrec configuration repository for one benchmark, and running cjrec in it.

Like the end-to-end tests' workspace (tests/support/cj_workspace.py), but standalone: a fresh age
key made in-process with pyrage, a ``.sops.yaml`` whose rules encrypt the Credentials and
the token cache to it, Credentials encrypted by the real sops binary, and manifests of any
size. The state file can be generated directly (``write_state``) so that offline benchmarks
start from 50,000 managed products without 50,000 API calls. The private key lives only in
the environment of the children.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyrage import x25519

from benchmarks.process import Measurement, check, run_measured
from reconciler.adapters.state_store import STATE_NAME, render_state
from reconciler.kinds.product.record import ProductRecord, ProductSnapshot, VariantSnapshot
from reconciler.models.product_url import product_url
from reconciler.models.state import SyncState
from reconciler.sandbox import DEMO_API_KEY, DEMO_EMAIL

BIN = Path(sys.executable).parent
SOPS = str(BIN / "sops")


@dataclass(frozen=True)
class Command:
    """How the benchmarks start cjrec: the installed console script, or another source tree's code."""

    argv: tuple[str, ...] = (str(BIN / "cjrec"),)
    pythonpath: str | None = None

    @classmethod
    def from_source(cls, root: Path) -> Command:
        """``python -m reconciler`` from the checkout at ``root`` (e.g. a git worktree of an older commit)."""
        return cls((sys.executable, "-m", "reconciler"), str(root.resolve()))

    def environ(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath
        return env


CJREC = Command()


def use_command(command: Command) -> None:
    """Run every later benchmark with ``command`` (``python -m benchmarks --source DIR``)."""
    global CJREC  # noqa: PLW0603 - one switch for the whole harness
    CJREC = command


SOPS_RULES = """\
creation_rules:
  - path_regex: manifests/.*\\.sops\\.ya?ml$
    encrypted_regex: ^(email|apiToken|accessToken|refreshToken)$
    age: {public}
  - path_regex: state/.*
    age: {public}
"""


@dataclass(frozen=True)
class AgeKey:
    """A throw-away age key pair."""

    private: str
    public: str

    @classmethod
    def generate(cls) -> AgeKey:
        identity = x25519.Identity.generate()
        return cls(private=str(identity), public=str(identity.to_public()))


@dataclass
class Workspace:
    """A configuration repository in ``root``, talking to the CJ API at ``api_url`` (if any)."""

    root: Path
    key: AgeKey
    api_url: str | None = None
    history: list[Measurement] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)  # more environment for every cjrec run (S3 state)

    @classmethod
    def create(
        cls,
        root: Path,
        *,
        key: AgeKey,
        api_url: str | None = None,
        email: str = DEMO_EMAIL,
        api_key: str = DEMO_API_KEY,
        qps: float = 1.0,
        points_budget: int = 50_000,
    ) -> Workspace:
        """Make the folder, the sops rules, encrypted Credentials and Settings."""
        root.mkdir(parents=True, exist_ok=True)
        (root / ".sops.yaml").write_text(SOPS_RULES.format(public=key.public))
        ws = cls(root=root, key=key, api_url=api_url)
        ws.write(
            "manifests/credentials.sops.yaml",
            "apiVersion: cjrec/v1\nkind: Credentials\nmetadata: {name: main}\n"
            f"spec:\n  email: {email}\n  apiToken: {api_key}\n",
        )
        subprocess.run(
            [SOPS, "--encrypt", "--in-place", "manifests/credentials.sops.yaml"],
            cwd=root,
            env=ws.env(),
            check=True,
            capture_output=True,
        )
        ws.settings(qps=qps, points_budget=points_budget)
        return ws

    def write(self, relpath: str, text: str) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def settings(self, *, qps: float, points_budget: int = 50_000) -> None:
        self.write(
            "manifests/settings.yaml",
            f"apiVersion: cjrec/v1\nkind: Settings\nspec: {{qps: {float(qps)}, pointsBudget: {points_budget}}}\n",
        )

    def products(self, pids: Sequence[str], *, name: str = "storefront") -> Path:
        """One Products document listing ``pids`` by their current-form URLs."""
        lines = [f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: {name}}}\nspec:\n  items:"]
        if not pids:
            lines[0] += " []"
        lines.extend(f"    - productUrl: {product_url(pid, f'item {i}')}" for i, pid in enumerate(pids))
        return self.write("manifests/products.yaml", "\n".join(lines) + "\n")

    def write_state(self, records: Iterable[ProductRecord]) -> Path:
        """Write ``state/sync.json`` directly: a state as if cjrec had recorded these products."""
        state = SyncState(lineage=str(uuid.uuid4()), serial=1, products={r.pid: r for r in records})
        path = self.root / "state" / STATE_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_state(state))
        return path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOPS_AGE_", "CJREC_"))}
        env.update(
            SOPS_AGE_KEY=self.key.private,
            SOPS_DISABLE_VERSION_CHECK="1",
            HOME=str(self.root / ".home"),
            NO_COLOR="1",
            CJREC_SOPS=SOPS,
            PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
        )
        if self.api_url:
            env["CJREC_API_URL"] = self.api_url
        env.update(self.extra)
        return CJREC.environ(env)

    def cjrec(
        self,
        *args: str,
        expected: Sequence[int] = (0,),
        timeout_s: float = 600.0,
        extra_env: dict[str, str] | None = None,
    ) -> Measurement:
        """Run ``cjrec ARGS`` in the workspace, measured; raise if it exits otherwise than expected."""
        env = {**self.env(), **(extra_env or {})}
        result = run_measured([*CJREC.argv, *args], cwd=self.root, env=env, timeout_s=timeout_s)
        self.history.append(result)
        return check(result, expected=expected)


def numeric_pids(count: int, *, seed: int = 7) -> list[str]:
    """``count`` distinct valid CJ pids of the newer form: 19-digit numbers, as strings."""
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < count:
        seen.add(str(rng.randrange(10**18, 10**19)))
    return sorted(seen)


def recorded_product(pid: str, index: int) -> ProductRecord:
    """A plausible state record: a product cjrec added, with a two-variant snapshot."""
    price = f"{3 + index % 40}.{index % 100:02d}"
    snapshot = ProductSnapshot(
        name=f"Item {index}",
        sku=f"CJSKU{index:08d}",
        sell_price=price,
        status="3",
        customization_version=0,
        variants={f"{pid}-{v}": VariantSnapshot(sku=f"CJSKU{index:08d}-{v}", price=price) for v in ("A", "B")},
    )
    return ProductRecord(pid=pid, url=product_url(pid, f"item {index}"), origin="added", snapshot=snapshot)
