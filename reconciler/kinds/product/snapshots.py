"""Snapshots of CJ products for the state, and the drift between two of them.

Pure helpers of the planner: turn a ``ProductDetail`` from the API into the snapshot the
state records, and compare a recorded snapshot with a fresh one field by field (name, SKU,
price, status, POD kind, main image, and per variant: added, gone, price, option values or
image changed). A value first recorded (a state written before cjrec recorded it) is not drift.
"""

from __future__ import annotations

import json
from decimal import Decimal

from reconciler.kinds.product.record import ProductSnapshot, VariantSnapshot
from reconciler.models.cj import ProductDetail
from reconciler.models.plan import Drift

POD_AREA = "LogoArea"


def snapshot_of(detail: ProductDetail) -> ProductSnapshot:
    """The part of a product's details the state records."""
    return ProductSnapshot(
        name=detail.name,
        sku=detail.sku,
        sell_price=detail.sell_price,
        status=detail.status,
        customization_version=detail.customization_version,
        variants={
            v.vid: VariantSnapshot(
                sku=v.sku, price=_price(v.price), variant_key=v.key or None, image=v.image, weight=_price(v.weight)
            )
            for v in detail.variants
        },
        image=detail.image,
        option_names=detail.option_names,
    )


def _price(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def drift_between(address: str, before: ProductSnapshot, after: ProductSnapshot) -> list[Drift]:
    """Every difference between two snapshots of the same product."""
    found: list[Drift] = []
    for name in ("name", "sku", "sell_price", "status", "customization_version"):
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            found.append(Drift(address, name, old, new))
    if before.image is not None and before.image != after.image:
        found.append(Drift(address, "image", before.image, after.image))
    for vid in sorted(set(before.variants) | set(after.variants)):
        old_v, new_v = before.variants.get(vid), after.variants.get(vid)
        if old_v is None and new_v is not None:
            found.append(Drift(address, f"variants.{vid}", None, f"added ({new_v.sku}, {new_v.price})"))
        elif new_v is None and old_v is not None:
            found.append(Drift(address, f"variants.{vid}", f"{old_v.sku}, {old_v.price}", None))
        elif old_v is not None and new_v is not None:
            if old_v.price != new_v.price:
                found.append(Drift(address, f"variants.{vid}.price", old_v.price, new_v.price))
            for name in ("variant_key", "image"):
                old_value, new_value = getattr(old_v, name), getattr(new_v, name)
                if old_value is not None and old_value != new_value:
                    found.append(Drift(address, f"variants.{vid}.{name}", old_value, new_value))
    return found


def pod_properties(fetch_url: str) -> str:
    """The ``podProperties`` string CJ expects on an order line: a JSON array serialised into a string."""
    return json.dumps([{"areaName": POD_AREA, "links": [fetch_url], "type": "1"}], separators=(",", ":"))


def price_range(snapshot: ProductSnapshot) -> str:
    """``9.50–12.00`` from the variants, or the product's sell price."""
    prices = sorted(Decimal(v.price) for v in snapshot.variants.values() if v.price is not None)
    if not prices:
        return snapshot.sell_price or "?"
    low, high = prices[0], prices[-1]
    return f"{low}" if low == high else f"{low}-{high}"
