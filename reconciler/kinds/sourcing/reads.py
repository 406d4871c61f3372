"""What the sourcing kind reads from CJ before planning: where its open requests stand.

A SOURCINGCREATE webhook message from CJ (``ReadContext.events``) is settled by these reads: the
status of its request is read by every online plan anyway, so the message resolves the request on
the next plan or apply instead of waiting for a scheduled one.

Stage 0 of the observe phase (``reconciler/observe/refresh.py``): ``queryList`` in batches of at
most 100 ids (free), before the points check, because a request that succeeded adds its product
to the products planned (the kind's derived input). A status check that still fails after the
client's retries (CJ busy, a gateway error, an answer of the wrong shape) does not stop the plan:
the requests are shown as last recorded, with a warning, and the next plan asks again. Failures a
person must fix (credentials, points, an interruption) stop the plan as everywhere else
(:func:`reconciler.errors.stops_further_calls`).
"""

from __future__ import annotations

from typing import Protocol

from reconciler.errors import ApiError, CjrecError, Step, stops_further_calls
from reconciler.kinds.contract import ReadBatch, ReadContext, Reads
from reconciler.kinds.sourcing.model import SourcingSeen
from reconciler.kinds.sourcing.plan import ids_to_check
from reconciler.models.cj_limits import QUERY_BATCH
from reconciler.models.sourcing import SourcingStatus
from reconciler.safe_text import for_terminal


class SourcingReader(Protocol):
    def sourcing_status(self, source_ids: list[str]) -> tuple[dict[str, SourcingStatus], list[str]]: ...


def observe_sourcing(reader: SourcingReader, ids: list[str]) -> SourcingSeen:
    """The status of each request in ``ids``, asked 100 at a time."""
    statuses: dict[str, SourcingStatus] = {}
    problems: list[str] = []
    for start in range(0, len(ids), QUERY_BATCH):
        batch = ids[start : start + QUERY_BATCH]
        try:
            found, unread = reader.sourcing_status(batch)
        except ApiError as exc:
            if stops_further_calls(exc, Step.STATUS_CHECK):  # the account's or the run's: credentials, points…
                raise
            return SourcingSeen(statuses, tuple(problems), _short(exc))  # busy, gateway errors, an odd answer
        statuses.update(found)
        problems.extend(unread)
    return SourcingSeen(statuses, tuple(problems))


def _prepare(context: ReadContext) -> ReadBatch | None:
    ids = ids_to_check(context.desired, context.state)
    announced = [hint for hint in context.events if hint.type == "SOURCINGCREATE"]
    if not ids:
        # nothing open: a SOURCINGCREATE message names no request cjrec waits for, and is settled
        return ReadBatch(tasks=[], result=lambda: None, settled=lambda: frozenset(h.message_id for h in announced))
    seen: list[SourcingSeen] = []

    def settled() -> frozenset[str]:
        """A SOURCINGCREATE message is settled once its request's status was read (every plan reads
        the open requests' statuses, free), or at once when it names none of them."""
        read = seen[0].statuses if seen else {}
        return frozenset(
            hint.message_id
            for hint in announced
            if (sid := hint.param("cjSourcingId") or hint.param("sourcingId")) is None or sid not in ids or sid in read
        )

    return ReadBatch(
        tasks=[lambda: seen.append(observe_sourcing(context.reader, ids))], result=lambda: seen[0], settled=settled
    )


def _short(error: CjrecError) -> str:
    """CJ's error in one line without control or escape characters (it is CJ's text)."""
    return for_terminal(error.message, limit=200)


READS = Reads(stage=0, prepare=_prepare)
