"""kill -9 at every write point of a format-2 checkpoint to a bucket: the state loads as before or after.

A child process opens the state at ``s3://BUCKET/PREFIX`` (moto_server on loopback), loads it
and writes one or more checkpoints through cjrec's own code (``S3StateStore.write``: the backup
copy, the new shards side by side, the root with ``If-Match``, then the deletes of shards no
root names). botocore's hooks count every request that changes an object (PutObject,
CopyObject, DeleteObject); the child SIGKILLs itself just before request *n* is sent, or just
after its answer arrived, for every *n* (and once after the run returned). The parent then
loads the prefix as cjrec does (every shard checked against the root's hash): it must hold the
state before the run or the one after one of its checkpoints, never an error. The next run's
write must go through and leave no shard that neither the root nor its backup names.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.adapters.s3_state import S3StateStore
from reconciler.adapters.state_store import render_state
from reconciler.kinds import state_codec
from reconciler.models.state import SyncState
from reconciler.models.state_location import parse_s3_url
from tests.support.client_fakes import FakeClock
from tests.support.kill_points import after_kill, kill_everywhere, left_unnamed
from tests.support.s3_server import S3Bucket
from tests.support.state_files import catalogue

CHILD = r"""
import os, signal, sys, threading
from pathlib import Path
from reconciler.adapters.clock import SystemClock
from reconciler.adapters.s3_state import S3StateStore
from reconciler.adapters.state_store import parse_state
from reconciler.models.state_location import parse_s3_url

url, kill_at, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
store = S3StateStore(parse_s3_url(url), clock=SystemClock())
points, lock = [], threading.Lock()

def point(what):
    with lock:
        points.append(what)
        if len(points) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

def before(request, **kwargs):
    point(f"before:{request.method}:{request.url.split('?')[0].rsplit('/', 2)[-2:]}")

def after(http_response, model, **kwargs):
    point(f"after:{model.name}")

events = store.objects.client.meta.events
for op in ("PutObject", "CopyObject", "DeleteObject"):
    events.register(f"before-send.s3.{op}", before)
    events.register(f"after-call.s3.{op}", after)
previous = store.load()
for name in files:
    previous = store.write(parse_state(Path(name).read_bytes(), name, ""), previous=previous)
if len(points) + 1 == kill_at:  # killed after the run returned
    os.kill(os.getpid(), signal.SIGKILL)
print(" ".join(p.replace(" ", "") for p in points))
"""

state_with = catalogue  # a numbered catalogue; product ``changed`` differs


def open_store(bucket: S3Bucket, prefix: str) -> S3StateStore:
    return S3StateStore(parse_s3_url(bucket.url(prefix)), clock=FakeClock())


def runs(bucket: S3Bucket, prefix: str, *states: SyncState) -> None:
    """Each state written by its own run (a new store: load, then write), as successive applies would."""
    for state in states:
        store = open_store(bucket, prefix)
        store.write(state, previous=store.load())


# case: (how the prefix is prepared, the checkpoints of the run that is killed)
CASES: dict[str, tuple[Callable[[S3Bucket, str], None], list[SyncState]]] = {
    "first write": (lambda bucket, prefix: None, [state_with(2)]),
    "format 1 migrated": (
        lambda bucket, prefix: bucket.put(f"{prefix}sync.json", render_state(state_with(2, serial=4))),
        [state_with(3)],
    ),
    "one record of a format-2 state": (
        lambda bucket, prefix: runs(bucket, prefix, state_with(12)),
        [state_with(12, changed=7)],
    ),
    "two checkpoints over an older backup": (
        lambda bucket, prefix: runs(bucket, prefix, state_with(8), state_with(9)),
        [state_with(9, changed=3), state_with(9, changed=5)],
    ),
}


def child(bucket: S3Bucket, prefix: str, files: list[Path], kill_at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, bucket.url(prefix), str(kill_at), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def content(state: SyncState | None) -> Any:
    return None if state is None else state_codec.content(state)


@pytest.mark.parametrize("case", list(CASES))
def test_every_kill_point_of_an_s3_checkpoint_leaves_the_state_before_or_after(
    s3_bucket: S3Bucket, tmp_path: Path, case: str
) -> None:
    prepare, checkpoints = CASES[case]
    files = []
    for n, state in enumerate(checkpoints):
        files.append(tmp_path / f"checkpoint-{n}.json")
        files[-1].write_bytes(render_state(state))

    def fresh(prefix: str) -> SyncState | None:
        prepare(s3_bucket, prefix)
        return open_store(s3_bucket, prefix).load()

    before = fresh("count/")
    done = child(s3_bucket, "count/", files, 0)
    assert done.returncode == 0, done.stderr
    steps = done.stdout.split()
    assert len(steps) >= 2 * (len(checkpoints) + 1), "every write request is a point before and after"
    after = open_store(s3_bucket, "count/").load()
    assert content(after) == content(checkpoints[-1])
    allowed = [content(before), *(content(state) for state in checkpoints)]

    def kill_at(n: int) -> str | None:
        prefix = f"kill-{n}/"
        fresh(prefix)
        result = child(s3_bucket, prefix, files, n)
        where = f"at {steps[n - 1]}" if n <= len(steps) else "after the run"
        problem, loaded = after_kill(result, where, open_store(s3_bucket, prefix).load)
        if problem is not None:
            return problem
        if content(loaded) not in allowed:
            return f"kill {where}: the state is neither the one before nor one the run wrote"
        store = open_store(s3_bucket, prefix)
        written = store.write(state_with(6), previous=store.load())
        if open_store(s3_bucket, prefix).load() != written:
            return f"kill {where}: the next write did not read back"
        names = {key.removeprefix(prefix) for key in s3_bucket.key_names() if key.startswith(prefix)}
        named = set(json.loads(s3_bucket.get(f"{prefix}sync.json"))["shards"])
        if "sync.json.backup" in names:
            backup = json.loads(s3_bucket.get(f"{prefix}sync.json.backup"))
            named |= set(backup.get("shards", {}))
        return left_unnamed(where, {name for name in names if "/" in name}, named)

    kill_everywhere(kill_at, len(steps))
