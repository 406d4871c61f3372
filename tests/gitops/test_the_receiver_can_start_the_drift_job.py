"""The pipelines `cjrec init` writes run their drift job when the receiver triggers them, re-reading only what CJ named.

GitHub: ``repository_dispatch`` of type ``cjrec-events`` starts the drift job (and no other);
GitLab: a pipeline trigger (``$CI_PIPELINE_SOURCE == "trigger"``) runs the drift job only.
The drift step's own script runs here with a stand-in ``cjrec`` that records its arguments:
a triggered run re-reads only the products the messages named (``--refresh-events``).
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.cli.init_command import template

FAKE_CJREC = """#!/bin/sh
echo "$@" >> "$CJREC_ARGS_LOG"
exit 0
"""


def _fake_cjrec(tmp_path: Path) -> dict[str, str]:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "cjrec").write_text(FAKE_CJREC)
    (tools / "cjrec").chmod(0o755)
    return {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}", "CJREC_ARGS_LOG": str(tmp_path / "args")}


def _cjrec_args(script: str, *, cwd: Path, env: dict[str, str]) -> str:
    """Run a job's script with the stand-in cjrec; the one command line it was called with."""
    done = subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    [args] = Path(env["CJREC_ARGS_LOG"]).read_text().splitlines()
    return args


def test_github_runs_only_the_drift_job_on_a_cjrec_events_dispatch() -> None:
    workflow: dict[Any, Any] = yaml.safe_load(template("github-workflow.yml"))
    triggers = workflow[True]  # PyYAML reads the key `on` as True
    assert triggers["repository_dispatch"] == {"types": ["cjrec-events"]}
    jobs = workflow["jobs"]
    assert "github.event_name == 'repository_dispatch'" in jobs["drift"]["if"]
    for name in ("plan", "apply"):
        assert "repository_dispatch" not in jobs[name]["if"]


@pytest.mark.parametrize(("event", "tail"), [("repository_dispatch", " --refresh-events"), ("schedule", "")])
def test_a_dispatched_github_drift_job_re_reads_only_the_named_products(tmp_path: Path, event: str, tail: str) -> None:
    workflow: dict[Any, Any] = yaml.safe_load(template("github-workflow.yml"))
    drift = workflow["jobs"]["drift"]
    step = next(s for s in drift["steps"] if str(s.get("name", "")).startswith("Refresh"))
    env = {
        **_fake_cjrec(tmp_path),
        "GITHUB_EVENT_NAME": event,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "CJREC_REFRESH_BUDGET": "20000",  # as `vars.… || '20000'` evaluates with no variable set
    }
    assert set(drift["env"]) == {"CJREC_REFRESH_BUDGET"}
    args = _cjrec_args(textwrap.dedent(step["run"]), cwd=tmp_path, env=env)
    assert args.endswith(f"--refresh-only --auto-approve --detailed-exitcode --refresh-budget 20000{tail}")


def test_gitlab_runs_only_the_drift_job_on_a_pipeline_trigger() -> None:
    pipeline: dict[str, Any] = yaml.safe_load(template("gitlab-ci.yml"))
    assert {"if": '$CI_PIPELINE_SOURCE == "trigger"'} in pipeline["drift"]["rules"]
    for name in ("plan", "apply"):
        assert all("trigger" not in rule["if"] for rule in pipeline[name]["rules"])


@pytest.mark.parametrize(("source", "tail"), [("trigger", " --refresh-events"), ("schedule", "")])
def test_a_triggered_gitlab_drift_job_re_reads_only_the_named_products(tmp_path: Path, source: str, tail: str) -> None:
    pipeline: dict[str, Any] = yaml.safe_load(template("gitlab-ci.yml"))
    drift = pipeline["drift"]
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    (tmp_path / "repo" / "state").mkdir()
    (tmp_path / "repo" / "state" / "README.md").write_text("state\n")  # unchanged by the stand-in: nothing pushed
    subprocess.run(["git", "add", "state"], cwd=tmp_path / "repo", check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "state"],
        cwd=tmp_path / "repo",
        check=True,
    )
    env = {**_fake_cjrec(tmp_path), **drift["variables"], "CI_PIPELINE_SOURCE": source}
    args = _cjrec_args(drift["script"][0], cwd=tmp_path / "repo", env=env)
    assert args.endswith(f"--refresh-budget 20000{tail}")
