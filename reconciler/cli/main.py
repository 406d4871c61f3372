"""The ``cjrec`` command: options, subcommands and the one place errors become exit codes."""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler import __version__
from reconciler.cli.account_scope import not_scoped_message, one_account, per_account
from reconciler.cli.console import Console, colour_wanted
from reconciler.cli.context import AppContext
from reconciler.cli.run_options import RunOptions
from reconciler.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, CjrecError, UsageError

if TYPE_CHECKING:
    from reconciler.models.desired import Desired

DEFAULT_API_URL = "https://developers.cjdropshipping.com/api2.0/v1"
DEFAULT_STATE = "./state"


class _CommandList(click.Group):
    """cjrec's root group: its help lists every command once, generated from the commands themselves.

    Each line is the command's first help paragraph in full (click would cut it), then the
    subcommands of a group and the choices of a ``--format`` option, so the list cannot go stale.
    """

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (name, command_summary(ctx, command))
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def command_summary(ctx: click.Context, command: click.Command) -> str:
    """The command's first help paragraph on one line, plus its subcommands or formats."""
    first = " ".join((command.help or "").split("\n\n", 1)[0].split())
    extra = []
    if isinstance(command, click.Group):
        extra.append("subcommands: " + ", ".join(command.list_commands(ctx)))
    for param in command.params:
        if isinstance(param, click.Option) and param.name == "fmt" and isinstance(param.type, click.Choice):
            extra.append("formats: " + ", ".join(str(choice) for choice in param.type.choices))
    return first + "".join(f" ({part})" for part in extra)


@click.group(cls=_CommandList, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="cjrec", message="%(prog)s %(version)s")
@click.option(
    "-C",
    "directory",
    default=None,
    metavar="DIR",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="Run as if cjrec was started in DIR (like git -C and make -C); every other path is relative to it.",
)
@click.option(
    "--manifests",
    envvar="CJREC_MANIFESTS",
    default="./manifests",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Manifests directory (or one file). Env: CJREC_MANIFESTS.",
)
@click.option(
    "--state-dir",
    envvar="CJREC_STATE_DIR",
    default=DEFAULT_STATE,
    show_default=True,
    help="Where the state lives: a folder, or s3://BUCKET/PREFIX (S3-compatible storage, AWS_* environment). "
    "Env: CJREC_STATE_DIR. Default: Settings spec.state, else ./state.",
)
@click.option(
    "--api-url",
    envvar="CJREC_API_URL",
    default=DEFAULT_API_URL,
    show_default=True,
    help="CJ API base URL. Env: CJREC_API_URL.",
)
@click.option(
    "--sops",
    "sops_binary",
    envvar="CJREC_SOPS",
    default=None,
    help="Path of the sops binary (default: sops on PATH, else beside this Python). Env: CJREC_SOPS.",
)
@click.option("--no-color", is_flag=True, help="No colour (also: NO_COLOR set to a non-empty value).")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.pass_context
def cli(
    ctx: click.Context,
    directory: Path | None,
    manifests: Path,
    state_dir: str,
    api_url: str,
    sops_binary: str | None,
    no_color: bool,
    debug: bool,
) -> None:
    """cjrec keeps a CJ Dropshipping account in line with YAML manifests in git."""
    if directory is not None:
        _change_directory(directory)
    if debug:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
        logging.getLogger("urllib3").setLevel(logging.INFO)
    options = RunOptions(
        manifests=manifests,
        state_location=state_dir,
        state_explicit=ctx.get_parameter_source("state_dir")
        not in (click.core.ParameterSource.DEFAULT, click.core.ParameterSource.DEFAULT_MAP, None),
        api_url=api_url,
        sops_binary=sops_binary,
        debug=debug,
        color=colour_wanted(sys.stdout, no_color_flag=no_color),
    )
    ctx.obj = AppContext(options)


def _change_directory(directory: Path) -> None:
    """``-C DIR``: every relative path after this (manifests, state, .sops.yaml, git) is from DIR."""
    try:
        os.chdir(directory)
    except OSError as exc:
        raise UsageError(f"-C {directory}: {exc.strerror or exc}", hint="give a folder that exists") from None


