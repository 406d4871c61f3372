"""The plan: every change cjrec will make, why, and what it costs.

Made by the pure planner, shown by the renderers, saved by ``plan --out`` and carried out
by the applier, which branches on :class:`Action` alone (a reason is for display only).
A saved plan records the state it was made against (lineage and serial) and a digest of
the manifests, so that apply can refuse it once either moved on, and a checksum of its own
content, so that an edited plan file is refused too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

FORMAT_VERSION = 1


class Action(Enum):
    """What happens to one resource. Each has a display symbol."""

    CREATE = "create"
    ADOPT = "adopt"
    UPDATE = "update"
    READD = "re-add"
    FORGET = "forget"

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]


_SYMBOLS = {
    Action.CREATE: "+",
    Action.ADOPT: "<=",
    Action.UPDATE: "~",
    Action.READD: "+/",
    Action.FORGET: "-",
}


@dataclass(frozen=True, slots=True)
class Change:
    """One resource's change.

    ``before`` is None for create and adopt (nothing recorded yet); ``after`` is None for
    forget (nothing will be recorded). Both are the state records as JSON-ready dicts.
    """

    address: str
    action: Action
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None = None
    source: str | None = None

    @property
    def kind(self) -> str:
        return self.address.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.address.split(".", 1)[1]

    @property
    def check_only(self) -> bool:
        """An update that records only when CJ was last asked (``checked_at``): a refresh's bookkeeping.

        Apply records it (points spent leave their check time), but it is no change to review:
        ``plan --detailed-exitcode`` does not exit 2 for it.
        """
        if self.action is not Action.UPDATE or self.before is None or self.after is None:
            return False
        if self.before.get("checked_at") == self.after.get("checked_at"):
            return False
        return {k: v for k, v in self.before.items() if k != "checked_at"} == {
            k: v for k, v in self.after.items() if k != "checked_at"
        }

    @property
    def calls_cj(self) -> bool:
        """True when applying it calls CJ (adding a product, setting a webhook, changing subscriptions)."""
        return self.cost()[0] > 0

    @property
    def upload(self) -> str | None:
        """The object apply uploads to the logo store for this change, if it needs one (see :class:`ApplyRules`)."""
        rule = APPLY_RULES.uploads.get(self.kind)
        return rule(self) if rule is not None else None

    @property
    def calls_out(self) -> bool:
        """True when applying it calls another system: CJ, or the logo store for an upload."""
        return self.calls_cj or self.upload is not None

    def cost(self) -> tuple[int, int]:
        """(calls, points) applying this change needs (see :class:`ApplyRules`)."""
        rule = APPLY_RULES.costs.get(self.kind)
        return rule(self) if rule is not None else (0, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "action": self.action.value,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        return cls(
            address=str(data["address"]),
            action=Action(data["action"]),
            before=data.get("before"),
            after=data.get("after"),
            reason=data.get("reason"),
            source=data.get("source"),
        )


CostRule = Callable[["Change"], tuple[int, int]]
UploadRule = Callable[["Change"], "str | None"]


@dataclass
class ApplyRules:
    """What each kind says of applying its changes, filled in by the registry of kinds
    (``reconciler.kinds.registry``) so that this module names no kind.

    ``costs``: (calls, points) a change needs; a kind without a rule never calls out (its
    changes are only recorded). ``uploads``: the object a change uploads to the logo store,
    if any. ``guarded``: the kinds whose forgets count toward the mass-forget guard
    (``managed_before`` counts their resources).
    """

    costs: dict[str, CostRule] = field(default_factory=dict)
    uploads: dict[str, UploadRule] = field(default_factory=dict)
    guarded: set[str] = field(default_factory=set)


APPLY_RULES = ApplyRules()


@dataclass(frozen=True, slots=True)
class Drift:
    """A difference between what was recorded and what CJ says now."""

    address: str
    field: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "field": self.field, "before": self.before, "after": self.after}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Drift:
        return cls(str(data["address"]), str(data["field"]), data.get("before"), data.get("after"))


@dataclass(frozen=True, slots=True)
class Finding:
    """A warning or a piece of information attached to a resource (or to the whole plan)."""

    address: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(data.get("address"), str(data["message"]))


@dataclass(frozen=True, slots=True)
class Budget:
    """What applying is estimated to spend of a rate limit other than CJ's: ``amount`` ``unit``
    at ``what`` (``20 query cost points at store main (Shopify)``)."""

    what: str
    amount: int
    unit: str

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "amount": self.amount, "unit": self.unit}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Budget:
        return cls(str(data["what"]), int(data["amount"]), str(data["unit"]))


@dataclass(frozen=True, slots=True)
class Cost:
    """API calls and points: what planning spent and what applying will need (``budgets``: of
    the other services' rate limits, the stores')."""

    plan_calls: int
    plan_points: int
    apply_calls: int
    apply_points: int
    qps: float
    budgets: tuple[Budget, ...] = ()

    @property
    def apply_seconds(self) -> float:
        """How long apply's calls take at the account's rate."""
        return self.apply_calls / self.qps if self.qps > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan_calls": self.plan_calls,
            "plan_points": self.plan_points,
            "apply_calls": self.apply_calls,
            "apply_points": self.apply_points,
            "qps": float(self.qps),  # an int qps (the Settings default `1`) prints as 1, but reads back as 1.0
            "apply_seconds": round(self.apply_seconds, 1),
            **({"budgets": [b.to_dict() for b in self.budgets]} if self.budgets else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cost:
        return cls(
            int(data["plan_calls"]),
            int(data["plan_points"]),
            int(data["apply_calls"]),
            int(data["apply_points"]),
            float(data["qps"]),
            tuple(Budget.from_dict(b) for b in data.get("budgets") or ()),
        )


@dataclass(frozen=True, slots=True)
class RefreshSummary:
    """What a refresh checked: products queried this run, of how many, and the oldest check
    once the plan is applied (None when a product was never checked: ``never_checked``).
    ``only``: a refresh-only plan (``apply --refresh-only``), which changes nothing at CJ."""

    checked: int
    products: int
    oldest_checked_at: str | None
    never_checked: int = 0
    only: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "only": self.only,
            "checked": self.checked,
            "products": self.products,
            "oldest_checked_at": self.oldest_checked_at,
            "never_checked": self.never_checked,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RefreshSummary:
        oldest = data.get("oldest_checked_at")
        return cls(
            int(data["checked"]),
            int(data["products"]),
            None if oldest is None else str(oldest),
            int(data.get("never_checked", 0)),
            bool(data.get("only", False)),
        )


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything apply will do, and the context it was made in."""

    created_at: str
    mode: str  # "normal" | "refresh-details" | "offline"
    lineage: str | None
    serial: int | None
    manifests_digest: str
    changes: tuple[Change, ...]
    drift: tuple[Drift, ...] = ()
    warnings: tuple[Finding, ...] = ()
    unmanaged: tuple[Finding, ...] = ()
    status: tuple[Finding, ...] = ()  # where requests CJ is working on stand (sourcing), shown on every plan
    cost: Cost = field(default_factory=lambda: Cost(0, 0, 0, 0, 1.0))
    managed_before: int = 0
    cjrec_version: str = ""
    material_drift: tuple[Finding, ...] = ()  # drift the daily drift job fails for (Settings `drift`)
    refresh: RefreshSummary | None = None  # in refresh modes: what was checked

    @property
    def has_changes(self) -> bool:
        """Changes to review: a check-only update (:attr:`Change.check_only`) is recorded by apply but is not one."""
        return any(not change.check_only for change in self.changes)

    def counts(self) -> dict[str, int]:
        """Number of changes per action, every action listed."""
        counts = {action.value: 0 for action in Action}
        for change in self.changes:
            counts[change.action.value] += 1
        return counts

    def forgotten_products(self) -> int:
        """Forgets of managed resources (of the kinds the mass-forget guard counts: products)."""
        return sum(1 for c in self.changes if c.action is Action.FORGET and c.kind in APPLY_RULES.guarded)

    @property
    def is_mass_forget(self) -> bool:
        """Forgets every managed product, or more than half of them when more than 10 are managed."""
        forgotten = self.forgotten_products()
        if forgotten == 0:
            return False
        if forgotten >= self.managed_before:
            return True
        return self.managed_before > 10 and forgotten * 2 > self.managed_before

    def body(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "cjrec_version": self.cjrec_version,
            "created_at": self.created_at,
            "mode": self.mode,
            "state": {"lineage": self.lineage, "serial": self.serial},
            "manifests_digest": self.manifests_digest,
            "managed_before": self.managed_before,
            "changes": [c.to_dict() for c in self.changes],
            "drift": [d.to_dict() for d in self.drift],
            "warnings": [w.to_dict() for w in self.warnings],
            "unmanaged": [u.to_dict() for u in self.unmanaged],
            **({"status": [s.to_dict() for s in self.status]} if self.status else {}),
            "summary": self.counts(),
            "cost": self.cost.to_dict(),
            # optional keys: only present when set, so plans without them read as before
            **({"material_drift": [m.to_dict() for m in self.material_drift]} if self.material_drift else {}),
            **({"refresh": self.refresh.to_dict()} if self.refresh is not None else {}),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON plan document, with a checksum over everything else."""
        body = self.body()
        return {**body, "checksum": checksum(body)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """Parse a plan document; raises KeyError/TypeError/ValueError when it is malformed."""
        state = data["state"]
        return cls(
            created_at=str(data["created_at"]),
            mode=str(data["mode"]),
            lineage=state.get("lineage"),
            serial=state.get("serial"),
            manifests_digest=str(data["manifests_digest"]),
            changes=tuple(Change.from_dict(c) for c in data["changes"]),
            drift=tuple(Drift.from_dict(d) for d in data["drift"]),
            warnings=tuple(Finding.from_dict(w) for w in data["warnings"]),
            unmanaged=tuple(Finding.from_dict(u) for u in data["unmanaged"]),
            status=tuple(Finding.from_dict(s) for s in data.get("status", [])),
            cost=Cost.from_dict(data["cost"]),
            managed_before=int(data["managed_before"]),
            cjrec_version=str(data.get("cjrec_version", "")),
            material_drift=tuple(Finding.from_dict(m) for m in data.get("material_drift", [])),
            refresh=RefreshSummary.from_dict(data["refresh"]) if data.get("refresh") else None,
        )


def checksum(body: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a plan body."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
