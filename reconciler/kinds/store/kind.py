"""The store kind: the shops cjrec publishes the catalogue to, and what it published to each,
registered once as :data:`KIND`.

Its documents (``kind: Store``) give ``Desired.resources["store"]``; its planner plans
``store.<store>/product.<pid>`` for every managed product (``plan.py``), its executor
publishes, updates, archives or deletes them through each store's client (``apply.py``;
``ApplyDeps.stores``), and its records are the ``store_listings`` section of the state.
"""

from __future__ import annotations

from datetime import UTC, datetime

from reconciler.kinds.contract import ApplyDeps, Kind
from reconciler.kinds.executing import Executor
from reconciler.kinds.store.apply import StoreExecutor
from reconciler.kinds.store.describe import description
from reconciler.kinds.store.document import DOCUMENTS
from reconciler.kinds.store.model import KIND as NAME
from reconciler.kinds.store.plan import apply_cost, plan_store_listings
from reconciler.kinds.store.reads import READS
from reconciler.kinds.store.record import SECTIONS


def _executor(deps: ApplyDeps) -> Executor:
    clock = deps.now or (lambda: datetime.now(UTC))
    return StoreExecutor(
        deps.stores, now=lambda: clock().strftime("%Y-%m-%dT%H:%M:%SZ"), cj=deps.client, check_store=deps.saved_plan
    )


KIND = Kind(
    name=NAME,
    summary="Store: a Shopify shop the catalogue is published to (in a sops-encrypted file), "
    "and the products published to it.",
    documents=DOCUMENTS,
    sections=SECTIONS,
    reads=READS,
    plan=plan_store_listings,
    executor=_executor,
    cost=apply_cost,
    describe=description(NAME),
    address_forms=("store.<store>/product.<pid>",),
)
