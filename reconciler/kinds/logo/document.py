"""The Logo document (``kind: Logo``): its model and how its documents become the declared logos.

Registered through :data:`DOCUMENTS` (see ``reconciler/kinds/documents.py``); the validator
hands it every Logo document. A logo's name is unique; a ``file`` must lie inside the
repository and be an image; at most one logo is the default; a file logo without
``publicUrl`` is hosted in the Settings' logo store, or gets a warning without one.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path, PureWindowsPath
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from reconciler.errors import Diagnostic
from reconciler.kinds.declarations import Declarations
from reconciler.kinds.document_parts import Document, Metadata, Strict, https_url, name_of
from reconciler.kinds.documents import Collector, DocumentKind
from reconciler.kinds.logo.model import KIND
from reconciler.models.declared import Source
from reconciler.models.desired import Logo, LogoImageError
from reconciler.models.source_document import SourceDocument


class LogoSpec(Strict):
    """A logo: ``file`` (an image in the repository) or ``url`` (an existing public image)."""

    file: str | None = Field(default=None, min_length=1, description="image path relative to this manifest")
    url: str | None = Field(default=None, description="an existing public https image URL")
    public_url: str | None = Field(default=None, description="where CJ can fetch `file` at order time")
    default: StrictBool = Field(default=False, description="used by POD products that name no logo")

    @field_validator("url", "public_url")
    @classmethod
    def _https(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else https_url(value, to_camel(info.field_name or "url"))

    @model_validator(mode="after")
    def _one_source(self) -> LogoSpec:
        if (self.file is None) == (self.url is None):
            raise PydanticCustomError(
                "logo_source", "give exactly one of `file` (a new image) or `url` (an existing one)"
            )
        if self.url is not None and self.public_url is not None:
            raise PydanticCustomError("logo_source", "`publicUrl` goes with `file`; a `url` logo is public already")
        return self


class LogoDocument(Document):
    """kind: Logo."""

    kind: Literal["Logo"]
    metadata: Metadata
    spec: LogoSpec


NAMES = "Logo"  # the namespace of Logo names (a Logo with a structure error is declared too)


class _Logos(Collector):
    def __init__(self) -> None:
        self.logos: dict[str, Logo] = {}
        self.file_lines: dict[str, int] = {}

    def collect(self, doc: SourceDocument, parsed: BaseModel, ctx: Declarations) -> None:
        assert isinstance(parsed, LogoDocument)
        name = parsed.metadata.name
        source = Source(doc.display, doc.line_of(()))
        if ctx.declared_twice(doc, ("metadata", "name"), NAMES, name, subject=f"a Logo named {name!r}"):
            return
        image = None
        file = None
        if parsed.spec.file is not None:
            file = _logo_path(doc, parsed.spec.file, ctx)
            if file is None:
                return
            try:
                image = ctx.inspect_image(file)
            except LogoImageError as exc:
                ctx.error(doc, ("spec", "file"), f"{parsed.spec.file}: {exc}")
                return
        if file is not None:
            self.file_lines[name] = doc.line_of(("spec", "file"))
        if parsed.spec.default:
            ctx.default(KIND, name, Source(doc.display, doc.line_of(("spec", "default"))), subject="logo")
        ctx.declare(NAMES, name, source)
        self.logos[name] = Logo(
            name=name,
            file=file,
            file_display=None
            if parsed.spec.file is None
            else posixpath.normpath(posixpath.join(posixpath.dirname(doc.display), parsed.spec.file)),
            url=parsed.spec.url,
            public_url=parsed.spec.public_url,
            default=parsed.spec.default,
            image=image,
            source=source,
        )

    def salvage(self, doc: SourceDocument, data: dict[str, Any], ctx: Declarations) -> None:
        name = name_of(data)
        if name is None:
            return
        if not ctx.declared_twice(doc, ("metadata", "name"), NAMES, name, subject=f"a Logo named {name!r}"):
            ctx.declare(NAMES, name, Source(doc.display, doc.line_of(())))
            ctx.broken(KIND, name)

    def finish(self, ctx: Declarations) -> Mapping[str, Mapping[str, Any]]:
        """The logos; a file logo without publicUrl gets the logo store's URL (apply uploads it), or a warning."""
        store = ctx.settings.logo_store
        logos: dict[str, Logo] = {}
        for declared in self.logos.values():
            logo = declared
            if logo.file is not None and logo.public_url is None and logo.image is not None:
                if store is not None:
                    hosted, public = store.names(logo.image)
                    logo = replace(logo, public_url=public, hosted=hosted)
                else:
                    ctx.warnings.append(
                        Diagnostic(
                            logo.source.file,
                            self.file_lines.get(logo.name, logo.source.line),
                            "spec.publicUrl",
                            f"logo {logo.name!r} has no publicUrl: CJ cannot fetch it at order time until it is "
                            "hosted publicly (give publicUrl, or Settings spec.logoStore to have apply upload it)",
                        )
                    )
            logos[logo.name] = logo
        return {KIND: logos}


def _logo_path(doc: SourceDocument, given: str, ctx: Declarations) -> Path | None:
    """The logo file's absolute path, or None (and an error) when it is absolute or leads out of the repository."""
    if given.startswith(("/", "\\", "~")) or PureWindowsPath(given).is_absolute():
        ctx.error(
            doc,
            ("spec", "file"),
            f"{given}: an absolute path; logo files must be inside the repository "
            "(give the path relative to this manifest)",
        )
        return None
    path = Path(os.path.normpath(os.path.join(os.path.abspath(doc.file.parent), given)))
    if ctx.repository is not None and not path.is_relative_to(ctx.repository):
        ctx.error(
            doc,
            ("spec", "file"),
            f"{given}: leads out of the repository ({ctx.repository}); apply publishes logo files, "
            "so they must be inside it",
        )
        return None
    return path


DOCUMENTS: tuple[DocumentKind, ...] = (
    DocumentKind(
        kind="Logo",
        model=LogoDocument,
        collector=_Logos,
        position=1,
        how_many="any",
        notes="names are unique; at most one `default: true`",
    ),
)
