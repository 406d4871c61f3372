"""What the last apply recorded: the sync state kept in ``state/sync.json``.

Read and written only through ``reconciler.adapters.state_store`` (the bytes through
``reconciler.kinds.state_codec``); the planner compares it with the manifests and with CJ.
It holds no secret (the openId, a webhook signing key, lives in the encrypted token cache),
so it is safe to commit. The envelope follows OpenTofu's state file: ``format_version``,
``serial`` (bumped only when the content changes) and ``lineage`` (fixed when the state is
created).

The records are a map by section, one section per top-level entry of the file, each owned by
one kind (``products``: pid → ProductRecord, ``logos``: name → LogoRecord …; a section may also
hold one record, as ``webhooks`` does). This type names no kind: each kind reads its sections
through the accessors of its package (``reconciler/kinds/<kind>/record.py``). For brevity a
section can also be read as an attribute (``state.products``) and given as a keyword
(``SyncState(lineage=…, serial=0, products={…})``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

FORMAT_VERSION = 1


@dataclass(frozen=True, init=False, eq=False)
class SyncState:
    """The whole recorded state: the envelope and the records by section (immutable).

    ``dataclasses.replace(state, products={…})`` replaces a section, as the keyword does here.
    """

    lineage: str
    serial: int
    records: Mapping[str, Any]

    def __init__(self, lineage: str, serial: int, records: Mapping[str, Any] | None = None, **sections: Any) -> None:
        merged = {**(records or {}), **sections}
        object.__setattr__(self, "lineage", lineage)
        object.__setattr__(self, "serial", serial)
        object.__setattr__(self, "records", {key: value for key, value in merged.items() if value is not None})

    def __getattr__(self, name: str) -> Any:
        """A section by its key (``state.products``); an absent section reads as empty.

        Only the sections of registered kinds (:func:`know_section`): a misspelt name is an error.
        """
        if name not in _KNOWN_SECTIONS:
            raise AttributeError(f"SyncState has no section {name!r}")
        return self.records.get(name, _EMPTY)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SyncState):
            return NotImplemented
        return (self.lineage, self.serial, _present(self.records)) == (
            other.lineage,
            other.serial,
            _present(other.records),
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SyncState(lineage={self.lineage!r}, serial={self.serial}, records={self.records!r})"

    def section(self, key: str) -> Any:
        """The records of section ``key`` (None when the state has none)."""
        return self.records.get(key)

    def records_in(self, key: str) -> Mapping[str, Any]:
        """The records of the map section ``key`` by name (a read-only empty map when the state has none)."""
        found = self.records.get(key)
        return found if isinstance(found, Mapping) else _EMPTY

    def with_section(self, key: str, value: Any) -> SyncState:
        """This state with section ``key`` replaced (None or empty: dropped)."""
        records = {k: v for k, v in self.records.items() if k != key}
        if value is not None and not (isinstance(value, Mapping) and not value):
            records[key] = value
        return SyncState(self.lineage, self.serial, records)

    def with_record(self, key: str, name: str, record: Any) -> SyncState:
        """This state with ``record`` at ``name`` in the map section ``key``."""
        before = self.records.get(key) or {}
        return self.with_section(key, Section.derived(before, {**before, name: record}, name))

    def without_record(self, key: str, name: str) -> SyncState:
        """This state without ``name`` in the map section ``key``."""
        before = self.records.get(key) or {}
        return self.with_section(key, Section.derived(before, {k: v for k, v in before.items() if k != name}, name))

    def renumbered(self, serial: int) -> SyncState:
        """The same records under another serial."""
        return SyncState(self.lineage, serial, self.records)


class Section(dict[str, Any]):
    """A map section made by ``with_record``/``without_record``: a dict that knows what changed.

    It remembers the section it was first derived from (``anchor``) and the names changed
    since, so a checkpoint finds the records to write again among a few names instead of
    comparing all 100,000 (``changed_since``). Past ``TRACKED`` changes it stops counting (a
    checkpoint then compares everything, as for any other mapping) and the next change starts
    counting again from it.
    """

    __slots__ = ("anchor", "changed")
    TRACKED = 4096

    anchor: Mapping[str, Any] | None
    changed: frozenset[str]

    @classmethod
    def derived(cls, before: Mapping[str, Any], items: dict[str, Any], name: str) -> Section:
        section = cls(items)
        if isinstance(before, Section) and before.anchor is not None:
            section.anchor, section.changed = before.anchor, before.changed | {name}
        else:  # a plain map (as loaded), or a section that stopped counting: counting starts again from it
            section.anchor, section.changed = before, frozenset((name,))
        if len(section.changed) > cls.TRACKED:
            section.anchor, section.changed = None, frozenset()
        return section


def changed_since(current: Mapping[str, Any], before: Mapping[str, Any]) -> set[str] | None:
    """A superset of the names whose records differ between the two sections, or None when unknown.

    Known when ``current`` was derived (by ``with_record``/``without_record``) from ``before``,
    or both from the same section.
    """
    if not isinstance(current, Section) or current.anchor is None:
        return None
    if current.anchor is before:
        return set(current.changed)
    if isinstance(before, Section) and before.anchor is current.anchor:
        return set(current.changed | before.changed)
    return None


_KNOWN_SECTIONS: set[str] = set()


def know_section(key: str) -> None:
    """Let ``state.<key>`` read section ``key`` (the registry calls this for every kind's sections)."""
    _KNOWN_SECTIONS.add(key)


_EMPTY: Mapping[str, Any] = MappingProxyType({})  # an absent section read as an attribute: empty, read-only


def _present(records: Mapping[str, Any]) -> dict[str, Any]:
    """The sections that hold something (an empty one equals an absent one)."""
    return {k: v for k, v in records.items() if v is not None and not (isinstance(v, Mapping) and not v)}


class RecordError(ValueError):
    """A record of the state file that reads but is not one cjrec writes (a section's codec raises it);
    its text is shown after the file's name as it is."""
