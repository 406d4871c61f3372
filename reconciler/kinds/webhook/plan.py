"""Plan the webhook resources: one ``webhook.<topic>`` per managed topic, and ``webhook.subscriptions``.

Pure, called by the planner core (see ``kinds/planning.py`` for the contract every kind
module follows). What to observe: :func:`needs_settings` and :func:`needs_subscriptions`
say whether the plan must read CJ's callback settings and the product subscriptions. A topic is compared with what ``setting/get`` says (so a
callback changed in CJ's web UI shows as drift and is set back) and with the state. The
subscriptions resource holds the pids cjrec subscribed to product events: with
``subscribeManagedProducts`` it follows the managed products; pids someone else subscribed
are left alone. Topics or subscriptions dropped with the Webhooks document are forgotten,
not changed at CJ, like products. A product or stock topic CJ sends to something other than
``cjrec receive`` is warned about (:func:`receiver_warnings`). What apply does: see ``reconciler/kinds/webhook/apply.py``.
"""

from __future__ import annotations

from typing import Any

from reconciler.kinds.planning import KindPlan, PlanContext
from reconciler.kinds.product.model import products
from reconciler.kinds.webhook.model import SUBSCRIPTIONS_ADDRESS as SUBSCRIPTIONS
from reconciler.kinds.webhook.model import callbacks_of, subscriptions_of, webhooks
from reconciler.kinds.webhook.record import webhooks_of
from reconciler.models.desired import Desired, Webhooks, WebhookSetting
from reconciler.models.observed import Observed
from reconciler.models.plan import Action, Change, Drift, Finding
from reconciler.models.receiver_url import OTHER_TOKEN, is_masked
from reconciler.models.state import SyncState

RECEIVER_TOPICS = ("product", "stock")  # the topics whose messages plan and apply act on


def needs_settings(desired: Desired, recorded: SyncState | None) -> bool:
    """Whether the plan must read CJ's webhook settings: a Webhooks document, topics recorded before, or a
    receiver token in Settings (so the plan can warn when CJ sends its messages elsewhere)."""
    return (
        webhooks(desired) is not None
        or (recorded is not None and webhooks_of(recorded) is not None)
        or desired.settings.receiver_token_source is not None
    )


def needs_subscriptions(desired: Desired, recorded: SyncState | None) -> bool:
    """Whether the plan must read the product subscriptions: cjrec manages them now or did before."""
    recorded_hooks = webhooks_of(recorded) if recorded else None
    wanted = webhooks(desired)
    return bool(wanted and wanted.subscribe_managed_products) or bool(recorded_hooks and recorded_hooks.subscriptions)


def plan_webhooks(context: PlanContext) -> KindPlan:
    """The webhook changes and the callback drift."""
    desired, recorded, observed = context.desired, context.recorded, context.observed
    changes: list[Change] = []
    drift: list[Drift] = []
    wanted = webhooks(desired)
    record = webhooks_of(recorded)
    recorded_topics: dict[str, dict[str, Any]] = dict(record.topics) if record else {}
    source = str(wanted.source) if wanted else None
    for topic, setting in sorted((wanted.topics if wanted else {}).items()):
        address = f"webhook.{topic}"
        want = setting.to_dict()
        before = recorded_topics.get(topic)
        callbacks = callbacks_of(observed)
        seen = callbacks.get(topic) if callbacks is not None else None
        live = seen.to_dict() if seen is not None else None
        if live is not None and before is not None and live != before:
            for key in ("enabled", "url"):
                if live.get(key) != before.get(key):
                    drift.append(Drift(address, key, before.get(key), live.get(key)))
        current = live if live is not None else before
        if before is None:
            if live == want:
                changes.append(
                    Change(
                        address,
                        Action.ADOPT,
                        None,
                        want,
                        "CJ already has this setting: recorded without a call",
                        source,
                    )
                )
            else:
                changes.append(Change(address, Action.CREATE, None, want, "set at CJ with webhook/set", source))
        elif current != want or before != want:
            reason = (
                "drifted at CJ (changed outside cjrec): set back"
                if live is not None and live != before
                else "changed in the manifests"
            )
            changes.append(Change(address, Action.UPDATE, before, want, reason, source))
    for topic, before in sorted(recorded_topics.items()):
        if wanted is None or topic not in wanted.topics:
            changes.append(
                Change(
                    f"webhook.{topic}",
                    Action.FORGET,
                    before,
                    None,
                    "no longer in the manifests: cjrec stops managing it; CJ keeps the setting",
                )
            )
    change = _subscriptions(desired, recorded, observed)
    if change is not None:
        changes.append(change)
    warnings = receiver_warnings(wanted, callbacks_of(observed))
    if context.request.refresh_only:
        # a refresh reports the callbacks' drift; setting them back is apply's job
        return KindPlan(drift=drift, warnings=warnings)
    return KindPlan(changes=changes, drift=drift, warnings=warnings)


def receiver_warnings(wanted: Webhooks | None, live: dict[str, WebhookSetting] | None) -> list[Finding]:
    """A warning for each topic whose messages steer the refresh (product, stock) that CJ sends, but not to
    ``cjrec receive`` (as far as CJ's settings were read this run)."""
    found: list[Finding] = []
    for topic in RECEIVER_TOPICS:
        seen = (live or {}).get(topic)
        if seen is None or not seen.enabled:
            continue
        want = wanted.topics.get(topic) if wanted is not None else None
        if is_masked(seen.url) or (want is not None and want.enabled and is_masked(want.url)):
            continue  # CJ posts to the receiver, or apply is about to make it
        stale = seen.url is not None and seen.url.endswith(OTHER_TOKEN)
        why = (
            "to a receiver path with another token than Settings receiverToken"
            if stale
            else "to a URL that is not the receiver"
        )
        found.append(
            Finding(
                f"webhook.{topic}",
                f"enabled at CJ, {why}: no receiver URL is configured, so CJ's {topic} messages cannot put changed "
                "products first in the refresh; set `url: {receiver: https://YOUR-HOST}` on the topic in the Webhooks "
                "document (with Settings receiverToken) and run `cjrec receive` there",
            )
        )
    return found


def _subscriptions(desired: Desired, recorded: SyncState, observed: Observed) -> Change | None:
    wanted = webhooks(desired)
    record = webhooks_of(recorded)
    had = set(record.subscriptions) if record else set()
    if wanted is None:
        if had:
            return Change(
                SUBSCRIPTIONS,
                Action.FORGET,
                {"subscribed": sorted(had)},
                None,
                "the Webhooks document is gone: cjrec stops managing the subscriptions; CJ keeps them",
            )
        return None
    want = {p.pid for p in products(desired)} if wanted.subscribe_managed_products else set()
    live = subscriptions_of(observed)
    current = (set(live) & (had | want)) if live is not None else had
    if current == want and had == want:
        return None
    if not want and not had and not current:
        return None
    subscribe, unsubscribe = len(want - current), len(current - want)
    reason = f"subscribe {subscribe}, unsubscribe {unsubscribe} product(s) to product and stock events"
    if subscribe == 0 and unsubscribe == 0:
        reason = "CJ already matches: recorded without a call"
    action = Action.CREATE if not had and current == set() else Action.UPDATE
    return Change(
        SUBSCRIPTIONS,
        action,
        None if action is Action.CREATE else {"subscribed": sorted(current)},
        {"subscribed": sorted(want)},
        reason,
        str(wanted.source),
    )
