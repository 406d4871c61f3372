"""The webhook kind's name and its entry in the configuration: the one Webhooks document, if any."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.models.cj_limits import SUBSCRIPTION_BATCH, SUBSCRIPTION_POINTS
from reconciler.models.desired import Desired, Webhooks, WebhookSetting
from reconciler.models.observed import Observed
from reconciler.models.plan import Action, Change

KIND = "webhook"
NAME = "webhooks"  # the one entry of the kind in Desired.resources


def webhooks(desired: Desired) -> Webhooks | None:
    """The Webhooks document, when the manifests have one."""
    found = desired.of(KIND).get(NAME)
    return found if isinstance(found, Webhooks) else None

SUBSCRIPTIONS_ADDRESS = "webhook.subscriptions"


def subscription_delta(change: Change) -> tuple[list[str], list[str]]:
    """For ``webhook.subscriptions``: (pids to subscribe, pids to unsubscribe)."""
    before = set((change.before or {}).get("subscribed", []))
    after = set((change.after or {}).get("subscribed", []))
    return sorted(after - before), sorted(before - after)


def apply_cost(change: Change) -> tuple[int, int]:
    """A topic is one webhook/set call (free); subscriptions cost a call and 10 points per 100 pids."""
    if change.address == SUBSCRIPTIONS_ADDRESS:
        if change.action not in (Action.CREATE, Action.UPDATE):
            return 0, 0
        calls = sum(-(-len(batch) // SUBSCRIPTION_BATCH) for batch in subscription_delta(change))
        return calls, calls * SUBSCRIPTION_POINTS
    return (1, 0) if change.action in (Action.CREATE, Action.UPDATE) else (0, 0)


@dataclass(frozen=True)
class CallbacksSeen:
    """What CJ said of webhooks this run: the callback settings and the product subscriptions,
    each None when it was not asked."""

    settings: dict[str, WebhookSetting] | None = None
    subscriptions: frozenset[str] | None = None


def callbacks_of(observed: Observed) -> dict[str, WebhookSetting] | None:
    """CJ's callback settings, when they were asked this run."""
    seen = observed.of(KIND)
    return seen.settings if isinstance(seen, CallbacksSeen) else None


def subscriptions_of(observed: Observed) -> frozenset[str] | None:
    """The pids with product event subscriptions at CJ, when they were asked this run."""
    seen = observed.of(KIND)
    return seen.subscriptions if isinstance(seen, CallbacksSeen) else None
