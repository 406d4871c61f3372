"""The command line's contract: version, help, exit codes, colour rules, and the published schema.

Exit codes: 0 success, 1 any error including usage errors (click's 2 is reserved for "changes
present" under `plan --detailed-exitcode`), 130 interrupted.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import click
import jsonschema
import pytest
import yaml

import reconciler
from reconciler.manifest.documents import json_schema
from tests.support.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / "schema" / "cjrec-v1.json"
EXAMPLES = REPO / "manifests"
ANSI = "\x1b["
CJREC = Path(sys.executable).parent / "cjrec"


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a user with no sops key and no cjrec settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOPS_", "CJREC_", "NO_COLOR", "FORCE_COLOR"))}
    env.update(HOME=str(tmp_path / "home"), SOPS_DISABLE_VERSION_CHECK="1")
    env.update(extra)
    return env


def run(
    *args: str, cwd: Path, env: dict[str, str], program: tuple[str, ...] = (sys.executable, "-m", "reconciler")
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*program, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def run_on_terminal(*args: str, cwd: Path, env: dict[str, str]) -> str:
    """Run cjrec with stdout and stderr on a pseudo-terminal, as a user at a shell would."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            data = os.read(controller, 4096)
        except OSError:  # EIO: the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    os.close(controller)
    proc.wait(timeout=60)
    return b"".join(chunks).decode("utf-8", "replace")


# -- version and help ---------------------------------------------------------------------
def test_version_option_prints_the_package_version(workspace: Workspace) -> None:
    result = workspace.cli("--version")

    assert result.exit_code == 0
    assert result.stdout.strip() == f"cjrec {reconciler.__version__}"
    assert reconciler.__version__ == version("cjrec")


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_the_commands_and_every_setting(workspace: Workspace, flag: str) -> None:
    result = workspace.cli(flag)

    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: cjrec")
    for word in ("validate", "schema", "CJREC_MANIFESTS", "CJREC_STATE_DIR", "CJREC_API_URL", "CJREC_SOPS", "NO_COLOR"):
        assert word in result.stdout


def test_help_lists_each_command_once_generated_from_the_commands(workspace: Workspace) -> None:
    import re

    from reconciler.cli.main import cli

    text = workspace.cli("--help").stdout
    listed = re.findall(r"^  ([a-z][a-z-]+) ", text.split("Commands:", 1)[1], flags=re.MULTILINE)
    assert listed == sorted(cli.commands) and len(listed) == len(set(listed))
    assert text.count("\n  validate ") == 1  # no second, hand-written list above the options
    assert "formats: jsonl, csv, shopify, woocommerce" in " ".join(text.split())
    state_group = cli.commands["state"]
    assert isinstance(state_group, click.Group)
    assert f"subcommands: {', '.join(sorted(state_group.commands))}" in " ".join(text.split())
    assert "force-unlock" in listed


def test_command_help_exits_zero(workspace: Workspace) -> None:
    result = workspace.cli("validate", "--help")

    assert result.exit_code == 0
    assert "Usage: cjrec validate" in result.stdout


def test_python_dash_m_reconciler_runs_the_same_command(tmp_path: Path) -> None:
    done = run("--version", cwd=tmp_path, env=clean_env(tmp_path))

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"cjrec {reconciler.__version__}"


def test_console_script_is_installed(tmp_path: Path) -> None:
    done = run("--version", cwd=tmp_path, env=clean_env(tmp_path), program=(str(CJREC),))

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"cjrec {reconciler.__version__}"


# -- usage errors exit 1, never click's 2 -------------------------------------------------
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("frobnicate",), "No such command 'frobnicate'"),
        (("--frobnicate", "validate"), "No such option '--frobnicate'"),
        (("validate", "--frobnicate"), "No such option '--frobnicate'"),
        (("--manifests",), "'--manifests' requires an argument"),
        (("sandbox", "--port", "not-a-port"), "'not-a-port' is not a valid integer"),
        ((), "Usage: cjrec"),
    ],
    ids=[
        "unknown-command",
        "unknown-option",
        "unknown-command-option",
        "option-without-value",
        "bad-value",
        "no-command",
    ],
)
def test_usage_error_exits_1_with_a_hint(workspace: Workspace, args: tuple[str, ...], words: str) -> None:
    result = workspace.cli(*args)

    assert result.exit_code == 1
    assert words in result.stderr
    assert "Hint: see `cjrec --help`" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [("frobnicate",), ("validate", "--frobnicate")])
def test_usage_error_exit_status_of_the_process_is_1(tmp_path: Path, args: tuple[str, ...]) -> None:
    for program in ((sys.executable, "-m", "reconciler"), (str(CJREC),)):
        done = run(*args, cwd=tmp_path, env=clean_env(tmp_path), program=program)
        assert done.returncode == 1, (program, done.stderr)
        assert "Traceback" not in done.stderr


