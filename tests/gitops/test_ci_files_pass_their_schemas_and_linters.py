"""The CI pipelines `cjrec init` writes pass GitHub's and GitLab's published schemas and actionlint (offline)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli.init_command import template

BIN = Path(sys.executable).parent


@pytest.fixture
def rendered(tmp_path: Path) -> Path:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "cjrec.yml").write_text(template("github-workflow.yml"))
    (tmp_path / ".gitlab-ci.yml").write_text(template("gitlab-ci.yml"))
    return tmp_path


@pytest.mark.parametrize(
    ("schema", "relpath"),
    [("vendor.github-workflows", ".github/workflows/cjrec.yml"), ("vendor.gitlab-ci", ".gitlab-ci.yml")],
)
def test_workflow_files_validate_against_their_published_schemas(rendered: Path, schema: str, relpath: str) -> None:
    done = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", schema, relpath],
        cwd=rendered,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_github_workflow_passes_actionlint_including_deprecated_action_versions(rendered: Path) -> None:
    done = subprocess.run(
        [str(BIN / "actionlint"), ".github/workflows/cjrec.yml"],
        cwd=rendered,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_apply_jobs_never_run_twice_at_once_and_are_never_cancelled() -> None:
    import yaml

    github = yaml.safe_load(template("github-workflow.yml"))
    apply = github["jobs"]["apply"]["concurrency"]
    assert apply == {"group": "cjrec-apply", "cancel-in-progress": False}
    assert github["jobs"]["drift"]["concurrency"]["group"] == "cjrec-apply"
    gitlab = yaml.safe_load(template("gitlab-ci.yml"))
    assert gitlab["apply"]["resource_group"] == gitlab["drift"]["resource_group"] == "cjrec-apply"
