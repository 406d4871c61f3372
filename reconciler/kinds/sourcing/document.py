"""The sourcing kind's part of the manifests: a Products item with ``sourceUrl``.

The sourcing kind has no document of its own (:data:`DOCUMENTS` is empty): its items come in
Products documents, whose collector (``reconciler/kinds/product/document.py``) hands every
:class:`~reconciler.kinds.product.item.SourcedItem` to :class:`SourcedItems`. Each URL is
listed once across all files, each adopted ``sourcingId`` once.
"""

from __future__ import annotations

from reconciler.kinds.declarations import Declarations
from reconciler.kinds.documents import DocumentKind
from reconciler.kinds.product.item import SourcedItem
from reconciler.kinds.product.selling import refer_to_logo, refer_to_stores, selling
from reconciler.kinds.sourcing.model import KIND
from reconciler.models.declared import Source
from reconciler.models.source_document import FieldPath, SourceDocument
from reconciler.models.sourcing import SourcingItem, normalise_url

SOURCING_IDS = "sourcingId"  # the namespace of adopted sourcing requests


class SourcedItems:
    """The sourced items of one validation run, by normalised sourceUrl (the kind's key is ``SourcingItem.key``)."""

    def __init__(self) -> None:
        self.items: dict[str, SourcingItem] = {}

    def collect(self, ctx: Declarations, doc: SourceDocument, i: int, item: SourcedItem) -> None:
        """Item ``i`` of ``doc``: each URL once across all files, each adopted sourcingId once."""
        path: FieldPath = ("spec", "items", i, "sourceUrl")
        source = Source(doc.display, doc.line_of(path))
        key = normalise_url(item.url)
        if ctx.declared_twice(
            doc, path, KIND, key, subject="this sourceUrl", verb="listed", tail="; list each product once"
        ):
            return
        if item.sourcing_id is not None:
            at: FieldPath = ("spec", "items", i, "sourcingId")
            if ctx.declared_twice(
                doc, at, SOURCING_IDS, item.sourcing_id, subject=f"sourcing request {item.sourcing_id}", verb="adopted"
            ):
                return
            ctx.declare(SOURCING_IDS, item.sourcing_id, Source(doc.display, doc.line_of(at)))
        refer_to_logo(ctx, doc, i, item.selling)
        in_stores = refer_to_stores(ctx, doc, i, item.selling)
        ok, selection = selling(ctx, doc, i, item.selling)
        if not ok:
            return
        ctx.declare(KIND, key, source)
        self.items[key] = SourcingItem(
            url=item.url,
            name=item.name,
            image=item.image,
            remark=item.remark,
            source_price=item.source_price,
            sourcing_id=item.sourcing_id,
            logo=item.selling.logo,
            source=source,
            variants=selection,
            pricing=item.selling.pricing,
            store_price=item.selling.price,
            stores=in_stores,
        )


DOCUMENTS: tuple[DocumentKind, ...] = ()
