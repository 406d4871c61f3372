"""Read and write ``state/sync.json``, the recorded sync state, crash-safely.

Called by the CLI wiring for plan, apply and the ``state`` commands. Writes are atomic
(temp file, fsync, rename, fsync the folder) and keep one ``sync.json.backup``. The serial
is bumped only when the content changes. A state file that does not parse, was written
by a newer cjrec, or fails validation is never overwritten: cjrec stops and says where
the backup is.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from pathlib import Path

from reconciler.adapters.atomic_file import write_atomic
from reconciler.errors import StateError
from reconciler.models.product_url import ProductUrlError, normalise_pid
from reconciler.models.state import FORMAT_VERSION, SyncState
from reconciler.safe_text import for_json

STATE_NAME = "sync.json"


def render_state(state: SyncState) -> bytes:
    """The file's bytes: stable key order and indentation so git diffs stay small.

    UTF-8 text, except that characters a terminal acts on or hides (C1 controls,
    bidirectional overrides, lone surrogates from CJ's JSON) are written as ``\\uXXXX``:
    the same values, safe in ``git diff`` and encodable.
    """
    return (for_json(json.dumps(state.to_dict(), indent=2, ensure_ascii=False)) + "\n").encode("utf-8")


class StateStore:
    """The sync state file in one state directory."""

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

    def parse(self, raw: bytes) -> SyncState:
        """Validate the bytes of a state file."""
        hint = self._hint()
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise StateError(
                f"{self.display}: the state is not UTF-8 text; cjrec will not overwrite it", hint=hint
            ) from None
        except json.JSONDecodeError as exc:
            raise StateError(
                f"{self.display}:{exc.lineno}: the state is not valid JSON ({exc.msg}); cjrec will not overwrite it",
                hint=hint,
            ) from None
        except RecursionError:  # arrays or objects nested thousands deep: no state cjrec wrote
            raise StateError(
                f"{self.display}: the state is nested too deeply to be a cjrec state; cjrec will not overwrite it",
                hint=hint,
            ) from None
        if not isinstance(data, dict):
            raise StateError(f"{self.display}: the state must be a JSON object", hint=hint)
        version = data.get("format_version")
        if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
            raise StateError(
                f"{self.display}: written by a newer cjrec (format_version {version}; this one reads {FORMAT_VERSION})",
                hint="upgrade cjrec (pip install -U cjrec)",
            )
        if version != FORMAT_VERSION:
            raise StateError(f"{self.display}: unknown format_version {version!r}", hint=hint)
        for key in ("products", "logos"):  # an edited `[]` must not read as "nothing recorded"
            if key in data and not isinstance(data[key], dict):
                raise StateError(f"{self.display}: the state fails validation (`{key}` is not an object)", hint=hint)
        try:
            state = SyncState.from_dict(data)
            uuid.UUID(state.lineage)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StateError(f"{self.display}: the state fails validation ({_describe(exc)})", hint=hint) from None
        for pid, record in state.products.items():
            try:
                if normalise_pid(pid) != pid:
                    raise ProductUrlError("not canonical")
            except ProductUrlError:
                raise StateError(f"{self.display}: {pid[:40]!r} is not a CJ product id", hint=hint) from None
            if record.origin not in ("added", "adopted"):
                raise StateError(f"{self.display}: product {pid} has an unknown origin {record.origin!r}", hint=hint)
        return state

    def _hint(self) -> str:
        if self.backup.exists():
            return f"restore it from git or from {self.backup} (the previous version), then run again"
        return "restore it from git, then run again"

    @staticmethod
    def new_state() -> SyncState:
        """An empty state with a fresh lineage."""
        return SyncState(lineage=str(uuid.uuid4()), serial=0)

    def write(self, state: SyncState, *, previous: SyncState | None) -> SyncState:
        """Write ``state`` if its content differs from ``previous``; return it with the serial it got."""
        if previous is not None and previous.content() == state.content() and previous.lineage == state.lineage:
            return previous
        serial = (previous.serial + 1) if previous is not None else max(state.serial, 1)
        stored = replace(state, serial=serial)
        if not self._swept:
            self._sweep()
        write_atomic(self.path, render_state(stored), mode=0o644, keep_backup=True)
        return stored

    def _sweep(self) -> None:
        """Remove temp files a killed run left mid-write (state writers hold the lock, so none is in use)."""
        self._swept = True
        for stray in self.dir.glob(f".{STATE_NAME}.*.tmp"):
            stray.unlink(missing_ok=True)


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return str(exc)[:120] or type(exc).__name__
