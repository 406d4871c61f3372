"""Typed results of CJ API calls, as the client returns them.

Built by ``reconciler.adapters.cj_answers`` from CJ's JSON; read by the token manager, the
planner and the CLI. Ids (pid, vid, openId) are always strings: numeric pids exceed 2**53.
Token values are :class:`Secret` objects so they never print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from reconciler.models.secret import Secret


@dataclass(frozen=True, slots=True)
class TokenPair:
    """An access token and a refresh token with the expiry dates CJ returned."""

    access_token: Secret
    access_token_expiry: datetime
    refresh_token: Secret | None
    refresh_token_expiry: datetime | None
    open_id: str | None = None
    created: datetime | None = None


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """What ``GET /setting/get`` says about the account (no secrets)."""

    open_id: str
    open_name: str
    open_email: str
    qps_limit: float | None
    is_sandbox: bool | None


@dataclass(frozen=True, slots=True)
class Variant:
    """One variant of a product with its price and stock (``key`` is CJ's variantKey, e.g. ``Black-M``)."""

    vid: str
    sku: str
    key: str
    price: Decimal | None
    stock: int | None
    image: str | None = None
    weight: Decimal | None = None  # grams (variantWeight)
    stock_countries: tuple[str, ...] = ()  # warehouse countries with stock, when inventories were asked for


@dataclass(frozen=True, slots=True)
class ProductDetail:
    """``GET /product/query`` for one product."""

    pid: str
    name: str
    sku: str
    sell_price: str
    status: str
    customization_version: int
    image: str | None
    variants: tuple[Variant, ...]
    option_names: str | None = None  # productKeyEn: the option names joined by "-" (Color-Size)
    dropped_images: tuple[tuple[str, str], ...] = ()  # (field, value) of image URLs refused: not http(s)

    @property
    def is_pod(self) -> bool:
        """Print-on-demand products have customizationVersion 1-5."""
        return self.customization_version > 0


@dataclass(frozen=True, slots=True)
class MyProduct:
    """One row of the My Products list."""

    pid: str
    name: str
    sku: str
    sell_price: str
    created_ms: int | None


@dataclass(frozen=True, slots=True)
class CjConnection:
    """A store variant connected to a CJ variant (``product/conn/connection``): CJ routes the
    store's orders of that variant to the CJ variant for fulfilment. Ids as CJ gives them."""

    cj_pid: str
    cj_vid: str
    platform_product_id: str
    platform_variant_id: str
    shop_id: str
