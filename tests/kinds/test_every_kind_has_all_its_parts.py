"""The kind contract, checked over the registry: every kind has each part its role needs.

A planned kind (one with a planner) must also have state sections, an executor for the same
kind, a description and its address forms; a kind whose changes cost calls must have an
executor to make them; names, document kinds and section keys are unique. The test iterates
the registry, so a kind added later is checked without editing it, and the toy kind shows that
a kind missing a part is caught.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.applier.applier import executors
from reconciler.kinds.contract import Kind
from reconciler.kinds.registry import derivations, kinds, registered, sections
from reconciler.models.state import SyncState
from tests.kinds.toy_kind import KIND as TOY


def missing_parts(kind: Kind) -> list[str]:
    """What ``kind`` lacks for its role (empty when it is whole)."""
    missing = []
    if not kind.name or "." in kind.name:
        missing.append("a name without dots (the address prefix)")
    if not kind.summary:
        missing.append("a summary")
    if kind.plan is not None:
        for part, value in (
            ("state sections", kind.sections),
            ("an executor", kind.executor),
            ("a description", kind.describe),
            ("address forms", kind.address_forms),
        ):
            if not value:
                missing.append(part)
    elif not kind.documents:
        missing.append("a planner or at least one document type")
    if (kind.cost is not None or kind.uploads is not None) and kind.executor is None:
        missing.append("an executor for the changes that call out")
    if kind.describe is not None:
        try:
            kind.describe.entries(SyncState(lineage="l", serial=0))
        except Exception as exc:
            missing.append(f"a description that lists an empty state ({exc!r})")
    return missing


@pytest.mark.parametrize("kind", kinds(), ids=lambda k: k.name)
def test_each_registered_kind_has_every_part_its_role_needs(kind: Kind) -> None:
    assert missing_parts(kind) == []


def test_names_document_kinds_and_state_sections_are_unique() -> None:
    names = [kind.name for kind in kinds()]
    assert len(names) == len(set(names))
    documents = [document.kind for kind in kinds() for document in kind.documents]
    assert len(documents) == len(set(documents))
    keys = [section.key for section in sections()]
    assert len(keys) == len(set(keys))
    assert derivations() is not None  # the declared dependencies of derived inputs have no cycle


def test_each_executor_handles_its_own_kind() -> None:
    built = [executor.kind for executor in executors(object())]
    assert built == [kind.name for kind in kinds() if kind.executor is not None]


@pytest.mark.parametrize("part", ["sections", "executor", "describe", "address_forms"])
def test_a_planned_kind_without_one_of_its_parts_is_caught(part: str) -> None:
    assert missing_parts(TOY) == []
    broken = replace(TOY, **{part: None if part in ("executor", "describe") else ()})
    assert missing_parts(broken) != []


def test_a_cycle_between_derived_inputs_is_refused() -> None:
    from reconciler.kinds.contract import Derivation

    first = replace(TOY, name="first", sections=(), derives=Derivation(lambda d, r, o: d, after=("second",)))
    second = replace(TOY, name="second", sections=(), derives=Derivation(lambda d, r, o: d, after=("first",)))
    with registered(first), registered(second), pytest.raises(ValueError, match="cycle"):
        derivations()
