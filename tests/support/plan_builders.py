"""In-memory builders for planner and renderer tests: manifests, state, CJ answers, a fixed clock.

Everything the pure planner takes is built here from a few keywords, so a test reads as
the situation it sets up. No files, no network, no sops, no clock: ``NOW`` is fixed and
``plan`` always passes the same ``PlanRequest`` apart from the mode.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from reconciler.applier.applier import record_change
from reconciler.kinds.logo.record import LogoRecord
from reconciler.kinds.product.model import CatalogSeen
from reconciler.kinds.product.record import ProductRecord
from reconciler.kinds.product.snapshots import snapshot_of
from reconciler.kinds.sourcing.model import SourcingSeen
from reconciler.kinds.webhook.model import CallbacksSeen
from reconciler.models.cj import MyProduct, ProductDetail, Variant
from reconciler.models.declared import Source, VariantPattern, VariantSelection
from reconciler.models.desired import Desired, DesiredProduct, Logo, LogoImage, Settings, Webhooks, WebhookSetting
from reconciler.models.markets import Market, MarketQuote
from reconciler.models.observed import Observed
from reconciler.models.plan import Plan
from reconciler.models.pricing import PricingRule
from reconciler.models.sourcing import SourcingItem, SourcingStatus
from reconciler.models.state import SyncState
from reconciler.planner.planner import PlanRequest, make_plan

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
DIGEST = "sha256:test"
QPS = 2
LINEAGE = "0b7c2f4e-2f7d-4b8e-9a55-3d8d1c0e7a11"
PRODUCTS_FILE = "manifests/products.yaml"
LOGOS_FILE = "manifests/logos.yaml"


def pid(n: int) -> str:
    """A numeric CJ pid (16 digits, so string order is number order)."""
    return f"{1_700_000_000_000_000 + n}"


def url_of(product_id: str, slug: str = "item") -> str:
    return f"https://cjdropshipping.com/product/{slug}-p-{product_id}.html"


# -- manifests ------------------------------------------------------------------------
def product(
    product_id: str,
    *,
    logo: str | None = None,
    line: int | None = None,
    url: str | None = None,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    pricing: str | None = None,
    price: str | None = None,
) -> DesiredProduct:
    """A product entry of ``manifests/products.yaml``; the line defaults to one derived from the pid.

    ``include``/``exclude`` give it a variant selection (entry ``j`` of each on line ``line + 2 + j``).
    """
    at = line if line is not None else 6 + int(product_id[-3:]) % 500
    include, exclude = tuple(include), tuple(exclude)
    selection = None
    if include or exclude:
        selection = VariantSelection(
            include=tuple(VariantPattern(p, Source(PRODUCTS_FILE, at + 2 + j)) for j, p in enumerate(include)),
            exclude=tuple(VariantPattern(p, Source(PRODUCTS_FILE, at + 20 + j)) for j, p in enumerate(exclude)),
        )
    return DesiredProduct(
        pid=product_id,
        url=url or url_of(product_id),
        logo=logo,
        source=Source(PRODUCTS_FILE, at),
        variants=selection,
        pricing=pricing,
        price=None if price is None else Decimal(price),
    )


def logo(
    name: str,
    *,
    default: bool = False,
    public_url: str | None = "auto",
    url: str | None = None,
    content: bytes | None = None,
    line: int = 4,
) -> Logo:
    """A logo. A file logo (``url=None``) gets an image and, unless told otherwise, a public URL."""
    if url is not None:
        return Logo(name, None, None, url, None, default, None, Source(LOGOS_FILE, line))
    data = content if content is not None else name.encode()
    image = LogoImage("png", 1000 + len(data), 64, 64, hashlib.sha256(data).hexdigest())
    display = f"manifests/logos/{name}.png"
    public = f"https://cdn.example.com/logos/{name}.png" if public_url == "auto" else public_url
    return Logo(name, Path(display), display, None, public, default, image, Source(LOGOS_FILE, line))


def desired(
    products: Iterable[DesiredProduct] = (),
    logos: Iterable[Logo] = (),
    *,
    pricing: Iterable[PricingRule] = (),
    settings: Settings | None = None,
    sourcing: Iterable[SourcingItem] = (),
    markets: Iterable[Market] = (),
    webhooks: Webhooks | None = None,
) -> Desired:
    return declared(
        products=products,
        logos=logos,
        pricing=pricing,
        sourcing=sourcing,
        markets=markets,
        webhooks=webhooks,
        settings=settings or Settings(qps=QPS),
        files=(LOGOS_FILE, PRODUCTS_FILE),
    )


def declared(
    *,
    settings: Settings,
    products: Iterable[DesiredProduct] = (),
    logos: Iterable[Logo] = (),
    pricing: Iterable[PricingRule] = (),
    sourcing: Iterable[SourcingItem] = (),
    markets: Iterable[Market] = (),
    webhooks: Webhooks | None = None,
    files: tuple[str, ...] = (),
) -> Desired:
    """A configuration of the built-in kinds, as the validator would make it (resources by kind, then name)."""
    resources: dict[str, dict[str, Any]] = {
        "logo": {logo.name: logo for logo in logos},
        "product": {product.pid: product for product in products},
        "sourcing": {item.key: item for item in sourcing},
        "market": {market.country: market for market in markets},
        "pricing": {rule.name: rule for rule in pricing},
    }
    if webhooks is not None:
        resources["webhook"] = {"webhooks": webhooks}
    return Desired(credentials=None, settings=settings, files=files, resources=resources)


# -- CJ -------------------------------------------------------------------------------
def detail(
    product_id: str,
    *,
    name: str | None = None,
    pod: bool = False,
    prices: Iterable[str | None] = ("9.50", "12.00"),
    status: str = "3",
    sku: str | None = None,
) -> ProductDetail:
    """A product's details; one variant per price, vids ``<pid>-1``, ``<pid>-2``…"""
    base_sku = sku or f"CJ{product_id[-6:]}"
    variants = tuple(
        Variant(
            vid=f"{product_id}-{i}",
            sku=f"{base_sku}-{i}",
            key=f"Colour {i}",
            price=None if price is None else Decimal(price),
            stock=100,
        )
        for i, price in enumerate(prices, start=1)
    )
    return ProductDetail(
        pid=product_id,
        name=name or f"Product {product_id[-4:]}",
        sku=base_sku,
        sell_price="9.50",
        status=status,
        customization_version=2 if pod else 0,
        image=None,
        variants=variants,
    )


