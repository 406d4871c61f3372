"""kind: Webhooks — valid forms and each rule, with file:line errors."""

from __future__ import annotations

import pytest

from tests.support.workspace import Workspace

VALID = """
apiVersion: cjrec/v1
kind: Webhooks
spec:
  product: {enabled: true, url: https://hooks.example.com/cj}
  stock: {enabled: false}
  subscribeManagedProducts: true
"""


def test_a_webhooks_document_validates(valid_workspace: Workspace) -> None:
    valid_workspace.write("manifests/webhooks.yaml", VALID)
    result = valid_workspace.cli("validate")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("spec", "line", "words"),
    [
        ("  product: {enabled: true}\n", "4: spec.product", "needs a `url`"),
        (
            "  product: {enabled: false, url: https://hooks.example.com/x}\n",
            "4: spec.product",
            "`url` goes with `enabled: true`",
        ),
        ("  product: {enabled: true, url: http://hooks.example.com/x}\n", "4: spec.product.url", "https://"),
        ("  product: {enabled: true, url: https://localhost/x}\n", "4: spec.product.url", "loopback or private"),
        ("  product: {enabled: true, url: https://10.1.2.3/x}\n", "4: spec.product.url", "loopback or private"),
        ("  invoices: {enabled: true, url: https://hooks.example.com/x}\n", "4: spec.invoices", "unknown field"),
        ("  product: {enabled: yes-please, url: https://hooks.example.com/x}\n", "4: spec.product.enabled", "boolean"),
        ("  subscribeManagedProducts: 1\n", "4: spec.subscribeManagedProducts", "boolean"),
    ],
)
def test_bad_webhook_settings_are_named_with_file_and_line(
    valid_workspace: Workspace, spec: str, line: str, words: str
) -> None:
    valid_workspace.write("manifests/webhooks.yaml", "apiVersion: cjrec/v1\nkind: Webhooks\nspec:\n" + spec)
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1
    assert f"manifests/webhooks.yaml:{line}" in result.stderr
    assert words in result.stderr


def test_a_second_webhooks_document_is_an_error(valid_workspace: Workspace) -> None:
    valid_workspace.write("manifests/webhooks.yaml", VALID + "---" + VALID)
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1
    assert "a second Webhooks document" in result.stderr
