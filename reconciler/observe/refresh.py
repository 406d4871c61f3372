"""The observe phase in order: what a plan reads from CJ, with its points checked before any is spent.

Called by ``cjrec plan`` and ``cjrec apply`` (``cli/plan_commands.py``) with the run's CJ
client, once the manifests and the state are loaded and the request rate is settled. In
order: where open sourcing requests stand (free; a succeeded one adds its product to the
products to plan), then My Products and the details of new products, then the freight
quotes those need for the markets. The points the detail queries and quotes may cost are
checked against Settings ``pointsBudget`` before the first of them is sent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from reconciler.errors import PointsBudgetError
from reconciler.kinds.market.model import markets
from reconciler.kinds.market.plan import quote_budget, quote_requests
from reconciler.kinds.sourcing.plan import ids_to_check, with_sourced_products
from reconciler.kinds.webhook.plan import needs_settings, needs_subscriptions
from reconciler.models.cj_limits import QUOTE_POINTS
from reconciler.models.desired import Desired
from reconciler.models.observed import Observed
from reconciler.models.state import SyncState
from reconciler.observe.catalog import CatalogReader, observe
from reconciler.observe.cj_work import FreightReader, SourcingReader, observe_freight, observe_sourcing
from reconciler.planner.planner import detail_cost, details_needed


class PlanReader(CatalogReader, SourcingReader, FreightReader, Protocol):
    """Every read a plan makes: the union of the readers of ``catalog`` and ``cj_work``."""


def refresh_points(desired: Desired, flag: int | None) -> int | None:
    """The points a refresh may spend on product details: ``--refresh-budget``, else Settings
    ``refreshBudget``, never more than ``pointsBudget``; None: check every product."""
    budget = flag if flag is not None else desired.settings.refresh_budget
    return None if budget is None else min(budget, desired.settings.points_budget)


def refresh(
    reader: PlanReader,
    desired: Desired,
    state: SyncState | None,
    *,
    mode: str,
    qps: float,
    stop: threading.Event,
    now: Callable[[], datetime],
    refresh_budget: int | None = None,
    refresh_only: bool = False,
) -> Observed:
    """What CJ says now of everything ``desired`` and ``state`` name, for the planner.

    In ``refresh-details`` mode ``refresh_budget`` (already resolved by :func:`refresh_points`)
    caps the detail queries, least recently checked first; ``refresh_only`` reads only what
    recording CJ's answers needs. Raises PointsBudgetError, before any paid call, when the
    details and quotes would cost more than ``pointsBudget``. The calls and points the run
    spent are the caller's to count (``Observed.calls`` and ``points`` are left at 0).
    """
    ids = ids_to_check(desired, state)
    seen = observe_sourcing(reader, ids) if ids else None
    sourcing = Observed(
        my_products=None,
        sourcing=seen.statuses if seen else None,
        sourcing_problems=seen.problems if seen else (),
        sourcing_error=seen.error if seen else None,
    )
    effective = with_sourced_products(desired, state, sourcing)
    needed = details_needed(
        effective,
        state,
        refresh_details=mode == "refresh-details",
        refresh_budget=refresh_budget if mode == "refresh-details" else None,
        refresh_only=refresh_only,
    )
    cost = detail_cost(needed)
    freight = quote_budget(effective, state, needed)
    budget = desired.settings.points_budget
    if cost + freight > budget:
        what = f"{len(needed)} product detail queries ({cost} points)"
        if freight:
            what += f" and up to {freight // QUOTE_POINTS} freight quotes ({freight} points)"
        raise PointsBudgetError(
            f"this plan needs {what}, more than pointsBudget {budget}",
            call="GET /product/query" if not freight else "POST /logistic/freightCalculate",
            hint="raise `pointsBudget` in Settings, refresh within a budget (--refresh-budget POINTS or Settings "
            "`refreshBudget`), or add fewer products at once",
        )
    observed = observe(
        reader,
        needed,
        qps=qps,
        stop=stop,
        webhooks=needs_settings(desired, state),
        subscriptions=needs_subscriptions(desired, state),
    )
    observed = replace(
        observed,
        sourcing=sourcing.sourcing,
        sourcing_problems=sourcing.sourcing_problems,
        sourcing_error=sourcing.sourcing_error,
    )
    if markets(effective):
        requests = quote_requests(effective, state, observed)
        quotes = observe_freight(reader, requests, qps=qps, now=now(), stop=stop)
        observed = replace(observed, freight=quotes)
    return observed
