"""The durable log of CJ's webhook messages: one record per ``messageId`` under ``events/`` of the state.

Written by ``cjrec receive`` (one record per accepted message, stored before CJ gets its
200) and read by plan/apply. A record is named by a digest of the ``messageId``, so CJ's
retries (every 5 minutes, 3 times) and duplicate deliveries land on the same name and are
stored once: the first write creates the record, every later one finds it. The record is
created exclusively (written to a temp file, fsynced, then hard-linked to its name, which
fails when the name exists, then the folder fsynced): a crash leaves the record whole or
absent, never torn, and two deliveries of one message racing each other store one.

A record that was acted on is not deleted at once but replaced by a *tombstone* (the
message's id, type and times, no parameters), so a retry arriving after that is still
recognised; tombstones older than :data:`DEDUP_WINDOW` (48 h) are pruned, and a message
whose tombstone has expired is stored again as new. The folder gets a ``.gitignore`` of
``*`` the first time it is made: events are never committed with the state.

What a record holds is what CJ sent minus the ``openId`` (the account's signing key, a
secret): ``messageId``, ``type``, ``messageType``, ``params``, the time it was received and
whether cjrec knows the type.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from reconciler.adapters.atomic_file import fsync_folder, write_atomic
from reconciler.errors import StateError

EVENTS_FOLDER = "events"
FORMAT_VERSION = 1
DEDUP_WINDOW = timedelta(hours=48)
# the types CJ sends that cjrec knows (others are stored and counted, not acted on)
KNOWN_TYPES = frozenset({"PRODUCT", "VARIANT", "STOCK", "ORDER", "ORDERSPLIT", "LOGISTIC", "SOURCINGCREATE"})
MAX_ID_LENGTH = 200


class MessageError(ValueError):
    """A body that is JSON but not a CJ message (the receiver answers 400 with this text)."""


@dataclass(frozen=True)
class Message:
    """One CJ webhook message as cjrec keeps it (never the openId)."""

    message_id: str
    type: str
    message_type: str | None
    params: Any
    received: datetime
    known: bool = field(default=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "messageId": self.message_id,
            "type": self.type,
            "messageType": self.message_type,
            "params": self.params,
            "received": self.received.isoformat(),
            "known": self.known,
        }


def message_of(body: object, *, received: datetime) -> Message:
    """The message in a parsed body; MessageError saying what is missing otherwise."""
    if not isinstance(body, dict):
        raise MessageError("the body must be a JSON object (CJ's envelope: messageId, type, messageType, params)")
    message_id = body.get("messageId")
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        message_id = str(message_id)
    if not isinstance(message_id, str) or not message_id.strip() or len(message_id) > MAX_ID_LENGTH:
        raise MessageError(f"messageId must be a non-empty string of at most {MAX_ID_LENGTH} characters")
    kind = body.get("type")
    if not isinstance(kind, str) or not kind.strip() or len(kind) > 40:
        raise MessageError("type must be a non-empty string (PRODUCT, VARIANT, STOCK, ORDER, LOGISTIC, …)")
    message_type = body.get("messageType")
    return Message(
        message_id=message_id,
        type=kind.upper(),
        message_type=message_type if isinstance(message_type, str) else None,
        params=body.get("params"),
        received=received,
        known=kind.upper() in KNOWN_TYPES,
    )


@dataclass(frozen=True)
class Stored:
    """What recording a message did: stored it (``new``) or found it already there."""

    new: bool
    name: str


class EventLog(Protocol):
    """Where the messages live: the state folder's ``events/`` or objects under the bucket's ``events/``."""

    @property
    def display(self) -> str: ...

    def record(self, message: Message) -> Stored:
        """Store ``message`` durably unless its messageId was stored within the dedup window."""
        ...

    def pending(self) -> list[Message]:
        """The stored messages not yet acted on, oldest first."""
        ...

    def settle(self, messages: list[Message], *, now: datetime) -> None:
        """Mark ``messages`` acted on (tombstones) and prune tombstones older than the dedup window."""
        ...


def record_name(message_id: str) -> str:
    """The record's file/object name: a digest, so any messageId makes a safe name of one length."""
    return hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()[:40] + ".json"


