"""The product kind's records in the state: what cjrec added or adopted, as CJ last showed it, and
what the store sells of it; the ``products`` section of ``state/sync.json`` and its codec.

Written by the product executor, read by every planner that looks at managed products, by the
renderers and by the store exports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.kinds.contract import Section, required_object
from reconciler.models.product_url import ProductUrlError, normalise_pid
from reconciler.models.state import RecordError, SyncState

SECTION = "products"
ORIGINS = ("added", "adopted")


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


def products_of(state: SyncState) -> Mapping[str, ProductRecord]:
    """The managed products by pid."""
    return state.records_in(SECTION)


def with_product(state: SyncState, record: ProductRecord) -> SyncState:
    return state.with_record(SECTION, record.pid, record)


def without_product(state: SyncState, pid: str) -> SyncState:
    return state.without_record(SECTION, pid)


def _decode(data: Any) -> dict[str, ProductRecord]:
    data = required_object(data, SECTION)
    records = {str(pid): ProductRecord.from_dict(str(pid), rec) for pid, rec in data.items()}
    for pid, record in records.items():
        try:
            if normalise_pid(pid) != pid:
                raise ProductUrlError("not canonical")
        except ProductUrlError:
            raise RecordError(f"{pid[:40]!r} is not a CJ product id") from None
        if record.origin not in ORIGINS:
            raise RecordError(f"product {pid} has an unknown origin {record.origin!r}")
    return records


def _encode(records: Mapping[str, ProductRecord]) -> dict[str, Any]:
    return {pid: record.to_dict() for pid, record in sorted(records.items())}


# 16**3 = 4096 shards: about 25 products (~90 KB) a shard at 100,000 products
SECTIONS = (Section(SECTION, _decode, _encode, position=10, always=True, shard_digits=3),)
