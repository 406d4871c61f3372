"""Benchmark 3: ``cjrec validate`` and ``cjrec plan --offline`` at 1,000 to 50,000 managed products.

For each size: a workspace whose manifests list that many products (one Products
document, 19-digit numeric pids in current-form URLs) and whose state records every one
of them with a two-variant snapshot, written directly with ``render_state``, so the plan
is a no-op over the full size. The sops key is available, as on a maintainer's machine,
so the Credentials file is decrypted too. Each command is run once to warm the page
cache, then ``runs`` times; the medians of wall time and peak RSS are reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.process import Summary
from benchmarks.workspace import AgeKey, Workspace, numeric_pids, recorded_product

SIZES = (1_000, 10_000, 50_000)
COMMANDS: dict[str, tuple[str, ...]] = {"validate": ("validate",), "plan --offline": ("plan", "--offline")}


@dataclass(frozen=True)
class Point:
    """One command at one size."""

    command: str
    products: int
    summary: Summary


def prepare(root: Path, size: int, *, key: AgeKey) -> Workspace:
    """A workspace with ``size`` products in the manifests and in the state."""
    ws = Workspace.create(root / f"offline-{size}", key=key)
    pids = numeric_pids(size)
    ws.products(pids)
    ws.write_state(recorded_product(pid, i) for i, pid in enumerate(pids))
    return ws


def measure(ws: Workspace, command: str, size: int, *, runs: int) -> Point:
    argv = COMMANDS[command]
    ws.cjrec(*argv)  # warm-up: page cache, .pyc files
    measurements = [ws.cjrec(*argv) for _ in range(runs)]
    if command == "validate" and f"{size} products" not in measurements[-1].output:
        raise RuntimeError(f"validate did not see {size} products:\n{measurements[-1].output[-500:]}")
    return Point(command, size, Summary.of(measurements))


def run(root: Path, *, sizes: Sequence[int] = SIZES, runs: int = 5, key: AgeKey | None = None) -> list[Point]:
    key = key or AgeKey.generate()
    points = []
    for size in sizes:
        ws = prepare(root, size, key=key)
        for command in COMMANDS:
            points.append(measure(ws, command, size, runs=runs))
    return points
