"""The files changed since a git ref, for ``cjrec accounts list --changed-since REF``.

The one place cjrec runs git (the import-linter contract keeps ``subprocess`` out of the
rest, the sops adapter aside). The comparison is against the merge base of REF and HEAD —
what a pull request changed, not what its base branch gained since — plus the working tree,
so uncommitted edits count too. Paths come back relative to the folder asked about.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from reconciler.errors import UsageError


def changed_files(folder: Path, since: str) -> list[str]:
    """Paths (relative to ``folder``, '/'-separated) changed since the merge base of ``since`` and HEAD."""
    if not since or since.startswith("-") or any(ch.isspace() or ord(ch) < 32 for ch in since):
        raise UsageError(
            f"--changed-since {since[:60]!r} is not a git ref", hint="give a branch, tag or commit, e.g. origin/main"
        )
    git = shutil.which("git")
    if git is None:
        raise UsageError("--changed-since needs git, which is not on PATH", hint="install git, or list --all accounts")
    base = _git(git, folder, "merge-base", since, "HEAD", what=f"the merge base of {since} and HEAD").strip()
    listed = _git(git, folder, "diff", "--name-only", "--no-renames", "--relative", "-z", base, "--", ".", what="git diff")
    untracked = _git(git, folder, "ls-files", "--others", "--exclude-standard", "-z", what="git ls-files")
    return sorted({path for path in (listed + untracked).split("\0") if path})


def _git(git: str, folder: Path, *args: str, what: str) -> str:
    try:
        done = subprocess.run(
            [git, *args], cwd=folder, capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"{what} failed: {type(exc).__name__}", hint="check that git works in this folder") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1][:200]
        raise UsageError(
            f"{what} failed (git exit {done.returncode}): {reason}",
            hint="run in a git checkout that has the ref (in CI: fetch-depth: 0, or fetch the base branch)",
        )
    return done.stdout
