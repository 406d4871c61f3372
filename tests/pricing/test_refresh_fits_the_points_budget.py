"""A refresh within a points budget checks the least recently checked products first.

The arithmetic the issue asks for: a product detail costs 10 points, so 50,000 points a day
pay for 5,000 products a day, and a 20,000-product catalogue is checked in full every
20,000 x 10 / 50,000 = 4 days: the oldest check is never more than 4 days old.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from reconciler.kinds.product.plan import DETAIL_POINTS, details_needed
from reconciler.models.state import SyncState
from reconciler.render.describe import refresh_line
from tests.support.plan_builders import NOW, applied, desired, detail, observed, pid, plan, product, record, state

DAILY_POINTS = 50_000
CATALOGUE = 20_000


def checked(recorded: SyncState, pids: list[str], when: str) -> SyncState:
    products = dict(recorded.products)
    for p in pids:
        products[p] = replace(products[p], checked_at=when)
    return replace(recorded, products=products)


def test_50000_points_a_day_check_20000_products_every_4_days() -> None:
    per_day = DAILY_POINTS // DETAIL_POINTS
    assert per_day == 5_000
    assert CATALOGUE * DETAIL_POINTS / DAILY_POINTS == 4  # days for a full sweep

    pids = [pid(i) for i in range(CATALOGUE)]
    want = desired([product(p) for p in pids])
    template = record(pids[0])
    recorded = SyncState(lineage="l", serial=1, products={p: replace(template, pid=p) for p in pids})
    last_check: dict[str, int] = {}
    for day in range(8):
        chosen = details_needed(want, recorded, refresh_details=True, refresh_budget=DAILY_POINTS)
        assert len(chosen) == per_day
        if day < 4:
            assert not set(chosen) & set(last_check)  # the first four days each check products never checked
        else:
            assert {last_check[p] for p in chosen} == {day - 4}  # then the ones checked four days before
        for p in chosen:
            last_check[p] = day
        recorded = checked(recorded, chosen, (NOW + timedelta(days=day)).isoformat())
        if day >= 3:
            assert len(last_check) == CATALOGUE
            assert day - min(last_check.values()) <= 3  # today's run makes the oldest check at most 3 days old
    assert sorted(last_check.values()).count(7) == per_day


def test_new_products_come_out_of_the_budget_first() -> None:
    old = [pid(i) for i in range(1, 6)]
    new = pid(9)
    want = desired([product(p) for p in [*old, new]])

    chosen = details_needed(want, state([record(p) for p in old]), refresh_details=True, refresh_budget=30)

    assert new in chosen
    assert len(chosen) == 3


def test_never_checked_products_go_before_the_oldest_checked() -> None:
    a, b, c = pid(1), pid(2), pid(3)
    recorded = state(
        [
            replace(record(a), checked_at="2026-02-27T00:00:00+00:00"),
            replace(record(b), checked_at="2026-02-25T00:00:00+00:00"),
            record(c),
        ]
    )

    chosen = details_needed(
        desired([product(a), product(b), product(c)]), recorded, refresh_details=True, refresh_budget=20
    )

    assert chosen == [b, c]


def test_the_plan_says_how_many_were_checked_and_the_oldest_checks_age() -> None:
    a, b = pid(1), pid(2)
    recorded = state(
        [replace(record(a), checked_at=(NOW - timedelta(days=3)).isoformat()), replace(record(b), checked_at=None)]
    )

    result = plan(
        desired([product(a), product(b)]),
        recorded,
        observed(my_products=[a, b], details=[detail(b)]),
        mode="refresh-details",
    )

    assert result.refresh is not None
    assert (result.refresh.checked, result.refresh.products, result.refresh.never_checked) == (1, 2, 0)
    assert refresh_line(result) == (
        "Refresh: checked 1 of 2 products; the oldest check is 3.0 days old (2026-02-26T12:00:00+00:00)."
    )


def test_a_check_alone_is_recorded_so_points_spent_leave_their_check_time() -> None:
    """A refresh that finds nothing changed still records when it checked, or the rotation never advances."""
    a = pid(1)
    recorded = applied(plan(desired([product(a)]), None, observed(details=[detail(a)])), None)
    later_time = NOW + timedelta(days=1)

    later = plan(
        desired([product(a)]),
        recorded,
        observed(my_products=[a], details=[detail(a)]),
        mode="refresh-details",
        now=later_time,
    )

    (change,) = later.changes
    assert change.action.value == "update" and "checked at CJ, no change" in change.reason
    assert change.check_only and not later.has_changes  # recorded by apply, but no change to review (exit 0)
    assert change.after is not None and change.after["checked_at"] == later_time.isoformat(timespec="seconds")
    assert {k: v for k, v in change.after.items() if k != "checked_at"} == {
        k: v for k, v in (change.before or {}).items() if k != "checked_at"
    }


def test_a_budgeted_rotation_reaches_every_product_through_plan_and_apply() -> None:
    """Three products, a budget for one a run: three runs check three different products."""
    pids = [pid(i) for i in range(1, 4)]
    want = desired([product(p) for p in pids])
    recorded = applied(plan(want, None, observed(details=[detail(p) for p in pids])), None)
    seen = []
    for day in range(1, 4):
        (chosen,) = details_needed(want, recorded, refresh_details=True, refresh_budget=DETAIL_POINTS)
        seen.append(chosen)
        result = plan(
            want,
            recorded,
            observed(my_products=pids, details=[detail(chosen)]),
            mode="refresh-details",
            now=NOW + timedelta(days=day),
        )
        recorded = applied(result, recorded)
    assert sorted(seen) == sorted(pids)
