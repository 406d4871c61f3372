"""webhook/set, product event subscriptions and their listing, as the sandbox answers them."""

from __future__ import annotations

from reconciler.sandbox import Sandbox
from tests.support.sandbox_wire import Wire

TEE = "2503190327561613000"
MUG = "1658748072937136128"


def test_webhook_set_changes_the_callback_setting_get_reports(sandbox: Sandbox, logged_in: Wire) -> None:
    answer = logged_in.api(
        "POST", "/webhook/set", body={"product": {"type": "ENABLE", "callbackUrls": ["https://hooks.example.com/cj"]}}
    )
    assert answer.code == 200
    callback = logged_in.api("GET", "/setting/get").field("callback")
    assert isinstance(callback, dict)
    assert callback["productType"] == "ENABLE"
    assert callback["productCallbackUrls"] == ["https://hooks.example.com/cj"]
    assert callback["stockType"] == "CANCEL"
    off = logged_in.api("POST", "/webhook/set", body={"product": {"type": "CANCEL", "callbackUrls": []}})
    assert off.code == 200
    assert sandbox.webhooks()["callback"]["productCallbackUrls"] == []  # type: ignore[index]


def test_webhook_set_refuses_http_loopback_private_and_several_urls(logged_in: Wire) -> None:
    for urls in (
        ["http://hooks.example.com/x"],
        ["https://127.0.0.1/x"],
        ["https://192.168.1.2/x"],
        ["https://a.example/x", "https://b.example/x"],
        [],
    ):
        answer = logged_in.api("POST", "/webhook/set", body={"stock": {"type": "ENABLE", "callbackUrls": urls}})
        assert answer.code == 1600300, urls


def test_subscriptions_cost_10_points_take_at_most_100_pids_and_are_listed(sandbox: Sandbox, logged_in: Wire) -> None:
    sub = logged_in.api("POST", "/webhook/product/subscribe", body={"productIds": [TEE, MUG]})
    assert sub.code == 200
    assert sandbox.points_used() == 10
    listed = logged_in.api("GET", "/webhook/product/subscribe/list", query={"pageNum": "1", "pageSize": "200"}).data
    assert isinstance(listed, dict)
    assert [row["productId"] for row in listed["content"]] == sorted([TEE, MUG])
    too_many = logged_in.api("POST", "/webhook/product/subscribe", body={"productIds": [TEE] * 101})
    assert too_many.code == 1600300
    unsub = logged_in.api("POST", "/webhook/product/unsubscribe", body={"productIds": [MUG]})
    assert unsub.code == 200
    assert sandbox.webhooks()["subscriptions"] == [TEE]
    assert sandbox.points_used() == 20
