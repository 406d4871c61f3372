"""``cjrec plan`` and ``cjrec apply``: observe CJ, plan, show, confirm, apply, report.

The click commands and their wiring. What they call: ``reconciler.observe`` reads CJ before
planning, the planner makes the plan, ``adapters/plan_file.py`` saves and reads plan files,
the applier carries a plan out, and ``render/apply_report.py`` words the report printed here.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.cli.account_scope import Selection, per_account
from reconciler.cli.context import AppContext
from reconciler.cli.heap import collector_paused
from reconciler.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, CjrecError, StateError, UsageError

if TYPE_CHECKING:
    from reconciler.adapters.logo_store import S3LogoStore
    from reconciler.cli.events import RunEvents
    from reconciler.cli.request_rate import RateChoice
    from reconciler.cli.wiring import Connection
    from reconciler.kinds.executing import ApplyResult
    from reconciler.kinds.store.platform import StoreClients
    from reconciler.models.desired import Desired
    from reconciler.models.plan import Plan
    from reconciler.models.state import SyncState


def parse_duration(_ctx: click.Context | None, _param: click.Parameter | None, value: str) -> float:
    """``90``, ``30s``, ``2m``, ``1h`` → seconds."""
    text = value.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        if text and text[-1] in units:
            return float(text[:-1]) * units[text[-1]]
        return float(text)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a duration (examples: 30s, 2m, 1h)") from None


def compute_plan(
    obj: AppContext,
    desired: Desired,
    state: SyncState | None,
    digest: str,
    *,
    mode: str,
    connection: Connection | None,
    refresh_budget: int | None = None,
    refresh_only: bool = False,
    events: RunEvents | None = None,
    events_only: bool = False,
) -> Plan:
    """Settle the rate, observe CJ (unless offline, :mod:`reconciler.observe`), and make the plan.

    ``events``: CJ's pending webhook messages, handed to the reads as hints; the ids of those
    acted on are added to ``events.settled`` (apply settles them once the state is written).

    ``refresh_budget`` is already resolved by :func:`~reconciler.observe.refresh.refresh_points`.
    The calls and points the plan reports include the rate check's (it may authenticate first).
    """
    from reconciler.adapters.clock import SystemClock
    from reconciler.cli.request_rate import offline_rate
    from reconciler.models.observed import Observed
    from reconciler.observe.refresh import refresh
    from reconciler.planner.planner import PlanRequest, make_plan

    clock = SystemClock()
    if connection is None:
        rate = offline_rate(desired.settings.qps)
        observed = Observed.offline()
    else:
        before_calls, before_points = connection.http.stats.calls, connection.http.stats.points_spent
        rate = settle_rate(obj, connection, desired)  # authenticates first if needed: counted with the plan's calls
        observed = refresh(
            connection.api,
            desired,
            state,
            mode=mode,
            qps=rate.qps,
            stop=connection.http.cancel,
            now=clock.now,
            refresh_budget=refresh_budget,
            refresh_only=refresh_only,
            events=events.hints() if events is not None else (),
            settled=events.settled if events is not None else None,
            events_only=events_only,
            stores=_store_clients(desired, connection),
        )
        observed = replace(
            observed,
            calls=connection.http.stats.calls - before_calls,
            points=connection.http.stats.points_spent - before_points,
        )
    request = PlanRequest(mode=mode, now=clock.now(), manifests_digest=digest, qps=rate.qps, refresh_only=refresh_only)
    with collector_paused():
        return make_plan(desired, state, observed, request)


def settle_rate(obj: AppContext, connection: Connection, desired: Desired) -> RateChoice:
    """The run's request rate (auto: the account's limit), warning when the Settings' qps is capped."""
    first = connection.rate is None
    rate = connection.settle_rate(desired.settings.qps)
    if first and rate.warning:
        obj.console.warning(rate.warning)
    return rate


