"""The rules every kind's documents share, and what one validation run has declared so far.

One :class:`Declarations` lives for one run of the manifest validator
(``reconciler/manifest/validator.py``), which hands it to the kinds' collectors
(``reconciler/kinds/<kind>/document.py``) with every document. The rules here are written
once for every kind:

- "already declared at": a name (a pid, a sourceUrl, a country) declared a second time
  (:meth:`Declarations.declared_twice`);
- "a second X document": a document kind that may appear once (:meth:`Declarations.second_documents`);
- "second default": two items of a kind with ``default: true`` (:meth:`Declarations.default`);
- "reference resolves": an item that names an item of another kind, e.g. a product's
  ``logo:`` (:meth:`Declarations.refer`): the name must be one the target kind finished
  with, or one it declared with an error that is reported already (:meth:`Declarations.broken`).

References and defaults are checked by :meth:`Declarations.check` once every kind has
finished; the other rules report at once. Pure: it touches nothing outside itself (the
image inspector and the repository folder are given to it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.errors import Diagnostic
from reconciler.models.declared import Source
from reconciler.models.desired import Credentials, LogoImage, Settings
from reconciler.models.source_document import FieldPath, SourceDocument, field_label

InspectImage = Callable[[Path], LogoImage]


@dataclass(frozen=True)
class Reference:
    """``name`` at ``path`` of ``doc`` names an item of another kind; ``unknown`` is the message
    when it names none (``str.format`` fields: ``name``, and ``known``, the names declared)."""

    doc: SourceDocument
    path: FieldPath
    name: str
    unknown: str


@dataclass(frozen=True)
class _Default:
    name: str
    where: Source  # the line of its `default: true`
    subject: str  # what the kind's items are called in the message, e.g. "Pricing rule"
    advice: str


@dataclass
class Declarations:
    """One validation run: its diagnostics and warnings, the names declared so far, the
    references and defaults to check at the finish, and the account (Credentials and
    Settings, set by their kinds when they finish, before the resource kinds finish)."""

    inspect_image: InspectImage
    repository: Path | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    credentials: Credentials | None = None
    settings: Settings = field(default_factory=Settings)
    _names: dict[str, dict[str, Source]] = field(default_factory=dict)
    _broken: dict[str, set[str]] = field(default_factory=dict)
    _references: dict[str, list[Reference]] = field(default_factory=dict)
    _defaults: dict[str, list[_Default]] = field(default_factory=dict)
    _unused: dict[str, list[tuple[str, Source, str]]] = field(default_factory=dict)

    def error(self, doc: SourceDocument, path: FieldPath, message: str) -> None:
        """A problem at ``path`` of ``doc``."""
        self.diagnostics.append(Diagnostic(doc.display, doc.line_of(path), field_label(path), message))

    # -- already declared at ----------------------------------------------------------
    def first(self, namespace: str, key: str) -> Source | None:
        """Where ``key`` was first declared in ``namespace`` (e.g. ``Logo`` names), if it was."""
        return self._names.get(namespace, {}).get(key)

    def declare(self, namespace: str, key: str, where: Source) -> None:
        """Record that ``key`` is declared at ``where`` (the first declaration stays)."""
        self._names.setdefault(namespace, {}).setdefault(key, where)

    def declared_twice(
        self,
        doc: SourceDocument,
        path: FieldPath,
        namespace: str,
        key: str,
        *,
        subject: str,
        verb: str = "declared",
        tail: str = "",
    ) -> bool:
        """True, and an error "``subject`` is already ``verb`` at FIRST``tail``", when ``key`` is declared already."""
        first = self.first(namespace, key)
        if first is None:
            return False
        self.error(doc, path, f"{subject} is already {verb} at {first}{tail}")
        return True

    # -- a second X document ----------------------------------------------------------
    def second_documents(self, kind: str, docs: list[SourceDocument]) -> None:
        """An error on every ``kind`` document after the first (a kind that may appear once)."""
        if not docs:
            return
        first = docs[0]
        for doc in docs[1:]:
            self.error(doc, ("kind",), f"a second {kind} document; the first is at {first.display}:{first.line_of(())}")

    # -- second default ---------------------------------------------------------------
    def default(self, kind: str, name: str, where: Source, *, subject: str, advice: str = "") -> None:
        """Item ``name`` of ``kind`` says ``default: true`` at ``where``; a second one is an error at the finish."""
        self._defaults.setdefault(kind, []).append(_Default(name, where, subject, advice))

    # -- reference resolves -----------------------------------------------------------
    def refer(self, target: str, reference: Reference) -> None:
        """``reference`` names an item of the kind ``target``; checked at the finish."""
        self._references.setdefault(target, []).append(reference)

    def used_only_if_named(self, kind: str, name: str, where: Source, warning: str) -> None:
        """Item ``name`` of ``kind`` does nothing unless a reference names it: ``warning`` at the finish if none does."""
        self._unused.setdefault(kind, []).append((name, where, warning))

    def broken(self, kind: str, name: str) -> None:
        """``name`` of ``kind`` is declared, with an error reported already: references to it are no error."""
        self._broken.setdefault(kind, set()).add(name)

    def check(self, resources: Mapping[str, Mapping[str, Any]]) -> None:
        """Resolve every reference against the items the kinds finished with, then the defaults, kind by kind."""
        targets = [*resources, *(target for target in self._references if target not in resources)]
        for target in targets:
            items = resources.get(target, {})
            known = ", ".join(sorted(items)) or "none are declared"
            for ref in self._references.get(target, []):
                if ref.name not in items and ref.name not in self._broken.get(target, set()):
                    self.error(ref.doc, ref.path, ref.unknown.format(name=ref.name, known=known))
        for kind, candidates in self._unused.items():
            named = {ref.name for ref in self._references.get(kind, [])}
            for name, where, warning in candidates:
                if name not in named:
                    self.warnings.append(Diagnostic(where.file, where.line, "metadata.name", warning))
        for kind in resources:
            defaults = self._defaults.get(kind, [])
            for extra in defaults[1:]:
                self.diagnostics.append(
                    Diagnostic(
                        extra.where.file,
                        extra.where.line,
                        "spec.default",
                        f"{extra.subject} {extra.name!r} is a second default; {defaults[0].name!r} at "
                        f"{defaults[0].where} is one already{extra.advice}",
                    )
                )