def listed(product_id: str, *, name: str | None = None, sku: str | None = None) -> MyProduct:
    """A row of the My Products list."""
    return MyProduct(
        product_id,
        f"Product {product_id[-4:]}" if name is None else name,
        f"CJ{product_id[-6:]}" if sku is None else sku,
        "9.50",
        None,
    )


def observed(
    *,
    my_products: Iterable[str] | None = (),
    details: Iterable[ProductDetail] = (),
    unavailable: dict[str, str] | None = None,
    calls: int = 0,
    points: int = 0,
) -> Observed:
    """What CJ says: ``my_products=None`` means offline (nothing known)."""
    return cj_said(
        my_products=None if my_products is None else {p: listed(p) for p in my_products},
        details={d.pid: d for d in details},
        unavailable=dict(unavailable or {}),
        calls=calls,
        points=points,
    )


def cj_said(
    *,
    my_products: dict[str, MyProduct] | None = None,
    details: dict[str, ProductDetail] | None = None,
    unavailable: dict[str, str] | None = None,
    webhooks: dict[str, WebhookSetting] | None = None,
    subscriptions: frozenset[str] | None = None,
    sourcing: dict[str, SourcingStatus] | None = None,
    sourcing_problems: tuple[str, ...] = (),
    sourcing_error: str | None = None,
    freight: dict[tuple[str, str], MarketQuote] | None = None,
    calls: int = 0,
    points: int = 0,
) -> Observed:
    """What the built-in kinds read, as the observe phase would keep it (by kind); a kind given
    nothing read nothing (``my_products=None``: the plan was made offline)."""
    reads: dict[str, Any] = {}
    if my_products is not None:
        reads["product"] = CatalogSeen(dict(my_products), dict(details or {}), dict(unavailable or {}))
    if webhooks is not None or subscriptions is not None:
        reads["webhook"] = CallbacksSeen(webhooks, subscriptions)
    if sourcing is not None or sourcing_error is not None:
        reads["sourcing"] = SourcingSeen(dict(sourcing or {}), sourcing_problems, sourcing_error)
    if freight:
        reads["market"] = dict(freight)
    return Observed(reads=reads, calls=calls, points=points)


# -- state ----------------------------------------------------------------------------
def record(
    product_id: str,
    *,
    seen: ProductDetail | None = None,
    origin: str = "added",
    logo: str | None = None,
    pod: str | None = None,
    url: str | None = None,
    no_snapshot: bool = False,
) -> ProductRecord:
    """A recorded product; its snapshot is ``seen`` (default: ``detail(product_id)``)."""
    snapshot = None if no_snapshot else snapshot_of(seen or detail(product_id))
    return ProductRecord(product_id, url or url_of(product_id), origin, snapshot, logo, pod)


def logo_record(source: Logo) -> LogoRecord:
    """The record a logo gets once synced (written out here, not borrowed from the planner)."""
    image = source.image
    return LogoRecord(
        name=source.name,
        file=source.file_display,
        url=source.url,
        public_url=source.public_url,
        default=source.default,
        sha256=image.sha256 if image else None,
        format=image.format if image else None,
        width=image.width if image else None,
        height=image.height if image else None,
    )


def state(products: Iterable[ProductRecord] = (), logos: Iterable[Logo] = (), *, serial: int = 7) -> SyncState:
    return SyncState(
        lineage=LINEAGE,
        serial=serial,
        products={r.pid: r for r in products},
        logos={lg.name: logo_record(lg) for lg in logos},
    )


# -- planning and applying ------------------------------------------------------------
def request(mode: str = "normal", *, now: datetime = NOW, refresh_only: bool = False) -> PlanRequest:
    return PlanRequest(mode=mode, now=now, manifests_digest=DIGEST, qps=QPS, refresh_only=refresh_only)


def plan(
    want: Desired,
    recorded: SyncState | None,
    seen: Observed,
    *,
    mode: str = "normal",
    now: datetime = NOW,
    refresh_only: bool = False,
) -> Plan:
    return make_plan(want, recorded, seen, request(mode, now=now, refresh_only=refresh_only))


def applied(result: Plan, recorded: SyncState | None) -> SyncState:
    """The state after every change of ``result`` (what a fully successful apply records)."""
    current = recorded or SyncState(lineage=LINEAGE, serial=0)
    for change in result.changes:
        current = record_change(current, change)
    return current


def only(result: Plan, address: str) -> dict[str, Any]:
    """The one change for ``address``, as its JSON dict."""
    found = [c.to_dict() for c in result.changes if c.address == address]
    assert len(found) == 1, f"expected one change for {address}, got {found}"
    return found[0]


def messages(result: Plan, address: str | None) -> list[str]:
    """The warning messages attached to ``address`` (None: plan-wide warnings)."""
    return [w.message for w in result.warnings if w.address == address]
