"""Requests and answers as plain values, and CJ's answer envelope.

:class:`Request` is what the server read from the socket; :class:`Reply` is what the request handlers (:mod:`.api`, :mod:`.admin`) return and what
:mod:`.server` writes to the socket. The builders here produce CJ's envelope
``{"code", "result", "message", "data", "requestId", "success"}`` and the few non-JSON
answers (gateway error pages, dropped connections) that faults need.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import parse_qs

# CJ codes the sandbox answers with (see ../shared/cj-api.md).
OK = 200
BUSY = 1600000  # also the "already added to My Products" answer
INVALID_TOKEN = 1600001
TOKEN_EMPTY = 1600002
INVALID_REFRESH_TOKEN = 1600003
INVALID_API_KEY = 1600005
NOT_FOUND = 1600101
TOO_MANY_REQUESTS = 1600200
QUOTA_USED_UP = 1600201
PARAM_ERROR = 1600300
PRODUCT_OFFLINE = 1602001
PRODUCT_REMOVED = 1602002
OUT_OF_POINTS = 16900500

JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html"


@dataclass(frozen=True)
class Request:
    """One HTTP request as the server read it; header names in lower case."""

    method: str
    path: str
    raw_query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    client_ip: str = "127.0.0.1"

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.raw_query, keep_blank_values=True)


class Delivery(Enum):
    """How the server hands a reply over."""

    ANSWER = "answer"  # write it
    DROP = "drop"  # close the connection without a byte


@dataclass(frozen=True)
class Reply:
    """One answer: HTTP status, body, and the CJ code it carries (for the call log)."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    code: int | None = None
    delivery: Delivery = Delivery.ANSWER
    delay_s: float = 0.0  # waited before answering: latency, or a timeout fault

    def delayed(self, seconds: float) -> Reply:
        return Reply(self.status, self.body, self.content_type, self.code, self.delivery, self.delay_s + seconds)


def request_id() -> str:
    return str(uuid.uuid4())


def _encode(payload: object) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (the hostile catalogue): JSON's \\uXXXX escapes, as CJ's Java would
        return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def success(data: object, *, message: str = "Success") -> Reply:
    """CJ's success answer: HTTP 200, code 200, result and success true."""
    body = {"code": OK, "result": True, "message": message, "data": data, "requestId": request_id(), "success": True}
    return Reply(200, _encode(body), code=OK)


def plain_success(data: object) -> Reply:
    """The success envelope of CJ's sourcing endpoint: ``success: true, code: 0``, no ``result``, no ``requestId``."""
    body = {"success": True, "code": 0, "message": None, "data": data}
    return Reply(200, _encode(body), code=0)


def with_message_suffix(reply: Reply, suffix: str) -> Reply:
    """The same failure answer with ``suffix`` added to its ``message`` (hostile messages)."""
    try:
        body = json.loads(reply.body)
    except ValueError:
        return reply
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return reply
    body["message"] = body["message"] + " " + suffix
    return Reply(reply.status, _encode(body), reply.content_type, reply.code, reply.delivery, reply.delay_s)


def failure(code: int, message: str, *, status: int = 200, data: object = None) -> Reply:
    """CJ's failure answer; CJ sends most failures with HTTP 200."""
    body = {
        "code": code,
        "result": False,
        "message": message,
        "data": data,
        "requestId": request_id(),
        "success": False,
    }
    return Reply(status, _encode(body), code=code)


def too_many_requests(message: str, *, status: int = 429) -> Reply:
    """HTTP 429 + 1600200, in the shape CJ sends it: no ``success`` key, no Retry-After.

    ``status=200`` gives the same body with HTTP 200, the other form CJ is reported to send.
    """
    body = {"code": TOO_MANY_REQUESTS, "result": False, "message": message, "data": None, "requestId": request_id()}
    return Reply(status, _encode(body), code=TOO_MANY_REQUESTS)


_GATEWAY_PAGES = {
    500: b"<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>",
    502: (
        b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ),
    503: b"",
}


def server_error(status: int) -> Reply:
    """A 5xx from in front of CJ's application: an HTML page or an empty body, never JSON."""
    page = _GATEWAY_PAGES.get(status, b"")
    return Reply(status, page, HTML_TYPE if page else "text/plain")


def dropped() -> Reply:
    """No answer at all: the server closes the connection."""
    return Reply(0, b"", delivery=Delivery.DROP)


def admin_json(payload: object, *, status: int = 200) -> Reply:
    """An answer of the admin endpoints: plain JSON, no CJ envelope."""
    return Reply(status, json.dumps(payload, ensure_ascii=False, indent=None).encode("utf-8"), "application/json")


def admin_error(message: str, *, status: int = 400) -> Reply:
    return admin_json({"error": message}, status=status)
