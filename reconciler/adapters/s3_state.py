"""The state store on S3-compatible storage: state, lock, token cache and previous version under one prefix.

Chosen by the CLI wiring for a state location ``s3://BUCKET/PREFIX``. Under PREFIX:

- ``sync.json``: the root of state format 2 (``reconciler/adapters/state_tree.py``), the same
  bytes as a local ``state/sync.json``, naming every shard with its SHA-256. Every write of
  it is conditional on the version this run last read or wrote (``If-Match`` its ETag, or
  ``If-None-Match: *`` when there was none), so a run whose lock was forced away cannot
  overwrite newer state: its next write fails and it stops.
- ``<section>/<prefix>-<hash>.json``: the shards, the same bytes as in a folder. A shard's
  name is its content hash, so writing one again is harmless; a checkpoint puts the shards
  it adds (side by side), and only once they have all landed the root. Loading checks every
  shard against the root's hash (a mismatch is an error naming the object).
- ``sync.json.backup``: the root as it was before this run's first write (a server-side
  copy); a format-1 object found there is migrated by that write and kept as the backup.
  The shards the backup names stay. Shards that neither the root nor the backup names
  (those a later checkpoint of the same run dropped, those of the backup before, those a
  killed run wrote) are deleted only after a root that drops them has been written: the
  ones this run dropped after each checkpoint, the others once per run after its first.
- ``cjrec.lock``: the lock, created with ``If-None-Match: *`` and holding the holder's
  details; removed on release only while it is still this run's (same ID, same ETag).
- ``token.sops.json``: the sops-encrypted token cache.

All calls go through :class:`reconciler.adapters.s3_objects.S3Objects` (retries, errors).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import uuid
from dataclasses import asdict
from pathlib import Path
from types import TracebackType

from reconciler import __version__
from reconciler.adapters import state_tree
from reconciler.adapters.clock import Clock
from reconciler.adapters.s3_objects import PreconditionFailed, S3Objects
from reconciler.adapters.state_lock import LOCK_NAME, LockInfo, age_text, holder
from reconciler.adapters.state_store import BACKUP_NAME, STATE_NAME, new_state, parse_state
from reconciler.adapters.token_store import CACHE_NAME
from reconciler.errors import LockError, StateError
from reconciler.kinds.registry import sections
from reconciler.models.state import SyncState
from reconciler.models.state_location import S3Location

POLL_S = 1.0


class StaleStateError(StateError):
    """The state object is no longer the version this run read: another writer got there first."""


class S3StateStore:
    """The state under ``s3://BUCKET/PREFIX``."""

    def __init__(self, location: S3Location, *, clock: Clock, objects: S3Objects | None = None) -> None:
        self.location = location
        self.clock = clock
        self.objects = objects or S3Objects(location, clock=clock)
        self._etag: str | None = None  # the version of sync.json last read or written; None: there was none
        self._tree: state_tree.Tree | None = None  # the format-2 tree last read or written by this store
        self._kept: set[str] | None = None  # the shards the backup names, once this run has copied it
        self._swept = False  # shards no root names have been looked for (once a run, after its first write)

    @property
    def display(self) -> str:
        return self.location.url(STATE_NAME)

    @property
    def where(self) -> str:
        return self.location.url()

    def load(self) -> SyncState | None:
        found = self.objects.get(STATE_NAME)
        self._tree = None
        if found is None:
            self._etag = None
            return None
        self._etag = found.etag
        hint = (
            f"restore it from {self.location.url(BACKUP_NAME)} (the version before the last run) or from an "
            "earlier object version, then run again"
        )
        root = state_tree.parse_root(found.data)
        if root is None:
            return parse_state(found.data, self.display, hint)
        shards = _BucketShards(self.objects)
        shards.fetch(state_tree.root_names(found.data))
        state, self._tree = state_tree.read_tree(
            root, shards, display=self.display, place=self.location.url(), hint=hint
        )
        return state

    def new_state(self) -> SyncState:
        return new_state()

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState:
        """Write the shards ``state`` adds, then the root (conditionally); then remove the shards nothing names."""
        planned = state_tree.plan_write(state, previous=previous, base=self._tree)
        if planned is None:
            assert previous is not None
            return previous
        if self._etag is not None and self._kept is None:
            self.objects.copy(STATE_NAME, BACKUP_NAME)
            # the backup is the root this store last read or wrote (the one at its ETag): its shards stay
            self._kept = self._tree.names() if self._tree is not None else set()
        shards = _BucketShards(self.objects)
        self.objects.put_many(planned.new_files)
        root = planned.tree.root()
        try:
            if self._etag is None:
                etag = self.objects.put(STATE_NAME, root, if_none_match=True)
            else:
                etag = self.objects.put(STATE_NAME, root, if_match=self._etag)
        except PreconditionFailed:
            raise StaleStateError(
                f"{self.display}: the state changed since this run read it (another run wrote it, or this run's "
                "lock was forced away); this run stops without overwriting it",
                hint="run `cjrec plan` to see the newer state; what this run added at CJ is adopted by the next "
                "apply, not added twice",
            ) from None
        self._etag = etag
        self._tree = planned.tree
        keep = planned.tree.names() | (self._kept or set())
        dropped = planned.base.names() - keep if planned.base is not None else set()
        if not self._swept:
            self._swept = True
            dropped |= {name for name in self._shard_objects() if name not in keep}
        for name in sorted(dropped):
            shards.delete(name)
        return state.renumbered(planned.tree.serial)

    def _shard_objects(self) -> list[str]:
        """The shard objects under the prefix: those in a folder named after a state section."""
        return [
            name
            for section in sections()
            for name in self.objects.names(section.key + "/")
            if name.endswith(".json") and "/" not in name[len(section.key) + 1 :]
        ]

    def lock(self, *, operation: str, clock: Clock, timeout_s: float = 0.0) -> S3Lock:
        return S3Lock(self.objects, operation=operation, clock=clock, timeout_s=timeout_s)

    def force_unlock(self, lock_id: str) -> LockInfo:
        found = self.objects.get(LOCK_NAME)
        if found is None:
            raise LockError(f"the state at {self.where} is not locked (no {LOCK_NAME} object)")
        info = _parse_lock(found.data)
        if info is None:
            raise LockError(
                f"{self.location.url(LOCK_NAME)} is not a cjrec lock (an object cjrec did not write)",
                hint="if no cjrec run uses this prefix, delete that object yourself",
            )
        if info.id != lock_id:
            raise LockError(
                f"lock ID {lock_id!r} does not match the holder's ({info.id})", hint="copy the ID from the error"
            )
        try:
            self.objects.delete(LOCK_NAME, if_match=found.etag)
        except PreconditionFailed:
            raise LockError(
                f"the lock at {self.where} changed while it was being removed (another run took it)",
                hint="run the command again to see who holds it now",
            ) from None
        return info

    def token_cache(self) -> S3CacheFile:
        return S3CacheFile(self.objects)


