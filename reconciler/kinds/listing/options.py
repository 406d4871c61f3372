"""A product's store options from CJ's variant keys: the one rule the Shopify CSV export
(``render/store_export.py``) and the publishing to Shopify (``kinds/listing/payload.py``) share.

- Names from CJ's ``productKeyEn`` (``Color-Size``), values from each variant's variantKey
  (``Black-XL``), both split on ``-``; a value with more parts than there are names keeps the
  extra parts in its first value (``Light-Blue-XL`` → ``Light-Blue``, ``XL``).
- When that does not give every variant a distinct set of values (or CJ gives no names), the
  product gets one option, ``Variant``, valued by the variantKey (else the SKU).
- A product with one variant gets ``Title``/``Default Title``.
- Shopify takes at most three options: :func:`fold` joins options 3 and beyond into the
  third, names and values with `` / ``.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.kinds.product.record import VariantSnapshot

MAX_SHOPIFY_OPTIONS = 3
FALLBACK_OPTION = "Variant"


def store_options(
    key_names: str | None, variants: Sequence[VariantSnapshot]
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Option names and each variant's values (see the module docstring); not yet folded to three."""
    if len(variants) == 1:
        return ("Title",), [("Default Title",)]
    names = tuple(part.strip() for part in (key_names or "").split("-") if part.strip())
    if names:
        values = [_split(v.variant_key or "", len(names)) for v in variants]
        if all(v is not None for v in values) and len(set(values)) == len(values):
            return names, [v for v in values if v is not None]
    fallback: list[tuple[str, ...]] = [((v.variant_key or v.sku),) for v in variants]
    if len(set(fallback)) != len(fallback):
        fallback = [(v.sku,) for v in variants]
    return (FALLBACK_OPTION,), fallback


def _split(key: str, count: int) -> tuple[str, ...] | None:
    parts = key.split("-")
    if len(parts) < count or not all(parts):
        return None
    head = len(parts) - count + 1
    return ("-".join(parts[:head]), *parts[head:])


def fold(names: tuple[str, ...], values: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """At most three options: the third and later joined with `` / ``."""
    if len(names) <= MAX_SHOPIFY_OPTIONS:
        return names, values
    keep = MAX_SHOPIFY_OPTIONS - 1
    return (*names[:keep], " / ".join(names[keep:])), (*values[:keep], " / ".join(values[keep:]))
