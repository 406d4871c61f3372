"""The synced catalog as records a store can import: JSON Lines or CSV, from the state alone.

Called by ``cjrec export``. Pure: it takes the recorded :class:`SyncState` and returns
text, so exporting needs no API call and no sops key. One record per managed product,
products by pid and variants by vid (the state's own order), so the same state always
gives the same bytes.

A JSON Lines record::

    {"pid", "url", "origin", "name", "sku", "status", "sell_price", "customization_version",
     "is_pod", "image", "logo", "logo_url", "pod_properties", "pricing", "currency",
     "variants": [{"vid", "sku", "variant_key", "price", "image",
                   "selected", "store_price", "compare_at_price"}, ...]}

CSV has one row per variant with the product's columns repeated (:data:`CSV_COLUMNS`); a
product without recorded variants gets one row with the variant columns empty. Values
are exactly what CJ gave: ``status`` is CJ's code (``"3"`` is on sale; cjrec writes
``"unavailable"`` once CJ refuses the product), prices are decimal strings (a product's
``sell_price`` may be a range), ``variant_key`` is CJ's variantKey (option values joined
by ``-``, e.g. ``Black-M``), and ``pod_properties`` is the string CJ expects on an order
line of a print-on-demand product.

Text from CJ is untrusted (see docs/RELIABILITY.md). JSON Lines keeps every value exactly,
but characters a terminal acts on are written as ``\\uXXXX`` escapes
(:func:`~reconciler.safe_text.for_json`). CSV is for people and spreadsheets: each cell
follows :func:`~reconciler.safe_text.for_csv_cell` (no control characters, one line, and
the OWASP ``'`` in front of a cell starting with ``= + - @``). In both, an image or logo URL
that is not ``http(s)`` is left out (``null`` / empty); :func:`dropped_urls` names them so
that the command can warn.

The store fields come from the product's listing (a variant selection, a Pricing rule or a
fixed price): ``pricing`` is the rule's name (``price`` for a fixed price), ``currency``
the store currency, and per variant ``selected`` (sold by the store), ``store_price`` and
``compare_at_price`` (decimal strings; null when not priced). Without a listing every
variant is selected and unpriced, and ``pricing``/``currency`` are null.

Stock is absent on purpose: the state does not record it, because it changes by the
minute and would make every state commit a diff. Ask CJ for stock at order time.
Products whose details were never queried (planned offline) have ``null`` details.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from reconciler.kinds.logo.record import logos_of
from reconciler.kinds.product.record import ProductRecord, products_of
from reconciler.models.state import SyncState
from reconciler.safe_text import for_csv_cell, for_json, http_url

FORMATS = ("jsonl", "csv")

PRODUCT_COLUMNS = (
    "pid",
    "url",
    "origin",
    "name",
    "sku",
    "status",
    "sell_price",
    "customization_version",
    "is_pod",
    "image",
    "logo",
    "logo_url",
    "pod_properties",
    "pricing",
    "currency",
)
VARIANT_COLUMNS = (
    "vid",
    "variant_sku",
    "variant_key",
    "variant_price",
    "variant_image",
    "selected",
    "store_price",
    "compare_at_price",
)
CSV_COLUMNS = PRODUCT_COLUMNS + VARIANT_COLUMNS


def catalog_records(state: SyncState) -> list[dict[str, Any]]:
    """One record per managed product, by pid."""
    return [_record(state, products_of(state)[pid]) for pid in sorted(products_of(state))]


def _record(state: SyncState, record: ProductRecord) -> dict[str, Any]:
    snap = record.snapshot
    listing = record.listing
    logo = logos_of(state).get(record.logo) if record.logo else None
    return {
        "pid": record.pid,
        "url": record.url,
        "origin": record.origin,
        "name": snap.name if snap else None,
        "sku": snap.sku if snap else None,
        "status": snap.status if snap else None,
        "sell_price": snap.sell_price if snap else None,
        "customization_version": snap.customization_version if snap else None,
        "is_pod": snap.is_pod if snap else None,
        "image": http_url(snap.image) if snap else None,
        "logo": record.logo,
        "logo_url": http_url(logo.url or logo.public_url) if logo else None,
        "pod_properties": record.pod_properties if _pod_links_ok(record.pod_properties) else None,
        "pricing": listing.rule if listing else None,
        "currency": listing.currency if listing else None,
        "variants": [
            {
                "vid": vid,
                "sku": v.sku,
                "variant_key": v.variant_key,
                "price": v.price,
                "image": http_url(v.image),
                "selected": listing is None or vid in listing.variants,
                "store_price": listing.variants[vid].price if listing and vid in listing.variants else None,
                "compare_at_price": listing.variants[vid].compare_at if listing and vid in listing.variants else None,
            }
            for vid, v in sorted(snap.variants.items())
        ]
        if snap
        else [],
    }


def dropped_urls(state: SyncState) -> list[str]:
    """``product.<pid> <field>`` for every recorded image/logo URL the export leaves out (not http(s))."""
    found = []
    for pid in sorted(products_of(state)):
        record = products_of(state)[pid]
        snap = record.snapshot
        logo = logos_of(state).get(record.logo) if record.logo else None
        urls = [("image", snap.image if snap else None)]
        urls += [(f"variants.{vid}.image", v.image) for vid, v in sorted(snap.variants.items())] if snap else []
        urls.append(("logo_url", (logo.url or logo.public_url) if logo else None))
        found += [f"product.{pid} {field}" for field, url in urls if url and http_url(url) is None]
        if not _pod_links_ok(record.pod_properties):
            found.append(f"product.{pid} pod_properties")
    return found


def _pod_links_ok(pod_properties: str | None) -> bool:
    """False when the podProperties string (cjrec's own JSON) names a link that is not http(s)."""
    if pod_properties is None:
        return True
    try:
        areas = json.loads(pod_properties)
        links = [link for area in areas for link in area.get("links", [])]
    except (ValueError, TypeError, AttributeError):
        return True  # not cjrec's format: no link to judge
    return all(http_url(link) is not None for link in links)


def to_jsonl(records: list[dict[str, Any]]) -> str:
    """One JSON object per line (UTF-8 text; terminal-acting characters escaped), each ending in a newline."""
    return "".join(for_json(json.dumps(r, ensure_ascii=False, separators=(",", ":"))) + "\n" for r in records)


def to_csv(records: list[dict[str, Any]]) -> str:
    """A header row, then one row per variant (``\\n`` line ends, fields quoted only when needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        product = [_cell(record[column]) for column in PRODUCT_COLUMNS]
        variants = record["variants"] or [None]
        for variant in variants:
            if variant is None:
                writer.writerow(product + [""] * len(VARIANT_COLUMNS))
            else:
                keys = ("vid", "sku", "variant_key", "price", "image", "selected", "store_price", "compare_at_price")
                writer.writerow(product + [_cell(variant[key]) for key in keys])
    return buffer.getvalue()


def render_catalog(state: SyncState, fmt: str) -> str:
    """The export in ``fmt`` (``jsonl`` or ``csv``)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    records = catalog_records(state)
    return to_csv(records) if fmt == "csv" else to_jsonl(records)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return for_csv_cell(value)
