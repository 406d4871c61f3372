"""Benchmark 1: apply throughput against the account's rate limit, and against the reference client.

For each (qps, sandbox latency) row: a fresh ``cjrec sandbox`` with that limit and latency,
a workspace listing N new products (N sized so the whole first apply — about 2N + 3 calls —
takes about ``seconds`` at the limit), then ``cjrec plan --out plan.json`` (authentication,
the account check, My Products, N detail queries) and ``cjrec apply plan.json`` (N adds),
each timed from outside. The phases' calls are read from the sandbox's log, so the apply
figure is the adds alone. Then, on the same sandbox, the reference client (:mod:`.reference`)
queries and adds a few other products one call at a time with its 1.2 s sleep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import reference
from benchmarks.calllog import Slice, kind_of, summarise
from benchmarks.process import Measurement
from benchmarks.sandbox import SandboxProcess
from benchmarks.workspace import AgeKey, Workspace
from reconciler.sandbox import DEMO_API_KEY

ROWS: tuple[tuple[float, float], ...] = tuple((q, lat) for lat in (20.0, 300.0) for q in (1.0, 2.0, 4.0, 6.0))
AUTH_GUARD_S = 301.0  # CJ allows getAccessToken once per 300 s; the reference client needs its own


@dataclass(frozen=True)
class Phase:
    """One cjrec command of the row: its process and its calls."""

    process: Measurement
    calls: Slice


@dataclass(frozen=True)
class Row:
    """One (qps, latency) row."""

    qps: float
    latency_ms: float
    products: int
    plan: Phase
    plan_reads: Slice  # the plan's calls after authentication: My Products and the detail queries
    apply: Phase
    reference: Slice
    reference_failures: int
    apply_failures: int  # changes cjrec reported as failed (429s must never surface here)

    @property
    def apply_ratio(self) -> float:
        """Achieved adds per second ÷ qps."""
        return self.apply.calls.rate / self.qps

    @property
    def plan_ratio(self) -> float:
        return self.plan.calls.rate / self.qps

    @property
    def plan_reads_ratio(self) -> float:
        """The plan phase without getAccessToken and the account check: what every later plan does."""
        return self.plan_reads.rate / self.qps

    @property
    def rate_limited_share(self) -> float:
        total = self.plan.calls.calls + self.apply.calls.calls
        limited = self.plan.calls.rate_limited + self.apply.calls.rate_limited
        return limited / (total + limited) if total + limited else 0.0

    @property
    def versus_reference(self) -> float:
        return self.apply.calls.rate / self.reference.rate if self.reference.rate else 0.0

    @property
    def cjrec_total_s(self) -> float:
        """Wall time of the whole first apply: both processes, start to exit."""
        return self.plan.process.wall_s + self.apply.process.wall_s

    @property
    def reference_total_s(self) -> float:
        """What the reference client would take for the same calls, at its measured rate."""
        calls = self.plan.calls.calls + self.apply.calls.calls
        return calls / self.reference.rate if self.reference.rate else 0.0


def products_for(qps: float, seconds: float) -> int:
    """N such that a first apply (about 2N + 3 calls) takes about ``seconds`` at ``qps``."""
    return max(1, round((seconds * qps - 3) / 2))


def run_row(
    root: Path,
    key: AgeKey,
    *,
    qps: float,
    latency_ms: float,
    seconds: float,
    reference_products: int,
    reference_pause_s: float = reference.PAUSE_S,
    extra_env: dict[str, str] | None = None,
) -> Row:
    """Measure one row in a fresh sandbox and workspace below ``root`` (``extra_env``: e.g. S3 state)."""
    n = products_for(qps, seconds)
    catalog = int((n + reference_products) / 0.85) + 50  # about 8 % of the catalog is not on sale
    with SandboxProcess(qps=qps, latency_ms=latency_ms, products=catalog, seed=7) as sandbox:
        pids = sandbox.on_sale()
        ours, theirs = pids[:n], pids[n : n + reference_products]
        ws = Workspace.create(root / f"q{qps:g}-l{latency_ms:g}", key=key, api_url=sandbox.base_url, qps=qps)
        ws.extra.update(extra_env or {})
        ws.products(ours)
        plan = ws.cjrec("plan", "--out", "plan.json")
        after_plan = sandbox.calls()
        apply = ws.cjrec("apply", "plan.json", "--auto-approve")
        after_apply = sandbox.calls()
        failed = _failed(apply)
        sandbox.advance_clock(AUTH_GUARD_S)
        ref = reference.add_products(sandbox.base_url, DEMO_API_KEY, theirs, pause_s=reference_pause_s)
        after_ref = sandbox.calls()
    return Row(
        qps=qps,
        latency_ms=latency_ms,
        products=n,
        plan=Phase(plan, summarise(after_plan)),
        plan_reads=summarise([c for c in after_plan if kind_of(c) not in ("auth", "account")]),
        apply=Phase(apply, summarise(after_apply[len(after_plan) :])),
        reference=summarise([c for c in after_ref[len(after_apply) :] if not c.is_auth]),
        reference_failures=ref.failures,
        apply_failures=failed,
    )


def _failed(apply: Measurement) -> int:
    """The ``N failed`` count of cjrec's apply summary line."""
    for line in apply.output.splitlines():
        if "Apply complete" in line or "Apply incomplete" in line:
            words = line.replace(",", "").split()
            if "failed" in words:
                return int(words[words.index("failed") - 1])
    return -1  # no summary: treat as failure in the report


def run(
    root: Path,
    *,
    rows: Sequence[tuple[float, float]] = ROWS,
    seconds: float = 30.0,
    reference_products: int = 5,
    reference_pause_s: float = reference.PAUSE_S,
    key: AgeKey | None = None,
) -> list[Row]:
    """Every row, in order."""
    key = key or AgeKey.generate()
    return [
        run_row(
            root,
            key,
            qps=qps,
            latency_ms=latency,
            seconds=seconds,
            reference_products=reference_products,
            reference_pause_s=reference_pause_s,
        )
        for qps, latency in rows
    ]
