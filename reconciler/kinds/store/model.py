"""The store kind's name and its entries in the configuration: the shops cjrec publishes to.

A :class:`Store` is what a ``kind: Store`` document asks for, after validation
(``document.py``): the platform and its address, the Admin API version cjrec speaks, the CJ
shop it connects, the publishing defaults and what happens to a product that leaves it. Its
secrets are :class:`~reconciler.models.secret.Secret` objects and never print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from reconciler.models.declared import Source
from reconciler.models.desired import Desired
from reconciler.models.observed import Observed
from reconciler.models.secret import Secret

KIND = "store"

PublishStatus = Literal["active", "draft"]
OnRemove = Literal["archive", "draft", "delete"]


@dataclass(frozen=True, slots=True)
class StoreAuth:
    """How cjrec gets a token: a fixed ``access_token``, or ``client_id`` + ``client_secret`` for
    the client-credentials grant (its tokens expire and are cached encrypted)."""

    access_token: Secret | None = None
    client_id: Secret | None = None
    client_secret: Secret | None = None
    consumer_key: Secret | None = None  # WooCommerce: the REST API key pair, sent as HTTP Basic
    consumer_secret: Secret | None = None

    @property
    def grant(self) -> Literal["token", "client_credentials"]:
        """Which of the two forms the manifest gives."""
        return "token" if self.access_token is not None else "client_credentials"


@dataclass(frozen=True, slots=True)
class PublishDefaults:
    """What every product published to the store gets unless its item says otherwise."""

    status: PublishStatus = "active"
    vendor: str | None = None
    product_type: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Store:
    """One store (``kind: Store``), keyed by its name."""

    name: str
    platform: str  # a name in kinds/store/platforms.py (shopify)
    domain: str  # the shop's domain (Shopify: NAME.myshopify.com)
    api_version: str  # the API version cjrec speaks (the platform's default when the document names none)
    cj_shop: str  # the name or id CJ lists in shop/getShops
    auth: StoreAuth
    publish: PublishDefaults
    on_remove: OnRemove
    endpoint: str | None  # replaces https://<domain> (sandbox, tests; WooCommerce: its url); http only on loopback
    source: Source
    logistics: str | None = None  # CJ's shipping method for connections when no Market quote gives one
    ship_from: str | None = None  # the country CJ ships from for connections when no Market quote gives one
    max_concurrency: int | None = None  # WooCommerce: requests in flight at most (None: the platform's default)

    @property
    def base_url(self) -> str:
        """Where the store's Admin API lives: ``endpoint`` when given, else ``https://<domain>``."""
        return (self.endpoint or f"https://{self.domain}").rstrip("/")


def stores(desired: Desired) -> tuple[Store, ...]:
    """Every declared store, in declaration order."""
    return tuple(item for item in desired.of(KIND).values() if isinstance(item, Store))


def store_named(desired: Desired, name: str) -> Store | None:
    """The store called ``name``, if one is declared."""
    item = desired.of(KIND).get(name)
    return item if isinstance(item, Store) else None


@dataclass(frozen=True, slots=True)
class SeenListing:
    """A published product as the store shows it now (``plan --refresh-details``): None in
    :data:`StoreSeen` when the store no longer has it (deleted in its admin)."""

    product_id: str
    status: str  # ACTIVE | DRAFT | ARCHIVED | UNLISTED
    prices: dict[str, str]  # store price by SKU


StoreSeen = dict[str, SeenListing | None]  # by ``<store>/product.<pid>``; absent: not read
CjShop = tuple[str, str, str]  # (id, name, type) as CJ's shop/getShops lists it


@dataclass(frozen=True, slots=True)
class StoresObserved:
    """What the store kind read this run: the published products read back (``--refresh-details``)
    and the stores authorised to the CJ account (None when CJ was not asked)."""

    seen: StoreSeen
    cj_shops: tuple[CjShop, ...] | None = None
    connections: dict[str, frozenset[tuple[str, str]]] = field(default_factory=dict)  # by record key: (vid, store vid)


def seen_of(observed: Observed) -> StoreSeen:
    """What the stores showed this run (empty when they were not read)."""
    found = observed.of(KIND)
    return found.seen if isinstance(found, StoresObserved) else {}


def connections_of(observed: Observed) -> dict[str, frozenset[tuple[str, str]]]:
    """CJ's connections of the products cjrec connected, as read this run (``--refresh-details``)."""
    found = observed.of(KIND)
    return found.connections if isinstance(found, StoresObserved) else {}


def cj_shops_of(observed: Observed) -> tuple[CjShop, ...] | None:
    """The CJ account's stores, when this run asked CJ."""
    found = observed.of(KIND)
    return found.cj_shops if isinstance(found, StoresObserved) else None


def cj_shop_matching(store: Store, shops: tuple[CjShop, ...]) -> CjShop | None:
    """The CJ shop ``store.cj_shop`` names: by id, else by name (ignoring case)."""
    wanted = store.cj_shop.strip()
    by_id = next((shop for shop in shops if shop[0] == wanted), None)
    return by_id or next((shop for shop in shops if shop[1].casefold() == wanted.casefold()), None)
