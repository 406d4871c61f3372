"""Representative plans for the renderer and plan-format tests, made by the real planner from builders.

* ``no_changes``: everything recorded, listed and unchanged.
* ``mixed``: every action on products and logos, drift, unmanaged products and every warning.
* ``offline``: a plan made without asking CJ anything.
* ``many_creates``: thousands of new products, to exercise the Markdown size limit.
* ``priced``: a refresh that reprices products under a Pricing rule with a variant
  selection: a price update old -> new, a new priced product, a minMargin warning, material drift.
"""

from __future__ import annotations

from reconciler.models.observed import Observed
from reconciler.models.plan import Plan
from tests.support.plan_builders import (
    cj_said,
    desired,
    detail,
    listed,
    logo,
    observed,
    pid,
    plan,
    product,
    record,
    state,
)

P = {n: pid(n) for n in range(1, 13)}
PROMO_POD = '[{"areaName":"LogoArea","links":["https://img.example.com/promo.png"],"type":"1"}]'


def no_changes() -> Plan:
    brand = logo("brand", default=True)
    recorded = state([record(P[1]), record(P[2], seen=detail(P[2], name="Canvas Tote"))], [brand])
    return plan(desired([product(P[1]), product(P[2])], [brand]), recorded, observed(my_products=[P[1], P[2]]))


def mixed() -> Plan:
    """Refresh-details plan with create, adopt, update (drift, URL, logo), re-add, forget, logos and warnings."""
    brand_now = logo("brand", content=b"brand v2")
    promo = logo("promo", url="https://img.example.com/promo.png", line=12)
    draft = logo("draft", public_url=None, line=20)
    want = desired(
        [
            product(P[1], logo="brand", line=6),  # create; non-POD with a logo: warning
            product(P[2], logo="brand", line=8),  # adopt, POD
            product(P[3], line=10),  # update: drifted
            product(P[4], line=12, url=f"https://cjdropshipping.com/product/new-name-p-{P[4]}.html"),  # update: URL
            product(P[5], logo="brand", line=14),  # update: logo promo -> brand
            product(P[6], line=16),  # re-add
            product(P[8], line=18),  # create, POD without any logo: warning
            product(P[9], logo="draft", line=20),  # create, POD logo without publicUrl: warning
            product(P[10], line=22),  # recorded, now unavailable: warning
        ],
        [brand_now, promo, draft],
    )
    recorded = state(
        [
            record(P[3], seen=detail(P[3], name="Enamel Mug", prices=["9.50", "12.00"])),
            record(P[4], seen=detail(P[4], name="Linen Apron")),
            record(P[5], seen=detail(P[5], name="Logo Cap", pod=True), logo="promo", pod=PROMO_POD),
            record(P[6], seen=detail(P[6], name="Desk Lamp"), origin="adopted"),
            record(P[7], seen=detail(P[7], name="Old Poster")),
            record(P[10], seen=detail(P[10], name="Retired Kettle")),
        ],
        [logo("brand", content=b"brand v1"), logo("retired")],
        serial=41,
    )
    seen = observed(
        my_products=[P[2], P[3], P[4], P[5], P[7], P[10], P[11], P[12]],
        details=[
            detail(P[1], name="Steel Water Bottle", prices=["7.25", "8.75", "11.00"]),
            detail(P[2], name="Custom T-Shirt", pod=True, prices=["12.00"] * 4),
            detail(P[3], name="Enamel Mug", prices=["9.50", "13.25", "14.00"], status="2"),
            detail(P[4], name="Linen Apron"),
            detail(P[5], name="Logo Cap", pod=True),
            detail(P[6], name="Desk Lamp"),
            detail(P[8], name="Printed Hoodie", pod=True, prices=["24.00", "26.00"]),
            detail(P[9], name="Photo Mug", pod=True, prices=["10.00"]),
        ],
        unavailable={P[10]: "removed from shelves (1602002)"},
        calls=10,
        points=90,
    )
    return plan(want, recorded, seen, mode="refresh-details")


def offline() -> Plan:
    recorded = state(
        [
            record(P[1], seen=detail(P[1], name="Steel Water Bottle")),
            record(P[2], seen=detail(P[2], name="Old Poster")),
        ],
        [logo("brand")],
        serial=3,
    )
    want = desired(
        [product(P[1], url=f"https://cjdropshipping.com/product/bottle-p-{P[1]}.html"), product(P[3], logo="brand")],
        [logo("brand"), logo("promo", url="https://img.example.com/promo.png")],
    )
    return plan(want, recorded, Observed.offline(), mode="offline")


