"""The many-accounts benchmark's harness runs end to end at toy size (benchmarks/many_accounts.py)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.many_accounts import run


def test_the_benchmark_runs_at_toy_size_and_prints_its_section(tmp_path: Path) -> None:
    section = run(tmp_path / "bench", accounts=2, products=3, qps=10.0)
    assert section.startswith("## Many accounts in parallel")
    assert "| 2 accounts at once, wall |" in section
    assert "each account's adds ÷ its qps" in section
