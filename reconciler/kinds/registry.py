"""The registry of kinds: the only list of the kinds cjrec knows, in plan order.

The central files (validator, state codec, planner, applier, renderers, ``state`` commands,
schema and reference) iterate :func:`kinds`; nothing else lists them. The order is the
order of a plan's sections and of apply's calls: logos are uploaded before the products that
print them are added, sourcing requests are filed early (they are quick and limited per day),
products are added before markets quote them and webhooks subscribe to them.

:func:`registered` adds a kind for the duration of a ``with`` block (tests register a toy
kind this way, without editing any central file).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from reconciler.kinds import credentials, logo, market, pricing, product, settings, sourcing, webhook
from reconciler.kinds.contract import Kind, Section
from reconciler.kinds.documents import DocumentKind

_BUILT_IN: tuple[Kind, ...] = (
    logo.KIND,
    sourcing.KIND,
    product.KIND,
    market.KIND,
    webhook.KIND,
    pricing.KIND,
    credentials.KIND,
    settings.KIND,
)
_added: list[Kind] = []


def kinds() -> tuple[Kind, ...]:
    """Every kind, in plan order."""
    return _BUILT_IN + tuple(_added)


def kind_named(name: str) -> Kind | None:
    """The kind whose addresses start with ``name.``, if cjrec knows one."""
    return next((kind for kind in kinds() if kind.name == name), None)


def documents() -> tuple[DocumentKind, ...]:
    """Every manifest document type, kind by kind."""
    return tuple(document for kind in kinds() for document in kind.documents)


def sections() -> tuple[Section, ...]:
    """Every state section, in the order the state file lists them."""
    return tuple(sorted((s for kind in kinds() for s in kind.sections), key=lambda s: (s.position, s.key)))


@contextmanager
def registered(kind: Kind) -> Iterator[Kind]:
    """Know ``kind`` inside the block (after the built-in kinds)."""
    if kind_named(kind.name) is not None:
        raise ValueError(f"a kind named {kind.name!r} is registered already")
    _added.append(kind)
    try:
        yield kind
    finally:
        _added.remove(kind)
