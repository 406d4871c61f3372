"""Benchmark 11: state format 2 at 10,000 to 100,000 products x 5 variants, through the CLI.

Part of ``python -m benchmarks`` (``--only statescale``; ``--state-sizes 10000,50000,100000``
for the issue's sizes, 10,000 by default so ``make bench`` stays short). For each size: a
workspace whose manifests list N products and whose state records every one with a
five-variant snapshot (names, SKUs, option values, images). The state is written once as
format 1 (``render_state``, the single ``sync.json`` of 0.1), loaded, and migrated to format 2
by the first write (``LocalStateStore.write``); then measured in this process: the largest file
of each format, the load of the format-2 folder (every shard hash-checked), a checkpoint after
one change among all products (``LocalStateStore.write`` alone, median of 5) and the files a
no-op write and a one-product write change. Then from outside, as a user runs them: ``cjrec
validate`` and ``cjrec plan --offline`` (a no-op over all N; one warm-up, then the medians of
wall time, CPU time and peak RSS).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.process import Summary
from benchmarks.workspace import AgeKey, Workspace
from reconciler.adapters.state_store import LocalStateStore, render_state
from reconciler.kinds.product.record import ProductRecord, ProductSnapshot, VariantSnapshot, with_product
from reconciler.models.product_url import product_url
from reconciler.models.state import SyncState

LINEAGE = "6f1f5f7e-0b7e-4c55-9d59-2d2c1e0b0a11"
SIZES = (10_000,)
ISSUE_SIZES = (10_000, 50_000, 100_000)
CHECKPOINTS = 5
# the issue's goals (at 100,000 products x 5 variants)
LARGEST_FILE_MB = 10.0
VALIDATE_S = 3.0
PLAN_S = 5.0
PEAK_MB = 1024.0
CHECKPOINT_MS = 50.0
GOAL_SIZE = 100_000


@dataclass(frozen=True)
class ScalePoint:
    """One size: the files of both formats, the in-process costs and the two commands."""

    products: int
    format1_mb: float
    format1_load_s: float
    migrate_s: float
    shards: int
    largest_shard_kb: float
    root_kb: float
    format2_mb: float
    format2_load_s: float
    checkpoint_ms: float
    noop_files: int
    one_change_files: list[str]
    validate: Summary
    plan: Summary

    @property
    def largest_file_mb(self) -> float:
        return max(self.largest_shard_kb, self.root_kb) / 1e3


def product(index: int) -> ProductRecord:
    """A managed product with a five-variant snapshot; its URL is the one ``Workspace.products`` lists."""
    pid = f"17{index:017d}"
    price = f"{3 + index % 40}.{index % 100:02d}"
    variants = {
        f"{pid[:-2]}{v:02d}": VariantSnapshot(
            sku=f"CJSKU{index:08d}-{colour}",
            price=price,
            variant_key=f"{colour}-M",
            image=f"https://cf.cjdropshipping.com/{pid}/{colour.lower()}.jpg",
        )
        for v, colour in enumerate(("Black", "White", "Red", "Blue", "Green"))
    }
    snapshot = ProductSnapshot(
        name=f"Item {index} cotton shirt",
        sku=f"CJSKU{index:08d}",
        sell_price=price,
        status="3",
        customization_version=0,
        variants=variants,
    )
    return ProductRecord(pid=pid, url=product_url(pid, f"item {index}"), origin="added", snapshot=snapshot)


def _files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def measure(root: Path, size: int, *, key: AgeKey, runs: int) -> ScalePoint:
    records = [product(i) for i in range(size)]
    ws = Workspace.create(root / f"state-scale-{size}", key=key)
    ws.products([r.pid for r in records])
    folder = ws.root / "state"
    folder.mkdir()
    state = SyncState(LINEAGE, 1, products={r.pid: r for r in records})
    one_file = render_state(state)
    (folder / "sync.json").write_bytes(one_file)
    store = LocalStateStore(folder)
    started = time.perf_counter()
    old = store.load()
    format1_load = time.perf_counter() - started
    assert old is not None
    started = time.perf_counter()
    current = store.write(with_product(old, replace(records[0], origin="adopted")), previous=old)
    migrate = time.perf_counter() - started
    current = store.write(with_product(current, records[0]), previous=current)
    named = json.loads((folder / "sync.json").read_bytes())["shards"]  # the shards of this state (not its backup's)
    shard_sizes = [(folder / name).stat().st_size for name in named]
    root_size = (folder / "sync.json").stat().st_size
    fresh = LocalStateStore(folder)
    started = time.perf_counter()
    loaded = fresh.load()
    format2_load = time.perf_counter() - started
    assert loaded == current
    before = _files(folder)
    assert fresh.write(loaded, previous=loaded) is loaded
    noop = sum(1 for name, stamp in _files(folder).items() if before.get(name) != stamp)
    target = records[size // 2]
    timings = []
    for round_ in range(CHECKPOINTS):
        changed = with_product(loaded, replace(target, origin="adopted" if round_ % 2 == 0 else "added"))
        started = time.perf_counter()
        loaded = fresh.write(changed, previous=loaded)
        timings.append(time.perf_counter() - started)
    before = _files(folder)
    loaded = fresh.write(with_product(loaded, replace(target, checked_at="2026-12-06T00:00:00+00:00")), previous=loaded)
    one_change = sorted(name for name, stamp in _files(folder).items() if before.get(name) != stamp)
    fresh.write(with_product(loaded, target), previous=loaded)  # as the manifests say: the plan is a no-op
    commands = {}
    for name, argv in (("validate", ("validate",)), ("plan", ("plan", "--offline"))):
        ws.cjrec(*argv)  # warm-up: page cache, .pyc files
        measured = [ws.cjrec(*argv) for _ in range(runs)]
        if name == "plan" and "No changes" not in measured[-1].output:
            raise RuntimeError(
                f"plan --offline over the recorded catalogue is not a no-op:\n{measured[-1].output[-800:]}"
            )
        commands[name] = Summary.of(measured)
    return ScalePoint(
        products=size,
        format1_mb=len(one_file) / 1e6,
        format1_load_s=format1_load,
        migrate_s=migrate,
        shards=len(shard_sizes),
        largest_shard_kb=max(shard_sizes) / 1e3,
        root_kb=root_size / 1e3,
        format2_mb=sum(shard_sizes) / 1e6,
        format2_load_s=format2_load,
        checkpoint_ms=statistics.median(timings) * 1000,
        noop_files=noop,
        one_change_files=one_change,
        validate=commands["validate"],
        plan=commands["plan"],
    )


def run(root: Path, *, sizes: Sequence[int] = SIZES, runs: int = 3, key: AgeKey | None = None) -> list[ScalePoint]:
    key = key or AgeKey.generate()
    return [measure(root, size, key=key, runs=runs) for size in sizes]


def _n(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def _shown(names: Sequence[str]) -> str:
    return ", ".join(n if n.startswith("sync") else n.split("-")[0] + "-…" for n in names)


def summary_rows(points: Sequence[ScalePoint]) -> list[tuple[str, str, str]]:
    """The issue's goals at the largest size measured (``GOAL_SIZE`` when it was)."""
    if not points:
        return []
    p = max(points, key=lambda point: point.products)
    at = f"{p.products:,} products × 5"
    shard_and_root = len([n for n in p.one_change_files if not n.startswith("sync.json")]) == 1
    return [
        (
            f"largest state file ≤ {LARGEST_FILE_MB:g} MB ({at})",
            f"{_n(p.largest_file_mb * 1e3, 0)} KB (format 1: one {_n(p.format1_mb, 0)} MB file)",
            _verdict(p.largest_file_mb <= LARGEST_FILE_MB),
        ),
        (
            f"`validate` ≤ {VALIDATE_S:g} s at 100,000 ({at})",
            f"{_n(p.validate.wall_s)} s wall, {_n(p.validate.cpu_s)} s CPU, {_n(p.validate.max_rss_mb, 0)} MB",
            _verdict(p.validate.wall_s <= VALIDATE_S) if p.products >= GOAL_SIZE else "—",
        ),
        (
            f"`plan --offline` ≤ {PLAN_S:g} s at 100,000, peak ≤ 1 GB ({at})",
            f"{_n(p.plan.wall_s)} s wall, {_n(p.plan.cpu_s)} s CPU, {_n(p.plan.max_rss_mb, 0)} MB",
            _verdict(p.plan.wall_s <= PLAN_S and p.plan.max_rss_mb <= PEAK_MB) if p.products >= GOAL_SIZE else "—",
        ),
        (
            f"checkpoint after one change ≤ {CHECKPOINT_MS:g} ms to a folder ({at})",
            f"{_n(p.checkpoint_ms, 0)} ms",
            _verdict(p.checkpoint_ms <= CHECKPOINT_MS),
        ),
        (
            "files a no-op write changes: 0; a one-product write: one shard and the root",
            f"{p.noop_files}; {_shown(p.one_change_files)}",
            _verdict(p.noop_files == 0 and shard_and_root),
        ),
    ]


