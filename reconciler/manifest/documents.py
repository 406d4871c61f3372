"""The manifest document types of apiVersion ``cjrec/v1``, as pydantic models.

Used by the validator to check each document's fields and by ``cjrec schema`` to publish
a JSON Schema for editors. Field names are camelCase in YAML. Values that sops encrypted
(``ENC[…]``) pass the content checks when the validator runs without a key: it says so.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from reconciler.models.product_url import ProductUrlError, pid_from_url
from reconciler.models.state_location import LocationError, parse_location, parse_s3_url

API_VERSION = "cjrec/v1"
SCHEMA_ID = "https://cjrec.dev/schema/cjrec-v1.json"
NAME_PATTERN = r"^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
SECRET_FIELDS = ("email", "apiToken", "accessToken", "refreshToken")
MUST_BE_ENCRYPTED = ("apiToken", "accessToken", "refreshToken")


def is_encrypted_value(value: object) -> bool:
    """True for a value sops encrypted (``ENC[AES256_GCM,…]``)."""
    return isinstance(value, str) and value.startswith("ENC[") and value.endswith("]")


def _encrypted_and_unchecked(value: object, info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("encrypted")) and is_encrypted_value(value)


def _https_url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise PydanticCustomError("https_url", f"{what} must be an https:// URL that CJ can fetch (got {value[:80]!r})")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=False, frozen=True)


class Metadata(_Strict):
    """Names a document; names are unique per kind."""

    name: str = Field(
        description="lowercase letters, digits, '.', '_' and '-'; at most 63 characters",
        json_schema_extra={"pattern": NAME_PATTERN},
    )
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(NAME_PATTERN, value):
            raise PydanticCustomError(
                "name",
                "names use lowercase letters, digits, '.', '_' and '-', start and end with a letter or digit, at most 63",
            )
        return value


class CredentialsSpec(_Strict):
    """The CJ account; the file holding it must be sops-encrypted."""

    email: str = Field(description="the CJ account's email (encrypted by the example .sops.yaml)")
    api_token: str = Field(min_length=1, description="the CJ API key; must be sops-encrypted")
    check_account_email: StrictBool = Field(default=True, description="fail when the token belongs to another account")
    access_token: str | None = Field(default=None, description="token override (advanced); must be encrypted")
    access_token_expiry: AwareDatetime | None = None
    refresh_token: str | None = Field(default=None, description="token override (advanced); must be encrypted")
    refresh_token_expiry: AwareDatetime | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str, info: ValidationInfo) -> str:
        if _encrypted_and_unchecked(value, info) or _EMAIL.fullmatch(value):
            return value
        raise PydanticCustomError("email", "not an email address")

    @field_validator("api_token", "access_token", "refresh_token")
    @classmethod
    def _token(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or _encrypted_and_unchecked(value, info):
            return value
        if not value.strip() or any(ch.isspace() for ch in value):
            raise PydanticCustomError("token", "must be a single word without spaces")
        return value

    @model_validator(mode="after")
    def _pairs(self) -> CredentialsSpec:
        if (self.access_token is None) != (self.access_token_expiry is None):
            raise PydanticCustomError("override", "accessToken and accessTokenExpiry must be given together")
        if (self.refresh_token is None) != (self.refresh_token_expiry is None):
            raise PydanticCustomError("override", "refreshToken and refreshTokenExpiry must be given together")
        return self


class LogoSpec(_Strict):
    """A logo: ``file`` (an image in the repository) or ``url`` (an existing public image)."""

    file: str | None = Field(default=None, min_length=1, description="image path relative to this manifest")
    url: str | None = Field(default=None, description="an existing public https image URL")
    public_url: str | None = Field(default=None, description="where CJ can fetch `file` at order time")
    default: StrictBool = Field(default=False, description="used by POD products that name no logo")

    @field_validator("url", "public_url")
    @classmethod
    def _https(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else _https_url(value, to_camel(info.field_name or "url"))

    @model_validator(mode="after")
    def _one_source(self) -> LogoSpec:
        if (self.file is None) == (self.url is None):
            raise PydanticCustomError(
                "logo_source", "give exactly one of `file` (a new image) or `url` (an existing one)"
            )
        if self.url is not None and self.public_url is not None:
            raise PydanticCustomError("logo_source", "`publicUrl` goes with `file`; a `url` logo is public already")
        return self


class ProductItem(_Strict):
    """One product, by its CJ URL."""

    product_url: str = Field(description="https://cjdropshipping.com/product/<name>-p-<id>.html")
    logo: str | None = Field(default=None, pattern=NAME_PATTERN, description="the name of a Logo")

    @field_validator("product_url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            pid_from_url(value)
        except ProductUrlError as exc:
            raise PydanticCustomError("product_url", str(exc)) from None
        return value


class ProductsSpec(_Strict):
    """A list of products."""

    items: list[ProductItem]


class LogoStoreSpec(_Strict):
    """Where apply publishes `file:` logos that have no `publicUrl`: a bucket prefix and its public address."""

    url: str = Field(description="s3://BUCKET/PREFIX/ the logos are uploaded to, as PREFIX<sha256>.<ext>")
    public_base_url: str = Field(description="https://…/ under which the uploaded logos are public (ends with /)")

    @field_validator("url")
    @classmethod
    def _s3(cls, value: str) -> str:
        try:
            parse_s3_url(value)
        except LocationError as exc:
            raise PydanticCustomError("logo_store", str(exc)) from None
        return value

    @field_validator("public_base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        _https_url(value, "publicBaseUrl")
        if not value.endswith("/") or "?" in value or "#" in value:
            raise PydanticCustomError(
                "logo_store", "publicBaseUrl must end with '/' and have no query: the logo's file name is appended to it"
            )
        return value


class SettingsSpec(_Strict):
    """How cjrec may use the account."""

    qps: float = Field(
        default=1.0,
        gt=0,
        le=10,
        strict=True,
        allow_inf_nan=False,
        description="the account's requests per second (CJ tiers 1, 2, 4, 6)",
    )
    points_budget: StrictInt = Field(default=20_000, ge=0, description="most API points one run may spend")
    state: str | None = Field(
        default=None,
        min_length=1,
        description="where the state lives: a folder (default `state`) or s3://BUCKET/PREFIX; "
        "--state-dir / CJREC_STATE_DIR override it",
    )

    logo_store: LogoStoreSpec | None = Field(
        default=None, description="host `file:` logos without `publicUrl` in S3-compatible storage (uploaded by apply)"
    )

    @field_validator("state")
    @classmethod
    def _location(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_location(value)
            except LocationError as exc:
                raise PydanticCustomError("state_location", str(exc)) from None
        return value


class WebhookTopicSpec(_Strict):
    """One webhook topic: ``{enabled: true, url: https://…}`` or ``{enabled: false}``."""

    enabled: StrictBool
    url: str | None = Field(default=None, description="public https callback URL (CJ refuses others)")

    @field_validator("url")
    @classmethod
    def _public_https(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _https_url(value, "url")
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


class WebhooksSpec(_Strict):
    """The webhook topics to manage (topics left out are not touched) and product event subscriptions."""

    product: WebhookTopicSpec | None = None
    stock: WebhookTopicSpec | None = None
    order: WebhookTopicSpec | None = None
    logistics: WebhookTopicSpec | None = None
    subscribe_managed_products: StrictBool = Field(
        default=False, description="subscribe to product/stock events for every managed product (10 points per 100)"
    )


def _private_ip(host: str) -> bool:
    import ipaddress

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


class _Document(_Strict):
    api_version: Literal["cjrec/v1"]


class CredentialsDocument(_Document):
    """kind: Credentials."""

    kind: Literal["Credentials"]
    metadata: Metadata
    spec: CredentialsSpec


class LogoDocument(_Document):
    """kind: Logo."""

    kind: Literal["Logo"]
    metadata: Metadata
    spec: LogoSpec


class ProductsDocument(_Document):
    """kind: Products."""

    kind: Literal["Products"]
    metadata: Metadata
    spec: ProductsSpec


class SettingsDocument(_Document):
    """kind: Settings (optional, at most one)."""

    kind: Literal["Settings"]
    metadata: Metadata | None = None
    spec: SettingsSpec = Field(default_factory=SettingsSpec)


class WebhooksDocument(_Document):
    """kind: Webhooks (optional, at most one)."""

    kind: Literal["Webhooks"]
    metadata: Metadata | None = None
    spec: WebhooksSpec


DOCUMENT_TYPES: dict[str, type[_Document]] = {
    "Credentials": CredentialsDocument,
    "Logo": LogoDocument,
    "Products": ProductsDocument,
    "Settings": SettingsDocument,
    "Webhooks": WebhooksDocument,
}


def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) that accepts any one cjrec/v1 document."""
    defs: dict[str, Any] = {}
    choices = []
    for kind, model in DOCUMENT_TYPES.items():
        schema = model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        # sops adds its own metadata to encrypted files
        schema["properties"]["sops"] = {"type": "object", "description": "added by sops; do not edit"}
        defs[kind + "Document"] = schema
        choices.append({"$ref": f"#/$defs/{kind}Document"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "cjrec manifest document (apiVersion cjrec/v1)",
        "oneOf": choices,
        "$defs": defs,
    }
