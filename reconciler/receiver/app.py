"""The receiver as a plain ASGI application: what CJ's POSTs get, in the order they are checked.

1. The path: ``POST /cj/<token>`` with the receiver's unguessable token (compared in constant
   time); any other path is 404, any other method on it 405. ``GET /healthz`` is 200.
2. The size: a ``Content-Length`` over :data:`MAX_BODY` (1 MB), or a body that grows past it,
   is 413; a sender that stops sending for :data:`READ_TIMEOUT_S` is 408.
3. The signature: header ``sign`` = Base64(HMAC-SHA256(key = the account's openId, message =
   the raw body)), compared in constant time against the raw bytes; missing or wrong is 401.
4. The body: not JSON, or not CJ's envelope (messageId, type), is 400.
5. The write: the message (minus its openId) is stored durably in the event log, off the event
   loop; only then is the answer 200. A duplicate messageId is 200 too, stored once. A type
   cjrec does not know is stored and counted, and acted on by nobody.
6. With ``--dispatch``, a new message the drift job acts on is counted for the
   :class:`~reconciler.receiver.dispatch.Dispatcher`, which starts the job later on its own
   thread: the 200 never waits on GitHub or GitLab.

Nothing is written before step 5, and no answer or log line holds the token, the openId or
the signature. Time comes from an injected clock.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from reconciler.adapters.clock import Clock
from reconciler.adapters.event_log import EventLog, MessageError, message_of
from reconciler.errors import CjrecError
from reconciler.models.secret import Secret
from reconciler.receiver.dispatch import ACTED_ON, Dispatcher

Scope = MutableMapping[str, Any]
Event = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Event]]
Send = Callable[[Event], Awaitable[None]]

MAX_BODY = 1_000_000
READ_TIMEOUT_S = 2.0  # CJ wants an answer within 3 s; a body still arriving after 2 s is a slow sender
PREFIX = "/cj/"

log = logging.getLogger("cjrec.receiver")


def signature(body: bytes, open_id: str) -> str:
    """CJ's ``sign`` header for ``body``: Base64 of HMAC-SHA256 keyed by the openId."""
    return base64.b64encode(hmac.new(open_id.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


class ReceiverApp:
    """The ASGI callable ``cjrec receive`` serves."""

    def __init__(
        self,
        *,
        token: Secret,
        open_id: Secret,
        events: EventLog,
        clock: Clock,
        max_body: int = MAX_BODY,
        read_timeout_s: float = READ_TIMEOUT_S,
        dispatcher: Dispatcher | None = None,
    ) -> None:
        self._path = (PREFIX + token.reveal()).encode("utf-8")
        self._key = open_id.reveal().encode("utf-8")
        self.events = events
        self.clock = clock
        self.max_body = max_body
        self.read_timeout_s = read_timeout_s
        self.dispatcher = dispatcher  # --dispatch: told of every new message the drift job acts on
        self.answers: Counter[int] = Counter()  # status code -> count, for the figures and --check
        self.stored: Counter[str] = Counter()  # type -> new messages stored
        self.duplicates = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        status, body = await self._handle(scope, receive)
        self.answers[status] += 1
        log.info("%s %s -> %d", scope.get("method"), _shown_path(scope), status)
        await _answer(send, status, body)

    async def _handle(self, scope: Scope, receive: Receive) -> tuple[int, dict[str, Any]]:
        method = scope.get("method", "")
        raw_path: bytes = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
        raw_path = raw_path.split(b"?", 1)[0]
        if raw_path == b"/healthz" and method in ("GET", "HEAD"):
            return 200, {"ok": True}
        if not hmac.compare_digest(raw_path, self._path):
            return 404, {"error": "not found"}
        if method != "POST":
            return 405, {"error": "POST only"}
        headers = _headers(scope)
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return 413, {"error": f"the body is over {self.max_body} bytes"}
        try:
            raw = await self._body(receive)
        except _TooLarge:
            return 413, {"error": f"the body is over {self.max_body} bytes"}
        except TimeoutError:
            return 408, {"error": f"the body did not arrive within {self.read_timeout_s:g} s"}
        except _Gone:
            return 400, {"error": "the sender closed the connection"}
        sign = headers.get(b"sign")
        if sign is None or not hmac.compare_digest(sign, signature(raw, self._key.decode("utf-8")).encode("ascii")):
            return 401, {"error": "missing or wrong signature"}
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            return 400, {"error": "the body is not JSON"}
        try:
            message = message_of(body, received=self.clock.now())
        except MessageError as exc:
            return 400, {"error": str(exc)}
        try:
            stored = await asyncio.to_thread(self.events.record, message)
        except CjrecError as exc:
            log.error("cannot store a message: %s", exc.message)
            return 503, {"error": "the message could not be stored; send it again"}
        if stored.new:
            self.stored[message.type] += 1
            if self.dispatcher is not None and message.type in ACTED_ON:
                self.dispatcher.noted()
        else:
            self.duplicates += 1
        return 200, {"ok": True, "duplicate": not stored.new, "known": message.known}

    async def _body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            event = await asyncio.wait_for(receive(), timeout=self.read_timeout_s)
            if event["type"] == "http.disconnect":
                raise _Gone
            chunk: bytes = event.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise _TooLarge
            chunks.append(chunk)
            if not event.get("more_body", False):
                return b"".join(chunks)


class _TooLarge(Exception):
    pass


class _Gone(Exception):
    pass


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope.get("headers", [])}


def _shown_path(scope: Scope) -> str:
    """The path for a log line: ``/cj/…`` never shows the token."""
    path = str(scope.get("path", ""))
    return PREFIX + "(token)" if path.startswith(PREFIX) else path[:60]


async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    if status in (408, 413):
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        event = await receive()
        if event["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif event["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
