"""A many-account repository made by `cjrec init --accounts`, committed, with a bare origin, for the pipeline tests.

Two accounts, north and south, each with its own age key (south's rules in .sops.yaml point
at its own key) and its own sandbox account behind one CJ address; `common/products.yaml`
holds two products both include. The work tree is on a branch `change` off `main`, which is
pushed to the bare `origin.git` beside it. Used by the GitHub and the GitLab pipeline tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reconciler.sandbox import Sandbox, SandboxConfig
from tests.accounts.conftest import EMAILS, KEYS
from tests.gitops.ci_runner import WorkflowRunner
from tests.support.account_router import AccountRouter
from tests.support.sops_keys import AgeKey, make_age_key
from tests.support.workspace import Workspace

BIN = Path(sys.executable).parent
NAMES = ("north", "south")


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


class Pipeline:
    """The repository, each account's key and sandbox, and the GitHub jobs run on it."""

    def __init__(self, ws: Workspace, keys: dict[str, AgeKey], router: AccountRouter, sandboxes: dict[str, Sandbox]):
        self.ws, self.keys, self.router, self.sandboxes = ws, keys, router, sandboxes
        self.root = ws.root

    def job_env(self) -> dict[str, str]:
        """What every CI job of the tests gets: the sandboxes' address, no colour, a home of its own."""
        return {
            "CJREC_API_URL": self.router.base_url,
            "SOPS_DISABLE_VERSION_CHECK": "1",
            "NO_COLOR": "1",
            "HOME": str(self.root.parent / "home"),
        }

    def runner(self, tools: Path, **expressions: str) -> WorkflowRunner:
        base = {
            "github.event_name": "pull_request",
            "github.base_ref": "main",
            "github.event.before": "",
            "github.event.pull_request.number": "7",
            "github.token": "not-a-real-token",
        }
        return WorkflowRunner(
            self.root / ".github/workflows/cjrec.yml",
            repo=self.root,
            tools=tools,
            env={
                **self.job_env(),
                "GITHUB_REPOSITORY": "owner/stores",
                "GH_STUB_STORE": str(self.root.parent / "comments.json"),  # the pull request's, across runs
            },
            expressions={**base, **expressions},
        )

    def changed(self, tools: Path) -> list[str]:
        job = self.runner(tools).run_job("changes")
        assert job.ok, [step.output for step in job.steps]
        self.ws.watch.record("\n".join(step.output for step in job.steps))
        names: list[str] = json.loads(job.outputs["accounts"])
        return names

    def comment(self, tools: Path, accounts: list[str]) -> str:
        """Run the comment job after the plan jobs of this run; the pull request's one comment."""
        shutil.rmtree(self.root / "cjrec-comment", ignore_errors=True)  # the plan jobs ran on other machines
        job = self.runner(tools, **{"needs.changes.outputs.accounts": json.dumps(accounts)}).run_job("comment")
        output = "\n".join(f"[{step.name}] {step.output}" for step in job.steps)
        self.ws.watch.record(output + job.summary)
        assert job.ok, output
        comments = json.loads((self.root.parent / "comments.json").read_text())
        assert len(comments) == 1, [c["body"][:80] for c in comments]
        body: str = comments[0]["body"]
        self.ws.watch.record(body)
        return body

    def plan(self, tools: Path, account: str) -> tuple[int, str]:
        runner = self.runner(tools, **{"matrix.account": account, "secrets.SOPS_AGE_KEY": self.keys[account].private})
        job = runner.run_job("plan")
        output = "\n".join(f"[{step.name}] {step.output}" for step in job.steps)
        self.ws.watch.record(output + job.summary)
        return (0 if job.ok else 1), job.summary + output


@contextmanager
def pipeline_repo(workspace: Workspace) -> Iterator[Pipeline]:
    keys = {name: make_age_key() for name in NAMES}
    workspace.watch.secrets.update(key.private for key in keys.values())
    (workspace.root / ".sops.yaml").unlink()  # init writes the per-account rules
    result = workspace.cli("init", "--accounts", ",".join(NAMES), "--age-recipient", keys["north"].public)
    assert result.exit_code == 0, result.output
    rules = (workspace.root / ".sops.yaml").read_text()
    # south gets its own key: replace the recipient of its two rules
    head, _, south = rules.partition("accounts/south/")
    (workspace.root / ".sops.yaml").write_text(
        head + "accounts/south/" + south.replace(keys["north"].public, keys["south"].public)
    )
    for name in NAMES:
        workspace.key = keys[name]
        workspace.credentials(
            email=EMAILS[name], token=KEYS[name], relpath=f"accounts/{name}/manifests/credentials.sops.yaml"
        )
        workspace.write(
            f"accounts/{name}/manifests/settings.yaml",
            "apiVersion: cjrec/v1\nkind: Settings\nspec: {qps: 10, pointsBudget: 20000}\n",
        )
    with (
        Sandbox(SandboxConfig(qps=10, products=80, seed=3, api_key=KEYS["north"], email=EMAILS["north"])) as north,
        Sandbox(SandboxConfig(qps=10, products=80, seed=3, api_key=KEYS["south"], email=EMAILS["south"])) as south,
        AccountRouter([north, south]) as router,
    ):
        pids = north.catalog_pids("on_sale")[3:6]
        from reconciler.models.product_url import product_url

        items = "\n".join(f"    - productUrl: {product_url(pid, 'item')}" for pid in pids[:2])
        workspace.write(
            "common/products.yaml",
            f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: storefront}}\nspec:\n  items:\n{items}\n",
        )
        (workspace.root / "common/logos.yaml").unlink()
        git(workspace.root, "init", "-q", "-b", "main")
        git(workspace.root, "add", "-A")
        git(workspace.root, "commit", "-q", "-m", "start")
        origin = workspace.root.parent / "origin.git"
        git(workspace.root.parent, "init", "-q", "--bare", "-b", "main", str(origin))
        git(workspace.root, "remote", "add", "origin", str(origin))
        git(workspace.root, "push", "-q", "-u", "origin", "main")  # actions/checkout tracks the branch too
        git(workspace.root, "checkout", "-q", "-b", "change")
        yield Pipeline(workspace, keys, router, {"north": north, "south": south})