def render(obj: AppContext, plan: Plan, fmt: str) -> str:
    """The plan in the requested format."""
    if fmt == "json":
        from reconciler.safe_text import for_json

        return for_json(json.dumps(plan.to_dict(), indent=2, ensure_ascii=False)) + "\n"
    if fmt == "markdown":
        from reconciler.render.markdown import render_markdown

        return render_markdown(plan)
    from reconciler.render.text import render_plan

    return render_plan(plan, style=obj.console.role_style)


# One --refresh-budget option for plan and apply, so their help and bounds cannot drift apart.
_REFRESH_BUDGET = click.option(
    "--refresh-budget",
    type=click.IntRange(min=10),
    default=None,
    metavar="POINTS",
    help="Refresh within POINTS (10 per product), least recently checked first; implies --refresh-details.",
)
# One --refresh-events option for plan and apply: the drift job `cjrec receive --dispatch` starts.
_REFRESH_EVENTS = click.option(
    "--refresh-events",
    is_flag=True,
    help="Re-read only the managed products CJ's pending webhook messages name (within the refresh budget); "
    "implies --refresh-details.",
)


@click.command()
@click.option(
    "--refresh-details", is_flag=True, help="Re-query every managed product (10 points each) and report drift."
)
@_REFRESH_BUDGET
@click.option(
    "--refresh-only", is_flag=True, help="Show what `apply --refresh-only` would record (implies --refresh-details)."
)
@click.option("--offline", is_flag=True, help="Make no API call at all: plan from the manifests and the state only.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), help="Save the plan (JSON) for `cjrec apply FILE`."
)
@click.option(
    "--out-markdown",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the plan in Markdown, ready for a pull-request comment; with --all/--accounts, "
    "one comment with a section per account.",
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 0 when there are no changes, 2 when there are, 1 on error."
)
@_REFRESH_EVENTS
@click.pass_obj
@per_account(paths=("out",), report="out_markdown")
def plan(
    obj: AppContext,
    refresh_details: bool,
    refresh_budget: int | None,
    refresh_events: bool,
    refresh_only: bool,
    offline: bool,
    fmt: str,
    out: Path | None,
    out_markdown: Path | None,
    detailed_exitcode: bool,
) -> int:
    """Show what apply would change, against the state and CJ's live API (of every account with --all)."""
    return run_plan(
        obj,
        refresh_details=refresh_details or refresh_events,
        refresh_budget=refresh_budget,
        refresh_events=refresh_events,
        refresh_only=refresh_only,
        offline=offline,
        fmt=fmt,
        out=out,
        out_markdown=out_markdown,
        detailed_exitcode=detailed_exitcode,
    )


def run_plan(
    obj: AppContext,
    *,
    refresh_details: bool,
    refresh_budget: int | None,
    refresh_only: bool,
    offline: bool,
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    refresh_events: bool = False,
    out_markdown: Path | None = None,
) -> int:
    """``cjrec plan`` for the account of ``obj``.

    ``out_markdown``: the Markdown plan is kept in ``obj.report`` for the many-account comment,
    and written to that file when this is a single account's run.
    """
    from reconciler.adapters.plan_file import save_plan
    from reconciler.observe.refresh import refresh_points

    refreshing = refresh_details or refresh_budget is not None or refresh_only
    if refreshing and offline:
        raise UsageError("--refresh-details, --refresh-budget and --refresh-only need CJ; --offline asks none")
    loaded = obj.load(need_secrets=not offline)
    desired = loaded.desired
    assert desired is not None
    with collector_paused():
        state = obj.store(desired).load()
    mode = "offline" if offline else ("refresh-details" if refreshing else "normal")
    connection = None if offline else obj.connect(desired)
    try:
        result = compute_plan(
            obj,
            desired,
            state,
            loaded.digest,
            mode=mode,
            connection=connection,
            refresh_budget=refresh_points(desired, refresh_budget),
            refresh_only=refresh_only,
            events=None if offline else _run_events(obj, desired),
            events_only=refresh_events,
        )
    finally:
        if connection is not None:
            connection.close()
    shown = render(obj, result, fmt)
    click.echo(shown, nl=False, color=obj.console.color)
    obj.outcome = _summary(result)
    if fmt == "markdown" or out_markdown is not None:
        obj.report = shown if fmt == "markdown" else render(obj, result, "markdown")
        if out_markdown is not None and obj.options.account is None:
            from reconciler.adapters.atomic_file import write_atomic

            write_atomic(out_markdown, obj.report.encode("utf-8"), mode=0o644, keep_backup=False)
    if out is not None:
        save_plan(out, result)
        if fmt == "text":
            obj.console.note(f"plan saved to {out}; apply exactly this plan with `cjrec apply {out}`")
    return EXIT_CHANGES if detailed_exitcode and result.has_changes else EXIT_OK


