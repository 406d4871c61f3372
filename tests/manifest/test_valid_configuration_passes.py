"""A valid configuration validates, with and without a sops key."""

from __future__ import annotations

from tests.support.workspace import Workspace


def test_valid_configuration_with_key_checks_secrets(valid_workspace: Workspace) -> None:
    result = valid_workspace.cli("validate")
    assert result.exit_code == 0, result.output
    assert "Valid: 4 files, 2 products, 1 logos (qps 2, points budget 5000)." in result.stdout
    assert "not checked" not in result.output


def test_without_key_structure_is_checked_and_secrets_are_said_to_be_unchecked(valid_workspace: Workspace) -> None:
    result = valid_workspace.cli("validate", key=None)
    assert result.exit_code == 0, result.output
    assert "secret values were not checked" in result.stderr
