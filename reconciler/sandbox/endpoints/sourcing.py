"""CJ's sourcing endpoints as the sandbox answers them: file a request, ask where requests stand.

Registered in :data:`SOURCING_ENDPOINTS` (merged into the API's routes by this package);
they check what the caller sent and hand it to the account's
:class:`~reconciler.sandbox.sourcing.SourcingDesk`, under the state lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from reconciler.sandbox import envelope as env
from reconciler.sandbox.endpoints.call import Call
from reconciler.sandbox.envelope import Reply
from reconciler.sandbox.sourcing import OPTIONAL_TEXT

MAX_TEXT = 200
MAX_QUERY_IDS = 100
DAILY_LIMIT_MESSAGE = "Exceeded the daily source limit"


def _text(body: Mapping[str, object], name: str, *, required: bool) -> str | Reply | None:
    value = body.get(name)
    if value is None or value == "":
        return env.failure(env.PARAM_ERROR, f"{name} is required.") if required else None
    if not isinstance(value, str):
        return env.failure(env.PARAM_ERROR, f"{name} must be a string.")
    if len(value) > MAX_TEXT:
        return env.failure(env.PARAM_ERROR, f"{name} must be at most {MAX_TEXT} characters.")
    return value


def create(call: Call) -> Reply:
    """``POST /product/sourcing/create``: file a request, answered in CJ's other envelope.

    The success answer is ``{"success": true, "code": 0, "message": null, "data":
    {"cjSourcingId", "result": "success"}}``: no top-level ``result`` and no ``requestId``,
    as CJ's docs show it. The 6th create of a UTC day answers 1600000 "Exceeded the daily
    source limit" (on this endpoint 1600000 is a quota, not "already exists").
    """
    body = call.json_object()
    if body is None:
        return env.failure(env.PARAM_ERROR, "The request body must be a JSON object.")
    for name, required in (("productName", True), ("productImage", True), *((n, False) for n in OPTIONAL_TEXT)):
        checked = _text(body, name, required=required)
        if isinstance(checked, Reply):
            return checked
    price = body.get("price")
    if price is not None:
        try:
            if isinstance(price, bool) or float(str(price)) < 0:
                raise ValueError
        except ValueError:
            return env.failure(env.PARAM_ERROR, "price must be a number of US dollars.")
    state = call.state
    request = state.account.sourcing.file(now=call.now_wall, day=state.clock.utc_day(), fields=body)
    if request is None:
        return env.failure(env.BUSY, DAILY_LIMIT_MESSAGE)
    return env.plain_success({"cjSourcingId": request.source_id, "result": "success"})


def query_list(call: Call) -> Reply:
    """``GET /product/sourcing/queryList?sourceIds=ID&sourceIds=ID…`` (commas accepted too), at most 100.

    Ids CJ does not know are left out of ``data``, not reported.
    """
    ids = [part.strip() for value in call.query.get("sourceIds", []) for part in value.split(",") if part.strip()]
    if not ids:
        return env.failure(env.PARAM_ERROR, "sourceIds is required.")
    if len(ids) > MAX_QUERY_IDS:
        return env.failure(env.PARAM_ERROR, f"At most {MAX_QUERY_IDS} sourceIds per call.")
    return _rows(call, ids)


def query(call: Call) -> Reply:
    """``POST /product/sourcing/query`` ``{"sourceIds": [...]}``: the older route, same rows as queryList.

    CJ's sheet calls it deprecated [UNCERTAIN], yet CJ's own client (api-mcp) asks only this
    one; the sandbox serves both so a client can be tested on either (the ``missing_paths``
    fault takes one away).
    """
    body = call.json_object()
    raw = body.get("sourceIds") if body is not None else None
    if not isinstance(raw, list) or not raw:
        return env.failure(env.PARAM_ERROR, "sourceIds is required.")
    if not all(isinstance(item, str | int) and not isinstance(item, bool) for item in raw):
        return env.failure(env.PARAM_ERROR, "sourceIds must be a list of ids.")
    ids = [str(item).strip() for item in raw if str(item).strip()]
    if len(ids) > MAX_QUERY_IDS:
        return env.failure(env.PARAM_ERROR, f"At most {MAX_QUERY_IDS} sourceIds per call.")
    return _rows(call, ids)


def _rows(call: Call, ids: list[str]) -> Reply:
    desk = call.state.account.sourcing
    rows = [request.row() for source_id in dict.fromkeys(ids) if (request := desk.get(source_id)) is not None]
    return env.success(rows)


SOURCING_ENDPOINTS: dict[tuple[str, str], Callable[[Call], Reply]] = {
    ("POST", "/product/sourcing/create"): create,
    ("GET", "/product/sourcing/queryList"): query_list,
    ("POST", "/product/sourcing/query"): query,
}
