"""Plan the product resources: one ``product.<pid>`` per product in the manifests.

Pure, called by the planner core. What to observe: :func:`details_needed` names the
products whose details must be queried (new ones, or every managed one with
``--refresh-details``); the caller checks :func:`detail_cost` against the points budget
before spending anything, and also lists My Products. What changed: a product is created
(added at CJ), adopted (already in My Products), re-added (gone from My Products), updated
(its recorded snapshot, URL or logo changed; drift is reported field by field) or
forgotten (dropped from the manifests; CJ has no call to remove it). Products in My
Products but in no manifest are listed as unmanaged. A product CJ refuses to add is a
manifest error. What apply does: see ``reconciler/kinds/product/apply.py``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from decimal import Decimal
from typing import Any

from reconciler.errors import Diagnostic
from reconciler.kinds.logo.model import default_logo, logo_named
from reconciler.kinds.planning import REFRESH_DETAILS, KindPlan, PlanContext
from reconciler.kinds.pricing.prices import margin_misses, plan_listing
from reconciler.kinds.product.model import details_of, products, unavailable_of
from reconciler.kinds.product.model import listed as listed_of
from reconciler.kinds.product.record import Listing, ProductRecord, ProductSnapshot, products_of
from reconciler.kinds.product.snapshots import drift_between, pod_properties, snapshot_of
from reconciler.models.cj import MyProduct, ProductDetail
from reconciler.models.cj_limits import DETAIL_POINTS as DETAIL_POINTS  # noqa: PLC0414 - still importable from here
from reconciler.models.desired import Desired, DesiredProduct, Logo
from reconciler.models.plan import Action, Change, Finding, RefreshSummary
from reconciler.models.state import SyncState
from reconciler.safe_text import for_terminal

ERROR_HINT = "CJ refuses these products; fix the manifests and plan again"


def details_needed(
    desired: Desired,
    recorded: SyncState | None,
    *,
    refresh_details: bool,
    refresh_budget: int | None = None,
    refresh_only: bool = False,
    hinted: tuple[str, ...] = (),
    hinted_only: bool = False,
) -> list[str]:
    """The pids whose details the plan must query.

    New products (and those never queried) always, unless ``refresh_only`` (a refresh
    leaves new products to apply); with ``refresh_details``, the managed ones too: every
    one, or with ``refresh_budget`` (points) as many as the budget pays for after the new
    ones, the least recently checked first (never checked first, then by ``checked_at``,
    then in manifest order), so repeated runs sweep the whole catalogue in turn. The products
    CJ's webhook messages named (``hinted``, in the order they were named) come before all
    of those, within the same budget; with ``hinted_only`` (the drift job the receiver starts)
    they are the only managed products re-read, so a run spends 10 points per named product.
    """
    known = products_of(recorded) if recorded else {}
    chosen: set[str] = set()
    managed: list[tuple[int, str, int, str]] = []
    for index, product in enumerate(products(desired)):
        record = known.get(product.pid)
        if record is None or record.snapshot is None:
            if record is not None or not refresh_only:
                chosen.add(product.pid)
        elif refresh_details and (product.pid in hinted or not hinted_only):
            first = hinted.index(product.pid) if product.pid in hinted else len(hinted)
            managed.append((first, record.checked_at or "", index, product.pid))
    room = len(managed) if refresh_budget is None else max(0, refresh_budget // DETAIL_POINTS - len(chosen))
    chosen.update(pid for _first, _at, _index, pid in sorted(managed)[:room])
    return [p.pid for p in products(desired) if p.pid in chosen]


def detail_cost(pids: list[str]) -> int:
    """Points the detail queries for ``pids`` cost."""
    return DETAIL_POINTS * len(pids)


def plan_products(context: PlanContext) -> KindPlan:
    """Create, adopt, re-add, update or forget the product records; list the unmanaged ones."""
    return _Products(context).plan()


class _Products:
    def __init__(self, context: PlanContext) -> None:
        self.context = context
        self.found = KindPlan(error_hint=ERROR_HINT)
        self.refresh_only = context.request.refresh_only
        self.now = context.request.now.astimezone(UTC).isoformat(timespec="seconds")

    def plan(self) -> KindPlan:
        listed = listed_of(self.context.observed)
        desired, recorded = self.context.desired, self.context.recorded
        for product in products(desired):
            self._product(product, listed)
        wanted = {p.pid for p in products(desired)}
        self.found.refresh = self._refresh_summary()
        for pid, record in sorted(products_of(recorded).items()):
            if self.refresh_only:
                break
            if pid not in wanted:
                self.found.changes.append(
                    Change(
                        f"product.{pid}",
                        Action.FORGET,
                        record.to_dict(),
                        None,
                        "removed from the manifests: cjrec stops tracking it; CJ has no API to remove it from "
                        "My Products, so remove it in CJ's web UI if you want it gone",
                    )
                )
        if listed is not None:
            for pid, row in sorted(listed.items()):
                if pid not in wanted and pid not in products_of(recorded):
                    name, sku = for_terminal(row.name, limit=80), for_terminal(row.sku, limit=40)
                    label = f"{name or '(no name)'} ({sku or 'no SKU'})"
                    self.found.unmanaged.append(
                        Finding(
                            f"product.{pid}",
                            f"{label} is in My Products but in no manifest; adopt it with `cjrec import`",
                        )
                    )
        return self.found

    def _refresh_summary(self) -> RefreshSummary | None:
        """How many products this plan checked and the oldest check once it is applied."""
        if self.context.request.mode != REFRESH_DETAILS:
            return None
        observed, recorded = self.context.observed, products_of(self.context.recorded)
        checked = 0
        times: list[str] = []
        never = 0
        for product in products(self.context.desired):
            record = recorded.get(product.pid)
            if record is None and self.refresh_only:
                continue
            if product.pid in details_of(observed) or product.pid in unavailable_of(observed):
                checked += 1
                times.append(self.now)
            elif record is not None and record.checked_at is not None:
                times.append(record.checked_at)
            else:
                never += 1
        return RefreshSummary(
            only=self.refresh_only,
            checked=checked,
            products=len(times) + never,
            oldest_checked_at=min(times) if times else None,
            never_checked=never,
        )

    def _detail_warnings(self, address: str, detail: ProductDetail) -> None:
        """What a fresh detail query tells beyond drift: images refused (not http(s)), no stock at all."""
        for where, url in detail.dropped_images:
            self.found.warnings.append(
                Finding(
                    address,
                    f"CJ's {where} is not an http(s) URL, so it was dropped: {for_terminal(url, limit=60)!r}",
                )
            )
        if detail.variants and all(v.stock == 0 for v in detail.variants):
            self.found.warnings.append(Finding(address, "is out of stock at CJ in every variant"))

    def _product(self, product: DesiredProduct, listed: dict[str, MyProduct] | None) -> None:
        pid = product.pid
        address = f"product.{pid}"
        record = products_of(self.context.recorded).get(pid)
        detail = details_of(self.context.observed).get(pid)
        unavailable = unavailable_of(self.context.observed).get(pid)
        checked_now = self.now if detail is not None or unavailable is not None else None
        if self.refresh_only and record is None:
            return  # a refresh records what CJ says of managed products; adding new ones is apply's job
        if unavailable is not None and record is None and listed is not None and pid in listed:
            # already in My Products, so nothing needs adding: adopt it, but say orders will fail
            self.found.warnings.append(
                Finding(address, f"is in My Products but CJ says it is {unavailable}: adopted; orders for it will fail")
            )
        elif unavailable is not None and record is None:
            self.found.errors.append(
                Diagnostic(
                    product.source.file,
                    product.source.line,
                    "productUrl",
                    f"CJ cannot add product {pid}: {unavailable}; remove it from the manifest or pick another product",
                )
            )
            return
        snapshot: ProductSnapshot | None = snapshot_of(detail) if detail else (record.snapshot if record else None)
        if unavailable is not None and record is not None:
            # warn even when it was never queried before (created offline): there is no snapshot to mark
            self.found.warnings.append(
                Finding(address, f"CJ says the product is {unavailable}; orders for it will fail")
            )
            if record.snapshot is not None:
                snapshot = _with_status(record.snapshot, "unavailable")
        if (
            record is not None
            and record.snapshot is not None
            and snapshot is not None
            and snapshot is not record.snapshot
            and snapshot != record.snapshot
        ):
            self.found.drift.extend(drift_between(address, record.snapshot, snapshot))
        if record is not None and checked_now is not None:
            self._material(product, record, snapshot, detail is not None, unavailable)
        if detail is not None:
            self._detail_warnings(address, detail)
        if self.refresh_only and record is not None:
            self._refreshed(product, record, snapshot, checked_now)
            return
        logo, pod = self._logo_for(product, snapshot, address)
        listing = self._listing(product, snapshot, address)
        in_list = None if listed is None else pid in listed
        if record is None:
            origin = "adopted" if in_list else "added"
            after = ProductRecord(pid, product.url, origin, snapshot, logo, pod, listing, checked_now)
            if in_list:
                action, reason = Action.ADOPT, "already in My Products: recorded without adding it again"
            elif listed is None:
                action, reason = Action.CREATE, "planned offline: CJ was not asked whether it is in My Products"
            else:
                action, reason = Action.CREATE, product.note or "new in the manifests"
            self.found.changes.append(Change(address, action, None, after.to_dict(), reason, str(product.source)))
            return
        # a check is recorded even when nothing else changed (see the last branch): points spent keep their time
        after = ProductRecord(pid, product.url, record.origin, snapshot, logo, pod, listing, record.checked_at)
        checked_at = checked_now or record.checked_at
        if in_list is False and unavailable is None:
            after = replace(after, origin="added", checked_at=checked_at)  # cjrec adds it this time
            self.found.changes.append(
                Change(
                    address,
                    Action.READD,
                    record.to_dict(),
                    after.to_dict(),
                    "gone from My Products (removed in CJ's web UI?): it will be added again",
                    str(product.source),
                )
            )
            return
        if in_list is False:  # and CJ says it is unavailable: it cannot be added again
            self.found.warnings.append(
                Finding(
                    address,
                    f"is gone from My Products and CJ says it is {unavailable}: it cannot be added again; "
                    "remove it from the manifests",
                )
            )
        self._update(product, record, after, checked_at, checked_now)

    def _update(
        self,
        product: DesiredProduct,
        record: ProductRecord,
        after: ProductRecord,
        checked_at: str | None,
        checked_now: str | None,
    ) -> None:
        """An update when ``after`` differs from ``record`` as recorded, else at most a new check time."""
        differing = _differing(after, record)
        if differing is None:
            self._checked_only(product, record, checked_now)
            return
        before_dict, after_dict = differing
        if checked_at != after.checked_at:
            after_dict = replace(after, checked_at=checked_at).to_dict()
        self.found.changes.append(
            Change(
                f"product.{product.pid}",
                Action.UPDATE,
                before_dict,
                after_dict,
                _why(record, after),
                str(product.source),
            )
        )

    def _checked_only(self, product: DesiredProduct, record: ProductRecord, checked_now: str | None) -> None:
        """Points spent leave their check time, or a --refresh-budget rotation would check the same ones again."""
        if checked_now is None or checked_now == record.checked_at:
            return
        self.found.changes.append(
            Change(
                f"product.{product.pid}",
                Action.UPDATE,
                record.to_dict(),
                replace(record, checked_at=checked_now).to_dict(),
                "checked at CJ, no change: the check time is recorded so the next refresh checks others first",
                str(product.source),
            )
        )

    def _refreshed(
        self, product: DesiredProduct, record: ProductRecord, snapshot: ProductSnapshot | None, checked: str | None
    ) -> None:
        """Refresh-only: record CJ's side (snapshot, check time), keep what the manifests decide."""
        refreshed = replace(record, snapshot=snapshot, checked_at=checked or record.checked_at)
        if not _same(refreshed, record):
            reason = "refreshed: " + (_why(record, refreshed) if record.snapshot != snapshot else "checked, no change")
            self.found.changes.append(
                Change(
                    f"product.{product.pid}",
                    Action.UPDATE,
                    record.to_dict(),
                    refreshed.to_dict(),
                    reason,
                    str(product.source),
                )
            )

    def _listing(self, product: DesiredProduct, snapshot: ProductSnapshot | None, address: str) -> Listing | None:
        if snapshot is None:
            return None  # details unknown (planned offline): selected and priced once they are queried
        priced = plan_listing(self.context.desired, product, snapshot, address)
        self.found.warnings.extend(priced.warnings)
        self.found.errors.extend(priced.errors)
        return priced.listing

    def _material(
        self,
        product: DesiredProduct,
        record: ProductRecord,
        snapshot: ProductSnapshot | None,
        queried: bool,
        unavailable: str | None,
    ) -> None:
        """Material drift of a product checked this run (Settings ``drift``), for the drift job."""
        limits = self.context.desired.settings.drift
        address = f"product.{product.pid}"
        old = record.snapshot
        selected = record.selected()
        found: list[str] = []
        if limits.off_sale and (unavailable is not None or (snapshot is not None and snapshot.status not in ("3", ""))):
            found.append(f"off sale at CJ ({unavailable or 'status ' + (snapshot.status if snapshot else '?')})")
        if queried and snapshot is not None and old is not None:
            for vid in selected:
                before, now = old.variants.get(vid), snapshot.variants.get(vid)
                seen = before or now
                label = (seen.variant_key or seen.sku) if seen is not None else vid
                if now is None:
                    if limits.variant_gone:
                        found.append(f"selected variant {label} is gone at CJ")
                    continue
                if before is None or before.price is None or now.price is None or before.price == now.price:
                    continue
                was, cost = Decimal(before.price), Decimal(now.price)
                moved = abs(cost - was) * 100 / was if was else Decimal(100)
                if moved >= limits.cost_change_percent:
                    found.append(
                        f"variant {label} cost {was} -> {cost} USD ({'+' if cost > was else '-'}{moved:.1f} %, "
                        f"costChangePercent {limits.cost_change_percent})"
                    )
        if limits.below_min_margin and record.listing is not None and snapshot is not None:
            found.extend(margin_misses(self.context.desired, product, record.listing, snapshot))
        self.found.material.extend(Finding(address, text) for text in found)

    def _logo_for(
        self, product: DesiredProduct, snapshot: ProductSnapshot | None, address: str
    ) -> tuple[str | None, str | None]:
        if snapshot is None:
            return product.logo, None
        if not snapshot.is_pod:
            if product.logo is not None:
                self.found.warnings.append(
                    Finding(
                        address,
                        f"names logo {product.logo!r} but is not a print-on-demand product: the logo is not used",
                    )
                )
            return None, None
        logo: Logo | None = (
            logo_named(self.context.desired, product.logo) if product.logo else default_logo(self.context.desired)
        )
        if logo is None:
            self.found.warnings.append(
                Finding(
                    address, "is a print-on-demand product with no logo and no default logo: it may appear unbranded"
                )
            )
            return None, None
        url = logo.fetch_url
        if url is None:
            self.found.warnings.append(
                Finding(address, f"uses logo {logo.name!r}, which has no publicUrl: CJ cannot fetch it for orders yet")
            )
            return logo.name, None
        return logo.name, pod_properties(url)


