"""The settings kind: how cjrec may use the account, registered once as :data:`KIND`.

A kind made only of a document (see ``reconciler/kinds/contract.py``): the Settings
document, which makes part of the account rather than resources.
"""

from __future__ import annotations

from reconciler.kinds.contract import Kind
from reconciler.kinds.settings.document import DOCUMENTS
from reconciler.kinds.settings.model import KIND as NAME

KIND = Kind(
    name=NAME,
    summary="Settings: request rate, points per run, material drift, the state's location, the logo store.",
    documents=DOCUMENTS,
)
