"""The manifest document types of this kind (placeholder until the manifest moves here)."""

from __future__ import annotations

from reconciler.kinds.documents import DocumentKind

DOCUMENTS: tuple[DocumentKind, ...] = ()
