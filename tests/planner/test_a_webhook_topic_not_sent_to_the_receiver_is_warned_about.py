"""The receiver's callback, masked and unmasked (models/receiver_url.py), and the plan's warning
when CJ sends product or stock messages somewhere that is not ``cjrec receive`` (pure)."""

from __future__ import annotations

from reconciler.kinds.webhook.plan import receiver_warnings
from reconciler.models.declared import Source
from reconciler.models.desired import Webhooks, WebhookSetting
from reconciler.models.receiver_url import callback_url, masked_live_url, masked_url, unmask
from reconciler.models.secret import Secret

TOKEN = Secret("tok_" + "Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9")
NEW = Secret("new_" + "Jj1Kk2Ll3Mm4Nn5Oo6Pp7Qq8Rr9")
BASE = "https://hooks.example.com"


def _webhooks(url: str | None) -> Webhooks:
    topics = {"product": WebhookSetting(url is not None, url)}
    return Webhooks(topics, False, Source("manifests/webhooks.yaml", 1))


def test_the_masked_callback_holds_a_fingerprint_and_unmasks_only_with_its_own_token() -> None:
    masked = masked_url(BASE + "/", TOKEN)
    assert TOKEN.reveal() not in masked and masked.startswith(f"{BASE}/cj/(receiver token sha256:")
    assert masked != masked_url(BASE, NEW)  # a rotated token is a change to apply
    assert unmask(masked, TOKEN) == callback_url(BASE, TOKEN) == f"{BASE}/cj/{TOKEN.reveal()}"
    assert unmask(masked, NEW) is None  # planned with another token: apply refuses
    assert unmask(BASE + "/plain", TOKEN) is None


def test_what_cj_reports_is_masked_before_anyone_sees_it() -> None:
    assert masked_live_url(callback_url(BASE, TOKEN), TOKEN) == masked_url(BASE, TOKEN)
    assert masked_live_url(callback_url(BASE, NEW), TOKEN) == f"{BASE}/cj/(another token)"
    assert masked_live_url("https://erp.example.com/hooks", TOKEN) == "https://erp.example.com/hooks"
    assert masked_live_url(None, TOKEN) is None


def test_a_topic_cj_sends_elsewhere_is_warned_about_unless_the_receiver_is_planned() -> None:
    elsewhere = {"product": WebhookSetting(True, "https://erp.example.com/hooks")}
    [warning] = receiver_warnings(None, elsewhere)
    assert warning.address == "webhook.product" and "no receiver URL is configured" in warning.message
    assert "not the receiver" in warning.message
    assert receiver_warnings(_webhooks(masked_url(BASE, TOKEN)), elsewhere) == []  # apply sets it
    assert receiver_warnings(_webhooks("https://erp.example.com/hooks"), elsewhere) != []


def test_a_topic_sent_to_the_receiver_or_off_is_not_warned_about() -> None:
    assert receiver_warnings(None, {"product": WebhookSetting(True, masked_url(BASE, TOKEN))}) == []
    assert receiver_warnings(None, {"product": WebhookSetting(False, None)}) == []
    assert receiver_warnings(None, {"order": WebhookSetting(True, "https://erp.example.com/orders")}) == []
    assert receiver_warnings(None, None) == []  # CJ's settings were not read this run


def test_a_receiver_path_with_a_stale_token_is_named_as_such() -> None:
    stale = {"stock": WebhookSetting(True, masked_live_url(callback_url(BASE, NEW), TOKEN))}
    [warning] = receiver_warnings(None, stale)
    assert "another token than Settings receiverToken" in warning.message
    assert NEW.reveal() not in warning.message


def test_apply_makes_the_callback_whole_only_with_the_token_it_was_planned_with() -> None:
    import pytest

    from reconciler.errors import CjrecError
    from reconciler.kinds.webhook.apply import WebhookExecutor

    executor = WebhookExecutor(object(), receiver_token=TOKEN)  # type: ignore[arg-type]
    assert executor._callback(masked_url(BASE, TOKEN)) == callback_url(BASE, TOKEN)
    assert executor._callback("https://erp.example.com/hooks") == "https://erp.example.com/hooks"
    with pytest.raises(CjrecError, match="planned with a receiverToken this run cannot open") as raised:
        executor._callback(masked_url(BASE, NEW))  # the token changed between plan and apply
    assert NEW.reveal() not in str(raised.value) and TOKEN.reveal() not in str(raised.value)
    with pytest.raises(CjrecError, match="cannot open"):
        WebhookExecutor(object(), receiver_token=None)._callback(masked_url(BASE, TOKEN))  # type: ignore[arg-type]
