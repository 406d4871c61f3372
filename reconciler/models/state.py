"""What the last apply recorded: the sync state kept in ``state/sync.json``.

Read and written only through ``reconciler.adapters.state_store``; the planner compares it
with the manifests and with CJ. It holds no secret (the openId, a webhook signing key,
lives in the encrypted token cache), so it is safe to commit. The envelope follows
OpenTofu's state file: ``format_version``, ``serial`` (bumped only when the content
changes) and ``lineage`` (fixed when the state is created).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.models.markets import MarketQuote
from reconciler.models.sourcing import SourcingQuota, SourcingRecord

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class VariantSnapshot:
    """A variant as last seen at CJ (prices as decimal strings; stock is too volatile to record).

    ``variant_key`` is CJ's variantKey, the option values joined by ``-`` (``Black-M``).
    ``variant_key`` and ``image`` are None in states written before cjrec recorded them.
    """

    sku: str
    price: str | None
    variant_key: str | None = None
    image: str | None = None
    weight: str | None = None  # grams (CJ's variantWeight), recorded since store exports

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "sku": self.sku,
            "price": self.price,
            "variant_key": self.variant_key,
            "image": self.image,
        }
        if self.weight is not None:
            data["weight"] = self.weight
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VariantSnapshot:
        def opt_str(key: str) -> str | None:
            return None if data.get(key) is None else str(data[key])

        return cls(
            sku=str(data["sku"]),
            price=opt_str("price"),
            variant_key=opt_str("variant_key"),
            image=opt_str("image"),
            weight=opt_str("weight"),
        )


@dataclass(frozen=True, slots=True)
class ProductSnapshot:
    """A product as last seen at CJ (``image``: its main image; None in older states)."""

    name: str
    sku: str
    sell_price: str
    status: str
    customization_version: int
    variants: dict[str, VariantSnapshot]
    image: str | None = None
    option_names: str | None = None  # CJ's productKeyEn, the option names joined by "-" (Color-Size)

    @property
    def is_pod(self) -> bool:
        return self.customization_version > 0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "sku": self.sku,
            "sell_price": self.sell_price,
            "status": self.status,
            "customization_version": self.customization_version,
            "image": self.image,
            "variants": {vid: v.to_dict() for vid, v in sorted(self.variants.items())},
        }
        if self.option_names is not None:
            data["option_names"] = self.option_names
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProductSnapshot:
        return cls(
            name=str(data["name"]),
            sku=str(data["sku"]),
            sell_price=str(data["sell_price"]),
            status=str(data["status"]),
            customization_version=int(data["customization_version"]),
            variants={str(vid): VariantSnapshot.from_dict(dict(v)) for vid, v in dict(data["variants"]).items()},
            image=None if data.get("image") is None else str(data["image"]),
            option_names=None if data.get("option_names") is None else str(data["option_names"]),
        )


@dataclass(frozen=True, slots=True)
class ListedVariant:
    """A selected variant's store price (None when CJ gives it no cost), compare-at price and the
    cost base (USD) the price was computed from, as decimal strings."""

    price: str | None
    compare_at: str | None = None
    cost: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"price": self.price, "compare_at": self.compare_at, "cost": self.cost}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ListedVariant:
        def opt_str(key: str) -> str | None:
            return None if data.get(key) is None else str(data[key])

        return cls(price=opt_str("price"), compare_at=opt_str("compare_at"), cost=opt_str("cost"))


@dataclass(frozen=True, slots=True)
class Listing:
    """What the store sells of a product: the selected variants (by vid) at their store prices.

    ``rule`` is the Pricing rule's name, ``"price"`` for an item's fixed ``price:``, or None
    when no rule applies (the variants are selected but not priced).
    """

    rule: str | None
    currency: str
    variants: dict[str, ListedVariant]
    exchange_rate: str = "1"  # store currency per USD, to show costs in the store currency

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "currency": self.currency,
            "exchange_rate": self.exchange_rate,
            "variants": {vid: v.to_dict() for vid, v in sorted(self.variants.items())},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Listing:
        return cls(
            rule=None if data.get("rule") is None else str(data["rule"]),
            currency=str(data.get("currency") or "USD"),
            variants={str(vid): ListedVariant.from_dict(dict(v)) for vid, v in dict(data["variants"]).items()},
            exchange_rate=str(data.get("exchange_rate") or "1"),
        )


@dataclass(frozen=True, slots=True)
class ProductRecord:
    """A managed product: where it came from, what CJ said of it, and its logo (POD only)."""

    pid: str
    url: str
    origin: str  # "added" (cjrec added it) | "adopted" (it was in My Products already)
    snapshot: ProductSnapshot | None
    logo: str | None = None
    pod_properties: str | None = None
    listing: Listing | None = None  # None: no selection and no pricing, every variant is sold unpriced
    checked_at: str | None = None  # when CJ was last asked for its details (ISO 8601, UTC)

    def selected(self) -> list[str]:
        """The vids the store sells: the listing's, or every recorded variant."""
        if self.listing is not None:
            return sorted(self.listing.variants)
        return sorted(self.snapshot.variants) if self.snapshot else []

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "url": self.url,
            "origin": self.origin,
            "snapshot": self.snapshot.to_dict() if self.snapshot else None,
            "logo": self.logo,
            "pod_properties": self.pod_properties,
        }
        if self.listing is not None:
            data["listing"] = self.listing.to_dict()
        if self.checked_at is not None:
            data["checked_at"] = self.checked_at
        return data

    @classmethod
    def from_dict(cls, pid: str, data: dict[str, Any]) -> ProductRecord:
        snap = data.get("snapshot")
        return cls(
            pid=pid,
            url=str(data["url"]),
            origin=str(data["origin"]),
            snapshot=ProductSnapshot.from_dict(snap) if snap else None,
            logo=None if data.get("logo") is None else str(data["logo"]),
            pod_properties=None if data.get("pod_properties") is None else str(data["pod_properties"]),
            listing=Listing.from_dict(dict(data["listing"])) if data.get("listing") else None,
            checked_at=None if data.get("checked_at") is None else str(data["checked_at"]),
        )


