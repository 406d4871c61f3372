"""Real processes: the state lock between two applies, and kill -9 in the middle of an apply."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from reconciler.adapters.clock import SystemClock
from reconciler.adapters.state_lock import StateLock, read_info
from tests.support.cj_workspace import CjWorkspace, on_sale


def spawn(cjw: CjWorkspace, *args: str) -> subprocess.Popen[str]:
    env = dict(
        os.environ,
        SOPS_AGE_KEY=cjw.key.private,
        SOPS_DISABLE_VERSION_CHECK="1",
        CJREC_API_URL=cjw.sandbox.base_url,
        HOME=str(cjw.root / ".home"),
        NO_COLOR="1",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args],
        cwd=cjw.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_lock_holder(cjw: CjWorkspace, timeout: float = 20.0) -> None:
    path = cjw.root / "state" / "cjrec.lock"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and read_info(path) is not None:
            return
        time.sleep(0.05)
    raise AssertionError("the apply never took the lock")


def recorded(cjw: CjWorkspace) -> set[str]:
    path = cjw.root / "state" / "sync.json"
    return set(cjw.state()["products"]) if path.exists() else set()  # type: ignore[arg-type]


def test_an_apply_fails_at_once_naming_the_holder_of_the_lock(cjw: CjWorkspace) -> None:
    cjw.products(on_sale(cjw.sandbox, 2))
    with StateLock(cjw.root / "state", operation="apply", clock=SystemClock()) as held:
        result = cjw.run("apply", "--auto-approve")
    assert result.exit_code == 1
    assert "is locked by" in result.stderr
    assert f"pid {os.getpid()}" in result.stderr
    assert held.id in result.stderr  # the ID force-unlock needs
    assert cjw.mutating_calls() == []


def test_lock_timeout_waits_for_the_holder_then_applies(cjw: CjWorkspace) -> None:
    cjw.products(on_sale(cjw.sandbox, 1))
    lock = StateLock(cjw.root / "state", operation="apply", clock=SystemClock())
    lock.acquire()
    releaser = threading.Timer(1.0, lock.release)
    releaser.start()
    try:
        result = cjw.run("apply", "--auto-approve", "--lock-timeout", "30s")
    finally:
        releaser.join()
    assert result.exit_code == 0, result.output


def test_force_unlock_needs_the_holders_id(cjw: CjWorkspace) -> None:
    lock = StateLock(cjw.root / "state", operation="apply", clock=SystemClock())
    info = lock.acquire()
    try:
        assert cjw.run("force-unlock", "not-the-id").exit_code == 1
        assert cjw.run("force-unlock", info.id).exit_code == 0
        cjw.products(on_sale(cjw.sandbox, 1))
        assert cjw.run("apply", "--auto-approve").exit_code == 0
    finally:
        lock.release()


def test_an_apply_started_while_another_runs_fails_and_names_it(cjw: CjWorkspace) -> None:
    cjw.sandbox.set_faults(latency_ms=150)
    cjw.products(on_sale(cjw.sandbox, 8))
    first = spawn(cjw, "apply", "--auto-approve")
    wait_for_lock_holder(cjw)
    second = spawn(cjw, "apply", "--auto-approve")
    _, err2 = second.communicate(timeout=60)
    _, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 1
    assert f"pid {first.pid}" in err2
    assert "`cjrec apply`" in err2


def test_two_applies_started_together_one_runs_and_the_other_names_it(cjw: CjWorkspace) -> None:
    cjw.sandbox.set_faults(latency_ms=150)
    pids = on_sale(cjw.sandbox, 8)
    cjw.products(pids)
    both = [spawn(cjw, "apply", "--auto-approve"), spawn(cjw, "apply", "--auto-approve")]  # neither waits
    errors = [proc.communicate(timeout=120)[1] for proc in both]
    codes = sorted(proc.returncode for proc in both)
    assert codes == [0, 1], errors
    winner, loser = (0, 1) if both[0].returncode == 0 else (1, 0)
    assert f"pid {both[winner].pid}" in errors[loser]
    assert "`cjrec apply`" in errors[loser]
    assert recorded(cjw) == set(pids)
    added = [c["body"]["productId"] for c in cjw.mutating_calls()]  # type: ignore[index]
    assert sorted(added) == sorted(pids), "only the apply that holds the lock adds anything"


def test_a_killed_holder_leaves_no_lock_and_the_next_apply_finishes_the_work(cjw: CjWorkspace) -> None:
    cjw.sandbox.set_faults(latency_ms=100)
    pids = on_sale(cjw.sandbox, 30)
    cjw.products(pids)
    victim = spawn(cjw, "apply", "--auto-approve")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(recorded(cjw)) < 5:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    _, err = victim.communicate(timeout=10)
    assert victim.returncode == -signal.SIGKILL, f"the apply ended before the kill ({victim.returncode}): {err[-800:]}"
    before = recorded(cjw)
    assert 0 < len(before) < 30, "the kill should land mid-run"
    lock = StateLock(cjw.root / "state", operation="check", clock=SystemClock())
    lock.acquire()  # free at once: the OS released the killed holder's flock
    lock.release()
    cjw.sandbox.clear_calls()
    cjw.sandbox.set_faults(latency_ms=0)
    result = cjw.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert set(pids) <= set(cjw.sandbox.my_product_ids())
    assert recorded(cjw) == set(pids)
    readded = {c["body"]["productId"] for c in cjw.mutating_calls()}  # type: ignore[index]
    assert not (readded & before), "a product recorded as added was added again"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_save_state_release_the_lock_and_exit_130(cjw: CjWorkspace, sig: signal.Signals) -> None:
    cjw.sandbox.set_faults(latency_ms=100)
    pids = on_sale(cjw.sandbox, 30)
    cjw.products(pids)
    proc = spawn(cjw, "apply", "--auto-approve")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(recorded(cjw)) < 3:
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Interrupted" in err
    done = recorded(cjw)
    assert 0 < len(done) < 30
    assert read_info(cjw.root / "state" / "cjrec.lock") is None  # lock released, details cleared
    cjw.sandbox.set_faults(latency_ms=0)
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    assert recorded(cjw) == set(pids)
