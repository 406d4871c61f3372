"""``cjrec state list|show|forget`` and ``cjrec force-unlock``: inspecting and mending the state."""

from __future__ import annotations

import json

import click

from reconciler.cli.context import AppContext
from reconciler.errors import EXIT_OK, UsageError
from reconciler.models.state import LogoRecord, ProductRecord


@click.group()
def state() -> None:
    """Inspect or edit the recorded sync state."""


@state.command("list")
@click.pass_obj
def state_list(obj: AppContext) -> int:
    """List every resource the state records."""
    from reconciler.adapters.state_store import StateStore
    from reconciler.render.describe import summarise_logo, summarise_product

    recorded = StateStore(obj.settings.state_dir).load()
    if recorded is None:
        obj.console.out("No state yet: nothing is managed. Run `cjrec apply`.")
        return EXIT_OK
    for name, logo in sorted(recorded.logos.items()):
        obj.console.out(f"logo.{name}  {summarise_logo(logo.to_dict())}")
    for pid, product in sorted(recorded.products.items()):
        obj.console.out(f"product.{pid}  {summarise_product(product.to_dict())}")
    return EXIT_OK


@state.command("show")
@click.argument("address")
@click.pass_obj
def state_show(obj: AppContext, address: str) -> int:
    """Show one resource's record (JSON)."""
    from reconciler.adapters.state_store import StateStore

    recorded = StateStore(obj.settings.state_dir).load()
    kind, _, name = address.partition(".")
    record: ProductRecord | LogoRecord | None = None
    if recorded is not None and kind == "product":
        record = recorded.products.get(name)
    elif recorded is not None and kind == "logo":
        record = recorded.logos.get(name)
    if record is None:
        raise UsageError(f"{address!r} is not in the state", hint="see `cjrec state list` for the addresses")
    from reconciler.safe_text import for_json

    obj.console.out(for_json(json.dumps({"address": address, **record.to_dict()}, indent=2, ensure_ascii=False)))
    return EXIT_OK


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
        kind, _, name = address.partition(".")
        if (
            recorded is None
            or (kind == "product" and name not in recorded.products)
            or (kind == "logo" and name not in recorded.logos)
        ):
            raise UsageError(f"{address!r} is not in the state", hint="see `cjrec state list` for the addresses")
        if kind not in ("product", "logo"):
            raise UsageError(f"{address!r} is not an address (product.<pid> or logo.<name>)")
        changed = recorded.without_product(name) if kind == "product" else recorded.without_logo(name)
        store.write(changed, previous=recorded)
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
