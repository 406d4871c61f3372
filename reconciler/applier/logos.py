"""Apply logo changes: they are local records, so applying one is recording it.

The executor for ``logo.<name>`` (contract in ``applier/executor.py``). A logo is synced
by recording its image's facts and where CJ fetches it; no logo change calls CJ.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.applier.executor import Run
from reconciler.models.plan import Action, Change
from reconciler.models.state import LogoRecord, SyncState


class LogoExecutor:
    """Records logo changes; makes no call."""

    kind = "logo"

    def record(self, state: SyncState, change: Change) -> SyncState:
        if change.action is Action.FORGET:
            return state.without_logo(change.name)
        if change.after is None:
            raise ValueError(f"{change.address}: a {change.action.value} change needs an `after` record")
        return state.with_logo(LogoRecord.from_dict(change.name, change.after))

    def execute(self, changes: Sequence[Change], run: Run) -> None:
        raise ValueError(f"logo changes make no call to CJ: {changes[0].address if changes else '(none)'}")
