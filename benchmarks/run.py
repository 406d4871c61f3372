"""``python -m benchmarks``: run the benchmarks and write BENCHMARKS.md.

Parses the options, runs the chosen benchmarks in a temporary folder (everything is made
afresh: age key, sandboxes, workspaces) and renders the report. ``--smoke`` runs each
benchmark at toy size in a few seconds, as the test suite does, to keep the harness working.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import (
    auto_rate,
    calls_points,
    many_accounts,
    offline_scale,
    pricing_export,
    receiver_report,
    reference,
    s3_state,
    shopify_publish,
    sourcing,
    startup,
    state_scale,
    throughput,
    woocommerce_publish,
    workspace,
)
from benchmarks.machine import describe, load_average
from benchmarks.report import Results, render

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = (
    "throughput",
    "calls",
    "offline",
    "startup",
    "pricing",
    "sourcing",
    "rate",
    "s3state",
    "shopify",
    "receiver",
    "woocommerce",
    "accounts",
    "statescale",
)
SMOKE_ROWS = ((10.0, 5.0),)


def _rows(text: str) -> list[tuple[float, float]]:
    """``1x20,6x300`` → [(1, 20), (6, 300)]: qps x latency in ms."""
    rows = []
    for item in text.split(","):
        qps, _, latency = item.partition("x")
        rows.append((float(qps), float(latency or 0)))
    return rows


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md", help="where to write the report")
    p.add_argument("--only", default=",".join(BENCHMARKS), help=f"comma-separated subset of {', '.join(BENCHMARKS)}")
    p.add_argument("--seconds", type=float, default=30.0, help="seconds of calls per throughput row (first apply)")
    p.add_argument(
        "--rows",
        type=_rows,
        default=list(throughput.ROWS),
        help="throughput rows as QPSxLATENCY_MS, comma-separated (default: 1,2,4,6 x 20,300)",
    )
    p.add_argument("--reference-products", type=int, default=5, help="products the reference client adds per row")
    p.add_argument("--first", type=int, default=50, help="products of the first apply in the calls benchmark")
    p.add_argument("--managed", type=int, default=1000, help="managed products in the calls benchmark's (c)")
    p.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=list(offline_scale.SIZES),
        help="offline sizes, comma-separated",
    )
    p.add_argument(
        "--state-sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=list(state_scale.SIZES),
        help="state format 2 sizes (products x 5 variants), comma-separated; the issue's: "
        + ",".join(map(str, state_scale.ISSUE_SIZES)),
    )
    p.add_argument("--runs", type=int, default=5, help="measured runs per offline command")
    p.add_argument(
        "--pricing-products", type=int, default=pricing_export.PRODUCTS, help="products of the pricing benchmark"
    )
    p.add_argument("--rate-repeats", type=int, default=3, help="runs per variant of the request-rate benchmark")
    p.add_argument("--startup-runs", type=int, default=15, help="measured runs per start-up command")
    p.add_argument("--requests", type=int, default=300, help="sourcing requests in the sourcing benchmark")
    p.add_argument("--market-products", type=int, default=50, help="products quoted in the sourcing benchmark")
    p.add_argument(
        "--shopify-products",
        type=int,
        default=shopify_publish.PRODUCTS,
        help="products published to the Shopify stand-in",
    )
    p.add_argument("--receiver-rate", type=float, default=500, help="messages a second in the receiver's burst")
    p.add_argument("--receiver-seconds", type=float, default=10, help="seconds of the receiver's burst")
    p.add_argument("--receiver-duplicates", type=int, default=10_000, help="deliveries of one messageId")
    p.add_argument(
        "--woocommerce-products",
        type=int,
        default=woocommerce_publish.PRODUCTS,
        help="products published to the WooCommerce stand-in",
    )
    p.add_argument("--accounts", type=int, default=20, help="accounts applied at once in the accounts benchmark")
    p.add_argument("--account-products", type=int, default=50, help="new products per account there")
    p.add_argument("--account-qps", type=float, default=2.0, help="each account's rate limit there")
    p.add_argument("--source", type=Path, help="run cjrec from this checkout (python -m reconciler) instead")
    p.add_argument("--smoke", action="store_true", help="toy sizes, a few seconds: checks the harness only")
    p.add_argument("--workdir", type=Path, help="keep the workspaces here instead of a temporary folder")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser().error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if args.smoke:
        args.rows, args.seconds, args.reference_products = list(SMOKE_ROWS), 2.0, 1
        args.first, args.managed, args.sizes, args.runs, args.startup_runs = 3, 10, [20, 50], 1, 1
        args.pricing_products = 50
        args.requests, args.market_products = 7, 3
        args.shopify_products = 5
        args.receiver_rate, args.receiver_seconds, args.receiver_duplicates = 50.0, 1.0, 100
        args.woocommerce_products = 5
        args.accounts, args.account_products, args.account_qps = 2, 3, 10.0
        args.state_sizes = [50]
    if args.source is not None:
        workspace.use_command(workspace.Command.from_source(args.source))
    started = time.monotonic()
    results = Results(machine=describe(args.source or REPO), command=_command(argv))
    results.options = {
        "benchmarks": ", ".join(chosen),
        "throughput rows": " ".join(f"{q:g}×{lat:g}ms" for q, lat in args.rows),
        "seconds per row": f"{args.seconds:g}",
        "offline sizes": ", ".join(f"{n:,}" for n in args.sizes),
        "offline runs": str(args.runs),
        "start-up runs": str(args.startup_runs),
        "pricing products": f"{args.pricing_products:,} x {pricing_export.VARIANTS} variants",
        "accounts": f"{args.accounts} x {args.account_products} products at {args.account_qps:g}/s",
        "state sizes": ", ".join(f"{n:,}" for n in args.state_sizes),
    }
    key = workspace.AgeKey.generate()
    with tempfile.TemporaryDirectory(prefix="cjrec-bench-") as tmp:
        root = args.workdir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        _run(chosen, args, results, root, key)
    results.elapsed_s = time.monotonic() - started
    results.load_at_end = load_average()
    args.out.write_text(render(results))
    _say(f"wrote {args.out}")
    return 0


def _run(chosen: list[str], args: argparse.Namespace, results: Results, root: Path, key: workspace.AgeKey) -> None:
    """Run the chosen benchmarks in a fixed order, filling ``results``."""
    if "startup" in chosen:
        _say("start-up")
        results.startup = startup.run(root, runs=args.startup_runs)
    if "offline" in chosen:
        _say(f"offline scale at {', '.join(map(str, args.sizes))} products")
        results.offline = offline_scale.run(root, sizes=args.sizes, runs=args.runs, key=key)
    if "pricing" in chosen:
        _say(f"pricing and store exports of {args.pricing_products} products x {pricing_export.VARIANTS} variants")
        results.pricing = pricing_export.run(root, products=args.pricing_products, runs=min(args.runs, 3), key=key)
    if "calls" in chosen:
        _say("calls and points")
        results.calls_qps = 10.0 if args.smoke else 6.0
        results.calls = calls_points.run(root, first=args.first, managed=args.managed, qps=results.calls_qps, key=key)
    if "sourcing" in chosen:
        _say(f"sourcing: {args.requests} requests, a market for {args.market_products} products")
        results.sourcing = sourcing.run(
            root, requests=args.requests, products=args.market_products, runs=args.runs, key=key
        )
    if "rate" in chosen:
        _say(f"request rate with no Settings on a {auto_rate.ACCOUNT_QPS:g}/s account, next to explicit qps")
        variants = auto_rate.VARIANTS[:1] if args.smoke else auto_rate.VARIANTS  # smoke: the harness, once
        results.rate = auto_rate.run(
            root, key, seconds=args.seconds, variants=variants, repeats=1 if args.smoke else args.rate_repeats
        )
    if "throughput" in chosen:
        _say(f"apply throughput, {len(args.rows)} rows of about {args.seconds:g} s plus the reference client")
        pause = 0.05 if args.smoke else reference.PAUSE_S
        results.throughput = []
        for qps, latency in args.rows:
            _say(f"  qps {qps:g}, latency {latency:g} ms")
            results.throughput.append(
                throughput.run_row(
                    root,
                    key,
                    qps=qps,
                    latency_ms=latency,
                    seconds=args.seconds,
                    reference_products=args.reference_products,
                    reference_pause_s=pause,
                )
            )
    if "shopify" in chosen:
        _say(
            f"publishing {args.shopify_products} products x {shopify_publish.VARIANTS} variants to the Shopify stand-in"
        )
        results.shopify = shopify_publish.run(products=args.shopify_products)
    if "receiver" in chosen:
        _say(f"webhook receiver: {args.receiver_rate:g}/s for {args.receiver_seconds:g} s, a kill -9, duplicates")
        results.receiver = receiver_report.run(
            rate=args.receiver_rate, seconds=args.receiver_seconds, duplicates=args.receiver_duplicates
        )
    if "woocommerce" in chosen:
        _say(
            f"publishing {args.woocommerce_products} products x {woocommerce_publish.VARIANTS} variants "
            "to the WooCommerce stand-in"
        )
        results.woocommerce = woocommerce_publish.run(products=args.woocommerce_products)
    if "accounts" in chosen:
        _say(f"{args.accounts} accounts x {args.account_products} new products at {args.account_qps:g}/s each")
        results.accounts = many_accounts.run(
            root / "accounts", accounts=args.accounts, products=args.account_products, qps=args.account_qps
        )
    if "statescale" in chosen:
        _say(f"state format 2 at {', '.join(map(str, args.state_sizes))} products x 5 variants")
        results.state_scale = state_scale.run(root, sizes=args.state_sizes, runs=min(args.runs, 3), key=key)
    if "s3state" in chosen:
        _say("state on S3 (moto_server on loopback): checkpoints, apply at qps 4, loading 10,000 products")
        if args.smoke:
            results.s3 = s3_state.run(
                root, key=key, sizes=(10, 100), writes=3, load_size=200, runs=1, qps=10.0, seconds=2.0, slow_ms=5.0
            )
        else:
            results.s3 = s3_state.run(root, key=key, seconds=args.seconds)


def _command(argv: Sequence[str] | None) -> str:
    words = list(sys.argv[1:] if argv is None else argv)
    return "make bench" if not words else "python -m benchmarks " + " ".join(words)


def _say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)
