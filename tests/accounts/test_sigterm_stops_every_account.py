"""A cancelled CI job (SIGTERM) during apply --all: every account stops sending calls, locks are released, exit 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.accounts.conftest import Accounts


def test_sigterm_during_apply_all_stops_both_accounts_and_releases_their_locks(two_accounts: Accounts) -> None:
    pids = two_accounts.sandboxes["north"].catalog_pids("on_sale")[3:11]
    two_accounts.products("common/products.yaml", pids)
    for name in ("north", "south"):
        two_accounts.account(name, qps=2)  # 8 details then 8 adds each at 2/s: about 8 s
    ws = two_accounts.ws
    env = {
        **os.environ,
        "CJREC_API_URL": two_accounts.router.base_url,
        "SOPS_AGE_KEY": ws.key.private,
        "SOPS_DISABLE_VERSION_CHECK": "1",
        "HOME": str(ws.root / ".home"),
        "NO_COLOR": "1",
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--all", "--auto-approve"],
        cwd=ws.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (two_accounts.added("north") and two_accounts.added("south")):
        time.sleep(0.05)  # waits for the child, outside cjrec: no clock of cjrec's to inject here
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=60)
    ws.watch.record(out + err)
    assert child.returncode == 130, out + err
    assert "Interrupted" in err
    stopped = {name: len(two_accounts.added(name)) for name in ("north", "south")}
    assert all(0 < count < 8 for count in stopped.values()), stopped
    time.sleep(1.0)
    assert {name: len(two_accounts.added(name)) for name in ("north", "south")} == stopped  # nothing sent after
    again = two_accounts.run("plan", "--all", "--offline")  # the locks are free and each state records what was done
    assert again.exit_code == 0, again.output
    for name, count in stopped.items():
        assert f"{8 - count} to create" in again.stdout.split(f"=== account {name}")[1].split("===")[0]
