"""Apply progress for people and for CI logs, behind the applier's hooks interface.

On a terminal: one line rewritten in place with count, rate and ETA. Elsewhere (CI logs):
a line every ten seconds or so, so logs stay short but show the run is alive.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from reconciler.errors import CjrecError
from reconciler.models.plan import Change
from reconciler.safe_text import for_terminal

LOG_EVERY_S = 10.0


class ProgressHooks:
    """Implements ``ApplyHooks`` by writing progress to a stream (stderr by default)."""

    def __init__(self, *, stream: TextIO | None = None, interactive: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.total = 0
        self.done = 0
        self.failed = 0
        self.started_at = time.monotonic()
        self.last_line = self.started_at
        self._lock = threading.Lock()

    def started(self, total: int) -> None:
        self.total = total
        self.started_at = self.last_line = time.monotonic()

    def change_done(self, change: Change, error: CjrecError | None) -> None:
        with self._lock:
            self.done += 1
            if error is not None:
                self.failed += 1
                # CJ's message is outside text: one line, no control character (it may not rewrite this line)
                self._write(
                    f"failed: {for_terminal(change.address)}: {for_terminal(error.message, limit=400)}", newline=True
                )
            now = time.monotonic()
            if self.interactive:
                self._write(self._status(now), newline=False)
            elif now - self.last_line >= LOG_EVERY_S or self.done == self.total:
                self.last_line = now
                self._write(self._status(now), newline=True)

    def close(self) -> None:
        """End the in-place line."""
        if self.interactive and self.done:
            self.stream.write("\n")
            self.stream.flush()

    def _status(self, now: float) -> str:
        elapsed = max(now - self.started_at, 1e-6)
        rate = self.done / elapsed
        remaining = (self.total - self.done) / rate if rate > 0 else 0.0
        failed = f", {self.failed} failed" if self.failed else ""
        return f"[{self.done:>{len(str(self.total))}}/{self.total}] {rate:.1f}/s, ETA {_clock(remaining)}{failed}"

    def _write(self, text: str, *, newline: bool) -> None:
        if self.interactive and not newline:
            self.stream.write("\r\x1b[K" + text)
        else:
            self.stream.write(("\r\x1b[K" if self.interactive else "") + text + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
