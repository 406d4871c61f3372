"""A message from CJ (through the receiver) puts its product first in the refresh: the next
``apply --refresh-only`` re-reads exactly that product and records its new cost; the message is
settled only after that state is written, and a plain plan settles nothing."""

from __future__ import annotations

import json
from decimal import Decimal

from reconciler.adapters.clock import SystemClock
from reconciler.adapters.event_log import LocalEventLog
from reconciler.models.secret import Secret
from reconciler.receiver.app import ReceiverApp, signature
from reconciler.sandbox.accounts import open_id_for
from tests.e2e.test_priced_catalogue_and_refresh_only import priced_workspace
from tests.receiver.helpers import TOKEN, call
from tests.support.cj_workspace import CjWorkspace


def deliver(cjw: CjWorkspace, message: dict[str, object]) -> int:
    """POST ``message`` to a receiver on the workspace's state folder, signed as CJ signs it."""
    open_id = str(open_id_for(cjw.sandbox.config.api_key))
    app = ReceiverApp(
        token=Secret(TOKEN), open_id=Secret(open_id), events=LocalEventLog(cjw.root / "state"), clock=SystemClock()
    )
    body = json.dumps({**message, "openId": open_id}).encode()
    return call(app, body, headers={"sign": signature(body, open_id)})[0]


def detail_queries(cjw: CjWorkspace) -> list[str]:
    return [
        str(c.get("query", c.get("path")))
        for c in cjw.sandbox.calls()
        if str(c.get("path", "")).endswith("/product/query")
    ]


def test_a_cost_change_message_makes_the_refresh_read_exactly_that_product(cjw: CjWorkspace) -> None:
    pids = priced_workspace(cjw, 4, refresh_budget=10)  # one product a run: the rotation would pick pids[0]
    changed = pids[2]
    variant = cjw.sandbox.product(changed)["variants"][0]  # type: ignore[index]
    old_cost = Decimal(str(variant["variantSellPrice"]))
    cjw.sandbox.set_product(changed, variantPrices={variant["vid"]: float(old_cost * 2)})
    message = {
        "messageId": "cost-1",
        "type": "VARIANT",
        "messageType": "UPDATE",
        "params": {"vid": variant["vid"], "variantSellPrice": float(old_cost * 2), "fields": ["variantSellPrice"]},
    }
    assert deliver(cjw, message) == 200

    plan = cjw.run("plan", "--refresh-budget", "10")  # a plan acts on nothing: the message stays
    assert plan.exit_code == 0, plan.output
    assert [m.message_id for m in LocalEventLog(cjw.root / "state").pending()] == ["cost-1"]

    cjw.sandbox.clear_calls()
    result = cjw.run("apply", "--refresh-only", "--auto-approve")
    assert result.exit_code == 0, result.output
    queries = detail_queries(cjw)
    assert len(queries) == 1 and changed in queries[0], queries  # 10 points, nothing else queried
    assert cjw.mutating_calls() == []
    record = cjw.state()["products"][changed]  # type: ignore[index]
    assert record["snapshot"]["variants"][str(variant["vid"])]["price"] == str(old_cost * 2)  # type: ignore[index]
    assert "1 webhook message(s) from CJ acted on and settled" in result.output
    assert LocalEventLog(cjw.root / "state").pending() == []

    assert deliver(cjw, message) == 200  # CJ's retry of the same message: still a duplicate
    assert LocalEventLog(cjw.root / "state").pending() == []

    repriced = cjw.run("plan", "--detailed-exitcode")
    assert repriced.exit_code == 2 and f"listing.variants.{variant['vid']}.price" in repriced.stdout


def test_a_message_for_a_product_not_managed_is_settled_without_a_query(cjw: CjWorkspace) -> None:
    pids = priced_workspace(cjw, 2, refresh_budget=10)
    assert deliver(cjw, {"messageId": "x-1", "type": "PRODUCT", "params": {"pid": "999"}}) == 200
    assert deliver(cjw, {"messageId": "o-1", "type": "ORDER", "params": {"orderId": "1"}}) == 200
    cjw.sandbox.clear_calls()
    result = cjw.run("apply", "--refresh-only", "--auto-approve")
    assert result.exit_code == 0, result.output
    [query] = detail_queries(cjw)  # the rotation's one product, not the unmanaged one
    assert "999" not in query and pids[0] in query
    # ORDER messages are only stored and counted
    assert [m.message_id for m in LocalEventLog(cjw.root / "state").pending()] == ["o-1"]
    assert deliver(cjw, {"messageId": "n-1", "type": "SOMETHINGNEW", "params": {}}) == 200
    listed = cjw.cli("state", "events")
    assert listed.exit_code == 0, listed.output
    assert "2 webhook message(s) pending" in listed.stdout
    assert "ORDER" in listed.stdout and "cjrec manages no orders" in listed.stdout
    assert "SOMETHINGNEW" in listed.stdout and "does not know" in listed.stdout


def test_state_events_with_no_log_says_so(cjw: CjWorkspace) -> None:
    listed = cjw.cli("state", "events")
    assert listed.exit_code == 0 and "No webhook messages pending" in listed.stdout


def test_refresh_events_re_reads_only_the_named_products_whatever_the_budget(cjw: CjWorkspace) -> None:
    pids = priced_workspace(cjw, 4, refresh_budget=1000)  # the rotation alone would re-read all four
    for index, pid in enumerate((pids[3], pids[1])):
        message = {"messageId": f"p-{index}", "type": "PRODUCT", "messageType": "UPDATE", "params": {"pid": pid}}
        assert deliver(cjw, message) == 200
    cjw.sandbox.clear_calls()
    result = cjw.run("apply", "--refresh-only", "--refresh-events", "--refresh-budget", "20000", "--auto-approve")
    assert result.exit_code == 0, result.output
    queries = detail_queries(cjw)
    assert len(queries) == 2 and {pids[1], pids[3]} == {p for p in pids if any(p in q for q in queries)}
    assert "2 webhook message(s) from CJ acted on and settled" in result.output
    cjw.sandbox.clear_calls()
    quiet = cjw.run("apply", "--refresh-only", "--refresh-events", "--auto-approve")  # nothing pending: no query
    assert quiet.exit_code == 0, quiet.output
    assert detail_queries(cjw) == []


def test_refresh_events_keeps_to_the_budget_and_leaves_the_rest_pending(cjw: CjWorkspace) -> None:
    pids = priced_workspace(cjw, 3, refresh_budget=1000)
    for index, pid in enumerate(pids):
        assert deliver(cjw, {"messageId": f"q-{index}", "type": "PRODUCT", "params": {"pid": pid}}) == 200
    cjw.sandbox.clear_calls()
    result = cjw.run("plan", "--refresh-events", "--refresh-budget", "20")
    assert result.exit_code == 0, result.output
    assert len(detail_queries(cjw)) == 2  # the first two named; a plan settles nothing
    assert len(LocalEventLog(cjw.root / "state").pending()) == 3
