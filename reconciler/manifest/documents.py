"""The manifest document types of apiVersion ``cjrec/v1``, as pydantic models.

Used by the validator to check each document's fields and by ``cjrec schema`` to publish
a JSON Schema for editors. Field names are camelCase in YAML. Values that sops encrypted
(``ENC[…]``) pass the content checks when the validator runs without a key: it says so.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from reconciler.models.cj_limits import SOURCING_TEXT_MAX
from reconciler.models.product_url import ProductUrlError, pid_from_url
from reconciler.models.state_location import LocationError, parse_location, parse_s3_url

API_VERSION = "cjrec/v1"
SCHEMA_ID = "urn:cjrec:schema:cjrec-v1"  # an identifier, not a URL: editors read the file by its relative path
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


Amount = Annotated[Decimal, Field(allow_inf_nan=False)]
CENTS_CHOICES = ("0.99", "0.95", "0.90", "whole")


def _positive(value: Decimal | None, what: str) -> Decimal | None:
    if value is not None and value <= 0:
        raise PydanticCustomError("positive", f"{what} must be greater than 0 (got {value})")
    return value


class VariantSelectionSpec(_Strict):
    """Which variants the store sells: each entry a variantKey (``Black-XL``) or a variant SKU, ``*`` globs allowed."""

    include: list[str] = Field(default_factory=list, description="sell only the variants matching an entry")
    exclude: list[str] = Field(default_factory=list, description="never sell the variants matching an entry")

    @field_validator("include", "exclude")
    @classmethod
    def _entries(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not entry.strip():
                raise PydanticCustomError("variant_entry", "an entry must name a variantKey or a SKU, not be empty")
        return value


_SOURCING_ONLY = ("name", "image", "remark", "source_price", "sourcing_id")


def is_cj_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "cjdropshipping.com" or host.endswith(".cjdropshipping.com")


class ProductItem(_Strict):
    """One product: ``productUrl`` (a CJ product), or ``sourceUrl`` (a product CJ is asked to source)."""

    product_url: str | None = Field(default=None, description="https://cjdropshipping.com/product/<name>-p-<id>.html")
    source_url: str | None = Field(
        default=None,
        description="a product page elsewhere (AliExpress, Amazon, 1688…) CJ is asked to source; needs name and image",
    )
    name: str | None = Field(
        default=None, min_length=1, max_length=SOURCING_TEXT_MAX, description="with sourceUrl: the product's name"
    )
    image: str | None = Field(
        default=None, max_length=SOURCING_TEXT_MAX, description="with sourceUrl: an https image URL of the product"
    )
    remark: str | None = Field(
        default=None, max_length=1000, description="with sourceUrl: notes for CJ's agent (target country, specs)"
    )
    source_price: Decimal | None = Field(
        default=None,
        ge=0,
        max_digits=12,
        decimal_places=2,
        description="with sourceUrl: the product's price at the source, USD (sent to CJ as the request's price)",
    )
    sourcing_id: str | None = Field(
        default=None,
        pattern=r"^[0-9]{1,30}$",
        description="with sourceUrl: adopt this existing CJ sourcing request instead of filing a new one",
    )
    logo: str | None = Field(default=None, pattern=NAME_PATTERN, description="the name of a Logo")
    variants: VariantSelectionSpec | None = Field(default=None, description="the variants the store sells")
    pricing: str | None = Field(
        default=None, pattern=NAME_PATTERN, description="the name of a Pricing rule (else the default rule)"
    )
    price: Amount | None = Field(
        default=None, description="a fixed store price for every selected variant, instead of a Pricing rule"
    )

    @field_validator("price")
    @classmethod
    def _price(cls, value: Decimal | None) -> Decimal | None:
        return _positive(value, "price")

    @field_validator("product_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            pid_from_url(value)
        except ProductUrlError as exc:
            raise PydanticCustomError("product_url", str(exc)) from None
        return value

    @field_validator("source_url")
    @classmethod
    def _source_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _https_url(value, "sourceUrl")
        if is_cj_host(urlsplit(value).hostname or ""):
            raise PydanticCustomError(
                "source_url", "this is a CJ product page: list it with `productUrl`, not `sourceUrl`"
            )
        return value

    @field_validator("image")
    @classmethod
    def _image(cls, value: str | None) -> str | None:
        return None if value is None else _https_url(value, "image")

    @field_validator("sourcing_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        # a bare 19-digit id in YAML is an integer: read it exactly, as text
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _one_kind(self) -> ProductItem:
        if (self.product_url is None) == (self.source_url is None):
            raise PydanticCustomError(
                "product_source",
                "give exactly one of `productUrl` (a CJ product) or `sourceUrl` (a product page CJ is asked to source)",
            )
        if self.product_url is not None:
            given = [to_camel(name) for name in _SOURCING_ONLY if getattr(self, name) is not None]
            if given:
                raise PydanticCustomError(
                    "product_source", f"{', '.join(given)} go with `sourceUrl`; a `productUrl` product is CJ's already"
                )
        else:
            missing = [name for name in ("name", "image") if getattr(self, name) is None]
            if missing:
                raise PydanticCustomError(
                    "product_source",
                    f"a `sourceUrl` item needs {' and '.join(missing)} (CJ requires both, at most 200 characters)",
                )
        return self


class ProductsSpec(_Strict):
    """A list of products."""

    items: list[ProductItem]


class DriftSpec(_Strict):
    """Material drift: the daily drift job (``apply --refresh-only --detailed-exitcode``) fails only for these."""

    cost_change_percent: Amount = Field(
        default=Decimal(10), ge=0, description="a selected variant's cost moved by this many percent or more"
    )
    variant_gone: StrictBool = Field(default=True, description="a selected variant is gone at CJ")
    off_sale: StrictBool = Field(default=True, description="the product is off sale or unavailable at CJ")
    below_min_margin: StrictBool = Field(
        default=True, description="a recorded store price's margin fell below the rule's minMargin"
    )


MAX_QPS = 10


def _qps(value: object) -> float | Literal["auto"]:
    """``auto`` or a number of requests per second in (0, 10]."""
    if value == "auto":
        return "auto"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("qps", "must be auto (the account's limit, from CJ) or a number of requests per second")
    if not 0 < value <= MAX_QPS:  # NaN fails too
        raise PydanticCustomError("qps", f"must be greater than 0 and at most {MAX_QPS} requests per second (or auto)")
    return float(value)


Qps = Annotated[
    float | Literal["auto"],
    PlainValidator(_qps),
    WithJsonSchema(
        {
            "anyOf": [
                {"const": "auto"},
                {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_QPS},
            ],
        }
    ),
]


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

    qps: Qps = Field(
        default="auto",
        description="requests per second: auto (default) uses the account's limit as CJ reports it "
        "(setting/get qpsLimit; 1 if CJ does not say); a number (CJ tiers 1, 2, 4, 6) is used as given, "
        "capped at the account's limit",
    )
    points_budget: StrictInt = Field(default=20_000, ge=0, description="most API points one run may spend")
    sourcing_per_day: StrictInt = Field(
        default=5, ge=0, le=1000, description="most sourcing requests filed per UTC day (CJ accepts 5)"
    )
    refresh_budget: StrictInt | None = Field(
        default=None,
        ge=10,
        description="points a refresh may spend on product details (10 each), least recently checked first; "
        "absent: a refresh checks every product",
    )
    drift: DriftSpec = Field(default_factory=DriftSpec, description="what makes drift material")
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


class TierSpec(_Strict):
    """Cost base up to ``upTo`` USD (inclusive; the last tier has none): ``× multiplier + add``."""

    up_to: Amount | None = Field(default=None, description="inclusive upper bound of the cost base, USD")
    multiplier: Amount | None = Field(default=None, description="the cost base is multiplied by this")
    add: Amount | None = Field(default=None, description="then this is added (USD)")

    @field_validator("up_to", "multiplier")
    @classmethod
    def _positive_fields(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        return _positive(value, to_camel(info.field_name or "value"))

    @model_validator(mode="after")
    def _something(self) -> TierSpec:
        if self.multiplier is None and self.add is None:
            raise PydanticCustomError("tier", "a tier needs a `multiplier`, an `add` or both")
        return self


class FeesSpec(_Strict):
    """The store's fees on a sale: ``percent`` of the price plus ``fixed`` (store currency)."""

    percent: Amount = Field(default=Decimal(0), ge=0, lt=100)
    fixed: Amount = Field(default=Decimal(0), ge=0)


