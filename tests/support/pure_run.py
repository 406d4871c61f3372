"""``make test-fast`` (``pytest --pure``): which tests are pure, and the guard that keeps the run so.

A pure test runs inside the pytest process: no sops, no sandbox, no S3 server, no git, no
child process and no socket. Under ``--pure`` the tests that ask for a fixture reaching
outside (:data:`OUTSIDE_FIXTURES`) are deselected before they start, and any other test that
starts a process or connects or binds a socket is skipped at that moment, with the reason in
the summary. So the folders the Makefile lists in ``FAST_TESTS`` may mix pure and outside
tests, and a test that stops being pure leaves ``make test-fast`` instead of slowing it down
(``make test`` still runs everything). Called by the ``--pure`` hooks and the ``pure_guard``
fixture of tests/conftest.py.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Sequence
from typing import Any

import pytest

OUTSIDE_FIXTURES = frozenset(
    {
        "workspace",  # sops encrypts and decrypts in a child process
        "valid_workspace",
        "cjw",  # a sandbox on a loopback port
        "cj",
        "sandbox",
        "make_sandbox",
        "wire",
        "logged_in",
        "moto",  # moto_server, a child process
        "s3_bucket",
        "git_install",  # git and pip in child processes
    }
)


def reaches_outside(item: pytest.Item) -> bool:
    """True when the test asks, directly or through other fixtures, for one of :data:`OUTSIDE_FIXTURES`."""
    return not OUTSIDE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


def split(items: Sequence[pytest.Item]) -> tuple[list[pytest.Item], list[pytest.Item]]:
    """The pure tests and the deselected ones, each in collection order."""
    kept = [item for item in items if not reaches_outside(item)]
    dropped = [item for item in items if reaches_outside(item)]
    return kept, dropped


def skip_on_outside_world(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make starting a process or connecting or binding a socket skip the running test."""

    def refuse(what: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> Any:
            pytest.skip(f"{what}: not pure (make test-fast runs only tests that stay inside pytest; make test runs it)")

        return refused

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse("started a process"))
    monkeypatch.setattr(socket.socket, "connect", refuse("opened a connection"))
    monkeypatch.setattr(socket.socket, "bind", refuse("bound a socket"))
