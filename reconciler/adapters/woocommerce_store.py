"""One WooCommerce store as cjrec uses it: publish products (many at once, in batches), reprice,
set their status, delete them, and read them back for drift.

The WooCommerce side of the store interface (Shopify's is ``adapters/shopify_store.py``): it
takes the platform-neutral :class:`~reconciler.kinds.listing.payload.Listing` of each product
and decides WooCommerce's shape itself; every request goes through
:class:`~reconciler.adapters.woocommerce_http.WooHttp`, which batches, bounds concurrency and
backs off.

- **Shape**: a product with several variants is a ``variable`` product whose attributes are
  the option names (``variation: true``, all values), with one variation per selected CJ
  variant (SKU, attribute options, regular and sale price, weight, image); a product with one
  variant is a ``simple`` product carrying that variant's SKU and prices. The regular price is
  the compare-at price when there is one and the sale price is the price, else the regular
  price is the price and there is no sale price. Weights go in kilograms (WooCommerce's
  default unit) from CJ's grams.
- **Identity that survives a lost state**: the product's meta ``_cjrec_cj_pid`` and its SKU
  (the CJ product SKU for a variable product, the variant's SKU for a simple one); a product
  without a recorded id is first looked up by SKU (``GET /products?sku=a,b,…``, 100 at a
  time) and, when its meta names the same CJ product, updated instead of created. Variations
  are matched by SKU. A create WooCommerce refuses as a duplicated SKU (an answer lost and the
  batch retried) is resolved the same way.
- **What cjrec owns**: at first publish everything (name, type, status, attributes, images,
  meta); afterwards only prices, SKUs, weights, the variation set it selected and the
  variation attributes — merged with the attributes the merchant added, which stay; the
  description, categories, tags and extra images are never sent again.
- **Batches**: products are created and updated through ``/products/batch``, variations
  through ``/products/<id>/variations/batch`` (one per product, ``maxConcurrency`` at a
  time), each request at most 100 objects; a refused item comes back as that product's
  :class:`Result` with WooCommerce's message while the others go on.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from reconciler.adapters.clock import Clock
from reconciler.adapters.woocommerce_http import (
    DEFAULT_CONCURRENCY,
    PER_PAGE,
    ItemResult,
    WooFailure,
    WooHttp,
    WooKeys,
    WooRefusedError,
)
from reconciler.errors import CjrecError, UsageError
from reconciler.kinds.store.model import Store
from reconciler.kinds.store.platform import (
    ListedVariant,
    Listing,
    ListingStatus,
    Outcome,
    StoreProduct,
    StoreVariant,
    UserError,
)
from reconciler.safe_text import for_terminal

PID_META = "_cjrec_cj_pid"
VID_META = "_cjrec_cj_vid"
STATUS = {"active": "publish", "draft": "draft", "archived": "private"}  # cjrec's status -> WooCommerce's
GONE = ("woocommerce_rest_product_invalid_id", "woocommerce_rest_product_variation_invalid_id")
DUPLICATE_SKU = "product_invalid_sku"


@dataclass(frozen=True)
class WooVariant:
    """A variation as the store holds it (for a simple product: the product itself)."""

    id: str
    sku: str | None
    price: str  # what a buyer pays: the sale price when there is one
    regular_price: str
    sale_price: str | None
    vid: str | None = None  # the _cjrec_cj_vid meta: the CJ variant cjrec made it for


@dataclass(frozen=True)
class WooProduct:
    """What the store holds of a product cjrec published (name as the store has it: untrusted)."""

    id: str
    title: str
    status: str  # publish | draft | private | pending | trash
    type: str
    sku: str | None
    pid: str | None  # the _cjrec_cj_pid meta
    variants: tuple[WooVariant, ...]
    attributes: tuple[dict[str, Any], ...] = ()

    def variant_ids(self, sku_to_vid: Mapping[str, str]) -> dict[str, str]:
        """Store variant id by CJ vid, matched by SKU."""
        return {sku_to_vid[v.sku]: v.id for v in self.variants if v.sku is not None and v.sku in sku_to_vid}


@dataclass(frozen=True)
class Result:
    """What became of one product, in WooCommerce's terms (:meth:`WooCommerceStore.publish_items`): the product
    as it is now (None when it failed) and WooCommerce's refusals; the interface's Outcome is made from it."""

    product: WooProduct | None
    errors: tuple[WooFailure, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.errors and self.product is not None

    @property
    def gone(self) -> bool:
        """The store no longer has the product (deleted by the merchant)."""
        return any(e.code in GONE for e in self.errors)


@dataclass(frozen=True)
class Publication:
    """One product to send: its listing, what the state knows of it in this store, and how it should stand."""

    listing: Listing
    sku: str  # the CJ product SKU (the parent's SKU of a variable product)
    status: str | None  # active | draft | archived; None: left as it is (an update of prices or variants)
    product_id: str | None = None  # recorded: the store's product id
    variant_ids: Mapping[str, str] = field(default_factory=dict)  # recorded: store variation id by CJ vid
    first: bool = True  # nothing recorded: send everything, not only what cjrec owns

    @property
    def simple(self) -> bool:
        """One variant: a simple product (a variable product down to one variant becomes simple too)."""
        return len(self.listing.variants) == 1

    @property
    def was_variable(self) -> bool:
        """The store's product has variations of its own (recorded, or found after a lost state)."""
        return self.product_id is not None and any(i != self.product_id for i in self.variant_ids.values())

    @property
    def product_sku(self) -> str:
        if self.simple:
            return self.listing.variants[0].sku
        return self.sku or f"CJ-{self.listing.pid}"


