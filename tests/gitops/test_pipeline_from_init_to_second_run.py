"""From an empty folder to a running pipeline: init, encrypt, pull-request plan, merge apply, quiet second run.

The shell steps of the GitHub workflow `cjrec init` writes run here in order (see
ci_runner.py), against `cjrec sandbox`, with a real git remote for the state commit.

The steps run as `bash -c`, which the session-wide secret watch does not see, yet they run
with the age key in their environment and produce what outsiders read. So every job's step
logs, job summary and step outputs, the pull-request comments (and the `gh` calls that
posted them), the files left in each checkout (plan.md, the plan.json artifact, state/) and
every commit pushed to the remote (``git log -p``) go to the watch, with the age private key
among the secrets it looks for (besides the API key and every token the sandbox issued).
cjrec comes from git, as a store owner following the README gets it: the "laptop" virtualenv
installs it from a bare clone of the checkout under test (``git+file://…@main``), its
`cjrec init` derives the install line from that (``git+file://…@<full commit>``), and the CI
jobs install exactly that line with pip into a fresh virtualenv of their own and run from it.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from reconciler.models.product_url import product_url
from reconciler.sandbox import DEMO_API_KEY, DEMO_EMAIL, Sandbox, SandboxConfig
from tests.gitops.ci_runner import JobResult, WorkflowRunner
from tests.gitops.installs import REPO, GitInstall, imported_from
from tests.support.secret_watch import SecretWatch

BIN = Path(sys.executable).parent


@pytest.fixture
def cj() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(qps=10, products=60, seed=21)) as sandbox:
        yield sandbox


class WatchedRunner(WorkflowRunner):
    """A workflow runner whose step logs, job summary and step outputs go to the secret watch."""

    watch: SecretWatch

    def run_job(self, name: str, *, extra_env: dict[str, str] | None = None) -> JobResult:
        result = super().run_job(name, extra_env=extra_env)
        for step in result.steps:
            self.watch.record(f"[{name} job, step {step.name!r}]\n{step.output}")
        self.watch.record(f"[{name} job summary]\n{result.summary}")
        self.watch.record(f"[{name} job outputs]\n" + "\n".join(f"{k}={v}" for k, v in result.outputs.items()))
        return result


class Repo:
    """A configuration repository made by `cjrec init`, with a bare git remote standing in for GitHub."""

    def __init__(self, tmp: Path, sandbox: Sandbox, watch: SecretWatch, install: GitInstall) -> None:
        self.install = install
        self.tmp = tmp
        self.watch = watch
        self.home = tmp / "home"
        self.path = tmp / "repo"
        self.origin = tmp / "origin.git"
        self.sandbox = sandbox
        self.env = {
            **os.environ,
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "SOPS_DISABLE_VERSION_CHECK": "1",
            "CJREC_API_URL": sandbox.base_url,
            "NO_COLOR": "1",
            "GIT_AUTHOR_NAME": "Store Owner",
            "GIT_AUTHOR_EMAIL": "owner@example.com",
            "GIT_COMMITTER_NAME": "Store Owner",
            "GIT_COMMITTER_EMAIL": "owner@example.com",
            "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
        }
        for name in ("SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE"):
            self.env.pop(name, None)

    def sh(self, *args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            list(args), cwd=cwd or self.path, env=self.env, capture_output=True, text=True, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def private_key(self) -> str:
        keys = (self.home / ".config" / "sops" / "age" / "keys.txt").read_text()
        return next(line for line in keys.splitlines() if line.startswith("AGE-SECRET-KEY-"))

    def products(self, pids: list[str]) -> None:
        items = "\n".join(f"    - productUrl: {product_url(pid, 'item')}" for pid in pids)
        (self.path / "manifests" / "products.yaml").write_text(
            f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: storefront}}\nspec:\n  items:\n{items}\n"
        )

    def commit_and_push_to_origin(self) -> None:
        """Everything committed on main and pushed to a new bare remote, `origin`, standing in for GitHub."""
        self.sh("git", "init", "-q", "-b", "main")
        self.sh("git", "add", ".")
        self.sh("git", "commit", "-q", "-m", "cjrec init")
        self.sh("git", "init", "-q", "--bare", "-b", "main", str(self.origin), cwd=self.tmp)
        self.sh("git", "remote", "add", "origin", str(self.origin))
        self.sh("git", "push", "-q", "-u", "origin", "main")

    def runner(self, checkout: Path | None = None) -> WorkflowRunner:
        self.watch.secrets.add(self.private_key())
        self.watch.add_root(checkout or self.path)  # plan.md, plan.json, state/ as the jobs left them
        runner = WatchedRunner(
            (checkout or self.path) / ".github" / "workflows" / "cjrec.yml",
            repo=checkout or self.path,
            tools=self.tmp / "tools",
            env={**self.env, "GITHUB_REPOSITORY": "acme/shop", "GH_STUB_STORE": str(self.tmp / "comments.json")},
            python=self.install.runner.python,
            expressions={
                "secrets.SOPS_AGE_KEY": self.private_key(),
                "github.token": "test-token",
                "github.event.pull_request.number": "7",
                "vars.CJREC_REFRESH_BUDGET || '20000'": "20000",  # as GitHub evaluates it with the variable unset
            },
        )
        runner.watch = self.watch
        return runner

    def comments(self) -> list[dict[str, object]]:
        path = self.tmp / "comments.json"
        return json.loads(path.read_text()) if path.exists() else []

    def hand_what_outsiders_see_to_the_watch(self) -> None:
        """The pull-request comments, the `gh` calls, and every commit pushed to the remote."""
        for name in ("comments.json", "comments.json.log"):
            if (self.tmp / name).exists():
                self.watch.record(f"[{name}]\n{(self.tmp / name).read_text()}")
        if (self.origin / "HEAD").exists():
            pushed = self.sh("git", "log", "-p", "--all", "--format=commit %H %s", cwd=self.origin).stdout
            self.watch.record(f"[commits pushed to the remote]\n{pushed}")


@pytest.fixture
def repo(tmp_path: Path, cj: Sandbox, secret_watch: SecretWatch, git_install: GitInstall) -> Iterator[Repo]:
    with initialised_repo(tmp_path, cj, secret_watch, git_install) as r:
        yield r


@contextlib.contextmanager
def initialised_repo(tmp: Path, sandbox: Sandbox, watch: SecretWatch, install: GitInstall) -> Iterator[Repo]:
    """A repository `cjrec init` made, with the cjrec installed from git; what outsiders see goes to the watch."""
    r = Repo(tmp, sandbox, watch, install)
    r.sh(str(install.laptop.cjrec), "init", str(r.path), cwd=tmp)
    yield r
    r.hand_what_outsiders_see_to_the_watch()  # the watch checks after the test's fixtures end


def test_init_from_a_git_install_pins_the_commit_and_the_ci_jobs_install_and_run_that(repo: Repo) -> None:
    install = repo.install
    workflow = yaml.safe_load((repo.path / ".github" / "workflows" / "cjrec.yml").read_text())
    line = workflow["env"]["CJREC_PACKAGE"]
    assert line == f"git+{install.url}@{install.commit}"
    assert line == yaml.safe_load((repo.path / ".gitlab-ci.yml").read_text())["variables"]["CJREC_PACKAGE"]
    assert "CHECK THIS LINE" not in (repo.path / ".github" / "workflows" / "cjrec.yml").read_text()
    result = repo.runner().run_job("plan")  # the credentials are still a template: Validate fails, after the install
    install_step = result.step("Install cjrec")
    assert install_step.exit_code == 0, install_step.output[-2000:]
    site = imported_from(install.runner)
    assert install.runner.root in site.parents and REPO not in site.parents
    assert result.step("Validate").exit_code == 1
    assert install.runner.cjrec.is_file()  # the runner's virtualenv started without cjrec: the step installed it


def test_from_init_through_pull_request_and_merge_to_a_second_run_that_plans_no_changes(repo: Repo) -> None:
    sandbox = repo.sandbox
    assert (repo.home / ".config" / "sops" / "age" / "keys.txt").stat().st_mode & 0o777 == 0o600
    assert "AGE-SECRET-KEY" not in "".join(p.read_text() for p in repo.path.rglob("*") if p.is_file())
    # the store owner fills in the credentials and encrypts them with the rules init wrote
    creds = repo.path / "manifests" / "credentials.sops.yaml"
    creds.write_text(
        creds.read_text().replace("you@example.com", DEMO_EMAIL).replace("REPLACE-WITH-YOUR-CJ-API-KEY", DEMO_API_KEY)
    )
    repo.sh("sops", "--encrypt", "--in-place", "manifests/credentials.sops.yaml")
    assert DEMO_API_KEY not in creds.read_text()
    repo.commit_and_push_to_origin()

    # a pull request adds products
    pids = sandbox.catalog_pids("on_sale")[:4]
    repo.sh("git", "checkout", "-q", "-b", "more-products")
    repo.products(pids[:3])
    repo.sh("git", "commit", "-q", "-am", "sell three products")
    plan = repo.runner().run_job("plan")
    assert plan.ok, [(s.name, s.output[-500:]) for s in plan.steps if s.exit_code]
    assert plan.outputs["exitcode"] == "2"
    assert "<!-- cjrec-plan -->" in plan.summary
    assert [len(c["body"]) > 0 for c in repo.comments()] == [True]  # type: ignore[arg-type]
    assert (repo.path / "plan.json").exists()
    assert not [c for c in sandbox.calls() if str(c["path"]).endswith("addToMyProduct")]

    # a second push to the pull request updates the same comment
    repo.products(pids)
    repo.sh("git", "commit", "-q", "-am", "and a fourth")
    again = repo.runner().run_job("plan")
    assert again.ok, [(s.name, s.output[-800:]) for s in again.steps if s.exit_code]
    comments = repo.comments()
    assert len(comments) == 1
    assert pids[3] in str(comments[0]["body"])
    assert "--method PATCH" in (repo.tmp / "comments.json.log").read_text()

    # merge, then the push pipeline applies and commits state/ back
    repo.sh("git", "checkout", "-q", "main")
    repo.sh("git", "merge", "-q", "--no-ff", "-m", "Merge more-products", "more-products")
    repo.sh("git", "push", "-q", "origin", "main")
    apply = repo.runner().run_job("apply")
    assert apply.ok, [(s.name, s.output[-800:]) for s in apply.steps if s.exit_code]
    assert set(pids) <= set(sandbox.my_product_ids())
    log = repo.sh("git", "log", "--format=%s", "-1", "main", cwd=repo.origin).stdout
    assert "[skip ci]" in log
    files = repo.sh("git", "show", "--name-only", "--format=", "main", cwd=repo.origin).stdout.split()
    assert "state/sync.json" in files
    assert "state/token.sops.json" in files

    # the next pipeline run, on a fresh checkout, plans nothing and reuses the committed token
    sandbox.clear_calls()
    fresh = repo.tmp / "ci-checkout"
    repo.sh("git", "clone", "-q", str(repo.origin), str(fresh), cwd=repo.tmp)
    second = repo.runner(fresh).run_job("plan")
    assert second.ok
    assert second.outputs["exitcode"] == "0"
    assert "No changes" in second.summary
    assert not [c for c in sandbox.calls() if "/authentication/" in str(c["path"])]

    # the daily drift check records what CJ says and passes; a small cost move is recorded
    # without failing; a material one (>= 10 %) fails visibly, and the state is pushed either way
    assert repo.runner(fresh).run_job("drift").ok
    variant = sandbox.product(pids[0])["variants"][0]  # type: ignore[index]
    cost = float(variant["variantSellPrice"])
    sandbox.set_product(pids[0], variantPrices={variant["vid"]: round(cost * 1.05, 2)})
    repo.sh("git", "pull", "-q", "--rebase", cwd=fresh)
    small = repo.runner(fresh).run_job("drift")
    assert small.ok, [(s.name, s.output[-800:]) for s in small.steps if s.exit_code]
    sandbox.set_product(pids[0], variantPrices={variant["vid"]: 999.99})
    repo.sh("git", "pull", "-q", "--rebase", cwd=fresh)
    drift = repo.runner(fresh).run_job("drift")
    assert not drift.ok
    assert "::error title=Material drift::" in drift.steps[-1].output
    assert "999.99" in drift.summary
    log = repo.sh("git", "log", "--format=%s", "-1", "main", cwd=repo.origin).stdout
    assert "after the daily refresh" in log


def test_a_failure_to_post_the_plan_comment_fails_the_job(repo: Repo) -> None:
    creds = repo.path / "manifests" / "credentials.sops.yaml"
    creds.write_text(
        creds.read_text().replace("you@example.com", DEMO_EMAIL).replace("REPLACE-WITH-YOUR-CJ-API-KEY", DEMO_API_KEY)
    )
    repo.sh("sops", "--encrypt", "--in-place", "manifests/credentials.sops.yaml")
    result = repo.runner().run_job("plan", extra_env={"GH_STUB_FAIL": "1"})
    assert not result.ok
    assert result.steps[-1].exit_code != 0
    assert "Comment the plan" in result.steps[-1].name


def test_a_plan_error_fails_the_plan_job_before_anything_is_posted(repo: Repo) -> None:
    result = repo.runner().run_job("plan")  # credentials are still the plaintext template
    assert not result.ok
    assert repo.comments() == []
    failing = next(s for s in result.steps if s.exit_code)
    assert failing.name == "Validate"
    assert "plaintext" in failing.output
