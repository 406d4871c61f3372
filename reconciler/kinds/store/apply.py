"""Apply store listing changes: publish, update, archive/draft or delete products in a store.

The executor for ``store.<store>/product.<pid>`` (contract in ``kinds/executing.py``). It
talks to each store through the store interface (:class:`~reconciler.kinds.store.platform.StoreClient`,
whatever the platform; ``ApplyDeps.stores``) and writes the state after every store call, so a
crash loses at most the call in flight. The listing is built again from the product as the state
holds it when the change runs (after the products were added and priced) and must match the
fingerprint the plan showed, or the change fails asking for a new plan.

- **publish** (no product id recorded): the store prepared once per run (Shopify: the
  identity definition), then a publish keyed by the product's CJ pid — a rerun after a crash
  between the store's answer and the state write finds the same product, never a second one;
  a platform that publishes many products in one request (``StorePlatform.publish_batch``,
  WooCommerce's ``/products/batch``) is handed up to that many first publishes at once, and
  each product is then recorded (and connected at CJ), or failed, on its own;
- **update**: prices only → ``set_prices``; variants added or removed → ``set_variants``; a
  product the merchant deleted in the store is published again;
- **removal**: ``archive``/``draft`` sets the status (the record stays, so the product comes
  back with the same id), ``delete`` deletes it and drops the record.

The store's business errors (Shopify's ``userErrors``) fail that change alone (with the field and the message); the rest of
the apply goes on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar, Protocol

from reconciler.errors import ApiError, CancelledError, CjrecError, Reach, UsageError
from reconciler.kinds.executing import Run
from reconciler.kinds.listing.payload import listing_of
from reconciler.kinds.product.record import products_of
from reconciler.kinds.store.model import KIND
from reconciler.kinds.store.platform import Listing, ListingStatus, Outcome, StoreClient, StoreClients, StoreProduct
from reconciler.kinds.store.platforms import platform_named
from reconciler.kinds.store.record import (
    ConnectionRecord,
    ListingRecord,
    StoreVariantRecord,
    listings_of,
    with_listing,
    without_listing,
)
from reconciler.models.cj import CjConnection
from reconciler.models.plan import Action, Change
from reconciler.models.state import SyncState


class StoreRefusedError(ApiError):
    """The store refused a product (``userErrors``): that product only; the rest of the apply goes on."""

    reach: ClassVar[Reach] = Reach.ITEM


class StoreChangedError(StoreRefusedError):
    """A saved plan's product changed in the store since the plan was made: not applied."""


class ConnectionApi(Protocol):
    """CJ's connection calls (``adapters/cj_api.CjApi``): ids are the platform's as CJ takes them."""

    def cj_connections(self, shop_id: str, platform_product_id: str) -> tuple[CjConnection, ...]: ...

    def cj_connect(self, body: dict[str, Any]) -> None: ...

    def cj_disconnect(self, shop_id: str, platform_product_id: str, platform_variant_id: str | None = None) -> None: ...


