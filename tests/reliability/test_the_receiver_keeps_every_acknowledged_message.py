"""The receiver as a real process under a burst: every message that got a 200 is in the event log,
even when the process is killed (SIGKILL) in the middle; duplicates are stored once. The short
runs are part of ``make test``; the issue's figures (500/s for 10 s, 10,000 duplicates) are the
soak runs, also written by ``python -m benchmarks.receiver_load`` (docs/RELIABILITY.md)."""

from __future__ import annotations

import pytest

from benchmarks.receiver_load import run_burst, run_duplicates, run_kill


def test_a_short_burst_is_answered_and_stored_whole() -> None:
    figures = run_burst(rate=100, seconds=2)
    assert figures["answered_200"] == figures["stored"] == 200


def test_a_kill_in_the_middle_of_a_burst_loses_no_acknowledged_message() -> None:
    figures = run_kill(rate=100, seconds=2)
    assert isinstance(figures["answered_200_before_the_kill"], int) and figures["answered_200_before_the_kill"] > 0
    assert figures["lost_after_200"] == 0 and figures["torn_records"] == 0


def test_duplicates_are_stored_once() -> None:
    assert run_duplicates(500) == {"deliveries": 500, "answered_200": 500, "records": 1}


@pytest.mark.soak
def test_the_issues_figures_500_a_second_for_10_seconds() -> None:
    burst = run_burst(rate=500, seconds=10)
    assert burst["answered_200"] == burst["stored"] == 5000
    assert isinstance(burst["p99_ms"], float) and burst["p99_ms"] < 100
    killed = run_kill(rate=500, seconds=10)
    assert killed["lost_after_200"] == 0 and killed["torn_records"] == 0
    assert run_duplicates(10_000)["records"] == 1
