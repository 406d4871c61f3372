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
from tests.gitops.test_pipeline_from_init_to_second_run import BIN, Repo
from tests.hostile_text import markdown_syntax, terminal_unsafe

OWN_HTML = re.compile(r"<!-- cjrec-plan -->|<details( open)?><summary>[A-Za-z ()0-9]+</summary>|</details>")
FAKE_LINE = re.compile(r"^(::(?!error title=CJ drifted::)|FAKE|ok |## |Apply complete: 0 failed)", re.MULTILINE)


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Repo]:
    """A repository made by `cjrec init` with encrypted credentials, and products CJ names with hostile text."""
    with Sandbox(SandboxConfig(qps=10, products=60, seed=21)) as sandbox:
        repo = Repo(tmp_path, sandbox)
        repo.sh(str(BIN / "cjrec"), "init", str(repo.path), cwd=tmp_path)
        configure(repo)
        yield repo


def configure(repo: Repo) -> None:
    creds = repo.path / "manifests" / "credentials.sops.yaml"
    creds.write_text(
        creds.read_text().replace("you@example.com", DEMO_EMAIL).replace("REPLACE-WITH-YOUR-CJ-API-KEY", DEMO_API_KEY)
    )
    repo.sh("sops", "--encrypt", "--in-place", "manifests/credentials.sops.yaml")
    settings = repo.path / "manifests" / "settings.yaml"
    settings.write_text(settings.read_text().replace("qps: 1 ", "qps: 10"))  # the sandbox's rate: a faster test
    assert "qps: 10" in settings.read_text()
    pids = repo.sandbox.catalog_pids("on_sale")[3 : 3 + len(HOSTILE_NAMES)]
    repo.sandbox.make_hostile(pids)
    repo.products(pids[:6])
    repo.sandbox.add_to_my_products(*pids[6:])  # unmanaged: listed in the plan by CJ's name


def assert_safe_markdown(body: str, what: str) -> None:
    assert body.startswith("<!-- cjrec-plan -->"), what
    assert markdown_syntax(body, allowed_html=OWN_HTML, allowed_headings={"cjrec plan"}) == [], what
    assert terminal_unsafe(body) == [], what


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

    drift = repo.runner().run_job("drift")
    assert not drift.ok  # the unapplied products are a difference: the drift check fails visibly
    assert_safe_markdown(drift.summary, "drift summary")
    for step in drift.steps:
        assert_safe_log(step.output, f"drift job, step {step.name!r}")


def gitlab_script(job: str, index: int) -> str:
    template = Path(__file__).parents[2] / "reconciler" / "templates" / "gitlab-ci.yml"
    return textwrap.dedent(yaml.safe_load(template.read_text())[job]["script"][index])


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
    drift_script = gitlab_script("drift", 0)
    drifted = subprocess.run(
        ["bash", "-c", drift_script], cwd=repo.path, env=env, capture_output=True, text=True, check=False
    )
    assert drifted.returncode == 2, drifted.stderr
    assert_safe_log(drifted.stdout + drifted.stderr, "drift job log")
