"""Which managed products CJ's webhook messages point at: PRODUCT (``pid``), VARIANT (``pid``,
else its ``vid`` looked up in the recorded snapshots) and STOCK (keyed by ``vid``).

A message is only a hint: the product is put first in the refresh and re-read from CJ before
anything changes (``reads.py``). A message is settled once its product was re-read, or at once
when it names no managed product (there is nothing to re-read).
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.kinds.product.model import products
from reconciler.kinds.product.record import products_of
from reconciler.models.desired import Desired
from reconciler.models.events import EventHint
from reconciler.models.state import SyncState

TYPES = frozenset({"PRODUCT", "VARIANT", "STOCK"})


@dataclass(frozen=True)
class ProductHints:
    """The managed pids the messages name, first-named first, and each message's pid (None: no managed one)."""

    pids: tuple[str, ...]
    by_message: dict[str, str | None]

    def settled(self, queried: set[str]) -> frozenset[str]:
        """The messages acted on once ``queried`` were re-read (and those that named no managed product)."""
        return frozenset(mid for mid, pid in self.by_message.items() if pid is None or pid in queried)


def _vids(hint: EventHint) -> list[str]:
    params = hint.params
    if not isinstance(params, dict):
        return []
    found: list[str] = []
    vid = hint.param("vid")
    if vid:
        found.append(vid)
    for key, value in params.items():  # STOCK: {vid: [{vid, areaId, storageNum, …}]}
        if isinstance(value, list):
            found.append(str(key))
            found.extend(str(item["vid"]) for item in value if isinstance(item, dict) and item.get("vid") is not None)
    return found


def product_hints(events: tuple[EventHint, ...], desired: Desired, state: SyncState | None) -> ProductHints:
    """What the PRODUCT/VARIANT/STOCK messages say of the managed products (pure)."""
    managed = {product.pid for product in products(desired)}
    recorded = products_of(state) if state is not None else {}
    owner = {vid: pid for pid, record in recorded.items() if record.snapshot for vid in record.snapshot.variants}
    pids: list[str] = []
    by_message: dict[str, str | None] = {}
    for hint in events:
        if hint.type not in TYPES:
            continue
        pid = hint.param("pid")
        if pid is None:
            pid = next((owner[vid] for vid in _vids(hint) if vid in owner), None)
        pid = pid if pid in managed else None
        by_message[hint.message_id] = pid
        if pid is not None and pid not in pids:
            pids.append(pid)
    return ProductHints(tuple(pids), by_message)
