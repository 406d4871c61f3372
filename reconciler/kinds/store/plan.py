"""Plan what each Store gets: ``store.<store>/product.<pid>`` per managed product. Pure.

For every declared Store and every managed product (in the manifests and recorded with its
details), the listing cjrec would publish (``kinds/listing/payload.py``) is compared with the
record of what was sent last:

- no record → ``+ publish`` (create action);
- a record whose fingerprint differs → ``~ update``, the reason naming each price old → new
  and the variants added or removed;
- the same fingerprint → nothing, and no store call;
- a product no longer managed (or with no priced variant left) → what the Store's
  ``onRemove`` says: ``archive`` or ``draft`` (an update to that status) or ``delete`` (a
  forget that deletes it in the store);
- a record of a Store no longer declared → a warning only: cjrec cannot reach that store
  any more, and ``cjrec state forget`` drops the record;
- with ``--refresh-details`` the stores are read back (``reads.py``): a price edited in the
  store's admin or a product deleted there is drift, and an update sets it back.

Listings are planned from the products as this apply will record them
(:func:`products_after_apply`: the recorded ones with the product kind's planned changes
laid over them), and the store kind runs after the product kind, so one apply adds or
reprices a product and publishes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.errors import Diagnostic
from reconciler.kinds.listing.payload import listing_of
from reconciler.kinds.market.model import freight_of, markets
from reconciler.kinds.market.record import markets_of
from reconciler.kinds.planning import KindPlan, PlanContext
from reconciler.kinds.product.model import KIND as PRODUCT
from reconciler.kinds.product.model import products
from reconciler.kinds.product.record import ProductRecord, products_of
from reconciler.kinds.store.model import (
    KIND,
    Store,
    StoreSeen,
    cj_shop_matching,
    cj_shops_of,
    connections_of,
    seen_of,
    stores,
)
from reconciler.kinds.store.platform import Listing, StoreOperation
from reconciler.kinds.store.platforms import platform_named
from reconciler.kinds.store.record import ListingRecord, listing_key, listings_of
from reconciler.kinds.wording import short
from reconciler.models.plan import Action, Budget, Change, Drift, Finding

REMOVED_STATUS = {"archive": "archived", "draft": "draft"}


def plan_store_listings(context: PlanContext) -> KindPlan:
    plan = KindPlan()
    if context.request.refresh_only:
        return plan
    declared = {store.name: store for store in stores(context.desired)}
    _check_cj_shops(plan, context)
    wanted = {product.pid: product for product in products(context.desired)}
    recorded_products = products_after_apply(context)
    recorded = listings_of(context.recorded)
    seen = seen_of(context.observed)
    for store in declared.values():
        shop_id = _shop_id(store, context)
        for pid in sorted(wanted):
            key = listing_key(store.name, pid)
            before = recorded.get(key)
            if not _goes_to(wanted[pid].stores, store):
                if before is not None:
                    _append(
                        plan, _removal(store, before, f"its item names stores: {', '.join(wanted[pid].stores or ())}")
                    )
                continue
            product = recorded_products.get(pid)
            listing = listing_of(product) if product is not None else None
            if listing is None:
                if before is not None:
                    _append(plan, _removal(store, before, "no selected variant has a store price"))
                continue
            connection = _connection(store, shop_id, pid, context)
            change = _publish(store, listing, before, connection, source=str(wanted[pid].source))
            if change is None and before is not None and key in seen:
                change = _restore(plan, store, listing, before, seen, connection, source=str(wanted[pid].source))
            if change is None and before is not None:
                change = _reconnect(plan, store, listing, before, connection, context, source=str(wanted[pid].source))
            _append(plan, change)
    for key, before in sorted(recorded.items()):
        owner = declared.get(before.store)
        if owner is None:
            plan.warnings.append(
                Finding(
                    f"{KIND}.{key}",
                    f"recorded as published to store {before.store!r}, which is no longer declared: cjrec leaves "
                    f"that store as it is; `cjrec state forget {KIND}.{key}` drops the record",
                )
            )
        elif before.pid not in wanted:
            _append(plan, _removal(owner, before, "removed from the manifests"))
    plan.budgets.extend(_budgets(plan.changes, declared))
    return plan


def _budgets(changes: list[Change], declared: dict[str, Store]) -> list[Budget]:
    """The estimated cost of each store's changes against its platform's rate limit (Shopify:
    calculated query cost points), for the plan's summary."""
    spent: dict[str, int] = {}
    for change in changes:
        before, after = change.before or {}, change.after or {}
        name = str(after.get("store") or before.get("store") or "")
        store = declared.get(name)
        if store is None:
            continue
        platform = platform_named(store.platform)
        spent[name] = spent.get(name, 0) + _estimate(change, platform.cost, first=name not in spent)
    return [
        Budget(
            f"store {name} ({platform_named(declared[name].platform).label})",
            amount,
            platform_named(declared[name].platform).cost_unit,
        )
        for name, amount in spent.items()
        if amount
    ]


