"""Sourcing requests: CJ's other envelope, 5 creates per UTC day, queryList, answers set by the admin side."""

from __future__ import annotations

import pytest

from reconciler.sandbox import Sandbox
from tests.support.sandbox_wire import MakeSandbox, Wire

IMAGE = "https://ae01.alicdn.com/kf/S1.jpg"


def file(wire: Wire, n: int = 1, **extra: object) -> list[str]:
    ids = []
    for i in range(n):
        answer = wire.api(
            "POST",
            "/product/sourcing/create",
            body={"productName": f"Lamp {i}", "productImage": IMAGE, "productUrl": f"https://a.test/{i}", **extra},
        )
        assert answer.status == 200, answer.raw
        data = answer.data
        assert isinstance(data, dict), answer.raw
        ids.append(str(data["cjSourcingId"]))
    return ids


def test_create_answers_success_true_code_0_and_no_top_level_result(logged_in: Wire) -> None:
    answer = logged_in.api(
        "POST", "/product/sourcing/create", body={"productName": "Lamp", "productImage": IMAGE, "price": "3.5"}
    )
    body = answer.json
    assert body["success"] is True and body["code"] == 0 and body["message"] is None
    assert "result" not in body and "requestId" not in body
    data = answer.data
    assert isinstance(data, dict) and data["result"] == "success"
    source_id = data["cjSourcingId"]
    assert isinstance(source_id, str) and len(source_id) == 19 and source_id.isdigit()


@pytest.mark.parametrize(
    "body",
    [
        {"productImage": IMAGE},
        {"productName": "Lamp"},
        {"productName": "x" * 201, "productImage": IMAGE},
        {"productName": "Lamp", "productImage": "https://i.test/" + "x" * 200},
        {"productName": "Lamp", "productImage": IMAGE, "price": "cheap"},
        {"productName": "Lamp", "productImage": IMAGE, "remark": 5},
    ],
)
def test_create_refuses_missing_or_long_fields_with_1600300(logged_in: Wire, body: dict[str, object]) -> None:
    answer = logged_in.api("POST", "/product/sourcing/create", body=body)
    assert answer.code == 1600300
    assert logged_in.sandbox.sourcing_requests() == []


def test_the_sixth_create_of_a_utc_day_is_refused_with_1600000_until_midnight(logged_in: Wire) -> None:
    file(logged_in, 5)
    answer = logged_in.api("POST", "/product/sourcing/create", body={"productName": "Six", "productImage": IMAGE})
    assert (answer.code, answer.json["message"], answer.json["result"]) == (
        1600000,
        "Exceeded the daily source limit",
        False,
    )
    assert len(logged_in.sandbox.sourcing_requests()) == 5
    logged_in.sandbox.advance_clock(86400)
    logged_in.login()
    assert len(file(logged_in, 1)) == 1


def test_the_daily_limit_is_configurable(make_sandbox: MakeSandbox) -> None:
    wire = Wire(make_sandbox(sourcing_per_day=1))
    wire.login()
    file(wire, 1)
    assert (
        wire.api("POST", "/product/sourcing/create", body={"productName": "2", "productImage": IMAGE}).code == 1600000
    )


def test_query_list_reports_progress_success_with_a_listed_product_and_failure_with_a_reason(logged_in: Wire) -> None:
    waiting, won, lost = file(logged_in, 3)
    sandbox: Sandbox = logged_in.sandbox
    sandbox.answer_sourcing(won, outcome="succeeded")
    sandbox.answer_sourcing(lost, outcome="failed", reason="The product link is invalid")
    answer = logged_in.api("GET", "/product/sourcing/queryList", query={"sourceIds": f"{waiting},{won},{lost}"})
    assert answer.code == 200 and answer.json["result"] is True
    rows = {row["sourceId"]: row for row in answer.data}  # type: ignore[union-attr]
    assert rows[waiting]["sourceStatus"] == "1" and rows[waiting]["cjProductId"] is None
    assert rows[lost]["sourceStatus"] == "5" and rows[lost]["failReasonStr"] == "The product link is invalid"
    assert rows[won]["sourceStatus"] == "3"
    pid = rows[won]["cjProductId"]
    assert isinstance(pid, str) and len(pid) == 19 and pid.endswith("00")
    detail = logged_in.api("GET", "/product/query", query={"pid": pid})
    assert detail.code == 200 and detail.field("productNameEn") == "Lamp 1"
    assert logged_in.api("POST", "/product/addToMyProduct", body={"productId": pid}).code == 200


def test_query_list_takes_repeated_ids_leaves_out_unknown_ones_and_refuses_more_than_100(logged_in: Wire) -> None:
    known = file(logged_in, 2)
    query = "&".join(f"sourceIds={i}" for i in [*known, "1234567890123456789"])
    answer = logged_in.request("GET", f"/api2.0/v1/product/sourcing/queryList?{query}", token=logged_in.token)
    assert sorted(row["sourceId"] for row in answer.data) == sorted(known)  # type: ignore[union-attr]
    many = ",".join(str(10**18 + i) for i in range(101))
    assert logged_in.api("GET", "/product/sourcing/queryList", query={"sourceIds": many}).code == 1600300
    assert logged_in.api("GET", "/product/sourcing/queryList").code == 1600300


