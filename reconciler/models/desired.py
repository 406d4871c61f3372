"""What the manifests ask for, after validation: the ``Desired`` configuration.

Built by ``reconciler.manifest.validator`` and read by the planner and the CLI. Every
item remembers where it was declared (file and line), so later errors and plans can point
back at the manifest. Secret values are :class:`Secret` objects and never print.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from reconciler.models.cj_limits import SOURCING_PER_DAY
from reconciler.models.declared import Source, VariantSelection
from reconciler.models.secret import Secret

DEFAULT_QPS = 1.0
DEFAULT_POINTS_BUDGET = 20_000
DEFAULT_SOURCING_PER_DAY = SOURCING_PER_DAY


@dataclass(frozen=True, slots=True)
class LogoImage:
    """Facts about a logo file read from its bytes."""

    format: str
    size_bytes: int
    width: int | None
    height: int | None
    sha256: str


class LogoImageError(Exception):
    """A logo file is missing, unreadable, too large or not an image; the text says which."""


@dataclass(frozen=True, slots=True)
class TokenOverride:
    """A token pair set by hand in the Credentials manifest (debugging or emergency use)."""

    access_token: Secret | None
    access_token_expiry: datetime | None
    refresh_token: Secret | None
    refresh_token_expiry: datetime | None


@dataclass(frozen=True, slots=True)
class Credentials:
    """The CJ account: its email and API token, decrypted in memory only."""

    email: Secret
    api_token: Secret
    check_account_email: bool
    override: TokenOverride | None
    source: Source
    file: Path


@dataclass(frozen=True, slots=True)
class Logo:
    """A print-on-demand logo: an image in the repository or an existing public URL."""

    name: str
    file: Path | None
    file_display: str | None  # the file as the repository names it, e.g. manifests/logos/brand.png
    url: str | None
    public_url: str | None
    default: bool
    image: LogoImage | None
    source: Source
    hosted: str | None = None  # s3://BUCKET/PREFIX<sha256>.<ext> apply uploads the file to (public_url is its address)

    @property
    def fetch_url(self) -> str | None:
        """The URL CJ fetches the artwork from at order time, if there is one."""
        return self.url or self.public_url


@dataclass(frozen=True, slots=True)
class DesiredProduct:
    """A product the store sells, identified by its CJ pid (always a string).

    ``pricing`` names a Pricing rule (else the default rule applies, if any); ``price`` fixes
    the store price of every selected variant instead; ``variants`` selects variants.
    """

    pid: str
    url: str
    logo: str | None
    source: Source
    note: str | None = None  # where it came from when not a productUrl (a sourcing request), for the plan
    shipping: tuple[tuple[str, Decimal], ...] = ()  # per market country, the cheapest qualifying quote (planner-set)
    variants: VariantSelection | None = None
    pricing: str | None = None
    price: Decimal | None = None
    stores: tuple[str, ...] | None = None  # the Stores it is published to (None: every Store)


@dataclass(frozen=True, slots=True)
class DriftThresholds:
    """What makes drift *material*: the drift job fails only for these (Settings ``drift``).

    A selected variant's cost moving by ``cost_change_percent`` % or more; a selected variant
    gone at CJ (``variant_gone``); the product off sale or unavailable (``off_sale``); a
    recorded store price whose margin fell below the rule's ``minMargin`` (``below_min_margin``).
    """

    cost_change_percent: Decimal = Decimal(10)
    variant_gone: bool = True
    off_sale: bool = True
    below_min_margin: bool = True


@dataclass(frozen=True, slots=True)
class LogoStore:
    """Settings ``spec.logoStore``: where apply uploads `file:` logos, and their public address."""

    url: str  # s3://BUCKET/PREFIX/ (prefix '' or ending in '/')
    public_base_url: str  # https://…/

    def names(self, image: LogoImage) -> tuple[str, str]:
        """(object URL, public URL) of ``image``: named by its content, so it is uploaded once."""
        extension = {"jpeg": "jpg"}.get(image.format, image.format)
        name = f"{image.sha256}.{extension}"
        return self.url + name, self.public_base_url + name


IMAGE_CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}


@dataclass(frozen=True, slots=True)
class Settings:
    """How cjrec may use the account: request rate, points per run, the refresh budget, material drift,
    sourcing requests per UTC day."""

    qps: float | None = None  # None: `auto`, the account's limit from setting/get (DEFAULT_QPS if CJ does not say)
    points_budget: int = DEFAULT_POINTS_BUDGET
    source: Source | None = None
    sourcing_per_day: int = DEFAULT_SOURCING_PER_DAY
    refresh_budget: int | None = None  # points a refresh may spend on product details; None: every product
    drift: DriftThresholds = field(default_factory=DriftThresholds)
    state: str | None = None  # the state location (a folder or s3://BUCKET/PREFIX), when Settings names one
    state_line: int | None = None
    logo_store: LogoStore | None = None


WEBHOOK_TOPICS = ("product", "stock", "order", "logistics")


@dataclass(frozen=True, slots=True)
class WebhookSetting:
    """One webhook topic: on with a callback URL, or off."""

    enabled: bool
    url: str | None

    def to_dict(self) -> dict[str, object]:
        return {"enabled": self.enabled, "url": self.url}


@dataclass(frozen=True, slots=True)
class Webhooks:
    """The webhook topics the manifests manage, and whether managed products get event subscriptions."""

    topics: dict[str, WebhookSetting]
    subscribe_managed_products: bool
    source: Source


@dataclass(frozen=True, slots=True)
class Desired:
    """The whole validated configuration: the account (credentials, settings) and the resources by kind.

    ``resources`` maps a kind (``product``, ``logo``, …) to its declared items by name, in
    declaration order; each kind reads its own entry through the accessors of its package
    (``reconciler/kinds/<kind>/model.py``), so this type names no kind. ``credentials`` is None
    when the secrets could not be decrypted (no key): structure was checked, secret values
    were not, and nothing that needs the API can run.
    """

    credentials: Credentials | None
    settings: Settings
    files: tuple[str, ...] = field(default=())
    resources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def of(self, kind: str) -> Mapping[str, Any]:
        """The items of ``kind`` by name (empty when none are declared)."""
        return self.resources.get(kind, {})

    def replacing(self, kind: str, items: Mapping[str, Any]) -> Desired:
        """This configuration with ``kind``'s items replaced (a derived input: sourced products, shipping)."""
        return replace(self, resources={**self.resources, kind: dict(items)})
