"""What CJ says now, as gathered for one plan: what each kind read, by kind.

Built by the observe phase (``reconciler/observe/refresh.py``), which runs each kind's reads
(``reconciler/kinds/<kind>/reads.py``) and keeps their answers under the kind's name; each
planner reads its own entry (and the entries of kinds it depends on) through the accessors of
those kinds' ``reads.py``. This type names no kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Observed:
    """CJ's side of a plan.

    ``reads`` maps a kind to what it read (a type of the kind's own). A kind absent from it
    read nothing: the plan was made offline, or the kind had nothing to ask. ``calls`` and
    ``points`` are what gathering this cost.
    """

    reads: Mapping[str, Any] = field(default_factory=dict)
    calls: int = 0
    points: int = 0

    def of(self, kind: str) -> Any:
        """What ``kind`` read (None when it read nothing)."""
        return self.reads.get(kind)

    def with_reads(self, kind: str, value: Any) -> Observed:
        """This observation with ``kind``'s reads set (None: removed)."""
        reads = {k: v for k, v in self.reads.items() if k != kind}
        if value is not None:
            reads[kind] = value
        return replace(self, reads=reads)

    @classmethod
    def offline(cls) -> Observed:
        return cls()
