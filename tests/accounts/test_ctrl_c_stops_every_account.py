"""Ctrl-C during plan|apply --all: no account sends another call, each reports, the exit code is 130."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from types import SimpleNamespace

from reconciler.cli.accounts import Account, Layout
from reconciler.cli.context import AppContext
from reconciler.cli.many_accounts import run_accounts
from reconciler.cli.run_options import RunOptions
from reconciler.errors import EXIT_INTERRUPTED, CjrecError


def test_ctrl_c_cancels_every_accounts_calls_and_exits_130(capsys: object) -> None:
    options = RunOptions(
        manifests=Path("manifests"),
        state_location="./state",
        state_explicit=False,
        api_url="http://127.0.0.1:1",
        sops_binary=None,
        debug=False,
        color=False,
    )
    layout = Layout((Account("a", Path("accounts/a")), Account("b", Path("accounts/b"))), None)
    both_started = threading.Barrier(2)
    cancelled: dict[str, bool] = {}

    def work(context: AppContext) -> int:
        cancel = threading.Event()
        context.connections.append(SimpleNamespace(http=SimpleNamespace(cancel=cancel)))  # type: ignore[arg-type]
        both_started.wait(timeout=5)
        if context.options.account == "a":
            os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C
        cancel.wait(timeout=5)
        cancelled[str(context.options.account)] = cancel.is_set()
        raise CjrecError("not sent: the run was interrupted")

    code = run_accounts(AppContext(options), layout, list(layout.accounts), work, parallel=2)
    assert code == EXIT_INTERRUPTED
    assert cancelled == {"a": True, "b": True}
