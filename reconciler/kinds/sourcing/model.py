"""The sourcing kind's name and its entries in the configuration: the Products items with a sourceUrl."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.models.desired import Desired
from reconciler.models.observed import Observed
from reconciler.models.plan import Action, Change
from reconciler.models.sourcing import SourcingItem, SourcingStatus

KIND = "sourcing"


def sourcing_items(desired: Desired) -> tuple[SourcingItem, ...]:
    """Every sourced item, in declaration order."""
    return tuple(desired.of(KIND).values())


def apply_cost(change: Change) -> tuple[int, int]:
    """Filing a request (create, re-add) is one sourcing/create call (free); the rest is only recorded."""
    return (1, 0) if change.action in (Action.CREATE, Action.READD) else (0, 0)


@dataclass(frozen=True)
class SourcingSeen:
    """What queryList said: statuses by id, rows it could not read, and why it could not be asked."""

    statuses: dict[str, SourcingStatus]
    problems: tuple[str, ...] = ()
    error: str | None = None


def statuses_of(observed: Observed) -> dict[str, SourcingStatus] | None:
    """The statuses CJ gave this run by request id (None: not asked, offline or no open request)."""
    seen = observed.of(KIND)
    return seen.statuses if isinstance(seen, SourcingSeen) else None


def problems_of(observed: Observed) -> tuple[str, ...]:
    """Rows of CJ's answer that could not be read."""
    seen = observed.of(KIND)
    return seen.problems if isinstance(seen, SourcingSeen) else ()


def status_error_of(observed: Observed) -> str | None:
    """Why queryList could not be asked (after its retries): statuses are then as last recorded."""
    seen = observed.of(KIND)
    return seen.error if isinstance(seen, SourcingSeen) else None
