"""State format 2 at 10,000 to 100,000 products x 5 variants: file sizes, load, checkpoints.

Run: ``python -m benchmarks.state_scale [SIZES...]`` (prints a Markdown table). For each size,
a state whose every product has a five-variant snapshot (names, SKUs, option values, images,
weights) is written once as format 1 (``render_state``, the single ``sync.json`` of 0.1) and
migrated to format 2 by ``LocalStateStore.write``; then measured: the largest file of each
format, the load of the format-2 folder (every shard hash-checked), a checkpoint after one
change among all products (the incremental write: one shard and the root), and the files a
no-op write and a one-product write change. Peak RSS is the process's.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from reconciler.adapters.state_store import LocalStateStore, render_state
from reconciler.kinds.product.record import ProductRecord, ProductSnapshot, VariantSnapshot, with_product
from reconciler.models.product_url import product_url
from reconciler.models.state import SyncState

LINEAGE = "6f1f5f7e-0b7e-4c55-9d59-2d2c1e0b0a11"
SIZES = (10_000, 50_000, 100_000)


def product(index: int) -> ProductRecord:
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


def catalogue(size: int) -> SyncState:
    records = {record.pid: record for record in (product(i) for i in range(size))}
    return SyncState(LINEAGE, 1, products=records)


def files_of(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def measure(size: int, root: Path) -> dict[str, Any]:
    state = catalogue(size)
    folder = root / f"state-{size}"
    folder.mkdir()
    one_file = render_state(state)
    (folder / "sync.json").write_bytes(one_file)
    store = LocalStateStore(folder)
    started = time.perf_counter()
    old = store.load()
    load_1 = time.perf_counter() - started
    assert old is not None
    started = time.perf_counter()
    migrated = store.write(with_product(old, replace(product(0), origin="adopted")), previous=old)
    migrate = time.perf_counter() - started
    shards = list(folder.glob("*/*.json"))
    largest = max(p.stat().st_size for p in shards)
    total = sum(p.stat().st_size for p in shards)
    fresh = LocalStateStore(folder)
    started = time.perf_counter()
    loaded = fresh.load()
    load_2 = time.perf_counter() - started
    assert loaded == migrated
    before = files_of(folder)
    same = fresh.write(loaded, previous=loaded)
    noop_changed = sum(1 for name, stamp in files_of(folder).items() if before.get(name) != stamp)
    assert same is loaded
    target = product(size // 2)
    timings = []
    current = loaded
    for round_ in range(5):
        changed = replace(target, origin="adopted" if round_ % 2 == 0 else "added")
        started = time.perf_counter()
        current = fresh.write(with_product(current, changed), previous=current)
        timings.append(time.perf_counter() - started)
    before = files_of(folder)
    current = fresh.write(with_product(current, replace(target, url=target.url + "?x=1")), previous=current)
    after = files_of(folder)
    one_changed = sorted(name for name, stamp in after.items() if before.get(name) != stamp)
    return {
        "products": size,
        "format1_file_mb": len(one_file) / 1e6,
        "format1_load_s": load_1,
        "migrate_s": migrate,
        "shards": len(shards),
        "largest_shard_kb": largest / 1e3,
        "root_kb": (folder / "sync.json").stat().st_size / 1e3,
        "total_mb": total / 1e6,
        "format2_load_s": load_2,
        "checkpoint_one_change_ms": sorted(timings)[len(timings) // 2] * 1000,
        "noop_files_changed": noop_changed,
        "one_change_files_changed": len(one_changed),
        "one_change_files": ", ".join(n if n.startswith("sync") else n.split("-")[0] + "-…" for n in one_changed),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or list(SIZES)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cjrec-state-scale-") as tmp:
        for size in sizes:
            rows.append(measure(size, Path(tmp)))
            print(rows[-1], file=sys.stderr, flush=True)
    print(
        "| products × 5 variants | format 1: sync.json | format 1 load | migration (first write) | shards | largest shard | root | format 2 total | format 2 load (hash-checked) | checkpoint, 1 change | files a no-op write changes | files a 1-product write changes | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['products']:,} | {r['format1_file_mb']:.0f} MB | {r['format1_load_s']:.2f} s | {r['migrate_s']:.2f} s "
            f"| {r['shards']} | {r['largest_shard_kb']:.0f} KB | {r['root_kb']:.0f} KB | {r['total_mb']:.0f} MB "
            f"| {r['format2_load_s']:.2f} s | {r['checkpoint_one_change_ms']:.0f} ms | {r['noop_files_changed']} "
            f"| {r['one_change_files_changed']} ({r['one_change_files']}) | {r['peak_rss_mb']:.0f} MB |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
