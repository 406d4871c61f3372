"""S3 state under kill -9 and under a lock forced away mid-apply: nothing is lost, nothing is added twice.

Real ``cjrec apply`` processes, state in moto_server on loopback, CJ in the sandbox.

* kill -9 ×10 at different moments of the adds: the lock object stays (a killed run cannot
  remove it), the next run is refused naming the lock ID, ``cjrec force-unlock ID`` frees
  it, the state in the bucket always parses, everything recorded is in My Products, and
  the final run converges without any product sent to addToMyProduct twice.
* a lock forced away while an apply runs, and another run writing the state meanwhile:
  the first run's next state write is refused (If-Match), it stops with a clear error and
  exit 1, and the next apply adopts what it added instead of adding it again.
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from reconciler.adapters.clock import SystemClock
from reconciler.adapters.s3_state import S3StateStore
from reconciler.models.state_location import parse_s3_url
from tests.reliability.harness import ADD_PATH, added_pids, new_sandbox, new_workspace, on_sale, spawn
from tests.support.secret_watch import SecretWatch
from tests.support.sops_keys import AgeKey

KILLS = [0.1, 0.3, 0.5, 0.05, 0.4, 0.2, 0.6, 0.3, 0.5, 1.0]  # the fraction of the remaining adds before each kill


def wait_for_adds(ws: Any, start: int, target: int, proc: Any) -> None:
    deadline = time.monotonic() + 120
    while sum(str(c["path"]).endswith(ADD_PATH) for c in ws.sandbox.calls()[start:]) < target:
        assert proc.poll() is None, f"apply ended before the moment: {proc.communicate()[1][-1500:]}"
        assert time.monotonic() < deadline
        time.sleep(0.003)


def cli(ws: Any, env: dict[str, str], *args: str) -> Any:
    """cjrec in-process (faster than a process; the applies that get killed are real processes)."""
    return ws.cli(*args, env={**env, "CJREC_API_URL": ws.sandbox.base_url})


def lock_id(bucket: Any) -> str:
    return str(json.loads(bucket.get("prod/cjrec.lock"))["id"])


def test_apply_killed_ten_times_with_s3_state_resumes_after_force_unlock_without_adding_twice(
    tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch, s3_bucket: Any
) -> None:
    env = {**s3_bucket.env, "CJREC_STATE_DIR": s3_bucket.url("prod"), "AWS_EC2_METADATA_DISABLED": "true"}
    sandbox = new_sandbox(latency_ms=30, products=300)
    try:
        ws = new_workspace(tmp_path / "repo", sandbox, key=age_key, watch=secret_watch, monkeypatch=monkeypatch)
        pids = on_sale(sandbox, 24)
        ws.products(pids)
        store = S3StateStore(parse_s3_url(s3_bucket.url("prod")), clock=SystemClock())
        assert cli(ws, env, "token", "refresh").exit_code == 0
        for number, fraction in enumerate(KILLS, 1):
            remaining = len(set(pids) - set(sandbox.my_product_ids()))
            if remaining == 0:
                break
            before = store.load()
            recorded_before = set(before.products) if before else set()
            start = len(sandbox.calls())
            proc = spawn(ws, "apply", "--auto-approve", **env)
            wait_for_adds(ws, start, max(1, round(fraction * remaining)), proc)
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
            assert proc.returncode == -signal.SIGKILL, f"round {number}: the kill did not land mid-run"

            after = store.load()  # parses and validates, or raises StateError
            now_recorded = set(after.products) if after else set()
            assert recorded_before <= now_recorded, f"round {number}: a recorded product was lost"
            assert now_recorded <= set(sandbox.my_product_ids()), f"round {number}: recorded but not in My Products"
            held = lock_id(s3_bucket)  # a killed run's lock stays
            refused = cli(ws, env, "apply", "--auto-approve")
            assert refused.exit_code == 1 and held in refused.stderr and "is locked by" in refused.stderr
            assert cli(ws, env, "force-unlock", held).exit_code == 0
            assert not set(added_pids(sandbox.calls()[start:])) & recorded_before

        final = cli(ws, env, "apply", "--auto-approve")
        assert final.exit_code == 0, final.output
        assert sorted(sandbox.my_product_ids()) == sorted(pids)
        state = store.load()
        assert state is not None and set(state.products) == set(pids)
        assert cli(ws, env, "plan", "--detailed-exitcode").exit_code == 0
        twice = [pid for pid, n in Counter(added_pids(sandbox.calls())).items() if n > 1]
        assert twice == [], f"added twice: {twice}"
        assert "prod/cjrec.lock" not in s3_bucket.key_names()
    finally:
        sandbox.stop()


def test_a_run_whose_lock_is_forced_away_mid_apply_stops_at_its_next_write_and_the_next_run_adopts(
    tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch, s3_bucket: Any
) -> None:
    env = {**s3_bucket.env, "CJREC_STATE_DIR": s3_bucket.url("prod"), "AWS_EC2_METADATA_DISABLED": "true"}
    sandbox = new_sandbox(latency_ms=60, products=300)
    try:
        ws = new_workspace(tmp_path / "repo", sandbox, key=age_key, watch=secret_watch, monkeypatch=monkeypatch)
        ws.settings(qps=2)
        pids = on_sale(sandbox, 10)
        ws.products(pids)
        store = S3StateStore(parse_s3_url(s3_bucket.url("prod")), clock=SystemClock())
        assert cli(ws, env, "token", "refresh").exit_code == 0
        start = len(sandbox.calls())
        old = spawn(ws, "apply", "--auto-approve", **env)
        wait_for_adds(ws, start, 3, old)
        held = lock_id(s3_bucket)
        assert cli(ws, env, "force-unlock", held).exit_code == 0
        deadline = time.monotonic() + 30
        while not (store.load() or None) or not store.load().products:  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            time.sleep(0.01)
        first = sorted(store.load().products)[0]  # type: ignore[union-attr]
        forgot = cli(ws, env, "state", "forget", f"product.{first}")  # another run writes the state meanwhile
        assert forgot.exit_code == 0, forgot.output
        out, err = old.communicate(timeout=120)
        assert old.returncode == 1, out + err
        assert "the state changed since this run read it" in err
        assert "Apply stopped: the state could not be written" in err
        assert "Traceback" not in err
        assert len(added_pids(sandbox.calls()[start:])) < len(pids)  # it stopped: no new adds after the refusal

        final = cli(ws, env, "apply", "--auto-approve")
        assert final.exit_code == 0, final.output
        assert sorted(sandbox.my_product_ids()) == sorted(pids)
        twice = [pid for pid, n in Counter(added_pids(sandbox.calls())).items() if n > 1]
        assert twice == [], f"added twice: {twice}"
        state = store.load()
        assert state is not None and set(state.products) == set(pids)
    finally:
        sandbox.stop()
