"""The figures of a test run that docs/RELIABILITY.md quotes: crashes survived, faults ridden out, …

Tests count what they proved with :func:`add` (only after their assertions passed, so a
failing test adds nothing). Each pytest process keeps its own counts; under xdist the
workers hand theirs to the controller (hooks in ``tests/conftest.py``), which writes
``build/reliability-figures.json`` at the end of the session and prints one summary line.
``python -m tests.figures`` rewrites the figures block of docs/RELIABILITY.md from that file
(and refuses a file from a run of only part of the suite).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "build" / "reliability-figures.json"
DOC = ROOT / "docs" / "RELIABILITY.md"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"

# name → what the doc calls it, in the order the doc lists them
LABELS = {
    "crashes_survived": "kill -9 of a running apply, each followed by a run that finished the work",
    "adds_adopted_after_kill": "products CJ added just before a kill, adopted by the next run (not added twice)",
    "temp_files_swept_after_kills": "temp files of interrupted state writes, swept by the next run",
    "atomic_write_kills": "kill -9 between the steps of a state write (old or new file every time, never torn)",
    "fault_scenarios_passed": "fault scenarios ridden out (apply of 100 products, right end state)",
    "faults_ridden_out": "faulted API answers ridden out (5xx, dropped, timed out, 429, busy, token invalidated)",
    "stops_then_resumed": "non-retryable answers that stopped a run, followed by a run that resumed",
    "lock_scenarios_passed": "lock and stale-plan scenarios with real processes",
    "bad_inputs_tried": "bad inputs tried (exit 1, file/line or call named, no traceback, state/ unchanged)",
    "bad_input_runs": "CLI runs on bad input (plan and apply)",
    "fuzz_examples": "Hypothesis examples (manifest loader, state loader, API envelope and parsers)",
    "stateful_examples": "examples of the stateful test, each ending in a clean apply and an empty plan",
    "stateful_steps": "steps of the stateful test (manifest edits, web-UI changes, faults, applies)",
    "stateful_applies": "applies in the stateful test",
    "stateful_applies_that_met_a_fault": "of which met an injected fault (a faulted answer in the sandbox's call log)",
    "stateful_applies_failed_by_a_fault": "of which stopped by an injected fault (exit 1, no traceback)",
    "token_scenarios_passed": "token pair kept through a failed account check (3 cases)",
    "secrets_found": "secrets found in plaintext",
    "secret_scan_outputs_scanned": "CLI outputs scanned for secrets (stdout + stderr of a run, log records)",
    "secret_scan_files_scanned": "files cjrec wrote, scanned for secrets",
    "secret_scan_api_calls_checked": "API calls checked for a secret in the URL or outside its field",
}

# a run that did not reach each of these did not run the whole reliability suite
REQUIRED = (
    "crashes_survived",
    "atomic_write_kills",
    "fault_scenarios_passed",
    "stops_then_resumed",
    "bad_inputs_tried",
    "fuzz_examples",
    "stateful_examples",
)

_lock = threading.Lock()
_counts: Counter[str] = Counter()


def add(name: str, count: int = 1) -> None:
    """Count ``count`` more of ``name`` in this process."""
    with _lock:
        _counts[name] += count


def snapshot() -> dict[str, int]:
    with _lock:
        return dict(_counts)


def merge(counts: dict[str, int]) -> None:
    with _lock:
        _counts.update(counts)


def has_reliability_figures(counts: dict[str, int]) -> bool:
    """Whether the reliability suite ran (the secret scan runs in every test)."""
    return any(count for name, count in counts.items() if not name.startswith("secret"))


def write_report(counts: dict[str, int], *, exit_status: int, duration_s: float) -> Path | None:
    """Write the figures of this session to build/, unless the reliability suite did not run."""
    if not has_reliability_figures(counts):
        return None
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "complete": all(counts.get(name, 0) for name in REQUIRED),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "exit_status": exit_status,
        "duration_s": round(duration_s, 1),
        "figures": {name: counts.get(name, 0) for name in LABELS} | counts,
    }
    REPORT.write_text(json.dumps(body, indent=2, sort_keys=False) + "\n")
    return REPORT


def summary_line(counts: dict[str, int]) -> str:
    return (
        f"cjrec reliability: {counts.get('crashes_survived', 0)} crashes survived, "
        f"{counts.get('atomic_write_kills', 0)} torn-write kills, "
        f"{counts.get('faults_ridden_out', 0)} faults ridden out, "
        f"{counts.get('bad_inputs_tried', 0)} bad inputs tried, "
        f"{counts.get('fuzz_examples', 0)} fuzz examples, "
        f"secrets found: {counts.get('secrets_found', 0)}"
    )


def render_block(report: dict[str, object]) -> str:
    figures = report["figures"]
    assert isinstance(figures, dict)
    rows = [f"| {label} | {figures.get(name, 0)} |" for name, label in LABELS.items()]
    return "\n".join(
        [
            START,
            f"Last run: {report['finished']}, `make test` (pytest -n 2), whole suite {report['duration_s']} s,"
            f" exit status {report['exit_status']}.",
            "",
            "| figure | count |",
            "|---|---:|",
            *rows,
            END,
        ]
    )


def update_doc() -> None:
    """Replace the figures block of docs/RELIABILITY.md with the last report."""
    report = json.loads(REPORT.read_text())
    text = DOC.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(head + render_block(report) + tail)


if __name__ == "__main__":
    if not REPORT.exists():
        sys.exit(f"{REPORT} does not exist: run `make test` first")
    if not json.loads(REPORT.read_text()).get("complete") and "--force" not in sys.argv:
        sys.exit(f"{REPORT} is from a run of part of the suite; run `make test` (or pass --force)")
    update_doc()
    print(f"updated {DOC} from {REPORT}")
