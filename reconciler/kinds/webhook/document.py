"""The Webhooks document (``kind: Webhooks``, at most one): its model and the Webhooks it declares.

Registered through :data:`DOCUMENTS` (see ``reconciler/kinds/documents.py``). Topics left
out are not managed; an enabled topic needs a public https callback URL, or
``{receiver: https://HOST}``: ``cjrec receive``'s URL with Settings ``receiverToken``, kept
masked (``reconciler/models/receiver_url.py``) everywhere but apply's call.
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
from reconciler.models.receiver_url import NOT_DECRYPTED, PATH_PREFIX, masked_url
from reconciler.models.source_document import SourceDocument


def _public_https(value: str, what: str) -> str:
    https_url(value, what)
    host = (urlsplit(value).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost") or _private_ip(host):
        raise PydanticCustomError("public_url", f"CJ refuses callbacks to loopback or private addresses ({host})")
    return value


class ReceiverCallback(Strict):
    """``{receiver: https://HOST}``: the callback is ``cjrec receive``'s ``https://HOST/cj/<Settings receiverToken>``,
    composed at apply time; plans and the state show the token masked."""

    receiver: str = Field(description="the public https:// base URL the receiver is reached at (its TLS proxy)")

    @field_validator("receiver")
    @classmethod
    def _base(cls, value: str) -> str:
        _public_https(value, "receiver")
        parts = urlsplit(value)
        if parts.query or parts.fragment or PATH_PREFIX.rstrip("/") in parts.path:
            raise PydanticCustomError(
                "receiver_url",
                f"receiver is the base URL only (https://HOST); cjrec appends {PATH_PREFIX}<token> from Settings receiverToken",
            )
        return value


class WebhookTopicSpec(Strict):
    """One webhook topic: ``{enabled: true, url: https://…}``, ``{enabled: true, url: {receiver: https://HOST}}``
    or ``{enabled: false}``."""

    enabled: StrictBool
    url: str | ReceiverCallback | None = Field(
        default=None,
        description="public https callback URL (CJ refuses others), or {receiver: https://HOST} for cjrec receive",
    )

    @field_validator("url")
    @classmethod
    def _public(cls, value: str | ReceiverCallback | None) -> str | ReceiverCallback | None:
        if isinstance(value, str):
            _public_https(value, "url")
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
        topics: dict[str, WebhookSetting] = {}
        for topic in WEBHOOK_TOPICS:
            setting = getattr(spec, topic)
            if setting is None:
                continue
            url = setting.url
            if isinstance(url, ReceiverCallback):
                url = _receiver_url(ctx, doc, topic, url.receiver)
            topics[topic] = WebhookSetting(enabled=setting.enabled, url=url)
        return {KIND: {NAME: Webhooks(topics, spec.subscribe_managed_products, Source(doc.display, doc.line_of(())))}}


def _receiver_url(ctx: Declarations, doc: SourceDocument, topic: str, base: str) -> str | None:
    """The masked callback of ``{receiver: base}``; an error at its line without Settings receiverToken."""
    settings = ctx.settings
    if settings.receiver_token is not None:
        return masked_url(base, settings.receiver_token)
    if settings.receiver_token_source is None:
        ctx.error(
            doc,
            ("spec", topic, "url", "receiver"),
            "a receiver callback needs Settings receiverToken (the path token of `cjrec receive`, sops-encrypted)",
        )
        return None
    return f"{base.rstrip('/')}{PATH_PREFIX}{NOT_DECRYPTED}"  # validated without a sops key: apply refuses it


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
