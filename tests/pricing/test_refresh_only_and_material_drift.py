"""``apply --refresh-only`` records what CJ says and nothing else; only material drift fails the job.

A refresh-only plan updates the managed products' snapshots and check times, keeps their
listings (prices are repriced by the next apply, shown old → new), creates, adopts and
forgets nothing, and leaves webhooks and logos alone. Material drift (Settings ``drift``):
a selected variant's cost moved by ``costChangePercent`` or more, a selected variant gone,
the product off sale, a recorded price whose margin fell below ``minMargin``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from reconciler.models.cj import ProductDetail
from reconciler.models.desired import Desired, DriftThresholds, Settings
from reconciler.models.plan import Plan
from reconciler.models.state import SyncState
from tests.support.plan_builders import NOW, QPS, applied, desired, observed, pid, plan, product
from tests.support.pricing_examples import shirt, worked_rule

P1, P2, P3 = pid(1), pid(2), pid(3)
LATER = NOW + timedelta(days=1)


def priced(*, cost_change_percent: Decimal = Decimal(10), off_sale: bool = True) -> Desired:
    drift = DriftThresholds(cost_change_percent=cost_change_percent, off_sale=off_sale)
    settings = Settings(qps=QPS, drift=drift)
    return desired([product(P1), product(P2)], pricing=[worked_rule(min_margin="5.00")], settings=settings)


def baseline(want: Desired) -> SyncState:
    return applied(plan(want, None, observed(details=[shirt(P1), shirt(P2)])), None)


def refresh(want: Desired, recorded: SyncState, *details: ProductDetail) -> Plan:
    return plan(
        want,
        recorded,
        observed(my_products=[P1, P2], details=details),
        mode="refresh-details",
        now=LATER,
        refresh_only=True,
    )


def test_a_refresh_only_records_costs_and_check_times_and_keeps_the_prices() -> None:
    want = priced()
    before = baseline(want)
    moved = shirt(P1, {"Black-S": "3.20", "Black-M": "3.07", "White-S": "38.70"})

    result = refresh(want, before, moved, shirt(P2))

    by_address = {c.address: c for c in result.changes}
    p1 = by_address[f"product.{P1}"].after
    assert p1 is not None
    assert p1["snapshot"]["variants"][f"{P1}-Black-S"]["price"] == "3.20"
    assert p1["listing"]["variants"][f"{P1}-Black-S"]["price"] == "9.99"  # not repriced by a refresh
    assert p1["checked_at"] == LATER.isoformat()
    p2 = by_address[f"product.{P2}"]  # unchanged at CJ: only its check time is recorded
    assert p2.reason == "refreshed: checked, no change"
    assert p2.after is not None and p2.after["checked_at"] == LATER.isoformat()
    assert all(c.action.value == "update" and not c.calls_cj for c in result.changes)
    assert result.refresh is not None and result.refresh.only


def test_the_next_apply_reprices_what_the_refresh_recorded() -> None:
    want = priced()
    before = baseline(want)
    moved = shirt(P1, {"Black-S": "3.50", "Black-M": "3.07", "White-S": "38.70"})
    refreshed = applied(refresh(want, before, moved, shirt(P2)), before)

    result = plan(want, refreshed, observed(my_products=[P1, P2]))

    [change] = result.changes
    assert change.address == f"product.{P1}"
    assert change.before is not None and change.after is not None
    assert change.before["listing"]["variants"][f"{P1}-Black-S"]["price"] == "9.99"
    assert change.after["listing"]["variants"][f"{P1}-Black-S"]["price"] == "10.99"


def test_a_refresh_only_adds_and_forgets_nothing() -> None:
    want = priced()
    before = baseline(want)
    grown = desired([product(P2), product(P3)], pricing=[worked_rule()])

    result = refresh(grown, before, shirt(P2))

    assert [c.address for c in result.changes] == [f"product.{P2}"]  # P3 is new, P1 left the manifests


def test_a_small_cost_move_is_recorded_but_not_material() -> None:
    want = priced(cost_change_percent=Decimal(10))

    result = refresh(
        want, baseline(want), shirt(P1, {"Black-S": "3.30", "Black-M": "3.07", "White-S": "38.70"}), shirt(P2)
    )

    assert result.drift  # 3.07 -> 3.30 is 7.5 %: drift, recorded,
    assert result.material_drift == ()  # but not material


def test_a_cost_move_at_the_threshold_is_material() -> None:
    want = priced(cost_change_percent=Decimal(10))

    result = refresh(
        want, baseline(want), shirt(P1, {"Black-S": "3.07", "Black-M": "3.07", "White-S": "42.57"}), shirt(P2)
    )

    assert [m.message for m in result.material_drift] == [
        "variant White-S cost 38.70 -> 42.57 USD (+10.0 %, costChangePercent 10)"
    ]


def test_off_sale_is_material_and_can_be_turned_off() -> None:
    on = priced()
    off = priced(off_sale=False)

    assert [m.message for m in refresh(on, baseline(on), shirt(P1, status="2"), shirt(P2)).material_drift] == [
        "off sale at CJ (status 2)"
    ]
    assert refresh(off, baseline(off), shirt(P1, status="2"), shirt(P2)).material_drift == ()


def test_a_recorded_price_whose_margin_fell_below_min_margin_is_material() -> None:
    want = priced(cost_change_percent=Decimal(100))  # only the margin rule can fire
    moved = shirt(P1, {"Black-S": "5.10", "Black-M": "3.07", "White-S": "38.70"})

    result = refresh(want, baseline(want), moved, shirt(P2))

    # 9.99 was priced on a cost of 3.07; on 5.10 it leaves 4.89, below minMargin 5.00
    assert [m.message for m in result.material_drift] == [
        "variant Black-S: recorded price 9.99 USD on cost 5.10 USD leaves 4.89, below minMargin 5.00"
    ]
