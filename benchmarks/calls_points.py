"""Benchmark 2: API calls and points spent, against the minimum each scenario needs.

One sandbox (qps 6, the highest tier), one workspace, run in order:

- (a) the first ``cjrec apply`` of N products;
- (b) a no-op ``cjrec plan`` then ``cjrec apply`` right after;
- (c) 1,000 managed products (state written directly, the products put in My Products
  through the sandbox's back door) and one more in the manifests: ``cjrec plan --out``
  then ``cjrec apply plan.json``; and (c′) one more again with a plain ``cjrec apply``.

Calls are counted from the sandbox's log by kind, points from its ledger. The minimum of
each scenario is derived from what CJ's API offers (shared/cj-api.md): a token is needed
once (getAccessToken, then ``setting/get`` to check whose account it opens, because
``checkAccountEmail`` defaults to true) and cached after; a product's details cost one query
(10 points) and only new products need one; adding is one call; and every run that looks
at CJ must read all of My Products (200 a page) — the only way to see a product removed in
CJ's web UI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from benchmarks.calllog import summarise
from benchmarks.sandbox import SandboxProcess
from benchmarks.workspace import AgeKey, Workspace, recorded_product
from reconciler.models.cj_limits import DETAIL_POINTS, MY_PRODUCTS_PAGE_SIZE

PAGE = MY_PRODUCTS_PAGE_SIZE
KINDS = ("auth", "account", "pages", "details", "adds", "other")


@dataclass(frozen=True)
class Scenario:
    """One scenario: what cjrec spent and what it needed at least."""

    name: str
    commands: str
    calls: dict[str, int]
    points: int
    minimum: dict[str, int]
    minimum_points: int
    rate_limited: int

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def minimum_total(self) -> int:
        return sum(self.minimum.values())

    @property
    def at_minimum(self) -> bool:
        return self.calls == self.minimum and self.points == self.minimum_points


def _counts(by_kind: dict[str, int]) -> dict[str, int]:
    return {kind: by_kind.get(kind, 0) for kind in KINDS}


def _minimum(**counts: int) -> dict[str, int]:
    return {kind: counts.get(kind, 0) for kind in KINDS}


def run(
    root: Path, *, first: int = 50, managed: int = 1000, qps: float = 6.0, key: AgeKey | None = None
) -> list[Scenario]:
    """Run the scenarios in order on one sandbox; ``managed`` must exceed ``first``."""
    key = key or AgeKey.generate()
    with SandboxProcess(qps=qps, latency_ms=20, products=int((managed + 2) / 0.85) + 50, seed=3) as sandbox:
        pids = sandbox.on_sale()
        ws = Workspace.create(root / "calls-points", key=key, api_url=sandbox.base_url, qps=qps)
        scenarios: list[Scenario] = []

        def measure(
            name: str, commands: str, minimum: dict[str, int], minimum_points: int, *argvs: tuple[str, ...]
        ) -> None:
            calls_before, points_before = len(sandbox.calls()), sandbox.points_used()
            for argv in argvs:
                ws.cjrec(*argv)
            figures = summarise(sandbox.calls()[calls_before:])
            scenarios.append(
                Scenario(
                    name,
                    commands,
                    _counts(figures.by_kind),
                    sandbox.points_used() - points_before,
                    minimum,
                    minimum_points,
                    figures.rate_limited,
                )
            )

        ws.products(pids[:first])
        measure(
            f"(a) first apply of {first} products",
            "cjrec apply",
            _minimum(auth=1, account=1, pages=1, details=first, adds=first),
            DETAIL_POINTS * first,
            ("apply", "--auto-approve"),
        )
        measure(
            f"(b) no-op plan and apply ({first} managed)",
            "cjrec plan; cjrec apply",
            _minimum(pages=2 * math.ceil(first / PAGE)),
            0,
            ("plan",),
            ("apply", "--auto-approve"),
        )
        # (c): 1,000 managed products, recorded in the state and present in My Products
        sandbox.add_to_my_products(pids[first:managed])
        ws.write_state(recorded_product(pid, i) for i, pid in enumerate(pids[:managed]))
        ws.products(pids[: managed + 1])
        measure(
            f"(c) one product added among {managed:,} managed",
            "cjrec plan --out p.json; cjrec apply p.json",
            _minimum(pages=math.ceil(managed / PAGE), details=1, adds=1),
            DETAIL_POINTS,
            ("plan", "--out", "p.json"),
            ("apply", "p.json", "--auto-approve"),
        )
        ws.products(pids[: managed + 2])
        measure(
            f"(c′) one more added among {managed + 1:,} managed",
            "cjrec apply",
            _minimum(pages=math.ceil((managed + 1) / PAGE), details=1, adds=1),
            DETAIL_POINTS,
            ("apply", "--auto-approve"),
        )
    return scenarios
