"""The store interface: what the store kind needs of a store platform (Shopify, WooCommerce …).

The planner, the reads and the executor of ``store.<store>/product.<pid>`` (and CJ's
connections, which need the platform's ids) talk to every platform through two things only:

- :class:`StorePlatform` — the pure facts of a platform, registered once by name in
  ``kinds/store/platforms.py`` (``platform:`` of a Store picks it): how its Store documents
  are checked, its default API version, how its ids read to CJ (``product/conn/connection``
  takes the platform's numeric ids), and what a change is estimated to cost against its rate
  limit, for the plan;
- :class:`StoreClient` — the calls to one store, built by the CLI through the platform's
  connector (``adapters/store_platforms.py``) and handed to the kind as
  ``ApplyDeps.stores`` / ``ReadContext.stores`` (:data:`StoreClients`, by Store name): read
  products back, find one by its stable identity (the CJ pid, kept in the store so a lost
  state finds it again), publish (create or upsert by that identity), change its variants,
  reprice, set its status, delete.

Results are platform-neutral values (:class:`StoreProduct`, :class:`Outcome`): ids are the
platform's own strings, statuses ``active|draft|archived``, and a platform's business errors
come back per product as :class:`UserError` (terminal-safe: the store's text is untrusted),
never raised, so the rest of an apply goes on. Transport failures are raised as
:class:`~reconciler.errors.ApiError` subclasses naming the call. No comparison of platform names outside
a platform's own modules: what differs is behind these two types.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from reconciler.kinds.store.model import Store

ListingStatus = Literal["active", "draft", "archived"]
StoreOperation = Literal["prepare", "publish", "variants", "prices", "status", "delete", "read"]


@dataclass(frozen=True)
class ListedVariant:
    """One store variant: the CJ vid it sells, and what cjrec sets on it."""

    vid: str
    sku: str
    values: tuple[str, ...]
    price: str
    compare_at: str | None
    cost: str | None
    weight_grams: str | None
    image: str | None = None  # the variant's own image (an http(s) URL), for platforms that set one per variant


@dataclass(frozen=True)
class Listing:
    """A product as cjrec publishes it to one store."""

    pid: str
    title: str
    option_names: tuple[str, ...]
    variants: tuple[ListedVariant, ...]
    images: tuple[str, ...]
    active: bool  # CJ has it on sale
    sku: str = ""  # the CJ product's SKU (WooCommerce finds a variable product by it after a lost state)

    @property
    def fingerprint(self) -> str:
        """A digest of what cjrec owns in the store (options, variants, prices, on sale)."""
        owned = {
            "options": self.option_names,
            "variants": [
                [v.vid, v.sku, v.values, v.price, v.compare_at, v.cost, v.weight_grams] for v in self.variants
            ],
            "active": self.active,
        }
        text = json.dumps(owned, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class UserError:
    """A business error the store reported for one product: the input field and its message."""

    field: str
    message: str
    code: str | None = None

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{where}{self.message}" + (f" ({self.code})" if self.code else "")


@dataclass(frozen=True)
class StoreVariant:
    """A variant as the store holds it: its id, SKU and prices (strings, as the store gives them)."""

    id: str
    sku: str | None
    price: str
    compare_at: str | None


@dataclass(frozen=True)
class StoreProduct:
    """What the store holds of a product cjrec published (title as the store has it: untrusted)."""

    id: str
    title: str
    status: str  # active | draft | archived (or the platform's own word, lowercased, for others)
    pid: str | None  # the CJ pid the product carries as its identity (Shopify: the cjrec.cj_pid metafield)
    variants: tuple[StoreVariant, ...]

    def variant_ids(self, sku_to_vid: Mapping[str, str]) -> dict[str, str]:
        """Store variant id by CJ vid, matched by SKU."""
        return {sku_to_vid[v.sku]: v.id for v in self.variants if v.sku is not None and v.sku in sku_to_vid}


@dataclass(frozen=True)
class Outcome:
    """A write's result: the product as it is now (None when it failed or was deleted), the
    store's business errors, and ``gone`` when the product the write named no longer exists
    (deleted in the store's admin: the executor publishes it again)."""

    product: StoreProduct | None
    errors: tuple[UserError, ...] = field(default_factory=tuple)
    gone: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.gone


class StoreClient(Protocol):
    """The calls cjrec makes to one store. ``call`` names the change in errors (``create
    store.main/product.P1``). ``known`` maps CJ vid → the store's variant id."""

    @property
    def store(self) -> Store:
        """The Store document this client talks to."""
        ...

    def prepare(self, *, call: str) -> tuple[UserError, ...]:
        """What must exist in the store before the first publish of a run (Shopify: the ``id``
        metafield definition the identity needs); idempotent; the problems, if any."""
        ...

    def find(self, pid: str) -> StoreProduct | None:
        """The product published from ``pid`` (by its identity in the store), if there is one."""
        ...

    def read(self, product_ids: Sequence[str]) -> dict[str, StoreProduct | None]:
        """Products by the store's id (None for one the store no longer has)."""
        ...

    def publish(self, listing: Listing, *, call: str) -> Outcome:
        """Create the product, or update the one carrying ``listing.pid`` as its identity (a
        rerun after a lost state updates, never duplicates), with everything cjrec sets at
        first publish (title, images, the Store's publishing defaults)."""
        ...

    def publish_all(self, listings: Sequence[Listing], *, call: str) -> list[Outcome]:
        """:meth:`publish` of several products at once, one Outcome each in order; at most the
        platform's ``publish_batch`` of them (WooCommerce sends them in one batch request)."""
        ...

    def set_variants(self, product_id: str, listing: Listing, known: Mapping[str, str], *, call: str) -> Outcome:
        """Variants added or removed: options and variants only; the merchant's fields stay."""
        ...

    def set_prices(self, product_id: str, listing: Listing, known: Mapping[str, str], *, call: str) -> Outcome:
        """Prices, compare-at prices and costs of the known variants only."""
        ...

    def set_status(self, product_id: str, status: ListingStatus, *, call: str) -> Outcome:
        """The product's status alone."""
        ...

    def delete(self, product_id: str, *, call: str) -> Outcome:
        """Delete the product; one the store no longer has is no error."""
        ...


StoreClients = Mapping[str, StoreClient]
"""The clients of the declared Stores, by Store name (``ApplyDeps.stores``, ``ReadContext.stores``)."""


@dataclass(frozen=True)
class SpecCheck:
    """A platform's rule for one field of a Store's ``spec``: ``check(value)`` gives the message
    when ``value`` is wrong for the platform, else None."""

    field: str  # the spec's field name in Python (``domain``, ``api_version``)
    check: Callable[[str], str | None]


@dataclass(frozen=True)
class StorePlatform:
    """The pure facts of one platform (registered in ``kinds/store/platforms.py``).

    - ``name``: what ``platform:`` says; ``label``: how text names it (``Shopify``);
    - ``checks``: its rules for the Store document's fields (the domain form, the API version);
    - ``default_api_version``: the version cjrec speaks when the Store names none;
    - ``cj_id``: a product or variant id of the platform as CJ's connection endpoints take it;
    - ``cost`` and ``cost_unit``: what one write or read is estimated to cost against the
      platform's rate limit (``StoreOperation``, number of variants or products), for the plan;
    - ``spec_rule``: its rule for the Store document as a whole (which fields it needs and which
      it has no use for); the message when the spec breaks it, else None;
    - ``publish_batch``: how many first publishes the executor hands the client at once
      (:meth:`StoreClient.publish_all`; 1: one at a time, the state written after each).
    """

    name: str
    label: str
    checks: tuple[SpecCheck, ...]
    default_api_version: str
    cj_id: Callable[[str], str]
    cost: Callable[[StoreOperation, int], int]
    cost_unit: str
    spec_rule: Callable[[Any], str | None] | None = None
    publish_batch: int = 1
