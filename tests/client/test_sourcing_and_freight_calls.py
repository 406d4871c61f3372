"""The sourcing and freight calls of the client, against recorded answer shapes (``responses``).

On ``sourcing/create``: ``success: true, code: 0`` without a top-level ``result`` is success,
1600000 is the daily limit (not "busy", not "already added"), and a lost answer is never
retried but reported as "CJ may have filed it". queryList rows of any shape are read or
named, never crash; freight options with unreadable values are left out and named.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from reconciler.adapters.cj_api import CjApi
from reconciler.adapters.cj_http import CjHttp, interpret
from reconciler.adapters.rate_limiter import RateLimiter, RetryPolicy
from reconciler.errors import (
    ApiError,
    OutcomeUnknownError,
    PointsBudgetError,
    SourcingLimitError,
    TransientApiError,
)
from reconciler.models.secret import Secret
from reconciler.models.sourcing import PHASE_FAILED, PHASE_OPEN, PHASE_SUCCEEDED
from tests.support.client_fakes import BASE, FakeClock

CREATE = BASE + "/product/sourcing/create"
QUERY = BASE + "/product/sourcing/queryList"
FREIGHT = BASE + "/logistic/freightCalculate"
BODY = {"productName": "Lamp", "productImage": "https://i.test/a.jpg"}


class OneToken:
    def access_token(self) -> Secret:
        return Secret("tok")

    def renew_after_rejection(self, rejected: Secret) -> Secret:
        return rejected


def make_api(*, budget: int | None = None) -> tuple[CjApi, CjHttp]:
    clock = FakeClock()
    http = CjHttp(
        base_url=BASE,
        clock=clock,
        limiter=RateLimiter(qps=100, clock=clock),
        points_budget=budget,
        retry=RetryPolicy(max_attempts=3),
        rng=random.Random(3),
    )
    return CjApi(http, OneToken()), http


def cj(code: object = 200, data: object = None, message: str = "Success", **extra: object) -> str:
    return json.dumps(
        {"code": code, "result": code == 200, "message": message, "data": data, "requestId": "r", **extra}
    )


@responses.activate
def test_create_reads_the_success_true_code_0_envelope_without_result() -> None:
    api, _ = make_api()
    answer = {
        "success": True,
        "code": 0,
        "message": None,
        "data": {"cjSourcingId": "1890000000000000001", "result": "success"},
    }
    responses.add(responses.POST, CREATE, json=answer)
    assert api.create_sourcing(dict(BODY)) == "1890000000000000001"
    assert json.loads(responses.calls[0].request.body) == BODY


@responses.activate
def test_create_reads_a_numeric_id_as_exact_text() -> None:
    api, _ = make_api()
    responses.add(responses.POST, CREATE, body='{"success":true,"code":0,"data":{"cjSourcingId":1890000000000000001}}')
    assert api.create_sourcing(dict(BODY)) == "1890000000000000001"


@pytest.mark.parametrize("message", ["Exceeded the daily source limit", "", "Sourcing limit"])
def test_1600000_on_sourcing_create_is_the_daily_limit_not_busy_nor_already_added(message: str) -> None:
    payload = json.dumps({"code": 1600000, "result": False, "message": message, "data": None}).encode()
    with pytest.raises(SourcingLimitError) as info:
        interpret(200, payload, call="POST /product/sourcing/create")
    assert not isinstance(info.value, TransientApiError)
    assert "CJ code 1600000" in info.value.message


def test_1600000_keeps_its_meanings_on_other_endpoints() -> None:
    busy = json.dumps({"code": 1600000, "result": False, "message": "System busy"}).encode()
    with pytest.raises(TransientApiError):
        interpret(200, busy, call="GET /product/query")
    added = json.dumps({"code": 1600000, "result": False, "message": "The product has been added to My Products."})
    assert interpret(200, added.encode(), call="POST /product/addToMyProduct").duplicate


@responses.activate
def test_the_daily_limit_is_raised_at_once_without_retries() -> None:
    api, http = make_api()
    responses.add(responses.POST, CREATE, body=cj(1600000, message="Exceeded the daily source limit"))
    with pytest.raises(SourcingLimitError):
        api.create_sourcing(dict(BODY))
    assert len(responses.calls) == 1 and http.stats.retries == 0


@pytest.mark.parametrize(
    "failure",
    [
        requests.ReadTimeout("slow"),
        requests.ConnectionError("reset by peer"),
    ],
)
@responses.activate
def test_a_lost_answer_to_create_is_not_retried_and_says_cj_may_have_filed_it(failure: Exception) -> None:
    api, _ = make_api()
    responses.add(responses.POST, CREATE, body=failure)
    responses.add(responses.POST, CREATE, json={"success": True, "code": 0, "data": {"cjSourcingId": "1"}})
    with pytest.raises(OutcomeUnknownError, match="may have filed it"):
        api.create_sourcing(dict(BODY))
    assert len(responses.calls) == 1


@responses.activate
def test_a_gateway_error_on_create_is_an_unknown_outcome_too() -> None:
    api, _ = make_api()
    responses.add(responses.POST, CREATE, body="<html>502 Bad Gateway</html>", status=502)
    with pytest.raises(OutcomeUnknownError):
        api.create_sourcing(dict(BODY))
    assert len(responses.calls) == 1


@responses.activate
def test_answers_cj_itself_gave_before_acting_are_retried_on_create() -> None:
    api, _ = make_api()
    responses.add(responses.POST, CREATE, body=cj(1600200, message="Too Many Requests"), status=429)
    responses.add(responses.POST, CREATE, body=cj(1600301, message="System busy, read timed out"))
    responses.add(responses.POST, CREATE, json={"success": True, "code": 0, "data": {"cjSourcingId": "42"}})
    assert api.create_sourcing(dict(BODY)) == "42"
    assert len(responses.calls) == 3


@responses.activate
def test_a_success_without_a_readable_id_is_an_unknown_outcome() -> None:
    api, _ = make_api()
    responses.add(responses.POST, CREATE, json={"success": True, "code": 0, "data": {"result": "success"}})
    with pytest.raises(OutcomeUnknownError, match="cjSourcingId"):
        api.create_sourcing(dict(BODY))


@responses.activate
def test_a_refused_create_is_a_plain_error() -> None:
    api, _ = make_api()
    responses.add(responses.POST, CREATE, body=cj(1600300, message="productImage is required."))
    with pytest.raises(ApiError) as info:
        api.create_sourcing(dict(BODY))
    assert type(info.value) is ApiError and info.value.code == 1600300


@responses.activate
def test_query_list_sends_repeated_ids_and_reads_every_status() -> None:
    api, _ = make_api()
    rows = [
        {"sourceId": "11", "sourceNumber": "SR1", "sourceStatus": "1", "sourceStatusStr": "Sourcing"},
        {"sourceId": 22, "sourceStatus": 3, "cjProductId": 1790000000000000000, "cjVariantSku": "CJ-1"},
        {"sourceId": "33", "sourceStatus": "5", "failReason": "1", "failReasonStr": "The product link is invalid"},
        {"sourceId": "44", "sourceStatus": "7", "sourceStatusStr": "Waiting for supplier"},
        {"sourceId": "55", "sourceStatus": "3", "cjProductId": None},
    ]
    responses.add(responses.GET, QUERY, body=cj(200, rows))
    found, problems = api.sourcing_status(["11", "22", "33", "44", "55"])
    sent = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert sent["sourceIds"] == ["11", "22", "33", "44", "55"]
    assert problems == []
    assert found["11"].phase == PHASE_OPEN
    assert (found["22"].phase, found["22"].cj_product_id) == (PHASE_SUCCEEDED, "1790000000000000000")
    assert (found["33"].phase, found["33"].fail_reason) == (PHASE_FAILED, "The product link is invalid")
    assert found["44"].phase == PHASE_OPEN and found["44"].undocumented and found["44"].status_text
    assert found["55"].phase == PHASE_OPEN  # a success without a product id stays open (the planner reports it)


@responses.activate
def test_query_list_names_unreadable_rows_instead_of_crashing() -> None:
    api, _ = make_api()
    responses.add(
        responses.GET, QUERY, body=cj(200, ["junk", {"sourceStatus": "1"}, {"sourceId": "9", "sourceStatus": "1"}])
    )
    found, problems = api.sourcing_status(["9"])
    assert list(found) == ["9"]
    assert problems == ["data[0] is not an object", "data[1] has no sourceId"]


@responses.activate
def test_query_list_that_is_not_a_list_is_an_api_error_naming_the_field() -> None:
    api, _ = make_api()
    responses.add(responses.GET, QUERY, body=cj(200, "nope"))
    with pytest.raises(ApiError, match="data is not a list"):
        api.sourcing_status(["9"])


def test_query_list_takes_at_most_100_ids() -> None:
    api, _ = make_api()
    with pytest.raises(ValueError):
        api.sourcing_status([str(i) for i in range(101)])


@responses.activate
def test_query_list_faults_are_retried() -> None:
    api, http = make_api()
    responses.add(responses.GET, QUERY, body=cj(1600000, message="System busy"))
    responses.add(responses.GET, QUERY, body="", status=503)
    responses.add(responses.GET, QUERY, body=cj(200, [{"sourceId": "9", "sourceStatus": "1"}]))
    found, _ = api.sourcing_status(["9"])
    assert list(found) == ["9"] and http.stats.retries == 2


@responses.activate
def test_freight_quote_reads_options_and_costs_10_points() -> None:
    api, http = make_api()
    options = [
        {"logisticName": "CJPacket Ordinary", "logisticPrice": 4.12, "logisticPriceCn": 29.6, "logisticAging": "7-12"},
        {"logisticName": "USPS+", "logisticPrice": "3.90", "logisticAging": "2~5 days"},
        {"logisticName": "DHL", "logisticPrice": "18", "logisticAging": "5"},
    ]
    responses.add(responses.POST, FREIGHT, body=cj(200, options))
    answer = api.freight_quote("CN", "US", "v1")
    assert json.loads(responses.calls[0].request.body) == {
        "startCountryCode": "CN",
        "endCountryCode": "US",
        "products": [{"quantity": 1, "vid": "v1"}],
    }
    assert [(o.name, o.price, o.min_days, o.max_days) for o in answer.options] == [
        ("CJPacket Ordinary", Decimal("4.12"), 7, 12),
        ("USPS+", Decimal("3.90"), 2, 5),
        ("DHL", Decimal("18"), 5, 5),
    ]
    assert answer.problems == () and http.stats.points_spent == 10


@responses.activate
def test_freight_options_with_unreadable_values_are_left_out_and_named() -> None:
    api, _ = make_api()
    options = [
        {"logisticName": "A", "logisticPrice": "n/a", "logisticAging": "2-5"},
        {"logisticName": "B", "logisticPrice": 3, "logisticAging": "soon"},
        {"logisticName": "C", "logisticPrice": -1, "logisticAging": "2-5"},
        {"logisticPrice": 3, "logisticAging": "2-5"},
        {"logisticName": "D", "logisticPrice": 3, "logisticAging": "9-4"},
        {"logisticName": "E", "logisticPrice": 3, "logisticAging": "4-9"},
    ]
    responses.add(responses.POST, FREIGHT, body=cj(200, options))
    answer = api.freight_quote("CN", "US", "v1")
    assert [o.name for o in answer.options] == ["E"]
    assert len(answer.problems) == 5 and "logisticPrice" in answer.problems[0]


@responses.activate
def test_an_origin_without_stock_may_answer_an_empty_list_or_null() -> None:
    api, _ = make_api()
    responses.add(responses.POST, FREIGHT, body=cj(200, []))
    responses.add(responses.POST, FREIGHT, body=cj(200, None))
    assert api.freight_quote("US", "US", "v1").options == ()
    assert api.freight_quote("US", "US", "v1").options == ()


def test_freight_quotes_count_against_the_points_budget() -> None:
    api, _ = make_api(budget=5)
    with pytest.raises(PointsBudgetError):
        api.freight_quote("CN", "US", "v1")


POST_QUERY = BASE + "/product/sourcing/query"
ROW = {"sourceId": "1890000000000000001", "sourceStatus": "1", "sourceStatusStr": "Sourcing"}
NOT_FOUND = {"code": 1600101, "result": False, "message": "Interface not found", "data": None}


@pytest.mark.parametrize("status", [404, 200])
@responses.activate
def test_interface_not_found_on_query_list_falls_back_to_the_post_route_and_keeps_it(status: int) -> None:
    api, _ = make_api()
    responses.add(responses.GET, QUERY, json=NOT_FOUND, status=status)
    responses.add(responses.POST, POST_QUERY, body=cj(data=[ROW]))
    found, _ = api.sourcing_status(["1890000000000000001"])
    assert found["1890000000000000001"].phase == PHASE_OPEN
    assert json.loads(responses.calls[1].request.body) == {"sourceIds": ["1890000000000000001"]}
    api.sourcing_status(["1890000000000000001"])  # the next batch asks the route that worked
    assert [c.request.method for c in responses.calls] == ["GET", "POST", "POST"]


@responses.activate
def test_query_list_is_kept_while_it_answers_and_taken_back_when_the_post_route_goes() -> None:
    api, _ = make_api()
    responses.add(responses.GET, QUERY, body=cj(data=[ROW]))
    api.sourcing_status(["1"])
    api.sourcing_status(["1"])
    assert [c.request.method for c in responses.calls] == ["GET", "GET"]
    api.sourcing_route = ("POST", "/product/sourcing/query")
    responses.add(responses.POST, POST_QUERY, json=NOT_FOUND, status=404)
    api.sourcing_status(["1"])
    assert api.sourcing_route == ("GET", "/product/sourcing/queryList")


@responses.activate
def test_both_routes_not_found_is_one_clear_error_naming_both() -> None:
    api, _ = make_api()
    responses.add(responses.GET, QUERY, json=NOT_FOUND, status=404)
    responses.add(responses.POST, POST_QUERY, json=NOT_FOUND, status=404)
    with pytest.raises(ApiError) as info:
        api.sourcing_status(["1"])
    assert "GET /product/sourcing/queryList and POST /product/sourcing/query" in info.value.message
    assert info.value.hint and "CJREC_API_URL" in info.value.hint


@responses.activate
def test_other_errors_on_query_list_do_not_switch_routes() -> None:
    api, _ = make_api()
    responses.add(responses.GET, QUERY, body=cj(1600300, message="param error"))
    with pytest.raises(ApiError, match="parameter"):
        api.sourcing_status(["1"])
    assert len(responses.calls) == 1 and api.sourcing_route[0] == "GET"


@responses.activate
def test_a_throttle_in_the_http_200_form_is_retried_like_a_429() -> None:
    api, http = make_api()
    throttle = {"code": 1600200, "result": False, "message": "Too Many Requests, QPS limit is 1 time/1second"}
    responses.add(responses.GET, QUERY, json=throttle, status=200)
    responses.add(responses.GET, QUERY, body=cj(data=[ROW]))
    found, _ = api.sourcing_status(["1890000000000000001"])
    assert found and http.stats.retries == 1
