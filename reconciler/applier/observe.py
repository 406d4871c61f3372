"""Gather what CJ says for a plan: the My Products list and the details of chosen products.

Called by the CLI between the two planner steps. The API is injected (anything with
``my_products`` and ``product_detail``), so this module stays free of HTTP. Detail
queries run on a few threads under the client's rate limiter; a product CJ calls
unavailable (1602001/1602002) is recorded as such, any other failure stops the plan.
"""

from __future__ import annotations

import threading
from typing import Protocol

from reconciler.applier.workers import run_bounded, worker_count
from reconciler.errors import CjrecError, ProductUnavailableError
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
    """My Products (all pages), the details of ``pids`` and, when asked, the webhook settings and subscriptions."""
    listed = {row.pid: row for row in reader.my_products()}
    details: dict[str, ProductDetail] = {}
    unavailable: dict[str, str] = {}
    failures: list[CjrecError] = []
    lock = threading.Lock()
    stop = stop or threading.Event()

    def fetch(pid: str) -> None:
        try:
            detail = reader.product_detail(pid)
        except ProductUnavailableError as exc:
            reason = "not found or offline (1602001)" if exc.code == 1602001 else "removed from shelves (1602002)"
            if exc.code not in (1602001, 1602002):
                reason = exc.message
            with lock:
                unavailable[pid] = reason
            return
        except CjrecError as exc:
            with lock:
                failures.append(exc)
            stop.set()
            return
        with lock:
            details[pid] = detail

    run_bounded(pids, fetch, workers=worker_count(qps, len(pids)), stop=stop)
    if failures:
        raise failures[0]
    return Observed(
        my_products=listed,
        details=details,
        unavailable=unavailable,
        webhooks=reader.webhook_settings() if webhooks else None,
        subscriptions=reader.product_subscriptions() if subscriptions else None,
    )
