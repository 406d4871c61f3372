"""Property: after apply, planning again leaves only the sourcing requests past today's daily limit.

Random small worlds of sourcing items (some adopting a ``sourcingId``), recorded requests in
every phase, CJ's answers (in progress, succeeded with a product, failed with a reason,
undocumented statuses, successes without a product), today's count of creates, and a market
with random freight options. The first plan is applied the way the applier does it: local
changes recorded; creates filed in plan order while the day's allowance lasts (CJ gives each an
id, which it then reports as in progress) and the rest deferred; products added to My Products;
quotes recorded. Planning again with the same answers from CJ must change nothing but the
deferred creates, which must be exactly what is planned again.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.applier.applier import record_change
from reconciler.kinds.market.plan import quote_requests
from reconciler.kinds.product.model import products
from reconciler.kinds.product.plan import details_needed
from reconciler.kinds.sourcing.plan import ids_to_check, with_sourced_products
from reconciler.kinds.sourcing.record import with_quota, with_request
from reconciler.models.declared import Source
from reconciler.models.desired import Desired, Settings
from reconciler.models.markets import FreightOption, Market, MarketQuote
from reconciler.models.observed import Observed
from reconciler.models.plan import Action, Plan
from reconciler.models.sourcing import (
    PHASES,
    SourcingItem,
    SourcingQuota,
    SourcingRecord,
    SourcingStatus,
    third_product_id,
)
from reconciler.models.state import SyncState
from tests.support.plan_builders import LINEAGE, NOW, QPS, cj_said, declared, detail, observed, pid, plan

DAY = NOW.date().isoformat()
US = Market("us", "US", 10, Decimal("5.00"), ("CN",), Source("manifests/markets.yaml", 4))
options = st.lists(
    st.builds(
        FreightOption,
        st.just("CN"),
        st.sampled_from(["CJPacket", "YunExpress", "DHL"]),
        st.decimals(min_value=1, max_value=20, places=2),
        st.integers(1, 8),
        st.integers(8, 20),
    ),
    max_size=3,
)


def item(n: int, remark: str | None, sourcing_id: str | None) -> SourcingItem:
    return SourcingItem(
        f"https://a.test/item/{n}",
        f"Thing {n}",
        "https://i.test/a.jpg",
        remark,
        None,
        sourcing_id,
        None,
        Source("manifests/s.yaml", 5 + n),
    )


@st.composite
def worlds(
    draw: st.DrawFn,
) -> tuple[Desired, SyncState, dict[str, SourcingStatus], dict[str, tuple[FreightOption, ...]]]:
    count = draw(st.integers(0, 6))
    items, records, statuses = [], [], {}
    for n in range(count):
        adopt = draw(st.booleans()) and draw(st.booleans())
        source = item(n, draw(st.sampled_from([None, "a", "b"])), f"17{n:017d}" if adopt else None)
        items.append(source)
        phase = draw(st.sampled_from(["absent", *PHASES]))
        sid = f"18{n:017d}"
        if phase != "absent":
            old = item(n, draw(st.sampled_from([None, "a", "b"])), None)
            records.append(
                SourcingRecord(
                    source.url,
                    phase,
                    old.fingerprint,
                    third_product_id(source.url),
                    None if phase == "filing" else sid,
                    pid=pid(100 + n) if phase == "succeeded" else None,
                    reason="gone" if phase == "failed" else None,
                )
            )
        for ident in (sid, source.sourcing_id):
            if ident is None:
                continue
            answer = draw(st.sampled_from(["1", "3", "3-bare", "5", "7", "missing"]))
            if answer == "missing":
                continue
            statuses[ident] = SourcingStatus(
                ident,
                answer.split("-")[0],
                "text",
                cj_product_id=pid(100 + n) if answer == "3" else None,
                fail_reason="no supplier" if answer == "5" else None,
            )
    quota = draw(st.sampled_from([None, SourcingQuota(DAY, draw(st.integers(0, 5)), draw(st.booleans()))]))
    want = declared(
        settings=Settings(qps=QPS, sourcing_per_day=5),
        sourcing=tuple(items),
        markets=(US,) if draw(st.booleans()) else (),
    )
    recorded = SyncState(lineage=LINEAGE, serial=1, sourcing={r.key: r for r in records}, sourcing_quota=quota)
    freight = {pid(100 + n): draw(options) for n in range(count)}
    return want, recorded, statuses, freight


def observe(
    want: Desired,
    recorded: SyncState,
    statuses: dict[str, SourcingStatus],
    freight: dict[str, tuple[FreightOption, ...]],
    listed: set[str],
) -> Observed:
    asked = ids_to_check(want, recorded)
    said = cj_said(my_products={}, sourcing={i: statuses[i] for i in asked if i in statuses})
    effective = with_sourced_products(want, recorded, said)
    needed = details_needed(effective, recorded, refresh_details=False)
    base = observed(my_products=sorted(listed), details=[detail(p) for p in needed])
    base = base.with_reads("sourcing", said.of("sourcing"))
    quotes = {
        (r.pid, r.country): MarketQuote(r.country, r.vid, r.market_origins, tuple(freight.get(r.pid, ())), None, "t")
        for r in quote_requests(effective, recorded, base)
    }
    return base.with_reads("market", quotes)


def apply(
    first: Plan, recorded: SyncState, statuses: dict[str, SourcingStatus]
) -> tuple[SyncState, set[str], list[str]]:
    """What a successful apply records; returns the state, the pids added, and the deferred creates."""
    state = recorded
    added: set[str] = set()
    deferred: list[str] = []
    for change in first.changes:
        if change.kind == "sourcing" and change.action in (Action.CREATE, Action.READD):
            quota = state.sourcing_quota or SourcingQuota(DAY)
            if quota.left(DAY, 5) <= 0:
                deferred.append(change.address)
                continue
            new_id = f"19{len(statuses):017d}"
            statuses[new_id] = SourcingStatus(new_id, "1", "Sourcing")
            after = SourcingRecord.from_dict(change.after or {}).with_(sourcing_id=new_id, filed_at=NOW.isoformat())
            state = with_quota(with_request(state, after), quota.after_filing(DAY))
            continue
        state = record_change(state, change)
        if change.kind == "product" and change.calls_cj:
            added.add(change.name)
    return state, added, deferred


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_planning_again_after_apply_leaves_only_deferred_requests(
    world: tuple[Desired, SyncState, dict[str, SourcingStatus], dict[str, tuple[FreightOption, ...]]],
) -> None:
    want, recorded, statuses, freight = world
    statuses = dict(statuses)
    first = plan(want, recorded, observe(want, recorded, statuses, freight, set()))
    after, added, deferred = apply(first, recorded, statuses)

    second = plan(want, after, observe(want, after, statuses, freight, added))

    assert [c.address for c in second.changes] == deferred, [c.to_dict() for c in second.changes]
    assert all("waits for tomorrow" in (c.reason or "") for c in second.changes)
    assert set(after.products) == {p.pid for p in products(with_sourced_products(want, after, cj_said(my_products={})))}
