"""Benchmark 5: the request rate with no Settings file (``qps: auto``) next to an explicit ``qps``.

An account on CJ's Prime tier (4 requests/s) whose repository has no Settings file: cjrec
must read the limit from ``setting/get`` and run at it, not at the 1/s of the lowest tier.
For each variant — no Settings, and ``qps: 4`` written out — and each of ``repeats`` runs, a
fresh ``cjrec sandbox --qps 4`` and a workspace listing N new products (N sized as in
benchmark 1), then ``cjrec plan --out plan.json`` and ``cjrec apply plan.json``, timed from
outside; the rates come from the sandbox's call log, as in benchmark 1. One 429 halves the
pace for a while (as it should), so on a loaded machine single runs scatter: the report gives
the median of the runs and their range.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from benchmarks.calllog import Slice, kind_of, summarise
from benchmarks.process import Measurement
from benchmarks.sandbox import SandboxProcess
from benchmarks.throughput import products_for
from benchmarks.workspace import AgeKey, Workspace

ACCOUNT_QPS = 4.0
LATENCY_MS = 20.0
VARIANTS: tuple[float | None, ...] = (None, ACCOUNT_QPS)  # None: no Settings file at all
REPEATS = 3


@dataclass(frozen=True)
class RateRow:
    """One variant: what the Settings said, and the rates reached on a 4/s account."""

    settings_qps: float | None
    repeat: int
    account_qps: float
    products: int
    plan: Measurement
    plan_reads: Slice  # the plan's calls after authentication and the account check
    apply: Measurement
    adds: Slice

    @property
    def label(self) -> str:
        return "no Settings (`qps: auto`)" if self.settings_qps is None else f"`qps: {self.settings_qps:g}` in Settings"

    @property
    def apply_ratio(self) -> float:
        """Adds per second ÷ the account's limit."""
        return self.adds.rate / self.account_qps

    @property
    def plan_reads_ratio(self) -> float:
        return self.plan_reads.rate / self.account_qps

    @property
    def rate_limited(self) -> int:
        return self.adds.rate_limited + self.plan_reads.rate_limited


def run(
    root: Path,
    key: AgeKey,
    *,
    seconds: float,
    variants: tuple[float | None, ...] = VARIANTS,
    repeats: int = REPEATS,
) -> list[RateRow]:
    """Measure each variant ``repeats`` times (interleaved), each in a fresh sandbox and workspace below ``root``."""
    n = products_for(ACCOUNT_QPS, seconds)
    rows = []
    for repeat, settings_qps in itertools.product(range(repeats), variants):
        with SandboxProcess(qps=ACCOUNT_QPS, latency_ms=LATENCY_MS, products=int(n / 0.85) + 50, seed=9) as sandbox:
            name = ("auto" if settings_qps is None else f"qps{settings_qps:g}") + f"-{repeat}"
            ws = Workspace.create(root / f"rate-{name}", key=key, api_url=sandbox.base_url, qps=settings_qps or 1.0)
            if settings_qps is None:
                (ws.root / "manifests" / "settings.yaml").unlink()
            ws.products(sandbox.on_sale()[:n])
            plan = ws.cjrec("plan", "--out", "plan.json")
            after_plan = sandbox.calls()
            apply = ws.cjrec("apply", "plan.json", "--auto-approve")
            after_apply = sandbox.calls()
        rows.append(
            RateRow(
                settings_qps=settings_qps,
                repeat=repeat,
                account_qps=ACCOUNT_QPS,
                products=n,
                plan=plan,
                plan_reads=summarise([c for c in after_plan if kind_of(c) not in ("auth", "account")]),
                apply=apply,
                adds=summarise(after_apply[len(after_plan) :]),
            )
        )
    return rows
