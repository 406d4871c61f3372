"""The logo kind: its parts, registered once as :data:`KIND` (see ``reconciler/kinds/contract.py``)."""

from __future__ import annotations

from reconciler.kinds.contract import Kind
from reconciler.kinds.logo.document import DOCUMENTS
from reconciler.kinds.logo.model import KIND as NAME
from reconciler.kinds.logo.record import SECTIONS

KIND = Kind(
    name=NAME,
    summary="Print-on-demand logos: an image in the repository or a public URL CJ fetches at order time.",
    documents=DOCUMENTS,
    sections=SECTIONS,
    address_forms=("logo.<name>",),
)
