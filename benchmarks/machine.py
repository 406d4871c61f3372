"""The machine a benchmark ran on: CPU, cores, memory, load, Python, sops, and the code's commit.

Read from /proc (Linux) with portable fallbacks, so BENCHMARKS.md says what its figures
were measured on. The load average is taken at the start and the end of a run: other work
on the machine shows there, and wall times under load are to be read with CPU times.
"""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.workspace import SOPS


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    memory_gib: float
    load: str
    python: str
    system: str
    sops: str
    commit: str
    date: str


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _output(argv: list[str], cwd: Path | None = None) -> str:
    try:
        env = dict(os.environ, SOPS_DISABLE_VERSION_CHECK="1")
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=cwd, env=env, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else "unknown"


def describe(repo: Path) -> Machine:
    """The machine now."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 0)
    commit = _output(["git", "rev-parse", "--short", "HEAD"], cwd=repo)
    dirty = _output(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", "reconciler", "benchmarks"], cwd=repo
    )
    return Machine(
        cpu=_cpu_model(),
        cores=affinity,
        memory_gib=_memory_gib(),
        load=load_average(),
        python=f"{platform.python_implementation()} {platform.python_version()}",
        system=f"{platform.system()} {platform.release()}",
        sops=_output([SOPS, "--version"]),
        commit=commit + (" (with uncommitted changes to the code)" if dirty not in ("", "unknown") else ""),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
