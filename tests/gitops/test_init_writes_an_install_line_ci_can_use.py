"""`cjrec init` writes the pip requirement CI installs cjrec with, derived from how cjrec was installed (PEP 610).

The end-to-end proofs that the line installs are in test_built_wheel_runs_from_a_fresh_virtualenv.py
(a wheel) and test_pipeline_from_init_to_second_run.py (a git URL of a bare clone).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reconciler import __version__
from reconciler.cli.init_command import template
from reconciler.cli.install_source import InstallLine, given_install_line, install_line, running_install_line
from reconciler.errors import UsageError
from tests.gitops.test_init_scaffolds_without_overwriting import init

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def test_a_git_install_gives_its_url_pinned_to_the_full_commit_not_the_branch_it_named() -> None:
    line = install_line(
        {
            "url": "https://github.com/acme/cjrec.git",
            "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "main"},
        },
        version="0.1.0",
    )
    assert line.spec == f"git+https://github.com/acme/cjrec.git@{COMMIT}"
    assert line.warning is None


def test_a_git_install_from_a_subdirectory_keeps_it() -> None:
    line = install_line(
        {"url": "https://example.org/mono.git", "subdirectory": "tools/cjrec", "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
        version="0.1.0",
    )
    assert line.spec == f"git+https://example.org/mono.git@{COMMIT}#subdirectory=tools/cjrec"


def test_an_index_install_has_no_direct_url_and_pins_the_version() -> None:
    assert install_line(None, version="1.4.2") == InstallLine("cjrec==1.4.2", "a package index")


def test_a_wheel_at_an_https_url_is_installed_from_that_url() -> None:
    url = "https://files.example.org/cjrec-1.4.2-py3-none-any.whl"
    line = install_line({"url": url, "archive_info": {"hashes": {}}}, version="1.4.2")
    assert line.spec == f"cjrec @ {url}"
    assert line.warning is None


@pytest.mark.parametrize(
    ("direct_url", "why"),
    [
        ({"url": "file:///home/me/cjrec", "dir_info": {"editable": True}}, "local folder (editable)"),
        ({"url": "file:///home/me/cjrec", "dir_info": {}}, "local folder"),
        ({"url": "file:///tmp/cjrec-0.1.0-py3-none-any.whl", "archive_info": {}}, "local archive"),
        ({"url": "file:///tmp/cjrec.git", "vcs_info": {"vcs": "git"}}, "without a recorded commit"),
    ],
)
def test_an_install_ci_cannot_reach_falls_back_to_the_version_and_names_install(
    direct_url: dict[str, object], why: str
) -> None:
    line = install_line(direct_url, version="0.3.0")
    assert line.spec == "cjrec==0.3.0"
    assert line.warning is not None
    assert why in line.warning
    assert "--install" in line.warning
    assert "/home/me" not in line.spec


def test_a_source_tree_pip_never_installed_is_flagged_too() -> None:
    line = install_line(None, version="0.3.0", installed=False)
    assert line.warning is not None and "--install" in line.warning


def _package_values(text: str, key: str = "CJREC_PACKAGE") -> list[str]:
    return [line for line in text.splitlines() if line.strip().startswith(f"{key}:")]


@pytest.mark.parametrize("name", ["github-workflow.yml", "gitlab-ci.yml"])
@pytest.mark.parametrize(
    "spec", ["cjrec==1.2.0", "git+https://github.com/acme/cjrec@v1.2.0", 'cjrec @ https://x.example/c.whl#"quoted"\\']
)
def test_the_line_is_written_once_as_one_variable_and_reads_back_exactly(name: str, spec: str) -> None:
    text = template(name, InstallLine(spec, "--install"))
    assert len(_package_values(text)) == 1
    assert text.count('"$CJREC_PACKAGE"') >= 1
    loaded = yaml.safe_load(text)
    variables = loaded["env"] if name == "github-workflow.yml" else loaded["variables"]
    assert variables["CJREC_PACKAGE"] == spec
    assert "@CJREC_" not in text


def test_a_doubtful_line_gets_a_comment_in_the_file_saying_what_to_do() -> None:
    doubtful = install_line({"url": "file:///src/cjrec", "dir_info": {"editable": True}}, version="0.1.0")
    text = template("github-workflow.yml", doubtful)
    above = text.splitlines()[text.splitlines().index(_package_values(text)[0]) - 3]
    assert "CHECK THIS LINE" in above
    assert "cjrec init --install SPEC" in text
    assert "CHECK THIS LINE" not in template("github-workflow.yml", InstallLine("cjrec==1.0.0", "a package index"))


def test_init_install_writes_the_spec_as_given_into_both_pipelines(tmp_path: Path) -> None:
    spec = "git+https://github.com/acme/cjrec@v1.2.0"
    done = init(tmp_path, "shop", "--install", spec)
    assert done.returncode == 0, done.stderr
    github = yaml.safe_load((tmp_path / "shop/.github/workflows/cjrec.yml").read_text())
    gitlab = yaml.safe_load((tmp_path / "shop/.gitlab-ci.yml").read_text())
    assert github["env"]["CJREC_PACKAGE"] == gitlab["variables"]["CJREC_PACKAGE"] == spec
    assert f"CI installs cjrec with: {spec}" in done.stdout
    assert "Warning" not in done.stderr


def test_init_from_an_editable_install_warns_and_names_install(tmp_path: Path) -> None:
    if "local folder" not in str(running_install_line(__version__).warning):
        pytest.skip("this cjrec is not installed from a local folder (make installs it editable)")
    done = init(tmp_path, "shop")
    assert done.returncode == 0, done.stderr
    assert "Warning:" in done.stderr
    assert "--install" in done.stderr
    assert "local folder" in done.stderr
    assert "CHECK THIS LINE" in (tmp_path / "shop/.gitlab-ci.yml").read_text()


@pytest.mark.parametrize("spec", ["", "   ", "cjrec==1.0\nrm -rf /", "cjrec\x00"])
def test_an_install_spec_that_is_not_one_line_is_refused(spec: str) -> None:
    with pytest.raises(UsageError, match="--install"):
        given_install_line(spec)


def test_init_refuses_a_bad_install_spec_before_writing_anything(tmp_path: Path) -> None:
    done = init(tmp_path, "shop", "--install", "a\nb")
    assert done.returncode == 1
    assert "Error: --install" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "shop").exists()


def test_the_written_line_is_json_escaped_so_yaml_cannot_misread_it() -> None:
    spec = 'x: "y" # z'
    text = template("gitlab-ci.yml", InstallLine(spec, "--install"))
    assert json.dumps(spec) in text


def test_init_install_in_a_repository_with_pipelines_says_where_to_set_the_line(tmp_path: Path) -> None:
    assert init(tmp_path, "shop", "--install", "cjrec==1.0.0").returncode == 0
    again = init(tmp_path, "shop", "--install", "cjrec==1.2.0")
    assert again.returncode == 0
    assert "Note: .github/workflows/cjrec.yml and .gitlab-ci.yml kept as it is" in again.stderr
    assert "set CJREC_PACKAGE in it" in again.stderr
    assert '"cjrec==1.0.0"' in (tmp_path / "shop/.gitlab-ci.yml").read_text()


def test_pipelines_with_a_git_line_and_a_check_comment_still_pass_the_schemas_and_actionlint(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    doubtful = install_line({"url": "file:///src/cjrec", "dir_info": {"editable": True}}, version="0.1.0")
    git = InstallLine(f"git+https://github.com/acme/cjrec@{COMMIT}", "git")
    for n, line in enumerate((doubtful, git)):
        (tmp_path / str(n) / ".github" / "workflows").mkdir(parents=True)
        (tmp_path / str(n) / ".github/workflows/cjrec.yml").write_text(template("github-workflow.yml", line))
        (tmp_path / str(n) / ".gitlab-ci.yml").write_text(template("gitlab-ci.yml", line))
        for args in (
            [str(bin_dir / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", ".github/workflows/cjrec.yml"],
            [str(bin_dir / "check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", ".gitlab-ci.yml"],
            [str(bin_dir / "actionlint"), ".github/workflows/cjrec.yml"],
        ):
            done = subprocess.run(args, cwd=tmp_path / str(n), capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stdout + done.stderr