def test_the_admin_side_can_give_undocumented_statuses_and_successes_without_a_product(logged_in: Wire) -> None:
    odd, bare = file(logged_in, 2)
    logged_in.sandbox.answer_sourcing(odd, sourceStatus="2", sourceStatusStr="Waiting for supplier")
    logged_in.sandbox.answer_sourcing(bare, outcome="succeeded", omitProductId=True)
    answer = logged_in.api("GET", "/product/sourcing/queryList", query={"sourceIds": f"{odd},{bare}"})
    rows = {row["sourceId"]: row for row in answer.data}  # type: ignore[union-attr]
    assert (rows[odd]["sourceStatus"], rows[odd]["sourceStatusStr"]) == ("2", "Waiting for supplier")
    assert rows[bare]["sourceStatus"] == "3" and rows[bare]["cjProductId"] is None


def test_admin_sourcing_endpoints_over_http(logged_in: Wire) -> None:
    (source_id,) = file(logged_in, 1, thirdProductId="cjrec-abc", remark="ship to US")
    listing = logged_in.admin("GET", "/sourcing").json
    assert listing["filed_today"] == 1 and listing["per_day"] == 5
    (request,) = listing["requests"]  # type: ignore[misc]
    assert request["thirdProductId"] == "cjrec-abc" and request["remark"] == "ship to US"
    answered = logged_in.admin("POST", f"/sourcing/{source_id}", {"outcome": "failed", "reason": "No supplier"})
    assert answered.json["failReasonStr"] == "No supplier"
    assert logged_in.admin("POST", f"/sourcing/{source_id}", {"outcome": "maybe"}).status == 400
    assert logged_in.admin("POST", "/sourcing/404", {"outcome": "failed"}).status == 404


def test_faults_can_be_limited_to_one_endpoint(logged_in: Wire) -> None:
    (source_id,) = file(logged_in, 1)
    logged_in.sandbox.set_faults(busy_rate=1.0, paths=["/product/sourcing/queryList"])
    assert logged_in.api("GET", "/product/sourcing/queryList", query={"sourceIds": source_id}).code == 1600000
    assert logged_in.api("GET", "/setting/get").code == 200
    with pytest.raises(ValueError, match="paths"):
        logged_in.sandbox.set_faults(paths=["no-slash"])
    logged_in.sandbox.set_faults(reset=True)
    assert logged_in.api("GET", "/product/sourcing/queryList", query={"sourceIds": source_id}).code == 200


def test_the_older_post_query_route_answers_the_same_rows_as_query_list(logged_in: Wire) -> None:
    waiting, won = file(logged_in, 2)
    logged_in.admin("POST", f"/sourcing/{won}", {"outcome": "succeeded"})
    listed = logged_in.api("GET", "/product/sourcing/queryList", query={"sourceIds": f"{waiting},{won}"})
    posted = logged_in.api("POST", "/product/sourcing/query", body={"sourceIds": [waiting, won, "404"]})
    assert posted.code == 200 and posted.data == listed.data
    assert logged_in.api("POST", "/product/sourcing/query", body={}).code == 1600300
    assert logged_in.api("POST", "/product/sourcing/query", body={"sourceIds": [True]}).code == 1600300
    assert logged_in.api("POST", "/product/sourcing/query", body={"sourceIds": ["1"] * 101}).code == 1600300


def test_a_route_can_be_taken_away_to_play_a_live_api_without_it(logged_in: Wire) -> None:
    (source_id,) = file(logged_in, 1)
    logged_in.sandbox.set_faults(missing_paths=["/product/sourcing/queryList"])
    gone = logged_in.api("GET", "/product/sourcing/queryList", query={"sourceIds": source_id})
    assert (gone.status, gone.code) == (404, 1600101)
    assert logged_in.api("POST", "/product/sourcing/query", body={"sourceIds": [source_id]}).code == 200
    with pytest.raises(ValueError, match="missing_paths"):
        logged_in.sandbox.set_faults(missing_paths="/product/sourcing/query")
    logged_in.sandbox.set_faults(reset=True)
    assert logged_in.api("GET", "/product/sourcing/queryList", query={"sourceIds": source_id}).code == 200


def test_throttles_can_come_in_cjs_http_200_form(logged_in: Wire) -> None:
    logged_in.sandbox.set_faults(burst_429=1)
    plain = logged_in.api("GET", "/setting/get")
    assert (plain.status, plain.code) == (429, 1600200)
    logged_in.sandbox.set_faults(burst_429=1, throttle_http_200=True)
    answer = logged_in.api("GET", "/setting/get")
    assert (answer.status, answer.code) == (200, 1600200)
    assert "Too Many Requests" in str(answer.raw)
    assert logged_in.api("GET", "/setting/get").code == 200
