"""An apply of 100 products completes with the right end state under each fault CJ is known for.

Six scenarios, each on its own sandbox (its own account, rate windows and seeded faults),
run at the same time as real ``cjrec apply`` processes so the suite stays fast:

* 10% of answers are HTTP 500/502/503 (HTML pages or empty bodies);
* 5% of connections are dropped without an answer;
* read timeouts: 10% of answers are held back longer than cjrec waits (``CJREC_HTTP_TIMEOUT=1``),
  and CJ *did* process those calls, so a retried add meets "already in My Products";
* a burst of HTTP 429 / 1600200 in the middle of the run;
* every token invalidated in the middle of the run (1600001): refresh fails (1600003), one
  getAccessToken, and the run carries on;
* 10% "System busy" (1600000).

Each run must exit 0 with all 100 products added and recorded, My Products must equal the
manifests, and a plan afterwards must show no changes. The test also checks that the fault
really happened (a scenario that injected nothing proves nothing), and, from the sandbox's
call log, the case that matters for each kind:

* 5xx, drops, "system busy": some add was hit, and was retried to exactly one success;
* read timeouts: an add that timed out (and that CJ did process) was retried and met CJ's
  1600000 "already added" answer for that pid, which cjrec took as done;
* 429s: cjrec slowed down visibly after the burst (its next calls at least twice CJ's
  normal spacing), rather than carrying on at full speed;
* tokens invalidated: the order CJ requires, the rejected call (1600001), then
  refreshAccessToken (rejected too, 1600003), then one getAccessToken, and nothing else.

cjrec authenticates before the faults start (its token is cached): getAccessToken is
deliberately not retried, since CJ allows it once per 300 s (see docs/RELIABILITY.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from reconciler.sandbox import Sandbox
from tests import figures
from tests.reliability.harness import (
    Job,
    Trigger,
    added_pids,
    adds_at_least,
    age_token_cache,
    new_sandbox,
    new_workspace,
    on_sale,
    run_together,
)
from tests.support.cj_workspace import CjWorkspace
from tests.support.secret_watch import SecretWatch
from tests.support.sops_keys import AgeKey

PRODUCTS = 100


Calls = list[dict[str, object]]


def is_add(call: dict[str, object]) -> bool:
    return str(call.get("path", "")).endswith("/addToMyProduct")


def pid_of(call: dict[str, object]) -> str:
    body = call.get("body")
    return str(body.get("productId")) if isinstance(body, dict) else ""


def a_faulted_add_was_retried_to_one_success(kind: str) -> Callable[[Calls], str | None]:
    def check(calls: Calls) -> str | None:
        hit = [i for i, c in enumerate(calls) if is_add(c) and c.get("fault") == kind]
        if not hit:
            return f"no add met a {kind} fault"
        for i in hit:
            later = [c for c in calls[i + 1 :] if is_add(c) and pid_of(c) == pid_of(calls[i])]
            if sum(c.get("code") == 200 and not c.get("fault") for c in later) != 1:
                return f"the add of {pid_of(calls[i])} hit by {kind} was not retried to exactly one success"
        return None

    return check


def a_timed_out_add_met_the_duplicate_answer(calls: Calls) -> str | None:
    """CJ processed the add whose answer never came; the retry must meet 1600000 for that pid."""
    for i, call in enumerate(calls):
        if is_add(call) and call.get("fault") == "timeout" and call.get("code") == 200:
            # the first retry that was not itself faulted (a retry may time out again)
            retry = next(
                (c for c in calls[i + 1 :] if is_add(c) and pid_of(c) == pid_of(call) and not c.get("fault")), None
            )
            if retry is not None and retry.get("code") == 1600000 and not retry.get("fault"):
                return None
    return "no timed-out add was followed by CJ's 1600000 'already added' answer for the same pid"


def slowed_down_after_the_burst(calls: Calls) -> str | None:
    limited = [i for i, c in enumerate(calls) if c.get("fault") == "burst_429"]
    if not limited:
        return "no call met the burst of 429s"
    after = [float(str(c["t"])) for c in calls[limited[-1] + 1 :] if c.get("code") == 200][:6]
    gaps = [b - a for a, b in itertools.pairwise(after)]
    # CJ's spacing at qps 10 is 0.1 s; cjrec halves its rate per 429 after the first (a lone one is forgiven) and recovers slowly
    if len(gaps) < 5 or min(gaps) < 0.2:
        return f"no visible slow-down after the burst of 429s: next calls {[round(g, 2) for g in gaps]} s apart"
    return None


def reauthenticated_in_cjs_order(calls: Calls) -> str | None:
    rejected = next((i for i, c in enumerate(calls) if c.get("code") == 1600001), None)
    if rejected is None:
        return "no call was rejected with 1600001 after the tokens were invalidated"
    auths = [
        (str(c["path"]).rsplit("/", 1)[1], c.get("code"))
        for c in calls[rejected:]
        if "/authentication/" in str(c["path"])
    ]
    if auths != [("refreshAccessToken", 1600003), ("getAccessToken", 200)]:
        return f"after 1600001 the token calls were {auths}, not refresh (1600003) then getAccessToken"
    return None


@dataclass(frozen=True)
class Scenario:
    name: str
    faults: dict[str, object]
    env: dict[str, str]
    trigger: Callable[[Sandbox], Trigger] | None = None
    prepare: Callable[[CjWorkspace], None] | None = None
    the_case_that_matters: Callable[[Calls], str | None] | None = None


def after_calls(count: int) -> Callable[[list[dict[str, object]]], bool]:
    return lambda calls: len(calls) >= count


def burst_of_429s(sandbox: Sandbox) -> None:
    sandbox.set_faults(burst_429=12)


def invalidate(sandbox: Sandbox) -> None:
    sandbox.invalidate_tokens()


SCENARIOS = [
    Scenario(
        "10% 5xx answers",
        {"error_rate_5xx": 0.10},
        {},
        the_case_that_matters=a_faulted_add_was_retried_to_one_success("error_5xx"),
    ),
    Scenario(
        "5% dropped connections",
        {"drop_rate": 0.05},
        {},
        the_case_that_matters=a_faulted_add_was_retried_to_one_success("drop"),
    ),
    Scenario(
        "read timeouts",
        {"timeout_rate": 0.1, "timeout_s": 2.5},  # 10 %: some of the ~100 adds time out on any interleaving
        {"CJREC_HTTP_TIMEOUT": "1"},
        the_case_that_matters=a_timed_out_add_met_the_duplicate_answer,
    ),
    Scenario(
        "a burst of 429s",
        {},
        {},
        trigger=lambda sb: Trigger(sb, after_calls(60), lambda: burst_of_429s(sb)),
        the_case_that_matters=slowed_down_after_the_burst,
    ),
    Scenario(
        "all tokens invalidated mid-run",
        {},
        {},
        trigger=lambda sb: Trigger(sb, adds_at_least(30), lambda: invalidate(sb)),
        prepare=age_token_cache,  # the last getAccessToken was a while ago, as in a real scheduled run
        the_case_that_matters=reauthenticated_in_cjs_order,
    ),
    Scenario(
        "10% 'system busy' (1600000)",
        {"busy_rate": 0.10},
        {},
        the_case_that_matters=a_faulted_add_was_retried_to_one_success("busy"),
    ),
]


def faulted(calls: list[dict[str, object]]) -> int:
    return sum(1 for c in calls if c.get("fault")) + sum(1 for c in calls if c.get("code") == 1600001)


def test_an_apply_of_100_products_rides_out_each_fault(
    tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs: list[tuple[Scenario, Job, list[str]]] = []
    sandboxes = []
    try:
        for number, scenario in enumerate(SCENARIOS):
            sandbox = new_sandbox(seed=20 + number)
            sandboxes.append(sandbox)
            ws = new_workspace(
                tmp_path / f"s{number}", sandbox, key=age_key, watch=secret_watch, monkeypatch=monkeypatch
            )
            pids = on_sale(sandbox, PRODUCTS)
            ws.products(pids)
            assert ws.run("token", "refresh").exit_code == 0
            if scenario.prepare:
                scenario.prepare(ws)
            if scenario.faults:
                sandbox.set_faults(**scenario.faults)
            trigger = scenario.trigger(sandbox) if scenario.trigger else None
            jobs.append((scenario, Job(ws, ("apply", "--auto-approve"), scenario.env, trigger), pids))

        run_together([job for _, job, _ in jobs])

        problems = []
        ridden_out = 0
        for scenario, job, pids in jobs:
            sandbox, result = job.ws.sandbox, job.result
            assert result is not None
            calls = job.calls()
            if result.exit_code != 0 or f"Apply complete: {PRODUCTS} done, 0 failed" not in result.output:
                problems.append(f"{scenario.name}: exit {result.exit_code}: {result.stderr[-1500:]}")
                continue
            sandbox.set_faults(reset=True)
            if sorted(sandbox.my_product_ids()) != sorted(pids):
                problems.append(f"{scenario.name}: My Products differs from the manifests")
            state = job.ws.state()
            if sorted(state["products"]) != sorted(pids):  # type: ignore[arg-type]
                problems.append(f"{scenario.name}: the state does not record the 100 products")
            added_ok = [
                str(c["body"]["productId"])
                for c in calls
                if c.get("code") == 200 and "addToMyProduct" in str(c["path"])
            ]  # type: ignore[index]
            if sorted(added_ok) != sorted(pids):
                problems.append(f"{scenario.name}: CJ did not add each product exactly once")
            count = faulted(calls)
            if count == 0:
                problems.append(f"{scenario.name}: no fault was injected")
            if scenario.trigger and (job.trigger is None or job.trigger.fired_at is None):
                problems.append(f"{scenario.name}: the mid-run fault never fired")
            if scenario.the_case_that_matters is not None:
                problem = scenario.the_case_that_matters(calls)
                if problem:
                    problems.append(f"{scenario.name}: {problem}")
            if "invalidated" in scenario.name:
                auths = [c for c in calls if str(c["path"]).endswith("/getAccessToken")]
                if len(auths) != 1 or auths[0].get("code") != 200:
                    problems.append(f"{scenario.name}: expected exactly one getAccessToken, got {len(auths)}")
            plan = job.ws.run("plan", "--detailed-exitcode")
            if plan.exit_code != 0:
                problems.append(f"{scenario.name}: plan after apply shows changes or fails: {plan.output[-800:]}")
            ridden_out += count
            assert set(added_pids(calls)) <= set(pids)
        assert problems == []
        figures.add("fault_scenarios_passed", len(jobs))
        figures.add("faults_ridden_out", ridden_out)
    finally:
        for sandbox in sandboxes:
            sandbox.stop()
