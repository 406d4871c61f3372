"""The contract between the planner core and each kind's planner.

Each kind of resource (``logo``, ``product``, ``webhook``, …) has its planner in its package,
``reconciler/kinds/<kind>/plan.py``, registered as ``Kind.plan``::

    def plan_<kind>s(context: PlanContext) -> KindPlan

It reads everything from the :class:`PlanContext` (manifests, recorded state, what CJ
said, the time and mode), touches nothing else, and answers what changed for its resources: the
:class:`~reconciler.models.plan.Change` records (addresses ``<kind>.<name>``), the drift
CJ shows, warnings, unmanaged finds and manifest errors. Kind planners are independent of
one another: none sees another's result, so their order matters only for display (a derived
input one kind gives others is declared as ``Kind.derives`` and applied before any planner
runs). When ``request.refresh_only`` is set a kind plans only the recording of what CJ says
(no change at CJ): kinds with nothing to refresh return their drift and no change.

To add a kind, see ``docs/adding-a-kind.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from reconciler.errors import Diagnostic
from reconciler.models.desired import Desired
from reconciler.models.observed import Observed
from reconciler.models.plan import Budget, Change, Drift, Finding, RefreshSummary
from reconciler.models.state import SyncState

REFRESH_DETAILS = "refresh-details"
MODES = ("normal", REFRESH_DETAILS, "offline")


@dataclass(frozen=True)
class PlanRequest:
    """How to plan: the mode, the time, the manifests' digest and the account's qps.

    ``refresh_only`` (``apply --refresh-only``, mode ``refresh-details``): plan only the
    recording of what CJ says (costs, variants, check times), no change at CJ.
    """

    mode: str
    now: datetime
    manifests_digest: str
    qps: float
    refresh_only: bool = False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown plan mode {self.mode!r}")
        if self.refresh_only and self.mode != REFRESH_DETAILS:
            raise ValueError("a refresh-only plan queries details: its mode is refresh-details")


@dataclass(frozen=True)
class PlanContext:
    """Everything a kind planner may read.

    ``recorded`` is never None: when no state exists yet it is an empty one and
    ``has_state`` is False. ``planned``: the changes the kinds before this one (in registry
    order, which is apply's order) planned, so a kind can plan from what this apply will
    record before it runs (the store kind publishes a product added or repriced by the same
    apply).
    """

    desired: Desired
    recorded: SyncState
    has_state: bool
    observed: Observed
    request: PlanRequest
    planned: tuple[Change, ...] = ()


@dataclass
class KindPlan:
    """What one kind planner found. ``errors`` are manifest errors: the core raises them
    all together (with each kind's ``error_hint``) once every kind has planned."""

    changes: list[Change] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    unmanaged: list[Finding] = field(default_factory=list)
    status: list[Finding] = field(default_factory=list)  # where work CJ does for us stands (sourcing requests)
    errors: list[Diagnostic] = field(default_factory=list)
    error_hint: str | None = None
    material: list[Finding] = field(default_factory=list)  # drift that should fail the daily drift job
    refresh: RefreshSummary | None = None  # what was checked at CJ (the product kind, in refresh modes)
    budgets: list[Budget] = field(default_factory=list)  # estimated spend of other rate limits (a store's)
