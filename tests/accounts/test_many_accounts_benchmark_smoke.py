"""The many-accounts benchmark's harness runs end to end at toy size (benchmarks/many_accounts.py)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.many_accounts import run, section


def test_the_benchmark_runs_at_toy_size_and_prints_its_section(tmp_path: Path) -> None:
    result = run(tmp_path / "bench", accounts=2, products=3, qps=10.0)
    assert len(result.paces) == 2 and all(pace.rate_limited == 0 for pace in result.paces)
    text = section(result)
    assert text.startswith("## 11. Many accounts in parallel")
    assert "| 2 accounts at once, wall |" in text
    assert "each account's adds ÷ its qps" in text and "time lost beyond the pacer's interval" in text
