"""Sourcing requests end to end, `cjrec` against `cjrec sandbox` over real HTTP.

A request goes from ``+ source`` to filed (its id recorded), to in progress on every plan,
to a product once CJ's agent (played through ``/__sandbox/``) succeeds; a failed one stays
failed until the item changes; CJ's daily limit leaves the rest planned without failing the
run; faults and bad answers on queryList are reported, never crashed on.
"""

from __future__ import annotations

import json
from typing import Any

from tests.support.cj_workspace import CjWorkspace
from tests.support.sandbox_wire import Wire

IMAGE = "https://ae01.alicdn.com/kf/lamp.jpg"


def sourcing_items(ws: CjWorkspace, count: int, *, remark: str | None = None, start: int = 0) -> None:
    items = []
    for i in range(start, start + count):
        item = f"    - sourceUrl: https://www.aliexpress.com/item/{1005006000 + i}.html\n"
        item += f"      name: Desk Lamp {i}\n      image: {IMAGE}\n"
        if remark:
            item += f"      remark: '{remark}'\n"
        items.append(item)
    ws.write(
        "manifests/sourced.yaml",
        "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: sourced}\nspec:\n  items:\n" + "".join(items),
    )


def sourcing_state(ws: CjWorkspace) -> dict[str, Any]:
    state = ws.state()
    records = state.get("sourcing", {})
    assert isinstance(records, dict)
    return records


