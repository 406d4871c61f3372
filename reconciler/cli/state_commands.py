"""``cjrec state list|show|forget|push|pull`` and ``cjrec force-unlock``: inspecting, mending and moving the state."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from reconciler.cli.account_scope import one_account, per_account
from reconciler.cli.context import AppContext
from reconciler.errors import EXIT_OK, StateError, UsageError

if TYPE_CHECKING:
    from reconciler.adapters.state_store import StateStore
    from reconciler.kinds.contract import Describer
    from reconciler.models.state import SyncState


@click.group()
def state() -> None:
    """Inspect or edit the recorded sync state."""


@state.command("list")
@click.pass_obj
@per_account()
def state_list(obj: AppContext) -> int:
    """List every resource the state records."""
    recorded = obj.store().load()
    if recorded is None:
        obj.console.out("No state yet: nothing is managed. Run `cjrec apply`.")
        return EXIT_OK
    for _kind, described in _described():
        for address, _record, summary in described.entries(recorded):
            obj.console.out(f"{address}  {summary}")
    return EXIT_OK


@state.command("show")
@click.argument("address")
@click.pass_obj
@per_account()
def state_show(obj: AppContext, address: str) -> int:
    """Show one resource's record (JSON)."""
    recorded = obj.store().load()
    record = _record_at(recorded, address) if recorded is not None else None
    if record is None:
        raise UsageError(f"{address!r} is not in the state", hint="see `cjrec state list` for the addresses")
    from reconciler.safe_text import for_json

    obj.console.out(for_json(json.dumps({"address": address, **record}, indent=2, ensure_ascii=False)))
    return EXIT_OK


def _described() -> list[tuple[str, Describer]]:
    """Every kind that can list its records, with its description, in plan order."""
    from reconciler.kinds.registry import kinds

    return [(kind.name, kind.describe) for kind in kinds() if kind.describe is not None and kind.sections]


def _record_at(recorded: SyncState, address: str) -> dict[str, Any] | None:
    """The record at ``address`` as JSON-ready data, or None."""
    kind, _, _name = address.partition(".")
    for name, described in _described():
        if name == kind:
            return next((record for at, record, _summary in described.entries(recorded) if at == address), None)
    return None


@state.command("forget")
@click.argument("address")
@click.pass_obj
@one_account
def state_forget(obj: AppContext, address: str) -> int:
    """Stop tracking a resource without touching CJ (the next plan may adopt it again)."""
    from reconciler.adapters.clock import SystemClock
    from reconciler.cli.plan_commands import sigterm_as_interrupt

    store = obj.store()
    with sigterm_as_interrupt(), store.lock(operation="state forget", clock=SystemClock()):
        recorded = store.load()
        kind, _, _name = address.partition(".")
        known = dict(_described())
        if kind not in known:
            forms = ", ".join(form for k in _forms() for form in k)
            raise UsageError(f"{address!r} is not an address ({forms})")
        kept = known[kind].forget(recorded, address) if recorded is not None else None
        if recorded is None or kept is None:
            raise UsageError(f"{address!r} is not in the state", hint="see `cjrec state list` for the addresses")
        store.write(kept, previous=recorded)
    obj.console.success(f"Forgot {address}; CJ was not changed.")
    return EXIT_OK


def _counts(recorded: SyncState) -> str:
    """``3 products, 1 logo``: what the state records, kind by kind."""
    counts = [(kind, len(described.entries(recorded))) for kind, described in _described()]
    return ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in counts if n) or "nothing recorded"


def _forms() -> list[tuple[str, ...]]:
    from reconciler.kinds.registry import kinds

    return [kind.address_forms for kind in kinds() if kind.describe is not None and kind.sections]


@click.command("force-unlock")
@click.argument("lock_id")
@click.pass_obj
@one_account
def force_unlock(obj: AppContext, lock_id: str) -> int:
    """Break a stuck state lock (give the ID from the lock error)."""
    info = obj.store().force_unlock(lock_id)
    obj.console.success(f"Unlocked: the lock of {info.describe()} was removed.")
    return EXIT_OK


