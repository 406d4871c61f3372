"""cjrec's own CI and release workflows pass GitHub's published schema and actionlint (offline),
and the release publishes with trusted publishing: OIDC, no stored token, only from a v* tag."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
FILES = [".github/workflows/ci.yml", ".github/workflows/release.yml"]


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


@pytest.mark.parametrize("relpath", FILES)
def test_each_workflow_validates_against_githubs_published_schema(relpath: str) -> None:
    done = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", relpath],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflows_pass_actionlint_including_deprecated_action_versions() -> None:
    done = subprocess.run(
        [str(BIN / "actionlint"), *FILES], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ci_runs_the_same_entry_point_as_a_developer() -> None:
    ci = load("ci.yml")
    assert {"push", "pull_request", "workflow_call"} <= set(ci["on"])
    steps = ci["jobs"]["ci"]["steps"]
    assert [s.get("run") for s in steps if "run" in s] == [".ci/run"]
    run = (REPO / ".ci" / "run").read_text()
    assert run.index("make lint") < run.index("make dist") < run.index("make test")


def test_the_release_publishes_only_from_a_tag_with_oidc_and_no_stored_token() -> None:
    release = load("release.yml")
    assert release["on"] == {"push": {"tags": ["v*"]}}
    assert release["permissions"] == {"contents": "read"}
    jobs = release["jobs"]
    assert jobs["ci"]["uses"] == "./.github/workflows/ci.yml"
    publish = jobs["publish"]
    assert set(publish["needs"]) == {"ci", "build"}
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    uses = [s["uses"] for s in publish["steps"] if "uses" in s]
    assert any(u.startswith("pypa/gh-action-pypi-publish@") for u in uses)
    text = (WORKFLOWS / "release.yml").read_text()
    assert "secrets." not in text  # trusted publishing: no PyPI token, password or API key anywhere
    assert "password" not in text.lower()


def test_the_release_builds_once_checks_with_twine_and_attaches_the_same_files() -> None:
    jobs = load("release.yml")["jobs"]
    build = "\n".join(s.get("run", "") for s in jobs["build"]["steps"])
    assert "python -m build" in build and "twine check --strict dist/*" in build
    assert "GITHUB_REF_NAME" in build  # the tag must name pyproject's version
    release = jobs["github-release"]
    assert release["needs"] == "publish"
    assert release["permissions"] == {"contents": "write"}
    assert "gh release create" in "\n".join(s.get("run", "") for s in release["steps"])
    for job in ("publish", "github-release"):
        downloads = [s for s in jobs[job]["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact@")]
        assert downloads and downloads[0]["with"]["name"] == "dist"
