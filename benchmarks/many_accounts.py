"""Benchmark: many accounts side by side — ``cjrec apply --accounts …`` against the slowest single account.

``python -m benchmarks.many_accounts [--accounts 20] [--products 50] [--qps 2]`` makes a
many-account repository (accounts/<name>/manifests, one sops-encrypted Credentials each), one
in-process sandbox account per account at ``qps`` requests/s (CJ's limit is per account),
and one loopback address in front of them (tests/support/account_router.py, as CJ serves every
account at one URL). It first applies one more account alone (its wall time is "a single
account"), then applies the ``--accounts`` others at once with ``--parallel`` equal to their
number, measured from outside (wall time, peak RSS). Each account's utilisation of its own rate
is the gap-wise rate of the adds its sandbox accepted ÷ qps (benchmarks/calllog.py); for the
slowest account also its 429s, its largest gap between adds and the time its gaps lost beyond
the pacer's own interval. Part of ``make bench`` (``--only accounts``); run alone it prints its
Markdown section.

CJ also limits calls per IP (10/s): 20 accounts at 2/s from one runner is 40/s, which CJ would
throttle; the sandboxes (one per account) do not model a shared IP, so these figures are the
engine's side, and a real run of so many accounts wants several runners (the matrix CI does that).
"""

from __future__ import annotations

import argparse
import itertools
import resource
import statistics
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import workspace
from benchmarks.calllog import summarise
from benchmarks.machine import load_average
from benchmarks.process import Measurement, run_measured
from benchmarks.sandbox import Call
from benchmarks.workspace import BIN, SOPS, AgeKey
from reconciler.adapters.rate_limiter import DEFAULT_MARGIN
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


@dataclass(frozen=True)
class AccountPace:
    """How one account of the many used its own rate: from its sandbox's log of accepted adds."""

    name: str
    utilisation: float  # gap-wise adds per second ÷ qps
    rate_limited: int  # adds answered 429
    rate_limited_other: int  # other calls answered 429 (the plan's reads, the account check)
    largest_gap_s: float
    lost_s: float  # time beyond the pacer's own interval, summed over the gaps between adds


@dataclass(frozen=True)
class ManyAccounts:
    """What one run of the benchmark measured."""

    accounts: int
    products: int
    qps: float
    alone: Measurement
    together: Measurement
    paces: tuple[AccountPace, ...]
    load: str
    stand_in_cpu_s: float  # CPU of this process (the sandboxes and the router) during the many-account run

    @property
    def ratio(self) -> float:
        return self.together.wall_s / self.alone.wall_s

    @property
    def slowest(self) -> AccountPace:
        return min(self.paces, key=lambda pace: pace.utilisation)

    @property
    def median(self) -> float:
        return statistics.median(pace.utilisation for pace in self.paces)


def pace_of(name: str, calls: Sequence[Call], qps: float) -> AccountPace:
    """An account's utilisation of ``qps`` and where its time went, from the adds its sandbox logged."""
    adds = [c for c in calls if c.path == "/product/addToMyProduct"]
    accepted = sorted(c.t for c in adds if c.http_status != 429)
    gaps = [b - a for a, b in itertools.pairwise(accepted)]
    interval = (1.0 + DEFAULT_MARGIN) / qps  # the pacer's own spacing (rate_limiter.py)
    return AccountPace(
        name=name,
        utilisation=summarise(adds).rate / qps,
        rate_limited=len(adds) - len(accepted),
        rate_limited_other=sum(1 for c in calls if c.http_status == 429 and c.path != "/product/addToMyProduct"),
        largest_gap_s=max(gaps, default=0.0),
        lost_s=sum(max(0.0, gap - interval) for gap in gaps),
    )


