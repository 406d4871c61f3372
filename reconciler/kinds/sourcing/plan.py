"""Plan the sourcing requests: one ``sourcing.<host/path>`` per Products item with ``sourceUrl``.

Pure, called by the planner core. For each item it compares the manifests, the recorded
request and what CJ's ``queryList`` said this run, and decides:

- no record → ``+ source`` (file it; 0 points), or ``<= adopt`` when the item names a
  ``sourcingId`` filed elsewhere;
- recorded and open → nothing to do while CJ works on it; once CJ says it succeeded,
  ``~ update`` records the pid, and :func:`sourced_products` hands that product to the
  products planner (which plans its ``+ create``, details, logo… like any other);
  once CJ says it failed, ``~ update`` records the reason;
- failed → stays failed until the item changes (its fingerprint: URL, name, image,
  remark, price), which files a new request (``+/ re-source``);
- a ``filing`` record (a run was killed between sending the create and recording CJ's
  answer) → never filed again by itself: a warning says how to settle it;
- a record whose item left the manifests → forgotten (CJ has no call to withdraw it).

CJ accepts ``sourcingPerDay`` creates per UTC day, counted in the state: creates past
today's allowance stay in the plan, marked as waiting for tomorrow, and apply leaves them
planned. Every plan also lists where each open request stands (:class:`SourcingPlan.status`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from reconciler.kinds.planning import KindPlan, PlanContext
from reconciler.kinds.product.model import listed, products, with_products
from reconciler.kinds.sourcing.model import problems_of, sourcing_items, status_error_of, statuses_of
from reconciler.kinds.sourcing.record import quota_of, requests_of
from reconciler.models.desired import Desired, DesiredProduct
from reconciler.models.observed import Observed
from reconciler.models.plan import Action, Change, Finding
from reconciler.models.product_url import product_url
from reconciler.models.sourcing import (
    PHASE_FAILED,
    PHASE_FILING,
    PHASE_OPEN,
    PHASE_SUCCEEDED,
    STATUS_SUCCEEDED,
    SourcingItem,
    SourcingQuota,
    SourcingRecord,
    SourcingStatus,
    address_of,
    third_product_id,
)
from reconciler.models.state import SyncState
from reconciler.safe_text import for_terminal

KIND = "sourcing"


@dataclass
class SourcingPlan:
    """The sourcing changes, the warnings, and one status line per request CJ is working on."""

    changes: list[Change] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    status: list[Finding] = field(default_factory=list)


def utc_day(now: datetime) -> str:
    """The UTC day CJ counts sourcing creates in, as YYYY-MM-DD."""
    return now.astimezone(UTC).date().isoformat()


def ids_to_check(desired: Desired, recorded: SyncState | None) -> list[str]:
    """The request ids to ask queryList about: every open request, and ids the manifests adopt."""
    ids: dict[str, None] = {}
    records = requests_of(recorded) if recorded else {}
    for record in records.values():
        if record.phase == PHASE_OPEN and record.sourcing_id:
            ids[record.sourcing_id] = None
    for item in sourcing_items(desired):
        known = records.get(item.key)
        if item.sourcing_id and (known is None or known.sourcing_id != item.sourcing_id):
            ids[item.sourcing_id] = None
    return list(ids)


def _status_for(item: SourcingItem, record: SourcingRecord | None, observed: Observed) -> SourcingStatus | None:
    wanted = item.sourcing_id if item.sourcing_id and (record is None or record.phase != PHASE_SUCCEEDED) else None
    source_id = wanted or (record.sourcing_id if record else None)
    statuses = statuses_of(observed)
    if source_id is None or statuses is None:
        return None
    return statuses.get(source_id)


def sourced_products(desired: Desired, recorded: SyncState | None, observed: Observed) -> tuple[DesiredProduct, ...]:
    """The products sourcing requests became: recorded as succeeded, or succeeded according to CJ now.

    The products planner plans them like any other item (details, logo, drift); each points
    back at its ``sourceUrl`` line in the manifests.
    """
    records = requests_of(recorded) if recorded else {}
    products: list[DesiredProduct] = []
    for item in sourcing_items(desired):
        record = records.get(item.key)
        pid = record.pid if record is not None and record.phase == PHASE_SUCCEEDED else None
        if pid is None:
            status = _status_for(item, record, observed)
            if status is not None and status.phase == PHASE_SUCCEEDED:
                pid = status.cj_product_id
        if pid:
            request = (record.sourcing_id if record else None) or item.sourcing_id
            note = f"sourced by CJ from {item.url} (sourcing request {request}): added to My Products"
            products.append(
                DesiredProduct(
                    pid=pid,
                    url=product_url(pid, item.name),
                    logo=item.logo,
                    source=item.source,
                    note=note,
                    variants=item.variants,
                    pricing=item.pricing,
                    price=item.store_price,
                    stores=item.stores,
                )
            )
    return tuple(products)


def with_sourced_products(desired: Desired, recorded: SyncState | None, observed: Observed) -> Desired:
    """``desired`` with the products its sourcing requests became added to its products (once each)."""

    listed = {p.pid for p in products(desired)}
    extra = tuple(p for p in sourced_products(desired, recorded, observed) if p.pid not in listed)
    return with_products(desired, products(desired) + extra) if extra else desired


def plan_sourcing(context: PlanContext) -> KindPlan:
    """The kind planner (``kinds/planning.py``): sourcing changes, warnings and status lines."""
    found = plan_requests(context.desired, context.recorded, context.observed, now=context.request.now)
    changes = found.changes
    if context.request.refresh_only:  # record what CJ said of open requests; file, adopt and forget nothing
        changes = [c for c in changes if _records_cj_answer(c)]
    return KindPlan(changes=changes, warnings=found.warnings, status=found.status)


def _records_cj_answer(change: Change) -> bool:
    """An update that records CJ's verdict on an open request (succeeded with its pid, or failed)."""
    before, after = change.before or {}, change.after or {}
    return (
        change.action is Action.UPDATE
        and before.get("phase") == PHASE_OPEN
        and after.get("phase") in (PHASE_SUCCEEDED, PHASE_FAILED)
        and before.get("sourcing_id") == after.get("sourcing_id")
    )


