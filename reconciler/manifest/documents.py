"""The manifest document types of apiVersion ``cjrec/v1``, from the registry of kinds.

Each kind declares its document types in its package (``reconciler/kinds/<kind>/document.py``,
see ``reconciler/kinds/documents.py``); this module lists them in one order
(:func:`document_kinds`, :data:`DOCUMENT_TYPES`) for the validator and the reference, and
builds the JSON Schema ``cjrec schema`` publishes for editors (:func:`json_schema`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from reconciler.kinds import registry
from reconciler.kinds.document_parts import API_VERSION, NAME_PATTERN
from reconciler.kinds.documents import DocumentKind

__all__ = ["API_VERSION", "DOCUMENT_TYPES", "NAME_PATTERN", "SCHEMA_ID", "document_kinds", "json_schema"]

SCHEMA_ID = "urn:cjrec:schema:cjrec-v1"  # an identifier, not a URL: editors read the file by its relative path


def document_kinds() -> tuple[DocumentKind, ...]:
    """Every document type of every registered kind, in the order of their ``position``."""
    return tuple(sorted(registry.documents(), key=lambda document: document.position))


class _DocumentTypes(Mapping[str, type[BaseModel]]):
    """The value of ``kind:`` → its model, read from the registry on every use (a kind registered
    later, e.g. by a test, is in it)."""

    def __getitem__(self, kind: str) -> type[BaseModel]:
        for document in document_kinds():
            if document.kind == kind:
                return document.model
        raise KeyError(kind)

    def __iter__(self) -> Iterator[str]:
        return iter([document.kind for document in document_kinds()])

    def __len__(self) -> int:
        return len(document_kinds())


DOCUMENT_TYPES: Mapping[str, type[BaseModel]] = _DocumentTypes()


def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) that accepts any one cjrec/v1 document."""
    defs: dict[str, Any] = {}
    choices = []
    for kind, model in DOCUMENT_TYPES.items():
        schema = model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        # sops adds its own metadata to encrypted files
        schema["properties"]["sops"] = {"type": "object", "description": "added by sops; do not edit"}
        defs[kind + "Document"] = schema
        choices.append({"$ref": f"#/$defs/{kind}Document"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "cjrec manifest document (apiVersion cjrec/v1)",
        "oneOf": choices,
        "$defs": defs,
    }
