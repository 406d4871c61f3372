"""Webhook messages the sandbox sends, as CJ does: POST JSON to the topic's callback, signed, retried.

When a product, variant or stock changes through the back door (``/__sandbox/products/<pid>``)
and the account has that topic enabled, the sandbox POSTs a message in CJ's shape
(``{messageId, type, messageType, openId, params}``) with header ``sign`` = Base64
(HMAC-SHA256(key = the openId as a string, message = the raw body)). An answer other than 200
(or none within 3 s) is retried 5 minutes later on the sandbox clock (``/__sandbox/clock``),
at most 3 times, then dropped. CJ sends only to public https URLs; the back door's
``POST /__sandbox/webhook-target`` (``{"url": "http://127.0.0.1:PORT/cj/TOKEN"}``) stands for
the TLS proxy in front of a receiver: deliveries go there instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

from reconciler.sandbox.clock import SandboxClock

RETRY_AFTER_S = 300.0
RETRIES = 3
TIMEOUT_S = 3.0
TOPIC_OF = {"PRODUCT": "product", "VARIANT": "product", "STOCK": "stock", "SOURCINGCREATE": "product"}


def sign(body: bytes, open_id: str) -> str:
    return base64.b64encode(hmac.new(open_id.encode(), body, hashlib.sha256).digest()).decode("ascii")


@dataclass
class _Pending:
    url: str
    body: bytes
    signature: str
    message_id: str
    type: str
    due: float
    attempts: int = 0
    statuses: list[int] = field(default_factory=list)


class Deliveries:
    """The sandbox's outbox: a thread sends what is due on the sandbox clock."""

    def __init__(self, clock: SandboxClock, stopping: threading.Event) -> None:
        self.clock = clock
        self.stopping = stopping
        self.target: str | None = None
        self._outbox: list[_Pending] = []
        self._log: list[dict[str, object]] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._busy = 0

    def post(self, url: str, open_id: str, type_: str, message_type: str, params: dict[str, object]) -> str:
        """Queue one message for the callback ``url`` (sent to the back door's target when set); returns its messageId."""
        message_id = str(uuid.uuid4())
        body = json.dumps(
            {"messageId": message_id, "type": type_, "messageType": message_type, "openId": open_id, "params": params}
        ).encode()
        with self._cond:
            pending = _Pending(
                url, body, sign(body, open_id), message_id, type_, due=self.clock.wall()
            )
            self._outbox.append(pending)
            self._start()
            self._cond.notify_all()
        return message_id

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sandbox-deliveries", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self.stopping.is_set():
            with self._cond:
                now = self.clock.wall()
                due = [p for p in self._outbox if p.due <= now]
                if not due:
                    self._cond.wait(0.05)
                    continue
                for pending in due:
                    self._outbox.remove(pending)
                self._busy += len(due)
                target = self.target
            for pending in due:
                status = _send(pending, target or pending.url)  # the back door's target at the time of sending
                with self._cond:
                    pending.attempts += 1
                    pending.statuses.append(status)
                    if status != 200 and pending.attempts <= RETRIES:
                        pending.due = self.clock.wall() + RETRY_AFTER_S
                        self._outbox.append(pending)
                    else:
                        self._log.append(
                            {
                                "messageId": pending.message_id,
                                "type": pending.type,
                                "statuses": list(pending.statuses),
                                "delivered": status == 200,
                            }
                        )
                    self._busy -= 1
                    self._cond.notify_all()

    def settle(self, timeout_s: float = 10.0) -> bool:
        """Wait (real time) until nothing is due or being sent; False on timeout. For tests."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._busy == 0 and not any(p.due <= self.clock.wall() for p in self._outbox), timeout_s
            )

    def log(self) -> dict[str, object]:
        with self._cond:
            return {
                "finished": list(self._log),
                "waiting": [{"messageId": p.message_id, "attempts": p.attempts} for p in self._outbox],
                "target": self.target,
            }


def _send(pending: _Pending, url: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - http(s) URLs only: the callback or the back door's target
        url,
        data=pending.body,
        headers={"content-type": "application/json", "sign": pending.signature},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, ValueError):
        return 0
