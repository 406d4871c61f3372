"""The sourcing kind's records in the state: the requests by normalised sourceUrl (``sourcing``) and
the creates sent on the last UTC day one was (``sourcing_quota``), with their codecs. Both are
written only when not empty, so states of earlier versions read and write unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.kinds.contract import Section
from reconciler.models.sourcing import SourcingQuota, SourcingRecord
from reconciler.models.state import SyncState

SECTION = "sourcing"
QUOTA_SECTION = "sourcing_quota"


def requests_of(state: SyncState) -> Mapping[str, SourcingRecord]:
    """The sourcing requests by key (the normalised sourceUrl)."""
    return state.records_in(SECTION)


def quota_of(state: SyncState) -> SourcingQuota | None:
    """The creates sent on the last UTC day one was, if any."""
    found = state.section(QUOTA_SECTION)
    return found if isinstance(found, SourcingQuota) else None


def with_request(state: SyncState, record: SourcingRecord) -> SyncState:
    return state.with_record(SECTION, record.key, record)


def without_request(state: SyncState, key: str) -> SyncState:
    return state.without_record(SECTION, key)


def with_quota(state: SyncState, quota: SourcingQuota) -> SyncState:
    return state.with_section(QUOTA_SECTION, quota)


def _decode(data: Any) -> dict[str, SourcingRecord]:
    records = [SourcingRecord.from_dict(dict(r)) for r in dict(data or {}).values()]
    return {record.key: record for record in records}


def _encode(records: Mapping[str, SourcingRecord]) -> dict[str, Any]:
    return {key: record.to_dict() for key, record in sorted(records.items())}


def _decode_quota(data: Any) -> SourcingQuota | None:
    return SourcingQuota.from_dict(dict(data)) if data else None


def _encode_quota(quota: SourcingQuota | None) -> dict[str, Any] | None:
    return quota.to_dict() if quota is not None else None


SECTIONS = (
    Section(SECTION, _decode, _encode, position=40),
    Section(QUOTA_SECTION, _decode_quota, _encode_quota, position=50),
)
