"""The Webhooks document (``kind: Webhooks``, at most one): its model and the Webhooks it declares.

Registered through :data:`DOCUMENTS` (see ``reconciler/kinds/documents.py``). Topics left
out are not managed; an enabled topic needs a public https callback URL.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, StrictBool, field_validator, model_validator
from pydantic_core import PydanticCustomError

from reconciler.kinds.declarations import Declarations
from reconciler.kinds.document_parts import Document, Metadata, Strict, https_url
from reconciler.kinds.documents import DocumentKind, OnlyOne
from reconciler.kinds.webhook.model import KIND, NAME
from reconciler.models.declared import Source
from reconciler.models.desired import WEBHOOK_TOPICS, Webhooks, WebhookSetting


class WebhookTopicSpec(Strict):
    """One webhook topic: ``{enabled: true, url: https://…}`` or ``{enabled: false}``."""

    enabled: StrictBool
    url: str | None = Field(default=None, description="public https callback URL (CJ refuses others)")

    @field_validator("url")
    @classmethod
    def _public_https(cls, value: str | None) -> str | None:
        if value is None:
            return None
        https_url(value, "url")
        host = (urlsplit(value).hostname or "").lower()
        if host == "localhost" or host.endswith(".localhost") or _private_ip(host):
            raise PydanticCustomError("public_url", f"CJ refuses callbacks to loopback or private addresses ({host})")
        return value

    @model_validator(mode="after")
    def _url_when_enabled(self) -> WebhookTopicSpec:
        if self.enabled and self.url is None:
            raise PydanticCustomError("webhook", "an enabled topic needs a `url`")
        if not self.enabled and self.url is not None:
            raise PydanticCustomError("webhook", "`url` goes with `enabled: true`; remove it to turn the topic off")
        return self


class WebhooksSpec(Strict):
    """The webhook topics to manage (topics left out are not touched) and product event subscriptions."""

    product: WebhookTopicSpec | None = None
    stock: WebhookTopicSpec | None = None
    order: WebhookTopicSpec | None = None
    logistics: WebhookTopicSpec | None = None
    subscribe_managed_products: StrictBool = Field(
        default=False, description="subscribe to product/stock events for every managed product (10 points per 100)"
    )


class WebhooksDocument(Document):
    """kind: Webhooks (optional, at most one)."""

    kind: Literal["Webhooks"]
    metadata: Metadata | None = None
    spec: WebhooksSpec


def _private_ip(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


class _Webhooks(OnlyOne[WebhooksDocument]):
    kind = "Webhooks"
    model = WebhooksDocument

    def finish(self, ctx: Declarations) -> Mapping[str, Mapping[str, Any]]:
        found = self.the_one(ctx)
        if found is None:
            return {}  # none, or its structure errors are reported
        doc, parsed = found
        spec = parsed.spec
        topics = {
            topic: WebhookSetting(enabled=setting.enabled, url=setting.url)
            for topic in WEBHOOK_TOPICS
            if (setting := getattr(spec, topic)) is not None
        }
        return {KIND: {NAME: Webhooks(topics, spec.subscribe_managed_products, Source(doc.display, doc.line_of(())))}}


DOCUMENTS: tuple[DocumentKind, ...] = (
    DocumentKind(
        kind="Webhooks",
        model=WebhooksDocument,
        collector=_Webhooks,
        position=6,
        how_many="at most one",
        notes="`metadata` optional; topics left out are not managed",
    ),
)