def _differing(after: ProductRecord, before: ProductRecord) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The two records as recorded (``before``, ``after``) when they differ, else None (see ``_same``)."""
    if after == before:
        return None
    before_dict, after_dict = before.to_dict(), after.to_dict()
    return None if before_dict == after_dict else (before_dict, after_dict)


def _same(a: ProductRecord, b: ProductRecord) -> bool:
    """Equal as recorded. Comparing the records first is a shortcut (most are unchanged, and their
    to_dict() at 50,000 products took a third of the plan); to_dict() decides when they differ."""
    return a == b or a.to_dict() == b.to_dict()


def _with_status(snapshot: ProductSnapshot, status: str) -> ProductSnapshot:
    return replace(snapshot, status=status)


def _why(before: ProductRecord, after: ProductRecord) -> str:
    reasons = []
    if before.snapshot != after.snapshot:
        reasons.append("drifted remotely")
    if before.listing != after.listing:
        reasons.append(_listing_change(before.listing, after.listing))
    if before.url != after.url:
        reasons.append("URL changed")
    if before.logo != after.logo or before.pod_properties != after.pod_properties:
        reasons.append("logo changed")
    return ", ".join(reasons) or "record changed"


def _listing_change(before: Listing | None, after: Listing | None) -> str:
    if before is None or after is None:
        return "store listing recorded" if after is not None else "store listing dropped (no selection, rule or price)"
    if set(before.variants) != set(after.variants):
        return f"selected variants {len(before.variants)} -> {len(after.variants)}"
    if before.rule != after.rule or before.currency != after.currency:
        return f"pricing {before.rule} -> {after.rule}"
    moved = sum(1 for vid, v in after.variants.items() if before.variants[vid].price != v.price)
    return f"{moved} store price(s) changed" if moved else "store prices recomputed"
