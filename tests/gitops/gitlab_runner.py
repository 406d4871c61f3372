"""Run the jobs of a `.gitlab-ci.yml` as a GitLab runner would, on this machine, for the pipeline tests.

What it does as GitLab does: `extends:` (hashes merged, the job's keys win), `default:`
`before_script`, global and job `variables:`, `parallel: matrix:` (one job per combination of
the listed values, the values as variables), `rules:` with `if:` (``$A == "x"``, ``$A == $B``,
``&&``; the first rule that matches decides, its ``when`` too), the script run by bash with
``-e -o pipefail`` after the before_script, and artifacts: a job's ``artifacts: paths`` (kept
after a failure when ``when: always``) are put into the work tree of every job of a later
stage of the same pipeline. Each job starts without any job's artifact paths in the work tree
(as on another machine) and with only those handed on. The rest of the work tree is kept
between jobs, the token cache of ``state/`` included, as when it is committed (the sandbox,
like CJ, allows one getAccessToken per account every 300 s).

What it stands in for: the image (the test's machine, this interpreter), `apt-get` (a no-op),
`pip install` of cjrec (the shim of ``ci_runner.py``: the test's cjrec), the GitLab API that
`curl` calls for merge-request notes (a stub keeping them in a JSON file), and the project's
git remote (``git_remote``: pushes to ``https://oauth2:…@HOST/PATH.git`` go to a bare
repository, through git's ``url.<base>.insteadOf``). ``rules: changes:`` is not evaluated (GitLab
compares the push with it; the jobs' own ``cjrec accounts list --changed-since`` check is what
the tests look at).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.gitops.ci_runner import PYTHON_SHIM

RESERVED = {"stages", "variables", "default", "include", "workflow", "image", "services", "cache", "before_script"}

CURL_STUB = r'''#!PYTHON
"""A stand-in for curl against GitLab's merge-request notes API, kept in $GITLAB_NOTES."""
import json, os, sys, urllib.parse
store = os.environ["GITLAB_NOTES"]
notes = json.load(open(store)) if os.path.exists(store) else []
args = sys.argv[1:]
method = args[args.index("--request") + 1] if "--request" in args else "GET"
url = [a for a in args if a.startswith("http")][-1]
body = None
if "--data-urlencode" in args:
    value = args[args.index("--data-urlencode") + 1]
    assert value.startswith("body@"), value
    body = open(value[len("body@"):]).read()
if method == "GET":
    print(json.dumps(notes))
elif method == "POST":
    notes.append({"id": len(notes) + 1, "body": body})
elif method == "PUT":
    nid = int(urllib.parse.urlsplit(url).path.rsplit("/", 1)[1])
    next(n for n in notes if n["id"] == nid)["body"] = body
