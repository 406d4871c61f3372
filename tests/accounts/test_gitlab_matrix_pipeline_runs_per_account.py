"""The `.gitlab-ci.yml` of `cjrec init --accounts`, executed job by job against two sandbox accounts.

tests/gitops/gitlab_runner.py runs each job's script as GitLab would (extends, parallel:matrix,
rules, before_script, artifacts into later stages), with each account's key as its own CI/CD
variable ``SOPS_AGE_KEY_<NAME>``. A merge request touching one account plans only it (the other
matrix job stops at once); a change under common/ plans both; the comment stage makes one
merge-request note from the plan jobs' parts and updates it on the next pipeline; on the
default branch only the touched account is applied and its state pushed. The file passes
GitLab's published schema (check-jsonschema's vendor.gitlab-ci, in the test environment).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.models.product_url import product_url
from tests.accounts.pipeline_repo import BIN, NAMES, Pipeline, git, pipeline_repo
from tests.gitops.gitlab_runner import GitLabPipeline, JobRun
from tests.support.workspace import Workspace

HOST, PROJECT = "gitlab.example.com", "owner/stores"
TOKEN = "glpat-not-a-real-token"


@pytest.fixture
def pipeline(workspace: Workspace) -> Iterator[Pipeline]:
    with pipeline_repo(workspace) as made:
        made.ws.watch.secrets.add(TOKEN)
        yield made


def _gitlab(pipeline: Pipeline, tools: Path, **variables: str) -> GitLabPipeline:
    return GitLabPipeline(
        pipeline.root / ".gitlab-ci.yml",
        repo=pipeline.root,
        tools=tools,
        variables={
            **pipeline.job_env(),
            "CI_SERVER_HOST": HOST,
            "CI_PROJECT_PATH": PROJECT,
            "CI_API_V4_URL": f"https://{HOST}/api/v4",
            "CI_PROJECT_ID": "42",
            "CI_DEFAULT_BRANCH": "main",
            "CJREC_GITLAB_TOKEN": TOKEN,
            "GITLAB_NOTES": str(pipeline.root.parent / "notes.json"),  # the merge request's, across pipelines
            **{f"SOPS_AGE_KEY_{name.upper()}": key.private for name, key in pipeline.keys.items()},
            **variables,
        },
        git_remote=(f"https://oauth2:{TOKEN}@{HOST}/{PROJECT}.git", pipeline.root.parent / "origin.git"),
    )


def _merge_request(pipeline: Pipeline, tools: Path) -> GitLabPipeline:
    base = git(pipeline.root, "merge-base", "main", "HEAD").strip()
    return _gitlab(
        pipeline,
        tools,
        CI_PIPELINE_SOURCE="merge_request_event",
        CI_MERGE_REQUEST_DIFF_BASE_SHA=base,
        CI_MERGE_REQUEST_IID="7",
        CI_COMMIT_BRANCH="",
    )


def _by_account(runs: list[JobRun]) -> dict[str, JobRun]:
    return {run.variables["ACCOUNT"]: run for run in runs}


def _note(pipeline: Pipeline) -> str:
    notes = json.loads((pipeline.root.parent / "notes.json").read_text())
    assert len(notes) == 1, [note["body"][:80] for note in notes]
    body: str = notes[0]["body"]
    pipeline.ws.watch.record(body)
    return body


def test_the_gitlab_file_passes_gitlabs_schema(pipeline: Pipeline) -> None:
    done = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", ".gitlab-ci.yml"],
        cwd=pipeline.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_merge_request_plans_the_touched_accounts_and_keeps_one_note(pipeline: Pipeline, tmp_path: Path) -> None:
    settings = pipeline.root / "accounts/south/manifests/settings.yaml"
    settings.write_text(settings.read_text().replace("qps: 10", "qps: 9"))
    git(pipeline.root, "commit", "-q", "-am", "south only")
    first = _merge_request(pipeline, tmp_path / "one")
    plans = _by_account(first.run_stage("plan"))
    for run in plans.values():
        pipeline.ws.watch.record(run.log)
    assert set(plans) == set(NAMES) and all(run.exit_code == 0 for run in plans.values()), [
        r.log for r in plans.values()
    ]
    assert "north is not touched by this change" in plans["north"].log
    assert "## Account `south`" in plans["south"].log and "2 to create" in plans["south"].log
    assert pipeline.sandboxes["north"].calls() == []
    (comment,) = first.run_stage("comment")
    assert comment.exit_code == 0, comment.log
    note = _note(pipeline)
    assert note.startswith("<!-- cjrec-plan -->") and "| `south` | 2 | 2 to create |" in note and "north" not in note

    common = pipeline.root / "common/products.yaml"
    common.write_text(common.read_text() + "# edited\n")
    git(pipeline.root, "commit", "-q", "-am", "both")
    second = _merge_request(pipeline, tmp_path / "two")
    plans = _by_account(second.run_stage("plan"))
    assert all(run.exit_code == 0 and "2 to create" in run.log for run in plans.values()), [
        r.log for r in plans.values()
    ]
    (comment,) = second.run_stage("comment")
    assert comment.exit_code == 0, comment.log
    note = _note(pipeline)  # the same note, updated
    assert "| `north` | 2 | 2 to create |" in note and "| `south` | 2 | 2 to create |" in note


def test_on_the_default_branch_only_the_touched_account_is_applied_and_pushed(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    git(pipeline.root, "checkout", "-q", "main")
    before = git(pipeline.root, "rev-parse", "HEAD").strip()
    pid = pipeline.sandboxes["south"].catalog_pids("on_sale")[10]
    (pipeline.root / "accounts/south/manifests/own.yaml").write_text(
        "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: own}\nspec:\n"
        f"  items:\n    - productUrl: {product_url(pid, 'item')}\n"
    )
    git(pipeline.root, "add", "-A")
    git(pipeline.root, "commit", "-q", "-m", "south sells one more")
    git(pipeline.root, "push", "-q", "origin", "main")
    push = _gitlab(pipeline, tmp_path, CI_PIPELINE_SOURCE="push", CI_COMMIT_BRANCH="main", CI_COMMIT_BEFORE_SHA=before)
    assert [run.ran for run in push.run_stage("plan")] == [False, False]  # plans run for merge requests only
    applied = _by_account(push.run_stage("apply"))
    for run in applied.values():
        pipeline.ws.watch.record(run.log)
    assert all(run.exit_code == 0 for run in applied.values()), [run.log for run in applied.values()]
    assert "north is not touched by this change" in applied["north"].log
    added = [c for c in pipeline.sandboxes["south"].calls() if str(c.get("path", "")).endswith("/addToMyProduct")]
    assert len(added) == 3  # the two common products and its own
    assert pipeline.sandboxes["north"].calls() == []
    origin = pipeline.root.parent / "origin.git"
    assert git(origin, "log", "--format=%s", "-n", "1", "main").strip() == (
        "cjrec: record the state of south after apply [skip ci]"
    )
    files = git(origin, "ls-tree", "-r", "--name-only", "main", "accounts/")
    assert "accounts/south/state/sync.json" in files and "accounts/north/state/sync.json" not in files


def test_an_account_whose_key_is_missing_fails_its_job_and_the_note_says_so(pipeline: Pipeline, tmp_path: Path) -> None:
    common = pipeline.root / "common/products.yaml"
    common.write_text(common.read_text() + "# edited\n")
    git(pipeline.root, "commit", "-q", "-am", "both")
    run = _merge_request(pipeline, tmp_path)
    run.variables["SOPS_AGE_KEY_NORTH"] = pipeline.keys["south"].private  # north's variable holds south's key
    plans = _by_account(run.run_stage("plan"))
    assert plans["north"].exit_code == 1 and plans["south"].exit_code == 0
    assert "Traceback" not in plans["north"].log
    pipeline.ws.watch.record(plans["north"].log)
    assert pipeline.sandboxes["north"].calls() == []
    (comment,) = run.run_stage("comment")  # when: always
    assert comment.exit_code == 0, comment.log
    note = _note(pipeline)
    assert "| `north` | 1 |" in note and "**Failed:**" in note and "| `south` | 2 | 2 to create |" in note