def tombstone(message: Message, now: datetime) -> bytes:
    """What a settled message's record becomes: its identity and when it was settled, kept for the 48 h dedup."""
    return _render(
        {
            "format_version": FORMAT_VERSION,
            "messageId": message.message_id,
            "type": message.type,
            "received": message.received.isoformat(),
            "settled": now.isoformat(),
        }
    )


def _render(body: dict[str, Any]) -> bytes:
    return (json.dumps(body, sort_keys=True, ensure_ascii=True) + "\n").encode()


def _parse(data: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) and body.get("format_version") == FORMAT_VERSION else None


def _received(body: dict[str, Any]) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(body.get("received")))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _message(body: dict[str, Any]) -> Message | None:
    received = _received(body)
    if received is None or body.get("settled") or not isinstance(body.get("messageId"), str):
        return None
    return Message(
        message_id=body["messageId"],
        type=str(body.get("type")),
        message_type=body.get("messageType") if isinstance(body.get("messageType"), str) else None,
        params=body.get("params"),
        received=received,
        known=bool(body.get("known")),
    )


def expired(body: dict[str, Any] | None, now: datetime) -> bool:
    """Whether a stored record no longer blocks a new delivery of its messageId (a tombstone past 48 h, or junk)."""
    if body is None:
        return True
    received = _received(body)
    return bool(body.get("settled")) and (received is None or now - received > DEDUP_WINDOW)


class LocalEventLog:
    """``STATE_DIR/events/<digest>.json``, one file per message."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir / EVENTS_FOLDER
        self._ready = False

    @property
    def display(self) -> str:
        return str(self.dir)

    def _prepare(self) -> None:
        if self._ready:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            ignore = self.dir / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# webhook messages from CJ: never committed (cjrec receive)\n*\n")
        except OSError as exc:
            raise StateError(
                f"{self.display}: cannot create the event folder ({exc.strerror})",
                hint="check that the state folder is writable by the user running cjrec receive",
            ) from None
        self._ready = True

    def record(self, message: Message) -> Stored:
        self._prepare()
        name = record_name(message.message_id)
        target = self.dir / name
        data = _render(message.to_json())
        fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.dir)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, target)  # exclusive: fails when the message is already stored
            except FileExistsError:
                if not expired(self._read(target), message.received):
                    return Stored(new=False, name=name)
                os.replace(tmp, target)  # a tombstone past the window: the message is new again
        except OSError as exc:
            raise StateError(
                f"{self.display}: cannot store a webhook message ({exc.strerror})",
                hint="check free space and permissions of the state folder",
            ) from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        fsync_folder(self.dir)
        return Stored(new=True, name=name)

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            return _parse(path.read_bytes())
        except FileNotFoundError:
            return None

    def _records(self) -> list[tuple[Path, dict[str, Any] | None]]:
        if not self.dir.is_dir():
            return []
        return [(path, self._read(path)) for path in sorted(self.dir.glob("*.json"))]

    def pending(self) -> list[Message]:
        found = [m for _, body in self._records() if body is not None and (m := _message(body)) is not None]
        return sorted(found, key=lambda m: (m.received, m.message_id))

    def counts(self) -> dict[str, int]:
        """Pending messages by type (unknown types included)."""
        counts: dict[str, int] = {}
        for message in self.pending():
            counts[message.type] = counts.get(message.type, 0) + 1
        return counts

    def settle(self, messages: list[Message], *, now: datetime) -> None:
        self._prepare()
        for message in messages:
            write_atomic(
                self.dir / record_name(message.message_id), tombstone(message, now), mode=0o644, keep_backup=False
            )
        for path, body in self._records():
            if body is not None and body.get("settled") and expired(body, now):
                path.unlink(missing_ok=True)
        fsync_folder(self.dir)
