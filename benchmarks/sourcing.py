"""Benchmark 6: sourcing requests and markets, in calls, points and wall time, against the minimum.

One sandbox (qps 6, ``--sourcing-per-day`` raised to N so one run can file them all; CJ's
own limit is 5 a day, which the tests cover), one workspace, run in order:

- (a) the first ``cjrec apply`` of N ``sourceUrl`` items: one create each (free);
- (b) ``cjrec plan`` with the N requests open at CJ: their statuses in ``queryList`` calls of at
  most 100 ids (free); the wall time is the median of several plans;
- (c) M products and a ``Market`` with ``from: [CN, US]``: the first ``cjrec apply``, which
  queries the products' details and asks one freight quote per product and origin with stock
  (10 points each);
- (d) ``cjrec plan`` right after: recorded quotes are reused, so no quote is asked again.

Calls are counted from the sandbox's log by path, points from its ledger. The minimum of
each scenario follows from CJ's API (shared/cj-api-2.md): a create per request, ``ceil(N/100)``
status calls, a quote per product and origin where it is in stock (read from the detail
query the new product needs anyway), and none for a product already quoted.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from benchmarks.sandbox import SandboxProcess
from benchmarks.workspace import AgeKey, Workspace
from reconciler.models.cj_limits import QUERY_BATCH

KINDS = {
    "/product/sourcing/create": "creates",
    "/product/sourcing/queryList": "statuses",
    "/logistic/freightCalculate": "quotes",
    "/product/query": "details",
    "/product/addToMyProduct": "adds",
    "/product/myProduct/query": "pages",
}
COLUMNS = ("auth", "account", "pages", "creates", "statuses", "details", "adds", "quotes", "other")


@dataclass(frozen=True)
class SourcingScenario:
    """One scenario: calls by kind, points, wall time, and the least CJ's API allows."""

    name: str
    commands: str
    calls: dict[str, int]
    points: int
    wall_s: float
    minimum: dict[str, int]  # only the kinds the scenario is about; the others are not bounded here
    minimum_points: int

    @property
    def at_minimum(self) -> bool:
        return all(self.calls.get(k, 0) == v for k, v in self.minimum.items()) and self.points == self.minimum_points


def _kind(path: str) -> str:
    if path.startswith("/authentication/"):
        return "auth"
    if path == "/setting/get":
        return "account"
    return KINDS.get(path, "other")


def _sourcing_items(count: int) -> str:
    lines = ["apiVersion: cjrec/v1", "kind: Products", "metadata: {name: sourced}", "spec:", "  items:"]
    for i in range(count):
        lines += [
            f"    - sourceUrl: https://www.aliexpress.com/item/{1005006000000 + i}.html",
            f"      name: Sourced item {i}",
            "      image: https://ae01.alicdn.com/kf/item.jpg",
        ]
    return "\n".join(lines) + "\n"


def _stocked_origins(sandbox: SandboxProcess, pid: str, origins: tuple[str, ...]) -> int:
    """Origins the heaviest variant of ``pid`` has stock in (what cjrec may quote from)."""
    detail = sandbox.product(pid)
    variants = detail.get("variants") or []
    heaviest = max(variants, key=lambda v: v.get("variantWeight") or 0)
    stock = {i["countryCode"] for i in heaviest.get("inventories") or [] if i.get("totalInventory", 0) > 0}
    return sum(1 for origin in origins if origin in stock)


def run(
    root: Path, *, requests: int = 300, products: int = 50, qps: float = 6.0, runs: int = 3, key: AgeKey | None = None
) -> list[SourcingScenario]:
    key = key or AgeKey.generate()
    scenarios: list[SourcingScenario] = []
    with SandboxProcess(
        qps=qps, latency_ms=20, products=products + 200, seed=5, sourcing_per_day=max(5, requests)
    ) as sandbox:
        ws = Workspace.create(root / "sourcing", key=key, api_url=sandbox.base_url, qps=qps)
        ws.write(
            "manifests/settings.yaml",
            "apiVersion: cjrec/v1\nkind: Settings\n"
            f"spec: {{qps: {float(qps)}, pointsBudget: 50000, sourcingPerDay: {min(1000, max(5, requests))}}}\n",
        )
        ws.products([])

        def measure(
            name: str, commands: str, argvs: list[tuple[str, ...]], minimum: dict[str, int], points: int
        ) -> None:
            calls_before, points_before = len(sandbox.calls()), sandbox.points_used()
            walls = [ws.cjrec(*argv).wall_s for argv in argvs]
            counted = Counter(_kind(c.path) for c in sandbox.calls()[calls_before:] if c.http_status != 429)
            scenarios.append(
                SourcingScenario(
                    name,
                    commands,
                    {k: counted.get(k, 0) for k in COLUMNS},
                    sandbox.points_used() - points_before,
                    statistics.median(walls),
                    minimum,
                    points,
                )
            )

        ws.write("manifests/sourced.yaml", _sourcing_items(requests))
        measure(
            f"(a) first apply of {requests} sourcing requests",
            "cjrec apply",
            [("apply", "--auto-approve")],
            {"creates": requests, "statuses": 0, "quotes": 0},
            0,
        )
        batches = math.ceil(requests / QUERY_BATCH)
        measure(
            f"(b) plan with {requests} requests open at CJ (median of {runs})",
            "cjrec plan",
            [("plan",)] * runs,
            {"creates": 0, "statuses": batches * runs, "quotes": 0},
            0,
        )
        pids = sandbox.on_sale()[:products]
        origins = ("CN", "US")
        quotes = sum(_stocked_origins(sandbox, pid, origins) for pid in pids)
        ws.products(pids)
        ws.write(
            "manifests/market.yaml",
            "apiVersion: cjrec/v1\nkind: Market\nmetadata: {name: us}\n"
            "spec: {country: US, maxDays: 10, maxShipping: 6.00, from: [CN, US]}\n",
        )
        measure(
            f"(c) first apply of {products} products with a market from CN and US",
            "cjrec apply",
            [("apply", "--auto-approve")],
            {"details": products, "adds": products, "quotes": quotes, "creates": 0},
            10 * (products + quotes),
        )
        measure(
            "(d) no-op plan with the market quoted",
            "cjrec plan",
            [("plan",)],
            {"details": 0, "quotes": 0, "creates": 0},
            0,
        )
    return scenarios
