"""docs/manifest-reference.md is exactly what `cjrec schema --format markdown` prints, so it cannot drift."""

from __future__ import annotations

from pathlib import Path

from reconciler.manifest.documents import DOCUMENT_TYPES
from reconciler.manifest.reference import markdown_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "manifest-reference.md"


def test_the_committed_reference_matches_the_models() -> None:
    assert DOC.read_text() == markdown_reference(), (
        "regenerate: cjrec schema --format markdown > docs/manifest-reference.md"
    )


def test_every_kind_and_every_spec_field_is_documented() -> None:
    text = markdown_reference()
    for kind, model in DOCUMENT_TYPES.items():
        assert f"## kind: {kind}" in text
        spec = model.model_fields["spec"].annotation
        for name, info in getattr(spec, "model_fields", {}).items():
            assert f"| `{info.alias or name}` |" in text