def _summary(plan: Plan) -> str:
    counts = {action: count for action, count in plan.counts().items() if count}
    if not counts:
        return "no changes"
    return ", ".join(f"{count} to {action}" for action, count in counts.items())


def check_fresh(plan: Plan, state: SyncState | None, digest: str, path: Path) -> None:
    """Refuse a saved plan once the state or the manifests moved on since it was made."""
    stale = None
    if plan.lineage is None and state is not None:
        stale = "it was made when no state existed, and state has been written since"
    elif plan.lineage is not None and state is None:
        stale = "it was made against a state that no longer exists"
    elif plan.lineage is not None and state is not None and plan.lineage != state.lineage:
        stale = f"it was made against another state (lineage {plan.lineage}, now {state.lineage})"
    elif plan.serial is not None and state is not None and plan.serial != state.serial:
        stale = f"the state moved on since (serial {plan.serial} then, {state.serial} now)"
    elif plan.manifests_digest != digest:
        stale = "the manifests changed since"
    if stale:
        raise StateError(
            f"Saved plan {path} is stale: {stale}", hint="run `cjrec plan --out FILE` again and apply that"
        )
    if plan.mode == "offline":
        raise StateError(
            f"Saved plan {path} was made with --offline and cannot be applied",
            hint="run `cjrec plan --out FILE` online",
        )


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM (a cancelled CI job) like Ctrl-C while applying."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _check_many_apply(selection: Selection, args: dict[str, object]) -> None:
    """apply --all/--accounts asks no questions: the accounts run at once."""
    if selection.given and not args["auto_approve"]:
        raise UsageError(
            "apply --all/--accounts asks no questions: the accounts run at once",
            hint="review `cjrec plan --all` first, then run again with --auto-approve",
        )


@click.command()
@click.argument("plan_file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--auto-approve", is_flag=True, help="Apply without asking (CI).")
@click.option(
    "--allow-mass-forget", is_flag=True, help="Allow forgetting all, or more than half, of the managed products."
)
@click.option("--refresh-details", is_flag=True, help="Plan with fresh details of every managed product first.")
@click.option(
    "--refresh-only",
    is_flag=True,
    help="Record what CJ says (costs, variants, check times) and change nothing at CJ (the daily drift job).",
)
@_REFRESH_BUDGET
@_REFRESH_EVENTS
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="With --refresh-only: exit 2 when the refresh found material drift (Settings `drift`), 0 when not.",
)
@click.option(
    "--lock-timeout", default="0s", callback=parse_duration, help="Wait this long for the state lock (e.g. 2m)."
)
@click.pass_obj
@per_account(paths=("plan_file",), check=_check_many_apply)
def apply(
    obj: AppContext,
    plan_file: Path | None,
    auto_approve: bool,
    allow_mass_forget: bool,
    refresh_details: bool,
    refresh_only: bool,
    refresh_budget: int | None,
    refresh_events: bool,
    detailed_exitcode: bool,
    lock_timeout: float,
) -> int:
    """Make CJ match the manifests (or apply exactly a saved PLAN_FILE); every account's with --all.

    With --refresh-only, only record what CJ says of the managed products (Terraform's
    `apply -refresh-only`): nothing is added or set at CJ, prices and selections are not
    recomputed (the next apply does that, as `~ update` with old -> new prices).
    """
    return run_apply(
        obj,
        plan_file=plan_file,
        auto_approve=auto_approve,
        allow_mass_forget=allow_mass_forget,
        refresh_details=refresh_details or refresh_events,
        refresh_only=refresh_only,
        refresh_budget=refresh_budget,
        refresh_events=refresh_events,
        detailed_exitcode=detailed_exitcode,
        lock_timeout=lock_timeout,
    )


