"""The pricing kind, registered once as :data:`KIND` from the parts of its package (see ``reconciler/kinds/contract.py``)."""

from __future__ import annotations

from reconciler.kinds.contract import Kind
from reconciler.kinds.pricing.document import DOCUMENTS
from reconciler.kinds.pricing.model import KIND as NAME

KIND = Kind(
    name=NAME,
    summary="Pricing rules: how a variant's store price follows from its cost.",
    documents=DOCUMENTS,
)
