"""The contract between the manifest validator and the document types each kind declares.

A kind that users write in manifests (``kind: Logo``, ``kind: Products`` …) lists its
document types in its package (``reconciler/kinds/<kind>/document.py``, ``DOCUMENTS``), each
a :class:`DocumentKind`: the pydantic model of the whole document, what the reference says
of it, and a :class:`Collector` made afresh for every validation run. The validator
(``reconciler/manifest/validator.py``) keeps the envelope (apiVersion, kind, sops), the loop
over documents and the finish: it hands each well-formed document to its collector's
:meth:`Collector.collect`, a document with a structure error to :meth:`Collector.salvage`,
and at the finish asks every collector for its entries of ``Desired.resources``. The JSON
Schema and the Markdown reference (``reconciler/manifest/documents.py``, ``reference.py``)
are built from the same list. Rules several kinds share ("already declared at", "a second X
document", "second default", "reference resolves") are in ``reconciler/kinds/declarations.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from reconciler.kinds.declarations import Declarations
from reconciler.models.source_document import SourceDocument


class Collector:
    """One validation run's collection of one document kind (the base does nothing)."""

    def collect(self, doc: SourceDocument, parsed: BaseModel, ctx: Declarations) -> None:
        """Take a document whose structure is valid (``parsed`` is an instance of the kind's model)."""

    def salvage(self, doc: SourceDocument, data: dict[str, Any], ctx: Declarations) -> None:
        """Take what a document with a structure error (reported already) still tells: its name, its
        well-formed parts, so that no duplicate or reference error is made up for it. A
        ``secret`` kind's document whose values could not be read comes here too."""

    def finish(self, ctx: Declarations) -> Mapping[str, Mapping[str, Any]]:
        """The kind's entries of ``Desired.resources`` (kind → name → item), once every document is
        collected. An ``account`` kind sets its part of the account on ``ctx`` instead."""
        return {}


M = TypeVar("M", bound=BaseModel)


class OnlyOne(Collector, Generic[M]):
    """A document kind that may appear once (Credentials, Settings, Webhooks): every document is
    kept, well-formed or not (None), and :meth:`the_one` reports "a second X document"."""

    kind: str  # the value of ``kind:``, for the message
    model: type[M]

    def __init__(self) -> None:
        self.found: list[tuple[SourceDocument, M | None]] = []

    def collect(self, doc: SourceDocument, parsed: BaseModel, ctx: Declarations) -> None:
        self.found.append((doc, parsed if isinstance(parsed, self.model) else None))

    def salvage(self, doc: SourceDocument, data: dict[str, Any], ctx: Declarations) -> None:
        self.found.append((doc, None))

    def the_one(self, ctx: Declarations) -> tuple[SourceDocument, M] | None:
        """The first document and its model; None when there is none or its structure is wrong (reported already)."""
        ctx.second_documents(self.kind, [doc for doc, _ in self.found])
        if not self.found:
            return None
        doc, parsed = self.found[0]
        return None if parsed is None else (doc, parsed)


@dataclass(frozen=True)
class DocumentKind:
    """One manifest document type: ``kind: <kind>`` with apiVersion ``cjrec/v1``.

    ``position`` orders the kinds in the JSON Schema, the reference and the validator's list
    of kinds; ``how_many`` and ``notes`` are its row in the reference's table. ``secret``:
    it must be in a sops-encrypted file, and when its values could not be decrypted it is
    salvaged (declared, without values); ``must_be_encrypted``: field names whose values must
    be encrypted in any document. ``account``: it makes part of the account (Credentials,
    Settings), so it finishes before the resource kinds, which may read it.
    """

    kind: str
    model: type[BaseModel]
    collector: Callable[[], Collector]
    position: int
    how_many: str
    notes: str
    secret: bool = False
    must_be_encrypted: tuple[str, ...] = ()
    account: bool = False
