"""After apply, plan is empty: recording every change's ``after`` and planning again changes nothing.

A Hypothesis property over small random worlds: a catalogue of products (POD or not, some
variant prices), logos (file or URL, with or without a public URL, at most one default),
a random recorded state (maybe stale: other snapshots, other logo associations, logos that
changed or were removed), a random My Products list, and manifests naming a random subset.
The first plan is applied by recording each change the way the applier does; for the second
plan My Products also holds the products apply added, and details are queried exactly as
``details_needed`` says. Whatever the first plan did, the second must have no change.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.kinds.product.plan import details_needed
from reconciler.models.cj import ProductDetail
from reconciler.models.desired import Desired, Logo
from reconciler.models.observed import Observed
from reconciler.models.state import SyncState
from tests.support.plan_builders import (
    applied,
    desired,
    detail,
    logo,
    observed,
    pid,
    plan,
    product,
    record,
    state,
)

LOGO_NAMES = ["brand", "house", "promo"]
PRICES = st.lists(st.sampled_from(["9.50", "12.00", "3.10", None]), max_size=3)


@st.composite
def logos(draw: st.DrawFn) -> list[Logo]:
    names = draw(st.lists(st.sampled_from(LOGO_NAMES), unique=True, max_size=3))
    default = draw(st.sampled_from([None, *names]))
    made = []
    for name in names:
        kind = draw(st.sampled_from(["file", "file-unpublished", "url"]))
        if kind == "url":
            made.append(logo(name, default=name == default, url=f"https://img.example.com/{name}.png"))
        else:
            made.append(logo(name, default=name == default, public_url="auto" if kind == "file" else None))
    return made


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Desired, SyncState | None, dict[str, ProductDetail], set[str], str]:
    pids = [pid(i) for i in range(draw(st.integers(0, 6)))]
    catalogue = {
        p: detail(p, pod=draw(st.booleans()), prices=draw(PRICES), status=draw(st.sampled_from(["3", "2"])))
        for p in pids
    }
    want_logos = draw(logos())
    names = [lg.name for lg in want_logos]
    wanted = draw(st.lists(st.sampled_from(pids), unique=True)) if pids else []
    want = desired(
        [product(p, logo=draw(st.sampled_from([None, *names]))) for p in wanted],
        want_logos,
    )
    recorded: SyncState | None = None
    if draw(st.booleans()):
        records = []
        for p in pids:
            how = draw(st.sampled_from(["absent", "fresh", "stale", "unqueried"]))
            if how == "absent":
                continue
            seen = catalogue[p] if how == "fresh" else detail(p, pod=draw(st.booleans()), prices=draw(PRICES))
            records.append(
                record(
                    p,
                    seen=seen,
                    no_snapshot=how == "unqueried",
                    origin=draw(st.sampled_from(["added", "adopted"])),
                    logo=draw(st.sampled_from([None, "brand", "gone"])),
                    pod=draw(st.sampled_from([None, '[{"stale":true}]'])),
                    url=draw(st.sampled_from([None, f"https://cjdropshipping.com/product/old-p-{p}.html"])),
                )
            )
        old_logos = [lg for lg in want_logos if draw(st.booleans())]
        old_logos += [logo("retired")] if draw(st.booleans()) else []
        old_logos = [logo(lg.name, content=b"older") if draw(st.booleans()) else lg for lg in old_logos]
        recorded = state(records, old_logos)
    listed = set(draw(st.lists(st.sampled_from(pids), unique=True))) if pids else set()
    mode = draw(st.sampled_from(["normal", "refresh-details", "offline"]))
    return want, recorded, catalogue, listed, mode


def _observe(
    want: Desired, recorded: SyncState | None, catalogue: dict[str, ProductDetail], listed: set[str], mode: str
) -> Observed:
    if mode == "offline":
        return Observed.offline()
    needed = details_needed(want, recorded, refresh_details=mode == "refresh-details")
    return observed(my_products=sorted(listed), details=[catalogue[p] for p in needed])


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_planning_again_after_apply_changes_nothing(
    world: tuple[Desired, SyncState | None, dict[str, ProductDetail], set[str], str],
) -> None:
    want, recorded, catalogue, listed, mode = world
    first = plan(want, recorded, _observe(want, recorded, catalogue, listed, mode), mode=mode)
    after = applied(first, recorded)
    listed_now = listed | {c.name for c in first.changes if c.calls_cj}

    second = plan(want, after, _observe(want, after, catalogue, listed_now, mode), mode=mode)

    assert second.changes == (), [c.to_dict() for c in second.changes]
    assert set(after.products) == set(want.of("product"))
    assert set(after.logos) == set(want.of("logo"))
    assert second.cost.apply_calls == 0
    if mode != "offline":
        assert all(r.snapshot is not None for r in after.products.values())