def connect(store: Store, *, cancel: threading.Event, clock: Clock, timeout: tuple[float, float]) -> WooCommerceStore:
    """The client of a WooCommerce ``store``: its REST API keys, at most ``maxConcurrency`` requests in
    flight, stopped by ``cancel`` like CJ's calls."""
    key, secret = store.auth.consumer_key, store.auth.consumer_secret
    if key is None or secret is None:
        raise UsageError(f"store {store.name}: a WooCommerce Store needs consumerKey and consumerSecret")
    http = WooHttp(
        url=store.base_url,
        keys=WooKeys(key, secret),
        clock=clock,
        max_concurrency=store.max_concurrency or DEFAULT_CONCURRENCY,
        timeout=timeout,
        cancel=cancel,
    )
    return WooCommerceStore(http, store=store)


class WooCommerceStore:
    """The calls cjrec makes to one WooCommerce store (a :class:`~reconciler.kinds.store.platform.StoreClient`)."""

    def __init__(self, http: WooHttp, *, store: Store) -> None:
        self.http = http
        self._store = store

    def __repr__(self) -> str:
        return f"WooCommerceStore({self.http.url!r})"

    # -- the store interface --------------------------------------------------------------------
    @property
    def store(self) -> Store:
        return self._store

    def prepare(self, *, call: str) -> tuple[UserError, ...]:
        """Nothing to create; one read proves the keys and the permalinks before the first publish."""
        self.http.request("GET", "/products", params={"per_page": 1}, call=f"{call}: GET /products")
        return ()

    def find(self, pid: str) -> StoreProduct | None:
        """The product carrying ``pid`` in its ``_cjrec_cj_pid`` meta. WooCommerce's REST API cannot filter
        by meta, so this reads every product (publishing finds products by SKU instead, 100 per request)."""
        for product in self.http.get_all("/products", call="GET /products (find by meta)"):
            if _meta(product).get(PID_META) == pid:
                variations = (
                    self._variations_of(product["id"], "GET variations") if product.get("type") == "variable" else []
                )
                return _neutral(_product(product, variations))
        return None

    def read(self, product_ids: Sequence[str]) -> dict[str, StoreProduct | None]:
        """Products by id with their variations (None for one the store no longer has)."""
        return {key: None if p is None else _neutral(p) for key, p in self.read_products(product_ids).items()}

    def publish(self, listing: Listing, *, call: str) -> Outcome:
        """Create the product, or update the one found by its SKU and ``_cjrec_cj_pid`` (a lost state)."""
        return self.publish_all([listing], call=call)[0]

    def publish_all(self, listings: Sequence[Listing], *, call: str) -> list[Outcome]:
        """First publishes of many products: one ``/products/batch`` per 100, then each one's variations."""
        default = self._store.publish.status
        items = [Publication(one, one.sku, default if one.active else "draft") for one in listings]
        return [_outcome(result) for result in self.publish_items(items, call=call)]

    def set_variants(self, product_id: str, listing: Listing, known: Mapping[str, str], *, call: str) -> Outcome:
        """Variations added or removed (and the variation attributes); the merchant's fields stay."""
        item = Publication(listing, listing.sku, None, product_id, dict(known), first=False)
        return _outcome(self.publish_items([item], call=call)[0])

    def set_prices(self, product_id: str, listing: Listing, known: Mapping[str, str], *, call: str) -> Outcome:
        """Regular and sale prices (with SKUs and weights) of the known variations, in one variations batch."""
        return self.set_variants(product_id, listing, known, call=call)

    def set_status(self, product_id: str, status: ListingStatus, *, call: str) -> Outcome:
        return _outcome(self.set_statuses([product_id], status, call=call)[0])

    def delete(self, product_id: str, *, call: str) -> Outcome:
        return _outcome(self.delete_all([product_id], call=call)[0])

    # -- WooCommerce's own calls ----------------------------------------------------------------

    # -- publish and update ------------------------------------------------------------------
    def publish_items(self, items: Sequence[Publication], *, call: str) -> list[Result]:
        """Create or update each product (with its variations); one :class:`Result` per item, in order."""
        outcomes: dict[int, Result] = {}
        found = self._find([item for item in items if item.product_id is None], call=call)
        todo: list[tuple[int, Publication]] = []
        for n, item in enumerate(items):
            adopted = _adopt(item, found.get(item.listing.pid)) if item.product_id is None else item
            if isinstance(adopted, Result):
                outcomes[n] = adopted
            else:
                todo.append((n, adopted))
        creates = [(n, item) for n, item in todo if item.product_id is None]
        owned = [(n, item, _owned(item)) for n, item in todo if item.product_id is not None]
        updates = [(n, item, body) for n, item, body in owned if body is not None]
        changed = [item for _, item, body in updates if "attributes" in body]
        current = self._current_attributes(changed, call=call)
        shrinking = [item for _, item, _ in updates if item.simple and item.was_variable]
        self.http.run_all([functools.partial(self._drop_variations, item, call) for item in shrinking])
        answer = self.http.batch(
            "/products/batch",
            create=[_create(item) for _, item in creates],
            update=[_merge_attributes(body, current.get(str(item.product_id))) for _, item, body in updates],
            call=call,
        )
        # a variable product whose own fields stay: only its variations change
        sent = [
            (n, item, {"id": int(str(item.product_id)), "type": "variable"}) for n, item, body in owned if body is None
        ]
        lost: list[tuple[int, Publication]] = []
        for (n, item), result in zip(creates, answer.create, strict=True):
            if result.ok and result.value is not None:
                sent.append((n, item, result.value))
            elif result.error is not None and result.error.code == DUPLICATE_SKU:
                lost.append((n, item))  # created by an earlier attempt whose answer was lost
            else:
                outcomes[n] = _failed(result)
        for (n, item, _), result in zip(updates, answer.update, strict=True):
            if result.ok and result.value is not None:
                sent.append((n, item, result.value))
            else:
                outcomes[n] = _failed(result)
        if lost:
            again = self._find([item for _, item in lost], call=call)
            for n, item in lost:
                adopted = _adopt(item, again.get(item.listing.pid))
                if isinstance(adopted, Result):
                    outcomes[n] = adopted
                elif adopted.product_id is None:
                    outcomes[n] = Result(None, (WooFailure(DUPLICATE_SKU, "Invalid or duplicated SKU."),))
                else:
                    outcomes[n] = self.publish_items([adopted], call=call)[0]
        tasks = [functools.partial(self._variations, item, product, call) for _, item, product in sent]
        for (n, _, _), done in zip(sent, self.http.run_all(tasks), strict=True):
            outcomes[n] = done if isinstance(done, Result) else Result(None, (_failure_of(done),))
        return [outcomes.get(n, Result(None, (WooFailure("", "not sent"),))) for n in range(len(items))]

    def set_statuses(self, product_ids: Sequence[str], status: str, *, call: str) -> list[Result]:
        """Each product's status (cjrec's ``active``/``draft``/``archived``), in batches; nothing else changes."""
        answer = self.http.batch(
            "/products/batch", update=[{"id": int(pid), "status": STATUS[status]} for pid in product_ids], call=call
        )
        return [_failed(r) if not r.ok or r.value is None else Result(_product(r.value, ())) for r in answer.update]

    def delete_all(self, product_ids: Sequence[str], *, call: str) -> list[Result]:
        """Delete products for good (with their variations); one the store no longer has is no error."""
        answer = self.http.batch("/products/batch", delete=[int(pid) for pid in product_ids], call=call)
        return [
            Result(None) if r.ok or (r.error is not None and r.error.code in GONE) else _failed(r)
            for r in answer.delete
        ]

    # -- reads -------------------------------------------------------------------------------
    def read_products(self, product_ids: Sequence[str], *, call: str = "GET /products") -> dict[str, WooProduct | None]:
        """The products by id with their variations (None for one the store no longer has or trashed)."""
        found: dict[str, WooProduct | None] = dict.fromkeys(product_ids)
        raw: list[dict[str, Any]] = []
        for start in range(0, len(product_ids), PER_PAGE):
            chunk = ",".join(str(int(pid)) for pid in product_ids[start : start + PER_PAGE])
            raw += self.http.get_all("/products", params={"include": chunk}, call=call)
        variable = [p for p in raw if p.get("type") == "variable"]
        lists = self.http.run_all([functools.partial(self._variations_of, p["id"], call) for p in variable])
        by_parent = {str(p["id"]): v for p, v in zip(variable, lists, strict=True) if not isinstance(v, CjrecError)}
        for product in raw:
            key = str(product.get("id"))
            if key in found and product.get("status") != "trash":
                found[key] = _product(product, by_parent.get(key, ()))
        return found

    # -- pieces --------------------------------------------------------------------------------
    def _find(self, items: Sequence[Publication], *, call: str) -> dict[str, WooProduct]:
        """By CJ pid: the product with the item's SKU (its meta decides whether it is that item's)."""
        wanted = {item.product_sku: item.listing.pid for item in items}
        skus = sorted(wanted)
        found: dict[str, WooProduct] = {}
        raw: list[dict[str, Any]] = []
        for start in range(0, len(skus), PER_PAGE):
            raw += self.http.get_all("/products", params={"sku": ",".join(skus[start : start + PER_PAGE])}, call=call)
        variable = [p for p in raw if p.get("type") == "variable" and str(p.get("sku")) in wanted]
        lists = self.http.run_all([functools.partial(self._variations_of, p["id"], call) for p in variable])
        variations = {str(p["id"]): v for p, v in zip(variable, lists, strict=True) if not isinstance(v, CjrecError)}
        for product in raw:
            pid = wanted.get(str(product.get("sku")))
            if pid is not None and product.get("status") != "trash":
                found[pid] = _product(product, variations.get(str(product["id"]), ()))
        return found

    def _drop_variations(self, item: Publication, call: str) -> None:
        """A variable product down to one variant becomes simple: its variations go first (the SKU moves to the product)."""
        ids = [int(i) for i in item.variant_ids.values() if i != item.product_id]
        self.http.batch(f"/products/{int(str(item.product_id))}/variations/batch", delete=ids, call=call)

    def _variations_of(self, product_id: Any, call: str) -> list[dict[str, Any]]:
        return self.http.get_all(f"/products/{int(product_id)}/variations", call=call)

    def _current_attributes(self, items: Sequence[Publication], *, call: str) -> dict[str, list[dict[str, Any]]]:
        """The attributes the store has now on products whose variation attributes change (to keep the merchant's)."""
        if not items:
            return {}
        ids = [str(item.product_id) for item in items]
        raw: list[dict[str, Any]] = []
        for start in range(0, len(ids), PER_PAGE):
            raw += self.http.get_all(
                "/products", params={"include": ",".join(ids[start : start + PER_PAGE])}, call=call
            )
        return {str(p["id"]): list(p.get("attributes") or []) for p in raw}

    def _variations(self, item: Publication, product: dict[str, Any], call: str) -> Result:
        """The product's variations as the listing wants them (a simple product has none)."""
        if item.simple:
            return Result(_product(product, ()))
        known = {
            vid: i for vid, i in item.variant_ids.items() if i != str(product["id"])
        }  # not a simple product's own id
        wanted = {v.vid: v for v in item.listing.variants}
        creates = [v for v in item.listing.variants if v.vid not in known]
        updates = [(vid, known[vid]) for vid in wanted if vid in known]
        removed = [variation_id for vid, variation_id in known.items() if vid not in wanted]
        path = f"/products/{int(product['id'])}/variations/batch"
        answer = self.http.batch(
            path,
            create=[_variation(item.listing, v) for v in creates],
            update=[
                {"id": int(i), **_variation(item.listing, wanted[vid], owned_only=not item.first)} for vid, i in updates
            ],
            delete=[int(i) for i in removed],
            call=call,
        )
        errors = [r.error for r in (*answer.create, *answer.update) if r.error is not None]
        errors += [r.error for r in answer.delete if r.error is not None and r.error.code not in GONE]
        duplicates = [
            v for v, r in zip(creates, answer.create, strict=True) if r.error and r.error.code == DUPLICATE_SKU
        ]
        variations = [r.value for r in (*answer.create, *answer.update) if r.ok and r.value is not None]
        if duplicates or errors:
            # a variation created by an earlier attempt (answer lost), or one the merchant deleted: read what is there
            listed = self._variations_of(product["id"], call)
            by_sku = {str(v.get("sku")): v for v in listed}
            fixes = [
                {"id": by_sku[v.sku]["id"], **_variation(item.listing, v, owned_only=True)}
                for v in duplicates
                if v.sku in by_sku
            ]
            if fixes:
                again = self.http.batch(path, update=fixes, call=call)
                errors = [e for e in errors if e.code != DUPLICATE_SKU] + [r.error for r in again.update if r.error]
            gone = [
                vid
                for vid, r in zip((vid for vid, _ in updates), answer.update, strict=True)
                if r.error and r.error.code in GONE
            ]
            if gone:
                recreated = self.http.batch(
                    path, create=[_variation(item.listing, wanted[vid]) for vid in gone], call=call
                )
                errors = [e for e in errors if e.code not in GONE] + [r.error for r in recreated.create if r.error]
            variations = self._variations_of(product["id"], call)
        shown = _product(product, variations)
        if errors:
            return Result(shown, tuple(errors))
        return Result(shown)


