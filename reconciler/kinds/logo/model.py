"""The logo kind's name and its entries in the configuration: the declared logos, the default one.

Read by the logo planner and by the product planner (a POD product prints a logo).
"""

from __future__ import annotations

from reconciler.models.desired import Desired, Logo
from reconciler.models.plan import Change

KIND = "logo"


def logos(desired: Desired) -> tuple[Logo, ...]:
    """Every declared logo, in declaration order."""
    return tuple(desired.of(KIND).values())


def logo_named(desired: Desired, name: str) -> Logo | None:
    """The logo called ``name``."""
    found = desired.of(KIND).get(name)
    return found if isinstance(found, Logo) else None


def default_logo(desired: Desired) -> Logo | None:
    """The logo POD products use when they name none."""
    return next((logo for logo in logos(desired) if logo.default), None)


def upload_of(change: Change) -> str | None:
    """For a logo hosted in the logo store: the object apply uploads to, when this change needs it there."""
    hosted = (change.after or {}).get("hosted")
    if not hosted or (change.before or {}).get("hosted") == hosted:
        return None
    return str(hosted)
