"""Webhooks ``url: {receiver: https://HOST}``: CJ gets ``https://HOST/cj/<receiverToken>``; nothing else holds the token.

The token is the sops-encrypted Settings ``receiverToken``. The plan (text and JSON), the saved
plan, the state and every later plan show the callback masked (``(receiver token sha256:…)``);
only the ``webhook/set`` call carries it whole, and CJ's answer is masked as it is read, so a
second plan is empty. ``plan`` warns when CJ sends product or stock messages anywhere else.
"""

from __future__ import annotations

import json

from reconciler.models.receiver_url import masked_url
from reconciler.models.secret import Secret
from tests.e2e.test_the_receiver_token_can_live_in_encrypted_settings import SETTINGS, TOKEN
from tests.support.cj_workspace import CjWorkspace

BASE = "https://hooks.example.com"
MASKED = masked_url(BASE, Secret(TOKEN))


def _workspace(cjw: CjWorkspace, product_url: str = "{receiver: https://hooks.example.com}") -> None:
    (cjw.root / "manifests" / "settings.yaml").unlink()
    cjw.watch.secrets.add(TOKEN)
    cjw.watch.check_call_logs = False  # webhook/set must carry the token: checked below, call by call
    cjw.encrypt("manifests/settings.sops.yaml", SETTINGS.format(token=TOKEN))
    cjw.write(
        "manifests/webhooks.yaml",
        f"apiVersion: cjrec/v1\nkind: Webhooks\nspec:\n  product: {{enabled: true, url: {product_url}}}\n",
    )


def _token_only_in_webhook_set(cjw: CjWorkspace) -> None:
    for call in cjw.sandbox.calls():
        if TOKEN in json.dumps(call):
            assert str(call["path"]).endswith("/webhook/set"), call["path"]
            assert call["body"]["product"]["callbackUrls"] == [f"{BASE}/cj/{TOKEN}"]


def test_the_receiver_callback_is_composed_at_apply_and_masked_everywhere_else(cjw: CjWorkspace) -> None:
    _workspace(cjw)
    plan = cjw.run("plan", "--out", "plan.json")
    assert plan.exit_code == 0, plan.output  # type: ignore[attr-defined]
    assert f"on -> {MASKED}"[:60] in plan.stdout  # type: ignore[attr-defined]
    assert "no receiver URL is configured" not in plan.output  # type: ignore[attr-defined]
    saved = (cjw.root / "plan.json").read_text()
    assert MASKED in saved and TOKEN not in saved
    applied = cjw.run("apply", "--auto-approve", "plan.json")
    assert applied.exit_code == 0, applied.output  # type: ignore[attr-defined]
    assert cjw.sandbox.webhooks()["callback"]["productCallbackUrls"] == [f"{BASE}/cj/{TOKEN}"]
    _token_only_in_webhook_set(cjw)
    recorded = json.dumps(cjw.state())
    assert MASKED in recorded and TOKEN not in recorded
    again = cjw.run("plan", "--detailed-exitcode", "--format", "json")
    assert again.exit_code == 0, again.output  # type: ignore[attr-defined]
    assert json.loads(again.stdout)["warnings"] == []  # type: ignore[attr-defined]


def test_a_callback_set_at_cj_with_another_token_is_drift_shown_without_it(cjw: CjWorkspace) -> None:
    _workspace(cjw)
    assert cjw.run("apply", "--auto-approve").exit_code == 0  # type: ignore[attr-defined]
    old = "old_" + "Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1"
    cjw.watch.secrets.add(old)
    cjw.sandbox.set_webhook("product", "ENABLE", [f"{BASE}/cj/{old}"])
    drifted = cjw.run("plan", "--detailed-exitcode")
    assert drifted.exit_code == 2  # type: ignore[attr-defined]
    assert f"{BASE}/cj/(another token)" in drifted.stdout  # type: ignore[attr-defined]
    assert cjw.run("apply", "--auto-approve").exit_code == 0  # type: ignore[attr-defined]
    assert cjw.sandbox.webhooks()["callback"]["productCallbackUrls"] == [f"{BASE}/cj/{TOKEN}"]


def test_plan_warns_when_cj_sends_product_messages_elsewhere(cjw: CjWorkspace) -> None:
    _workspace(cjw, product_url="https://erp.example.com/hooks")
    plan = cjw.run("plan", "--format", "json")
    assert plan.exit_code == 0, plan.output  # type: ignore[attr-defined]
    assert json.loads(plan.stdout)["warnings"] == []  # type: ignore[attr-defined]  # CJ has nothing enabled yet
    assert cjw.run("apply", "--auto-approve").exit_code == 0  # type: ignore[attr-defined]
    warned = cjw.run("plan")
    assert "webhook.product" in warned.output  # type: ignore[attr-defined]
    assert "no receiver URL is configured" in warned.output  # type: ignore[attr-defined]
    assert "url: {receiver: https://YOUR-HOST}" in warned.output  # type: ignore[attr-defined]


def test_a_receiver_callback_without_settings_receiver_token_is_an_error_at_its_line(cjw: CjWorkspace) -> None:
    cjw.write(
        "manifests/webhooks.yaml",
        "apiVersion: cjrec/v1\nkind: Webhooks\nspec:\n  product:\n    enabled: true\n    url: {receiver: https://hooks.example.com}\n",
    )
    result = cjw.cli("validate")
    assert result.exit_code == 1
    assert "manifests/webhooks.yaml:6" in result.output and "needs Settings receiverToken" in result.output


def test_with_a_receiver_token_and_no_webhooks_document_plan_still_warns(cjw: CjWorkspace) -> None:
    _workspace(cjw)
    (cjw.root / "manifests" / "webhooks.yaml").unlink()
    cjw.sandbox.set_webhook("product", "ENABLE", ["https://erp.example.com/hooks"])
    warned = cjw.run("plan")
    assert warned.exit_code == 0, warned.output  # type: ignore[attr-defined]
    assert "webhook.product" in warned.output and "no receiver URL is configured" in warned.output  # type: ignore[attr-defined]
