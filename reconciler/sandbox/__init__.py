"""``cjrec sandbox``: a local stand-in for CJ Dropshipping's API, for demos, tests and benchmarks.

Like stripe-mock or moto, it answers as CJ does (../shared/cj-api.md), unpleasant parts
included: tokens that expire, a getAccessToken guard, a per-account QPS window, daily
points, duplicate-add answers, and injectable faults. Standard library only::

    from reconciler.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(qps=2)) as sandbox:
        client = make_client(base_url=sandbox.base_url, api_key=sandbox.config.api_key)
        ...
        assert not any(call["token_in_url"] for call in sandbox.calls())

Modules: config (settings), server (Sandbox, HTTP), api (the call pipeline), endpoints
(a package: one function per CJ endpoint, one module per part of the API), admin
(``/__sandbox`` back door), state (everything behind one lock), the desks it holds
(accounts, sourcing, freight, webhooks), tokens, limits, catalog, faults, calllog, clock,
envelope. Imports go one way: server → api | admin → endpoints → state → desks.
"""

from reconciler.sandbox.config import DEMO_API_KEY, DEMO_EMAIL, FaultSettings, SandboxConfig
from reconciler.sandbox.server import Sandbox

__all__ = ["DEMO_API_KEY", "DEMO_EMAIL", "FaultSettings", "Sandbox", "SandboxConfig"]