def run_apply(
    obj: AppContext,
    *,
    plan_file: Path | None,
    auto_approve: bool,
    allow_mass_forget: bool,
    refresh_details: bool,
    refresh_only: bool,
    refresh_budget: int | None,
    detailed_exitcode: bool,
    lock_timeout: float,
    refresh_events: bool = False,
) -> int:
    """``cjrec apply`` for the account of ``obj``."""
    from reconciler.adapters.clock import SystemClock
    from reconciler.adapters.plan_file import load_saved_plan
    from reconciler.applier.applier import Applier
    from reconciler.applier.checkpoints import BackgroundCheckpoints
    from reconciler.cli.progress import ProgressHooks
    from reconciler.observe.refresh import refresh_points
    from reconciler.render.text import render_plan

    refreshing = refresh_details or refresh_only or refresh_budget is not None
    _check_apply_options(
        saved=plan_file is not None,
        refreshing=refreshing,
        detailed_exitcode=detailed_exitcode,
        refresh_only=refresh_only,
    )
    loaded = obj.load(need_secrets=True)
    desired = loaded.desired
    assert desired is not None
    store = obj.store(desired)
    events = None if plan_file is not None else _run_events(obj, desired)  # a saved plan settles no message
    # SIGTERM (a cancelled CI job) unwinds like Ctrl-C from here on, so a lock in a bucket is released too
    with sigterm_as_interrupt(), store.lock(operation="apply", clock=SystemClock(), timeout_s=lock_timeout):
        with collector_paused():
            state = store.load()
        connection = obj.connect(desired)
        try:
            if plan_file is not None:
                the_plan = load_saved_plan(plan_file)
                check_fresh(the_plan, state, loaded.digest, plan_file)
            else:
                mode = "refresh-details" if refreshing else "normal"
                the_plan = compute_plan(
                    obj,
                    desired,
                    state,
                    loaded.digest,
                    mode=mode,
                    connection=connection,
                    refresh_budget=refresh_points(desired, refresh_budget),
                    refresh_only=refresh_only,
                    events=events,
                    events_only=refresh_events,
                )
            click.echo(render_plan(the_plan, style=obj.console.role_style), nl=False, color=obj.console.color)
            drifted = EXIT_CHANGES if detailed_exitcode and the_plan.material_drift else EXIT_OK
            obj.outcome = _summary(the_plan)
            if not the_plan.changes:  # check-only updates too: points spent leave their check time
                obj.console.success("Apply complete: nothing to do.")
                _settle(obj, events)  # the messages' products were re-read and nothing needs recording
                return _material(obj, the_plan, drifted)
            if the_plan.is_mass_forget and not allow_mass_forget:
                raise CjrecError(
                    f"refusing to forget {the_plan.forgotten_products()} of {the_plan.managed_before} managed products",
                    hint="if the manifests really lost these products, run again with --allow-mass-forget",
                )
            if not auto_approve and not _confirmed(obj):
                return EXIT_ERROR
            hooks = ProgressHooks()
            started = time.monotonic()
            with BackgroundCheckpoints(store, stop=connection.http.cancel, written=state) as writer:
                applier = Applier(
                    client=connection.api,
                    store=writer,
                    uploader=_logo_store(desired),
                    qps=settle_rate(obj, connection, desired).qps,
                    hooks=hooks,
                    stop=connection.http.cancel,
                    settings=desired.settings,
                    stores=_store_clients(desired, connection),
                    saved_plan=plan_file is not None,
                )
                result = applier.apply(the_plan, state or store.new_state())
            elapsed = time.monotonic() - started
            hooks.close()
        finally:
            connection.close()
    code = _report(obj, result, connection, elapsed, writer.error)
    if code == EXIT_OK and writer.error is None:
        _settle(obj, events)  # only now is the state recording what the messages led to written
    return _material(obj, the_plan, drifted) if code == EXIT_OK else code


