"""The receiver's path token as the sops-encrypted Settings field ``receiverToken``.

Encrypted, it is what ``cjrec receive`` serves (``CJREC_RECEIVER_TOKEN`` wins when set, and
``--check`` warns when the two differ); in plaintext it is refused at its file and line like
any other secret. The secret watch (tests/conftest.py) fails a test whose output, plan or
state files hold the token.
"""

from __future__ import annotations

import pytest

from reconciler.cli.receive_command import receiver_token
from reconciler.errors import UsageError
from reconciler.models.declared import Source
from reconciler.models.desired import Settings
from reconciler.models.secret import Secret
from tests.support.cj_workspace import CjWorkspace

TOKEN = "set_" + "Pq9Rs8Tu7Vw6Xy5Za4Bc3De2Fg1"
OTHER = "env_" + "Hi1Jk2Lm3No4Pq5Rs6Tu7Vw8Xy9"
SETTINGS = "apiVersion: cjrec/v1\nkind: Settings\nspec:\n  qps: 10\n  receiverToken: {token}\n"


def _encrypted_settings(cjw: CjWorkspace, token: str = TOKEN) -> None:
    (cjw.root / "manifests" / "settings.yaml").unlink()
    cjw.watch.secrets.add(token)
    cjw.encrypt("manifests/settings.sops.yaml", SETTINGS.format(token=token))


def test_a_plaintext_receiver_token_is_refused_at_its_file_and_line(cjw: CjWorkspace) -> None:
    cjw.write("manifests/settings.yaml", SETTINGS.format(token=TOKEN))
    result = cjw.cli("validate")
    assert result.exit_code == 1
    assert "manifests/settings.yaml:5" in result.output and "this secret is in plaintext" in result.output
    assert TOKEN not in result.output


def test_an_encrypted_receiver_token_is_what_the_receiver_serves_and_never_shows(cjw: CjWorkspace) -> None:
    _encrypted_settings(cjw)
    assert TOKEN not in (cjw.root / "manifests" / "settings.sops.yaml").read_text()
    assert cjw.run("token", "refresh").exit_code == 0  # type: ignore[attr-defined]
    check = cjw.cli("receive", "--check")
    assert check.exit_code == 0, check.output
    assert "path token: set (Settings receiverToken, manifests/settings.sops.yaml:5)" in check.stdout
    plan = cjw.run("plan")
    assert plan.exit_code == 0, plan.output  # type: ignore[attr-defined]


def test_the_variable_wins_and_check_warns_when_it_differs_from_settings(cjw: CjWorkspace) -> None:
    _encrypted_settings(cjw)
    cjw.watch.secrets.add(OTHER)
    assert cjw.run("token", "refresh").exit_code == 0  # type: ignore[attr-defined]
    check = cjw.cli("receive", "--check", env={"CJREC_RECEIVER_TOKEN": OTHER})
    assert check.exit_code == 0, check.output
    assert "path token: set (CJREC_RECEIVER_TOKEN)" in check.stdout
    assert "differs from Settings receiverToken (manifests/settings.sops.yaml:5)" in check.output


def test_a_guessable_encrypted_token_is_refused_at_its_line(cjw: CjWorkspace) -> None:
    _encrypted_settings(cjw, token="short")
    result = cjw.cli("validate")
    assert result.exit_code == 1
    assert "manifests/settings.sops.yaml:5" in result.output and "24 to 128" in result.output


def test_a_token_no_key_could_decrypt_is_named_by_where_it_is() -> None:
    declared = Settings(receiver_token=None, receiver_token_source=Source("manifests/settings.sops.yaml", 5))
    with pytest.raises(UsageError, match=r"receiverToken at manifests/settings.sops.yaml:5 could not be decrypted"):
        receiver_token(None, settings=declared)
    served = receiver_token(
        None, settings=Settings(receiver_token=Secret(TOKEN), receiver_token_source=declared.receiver_token_source)
    )
    assert served.token == Secret(TOKEN) and served.note is None
