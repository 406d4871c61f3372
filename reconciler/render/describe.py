"""Shared wording for plans: one-line descriptions of resources and before → after diffs.

Used by the text and Markdown renderers so that both say the same thing the same way.
Everything returned is terminal-safe (:func:`reconciler.safe_text.for_terminal`): names,
SKUs, URLs and values from CJ are one line each, without control or bidirectional
characters, and capped; the Markdown renderer escapes them further for its own syntax.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from reconciler.kinds.product.record import ProductSnapshot
from reconciler.kinds.product.snapshots import price_range
from reconciler.models.plan import SUBSCRIPTIONS_ADDRESS, Action, Change, Plan
from reconciler.safe_text import for_terminal

SENSITIVE = "(sensitive)"
NAME_LIMIT = 80  # characters of a name or value shown in a plan line
ADDRESS_LIMIT = 400  # characters of an address: a sourcing URL is shown whole
_PLURAL = {
    Action.CREATE: "to create",
    Action.ADOPT: "to adopt",
    Action.UPDATE: "to update",
    Action.READD: "to re-add",
    Action.FORGET: "to forget",
}


def summarise_product(record: dict[str, Any] | None) -> str:
    """``Name (SKU) · 3 variants · 9.50-12.00 · POD, logo brand``."""
    if not record:
        return ""
    snap = record.get("snapshot")
    if not snap:
        return "details not queried"
    snapshot = ProductSnapshot.from_dict(snap)
    count = len(snapshot.variants)
    parts = [
        f"{_short(snapshot.name) or '(no name)'} ({_short(snapshot.sku) or 'no SKU'})",
        f"{count} variant{'s' if count != 1 else ''}",
        price_range(snapshot),
    ]
    listing = record.get("listing")
    if listing:
        parts.append(_listing_summary(listing, count))
    if snapshot.is_pod:
        parts.append(f"POD, logo {_short(record['logo'])}" if record.get("logo") else "POD, no logo")
    if snapshot.status not in ("3", ""):
        parts.append(f"status {_short(snapshot.status)}")
    return for_terminal(" · ".join(parts), limit=None)


def _listing_summary(listing: dict[str, Any], total: int) -> str:
    """``2 of 3 selected, store 9.99-12.99 USD (rule default)``."""
    variants = listing.get("variants") or {}
    prices = sorted(Decimal(v["price"]) for v in variants.values() if v.get("price") is not None)
    text = f"{len(variants)} of {total} selected"
    if prices:
        low, high = prices[0], prices[-1]
        shown = f"{low}" if low == high else f"{low}-{high}"
        text += f", store {shown} {listing.get('currency') or 'USD'}"
    rule = listing.get("rule")
    return text + (f" ({'fixed price' if rule == 'price' else 'rule ' + str(rule)})" if rule else "")


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


def summarise_logo(record: dict[str, Any] | None) -> str:
    """``png 64x64, sha256 1a2b3c4d…, https://… (default)``."""
    if not record:
        return ""
    parts = []
    if record.get("file"):
        size = f" {record['width']}x{record['height']}" if record.get("width") else ""
        parts.append(f"{record.get('format') or 'image'}{size} {record['file']}")
        if record.get("sha256"):
            parts.append(f"sha256 {str(record['sha256'])[:12]}…")
    url = record.get("url") or record.get("public_url")
    parts.append(_short(url) or "no public URL")
    text = for_terminal(", ".join(parts), limit=None)
    return text + (" (default)" if record.get("default") else "")


def summarise_webhook(change: Change) -> str:
    """``on -> https://…`` for a topic; the subscription counts and their cost for subscriptions."""
    if change.address == SUBSCRIPTIONS_ADDRESS:
        subscribe, unsubscribe = change.subscription_delta()
        total = len((change.after or change.before or {}).get("subscribed", []))
        calls, points = change.cost()
        return f"{total} product(s) subscribed; +{len(subscribe)} -{len(unsubscribe)} ({calls} calls, {points} points)"
    record = change.after if change.after is not None else change.before
    if not record:
        return ""
    return f"on -> {_short(record.get('url'))}" if record.get("enabled") else "off"


def summarise_sourcing(record: dict[str, Any] | None) -> str:
    """``"Desk Lamp" · request 1890… · open`` (or ``to be filed``)."""
    if not record:
        return ""
    name = for_terminal(record.get("name") or "(no name)", limit=60)
    ident = record.get("sourcing_id")
    phase = record.get("phase")
    if phase == "succeeded":
        state = f"succeeded: product {record.get('pid')}"
    elif phase == "failed":
        state = f"failed: {for_terminal(record.get('reason') or 'no reason', limit=80)}"
    elif ident:
        state = "open at CJ"
    else:
        state = "to be filed"
    return " · ".join([f'"{name}"', *([f"request {ident}"] if ident else []), state])


def summarise_market(record: dict[str, Any] | None) -> str:
    """``12 products quoted, 10 within the limits, cheapest $3.20``."""
    if not record:
        return ""
    quotes = dict(record.get("quotes") or {})
    fitting = [q["best"] for q in quotes.values() if isinstance(q, dict) and q.get("best")]
    text = f"{len(quotes)} product(s) quoted, {len(fitting)} within the limits"
    if fitting:
        cheapest = min(fitting, key=lambda b: float(b.get("price", 0)))
        text += f", cheapest ${float(cheapest['price']):.2f} ({for_terminal(cheapest.get('name'), limit=40)})"
    return text


def verb(change: Change) -> str:
    """The word a plan line uses for a change: its action, or what the action means for the kind."""
    if change.kind == "sourcing" and change.action is Action.CREATE:
        return "source"
    if change.kind == "sourcing" and change.action is Action.READD:
        return "re-source"
    return change.action.value


def summarise(change: Change) -> str:
    """The one-line description of the resource a change is about."""
    record = change.after if change.after is not None else change.before
    if change.kind == "webhook":
        return summarise_webhook(change)
    if change.kind == "sourcing":
        return summarise_sourcing(record)
    if change.kind == "market":
        return summarise_market(record)
    return summarise_product(record) if change.kind == "product" else summarise_logo(record)


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
    """``(field, before, after)`` for every field an update changes (bookkeeping fields aside)."""
    before = flatten(change.before or {})
    after = flatten(change.after or {})
    return [
        (key, before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key) and key not in BOOKKEEPING
    ]


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
    return for_terminal(value, limit=NAME_LIMIT)


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
    return (
        f"Plan: {parts}. Apply needs {cost.apply_calls} call{'s' if cost.apply_calls != 1 else ''} "
        f"({cost.apply_points} points), {duration} at {cost.qps:g} qps. "
        f"Planning used {cost.plan_calls} call{'s' if cost.plan_calls != 1 else ''} and {cost.plan_points} points."
    )
