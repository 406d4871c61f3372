"""Ctrl-C during plan|apply --all: no account sends another call, each reports, the exit code is 130.

Ctrl-C reaches the main thread while it waits for the accounts; the test makes that wait
raise KeyboardInterrupt once both accounts are running (a real signal's timing, and which
thread receives it under pytest-xdist, are not the test's to control).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from reconciler.cli import many_accounts
from reconciler.cli.accounts import Account, Layout
from reconciler.cli.context import AppContext
from reconciler.cli.run_options import RunOptions
from reconciler.errors import EXIT_INTERRUPTED, CjrecError


def test_ctrl_c_cancels_every_accounts_calls_and_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    options = RunOptions(
        manifests=Path("manifests"),
        state_location="./state",
        state_explicit=False,
        api_url="http://127.0.0.1:1",
        sops_binary=None,
        debug=False,
        color=False,
    )
    layout = Layout(
        (Account("a", Path("accounts/a")), Account("b", Path("accounts/b")), Account("c", Path("accounts/c"))), None
    )
    running = threading.Barrier(3)  # both accounts connected, and the main thread waiting for them
    cancelled: dict[str, bool] = {}

    def ctrl_c_while_waiting(futures: Iterable[object]) -> Iterator[object]:
        running.wait(timeout=5)
        raise KeyboardInterrupt
        yield  # pragma: no cover - a generator, like as_completed

    monkeypatch.setattr(many_accounts, "as_completed", ctrl_c_while_waiting)

    def work(context: AppContext) -> int:
        cancel = threading.Event()
        context.connections.append(SimpleNamespace(http=SimpleNamespace(cancel=cancel)))  # type: ignore[arg-type]
        running.wait(timeout=5)
        cancelled[str(context.options.account)] = cancel.wait(timeout=5)
        raise CjrecError("not sent: the run was interrupted")

    code = many_accounts.run_accounts(AppContext(options), layout, list(layout.accounts), work, parallel=2)
    assert code == EXIT_INTERRUPTED
    assert cancelled == {"a": True, "b": True}  # c never started: --parallel 2
