"""The connectors of the store platforms: how the CLI builds the client of each declared Store.

Keyed by the same names as ``kinds/store/platforms.py`` (a Store's ``platform:``); the only
place that maps a platform to its client module. :func:`connect_stores` builds the
:class:`~reconciler.kinds.store.platform.StoreClient` of every declared Store, by name, as the
store kind takes them (``ApplyDeps.stores``, ``ReadContext.stores``). A new platform is one
client module (beside ``shopify_store.py``) and one line in :data:`_CONNECTORS`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from reconciler.adapters import shopify_store, woocommerce_store
from reconciler.adapters.clock import Clock
from reconciler.adapters.store_tokens import StoreTokenCache
from reconciler.kinds.store.model import Store, stores
from reconciler.kinds.store.platform import StoreClient
from reconciler.models.desired import Desired

__all__ = ["ConnectDeps", "Connector", "StoreTokenCache", "connect_stores", "connector_names"]  # the cache type for connectors


@dataclass(frozen=True)
class ConnectDeps:
    """What a connector may build a store's client with: Ctrl-C (``cancel``) stops its calls as it
    stops CJ's; the injected clock paces and times tokens; ``timeout`` (connect, read) per
    request; ``tokens`` keeps expiring tokens encrypted between runs (None: kept in memory only)."""

    cancel: threading.Event
    clock: Clock
    timeout: tuple[float, float]
    tokens: StoreTokenCache | None = None


Connector = Callable[[Store, ConnectDeps], StoreClient]


def _shopify(store: Store, deps: ConnectDeps) -> StoreClient:
    return shopify_store.connect(store, cancel=deps.cancel, clock=deps.clock, timeout=deps.timeout, tokens=deps.tokens)


def _woocommerce(store: Store, deps: ConnectDeps) -> StoreClient:
    return woocommerce_store.connect(store, cancel=deps.cancel, clock=deps.clock, timeout=deps.timeout)


_CONNECTORS: dict[str, Connector] = {"shopify": _shopify, "woocommerce": _woocommerce}


def connector_names() -> tuple[str, ...]:
    """The platforms a client can be built for (a test keeps them equal to the kinds' registry)."""
    return tuple(_CONNECTORS)


def connect_stores(desired: Desired, deps: ConnectDeps) -> dict[str, StoreClient]:
    """The client of every declared Store, by name (no network yet: a client calls when used)."""
    return {store.name: _CONNECTORS[store.platform](store, deps) for store in stores(desired)}
