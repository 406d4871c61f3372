"""What a child process killed at one write point left: for the kill tests of state writes (folder and bucket)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def after_kill(
    result: subprocess.CompletedProcess[str], where: str, load: Callable[[], T]
) -> tuple[str | None, T | None]:
    """``(None, state)``: the state the killed child left, loaded as cjrec does; else ``(problem, None)``:
    the child was not killed at that point, or what it left does not load."""
    if result.returncode != -9:
        return f"kill {where}: the child was not killed ({result.returncode}): {result.stderr[-500:]}", None
    try:
        return None, load()
    except Exception as exc:  # any failure to load is the finding
        return f"kill {where}: the state does not load: {exc}", None


def kill_everywhere(kill_at: Callable[[int], str | None], steps: int) -> None:
    """Kill a child before each of ``steps`` points and once after them (two at a time); no problem may be found."""
    from tests import figures

    points = range(1, steps + 2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = [p for p in pool.map(kill_at, points) if p]
    assert problems == []
    figures.add("atomic_write_kills", len(points))


def left_unnamed(where: str, shards: set[str], named: set[str]) -> str | None:
    """The problem when shards that neither the root nor its backup names were left behind."""
    extra = shards - named
    return f"kill {where}: shards no root names were left: {sorted(extra)}" if extra else None