@cli.command()
@click.pass_obj
@per_account()
def validate(obj: AppContext) -> int:
    """Check the manifests: structure, URLs, logos and (with a sops key) the secrets."""
    from reconciler.kinds.logo.model import logos
    from reconciler.kinds.product.model import products

    desired = obj.load(need_secrets=False).desired
    assert desired is not None  # load raises otherwise
    _check_token_cache_rule(obj, desired)
    obj.console.success(
        f"Valid: {len(desired.files)} files, {len(products(desired))} products, {len(logos(desired))} logos"
        f" (qps {'auto' if desired.settings.qps is None else format(desired.settings.qps, 'g')},"
        f" points budget {desired.settings.points_budget})."
    )
    obj.outcome = "valid"
    return EXIT_OK


def _check_token_cache_rule(obj: AppContext, desired: Desired) -> None:
    """Warn now, not at the first online run, when the .sops.yaml rule for the token cache would be refused."""
    from reconciler.adapters.sops_rules import encrypt_all
    from reconciler.adapters.token_store import CACHE_NAME
    from reconciler.cli.wiring import state_location
    from reconciler.errors import SecretsError
    from reconciler.models.state_location import LocalLocation

    location = state_location(obj.options, desired)
    # a cache in a bucket is encrypted under the rule for state/token.sops.json, as a local one would be
    state_dir = (location.path if isinstance(location, LocalLocation) else Path("state")).resolve()
    try:
        encrypt_all(state_dir, state_dir / CACHE_NAME)
    except SecretsError as exc:
        obj.console.warning(f"{exc.message.replace('; nothing was written', '')}. {exc.hint or ''}".strip())


@cli.group()
def token() -> None:
    """The cached CJ access token: status and refresh."""


@token.command("status")
@click.pass_obj
@per_account()
def token_status(obj: AppContext) -> None:
    """Show which token would be used, where it comes from, and when each expires (never the token)."""
    from reconciler.cli.token_view import render_status

    with obj.connect(obj.desired()) as connection:
        obj.console.out(render_status(connection.tokens.status(), now=connection.tokens.clock.now()))


@token.command("refresh")
@click.pass_obj
@per_account()
def token_refresh(obj: AppContext) -> None:
    """Refresh the access token now (authenticating with the API key if no refresh token is usable)."""
    from reconciler.cli.token_view import render_status

    with obj.connect(obj.desired()) as connection:
        connection.tokens.force_refresh()
    obj.console.success(f"New access token from {connection.tokens.calls[-1] if connection.tokens.calls else 'CJ'}.")
    obj.console.out(render_status(connection.tokens.status(), now=connection.tokens.clock.now()))


