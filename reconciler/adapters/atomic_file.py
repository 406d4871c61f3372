"""Crash-safe file replacement, used by the state store and the token cache.

Write to a temporary file in the same folder, fsync it, keep the previous version as
``<name>.backup``, ``os.replace`` the new one into place and fsync the folder. A crash at
any moment leaves either the old file or the new one, never a torn mix.
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
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if keep_backup and path.exists():
            backup = path.with_name(path.name + ".backup")
            with contextlib.suppress(FileNotFoundError):
                os.unlink(backup)
            os.link(path, backup)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
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
