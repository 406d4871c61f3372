"""The market kind: its parts, registered once as :data:`KIND` (see ``reconciler/kinds/contract.py``)."""

from __future__ import annotations

from reconciler.kinds.contract import Kind
from reconciler.kinds.market.document import DOCUMENTS
from reconciler.kinds.market.model import KIND as NAME
from reconciler.kinds.market.record import SECTIONS

KIND = Kind(
    name=NAME,
    summary="Markets: countries the store ships to, with the freight quote chosen per product.",
    documents=DOCUMENTS,
    sections=SECTIONS,
    address_forms=("market.<country>",),
)
