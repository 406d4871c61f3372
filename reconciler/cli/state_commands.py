"""``cjrec state list|show|forget`` and ``cjrec force-unlock``: inspecting and mending the state."""

from __future__ import annotations

import json
from typing import Any

import click

from reconciler.cli.context import AppContext
from reconciler.errors import EXIT_OK, UsageError
from reconciler.models.sourcing import SourcingRecord
from reconciler.models.state import LogoRecord, ProductRecord, SyncState


@click.group()
def state() -> None:
    """Inspect or edit the recorded sync state."""


@state.command("list")
@click.pass_obj
def state_list(obj: AppContext) -> int:
    """List every resource the state records."""
    from reconciler.adapters.state_store import StateStore
    from reconciler.models.sourcing import address_of
    from reconciler.render.describe import summarise_logo, summarise_market, summarise_product, summarise_sourcing

    recorded = StateStore(obj.settings.state_dir).load()
    if recorded is None:
        obj.console.out("No state yet: nothing is managed. Run `cjrec apply`.")
        return EXIT_OK
    for name, logo in sorted(recorded.logos.items()):
        obj.console.out(f"logo.{name}  {summarise_logo(logo.to_dict())}")
    for pid, product in sorted(recorded.products.items()):
        obj.console.out(f"product.{pid}  {summarise_product(product.to_dict())}")
    for record in sorted(recorded.sourcing.values(), key=lambda r: address_of(r.url)):
        obj.console.out(f"{address_of(record.url)}  {summarise_sourcing(record.to_dict())}")
    for country, quotes in sorted(recorded.markets.items()):
        shown = {"quotes": {pid: q.to_dict() for pid, q in quotes.items()}}
        obj.console.out(f"market.{country}  {summarise_market(shown)}")
    return EXIT_OK


@state.command("show")
@click.argument("address")
@click.pass_obj
def state_show(obj: AppContext, address: str) -> int:
    """Show one resource's record (JSON)."""
    from reconciler.adapters.state_store import StateStore

    recorded = StateStore(obj.settings.state_dir).load()
    record = _record_at(recorded, address) if recorded is not None else None
    if record is None:
        raise UsageError(f"{address!r} is not in the state", hint="see `cjrec state list` for the addresses")
    obj.console.out(json.dumps({"address": address, **record}, indent=2))
    return EXIT_OK


def _record_at(recorded: SyncState, address: str) -> dict[str, Any] | None:
    """The record at ``address`` as JSON-ready data, or None."""
    from reconciler.models.sourcing import address_of

    kind, _, name = address.partition(".")
    found: ProductRecord | LogoRecord | SourcingRecord | None = None
    if kind == "product":
        product = recorded.products.get(name)
        if product is not None:
            return {"selected_variants": len(product.selected()), **product.to_dict()}
    elif kind == "logo":
        found = recorded.logos.get(name)
    elif kind == "sourcing":
        found = next((r for r in recorded.sourcing.values() if address_of(r.url) == address), None)
    elif kind == "market" and name in recorded.markets:
        return {"quotes": {pid: q.to_dict() for pid, q in sorted(recorded.markets[name].items())}}
    return found.to_dict() if found is not None else None


def _without(recorded: SyncState, address: str) -> SyncState:
    from reconciler.models.sourcing import address_of

    kind, _, name = address.partition(".")
    if kind == "product":
        return recorded.without_product(name)
    if kind == "logo":
        return recorded.without_logo(name)
    if kind == "sourcing":
        keys = [key for key, r in recorded.sourcing.items() if address_of(r.url) == address]
        return recorded.without_sourcing(keys[0]) if keys else recorded
    return recorded.with_market(name, None)


@state.command("forget")
@click.argument("address")
@click.pass_obj
def state_forget(obj: AppContext, address: str) -> int:
    """Stop tracking a resource without touching CJ (the next plan may adopt it again)."""
    from reconciler.adapters.clock import SystemClock
    from reconciler.adapters.state_lock import StateLock
    from reconciler.adapters.state_store import StateStore

    store = StateStore(obj.settings.state_dir)
    with StateLock(obj.settings.state_dir, operation="state forget", clock=SystemClock()):
        recorded = store.load()
        kind, _, _name = address.partition(".")
        if kind not in ("product", "logo", "sourcing", "market"):
            raise UsageError(
                f"{address!r} is not an address (product.<pid>, logo.<name>, sourcing.<url>, market.<country>)"
            )
        if recorded is None or _record_at(recorded, address) is None:
            raise UsageError(f"{address!r} is not in the state", hint="see `cjrec state list` for the addresses")
        store.write(_without(recorded, address), previous=recorded)
    obj.console.success(f"Forgot {address}; CJ was not changed.")
    return EXIT_OK


@click.command("force-unlock")
@click.argument("lock_id")
@click.pass_obj
def force_unlock(obj: AppContext, lock_id: str) -> int:
    """Break a stuck state lock (give the ID from the lock error)."""
    from reconciler.adapters.state_lock import force_unlock as unlock

    info = unlock(obj.settings.state_dir, lock_id)
    obj.console.success(f"Unlocked: the lock of {info.describe()} was removed.")
    return EXIT_OK
