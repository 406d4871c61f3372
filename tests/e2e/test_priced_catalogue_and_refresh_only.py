"""A priced catalogue against the sandbox: apply records store prices, the export imports as is,
and the daily ``apply --refresh-only --refresh-budget`` records CJ's costs without calling
anything that changes CJ, exiting 2 only for material drift; the next apply reprices.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from reconciler.adapters.clock import SystemClock
from reconciler.models.pricing import CompareAt, PricingRule, Tier, price_variant
from tests.support.cj_workspace import QPS, CjWorkspace, on_sale

RULE = """\
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
"""
SAME_RULE = PricingRule(
    name="store",
    tiers=(
        Tier(Decimal(10), Decimal(3), None),
        Tier(Decimal(50), Decimal(2), Decimal(2)),
        Tier(None, Decimal("1.6"), None),
    ),
    cents="0.99",
    compare_at=CompareAt(Decimal("1.3"), None),
)


def priced_workspace(cjw: CjWorkspace, count: int, *, refresh_budget: int) -> list[str]:
    pids = on_sale(cjw.sandbox, count)
    cjw.products(pids)
    cjw.write("manifests/pricing.yaml", RULE)
    cjw.write(
        "manifests/settings.yaml",
        f"apiVersion: cjrec/v1\nkind: Settings\nspec:\n  qps: {QPS}\n  refreshBudget: {refresh_budget}\n"
        "  drift: {costChangePercent: 10}\n",
    )
    result = cjw.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    return pids


def cost_of(cjw: CjWorkspace, pid: str) -> dict[str, Decimal]:
    variants = cjw.sandbox.product(pid)["variants"]
    assert isinstance(variants, list)
    return {str(v["variantSku"]): Decimal(str(v["variantSellPrice"])) for v in variants}


def test_apply_records_prices_and_the_shopify_export_carries_them(cjw: CjWorkspace) -> None:
    pids = priced_workspace(cjw, 3, refresh_budget=1000)

    exported = cjw.run("export", "--format", "shopify")
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))

    expected = {sku: cost for pid in pids for sku, cost in cost_of(cjw, pid).items()}
    assert {r["SKU"] for r in rows} == set(expected)
    for row in rows:
        priced = price_variant(SAME_RULE, expected[row["SKU"]])
        assert (Decimal(row["Price"]), Decimal(row["Compare-at price"])) == (priced.price, priced.compare_at)
    assert {r["URL handle"] for r in rows} == {f"cj-{pid.lower()}" for pid in pids} or len(
        {r["URL handle"] for r in rows}
    ) == 3
    assert cjw.run("plan", "--detailed-exitcode").exit_code == 0
    shown = json.loads(cjw.run("state", "show", f"product.{pids[0]}").stdout)
    assert shown["selected_variants"] == len(cost_of(cjw, pids[0])) == len(shown["listing"]["variants"])


def test_refresh_only_records_costs_fails_on_material_drift_and_the_next_apply_reprices(cjw: CjWorkspace) -> None:
    pids = priced_workspace(cjw, 4, refresh_budget=20)  # two products a run
    first = pids[0]  # all were checked by the apply at once: the manifest order breaks the tie
    variant = cjw.sandbox.product(first)["variants"][0]  # type: ignore[index]
    old_cost = Decimal(str(variant["variantSellPrice"]))
    cjw.sandbox.set_product(first, variantPrices={variant["vid"]: float(old_cost * 2)})
    cjw.sandbox.clear_calls()
    before = cjw.state()

    result = cjw.run("apply", "--refresh-only", "--auto-approve", "--detailed-exitcode")

    assert result.exit_code == 2, result.output
    assert "Material drift" in result.stdout and "+100.0 %" in result.stdout
    assert "Refresh only: checked 2 of 4 products" in result.stdout
    assert cjw.mutating_calls() == []
    queried = [c for c in cjw.sandbox.calls() if str(c.get("path", "")).endswith("/product/query")]
    assert len(queried) == 2
    after = cjw.state()
    record = after["products"][first]  # type: ignore[index]
    sku = str(variant["variantSku"])
    vid = str(variant["vid"])
    assert record["snapshot"]["variants"][vid]["price"] == str(old_cost * 2)  # type: ignore[index]
    assert record["listing"] == before["products"][first]["listing"]  # type: ignore[index]  # not repriced by a refresh
    # the check time is recorded to the second, so it may equal the apply's a moment earlier
    assert record["checked_at"] >= before["products"][first]["checked_at"]  # type: ignore[index]

    plan = cjw.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 2
    new_price = price_variant(SAME_RULE, old_cost * 2).price
    assert f"listing.variants.{vid}.price: " in plan.stdout and f"-> {new_price}" in plan.stdout
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    exported = list(csv.DictReader(io.StringIO(cjw.run("export", "--format", "woocommerce").stdout)))
    assert next(r for r in exported if r["SKU"] == sku)["Regular price"] == str(new_price)

    calm = cjw.run("apply", "--refresh-only", "--auto-approve", "--detailed-exitcode")  # repriced: no material drift
    assert calm.exit_code == 0, calm.output
    assert "Refresh only: checked 2 of 4 products" in calm.stdout


def test_refresh_details_with_a_budget_records_its_checks_so_the_rotation_reaches_every_product(
    cjw: CjWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids = priced_workspace(cjw, 4, refresh_budget=20)  # two products a run
    checked: list[set[str]] = []
    start = datetime.now(UTC)
    for run in range(2):  # the daily runs, an hour apart here (check times are kept to the second)
        later = start + timedelta(hours=run + 1)
        monkeypatch.setattr(SystemClock, "now", lambda self, later=later: later)
        cjw.sandbox.clear_calls()
        result = cjw.run("apply", "--refresh-details", "--refresh-budget", "20", "--auto-approve")
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
        queried = [c for c in cjw.sandbox.calls() if str(c["path"]).endswith("/product/query")]
        checked.append({p for p in pids for c in queried if p in str(c["query"])})
    assert len(checked[0]) == len(checked[1]) == 2
    assert checked[0] | checked[1] == set(pids)  # the second run checked the other two
