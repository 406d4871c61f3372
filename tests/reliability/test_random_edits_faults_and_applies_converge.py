"""Stateful Hypothesis: random manifest edits × random faults × applies, then one clean apply converges.

Each example is one sandbox and one workspace. Hypothesis picks a sequence of steps: set
the manifests to a random subset of a pool of products, add or remove products in CJ's
web UI behind cjrec's back, inject a fault (5xx, drops, "system busy", a burst of 429s,
the quota used up, points nearly gone, every token invalidated), clear the faults, apply.
An apply under faults may fail (exit 1), but never with a traceback, and after every step
the state parses, validates and records only products that are in My Products, apart from
those removed in the web UI since the last successful apply (that apply re-adds them).

Faults must meet applies, or the test proves nothing about them: the sandbox's call log
tells which applies got a faulted answer (a 5xx, a drop, "system busy", a 429, the quota
used up, out of points, a revoked token). A rule injects a fault and applies at once, and
an example whose applies met no fault ends with one such apply (the quota used up) before
the clean one, so every example counts at least one.

When the sequence ends, the faults are cleared, the clock moves on past CJ's once-per-300 s
getAccessToken rule (a getAccessToken that failed under a fault still counts), and one more
apply must succeed; then
``plan --detailed-exitcode`` must show no changes, the state must record exactly the
manifests' products, and each of them must be in My Products.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from reconciler.sandbox import Sandbox
from tests import figures
from tests.reliability.harness import age_token_cache, load_state, new_sandbox, new_workspace, on_sale
from tests.support.cj_workspace import CjWorkspace
from tests.support.secret_watch import SecretWatch
from tests.support.sops_keys import AgeKey

POOL = 10
# answers that only a fault gives in this test: the quota used up, out of points, a revoked token
FAULT_CODES = {1600201, 16900500, 1600001}
RATES = ("error_rate_5xx", "drop_rate", "busy_rate", "timeout_rate")
FAULTS = [
    {"error_rate_5xx": 0.3},
    {"drop_rate": 0.2},
    {"busy_rate": 0.3},
    {"burst_429": 3},
    {"quota_exhausted": True},
    {"points_remaining": 30},
]


def test_random_edits_faults_and_applies_then_one_clean_apply_converges(
    tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    examples = itertools.count()
    faulted_applies: list[int] = []  # per example: applies that got at least one faulted answer

    class Machine(RuleBasedStateMachine):
        sandbox: Sandbox
        ws: CjWorkspace
        pool: list[str]
        wanted: set[str]

        @initialize(first=st.sets(st.integers(0, POOL - 1), min_size=2, max_size=6))
        def start(self, first: set[int]) -> None:
            self.sandbox = new_sandbox(products=60, seed=next(examples) + 100)
            self.ws = new_workspace(
                tmp_path / f"example-{next(examples)}",
                self.sandbox,
                key=age_key,
                watch=secret_watch,
                monkeypatch=monkeypatch,
            )
            self.pool = on_sale(self.sandbox, POOL)
            self.wanted = set()
            self.removed_since_last_good_apply: set[str] = set()
            self.applies_that_met_a_fault = 0
            self.ws.products([])
            self.edit_then_apply(first)  # start from products that cjrec manages, for the web UI to remove

        def teardown(self) -> None:
            try:
                self.sandbox.set_faults(reset=True)
                self.sandbox.set_faults(points_remaining=50_000)
                if not self.applies_that_met_a_fault:
                    self.sandbox.set_faults(quota_exhausted=True)
                    self.apply()
                    assert self.applies_that_met_a_fault == 1, "an apply with the quota used up met no fault"
                    self.sandbox.set_faults(reset=True)
                faulted_applies.append(self.applies_that_met_a_fault)
                if (self.ws.root / "state" / "token.sops.json").exists():
                    # later: a getAccessToken that failed under a fault still counts against CJ's once
                    # per 300 s (cjrec does not retry it and says when it may be called again)
                    age_token_cache(self.ws)
                final = self.ws.run("apply", "--auto-approve", "--allow-mass-forget")
                assert final.exit_code == 0, final.output[-2000:]
                plan = self.ws.run("plan", "--detailed-exitcode")
                assert plan.exit_code == 0, plan.output[-2000:]
                state = load_state(self.ws)
                recorded = set(state.products) if state else set()
                assert recorded == self.wanted
                assert self.wanted <= set(self.sandbox.my_product_ids())
                figures.add("stateful_examples")
            finally:
                self.sandbox.stop()

        @rule(pids=st.sets(st.integers(0, POOL - 1), max_size=6))
        def edit_manifests(self, pids: set[int]) -> None:
            self.wanted = {self.pool[i] for i in pids}
            self.ws.products(sorted(self.wanted))
            figures.add("stateful_steps")

        @rule(i=st.integers(0, POOL - 1))
        def someone_adds_in_the_web_ui(self, i: int) -> None:
            self.sandbox.add_to_my_products(self.pool[i])
            self.removed_since_last_good_apply.discard(self.pool[i])
            figures.add("stateful_steps")

        @rule(i=st.integers(0, POOL - 1))
        def someone_removes_in_the_web_ui(self, i: int) -> None:
            self.sandbox.remove_from_my_products(self.pool[i])
            self.removed_since_last_good_apply.add(self.pool[i])
            figures.add("stateful_steps")

        def managed_in_my_products(self) -> list[str]:
            state = load_state(self.ws)
            return sorted(set(state.products) & set(self.sandbox.my_product_ids())) if state else []

        @precondition(lambda self: bool(self.managed_in_my_products()))
        @rule(i=st.integers(0, POOL - 1))
        def someone_removes_a_managed_product_in_the_web_ui_then_apply(self, i: int) -> None:
            managed = self.managed_in_my_products()
            self.someone_removes_in_the_web_ui(self.pool.index(managed[i % len(managed)]))
            self.apply()

        @rule(fault=st.sampled_from(FAULTS))
        def inject(self, fault: dict[str, object]) -> None:
            rates = dict.fromkeys(RATES, 0.0) if set(fault) & set(RATES) else {}  # one rate at a time (sum ≤ 1)
            self.sandbox.set_faults(**(rates | fault))
            figures.add("stateful_steps")

        @precondition(lambda self: (self.ws.root / "state" / "token.sops.json").exists())
        @rule()
        def invalidate_every_token(self) -> None:
            self.sandbox.invalidate_tokens()
            age_token_cache(self.ws)  # as if the last getAccessToken was a while ago
            figures.add("stateful_steps")

        @rule()
        def clear_faults(self) -> None:
            self.sandbox.set_faults(reset=True)
            figures.add("stateful_steps")

        @rule()
        def apply(self) -> None:
            before = len(self.sandbox.calls())
            result = self.ws.run("apply", "--auto-approve", "--allow-mass-forget")
            assert result.exit_code in (0, 1), result.output[-2000:]
            assert "Traceback" not in result.output and "internal error" not in result.output, result.output[-2000:]
            met = [c for c in self.sandbox.calls()[before:] if c.get("fault") or c.get("code") in FAULT_CODES]
            self.applies_that_met_a_fault += bool(met)
            if result.exit_code == 0:
                self.removed_since_last_good_apply.clear()
            figures.add("stateful_steps")
            figures.add("stateful_applies")
            figures.add("stateful_applies_failed_by_a_fault", result.exit_code == 1)
            figures.add("stateful_applies_that_met_a_fault", bool(met))

        @rule(fault=st.sampled_from(FAULTS))
        def inject_then_apply(self, fault: dict[str, object]) -> None:
            self.inject(fault)
            self.apply()

        @rule(pids=st.sets(st.integers(0, POOL - 1), max_size=6))
        def edit_then_apply(self, pids: set[int]) -> None:
            self.edit_manifests(pids)
            self.apply()

        @invariant()
        def state_is_whole_and_true(self) -> None:
            if not hasattr(self, "ws"):
                return
            state = load_state(self.ws)  # StateError if torn or invalid
            if state is not None:
                removed = set(self.pool) - set(self.sandbox.my_product_ids())
                recorded_and_gone = set(state.products) & removed
                # a product removed in the web UI stays recorded until the next apply re-adds it
                assert set(state.products) - recorded_and_gone <= set(self.sandbox.my_product_ids())
                # ... and only those: everything else recorded is in My Products
                missing = set(state.products) - self.removed_since_last_good_apply - set(self.sandbox.my_product_ids())
                assert not missing, f"recorded but not in My Products (and not removed in the web UI): {missing}"

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=8,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    assert faulted_applies and all(faulted_applies), f"applies that met a fault, per example: {faulted_applies}"
