"""The Products document (``kind: Products``): its model and how its items become the products to sell.

Registered through :data:`DOCUMENTS` (see ``reconciler/kinds/documents.py``). A Products
document's name is unique; each item is a CJ product (``productUrl``, this kind: each pid
listed once across all files) or a sourced one (``sourceUrl``, handed to the sourcing kind's
rules in ``reconciler/kinds/sourcing/document.py``). The logo and the Pricing rule an item
names are resolved at the finish. The item model is in ``reconciler/kinds/product/item.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from reconciler.kinds.declarations import Declarations
from reconciler.kinds.document_parts import Document, Metadata, Strict, name_of
from reconciler.kinds.documents import Collector, DocumentKind
from reconciler.kinds.product.item import CjItem, ProductItem
from reconciler.kinds.product.model import KIND
from reconciler.kinds.product.selling import refer_to_logo, refer_to_stores, selling
from reconciler.kinds.sourcing.document import SourcedItems
from reconciler.kinds.sourcing.model import KIND as SOURCING
from reconciler.models.declared import Source
from reconciler.models.desired import DesiredProduct
from reconciler.models.product_url import pid_from_url
from reconciler.models.source_document import FieldPath, SourceDocument


class ProductsSpec(Strict):
    """A list of products."""

    items: list[ProductItem]


class ProductsDocument(Document):
    """kind: Products."""

    kind: Literal["Products"]
    metadata: Metadata
    spec: ProductsSpec


NAMES = "Products"  # the namespace of Products document names


class _Products(Collector):
    def __init__(self) -> None:
        self.products: dict[str, DesiredProduct] = {}
        self.sourced = SourcedItems()

    def collect(self, doc: SourceDocument, parsed: BaseModel, ctx: Declarations) -> None:
        assert isinstance(parsed, ProductsDocument)
        self._name(doc, parsed.metadata.name, ctx)
        for i, item in enumerate(parsed.spec.items):
            self._item(doc, i, item, ctx)

    def salvage(self, doc: SourceDocument, data: dict[str, Any], ctx: Declarations) -> None:
        """Its name and its well-formed items still take part in the duplicate and reference checks."""
        name = name_of(data)
        if name is not None:
            self._name(doc, name, ctx)
        spec = data.get("spec")
        items = spec.get("items") if isinstance(spec, dict) else None
        for i, raw in enumerate(items if isinstance(items, list) else []):
            try:
                item = ProductItem.model_validate(raw)
            except ValidationError:
                continue  # its problems are among the document's, reported already
            self._item(doc, i, item, ctx)

    def finish(self, ctx: Declarations) -> Mapping[str, Mapping[str, Any]]:
        return {KIND: dict(self.products), SOURCING: {item.key: item for item in self.sourced.items.values()}}

    def _name(self, doc: SourceDocument, name: str, ctx: Declarations) -> None:
        ctx.declared_twice(doc, ("metadata", "name"), NAMES, name, subject=f"a Products document named {name!r}")
        ctx.declare(NAMES, name, Source(doc.display, doc.line_of(())))

    def _item(self, doc: SourceDocument, i: int, item: ProductItem, ctx: Declarations) -> None:
        parts = item.parts()
        if isinstance(parts, CjItem):
            self._cj_item(doc, i, parts, ctx)
        else:
            self.sourced.collect(ctx, doc, i, parts)

    def _cj_item(self, doc: SourceDocument, i: int, item: CjItem, ctx: Declarations) -> None:
        """A ``productUrl`` item: each pid once across all files."""
        path: FieldPath = ("spec", "items", i, "productUrl")
        pid = pid_from_url(item.url)
        source = Source(doc.display, doc.line_of(path))
        if ctx.declared_twice(
            doc, path, KIND, pid, subject=f"product {pid}", verb="listed", tail="; list each product once"
        ):
            return
        refer_to_logo(ctx, doc, i, item.selling)
        in_stores = refer_to_stores(ctx, doc, i, item.selling)
        ok, selection = selling(ctx, doc, i, item.selling)
        if not ok:
            return
        ctx.declare(KIND, pid, source)
        self.products[pid] = DesiredProduct(
            pid=pid,
            url=item.url,
            logo=item.selling.logo,
            source=source,
            variants=selection,
            pricing=item.selling.pricing,
            price=item.selling.price,
            stores=in_stores,
        )


DOCUMENTS: tuple[DocumentKind, ...] = (
    DocumentKind(
        kind="Products",
        model=ProductsDocument,
        collector=_Products,
        position=3,
        how_many="any",
        notes="a product (by pid, whatever the URL form) may be listed once across all files",
    ),
)
