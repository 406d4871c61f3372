"""The sourcing planner, pure: filing, the daily allowance, CJ's answers, adoption, interrupted filings.

Each test builds the manifests, the recorded state and CJ's queryList answer in memory and
reads the plan :func:`make_plan` makes, so the rules are checked without HTTP.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from reconciler.models.declared import Source
from reconciler.models.desired import Desired, Settings
from reconciler.models.observed import Observed
from reconciler.models.plan import Action, Plan
from reconciler.models.sourcing import (
    PHASE_FAILED,
    PHASE_FILING,
    PHASE_OPEN,
    PHASE_SUCCEEDED,
    SourcingItem,
    SourcingQuota,
    SourcingRecord,
    SourcingStatus,
    address_of,
    third_product_id,
)
from reconciler.models.state import SyncState
from reconciler.planner.planner import PlanRequest, make_plan
from tests.support.plan_builders import DIGEST, LINEAGE, NOW, QPS, cj_said, declared

FILE = "manifests/sourced.yaml"


def item(n: int, *, remark: str | None = None, sourcing_id: str | None = None) -> SourcingItem:
    return SourcingItem(
        url=f"https://www.aliexpress.com/item/{n}.html",
        name=f"Lamp {n}",
        image="https://ae01.alicdn.com/kf/lamp.jpg",
        remark=remark,
        source_price=Decimal("4.20"),
        sourcing_id=sourcing_id,
        logo=None,
        source=Source(FILE, 5 + 3 * n),
    )


def wanted(*items: SourcingItem, per_day: int = 5) -> Desired:
    return declared(settings=Settings(qps=QPS, sourcing_per_day=per_day), sourcing=items)


def record(source: SourcingItem, phase: str = PHASE_OPEN, **extra: object) -> SourcingRecord:
    base = SourcingRecord(
        url=source.url,
        phase=phase,
        fingerprint=source.fingerprint,
        third_product_id=third_product_id(source.url),
        sourcing_id=None if phase == PHASE_FILING else f"18{source.url[-10:-5]}",
        filed_at=(NOW - timedelta(hours=5)).isoformat(),
        name=source.name,
    )
    return replace(base, **extra)  # type: ignore[arg-type]


def state(*records: SourcingRecord, quota: SourcingQuota | None = None) -> SyncState:
    return SyncState(lineage=LINEAGE, serial=3, sourcing={r.key: r for r in records}, sourcing_quota=quota)


def seen(*statuses: SourcingStatus, problems: tuple[str, ...] = ()) -> Observed:
    return cj_said(my_products={}, sourcing={s.source_id: s for s in statuses}, sourcing_problems=problems)


def plan(desired: Desired, recorded: SyncState | None, observed: Observed | None = None) -> Plan:
    request = PlanRequest(mode="normal", now=NOW, manifests_digest=DIGEST, qps=QPS)
    return make_plan(desired, recorded, observed or cj_said(my_products={}), request)


def test_a_new_item_is_a_source_change_with_the_create_body_and_no_points() -> None:
    lamp = item(1, remark="ship to US")
    result = plan(wanted(lamp), None)
    (change,) = result.changes
    assert (change.address, change.action) == (address_of(lamp.url), Action.CREATE)
    assert change.after is not None and change.after["phase"] == PHASE_OPEN
    assert change.after["request"] == {
        "productName": "Lamp 1",
        "productImage": "https://ae01.alicdn.com/kf/lamp.jpg",
        "productUrl": lamp.url,
        "thirdProductId": third_product_id(lamp.url),
        "remark": "ship to US",
        "price": "4.20",
    }
    assert change.source == f"{FILE}:8"
    assert change.cost() == (1, 0) and result.cost.apply_points == 0


def test_creates_past_todays_allowance_stay_planned_and_say_they_wait() -> None:
    items = [item(n) for n in range(1, 5)]
    quota = SourcingQuota(day=NOW.date().isoformat(), filed=3)
    result = plan(wanted(*items), state(quota=quota))
    waiting = [c.address for c in result.changes if "waits for tomorrow" in (c.reason or "")]
    assert waiting == sorted(address_of(i.url) for i in items)[2:]
    assert "3 were filed today (UTC)" in (result.changes[-1].reason or "")


def test_yesterdays_count_does_not_limit_today_and_an_exhausted_day_allows_none() -> None:
    items = [item(n) for n in range(1, 3)]
    yesterday = SourcingQuota(day=(NOW - timedelta(days=1)).date().isoformat(), filed=5, exhausted=True)
    assert not [c for c in plan(wanted(*items), state(quota=yesterday)).changes if "waits" in (c.reason or "")]
    today = SourcingQuota(day=NOW.date().isoformat(), filed=1, exhausted=True)
    assert all("waits for tomorrow" in (c.reason or "") for c in plan(wanted(*items), state(quota=today)).changes)


def test_an_open_request_shows_its_progress_and_changes_nothing() -> None:
    lamp = item(1)
    rec = record(lamp)
    status = SourcingStatus(str(rec.sourcing_id), "1", "Sourcing")
    result = plan(wanted(lamp), state(rec), seen(status))
    assert result.changes == ()
    (line,) = result.status
    assert line.message == f"in progress for 5 h (CJ: Sourcing); request {rec.sourcing_id}"


def test_a_success_records_the_pid_and_plans_the_product_in_the_same_plan() -> None:
    lamp = item(1)
    rec = record(lamp)
    status = SourcingStatus(str(rec.sourcing_id), "3", "Sourcing succeeded", cj_product_id="1790000000000000000")
    result = plan(wanted(lamp), state(rec), seen(status))
    by_address = {c.address: c for c in result.changes}
    update = by_address[address_of(lamp.url)]
    assert update.action is Action.UPDATE and update.after is not None
    assert (update.after["phase"], update.after["pid"]) == (PHASE_SUCCEEDED, "1790000000000000000")
    product = by_address["product.1790000000000000000"]
    assert product.action is Action.CREATE and lamp.url in (product.reason or "")
    assert product.source == f"{FILE}:8"
    kinds = [c.kind for c in result.changes]
    assert kinds.index("sourcing") < kinds.index("product")


def test_a_failure_is_recorded_and_stays_failed_until_the_item_changes() -> None:
    lamp = item(1)
    rec = record(lamp)
    status = SourcingStatus(str(rec.sourcing_id), "5", "Sourcing failed", fail_reason="The product link is invalid")
    (change,) = plan(wanted(lamp), state(rec), seen(status)).changes
    assert change.action is Action.UPDATE and change.after is not None
    assert (change.after["phase"], change.after["reason"]) == (PHASE_FAILED, "The product link is invalid")

    failed = record(lamp, PHASE_FAILED, reason="The product link is invalid")
    same = plan(wanted(lamp), state(failed))
    assert same.changes == ()
    assert "failed: The product link is invalid" in same.status[0].message
    changed = plan(wanted(item(1, remark="try the 2nd listing")), state(failed))
    (refile,) = changed.changes
    assert refile.action is Action.READD and refile.before == failed.to_dict()
    assert refile.after is not None and refile.after["request"]["remark"] == "try the 2nd listing"


def test_an_item_changed_while_open_is_not_filed_again_but_warned() -> None:
    lamp = item(1)
    rec = record(lamp)
    result = plan(wanted(item(1, remark="new")), state(rec), seen(SourcingStatus(str(rec.sourcing_id), "1", "")))
    assert result.changes == ()
    assert "the change files a new one only if CJ fails this one" in result.warnings[0].message


def test_an_interrupted_filing_is_never_filed_again_by_itself() -> None:
    lamp = item(1)
    rec = record(lamp, PHASE_FILING)
    result = plan(wanted(lamp), state(rec))
    assert result.changes == ()
    (warning,) = result.warnings
    assert "CJ may or may not have it" in warning.message
    assert f"thirdProductId {rec.third_product_id}" in warning.message
    assert f"add `sourcingId: <its id>` to the item at {FILE}:8" in warning.message
    assert f"`cjrec state forget {address_of(lamp.url)}`" in warning.message


def test_a_sourcing_id_settles_an_interrupted_filing_and_adopts_a_request_filed_by_hand() -> None:
    lamp = item(1, sourcing_id="1899999999999999999")
    status = SourcingStatus("1899999999999999999", "1", "Sourcing")
    (settle,) = plan(wanted(lamp), state(record(lamp, PHASE_FILING)), seen(status)).changes
    assert settle.action is Action.UPDATE and "settles the filing" in (settle.reason or "")
    assert settle.after is not None and settle.after["sourcing_id"] == "1899999999999999999"
    (adopt,) = plan(wanted(lamp), None, seen(status)).changes
    assert adopt.action is Action.ADOPT and adopt.cost() == (0, 0)
    assert adopt.after is not None and adopt.after["origin"] == "adopted"


def test_an_adopted_request_that_already_succeeded_becomes_its_product() -> None:
    lamp = item(1, sourcing_id="1899999999999999999")
    status = SourcingStatus("1899999999999999999", "3", "", cj_product_id="1790000000000000000")
    result = plan(wanted(lamp), None, seen(status))
    assert {c.address: c.action for c in result.changes} == {
        address_of(lamp.url): Action.ADOPT,
        "product.1790000000000000000": Action.CREATE,
    }


def test_odd_answers_change_nothing_and_are_reported() -> None:
    lamp, tray = item(1), item(2)
    lamp_rec, tray_rec = record(lamp), record(tray)
    observed = seen(
        SourcingStatus(str(lamp_rec.sourcing_id), "3", "Sourcing succeeded", cj_product_id=None),
        SourcingStatus(str(tray_rec.sourcing_id), "9", "Paused by supplier"),
        problems=("data[2] has no sourceId",),
    )
    result = plan(wanted(lamp, tray), state(lamp_rec, tray_rec), observed)
    assert result.changes == ()
    messages = " | ".join(w.message for w in result.warnings)
    assert "succeeded but gives no cjProductId: shown as in progress" in messages
    assert "could not be read in full: data[2] has no sourceId" in messages
    assert any("CJ status '9' (Paused by supplier) is not one cjrec knows" in s.message for s in result.status)


def test_when_cj_cannot_be_asked_requests_are_shown_as_last_recorded() -> None:
    lamp = item(1)
    observed = cj_said(my_products={}, sourcing={}, sourcing_error="CJ is busy or failed: System busy")
    result = plan(wanted(lamp), state(record(lamp)), observed)
    assert result.changes == ()
    assert "could not ask CJ where the sourcing requests stand (CJ is busy" in result.warnings[0].message
    assert "as last recorded (CJ could not be asked)" in result.status[0].message


def test_an_item_removed_from_the_manifests_is_forgotten_and_says_cj_keeps_it() -> None:
    lamp = item(1)
    (change,) = plan(wanted(), state(record(lamp))).changes
    assert change.action is Action.FORGET and "stays open at CJ" in (change.reason or "")


def test_text_cj_wrote_reaches_the_plan_without_control_or_escape_characters() -> None:
    lamp, tray = item(1), item(2)
    lamp_rec, tray_rec = record(lamp), record(tray)
    hostile = "link \x1b[31minvalid\x1b[0m\r\nFAKE: all good\u202e"
    statuses = seen(
        SourcingStatus(str(lamp_rec.sourcing_id), "5", "failed", fail_reason=hostile),
        SourcingStatus(str(tray_rec.sourcing_id), "8", hostile),
    )
    result = plan(wanted(lamp, tray), state(lamp_rec, tray_rec), statuses)
    shown = [c.reason or "" for c in result.changes] + [s.message for s in result.status]
    shown += [str((c.after or {}).get("reason")) for c in result.changes]
    for text in shown:
        assert not any(ch in text for ch in ("\x1b", "\r", "\n", "\u202e")), text
    assert any("invalid" in text for text in shown)
