"""The state file's JSON and back: the envelope, then each kind's sections through its codec.

Called by the state stores (``reconciler/adapters/state_store.py``, ``s3_state.py``) to write
and read ``sync.json``, and by whatever compares two states' content. The sections come from
the registry (:func:`reconciler.kinds.registry.sections`), in the order the file lists them, so
the bytes of a state stay the same from one release to the next.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.kinds.registry import sections
from reconciler.models.state import FORMAT_VERSION, SyncState


def content(state: SyncState) -> dict[str, Any]:
    """The resources, without the envelope: what ``serial`` tracks."""
    out: dict[str, Any] = {}
    for section in sections():
        value = state.section(section.key)
        empty = value is None or (isinstance(value, Mapping) and not value)
        if empty and not section.always:
            continue
        out[section.key] = section.encode(getattr(state, section.key))  # an absent section reads as empty
    return out


def encode(state: SyncState) -> dict[str, Any]:
    """The whole document: ``format_version``, ``serial``, ``lineage``, then the sections."""
    return {"format_version": FORMAT_VERSION, "serial": state.serial, "lineage": state.lineage, **content(state)}


def decode(data: Mapping[str, Any]) -> SyncState:
    """Build from parsed JSON; raises KeyError/TypeError/ValueError on a malformed document
    (:class:`~reconciler.models.state.RecordError` for a record cjrec would not write)."""
    serial = data["serial"]
    if not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
        raise ValueError("serial must be a non-negative integer")
    lineage = str(data["lineage"])
    records = {section.key: section.decode(data.get(section.key)) for section in sections()}
    return SyncState(lineage, serial, records)
