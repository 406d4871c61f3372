"""The Store document (``kind: Store``, any number): its model and how its documents become the stores.

Registered through :data:`DOCUMENTS` (see ``reconciler/kinds/documents.py``). A Store
document lives in a sops-encrypted file like Credentials, with its secrets in its spec:
``accessToken``, or ``clientId`` + ``clientSecret`` for the client-credentials grant; a
plaintext ``accessToken`` or ``clientSecret`` is refused with file:line by the validator.
Names are unique, and so are domains (one Store per shop). Without the key to decrypt it, a
Store is declared (items naming it are no error) but not read: the configuration then has
no store, and whatever plans for stores must not read that as "every store is gone".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, StrictInt, StrictStr, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from reconciler.kinds.declarations import Declarations
from reconciler.kinds.document_parts import Document, Metadata, Strict, encrypted_and_unchecked, name_of
from reconciler.kinds.documents import Collector, DocumentKind
from reconciler.kinds.store.model import KIND, PublishDefaults, Store, StoreAuth
from reconciler.kinds.store.platforms import platform_named, platform_names
from reconciler.kinds.store.shopify import DEFAULT_API_VERSION, LOWEST_API_VERSION
from reconciler.models.declared import Source
from reconciler.models.network import is_loopback
from reconciler.models.secret import Secret
from reconciler.models.source_document import SourceDocument

MAX_TAGS = 250  # Shopify's limit on array inputs
DOMAINS = "Store domain"  # the namespace of declared domains


class PublishSpec(Strict):
    """What every product published to the store gets."""

    status: Literal["active", "draft"] = Field(
        default="active", description="active (visible in the store) or draft (published, not yet visible)"
    )
    vendor: StrictStr | None = Field(default=None, min_length=1, max_length=255, description="the product's vendor")
    product_type: StrictStr | None = Field(default=None, min_length=1, max_length=255, description="the product type")
    tags: list[StrictStr] = Field(default_factory=list, max_length=MAX_TAGS, description="tags every product gets")

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not tag.strip() or len(tag) > 255 or "," in tag:
                raise PydanticCustomError("tag", f"{tag[:40]!r} is not a tag: 1 to 255 characters, no comma")
        if len(set(value)) != len(value):
            raise PydanticCustomError("tag", "each tag once")
        return value


class StoreSpec(Strict):
    """A store cjrec publishes the catalogue to, and the CJ shop that fulfils its orders."""

    platform: StrictStr = Field(
        description="the store's platform: " + ", ".join(platform_names()),
        json_schema_extra={"enum": list(platform_names())},
    )
    domain: StrictStr | None = Field(
        default=None,
        description="Shopify: the shop's permanent domain, NAME.myshopify.com (required)",
    )
    url: StrictStr | None = Field(
        default=None,
        description="WooCommerce: the site's address, https:// and its host (required; http:// only to a "
        "loopback address); cjrec adds /wp-json/wc/v3",
    )
    api_version: StrictStr | None = Field(
        default=None,
        description=f"the API version cjrec speaks, default the platform's (Shopify: the Admin API version, YYYY-MM, "
        f"at least {LOWEST_API_VERSION}, where productSet upserts by identifier; default {DEFAULT_API_VERSION})",
    )
    cj_shop: StrictStr | StrictInt = Field(
        description="the CJ shop this store is connected as: its name or id as CJ lists it (shop/getShops)"
    )
    access_token: StrictStr | None = Field(
        default=None, description="the Admin API access token (shpat_…); must be sops-encrypted"
    )
    client_id: StrictStr | None = Field(
        default=None, description="the app's client id, for the client-credentials grant (with clientSecret)"
    )
    client_secret: StrictStr | None = Field(
        default=None, description="the app's client secret, for the client-credentials grant; must be sops-encrypted"
    )
    consumer_key: StrictStr | None = Field(
        default=None, description="WooCommerce: the REST API consumer key (ck_…); must be sops-encrypted"
    )
    consumer_secret: StrictStr | None = Field(
        default=None, description="WooCommerce: the REST API consumer secret (cs_…); must be sops-encrypted"
    )
    max_concurrency: StrictInt | None = Field(
        default=None,
        ge=1,
        le=16,
        description="WooCommerce: requests in flight to the site at most (default 2: it is self-hosted)",
    )
    publish: PublishSpec = Field(default_factory=PublishSpec, description="what every published product gets")
    on_remove: Literal["archive", "draft", "delete"] = Field(
        default="archive", description="what happens in the store to a product that leaves it (default archive)"
    )
    logistics: StrictStr | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="CJ's shipping method for the store's connections (e.g. CJPacket Ordinary) when no Market "
        "quote gives one; a product's Market quote wins",
    )
    ship_from: StrictStr | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="the country CJ ships the store's orders from (e.g. CN, US) when no Market quote gives one",
    )
    endpoint: StrictStr | None = Field(
        default=None,
        description="replaces https://<domain> (a sandbox or a proxy); http:// only to a loopback address",
    )

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        if value not in platform_names():
            raise PydanticCustomError(
                "platform", f"{value[:40]!r} is not a platform cjrec publishes to: " + ", ".join(platform_names())
            )
        return value

    @field_validator("domain", "api_version", "url")
    @classmethod
    def _platform_rule(cls, value: str | None, info: ValidationInfo) -> str | None:
        """The platform's own rule for the field (``kinds/store/<platform>.py``)."""
        name = info.data.get("platform")
        if value is None or name not in platform_names():
            return value
        for rule in platform_named(name).checks:
            problem = rule.check(value) if rule.field == info.field_name else None
            if problem is not None:
                raise PydanticCustomError(str(info.field_name), problem)
        return value

    @field_validator("cj_shop")
    @classmethod
    def _cj_shop(cls, value: str | int) -> str:
        text = str(value).strip()
        if not text:
            raise PydanticCustomError("cj_shop", "must name the CJ shop (its name or id in CJ's list of shops)")
        return text

    @field_validator("access_token", "client_id", "client_secret", "consumer_key", "consumer_secret")
    @classmethod
    def _word(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or encrypted_and_unchecked(value, info):
            return value
        if not value.strip() or any(ch.isspace() for ch in value):
            raise PydanticCustomError("token", "must be a single word without spaces")
        return value

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        return None if value is None else check_endpoint(value)

    @model_validator(mode="after")
    def _platform_spec(self) -> StoreSpec:
        """The platform's rule for the spec as a whole: the fields it needs (its credentials) and those it has no use for."""
        rule = platform_named(self.platform).spec_rule if self.platform in platform_names() else None
        problem = rule(self) if rule is not None else None
        if problem is not None:
            raise PydanticCustomError("auth", problem)
        return self


def check_endpoint(value: str) -> str:
    """``value`` when it is an https:// URL, or http:// to a loopback host, with no path, query or
    fragment; else a field error. Tokens must never travel unencrypted beyond this machine."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise PydanticCustomError("endpoint", f"{value[:80]!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise PydanticCustomError("endpoint", f"{value[:80]!r} is not an http(s) URL with a host")
    if parts.scheme == "http" and not is_loopback(host):
        raise PydanticCustomError(
            "endpoint",
            f"plain http to {host[:60]}: the store's token would travel unencrypted; use https://, "
            "or http:// only for a sandbox on 127.0.0.1/localhost",
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise PydanticCustomError(
            "endpoint", "only scheme, host and port: it replaces https://<domain> (the API path is added)"
        )
    return value.rstrip("/")


class StoreDocument(Document):
    """kind: Store (any number, each in a sops-encrypted file)."""

    kind: Literal["Store"]
    metadata: Metadata
    spec: StoreSpec


class _Stores(Collector):
    def __init__(self) -> None:
        self.stores: dict[str, Store] = {}

    def collect(self, doc: SourceDocument, parsed: BaseModel, ctx: Declarations) -> None:
        assert isinstance(parsed, StoreDocument)
        name, spec = parsed.metadata.name, parsed.spec
        if ctx.declared_twice(doc, ("metadata", "name"), KIND, name, subject=f"a Store named {name!r}"):
            return
        source = Source(doc.display, doc.line_of(()))
        ctx.declare(KIND, name, source)
        field, shop = ("domain", spec.domain) if spec.domain is not None else ("url", _site(spec.url or ""))
        if ctx.declared_twice(
            doc,
            ("spec", field),
            DOMAINS,
            shop,
            subject=f"the shop {shop}",
            tail="; one Store per shop",
        ):
            ctx.broken(KIND, name)
            return
        ctx.declare(DOMAINS, shop, Source(doc.display, doc.line_of(("spec", field))))
        self.stores[name] = _store(name, spec, source)

    def salvage(self, doc: SourceDocument, data: dict[str, Any], ctx: Declarations) -> None:
        """Its name still counts as declared: an item's ``stores:`` naming it is no error."""
        name = name_of(data)
        if name is not None:
            ctx.broken(KIND, name)

    def finish(self, ctx: Declarations) -> Mapping[str, Mapping[str, Any]]:
        return {KIND: dict(self.stores)} if self.stores else {}


def _site(url: str) -> str:
    """A site's identity: its host and WordPress's folder (``shop.example.com/store``)."""
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}{parts.path.rstrip('/')}"