def plan_requests(desired: Desired, recorded: SyncState, observed: Observed, *, now: datetime) -> SourcingPlan:
    """The sourcing changes, warnings and status lines for one plan made at ``now``."""
    plan = SourcingPlan()
    day = utc_day(now)
    per_day = desired.settings.sourcing_per_day
    quota = quota_of(recorded) or SourcingQuota(day)
    allowance = quota.left(day, per_day)
    if status_error_of(observed):
        plan.warnings.append(
            Finding(
                None,
                f"could not ask CJ where the sourcing requests stand ({status_error_of(observed)}); "
                "they are shown as last recorded, and checked again by the next plan",
            )
        )
    for problem in problems_of(observed):
        plan.warnings.append(Finding(None, f"CJ's sourcing answer could not be read in full: {problem}"))
    files: list[tuple[SourcingItem, SourcingRecord | None]] = []
    for item in sorted(sourcing_items(desired), key=lambda i: i.address):
        record = requests_of(recorded).get(item.key)
        status = _status_for(item, record, observed)
        if _plan_item(plan, item, record, status, observed, now):
            files.append((item, record))
    files.sort(key=lambda pair: (pair[1] is not None, pair[0].address))  # plan order: creates, then re-files
    for index, (item, record) in enumerate(files):
        _file(plan, item, record, now, waiting=index >= allowance, per_day=per_day, quota=quota, day=day)
    wanted = {item.key for item in sourcing_items(desired)}
    for key, record in sorted(requests_of(recorded).items()):
        if key not in wanted:
            open_at_cj = record.phase in (PHASE_OPEN, PHASE_FILING)
            plan.changes.append(
                Change(
                    address_of(record.url),
                    Action.FORGET,
                    record.to_dict(),
                    None,
                    "removed from the manifests: cjrec stops tracking it"
                    + ("; CJ has no call to withdraw a request, so it stays open at CJ" if open_at_cj else ""),
                )
            )
    return plan