def run(root: Path, *, accounts: int, products: int, qps: float) -> ManyAccounts:
    """Apply one account alone, then ``accounts`` more at once, each on its own sandbox account."""
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
            env = workspace.CJREC.environ(
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
                [*workspace.CJREC.argv, "apply", "--accounts", names[0], "--auto-approve"],
                cwd=root,
                env=env,
                timeout_s=1800,
            )
            if alone.exit_code != 0:
                raise SystemExit(f"the single account failed:\n{alone.stdout}\n{alone.stderr}")
            cpu_before = _own_cpu()
            together = run_measured(
                [
                    *workspace.CJREC.argv,
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
            stand_in_cpu = _own_cpu() - cpu_before
            if together.exit_code != 0:
                raise SystemExit(f"apply of the accounts failed:\n{together.stdout[-3000:]}\n{together.stderr[-3000:]}")
        paces = tuple(pace_of(name, _calls(sandboxes[name]), qps) for name in names[1:])
    finally:
        for sandbox in sandboxes.values():
            sandbox.stop()
    return ManyAccounts(accounts, products, qps, alone, together, paces, load_average(), stand_in_cpu)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def section(result: ManyAccounts, *, title: str = "## 11. Many accounts in parallel") -> str:
    """The Markdown section for BENCHMARKS.md."""
    alone, together, slowest = result.alone, result.together, result.slowest
    n, ratio = result.accounts, result.ratio
    return "\n".join(
        [
            title,
            "",
            f"{n} accounts × {result.products} new products, each on its own sandbox account at {result.qps:g}"
            f" requests/s (CJ's limit is per account), applied by one `cjrec apply --accounts … --parallel {n}`,"
            " against one more account applied alone. The sandboxes and the loopback router in front of them"
            " (CJ serves every account at one address) run in the benchmark's process, cjrec in a child."
            " Utilisation is each account's adds accepted by its own sandbox, gap-wise, ÷ its qps; the pacer"
            f" aims at qps ÷ {1 + DEFAULT_MARGIN:g} (its safety margin), so {1 / (1 + DEFAULT_MARGIN):.3f} is the most"
            " it can score. Load average at the end of the run: " + result.load + ".",
            "",
            "| figure | measured | goal | verdict |",
            "|---|---|---|---|",
            f"| single account alone, wall | {alone.wall_s:.1f} s | — | — |",
            f"| {n} accounts at once, wall | {together.wall_s:.1f} s | ≤ 1.2 × single | "
            f"{ratio:.2f}× {_verdict(ratio <= 1.2)} |",
            f"| each account's adds ÷ its qps | lowest {slowest.utilisation:.3f}, median {result.median:.3f} | ≥ 0.9 |"
            f" {_verdict(slowest.utilisation >= 0.9)} |",
            f"| slowest account ({slowest.name}): 429s, largest gap, time lost beyond the pacer's interval |"
            f" {slowest.rate_limited}, {slowest.largest_gap_s:.2f} s, {slowest.lost_s:.1f} s | — | — |",
            f"| 429s over all {n} accounts: to adds, to other calls (accounts with one) |"
            f" {sum(p.rate_limited for p in result.paces)}, {sum(p.rate_limited_other for p in result.paces)}"
            f" ({sum(1 for p in result.paces if p.rate_limited or p.rate_limited_other)}) | — | — |",
            f"| CPU ÷ wall: cjrec's {n}-account process; the stand-ins (sandboxes and router) | "
            f"{(together.user_s + together.system_s) / together.wall_s:.2f};"
            f" {result.stand_in_cpu_s / together.wall_s:.2f} of one core | — | — |",
            f"| peak RSS of the {n}-account run | {together.max_rss_mb:.0f} MB"
            f" (single: {alone.max_rss_mb:.0f} MB) | — | — |",
            "",
            "CJ also limits calls per IP (10/s); the sandboxes here are one per account and do not model a"
            " shared IP, so many accounts from one runner may be throttled by CJ where they were not here"
            " (the matrix CI `cjrec init --accounts` writes runs each account on its own runner).",
        ]
    )


def summary_rows(result: ManyAccounts) -> list[tuple[str, str, str]]:
    """The two rows of BENCHMARKS.md's summary: wall against one account, and the slowest account's rate."""
    n = result.accounts
    return [
        (
            f"{n} accounts at once: wall ≤ 1.2 × one account alone",
            f"{result.ratio:.2f}× ({result.together.wall_s:.1f} s vs {result.alone.wall_s:.1f} s)",
            _verdict(result.ratio <= 1.2),
        ),
        (
            f"{n} accounts at once: each ≥ 0.9 × its own rate",
            f"lowest {result.slowest.utilisation:.3f}, median {result.median:.3f}",
            _verdict(result.slowest.utilisation >= 0.9),
        ),
    ]


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.many_accounts", description=__doc__.splitlines()[0])
    p.add_argument("--accounts", type=int, default=20)
    p.add_argument("--products", type=int, default=50)
    p.add_argument("--qps", type=float, default=2.0)
    p.add_argument("--source", type=Path, help="run cjrec from this checkout (python -m reconciler) instead")
    args = p.parse_args(argv)
    if args.source is not None:
        workspace.use_command(workspace.Command.from_source(args.source))
    with tempfile.TemporaryDirectory(prefix="cjrec-bench-accounts-") as tmp:
        print(section(run(Path(tmp), accounts=args.accounts, products=args.products, qps=args.qps)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
