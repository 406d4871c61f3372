"""How a Products item is sold: its logo, its Pricing rule or fixed price, its variant selection,
the Stores it is published to.

Shared by the rules for the two shapes of item: a CJ product (``reconciler/kinds/product/document.py``)
and a sourced one (``reconciler/kinds/sourcing/document.py``). The logo and the Pricing rule
an item names are references the generic rule resolves at the finish
(``reconciler/kinds/declarations.py``).
"""

from __future__ import annotations

from reconciler.kinds.declarations import Declarations, Reference
from reconciler.kinds.logo.model import KIND as LOGO
from reconciler.kinds.pricing.model import KIND as PRICING
from reconciler.kinds.product.item import ProductItem
from reconciler.kinds.store.model import KIND as STORE
from reconciler.models.declared import Source, VariantPattern, VariantSelection
from reconciler.models.source_document import FieldPath, SourceDocument

UNKNOWN_LOGO = "no Logo named {name!r} (known logos: {known})"
UNKNOWN_PRICING = "no Pricing rule named {name!r} (known rules: {known})"
UNKNOWN_STORE = "no Store named {name!r} (known stores: {known})"


def refer_to_logo(ctx: Declarations, doc: SourceDocument, i: int, item: ProductItem) -> None:
    """The item's ``logo:``, if any, must name a Logo."""
    if item.logo is not None:
        ctx.refer(LOGO, Reference(doc, ("spec", "items", i, "logo"), item.logo, UNKNOWN_LOGO))


def refer_to_stores(ctx: Declarations, doc: SourceDocument, i: int, item: ProductItem) -> tuple[str, ...] | None:
    """The item's ``stores:``, if any, must each name a Store; None: every Store."""
    if item.stores is None:
        return None
    for j, name in enumerate(item.stores):
        ctx.refer(STORE, Reference(doc, ("spec", "items", i, "stores", j), name, UNKNOWN_STORE))
    return tuple(item.stores)


def selling(ctx: Declarations, doc: SourceDocument, i: int, item: ProductItem) -> tuple[bool, VariantSelection | None]:
    """How item ``i`` is sold (pricing rule or fixed price, variant selection); False after an error."""
    if item.pricing is not None and item.price is not None:
        ctx.error(
            doc,
            ("spec", "items", i, "price"),
            f"a fixed `price` and `pricing: {item.pricing}` on the same item; keep one "
            "(`price` fixes the store price, a Pricing rule computes it from CJ's cost)",
        )
        return False, None
    if item.pricing is not None:
        ctx.refer(PRICING, Reference(doc, ("spec", "items", i, "pricing"), item.pricing, UNKNOWN_PRICING))
    if item.variants is None:
        return True, None
    at: FieldPath = ("spec", "items", i, "variants")
    return True, VariantSelection(
        include=_patterns(doc, (*at, "include"), item.variants.include),
        exclude=_patterns(doc, (*at, "exclude"), item.variants.exclude),
    )


def _patterns(doc: SourceDocument, path: FieldPath, entries: list[str]) -> tuple[VariantPattern, ...]:
    return tuple(VariantPattern(entry, Source(doc.display, doc.line_of((*path, j)))) for j, entry in enumerate(entries))
