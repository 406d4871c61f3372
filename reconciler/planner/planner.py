"""Compute the Plan from what the manifests ask for, what the state recorded and what CJ says.

A pure function of its arguments: no network, no files, no clock (the time is passed in).
That is what makes "plan shows exactly what apply does" testable. Two steps: first
:func:`details_needed` says which products must be queried (so the caller can check the
points cost before spending anything), then :func:`make_plan` builds the plan.

This module only orders the kinds of resource and assembles the Plan: each kind is planned
by its own module (``planner/<kind>.py``) under the contract of ``planner/kind.py``, and
listed once in :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from reconciler import __version__
from reconciler.errors import ManifestError
from reconciler.kinds.logo.plan import plan_logos
from reconciler.kinds.market.plan import plan_markets, with_shipping
from reconciler.kinds.planning import MODES, KindPlan, PlanContext, PlanRequest
from reconciler.kinds.product.plan import DETAIL_POINTS, detail_cost, details_needed, plan_products
from reconciler.kinds.sourcing.plan import plan_sourcing, with_sourced_products
from reconciler.kinds.webhook.plan import plan_webhooks
from reconciler.models.desired import Desired
from reconciler.models.observed import Observed
from reconciler.models.plan import Action, Cost, Finding, Plan
from reconciler.models.state import SyncState

__all__ = ["DETAIL_POINTS", "KINDS", "MODES", "PlanRequest", "detail_cost", "details_needed", "make_plan"]

#: Every kind of resource, in plan order: (address prefix, its planner). A plan lists the
#: changes kind by kind in this order, and within a kind by action, then address.
KINDS: tuple[tuple[str, Callable[[PlanContext], KindPlan]], ...] = (
    ("logo", plan_logos),
    ("sourcing", plan_sourcing),
    ("product", plan_products),
    ("market", plan_markets),
    ("webhook", plan_webhooks),
)

_ACTION_ORDER = {Action.FORGET: 0, Action.CREATE: 1, Action.ADOPT: 2, Action.READD: 3, Action.UPDATE: 4}


def make_plan(desired: Desired, recorded: SyncState | None, observed: Observed, request: PlanRequest) -> Plan:
    """The plan that takes the recorded state to the desired one, given what CJ says.

    Products that sourcing requests became are planned as products of the manifests.
    """
    context = PlanContext(
        desired=with_shipping(with_sourced_products(desired, recorded, observed), recorded, observed),
        recorded=recorded or SyncState(lineage="", serial=0),
        has_state=recorded is not None,
        observed=observed,
        request=request,
    )
    found = [plan(context) for _kind, plan in KINDS]
    errors = [error for kind_plan in found for error in kind_plan.errors]
    if errors:
        hints = dict.fromkeys(kp.error_hint for kp in found if kp.errors and kp.error_hint)
        raise ManifestError(errors, hint="; ".join(hints) or None)
    return _assemble(context, found)


def _assemble(context: PlanContext, found: list[KindPlan]) -> Plan:
    order = {kind: index for index, (kind, _plan) in enumerate(KINDS)}
    changes = sorted(
        (change for kind_plan in found for change in kind_plan.changes),
        key=lambda c: (order[c.kind], _ACTION_ORDER[c.action], c.address),
    )
    recorded, request, observed = context.recorded, context.request, context.observed
    warnings = [warning for kind_plan in found for warning in kind_plan.warnings]
    managed = len(recorded.products)
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
