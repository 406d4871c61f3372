"""Compute the Plan from what the manifests ask for, what the state recorded and what CJ says.

A pure function of its arguments: no network, no files, no clock (the time is passed in).
That is what makes "plan shows exactly what apply does" testable. Two steps: first
:func:`details_needed` says which products must be queried (so the caller can check the
points cost before spending anything), then :func:`make_plan` builds the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from reconciler import __version__
from reconciler.errors import Diagnostic, ManifestError
from reconciler.models.cj import MyProduct
from reconciler.models.desired import Desired, DesiredProduct, Logo
from reconciler.models.observed import Observed
from reconciler.models.plan import Action, Change, Cost, Drift, Finding, Plan
from reconciler.models.state import LogoRecord, ProductRecord, ProductSnapshot, SyncState
from reconciler.planner.snapshots import drift_between, pod_properties, snapshot_of
from reconciler.planner.webhooks import plan_webhooks
from reconciler.safe_text import for_terminal

DETAIL_POINTS = 10
MODES = ("normal", "refresh-details", "offline")


@dataclass(frozen=True)
class PlanRequest:
    """How to plan: the mode, the time, the manifests' digest and the account's qps."""

    mode: str
    now: datetime
    manifests_digest: str
    qps: float

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown plan mode {self.mode!r}")


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


def make_plan(desired: Desired, recorded: SyncState | None, observed: Observed, request: PlanRequest) -> Plan:
    """The plan that takes the recorded state to the desired one, given what CJ says."""
    builder = _Builder(desired, recorded, observed, request)
    builder.logos()
    builder.products()
    builder.webhooks()
    return builder.finish()


class _Builder:
    def __init__(self, desired: Desired, recorded: SyncState | None, observed: Observed, request: PlanRequest) -> None:
        self.desired = desired
        self.recorded = recorded or SyncState(lineage="", serial=0)
        self.has_state = recorded is not None
        self.observed = observed
        self.request = request
        self.changes: list[Change] = []
        self.drift: list[Drift] = []
        self.warnings: list[Finding] = []
        self.errors: list[Diagnostic] = []
        self.unmanaged: list[Finding] = []

    # -- logos ------------------------------------------------------------------------
    def logos(self) -> None:
        for logo in self.desired.logos:
            after = _logo_record(logo)
            before = self.recorded.logos.get(logo.name)
            address = f"logo.{logo.name}"
            if before is None:
                self.changes.append(Change(address, Action.CREATE, None, after.to_dict(), "new logo", str(logo.source)))
            elif before.to_dict() != after.to_dict():
                what = [k for k, v in after.to_dict().items() if before.to_dict().get(k) != v]
                reason = "changed: " + ", ".join(what)
                self.changes.append(
                    Change(address, Action.UPDATE, before.to_dict(), after.to_dict(), reason, str(logo.source))
                )
        wanted = {logo.name for logo in self.desired.logos}
        for name, record in sorted(self.recorded.logos.items()):
            if name not in wanted:
                self.changes.append(
                    Change(f"logo.{name}", Action.FORGET, record.to_dict(), None, "removed from the manifests", None)
                )

    # -- products ---------------------------------------------------------------------
    def products(self) -> None:
        listed = self.observed.my_products
        for product in self.desired.products:
            self._product(product, listed)
        wanted = {p.pid for p in self.desired.products}
        for pid, record in sorted(self.recorded.products.items()):
            if pid not in wanted:
                self.changes.append(
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
                if pid not in wanted and pid not in self.recorded.products:
                    name, sku = for_terminal(row.name, limit=80), for_terminal(row.sku, limit=40)
                    label = f"{name or '(no name)'} ({sku or 'no SKU'})"
                    self.unmanaged.append(
                        Finding(
                            f"product.{pid}",
                            f"{label} is in My Products but in no manifest; adopt it with `cjrec import`",
                        )
                    )

    def _product(self, product: DesiredProduct, listed: dict[str, MyProduct] | None) -> None:
        pid = product.pid
        address = f"product.{pid}"
        record = self.recorded.products.get(pid)
        detail = self.observed.details.get(pid)
        unavailable = self.observed.unavailable.get(pid)
        if unavailable is not None and record is None and listed is not None and pid in listed:
            # already in My Products, so nothing needs adding: adopt it, but say orders will fail
            self.warnings.append(
                Finding(address, f"is in My Products but CJ says it is {unavailable}: adopted; orders for it will fail")
            )
        elif unavailable is not None and record is None:
            self.errors.append(
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
            self.warnings.append(Finding(address, f"CJ says the product is {unavailable}; orders for it will fail"))
            if record.snapshot is not None:
                snapshot = _with_status(record.snapshot, "unavailable")
        if record is not None and record.snapshot is not None and snapshot is not None and snapshot != record.snapshot:
            self.drift.extend(drift_between(address, record.snapshot, snapshot))
        if detail is not None:
            for where, url in detail.dropped_images:
                self.warnings.append(
                    Finding(
                        address,
                        f"CJ's {where} is not an http(s) URL, so it was dropped: {for_terminal(url, limit=60)!r}",
                    )
                )
        if detail is not None and detail.variants and all(v.stock == 0 for v in detail.variants):
            self.warnings.append(Finding(address, "is out of stock at CJ in every variant"))
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
            self.changes.append(Change(address, action, None, after.to_dict(), reason, str(product.source)))
            return
        after = ProductRecord(pid, product.url, record.origin, snapshot, logo, pod)
        if in_list is False and unavailable is not None:
            self.warnings.append(
                Finding(
                    address,
                    f"is gone from My Products and CJ says it is {unavailable}: it cannot be added again; "
                    "remove it from the manifests",
                )
            )
            if not _same(after, record):
                self.changes.append(
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
            self.changes.append(
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
            self.changes.append(
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
                self.warnings.append(
                    Finding(
                        address,
                        f"names logo {product.logo!r} but is not a print-on-demand product: the logo is not used",
                    )
                )
            return None, None
        logo: Logo | None = self.desired.logo(product.logo) if product.logo else self.desired.default_logo
        if logo is None:
            self.warnings.append(
                Finding(
                    address, "is a print-on-demand product with no logo and no default logo: it may appear unbranded"
                )
            )
            return None, None
        url = logo.fetch_url
        if url is None:
            self.warnings.append(
                Finding(address, f"uses logo {logo.name!r}, which has no publicUrl: CJ cannot fetch it for orders yet")
            )
            return logo.name, None
        return logo.name, pod_properties(url)

    # -- webhooks -----------------------------------------------------------------------
    def webhooks(self) -> None:
        changes, drift = plan_webhooks(self.desired, self.recorded, self.observed)
        self.changes.extend(changes)
        self.drift.extend(drift)

    # -- the plan ---------------------------------------------------------------------
    def finish(self) -> Plan:
        if self.errors:
            raise ManifestError(self.errors, hint="CJ refuses these products; fix the manifests and plan again")
        order = {Action.FORGET: 0, Action.CREATE: 1, Action.ADOPT: 2, Action.READD: 3, Action.UPDATE: 4}
        kinds = {"logo": 0, "product": 1, "webhook": 2}
        changes = sorted(self.changes, key=lambda c: (kinds[c.kind], order[c.action], c.address))
        warnings = list(self.warnings)
        managed = len(self.recorded.products)
        plan = Plan(
            created_at=self.request.now.isoformat(timespec="seconds"),
            mode=self.request.mode,
            lineage=self.recorded.lineage if self.has_state else None,
            serial=self.recorded.serial if self.has_state else None,
            manifests_digest=self.request.manifests_digest,
            changes=tuple(changes),
            drift=tuple(self.drift),
            warnings=(),
            unmanaged=tuple(self.unmanaged),
            cost=Cost(
                plan_calls=self.observed.calls,
                plan_points=self.observed.points,
                apply_calls=sum(c.cost()[0] for c in changes),
                apply_points=sum(c.cost()[1] for c in changes),
                qps=self.request.qps,
            ),
            managed_before=managed,
            cjrec_version=__version__,
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


def _same(a: ProductRecord, b: ProductRecord) -> bool:
    """Equal as recorded. Comparing the records first is a shortcut (most are unchanged, and their
    to_dict() at 50,000 products took a third of the plan); to_dict() decides when they differ."""
    return a == b or a.to_dict() == b.to_dict()


def _with_status(snapshot: ProductSnapshot, status: str) -> ProductSnapshot:
    return replace(snapshot, status=status)


def _logo_record(logo: Logo) -> LogoRecord:
    image = logo.image
    return LogoRecord(
        name=logo.name,
        file=logo.file_display,
        url=logo.url,
        public_url=logo.public_url,
        default=logo.default,
        sha256=image.sha256 if image else None,
        format=image.format if image else None,
        width=image.width if image else None,
        height=image.height if image else None,
    )


def _why(before: ProductRecord, after: ProductRecord) -> str:
    reasons = []
    if before.snapshot != after.snapshot:
        reasons.append("drifted remotely")
    if before.url != after.url:
        reasons.append("URL changed")
    if before.logo != after.logo or before.pod_properties != after.pod_properties:
        reasons.append("logo changed")
    return ", ".join(reasons) or "record changed"
