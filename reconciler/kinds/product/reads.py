"""What the product kind reads from CJ before planning: My Products (all pages) and the details of
the products that need them (10 points each), with their cost checked against ``pointsBudget``.

Stage 1 of the observe phase (``reconciler/observe/refresh.py``): the listing and the detail
queries run together with the other kinds' stage-1 reads, on a few threads under the client's
rate limiter, the listing first. A product CJ calls unavailable (1602001/1602002) is recorded
as such; any other failure stops the plan (:func:`reconciler.errors.stops_further_calls`,
step ``READ``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Protocol

from reconciler.errors import ApiError, CjrecError, Step, stops_further_calls
from reconciler.kinds.contract import PaidReads, ReadBatch, ReadContext, Reads
from reconciler.kinds.product.events import ProductHints, product_hints
from reconciler.kinds.product.model import CatalogSeen
from reconciler.kinds.product.plan import detail_cost, details_needed
from reconciler.models.cj import MyProduct, ProductDetail


class CatalogReader(Protocol):
    """The product reads a plan makes."""

    def my_products(self) -> list[MyProduct]: ...

    def product_detail(self, pid: str) -> ProductDetail: ...


def needed(context: ReadContext) -> list[str]:
    """The pids whose details this run queries (new products; in refresh modes, managed ones too,
    those CJ's webhook messages named first, or only those with ``--refresh-events``)."""
    refreshing = context.mode == "refresh-details"
    return details_needed(
        context.desired,
        context.state,
        refresh_details=refreshing,
        refresh_budget=context.refresh_budget if refreshing else None,
        refresh_only=context.refresh_only,
        hinted=_hints(context).pids,
        hinted_only=context.events_only,
    )


def _hints(context: ReadContext) -> ProductHints:
    return product_hints(context.events, context.desired, context.state)


def _paid(context: ReadContext) -> PaidReads:
    pids = needed(context)
    cost = detail_cost(pids)
    return PaidReads(cost, f"{len(pids)} product detail queries ({cost} points)", "GET /product/query")


def _prepare(context: ReadContext) -> ReadBatch:
    reader: CatalogReader = context.reader
    seen = CatalogSeen(my_products={})
    lock = threading.Lock()

    def list_my_products() -> None:
        rows = reader.my_products()
        with lock:
            seen.my_products.update((row.pid, row) for row in rows)

    def fetch(pid: str) -> None:
        try:
            detail = reader.product_detail(pid)
        except CjrecError as exc:
            if stops_further_calls(exc, Step.READ):
                raise  # stops the other reads, raised again in the calling thread
            code = exc.code if isinstance(exc, ApiError) else None
            reason = "not found or offline (1602001)" if code == 1602001 else "removed from shelves (1602002)"
            if code not in (1602001, 1602002):
                reason = exc.message
            with lock:
                seen.unavailable[pid] = reason
            return
        with lock:
            seen.details[pid] = detail

    pids = needed(context)
    tasks: list[Callable[[], None]] = [list_my_products, *(functools.partial(fetch, pid) for pid in pids)]
    hints = _hints(context)
    # a hinted product is settled once re-read (even when CJ now calls it unavailable: that is recorded)
    return ReadBatch(tasks=tasks, result=lambda: seen, settled=lambda: hints.settled(set(pids)))


READS = Reads(stage=1, prepare=_prepare, paid=_paid)