class _BucketShards:
    """The shard objects under the prefix (``state_tree.TreeFiles``), fetched side by side before they are read."""

    def __init__(self, objects: S3Objects) -> None:
        self.objects = objects
        self._fetched: dict[str, bytes | None] = {}

    def fetch(self, names: set[str]) -> None:
        found = self.objects.get_many(sorted(names))
        self._fetched = {name: None if stored is None else stored.data for name, stored in found.items()}

    def read(self, name: str) -> bytes | None:
        if name in self._fetched:
            return self._fetched.pop(name)
        stored = self.objects.get(name)
        return None if stored is None else stored.data

    def write_new(self, name: str, data: bytes) -> None:
        self.objects.put(name, data)

    def delete(self, name: str) -> None:
        self.objects.delete(name)


class S3Lock:
    """``PREFIX/cjrec.lock``, created only when absent; held while a command may write the state."""

    def __init__(self, objects: S3Objects, *, operation: str, clock: Clock, timeout_s: float = 0.0) -> None:
        self.objects = objects
        self.operation = operation
        self.clock = clock
        self.timeout_s = timeout_s
        self.info: LockInfo | None = None

    def __enter__(self) -> LockInfo:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is None:
            self.release()
            return
        # the run is failing already: report that, not a second problem; the lock error names the ID next time
        with contextlib.suppress(StateError):
            self.release()

    @property
    def where(self) -> str:
        return self.objects.location.url()

    def acquire(self) -> LockInfo:
        """Create the lock object, waiting up to ``timeout_s`` while another holds it."""
        info = LockInfo(
            id=str(uuid.uuid4()),
            operation=self.operation,
            who=holder(),
            host=socket.gethostname(),
            pid=os.getpid(),
            created=self.clock.now().isoformat(timespec="seconds"),
            version=__version__,
        )
        data = json.dumps(asdict(info), indent=2).encode()
        deadline = self.clock.monotonic() + self.timeout_s
        while True:
            try:
                self.objects.put(LOCK_NAME, data, if_none_match=True)
            except PreconditionFailed:
                if self.clock.monotonic() >= deadline:
                    raise self._held_error() from None
                self.clock.sleep(POLL_S)
                continue
            self.info = info
            return info

    def release(self) -> None:
        """Remove the lock if it is still ours (a forced-away lock, or the next holder's, is left alone)."""
        if self.info is None:
            return
        mine, self.info = self.info, None
        found = self.objects.get(LOCK_NAME)
        if found is None:
            return
        current = _parse_lock(found.data)
        if current is None or current.id != mine.id:
            return
        try:
            self.objects.delete(LOCK_NAME, if_match=found.etag)
        except PreconditionFailed:
            return

    def _held_error(self) -> LockError:
        url = self.objects.location.url(LOCK_NAME)
        found = self.objects.get(LOCK_NAME)
        waited = f" after waiting {self.timeout_s:g} s" if self.timeout_s else ""
        if found is None:  # released between the refused write and this read
            return LockError(
                f"the state at {self.where} was locked{waited}; the lock has just been released",
                hint="run the command again",
            )
        info = _parse_lock(found.data)
        if info is None:
            return LockError(
                f"{url} exists but is not a cjrec lock (an object cjrec did not write); the state is treated as locked",
                hint="if no cjrec run uses this prefix, delete that object yourself, then run again",
            )
        return LockError(
            f"the state at {self.where} is locked{waited} by {info.describe()}, {age_text(info.created, self.clock.now())}",
            hint="wait for that run to finish, or pass --lock-timeout 2m to wait; if it was killed, "
            f"`cjrec force-unlock {info.id}`",
        )


class S3CacheFile:
    """``PREFIX/token.sops.json`` (or another ``name``): an encrypted token cache in the bucket."""

    def __init__(self, objects: S3Objects, name: str = CACHE_NAME) -> None:
        self.objects = objects
        self.name = name

    @property
    def display(self) -> str:
        return self.objects.location.url(self.name)

    def read(self) -> bytes | None:
        found = self.objects.get(self.name)
        return None if found is None else found.data

    def write(self, data: bytes) -> None:
        self.objects.put(self.name, data)

    def delete(self) -> None:
        self.objects.delete(self.name)

    def sibling(self, name: str) -> S3CacheFile:
        return S3CacheFile(self.objects, name)

    def sops_target(self) -> tuple[Path, Path]:
        """Encrypted by the ``.sops.yaml`` rule that covers ``state/<name>``, as a local cache would be."""
        cwd = Path.cwd()
        return cwd / "state" / self.name, cwd


def _parse_lock(data: bytes) -> LockInfo | None:
    try:
        body = json.loads(data)
        return LockInfo(**body) if isinstance(body, dict) else None
    except (ValueError, TypeError, RecursionError):
        return None
