"""The contract between the manifest validator and the document types each kind declares.

A kind that users write in manifests (``kind: Logo``, ``kind: Products`` …) lists its
document types in its package (``reconciler/kinds/<kind>/document.py``, ``DOCUMENTS``); the
validator (``reconciler/manifest/validator.py``) keeps the envelope (apiVersion, kind, sops),
the loop over documents and the finish, and hands each document to its type.
"""

from __future__ import annotations

from typing import Protocol


class DocumentKind(Protocol):
    """One manifest document type (placeholder: the manifest work defines the full contract)."""

    kind: str  # the value of ``kind:`` in a manifest document, e.g. "Logo"
