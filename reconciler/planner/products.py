"""Plan the product resources: one ``product.<pid>`` per product in the manifests.

Pure, called by the planner core. What to observe: :func:`details_needed` names the
products whose details must be queried (new ones, or every managed one with
``--refresh-details``); the caller checks :func:`detail_cost` against the points budget
before spending anything, and also lists My Products. What changed: a product is created
(added at CJ), adopted (already in My Products), re-added (gone from My Products), updated
(its recorded snapshot, URL or logo changed; drift is reported field by field) or
forgotten (dropped from the manifests; CJ has no call to remove it). Products in My
Products but in no manifest are listed as unmanaged. A product CJ refuses to add is a
manifest error. What apply does: see ``reconciler/applier/products.py``.
"""

from __future__ import annotations

from dataclasses import replace

from reconciler.errors import Diagnostic
from reconciler.models.cj import MyProduct
from reconciler.models.desired import Desired, DesiredProduct, Logo
from reconciler.models.plan import Action, Change, Finding
from reconciler.models.state import ProductRecord, ProductSnapshot, SyncState
from reconciler.planner.kind import KindPlan, PlanContext
from reconciler.planner.snapshots import drift_between, pod_properties, snapshot_of
from reconciler.safe_text import for_terminal

DETAIL_POINTS = 10
ERROR_HINT = "CJ refuses these products; fix the manifests and plan again"


def details_needed(desired: Desired, recorded: SyncState | None, *, refresh_details: bool) -> list[str]:
    """The pids whose details the plan must query: new products, and every managed one with ``refresh_details``."""
    known = recorded.products if recorded else {}
    needed = []
    for product in desired.products:
        record = known.get(product.pid)
        if record is None or record.snapshot is None or refresh_details:
            needed.append(product.pid)
    return needed


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

    def plan(self) -> KindPlan:
        listed = self.context.observed.my_products
        desired, recorded = self.context.desired, self.context.recorded
        for product in desired.products:
            self._product(product, listed)
        wanted = {p.pid for p in desired.products}
        for pid, record in sorted(recorded.products.items()):
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
                if pid not in wanted and pid not in recorded.products:
                    name, sku = for_terminal(row.name, limit=80), for_terminal(row.sku, limit=40)
                    label = f"{name or '(no name)'} ({sku or 'no SKU'})"
                    self.found.unmanaged.append(
                        Finding(
                            f"product.{pid}",
                            f"{label} is in My Products but in no manifest; adopt it with `cjrec import`",
                        )
                    )
        return self.found

    def _product(self, product: DesiredProduct, listed: dict[str, MyProduct] | None) -> None:
        pid = product.pid
        address = f"product.{pid}"
        record = self.context.recorded.products.get(pid)
        detail = self.context.observed.details.get(pid)
        unavailable = self.context.observed.unavailable.get(pid)
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
        if record is not None and record.snapshot is not None and snapshot is not None and snapshot != record.snapshot:
            self.found.drift.extend(drift_between(address, record.snapshot, snapshot))
        if detail is not None:
            for where, url in detail.dropped_images:
                self.found.warnings.append(
                    Finding(
                        address,
                        f"CJ's {where} is not an http(s) URL, so it was dropped: {for_terminal(url, limit=60)!r}",
                    )
                )
        if detail is not None and detail.variants and all(v.stock == 0 for v in detail.variants):
            self.found.warnings.append(Finding(address, "is out of stock at CJ in every variant"))
        logo, pod = self._logo_for(product, snapshot, address)
        in_list = None if listed is None else pid in listed
        if record is None:
            origin = "adopted" if in_list else "added"
            after = ProductRecord(pid, product.url, origin, snapshot, logo, pod)
            if in_list:
                action, reason = Action.ADOPT, "already in My Products: recorded without adding it again"
            elif listed is None:
                action, reason = Action.CREATE, "planned offline: CJ was not asked whether it is in My Products"
            else:
                action, reason = Action.CREATE, "new in the manifests"
            self.found.changes.append(Change(address, action, None, after.to_dict(), reason, str(product.source)))
            return
        after = ProductRecord(pid, product.url, record.origin, snapshot, logo, pod)
        if in_list is False and unavailable is not None:
            self.found.warnings.append(
                Finding(
                    address,
                    f"is gone from My Products and CJ says it is {unavailable}: it cannot be added again; "
                    "remove it from the manifests",
                )
            )
            if not _same(after, record):
                self.found.changes.append(
                    Change(
                        address,
                        Action.UPDATE,
                        record.to_dict(),
                        after.to_dict(),
                        _why(record, after),
                        str(product.source),
                    )
                )
        elif in_list is False:
            after = ProductRecord(pid, product.url, "added", snapshot, logo, pod)  # cjrec adds it this time
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
        elif not _same(after, record):
            self.found.changes.append(
                Change(
                    address, Action.UPDATE, record.to_dict(), after.to_dict(), _why(record, after), str(product.source)
                )
            )

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
            self.context.desired.logo(product.logo) if product.logo else self.context.desired.default_logo
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
    if before.url != after.url:
        reasons.append("URL changed")
    if before.logo != after.logo or before.pod_properties != after.pod_properties:
        reasons.append("logo changed")
    return ", ".join(reasons) or "record changed"
