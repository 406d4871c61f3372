"""What cjrec publishes to a store for one managed product, whatever the platform: pure, from the
recorded product.

A product with selected, priced variants becomes one store product (:func:`listing_of`):
title, options from the variant keys (``options.py``, at most three), one variant per
selected CJ variant with SKU, price, compare-at price, cost (in the store currency) and
weight, and its images. Each platform turns a :class:`Listing` into its own inputs
(``kinds/store/shopify.py`` for Shopify). :attr:`Listing.fingerprint` digests what cjrec owns,
so a plan compares it with the recorded one and a product whose listing did not change costs
no store call.

CJ's text is untrusted: titles, SKUs and option values go to the store as one line without
control or invisible characters (``safe_text.for_terminal``, at most 255 characters), image
URLs only when they are absolute http(s) URLs (``safe_text.http_url``).
"""

from __future__ import annotations

import re
from decimal import Decimal

from reconciler.kinds.listing.options import fold, store_options
from reconciler.kinds.product.record import ProductRecord
from reconciler.kinds.store.platform import ListedVariant, Listing
from reconciler.safe_text import for_terminal, http_url

MAX_VARIANTS = 2048
ON_SALE = "3"


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
            image=http_url(seen.image),
        )
        for (vid, seen, listed), value in zip(priced, values, strict=True)
    )
    candidates = (snap.image, *(seen.image for _, seen, _ in priced))
    images = tuple(dict.fromkeys(url for url in map(http_url, candidates) if url is not None))
    title = _text(snap.name) or record.pid
    return Listing(
        record.pid, title, tuple(map(_text, folded_names)), variants, images, snap.status == ON_SALE, _text(snap.sku)
    )


def handle_of(pid: str) -> str:
    """The product's handle at first publish: ``cj-`` and its pid (as the Shopify CSV export writes it)."""
    return "cj-" + "-".join(part for part in re.split(r"[^a-z0-9]+", pid.lower()) if part)


def _money(value: str | Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def _text(value: str) -> str:
    """CJ's text as one line without control or invisible characters, at most 255 (Shopify's limit)."""
    return for_terminal(value, limit=255)
