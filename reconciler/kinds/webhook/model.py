"""The webhook kind's name and its entry in the configuration: the one Webhooks document, if any."""

from __future__ import annotations

from reconciler.models.desired import Desired, Webhooks

KIND = "webhook"
NAME = "webhooks"  # the one entry of the kind in Desired.resources


def webhooks(desired: Desired) -> Webhooks | None:
    """The Webhooks document, when the manifests have one."""
    found = desired.of(KIND).get(NAME)
    return found if isinstance(found, Webhooks) else None
