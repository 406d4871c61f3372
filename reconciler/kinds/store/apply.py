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
from typing import ClassVar

from reconciler.errors import ApiError, CancelledError, CjrecError, Reach, UsageError
from reconciler.kinds.executing import Run
from reconciler.kinds.listing.payload import listing_of
from reconciler.kinds.product.record import products_of
from reconciler.kinds.store.model import KIND
from reconciler.kinds.store.platform import Listing, ListingStatus, Outcome, StoreClient, StoreClients
from reconciler.kinds.store.platforms import platform_named
from reconciler.kinds.store.record import ListingRecord, StoreVariantRecord, listings_of, with_listing, without_listing
from reconciler.models.plan import Action, Change
from reconciler.models.state import SyncState


class StoreRefusedError(ApiError):
    """The store refused a product (``userErrors``): that product only; the rest of the apply goes on."""

    reach: ClassVar[Reach] = Reach.ITEM


class StoreExecutor:
    """Carries out store listing changes, one at a time, recording after each store call."""

    kind = KIND

    def __init__(self, stores: StoreClients, *, now: Callable[[], str]) -> None:
        self.stores = stores
        self.now = now
        self._prepared: set[str] = set()

    def record(self, state: SyncState, change: Change) -> SyncState:
        """Only for a forget with no call (none is planned today): drop the record."""
        return without_listing(state, change.name)

    def execute(self, changes: Sequence[Change], run: Run) -> None:
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
        for (change, listing), outcome in zip(ready, outcomes, strict=True):
            status = _status((change.after or {}).get("status") or "active")
            try:
                record = _record(
                    api.store.name, listing, _check(outcome, f"create {change.address}"), status, self.now()
                )
            except CjrecError as exc:
                run.failed(change, exc)
                continue
            run.save(functools.partial(with_listing, record=record))
            run.succeeded(change)

    def _prepare(self, api: StoreClient, call: str) -> None:
        """What the store needs before the first publish of the run (once per store)."""
        if api.store.name in self._prepared:
            return
        problems = api.prepare(call=call)
        if problems:
            raise StoreRefusedError(f"the store refused what publishing needs: {problems[0]}", call=call)
        self._prepared.add(api.store.name)

    # -- one change ---------------------------------------------------------------------------
    def _one(self, change: Change, run: Run) -> None:
        before = ListingRecord.from_dict(change.before) if change.before is not None else None
        after = change.after or {}
        store_name = str(after.get("store") or (before.store if before else ""))
        api = self.stores.get(store_name)
        if api is None:
            raise UsageError(f"{change.address}: no connection to store {store_name!r} was set up for this apply")
        call = f"{change.action.value} {change.address}"
        if change.action is Action.FORGET:
            assert before is not None
            _check(api.delete(before.product_id, call=call), call)
            run.save(lambda state: without_listing(state, change.name))
            return
        if after.get("removed"):
            assert before is not None
            status = _status(after["status"])
            _check(api.set_status(before.product_id, status, call=call), call)
            run.save(lambda state: with_listing(state, _with_status(before, status, self.now())))
            return
        listing = self._listing(run.result.state, str(after["pid"]), str(after["fingerprint"]), change)
        current = listings_of(run.result.state).get(change.name) or before
        status = _status(after.get("status") or "active")
        outcome = self._send(api, listing, current, status, call)
        record = _record(store_name, listing, outcome, status, self.now())
        run.save(lambda state: with_listing(state, record))

    def _listing(self, state: SyncState, pid: str, fingerprint: str, change: Change) -> Listing:
        product = products_of(state).get(pid)
        listing = listing_of(product) if product is not None else None
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


def _record(store: str, listing: Listing, outcome: Outcome, status: str, now: str) -> ListingRecord:
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
    )


def _with_status(record: ListingRecord, status: str, now: str) -> ListingRecord:
    return ListingRecord(record.store, record.pid, record.product_id, record.variants, record.fingerprint, status, now)
