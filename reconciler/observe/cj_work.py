"""Gather what CJ says of the work it does for us, for a plan: sourcing statuses and freight quotes.

Called by :func:`reconciler.observe.refresh.refresh` around
:func:`reconciler.observe.catalog.observe`. The API is injected (anything with
``sourcing_status`` and ``freight_quote``), so this module stays free of HTTP.

- Sourcing statuses: ``queryList`` in batches of at most 100 ids (free). A status check
  that still fails after the client's retries (CJ busy, a gateway error, an answer of the
  wrong shape) does not stop the plan: the requests are shown as last recorded, with a
  warning, and the next plan asks again. Failures a person must fix (credentials, points,
  an interruption) stop the plan as everywhere else (:func:`reconciler.errors.stops_further_calls`).
- Freight quotes: one ``freightCalculate`` per product, market and origin (10 points), on
  a few threads under the client's rate limiter. An origin CJ answers with an error for
  (reported for origins without stock) gives no option and a note, not a failed plan.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from reconciler.errors import ApiError, CancelledError, CjrecError, Step, TransientApiError, stops_further_calls
from reconciler.kinds.workers import run_bounded, worker_count
from reconciler.models.cj_limits import QUERY_BATCH
from reconciler.models.markets import FreightAnswer, FreightOption, MarketQuote, QuoteRequest
from reconciler.models.sourcing import SourcingStatus
from reconciler.safe_text import for_terminal


class SourcingReader(Protocol):
    def sourcing_status(self, source_ids: list[str]) -> tuple[dict[str, SourcingStatus], list[str]]: ...


class FreightReader(Protocol):
    def freight_quote(self, origin: str, destination: str, vid: str, *, quantity: int = 1) -> FreightAnswer: ...


@dataclass(frozen=True)
class SourcingSeen:
    """What queryList said: statuses by id, rows it could not read, and why it could not be asked."""

    statuses: dict[str, SourcingStatus]
    problems: tuple[str, ...] = ()
    error: str | None = None


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


def observe_freight(
    reader: FreightReader,
    requests: list[QuoteRequest],
    *,
    qps: float,
    now: datetime,
    stop: threading.Event | None = None,
) -> dict[tuple[str, str], MarketQuote]:
    """One quote per request and origin; the answers gathered into a quote per product and market."""
    calls = [(request, origin) for request in requests for origin in request.origins]
    answers: dict[tuple[int, str], FreightAnswer | str] = {}
    failures: list[BaseException] = []
    lock = threading.Lock()
    stop = stop or threading.Event()
    index = {id(request): i for i, request in enumerate(requests)}

    def ask(call: tuple[QuoteRequest, str]) -> None:
        request, origin = call
        try:
            answer: FreightAnswer | str = reader.freight_quote(origin, request.country, request.vid)
        except (CancelledError, ApiError) as exc:
            if stops_further_calls(exc, Step.QUOTE):  # interrupted, the account's, or CJ still says too fast
                with lock:
                    failures.append(exc)
                stop.set()
                return
            if isinstance(exc, TransientApiError):
                answer = f"CJ could not quote from {origin}: {_short(exc)}"
            else:  # what CJ is reported to answer for an origin without stock
                answer = f"CJ gave no quote from {origin}: {_short(exc)}"
        with lock:
            answers[(index[id(request)], origin)] = answer

    run_bounded(calls, ask, workers=worker_count(qps, len(calls)), stop=stop)
    if failures:
        raise failures[0]
    quoted_at = now.astimezone(UTC).isoformat(timespec="seconds")
    result: dict[tuple[str, str], MarketQuote] = {}
    for i, request in enumerate(requests):
        options: list[FreightOption] = []
        notes = list(request.skipped)
        for origin in request.origins:
            answer = answers.get((i, origin))
            if answer is None:
                continue  # not asked: the run was stopped
            if isinstance(answer, str):
                notes.append(answer)
                continue
            options.extend(answer.options)
            notes.extend(answer.problems)
            if not answer.options and not answer.problems:
                notes.append(f"CJ quoted no option from {origin} (no stock there?)")
        result[(request.pid, request.country)] = MarketQuote(
            country=request.country,
            vid=request.vid,
            origins=request.market_origins,
            options=tuple(options),
            best=None,
            quoted_at=quoted_at,
            notes=tuple(notes),
        )
    return result


def _short(error: CjrecError) -> str:
    """CJ's error in one line without control or escape characters (it is CJ's text)."""
    return for_terminal(error.message, limit=200)
