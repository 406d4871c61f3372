"""Benchmark 5: pricing and store exports of 10,000 products x 5 variants, offline.

A workspace whose manifests list the products and a default ``kind: Pricing`` rule (the
issue's worked example: three tiers, cents 0.99, compare-at x1.3, plus a minMargin), and
whose state records every product with a five-variant snapshot. Two states are measured:

- **first pricing**: the snapshots without store prices, as right after the rule was added:
  ``plan --offline`` prices all variants and shows every product as an update (old -> new);
- **priced**: the same with the listings the planner computes (made by the planner's own
  ``plan_listing``), so ``plan --offline`` recomputes every price and finds nothing to do,
  and ``export --format shopify|woocommerce`` writes the store files from the state.

One warm-up run, then the medians of wall time and peak RSS (measured from outside).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from benchmarks.process import Summary
from benchmarks.workspace import AgeKey, Workspace, numeric_pids
from reconciler.kinds.pricing.prices import plan_listing
from reconciler.kinds.product.record import ProductRecord, ProductSnapshot, VariantSnapshot
from reconciler.models.declared import Source
from reconciler.models.desired import Desired, DesiredProduct, Settings
from reconciler.models.pricing import CompareAt, PricingRule, Tier
from reconciler.models.product_url import product_url

PRODUCTS = 10_000
VARIANTS = 5
RULE_YAML = """\
apiVersion: cjrec/v1
kind: Pricing
metadata: {name: store}
spec:
  default: true
  tiers:
    - {upTo: 10, multiplier: 3}
    - {upTo: 50, multiplier: 2, add: 2}
    - {multiplier: 1.6}
  cents: 0.99
  compareAt: {multiplier: 1.3}
  minMargin: 1
"""
RULE = PricingRule(
    name="store",
    tiers=(
        Tier(Decimal(10), Decimal(3), None),
        Tier(Decimal(50), Decimal(2), Decimal(2)),
        Tier(None, Decimal("1.6"), None),
    ),
    cents="0.99",
    compare_at=CompareAt(Decimal("1.3"), None),
    min_margin=Decimal(1),
    default=True,
)
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "plan --offline (first pricing)": ("unpriced", ("plan", "--offline")),
    "plan --offline (priced, no-op)": ("priced", ("plan", "--offline")),
    "export --format shopify": ("priced", ("export", "--format", "shopify", "--out", "shopify.csv")),
    "export --format woocommerce": ("priced", ("export", "--format", "woocommerce", "--out", "woo.csv")),
}


@dataclass(frozen=True)
class PricingPoint:
    """One command over the whole catalogue."""

    command: str
    products: int
    variants: int
    summary: Summary


def _record(pid: str, index: int, variants: int) -> ProductRecord:
    colours = ("Black", "White", "Red", "Blue", "Green", "Grey", "Navy")
    sizes = ("S", "M", "L", "XL", "2XL")
    snapshot = ProductSnapshot(
        name=f"Item {index}",
        sku=f"CJSKU{index:08d}",
        sell_price="3.00-60.00",
        status="3",
        customization_version=0,
        variants={
            f"{pid}{v:02d}": VariantSnapshot(
                sku=f"CJSKU{index:08d}-{colours[v % len(colours)]}-{sizes[v % len(sizes)]}",
                price=f"{3 + (index * 7 + v * 11) % 57}.{(index + v) % 100:02d}",
                variant_key=f"{colours[v % len(colours)]}-{sizes[v % len(sizes)]}",
                image=f"https://img.example.com/{index}/{v}.jpg",
                weight=str(150 + v * 20),
            )
            for v in range(variants)
        },
        image=f"https://img.example.com/{index}/main.jpg",
        option_names="Color-Size",
    )
    return ProductRecord(pid=pid, url=product_url(pid, f"item {index}"), origin="added", snapshot=snapshot)


def _priced(record: ProductRecord) -> ProductRecord:
    assert record.snapshot is not None
    desired = Desired(credentials=None, settings=Settings(), resources={"pricing": {RULE.name: RULE}})
    item = DesiredProduct(pid=record.pid, url=record.url, logo=None, source=Source("manifests/products.yaml", 1))
    return replace(record, listing=plan_listing(desired, item, record.snapshot, f"product.{record.pid}").listing)


def prepare(root: Path, products: int, variants: int, *, key: AgeKey) -> dict[str, Workspace]:
    """The two workspaces, ``unpriced`` and ``priced``."""
    pids = numeric_pids(products)
    records = [_record(pid, i, variants) for i, pid in enumerate(pids)]
    spaces = {}
    for name, state in (("unpriced", records), ("priced", [_priced(r) for r in records])):
        ws = Workspace.create(root / f"pricing-{name}-{products}", key=key)
        ws.products(pids)
        ws.write("manifests/pricing.yaml", RULE_YAML)
        ws.write_state(state)
        spaces[name] = ws
    return spaces


def run(
    root: Path, *, products: int = PRODUCTS, variants: int = VARIANTS, runs: int = 3, key: AgeKey | None = None
) -> list[PricingPoint]:
    spaces = prepare(root, products, variants, key=key or AgeKey.generate())
    points = []
    for command, (space, argv) in COMMANDS.items():
        ws = spaces[space]
        ws.cjrec(*argv)  # warm-up
        measured = [ws.cjrec(*argv) for _ in range(runs)]
        if space == "priced" and argv[0] == "plan" and "No changes" not in measured[-1].output:
            raise RuntimeError(f"the priced plan is not a no-op:\n{measured[-1].output[-800:]}")
        if space == "unpriced" and f"{products} to update" not in measured[-1].output:
            raise RuntimeError(f"the first pricing did not update every product:\n{measured[-1].output[-800:]}")
        points.append(PricingPoint(command, products, variants, Summary.of(measured)))
    return points