class StoreExecutor:
    """Carries out store listing changes, one at a time, recording after each store call."""

    kind = KIND

    def __init__(
        self,
        stores: StoreClients,
        *,
        now: Callable[[], str],
        cj: ConnectionApi | None = None,
        check_store: bool = False,
    ) -> None:
        self.stores = stores
        self.cj = cj
        self.now = now
        self.check_store = check_store
        self._prepared: set[str] = set()

    def record(self, state: SyncState, change: Change) -> SyncState:
        """Only for a forget with no call (none is planned today): drop the record."""
        return without_listing(state, change.name)

    def execute(self, changes: Sequence[Change], run: Run) -> None:
        moved = self._moved_underneath(changes) if self.check_store else {}
        pending = list(changes)
        while pending:
            if run.stop.is_set():
                break
            group = self._first_publishes(pending, run.result.state)
            if len(group) > 1:
                del pending[: len(group)]
                self._publish_group(group, run)
                continue
            change = pending.pop(0)
            run.begin(change)
            try:
                if change.name in moved:
                    raise StoreChangedError(
                        f"the store changed since the plan was saved: {moved[change.name]}",
                        call=f"{change.action.value} {change.address}",
                        hint="run `cjrec plan --out FILE` again (with --refresh-details to see the store's side) "
                        "and apply that",
                    )
                self._one(change, run)
            except CancelledError:
                run.withdraw(change)
                return
            except CjrecError as exc:
                run.failed(change, exc)
                continue
            run.succeeded(change)

    # -- first publishes, many at once (a platform whose publish_batch > 1: WooCommerce's batches) ----
    def _first_publishes(self, pending: Sequence[Change], state: SyncState) -> list[Change]:
        """The leading first publishes to one store, up to its platform's ``publish_batch``."""
        head = pending[0]
        api = self.stores.get(str((head.after or {}).get("store") or ""))
        if api is None or not _first_publish(head, state):
            return [head]
        size = platform_named(api.store.platform).publish_batch
        group = [head]
        for change in pending[1 : max(1, size)]:
            if not _first_publish(change, state) or (change.after or {}).get("store") != api.store.name:
                break
            group.append(change)
        return group

    def _publish_group(self, group: Sequence[Change], run: Run) -> None:
        """Publish ``group`` in one :meth:`StoreClient.publish_all`; each product recorded, failed or
        withdrawn on its own (the state written after the batch, product by product)."""
        api = self.stores[str((group[0].after or {}).get("store"))]
        call = f"publish {len(group)} products to {KIND}.{api.store.name}"
        ready: list[tuple[Change, Listing]] = []
        for change in group:
            run.begin(change)
            after = change.after or {}
            try:
                ready.append(
                    (change, self._listing(run.result.state, str(after["pid"]), str(after["fingerprint"]), change))
                )
            except CjrecError as exc:
                run.failed(change, exc)
        if not ready:
            return
        try:
            self._prepare(api, call)
            outcomes = api.publish_all([listing for _, listing in ready], call=call)
        except CancelledError:
            for change, _ in ready:
                run.withdraw(change)
            return
        except CjrecError as exc:
            for change, _ in ready:
                run.failed(change, exc)
            return
        for n, ((change, listing), outcome) in enumerate(zip(ready, outcomes, strict=True)):
            status = _status((change.after or {}).get("status") or "active")
            one = f"create {change.address}"
            try:
                record = _record(api.store.name, listing, _check(outcome, one), status, self.now(), connection=None)
                run.save(functools.partial(with_listing, record=record))
                self._connect_change(api, change, record, one, run)
            except CancelledError:
                for later, _ in ready[n:]:
                    run.withdraw(later)
                return
            except CjrecError as exc:
                run.failed(change, exc)
                continue
            run.succeeded(change)

    def _prepare(self, api: StoreClient, call: str) -> None:
        """What the store needs before the first publish of the run (once per store)."""
        if api.store.name in self._prepared:
            return
        problems = api.prepare(call=call)
        if problems:
            raise StoreRefusedError(f"the store refused what publishing needs: {problems[0]}", call=call)
        self._prepared.add(api.store.name)

    def _moved_underneath(self, changes: Sequence[Change]) -> dict[str, str]:
        """For a saved plan: the changes whose product the store no longer holds as the plan saw
        it (recorded), by record name, with what moved: a product deleted, a price cjrec set
        edited. One read per store (a few products per query), and only of products it changes."""
        wanted: dict[str, dict[str, tuple[str, dict[str, str] | None]]] = {}
        for change in changes:
            after = change.after or {}
            if change.before is None or after.get("connect_only"):
                continue
            before = ListingRecord.from_dict(change.before)
            # what the plan expected the store to hold: what it read (--refresh-details), else the record
            expected = (
                after["store_seen"] if "store_seen" in after else {v.sku: v.price for v in before.variants.values()}
            )
            wanted.setdefault(before.store, {})[before.product_id] = (before.key, expected)
        moved: dict[str, str] = {}
        for store_name, expecting in wanted.items():
            api = self.stores.get(store_name)
            if api is None:
                continue
            found = api.read(sorted(expecting))
            for product_id, (key, expected) in expecting.items():
                why = _difference(product_id, expected, found.get(product_id))
                if why:
                    moved[key] = why
        return moved

    # -- one change ---------------------------------------------------------------------------
    def _one(self, change: Change, run: Run) -> None:
        before = ListingRecord.from_dict(change.before) if change.before is not None else None
        after = change.after or {}
        store_name = str(after.get("store") or (before.store if before else ""))
        api = self.stores.get(store_name)
        if api is None:
            raise UsageError(f"{change.address}: no connection to store {store_name!r} was set up for this apply")
        call = f"{change.action.value} {change.address}"
        if change.action is Action.FORGET or after.get("removed"):
            assert before is not None
            self._remove(change, before, api, run, call)
            return
        listing = self._listing(run.result.state, str(after["pid"]), str(after["fingerprint"]), change)
        current = listings_of(run.result.state).get(change.name) or before
        status = _status(after.get("status") or "active")
        if after.get("connect_only") and current is not None:
            record = current
        else:
            outcome = self._send(api, listing, current, status, call)
            record = _record(store_name, listing, outcome, status, self.now(), connection=_kept(current))
            run.save(lambda state: with_listing(state, record))
        self._connect_change(api, change, record, call, run)

    def _connect_change(self, api: StoreClient, change: Change, record: ListingRecord, call: str, run: Run) -> None:
        """The CJ connection ``change`` asks for, recorded when it moved."""
        after = change.after or {}
        wanted = after.get("connection")
        if isinstance(wanted, dict):
            connected = self._connect(api, record, wanted, call, force=bool(after.get("reconnect")))
            if connected != record.connection:
                run.save(lambda state: with_listing(state, replace(record, connection=connected)))

    def _remove(self, change: Change, before: ListingRecord, api: StoreClient, run: Run, call: str) -> None:
        """``onRemove``: CJ's connection is removed first (CJ must not route orders of a product
        the store no longer sells), then the product is archived, drafted or deleted."""
        current = listings_of(run.result.state).get(change.name) or before
        if current.connection is not None:
            ids = platform_named(api.store.platform)
            self._cj().cj_disconnect(current.connection.shop_id, ids.cj_id(current.product_id))
            current = replace(current, connection=None)
            run.save(lambda state: with_listing(state, current))
        if change.action is Action.FORGET:
            _check(api.delete(current.product_id, call=call), call)
            run.save(lambda state: without_listing(state, change.name))
            return
        status = _status((change.after or {})["status"])
        _check(api.set_status(current.product_id, status, call=call), call)
        run.save(lambda state: with_listing(state, _with_status(current, status, self.now())))

    def _connect(
        self, api: StoreClient, record: ListingRecord, wanted: dict[str, Any], call: str, *, force: bool = False
    ) -> ConnectionRecord:
        """Connect every published variant at CJ, reading CJ's connections of the product first so
        that a rerun (after a crash between CJ's answer and the state write) posts only what is
        missing and removes connections of variants the store no longer has."""
        ids = platform_named(api.store.platform)
        shop_id = str(wanted["shop_id"])
        product_id = ids.cj_id(record.product_id)
        want = {vid: ids.cj_id(v.id) for vid, v in sorted(record.variants.items())}
        settings = {key: wanted.get(key) for key in ("logistics", "ship_from", "ship_to")}
        target = ConnectionRecord(shop_id=shop_id, variants=want, **settings)
        if record.connection == target and not force:
            return target
        cj = self._cj()
        existing = cj.cj_connections(shop_id, product_id)
        for row in existing:
            if row.platform_variant_id not in want.values():
                cj.cj_disconnect(shop_id, product_id, row.platform_variant_id)
        present = {(row.cj_vid, row.platform_variant_id) for row in existing if row.cj_pid == record.pid}
        # repost connected variants only when the recorded logistics moved; with no record (a first
        # connect, or a rerun after a crash) what CJ already has is left as it is
        moved = record.connection is not None and record.connection.settings() != target.settings()
        missing = [(vid, pvid) for vid, pvid in want.items() if moved or (vid, pvid) not in present]
        if missing:
            body: dict[str, Any] = {
                "cjProductId": record.pid,
                "platformProductId": product_id,
                "shopId": shop_id,
                "variantList": [{"cjVariantId": vid, "platformVariantId": pvid} for vid, pvid in missing],
            }
            if target.logistics:
                body["logistics"] = target.logistics
            if target.ship_from:
                body["sourceCountryCode"] = target.ship_from
            if target.ship_to:
                body["targetCountryCode"] = target.ship_to
            cj.cj_connect(body)
        return target

    def _cj(self) -> ConnectionApi:
        if self.cj is None:
            raise UsageError("no CJ client was set up to connect the store's products")
        return self.cj

    def _listing(self, state: SyncState, pid: str, fingerprint: str, change: Change) -> Listing:
        product = products_of(state).get(pid)
        if product is None:
            raise StoreRefusedError(
                f"product.{pid} is not recorded: its own change failed or did not run in this apply",
                call=f"{change.action.value} {change.address}",
                hint="fix the product's change, then apply again: the store follows it",
            )
        listing = listing_of(product)
        if listing is None or listing.fingerprint != fingerprint:
            raise StoreRefusedError(
                "the product's variants or prices changed since the plan was made",
                call=f"{change.action.value} {change.address}",
                hint="run `cjrec plan` again",
            )
        return listing

    def _send(
        self, api: StoreClient, listing: Listing, current: ListingRecord | None, status: ListingStatus, call: str
    ) -> Outcome:
        if current is not None:
            known = {vid: v.id for vid, v in current.variants.items()}
            if current.status != status:
                moved = api.set_status(current.product_id, status, call=call)
                if not moved.gone:
                    _check(moved, call)
            if set(known) == {v.vid for v in listing.variants}:
                outcome = api.set_prices(current.product_id, listing, known, call=call)
            else:
                outcome = api.set_variants(current.product_id, listing, known, call=call)
            if not outcome.gone:
                return _check(outcome, call)
            # the merchant deleted it in the store: publish it again
        self._prepare(api, call)
        return _check(api.publish(listing, call=call), call)