def _adopt(item: Publication, found: WooProduct | None) -> Publication | Result:
    """``item`` with the product the store already has (found by SKU after a lost state), or unchanged."""
    if found is None:
        return item
    if found.pid != item.listing.pid:
        owner = (
            f"published from CJ product {for_terminal(found.pid, limit=40)}"
            if found.pid
            else f"not published by cjrec (no {PID_META} meta: give it that meta with value {item.listing.pid} "
            "to let cjrec take it over, or change its SKU)"
        )
        failure = WooFailure(
            DUPLICATE_SKU, f"the SKU {item.product_sku} is already used by product {found.id} of the store, {owner}"
        )
        return Result(None, (failure,))
    ids = found.variant_ids({v.sku: v.vid for v in item.listing.variants})
    if found.type != "variable":
        ids = {item.listing.variants[0].vid: found.id} if item.simple else {}
    else:  # variations cjrec made for variants no longer selected: known, so that they are deleted
        taken = set(ids.values())
        ids.update({v.vid: v.id for v in found.variants if v.vid and v.vid not in ids and v.id not in taken})
    return Publication(item.listing, item.sku, item.status, found.id, ids, first=False)


def _create(item: Publication) -> dict[str, Any]:
    """The whole product at first publish."""
    listing = item.listing
    body: dict[str, Any] = {
        "name": listing.title,
        "type": "simple" if item.simple else "variable",
        "status": STATUS[item.status or "active"],
        "sku": item.product_sku,
        "images": [{"src": url} for url in listing.images],
        "meta_data": [{"key": PID_META, "value": listing.pid}],
    }
    if item.simple:
        body.update(_prices(listing.variants[0]))
        body.update(_weight(listing.variants[0]))
    else:
        body["attributes"] = _attributes(listing)
    return body