def _plan_item(
    plan: SourcingPlan,
    item: SourcingItem,
    record: SourcingRecord | None,
    status: SourcingStatus | None,
    observed: Observed,
    now: datetime,
) -> bool:
    """Plan one item; True when a request must be filed for it."""
    address, where = item.address, str(item.source)
    if status is not None:
        _report_oddities(plan, address, status)
    if record is None or (
        item.sourcing_id and record.sourcing_id != item.sourcing_id and record.phase != PHASE_SUCCEEDED
    ):
        if not item.sourcing_id:
            return True
        after = _adopted(item, status, now)
        before = record.to_dict() if record else None
        action = Action.ADOPT if record is None else Action.UPDATE
        reason = f"adopts CJ sourcing request {item.sourcing_id} (sourcingId in the manifests): recorded without filing"
        if record is not None and record.phase == PHASE_FILING:
            reason += "; settles the filing a killed run left unconfirmed"
        plan.changes.append(Change(address, action, before, after.to_dict(), reason, where))
        _status_line(plan, address, after, status, observed, now)
        return False
    if record.phase == PHASE_FILING:
        plan.warnings.append(Finding(address, _interrupted(record, item)))
        return False
    if record.phase == PHASE_SUCCEEDED:
        return False
    if record.phase == PHASE_FAILED:
        if record.fingerprint != item.fingerprint and not item.sourcing_id:
            return True
        _status_line(plan, address, record, status, observed, now, pinned=bool(item.sourcing_id))
        return False
    # open at CJ
    if status is not None and status.phase == PHASE_SUCCEEDED:
        after = record.with_(
            phase=PHASE_SUCCEEDED, pid=status.cj_product_id, checked_at=_iso(now), cj_status=_text(status)
        )
        reason = f"CJ sourced it as product {status.cj_product_id}: the product is planned below"
        plan.changes.append(Change(address, Action.UPDATE, record.to_dict(), after.to_dict(), reason, where))
        return False
    if status is not None and status.phase == PHASE_FAILED:
        if record.fingerprint != item.fingerprint and not item.sourcing_id:
            return True  # the item changed while CJ worked on the old one: file the new one
        reason_text = _cj(status.fail_reason, "no reason given")
        after = record.with_(phase=PHASE_FAILED, reason=reason_text, checked_at=_iso(now), cj_status=_text(status))
        plan.changes.append(
            Change(
                address,
                Action.UPDATE,
                record.to_dict(),
                after.to_dict(),
                f"CJ could not source it: {reason_text}",
                where,
            )
        )
        _status_line(plan, address, after, status, observed, now, pinned=bool(item.sourcing_id))
        return False
    if record.fingerprint != item.fingerprint:
        plan.warnings.append(
            Finding(
                address,
                "the item changed after its request was filed; CJ works on the request as filed, "
                "and the change files a new one only if CJ fails this one",
            )
        )
    _status_line(plan, address, record, status, observed, now)
    return False


def _file(
    plan: SourcingPlan,
    item: SourcingItem,
    record: SourcingRecord | None,
    now: datetime,
    *,
    waiting: bool,
    per_day: int,
    quota: SourcingQuota,
    day: str,
) -> None:
    after = SourcingRecord(
        url=item.url,
        phase=PHASE_OPEN,
        fingerprint=item.fingerprint,
        third_product_id=third_product_id(item.url),
        name=item.name,
        request=item.create_body(),
    )
    if record is None:
        action, reason = Action.CREATE, "new in the manifests: a sourcing request is filed with CJ (0 points)"
    else:
        action = Action.READD
        reason = (
            f"CJ could not source it ({record.reason or 'failed'}) and the item changed since: a new request is filed"
        )
        if record.phase == PHASE_OPEN:
            reason = "CJ could not source it as filed and the item changed since: a new request is filed"
    if waiting:
        used = per_day if quota.exhausted and quota.day == day else (quota.filed if quota.day == day else 0)
        reason += (
            f"; waits for tomorrow: CJ takes {per_day} a day (Settings sourcingPerDay) and {used} "
            f"{'was' if used == 1 else 'were'} filed today (UTC), so apply leaves it planned"
        )
    plan.changes.append(
        Change(item.address, action, record.to_dict() if record else None, after.to_dict(), reason, str(item.source))
    )


