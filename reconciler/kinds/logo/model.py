"""The logo kind's name and its entries in the configuration: the declared logos, the default one.

Read by the logo planner and by the product planner (a POD product prints a logo).
"""

from __future__ import annotations

from reconciler.models.desired import Desired, Logo

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