def _owned(item: Publication) -> dict[str, Any] | None:
    """An update of what cjrec owns on the product itself, or None when there is nothing to change there:
    its status when asked; a simple product's SKU, prices and weight; a variable product's type, SKU and
    variation attributes when its variant set changed (its prices live on the variations)."""
    body: dict[str, Any] = {"id": int(str(item.product_id))}
    if item.status is not None:
        body["status"] = STATUS[item.status]
    if item.simple:
        variant = item.listing.variants[0]
        body.update({"type": "simple", "sku": variant.sku, **_prices(variant), **_weight(variant)})
        if item.was_variable:
            body["attributes"] = []  # no variation attributes left; the merchant's own are added back
    elif set(item.variant_ids) != {v.vid for v in item.listing.variants}:
        body["type"] = "variable"
        body["sku"] = item.product_sku  # a simple product that grew variants takes the CJ product's SKU
        body["attributes"] = _attributes(item.listing)
    return body if len(body) > 1 else None


def _merge_attributes(body: dict[str, Any], current: list[dict[str, Any]] | None) -> dict[str, Any]:
    """cjrec's variation attributes, after the attributes the merchant added (which WooCommerce would drop)."""
    if "attributes" not in body or current is None:
        return body
    ours = {a["name"] for a in body["attributes"]}
    theirs = [
        {k: a[k] for k in ("id", "name", "position", "visible", "variation", "options") if k in a}
        for a in current
        if a.get("name") not in ours and not a.get("variation")
    ]
    return {**body, "attributes": [*body["attributes"], *theirs]}


