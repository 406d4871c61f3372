"""The whole path: a cost change made through ``/__sandbox/`` is POSTed by the sandbox, signed as CJ
signs, to a real receiver (uvicorn on 127.0.0.1), and the next ``apply --refresh-only`` re-reads
exactly that product (10 points, nothing else queried) and records the new cost. A receiver that
is down gets CJ's retries, 5 minutes apart on the sandbox clock."""

from __future__ import annotations

from decimal import Decimal

from reconciler.adapters.clock import SystemClock
from reconciler.adapters.event_log import LocalEventLog
from reconciler.models.secret import Secret
from reconciler.receiver.app import ReceiverApp
from reconciler.receiver.server import ThreadedReceiver
from reconciler.sandbox.accounts import open_id_for
from tests.e2e.test_priced_catalogue_and_refresh_only import priced_workspace
from tests.e2e.test_webhook_messages_steer_the_refresh import detail_queries
from tests.receiver.helpers import TOKEN
from tests.support.cj_workspace import CjWorkspace


def receiver_for(cjw: CjWorkspace) -> ReceiverApp:
    open_id = str(open_id_for(cjw.sandbox.config.api_key))
    return ReceiverApp(
        token=Secret(TOKEN), open_id=Secret(open_id), events=LocalEventLog(cjw.root / "state"), clock=SystemClock()
    )


def test_a_cost_change_at_cj_reaches_the_receiver_and_the_refresh_reads_only_that_product(cjw: CjWorkspace) -> None:
    pids = priced_workspace(cjw, 4, refresh_budget=10)
    cjw.sandbox.set_webhook("product", "ENABLE", ["https://hooks.example.com/cj/x"])
    changed = pids[3]
    variant = cjw.sandbox.product(changed)["variants"][0]  # type: ignore[index]
    new_cost = float(Decimal(str(variant["variantSellPrice"])) * 3)
    with ThreadedReceiver(receiver_for(cjw)) as url:
        cjw.sandbox.send_webhooks_to(f"{url}/cj/{TOKEN}")
        cjw.sandbox.set_product(changed, variantPrices={variant["vid"]: new_cost})
        sent = cjw.sandbox.deliveries()
    finished = sent["finished"]
    assert isinstance(finished, list)
    # the variant's cost and with it the product's sellPrice changed: CJ sends both
    assert sorted((d["type"], tuple(d["statuses"])) for d in finished) == [("PRODUCT", (200,)), ("VARIANT", (200,))]
    stored = LocalEventLog(cjw.root / "state").pending()
    assert {m.type for m in stored} == {"PRODUCT", "VARIANT"}
    assert next(m for m in stored if m.type == "VARIANT").params["vid"] == str(variant["vid"])

    cjw.sandbox.clear_calls()
    result = cjw.run("apply", "--refresh-only", "--auto-approve")
    assert result.exit_code == 0, result.output
    [query] = detail_queries(cjw)
    assert changed in query
    record = cjw.state()["products"][changed]  # type: ignore[index]
    assert Decimal(record["snapshot"]["variants"][str(variant["vid"])]["price"]) == Decimal(str(new_cost))  # type: ignore[index]
    assert LocalEventLog(cjw.root / "state").pending() == []


def test_a_receiver_that_is_down_gets_three_retries_five_minutes_apart(cjw: CjWorkspace) -> None:
    pid = priced_workspace(cjw, 1, refresh_budget=10)[0]
    cjw.sandbox.set_webhook("product", "ENABLE", ["https://hooks.example.com/cj/x"])
    app = receiver_for(cjw)
    with ThreadedReceiver(app) as url:
        down = f"{url}/cj/{TOKEN}"
    cjw.sandbox.send_webhooks_to(down)  # nobody listens there any more
    cjw.sandbox.set_product(pid, sellPrice="99.00")
    first = cjw.sandbox.deliveries()
    assert first["finished"] == [] and first["waiting"][0]["attempts"] == 1  # type: ignore[index]
    with ThreadedReceiver(app) as url:
        cjw.sandbox.send_webhooks_to(f"{url}/cj/{TOKEN}")
        cjw.sandbox.advance_clock(299)
        assert cjw.sandbox.deliveries()["finished"] == []  # not yet: 5 minutes
        cjw.sandbox.advance_clock(2)
        sent = cjw.sandbox.deliveries()
    [delivery] = sent["finished"]  # type: ignore[misc]
    assert delivery["type"] == "PRODUCT" and delivery["statuses"] == [0, 200]  # refused once, then stored
    [message] = LocalEventLog(cjw.root / "state").pending()
    assert message.params["pid"] == pid and message.params["productSellPrice"] == "99.00"


def test_a_sourcing_answer_is_announced_and_the_next_apply_resolves_the_request(cjw: CjWorkspace) -> None:
    from tests.e2e.test_sourcing_requests_against_the_sandbox import sourcing_items, sourcing_state

    sourcing_items(cjw, 1)
    assert cjw.run("apply", "--auto-approve").exit_code == 0  # type: ignore[attr-defined]
    (filed,) = cjw.sandbox.sourcing_requests()
    cjw.sandbox.set_webhook("product", "ENABLE", ["https://hooks.example.com/cj/x"])
    with ThreadedReceiver(receiver_for(cjw)) as url:
        cjw.sandbox.send_webhooks_to(f"{url}/cj/{TOKEN}")
        cjw.sandbox.answer_sourcing(str(filed["sourceId"]), outcome="succeeded")
        cjw.sandbox.deliveries()
    [message] = LocalEventLog(cjw.root / "state").pending()
    assert message.type == "SOURCINGCREATE" and message.params["cjSourcingId"] == filed["sourceId"]

    result = cjw.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    (record,) = sourcing_state(cjw).values()
    assert record["phase"] == "succeeded"
    assert LocalEventLog(cjw.root / "state").pending() == []
