"""How products read in plans and in ``cjrec state list|show``: ``Name (SKU) · 3 variants · 9.50-12.00 · …``."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from reconciler.kinds.product.record import SECTIONS, ProductRecord, ProductSnapshot, products_of
from reconciler.kinds.product.snapshots import price_range
from reconciler.kinds.wording import Description, short
from reconciler.models.state import SyncState
from reconciler.safe_text import for_terminal


def summarise_product(record: Mapping[str, Any] | None) -> str:
    """``Name (SKU) · 3 variants · 9.50-12.00 · POD, logo brand``."""
    if not record:
        return ""
    snap = record.get("snapshot")
    if not snap:
        return "details not queried"
    snapshot = ProductSnapshot.from_dict(snap)
    count = len(snapshot.variants)
    parts = [
        f"{short(snapshot.name) or '(no name)'} ({short(snapshot.sku) or 'no SKU'})",
        f"{count} variant{'s' if count != 1 else ''}",
        price_range(snapshot),
    ]
    listing = record.get("listing")
    if listing:
        parts.append(_listing_summary(listing, count))
    if snapshot.is_pod:
        parts.append(f"POD, logo {short(record['logo'])}" if record.get("logo") else "POD, no logo")
    if snapshot.status not in ("3", ""):
        parts.append(f"status {short(snapshot.status)}")
    return for_terminal(" · ".join(parts), limit=None)


def _listing_summary(listing: dict[str, Any], total: int) -> str:
    """``2 of 3 selected, store 9.99-12.99 USD (rule default)``."""
    variants = listing.get("variants") or {}
    prices = sorted(Decimal(v["price"]) for v in variants.values() if v.get("price") is not None)
    text = f"{len(variants)} of {total} selected"
    if prices:
        low, high = prices[0], prices[-1]
        shown = f"{low}" if low == high else f"{low}-{high}"
        text += f", store {shown} {listing.get('currency') or 'USD'}"
    rule = listing.get("rule")
    return text + (f" ({'fixed price' if rule == 'price' else 'rule ' + str(rule)})" if rule else "")


class ProductDescription(Description):
    """Products: the summary above; ``state show`` also gives the number of selected variants."""

    def summary_of(self, record: Mapping[str, Any] | None) -> str:
        return summarise_product(record)

    def entries(self, state: SyncState) -> list[tuple[str, dict[str, Any], str]]:
        return [(f"{self.kind}.{pid}", *_shown(product)) for pid, product in sorted(products_of(state).items())]


def _shown(product: ProductRecord) -> tuple[dict[str, Any], str]:
    data = product.to_dict()
    return {"selected_variants": len(product.selected()), **data}, summarise_product(data)


def description(kind: str) -> ProductDescription:
    return ProductDescription(kind, SECTIONS)
