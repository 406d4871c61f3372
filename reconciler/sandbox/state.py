"""Everything one sandbox knows, behind one lock: :class:`SandboxState`.

Built by :class:`~reconciler.sandbox.server.Sandbox` from its config and shared by the API
handlers (:mod:`.api`), the admin side (:mod:`.admin`) and the HTTP server. Every read or
change of the state happens under ``lock``; nothing sleeps while holding it. ``stopping``
is set when the sandbox stops, waking any answer held back by latency or a timeout fault.
"""

from __future__ import annotations

import threading

from reconciler.sandbox.accounts import Account
from reconciler.sandbox.calllog import CallLog, Scrubber
from reconciler.sandbox.catalog import Catalog, generate_catalog
from reconciler.sandbox.clock import SandboxClock
from reconciler.sandbox.config import SandboxConfig
from reconciler.sandbox.connections import ConnectionDesk
from reconciler.sandbox.deliveries import Deliveries
from reconciler.sandbox.faults import Faults
from reconciler.sandbox.freight import FreightDesk
from reconciler.sandbox.hostile import make_hostile
from reconciler.sandbox.limits import SlidingWindow


class SandboxState:
    """The catalog, the account, the faults, the call log, the clock, and their lock."""

    def __init__(self, config: SandboxConfig, *, clock: SandboxClock | None = None) -> None:
        self.config = config
        self.clock = clock or SandboxClock()
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.catalog: Catalog = generate_catalog(seed=config.seed, count=config.products)
        self.account = Account(config)
        self.faults = Faults(config.faults, latency_ms=config.latency_ms, seed=config.seed)
        self.calls = CallLog()
        self.freight = FreightDesk()
        self.connections = ConnectionDesk()  # store variants connected to CJ variants (product/conn/connection)
        self.deliveries = Deliveries(self.clock, self.stopping)  # webhook messages to the account's callbacks
        self._ip_windows: dict[str, SlidingWindow] = {}
        if config.hostile:
            make_hostile(self.catalog)
            self.faults.hostile_messages = True
        if config.faults.points_remaining is not None:
            self.account.points.set_remaining(self.clock.utc_day(), config.faults.points_remaining)

    def ip_window(self, ip: str) -> SlidingWindow:
        """The per-IP window (10 requests/s at CJ), made on first use."""
        window = self._ip_windows.get(ip)
        if window is None:
            window = self._ip_windows[ip] = SlidingWindow(self.config.ip_qps, 1.0)
        return window

    def scrubber(self) -> Scrubber:
        """A scrubber for every secret known now: the API key and every token ever issued."""
        return Scrubber({self.account.api_key, *self.account.tokens.issued()})
