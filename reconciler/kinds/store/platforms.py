"""The registry of store platforms: the only list of them, keyed by a Store's ``platform:``.

The Store document accepts the names listed here and checks its fields by the platform's
rules; the plan estimates store costs and CJ's connections take ids through the platform
(:class:`~reconciler.kinds.store.platform.StorePlatform`). The calls to a store are made by the
client its connector builds (``adapters/store_platforms.py``, keyed by the same names). A new
platform is one pure module beside ``shopify.py`` and one line in :data:`_PLATFORMS` (and one
connector line on the adapters' side).
"""

from __future__ import annotations

from reconciler.kinds.store.platform import StorePlatform
from reconciler.kinds.store.shopify import SHOPIFY
from reconciler.kinds.store.woocommerce import WOOCOMMERCE

_PLATFORMS: dict[str, StorePlatform] = {platform.name: platform for platform in (SHOPIFY, WOOCOMMERCE)}


def platform_names() -> tuple[str, ...]:
    """The values ``platform:`` accepts, in registration order."""
    return tuple(_PLATFORMS)


def platform_named(name: str) -> StorePlatform:
    """The platform ``name`` names; KeyError for one cjrec does not know (the document refuses it first)."""
    return _PLATFORMS[name]
