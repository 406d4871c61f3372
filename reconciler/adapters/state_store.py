"""The state store: the recorded sync state, its lock and the token cache, in a folder or a bucket.

:class:`StateStore` is the one protocol every state-touching command uses; the CLI wiring
picks the implementation once from the state location: :class:`LocalStateStore` here (a
folder, ``state/`` by default) or ``S3StateStore`` (``reconciler.adapters.s3_state``).
Both validate what they read with :func:`parse_state` and write what :func:`render_state`
renders, so a state moves between them byte for byte.

Local writes are atomic (temp file, fsync, rename, fsync the folder) and keep one
``sync.json.backup``. The serial is bumped only when the content changes. A state file
that does not parse, was written by a newer cjrec, or fails validation is never
overwritten: cjrec stops and says where the backup is.
"""

from __future__ import annotations

import json
import uuid
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from reconciler.adapters.atomic_file import write_atomic
from reconciler.adapters.clock import Clock
from reconciler.adapters.state_lock import LockInfo, StateLock, force_unlock
from reconciler.adapters.token_store import CacheFile, LocalCacheFile
from reconciler.errors import StateError
from reconciler.kinds import state_codec
from reconciler.models.state import FORMAT_VERSION, RecordError, SyncState
from reconciler.safe_text import for_json

STATE_NAME = "sync.json"
BACKUP_NAME = STATE_NAME + ".backup"


def render_state(state: SyncState) -> bytes:
    """The file's bytes: stable key order and indentation so git diffs stay small.

    UTF-8 text, except that characters a terminal acts on or hides (C1 controls,
    bidirectional overrides, lone surrogates from CJ's JSON) are written as ``\\uXXXX``:
    the same values, safe in ``git diff`` and encodable.
    """
    return (for_json(json.dumps(state_codec.encode(state), indent=2, ensure_ascii=False)) + "\n").encode("utf-8")


def new_state() -> SyncState:
    """An empty state with a fresh lineage."""
    return SyncState(lineage=str(uuid.uuid4()), serial=0)


class StateStore(Protocol):
    """Where the state of one account lives: read, conditional write, lock, token cache."""

    @property
    def display(self) -> str:
        """The state's place for messages (``state/sync.json``, ``s3://bucket/prefix/sync.json``)."""
        ...

    @property
    def where(self) -> str:
        """The state location as the user gives it (a folder or ``s3://BUCKET/PREFIX/``)."""
        ...

    def load(self) -> SyncState | None:
        """The recorded state, or None when there is none yet."""
        ...

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState:
        """Write ``state`` if it differs from ``previous``; return it with the serial it got."""
        ...

    def lock(self, *, operation: str, clock: Clock, timeout_s: float = 0.0) -> AbstractContextManager[LockInfo]:
        """Hold the state lock for a command that may write (released on exit, error or interrupt)."""
        ...

    def force_unlock(self, lock_id: str) -> LockInfo:
        """Break the lock with ``lock_id``; refuse when the ID is not the holder's."""
        ...

    def token_cache(self) -> CacheFile:
        """The sops-encrypted token cache kept beside the state."""
        ...

    def new_state(self) -> SyncState:
        """An empty state with a fresh lineage."""
        ...


def parse_state(raw: bytes, display: str, hint: str) -> SyncState:
    """Validate the bytes of a state file (or object); StateError naming ``display`` otherwise."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise StateError(f"{display}: the state is not UTF-8 text; cjrec will not overwrite it", hint=hint) from None
    except json.JSONDecodeError as exc:
        raise StateError(
            f"{display}:{exc.lineno}: the state is not valid JSON ({exc.msg}); cjrec will not overwrite it",
            hint=hint,
        ) from None
    except RecursionError:  # arrays or objects nested thousands deep: no state cjrec wrote
        raise StateError(
            f"{display}: the state is nested too deeply to be a cjrec state; cjrec will not overwrite it",
            hint=hint,
        ) from None
    if not isinstance(data, dict):
        raise StateError(f"{display}: the state must be a JSON object", hint=hint)
    version = data.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise StateError(
            f"{display}: written by a newer cjrec (format_version {version}; this one reads {FORMAT_VERSION})",
            hint="upgrade cjrec (pip install -U cjrec)",
        )
    if version != FORMAT_VERSION:
        raise StateError(f"{display}: unknown format_version {version!r}", hint=hint)
    try:
        state = state_codec.decode(data)
        uuid.UUID(state.lineage)
    except RecordError as exc:
        raise StateError(f"{display}: {exc}", hint=hint) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StateError(f"{display}: the state fails validation ({_describe(exc)})", hint=hint) from None
    return state


def next_version(state: SyncState, previous: SyncState | None) -> SyncState | None:
    """``state`` with its new serial, or None when it holds nothing new (no write needed)."""
    if previous is not None and state_codec.content(previous) == state_codec.content(state) and previous.lineage == state.lineage:
        return None
    serial = (previous.serial + 1) if previous is not None else max(state.serial, 1)
    return state.renumbered(serial)


class LocalStateStore:
    """The state in a folder: ``sync.json``, its backup, the flock lock and the token cache."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir
        self.path = state_dir / STATE_NAME
        self.backup = state_dir / (STATE_NAME + ".backup")
        self._swept = False

    @property
    def display(self) -> str:
        return str(self.path)

    def load(self) -> SyncState | None:
        """The recorded state, or None when there is none yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"{self.display}: cannot read the state ({exc.strerror})") from None
        return self.parse(raw)

    @property
    def where(self) -> str:
        return str(self.dir)

    def parse(self, raw: bytes) -> SyncState:
        """Validate the bytes of a state file."""
        return parse_state(raw, self.display, self._hint())

    def _hint(self) -> str:
        if self.backup.exists():
            return f"restore it from git or from {self.backup} (the previous version), then run again"
        return "restore it from git, then run again"

    def new_state(self) -> SyncState:
        """An empty state with a fresh lineage."""
        return new_state()

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState:
        """Write ``state`` if its content differs from ``previous``; return it with the serial it got."""
        stored = next_version(state, previous)
        if stored is None:
            assert previous is not None
            return previous
        if not self._swept:
            self._sweep()
        write_atomic(self.path, render_state(stored), mode=0o644, keep_backup=True)
        return stored

    def lock(self, *, operation: str, clock: Clock, timeout_s: float = 0.0) -> StateLock:
        return StateLock(self.dir, operation=operation, clock=clock, timeout_s=timeout_s)

    def force_unlock(self, lock_id: str) -> LockInfo:
        return force_unlock(self.dir, lock_id)

    def token_cache(self) -> CacheFile:
        return LocalCacheFile(self.dir)

    def _sweep(self) -> None:
        """Remove temp files a killed run left mid-write (state writers hold the lock, so none is in use)."""
        self._swept = True
        for stray in self.dir.glob(f".{STATE_NAME}.*.tmp"):
            stray.unlink(missing_ok=True)


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return str(exc)[:120] or type(exc).__name__
