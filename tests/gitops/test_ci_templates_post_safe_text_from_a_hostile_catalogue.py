"""Both CI templates, run against a hostile catalogue, post and log only safe text.

GitHub: the plan job's step summary and pull-request comment, and the drift job's summary
and log, as ci_runner.py runs the workflow `cjrec init` writes. GitLab: the plan job's
script writes the ``plan.md`` it posts as the merge-request note and prints into the job
log; the drift job prints the text plan. Every posted body is parsed with markdown-it-py;
every log is checked for characters a terminal or a CI log viewer would act on, and for
lines a CJ name could fake (a workflow command, an "Apply complete").
"""

from __future__ import annotations

import re
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from reconciler.sandbox import DEMO_API_KEY, DEMO_EMAIL, Sandbox, SandboxConfig
from reconciler.sandbox.hostile import HOSTILE_NAMES
from tests.gitops.installs import GitInstall
from tests.gitops.test_pipeline_from_init_to_second_run import Repo, initialised_repo
from tests.support.hostile_text import markdown_syntax, terminal_unsafe, tokens
from tests.support.secret_watch import SecretWatch

OWN_HTML = re.compile(r"<!-- cjrec-plan -->|<details( open)?><summary>[A-Za-z ()0-9]+</summary>|</details>")
FAKE_LINE = re.compile(r"^(::(?!error title=Material drift::)|FAKE|ok |## |Apply complete: 0 failed)", re.MULTILINE)


@pytest.fixture
def hostile(tmp_path: Path, secret_watch: SecretWatch, git_install: GitInstall) -> Iterator[Repo]:
    """A repository made by `cjrec init` with encrypted credentials, and products CJ names with hostile text."""
    with (
        Sandbox(SandboxConfig(qps=10, products=60, seed=21)) as sandbox,
        initialised_repo(tmp_path, sandbox, secret_watch, git_install) as repo,
    ):
        configure(repo)
        yield repo


def configure(repo: Repo) -> None:
    creds = repo.path / "manifests" / "credentials.sops.yaml"
    creds.write_text(
        creds.read_text().replace("you@example.com", DEMO_EMAIL).replace("REPLACE-WITH-YOUR-CJ-API-KEY", DEMO_API_KEY)
    )
    repo.sh("sops", "--encrypt", "--in-place", "manifests/credentials.sops.yaml")
    assert "qps: auto" in (repo.path / "manifests" / "settings.yaml").read_text()  # the sandbox's 10/s: a fast test
    pids = repo.sandbox.catalog_pids("on_sale")[3 : 3 + len(HOSTILE_NAMES)]
    repo.sandbox.make_hostile(pids)
    repo.products(pids[:6])
    repo.sandbox.add_to_my_products(*pids[6:])  # unmanaged: listed in the plan by CJ's name


def assert_safe_markdown(body: str, what: str) -> None:
    assert body.startswith("<!-- cjrec-plan -->"), what
    assert markdown_syntax(body, allowed_html=OWN_HTML, allowed_headings={"cjrec plan"}) == [], what
    assert terminal_unsafe(body) == [], what


def assert_safe_drift_summary(body: str) -> None:
    """The drift job's summary is a heading and the text plan in one code fence the plan cannot close."""
    assert body.startswith("### cjrec drift check\n"), body[:100]
    assert [t.type for t in tokens(body) if t.type in ("fence", "code_block")] == ["fence"], "the plan left its fence"
    assert markdown_syntax(body, allowed_html=OWN_HTML, allowed_headings={"cjrec drift check"}) == []
    assert terminal_unsafe(body) == [], "drift summary"


def assert_safe_log(text: str, what: str) -> None:
    assert terminal_unsafe(text) == [], f"{what}: {text[:300]!r}"
    assert not FAKE_LINE.search(text), f"{what}: {FAKE_LINE.search(text)}"


