"""Apply product changes: add products to My Products, and record every product change.

The executor for ``product.<pid>`` (contract in ``kinds/executing.py``). The one call is
``addToMyProduct`` for a create or a re-add; adopt, update and forget only record. Adds
run on a few threads under the client's rate limiter (so latency does not lower the rate),
and every successful add is recorded at once (``Run.save``; ``cjrec apply`` writes those
checkpoints on a thread of its own, see ``applier/checkpoints.py``): a crash or a kill loses
at most the adds since the last checkpoint written, and the next plan adopts those from My
Products instead of adding them twice. A call cancelled before CJ saw it is reported as not started.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from reconciler.errors import CancelledError, CjrecError
from reconciler.kinds.executing import Run
from reconciler.kinds.product.record import ProductRecord, with_product, without_product
from reconciler.kinds.workers import run_bounded, worker_count
from reconciler.models.plan import Action, Change
from reconciler.models.state import SyncState


class ProductAdder(Protocol):
    """The one mutating product call cjrec makes."""

    def add_to_my_products(self, pid: str) -> bool: ...


class ProductExecutor:
    """Adds products at CJ and records product changes."""

    kind = "product"

    def __init__(self, adder: ProductAdder) -> None:
        self.adder = adder

    def record(self, state: SyncState, change: Change) -> SyncState:
        if change.action is Action.FORGET:
            return without_product(state, change.name)
        if change.after is None:
            raise ValueError(f"{change.address}: a {change.action.value} change needs an `after` record")
        return with_product(state, ProductRecord.from_dict(change.name, change.after))

    def execute(self, changes: Sequence[Change], run: Run) -> None:
        def add(change: Change) -> None:
            run.begin(change)
            try:
                self.adder.add_to_my_products(change.name)
            except CancelledError:
                run.withdraw(change)
                return
            except CjrecError as exc:
                run.failed(change, exc)
                return
            run.save(lambda state: self.record(state, change))
            run.succeeded(change)

        run_bounded(changes, add, workers=worker_count(run.qps, len(changes)), stop=run.stop)