@dataclass(frozen=True, slots=True)
class LogoRecord:
    """A logo as cjrec synced it: image facts and where CJ fetches it."""

    name: str
    file: str | None
    url: str | None
    public_url: str | None
    default: bool
    sha256: str | None
    format: str | None
    width: int | None
    height: int | None
    hosted: str | None = None  # s3://… the file was uploaded to (Settings spec.logoStore); public_url is its address

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "file": self.file,
            "url": self.url,
            "public_url": self.public_url,
            "default": self.default,
            "sha256": self.sha256,
            "format": self.format,
            "width": self.width,
            "height": self.height,
        }
        if self.hosted is not None:  # only then, so states without hosted logos keep their bytes
            record["hosted"] = self.hosted
        return record

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> LogoRecord:
        def opt_int(key: str) -> int | None:
            return None if data.get(key) is None else int(data[key])

        def opt_str(key: str) -> str | None:
            return None if data.get(key) is None else str(data[key])

        return cls(
            name=name,
            file=opt_str("file"),
            url=opt_str("url"),
            public_url=opt_str("public_url"),
            default=bool(data.get("default", False)),
            sha256=opt_str("sha256"),
            format=opt_str("format"),
            width=opt_int("width"),
            height=opt_int("height"),
            hosted=opt_str("hosted"),
        )


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    """The webhook topics cjrec set, and the product event subscriptions it made."""

    topics: dict[str, dict[str, Any]]  # topic -> {"enabled": bool, "url": str | None}
    subscriptions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "topics": {t: {"enabled": bool(v["enabled"]), "url": v.get("url")} for t, v in sorted(self.topics.items())},
            "subscriptions": sorted(self.subscriptions),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebhookRecord:
        topics = {str(t): {"enabled": bool(v["enabled"]), "url": v.get("url")} for t, v in dict(data["topics"]).items()}
        return cls(topics=topics, subscriptions=tuple(sorted(str(p) for p in data["subscriptions"])))


