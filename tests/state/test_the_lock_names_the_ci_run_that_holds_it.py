"""Who holds a lock: the CI run's URL when the CI environment gives one (GitHub Actions, GitLab), else the user."""

from __future__ import annotations

import getpass

from reconciler.adapters.state_lock import LockInfo, holder


def test_a_github_actions_run_is_named_by_its_url() -> None:
    env = {"GITHUB_RUN_ID": "42", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_SERVER_URL": "https://github.example"}
    assert holder(env) == "https://github.example/acme/shop/actions/runs/42"


def test_a_gitlab_job_is_named_by_its_url() -> None:
    assert (
        holder({"CI_JOB_URL": "https://gitlab.example/acme/shop/-/jobs/7"})
        == "https://gitlab.example/acme/shop/-/jobs/7"
    )


def test_elsewhere_the_user_is_named_with_the_host() -> None:
    assert holder({}) == getpass.getuser()
    info = LockInfo(id="x", operation="apply", who=holder({}), host="box", pid=1, created="", version="")
    assert info.describe().startswith(f"{getpass.getuser()}@box (pid 1, `cjrec apply`")
    ci = LockInfo(
        id="x", operation="apply", who=holder({"CI_JOB_URL": "https://g/j/7"}), host="r", pid=1, created="", version=""
    )
    assert ci.describe().startswith("https://g/j/7 (pid 1")
