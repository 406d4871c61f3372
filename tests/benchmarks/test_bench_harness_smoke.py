"""The benchmark harness keeps working: each benchmark at toy size against a real `cjrec sandbox`.

`make bench` is a benchmark, not a test, so nothing here asserts a time. What is checked is
that every benchmark runs to the end (sandbox child, sops-encrypted workspace, measured cjrec
children, the reference client) and that the report it writes has its sections and figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.report import HAND_WRITTEN
from benchmarks.run import main

SECTIONS = {
    "throughput": ("## 1. Apply throughput", "| 10 | 5 ms |"),
    "calls": ("## 2. Calls and points", "(c′) one more added among 11 managed"),
    "offline": ("## 3. Offline scale", "| `plan --offline` | 50 |"),
    "startup": ("## 4. Start-up", "| `cjrec --help` |"),
    "pricing": ("## 5. Pricing and store exports", "| `export --format shopify` | 50 x 5 |"),
    "sourcing": ("## 6. Sourcing requests and markets", "(b) plan with 7 requests open at CJ"),
    "rate": ("## 7. Request rate with no Settings", "| no Settings (`qps: auto`) | 4 |", "apply ≥ 0.9 × its limit"),
    "s3state": ("## 8. State on S3", "| 100 products |", "`cjrec state list` wall", "held 5 ms"),
    "shopify": ("## 9. Publishing to Shopify", "| 5 × 5 |", "publish to Shopify at 100 points/s"),
    "receiver": (
        "## 10. Webhook receiver and drift economics",
        "| burst, 50/s for 1 s | 50 | 50 | 50 |",
        "| one messageId 100 times | 100 | 100 | 1 record |",
        "receiver killed (SIGKILL) mid-burst: no acknowledged message lost",
        "| 2,000 | the next drift job",
    ),
    "woocommerce": ("## 13. Publishing to WooCommerce", "| 5 × 5 |", "6 batches for a floor of 6", "**met**"),
    "accounts": ("## 11. Many accounts in parallel", "| 2 accounts at once, wall |", "each ≥ 0.9 × its own rate"),
    "statescale": ("## 12. State format 2 at scale", "| `plan --offline` | 50 |", "checkpoint after one change ≤ 50 ms"),
}


@pytest.mark.parametrize("benchmark", sorted(SECTIONS))
def test_each_benchmark_runs_at_toy_size_and_is_reported(benchmark: str, tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"

    code = main(["--smoke", "--only", benchmark, "--out", str(out), "--workdir", str(tmp_path / "work")])

    assert code == 0
    report = out.read_text()
    for heading in ("## Summary", "## Machine", "## How to reproduce"):
        assert heading in report
    for expected in SECTIONS[benchmark]:
        assert expected in report
    # the findings are prose written by hand: the report says so right under their heading
    findings = report.split("## What the profiles found", 1)[1]
    assert findings.split("\n\n", 2)[1] == HAND_WRITTEN
