"""The store kind's records in the state: what cjrec published to each store; the ``store_listings``
section of ``state/sync.json`` (by ``<store>/product.<pid>``) and its codec.

A record holds the store's product id, the store variant id per CJ vid with what was set on
it (SKU, price, compare-at price), the fingerprint of what was sent (so a plan with nothing
new to send costs no store call), the status cjrec left the product in, when it was
published, and CJ's connection of its variants (shop, logistics, ship-from/to, the store
variant id per CJ vid as CJ takes it) once made. Written by the store executor after each store call; read by the planner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.kinds.contract import Section
from reconciler.models.state import RecordError, SyncState

SECTION = "store_listings"
STATUSES = ("active", "draft", "archived")


def listing_key(store: str, pid: str) -> str:
    """The record's name: ``<store>/product.<pid>`` (its address is ``store.<store>/product.<pid>``)."""
    return f"{store}/product.{pid}"


@dataclass(frozen=True, slots=True)
class StoreVariantRecord:
    """A store variant cjrec set: its id in the store and the values cjrec gave it."""

    id: str
    sku: str
    price: str
    compare_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "sku": self.sku, "price": self.price, "compare_at": self.compare_at}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StoreVariantRecord:
        compare = data.get("compare_at")
        return cls(str(data["id"]), str(data["sku"]), str(data["price"]), None if compare is None else str(compare))


@dataclass(frozen=True, slots=True)
class ConnectionRecord:
    """CJ's connection of a published product (``product/conn/connection``): the CJ shop, how
    orders ship (logistics, ship-from and ship-to country) and, by CJ vid, the store variant id
    as CJ takes it."""

    shop_id: str
    logistics: str | None
    ship_from: str | None
    ship_to: str | None
    variants: dict[str, str]

    def settings(self) -> dict[str, Any]:
        """What the plan compares: everything but the variant ids (those follow the product)."""
        return {
            "shop_id": self.shop_id,
            "logistics": self.logistics,
            "ship_from": self.ship_from,
            "ship_to": self.ship_to,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.settings(), "variants": dict(sorted(self.variants.items()))}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConnectionRecord:
        def text(key: str) -> str | None:
            return None if data.get(key) is None else str(data[key])

        return cls(
            shop_id=str(data["shop_id"]),
            logistics=text("logistics"),
            ship_from=text("ship_from"),
            ship_to=text("ship_to"),
            variants={str(vid): str(pvid) for vid, pvid in dict(data.get("variants") or {}).items()},
        )


@dataclass(frozen=True, slots=True)
class ListingRecord:
    """A product cjrec published to a store."""

    store: str
    pid: str
    product_id: str  # gid://shopify/Product/…
    variants: dict[str, StoreVariantRecord]  # by CJ vid
    fingerprint: str
    status: str  # active | draft | archived (archived or draft after the product left the store)
    published_at: str  # ISO 8601, UTC: when cjrec last sent it
    connection: ConnectionRecord | None = None  # CJ's connection for fulfilment, once made

    @property
    def key(self) -> str:
        return listing_key(self.store, self.pid)

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "pid": self.pid,
            "product_id": self.product_id,
            "variants": {vid: v.to_dict() for vid, v in sorted(self.variants.items())},
            "fingerprint": self.fingerprint,
            "status": self.status,
            "published_at": self.published_at,
            **({"connection": self.connection.to_dict()} if self.connection is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListingRecord:
        return cls(
            store=str(data["store"]),
            pid=str(data["pid"]),
            product_id=str(data["product_id"]),
            variants={str(vid): StoreVariantRecord.from_dict(v) for vid, v in dict(data["variants"]).items()},
            fingerprint=str(data["fingerprint"]),
            status=str(data["status"]),
            published_at=str(data["published_at"]),
            connection=None if data.get("connection") is None else ConnectionRecord.from_dict(data["connection"]),
        )


def listings_of(state: SyncState) -> Mapping[str, ListingRecord]:
    """What cjrec published, by ``<store>/product.<pid>``."""
    found: Mapping[str, ListingRecord] = state.section(SECTION) or {}
    return found


def with_listing(state: SyncState, record: ListingRecord) -> SyncState:
    return state.with_record(SECTION, record.key, record)


def without_listing(state: SyncState, key: str) -> SyncState:
    return state.without_record(SECTION, key)


def _decode(data: Any) -> dict[str, ListingRecord]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TypeError(f"`{SECTION}` is not an object")
    records = {str(key): ListingRecord.from_dict(value) for key, value in data.items()}
    for key, record in records.items():
        if key != record.key:
            raise RecordError(f"store listing {key[:80]!r} does not match its store and pid")
        if record.status not in STATUSES:
            raise RecordError(f"store listing {key[:80]} has an unknown status {record.status[:20]!r}")
    return records


def _encode(records: Mapping[str, ListingRecord]) -> dict[str, Any]:
    return {key: record.to_dict() for key, record in sorted(records.items())}


SECTIONS = (Section(SECTION, _decode, _encode, position=70),)