@dataclass(frozen=True, slots=True)
class SyncState:
    """The whole recorded state.

    ``sourcing``: sourcing requests by normalised sourceUrl; ``sourcing_quota``: creates sent
    on the last UTC day one was; ``markets``: freight quotes by country, then pid. The three
    are written only when not empty, so states of earlier versions read and write unchanged.
    """

    lineage: str
    serial: int
    products: dict[str, ProductRecord] = field(default_factory=dict)
    logos: dict[str, LogoRecord] = field(default_factory=dict)
    webhooks: WebhookRecord | None = None
    sourcing: dict[str, SourcingRecord] = field(default_factory=dict)
    sourcing_quota: SourcingQuota | None = None
    markets: dict[str, dict[str, MarketQuote]] = field(default_factory=dict)

    def content(self) -> dict[str, Any]:
        """The resources, without the envelope: what ``serial`` tracks."""
        content: dict[str, Any] = {
            "products": {pid: r.to_dict() for pid, r in sorted(self.products.items())},
            "logos": {name: r.to_dict() for name, r in sorted(self.logos.items())},
            "webhooks": self.webhooks.to_dict() if self.webhooks else None,
        }
        if self.sourcing:
            content["sourcing"] = {key: r.to_dict() for key, r in sorted(self.sourcing.items())}
        if self.sourcing_quota is not None:
            content["sourcing_quota"] = self.sourcing_quota.to_dict()
        if self.markets:
            content["markets"] = {
                country: {pid: q.to_dict() for pid, q in sorted(quotes.items())}
                for country, quotes in sorted(self.markets.items())
                if quotes
            }
        return content

    def to_dict(self) -> dict[str, Any]:
        return {"format_version": FORMAT_VERSION, "serial": self.serial, "lineage": self.lineage, **self.content()}

    def with_product(self, record: ProductRecord) -> SyncState:
        return replace(self, products={**self.products, record.pid: record})

    def without_product(self, pid: str) -> SyncState:
        return replace(self, products={k: v for k, v in self.products.items() if k != pid})

    def with_webhooks(self, record: WebhookRecord | None) -> SyncState:
        return replace(self, webhooks=record)

    def with_logo(self, record: LogoRecord) -> SyncState:
        return replace(self, logos={**self.logos, record.name: record})

    def without_logo(self, name: str) -> SyncState:
        return replace(self, logos={k: v for k, v in self.logos.items() if k != name})

    def with_sourcing(self, record: SourcingRecord) -> SyncState:
        return replace(self, sourcing={**self.sourcing, record.key: record})

    def without_sourcing(self, key: str) -> SyncState:
        return replace(self, sourcing={k: v for k, v in self.sourcing.items() if k != key})

    def with_quota(self, quota: SourcingQuota) -> SyncState:
        return replace(self, sourcing_quota=quota)

    def with_market(self, country: str, quotes: dict[str, MarketQuote] | None) -> SyncState:
        """Replace the quotes of one market (None or empty: forget the market)."""
        markets = {k: v for k, v in self.markets.items() if k != country}
        if quotes:
            markets[country] = dict(quotes)
        return replace(self, markets=markets)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SyncState:
        """Build from parsed JSON; raises KeyError/TypeError/ValueError on a malformed document."""
        products = {str(pid): ProductRecord.from_dict(str(pid), rec) for pid, rec in dict(data["products"]).items()}
        logos = {str(name): LogoRecord.from_dict(str(name), rec) for name, rec in dict(data["logos"]).items()}
        serial = data["serial"]
        if not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
            raise ValueError("serial must be a non-negative integer")
        hooks = data.get("webhooks")
        webhooks = WebhookRecord.from_dict(hooks) if hooks else None
        records = [SourcingRecord.from_dict(dict(r)) for r in dict(data.get("sourcing") or {}).values()]
        sourcing = {record.key: record for record in records}
        quota = data.get("sourcing_quota")
        markets = {
            str(country): {str(pid): MarketQuote.from_dict(str(country), dict(q)) for pid, q in dict(quotes).items()}
            for country, quotes in dict(data.get("markets") or {}).items()
            if quotes
        }
        return cls(
            lineage=str(data["lineage"]),
            serial=serial,
            products=products,
            logos=logos,
            webhooks=webhooks,
            sourcing=sourcing,
            sourcing_quota=SourcingQuota.from_dict(dict(quota)) if quota else None,
            markets=markets,
        )