def _store(name: str, spec: StoreSpec, source: Source) -> Store:
    return Store(
        name=name,
        platform=spec.platform,
        domain=spec.domain if spec.domain is not None else _site(spec.url or ""),
        api_version=spec.api_version or platform_named(spec.platform).default_api_version,
        cj_shop=str(spec.cj_shop),
        auth=StoreAuth(
            access_token=_secret(spec.access_token),
            client_id=_secret(spec.client_id),
            client_secret=_secret(spec.client_secret),
            consumer_key=_secret(spec.consumer_key),
            consumer_secret=_secret(spec.consumer_secret),
        ),
        publish=PublishDefaults(
            status=spec.publish.status,
            vendor=spec.publish.vendor,
            product_type=spec.publish.product_type,
            tags=tuple(spec.publish.tags),
        ),
        on_remove=spec.on_remove,
        endpoint=spec.endpoint or spec.url,
        source=source,
        logistics=spec.logistics,
        ship_from=spec.ship_from,
        max_concurrency=spec.max_concurrency,
    )


def _secret(value: str | None) -> Secret | None:
    return None if value is None else Secret(value)


DOCUMENTS: tuple[DocumentKind, ...] = (
    DocumentKind(
        kind="Store",
        model=StoreDocument,
        collector=_Stores,
        position=7,
        how_many="any",
        notes="must be in a sops-encrypted file; `accessToken`, `clientSecret`, `consumerKey` and "
        "`consumerSecret` must be encrypted; names and shops (domain or url) are unique",
        secret=True,
        must_be_encrypted=("accessToken", "clientSecret", "consumerKey", "consumerSecret"),
    ),
)
