"""``cjrec receive``: serve CJ's webhook messages into the state backend's event log.

Runs in a configuration repository like the other commands (``--manifests``, ``--state-dir``,
the sops key): the openId that signs CJ's messages comes from the encrypted token cache (a
run of ``cjrec token refresh`` or any online command puts it there), the path token from
``CJREC_RECEIVER_TOKEN``. Neither is ever printed.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING

import click

from reconciler.cli.account_scope import one_account
from reconciler.cli.context import AppContext
from reconciler.errors import EXIT_ERROR, EXIT_OK, StateError, UsageError
from reconciler.models.secret import Secret

if TYPE_CHECKING:
    from reconciler.models.desired import Desired

TOKEN_VARIABLE = "CJREC_RECEIVER_TOKEN"  # noqa: S105 - the name of the variable, not its value
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{24,128}$")


def receiver_token(value: str | None) -> Secret:
    """The path token from the environment; UsageError when it is missing or guessable."""
    if value is None or not value.strip():
        raise UsageError(
            f"{TOKEN_VARIABLE} is not set: the receiver answers only POST /cj/<token>",
            hint=f'make one with `python -c "import secrets; print(secrets.token_urlsafe(32))"` and export {TOKEN_VARIABLE}',
        )
    if not _TOKEN.match(value.strip()):
        raise UsageError(
            f"{TOKEN_VARIABLE} must be 24 to 128 letters, digits, '-' or '_' (an unguessable URL path part)",
            hint='make one with `python -c "import secrets; print(secrets.token_urlsafe(32))"`',
        )
    return Secret(value.strip())


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
@click.pass_obj
@one_account
def receive(obj: AppContext, host: str, port: int, check: bool) -> int:
    """Receive CJ's webhook messages (POST /cj/$CJREC_RECEIVER_TOKEN) into the state's events/ log."""
    from reconciler.adapters.clock import SystemClock
    from reconciler.cli.events import open_event_log
    from reconciler.cli.wiring import state_location

    token = receiver_token(os.environ.get(TOKEN_VARIABLE))
    desired = obj.desired()
    open_id, how = _open_id(obj, desired)
    location = state_location(obj.options, desired)
    events = open_event_log(location)
    if check:
        obj.store(desired).load()  # a state that cannot be read stops here with its own message
        pending = len(events.pending())
        obj.console.out(f"state: {obj.store(desired).display} readable")
        obj.console.out(f"events: {events.display}, {pending} pending")
        obj.console.out(f"path token: set ({TOKEN_VARIABLE})")
        obj.console.out(f"openId: {how}")
        if open_id is None:
            obj.console.warning("run `cjrec token refresh` once so the token cache holds the openId")
            return EXIT_ERROR
        obj.console.success("The receiver can start.")
        return EXIT_OK
    if open_id is None:
        raise StateError(f"{how}: CJ's signatures cannot be checked", hint="run `cjrec token refresh` once, then again")
    from reconciler.receiver.app import ReceiverApp
    from reconciler.receiver.server import make_server

    app = ReceiverApp(token=token, open_id=open_id, events=events, clock=SystemClock())
    server = make_server(app, host=host, port=port)
    click.echo(f"cjrec receive: listening on http://{host}:{port}/cj/<{TOKEN_VARIABLE}>, events in {events.display}")
    sys.stdout.flush()
    server.run()
    return EXIT_OK
