"""The logo kind's records in the state: image facts and where CJ fetches each logo; the ``logos``
section of ``state/sync.json`` and its codec. Written by the logo executor, read by the logo planner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.kinds.contract import Section, required_object
from reconciler.models.state import SyncState

SECTION = "logos"


@dataclass(frozen=True, slots=True)
class LogoRecord:
    """A logo as cjrec synced it: image facts and where CJ fetches it."""

    name: str
    file: str | None
    url: str | None
    public_url: str | None
    default: bool
    sha256: str | None
    format: str | None
    width: int | None
    height: int | None
    hosted: str | None = None  # s3://… the file was uploaded to (Settings spec.logoStore); public_url is its address

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "file": self.file,
            "url": self.url,
            "public_url": self.public_url,
            "default": self.default,
            "sha256": self.sha256,
            "format": self.format,
            "width": self.width,
            "height": self.height,
        }
        if self.hosted is not None:  # only then, so states without hosted logos keep their bytes
            record["hosted"] = self.hosted
        return record

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> LogoRecord:
        def opt_int(key: str) -> int | None:
            return None if data.get(key) is None else int(data[key])

        def opt_str(key: str) -> str | None:
            return None if data.get(key) is None else str(data[key])

        return cls(
            name=name,
            file=opt_str("file"),
            url=opt_str("url"),
            public_url=opt_str("public_url"),
            default=bool(data.get("default", False)),
            sha256=opt_str("sha256"),
            format=opt_str("format"),
            width=opt_int("width"),
            height=opt_int("height"),
            hosted=opt_str("hosted"),
        )


def logos_of(state: SyncState) -> Mapping[str, LogoRecord]:
    """The synced logos by name."""
    return state.records_in(SECTION)


def with_logo(state: SyncState, record: LogoRecord) -> SyncState:
    return state.with_record(SECTION, record.name, record)


def without_logo(state: SyncState, name: str) -> SyncState:
    return state.without_record(SECTION, name)


def _decode(data: Any) -> dict[str, LogoRecord]:
    data = required_object(data, SECTION)
    return {str(name): LogoRecord.from_dict(str(name), rec) for name, rec in data.items()}


def _encode(records: Mapping[str, LogoRecord]) -> dict[str, Any]:
    return {name: record.to_dict() for name, record in sorted(records.items())}


SECTIONS = (Section(SECTION, _decode, _encode, position=20, always=True),)
