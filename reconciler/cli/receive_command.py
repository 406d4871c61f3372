"""``cjrec receive``: serve CJ's webhook messages into the state backend's event log.

Runs in a configuration repository like the other commands (``--manifests``, ``--state-dir``,
the sops key): the openId that signs CJ's messages comes from the encrypted token cache (a
run of ``cjrec token refresh`` or any online command puts it there), the path token from
``CJREC_RECEIVER_TOKEN`` or, when that is not set, the sops-encrypted Settings field
``receiverToken`` (the variable wins). Neither is ever printed. With ``--dispatch github|gitlab`` it also
starts the repository's drift job after messages arrive (``reconciler/receiver/dispatch.py``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from reconciler.cli.account_scope import one_account
from reconciler.cli.context import AppContext
from reconciler.errors import EXIT_ERROR, EXIT_OK, StateError, UsageError
from reconciler.models.receiver_url import MAKE_ONE, token_problem
from reconciler.models.secret import Secret

if TYPE_CHECKING:
    from reconciler.models.desired import Desired, Settings

TOKEN_VARIABLE = "CJREC_RECEIVER_TOKEN"  # noqa: S105 - the name of the variable, not its value


@dataclass(frozen=True)
class PathToken:
    """The receiver's path token and where it came from (for --check; never the value)."""

    token: Secret
    origin: str
    note: str | None = None  # a warning for --check


def receiver_token(value: str | None, *, settings: Settings | None = None) -> PathToken:
    """The path token: ``CJREC_RECEIVER_TOKEN`` when set (it wins), else Settings ``receiverToken``;
    UsageError when neither is there or it is guessable."""
    declared = settings.receiver_token_source if settings is not None else None
    from_settings = settings.receiver_token if settings is not None else None
    if value is not None and value.strip():
        problem = token_problem(value.strip())
        if problem is not None:
            raise UsageError(f"{TOKEN_VARIABLE}: {problem}", hint=f"make one with `{MAKE_ONE}`")
        token = Secret(value.strip())
        note = None
        if from_settings is not None and from_settings != token:
            note = (
                f"{TOKEN_VARIABLE} differs from Settings receiverToken ({declared}): the receiver uses the variable, "
                "a Webhooks `url: {receiver: …}` the Settings field, so CJ would post to a path this receiver refuses"
            )
        return PathToken(token, TOKEN_VARIABLE, note)
    if from_settings is not None:
        return PathToken(from_settings, f"Settings receiverToken, {declared}")
    if declared is not None:
        raise UsageError(
            f"the receiverToken at {declared} could not be decrypted: no sops key opened its file",
            hint="make the age key available (SOPS_AGE_KEY or SOPS_AGE_KEY_FILE), or set " + TOKEN_VARIABLE,
        )
    raise UsageError(
        f"no receiver token: set {TOKEN_VARIABLE} or Settings receiverToken (sops-encrypted); "
        "the receiver answers only POST /cj/<token>",
        hint=f"make one with `{MAKE_ONE}`",
    )


def _open_id(obj: AppContext, desired: Desired) -> tuple[Secret | None, str]:
    """The account's openId from the token cache, or None with the reason."""
    from reconciler.adapters.token_store import TokenStore

    cache = obj.store(desired).token_cache()
    cached = TokenStore(cache, obj.options.sops()).load()
    if cached is None or cached.pair is None or not cached.pair.open_id:
        return None, f"the token cache {cache.display} holds no openId"
    return Secret(cached.pair.open_id), f"openId known (token cache {cache.display})"


@click.command("receive")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (behind a TLS proxy).")
@click.option("--port", default=8787, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--check", is_flag=True, help="Only report whether the receiver can start: token, openId, event log.")
@click.option(
    "--dispatch",
    type=click.Choice(["github", "gitlab"]),
    default=None,
    help="After messages arrive, start the repository's drift job: GitHub repository_dispatch (cjrec-events) "
    "or a GitLab pipeline trigger; token and repository from the environment (README, 'Start the drift job').",
)
@click.option(
    "--dispatch-interval",
    type=click.IntRange(min=1),
    default=300,
    show_default=True,
    metavar="SECONDS",
    help="Start the drift job at most once every SECONDS (a failed start is tried again after as long).",
)
@click.pass_obj
@one_account
def receive(obj: AppContext, host: str, port: int, check: bool, dispatch: str | None, dispatch_interval: int) -> int:
    """Receive CJ's webhook messages (POST /cj/$CJREC_RECEIVER_TOKEN) into the state's events/ log."""
    from reconciler.adapters.clock import SystemClock
    from reconciler.adapters.pipeline_trigger import trigger_from_environment
    from reconciler.cli.events import open_event_log
    from reconciler.cli.wiring import state_location

    desired = obj.desired()
    path_token = receiver_token(os.environ.get(TOKEN_VARIABLE), settings=desired.settings)
    trigger = None if dispatch is None else trigger_from_environment(dispatch, os.environ)
    open_id, how = _open_id(obj, desired)
    location = state_location(obj.options, desired)
    events = open_event_log(location)
    if check:
        obj.store(desired).load()  # a state that cannot be read stops here with its own message
        pending = len(events.pending())
        obj.console.out(f"state: {obj.store(desired).display} readable")
        obj.console.out(f"events: {events.display}, {pending} pending")
        obj.console.out(f"path token: set ({path_token.origin})")
        if path_token.note is not None:
            obj.console.warning(path_token.note)
        obj.console.out(f"openId: {how}")
        if trigger is not None:
            obj.console.out(
                f"dispatch: {trigger.display}, at most once every {dispatch_interval} s (not called by --check)"
            )
        if open_id is None:
            obj.console.warning("run `cjrec token refresh` once so the token cache holds the openId")
            return EXIT_ERROR
        obj.console.success("The receiver can start.")
        return EXIT_OK
    if open_id is None:
        raise StateError(f"{how}: CJ's signatures cannot be checked", hint="run `cjrec token refresh` once, then again")
    from reconciler.receiver.app import ReceiverApp
    from reconciler.receiver.dispatch import ACTED_ON, Dispatcher, DispatchLoop
    from reconciler.receiver.server import make_server

    clock = SystemClock()
    dispatcher = None
    if trigger is not None:
        dispatcher = Dispatcher(trigger=trigger, clock=clock, interval_s=dispatch_interval)
        dispatcher.noted(sum(1 for message in events.pending() if message.type in ACTED_ON))  # a restart loses no start
        _log_to_stderr("cjrec.receiver.dispatch")
    app = ReceiverApp(token=path_token.token, open_id=open_id, events=events, clock=clock, dispatcher=dispatcher)
    server = make_server(app, host=host, port=port)
    click.echo(f"cjrec receive: listening on http://{host}:{port}/cj/<token>, events in {events.display}")
    if trigger is not None:
        click.echo(f"cjrec receive: starts the drift job of {trigger.display} at most once every {dispatch_interval} s")
    sys.stdout.flush()
    with contextlib.ExitStack() as running:
        if dispatcher is not None:
            running.enter_context(DispatchLoop(dispatcher))
        server.run()
    return EXIT_OK


def _log_to_stderr(name: str) -> None:
    """Show the logger's INFO lines (a dispatch started, a dispatch failed) on stderr, with the time."""
    import logging

    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s cjrec receive: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
