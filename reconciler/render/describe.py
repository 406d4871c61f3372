"""Shared wording for plans: one-line descriptions of resources and before → after diffs.

Each kind says how its resources read (``reconciler/kinds/<kind>/describe.py``, found through
the registry); this module adds what every plan shares. Used by the text and Markdown renderers so that both say the same thing the same way.
Everything returned is terminal-safe (:func:`reconciler.safe_text.for_terminal`): names,
SKUs, URLs and values from CJ are one line each, without control or bidirectional
characters, and capped; the Markdown renderer escapes them further for its own syntax.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reconciler.kinds.contract import Describer
from reconciler.kinds.registry import kind_named
from reconciler.kinds.wording import short
from reconciler.models.plan import Action, Change, Plan
from reconciler.safe_text import for_terminal

SENSITIVE = "(sensitive)"
ADDRESS_LIMIT = 400  # characters of an address: a sourcing URL is shown whole
_PLURAL = {
    Action.CREATE: "to create",
    Action.ADOPT: "to adopt",
    Action.UPDATE: "to update",
    Action.READD: "to re-add",
    Action.FORGET: "to forget",
}


def refresh_line(plan: Plan) -> str | None:
    """``Refresh: checked 5000 of 20000 products; oldest check 3.0 days old (…).``, in refresh plans."""
    refresh = plan.refresh
    if refresh is None:
        return None
    text = f"Refresh{' only' if refresh.only else ''}: checked {refresh.checked} of {refresh.products} products"
    if refresh.never_checked:
        text += f"; {refresh.never_checked} never checked yet"
    if refresh.oldest_checked_at is not None:
        try:
            age = datetime.fromisoformat(plan.created_at) - datetime.fromisoformat(refresh.oldest_checked_at)
            text += f"; the oldest check is {age.total_seconds() / 86400:.1f} days old ({refresh.oldest_checked_at})"
        except ValueError:
            text += f"; the oldest check is from {refresh.oldest_checked_at}"
    return text + "."


def _description(change: Change) -> Describer | None:
    kind = kind_named(change.kind)
    return kind.describe if kind is not None else None


def verb(change: Change) -> str:
    """The word a plan line uses for a change: its action, or what the action means for its kind."""
    described = _description(change)
    return described.verb(change) if described is not None else change.action.value


def summarise(change: Change) -> str:
    """The one-line description of the resource a change is about (its kind's wording)."""
    described = _description(change)
    return described.summary(change) if described is not None else ""


def shows_fields(change: Change) -> bool:
    """Whether an update is shown field by field (a kind whose reason says what changed opts out)."""
    described = _description(change)
    return change.action is Action.UPDATE and (described is None or described.field_diff(change))


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out if out or not prefix else {prefix: {}}
    return {prefix: value}


BOOKKEEPING = frozenset({"checked_at"})  # recorded, but not worth a diff line (the refresh summary says it)


def field_diff(change: Change) -> list[tuple[str, Any, Any]]:
    """``(field, before, after)`` for every field an update changes (bookkeeping fields aside).

    The fields of ``flatten(before)`` and ``flatten(after)`` that differ; parts that are equal
    as a whole are skipped without being flattened (a product's snapshot, when only its
    listing changed: 10,000 first pricings spent half their plan flattening them).
    """
    pairs: dict[str, tuple[Any, Any]] = {}
    _differing(change.before or {}, change.after or {}, "", pairs)
    return [(key, *pairs[key]) for key in sorted(pairs) if key not in BOOKKEEPING]


_ABSENT: dict[str, Any] = {}


def _differing(before: Any, after: Any, prefix: str, pairs: dict[str, tuple[Any, Any]]) -> None:
    """Add to ``pairs`` the flattened fields under ``prefix`` whose values differ."""
    if before is not _ABSENT and after is not _ABSENT and before == after:
        return
    if _branch(before, prefix) and _branch(after, prefix):
        for key in before.keys() | after.keys():
            child = f"{prefix}.{key}" if prefix else str(key)
            _differing(before.get(key, _ABSENT), after.get(key, _ABSENT), child, pairs)
        return
    old = {} if before is _ABSENT else flatten(before, prefix)
    new = {} if after is _ABSENT else flatten(after, prefix)
    for key in old.keys() | new.keys():
        was, now = old.get(key), new.get(key)
        if was != now:
            pairs[key] = (was, now)


def _branch(value: Any, prefix: str) -> bool:
    """A map ``flatten`` descends into (at the top, or not empty: an empty map below the top is a value)."""
    return value is _ABSENT or (isinstance(value, dict) and bool(value or not prefix))


def show(value: Any) -> str:
    """A value as a plan shows it: one terminal-safe line of at most :data:`NAME_LIMIT` characters."""
    if value is None:
        return "(none)"
    return _short(value)


def show_address(address: str) -> str:
    """A resource address as a plan shows it: whole (``state forget`` takes it), terminal-safe.

    Addresses hold manifest text (a sourcing URL) and, for unmanaged products, CJ's pid, so
    they are cleaned like any outside text, only capped far later than a name.
    """
    return for_terminal(address, limit=ADDRESS_LIMIT)


def _short(value: Any) -> str:
    """Outside text (a name, SKU, URL, value) for a plan line: terminal-safe and capped."""
    return short(value)


def summary_line(plan: Plan) -> str:
    """``Plan: 2 to create, … Apply needs 3 calls (0 points), about 3 s at 1 qps.``"""
    counts = plan.counts()
    parts = ", ".join(f"{counts[a.value]} {_PLURAL[a]}" for a in Action)
    cost = plan.cost
    seconds = cost.apply_seconds
    if seconds == 0:
        duration = "no time"
    elif seconds < 1:
        duration = "under 1 s"
    else:
        duration = f"about {seconds:.0f} s" if seconds < 120 else f"about {seconds / 60:.1f} min"
    others = "".join(
        f" Apply also needs about {b.amount:,} {b.unit} at {for_terminal(b.what, limit=80)}." for b in cost.budgets
    )
    return (
        f"Plan: {parts}. Apply needs {cost.apply_calls} call{'s' if cost.apply_calls != 1 else ''} "
        f"({cost.apply_points} points), {duration} at {cost.qps:g} qps.{others} "
        f"Planning used {cost.plan_calls} call{'s' if cost.plan_calls != 1 else ''} and {cost.plan_points} points."
    )
