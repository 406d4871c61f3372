"""Benchmark: many accounts side by side — ``cjrec apply --accounts …`` against the slowest single account.

``python -m benchmarks.many_accounts [--accounts 20] [--products 50] [--qps 2]`` makes a
many-account repository (accounts/<name>/manifests, one sops-encrypted Credentials each), one
in-process sandbox account per account at ``qps`` requests/s (CJ's limit is per account),
and one loopback address in front of them (tests/support/account_router.py, as CJ serves every
account at one URL). It first applies one more account alone (its wall time is "a single
account"), then applies the ``--accounts`` others at once with ``--parallel`` equal to their
number, measured from outside (wall time, peak RSS). Each account's utilisation of its own rate
is the gap-wise rate of the adds its sandbox accepted ÷ qps (benchmarks/calllog.py). Prints a
Markdown section for BENCHMARKS.md.

CJ also limits calls per IP (10/s): 20 accounts at 2/s from one runner is 40/s, which CJ would
throttle; the sandboxes (one per account) do not model a shared IP, so these figures are the
engine's side, and a real run of so many accounts wants several runners (the matrix CI does that).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks.calllog import summarise
from benchmarks.process import run_measured
from benchmarks.sandbox import Call
from benchmarks.workspace import BIN, CJREC, SOPS, AgeKey
from reconciler.models.product_url import product_url
from reconciler.sandbox import Sandbox, SandboxConfig
from tests.support.account_router import AccountRouter

SOPS_RULES = """\
creation_rules:
  - path_regex: accounts/.*/manifests/.*\\.sops\\.ya?ml$
    encrypted_regex: ^(email|apiToken)$
    age: {public}
  - path_regex: accounts/.*/state/.*
    age: {public}
"""


def _calls(sandbox: Sandbox) -> list[Call]:
    prefix = "/api2.0/v1"
    return [
        Call(
            t=float(str(c["t"])),
            method=str(c["method"]),
            path=str(c["path"])[len(prefix) :],
            http_status=int(str(c["http_status"])),
            code=None,
        )
        for c in sandbox.calls()
    ]


def _account(root: Path, name: str, *, key: AgeKey, api_key: str, email: str, qps: float, pids: Sequence[str]) -> None:
    manifests = root / "accounts" / name / "manifests"
    manifests.mkdir(parents=True)
    (manifests / "credentials.sops.yaml").write_text(
        f"apiVersion: cjrec/v1\nkind: Credentials\nmetadata: {{name: main}}\nspec:\n  email: {email}\n  apiToken: {api_key}\n"
    )
    subprocess.run(
        [SOPS, "--encrypt", "--in-place", str(manifests / "credentials.sops.yaml")],
        cwd=root,
        env={"SOPS_AGE_KEY": key.private, "SOPS_DISABLE_VERSION_CHECK": "1", "PATH": str(BIN)},
        check=True,
        capture_output=True,
    )
    (manifests / "settings.yaml").write_text(
        f"apiVersion: cjrec/v1\nkind: Settings\nspec: {{qps: {qps}, pointsBudget: 50000}}\n"
    )
    items = "\n".join(f"    - productUrl: {product_url(pid, f'item {i}')}" for i, pid in enumerate(pids))
    (manifests / "products.yaml").write_text(
        f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: {name}}}\nspec:\n  items:\n{items}\n"
    )


def run(root: Path, *, accounts: int, products: int, qps: float) -> str:
    key = AgeKey.generate()
    root.mkdir(parents=True, exist_ok=True)
    (root / ".sops.yaml").write_text(SOPS_RULES.format(public=key.public))
    names = [f"store{i:02d}" for i in range(accounts + 1)]  # store00 runs alone first
    sandboxes: dict[str, Sandbox] = {}
    try:
        for i, name in enumerate(names):
            api_key = f"CJ{3_000_000 + i}@api@" + f"{i:02x}" * 16
            email = f"{name}@example.com"
            sandbox = Sandbox(
                SandboxConfig(qps=qps, products=max(200, products * 2), seed=i + 1, api_key=api_key, email=email)
            )
            sandbox.start()
            sandboxes[name] = sandbox
            pids = sandbox.catalog_pids("on_sale")[3 : 3 + products]
            _account(root, name, key=key, api_key=api_key, email=email, qps=qps, pids=pids)
        with AccountRouter(list(sandboxes.values())) as router:
            env = CJREC.environ(
                {
                    "SOPS_AGE_KEY": key.private,
                    "SOPS_DISABLE_VERSION_CHECK": "1",
                    "HOME": str(root / ".home"),
                    "NO_COLOR": "1",
                    "CJREC_SOPS": SOPS,
                    "CJREC_API_URL": router.base_url,
                    "PATH": str(BIN) + ":/usr/bin:/bin",
                }
            )
            alone = run_measured(
                [*CJREC.argv, "apply", "--accounts", names[0], "--auto-approve"], cwd=root, env=env, timeout_s=1800
            )
            if alone.exit_code != 0:
                raise SystemExit(f"the single account failed:\n{alone.stdout}\n{alone.stderr}")
            together = run_measured(
                [
                    *CJREC.argv,
                    "apply",
                    "--accounts",
                    ",".join(names[1:]),
                    "--auto-approve",
                    "--parallel",
                    str(accounts),
                ],
                cwd=root,
                env=env,
                timeout_s=3600,
            )
            if together.exit_code != 0:
                raise SystemExit(f"apply of the accounts failed:\n{together.stdout[-3000:]}\n{together.stderr[-3000:]}")
        ratios = []
        for name in names[1:]:
            adds = [c for c in _calls(sandboxes[name]) if c.path == "/product/addToMyProduct"]
            ratios.append(summarise(adds).rate / qps)
    finally:
        for sandbox in sandboxes.values():
            sandbox.stop()
    ratio = together.wall_s / alone.wall_s
    return "\n".join(
        [
            "## Many accounts in parallel",
            "",
            f"{accounts} accounts × {products} new products, each on its own sandbox account at {qps:g} requests/s,"
            f" applied by one `cjrec apply --accounts … --parallel {accounts}`, against one more account applied alone"
            " (`python -m benchmarks.many_accounts`).",
            "",
            "| figure | measured | goal | verdict |",
            "|---|---|---|---|",
            f"| single account alone, wall | {alone.wall_s:.1f} s | — | — |",
            f"| {accounts} accounts at once, wall | {together.wall_s:.1f} s | ≤ 1.2 × single | "
            f"{ratio:.2f}× **{'met' if ratio <= 1.2 else 'not met'}** |",
            f"| each account's adds ÷ its qps | lowest {min(ratios):.3f}, median {statistics.median(ratios):.3f} | ≥ 0.9 |"
            f" **{'met' if min(ratios) >= 0.9 else 'not met'}** |",
            f"| peak RSS of the {accounts}-account run | {together.max_rss_mb:.0f} MB"
            f" (single: {alone.max_rss_mb:.0f} MB) | — | — |",
            "",
            "CJ also limits calls per IP (10/s); the sandboxes here are one per account and do not model a"
            " shared IP, so many accounts from one runner may be throttled by CJ where they were not here.",
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.many_accounts", description=__doc__.splitlines()[0])
    p.add_argument("--accounts", type=int, default=20)
    p.add_argument("--products", type=int, default=50)
    p.add_argument("--qps", type=float, default=2.0)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cjrec-bench-accounts-") as tmp:
        print(run(Path(tmp), accounts=args.accounts, products=args.products, qps=args.qps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