def _attributes(listing: Listing) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "position": index,
            "visible": True,
            "variation": True,
            "options": list(dict.fromkeys(v.values[index] for v in listing.variants)),
        }
        for index, name in enumerate(listing.option_names)
    ]


def _variation(listing: Listing, variant: ListedVariant, *, owned_only: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sku": variant.sku,
        **_prices(variant),
        **_weight(variant),
        "attributes": [
            {"name": name, "option": value} for name, value in zip(listing.option_names, variant.values, strict=True)
        ],
        "meta_data": [{"key": VID_META, "value": variant.vid}],
    }
    if not owned_only and variant.image is not None:
        body["image"] = {"src": variant.image}
    return body


def _prices(variant: ListedVariant) -> dict[str, str]:
    """Regular = the compare-at price and sale = the price when there is a compare-at price; else regular = price."""
    if variant.compare_at is not None and Decimal(variant.compare_at) > Decimal(variant.price):
        return {"regular_price": variant.compare_at, "sale_price": variant.price}
    return {"regular_price": variant.price, "sale_price": ""}


def _weight(variant: ListedVariant) -> dict[str, str]:
    if variant.weight_grams is None:
        return {}
    try:
        kilograms = (Decimal(variant.weight_grams) / 1000).normalize()
    except InvalidOperation:
        return {}
    return {"weight": format(kilograms, "f")}


