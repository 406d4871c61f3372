"""The product kind: its parts, registered once as :data:`KIND` (see ``reconciler/kinds/contract.py``)."""

from __future__ import annotations

from reconciler.kinds.contract import Kind
from reconciler.kinds.product.document import DOCUMENTS
from reconciler.kinds.product.model import KIND as NAME
from reconciler.kinds.product.record import SECTIONS

KIND = Kind(
    name=NAME,
    summary="Products the store sells, added to My Products, with their selected variants and store prices.",
    documents=DOCUMENTS,
    sections=SECTIONS,
    address_forms=("product.<pid>",),
)
