"""Answers that retrying cannot fix stop an apply within seconds; every success stays recorded; the next run resumes.

Three scenarios, each on its own sandbox, run at the same time as real processes:

* the API key is refused (1600005): mid-run every token is invalidated and the key stops
  working, so renewal ends at getAccessToken answering 1600005;
* the account's points run out (16900500) while the plan queries product details (adds are
  free, so this is where points can run out), after an earlier apply recorded 20 products;
* the quota is used up (1600201) in the middle of the adds.

Each time the run must exit 1 within seconds of the fault with a message naming the cause
and the call, must not retry the refused call, and must have recorded exactly the products
CJ added. Then the fault is cleared and the next apply finishes the work without adding any
recorded product again. (cjrec counts a failed getAccessToken against CJ's once-per-300 s
rule too, so the resumed run after a refused key is started as if five minutes had passed.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import figures
from tests.reliability.harness import (
    ADD_PATH,
    QUERY_PATH,
    Job,
    Trigger,
    added_pids,
    adds_at_least,
    age_token_cache,
    new_sandbox,
    new_workspace,
    on_sale,
    run_together,
    state_checksums,
)
from tests.support.cj_workspace import CjWorkspace
from tests.support.secret_watch import SecretWatch
from tests.support.sops_keys import AgeKey

PRODUCTS = 100
STOP_WITHIN_S = 10.0


@dataclass(frozen=True)
class Scenario:
    name: str
    words: tuple[str, ...]  # in the error
    prepare: Callable[[CjWorkspace, list[str]], None]
    trigger: Callable[[CjWorkspace], Trigger] | None
    clear: Callable[[CjWorkspace], None]


def refuse_key(ws: CjWorkspace) -> None:
    ws.sandbox.set_faults(api_key_invalid=True)
    ws.sandbox.invalidate_tokens()


def accept_key_five_minutes_later(ws: CjWorkspace) -> None:
    ws.sandbox.set_faults(api_key_invalid=False)
    age_token_cache(ws)


def use_up_quota(ws: CjWorkspace) -> None:
    ws.sandbox.set_faults(quota_exhausted=True)


def restore_quota(ws: CjWorkspace) -> None:
    ws.sandbox.set_faults(quota_exhausted=False)


def restore_points(ws: CjWorkspace) -> None:
    ws.sandbox.set_faults(points_remaining=50_000)


def first_20_then_little_points(ws: CjWorkspace, pids: list[str]) -> None:
    ws.products(pids[:20])
    assert ws.run("apply", "--auto-approve").exit_code == 0
    ws.products(pids)
    ws.sandbox.set_faults(points_remaining=300)  # 30 of the 80 detail queries, then 16900500


SCENARIOS = [
    Scenario(
        "API key refused (1600005)",
        ("CJ refused the credentials", "POST /authentication/getAccessToken", "CJ code 1600005"),
        prepare=lambda ws, pids: age_token_cache(ws),
        trigger=lambda ws: Trigger(ws.sandbox, adds_at_least(30), lambda: refuse_key(ws)),
        clear=accept_key_five_minutes_later,
    ),
    Scenario(
        "points exhausted (16900500)",
        ("API points are used up", "GET /product/query", "CJ code 16900500", "00:00 UTC"),
        prepare=first_20_then_little_points,
        trigger=None,
        clear=restore_points,
    ),
    Scenario(
        "quota used up (1600201)",
        ("quota is used up", "POST /product/addToMyProduct", "CJ code 1600201"),
        prepare=lambda ws, pids: None,
        trigger=lambda ws: Trigger(ws.sandbox, adds_at_least(30), lambda: use_up_quota(ws)),
        clear=restore_quota,
    ),
]


def test_non_retryable_answers_stop_the_apply_keep_every_success_and_the_next_run_resumes(
    tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs: list[tuple[Scenario, Job, list[str], dict[str, str]]] = []
    sandboxes = []
    try:
        for number, scenario in enumerate(SCENARIOS):
            sandbox = new_sandbox(seed=40 + number)
            sandboxes.append(sandbox)
            ws = new_workspace(
                tmp_path / f"s{number}", sandbox, key=age_key, watch=secret_watch, monkeypatch=monkeypatch
            )
            pids = on_sale(sandbox, PRODUCTS)
            ws.products(pids)
            assert ws.run("token", "refresh").exit_code == 0
            scenario.prepare(ws, pids)
            checksums = state_checksums(ws.root / "state")
            trigger = scenario.trigger(ws) if scenario.trigger else None
            jobs.append((scenario, Job(ws, ("apply", "--auto-approve"), {}, trigger), pids, checksums))

        run_together([job for _, job, _, _ in jobs])

        problems: list[str] = []
        resumes: list[tuple[Scenario, Job, list[str], set[str]]] = []
        for scenario, job, pids, checksums in jobs:
            ws, result = job.ws, job.result
            assert result is not None and job.ended_at is not None
            calls = job.calls()
            if result.exit_code != 1:
                problems.append(f"{scenario.name}: exit {result.exit_code}, expected 1: {result.stderr[-1000:]}")
                continue
            missing = [w for w in scenario.words if w not in result.stderr]
            if missing or "Traceback" in result.output or "keeps rejecting" in result.stderr:
                problems.append(f"{scenario.name}: unclear error (missing {missing}): {result.stderr[-1500:]}")
            started = job.trigger.fired_at if job.trigger and job.trigger.fired_at else job.ended_at - result.seconds
            if job.ended_at - started > STOP_WITHIN_S:
                problems.append(f"{scenario.name}: took {job.ended_at - started:.1f} s to stop after the fault")
            refused = [c for c in calls if c.get("code") in (1600005, 16900500, 1600201)]
            retried = [
                k for k, n in Counter(f"{c['path']}{c.get('query')}{c.get('body')}" for c in refused).items() if n > 1
            ]
            if not refused or retried:
                problems.append(f"{scenario.name}: {len(refused)} refused calls, {len(retried)} of them retried")
            added = {
                str(c["body"]["productId"]) for c in calls if c.get("code") == 200 and str(c["path"]).endswith(ADD_PATH)
            }  # type: ignore[index]
            state = ws.state() if (ws.root / "state" / "sync.json").exists() else {"products": {}}
            kept = set(state["products"])  # type: ignore[arg-type]
            if scenario.name.startswith("points"):
                if added or state_checksums(ws.root / "state") != checksums:
                    problems.append(f"{scenario.name}: the run changed something before stopping")
                if not any(str(c["path"]).endswith(QUERY_PATH) and c.get("code") == 200 for c in calls):
                    problems.append(f"{scenario.name}: the points ran out before any query")
            elif not added or kept != added:  # nothing was recorded before this run
                problems.append(f"{scenario.name}: {len(added)} added at CJ but {len(added & kept)} recorded")
            if not kept <= set(ws.sandbox.my_product_ids()):
                problems.append(f"{scenario.name}: recorded products missing from My Products")

            scenario.clear(ws)
            resumes.append((scenario, Job(ws, ("apply", "--auto-approve")), pids, kept))

        run_together([job for _, job, _, _ in resumes])
        for scenario, job, pids, kept in resumes:
            ws, resumed = job.ws, job.result
            assert resumed is not None
            if resumed.exit_code != 0:
                problems.append(f"{scenario.name}: the next run failed: {resumed.output[-1500:]}")
                continue
            readded = set(added_pids(job.calls())) & kept
            if readded:
                problems.append(f"{scenario.name}: the next run re-added {len(readded)} recorded products")
            if sorted(ws.state()["products"]) != sorted(pids) or sorted(ws.sandbox.my_product_ids()) != sorted(pids):  # type: ignore[arg-type]
                problems.append(f"{scenario.name}: the next run did not finish the work")
        assert problems == []
        figures.add("stops_then_resumed", len(jobs))
    finally:
        for sandbox in sandboxes:
            sandbox.stop()
