"""kill -9 an apply of 100 products at 20 different moments; every next run picks up where it stopped.

One manifest of 100 products, one sandbox with a little latency (so a kill can land while
CJ has processed an add whose answer cjrec has not read yet, the nastiest moment), and 20
rounds of: start ``cjrec apply`` as a real process, SIGKILL it at a chosen moment, check
what it left. The moments are counted in the calls the sandbox has received in the round:
while listing My Products, at several points of the detail queries, right after the first
add, in the middle and at the very last add; a small seeded jitter moves each kill a few
milliseconds, so kills do not all land at the same point of a call. (Whether a kill lands
inside a state write is chance: the figure of swept temp files counts those that did. Kills
at every step of a state write are the job of
``test_a_killed_state_write_leaves_the_old_or_the_new_file.py``.) After each kill:

* ``state/sync.json`` (and its ``.backup``) parse and pass cjrec's validation;
* everything recorded is really in My Products, and the state lock is free;
* the round added no product that was recorded before it began, and over the whole test
  no product was sent to addToMyProduct twice (one processed but unrecorded add is adopted
  from My Products by the next plan, not added again).

Finally an apply without a kill finishes, My Products equals the manifests, plan shows
no changes, and no temp file of an interrupted state write is left in ``state/``. The fixed
moments must have caught CJ at least once with an add processed but not yet recorded: the
final state must hold a product adopted after a kill, or the test did not test that case. ``make soak`` runs a longer version (more rounds, more products, random moments).
"""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from reconciler.adapters.clock import SystemClock
from reconciler.adapters.state_lock import StateLock
from reconciler.adapters.state_store import LocalStateStore
from tests import figures
from tests.reliability.harness import (
    ADD_PATH,
    QUERY_PATH,
    added_pids,
    calls_to,
    new_sandbox,
    new_workspace,
    on_sale,
    spawn,
)
from tests.support.secret_watch import SecretWatch
from tests.support.sops_keys import AgeKey

LIST_PATH = "/product/myProduct/query"
LATENCY_MS = 40

# (what to count, how many): "list" n-th My Products page, "query" n-th detail query,
# "add" a fraction of the adds still to do (at least one).
MOMENTS: list[tuple[str, float]] = [
    ("query", 25),  # in the middle of the first plan
    ("add", 0.50),  # in the middle of the first adds
    ("add", 0.40),
    ("query", 5),  # early in a resumed plan
    ("add", 0.25),
    ("add", 0.05),  # right after the first add of a run
    ("list", 1),  # while listing My Products
    ("add", 0.25),
    ("add", 0.20),
    ("query", 1),  # at the first detail query
    ("add", 0.20),
    ("add", 0.20),
    ("add", 0.15),
    ("add", 0.30),
    ("query", 3),
    ("add", 0.30),
    ("add", 0.30),
    ("add", 0.50),
    ("add", 1.00),  # at the very last add
    ("list", 1),  # when only products added but not yet recorded remain (adopted, not re-added)
]