def test_invalid_manifests_make_the_process_exit_1(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "bad.yaml").write_text("apiVersion: cjrec/v1\nkind: Nope\n")

    done = run("validate", cwd=tmp_path, env=clean_env(tmp_path))

    assert done.returncode == 1
    assert "manifests/bad.yaml:2: kind: unknown kind 'Nope'" in done.stderr


def test_interrupt_exits_130(valid_workspace: Workspace) -> None:
    def interrupted(**_: object) -> None:
        raise KeyboardInterrupt

    valid_workspace.monkeypatch.setattr("reconciler.cli.wiring.load_configuration", interrupted)

    result = valid_workspace.cli("validate")

    assert result.exit_code == 130
    assert "Interrupted." in result.stderr
    assert "Traceback" not in result.output


def test_unexpected_error_is_one_line_without_traceback_unless_debug(valid_workspace: Workspace) -> None:
    def broken(**_: object) -> None:
        raise RuntimeError("boom")

    valid_workspace.monkeypatch.setattr("reconciler.cli.wiring.load_configuration", broken)

    plain = valid_workspace.cli("validate")
    debug = valid_workspace.cli("--debug", "validate")

    assert plain.exit_code == debug.exit_code == 1
    assert "Error: internal error: RuntimeError" in plain.stderr
    assert "--debug" in plain.stderr
    assert "Traceback" not in plain.output
    assert "Traceback" in debug.stderr
    assert "RuntimeError: boom" in debug.stderr


# -- settings from options and environment ------------------------------------------------
def test_manifests_directory_comes_from_the_environment_and_the_option_wins(valid_workspace: Workspace) -> None:
    root = valid_workspace.root
    (root / "manifests").rename(root / "config")
    (root / "broken").mkdir()
    (root / "broken" / "x.yaml").write_text("apiVersion: cjrec/v1\nkind: Nope\n")

    default = valid_workspace.cli("validate")
    from_env = valid_workspace.cli("validate", env={"CJREC_MANIFESTS": "config"})
    option_wins = valid_workspace.cli("--manifests", "config", "validate", env={"CJREC_MANIFESTS": "broken"})

    assert from_env.exit_code == 0, from_env.output
    assert default.exit_code == 1
    assert "manifests: the manifests directory does not exist" in default.stderr
    assert option_wins.exit_code == 0, option_wins.output


# -- colour -------------------------------------------------------------------------------
@pytest.fixture
def broken_repo(tmp_path: Path) -> Path:
    """A repository whose manifests fail validation: the error would be red on a terminal."""
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "bad.yaml").write_text("apiVersion: cjrec/v1\nkind: Nope\n")
    return tmp_path


def test_terminal_output_is_coloured(broken_repo: Path) -> None:
    """The control for the tests below: on a terminal, without NO_COLOR, there is colour."""
    output = run_on_terminal("validate", cwd=broken_repo, env=clean_env(broken_repo))

    assert "kind: unknown kind 'Nope'" in output
    assert ANSI in output


@pytest.mark.parametrize("value", ["1", "true", "0", "no"])
def test_no_color_set_to_anything_removes_colour_on_a_terminal(broken_repo: Path, value: str) -> None:
    output = run_on_terminal("validate", cwd=broken_repo, env=clean_env(broken_repo, NO_COLOR=value))

    assert "kind: unknown kind 'Nope'" in output
    assert ANSI not in output


def test_empty_no_color_keeps_colour_as_no_color_org_says(broken_repo: Path) -> None:
    output = run_on_terminal("validate", cwd=broken_repo, env=clean_env(broken_repo, NO_COLOR=""))

    assert ANSI in output


def test_no_color_option_removes_colour_on_a_terminal(broken_repo: Path) -> None:
    output = run_on_terminal("--no-color", "validate", cwd=broken_repo, env=clean_env(broken_repo))

    assert "kind: unknown kind 'Nope'" in output
    assert ANSI not in output


def test_piped_output_has_no_colour(broken_repo: Path, tmp_path: Path) -> None:
    failed = run("validate", cwd=broken_repo, env=clean_env(tmp_path))
    (broken_repo / "manifests" / "bad.yaml").unlink()
    help_text = run("--help", cwd=broken_repo, env=clean_env(tmp_path))

    assert failed.returncode == 1
    for text in (failed.stdout, failed.stderr, help_text.stdout, help_text.stderr):
        assert ANSI not in text


