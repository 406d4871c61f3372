"""The lock around every command that may write state.

An OS-level ``flock`` on ``state/cjrec.lock`` (the kernel releases it when the process
dies, so a killed run never leaves the state locked) plus the holder's details written in
the same file (id, operation, user, host, pid, time), so that a second run can say who
holds it. ``--lock-timeout`` waits by polling; ``force-unlock ID`` breaks a stuck lock by
removing the file (a new one, a new inode, is locked from then on).
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from reconciler import __version__
from reconciler.adapters.clock import Clock
from reconciler.errors import LockError, StateError

LOCK_NAME = "cjrec.lock"
DETAILS_POLLS = 10  # how often a refused run looks again for the holder's details before saying there are none
POLL_S = 0.2


@dataclass(frozen=True)
class LockInfo:
    """Who holds the lock."""

    id: str
    operation: str
    who: str
    host: str
    pid: int
    created: str
    version: str

    def describe(self) -> str:
        who = self.who if "://" in self.who else f"{self.who}@{self.host}"
        return f"{who} (pid {self.pid}, `cjrec {self.operation}`, since {self.created}, lock ID {self.id})"


def read_info(path: Path) -> LockInfo | None:
    """The holder's details written in the lock file, if any."""
    try:
        data = json.loads(path.read_text() or "null")
        return LockInfo(**data) if isinstance(data, dict) else None
    except (OSError, ValueError, TypeError, RecursionError):
        return None


class StateLock:
    """Held while a command may write the state."""

    def __init__(self, state_dir: Path, *, operation: str, clock: Clock, timeout_s: float = 0.0) -> None:
        self.path = state_dir / LOCK_NAME
        self.operation = operation
        self.clock = clock
        self.timeout_s = timeout_s
        self._fd: int | None = None
        self.info: LockInfo | None = None

    def __enter__(self) -> LockInfo:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()

    def acquire(self) -> LockInfo:
        """Take the lock, waiting up to ``timeout_s``; raise LockError naming the holder otherwise."""
        deadline = self.clock.monotonic() + self.timeout_s
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if self.clock.monotonic() >= deadline:
                    raise self._held_error() from None
                self.clock.sleep(POLL_S)
                continue
            if not _same_file(fd, self.path):  # force-unlocked meanwhile: lock the new file instead
                os.close(fd)
                continue
            self._fd = fd
            break
        self.info = LockInfo(
            id=str(uuid.uuid4()),
            operation=self.operation,
            who=holder(),
            host=socket.gethostname(),
            pid=os.getpid(),
            created=self.clock.now().isoformat(timespec="seconds"),
            version=__version__,
        )
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(self.info)).encode(), 0)
        os.fsync(fd)
        return self.info

    def _open(self) -> int:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateError(
                f"{self.path.parent}: cannot lock the state ({exc.strerror or type(exc).__name__})",
                hint="the state directory (--state-dir, CJREC_STATE_DIR) must be a folder cjrec can write",
            ) from None

    def release(self) -> None:
        """Clear the holder's details and unlock."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def _held_error(self) -> LockError:
        info = read_info(self.path)
        for _ in range(DETAILS_POLLS):  # the holder writes its details just after it takes the lock
            if info is not None:
                break
            self.clock.sleep(POLL_S)
            info = read_info(self.path)
        holder = (
            f"{info.describe()}, {age_text(info.created, self.clock.now())}"
            if info
            else "another process (no details recorded)"
        )
        waited = f" after waiting {self.timeout_s:g} s" if self.timeout_s else ""
        return LockError(
            f"the state in {self.path.parent} is locked{waited} by {holder}",
            hint="wait for that run to finish, or pass --lock-timeout 2m to wait; if it is stuck, "
            f"`cjrec force-unlock {info.id if info else 'ID'}`",
        )


def force_unlock(state_dir: Path, lock_id: str) -> LockInfo:
    """Break the lock with ``lock_id``; refuse when the ID does not match the holder."""
    path = state_dir / LOCK_NAME
    info = read_info(path)
    if info is None:
        raise LockError(f"the state in {state_dir} is not locked (no lock details found)")
    if info.id != lock_id:
        raise LockError(
            f"lock ID {lock_id!r} does not match the holder's ({info.id})", hint="copy the ID from the error"
        )
    path.unlink(missing_ok=True)
    return info


def age_text(created: str, now: datetime) -> str:
    """``taken 5 min ago`` from the lock's creation time (empty when it cannot be read)."""
    try:
        then = datetime.fromisoformat(created)
        seconds = int((now - then).total_seconds())
    except (ValueError, TypeError):
        return "age unknown"
    if seconds < 120:
        return f"taken {max(seconds, 0)} s ago"
    if seconds < 7200:
        return f"taken {seconds // 60} min ago"
    return f"taken {seconds // 3600} h ago"


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def holder(env: Mapping[str, str] | None = None) -> str:
    """Who takes a lock: the CI run's URL when the CI environment gives one, else the user name."""
    env = os.environ if env is None else env
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL") or "https://github.com"
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    if env.get("CI_JOB_URL"):  # GitLab
        return env["CI_JOB_URL"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
