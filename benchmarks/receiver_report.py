"""The receiver's benchmark in the harness: run it (:func:`run`) and render BENCHMARKS.md §10 and its summary rows.

Called by ``python -m benchmarks`` (``benchmarks/run.py``, benchmark ``receiver``) and rendered by
``benchmarks/report.py``. The measuring itself is ``benchmarks/receiver_load.py`` (a real uvicorn
child on loopback); the drift economics are computed from CJ's numbers, not measured over days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks.receiver_load import CI_DELAY_S, economics, run_burst, run_duplicates, run_kill

P99_GOAL_MS = 100.0


@dataclass
class ReceiverResults:
    """One run of the receiver benchmark: the three measured runs and the computed economics."""

    rate: float
    seconds: float
    burst: dict[str, Any]
    kill: dict[str, Any]
    duplicates: dict[str, Any]
    economics: dict[str, float]


def run(*, rate: float, seconds: float, duplicates: int) -> ReceiverResults:
    """The burst (with ``--dispatch`` to a slow GitHub stand-in), the kill -9 mid-burst, the duplicates."""
    return ReceiverResults(
        rate=rate,
        seconds=seconds,
        burst=run_burst(rate, seconds, dispatch=True),
        kill=run_kill(rate, seconds),
        duplicates=run_duplicates(duplicates),
        economics=economics(),
    )


def summary_rows(result: ReceiverResults) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) rows of the summary table."""
    burst, kill, dup = result.burst, result.kill, result.duplicates
    p99 = float(burst["p99_ms"])
    return [
        (
            f"receiver: {result.rate:g} messages/s for {result.seconds:g} s, p99 time to 200 < {P99_GOAL_MS:g} ms",
            f"p99 {p99:g} ms, {burst['answered_200']:,} of {burst['messages']:,} answered 200 and stored",
            _verdict(p99 < P99_GOAL_MS and burst["answered_200"] == burst["stored"] == burst["messages"]),
        ),
        (
            "receiver killed (SIGKILL) mid-burst: no acknowledged message lost",
            f"{kill['lost_after_200']} of {kill['answered_200_before_the_kill']:,} lost, {kill['torn_records']} torn",
            _verdict(kill["lost_after_200"] == 0 and kill["torn_records"] == 0),
        ),
        (
            f"receiver: {dup['deliveries']:,} duplicates stored once",
            f"{dup['records']} record(s)",
            _verdict(dup["records"] == 1),
        ),
    ]


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def section(result: ReceiverResults) -> str:
    """BENCHMARKS.md §10."""
    burst, kill, dup, eco = result.burst, result.kill, result.duplicates, result.economics
    changed = int(eco["changed_a_day"])
    lines = [
        "## 10. Webhook receiver and drift economics",
        "",
        "`cjrec receive` as a real uvicorn child on 127.0.0.1, its event log in a temporary state folder; an "
        "asyncio client on 32 keep-alive connections sends signed messages in CJ's shape at a fixed rate and "
        "times each from the first byte sent to the `200` (`benchmarks/receiver_load.py`). The burst's "
        f"receiver runs with `--dispatch github` against a loopback GitHub stand-in that takes {CI_DELAY_S:g} s "
        "to answer, so the time to 200 includes a drift job being started meanwhile.",
        "",
        "| run | messages | answered 200 | stored | time to 200 p50 / p99 / max | drift jobs started |",
        "|---|---:|---:|---:|---|---:|",
        f"| burst, {result.rate:g}/s for {result.seconds:g} s | {burst['messages']:,} | {burst['answered_200']:,} | "
        f"{burst['stored']:,} | {burst['p50_ms']} / {burst['p99_ms']} / {burst['max_ms']} ms | "
        f"{burst.get('dispatches', '—')} |",
        f"| kill -9 half way | {kill['messages']:,} | {kill['answered_200_before_the_kill']:,} before the kill | "
        f"{kill['answered_200_before_the_kill'] - kill['lost_after_200']:,} of those "
        f"(+{kill['stored_without_200']} stored without a 200) | — | — |",
        f"| one messageId {dup['deliveries']:,} times | {dup['deliveries']:,} | {dup['answered_200']:,} | "
        f"{dup['records']} record | — | — |",
        "",
        f"Drift economics, computed from CJ's numbers: {int(eco['products']):,} managed products of which "
        f"1 % ({changed}) change at CJ a day, CJ's 50,000 points a day, 10 points per `product/query`.",
        "",
        "| | points a day on detail queries | delay from a CJ change to a plan that shows it |",
        "|---|---:|---|",
        f"| rotating refresh (`--refresh-budget 50000`, the whole daily allowance) | {int(eco['rotating_points']):,} | "
        f"the sweep takes {eco['rotating_sweep_days']:g} days: {eco['rotating_sweep_days'] / 2:g} on average |",
        f"| receiver + `--dispatch`: the drift job it starts re-reads only the named products (`--refresh-events`, "
        f"one `product/query` per changed product) | {int(eco['receiver_points']):,} | the next drift job: 10 s "
        "after the first message, at most one job per 5 minutes, plus the CI runner's start-up |",
        "| both: the receiver's jobs, and the daily job's budget rotating | 2,000 + the daily budget | changes CJ "
        "announces: one job; changes it does not (a missed message, a paused webhook): the rotation still finds them |",
        "",
        "The receiver's side of it (one re-read per named product, nothing else queried) is what "
        "`tests/e2e/test_the_sandbox_sends_webhooks_to_the_receiver.py` shows against the sandbox "
        "(one `product/query`, 10 points).",
    ]
    return "\n".join(lines)
