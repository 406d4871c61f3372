"""The product kind's records in the state: what cjrec added or adopted, as CJ last showed it, and
what the store sells of it; the ``products`` section of ``state/sync.json`` and its codec.

Written by the product executor, read by every planner that looks at managed products, by the
renderers and by the store exports.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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
        get = data.get  # 500,000 calls at 100,000 products: no helper closures, no copies
        return cls(
            str(data["sku"]), _opt(get("price")), _opt(get("variant_key")), _opt(get("image")), _opt(get("weight"))
        )


class RecordedVariants(Mapping[str, VariantSnapshot]):
    """A recorded snapshot's variants, as read from the state: made into VariantSnapshots on first use.

    Most runs never look at most variants (a plan without Pricing rules reads none of them), and
    at 100,000 products x 5 variants making them was a third of loading the state. Their shape
    is checked when the state is read (each an object with a ``sku``), so making them later
    cannot fail: a damaged state is still refused at load, naming the file.
    """

    __slots__ = ("_decoded", "_raw")

    def __init__(self, raw: Mapping[str, Any]) -> None:
        for value in raw.values():
            if value.__class__ is not dict or "sku" not in value:
                raise TypeError("a variant must be an object with a sku")
        self._raw: Mapping[str, Any] = raw
        self._decoded: dict[str, VariantSnapshot] | None = None

    def _variants(self) -> dict[str, VariantSnapshot]:
        decoded = self._decoded
        if decoded is None:
            variant = VariantSnapshot.from_dict
            decoded = self._decoded = {str(vid): variant(value) for vid, value in self._raw.items()}
            self._raw = {}
        return decoded

    def __getitem__(self, vid: str) -> VariantSnapshot:
        return self._variants()[vid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._variants())

    def __len__(self) -> int:
        return len(self._raw) if self._decoded is None else len(self._decoded)

    def __contains__(self, vid: object) -> bool:
        return vid in (self._raw if self._decoded is None else self._decoded)

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, RecordedVariants):
            other = other._variants()
        return self._variants() == other if isinstance(other, Mapping) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a mapping, like the dict it stands for

    def __repr__(self) -> str:
        return f"RecordedVariants({self._variants()!r})"


@dataclass(frozen=True, slots=True)
class ProductSnapshot:
    """A product as last seen at CJ (``image``: its main image; None in older states)."""

    name: str
    sku: str
    sell_price: str
    status: str
    customization_version: int
    variants: Mapping[str, VariantSnapshot]  # a dict, or RecordedVariants when read from the state
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
            variants=RecordedVariants(data["variants"]),
            image=_opt(data.get("image")),
            option_names=_opt(data.get("option_names")),
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
        get = data.get
        return cls(_opt(get("price")), _opt(get("compare_at")), _opt(get("cost")))


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
            rule=_opt(data.get("rule")),
            currency=str(data.get("currency") or "USD"),
            variants={str(vid): ListedVariant.from_dict(v) for vid, v in data["variants"].items()},
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
        get = data.get
        snap, listing = get("snapshot"), get("listing")
        return cls(
            pid=pid,
            url=str(data["url"]),
            origin=str(data["origin"]),
            snapshot=ProductSnapshot.from_dict(snap) if snap else None,
            logo=_opt(get("logo")),
            pod_properties=_opt(get("pod_properties")),
            listing=Listing.from_dict(listing) if listing else None,
            checked_at=_opt(get("checked_at")),
        )


def _opt(value: Any) -> str | None:
    """An optional text field as read: None stays None, text stays the same object, anything else becomes text."""
    return value if value is None or value.__class__ is str else str(value)


def products_of(state: SyncState) -> Mapping[str, ProductRecord]:
    """The managed products by pid."""
    return state.records_in(SECTION)


def with_product(state: SyncState, record: ProductRecord) -> SyncState:
    return state.with_record(SECTION, record.pid, record)


def without_product(state: SyncState, pid: str) -> SyncState:
    return state.without_record(SECTION, pid)


def _decode(data: Any) -> dict[str, ProductRecord]:
    data = required_object(data, SECTION)
    decode = ProductRecord.from_dict
    records = {pid: decode(pid, rec) for pid, rec in data.items()}
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


# at most 16**3 = 4,096 shards (about 25 products, ~50 KB, a shard at 100,000 products); fewer while
# the catalogue is small (state_tree.shard_digits: 16 shards up to 4,096 products, 256 up to 65,536)
SECTIONS = (Section(SECTION, _decode, _encode, position=10, always=True, shard_digits=3),)
