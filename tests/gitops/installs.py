"""Install cjrec as a user would, into fresh virtualenvs: from the built wheel, or from a git URL.

Everything comes from the checkout under test (``REPO``), never from another copy: the wheel
is built from it, and the "remote" for git installs is a bare repository holding one commit
of its working tree as it is now (committed or not, ``.gitignore`` respected), written without
touching the checkout's index, refs or object store. Dependencies come
from PyPI through pip's cache (kept on), so only the first install on a machine downloads.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Venv:
    """A virtualenv with cjrec installed (not editable)."""

    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    @property
    def cjrec(self) -> Path:
        return self.bin / "cjrec"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment where ``cjrec``, ``python`` and ``sops`` are this virtualenv's."""
        env = dict(os.environ if base is None else base)
        env.pop("PYTHONPATH", None)
        env["VIRTUAL_ENV"] = str(self.root)
        env["PATH"] = os.pathsep.join([str(self.bin), env.get("PATH", "")])
        return env


@dataclass(frozen=True)
class GitInstall:
    """The bare clone, its commit, the store owner's cjrec installed from it, and the CI runner's virtualenv."""

    url: str
    commit: str
    laptop: Venv
    runner: Venv


def pip_env() -> dict[str, str]:
    """pip's environment: the cache on, no version check, nothing of the test runner's venv leaking in."""
    env = {k: v for k, v in os.environ.items() if k not in {"PIP_NO_CACHE_DIR", "PYTHONPATH", "VIRTUAL_ENV"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(args: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def fresh_venv(path: Path) -> Venv:
    """A new virtualenv with its own pip (CI's install step runs ``python -m pip``)."""
    run([sys.executable, "-m", "venv", str(path)])
    return Venv(path)


COPY_IGNORE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis")


def build_wheel(outdir: Path) -> Path:
    """Build cjrec's wheel from a copy of the checkout under test, as ``make dist`` does (isolated build env).

    The copy keeps the build's scratch files (build/, *.egg-info) out of the checkout, and two
    test workers building at once out of each other's way.
    """
    source = outdir / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*COPY_IGNORE))
    run([sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir), str(source)], env=pip_env())
    wheels = sorted(outdir.glob("cjrec-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def pip_install(venv: Venv, requirement: str) -> str:
    return run([str(venv.python), "-m", "pip", "install", "--quiet", requirement], env=pip_env())


def imported_from(venv: Venv) -> Path:
    """Where the virtualenv's ``reconciler`` package lives (its site-packages, not the checkout)."""
    out = run([str(venv.python), "-c", "import reconciler; print(reconciler.__file__)"], cwd=venv.root, env=venv.env())
    return Path(out.strip())


def is_git_checkout() -> bool:
    done = subprocess.run(["git", "rev-parse", "--git-dir"], cwd=REPO, capture_output=True, text=True, check=False)
    return done.returncode == 0


def bare_clone_of_checkout(bare: Path, scratch: Path) -> str:
    """A bare repository whose ``main`` is the checkout's working tree now; returns that commit.

    The tree is written with a scratch index into the bare repository's own object store
    (the checkout's objects are read through ``alternates``), so the checkout is unchanged.
    """
    run(["git", "init", "--quiet", "--bare", "--initial-branch", "main", str(bare)])
    common = Path(run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=REPO).strip())
    env = {
        **os.environ,
        "GIT_INDEX_FILE": str(scratch / "index"),
        "GIT_OBJECT_DIRECTORY": str(bare / "objects"),
        "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(common / "objects"),
        "GIT_AUTHOR_NAME": "cjrec tests",
        "GIT_AUTHOR_EMAIL": "tests@example.invalid",
        "GIT_COMMITTER_NAME": "cjrec tests",
        "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    }
    scratch.mkdir(parents=True, exist_ok=True)
    run(["git", "read-tree", "HEAD"], cwd=REPO, env=env)
    run(["git", "add", "--all"], cwd=REPO, env=env)
    tree = run(["git", "write-tree"], cwd=REPO, env=env).strip()
    # no parent: a CI checkout is shallow, and a clone of the bare repository must not need history it lacks
    commit = run(["git", "commit-tree", tree, "-m", "the checkout under test"], cwd=REPO, env=env).strip()
    (bare / "objects" / "info" / "alternates").write_text(str(common / "objects") + "\n")
    run(["git", "--git-dir", str(bare), "update-ref", "refs/heads/main", commit])
    return commit


def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this run sees (the run's base temp), or this session's own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (other workers wait), for work to be done once per run."""
    with lock_file.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
