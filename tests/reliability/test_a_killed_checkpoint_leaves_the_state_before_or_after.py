"""kill -9 at every write point of a format-2 checkpoint: the folder loads as the state before or after.

A child process writes the state through cjrec's own code (``LocalStateStore.write``: new
shards through temp files and renames, the folders fsynced, the root written atomically with
its backup, then the shards no root names any more removed) under a line tracer over
``state_store.py`` and ``atomic_file.py``, and SIGKILLs itself before statement *n*, for every
*n*, and once after the write returned. The parent then loads the folder as cjrec does (every
shard checked against the root's hash): it must be the state before the write or the one
after, never an error. The next write must go through and leave no temp file and no shard that
neither the root nor its backup names. The cases: the first write, the migration of a format-1
file, a one-record change of a format-2 state, and one over an older backup.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.adapters import atomic_file, state_store
from reconciler.adapters.state_store import LocalStateStore, render_state
from reconciler.kinds import state_codec
from reconciler.kinds.product.record import products_of, with_product
from reconciler.models.state import SyncState
from tests.support.kill_points import after_kill, kill_everywhere, left_unnamed
from tests.support.state_files import catalogue, shard_files

CHILD = r"""
import os, signal, sys
from pathlib import Path
from reconciler.adapters import atomic_file, state_store
from reconciler.adapters.state_store import LocalStateStore

folder, new_file, kill_at = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
executed = []
traced = {atomic_file.__file__, state_store.__file__}

def local(frame, event, arg):
    if event == "line":
        executed.append(f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}")
        if len(executed) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
    return local

def tracer(frame, event, arg):
    return local if frame.f_code.co_filename in traced else None

store = LocalStateStore(folder)
previous = store.load()
wanted = state_store.parse_state(new_file.read_bytes(), "new", "")
sys.settrace(tracer)
store.write(wanted, previous=previous)
sys.settrace(None)
if len(executed) + 1 == kill_at:  # killed after the write returned
    os.kill(os.getpid(), signal.SIGKILL)
print(" ".join(executed))
"""

state_with = catalogue  # a numbered catalogue; product ``changed`` differs


def child(folder: Path, new_file: Path, kill_at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), str(new_file), str(kill_at)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def prepare_format_2(folder: Path, *states: SyncState) -> SyncState:
    store = LocalStateStore(folder)
    previous: SyncState | None = None
    for state in states:
        previous = store.write(state, previous=previous)
    assert previous is not None
    return previous


# case: (how the folder is prepared → the state before, the state the write is given)
CASES = {
    "first write": (lambda folder: None, state_with(2)),
    "format 1 migrated": (
        lambda folder: (folder / "sync.json").write_bytes(render_state(state_with(2, serial=4))),
        state_with(3),
    ),
    "one record of a format-2 state": (
        lambda folder: prepare_format_2(folder, state_with(12)),
        state_with(12, changed=7),
    ),
    "over an older backup": (
        lambda folder: prepare_format_2(folder, state_with(8), state_with(9)),
        state_with(9, changed=3),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_kill_point_of_a_checkpoint_leaves_the_state_before_or_after(tmp_path: Path, case: str) -> None:
    prepare, new_state = CASES[case]
    new_file = tmp_path / "new.json"
    new_file.write_bytes(render_state(new_state))

    def fresh(name: str) -> tuple[Path, SyncState | None]:
        folder = tmp_path / name / "state"
        folder.mkdir(parents=True)
        prepare(folder)
        return folder, LocalStateStore(folder).load()

    counting, before = fresh("count")
    done = child(counting, new_file, 0)
    assert done.returncode == 0, done.stderr
    steps = done.stdout.split()
    assert len(steps) >= 15, "the tracer should see every statement of the write"
    after = LocalStateStore(counting).load()
    assert after is not None and state_codec.content(after) == state_codec.content(new_state)

    def kill_at(n: int) -> str | None:
        folder, _ = fresh(f"kill-{n}")
        result = child(folder, new_file, n)
        where = f"before {steps[n - 1]}" if n <= len(steps) else "after the write"
        problem, loaded = after_kill(result, where, LocalStateStore(folder).load)
        if problem is not None:
            return problem
        if loaded != before and loaded != after:
            return f"kill {where}: the state is neither the one before nor the one after"
        store = LocalStateStore(folder)
        previous = store.load()
        written = store.write(state_with(6), previous=previous)
        if LocalStateStore(folder).load() != written:
            return f"kill {where}: the next write did not read back"
        leftovers = [p.name for p in folder.rglob("*.tmp")]
        if leftovers:
            return f"kill {where}: the next write left temp files {leftovers}"
        named = set(json.loads((folder / "sync.json").read_bytes())["shards"])
        backup = folder / "sync.json.backup"
        if backup.exists() and b'"format_version": 2' in backup.read_bytes():
            named |= set(json.loads(backup.read_bytes())["shards"])
        return left_unnamed(where, set(shard_files(folder)), named)

    kill_everywhere(kill_at, len(steps))


def test_the_one_record_case_writes_one_product_shard(tmp_path: Path) -> None:
    """The incremental path is what the kills above exercise: one product shard and the root."""
    before = prepare_format_2(tmp_path, state_with(30))
    names = set(shard_files(tmp_path))
    store = LocalStateStore(tmp_path)
    store.load()
    changed = replace(products_of(before)[f"17000000000000{7:05d}"], origin="adopted")
    store.write(with_product(before, changed), previous=before)
    new = set(shard_files(tmp_path)) - names
    assert len(new) == 1 and next(iter(new)).startswith("products/")
    assert atomic_file.__file__ and state_store.__file__