def _adopted(item: SourcingItem, status: SourcingStatus | None, now: datetime) -> SourcingRecord:
    record = SourcingRecord(
        url=item.url,
        phase=PHASE_OPEN,
        fingerprint=item.fingerprint,
        third_product_id=third_product_id(item.url),
        sourcing_id=item.sourcing_id,
        origin="adopted",
        name=item.name,
    )
    if status is None:
        return record
    checked = {"checked_at": _iso(now), "cj_status": _text(status)}
    if status.phase == PHASE_SUCCEEDED:
        return record.with_(phase=PHASE_SUCCEEDED, pid=status.cj_product_id, **checked)
    if status.phase == PHASE_FAILED:
        return record.with_(phase=PHASE_FAILED, reason=_cj(status.fail_reason, "no reason given"), **checked)
    return record.with_(**checked)


def _report_oddities(plan: SourcingPlan, address: str, status: SourcingStatus) -> None:
    if status.status == STATUS_SUCCEEDED and not status.cj_product_id:
        plan.warnings.append(
            Finding(
                address,
                f"CJ says request {status.source_id} succeeded but gives no cjProductId: shown as in progress, "
                "asked again by the next plan",
            )
        )


def _status_line(
    plan: SourcingPlan,
    address: str,
    record: SourcingRecord,
    status: SourcingStatus | None,
    observed: Observed,
    now: datetime,
    *,
    pinned: bool = False,
) -> None:
    ident = f"request {record.sourcing_id}" if record.sourcing_id else "request"
    if record.phase == PHASE_FAILED:
        fix = (
            "remove `sourcingId` from the item (it pins this request) and change the item to file a new one"
            if pinned
            else "change the item (e.g. its remark) to file a new one"
        )
        plan.status.append(Finding(address, f"failed: {record.reason} ({ident}); {fix}"))
        return
    if record.phase == PHASE_SUCCEEDED:
        plan.status.append(Finding(address, f"succeeded: CJ lists it as product {record.pid}"))
        return
    age = _age(record.filed_at, now)
    since = f" for {age}" if age else ""
    if status is None:
        why = "not checked (offline plan)" if listed(observed) is None else "CJ did not say"
        if status_error_of(observed):
            why = "CJ could not be asked"
        elif (statuses := statuses_of(observed)) is not None and record.sourcing_id and record.sourcing_id not in statuses:
            why = f"CJ's queryList does not return {ident}; is the id right?"
        plan.status.append(Finding(address, f"in progress{since} as last recorded ({why}); {ident}"))
        return
    if status.undocumented:
        plan.status.append(
            Finding(
                address,
                f"in progress{since}: CJ status {_cj(status.status, '')!r} ({_cj(status.status_text, 'no text')}) is not one "
                f"cjrec knows, so it is shown as in progress; {ident}",
            )
        )
        return
    plan.status.append(Finding(address, f"in progress{since} (CJ: {_cj(status.status_text, 'sourcing')}); {ident}"))


def _interrupted(record: SourcingRecord, item: SourcingItem) -> str:
    return (
        f"a run stopped after sending this sourcing request to CJ (at {record.filed_at or 'an unknown time'}) and "
        "before recording CJ's answer, so CJ may or may not have it; CJ has no idempotency key, so cjrec will not file "
        f"it again by itself. Look for it in CJ's web UI (sourcing list; thirdProductId {record.third_product_id}): if "
        f"it is there, add `sourcingId: <its id>` to the item at {item.source}; if not, run "
        f"`cjrec state forget {item.address}` and the next apply files it"
    )


def _text(status: SourcingStatus) -> str:
    return for_terminal(f"{status.status} {status.status_text}".strip(), limit=120)


def _cj(text: str | None, fallback: str) -> str:
    """Text CJ wrote (a status, a reason): one line, no control or escape characters."""
    return for_terminal(text, limit=200) if text else fallback


def _iso(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="seconds")


def _age(filed_at: str | None, now: datetime) -> str | None:
    if not filed_at:
        return None
    try:
        then = datetime.fromisoformat(filed_at)
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    minutes = max(0, int((now - then).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} d {hours % 24} h"
