"""The state lock between real processes, and saved plans made stale by another apply.

Complements tests/e2e/test_locks_and_crashes.py (one apply runs and the other names the
holder; a killed holder leaves no lock; SIGTERM and Ctrl-C exit 130 with the lock
released) and tests/e2e/test_apply_converges_and_plan_is_then_empty.py (a plan saved
before any state existed is refused). Here, with two real ``cjrec`` processes each time:
``--lock-timeout`` waits for a running apply and then takes the lock; a timeout that runs
out names the holder; a plan saved against one serial is refused once another apply moved
the state on; and plans running during an apply (plan takes no lock) always read a whole state.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.adapters.state_lock import read_info
from reconciler.sandbox import Sandbox
from tests import figures
from tests.reliability.harness import load_state, new_sandbox, new_workspace, on_sale, run, spawn, wait_until
from tests.support.cj_workspace import CjWorkspace
from tests.support.secret_watch import SecretWatch
from tests.support.sops_keys import AgeKey


@pytest.fixture
def slow_cj() -> Iterator[Sandbox]:
    sandbox = new_sandbox(latency_ms=150, products=80)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def ws(
    tmp_path: Path, slow_cj: Sandbox, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch
) -> CjWorkspace:
    workspace = new_workspace(tmp_path / "repo", slow_cj, key=age_key, watch=secret_watch, monkeypatch=monkeypatch)
    assert workspace.run("token", "refresh").exit_code == 0
    return workspace


def holder_pid(ws: CjWorkspace) -> int | None:
    info = read_info(ws.root / "state" / "cjrec.lock")
    return info.pid if info else None


def test_lock_timeout_waits_for_the_running_apply_then_takes_the_lock(ws: CjWorkspace) -> None:
    pids = on_sale(ws.sandbox, 12)
    ws.products(pids)
    first = spawn(ws, "apply", "--auto-approve")
    wait_until(lambda: holder_pid(ws) == first.pid, timeout=30, what="the first apply to take the lock")
    second = spawn(ws, "apply", "--auto-approve", "--lock-timeout", "2m")
    time.sleep(0.5)
    assert second.poll() is None, "the second apply should be waiting"
    _, err1 = first.communicate(timeout=120)
    first_done = time.monotonic()
    assert first.returncode == 0, err1
    out2, err2 = second.communicate(timeout=60)
    assert second.returncode == 0, err2
    assert "Apply complete: nothing to do." in out2 + err2  # it ran after the first, on the state the first left
    assert time.monotonic() - first_done < 30
    state = load_state(ws)
    assert state is not None and sorted(state.products) == sorted(pids)
    assert sorted(ws.sandbox.my_product_ids()) == sorted(pids)
    figures.add("lock_scenarios_passed")


def test_a_lock_timeout_that_runs_out_names_the_holder(ws: CjWorkspace) -> None:
    ws.products(on_sale(ws.sandbox, 12))
    first = spawn(ws, "apply", "--auto-approve")
    wait_until(lambda: holder_pid(ws) == first.pid, timeout=30, what="the first apply to take the lock")
    waited = run(ws, "apply", "--auto-approve", "--lock-timeout", "1s")
    first.communicate(timeout=120)
    assert first.returncode == 0
    assert waited.exit_code == 1
    assert "locked after waiting 1 s" in waited.stderr
    assert f"pid {first.pid}" in waited.stderr and "`cjrec apply`" in waited.stderr
    assert "Traceback" not in waited.output
    figures.add("lock_scenarios_passed")


def test_a_saved_plan_is_refused_once_another_apply_moved_the_state_on(ws: CjWorkspace) -> None:
    pids = on_sale(ws.sandbox, 4)
    ws.sandbox.set_faults(latency_ms=0)
    ws.products(pids[:2])
    assert ws.run("apply", "--auto-approve").exit_code == 0
    ws.products(pids[:3])
    assert ws.run("plan", "--out", "plan.json").exit_code == 0
    serial = load_state(ws).serial  # type: ignore[union-attr]
    other = run(ws, "apply", "--auto-approve")  # another run (a colleague, a CI job) applies first
    assert other.exit_code == 0, other.output
    ws.sandbox.clear_calls()
    stale = run(ws, "apply", "--auto-approve", "plan.json")
    assert stale.exit_code == 1
    assert (
        f"Saved plan plan.json is stale: the state moved on since (serial {serial} then, {serial + 1} now)"
        in stale.stderr
    )
    assert [c for c in ws.sandbox.calls() if "addToMyProduct" in str(c["path"])] == []
    figures.add("lock_scenarios_passed")


def test_plans_during_an_apply_always_read_a_whole_state(ws: CjWorkspace) -> None:
    ws.sandbox.set_faults(latency_ms=60)
    pids = on_sale(ws.sandbox, 25)
    ws.products(pids)
    applying = spawn(ws, "apply", "--auto-approve")
    plans = 0
    while applying.poll() is None:
        result = run(ws, "plan", "--offline")  # plan takes no lock; it must never see a torn state
        assert result.exit_code == 0, result.output
        load_state(ws)  # parses and validates (StateError otherwise), or is not there yet
        plans += 1
    _, err = applying.communicate()
    assert applying.returncode == 0, err
    assert plans >= 3
    figures.add("lock_scenarios_passed")
