"""Product event subscriptions: cjrec changes only the ones it made or wants, never someone else's.

The planner counts as cjrec's current subscriptions only CJ's live list restricted to what
cjrec recorded or wants (``current = live & (had | want)``). A pid another integration
subscribed is in neither, so it never shows in a change and is never unsubscribed; a pid
cjrec had that someone unsubscribed at CJ is subscribed again if it is still wanted.
"""

from __future__ import annotations

from reconciler.kinds.planning import PlanContext
from reconciler.kinds.webhook.model import SUBSCRIPTIONS_ADDRESS
from reconciler.kinds.webhook.plan import plan_webhooks
from reconciler.kinds.webhook.record import WebhookRecord, with_webhooks
from reconciler.models.declared import Source
from reconciler.models.desired import Webhooks, WebhookSetting
from reconciler.models.plan import Action, Change
from tests.support.plan_builders import cj_said, desired, pid, product, request, state

MANAGED_A, MANAGED_B, FOREIGN = pid(1), pid(2), pid(900)
WEBHOOKS_FILE = "manifests/webhooks.yaml"


def subscriptions_change(*, wanted: list[str], subscribe: bool, had: list[str], live: list[str]) -> Change | None:
    """The ``webhook.subscriptions`` change for a manifest listing ``wanted``, state ``had`` and CJ ``live``."""
    hooks = Webhooks(
        topics={"product": WebhookSetting(True, "https://hooks.example.com/cj")},
        subscribe_managed_products=subscribe,
        source=Source(WEBHOOKS_FILE, 3),
    )
    want = desired([product(p) for p in wanted], webhooks=hooks)
    recorded = with_webhooks(state(),
        WebhookRecord(
            topics={"product": {"enabled": True, "url": "https://hooks.example.com/cj"}}, subscriptions=tuple(had)
        )
    )
    seen = cj_said(
        my_products=None,
        webhooks={"product": WebhookSetting(True, "https://hooks.example.com/cj")},
        subscriptions=frozenset(live),
    )
    planned = plan_webhooks(PlanContext(want, recorded, has_state=True, observed=seen, request=request()))
    return next((c for c in planned.changes if c.address == SUBSCRIPTIONS_ADDRESS), None)


def test_a_subscription_someone_else_made_is_no_change_of_cjrecs() -> None:
    assert subscriptions_change(wanted=[MANAGED_A], subscribe=True, had=[MANAGED_A], live=[MANAGED_A, FOREIGN]) is None


def test_dropping_a_managed_product_unsubscribes_it_and_only_it() -> None:
    change = subscriptions_change(
        wanted=[MANAGED_A], subscribe=True, had=[MANAGED_A, MANAGED_B], live=[MANAGED_A, MANAGED_B, FOREIGN]
    )
    assert change is not None and change.action is Action.UPDATE
    assert change.before == {"subscribed": [MANAGED_A, MANAGED_B]}
    assert change.after == {"subscribed": [MANAGED_A]}
    assert change.reason == "subscribe 0, unsubscribe 1 product(s) to product and stock events"


def test_turning_subscriptions_off_unsubscribes_cjrecs_own_and_leaves_the_foreign_one() -> None:
    change = subscriptions_change(
        wanted=[MANAGED_A, MANAGED_B], subscribe=False, had=[MANAGED_A, MANAGED_B], live=[MANAGED_A, MANAGED_B, FOREIGN]
    )
    assert change is not None
    assert change.before == {"subscribed": [MANAGED_A, MANAGED_B]}
    assert change.after == {"subscribed": []}
    assert FOREIGN not in str(change.before) + str(change.after) + str(change.reason)


def test_a_subscription_removed_at_cj_is_made_again_while_wanted() -> None:
    change = subscriptions_change(
        wanted=[MANAGED_A, MANAGED_B], subscribe=True, had=[MANAGED_A, MANAGED_B], live=[MANAGED_A]
    )
    assert change is not None
    assert change.before == {"subscribed": [MANAGED_A]}
    assert change.after == {"subscribed": [MANAGED_A, MANAGED_B]}
    assert change.reason == "subscribe 1, unsubscribe 0 product(s) to product and stock events"
