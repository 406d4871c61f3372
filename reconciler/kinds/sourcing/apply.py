"""Apply sourcing changes: file requests with CJ, within its daily limit, safe against a crash.

The executor for ``sourcing.<host/path>`` (contract in ``kinds/executing.py``). The one
call is ``product/sourcing/create`` for a ``+ source`` or a ``+/ re-source``; adopt,
update and forget only record. CJ has no idempotency key for it, so each create follows
the intent protocol (docs/RELIABILITY.md, "Sourcing requests"):

1. write the request as ``filing`` (no id yet) and count it in the day's quota;
2. call CJ;
3. write CJ's ``cjSourcingId`` (phase ``open``) at once.

A kill between 1 and 3 leaves a ``filing`` record, which no later run files again by
itself (the plan says how to settle it). An answer CJ gave without filing (a refusal, the
daily limit, a call cancelled before it left) restores the record as it was. A lost answer
(timeout, dropped connection, gateway error) keeps the ``filing`` record: CJ may have filed.

Creates run one at a time in plan order, checking the day's quota (Settings
``sourcingPerDay``, counted in the state per UTC day) before each; CJ's own "Exceeded the
daily source limit" marks the day as used up. Creates past the limit are deferred: left
planned for a run after 00:00 UTC, without failing this one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from reconciler.errors import CancelledError, CjrecError, OutcomeUnknownError, SourcingLimitError
from reconciler.kinds.executing import Run
from reconciler.kinds.sourcing.record import (
    QUOTA_SECTION,
    quota_of,
    requests_of,
    with_quota,
    with_request,
    without_request,
)
from reconciler.models.desired import DEFAULT_SOURCING_PER_DAY
from reconciler.models.plan import Action, Change
from reconciler.models.sourcing import PHASE_FILING, PHASE_OPEN, SourcingQuota, SourcingRecord
from reconciler.models.state import SyncState


class SourcingFiler(Protocol):
    """The one sourcing call apply makes."""

    def create_sourcing(self, body: dict[str, Any]) -> str: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SourcingExecutor:
    """Files sourcing requests at CJ and records sourcing changes."""

    kind = "sourcing"

    def __init__(
        self,
        filer: SourcingFiler,
        *,
        per_day: int = DEFAULT_SOURCING_PER_DAY,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.filer = filer
        self.per_day = per_day
        self.now = now

    def record(self, state: SyncState, change: Change) -> SyncState:
        key = _key(change)
        if change.action is Action.FORGET:
            return without_request(state, key)
        return with_request(state, _after(change))

    def execute(self, changes: Sequence[Change], run: Run) -> None:
        for change in changes:
            if run.stop.is_set():
                return
            self._file(change, run)

    def _file(self, change: Change, run: Run) -> None:
        now = self.now().astimezone(UTC)
        day = now.date().isoformat()
        key = _key(change)
        state = run.result.state
        quota = quota_of(state) or SourcingQuota(day)
        if quota.left(day, self.per_day) <= 0:
            run.defer(change, f"CJ's daily limit of {self.per_day} sourcing requests is used up for {day} (UTC)")
            return
        previous = requests_of(state).get(key)
        previous_quota = quota_of(state)
        after = _after(change)
        body = dict(after.request or {})
        intent = after.with_(phase=PHASE_FILING, sourcing_id=None, filed_at=now.isoformat(timespec="seconds"))
        run.begin(change)
        run.save(lambda s: with_quota(with_request(s, intent), quota.after_filing(day)), durable=True)  # 1. the intent
        try:
            source_id = self.filer.create_sourcing(body)  # 2. the call
        except OutcomeUnknownError as exc:
            run.failed(change, exc)  # CJ may have filed it: the filing record stays, and the plan says what to do
            return
        except SourcingLimitError:
            run.save(lambda s: with_quota(_restore(s, key, previous), quota.exhausted_on(day)))
            run.defer(change, f"CJ answered that its daily limit of sourcing requests is reached for {day} (UTC)")
            return
        except CancelledError:
            run.save(lambda s: _restore_quota(_restore(s, key, previous), previous_quota))
            run.withdraw(change)
            return
        except CjrecError as exc:
            run.save(lambda s: _restore_quota(_restore(s, key, previous), previous_quota))
            run.failed(change, exc)
            return
        filed = intent.with_(phase=PHASE_OPEN, sourcing_id=source_id)
        run.save(lambda s: with_request(s, filed), durable=True)  # 3. CJ's id, at once
        run.succeeded(change)


def _key(change: Change) -> str:
    record = change.after if change.after is not None else change.before
    if record is None or "url" not in record:
        raise ValueError(f"{change.address}: a sourcing change needs a record with its url")
    return SourcingRecord.from_dict(record).key


def _after(change: Change) -> SourcingRecord:
    if change.after is None:
        raise ValueError(f"{change.address}: a {change.action.value} change needs an `after` record")
    return SourcingRecord.from_dict(change.after)


def _restore(state: SyncState, key: str, previous: SourcingRecord | None) -> SyncState:
    return with_request(state, previous) if previous is not None else without_request(state, key)


def _restore_quota(state: SyncState, quota: SourcingQuota | None) -> SyncState:
    return state.with_section(QUOTA_SECTION, quota)