class CompareAtSpec(_Strict):
    """The compare-at price: the final price × ``multiplier`` or + ``add``, then the same cents rule."""

    multiplier: Amount | None = Field(default=None, gt=0)
    add: Amount | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> CompareAtSpec:
        if (self.multiplier is None) == (self.add is None):
            raise PydanticCustomError("compare_at", "give exactly one of `multiplier` or `add`")
        return self


class PricingSpec(_Strict):
    """Store prices recomputed from CJ's costs on every plan."""

    tiers: list[TierSpec] = Field(min_length=1, description="in order of `upTo`; the last has no `upTo`")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$", description="the store currency (ISO 4217)")
    exchange_rate: Amount | None = Field(default=None, gt=0, description="store currency per USD (fixed)")
    cents: str | None = Field(
        default=None,
        description="0.99, 0.95, 0.90 (the smallest price >= x ending so), whole; absent: 2 decimals",
        json_schema_extra={"enum": list(CENTS_CHOICES)},
    )
    compare_at: CompareAtSpec | None = None
    fees: FeesSpec | None = None
    min_profit: Amount | None = Field(default=None, ge=0, description="profit floor after fees (store currency)")
    min_margin: Amount | None = Field(default=None, description="warn when a price leaves less (store currency)")
    default: StrictBool = Field(default=False, description="used by the products that name no rule")
    include_shipping: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="a Market's country: the product's cheapest qualifying shipping quote there joins the cost base",
    )

    @field_validator("cents", mode="before")
    @classmethod
    def _cents(cls, value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and value == "whole":
            return value
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            try:
                number = Decimal(str(value))
            except ArithmeticError:
                number = None
            if number is not None:
                for choice in CENTS_CHOICES[:3]:
                    if number == Decimal(choice):
                        return choice
        raise PydanticCustomError(
            "cents", f"cents must be one of 0.99, 0.95, 0.90 or whole, or left out for 2 decimals (got {value!r})"
        )

    @model_validator(mode="after")
    def _rate(self) -> PricingSpec:
        if self.currency != "USD" and self.exchange_rate is None:
            raise PydanticCustomError(
                "exchange_rate", f"currency {self.currency} needs an `exchangeRate` ({self.currency} per USD)"
            )
        return self


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


COUNTRY_PATTERN = r"^[A-Z]{2}$"


class MarketSpec(_Strict):
    """A country the store sells to, and how fast and cheap shipping there must be."""

    country: str = Field(pattern=COUNTRY_PATTERN, description="ISO 3166 two-letter code, e.g. US")
    max_days: StrictInt = Field(ge=1, le=120, description="most transit days (the upper bound of CJ's aging)")
    max_shipping: Decimal = Field(ge=0, max_digits=10, decimal_places=2, description="most shipping cost, USD")
    from_: list[str] = Field(
        default_factory=lambda: ["CN"],
        alias="from",
        min_length=1,
        description="warehouse countries to ship from (default [CN]), e.g. [CN, US]",
    )

    @field_validator("from_")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not re.fullmatch(COUNTRY_PATTERN, origin):
                raise PydanticCustomError("country", f"{origin!r} is not a two-letter country code such as CN")
        if len(set(value)) != len(value):
            raise PydanticCustomError("country", "each origin once")
        return value


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


class PricingDocument(_Document):
    """kind: Pricing (named; products pick one with `pricing: NAME`, one may be `default: true`)."""

    kind: Literal["Pricing"]
    metadata: Metadata
    spec: PricingSpec


class WebhooksDocument(_Document):
    """kind: Webhooks (optional, at most one)."""

    kind: Literal["Webhooks"]
    metadata: Metadata | None = None
    spec: WebhooksSpec


class MarketDocument(_Document):
    """kind: Market (one per country)."""

    kind: Literal["Market"]
    metadata: Metadata
    spec: MarketSpec


DOCUMENT_TYPES: dict[str, type[_Document]] = {
    "Credentials": CredentialsDocument,
    "Logo": LogoDocument,
    "Market": MarketDocument,
    "Products": ProductsDocument,
    "Pricing": PricingDocument,
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
