"""CJ's webhook messages for plan and apply: the pending ones as hints, and settling those acted on.

The event log lives beside the state (``events/`` of the state folder). Plan and apply hand
every pending message to the kinds' reads (``ReadContext.events``); apply settles the ones
the reads acted on only after the state recording their effect is written, so a crash in
between leaves them pending and the next run re-reads the same products, harmlessly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

from reconciler.cli.account_scope import per_account, require_account
from reconciler.cli.context import AppContext
from reconciler.errors import EXIT_OK
from reconciler.models.events import EventHint

if TYPE_CHECKING:
    from datetime import datetime

    from reconciler.adapters.event_log import EventLog, Message
    from reconciler.models.state_location import StateLocation


def open_event_log(location: StateLocation) -> EventLog:
    """The event log beside the state: ``events/`` of the folder, or objects under the bucket's ``events/``."""
    from reconciler.models.state_location import LocalLocation

    if isinstance(location, LocalLocation):
        from reconciler.adapters.event_log import LocalEventLog

        return LocalEventLog(location.path)
    from reconciler.adapters.clock import SystemClock
    from reconciler.adapters.s3_event_log import S3EventLog
    from reconciler.adapters.s3_objects import S3Objects

    return S3EventLog(S3Objects(location, clock=SystemClock(), what="the event log"))


@dataclass
class RunEvents:
    """The messages pending when a run started, and the ids its reads acted on."""

    log: EventLog | None
    pending: list[Message] = field(default_factory=list)
    settled: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, location: StateLocation) -> RunEvents:
        log = open_event_log(location)
        return cls(log, log.pending())

    def hints(self) -> tuple[EventHint, ...]:
        return tuple(EventHint(m.message_id, m.type, m.params) for m in self.pending if m.known)

    def settle(self, now: datetime) -> int:
        """Mark the messages acted on as done (call only once the state recording their effect is written)."""
        done = [m for m in self.pending if m.message_id in self.settled]
        if self.log is not None and done:
            self.log.settle(done, now=now)
        return len(done)


def _state_events(obj: AppContext) -> int:
    from reconciler.adapters.event_log import DEDUP_WINDOW, KNOWN_TYPES
    from reconciler.cli.wiring import state_location

    if not obj.options.state_explicit:
        require_account(obj)
    log = open_event_log(state_location(obj.options, None))
    pending = log.pending()
    if not pending:
        obj.console.out(f"No webhook messages pending in {log.display}.")
        return EXIT_OK
    counts: dict[str, int] = {}
    for message in pending:
        counts[message.type] = counts.get(message.type, 0) + 1
    obj.console.out(f"{len(pending)} webhook message(s) pending in {log.display}:")
    for kind, count in sorted(counts.items()):
        role = "" if kind in KNOWN_TYPES else "  (a type cjrec does not know: stored and counted, not acted on)"
        if kind in ("ORDER", "ORDERSPLIT", "LOGISTIC"):
            role = "  (stored and counted; cjrec manages no orders)"
        obj.console.out(f"  {kind:<15} {count}{role}")
    oldest = min(m.received for m in pending).isoformat(timespec="seconds")
    obj.console.out(
        f"oldest received {oldest}; PRODUCT/VARIANT/STOCK and SOURCINGCREATE are acted on by the next apply, "
        f"duplicates of a messageId are ignored for {int(DEDUP_WINDOW.total_seconds() // 3600)} h"
    )
    return EXIT_OK


@click.command("events")
@click.pass_obj
@per_account()
def state_events(obj: AppContext) -> int:
    """Count CJ's webhook messages waiting in the state's event log, by type."""
    return _state_events(obj)
