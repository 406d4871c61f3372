"""Messages in CJ's shape, signed as CJ signs them, and an in-process ASGI caller."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reconciler.adapters.event_log import LocalEventLog
from reconciler.models.secret import Secret
from reconciler.receiver.app import ReceiverApp, signature
from tests.support.client_fakes import FakeClock

TOKEN = "tok_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3"
OPEN_ID = "1234567890123456789"


def product_message(message_id: str = "m-1", pid: str = "1000000000000000003", **params: Any) -> bytes:
    body = {
        "messageId": message_id,
        "type": "PRODUCT",
        "messageType": "UPDATE",
        "openId": OPEN_ID,
        "params": {"pid": pid, "productSellPrice": 12.5, "fields": ["productSellPrice"], **params},
    }
    return json.dumps(body).encode()


def signed(body: bytes, open_id: str = OPEN_ID) -> dict[str, str]:
    return {"sign": signature(body, open_id), "content-type": "application/json"}


def make_app(state_dir: Path, clock: FakeClock | None = None, **options: Any) -> ReceiverApp:
    return ReceiverApp(
        token=Secret(TOKEN),
        open_id=Secret(OPEN_ID),
        events=LocalEventLog(state_dir),
        clock=clock or FakeClock(),
        **options,
    )


def call(
    app: ReceiverApp,
    body: bytes,
    *,
    path: str = "/cj/" + TOKEN,
    method: str = "POST",
    headers: dict[str, str] | None = None,
    chunks: list[bytes] | None = None,
    stall: bool = False,
) -> tuple[int, dict[str, Any]]:
    """One request straight into the ASGI app; ``stall``: the sender stops after the chunks."""
    sent: list[dict[str, Any]] = []
    parts = chunks if chunks is not None else [body]

    def events() -> Iterator[dict[str, Any]]:
        for index, part in enumerate(parts):
            yield {"type": "http.request", "body": part, "more_body": stall or index < len(parts) - 1}

    source = events()

    async def receive() -> dict[str, Any]:
        try:
            return next(source)
        except StopIteration:
            await asyncio.Event().wait()  # a sender that never sends the rest
            raise AssertionError("unreachable") from None

    async def send(event: dict[str, Any]) -> None:
        sent.append(event)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    asyncio.run(app(scope, receive, send))
    status = sent[0]["status"]
    return status, json.loads(sent[1]["body"])


def stored_files(state_dir: Path) -> list[Path]:
    folder = state_dir / "events"
    return sorted(folder.glob("*.json")) if folder.exists() else []
