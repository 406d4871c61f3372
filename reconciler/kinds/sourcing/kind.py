"""The sourcing kind, registered once as :data:`KIND` from the parts of its package (see ``reconciler/kinds/contract.py``)."""

from __future__ import annotations

from reconciler.kinds.contract import ApplyDeps, Derivation, Kind
from reconciler.kinds.executing import Executor
from reconciler.kinds.sourcing.apply import SourcingExecutor
from reconciler.kinds.sourcing.describe import description
from reconciler.kinds.sourcing.document import DOCUMENTS
from reconciler.kinds.sourcing.model import KIND as NAME
from reconciler.kinds.sourcing.model import apply_cost
from reconciler.kinds.sourcing.plan import plan_sourcing, with_sourced_products
from reconciler.kinds.sourcing.reads import READS
from reconciler.kinds.sourcing.record import SECTIONS


def _executor(deps: ApplyDeps) -> Executor:
    per_day = deps.settings.sourcing_per_day
    if deps.now is None:
        return SourcingExecutor(deps.client, per_day=per_day)
    return SourcingExecutor(deps.client, per_day=per_day, now=deps.now)


KIND = Kind(
    name=NAME,
    summary="Sourcing requests: products CJ is asked to find from another marketplace's page.",
    documents=DOCUMENTS,
    sections=SECTIONS,
    reads=READS,
    plan=plan_sourcing,
    derives=Derivation(with_sourced_products),  # the products succeeded requests became are sold like any
    executor=_executor,
    cost=apply_cost,
    describe=description(NAME),
    address_forms=("sourcing.<url>",),
)
