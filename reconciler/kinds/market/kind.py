"""The market kind, registered once as :data:`KIND` from the parts of its package (see ``reconciler/kinds/contract.py``)."""

from __future__ import annotations

from reconciler.kinds.contract import ApplyDeps, Derivation, Kind
from reconciler.kinds.executing import Executor
from reconciler.kinds.market.apply import MarketExecutor
from reconciler.kinds.market.describe import description
from reconciler.kinds.market.document import DOCUMENTS
from reconciler.kinds.market.model import KIND as NAME
from reconciler.kinds.market.plan import plan_markets, with_shipping
from reconciler.kinds.market.reads import READS
from reconciler.kinds.market.record import SECTIONS
from reconciler.kinds.sourcing.model import KIND as SOURCING


def _executor(deps: ApplyDeps) -> Executor:
    return MarketExecutor()


KIND = Kind(
    name=NAME,
    summary="Markets: countries the store ships to, with the freight quote chosen per product.",
    documents=DOCUMENTS,
    sections=SECTIONS,
    reads=READS,
    plan=plan_markets,
    # each product's cheapest qualifying shipping quote, for pricing; sourced products are quoted too
    derives=Derivation(with_shipping, after=(SOURCING,)),
    executor=_executor,
    describe=description(NAME),
    address_forms=("market.<country>",),
)
