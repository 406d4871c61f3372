"""Run the shell steps of the GitHub workflow `cjrec init` writes, as a runner would, on this machine.

`uses:` steps are stood in for: checkout is the test's git work tree, setup-python is this
interpreter, upload-artifact checks its files exist (``if-no-files-found: error``) and keeps a
copy under ``tools/artifacts/<name>``, where download-artifact (``pattern``, ``merge-multiple``)
finds them for a later job of the same run. A stub
`gh` keeps pull-request comments in a JSON file. Given a ``python`` (a fresh virtualenv's), the
jobs run with it first on PATH and the "Install cjrec" step really runs ``pip install
"$CJREC_PACKAGE"`` with it, once per distinct line (a GitHub runner is fresh every job; this one
keeps the virtualenv and skips a line it already installed). Without one, a `python` shim turns
the install into a no-op and the jobs use the test's own cjrec. Expressions
`${{ … }}` are substituted from a small table, as GitHub would before the shell runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

GH_STUB = r'''#!/usr/bin/env python3
"""A stand-in for the GitHub CLI: `gh api` on issue comments, kept in $GH_STUB_STORE."""
import json, os, sys
store = os.environ["GH_STUB_STORE"]
comments = json.load(open(store)) if os.path.exists(store) else []
args = sys.argv[1:]
with open(store + ".log", "a") as log:
    log.write(" ".join(args) + "\n")
if os.environ.get("GH_STUB_FAIL"):
    print("gh: HTTP 403: Resource not accessible by integration", file=sys.stderr)
    sys.exit(1)
method = args[args.index("--method") + 1] if "--method" in args else "GET"
body = None
if "-F" in args:
    value = args[args.index("-F") + 1]
    assert value.startswith("body=@")
    body = open(value[len("body=@"):]).read()
if method == "GET":
    marker = "<!-- cjrec-plan -->"
    for c in comments:
        if marker in c["body"]:
            print(c["id"])
elif method == "POST":
    comments.append({"id": len(comments) + 1, "body": body})
elif method == "PATCH":
    url = next(a for a in args if a.startswith("repos/"))
    cid = int(url.rsplit("/", 1)[1])
    next(c for c in comments if c["id"] == cid)["body"] = body
json.dump(comments, open(store, "w"))
'''

PYTHON_SHIM = """#!/bin/sh
# pip install of cjrec is a no-op here: this interpreter has it already
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "(pip install skipped in the test)"; exit 0; fi
exec {python} "$@"
"""

INSTALLING_SHIM = '''#!{runner}
"""`python` in the job is the runner virtualenv's; `python -m pip install LINE` runs once per distinct line.

