"""Every registered kind's documents are in the JSON Schema and the Markdown reference, and a
new kind's document is validated, published and checked by the shared rules without any
edit to the validator, the schema or the reference (a toy kind registered for the test)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from reconciler.adapters.image_files import inspect_image
from reconciler.adapters.yaml_loader import parse_text
from reconciler.kinds import registry
from reconciler.kinds.contract import Kind
from reconciler.kinds.declarations import Declarations, Reference
from reconciler.kinds.document_parts import Document, Metadata, Strict
from reconciler.kinds.documents import Collector, DocumentKind
from reconciler.kinds.logo.model import KIND as LOGO
from reconciler.manifest.documents import json_schema
from reconciler.manifest.reference import markdown_reference
from reconciler.manifest.validator import ValidationResult, validate
from reconciler.models.declared import Source
from reconciler.models.source_document import SourceDocument
from tests.support.manifests import SEALED_CREDENTIALS


def test_every_registered_document_kind_is_in_the_schema_and_the_reference() -> None:
    schema, reference = json_schema(), markdown_reference()
    documents = [document for kind in registry.kinds() for document in kind.documents]
    assert {document.kind for document in documents} >= {
        "Credentials", "Logo", "Market", "Products", "Pricing", "Settings", "Webhooks",
    }  # fmt: skip
    for document in documents:
        assert {"$ref": f"#/$defs/{document.kind}Document"} in schema["oneOf"]
        assert f"{document.kind}Document" in schema["$defs"]
        assert f"## kind: {document.kind}\n" in reference
        assert f"| `{document.kind}` | {document.how_many} | {document.notes} |" in reference


# -- a toy kind: a Gadget names a Logo -----------------------------------------------------
class GadgetSpec(Strict):
    """A gadget that prints a logo."""

    logo: str = Field(description="the name of a Logo")


class GadgetDocument(Document):
    """kind: Gadget."""

    kind: Literal["Gadget"]
    metadata: Metadata
    spec: GadgetSpec


class _Gadgets(Collector):
    def __init__(self) -> None:
        self.gadgets: dict[str, str] = {}

    def collect(self, doc: SourceDocument, parsed: BaseModel, ctx: Declarations) -> None:
        assert isinstance(parsed, GadgetDocument)
        name = parsed.metadata.name
        if ctx.declared_twice(doc, ("metadata", "name"), "Gadget", name, subject=f"a Gadget named {name!r}"):
            return
        ctx.declare("Gadget", name, Source(doc.display, doc.line_of(())))
        ctx.refer(LOGO, Reference(doc, ("spec", "logo"), parsed.spec.logo, "no Logo named {name!r} ({known})"))
        self.gadgets[name] = parsed.spec.logo

    def finish(self, ctx: Declarations) -> Mapping[str, Mapping[str, Any]]:
        return {"gadget": dict(self.gadgets)}


GADGET = Kind(
    name="gadget",
    summary="Gadgets (a toy kind of this test).",
    documents=(
        DocumentKind(kind="Gadget", model=GadgetDocument, collector=_Gadgets, position=7, how_many="any", notes="toy"),
    ),
)

CREDENTIALS = SEALED_CREDENTIALS + """\
---
apiVersion: cjrec/v1
kind: Logo
metadata: {name: brand}
spec: {url: https://cdn.example.com/brand.png}
"""


def gadget(name: str, logo: str) -> str:
    return f"---\napiVersion: cjrec/v1\nkind: Gadget\nmetadata: {{name: {name}}}\nspec: {{logo: {logo}}}\n"


def validated(text: str, folder: Path) -> ValidationResult:
    docs, problems = parse_text(text, file=folder / "m.yaml", display="m.yaml")
    return validate(docs, plaintext={}, secrets_checked=False, inspect_image=inspect_image, load_problems=problems)


def test_a_new_kind_adds_a_document_without_editing_the_validator(tmp_path: Path) -> None:
    assert "Gadget" not in markdown_reference()
    with registry.registered(GADGET):
        result = validated(CREDENTIALS + gadget("g1", "brand"), tmp_path)
        assert result.diagnostics == []
        assert result.desired is not None
        assert result.desired.of("gadget") == {"g1": "brand"}

        broken = validated(CREDENTIALS + gadget("g1", "brand") + gadget("g1", "brand") + gadget("g2", "nope"), tmp_path)
        assert [str(d) for d in broken.diagnostics] == [
            "m.yaml:19: metadata.name: a Gadget named 'g1' is already declared at m.yaml:12",
            "m.yaml:25: spec.logo: no Logo named 'nope' (brand)",
        ]

        assert "#/$defs/GadgetDocument" in str(json_schema()["oneOf"])
        assert "## kind: Gadget" in markdown_reference()
        unknown = validated("apiVersion: cjrec/v1\nkind: Widget\n", tmp_path)
        assert str(unknown.diagnostics[0]).endswith(", Gadget)")  # after every built-in kind
    assert "Gadget" not in markdown_reference()
