"""A recorded product no manifest names any more is forgotten; forgetting most of them is flagged.

CJ has no API to remove a product from My Products, so forget only stops tracking it. A plan
that forgets every managed product, or more than half of them when more than 10 are managed,
carries a plan-wide warning and ``is_mass_forget`` (apply refuses it without
``--allow-mass-forget``): the accident it guards against is a deleted or mis-globbed manifest.
"""

from __future__ import annotations

import pytest

from reconciler.models.plan import Action, Plan
from tests.support.plan_builders import (
    applied,
    desired,
    logo,
    messages,
    observed,
    only,
    pid,
    plan,
    product,
    record,
    state,
)

P1, P2 = pid(1), pid(2)


def test_a_product_removed_from_the_manifests_is_forgotten() -> None:
    before = record(P1, origin="adopted")
    result = plan(desired([product(P2)]), state([before, record(P2)]), observed(my_products=[P1, P2]))

    change = only(result, f"product.{P1}")
    assert change["action"] == "forget"
    assert change["before"] == before.to_dict()
    assert change["after"] is None
    assert "stops tracking" in change["reason"]
    assert "web UI" in change["reason"]
    assert result.cost.apply_calls == 0
    assert P1 not in applied(result, state([before, record(P2)])).products


def test_a_forgotten_product_is_not_listed_as_unmanaged_in_the_same_plan() -> None:
    result = plan(desired(), state([record(P1)]), observed(my_products=[P1]))

    assert result.unmanaged == ()


def test_a_logo_removed_from_the_manifests_is_forgotten() -> None:
    old = logo("old")
    result = plan(desired(), state(logos=[old]), observed())

    change = only(result, "logo.old")
    assert change["action"] == "forget"
    assert change["after"] is None
    assert change["reason"] == "removed from the manifests"


def _forgetting(managed: int, forgotten: int) -> Plan:
    pids = [pid(i) for i in range(managed)]
    kept = pids[forgotten:]
    return plan(desired([product(p) for p in kept]), state([record(p) for p in pids]), observed(my_products=pids))


@pytest.mark.parametrize(
    ("managed", "forgotten", "flagged"),
    [
        pytest.param(3, 3, True, id="all of 3"),
        pytest.param(1, 1, True, id="the only one"),
        pytest.param(10, 10, True, id="all of 10"),
        pytest.param(12, 7, True, id="more than half of 12"),
        pytest.param(11, 6, True, id="more than half of 11"),
        pytest.param(12, 6, False, id="exactly half of 12"),
        pytest.param(10, 5, False, id="5 of 10"),
        pytest.param(10, 6, False, id="6 of 10: not more than 10 managed"),
        pytest.param(3, 2, False, id="2 of 3"),
        pytest.param(5, 0, False, id="none of 5"),
        pytest.param(0, 0, False, id="nothing managed"),
    ],
)
def test_mass_forget_rules(managed: int, forgotten: int, flagged: bool) -> None:
    result = _forgetting(managed, forgotten)

    assert result.managed_before == managed
    assert result.forgotten_products() == forgotten
    assert result.is_mass_forget is flagged
    plan_wide = messages(result, None)
    if flagged:
        assert len(plan_wide) == 1
        assert f"forgets {forgotten} of {managed} managed products" in plan_wide[0]
        assert "--allow-mass-forget" in plan_wide[0]
    else:
        assert plan_wide == []


def test_forgetting_every_product_of_an_empty_manifest_set_is_flagged() -> None:
    """The deleted-manifest case: nothing is desired any more, everything recorded would go."""
    result = plan(desired(), state([record(P1), record(P2)]), observed(my_products=[P1, P2]))

    assert [c.action for c in result.changes] == [Action.FORGET, Action.FORGET]
    assert result.is_mass_forget


def test_forgotten_logos_do_not_count_towards_mass_forget() -> None:
    result = plan(desired([product(P1)]), state([record(P1)], [logo("a"), logo("b")]), observed(my_products=[P1]))

    assert [c.address for c in result.changes] == ["logo.a", "logo.b"]
    assert not result.is_mass_forget
    assert messages(result, None) == []


def test_the_flag_survives_a_saved_plan() -> None:
    result = _forgetting(12, 7)

    assert Plan.from_dict(result.to_dict()).is_mass_forget