def _check_apply_options(*, saved: bool, refreshing: bool, detailed_exitcode: bool, refresh_only: bool) -> None:
    """Refuse the combinations of apply's options that mean nothing."""
    if saved and refreshing:
        raise UsageError(
            "--refresh-details, --refresh-only and --refresh-budget apply only when apply makes its own plan"
        )
    if detailed_exitcode and not refresh_only:
        raise UsageError(
            "apply --detailed-exitcode goes with --refresh-only (exit 2 on material drift)",
            hint="for changes, use `cjrec plan --detailed-exitcode`",
        )


def _run_events(obj: AppContext, desired: Desired) -> RunEvents:
    """CJ's pending webhook messages in the state's event log (none for a state without one)."""
    from reconciler.cli.events import RunEvents
    from reconciler.cli.wiring import state_location

    return RunEvents.load(state_location(obj.options, desired))


def _settle(obj: AppContext, events: RunEvents | None) -> None:
    from reconciler.adapters.clock import SystemClock

    if events is None:
        return
    done = events.settle(SystemClock().now())
    if done:
        obj.console.note(f"{done} webhook message(s) from CJ acted on and settled.")


def _material(obj: AppContext, plan: Plan, code: int) -> int:
    """Exit 2 (with --detailed-exitcode) when the refresh found material drift, saying so."""
    if code == EXIT_CHANGES:
        obj.console.warning(
            f"Material drift in {len(plan.material_drift)} place(s) (see above); it is recorded. "
            "Review with `cjrec plan`, then `cjrec apply` to reprice, or change the manifests."
        )
    return code


def _store_clients(desired: Desired, connection: Connection) -> StoreClients:
    """The clients of the declared Stores (requests to Shopify are built only when there is one)."""
    from reconciler.cli.wiring import store_clients

    return store_clients(desired, cancel=connection.http.cancel, cj_tokens=connection.tokens.store)


def _logo_store(desired: Desired) -> S3LogoStore | None:
    """The uploader for Settings ``spec.logoStore`` (boto3 is imported only when there is one)."""
    if desired.settings.logo_store is None:
        return None
    from reconciler.adapters.clock import SystemClock
    from reconciler.adapters.logo_store import S3LogoStore

    return S3LogoStore(clock=SystemClock())


def _confirmed(obj: AppContext) -> bool:
    if not sys.stdin.isatty():
        raise UsageError(
            "refusing to apply without confirmation: standard input is not a terminal",
            hint="review the plan above, then run again with --auto-approve (as CI does)",
        )
    answer = click.prompt("Apply these changes? Only 'yes' is accepted", default="", show_default=False)
    if answer.strip() != "yes":
        obj.console.out("Apply cancelled; nothing was changed.")
        return False
    return True


def _report(
    obj: AppContext, result: ApplyResult, connection: Connection, elapsed: float, write_error: CjrecError | None
) -> int:
    """Print the apply report (``render/apply_report.py``) and return its exit code."""
    from reconciler.render.apply_report import apply_report

    report = apply_report(result, counts=connection.http.stats, elapsed=elapsed, write_error=write_error)
    obj.outcome = next((line.text for line in report.lines if line.text.startswith("Apply")), obj.outcome)
    for line in report.lines:
        if line.role == "error":
            obj.console.error(CjrecError(line.text, hint=line.hint))
        elif line.role == "warning":
            obj.console.warning(line.text)
        elif line.role == "note":
            obj.console.note(line.text)
        else:
            obj.console.success(line.text)
    return report.exit_code
