"""kill -9 between every step of a state write: the file on disk is the old version or the new one, never torn.

A child process writes the state through cjrec's own code (``StateStore.write`` →
``atomic_file.write_atomic``: temp file written and fsynced, backup linked, renamed into
place, folder fsynced) under a line tracer that counts the statements executed in
``atomic_file.py`` and SIGKILLs the child before statement *n*, for every *n*, and once more
after the write returned. The parent then checks what is on disk: the old or the new file,
and a backup whenever the folder had one (the previous version once the new one is in
place). The step list is not hard-coded: a new step added to the write is killed around
automatically.

(SIGKILL ends the process, not the machine: data the kernel accepted survives it. What a
power cut would lose is what the fsyncs are for; that is not something a test can show.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.adapters import atomic_file
from reconciler.adapters.state_store import LocalStateStore, render_state
from reconciler.kinds.product.record import ProductRecord, with_product
from reconciler.models.product_url import product_url
from reconciler.models.state import SyncState
from tests import figures

CHILD = r"""
import os, signal, sys
from pathlib import Path
from reconciler.adapters import atomic_file
from reconciler.adapters.state_store import LocalStateStore

kind, target, new_file, kill_at = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
executed = []

def local(frame, event, arg):
    if event == "line":
        executed.append(frame.f_lineno)
        if len(executed) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
    return local

def tracer(frame, event, arg):
    return local if frame.f_code.co_filename == atomic_file.__file__ else None

new = new_file.read_bytes()
if kind == "state":
    store = LocalStateStore(target.parent)
    previous = store.load()
    wanted = store.parse(new)
    sys.settrace(tracer)
    store.write(wanted, previous=previous)
else:
    sys.settrace(tracer)
    atomic_file.write_atomic(target, new, mode=0o644, keep_backup=False)
sys.settrace(None)
if len(executed) + 1 == kill_at:  # killed after the write returned
    os.kill(os.getpid(), signal.SIGKILL)
print(" ".join(map(str, executed)))
"""


def state_with(count: int, *, lineage: str = "6f1f5f7e-0b7e-4c55-9d59-2d2c1e0b0a11", serial: int = 0) -> SyncState:
    state = SyncState(lineage=lineage, serial=serial)
    for i in range(count):
        pid = f"17000000000000{i:05d}"
        state = with_product(state, ProductRecord(pid=pid, url=product_url(pid, "mug"), origin="added", snapshot=None))
    return state


def child(kind: str, target: Path, new_file: Path, kill_at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(target), str(new_file), str(kill_at)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def source_line(number: int) -> str:
    return Path(atomic_file.__file__).read_text().splitlines()[number - 1].strip()


CASES = {
    # kind, has an old version, has a backup of an older version
    # (the state's own write points, shards and root, are killed in
    # test_a_killed_checkpoint_leaves_the_state_before_or_after.py; here the root's atomic write)
    "saved plan replaced (no backup)": ("plain", True, False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_kill_point_of_a_write_leaves_the_old_or_the_new_version(tmp_path: Path, case: str) -> None:
    kind, has_old, has_older_backup = CASES[case]
    older = render_state(state_with(2, serial=3))
    old_state = state_with(3, serial=4)
    old = render_state(old_state) if kind == "state" else b'{"plan": "old"}\n'
    if kind == "state":
        new_state = state_with(5)
        new_input = render_state(replace(new_state, serial=0))
        new = render_state(replace(new_state, serial=old_state.serial + 1 if has_old else 1))
    else:
        new_input = new = json.dumps({"plan": "new", "pad": "x" * 5000}).encode()
    name = "sync.json" if kind == "state" else "plan.json"

    def prepare(folder: Path) -> Path:
        folder.mkdir(parents=True)
        (folder.parent / "new.bin").write_bytes(new_input)
        if has_old:
            (folder / name).write_bytes(old)
        if has_older_backup:
            (folder / (name + ".backup")).write_bytes(older)
        return folder / name

    counting = prepare(tmp_path / "count" / "state")
    done = child(kind, counting, counting.parent.parent / "new.bin", 0)
    assert done.returncode == 0, done.stderr
    steps = [int(n) for n in done.stdout.split()]
    assert len(steps) >= 8, "the tracer should see every statement of the write"
    assert counting.read_bytes() == new

    def kill_at(n: int) -> str | None:
        target = prepare(tmp_path / f"kill-{n}" / "state")
        result = child(kind, target, target.parent.parent / "new.bin", n)
        where = f"before line {steps[n - 1]} ({source_line(steps[n - 1])})" if n <= len(steps) else "after the write"
        if result.returncode != -9:
            return f"kill {where}: the child was not killed ({result.returncode}): {result.stderr[-500:]}"
        on_disk = target.read_bytes() if target.exists() else None
        allowed = {old if has_old else None, new}
        if on_disk not in allowed:
            return f"kill {where}: {name} is neither the old nor the new version ({len(on_disk or b'')} bytes)"
        if kind == "state":
            store = LocalStateStore(target.parent)
            store.load()  # parses and validates
            backup = store.backup.read_bytes() if store.backup.exists() else None
            # (before the new file is in place, the backup may still be the older one)
            if backup is not None and backup != old and not (has_older_backup and on_disk == old and backup == older):
                return f"kill {where}: the backup is not the previous version"
            # a folder that had a backup always has one; once the new version is in place,
            # the backup is the version it replaced
            if has_older_backup and not store.backup.exists():
                return f"kill {where}: the backup is gone (there was one before the write)"
            if has_old and on_disk == new and not store.backup.exists():
                return f"kill {where}: the new version is in place but the previous one was not kept as backup"
        strays = {p.name for p in target.parent.iterdir()} - {name, name + ".backup"}
        if any(not (s.startswith(f".{name}.") and s.endswith(".tmp")) for s in strays):
            return f"kill {where}: unexpected files {sorted(strays)}"
        if kind == "state":  # and the next write goes through, sweeping the interrupted temp file
            store = LocalStateStore(target.parent)
            previous = store.load()
            store.write(state_with(6), previous=previous)
            assert store.load() is not None
            if list(target.parent.glob(f".{name}.*.tmp")):
                return f"kill {where}: the next write left the interrupted temp file behind"
        return None

    points = range(1, len(steps) + 2)
    with ThreadPoolExecutor(max_workers=4) as pool:
        problems = [p for p in pool.map(kill_at, points) if p]
    assert problems == []
    figures.add("atomic_write_kills", len(points))
