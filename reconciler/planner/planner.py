"""Compute the Plan from what the manifests ask for, what the state recorded and what CJ says.

A pure function of its arguments: no network, no files, no clock (the time is passed in).
That is what makes "plan shows exactly what apply does" testable. What CJ says is gathered
before, by the observe phase (``reconciler/observe/``), which checks the points the kinds' reads
cost before spending any; :func:`make_plan` then builds the plan.

This module only orders the kinds of resource and assembles the Plan: each kind is planned
by its own package (``reconciler/kinds/<kind>/plan.py``) under the contract of
``kinds/planning.py``, and listed once, in plan order, in the registry
(``reconciler/kinds/registry.py``). The derived inputs kinds give one another (sourced products,
shipping costs) are applied first, in the order their declared dependencies give.
"""

from __future__ import annotations

from dataclasses import replace

from reconciler import __version__
from reconciler.errors import ManifestError
from reconciler.kinds.planning import MODES, KindPlan, PlanContext, PlanRequest
from reconciler.kinds.registry import derivations, planned
from reconciler.models.desired import Desired
from reconciler.models.observed import Observed
from reconciler.models.plan import Action, Cost, Finding, Plan
from reconciler.models.state import SyncState

__all__ = ["MODES", "PlanRequest", "derive", "make_plan"]

_ACTION_ORDER = {Action.FORGET: 0, Action.CREATE: 1, Action.ADOPT: 2, Action.READD: 3, Action.UPDATE: 4}


def make_plan(desired: Desired, recorded: SyncState | None, observed: Observed, request: PlanRequest) -> Plan:
    """The plan that takes the recorded state to the desired one, given what CJ says.

    Products that sourcing requests became are planned as products of the manifests.
    """
    context = PlanContext(
        desired=derive(desired, recorded, observed),
        recorded=recorded or SyncState(lineage="", serial=0),
        has_state=recorded is not None,
        observed=observed,
        request=request,
    )
    found: list[KindPlan] = []
    for kind in planned():
        if kind.plan is not None:  # each kind sees the changes of the kinds before it (apply runs them first)
            found.append(kind.plan(replace(context, planned=tuple(c for kp in found for c in kp.changes))))
    errors = [error for kind_plan in found for error in kind_plan.errors]
    if errors:
        hints = dict.fromkeys(kp.error_hint for kp in found if kp.errors and kp.error_hint)
        raise ManifestError(errors, hint="; ".join(hints) or None)
    return _assemble(context, found)


def derive(desired: Desired, recorded: SyncState | None, observed: Observed) -> Desired:
    """``desired`` with the inputs kinds derive for one another (the products sourcing requests
    became, each product's shipping cost), in the order of their declared dependencies."""
    for kind in derivations():
        if kind.derives is not None:
            desired = kind.derives.derive(desired, recorded, observed)
    return desired


def _assemble(context: PlanContext, found: list[KindPlan]) -> Plan:
    order = {kind.name: index for index, kind in enumerate(planned())}
    changes = sorted(
        (change for kind_plan in found for change in kind_plan.changes),
        key=lambda c: (order[c.kind], _ACTION_ORDER[c.action], c.address),
    )
    recorded, request, observed = context.recorded, context.request, context.observed
    warnings = [warning for kind_plan in found for warning in kind_plan.warnings]
    managed = sum(1 for kind in planned() if kind.guarded for section in kind.sections for _ in recorded.section(section.key) or ())
    plan = Plan(
        created_at=request.now.isoformat(timespec="seconds"),
        mode=request.mode,
        lineage=recorded.lineage if context.has_state else None,
        serial=recorded.serial if context.has_state else None,
        manifests_digest=request.manifests_digest,
        changes=tuple(changes),
        drift=tuple(drift for kind_plan in found for drift in kind_plan.drift),
        warnings=(),
        unmanaged=tuple(finding for kind_plan in found for finding in kind_plan.unmanaged),
        status=tuple(finding for kind_plan in found for finding in kind_plan.status),
        cost=Cost(
            plan_calls=observed.calls,
            plan_points=observed.points,
            apply_calls=sum(c.cost()[0] for c in changes),
            apply_points=sum(c.cost()[1] for c in changes),
            qps=request.qps,
            budgets=tuple(budget for kind_plan in found for budget in kind_plan.budgets),
        ),
        managed_before=managed,
        cjrec_version=__version__,
        material_drift=tuple(finding for kind_plan in found for finding in kind_plan.material),
        refresh=next((kind_plan.refresh for kind_plan in found if kind_plan.refresh is not None), None),
    )
    if plan.is_mass_forget:
        warnings.append(
            Finding(
                None,
                f"this plan forgets {plan.forgotten_products()} of {managed} managed products; apply refuses it "
                "unless --allow-mass-forget is given (a deleted or mis-globbed manifest?)",
            )
        )
    return replace(plan, warnings=tuple(warnings))