def many_creates(count: int) -> Plan:
    pids = [pid(n) for n in range(count)]
    return plan(
        desired([product(p) for p in pids]),
        None,
        observed(details=[detail(p) for p in pids], calls=count + 1, points=10 * count),
    )


def sourcing_and_markets() -> Plan:
    """Sourcing requests (new, one waiting for tomorrow, re-filed, succeeded, in progress) and a market."""
    from dataclasses import replace
    from datetime import timedelta
    from decimal import Decimal

    from reconciler.models.declared import Source
    from reconciler.models.desired import Settings
    from reconciler.models.markets import FreightOption, Market, MarketQuote
    from reconciler.models.sourcing import SourcingItem, SourcingQuota, SourcingRecord, SourcingStatus, third_product_id
    from tests.support.plan_builders import NOW

    def item(n: int, remark: str | None = None) -> SourcingItem:
        return SourcingItem(
            f"https://www.aliexpress.com/item/{n}.html",
            f"Desk Lamp {n}",
            "https://ae01.alicdn.com/kf/lamp.jpg",
            remark,
            Decimal("4.20"),
            None,
            None,
            Source("manifests/sourced.yaml", 6 * n),
        )

    def filed(source: SourcingItem, sid: str, **extra: object) -> SourcingRecord:
        base = SourcingRecord(
            source.url,
            "open",
            source.fingerprint,
            third_product_id(source.url),
            sid,
            (NOW - timedelta(hours=30)).isoformat(),
            name=source.name,
        )
        return replace(base, **extra)  # type: ignore[arg-type]

    fresh, later, retry, won, waiting = item(1), item(2), item(3, "second listing"), item(4), item(5)
    us = Market("us", "US", 10, Decimal("5.00"), ("CN",), Source("manifests/markets.yaml", 4))
    sold = pid(40)
    want = desired(
        [product(sold)],
        settings=Settings(qps=2, sourcing_per_day=5),
        sourcing=(fresh, later, retry, won, waiting),
        markets=(us,),
    )
    recorded = state([record(sold)])
    recorded = replace(
        recorded,
        sourcing={
            r.key: r
            for r in (
                filed(item(3), "1803", phase="failed", reason="The product link is invalid"),
                filed(won, "1804"),
                filed(waiting, "1805"),
            )
        },
        sourcing_quota=SourcingQuota(NOW.date().isoformat(), 4),
    )
    slow = FreightOption("CN", "CJPacket Ordinary", Decimal("3.10"), 7, 12)
    quote = MarketQuote("US", "v1", ("CN",), (slow,), None, NOW.isoformat())
    seen = cj_said(
        my_products={sold: listed(sold)},
        sourcing={
            "1804": SourcingStatus("1804", "3", "Sourcing succeeded", cj_product_id=pid(41)),
            "1805": SourcingStatus("1805", "1", "Sourcing"),
        },
        details={pid(41): detail(pid(41), name="Desk Lamp 4")},
        freight={(sold, "US"): quote},
    )
    return plan(want, recorded, seen)


def priced() -> Plan:
    """Refresh-details plan of a priced catalogue: reprice after a cost move, a new priced product, a margin warning."""
    from datetime import timedelta

    from tests.support.plan_builders import NOW, applied
    from tests.support.pricing_examples import shirt, worked_rule

    rule = worked_rule(min_margin="7.00")
    want = desired([product(P[1], include=["Black-*"]), product(P[2])], pricing=[rule])
    before = applied(plan(want, None, observed(details=[shirt(P[1]), shirt(P[2])])), None)
    moved = shirt(P[1], {"Black-S": "3.50", "Black-M": "3.07", "White-S": "38.70"})
    grown = desired([product(P[1], include=["Black-*"]), product(P[2]), product(P[3], price="24.00")], pricing=[rule])
    return plan(
        grown,
        before,
        observed(my_products=[P[1], P[2]], details=[moved, shirt(P[2]), shirt(P[3])], calls=4, points=30),
        mode="refresh-details",
        now=NOW + timedelta(days=2),
    )