Test workers may share the virtualenv: installs take a lock, and a line installed already is skipped.
"""
import fcntl, os, subprocess, sys
python, marker = {python!r}, {marker!r}
args = sys.argv[1:]
if args[:3] == ["-m", "pip", "install"]:
    line = " ".join(args)
    with open(marker + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(marker) and line in open(marker).read().splitlines():
            print(f"(already installed in this runner: {{line}})")
            sys.exit(0)
        code = subprocess.call([python, *args])
        if code == 0:
            with open(marker, "a") as done:
                done.write(line + "\\n")
        sys.exit(code)
os.execv(python, [python, *args])
'''


@dataclass
class StepResult:
    name: str
    exit_code: int
    output: str


@dataclass
class JobResult:
    job: str
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    @property
    def ok(self) -> bool:
        return all(s.exit_code == 0 for s in self.steps)

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)


class WorkflowRunner:
    """Runs one job of the workflow in ``repo`` with the given secrets and extra environment."""

    def __init__(
        self,
        workflow: Path,
        *,
        repo: Path,
        tools: Path,
        env: dict[str, str],
        expressions: dict[str, str],
        python: Path | None = None,
    ) -> None:
        self.workflow: dict[str, Any] = yaml.safe_load(workflow.read_text())
        self.repo = repo
        self.tools = tools
        self.env = env
        self.expressions = expressions
        self.python = python
        tools.mkdir(parents=True, exist_ok=True)
        gh = tools / "gh"
        gh.write_text(GH_STUB.replace("#!/usr/bin/env python3", f"#!{sys.executable}", 1))
        gh.chmod(0o755)
        shim = tools / "python"
        if python is None:
            shim.write_text(PYTHON_SHIM.format(python=sys.executable))
        else:
            marker = str(python.parent.parent / ".installed-lines")
            shim.write_text(INSTALLING_SHIM.format(runner=sys.executable, python=str(python), marker=marker))
        shim.chmod(0o755)

    def substitute(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            key = match.group(1).strip()
            if key not in self.expressions:
                raise KeyError(f"the test has no value for ${{{{ {key} }}}}")
            return self.expressions[key]

        return re.sub(r"\$\{\{(.*?)\}\}", value, text)

    def new_run(self) -> None:
        """A new workflow run (a new push): the artifacts of the last one are gone."""
        shutil.rmtree(self.tools / "artifacts", ignore_errors=True)

    def run_job(self, name: str, *, extra_env: dict[str, str] | None = None) -> JobResult:
        job = self.workflow["jobs"][name]
        result = JobResult(name)
        out_file = self.tools / f"{name}.output"
        summary_file = self.tools / f"{name}.summary"
        out_file.write_text("")
        summary_file.write_text("")
        base = {
            **os.environ,
            **self.env,
            **{k: self.substitute(str(v)) for k, v in (self.workflow.get("env") or {}).items()},
            **{k: self.substitute(str(v)) for k, v in (job.get("env") or {}).items()},
            "GITHUB_OUTPUT": str(out_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
            "PATH": os.pathsep.join(
                [str(self.tools), str((self.python or Path(sys.executable)).parent), os.environ.get("PATH", "")]
            ),
            **(extra_env or {}),
        }
        failed = False
        for index, step in enumerate(job["steps"]):
            name_ = step.get("name") or step.get("uses") or f"step {index}"
            condition = str(step.get("if", ""))
            if failed and "always()" not in condition:
                continue
            if "uses" in step:
                code, output = self._uses(step)
            else:
                env = {**base, **{k: self.substitute(str(v)) for k, v in (step.get("env") or {}).items()}}
                script = self.substitute(textwrap.dedent(step["run"]))
                done = subprocess.run(
                    ["bash", "-e", "-c", script], cwd=self.repo, env=env, capture_output=True, text=True, check=False
                )
                code, output = done.returncode, done.stdout + done.stderr
            result.steps.append(StepResult(name_, code, output))
            failed = failed or code != 0
        for line in out_file.read_text().splitlines():
            key, _, val = line.partition("=")
            result.outputs[key] = val
        result.summary = summary_file.read_text()
        return result

    def _uses(self, step: dict[str, Any]) -> tuple[int, str]:
        action = str(step["uses"])
        if not action.startswith(("actions/upload-artifact", "actions/download-artifact")):
            return 0, f"({action} stood in for by the test)"
        given = {key: self.substitute(str(value)) for key, value in (step.get("with") or {}).items()}
        artifacts = self.tools / "artifacts"
        if action.startswith("actions/upload-artifact"):
            path = self.repo / given["path"]
            if not path.exists():
                if given.get("if-no-files-found") == "error":
                    return 1, f"no file found at {path}"
                return 0, f"no file at {path}: nothing uploaded"
            kept = artifacts / given["name"]
            shutil.rmtree(kept, ignore_errors=True)
            if path.is_dir():
                shutil.copytree(path, kept)
            else:
                kept.mkdir(parents=True)
                shutil.copy2(path, kept / path.name)
            return 0, f"uploaded {path.name}"
        target = self.repo / given.get("path", ".")
        found = sorted(artifacts.glob(given.get("pattern") or given["name"])) if artifacts.is_dir() else []
        merge = given.get("merge-multiple", "").lower() == "true"
        for kept in found:
            shutil.copytree(kept, target if merge else target / kept.name, dirs_exist_ok=True)
        return 0, f"downloaded {', '.join(kept.name for kept in found) or 'nothing'}"