def _estimate(change: Change, cost: Callable[[StoreOperation, int], int], *, first: bool) -> int:
    before, after = change.before or {}, change.after or {}
    if change.action is Action.FORGET:
        return cost("delete", 1)
    if after.get("removed"):
        return cost("status", 1)
    if after.get("connect_only"):
        return 0
    count = len(after.get("variants") or {})
    if change.action is Action.CREATE:
        return cost("publish", count) + (cost("prepare", 1) if first else 0)
    extra = cost("status", 1) if before.get("status") != after.get("status") else 0
    if set(before.get("variants") or {}) == set(after.get("variants") or {}):
        return extra + cost("prices", count)
    return extra + cost("variants", count)


def _goes_to(names: tuple[str, ...] | None, store: Store) -> bool:
    """Whether an item with ``stores: names`` is published to ``store`` (None: every Store)."""
    return names is None or store.name in names


def products_after_apply(context: PlanContext) -> dict[str, ProductRecord]:
    """The product records as they will be once the product kind's planned changes are applied
    (a forgotten product drops out), the store's view of what it publishes."""
    found = dict(products_of(context.recorded))
    prefix = f"{PRODUCT}."
    for change in context.planned:
        if not change.address.startswith(prefix):
            continue
        pid = change.address[len(prefix) :]
        if change.after is None:
            found.pop(pid, None)
        else:
            found[pid] = ProductRecord.from_dict(pid, change.after)
    return found


def _check_cj_shops(plan: KindPlan, context: PlanContext) -> None:
    """Every Store's ``cjShop`` must be a store CJ lists for the account (when CJ was asked)."""
    shops = cj_shops_of(context.observed)
    if shops is None:
        return
    listed = ", ".join(
        f"{short(name) or '(no name)'} (id {short(shop_id)}, {short(kind) or 'unknown type'})"
        for shop_id, name, kind in shops
    )
    for store in stores(context.desired):
        if cj_shop_matching(store, shops) is None:
            plan.errors.append(
                Diagnostic(
                    store.source.file,
                    store.source.line,
                    "spec.cjShop",
                    f"CJ lists no shop {store.cj_shop!r} for this account; its shops: {listed or 'none'}",
                )
            )
    if plan.errors:
        plan.error_hint = (
            "name the shop as CJ lists it (its name or id), or connect the store to CJ first "
            "(CJ's web UI: Authorization → Store)"
        )


def _append(plan: KindPlan, change: Change | None) -> None:
    if change is not None:
        plan.changes.append(change)


def _shop_id(store: Store, context: PlanContext) -> str | None:
    """The id of the CJ shop the Store connects (None when CJ was not asked or does not list it)."""
    shops = cj_shops_of(context.observed)
    found = cj_shop_matching(store, shops) if shops is not None else None
    return None if found is None else found[0]


def _connection(store: Store, shop_id: str | None, pid: str, context: PlanContext) -> dict[str, Any] | None:
    """How CJ is to fulfil the product's store orders: the cheapest qualifying quote of the first
    Market that has one (its method, origin and country), else the Store's ``logistics`` and
    ``shipFrom``. None when the CJ shop is unknown (the plan then fails on ``cjShop``)."""
    if shop_id is None:
        return None
    fresh = freight_of(context.observed)
    recorded = markets_of(context.recorded)
    for market in markets(context.desired):
        quote = fresh.get((pid, market.country)) or recorded.get(market.country, {}).get(pid)
        best = getattr(quote, "best", None) if quote is not None else None
        if best is not None:
            return {"shop_id": shop_id, "logistics": best.name, "ship_from": best.origin, "ship_to": market.country}
    return {"shop_id": shop_id, "logistics": store.logistics, "ship_from": store.ship_from, "ship_to": None}


def _after(
    store: Store, listing: Listing, before: ListingRecord | None, connection: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "connection": connection,
        "store": store.name,
        "pid": listing.pid,
        "product_id": None if before is None else before.product_id,
        "title": listing.title,
        "fingerprint": listing.fingerprint,
        "status": store.publish.status if listing.active else "draft",
        "variants": {v.vid: {"sku": v.sku, "price": v.price, "compare_at": v.compare_at} for v in listing.variants},
    }


def _publish(
    store: Store, listing: Listing, before: ListingRecord | None, connection: dict[str, Any] | None, *, source: str
) -> Change | None:
    address = f"{KIND}.{listing_key(store.name, listing.pid)}"
    after = _after(store, listing, before, connection)
    if before is None:
        count = len(listing.variants)
        also = ", connect at CJ" if connection is not None else ""
        return Change(address, Action.CREATE, None, after, reason=f"publish, {count} variant(s){also}", source=source)
    reconnect = connection is not None and (before.connection is None or before.connection.settings() != connection)
    if before.fingerprint == listing.fingerprint and before.status == after["status"]:
        if not reconnect:
            return None
        after["connect_only"] = True
        return Change(
            address, Action.UPDATE, before.to_dict(), after, reason=_why_connect(before, connection), source=source
        )
    why = _why(before, after) + ("; " + _why_connect(before, connection) if reconnect else "")
    return Change(address, Action.UPDATE, before.to_dict(), after, reason=why, source=source)


