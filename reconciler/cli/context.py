"""What every command gets: the run options, the console, and loading the configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.cli.console import Console
from reconciler.cli.run_options import RunOptions
from reconciler.errors import ManifestError

if TYPE_CHECKING:
    from reconciler.adapters.state_store import StateStore
    from reconciler.cli.wiring import Connection
    from reconciler.manifest.validator import ValidationResult
    from reconciler.models.desired import Desired


class AppContext:
    """Passed to every command by click (``@click.pass_obj``)."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.console = Console(color=options.color)
        self._store: StateStore | None = None
        self.outcome = ""  # one line for the many-account summary table (plan and apply set it)
        self.report = ""  # the plan in Markdown, for the many-account comment (plan sets it when asked)
        self.connections: list[Connection] = []  # so a many-account run can stop them all on Ctrl-C
        self.interrupted = False

    def load(self, *, need_secrets: bool, quiet: bool = False) -> ValidationResult:
        """Load and validate the manifests; raise ManifestError listing every problem."""
        from reconciler.cli.account_scope import require_account
        from reconciler.cli.heap import collector_paused
        from reconciler.cli.wiring import load_configuration

        require_account(self)

        with collector_paused():
            result = load_configuration(
                manifests=self.options.manifests,
                sops=self.options.sops(),
                need_secrets=need_secrets,
                common=self.options.common,
            )
        if not quiet:
            for warning in result.warnings:
                self.console.warning(str(warning))
        if result.desired is None:
            raise ManifestError(result.diagnostics, hint="fix the lines above, then run `cjrec validate` again")
        if not quiet:
            for note in result.notes:
                self.console.note(note)
        return result

    def desired(self) -> Desired:
        """The validated configuration with its secrets decrypted (a sops key is needed)."""
        desired = self.load(need_secrets=True).desired
        assert desired is not None  # load raises otherwise
        return desired

    def store(self, desired: Desired | None = None) -> StateStore:
        """The state store, chosen once: --state-dir / CJREC_STATE_DIR, else Settings spec.state, else ./state.

        Commands that loaded the manifests pass ``desired`` (its Settings name the location);
        the others (state, export, force-unlock) read only the Settings document.
        """
        if self._store is None:
            from reconciler.adapters.clock import SystemClock
            from reconciler.cli.account_scope import require_account

            if not self.options.state_explicit:
                require_account(self)
            from reconciler.cli.wiring import open_store, state_location

            location = state_location(self.options, desired)
            self._store = open_store(location, clock=SystemClock())
        return self._store

    def connect(self, desired: Desired) -> Connection:
        """The CJ client for ``desired``'s account; use it as a context manager so it is closed."""
        from reconciler.cli.wiring import connect

        connection = connect(self.options, desired, sops=self.options.sops(), cache=self.store(desired).token_cache())
        self.connections.append(connection)
        if self.interrupted:
            connection.http.cancel.set()
        return connection

    def interrupt(self) -> None:
        """Send no further call to CJ on any connection of this context (Ctrl-C during a many-account run)."""
        self.interrupted = True
        for connection in self.connections:
            connection.http.cancel.set()