@cli.command()
@click.pass_obj
@one_account
def logout(obj: AppContext) -> None:
    """Revoke the tokens at CJ and clear the token cache."""
    with obj.connect(obj.desired()) as connection:
        revoked = connection.tokens.logout()
    obj.console.success(
        "Logged out: tokens revoked at CJ and the cache cleared." if revoked else "No live token; the cache is cleared."
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback only by default).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option(
    "--qps", default=1.0, show_default=True, type=click.FloatRange(min=0, min_open=True), help="Account QPS limit."
)
@click.option(
    "--latency-ms", default=0.0, show_default=True, type=click.FloatRange(min=0), help="Added latency per call."
)
@click.option("--products", default=500, show_default=True, type=click.IntRange(3, 1_000_000), help="Catalog size.")
@click.option("--seed", default=1, show_default=True, type=int, help="Catalog and fault seed.")
@click.option("--api-key", default=None, help="The API key the sandbox accepts (default: the demo key it prints).")
@click.option("--email", default=None, help="The account email setting/get reports.")
@click.option(
    "--sourcing-per-day",
    default=5,
    show_default=True,
    type=click.IntRange(0, 10_000),
    help="Sourcing requests accepted per UTC day (answer them through the admin URL).",
)
@click.option(
    "--hostile",
    is_flag=True,
    help="Fill product names, SKUs, variant keys, image URLs and error messages with hostile text "
    "(Markdown, escape sequences, formulas, javascript: URLs), to check what cjrec prints.",
)
def sandbox(
    host: str,
    port: int,
    qps: float,
    latency_ms: float,
    products: int,
    seed: int,
    api_key: str | None,
    email: str | None,
    sourcing_per_day: int,
    hostile: bool,
) -> None:
    """Run a local CJ API (same endpoints, limits and failure modes) until interrupted."""
    import dataclasses

    from reconciler.sandbox import Sandbox, SandboxConfig
    from reconciler.sandbox.woocommerce.api import DEFAULT_KEY as WOO_DEMO_KEY
    from reconciler.sandbox.woocommerce.api import DEFAULT_SECRET as WOO_DEMO_SECRET

    config = SandboxConfig(
        host=host,
        port=port,
        qps=qps,
        latency_ms=latency_ms,
        products=products,
        seed=seed,
        sourcing_per_day=sourcing_per_day,
        hostile=hostile,
    )
    if api_key:
        config = dataclasses.replace(config, api_key=api_key)
    if email:
        config = dataclasses.replace(config, email=email)
    server = Sandbox(config)
    server.start()
    click.echo(
        f"CJ sandbox listening at {server.base_url}",
    )
    click.echo(f"  export CJREC_API_URL={server.base_url}")
    click.echo(f"  demo API key: {config.api_key}   account email: {config.email}")
    click.echo(
        f"  WooCommerce stand-in: url {server.woocommerce_url}   demo REST API key {WOO_DEMO_KEY} / {WOO_DEMO_SECRET}"
    )
    click.echo(
        f"  admin: {server.admin_url}   (Ctrl-C to stop)",
    )
    sys.stdout.flush()
    try:
        server.serve_forever()
    finally:
        server.stop()


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json", show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write it to this file (e.g. schema/cjrec-v1.json, which the manifests' modelines point at) instead.",
)
def schema(fmt: str, out: Path | None) -> None:
    """Print the JSON Schema of cjrec/v1 manifest documents (or the Markdown reference made from it)."""
    if fmt == "markdown":
        from reconciler.manifest.reference import markdown_reference

        text = markdown_reference()
    else:
        from reconciler.manifest.documents import json_schema

        text = json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    from reconciler.adapters.atomic_file import write_atomic

    try:
        write_atomic(out, text.encode(), mode=0o644, keep_backup=False)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}", hint="check the path and its folder") from None
    click.echo(f"wrote {out}")


def _register() -> None:
    from reconciler.cli.accounts import accounts
    from reconciler.cli.catalog_commands import export, import_command
    from reconciler.cli.events import state_events
    from reconciler.cli.init_command import init
    from reconciler.cli.plan_commands import apply, plan
    from reconciler.cli.receive_command import receive
    from reconciler.cli.state_commands import force_unlock, state

    for command in (init, plan, apply, state, force_unlock, import_command, export, receive, accounts):
        cli.add_command(command)
    state.add_command(state_events)


_register()


def run(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map every outcome to cjrec's exit codes (0, 1, 2, 130)."""
    sys.exit(main(argv))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code instead of exiting."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        result = cli.main(args=args, prog_name="cjrec", standalone_mode=False)
        return result if isinstance(result, int) else EXIT_OK
    except click.exceptions.Abort:
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except click.exceptions.Exit as exc:
        return EXIT_OK if exc.exit_code == 0 else EXIT_ERROR
    except click.ClickException as exc:
        scoped = not_scoped_message(exc) if isinstance(exc, click.NoSuchOption) else None
        Console(color=colour_wanted(sys.stderr, no_color_flag="--no-color" in args)).error(
            scoped or UsageError(exc.format_message(), hint="see `cjrec --help`")
        )
        return EXIT_ERROR
    except CjrecError as exc:
        if debug:
            traceback.print_exc()
        Console(color=colour_wanted(sys.stderr, no_color_flag="--no-color" in args)).error(exc)
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one message, no traceback
        if debug:
            traceback.print_exc()
        Console(color=False).error(
            CjrecError(f"internal error: {type(exc).__name__}", hint="run again with --debug and report the traceback")
        )
        return EXIT_ERROR
