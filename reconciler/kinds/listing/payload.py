"""What cjrec sends Shopify for one managed product: pure, from the recorded product and the Store.

A product with selected, priced variants becomes one store product (:func:`listing_of`):
title, options from the variant keys (``options.py``, at most three), one variant per
selected CJ variant with SKU, price, compare-at price, cost (in the store currency) and
weight, and its images. Its identity is the metafield ``cjrec.cj_pid`` (type ``id``, its
definition :data:`DEFINITION` created once), used as ``productSet``'s
``identifier.customId`` so that a rerun after a lost state updates the product instead of
duplicating it.

What cjrec owns and what it leaves to the merchant decides the mutation:

- **first publish** (:func:`create_input`): ``productSet`` with everything, including the
  title, the images, the publishing defaults (status, vendor, product type, tags) and the
  identity metafield;
- **variants added or removed** (:func:`variants_input`): ``productSet`` by the product's id
  with only ``productOptions`` and ``variants`` — list fields it omits (metafields, files,
  collections) and scalars it omits (title, description, tags, SEO) stay as the merchant
  left them;
- **prices only** (:func:`price_updates`): ``productVariantsBulkUpdate``, which changes only
  the fields it is given.

:attr:`Listing.fingerprint` digests what cjrec owns, so a plan compares it with the recorded
one and a product whose listing did not change costs no store call.

CJ's text is untrusted: titles, SKUs and option values go to the store as one line without
control or invisible characters (``safe_text.for_terminal``, at most 255 characters), image
URLs only when they are absolute http(s) URLs (``safe_text.http_url``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reconciler.kinds.listing.options import fold, store_options
from reconciler.kinds.product.record import ProductRecord
from reconciler.kinds.store.model import Store
from reconciler.safe_text import for_terminal, http_url

NAMESPACE = "cjrec"
KEY = "cj_pid"
DEFINITION: dict[str, Any] = {
    "namespace": NAMESPACE,
    "key": KEY,
    "name": "CJ product id",
    "description": "The CJ Dropshipping product this product is published from (cjrec).",
    "ownerType": "PRODUCT",
    "type": "id",
}
MAX_VARIANTS = 2048
ON_SALE = "3"


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


@dataclass(frozen=True)
class Listing:
    """A product as cjrec publishes it to one store."""

    pid: str
    title: str
    option_names: tuple[str, ...]
    variants: tuple[ListedVariant, ...]
    images: tuple[str, ...]
    active: bool  # CJ has it on sale

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


def identifier(pid: str) -> dict[str, Any]:
    """``productSet``'s identifier for the product published from ``pid``."""
    return {"customId": {"namespace": NAMESPACE, "key": KEY, "value": pid}}


def listing_of(record: ProductRecord) -> Listing | None:
    """The store product ``record`` becomes; None when it has no selected variant with a store price."""
    snap, chosen = record.snapshot, record.listing
    if snap is None or chosen is None:
        return None
    priced = [
        (vid, snap.variants[vid], listed)
        for vid, listed in sorted(chosen.variants.items())
        if vid in snap.variants and listed.price is not None
    ]
    if not priced:
        return None
    priced = priced[:MAX_VARIANTS]
    names, values = store_options(snap.option_names, [seen for _, seen, _ in priced])
    folded_names = fold(names, values[0])[0]
    rate = Decimal(chosen.exchange_rate)
    variants = tuple(
        ListedVariant(
            vid=vid,
            sku=_text(seen.sku),
            values=tuple(map(_text, fold(names, value)[1])),
            price=_money(listed.price or "0"),  # priced: filtered above
            compare_at=None if listed.compare_at is None else _money(listed.compare_at),
            cost=None if listed.cost is None else _money(Decimal(listed.cost) * rate),
            weight_grams=seen.weight,
        )
        for (vid, seen, listed), value in zip(priced, values, strict=True)
    )
    candidates = (snap.image, *(seen.image for _, seen, _ in priced))
    images = tuple(dict.fromkeys(url for url in map(http_url, candidates) if url is not None))
    title = _text(snap.name) or record.pid
    return Listing(record.pid, title, tuple(map(_text, folded_names)), variants, images, snap.status == ON_SALE)


def create_input(listing: Listing, store: Store) -> dict[str, Any]:
    """``ProductSetInput`` for the first publish of ``listing`` to ``store``."""
    data: dict[str, Any] = {
        "title": listing.title,
        "handle": handle_of(listing.pid),
        "status": ("ACTIVE" if store.publish.status == "active" else "DRAFT") if listing.active else "DRAFT",
        "metafields": [{"namespace": NAMESPACE, "key": KEY, "type": "id", "value": listing.pid}],
        "files": [{"originalSource": url, "contentType": "IMAGE"} for url in listing.images],
        **variants_input(listing),
    }
    if store.publish.vendor:
        data["vendor"] = store.publish.vendor
    if store.publish.product_type:
        data["productType"] = store.publish.product_type
    if store.publish.tags:
        data["tags"] = list(store.publish.tags)
    return data


def variants_input(listing: Listing, known: dict[str, str] | None = None) -> dict[str, Any]:
    """``productOptions`` and ``variants`` of a ``ProductSetInput`` (``known``: store variant id by vid)."""
    known = known or {}
    options = [
        {
            "name": name,
            "position": index + 1,
            "values": [{"name": value} for value in dict.fromkeys(v.values[index] for v in listing.variants)],
        }
        for index, name in enumerate(listing.option_names)
    ]
    variants = []
    for position, v in enumerate(listing.variants, start=1):
        item: dict[str, Any] = {"tracked": False}
        if v.cost is not None:
            item["cost"] = v.cost
        if v.weight_grams is not None:
            item["measurement"] = {"weight": {"value": float(v.weight_grams), "unit": "GRAMS"}}
        variant: dict[str, Any] = {
            "optionValues": [
                {"optionName": n, "name": value} for n, value in zip(listing.option_names, v.values, strict=True)
            ],
            "sku": v.sku,
            "price": v.price,
            "compareAtPrice": v.compare_at,
            "position": position,
            "inventoryPolicy": "CONTINUE",
            "inventoryItem": item,
        }
        if v.vid in known:
            variant["id"] = known[v.vid]
        variants.append(variant)
    return {"productOptions": options, "variants": variants}


def price_updates(listing: Listing, known: dict[str, str]) -> list[dict[str, Any]]:
    """``productVariantsBulkUpdate``'s variants: price, compare-at price and cost of each known variant."""
    return [
        {
            "id": known[v.vid],
            "price": v.price,
            "compareAtPrice": v.compare_at,
            **({"inventoryItem": {"cost": v.cost}} if v.cost is not None else {}),
        }
        for v in listing.variants
        if v.vid in known
    ]


def handle_of(pid: str) -> str:
    """The product's handle at first publish: ``cj-`` and its pid (as the Shopify CSV export writes it)."""
    return "cj-" + "-".join(part for part in re.split(r"[^a-z0-9]+", pid.lower()) if part)


def _money(value: str | Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def _text(value: str) -> str:
    """CJ's text as one line without control or invisible characters, at most 255 (Shopify's limit)."""
    return for_terminal(value, limit=255)
