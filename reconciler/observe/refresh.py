"""The observe phase: what a plan reads from CJ, kind by kind, with its points checked before any is spent.

Called by ``cjrec plan`` and ``cjrec apply`` (``cli/plan_commands.py``) with the run's CJ
client, once the manifests and the state are loaded and the request rate is settled. Each kind
says what it reads (``Kind.reads``, ``reconciler/kinds/<kind>/reads.py``) and in which stage;
this module only runs the stages in order:

0. free reads whose answers change what is planned (where sourcing requests stand: a succeeded
   one adds its product), after which the kinds' derived inputs are applied;
1. the points check: what every later read may cost, against Settings ``pointsBudget``, before
   the first paid read is sent; then the reads of the resources themselves (My Products, the
   details of new products, the webhook settings), all together on a few threads;
2. reads that need stage 1's answers (the freight quotes of new products).

Within a stage the kinds' reads run together under the client's rate limiter; any failure stops
the others and is raised in the calling thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from reconciler.errors import PointsBudgetError
from reconciler.kinds.contract import ReadBatch, ReadContext, Reads
from reconciler.kinds.registry import kinds
from reconciler.kinds.workers import run_bounded, worker_count
from reconciler.models.desired import Desired
from reconciler.models.events import EventHint
from reconciler.models.observed import Observed
from reconciler.models.state import SyncState
from reconciler.planner.planner import derive

if TYPE_CHECKING:
    from reconciler.kinds.store.platform import StoreClients


def refresh_points(desired: Desired, flag: int | None) -> int | None:
    """The points a refresh may spend on product details: ``--refresh-budget``, else Settings
    ``refreshBudget``, never more than ``pointsBudget``; None: check every product."""
    budget = flag if flag is not None else desired.settings.refresh_budget
    return None if budget is None else min(budget, desired.settings.points_budget)


def refresh(
    reader: Any,
    desired: Desired,
    state: SyncState | None,
    *,
    mode: str,
    qps: float,
    stop: threading.Event,
    now: Callable[[], datetime],
    refresh_budget: int | None = None,
    refresh_only: bool = False,
    events: tuple[EventHint, ...] = (),
    settled: set[str] | None = None,
    stores: StoreClients | None = None,
) -> Observed:
    """What CJ says now of everything ``desired`` and ``state`` name, for the planner.

    ``reader`` makes every read (each kind declares the Protocol of those it needs; ``stores``
    are the declared stores' clients, for the kinds that read a store back). In
    ``refresh-details`` mode ``refresh_budget`` (already resolved by :func:`refresh_points`)
    caps the detail queries, least recently checked first; ``refresh_only`` reads only what
    recording CJ's answers needs. Raises PointsBudgetError, before any paid call, when the
    paid reads would cost more than ``pointsBudget``. The calls and points the run spent are
    the caller's to count (``Observed.calls`` and ``points`` are left at 0). ``events`` are CJ's
    pending webhook messages, handed to every kind's reads; the ids of those the reads acted on
    are added to ``settled``.
    """
    observed = Observed()
    reading = [(kind, kind.reads) for kind in kinds() if kind.reads is not None]
    checked = False
    for stage in sorted({reads.stage for _kind, reads in reading}):
        context = ReadContext(
            reader=reader,
            desired=derive(desired, state, observed),
            state=state,
            observed=observed,
            mode=mode,
            qps=qps,
            stop=stop,
            now=now,
            refresh_budget=refresh_budget,
            refresh_only=refresh_only,
            events=events,
            stores=stores or {},
        )
        if stage > 0 and not checked:  # once, before the first read that may cost points
            _check_points(context, [reads for _kind, reads in reading if reads.stage > 0])
            checked = True
        batches = [
            (kind.name, batch)
            for kind, reads in reading
            if reads.stage == stage
            for batch in [reads.prepare(context)]
            if batch is not None
        ]
        run_together([batch for _name, batch in batches], qps=qps, stop=stop)
        for name, batch in batches:
            observed = observed.with_reads(name, batch.result())
            if settled is not None:
                settled.update(batch.settled())
    return observed


def _check_points(context: ReadContext, later: list[Reads]) -> None:
    """Refuse, before any paid read, a run whose paid reads may cost more than ``pointsBudget``."""
    paid = [p for reads in later if reads.paid is not None for p in [reads.paid(context)] if p is not None]
    total = sum(p.points for p in paid)
    budget = context.desired.settings.points_budget
    if total <= budget:
        return
    costly = [p for p in paid if p.points]
    raise PointsBudgetError(
        f"this plan needs {' and '.join(p.what for p in paid)}, more than pointsBudget {budget}",
        call=costly[-1].call,
        hint="raise `pointsBudget` in Settings, refresh within a budget (--refresh-budget POINTS or Settings "
        "`refreshBudget`), or add fewer products at once",
    )


def run_together(batches: list[ReadBatch], *, qps: float, stop: threading.Event | None = None) -> None:
    """Run every task of ``batches`` on a few threads under the client's rate limiter, in order.

    The reads are independent, so none waits for another's round trip. The first failure (a CJ
    error or a bug) stops the others and is raised here, in the calling thread.
    """
    tasks = [task for batch in batches for task in batch.tasks]
    if not tasks:
        return
    failures: list[BaseException] = []
    lock = threading.Lock()
    stop = stop or threading.Event()

    def run(task: Callable[[], None]) -> None:
        try:
            task()
        except Exception as exc:  # noqa: BLE001 - stops the others and is raised again in the calling thread
            with lock:
                failures.append(exc)
            stop.set()

    run_bounded(tasks, run, workers=worker_count(qps, len(tasks)), stop=stop)
    if failures:
        raise failures[0]