def plan_json(ws: CjWorkspace) -> dict[str, Any]:
    result = ws.run("plan", "--format", "json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return json.loads(result.stdout)  # type: ignore[attr-defined]


def test_a_request_goes_from_filed_to_a_managed_product(cjw: CjWorkspace) -> None:
    sourcing_items(cjw, 1, remark="ship to US")
    cjw.products([])

    planned = cjw.run("plan", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output  # type: ignore[attr-defined]
    assert "+ sourcing.www.aliexpress.com/item/1005006000.html  source" in planned.stdout  # type: ignore[attr-defined]

    applied = cjw.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output  # type: ignore[attr-defined]
    (record,) = sourcing_state(cjw).values()
    (filed,) = cjw.sandbox.sourcing_requests()
    assert record["phase"] == "open" and record["sourcing_id"] == filed["sourceId"]
    assert filed["remark"] == "ship to US" and filed["thirdProductId"] == record["third_product_id"]
    assert filed["productName"] == "Desk Lamp 0" and filed["productImage"] == IMAGE

    waiting = cjw.run("plan", "--detailed-exitcode")
    assert waiting.exit_code == 0, waiting.output  # type: ignore[attr-defined]
    assert "Sourcing requests at CJ: 1" in waiting.stdout  # type: ignore[attr-defined]
    assert f"in progress for 0 min (CJ: Sourcing); request {filed['sourceId']}" in waiting.stdout  # type: ignore[attr-defined]

    cjw.sandbox.answer_sourcing(str(filed["sourceId"]), outcome="succeeded")
    done = plan_json(cjw)
    by_address = {c["address"]: c for c in done["changes"]}
    source = by_address["sourcing.www.aliexpress.com/item/1005006000.html"]
    assert source["action"] == "update" and source["after"]["phase"] == "succeeded"
    pid = source["after"]["pid"]
    product = by_address[f"product.{pid}"]
    assert product["action"] == "create"
    assert "sourced by CJ from https://www.aliexpress.com/item/1005006000.html" in product["reason"]
    assert product["after"]["snapshot"]["name"] == "Desk Lamp 0"  # details were queried like any new product

    assert cjw.run("apply", "--auto-approve").exit_code == 0  # type: ignore[attr-defined]
    assert pid in cjw.sandbox.my_product_ids()
    assert cjw.state()["products"][pid]["origin"] == "added"  # type: ignore[index]
    final = cjw.run("plan", "--detailed-exitcode")
    assert final.exit_code == 0, final.output  # type: ignore[attr-defined]
    assert "No changes" in final.stdout  # type: ignore[attr-defined]
    assert len(cjw.sandbox.sourcing_requests()) == 1


def test_a_failed_request_stays_failed_until_the_item_changes(cjw: CjWorkspace) -> None:
    sourcing_items(cjw, 1)
    cjw.products([])
    assert cjw.run("apply", "--auto-approve").exit_code == 0  # type: ignore[attr-defined]
    (filed,) = cjw.sandbox.sourcing_requests()
    cjw.sandbox.answer_sourcing(str(filed["sourceId"]), outcome="failed", reason="The product link is invalid")

    assert cjw.run("apply", "--auto-approve").exit_code == 0  # type: ignore[attr-defined]
    (record,) = sourcing_state(cjw).values()
    assert (record["phase"], record["reason"]) == ("failed", "The product link is invalid")
    again = cjw.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output  # type: ignore[attr-defined]
    assert "failed: The product link is invalid" in again.stdout  # type: ignore[attr-defined]
    assert "change the item (e.g. its remark) to file a new one" in again.stdout  # type: ignore[attr-defined]

    sourcing_items(cjw, 1, remark="the listing moved: https://www.aliexpress.com/item/99.html")
    changed = plan_json(cjw)
    (refile,) = changed["changes"]
    assert refile["action"] == "re-add" and "a new request is filed" in refile["reason"]
    assert cjw.run("apply", "--auto-approve").exit_code == 0  # type: ignore[attr-defined]
    _first, second = cjw.sandbox.sourcing_requests()
    assert second["remark"].startswith("the listing moved")
    (record,) = sourcing_state(cjw).values()
    assert (record["phase"], record["sourcing_id"]) == ("open", second["sourceId"])


def test_the_daily_limit_stops_filing_without_failing_the_run(cjw: CjWorkspace) -> None:
    sourcing_items(cjw, 7)
    cjw.products([])
    planned = cjw.run("plan")
    assert planned.stdout.count("waits for tomorrow") == 2  # type: ignore[attr-defined]

    applied = cjw.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output  # type: ignore[attr-defined]
    assert "2 left for tomorrow" in applied.output  # type: ignore[attr-defined]
    assert len(cjw.sandbox.sourcing_requests()) == 5
    assert cjw.state()["sourcing_quota"]["filed"] == 5  # type: ignore[index]
    left = cjw.run("plan", "--detailed-exitcode")
    assert left.exit_code == 2 and left.stdout.count("waits for tomorrow") == 2  # type: ignore[attr-defined]
    assert cjw.run("apply", "--auto-approve").exit_code == 0  # type: ignore[attr-defined]
    assert len(cjw.sandbox.sourcing_requests()) == 5  # nothing more asked of CJ today


def test_cjs_own_limit_answer_is_obeyed_when_requests_were_filed_elsewhere(cjw: CjWorkspace) -> None:
    sourcing_items(cjw, 3)
    cjw.products([])
    # someone filed 4 by hand today: CJ refuses the 2nd create of this run with 1600000
    wire = Wire(cjw.sandbox)
    wire.login()
    for i in range(4):
        wire.api("POST", "/product/sourcing/create", body={"productName": f"hand {i}", "productImage": IMAGE})
    cjw.sandbox.advance_clock(301)  # past the getAccessToken guard, still the same UTC day
    applied = cjw.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output  # type: ignore[attr-defined]
    assert "2 left for tomorrow" in applied.output  # type: ignore[attr-defined]
    assert "daily limit" in applied.output  # type: ignore[attr-defined]
    quota = cjw.state()["sourcing_quota"]
    assert quota["exhausted"] is True and quota["filed"] == 1  # type: ignore[index]
    assert len(sourcing_state(cjw)) == 1


def filed_requests(ws: CjWorkspace, count: int) -> list[str]:
    sourcing_items(ws, count)
    ws.products([])
    assert ws.run("apply", "--auto-approve").exit_code == 0  # type: ignore[attr-defined]
    return [str(r["sourceId"]) for r in ws.sandbox.sourcing_requests()]


def test_faults_on_query_list_are_ridden_out_or_reported_and_the_plan_still_made(cjw: CjWorkspace) -> None:
    (source_id,) = filed_requests(cjw, 1)
    cjw.sandbox.answer_sourcing(source_id, outcome="succeeded")
    cjw.sandbox.set_faults(burst_429=1, busy_rate=0.0, paths=["/product/sourcing/queryList"])
    ridden = plan_json(cjw)  # one 429 then an answer: retried, the success is seen
    assert any(c["address"].startswith("product.") for c in ridden["changes"])

    cjw.sandbox.set_faults(busy_rate=1.0, paths=["/product/sourcing/queryList"])
    result = cjw.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    out = result.stdout  # type: ignore[attr-defined]
    assert "could not ask CJ where the sourcing requests stand" in out and "System busy" in out
    assert "as last recorded (CJ could not be asked)" in out
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    calls = [c for c in cjw.sandbox.calls() if str(c["path"]).endswith("/queryList")]
    assert len(calls) >= 3  # retried before giving up

    cjw.sandbox.set_faults(reset=True)
    assert any(c["address"].startswith("product.") for c in plan_json(cjw)["changes"])


def test_bad_answers_to_query_list_are_reported_not_crashed_on(cjw: CjWorkspace) -> None:
    odd, bare = filed_requests(cjw, 2)
    unknown = "1234567890123456789"
    with (cjw.root / "manifests/sourced.yaml").open("a") as manifest:
        manifest.write(f"    - sourceUrl: https://a.test/x\n      name: X\n      image: {IMAGE}\n")
        manifest.write(f'      sourcingId: "{unknown}"\n')
    cjw.sandbox.answer_sourcing(odd, sourceStatus="7", sourceStatusStr="Waiting for supplier")
    cjw.sandbox.answer_sourcing(bare, outcome="succeeded", omitProductId=True)
    result = cjw.run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    out = result.stdout  # type: ignore[attr-defined]
    assert f"CJ's queryList does not return request {unknown}; is the id right?" in out
    assert "CJ status '7' (Waiting for supplier) is not one cjrec knows, so it is shown as in progress" in out
    assert f"CJ says request {bare} succeeded but gives no cjProductId: shown as in progress" in out
    assert "product." not in out.split("Sourcing requests")[0]  # nothing created from a success without a pid


def test_a_cj_without_query_list_is_asked_by_the_post_route_and_throttles_of_either_form_are_ridden_out(
    cjw: CjWorkspace,
) -> None:
    (source_id,) = filed_requests(cjw, 1)
    cjw.sandbox.answer_sourcing(source_id, outcome="succeeded")
    cjw.sandbox.clear_calls()
    cjw.sandbox.set_faults(missing_paths=["/product/sourcing/queryList"])
    assert any(c["address"].startswith("product.") for c in plan_json(cjw)["changes"])
    asked = [(c["method"], str(c["path"]).rsplit("/", 1)[-1], c["http_status"]) for c in cjw.sandbox.calls()]
    sourcing = [(m, p, s) for m, p, s in asked if (m, p) in (("GET", "queryList"), ("POST", "query"))]
    assert sourcing == [("GET", "queryList", 404), ("POST", "query", 200)]

    cjw.sandbox.set_faults(
        missing_paths=[], burst_429=1, throttle_http_200=True, paths=["/product/sourcing/queryList"]
    )
    assert any(c["address"].startswith("product.") for c in plan_json(cjw)["changes"])
    throttled = [c for c in cjw.sandbox.calls() if c["code"] == 1600200]
    assert throttled and all(c["http_status"] == 200 for c in throttled)
