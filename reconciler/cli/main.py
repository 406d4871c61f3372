"""The ``cjrec`` command: options, subcommands and the one place errors become exit codes."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import click

from reconciler import __version__
from reconciler.cli.console import Console, colour_wanted
from reconciler.cli.wiring import Settings, load_configuration
from reconciler.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, CjrecError, ManifestError, UsageError

DEFAULT_API_URL = "https://developers.cjdropshipping.com/api2.0/v1"


class _Context:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.console = Console(color=settings.color)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="cjrec", message="%(prog)s %(version)s")
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
    default="./state",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Sync state directory. Env: CJREC_STATE_DIR.",
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
@click.option("--no-color", is_flag=True, help="No colour (also: NO_COLOR set to anything).")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.pass_context
def cli(
    ctx: click.Context,
    manifests: Path,
    state_dir: Path,
    api_url: str,
    sops_binary: str | None,
    no_color: bool,
    debug: bool,
) -> None:
    """cjrec keeps a CJ Dropshipping account in line with YAML manifests in git.

    \b
    validate   check the manifests (offline)
    schema     print the JSON Schema of the manifest documents
    """
    settings = Settings(
        manifests=manifests,
        state_dir=state_dir,
        api_url=api_url,
        sops_binary=sops_binary,
        debug=debug,
        color=colour_wanted(sys.stdout, no_color_flag=no_color),
    )
    ctx.obj = _Context(settings)


@cli.command()
@click.pass_obj
def validate(obj: _Context) -> None:
    """Check the manifests: structure, URLs, logos and (with a sops key) the secrets."""
    from reconciler.adapters.sops import Sops

    settings = obj.settings
    result = load_configuration(
        manifests=settings.manifests,
        sops=Sops(binary=settings.sops_binary) if settings.sops_binary else Sops(),
        need_secrets=False,
    )
    for warning in result.warnings:
        obj.console.warning(str(warning))
    if result.desired is None:
        raise ManifestError(result.diagnostics, hint="fix the lines above, then run `cjrec validate` again")
    for note in result.notes:
        obj.console.note(note)
    desired = result.desired
    obj.console.success(
        f"Valid: {len(desired.files)} files, {len(desired.products)} products, {len(desired.logos)} logos"
        f" (qps {desired.settings.qps:g}, points budget {desired.settings.points_budget})."
    )


@cli.command()
def schema() -> None:
    """Print the JSON Schema of cjrec/v1 manifest documents (for yaml-language-server)."""
    from reconciler.manifest.documents import json_schema

    click.echo(json.dumps(json_schema(), indent=2, sort_keys=True))


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
        Console(color=colour_wanted(sys.stderr, no_color_flag="--no-color" in args)).error(
            UsageError(exc.format_message(), hint="see `cjrec --help`")
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
