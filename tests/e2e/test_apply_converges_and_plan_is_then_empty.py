"""Apply makes CJ match the manifests; afterwards plan is empty and apply makes no call that changes anything."""

from __future__ import annotations

import json

from tests.support.cj_workspace import CjWorkspace, on_sale


def test_apply_of_50_products_then_plan_shows_no_changes(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 50)
    cjw.products(pids)
    first = cjw.run("apply", "--auto-approve")
    assert first.exit_code == 0, first.output
    assert "Apply complete: 50 done, 0 failed" in first.stderr + first.stdout
    assert set(pids) <= set(cjw.sandbox.my_product_ids())
    assert len(cjw.mutating_calls()) == 50
    state = cjw.state()
    assert sorted(state["products"]) == sorted(pids)
    assert all(isinstance(pid, str) for pid in state["products"])
    cjw.sandbox.clear_calls()
    again = cjw.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes." in again.stdout
    second_apply = cjw.run("apply", "--auto-approve")
    assert second_apply.exit_code == 0
    assert cjw.mutating_calls() == []
    assert cjw.auth_calls() == []  # the cached token was reused


def test_changing_the_manifests_makes_plan_exit_2(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 3)
    cjw.products(pids[:2])
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    cjw.products(pids)
    result = cjw.run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert f"product.{pids[2]}" in result.stdout


def test_plan_makes_no_mutating_call(cjw: CjWorkspace) -> None:
    cjw.products(on_sale(cjw.sandbox, 5))
    result = cjw.run("plan", "--format", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["summary"]["create"] == 5
    assert cjw.mutating_calls() == []
    assert cjw.sandbox.my_product_ids() == []


def test_non_interactive_apply_without_auto_approve_changes_nothing(cjw: CjWorkspace) -> None:
    cjw.products(on_sale(cjw.sandbox, 3))
    result = cjw.run("apply")
    assert result.exit_code == 1
    assert "--auto-approve" in result.stderr
    assert cjw.mutating_calls() == []
    assert not (cjw.root / "state" / "sync.json").exists()


def test_a_saved_plan_made_stale_by_another_apply_is_refused(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 4)
    cjw.products(pids[:2])
    assert cjw.run("plan", "--out", "plan.json").exit_code == 0
    assert cjw.run("apply", "--auto-approve").exit_code == 0  # another apply moves the state on
    cjw.sandbox.clear_calls()
    result = cjw.run("apply", "--auto-approve", "plan.json")
    assert result.exit_code == 1
    assert "Saved plan plan.json is stale" in result.stderr
    assert "no state existed" in result.stderr
    assert cjw.mutating_calls() == []


def test_a_fresh_saved_plan_is_applied_exactly(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 3)
    cjw.products(pids)
    assert cjw.run("plan", "--out", "plan.json").exit_code == 0
    cjw.sandbox.clear_calls()
    result = cjw.run("apply", "--auto-approve", "plan.json")
    assert result.exit_code == 0, result.output
    assert sorted(c["body"]["productId"] for c in cjw.mutating_calls()) == sorted(pids)  # type: ignore[index]
    assert not [c for c in cjw.sandbox.calls() if "/product/query" in str(c["path"])]  # no re-planning


def test_a_saved_plan_is_refused_when_the_manifests_changed(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 3)
    cjw.products(pids[:2])
    assert cjw.run("plan", "--out", "plan.json").exit_code == 0
    cjw.products(pids)
    result = cjw.run("apply", "--auto-approve", "plan.json")
    assert result.exit_code == 1
    assert "manifests changed" in result.stderr


def test_an_edited_saved_plan_is_refused(cjw: CjWorkspace) -> None:
    cjw.products(on_sale(cjw.sandbox, 2))
    assert cjw.run("plan", "--out", "plan.json").exit_code == 0
    path = cjw.root / "plan.json"
    data = json.loads(path.read_text())
    data["changes"] = data["changes"][:1]
    path.write_text(json.dumps(data))
    result = cjw.run("apply", "--auto-approve", "plan.json")
    assert result.exit_code == 1
    assert "checksum" in result.stderr
