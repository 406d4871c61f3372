"""The webhook kind, registered once as :data:`KIND` from the parts of its package (see ``reconciler/kinds/contract.py``)."""

from __future__ import annotations

from reconciler.kinds.contract import ApplyDeps, Kind
from reconciler.kinds.executing import Executor
from reconciler.kinds.webhook.apply import WebhookExecutor
from reconciler.kinds.webhook.describe import description
from reconciler.kinds.webhook.document import DOCUMENTS
from reconciler.kinds.webhook.model import KIND as NAME
from reconciler.kinds.webhook.model import apply_cost
from reconciler.kinds.webhook.plan import plan_webhooks
from reconciler.kinds.webhook.reads import READS
from reconciler.kinds.webhook.record import SECTIONS


def _executor(deps: ApplyDeps) -> Executor:
    return WebhookExecutor(deps.client, receiver_token=deps.settings.receiver_token)


KIND = Kind(
    name=NAME,
    summary="Webhooks: the callback URL per topic, and event subscriptions for the managed products.",
    documents=DOCUMENTS,
    sections=SECTIONS,
    reads=READS,
    plan=plan_webhooks,
    executor=_executor,
    cost=apply_cost,
    describe=description(NAME),
    address_forms=("webhook.<topic>", "webhook.subscriptions"),
)