@state.command("push")
@click.argument("destination")
@click.option("--force", is_flag=True, help="Replace a state of another lineage, or a newer one, at DESTINATION.")
@click.pass_obj
@one_account
def state_push(obj: AppContext, destination: str, force: bool) -> int:
    """Copy the state (and the token cache) to DESTINATION: a folder or s3://BUCKET/PREFIX.

    The usual move to a bucket: `cjrec state push s3://BUCKET/PREFIX`, then set Settings
    `spec.state` (or CJREC_STATE_DIR) to it.
    """
    _copy_state(obj, source=obj.store(), target=_open(destination, "DESTINATION"), force=force)
    return EXIT_OK


@state.command("pull")
@click.argument("source", required=False)
@click.option("--to", "to", default="state", show_default=True, help="The folder (or s3:// prefix) to copy into.")
@click.option("--force", is_flag=True, help="Replace a state of another lineage, or a newer one, at --to.")
@click.pass_obj
@one_account
def state_pull(obj: AppContext, source: str | None, to: str, force: bool) -> int:
    """Copy the state (and the token cache) from SOURCE (default: the configured state location) into --to.

    E.g. back from a bucket to the repository: `cjrec state pull s3://BUCKET/PREFIX --to state`.
    """
    origin = _open(source, "SOURCE") if source else obj.store()
    _copy_state(obj, source=origin, target=_open(to, "--to"), force=force)
    return EXIT_OK


def _open(text: str, what: str) -> StateStore:
    from reconciler.adapters.clock import SystemClock
    from reconciler.cli.wiring import open_store
    from reconciler.models.state_location import LocationError, parse_location

    try:
        return open_store(parse_location(text), clock=SystemClock())
    except LocationError as exc:
        raise UsageError(f"{what}: {exc}", hint="give a folder or s3://BUCKET/PREFIX") from None


def _copy_state(obj: AppContext, *, source: StateStore, target: StateStore, force: bool) -> None:
    """Copy under both locks; refuse another lineage or a newer state at the target unless forced."""
    from reconciler.adapters.clock import SystemClock
    from reconciler.cli.plan_commands import sigterm_as_interrupt
    from reconciler.kinds.state_codec import content

    if source.where.rstrip("/") == target.where.rstrip("/"):
        raise UsageError(f"{source.where} is both the source and the destination")
    clock = SystemClock()
    with (
        sigterm_as_interrupt(),
        source.lock(operation="state push/pull", clock=clock),
        target.lock(operation="state push/pull", clock=clock),
    ):
        moving = source.load()
        if moving is None:
            raise StateError(f"no state at {source.display}: there is nothing to copy")
        present = target.load()
        if present is not None and not force:
            if present.lineage != moving.lineage:
                raise StateError(
                    f"{target.display} holds another state (lineage {present.lineage}, serial {present.serial}); "
                    f"{source.display} is lineage {moving.lineage}; nothing was copied",
                    hint="check both places; to replace it anyway, run again with --force",
                )
            if present.serial > moving.serial:
                raise StateError(
                    f"{target.display} is newer (serial {present.serial}) than {source.display} "
                    f"(serial {moving.serial}); nothing was copied",
                    hint="copy in the other direction, or run again with --force to replace it",
                )
        if present is not None and present.lineage == moving.lineage and content(present) == content(moving):
            obj.console.success(f"{target.display} already holds this state (serial {present.serial}).")
            return
        written = target.write(moving, previous=present)
        cache = source.token_cache().read()
        if cache is not None:
            target.token_cache().write(cache)
    obj.console.success(
        f"Copied the state ({_counts(written)}, lineage {written.lineage}) from {source.display} "
        f"to {target.display}{' with the token cache' if cache is not None else ''}."
    )
