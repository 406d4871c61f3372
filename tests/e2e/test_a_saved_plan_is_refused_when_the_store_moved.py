"""A saved plan (``plan --out``, applied later with ``apply FILE``) is not applied to a store
product that changed in the store since: a price the merchant edited, or the product deleted,
fails that product's change with what moved and the next step; the rest of the plan is applied,
and a plan made again proposes them. A saved plan whose products are as it saw them
is applied as usual.
"""

from __future__ import annotations

from tests.e2e.test_publish_to_the_shopify_stand_in import priced_store
from tests.support.cj_workspace import CjWorkspace, on_sale


def by_pid(cjw: CjWorkspace) -> dict[str, dict[str, object]]:
    return {p["metafields"][("cjrec", "cj_pid")]["value"]: p for p in cjw.sandbox.shopify.products()}


def test_a_saved_plan_skips_products_the_merchant_changed_and_applies_the_rest(cjw: CjWorkspace) -> None:
    edited, deleted, untouched = pids = on_sale(cjw.sandbox, 3, start=30)
    priced_store(cjw, pids)
    assert cjw.run("apply", "--auto-approve").exit_code == 0

    for pid in pids:  # CJ's costs move: every product is repriced, in CJ's records and in the store
        variant = cjw.sandbox.product(pid)["variants"][0]  # type: ignore[index]
        cjw.sandbox.set_product(pid, variantPrices={variant["vid"]: float(variant["variantSellPrice"]) * 2})
    assert cjw.run("apply", "--refresh-only", "--auto-approve").exit_code == 0
    saved = cjw.root / "plan.json"
    planned = cjw.run("plan", "--out", str(saved))
    assert planned.exit_code == 0, planned.output
    assert all(f"~ store.main/product.{pid}" in planned.output for pid in pids)

    live = by_pid(cjw)
    variant = live[edited]["variants"][0]  # type: ignore[index]
    cjw.sandbox.shopify.merchant_edit(live[edited]["id"], variant_price={variant["id"]: "1.00"})
    cjw.sandbox.shopify.merchant_delete(live[deleted]["id"])  # type: ignore[arg-type]

    applied = cjw.run("apply", "--auto-approve", str(saved))
    assert applied.exit_code == 1, applied.output
    assert "the store changed since the plan was saved: price edited in the store:" in applied.output
    assert f"{variant['sku']} " in applied.output and "-> 1.00" in applied.output
    assert "was deleted in the store" in applied.output
    assert "run `cjrec plan --out FILE` again" in applied.output
    live = by_pid(cjw)
    assert set(live) == {edited, untouched}  # the deleted one was not published again by the stale plan
    assert live[edited]["variants"][0]["price"] == "1.00"  # type: ignore[index]

    again = cjw.run("plan")  # a plan made again proposes the two held back, the untouched one is done
    assert f"~ store.main/product.{edited}" in again.output and f"~ store.main/product.{deleted}" in again.output
    assert f"store.main/product.{untouched}" not in again.output


def test_a_saved_plan_the_store_did_not_move_under_is_applied(cjw: CjWorkspace) -> None:
    (pid,) = on_sale(cjw.sandbox, 1, start=40)
    priced_store(cjw, [pid])
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    variant = cjw.sandbox.product(pid)["variants"][0]  # type: ignore[index]
    cjw.sandbox.set_product(pid, variantPrices={variant["vid"]: float(variant["variantSellPrice"]) * 2})
    assert cjw.run("apply", "--refresh-only", "--auto-approve").exit_code == 0
    saved = cjw.root / "plan.json"
    assert cjw.run("plan", "--out", str(saved)).exit_code == 0
    applied = cjw.run("apply", "--auto-approve", str(saved))
    assert applied.exit_code == 0, applied.output
    assert cjw.run("plan", "--detailed-exitcode").exit_code == 0
