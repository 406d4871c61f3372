"""A new kind is one registered unit: the toy ``note`` kind (``tests/kinds/toy_kind.py``) is
registered by the test alone, with no central file edited, and then its manifest document is
validated, it plans, applies, is written to and read from the state file, shows in ``cjrec state
list|show|forget``, and is documented in the JSON Schema and the Markdown reference."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reconciler.adapters.image_files import inspect_image
from reconciler.adapters.state_store import LocalStateStore, new_state, parse_state, render_state
from reconciler.adapters.yaml_loader import parse_text
from reconciler.applier.applier import Applier
from reconciler.cli.main import main
from reconciler.kinds.registry import kind_named, kinds, registered
from reconciler.manifest.documents import json_schema
from reconciler.manifest.reference import markdown_reference
from reconciler.manifest.validator import validate
from reconciler.models.desired import Desired, Settings
from reconciler.models.observed import Observed
from reconciler.models.plan import Action
from reconciler.models.state import SyncState
from reconciler.planner.planner import PlanRequest, make_plan
from tests.kinds.toy_kind import KIND, NAME, Note, PinBoard
from tests.support.manifests import SEALED_CREDENTIALS

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


class _Memory:
    def __init__(self) -> None:
        self.writes = 0

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState:
        self.writes += 1
        return state


def _plan(desired: Desired, recorded: SyncState | None):  # type: ignore[no-untyped-def]
    request = PlanRequest(mode="offline", now=NOW, manifests_digest="sha256:toy", qps=1)
    return make_plan(desired, recorded, Observed.offline(), request)


def _notes(**texts: str) -> Desired:
    return Desired(credentials=None, settings=Settings(), resources={NAME: {n: Note(n, t) for n, t in texts.items()}})


NOTE = SEALED_CREDENTIALS + """\
---
apiVersion: cjrec/v1
kind: Note
metadata: {name: hello}
spec: {text: Hi there}
"""


def _validated(text: str, folder: Path) -> Desired | None:
    docs, problems = parse_text(text, file=folder / "notes.yaml", display="manifests/notes.yaml")
    result = validate(docs, plaintext={}, secrets_checked=False, inspect_image=inspect_image, load_problems=problems)
    assert result.diagnostics == [], [str(d) for d in result.diagnostics]
    return result.desired


def test_a_registered_toy_kind_is_validated_and_documented(tmp_path: Path) -> None:
    with registered(KIND):
        desired = _validated(NOTE, tmp_path)
        assert desired is not None and desired.of(NAME) == {"hello": Note("hello", "Hi there")}
        assert [c.address for c in _plan(desired, None).changes] == ["note.hello"]
        assert "NoteDocument" in json.dumps(json_schema()) and "## kind: Note" in markdown_reference()
    assert "## kind: Note" not in markdown_reference()


def test_a_registered_toy_kind_plans_applies_and_round_trips_through_the_state(tmp_path: Path) -> None:
    with registered(KIND):
        first = _plan(_notes(hello="Hi there"), None)
        assert [(c.address, c.action) for c in first.changes] == [("note.hello", Action.CREATE)]
        assert first.cost.apply_calls == 1

        board = PinBoard()
        result = Applier(client=board, store=_Memory(), qps=1).apply(first, new_state())
        assert result.ok and board.pinned == {"hello": "Hi there"}

        raw = render_state(result.state)
        assert json.loads(raw)["notes"] == {"hello": {"text": "Hi there", "pin": "pin-1"}}
        again = parse_state(raw, "sync.json", "hint")
        assert _plan(_notes(hello="Hi there"), again).changes == ()
        assert [c.action for c in _plan(_notes(), again).changes] == [Action.FORGET]
    assert kind_named(NAME) is None and all(kind.name != NAME for kind in kinds())


def test_the_toy_kind_shows_in_state_list_show_and_forget(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    with registered(KIND):
        store = LocalStateStore(state_dir)
        recorded = new_state().with_record("notes", "hello", KIND.sections[0].decode({"x": {"text": "Hi", "pin": "p"}})["x"])
        store.write(recorded, previous=None)

        assert main(["--state-dir", str(state_dir), "state", "list"]) == 0
        assert 'note.hello  "Hi"' in capsys.readouterr().out
        assert main(["--state-dir", str(state_dir), "state", "show", "note.hello"]) == 0
        assert json.loads(capsys.readouterr().out) == {"address": "note.hello", "text": "Hi", "pin": "p"}
        assert main(["--state-dir", str(state_dir), "state", "forget", "note.hello"]) == 0
        assert "notes" not in json.loads((state_dir / "sync.json").read_text())["sections"]