def _first_publish(change: Change, state: SyncState) -> bool:
    """A publish of a product the state has no record of (a create, not a removal or a forget)."""
    return change.action is Action.CREATE and change.name not in listings_of(state)


def _status(value: object) -> ListingStatus:
    text = str(value)
    if text == "draft":
        return "draft"
    return "archived" if text == "archived" else "active"


def _check(outcome: Outcome, call: str) -> Outcome:
    errors = outcome.errors
    if outcome.gone:
        raise StoreRefusedError("the product no longer exists in the store", call=call, hint="apply again")
    if errors:
        shown = "; ".join(str(e) for e in errors[:3])
        raise StoreRefusedError(
            f"the store refused it: {shown}", call=call, hint="fix the product or its listing, then apply again"
        )
    return outcome


def _difference(product_id: str, expected: dict[str, str] | None, now: StoreProduct | None) -> str | None:
    """What moved in the store against what the plan expected (prices by SKU; None: deleted)."""
    if expected is None:
        return None if now is None else f"product {product_id} is back in the store"
    if now is None:
        return f"product {product_id} was deleted in the store"
    prices = {v.sku: v.price for v in now.variants if v.sku is not None}
    edited = [
        f"{sku} {price} -> {prices[sku]}"
        for sku, price in sorted(expected.items())
        if sku in prices and prices[sku] != price
    ]
    return ("price edited in the store: " + "; ".join(edited)) if edited else None


def _kept(record: ListingRecord | None) -> ConnectionRecord | None:
    return None if record is None else record.connection


def _record(
    store: str, listing: Listing, outcome: Outcome, status: str, now: str, *, connection: ConnectionRecord | None
) -> ListingRecord:
    product = outcome.product
    if product is None:
        raise StoreRefusedError("the store answered without the product", call=f"publish {listing.pid}")
    ids = product.variant_ids({v.sku: v.vid for v in listing.variants})
    return ListingRecord(
        store=store,
        pid=listing.pid,
        product_id=product.id,
        variants={
            v.vid: StoreVariantRecord(ids[v.vid], v.sku, v.price, v.compare_at)
            for v in listing.variants
            if v.vid in ids
        },
        fingerprint=listing.fingerprint,
        status=status,
        published_at=now,
        connection=connection,
    )


def _with_status(record: ListingRecord, status: str, now: str) -> ListingRecord:
    return replace(record, status=status, published_at=now)
