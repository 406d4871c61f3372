"""Markets, pure: what to quote (and what not), the cheapest qualifying option, the closest one named
when none qualifies, limits changed without new quotes, and the shipping cost pricing reads."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from reconciler.kinds.market.plan import market_plan, quote_budget, quote_requests, shipping_cost, shipping_costs
from reconciler.kinds.product.record import ProductRecord, ProductSnapshot, VariantSnapshot
from reconciler.models.cj import ProductDetail, Variant
from reconciler.models.declared import Source
from reconciler.models.desired import Desired, Settings
from reconciler.models.markets import FreightOption, Market, MarketQuote, best_option, closest_option, parse_aging
from reconciler.models.plan import Action
from reconciler.models.state import SyncState
from tests.support.plan_builders import LINEAGE, NOW, QPS, cj_said, declared, pid, product

US = Market("us", "US", 10, Decimal("5.00"), ("CN", "US"), Source("manifests/markets.yaml", 4))


def option(origin: str, name: str, price: str, days: tuple[int, int]) -> FreightOption:
    return FreightOption(origin, name, Decimal(price), *days)


OPTIONS = (
    option("CN", "CJPacket Ordinary", "3.10", (7, 12)),  # cheap, too slow
    option("CN", "YunExpress", "4.80", (6, 10)),  # qualifies
    option("US", "USPS+", "4.60", (2, 5)),  # qualifies, cheapest
    option("CN", "DHL", "19.00", (3, 7)),  # fast, too dear
)


def wanted(*pids: str, markets: tuple[Market, ...] = (US,)) -> Desired:
    return declared(products=(product(p) for p in pids), settings=Settings(qps=QPS), markets=markets)


def quote(options: tuple[FreightOption, ...] = OPTIONS, origins: tuple[str, ...] = ("CN", "US")) -> MarketQuote:
    return MarketQuote("US", "v1", origins, options, None, "2026-03-01T12:00:00+00:00")


def detail(product_id: str, *variants: Variant) -> ProductDetail:
    return ProductDetail(product_id, "Mug", "CJMG1", "3.25", "3", 0, None, variants)


def test_aging_is_read_in_every_form_cj_writes_it() -> None:
    assert parse_aging("2-5") == (2, 5)
    assert parse_aging(" 7 ") == (7, 7)
    assert parse_aging("3~6 days") == (3, 6)
    assert parse_aging("soon") is None
    assert parse_aging("9-4") is None


def test_the_cheapest_qualifying_option_wins_and_the_closest_is_named_when_none_does() -> None:
    best = best_option(OPTIONS, US)
    assert best is not None and (best.name, best.price) == ("USPS+", Decimal("4.60"))
    strict = Market("us", "US", 4, Decimal("4.00"), ("CN",), US.source)
    assert best_option(OPTIONS, strict) is None
    fast_but_cheap = Market("us", "US", 7, Decimal("5.00"), ("CN",), US.source)
    assert best_option(tuple(o for o in OPTIONS if o.origin == "CN"), fast_but_cheap) is None  # DHL: in time, too dear
    closest = closest_option(OPTIONS, strict)
    assert closest is not None and closest.name == "USPS+"  # 1 day and $0.60 over: the least miss


def test_new_quotes_are_recorded_with_the_best_option_and_unreachable_products_warned() -> None:
    a, b = pid(1), pid(2)
    slow = (option("CN", "CJPacket Ordinary", "3.10", (7, 12)),)
    observed = cj_said(my_products={}, freight={(a, "US"): quote(), (b, "US"): quote(slow, ("CN",))})
    found = market_plan(wanted(a, b), SyncState(lineage=LINEAGE, serial=1), observed, now=NOW)
    (change,) = found.changes
    assert (change.address, change.action) == ("market.US", Action.CREATE)
    assert change.after is not None
    assert change.after["quotes"][a]["best"]["name"] == "USPS+"
    assert change.after["quotes"][b]["best"] is None
    (warning,) = found.warnings
    assert warning.address == f"product.{b}"
    assert warning.message == (
        "cannot reach US within 10 days for $5.00: the best option found is CJPacket Ordinary from CN, $3.10, 7-12 days"
    )


def test_recorded_quotes_are_reused_and_changed_limits_recompute_without_calls() -> None:
    a = pid(1)
    unsettled = SyncState(lineage=LINEAGE, serial=1, markets={"US": {a: quote()}})
    first = market_plan(wanted(a), unsettled, cj_said(my_products={}), now=NOW)
    assert [c.action for c in first.changes] == [Action.UPDATE]  # the recorded quote had no best yet
    settled = SyncState(lineage=LINEAGE, serial=2, markets={"US": {a: replace(quote(), best=best_option(OPTIONS, US))}})
    assert market_plan(wanted(a), settled, cj_said(my_products={}), now=NOW).changes == []
    assert quote_requests(wanted(a), settled, cj_said(my_products={})) == []
    assert shipping_cost(settled, a, "US") == Decimal("4.60")
    assert shipping_cost(settled, a, "DE") is None
    slower = Market("us", "US", 12, Decimal("3.50"), ("CN", "US"), US.source)
    (change,) = market_plan(wanted(a, markets=(slower,)), settled, cj_said(my_products={}), now=NOW).changes
    assert change.action is Action.UPDATE and change.after is not None
    assert change.after["quotes"][a]["best"]["name"] == "CJPacket Ordinary"


def test_quotes_are_asked_for_new_details_new_products_and_changed_origins_only() -> None:
    a, b = pid(1), pid(2)
    heavy = Variant("v-heavy", "S-2", "Big", Decimal("3"), 5, weight=Decimal("900"), stock_countries=("CN",))
    light = Variant("v-light", "S-1", "Small", Decimal("3"), 5, weight=Decimal("100"), stock_countries=("CN", "US"))
    observed = cj_said(my_products={}, details={a: detail(a, light, heavy)})
    recorded = SyncState(lineage=LINEAGE, serial=1, markets={"US": {b: quote()}})
    (request,) = quote_requests(wanted(a, b), recorded, observed)
    assert (request.pid, request.vid, request.origins) == (a, "v-heavy", ("CN",))  # heaviest variant, stocked origins
    assert request.skipped == ("no stock in US",) and request.market_origins == ("CN", "US")
    moved = Market("us", "US", 10, Decimal("5.00"), ("CN", "DE"), US.source)
    snapshot = ProductSnapshot("Cap", "CJCP1", "3.00", "3", 0, {"vb": VariantSnapshot("CJCP1-Red", "3.00")})
    known = replace(recorded, products={b: ProductRecord(b, "https://x.test", "added", snapshot)})
    (again,) = quote_requests(wanted(b, markets=(moved,)), known, cj_said(my_products={}))
    assert (again.pid, again.vid, again.origins) == (b, "vb", ("CN", "DE"))  # stock unknown: every origin
    assert quote_budget(wanted(a, b), recorded, [a]) == 2 * 10
    assert quote_budget(wanted(a, b, markets=(moved,)), recorded, []) == 4 * 10


def test_shipping_costs_for_pricing_come_from_fresh_quotes_first_then_recorded_ones() -> None:
    a, b, c = pid(1), pid(2), pid(3)
    recorded = SyncState(lineage=LINEAGE, serial=1, markets={"US": {a: quote(), b: quote()}})
    cheaper = (option("US", "USPS+", "4.10", (2, 5)),)
    seen = cj_said(my_products={}, freight={(b, "US"): quote(cheaper)})
    costs = shipping_costs(wanted(a, b, c), recorded, seen)
    assert costs == {a: {"US": Decimal("4.60")}, b: {"US": Decimal("4.10")}}  # c: never quoted


def test_a_market_removed_from_the_manifests_is_forgotten() -> None:
    a = pid(1)
    recorded = SyncState(lineage=LINEAGE, serial=1, markets={"US": {a: quote()}})
    (change,) = market_plan(wanted(a, markets=()), recorded, cj_said(my_products={}), now=NOW).changes
    assert (change.address, change.action) == ("market.US", Action.FORGET)
