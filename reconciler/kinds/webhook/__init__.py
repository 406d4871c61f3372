"""The webhook kind: its parts, registered once as :data:`KIND` (see ``reconciler/kinds/contract.py``)."""

from __future__ import annotations

from reconciler.kinds.contract import Kind
from reconciler.kinds.webhook.document import DOCUMENTS
from reconciler.kinds.webhook.model import KIND as NAME
from reconciler.kinds.webhook.record import SECTIONS

KIND = Kind(
    name=NAME,
    summary="Webhooks: the callback URL per topic, and event subscriptions for the managed products.",
    documents=DOCUMENTS,
    sections=SECTIONS,
    address_forms=("webhook.<topic>",),
)
