"""cjrec init --accounts: per-account sops rules and keys, and the matrix pipeline it writes, run here.

The GitHub workflow's shell steps run with the test's workflow runner (tests/gitops/ci_runner.py)
against two sandbox accounts behind one CJ address: the `changes` job lists the accounts a pull
request touches with `cjrec accounts list --changed-since`, one plan job runs per account
with only that account's age key (its GitHub Environment's secret) and uploads its part of the
comment, and the `comment` job puts the parts together as one pull-request comment, updated in
place on the next push. Both files pass actionlint and the published schemas.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.accounts.pipeline_repo import BIN, NAMES, Pipeline, git, pipeline_repo
from tests.support.workspace import Workspace


@pytest.fixture
def pipeline(workspace: Workspace) -> Iterator[Pipeline]:
    with pipeline_repo(workspace) as made:
        yield made


@pytest.mark.parametrize(
    ("schema", "relpath"),
    [("vendor.github-workflows", ".github/workflows/cjrec.yml"), ("vendor.gitlab-ci", ".gitlab-ci.yml")],
)
def test_the_matrix_pipelines_pass_their_schemas(pipeline: Pipeline, schema: str, relpath: str) -> None:
    done = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", schema, relpath],
        cwd=pipeline.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_matrix_workflow_passes_actionlint(pipeline: Pipeline) -> None:
    done = subprocess.run(
        [str(BIN / "actionlint"), ".github/workflows/cjrec.yml"],
        cwd=pipeline.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_each_account_applies_in_its_own_group_with_its_own_environment(pipeline: Pipeline) -> None:
    workflow = yaml.safe_load((pipeline.root / ".github/workflows/cjrec.yml").read_text())
    apply = workflow["jobs"]["apply"]
    assert apply["concurrency"] == {"group": "cjrec-apply-${{ matrix.account }}", "cancel-in-progress": False}
    assert apply["environment"] == "${{ matrix.account }}"
    assert apply["strategy"]["matrix"]["account"] == "${{ fromJSON(needs.changes.outputs.accounts) }}"
    gitlab = yaml.safe_load((pipeline.root / ".gitlab-ci.yml").read_text())
    assert gitlab[".account"]["parallel"]["matrix"] == [{"ACCOUNT": list(NAMES)}]
    assert gitlab["apply"]["resource_group"] == "cjrec-apply-$ACCOUNT"


def test_one_accounts_change_plans_only_it_and_a_common_change_plans_both(pipeline: Pipeline, tmp_path: Path) -> None:
    settings = pipeline.root / "accounts/south/manifests/settings.yaml"
    settings.write_text(settings.read_text().replace("qps: 10", "qps: 9"))
    assert pipeline.changed(tmp_path / "one") == ["south"]
    code, report = pipeline.plan(tmp_path / "one", "south")
    assert code == 0, report
    assert "## Account `south`" in report and "2 to create" in report
    body = pipeline.comment(tmp_path / "one", ["south"])
    assert body.startswith("<!-- cjrec-plan -->") and "## Account `south`" in body and "north" not in body
    git(pipeline.root, "commit", "-q", "-am", "south only")
    common = pipeline.root / "common/products.yaml"
    common.write_text(common.read_text() + "# edited\n")
    assert pipeline.changed(tmp_path / "two") == ["north", "south"]
    for name in NAMES:
        code, report = pipeline.plan(tmp_path / "two", name)
        assert code == 0, report
        assert f"## Account `{name}`" in report
    body = pipeline.comment(tmp_path / "two", ["north", "south"])  # the same comment, updated: still one
    assert body.count("<!-- cjrec-plan -->") == 1
    assert body.index("## Account `north`") < body.index("## Account `south`")
    assert "| `north` | 2 | 2 to create |" in body and "| `south` | 2 | 2 to create |" in body


def test_an_accounts_key_opens_only_its_own_files(pipeline: Pipeline, tmp_path: Path) -> None:
    runner = pipeline.runner(
        tmp_path, **{"matrix.account": "south", "secrets.SOPS_AGE_KEY": pipeline.keys["north"].private}
    )
    job = runner.run_job("plan")
    assert not job.ok
    output = job.step("Plan").output
    assert "accounts/south/manifests/credentials.sops.yaml" in output
    assert "Traceback" not in output
    pipeline.ws.watch.record(output)
    assert pipeline.sandboxes["south"].calls() == []
    body = pipeline.comment(tmp_path, ["north", "south"])  # north's plan job never ran
    assert "| `south` | 1 |" in body and "**Failed:**" in body
    assert "| `north` | – | no plan: its plan job wrote none" in body


def test_sops_rules_give_each_account_its_own_rule() -> None:
    from reconciler.cli.init_command import account_sops_rules

    rules = yaml.safe_load(account_sops_rules(["eu", "us"], "age1example"))["creation_rules"]
    assert [rule["path_regex"] for rule in rules] == [
        "accounts/eu/manifests/.*\\.sops\\.ya?ml$",
        "accounts/eu/state/token\\.sops\\.json$",
        "accounts/us/manifests/.*\\.sops\\.ya?ml$",
        "accounts/us/state/token\\.sops\\.json$",
    ]


def test_init_refuses_an_unusable_account_name(workspace: Workspace) -> None:
    result = workspace.cli("init", "new", "--accounts", "EU Store", "--age-recipient", "age1example")
    assert result.exit_code == 1
    assert "'EU Store'" in result.stderr and "lower-case" in result.stderr
    assert not (workspace.root / "new").exists() or not any((workspace.root / "new").iterdir())


def test_on_merge_only_the_touched_account_is_applied_and_its_state_pushed(pipeline: Pipeline, tmp_path: Path) -> None:
    git(pipeline.root, "checkout", "-q", "main")
    before = git(pipeline.root, "rev-parse", "HEAD").strip()
    own = pipeline.root / "accounts/south/manifests/own.yaml"
    pid = pipeline.sandboxes["south"].catalog_pids("on_sale")[10]
    from reconciler.models.product_url import product_url

    own.write_text(
        "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: own}\nspec:\n"
        f"  items:\n    - productUrl: {product_url(pid, 'item')}\n"
    )
    git(pipeline.root, "add", "-A")
    git(pipeline.root, "commit", "-q", "-m", "south sells one more")
    git(pipeline.root, "push", "-q", "origin", "main")
    push = {"github.event_name": "push", "github.event.before": before}
    changes = pipeline.runner(tmp_path, **push).run_job("changes")
    assert changes.ok and json.loads(changes.outputs["accounts"]) == ["south"]
    runner = pipeline.runner(
        tmp_path, **push, **{"matrix.account": "south", "secrets.SOPS_AGE_KEY": pipeline.keys["south"].private}
    )
    job = runner.run_job("apply")
    output = "\n".join(f"[{step.name}] {step.output}" for step in job.steps)
    pipeline.ws.watch.record(output)
    assert job.ok, output
    added = [c for c in pipeline.sandboxes["south"].calls() if str(c.get("path", "")).endswith("/addToMyProduct")]
    assert len(added) == 3  # the two common products and its own
    assert [c for c in pipeline.sandboxes["north"].calls() if str(c.get("path", "")).endswith("/addToMyProduct")] == []
    origin = pipeline.root.parent / "origin.git"
    log = git(origin, "log", "--format=%s", "-n", "1", "main")
    assert log.strip() == "cjrec: record the state of south after apply [skip ci]"
    files = git(origin, "ls-tree", "-r", "--name-only", "main", "accounts/")
    assert "accounts/south/state/sync.json" in files and "accounts/north/state/sync.json" not in files
