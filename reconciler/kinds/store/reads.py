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
from reconciler.kinds.store.record import listings_of


class ShopReader(Protocol):
    """The CJ read: the stores authorised to the account (``shop/getShops``, free)."""

    def cj_shops(self) -> tuple[CjShop, ...]: ...


def _prepare(context: ReadContext) -> ReadBatch | None:
    if not stores(context.desired):
        return None
    shops: list[tuple[CjShop, ...]] = []
    reader: ShopReader = context.reader
    tasks: list[Callable[[], None]] = [lambda: shops.append(reader.cj_shops())]
    seen: StoreSeen = {}
    tasks += _read_back(context, seen)
    return ReadBatch(tasks=tasks, result=lambda: StoresObserved(dict(seen), shops[0] if shops else None))


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
