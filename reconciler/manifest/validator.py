"""Turn loaded manifest documents into a validated ``Desired`` configuration.

Pure: it gets the documents the YAML loader read, the plaintext sops produced for
encrypted files, and a function that inspects logo files; it touches nothing itself.
Every problem becomes a :class:`Diagnostic` with file, line and field path, and all of a
run's problems are returned together: structure and reference problems in one pass. A
document with a structure error still takes part in the checks its valid parts allow (its
name in duplicate checks, its well-formed product items in duplicate and logo checks), and a
Logo with a structure error still counts as declared, so no reference error is made up for it.

This module keeps the envelope (apiVersion, the kind, sops and plaintext secrets), the loop
over documents and the finish; each document goes to the collector of its kind
(``reconciler/kinds/<kind>/document.py``, listed by the registry of kinds), and the rules
kinds share are in ``reconciler/kinds/declarations.py``. Called by the CLI's wiring.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from reconciler.errors import Diagnostic
from reconciler.kinds.declarations import Declarations, InspectImage
from reconciler.kinds.document_parts import API_VERSION, is_encrypted_value
from reconciler.kinds.documents import Collector
from reconciler.manifest.documents import DOCUMENT_TYPES, document_kinds
from reconciler.models.desired import Desired
from reconciler.models.source_document import SourceDocument, iter_strings

__all__ = ["DocKey", "InspectImage", "ValidationResult", "encrypt_hint", "is_sops_file", "validate"]

DocKey = tuple[Path, int]
API_KEY_PATTERN = re.compile(r"CJ\d+@api@[0-9A-Za-z]{16,}")
_SOPS_NAME = re.compile(r"\.sops\.ya?ml$")
_YAML_SUFFIX = re.compile(r"\.ya?ml$")


def encrypt_hint(display: str) -> str:
    """How to encrypt a manifest in place with the repository's .sops.yaml rules.

    The example .sops.yaml matches ``*.sops.yaml`` only (sops refuses other names with "no
    matching creation rules"), so a file named otherwise is to be renamed first.
    """
    target = display if _SOPS_NAME.search(display) else _YAML_SUFFIX.sub(".sops.yaml", display)
    command = f"`sops --encrypt --in-place {target}` (the rules in .sops.yaml choose the keys and fields)"
    if target == display:
        return f"encrypt it with {command}"
    return f"rename it to {target} (the name the rules in .sops.yaml match), then encrypt it with {command}"


@dataclass
class ValidationResult:
    """The outcome of validation: a Desired configuration, or the problems that prevent one."""

    desired: Desired | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    digest: str = ""  # of every manifest file and logo image, so a saved plan can tell when they changed


def is_sops_file(doc: SourceDocument) -> bool:
    """True when sops encrypted this document (it carries sops' metadata)."""
    meta = doc.data.get("sops") if isinstance(doc.data, dict) else None
    return isinstance(meta, dict) and "mac" in meta


def validate(
    documents: list[SourceDocument],
    *,
    plaintext: Mapping[DocKey, Any],
    secrets_checked: bool,
    inspect_image: InspectImage,
    load_problems: list[Diagnostic] | None = None,
    repository: Path | None = None,
) -> ValidationResult:
    """Validate every document and build the Desired configuration when nothing is wrong.

    With ``repository`` (an absolute path), a logo ``file`` must lie inside it: an absolute
    path or one whose ``../`` leads out is refused here; ``inspect_image`` refuses symlinks
    that lead out (that needs the file system).
    """
    v = _Validation(
        plaintext=plaintext, secrets_checked=secrets_checked, inspect_image=inspect_image, repository=repository
    )
    v.ctx.diagnostics.extend(load_problems or [])
    for doc in documents:
        v.document(doc)
    return v.finish(files=tuple(sorted({d.display for d in documents})))


class _Validation:
    """One run: the envelope of every document, then its kind's collector; the finish builds ``Desired``."""

    def __init__(
        self,
        *,
        plaintext: Mapping[DocKey, Any],
        secrets_checked: bool,
        inspect_image: InspectImage,
        repository: Path | None,
    ) -> None:
        self.plaintext = plaintext
        self.secrets_checked = secrets_checked
        self.ctx = Declarations(inspect_image=inspect_image, repository=repository)
        self.kinds = {document.kind: document for document in document_kinds()}
        self.collectors: dict[str, Collector] = {kind: document.collector() for kind, document in self.kinds.items()}
        self.must_be_encrypted = {name for document in self.kinds.values() for name in document.must_be_encrypted}

    # -- one document -----------------------------------------------------------------
    def document(self, doc: SourceDocument) -> None:
        raw = doc.data
        if not isinstance(raw, dict):
            self.ctx.error(
                doc,
                (),
                f"a manifest document must be a mapping with apiVersion, kind and spec (got {type(raw).__name__})",
            )
            return
        self._plaintext_secrets(doc)
        encrypted = is_sops_file(doc)
        data = self.plaintext.get((doc.file, doc.index), raw) if encrypted else raw
        data = {k: v for k, v in data.items() if k != "sops"}
        version = data.get("apiVersion")
        if version != API_VERSION:
            shown = "missing" if version is None else repr(version)
            self.ctx.error(doc, ("apiVersion",), f"apiVersion is {shown}; expected {API_VERSION!r}")
            return
        kind = data.get("kind")
        if kind is None:
            self.ctx.error(doc, ("kind",), f"missing `kind` (one of {', '.join(DOCUMENT_TYPES)})")
            return
        document = self.kinds.get(kind) if isinstance(kind, str) else None
        if document is None:
            known = ", ".join(DOCUMENT_TYPES)
            self.ctx.error(doc, ("kind",), f"unknown kind {kind!r} (expected one of {known})")
            return
        collector = self.collectors[document.kind]
        if document.secret and not encrypted:
            self.ctx.error(
                doc, (), f"the {kind} document must be in a sops-encrypted file; {encrypt_hint(doc.display)}"
            )
            collector.salvage(doc, data, self.ctx)
            return
        unchecked = encrypted and (doc.file, doc.index) not in self.plaintext
        try:
            parsed = document.model.model_validate(data, context={"encrypted": unchecked})
        except ValidationError as exc:
            for err in exc.errors():
                self.ctx.error(doc, tuple(err["loc"]), _describe(err))
            collector.salvage(doc, data, self.ctx)
            return
        if document.secret and unchecked:
            collector.salvage(doc, data, self.ctx)  # declared, but its values could not be read
        else:
            collector.collect(doc, parsed, self.ctx)

    def _plaintext_secrets(self, doc: SourceDocument) -> None:
        for path, value in iter_strings(doc.data):
            if path and path[0] == "sops":
                continue
            if path and path[-1] in self.must_be_encrypted and not is_encrypted_value(value):
                self.ctx.error(doc, path, f"this secret is in plaintext; {encrypt_hint(doc.display)}")
            elif not is_encrypted_value(value) and API_KEY_PATTERN.search(value):
                self.ctx.error(
                    doc,
                    path,
                    f"this looks like a CJ API key in plaintext; move it to the Credentials file and {encrypt_hint(doc.display)}",
                )

    # -- the whole configuration ------------------------------------------------------
    def finish(self, *, files: tuple[str, ...]) -> ValidationResult:
        """The account kinds finish first (the others may read it), then the resource kinds; then
        the references and defaults are checked against what they finished with."""
        ordered = sorted(self.kinds.values(), key=lambda document: not document.account)
        resources: dict[str, Mapping[str, Any]] = {}
        for document in ordered:
            resources.update(self.collectors[document.kind].finish(self.ctx))
        self.ctx.check(resources)
        notes = (
            []
            if self.secrets_checked
            else ["secret values were not checked: no sops key was available to decrypt them"]
        )
        if self.ctx.diagnostics:
            return ValidationResult(None, self.ctx.diagnostics, self.ctx.warnings, notes)
        desired = Desired(
            credentials=self.ctx.credentials, settings=self.ctx.settings, files=files, resources=resources
        )
        return ValidationResult(desired, [], self.ctx.warnings, notes)


def _describe(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "missing required field"
    if kind == "literal_error":
        return str(err["msg"]).replace("Input should be", "must be")
    message = str(err["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return message.replace("Input should be", "must be")
