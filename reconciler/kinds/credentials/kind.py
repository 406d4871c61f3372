"""The credentials kind: the CJ account's email and API token, registered once as :data:`KIND`.

A kind made only of a document (see ``reconciler/kinds/contract.py``): the Credentials
document, which makes part of the account rather than resources.
"""

from __future__ import annotations

from reconciler.kinds.contract import Kind
from reconciler.kinds.credentials.document import DOCUMENTS
from reconciler.kinds.credentials.model import KIND as NAME

KIND = Kind(
    name=NAME,
    summary="Credentials: the CJ account's email and API token, in a sops-encrypted file.",
    documents=DOCUMENTS,
)
