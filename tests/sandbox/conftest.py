"""Fixtures for the sandbox tests: started sandboxes on free loopback ports and a tiny HTTP client to them.

The client and the fast settings the sandboxes start with are in :mod:`tests.support.sandbox_wire`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from reconciler.sandbox import Sandbox
from tests.support.sandbox_wire import FAST, MakeSandbox, Wire


@pytest.fixture
def make_sandbox() -> Iterator[MakeSandbox]:
    """Start sandboxes (``make_sandbox(qps=2, ...)`` overrides FAST) and stop them all afterwards."""
    started: list[Sandbox] = []

    def make(**overrides: object) -> Sandbox:
        sandbox = Sandbox(replace(FAST, **overrides)).start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: MakeSandbox) -> Sandbox:
    return make_sandbox()


@pytest.fixture
def wire(sandbox: Sandbox) -> Wire:
    return Wire(sandbox)


@pytest.fixture
def logged_in(wire: Wire) -> Wire:
    wire.login()
    return wire
