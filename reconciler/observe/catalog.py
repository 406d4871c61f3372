"""Gather what CJ says for a plan: the My Products list and the details of chosen products.

Called by :func:`reconciler.observe.refresh.refresh` between the two planner steps. The
API is injected (anything with ``my_products`` and ``product_detail``), so this module
stays free of HTTP. Detail
queries and the other reads run together on a few threads under the client's rate limiter;
a product CJ calls unavailable (1602001/1602002) is recorded as such, any other failure
stops the plan (the rule is :func:`reconciler.errors.stops_further_calls`, step ``READ``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Protocol

from reconciler.errors import ApiError, CjrecError, Step, stops_further_calls
from reconciler.kinds.workers import run_bounded, worker_count
from reconciler.models.cj import MyProduct, ProductDetail
from reconciler.models.desired import WebhookSetting
from reconciler.models.observed import Observed


class CatalogReader(Protocol):
    """The read calls a plan needs."""

    def my_products(self) -> list[MyProduct]: ...

    def product_detail(self, pid: str) -> ProductDetail: ...

    def webhook_settings(self) -> dict[str, WebhookSetting]: ...

    def product_subscriptions(self) -> frozenset[str]: ...


def observe(
    reader: CatalogReader,
    pids: list[str],
    *,
    qps: float,
    stop: threading.Event | None = None,
    webhooks: bool = False,
    subscriptions: bool = False,
) -> Observed:
    """My Products (all pages), the details of ``pids`` and, when asked, the webhook settings and subscriptions.

    The reads are independent, so they all run on the same few threads under the client's
    rate limiter, the My Products listing first: no read waits for another's round trip.
    """
    listed: dict[str, MyProduct] = {}
    details: dict[str, ProductDetail] = {}
    unavailable: dict[str, str] = {}
    settings: list[dict[str, WebhookSetting]] = []  # filled by the one read of each, when asked
    subscribed: list[frozenset[str]] = []
    failures: list[Exception] = []
    lock = threading.Lock()
    stop = stop or threading.Event()

    def list_my_products() -> None:
        rows = reader.my_products()
        with lock:
            listed.update((row.pid, row) for row in rows)

    def read_webhooks() -> None:
        settings.append(reader.webhook_settings())

    def read_subscriptions() -> None:
        subscribed.append(reader.product_subscriptions())

    def fetch(pid: str) -> None:
        try:
            detail = reader.product_detail(pid)
        except CjrecError as exc:
            if stops_further_calls(exc, Step.READ):
                raise  # recorded by run(), which stops the other reads
            code = exc.code if isinstance(exc, ApiError) else None
            reason = "not found or offline (1602001)" if code == 1602001 else "removed from shelves (1602002)"
            if code not in (1602001, 1602002):
                reason = exc.message
            with lock:
                unavailable[pid] = reason
            return
        with lock:
            details[pid] = detail

    def run(read: Callable[[], None]) -> None:
        try:
            read()
        except Exception as exc:  # noqa: BLE001 - stops the others and is raised again in the calling thread
            with lock:
                failures.append(exc)
            stop.set()

    reads: list[Callable[[], None]] = [list_my_products]
    reads += [read_webhooks] if webhooks else []
    reads += [read_subscriptions] if subscriptions else []
    reads += [functools.partial(fetch, pid) for pid in pids]
    run_bounded(reads, run, workers=worker_count(qps, len(reads)), stop=stop)
    if failures:
        raise failures[0]
    return Observed(
        my_products=listed,
        details=details,
        unavailable=unavailable,
        webhooks=settings[0] if settings else None,
        subscriptions=subscribed[0] if subscribed else None,
    )