def run_kill_rounds(
    tmp_path: Path,
    *,
    key: AgeKey,
    watch: SecretWatch,
    monkeypatch: pytest.MonkeyPatch,
    products: int,
    moments: list[tuple[str, float]],
    seed: int,
    min_adopted: int = 0,
    figure_prefix: str = "",
) -> None:
    rng = random.Random(seed)
    sandbox = new_sandbox(latency_ms=LATENCY_MS, products=max(300, products * 2))
    try:
        ws = new_workspace(tmp_path / "repo", sandbox, key=key, watch=watch, monkeypatch=monkeypatch)
        pids = on_sale(sandbox, products)
        ws.products(pids)
        assert ws.run("token", "refresh").exit_code == 0  # a kill during getAccessToken is CJ's 300 s rule, not ours
        store = LocalStateStore(ws.root / "state")
        kills = 0
        strays: set[str] = set()  # temp files of state writes a kill interrupted
        for number, (planned, planned_amount) in enumerate(moments, 1):
            kind, amount = planned, planned_amount
            before = store.load()
            recorded_before = set(before.products) if before else set()
            to_add = len(set(pids) - set(sandbox.my_product_ids()))
            if kind == "add" and to_add == 0:
                kind, amount = "list", 1
            if kind == "add":
                target, path = max(1, round(amount * to_add)), ADD_PATH
            elif kind == "query":
                target, path = max(1, min(int(amount), len(set(pids) - recorded_before))), QUERY_PATH
            else:
                target, path = int(amount), LIST_PATH
            start = len(sandbox.calls())
            proc = spawn(ws, "apply", "--auto-approve")
            deadline = time.monotonic() + 120
            while sum(str(c["path"]).endswith(path) for c in sandbox.calls()[start:]) < target:
                assert proc.poll() is None, (
                    f"round {number}: apply ended before the kill: {proc.communicate()[1][-2000:]}"
                )
                assert time.monotonic() < deadline, f"round {number}: the moment ({kind} {target}) never came"
                time.sleep(0.003)
            time.sleep(rng.uniform(0, LATENCY_MS / 2000))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
            assert proc.returncode == -signal.SIGKILL, f"round {number}: the kill did not land mid-run"
            kills += 1

            after = store.load()  # parses and validates, or raises StateError
            if store.backup.exists():
                store.parse(store.backup.read_bytes())
            now_recorded = set(after.products) if after else set()
            assert recorded_before <= now_recorded, f"round {number}: a recorded product was lost"
            assert now_recorded <= set(sandbox.my_product_ids()), f"round {number}: recorded but not in My Products"
            lock = StateLock(ws.root / "state", operation="check", clock=SystemClock())
            lock.acquire()  # a killed holder leaves no lock held
            lock.release()
            strays |= {p.name for p in (ws.root / "state").glob(".sync.json.*.tmp")}
            round_adds = added_pids(sandbox.calls()[start:])
            assert not set(round_adds) & recorded_before, f"round {number}: re-added a product recorded as added"

        sandbox.set_faults(latency_ms=0)
        final = ws.run("apply", "--auto-approve")
        assert final.exit_code == 0, final.output
        assert sorted(sandbox.my_product_ids()) == sorted(pids)
        state = store.load()
        assert state is not None and sorted(state.products) == sorted(pids)
        assert not list((ws.root / "state").glob(".sync.json.*.tmp")), "the next write sweeps interrupted temp files"
        twice = [pid for pid, n in Counter(added_pids(sandbox.calls())).items() if n > 1]
        answers = {
            pid: [
                (c.get("code"), c.get("http_status"), c.get("fault"))
                for c in calls_to(sandbox, ADD_PATH)
                if pid in added_pids([c])
            ]
            for pid in twice
        }  # what CJ answered each time, to tell a re-add from a retry after a 429
        assert twice == [], f"products sent to addToMyProduct more than once: {twice}; answers: {answers}"
        plan = ws.run("plan", "--detailed-exitcode")
        assert plan.exit_code == 0, plan.output
        # kills that landed after CJ added a product and before cjrec recorded it: adopted, not added again
        adopted = sum(1 for r in state.products.values() if r.origin == "adopted")
        assert adopted >= min_adopted, (
            f"{adopted} products adopted after a kill; the moments should catch at least {min_adopted}"
        )
        figures.add(f"{figure_prefix}crashes_survived", kills)
        figures.add(f"{figure_prefix}temp_files_swept_after_kills", len(strays))
        figures.add(f"{figure_prefix}adds_adopted_after_kill", adopted)
        if figure_prefix:  # the soak's paragraph in docs/RELIABILITY.md says what was run
            figures.add(f"{figure_prefix}runs")
            figures.add(f"{figure_prefix}kill_moments", len(moments))
            figures.add(f"{figure_prefix}products", products)
    finally:
        sandbox.stop()


def test_20_kills_of_an_apply_of_100_products_lose_nothing_and_add_nothing_twice(
    tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_kill_rounds(
        tmp_path,
        key=age_key,
        watch=secret_watch,
        monkeypatch=monkeypatch,
        products=100,
        moments=MOMENTS,
        seed=6,
        min_adopted=1,
    )


@pytest.mark.soak
@pytest.mark.parametrize("seed", [1, 2])
def test_soak_60_random_kills_of_an_apply_of_200_products(
    tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    moments: list[tuple[str, float]] = []
    for _ in range(60):
        kind = rng.choices(["add", "query", "list"], weights=[7, 2, 1])[0]
        amount = {"add": rng.uniform(0.02, 0.4), "query": rng.randint(1, 60), "list": 1}[
            kind
        ]  # one page of My Products
        moments.append((kind, amount))
    run_kill_rounds(
        tmp_path,
        key=age_key,
        watch=secret_watch,
        monkeypatch=monkeypatch,
        products=200,
        moments=moments,
        seed=seed,
        figure_prefix=figures.SOAK,
    )
