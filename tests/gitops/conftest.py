"""What the GitOps tests share: cjrec installed from git once per test run, as a store owner installs it."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.gitops.installs import (
    GitInstall,
    Venv,
    bare_clone_of_checkout,
    exclusive,
    fresh_venv,
    is_git_checkout,
    pip_install,
    shared_dir,
)


@pytest.fixture(scope="session")
def git_install(tmp_path_factory: pytest.TempPathFactory) -> GitInstall:
    """Made once per test run, whichever xdist worker asks first; the others wait for it and share it."""
    if not is_git_checkout():
        pytest.skip("the checkout under test is not a git repository (e.g. an unpacked sdist)")
    shared = shared_dir(tmp_path_factory)
    tmp = shared / "git-install"
    with exclusive(shared / "git-install.lock"):
        done = tmp / "done.json"
        if not done.exists():
            shutil.rmtree(tmp, ignore_errors=True)  # what a worker that died half-way left
            tmp.mkdir()
            bare = tmp / "cjrec.git"
            commit = bare_clone_of_checkout(bare, tmp / "scratch")
            laptop = fresh_venv(tmp / "laptop")
            pip_install(laptop, f"git+{bare.as_uri()}@main")  # a branch, as README's install line names a tag
            fresh_venv(tmp / "runner")  # empty: the CI jobs' install step installs cjrec into it
            done.write_text(json.dumps({"url": bare.as_uri(), "commit": commit}))
        made = json.loads(done.read_text())
    return GitInstall(made["url"], made["commit"], Venv(tmp / "laptop"), Venv(tmp / "runner"))
