"""What one kind of resource is: the parts a kind registers once, in :class:`Kind`.

A kind (``product``, ``logo``, ``webhook`` …) lives in its own package,
``reconciler/kinds/<kind>/``, and its ``__init__.py`` builds one :class:`Kind` from its parts:

- ``reads``: what it reads from CJ before planning, in which stage, and the points that costs
  (``reads.py``; see :class:`Reads`);
- ``documents``: the manifest document types it owns (``document.py``; see ``kinds/documents.py``);
- ``sections``: its records in the state file and their codec (``record.py``; see :class:`Section`);
- ``plan``: its planner, :class:`~reconciler.kinds.planning.PlanContext` in,
  :class:`~reconciler.kinds.planning.KindPlan` out (``plan.py``), and ``derives``: the derived
  inputs it gives other kinds (a declared dependency, see :class:`Derivation`);
- ``executor``: its executor (``apply.py``; contract in ``kinds/executing.py``), ``cost``: what
  applying one of its changes costs, ``uploads``: what a change sends to the logo store;
- ``describe``: how its changes and records read in plans and in ``cjrec state list``.

The central files (validator loop, state codec, planner, applier, renderers, ``state``
commands, JSON Schema, Markdown reference) iterate :mod:`reconciler.kinds.registry` and name
no kind. A kind made only of documents (``Settings``, ``Credentials``, ``Pricing``) leaves the
other parts empty.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from reconciler.kinds.documents import DocumentKind
    from reconciler.kinds.executing import Executor
    from reconciler.kinds.planning import KindPlan, PlanContext
    from reconciler.kinds.store.platform import StoreClients
    from reconciler.models.desired import Desired, Settings
    from reconciler.models.events import EventHint
    from reconciler.models.observed import Observed
    from reconciler.models.plan import Change
    from reconciler.models.state import SyncState


@dataclass(frozen=True)
class Section:
    """One top-level entry of ``state/sync.json`` and the map ``SyncState.records[key]`` it reads into.

    ``decode`` turns the JSON value (None when the file has none) into records by name;
    ``encode`` turns them back. ``always``: written even when empty (``products``, ``logos``
    and ``webhooks`` always were), else left out so states of earlier versions keep their bytes.
    ``position`` orders the entries in the file. ``shard_digits``: in state format 2
    (``reconciler/adapters/state_tree.py``) a map section's records are spread over up to
    16**n shard files by a hash of their name (fewer while the section is small; 0: the section
    is one shard); a section that can grow with the catalogue sets it so that a shard stays small.
    """

    key: str
    decode: Callable[[Any], Any]
    encode: Callable[[Any], Any]
    position: int
    always: bool = False
    shard_digits: int = 0


def required_object(data: Any, key: str) -> dict[str, Any]:
    """The JSON object of a section every state file has (``products``, ``logos``): missing is a
    KeyError, and an edited ``[]`` a TypeError, never read as "nothing recorded"."""
    if data is None:
        raise KeyError(key)
    if not isinstance(data, dict):
        raise TypeError(f"`{key}` is not an object")
    return data


@dataclass(frozen=True)
class Derivation:
    """A derived input one kind gives the others: ``derive(desired, recorded, observed)`` returns
    ``desired`` with its contribution (sourcing adds the products its requests became; markets
    give each product its shipping cost). ``after`` names the kinds whose derivations must run
    first; the planner orders them and refuses a cycle."""

    derive: Callable[[Desired, SyncState | None, Observed], Desired]
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApplyDeps:
    """What an executor may be built with: the clients (each kind declares the Protocol of the
    calls it makes; ``stores`` are the clients of the declared stores), the account's Settings
    and the clock."""

    client: Any
    uploader: Any
    settings: Settings
    now: Callable[[], datetime] | None = None
    stores: StoreClients = field(default_factory=dict)  # the declared stores' clients by name (the store interface)
    saved_plan: bool = False  # applying a plan saved earlier (`cjrec apply FILE`): check the world did not move under it


@dataclass(frozen=True)
class ReadContext:
    """What a kind's reads may use: the CJ client (each kind declares the Protocol of the reads it
    makes), the configuration with the derived inputs of the stages read so far, the recorded
    state, what the earlier stages read, and the run's mode, pace and clock."""

    reader: Any
    desired: Desired
    state: SyncState | None
    observed: Observed
    mode: str
    qps: float
    stop: threading.Event
    now: Callable[[], datetime]
    refresh_budget: int | None = None
    refresh_only: bool = False
    events: tuple[EventHint, ...] = ()  # CJ's pending webhook messages: hints of what changed
    events_only: bool = False  # --refresh-events: a refresh re-reads only what the messages name
    stores: StoreClients = field(default_factory=dict)  # the declared stores' clients (read back for drift)