def test_github_summary_comment_and_logs_are_safe(hostile: Repo) -> None:
    repo = hostile
    plan = repo.runner().run_job("plan")

    assert plan.ok, [(s.name, s.output[-500:]) for s in plan.steps if s.exit_code]
    assert plan.outputs["exitcode"] == "2"
    assert_safe_markdown(plan.summary, "step summary")
    [comment] = repo.comments()
    assert_safe_markdown(str(comment["body"]), "pull-request comment")
    for step in plan.steps:
        assert_safe_log(step.output, f"plan job, step {step.name!r}")

    with_git_remote(repo)
    applied_then_drifted(repo, {**repo.env, "SOPS_AGE_KEY": repo.private_key()})
    drift = repo.runner().run_job("drift")
    assert drift.step("Commit the state").exit_code == 0, drift.step("Commit the state").output[-1000:]
    assert drift.step("Fail on material drift").exit_code == 2  # CJ stopped selling a product: material drift
    assert_safe_drift_summary(drift.summary)
    assert "not found or offline" in drift.summary, drift.summary[-1500:]
    for step in drift.steps:
        assert_safe_log(step.output, f"drift job, step {step.name!r}")


GITLAB_PUSH_URL = "https://oauth2:test-token@127.0.0.1/acme/shop.git"
TEMPLATE = Path(__file__).parents[2] / "reconciler" / "templates" / "gitlab-ci.yml"


def with_git_remote(repo: Repo) -> None:
    """The repository committed and pushed to a bare remote, which GitLab's push URL also leads to."""
    repo.commit_and_push_to_origin()
    repo.sh("git", "config", f"url.{repo.origin.as_uri()}.insteadOf", GITLAB_PUSH_URL)  # no network: stays local


def applied_then_drifted(repo: Repo, env: dict[str, str]) -> None:
    """The hostile products applied and the state committed; then CJ takes one of them offline."""
    done = subprocess.run(
        ["cjrec", "apply", "--auto-approve"], cwd=repo.path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr
    repo.sh("git", "add", "state/")
    repo.sh("git", "commit", "-q", "-m", "applied")
    repo.sh("git", "push", "-q")
    managed = [pid for pid in repo.sandbox.my_product_ids() if pid in (repo.path / "manifests" / "products.yaml").read_text()]
    repo.sandbox.set_product(managed[0], offline=True)


def gitlab_script(job: str, index: int) -> str:
    return textwrap.dedent(yaml.safe_load(TEMPLATE.read_text())[job]["script"][index])


def test_gitlab_merge_request_note_and_logs_are_safe(hostile: Repo) -> None:
    repo = hostile
    env = {**repo.env, "SOPS_AGE_KEY": repo.private_key()}
    plan_script = gitlab_script("plan", 1)
    assert "> plan.md" in plan_script and "cat plan.md" in plan_script
    assert "body@plan.md" in gitlab_script("plan", 2)  # what the note posts

    done = subprocess.run(
        ["bash", "-e", "-c", plan_script], cwd=repo.path, env=env, capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert_safe_markdown((repo.path / "plan.md").read_text(encoding="utf-8"), "merge-request note")
    assert_safe_log(done.stdout + done.stderr, "plan job log")
    with_git_remote(repo)
    applied_then_drifted(repo, env)
    drifted = run_gitlab_drift_job(repo, env)
    assert drifted.returncode == 2, drifted.stderr
    assert_safe_log(drifted.stdout + drifted.stderr, "drift job log")
    pushed = repo.sh("git", "log", "-1", "--format=%s", "main", cwd=repo.origin).stdout
    assert pushed.startswith("cjrec: record state after the daily refresh"), pushed  # and the watch reads it


def run_gitlab_drift_job(repo: Repo, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The drift job's script; its push to GitLab's URL lands in the local bare remote."""
    template = yaml.safe_load(TEMPLATE.read_text())
    job_env = {
        **env,
        **template["drift"]["variables"],
        "CI_SERVER_HOST": "127.0.0.1",
        "CI_PROJECT_PATH": "acme/shop",
        "CI_COMMIT_BRANCH": "main",
        "CJREC_GITLAB_TOKEN": "test-token",
    }
    return subprocess.run(
        ["bash", "-c", gitlab_script("drift", 0)], cwd=repo.path, env=job_env, capture_output=True, text=True, check=False
    )