def _product(data: Mapping[str, Any], variations: Sequence[Mapping[str, Any]]) -> WooProduct:
    pid = _meta(data).get(PID_META)
    variants = tuple(_variant(v) for v in variations) if data.get("type") == "variable" else (_variant(data),)
    return WooProduct(
        id=str(data["id"]),
        title=for_terminal(str(data.get("name") or ""), limit=255),
        status=str(data.get("status") or ""),
        type=str(data.get("type") or ""),
        sku=None if not data.get("sku") else str(data["sku"]),
        pid=None if pid is None else str(pid),
        variants=variants,
        attributes=tuple(a for a in data.get("attributes") or [] if isinstance(a, dict)),
    )


def _variant(data: Mapping[str, Any]) -> WooVariant:
    sale = str(data.get("sale_price") or "") or None
    regular = str(data.get("regular_price") or "")
    vid = _meta(data).get(VID_META)
    return WooVariant(
        id=str(data["id"]),
        sku=None if not data.get("sku") else str(data["sku"]),
        price=sale or regular,
        regular_price=regular,
        sale_price=sale,
        vid=None if vid is None or data.get("type") else str(vid),
    )


def _meta(data: Mapping[str, Any]) -> dict[str, Any]:
    return {str(m.get("key")): m.get("value") for m in data.get("meta_data") or [] if isinstance(m, dict)}


NEUTRAL_STATUS = {"publish": "active", "draft": "draft", "private": "archived"}


def _neutral(product: WooProduct) -> StoreProduct:
    """The interface's view of a product: statuses active|draft|archived, compare-at = the regular price on sale."""
    return StoreProduct(
        id=product.id,
        title=product.title,
        status=NEUTRAL_STATUS.get(product.status, product.status.lower()),
        pid=product.pid,
        variants=tuple(
            StoreVariant(v.id, v.sku, v.price, v.regular_price if v.sale_price else None) for v in product.variants
        ),
    )


def _outcome(result: Result) -> Outcome:
    return Outcome(
        product=None if result.product is None else _neutral(result.product),
        errors=tuple(UserError("", e.message, e.code or None) for e in result.errors),
        gone=result.gone,
    )


def _failed(result: ItemResult) -> Result:
    return Result(None, (result.error or WooFailure("", "the store answered nothing for this product"),))


def _failure_of(error: CjrecError) -> WooFailure:
    if isinstance(error, WooRefusedError):
        return WooFailure(error.woo_code, error.message)
    return WooFailure("", error.message)