@dataclass(frozen=True)
class PaidReads:
    """What a kind's reads of this run may cost, checked against ``pointsBudget`` before any paid
    read is sent: the points, what for (``2 product detail queries (20 points)``), and the call."""

    points: int
    what: str
    call: str


@dataclass
class ReadBatch:
    """One kind's reads for this run: ``tasks`` run together with the other kinds' of the same stage
    on a few threads under the client's rate limiter (any exception stops them all and is raised
    to the caller); ``result`` then gives what the kind keeps in ``Observed``."""

    tasks: list[Callable[[], None]]
    result: Callable[[], Any]
    # the ids of the webhook messages (ReadContext.events) these reads acted on, known once they ran
    settled: Callable[[], frozenset[str]] = field(default=frozenset)


@dataclass(frozen=True)
class Reads:
    """What a kind reads from CJ before planning.

    ``stage``: 0 for free reads whose answers change what is planned (sourcing requests that
    became products), read before the points check; 1 for reads of the resources themselves;
    2 for reads that need stage 1's answers (freight quotes need new products' details).
    ``prepare`` gives the batch of this run (None: nothing to read); ``paid`` what the batch
    may cost (None: free).
    """

    stage: int
    prepare: Callable[[ReadContext], ReadBatch | None]
    paid: Callable[[ReadContext], PaidReads | None] | None = None


class Describer(Protocol):
    """How a kind reads in plans and in ``cjrec state list|show`` (``kinds/wording.py`` has the defaults)."""

    def summary(self, change: Change) -> str:
        """The one-line description of the resource ``change`` is about (terminal-safe)."""
        ...

    def verb(self, change: Change) -> str:
        """The word a plan line uses for ``change`` (its action, or what the action means here)."""
        ...

    def field_diff(self, change: Change) -> bool:
        """Whether an update is shown field by field (False when its reason already says what changed)."""
        ...

    def entries(self, state: SyncState) -> list[tuple[str, dict[str, Any], str]]:
        """Every resource of the kind ``state`` records, as (address, JSON-ready record, one-line summary)."""
        ...

    def forget(self, state: SyncState, address: str) -> SyncState | None:
        """``state`` without the resource at ``address`` (``cjrec state forget``); None when it has none there."""
        ...


@dataclass(frozen=True)
class Kind:
    """One kind of resource, as registered (see the module docstring)."""

    name: str
    summary: str
    documents: tuple[DocumentKind, ...] = ()
    sections: tuple[Section, ...] = ()
    reads: Reads | None = None
    plan: Callable[[PlanContext], KindPlan] | None = None
    derives: Derivation | None = None
    executor: Callable[[ApplyDeps], Executor] | None = None
    cost: Callable[[Change], tuple[int, int]] | None = None
    uploads: Callable[[Change], str | None] | None = None
    guarded: bool = False  # its forgets count toward the mass-forget guard (a deleted or mis-globbed manifest)
    describe: Describer | None = None
    address_forms: tuple[str, ...] = field(default=())  # e.g. ("product.<pid>",), for messages and docs
