"""What the market kind reads from CJ before planning: freight quotes for the products that need one.

Stage 2 of the observe phase (``reconciler/observe/refresh.py``), once the details of new and
refreshed products are known: one ``freightCalculate`` per product, market and origin (10
points), on a few threads under the client's rate limiter. Their cost is checked against
``pointsBudget`` with the other paid reads, before any is sent (at most one quote per product,
market and origin, before stock is known). An origin CJ answers with an error for (reported for
origins without stock) gives no option and a note, not a failed plan.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Protocol

from reconciler.errors import ApiError, CancelledError, CjrecError, Step, TransientApiError, stops_further_calls
from reconciler.kinds.contract import PaidReads, ReadBatch, ReadContext, Reads
from reconciler.kinds.market.model import markets
from reconciler.kinds.market.plan import quote_budget, quote_requests
from reconciler.kinds.product.reads import needed
from reconciler.kinds.workers import run_bounded, worker_count
from reconciler.models.cj_limits import QUOTE_POINTS
from reconciler.models.markets import FreightAnswer, FreightOption, MarketQuote, QuoteRequest
from reconciler.safe_text import for_terminal


class FreightReader(Protocol):
    def freight_quote(self, origin: str, destination: str, vid: str, *, quantity: int = 1) -> FreightAnswer: ...


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


def _paid(context: ReadContext) -> PaidReads | None:
    points = quote_budget(context.desired, context.state, needed(context)) if markets(context.desired) else 0
    if not points:
        return None
    return PaidReads(points, f"up to {points // QUOTE_POINTS} freight quotes ({points} points)", "POST /logistic/freightCalculate")


def _prepare(context: ReadContext) -> ReadBatch | None:
    if not markets(context.desired):
        return None
    requests = quote_requests(context.desired, context.state, context.observed)
    quotes: list[dict[tuple[str, str], MarketQuote]] = []

    def ask_all() -> None:
        quotes.append(
            observe_freight(context.reader, requests, qps=context.qps, now=context.now(), stop=context.stop)
        )

    return ReadBatch(tasks=[ask_all], result=lambda: quotes[0])


def _short(error: CjrecError) -> str:
    """CJ's error in one line without control or escape characters (it is CJ's text)."""
    return for_terminal(error.message, limit=200)


READS = Reads(stage=2, prepare=_prepare, paid=_paid)
