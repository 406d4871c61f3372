"""Webhooks: configured from the manifest, drift at CJ detected and corrected, subscriptions follow managed products."""

from __future__ import annotations

import json
import urllib.request

from reconciler.sandbox import DEMO_API_KEY, Sandbox
from tests.support.cj_workspace import CjWorkspace, on_sale

HOOK = "https://hooks.example.com/cj"


def webhooks(cjw: CjWorkspace, *, subscribe: bool = True, stock: bool = True) -> None:
    cjw.write(
        "manifests/webhooks.yaml",
        f"""
        apiVersion: cjrec/v1
        kind: Webhooks
        spec:
          product: {{enabled: true, url: {HOOK}}}
          stock: {{enabled: {str(stock).lower()}{", url: " + HOOK if stock else ""}}}
          order: {{enabled: false}}
          subscribeManagedProducts: {str(subscribe).lower()}
        """,
    )


def plan_json(cjw: CjWorkspace, *args: str) -> dict:
    result = cjw.run("plan", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_webhooks_round_trip_with_drift_detected_and_corrected(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 3)
    cjw.products(pids)
    webhooks(cjw)
    plan = plan_json(cjw)
    by_address = {c["address"]: c for c in plan["changes"]}
    assert by_address["webhook.product"]["action"] == "create"
    assert by_address["webhook.order"]["action"] == "adopt"  # CJ already has it off
    assert by_address["webhook.subscriptions"]["after"] == {"subscribed": sorted(pids)}
    assert plan["cost"]["apply_points"] == 10  # one subscribe call for 3 products
    applied = cjw.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    hooks = cjw.sandbox.webhooks()
    assert hooks["callback"]["productType"] == "ENABLE"
    assert hooks["callback"]["productCallbackUrls"] == [HOOK]
    assert hooks["callback"]["stockCallbackUrls"] == [HOOK]
    assert hooks["subscriptions"] == sorted(pids)
    assert cjw.run("plan", "--detailed-exitcode").exit_code == 0

    cjw.sandbox.set_webhook("product", "ENABLE", ["https://evil.example.net/steal"])
    drifted = cjw.run("plan", "--detailed-exitcode")
    assert drifted.exit_code == 2
    assert "drifted at CJ" in drifted.stdout
    assert "https://evil.example.net/steal" in drifted.stdout
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    assert cjw.sandbox.webhooks()["callback"]["productCallbackUrls"] == [HOOK]
    assert cjw.run("plan", "--detailed-exitcode").exit_code == 0


def test_subscriptions_follow_the_managed_products_in_batches_of_100(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 105)
    cjw.sandbox.add_to_my_products(*pids)  # adopt: no add calls, so the test stays quick
    cjw.products(pids)
    webhooks(cjw)
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    subscribe_calls = [c for c in cjw.sandbox.calls() if str(c["path"]).endswith("/webhook/product/subscribe")]
    assert [len(c["body"]["productIds"]) for c in subscribe_calls] == [100, 5]  # type: ignore[index]
    cjw.products(pids[:95])
    plan = plan_json(cjw)
    subs = next(c for c in plan["changes"] if c["address"] == "webhook.subscriptions")
    assert subs["action"] == "update"
    assert plan["cost"]["apply_points"] == 10
    assert cjw.run("apply", "--auto-approve", "--allow-mass-forget").exit_code == 0
    assert cjw.sandbox.webhooks()["subscriptions"] == sorted(pids[:95])


def subscribe_with_another_tool(sandbox: Sandbox, *pids: str) -> None:
    """Subscribe ``pids`` through CJ's API with a token of its own, as another integration would."""
    sandbox.advance_clock(301)  # CJ hands out one token pair per 300 s per account

    def call(path: str, body: dict[str, object], token: str | None = None) -> dict[str, object]:
        request = urllib.request.Request(
            sandbox.base_url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **({"CJ-Access-Token": token} if token else {})},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            reply: dict[str, object] = json.loads(answer.read())
        assert reply["code"] == 200, reply
        return reply

    pair = call("/authentication/getAccessToken", {"apiKey": DEMO_API_KEY})["data"]
    assert isinstance(pair, dict)
    call("/webhook/product/subscribe", {"productIds": list(pids)}, token=str(pair["accessToken"]))


def test_subscriptions_someone_else_made_are_left_alone(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 3)
    cjw.products(pids[:2])
    webhooks(cjw)
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    cjw.sandbox.add_to_my_products(pids[2])
    # a subscription made outside cjrec, for a product cjrec does not manage
    api_state = cjw.sandbox.webhooks()
    assert pids[2] not in api_state["subscriptions"]
    subscribe_with_another_tool(cjw.sandbox, pids[2])
    assert cjw.sandbox.webhooks()["subscriptions"] == sorted(pids)
    # while cjrec subscribes its managed products, the other subscription is no change of cjrec's
    assert cjw.run("plan", "--detailed-exitcode").exit_code == 0
    webhooks(cjw, subscribe=False)
    plan = plan_json(cjw)
    subs = next(c for c in plan["changes"] if c["address"] == "webhook.subscriptions")
    assert subs["before"] == {"subscribed": sorted(pids[:2])} and subs["after"] == {"subscribed": []}
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    # cjrec unsubscribed its own two (the list was [] before the other tool subscribed pids[2])
    assert cjw.sandbox.webhooks()["subscriptions"] == [pids[2]]
    assert cjw.run("plan", "--detailed-exitcode").exit_code == 0


def test_a_loopback_callback_url_is_refused_in_the_manifest(cjw: CjWorkspace) -> None:
    cjw.write(
        "manifests/webhooks.yaml",
        """
        apiVersion: cjrec/v1
        kind: Webhooks
        spec:
          product: {enabled: true, url: https://127.0.0.1/hook}
        """,
    )
    result = cjw.run("validate")
    assert result.exit_code == 1
    assert "manifests/webhooks.yaml:4: spec.product.url:" in result.stderr
    assert "loopback or private" in result.stderr
