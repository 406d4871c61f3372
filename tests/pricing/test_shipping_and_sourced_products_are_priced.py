"""Pricing meets markets and sourcing: ``includeShipping`` adds the cheapest qualifying quote to the
cost base, and a product CJ sourced is sold (variants, pricing, fixed price) as its item says."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from reconciler.models.declared import Source, VariantPattern, VariantSelection
from reconciler.models.markets import FreightOption, Market, MarketQuote
from reconciler.models.observed import Observed
from reconciler.models.plan import Action
from reconciler.models.sourcing import SourcingItem, SourcingRecord, third_product_id
from reconciler.models.state import SyncState
from reconciler.planner.planner import PlanRequest, make_plan
from tests.support.plan_builders import DIGEST, LINEAGE, NOW, QPS, cj_said, desired, observed, pid, product
from tests.support.pricing_examples import shirt, worked_rule

US = Market("us", "US", 10, Decimal("6.00"), ("CN",), Source("manifests/markets.yaml", 4))
QUOTE = MarketQuote(
    "US",
    "v",
    ("CN",),
    (
        FreightOption("CN", "YunExpress", Decimal("4.00"), 6, 10),  # qualifies, cheapest
        FreightOption("CN", "Ordinary", Decimal("2.00"), 7, 14),  # too slow
    ),
    None,
    NOW.isoformat(),
)


def plan_for(want: object, recorded: SyncState | None, seen: Observed, *, refresh_only: bool = False) -> object:
    mode = "refresh-details" if refresh_only else "normal"
    request = PlanRequest(mode=mode, now=NOW, manifests_digest=DIGEST, qps=QPS, refresh_only=refresh_only)
    return make_plan(want, recorded, seen, request)  # type: ignore[arg-type]


def listing_of(result: object, address: str) -> dict[str, object]:
    change = next(c for c in result.changes if c.address == address)  # type: ignore[attr-defined]
    listing = change.after["listing"]
    assert isinstance(listing, dict)
    return listing


def test_include_shipping_adds_the_cheapest_qualifying_quote_to_the_cost_base() -> None:
    a = pid(1)
    plain = worked_rule()
    shipped = replace(plain, include_shipping="US")
    seen = observed(details=[shirt(a)]).with_reads("market", {(a, "US"): QUOTE})
    without = plan_for(desired([product(a)], pricing=[plain], markets=(US,)), None, seen)
    with_ship = plan_for(desired([product(a)], pricing=[shipped], markets=(US,)), None, seen)
    base = listing_of(without, f"product.{a}")["variants"][f"{a}-Black-S"]  # type: ignore[index]
    shipped_variant = listing_of(with_ship, f"product.{a}")["variants"][f"{a}-Black-S"]  # type: ignore[index]
    assert Decimal(base["cost"]) == Decimal("3.07")
    assert Decimal(shipped_variant["cost"]) == Decimal("7.07")  # 3.07 + 4.00 (YunExpress, the cheapest in time)
    assert Decimal(shipped_variant["price"]) > Decimal(base["price"])


def test_include_shipping_without_a_qualifying_quote_prices_without_it_and_warns() -> None:
    a = pid(1)
    rule = replace(worked_rule(), include_shipping="US")
    slow_only = replace(QUOTE, options=QUOTE.options[1:])
    seen = observed(details=[shirt(a)]).with_reads("market", {(a, "US"): slow_only})
    result = plan_for(desired([product(a)], pricing=[rule], markets=(US,)), None, seen)
    variant = listing_of(result, f"product.{a}")["variants"][f"{a}-Black-S"]  # type: ignore[index]
    assert Decimal(variant["cost"]) == Decimal("3.07")
    messages = [w.message for w in result.warnings if w.address == f"product.{a}"]  # type: ignore[attr-defined]
    assert any("includes shipping to US, but no qualifying option is known" in m for m in messages)


def test_a_sourced_product_is_sold_as_its_item_says() -> None:
    sourced = pid(50)
    item = SourcingItem(
        "https://a.test/lamp",
        "Lamp",
        "https://i.test/l.jpg",
        None,
        None,
        None,
        None,
        Source("manifests/s.yaml", 6),
        variants=VariantSelection(include=(VariantPattern("Black-*", Source("manifests/s.yaml", 9)),), exclude=()),
        store_price=Decimal("19.99"),
    )
    record = SourcingRecord(item.url, "succeeded", item.fingerprint, third_product_id(item.url), "1804", pid=sourced)
    recorded = SyncState(lineage=LINEAGE, serial=1, sourcing={record.key: record})
    result = plan_for(desired([], sourcing=(item,)), recorded, observed(details=[shirt(sourced)]))
    listing = listing_of(result, f"product.{sourced}")
    assert sorted(listing["variants"]) == [f"{sourced}-Black-M", f"{sourced}-Black-S"]  # type: ignore[arg-type]
    assert {v["price"] for v in listing["variants"].values()} == {"19.99"}  # type: ignore[union-attr]


def test_a_refresh_only_plan_files_nothing_and_records_cjs_answers() -> None:
    new = SourcingItem("https://a.test/new", "New", "https://i.test/n.jpg", None, None, None, None, Source("s", 1))
    result = plan_for(
        desired([], sourcing=(new,)),
        SyncState(lineage=LINEAGE, serial=1),
        cj_said(my_products={}),
        refresh_only=True,
    )
    assert [c for c in result.changes if c.kind == "sourcing"] == []  # type: ignore[attr-defined]
    from reconciler.models.sourcing import SourcingStatus

    open_record = SourcingRecord(new.url, "open", new.fingerprint, third_product_id(new.url), "1801")
    recorded = SyncState(lineage=LINEAGE, serial=1, sourcing={open_record.key: open_record})
    seen = cj_said(my_products={}, sourcing={"1801": SourcingStatus("1801", "5", "", fail_reason="no supplier")})
    result = plan_for(desired([], sourcing=(new,)), recorded, seen, refresh_only=True)
    (change,) = result.changes  # type: ignore[attr-defined]
    assert change.action is Action.UPDATE and change.after["phase"] == "failed"
