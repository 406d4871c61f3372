"""A toy kind, ``note``, built only from the kind contract: a test registers it without editing any
central file and checks that it is validated, planned, applied, stored, listed and documented like
a built-in kind.

A note is a short text pinned at a (fake) remote: ``kind: Note`` in a manifest, ``note.<name>``
in plans and state, one call to pin it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from reconciler.errors import ApiError
from reconciler.kinds.contract import ApplyDeps, Kind, Section
from reconciler.kinds.declarations import Declarations
from reconciler.kinds.document_parts import Document, Metadata, Strict
from reconciler.kinds.documents import Collector, DocumentKind
from reconciler.kinds.executing import Executor, Run
from reconciler.kinds.planning import KindPlan, PlanContext
from reconciler.kinds.wording import Description, short
from reconciler.models.declared import Source
from reconciler.models.plan import Action, Change
from reconciler.models.source_document import SourceDocument
from reconciler.models.state import SyncState

NAME = "note"
SECTION = "notes"


@dataclass(frozen=True)
class Note:
    """What a manifest asks for: a note's text."""

    name: str
    text: str


@dataclass(frozen=True)
class NoteRecord:
    """What the state keeps of a pinned note."""

    text: str
    pin: str  # the id the remote gave it

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "pin": self.pin}


class NoteSpec(Strict):
    """A note to pin."""

    text: str = Field(min_length=1, max_length=200, description="the text to pin")


class NoteDocument(Document):
    """kind: Note."""

    kind: Literal["Note"]
    metadata: Metadata
    spec: NoteSpec


class _Notes(Collector):
    def __init__(self) -> None:
        self.notes: dict[str, Note] = {}

    def collect(self, doc: SourceDocument, parsed: BaseModel, ctx: Declarations) -> None:
        assert isinstance(parsed, NoteDocument)
        name = parsed.metadata.name
        if ctx.declared_twice(doc, ("metadata", "name"), "Note", name, subject=f"a Note named {name!r}"):
            return
        ctx.declare("Note", name, Source(doc.display, doc.line_of(())))
        self.notes[name] = Note(name, parsed.spec.text)

    def finish(self, ctx: Declarations) -> Mapping[str, Mapping[str, Any]]:
        return {NAME: dict(self.notes)}


def _decode(data: Any) -> dict[str, NoteRecord]:
    return {str(k): NoteRecord(str(v["text"]), str(v["pin"])) for k, v in dict(data or {}).items()}


def _encode(records: Mapping[str, NoteRecord]) -> dict[str, Any]:
    return {name: record.to_dict() for name, record in sorted(records.items())}


def plan_notes(context: PlanContext) -> KindPlan:
    wanted: Mapping[str, Note] = context.desired.of(NAME)
    recorded: Mapping[str, NoteRecord] = context.recorded.section(SECTION) or {}
    changes = []
    for name, note in wanted.items():
        before = recorded.get(name)
        after = {"text": note.text}
        if before is None:
            changes.append(Change(f"{NAME}.{name}", Action.CREATE, None, after, "pinned with one call"))
        elif before.text != note.text:
            changes.append(Change(f"{NAME}.{name}", Action.UPDATE, before.to_dict(), {**after, "pin": before.pin}))
    for name, before in recorded.items():
        if name not in wanted:
            changes.append(Change(f"{NAME}.{name}", Action.FORGET, before.to_dict(), None))
    return KindPlan(changes=changes)


def cost(change: Change) -> tuple[int, int]:
    return (1, 0) if change.action is Action.CREATE else (0, 0)


class NoteExecutor:
    kind = NAME

    def __init__(self, client: Any) -> None:
        self.client = client

    def record(self, state: SyncState, change: Change) -> SyncState:
        if change.after is None:
            return state.without_record(SECTION, change.name)
        return state.with_record(SECTION, change.name, NoteRecord(change.after["text"], change.after["pin"]))

    def execute(self, changes: Sequence[Change], run: Run) -> None:
        for change in changes:
            run.begin(change)
            try:
                assert change.after is not None
                pin = self.client.pin_note(change.name, change.after["text"])
            except ApiError as exc:
                run.failed(change, exc)
                continue
            run.save(lambda s, c=change, p=pin: s.with_record(SECTION, c.name, NoteRecord(c.after["text"], p)))
            run.succeeded(change)


def _executor(deps: ApplyDeps) -> Executor:
    return NoteExecutor(deps.client)


class NoteDescription(Description):
    def summary_of(self, record: Mapping[str, Any] | None) -> str:
        return f'"{short((record or {}).get("text"))}"' if record else ""


SECTIONS = (Section(SECTION, _decode, _encode, position=100),)

KIND = Kind(
    name=NAME,
    summary="Notes: short texts pinned at the remote (a toy kind for tests).",
    documents=(DocumentKind(kind="Note", model=NoteDocument, collector=_Notes, position=90, how_many="any", notes="toy"),),
    sections=SECTIONS,
    plan=plan_notes,
    executor=_executor,
    cost=cost,
    describe=NoteDescription(NAME, SECTIONS),
    address_forms=("note.<name>",),
)


class PinBoard:
    """The fake remote: pins notes, counts calls."""

    def __init__(self) -> None:
        self.pinned: dict[str, str] = {}

    def pin_note(self, name: str, text: str) -> str:
        self.pinned[name] = text
        return f"pin-{len(self.pinned)}"