def section(points: Sequence[ScalePoint]) -> str:
    """The report's section 11."""
    lines = [
        "## 12. State format 2 at scale",
        "",
        "A workspace per size: N products in the manifests, and a state recording each with a five-variant "
        "snapshot, written as format 1 (one `sync.json`) and migrated to format 2 by the first write. In this "
        "process: the files, the load of the shards (every one hash-checked), a checkpoint after one change "
        f"among N (`LocalStateStore.write`, median of {CHECKPOINTS}) and the files a no-op and a one-product write "
        "change. From outside: `cjrec validate` and `cjrec plan --offline` (a no-op over all N), one warm-up, "
        "then medians; CPU is user + system, the figure a loaded machine changes least.",
        "",
        "| products × 5 variants | format 1: sync.json | format 1 load | migration | shards | largest shard "
        "| root | format 2 total | format 2 load | checkpoint, 1 change | files: no-op / 1 product |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for p in points:
        lines.append(
            f"| {p.products:,} | {_n(p.format1_mb, 0)} MB | {_n(p.format1_load_s)} s | {_n(p.migrate_s)} s "
            f"| {p.shards:,} | {_n(p.largest_shard_kb, 0)} KB | {_n(p.root_kb, 0)} KB | {_n(p.format2_mb, 0)} MB "
            f"| {_n(p.format2_load_s)} s | {_n(p.checkpoint_ms, 0)} ms | {p.noop_files} / "
            f"{len(p.one_change_files)} ({_shown(p.one_change_files)}) |"
        )
    lines += [
        "",
        "| command | products × 5 variants | wall (median) | min – max | CPU | peak RSS |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for name, of in (("validate", "validate"), ("plan --offline", "plan")):
        for p in points:
            s: Summary = getattr(p, of)
            lines.append(
                f"| `{name}` | {p.products:,} | {_n(s.wall_s, 3)} s | {_n(s.wall_min_s, 3)} – {_n(s.wall_max_s, 3)} s "
                f"| {_n(s.cpu_s, 3)} s | {_n(s.max_rss_mb, 0)} MB |"
            )
    return "\n".join(lines)
