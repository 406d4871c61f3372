"""The product kind, registered once as :data:`KIND` from the parts of its package (see ``reconciler/kinds/contract.py``)."""

from __future__ import annotations

from reconciler.kinds.contract import ApplyDeps, Kind
from reconciler.kinds.executing import Executor
from reconciler.kinds.product.apply import ProductExecutor
from reconciler.kinds.product.describe import description
from reconciler.kinds.product.document import DOCUMENTS
from reconciler.kinds.product.model import KIND as NAME
from reconciler.kinds.product.model import apply_cost
from reconciler.kinds.product.plan import plan_products
from reconciler.kinds.product.reads import READS
from reconciler.kinds.product.record import SECTIONS


def _executor(deps: ApplyDeps) -> Executor:
    return ProductExecutor(deps.client)


KIND = Kind(
    name=NAME,
    summary="Products the store sells, added to My Products, with their selected variants and store prices.",
    documents=DOCUMENTS,
    sections=SECTIONS,
    reads=READS,
    plan=plan_products,
    executor=_executor,
    cost=apply_cost,
    guarded=True,
    describe=description(NAME),
    address_forms=("product.<pid>",),
)
