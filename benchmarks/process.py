"""Run a child process and measure it from outside: wall time, peak RSS, CPU, exit code, output.

Used by every benchmark that times a ``cjrec`` command. The wall time comes from the
parent's monotonic clock around start and reap. Peak RSS and CPU come from GNU time
(``/usr/bin/time``) when it is installed, else from ``os.wait4``. GNU time is preferred
because Linux charges a child, at ``exec``, the resident size of the memory it was forked
from: measured directly, every child of this harness would start at the harness's own RSS
(about 30 MB), while GNU time is a small C program. Either way ``ru_maxrss`` covers the
child and the children it waited for (the sops binary). Output goes to temporary files, so
a chatty child can never block on a full pipe while it is being timed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    """One run of a child process."""

    argv: tuple[str, ...]
    exit_code: int
    wall_s: float
    max_rss_mb: float
    user_s: float
    system_s: float
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


GNU_TIME = "/usr/bin/time"
RSS_METHOD = (
    "GNU time (/usr/bin/time)" if os.access(GNU_TIME, os.X_OK) else "os.wait4 (includes the harness's RSS at fork)"
)


def run_measured(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 600.0,
) -> Measurement:
    """Run ``argv`` to completion and measure it."""
    use_time = os.access(GNU_TIME, os.X_OK)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as report:
        command = [GNU_TIME, "-q", "-o", report.name, "-f", "%M %U %S", *argv] if use_time else list(argv)
        started = time.perf_counter()
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        killer = threading.Timer(timeout_s, proc.kill)  # a hung child is killed, and shows as a failure
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not try to reap it again
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
        lines = report.read().decode().split("\n") if use_time else []
    fields = [line for line in lines if line.strip()][-1:]
    if fields and len(fields[0].split()) == 3:
        rss_kib, user, system = fields[0].split()
        max_rss_mb, user_s, system_s = int(rss_kib) * 1024 / 1e6, float(user), float(system)
    else:
        scale = 1024 if sys.platform != "darwin" else 1  # ru_maxrss: KiB on Linux, bytes on macOS
        max_rss_mb, user_s, system_s = usage.ru_maxrss * scale / 1e6, usage.ru_utime, usage.ru_stime
    return Measurement(
        argv=tuple(argv),
        exit_code=proc.returncode,
        wall_s=wall,
        max_rss_mb=max_rss_mb,
        user_s=user_s,
        system_s=system_s,
        stdout=stdout,
        stderr=stderr,
    )


@dataclass(frozen=True)
class Summary:
    """The medians (and spread) of several runs of the same command."""

    runs: int
    wall_s: float
    wall_min_s: float
    wall_max_s: float
    max_rss_mb: float
    cpu_s: float

    @classmethod
    def of(cls, measurements: Sequence[Measurement]) -> Summary:
        if not measurements:
            raise ValueError("no measurements")
        walls = [m.wall_s for m in measurements]
        return cls(
            runs=len(measurements),
            wall_s=statistics.median(walls),
            wall_min_s=min(walls),
            wall_max_s=max(walls),
            max_rss_mb=statistics.median(m.max_rss_mb for m in measurements),
            cpu_s=statistics.median(m.user_s + m.system_s for m in measurements),
        )


class CommandFailed(RuntimeError):
    """A measured command exited with an unexpected code; the message carries its output."""

    def __init__(self, measurement: Measurement, expected: Sequence[int]) -> None:
        tail = measurement.output[-2000:]
        super().__init__(
            f"{' '.join(measurement.argv[-4:])} exited {measurement.exit_code} (expected {list(expected)}):\n{tail}"
        )
        self.measurement = measurement


def check(measurement: Measurement, *, expected: Sequence[int] = (0,)) -> Measurement:
    """Return ``measurement`` if it exited as expected, else raise CommandFailed."""
    if measurement.exit_code not in expected:
        raise CommandFailed(measurement, expected)
    return measurement
