"""The report at the end of ``cjrec apply``: what was done, what failed or waits, and what it cost.

Rendering only: :func:`apply_report` turns the applier's result and the run's call counts
into lines, each with its role (success, note, warning, error), and the exit code they
amount to. ``cli/plan_commands.py`` prints the lines through its Console (which adds the
``Warning:``/``Error:`` prefixes, colour and the last pass of terminal-safe text) and exits
with the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from reconciler.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, CjrecError
from reconciler.kinds.executing import ApplyResult

Role = Literal["success", "note", "warning", "error"]


class CallCounts(Protocol):
    """What the run asked of CJ (the transport's ``CallStats``)."""

    @property
    def calls(self) -> int: ...

    @property
    def points_spent(self) -> int: ...

    @property
    def rate_limited(self) -> int: ...


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One message of the report; an error may carry a hint."""

    role: Role
    text: str
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """The lines to show, in order, and the exit code of the apply."""

    lines: tuple[ReportLine, ...]
    exit_code: int


def apply_report(
    result: ApplyResult, *, counts: CallCounts, elapsed: float, write_error: CjrecError | None
) -> ApplyReport:
    """The report of ``result``; ``write_error`` is the state write that stopped the apply, if one did."""
    if write_error is not None:
        return ApplyReport(
            (
                ReportLine("error", write_error.message, write_error.hint),
                ReportLine(
                    "warning",
                    f"Apply stopped: the state could not be written. {len(result.done)} changes were made; those "
                    "after the last recorded state are adopted by the next `cjrec apply`, not made twice.",
                ),
            ),
            EXIT_ERROR,
        )
    lines: list[ReportLine] = []
    waiting = f", {len(result.deferred)} left for tomorrow" if result.deferred else ""
    line = (
        f"{len(result.done)} done, {len(result.failed)} failed, {len(result.not_started)} not started{waiting}; "
        f"{counts.calls} API calls, {counts.points_spent} points, {counts.rate_limited} answered 429, "
        f"{elapsed:.1f} s."
    )
    if result.deferred:
        why = result.deferred[0][1]
        shown = ", ".join(change.address for change, _ in result.deferred[:3])
        more = f" and {len(result.deferred) - 3} more" if len(result.deferred) > 3 else ""
        lines.append(
            ReportLine(
                "note",
                f"{len(result.deferred)} sourcing request(s) not filed today ({shown}{more}): {why}; "
                "they stay planned, and `cjrec apply` after 00:00 UTC files them",
            )
        )
    lines += _failures(result)
    if result.interrupted:
        lines.append(
            ReportLine("warning", f"Interrupted: {line} Everything done is recorded; run `cjrec apply` again to finish.")
        )
        return ApplyReport(tuple(lines), EXIT_INTERRUPTED)
    if not result.ok:
        lines.append(
            ReportLine(
                "warning",
                f"Apply incomplete: {line} Successes are recorded; fix the cause and run `cjrec apply` again.",
            )
        )
        return ApplyReport(tuple(lines), EXIT_ERROR)
    lines.append(ReportLine("success", f"Apply complete: {line}"))
    return ApplyReport(tuple(lines), EXIT_OK)


def _failures(result: ApplyResult) -> list[ReportLine]:
    """One error per distinct message: the workers a fatal error stopped all report the same one."""
    same_error: dict[tuple[str, str | None], list[str]] = {}
    for change, error in result.failed:
        same_error.setdefault((error.message, error.hint), []).append(change.address)
    lines: list[ReportLine] = []
    for (message, hint), addresses in same_error.items():
        if len(addresses) == 1:
            lines.append(ReportLine("error", f"{addresses[0]}: {message}", hint))
        else:
            shown = ", ".join(addresses[:3]) + (f" and {len(addresses) - 3} more" if len(addresses) > 3 else "")
            lines.append(ReportLine("error", f"{len(addresses)} changes failed ({shown}): {message}", hint))
    return lines
