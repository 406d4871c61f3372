"""A run refused the folder lock names the holder, even when it looked in the instant between the
holder taking the lock and writing its details (two applies started together hit that window)."""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict
from pathlib import Path

import pytest

from reconciler.adapters.state_lock import LOCK_NAME, LockInfo, StateLock
from reconciler.errors import LockError
from tests.support.client_fakes import FakeClock

HOLDER = LockInfo("lock-1", "apply", "ci", "runner", 4242, "2026-11-27T12:00:00+00:00", "0.1.0")


class _HolderWritesWhileWeWait(FakeClock):
    """The holder's details appear on disk during the refused run's first wait."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.path.write_text(json.dumps(asdict(HOLDER)))


def test_details_written_just_after_the_lock_is_taken_are_still_named(tmp_path: Path) -> None:
    path = tmp_path / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # the holder: locked, details not written yet
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        clock = _HolderWritesWhileWeWait(path)
        with pytest.raises(LockError) as refused:
            StateLock(tmp_path, operation="apply", clock=clock).acquire()
        assert "pid 4242" in refused.value.message and "lock ID lock-1" in refused.value.message
    finally:
        os.close(fd)
