"""The state store: the recorded sync state, its lock and the token cache, in a folder or a bucket.

:class:`StateStore` is the one protocol every state-touching command uses; the CLI wiring
picks the implementation once from the state location: :class:`LocalStateStore` here (a
folder, ``state/`` by default) or ``S3StateStore`` (``reconciler.adapters.s3_state``).
Both validate what they read with :func:`parse_state` and write what :func:`render_state`
renders, so a state moves between them byte for byte.

A folder holds state format 2 (``reconciler/adapters/state_tree.py``): the root ``sync.json``
and content-addressed shards under ``<section>/``; a checkpoint writes the shards that changed,
then the root, atomically (temp file, fsync, rename, fsync the folder), keeping the previous
root as ``sync.json.backup``. A format-1 ``sync.json`` (one document) is read as before and
migrated by the first write, which keeps it as ``sync.json.backup``. The serial is bumped only
when the content changes. A state that does not parse, was written by a newer cjrec, or fails
validation (a shard that does not match its hash included) is never overwritten: cjrec stops
and says where the backup is.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from reconciler import __version__
from reconciler.adapters import state_tree
from reconciler.adapters.atomic_file import fsync_folder, write_atomic
from reconciler.adapters.clock import Clock
from reconciler.adapters.state_lock import LockInfo, StateLock, force_unlock
from reconciler.adapters.token_store import CacheFile, LocalCacheFile
from reconciler.errors import StateError
from reconciler.kinds import state_codec
from reconciler.models.state import FORMAT_VERSION, RecordError, SyncState
from reconciler.safe_text import for_json, for_terminal

STATE_NAME = "sync.json"
MANY_SHARDS = 64  # a write with more new shards than this flushes them with one sync, not one fsync each
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
    return parse_document(data, display, hint)


def parse_document(data: dict[str, object], display: str, hint: str) -> SyncState:
    """A parsed format-1 document as a state; StateError for another format (a newer one names the cjrec it needs)."""
    version = data.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > state_tree.TREE_FORMAT:
        needs = data.get("needs_cjrec")
        named = (
            f"cjrec {for_terminal(needs, limit=20)} or later" if isinstance(needs, str) and needs else "a newer cjrec"
        )
        raise StateError(
            f"{display}: written by a newer cjrec (format_version {version}; this one, {__version__}, reads up to "
            f"{state_tree.TREE_FORMAT}); reading it needs {named}",
            hint=f"upgrade cjrec (pip install -U cjrec){'' if named == 'a newer cjrec' else f' to {named}'}",
        )
    if version == state_tree.TREE_FORMAT:
        raise StateError(f"{display}: a format-2 state root where one document was expected", hint=hint)
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
    if previous is not None and state_tree.unchanged(state, previous):
        return None
    serial = (previous.serial + 1) if previous is not None else max(state.serial, 1)
    return state.renumbered(serial)


class LocalStateStore:
    """The state in a folder: the root ``sync.json`` and its shards, its backup, the flock lock and the token cache."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir
        self.path = state_dir / STATE_NAME
        self.backup = state_dir / (STATE_NAME + ".backup")
        self._swept = False
        self._tree: state_tree.Tree | None = None  # the format-2 tree last read or written by this store
        self._older: set[str] = set()  # shards the backup root names (kept until a later root drops them)

    @property
    def display(self) -> str:
        return str(self.path)

    def load(self) -> SyncState | None:
        """The recorded state, or None when there is none yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self._tree = None
            return None
        except OSError as exc:
            raise StateError(f"{self.display}: cannot read the state ({exc.strerror})") from None
        return self.parse(raw)

    @property
    def where(self) -> str:
        return str(self.dir)

    def parse(self, raw: bytes) -> SyncState:
        """Validate the bytes of a state file: a format-1 document, or a format-2 root and the shards it names."""
        self._tree = None
        root = state_tree.parse_root(raw)
        if root is None:
            return parse_state(raw, self.display, self._hint())
        state, self._tree = state_tree.read_tree(
            root, _FolderFiles(self.dir), display=self.display, place=f"{self.dir}/", hint=self._hint()
        )
        return state

    def _hint(self) -> str:
        if self.backup.exists():
            return f"restore it from git or from {self.backup} (the previous version), then run again"
        return "restore it from git, then run again"

    def new_state(self) -> SyncState:
        """An empty state with a fresh lineage."""
        return new_state()

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState:
        """Write ``state`` if its content differs from ``previous``; return it with the serial it got.

        Only the shards whose records changed are written, then the root.
        """
        planned = state_tree.plan_write(state, previous=previous, base=self._tree)
        if planned is None:
            assert previous is not None
            return previous
        tree, new_files, base = planned.tree, planned.new_files, planned.base
        if not self._swept:
            self._sweep()
        files = _FolderFiles(self.dir, durable=len(new_files) <= MANY_SHARDS)
        for name, data in sorted(new_files.items()):
            files.write_new(name, data)
        if len(new_files) > MANY_SHARDS:
            os.sync()  # one flush for a migration's thousands of shards instead of one fsync each
        for folder in {(self.dir / name).parent for name in new_files}:
            fsync_folder(folder)
        write_atomic(self.path, tree.root(), mode=0o644, keep_backup=True)
        dropped = state_tree.unreferenced(self._older, tree, base)
        for name in dropped:
            files.delete(name)
        self._older = base.names() if base is not None else set()
        self._tree = tree
        return state.renumbered(tree.serial)

    def lock(self, *, operation: str, clock: Clock, timeout_s: float = 0.0) -> StateLock:
        return StateLock(self.dir, operation=operation, clock=clock, timeout_s=timeout_s)

    def force_unlock(self, lock_id: str) -> LockInfo:
        return force_unlock(self.dir, lock_id)

    def token_cache(self) -> CacheFile:
        return LocalCacheFile(self.dir)

    def _sweep(self) -> None:
        """Remove what a killed run left: temp files, and shards neither the root nor its backup names.

        State writers hold the lock, so no other writer is using them.
        """
        self._swept = True
        for stray in self.dir.glob(f".{STATE_NAME}.*.tmp"):
            stray.unlink(missing_ok=True)
        keep: set[str] = set(self._tree.names()) if self._tree is not None else set()
        keep |= _root_names(self.path) | _root_names(self.backup)
        self._older = _root_names(self.backup)
        for section in {name.partition("/")[0] for name in keep} | _shard_folders(self.dir):
            folder = self.dir / section
            for found in folder.glob("*"):
                name = f"{section}/{found.name}"
                if found.is_file() and (found.name.endswith(".tmp") or name not in keep):
                    found.unlink(missing_ok=True)


class _FolderFiles:
    """Shard files in the state folder; a new shard goes through a temp file and a rename, never torn."""

    def __init__(self, folder: Path, *, durable: bool = True) -> None:
        self.folder = folder
        self.durable = durable  # fsync each shard (else the caller flushes them all at once)

    def read(self, name: str) -> bytes | None:
        try:
            return (self.folder / name).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"{self.folder / name}: cannot read the shard ({exc.strerror})") from None

    def write_new(self, name: str, data: bytes) -> None:
        path = self.folder / name
        if (
            path.exists()
            and path.stat().st_size == len(data)
            and state_tree.digest(path.read_bytes()) == state_tree.digest(data)
        ):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                if self.durable:
                    os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise

    def delete(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)


def _root_names(path: Path) -> set[str]:
    """The shards a root file names (none when it is missing or not a format-2 root)."""
    try:
        return state_tree.root_names(path.read_bytes())
    except OSError:
        return set()


def _shard_folders(folder: Path) -> set[str]:
    """The state folder's subfolders named after a state section."""
    from reconciler.kinds.registry import sections

    return {section.key for section in sections() if (folder / section.key).is_dir()}


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return str(exc)[:120] or type(exc).__name__
