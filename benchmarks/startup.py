"""Benchmark 4: start-up, ``cjrec --version`` and ``cjrec --help``, with the bare interpreter for scale.

Each command runs once to warm the page cache, then ``runs`` times; medians are reported.
``python -c pass`` shows how much of the time is the interpreter itself, which no change
to cjrec can remove.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks import workspace
from benchmarks.process import Summary, check, run_measured

BASELINE = "python -c pass (the interpreter alone)"
COMMANDS = (BASELINE, "cjrec --version", "cjrec --help")


@dataclass(frozen=True)
class Startup:
    command: str
    summary: Summary


def run(root: Path, *, runs: int = 10) -> list[Startup]:
    results = []
    env = workspace.CJREC.environ()
    for name in COMMANDS:
        argv = [sys.executable, "-c", "pass"] if name == BASELINE else [*workspace.CJREC.argv, name.split()[1]]
        check(run_measured(argv, cwd=root, env=env))
        measured = [check(run_measured(argv, cwd=root, env=env)) for _ in range(runs)]
        results.append(Startup(name, Summary.of(measured)))
    return results
