"""The sourcing kind: its parts, registered once as :data:`KIND` (see ``reconciler/kinds/contract.py``)."""

from __future__ import annotations

from reconciler.kinds.contract import Kind
from reconciler.kinds.sourcing.document import DOCUMENTS
from reconciler.kinds.sourcing.model import KIND as NAME
from reconciler.kinds.sourcing.record import SECTIONS

KIND = Kind(
    name=NAME,
    summary="Sourcing requests: products CJ is asked to find from another marketplace's page.",
    documents=DOCUMENTS,
    sections=SECTIONS,
    address_forms=("sourcing.<url>",),
)
