"""The event log in an S3 state: one object per message under ``PREFIX/events/``.

The same records as :class:`~reconciler.adapters.event_log.LocalEventLog`, with the state's
conditional-write rules: a message is created with ``If-None-Match: *`` (a second delivery of
its messageId finds it: stored once, atomically across receivers), an expired tombstone is
replaced only in the version read (``If-Match``). So a receiver and CI runners share the log
through the bucket as they share the state.
"""

from __future__ import annotations

from datetime import datetime

from reconciler.adapters.event_log import (
    EVENTS_FOLDER,
    Message,
    Stored,
    _message,
    _parse,
    _render,
    expired,
    record_name,
    tombstone,
)
from reconciler.adapters.s3_objects import PreconditionFailed, S3Objects


class S3EventLog:
    """``s3://BUCKET/PREFIX/events/<digest>.json``."""

    def __init__(self, objects: S3Objects) -> None:
        self.objects = objects

    @property
    def display(self) -> str:
        return self.objects.location.url(EVENTS_FOLDER + "/")

    def record(self, message: Message) -> Stored:
        name = record_name(message.message_id)
        key = f"{EVENTS_FOLDER}/{name}"
        data = _render(message.to_json())
        try:
            self.objects.put(key, data, if_none_match=True)
            return Stored(new=True, name=name)
        except PreconditionFailed:
            pass
        found = self.objects.get(key)
        if found is not None and not expired(_parse(found.data), message.received):
            return Stored(new=False, name=name)
        try:
            if found is None:
                self.objects.put(key, data, if_none_match=True)
            else:
                self.objects.put(key, data, if_match=found.etag)
        except PreconditionFailed:  # another delivery of the same message got there first
            return Stored(new=False, name=name)
        return Stored(new=True, name=name)

    def _records(self) -> list[tuple[str, dict[str, object] | None]]:
        out: list[tuple[str, dict[str, object] | None]] = []
        for name in self.objects.names(EVENTS_FOLDER + "/"):
            if not name.endswith(".json"):
                continue
            found = self.objects.get(name)
            out.append((name, None if found is None else _parse(found.data)))
        return out

    def pending(self) -> list[Message]:
        found = [m for _, body in self._records() if body is not None and (m := _message(body)) is not None]
        return sorted(found, key=lambda m: (m.received, m.message_id))

    def settle(self, messages: list[Message], *, now: datetime) -> None:
        for message in messages:
            self.objects.put(f"{EVENTS_FOLDER}/{record_name(message.message_id)}", tombstone(message, now))
        for name, body in self._records():
            if body is not None and body.get("settled") and expired(body, now):
                self.objects.delete(name)
