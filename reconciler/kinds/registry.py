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

from reconciler.kinds.contract import Kind, Section
from reconciler.kinds.credentials.kind import KIND as CREDENTIALS
from reconciler.kinds.documents import DocumentKind
from reconciler.kinds.logo.kind import KIND as LOGO
from reconciler.kinds.market.kind import KIND as MARKET
from reconciler.kinds.pricing.kind import KIND as PRICING
from reconciler.kinds.product.kind import KIND as PRODUCT
from reconciler.kinds.settings.kind import KIND as SETTINGS
from reconciler.kinds.sourcing.kind import KIND as SOURCING
from reconciler.kinds.store.kind import KIND as STORE
from reconciler.kinds.webhook.kind import KIND as WEBHOOK
from reconciler.models.plan import APPLY_RULES
from reconciler.models.state import know_section

_BUILT_IN: tuple[Kind, ...] = (LOGO, SOURCING, PRODUCT, MARKET, WEBHOOK, PRICING, CREDENTIALS, SETTINGS, STORE)
_added: list[Kind] = []


def _install(kind: Kind) -> None:
    """Tell the models what ``kind`` says of itself: its state sections, its apply costs and uploads."""
    for section in kind.sections:
        know_section(section.key)
    if kind.cost is not None:
        APPLY_RULES.costs[kind.name] = kind.cost
    if kind.uploads is not None:
        APPLY_RULES.uploads[kind.name] = kind.uploads
    if kind.guarded:
        APPLY_RULES.guarded.add(kind.name)


def _uninstall(kind: Kind) -> None:
    APPLY_RULES.costs.pop(kind.name, None)
    APPLY_RULES.uploads.pop(kind.name, None)
    APPLY_RULES.guarded.discard(kind.name)


for _kind in _BUILT_IN:
    _install(_kind)


def kinds() -> tuple[Kind, ...]:
    """Every kind, in plan order."""
    return _BUILT_IN + tuple(_added)


def kind_named(name: str) -> Kind | None:
    """The kind whose addresses start with ``name.``, if cjrec knows one."""
    return next((kind for kind in kinds() if kind.name == name), None)


def documents() -> tuple[DocumentKind, ...]:
    """Every manifest document type, kind by kind."""
    return tuple(document for kind in kinds() for document in kind.documents)


def planned() -> tuple[Kind, ...]:
    """The kinds with a planner, in plan order."""
    return tuple(kind for kind in kinds() if kind.plan is not None)


def derivations() -> tuple[Kind, ...]:
    """The kinds that derive an input for others, each after the kinds it names in ``after``."""
    pending = {kind.name: kind for kind in kinds() if kind.derives is not None}
    ordered: list[Kind] = []
    while pending:
        ready = [
            kind
            for kind in pending.values()
            if kind.derives is not None and all(dep not in pending for dep in kind.derives.after)
        ]
        if not ready:
            raise ValueError(f"the derived inputs of {', '.join(sorted(pending))} depend on each other in a cycle")
        for kind in ready:
            ordered.append(pending.pop(kind.name))
    return tuple(ordered)


def sections() -> tuple[Section, ...]:
    """Every state section, in the order the state file lists them."""
    return tuple(sorted((s for kind in kinds() for s in kind.sections), key=lambda s: (s.position, s.key)))


@contextmanager
def registered(kind: Kind) -> Iterator[Kind]:
    """Know ``kind`` inside the block (after the built-in kinds)."""
    if kind_named(kind.name) is not None:
        raise ValueError(f"a kind named {kind.name!r} is registered already")
    _added.append(kind)
    _install(kind)
    try:
        yield kind
    finally:
        _added.remove(kind)
        _uninstall(kind)
