"""Products in My Products that no manifest names and the state does not track are listed as unmanaged.

Information only: they make no change, and each comes with a hint to adopt it with ``cjrec import``.
"""

from __future__ import annotations

from reconciler.models.plan import Finding
from tests.support.plan_builders import cj_said, desired, listed, observed, pid, plan, product, record, state

P1, P2, P3, P4 = pid(1), pid(2), pid(3), pid(4)


def test_unknown_listed_products_are_unmanaged_with_name_sku_and_hint() -> None:
    result = plan(desired([product(P1)]), state([record(P1)]), observed(my_products=[P1, P3]))

    assert result.unmanaged == (
        Finding(
            f"product.{P3}",
            f"Product {P3[-4:]} (CJ{P3[-6:]}) is in My Products but in no manifest; adopt it with `cjrec import`",
        ),
    )
    assert result.changes == ()
    assert not result.has_changes


def test_unmanaged_products_are_sorted_by_pid() -> None:
    result = plan(desired(), None, observed(my_products=[P4, P2, P3]))

    assert [u.address for u in result.unmanaged] == [f"product.{P2}", f"product.{P3}", f"product.{P4}"]


def test_a_row_without_name_or_sku_is_still_listed() -> None:
    seen = cj_said(my_products={P2: listed(P2, name="", sku="")})
    result = plan(desired(), None, seen)

    assert result.unmanaged[0].message.startswith("(no name) (no SKU) is in My Products")


def test_managed_and_desired_products_are_not_unmanaged() -> None:
    """P1 is managed, P2 is new in the manifests (adopted), P3 is recorded but being forgotten."""
    result = plan(
        desired([product(P1), product(P2)]), state([record(P1), record(P3)]), observed(my_products=[P1, P2, P3])
    )

    assert result.unmanaged == ()


def test_an_offline_plan_knows_of_no_unmanaged_products() -> None:
    result = plan(desired(), None, observed(my_products=None), mode="offline")

    assert result.unmanaged == ()
