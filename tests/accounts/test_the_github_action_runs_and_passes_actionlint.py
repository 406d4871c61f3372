"""action.yml: the composite action's steps run with the test's workflow runner, and a workflow using it passes actionlint."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.accounts.conftest import Accounts
from tests.gitops.ci_runner import JobResult, WorkflowRunner
from tests.gitops.installs import REPO

BIN = Path(sys.executable).parent
ACTION = REPO / "action.yml"


def _run_action(accounts: Accounts, tmp: Path, **inputs: str) -> JobResult:
    action = yaml.safe_load(ACTION.read_text())
    defaults = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    workflow = tmp / "action-as-job.yml"
    workflow.write_text(yaml.safe_dump({"jobs": {"action": {"steps": action["runs"]["steps"]}}}))
    runner = WorkflowRunner(
        workflow,
        repo=tmp,  # the action runs from elsewhere; working-directory points at the repository
        tools=tmp / "tools",
        env={
            "CJREC_API_URL": accounts.router.base_url,
            "SOPS_AGE_KEY": accounts.ws.key.private,
            "SOPS_DISABLE_VERSION_CHECK": "1",
            "HOME": str(tmp / "home"),
            "RUNNER_TEMP": str(tmp / "runner-temp"),
            "GITHUB_ACTION_PATH": str(REPO),
        },
        expressions={
            **{f"inputs.{name}": value for name, value in {**defaults, **inputs}.items()},
            "github.action_path": str(REPO),
            "runner.os": "Linux",
        },
    )
    job = runner.run_job("action")
    accounts.ws.watch.record("\n".join(step.output for step in job.steps))
    return job


def test_the_action_plans_every_account_and_hands_back_the_exit_code_and_plan(
    two_accounts: Accounts, tmp_path: Path
) -> None:
    pids = two_accounts.sandboxes["north"].catalog_pids("on_sale")[3:5]
    two_accounts.products("common/products.yaml", pids)
    job = _run_action(
        two_accounts,
        tmp_path,
        command="plan",
        args="--all --detailed-exitcode",
        **{"working-directory": str(two_accounts.ws.root)},
    )
    assert job.ok, [step.output for step in job.steps]
    assert job.outputs["exitcode"] == "2"
    markdown = Path(job.outputs["plan-markdown"]).read_text()
    assert "## Account `north`" in markdown and "## Account `south`" in markdown
    assert "plan-json" not in job.outputs  # many accounts: no single saved plan


def test_the_action_saves_one_accounts_plan_as_json(two_accounts: Accounts, tmp_path: Path) -> None:
    two_accounts.products("common/products.yaml", two_accounts.sandboxes["north"].catalog_pids("on_sale")[3:4])
    job = _run_action(
        two_accounts,
        tmp_path,
        command="plan",
        args="--accounts south",
        **{"working-directory": str(two_accounts.ws.root)},
    )
    assert job.ok, [step.output for step in job.steps]
    assert job.outputs["exitcode"] == "0"
    plan = json.loads(Path(job.outputs["plan-json"]).read_text())
    assert plan["summary"]["create"] == 1


def test_an_error_fails_the_step_with_exit_code_1(two_accounts: Accounts, tmp_path: Path) -> None:
    job = _run_action(
        two_accounts,
        tmp_path,
        command="plan",
        args="--accounts west",
        **{"working-directory": str(two_accounts.ws.root)},
    )
    assert not job.ok
    assert job.outputs["exitcode"] == "1"
    assert "west is not an account" in job.step("Run cjrec").output


def test_hostile_input_text_is_never_run_as_shell(two_accounts: Accounts, tmp_path: Path) -> None:
    job = _run_action(
        two_accounts,
        tmp_path,
        command="accounts",
        args='list $(touch pwned) `touch pwned2` "; touch pwned3"',
        **{"working-directory": str(two_accounts.ws.root)},
    )
    assert not any((two_accounts.ws.root / name).exists() or (tmp_path / name).exists() for name in ("pwned", "pwned2"))
    assert job.outputs["exitcode"] == "1"


def test_every_input_reaches_the_scripts_through_env_only() -> None:
    action = yaml.safe_load(ACTION.read_text())
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")
        if "run" in step:
            assert step["shell"] == "bash"


def test_a_workflow_using_the_action_passes_actionlint(tmp_path: Path) -> None:
    (tmp_path / "cjrec").mkdir()
    shutil.copy(ACTION, tmp_path / "cjrec" / "action.yml")  # as `uses: OWNER/cjrec@…` would check it out
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/use.yml").write_text(
        """\
name: use
on: [pull_request]
jobs:
  plan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - uses: ./cjrec
        id: cjrec
        with:
          command: plan
          args: --all --detailed-exitcode
          working-directory: .
          python-version: "3.12"
      - run: echo "exit $EXITCODE, plan at $PLAN"
        env:
          EXITCODE: ${{ steps.cjrec.outputs.exitcode }}
          PLAN: ${{ steps.cjrec.outputs.plan-markdown }}
"""
    )
    done = subprocess.run(
        [str(BIN / "actionlint"), ".github/workflows/use.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    bad = (tmp_path / ".github/workflows/use.yml").read_text().replace("working-directory: .", "workdir: .")
    (tmp_path / ".github/workflows/use.yml").write_text(bad)
    done = subprocess.run(
        [str(BIN / "actionlint"), ".github/workflows/use.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "workdir" in done.stdout  # actionlint really checks the inputs against action.yml
