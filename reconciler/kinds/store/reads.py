"""What the store kind reads before planning: when a Store is declared, the stores authorised
to the CJ account (``shop/getShops``, free), so a ``cjShop`` CJ does not list fails the plan
with the list; and in ``plan --refresh-details`` (and ``apply
--refresh-details``), every product cjrec published to a declared store, read back from the
store in a few queries (``nodes``), so a price the merchant edited in the store's admin or a
product deleted there shows as drift and apply sets it back. Other plans read nothing from
the stores: a plan with nothing new to send costs no store call. Stage 1; no CJ points.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Protocol

from reconciler.kinds.contract import ReadBatch, ReadContext, Reads
from reconciler.kinds.planning import REFRESH_DETAILS
from reconciler.kinds.store.model import CjShop, SeenListing, StoreSeen, StoresObserved, stores
from reconciler.kinds.store.platform import StoreProduct
from reconciler.kinds.store.platforms import platform_named
from reconciler.kinds.store.record import listings_of
from reconciler.models.cj import CjConnection


class ShopReader(Protocol):
    """The CJ read: the stores authorised to the account (``shop/getShops``, free)."""

    def cj_shops(self) -> tuple[CjShop, ...]: ...


class ConnectionReader(Protocol):
    """The CJ read: one store product's connections (``GET product/conn/connection``, free)."""

    def cj_connections(self, shop_id: str, platform_product_id: str) -> tuple[CjConnection, ...]: ...


def _prepare(context: ReadContext) -> ReadBatch | None:
    if not stores(context.desired):
        return None
    shops: list[tuple[CjShop, ...]] = []
    reader: ShopReader = context.reader
    tasks: list[Callable[[], None]] = [lambda: shops.append(reader.cj_shops())]
    seen: StoreSeen = {}
    connected: dict[str, frozenset[tuple[str, str]]] = {}
    tasks += _read_back(context, seen)
    tasks += _read_connections(context, connected)
    return ReadBatch(
        tasks=tasks,
        result=lambda: StoresObserved(dict(seen), shops[0] if shops else None, connections=dict(connected)),
    )


def _read_connections(
    context: ReadContext, connected: dict[str, frozenset[tuple[str, str]]]
) -> list[Callable[[], None]]:
    """In ``--refresh-details``: CJ's connections of every product cjrec connected (free, one call
    a product), as (CJ vid, store variant id) pairs by record key, so one removed at CJ shows."""
    if context.mode != REFRESH_DETAILS or context.state is None:
        return []
    declared = {store.name: store for store in stores(context.desired)}
    reader: ConnectionReader = context.reader

    def read(key: str, shop_id: str, product_id: str) -> None:
        rows = reader.cj_connections(shop_id, product_id)
        connected[key] = frozenset((row.cj_vid, row.platform_variant_id) for row in rows)

    tasks: list[Callable[[], None]] = []
    for key, record in sorted(listings_of(context.state).items()):
        owner = declared.get(record.store)
        if owner is None or record.connection is None:
            continue
        product_id = platform_named(owner.platform).cj_id(record.product_id)
        tasks.append(functools.partial(read, key, record.connection.shop_id, product_id))
    return tasks


def _read_back(context: ReadContext, seen: StoreSeen) -> list[Callable[[], None]]:
    """In ``--refresh-details``: a task per store reading its published products back into ``seen``."""
    if context.mode != REFRESH_DETAILS or context.state is None or not context.stores:
        return []
    declared = {store.name for store in stores(context.desired)}
    recorded = listings_of(context.state)
    wanted: dict[str, dict[str, str]] = {}  # store -> product id -> record key
    for key, record in recorded.items():
        if record.store in declared and record.store in context.stores and record.status != "archived":
            wanted.setdefault(record.store, {})[record.product_id] = key

    def read(store: str, ids: dict[str, str]) -> None:
        found = context.stores[store].read(sorted(ids))
        for product_id, key in ids.items():
            product = found.get(product_id)
            seen[key] = None if product is None else _seen(product)

    return [functools.partial(read, store, ids) for store, ids in wanted.items()]


def _seen(product: StoreProduct) -> SeenListing:
    return SeenListing(
        product_id=product.id,
        status=product.status,
        prices={v.sku: v.price for v in product.variants if v.sku is not None},
    )


READS = Reads(stage=1, prepare=_prepare)