def test_no_color_in_process_output(valid_workspace: Workspace) -> None:
    ok = valid_workspace.cli("validate", key=None, env={"NO_COLOR": "1"})
    valid_workspace.write("manifests/settings.yml", "apiVersion: cjrec/v1\nkind: Settings\nspec: {qps: 0}\n")
    failed = valid_workspace.cli("validate", env={"NO_COLOR": "1"})

    assert ok.exit_code == 0
    assert failed.exit_code == 1
    assert ANSI not in ok.output + failed.output


# -- the published JSON Schema ------------------------------------------------------------
def test_schema_command_prints_the_committed_schema(workspace: Workspace) -> None:
    result = workspace.cli("schema")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(SCHEMA_FILE.read_text()), (
        "schema/cjrec-v1.json is stale: regenerate it with `cjrec schema > schema/cjrec-v1.json`"
    )
    assert result.stdout == SCHEMA_FILE.read_text(), "regenerate with `cjrec schema > schema/cjrec-v1.json`"


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def example_documents() -> list[tuple[str, object]]:
    found = []
    for path in sorted(EXAMPLES.rglob("*")):
        if path.is_file() and (
            path.suffix in (".yaml", ".yml") or path.name.endswith((".yaml.example", ".yml.example"))
        ):
            for index, doc in enumerate(yaml.safe_load_all(path.read_text())):
                if doc is not None:
                    found.append((f"{path.relative_to(REPO)}#{index}", doc))
    return found


EXAMPLE_DOCUMENTS = example_documents()


def test_the_repository_has_an_example_of_every_kind() -> None:
    kinds = {doc["kind"] for _, doc in EXAMPLE_DOCUMENTS if isinstance(doc, dict)}
    assert kinds == {"Credentials", "Logo", "Products", "Settings"}


@pytest.mark.parametrize(("where", "document"), EXAMPLE_DOCUMENTS, ids=[w for w, _ in EXAMPLE_DOCUMENTS])
def test_every_example_document_validates_against_the_schema(where: str, document: object) -> None:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))

    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors, f"{where}: {errors}"


@pytest.mark.parametrize(
    "document",
    [
        {"apiVersion": "cjrec/v1", "kind": "Nope", "metadata": {"name": "x"}, "spec": {}},
        {"apiVersion": "cjrec/v2", "kind": "Products", "metadata": {"name": "x"}, "spec": {"items": []}},
        {"apiVersion": "cjrec/v1", "kind": "Products", "metadata": {"name": "x"}, "spec": {"items": [], "extra": 1}},
        {"apiVersion": "cjrec/v1", "kind": "Products", "metadata": {"name": "Bad Name"}, "spec": {"items": []}},
        {"apiVersion": "cjrec/v1", "kind": "Products", "metadata": {"name": "x"}},
        {"apiVersion": "cjrec/v1", "kind": "Settings", "spec": {"qps": 0}},
        {"apiVersion": "cjrec/v1", "kind": "Settings", "spec": {"qps": "fast"}},
        {"apiVersion": "cjrec/v1", "kind": "Settings", "spec": {"pointsBudget": -1}},
        {"apiVersion": "cjrec/v1", "kind": "Logo", "metadata": {"name": "x"}, "spec": {"url": "x", "size": 1}},
        {"apiVersion": "cjrec/v1", "kind": "Credentials", "metadata": {"name": "x"}, "spec": {"email": "a@b.c"}},
    ],
    ids=[
        "unknown-kind",
        "wrong-apiVersion",
        "unknown-field",
        "bad-name",
        "missing-spec",
        "qps-zero",
        "qps-string",
        "negative-budget",
        "unknown-logo-field",
        "credentials-without-token",
    ],
)
def test_schema_rejects_what_the_validator_rejects(document: dict[str, object]) -> None:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))

    assert not validator.is_valid(document)


def test_example_manifests_point_editors_at_the_schema() -> None:
    for path in sorted(EXAMPLES.glob("*.y*ml")):
        if path.name.endswith(".sops.yaml"):
            continue  # sops rewrites encrypted files; the modeline is for files people edit
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("$schema=", 1)[1].strip()).resolve()
        assert target == SCHEMA_FILE, path


def test_schema_module_and_file_agree() -> None:
    assert json_schema() == json.loads(SCHEMA_FILE.read_text())


# -- the repository's own example -----------------------------------------------------------
def test_repository_example_validates_without_a_key_and_says_secrets_were_not_checked(tmp_path: Path) -> None:
    done = run("validate", cwd=REPO, env=clean_env(tmp_path))

    assert done.returncode == 0, done.stderr
    assert "Valid: 4 files, 3 products, 2 logos (qps auto, points budget 20000)." in done.stdout
    assert "Note: secret values were not checked: no sops key was available to decrypt them" in done.stderr
