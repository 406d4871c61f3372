"""The store suites' stand-ins: ``stand_in`` runs a test once per store platform (Shopify, WooCommerce)
against a sandbox on a hand-moved clock (see ``tests/support/store_platforms.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.sandbox import Sandbox
from reconciler.sandbox.clock import SandboxClock
from tests.store.test_publishing_keeps_identity_and_the_merchants_edits import FakeClock
from tests.support.sandbox_wire import FAST
from tests.support.store_platforms import PLATFORMS, StandIn


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A sandbox on a hand-moved clock (``sandbox.fake_clock``): sleeps advance it."""
    clock = FakeClock()
    box = Sandbox(FAST, clock=SandboxClock(monotonic=clock.monotonic, wall=clock.monotonic)).start()
    box.fake_clock = clock  # type: ignore[attr-defined]
    yield box
    box.stop()


@pytest.fixture(params=PLATFORMS)
def stand_in(request: pytest.FixtureRequest) -> Iterator[StandIn]:
    clock = FakeClock()
    box = Sandbox(FAST, clock=SandboxClock(monotonic=clock.monotonic, wall=clock.monotonic)).start()
    yield StandIn(str(request.param), box, clock)
    box.stop()
