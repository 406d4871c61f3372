"""Adopt, re-add, forget, drift and unmanaged products, against the sandbox through the real CLI."""

from __future__ import annotations

import json

from tests.support.cj_workspace import CjWorkspace, on_sale


def plan_json(cjw: CjWorkspace, *args: str) -> dict:
    result = cjw.run("plan", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def actions(plan: dict) -> dict[str, str]:
    return {c["address"]: c["action"] for c in plan["changes"]}


def test_products_already_in_my_products_are_adopted_without_an_add_call(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 3)
    cjw.sandbox.add_to_my_products(*pids[:2])
    cjw.products(pids)
    assert actions(plan_json(cjw)) == {
        f"product.{pids[0]}": "adopt",
        f"product.{pids[1]}": "adopt",
        f"product.{pids[2]}": "create",
    }
    cjw.sandbox.clear_calls()
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    added = [c["body"]["productId"] for c in cjw.mutating_calls()]  # type: ignore[index]
    assert added == [pids[2]]
    assert cjw.state()["products"][pids[0]]["origin"] == "adopted"  # type: ignore[index]


def test_a_product_removed_in_cjs_web_ui_is_added_again(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 2)
    cjw.products(pids)
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    cjw.sandbox.remove_from_my_products(pids[0])
    plan = plan_json(cjw)
    assert actions(plan) == {f"product.{pids[0]}": "re-add"}
    assert "removed in CJ's web UI" in plan["changes"][0]["reason"]
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    assert pids[0] in cjw.sandbox.my_product_ids()
    assert cjw.run("plan", "--detailed-exitcode").exit_code == 0


def test_a_product_dropped_from_the_manifests_is_forgotten_and_then_unmanaged(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 3)
    cjw.products(pids)
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    cjw.products(pids[1:])
    result = cjw.run("plan")
    assert "forget" in result.stdout
    assert "remove it in CJ's web UI" in result.stdout
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    assert pids[0] not in cjw.state()["products"]  # type: ignore[operator]
    assert pids[0] in cjw.sandbox.my_product_ids()  # CJ has no removal API
    plan = plan_json(cjw)
    assert [u["address"] for u in plan["unmanaged"]] == [f"product.{pids[0]}"]
    assert "cjrec import" in plan["unmanaged"][0]["message"]


def test_apply_refuses_to_forget_every_managed_product_unless_allowed(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 2)
    cjw.products(pids)
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    cjw.products([])
    refused = cjw.run("apply", "--auto-approve")
    assert refused.exit_code == 1
    assert "--allow-mass-forget" in refused.stderr
    assert len(cjw.state()["products"]) == 2  # type: ignore[arg-type]
    allowed = cjw.run("apply", "--auto-approve", "--allow-mass-forget")
    assert allowed.exit_code == 0, allowed.output
    assert cjw.state()["products"] == {}


def test_refresh_details_reports_price_drift_and_records_it(cjw: CjWorkspace) -> None:
    pid = on_sale(cjw.sandbox, 1)[0]
    cjw.products([pid])
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    product = cjw.sandbox.product(pid)
    cjw.sandbox.set_product(pid, sellPrice="999.99")
    assert cjw.run("plan", "--detailed-exitcode").exit_code == 0  # the default plan spends no points on details
    result = cjw.run("plan", "--refresh-details", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert "Drift (CJ changed since the last apply):" in result.stdout
    assert "999.99" in result.stdout
    assert product["sellPrice"] != "999.99"
    assert cjw.run("apply", "--auto-approve", "--refresh-details").exit_code == 0
    assert cjw.run("plan", "--refresh-details", "--detailed-exitcode").exit_code == 0


def test_a_pid_cj_does_not_sell_is_a_plan_error_naming_the_manifest_line(cjw: CjWorkspace) -> None:
    offline = cjw.sandbox.catalog_pids("offline")[0]
    cjw.products([*on_sale(cjw.sandbox, 1), offline])
    result = cjw.run("plan")
    assert result.exit_code == 1
    assert "manifests/products.yaml:7: productUrl:" in result.stderr
    assert "1602001" in result.stderr


def test_over_the_points_budget_plan_stops_before_spending(cjw: CjWorkspace) -> None:
    cjw.settings(budget=25)
    cjw.products(on_sale(cjw.sandbox, 3))
    result = cjw.run("plan")
    assert result.exit_code == 1
    assert "30 points" in result.stderr
    assert "pointsBudget" in result.stderr
    assert cjw.sandbox.points_used() == 0


def test_offline_plan_makes_no_call_at_all(cjw: CjWorkspace) -> None:
    cjw.products(on_sale(cjw.sandbox, 2))
    result = cjw.cli("plan", "--offline", key=None, env={"CJREC_API_URL": cjw.sandbox.base_url})
    assert result.exit_code == 0, result.output
    assert "Planned offline" in result.stdout
    assert cjw.sandbox.calls() == []
