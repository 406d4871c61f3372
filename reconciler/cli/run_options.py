"""cjrec's own configuration for one invocation, from command-line options and CJREC_* variables.

Built once by ``cli/main.py`` and held by the :class:`~reconciler.cli.context.AppContext`
every command gets; read by the wiring (``cli/wiring.py``). Not to be confused with the
``kind: Settings`` manifest document (``reconciler.models.desired.Settings``), which says how
cjrec may use the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reconciler.adapters.sops import Sops


@dataclass(frozen=True)
class RunOptions:
    """Where things are, and how to talk to the user."""

    manifests: Path
    state_location: str  # a folder or s3://BUCKET/PREFIX, parsed when a command needs the state
    state_explicit: bool  # given by --state-dir / CJREC_STATE_DIR (else Settings spec.state, else ./state)
    api_url: str
    sops_binary: str | None
    debug: bool
    color: bool
    common: Path | None = None  # a many-account repository's common/ (documents every account includes)
    account: str | None = None  # the account's name in a many-account repository (accounts/<name>/)

    def sops(self) -> Sops:
        """The sops runner: the configured binary, or the default lookup."""
        from reconciler.adapters.sops import Sops

        return Sops(binary=self.sops_binary) if self.sops_binary else Sops()