json.dump(notes, open(store, "w"))
'''


@dataclass
class JobRun:
    """One job (one matrix combination) of a pipeline: its variables, exit code and log."""

    job: str
    variables: dict[str, str]
    exit_code: int | None  # None: its rules kept it out of the pipeline
    log: str = ""

    @property
    def ran(self) -> bool:
        return self.exit_code is not None


@dataclass
class GitLabPipeline:
    """The jobs of one pipeline, run stage by stage in ``repo``; later stages see earlier artifacts."""

    config_file: Path
    repo: Path
    tools: Path
    variables: dict[str, str]  # the predefined CI_* variables and the project's CI/CD variables
    git_remote: tuple[str, Path] | None = None  # (the URL the scripts push to, the bare repository)
    runs: list[JobRun] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.config: dict[str, Any] = yaml.safe_load(self.config_file.read_text())
        self.artifacts = self.tools / "gitlab-artifacts"
        shutil.rmtree(self.artifacts, ignore_errors=True)
        self.tools.mkdir(parents=True, exist_ok=True)
        for name, text in (
            ("python", PYTHON_SHIM.format(python=sys.executable)),
            ("apt-get", "#!/bin/sh\necho '(apt-get stood in for by the test)'\n"),
            ("curl", CURL_STUB.replace("PYTHON", sys.executable, 1)),
        ):
            (self.tools / name).write_text(text)
            (self.tools / name).chmod(0o755)

    def job_names(self) -> list[str]:
        return [name for name in self.config if name not in RESERVED and not name.startswith(".")]

    def resolved(self, name: str) -> dict[str, Any]:
        """The job with its ``extends:`` merged in (GitLab's deep merge of hashes; lists are replaced)."""
        job = dict(self.config[name])
        parents = job.pop("extends", [])
        merged: dict[str, Any] = {}
        for parent in [parents] if isinstance(parents, str) else parents:
            merged = _merge(merged, self.resolved(parent))
        return _merge(merged, job)

    def run_stage(self, stage: str) -> list[JobRun]:
        """Every job of ``stage`` (every matrix combination), after putting earlier stages' artifacts in place."""
        earlier = sorted(self.artifacts.glob("*")) if self.artifacts.is_dir() else []
        done = []
        for name in self.job_names():
            job = self.resolved(name)
            if job.get("stage", "test") != stage:
                continue
            for index, matrix in enumerate(_matrix(job)):
                done.append(self._run(name, job, matrix, index, earlier))
        self.runs.extend(done)
        return done

    def _run(self, name: str, job: dict[str, Any], matrix: dict[str, str], index: int, earlier: list[Path]) -> JobRun:
        variables = {
            **self.variables,
            **{k: str(v) for k, v in (self.config.get("variables") or {}).items()},
            **{k: str(v) for k, v in (job.get("variables") or {}).items()},
            **matrix,
        }
        when = _rules_when(job.get("rules"), variables)
        if when == "never":
            return JobRun(name, matrix, None)
        self._clear_outputs()  # another machine: no job's artifacts but those handed on below
        for kept in earlier:  # then the artifacts of the earlier stages' jobs
            shutil.copytree(kept, self.repo, dirs_exist_ok=True)
        default = self.config.get("default") or {}
        lines = [*(job.get("before_script", default.get("before_script")) or []), *job["script"]]
        env = {
            **os.environ,
            **variables,
            "CI_JOB_NAME": f"{name}: [{', '.join(matrix.values())}]" if matrix else name,
            "PATH": os.pathsep.join([str(self.tools), str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            **self._git_config(),
        }
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", "\n".join(lines)],
            cwd=self.repo,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        artifacts = job.get("artifacts") or {}
        if done.returncode == 0 or artifacts.get("when") in ("always", "on_failure"):
            self._keep(artifacts.get("paths") or [], f"{name}-{index}")
        return JobRun(name, matrix, done.returncode, done.stdout + done.stderr)

    def _clear_outputs(self) -> None:
        for name in self.job_names():
            for relpath in (self.resolved(name).get("artifacts") or {}).get("paths") or []:
                target = self.repo / relpath
                if target.is_dir():
                    shutil.rmtree(target)
                else:
                    target.unlink(missing_ok=True)

    def _keep(self, paths: list[str], where: str) -> None:
        target = self.artifacts / where
        for relpath in paths:
            source = self.repo / relpath
            if source.is_dir():
                shutil.copytree(source, target / relpath, dirs_exist_ok=True)
            elif source.is_file():
                (target / relpath).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / relpath)

    def _git_config(self) -> dict[str, str]:
        if self.git_remote is None:
            return {}
        url, bare = self.git_remote
        return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.{bare}.insteadOf", "GIT_CONFIG_VALUE_0": url}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _matrix(job: dict[str, Any]) -> list[dict[str, str]]:
    """One variables dict per job GitLab makes of ``parallel: matrix:`` (or one empty dict)."""
    entries = ((job.get("parallel") or {}).get("matrix")) if isinstance(job.get("parallel"), dict) else None
    if not entries:
        return [{}]
    combos = []
    for entry in entries:
        keys = list(entry)
        values = [entry[key] if isinstance(entry[key], list) else [entry[key]] for key in keys]
        combos += [dict(zip(keys, map(str, chosen), strict=True)) for chosen in itertools.product(*values)]
    return combos


_COMPARE = re.compile(r'^\$(\w+)\s*(==|!=)\s*(?:"([^"]*)"|\$(\w+))$')


def _rules_when(rules: list[dict[str, Any]] | None, variables: dict[str, str]) -> str:
    if rules is None:
        return "on_success"
    for rule in rules:
        if "if" not in rule or all(_holds(part.strip(), variables) for part in str(rule["if"]).split("&&")):
            return str(rule.get("when", "on_success"))
    return "never"


def _holds(condition: str, variables: dict[str, str]) -> bool:
    match = _COMPARE.match(condition)
    if match is None:
        if re.fullmatch(r"\$\w+", condition):
            return bool(variables.get(condition[1:]))
        raise ValueError(f"the GitLab runner of the tests does not read the rule {condition!r}")
    left = variables.get(match.group(1), "")
    right = match.group(3) if match.group(3) is not None else variables.get(match.group(4) or "", "")
    return (left == right) == (match.group(2) == "==")
