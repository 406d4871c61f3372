"""Where a manifest declared something, and the variant selection items and sourced items share.

A leaf module of the models: ``desired``, ``markets``, ``pricing`` and ``sourcing`` import it,
it imports none of them (so the models have no import cycle). ``Source`` has one meaning in
cjrec: the file and line a thing was declared at (a sourcing request's product page is its
``url``, never its source).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Source:
    """Where something was declared."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class VariantPattern:
    """One ``include``/``exclude`` entry: a variantKey or a variant SKU, ``*`` globs allowed."""

    pattern: str
    source: Source


@dataclass(frozen=True, slots=True)
class VariantSelection:
    """Which of a product's variants the store sells: those matching an ``include`` entry (every
    variant when there is none) and no ``exclude`` entry."""

    include: tuple[VariantPattern, ...] = ()
    exclude: tuple[VariantPattern, ...] = ()