def _why_connect(before: ListingRecord, connection: dict[str, Any] | None) -> str:
    if before.connection is None or connection is None:
        return "connect at CJ"
    old = before.connection.settings()
    moved = [f"{key} {old[key]} -> {connection[key]}" for key in sorted(connection) if old.get(key) != connection[key]]
    return "connection at CJ: " + ", ".join(moved)


def _restore(
    plan: KindPlan,
    store: Store,
    listing: Listing,
    before: ListingRecord,
    seen: StoreSeen,
    connection: dict[str, Any] | None,
    *,
    source: str,
) -> Change | None:
    """Store-side drift (``--refresh-details``): a product deleted in the store, or a price
    edited there, is set back to what cjrec published."""
    address = f"{KIND}.{before.key}"
    found = seen[before.key]
    after = _after(store, listing, before, connection)
    after["store_seen"] = None if found is None else dict(found.prices)  # a saved plan checks it still holds
    if found is None:
        plan.drift.append(Drift(address, "product", before.product_id, None))
        return Change(
            address, Action.UPDATE, before.to_dict(), after, reason="deleted in the store: publish again", source=source
        )
    edited = []
    for variant in sorted(before.variants.values(), key=lambda v: v.sku):
        now = found.prices.get(variant.sku)
        if now is not None and now != variant.price:
            plan.drift.append(Drift(address, f"variants.{variant.sku}.price", variant.price, now))
            edited.append(f"{variant.sku} {now} -> {variant.price}")
    if not edited:
        return None
    return Change(
        address,
        Action.UPDATE,
        before.to_dict(),
        after,
        reason="price edited in the store: " + "; ".join(edited),
        source=source,
    )


def _reconnect(
    plan: KindPlan,
    store: Store,
    listing: Listing,
    before: ListingRecord,
    connection: dict[str, Any] | None,
    context: PlanContext,
    *,
    source: str,
) -> Change | None:
    """CJ-side drift (``--refresh-details``): a connection cjrec made that CJ no longer lists
    (removed in CJ's web UI) is made again."""
    found = connections_of(context.observed).get(before.key)
    if found is None or before.connection is None or connection is None:
        return None
    missing = sorted(set(before.connection.variants.items()) - found)
    if not missing:
        return None
    address = f"{KIND}.{before.key}"
    for vid, store_vid in missing:
        plan.drift.append(Drift(address, f"connection.{vid}", store_vid, None))
    after = {**_after(store, listing, before, connection), "connect_only": True, "reconnect": True}
    why = f"connection removed at CJ for {len(missing)} variant(s): connect again"
    return Change(address, Action.UPDATE, before.to_dict(), after, reason=why, source=source)


def _why(before: ListingRecord, after: dict[str, Any]) -> str:
    parts = []
    old = {vid: v.price for vid, v in before.variants.items()}
    new = {vid: str(v["price"]) for vid, v in after["variants"].items()}
    for vid in sorted(set(old) & set(new)):
        if old[vid] != new[vid]:
            parts.append(f"{after['variants'][vid]['sku']} {old[vid]} -> {new[vid]}")
    added, removed = sorted(set(new) - set(old)), sorted(set(old) - set(new))
    if added:
        parts.append(f"+{len(added)} variant(s)")
    if removed:
        parts.append(f"-{len(removed)} variant(s)")
    if before.status != after["status"]:
        parts.append(f"status {before.status} -> {after['status']}")
    return "; ".join(parts) or "options, cost or weight changed"


def _removal(store: Store, before: ListingRecord, why: str) -> Change | None:
    """What ``onRemove`` does to a product that left the store; None when it is in that state already."""
    address = f"{KIND}.{before.key}"
    if store.on_remove == "delete":
        return Change(address, Action.FORGET, before.to_dict(), None, reason=f"delete in the store: {why}")
    if before.status == REMOVED_STATUS[store.on_remove]:
        return None
    after = {**before.to_dict(), "status": REMOVED_STATUS[store.on_remove], "removed": True}
    return Change(address, Action.UPDATE, before.to_dict(), after, reason=f"{store.on_remove} in the store: {why}")


def apply_cost(change: Change) -> tuple[int, int]:
    """Calls a change makes (no CJ points; the store's query cost is the plan's budget): one to the
    store (every store change calls out, so the applier runs it), and the CJ calls of the
    connection — reading and posting it when the product is to be connected (again), deleting
    it when the product leaves the store."""
    before, after = change.before or {}, change.after or {}
    if change.action is Action.FORGET or after.get("removed"):
        return (1 + (1 if before.get("connection") else 0), 0)
    wanted = after.get("connection")
    if not isinstance(wanted, dict):
        return (1, 0)
    recorded = before.get("connection") or {}
    same = {key: recorded.get(key) for key in wanted} == wanted
    if same and set(recorded.get("variants") or {}) == set(after.get("variants") or {}) and not after.get("reconnect"):
        return (1, 0)
    return (2 if after.get("connect_only") else 3, 0)  # connect only: CJ's read and post, no store call
