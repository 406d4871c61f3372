"""Crash-safe file replacement, used by the state store and the token cache.

Write to a temporary file in the same folder, fsync it, keep the previous version as
``<name>.backup``, ``os.replace`` the new one into place and fsync the folder. A crash at
any moment leaves either the old file or the new one, never a torn mix.

The backup is replaced the same way (a hard link to the current file under a temp name,
then ``os.replace`` over the old backup), so a crash never leaves the folder without a
backup once it had one: it holds the backup before this write, or the version this write
replaces.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600, keep_backup: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (and durably, where the OS allows)."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    backup_tmp = tmp.with_name(tmp.name.removesuffix(".tmp") + ".backup.tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if keep_backup and path.exists():
            backup = path.with_name(path.name + ".backup")
            os.link(path, backup_tmp)
            os.replace(backup_tmp, backup)
            # rename() between two links of one file (a write killed before its last step
            # leaves the file and its backup linked) succeeds without removing the source
            with contextlib.suppress(FileNotFoundError):
                os.unlink(backup_tmp)
        os.replace(tmp, path)
    except BaseException:
        for leftover in (tmp, backup_tmp):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise
    fsync_folder(folder)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
