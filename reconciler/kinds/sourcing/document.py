"""The manifest document types of this kind: none of its own (its items are Products items with a sourceUrl)."""

from __future__ import annotations

from reconciler.kinds.documents import DocumentKind

DOCUMENTS: tuple[DocumentKind, ...] = ()
