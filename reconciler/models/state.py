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

    def to_dict(self) -> dict[str, Any]:
        return {"sku": self.sku, "price": self.price, "variant_key": self.variant_key, "image": self.image}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VariantSnapshot:
        def opt_str(key: str) -> str | None:
            return None if data.get(key) is None else str(data[key])

        return cls(
            sku=str(data["sku"]), price=opt_str("price"), variant_key=opt_str("variant_key"), image=opt_str("image")
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

    @property
    def is_pod(self) -> bool:
        return self.customization_version > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sku": self.sku,
            "sell_price": self.sell_price,
            "status": self.status,
            "customization_version": self.customization_version,
            "image": self.image,
            "variants": {vid: v.to_dict() for vid, v in sorted(self.variants.items())},
        }

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "origin": self.origin,
            "snapshot": self.snapshot.to_dict() if self.snapshot else None,
            "logo": self.logo,
            "pod_properties": self.pod_properties,
        }

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
    """The whole recorded state."""

    lineage: str
    serial: int
    products: dict[str, ProductRecord] = field(default_factory=dict)
    logos: dict[str, LogoRecord] = field(default_factory=dict)
    webhooks: WebhookRecord | None = None

    def content(self) -> dict[str, Any]:
        """The resources, without the envelope: what ``serial`` tracks."""
        return {
            "products": {pid: r.to_dict() for pid, r in sorted(self.products.items())},
            "logos": {name: r.to_dict() for name, r in sorted(self.logos.items())},
            "webhooks": self.webhooks.to_dict() if self.webhooks else None,
        }

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
        return cls(lineage=str(data["lineage"]), serial=serial, products=products, logos=logos, webhooks=webhooks)
