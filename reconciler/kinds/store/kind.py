"""The store kind: the shops cjrec publishes the catalogue to, registered once as :data:`KIND`.

So far a kind made of its document (see ``reconciler/kinds/contract.py``): the Store
documents give ``Desired.resources["store"]``, which the store listing kind plans from.
"""

from __future__ import annotations

from reconciler.kinds.contract import Kind
from reconciler.kinds.store.document import DOCUMENTS
from reconciler.kinds.store.model import KIND as NAME

KIND = Kind(
    name=NAME,
    summary="Store: a Shopify shop the catalogue is published to and the CJ shop it connects, "
    "in a sops-encrypted file.",
    documents=DOCUMENTS,
    address_forms=("store.<name>",),
)
