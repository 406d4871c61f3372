"""The figures of a test run that docs/RELIABILITY.md quotes: crashes survived, faults ridden out, …

Tests count what they proved with :func:`add` (only after their assertions passed, so a
failing test adds nothing). Each pytest process keeps its own counts; under xdist the
workers hand theirs to the controller (hooks in ``tests/conftest.py``), which writes
``build/reliability-figures.json`` at the end of the session and prints one summary line.
A ``make soak`` run (whose figures are all ``soak_…``) writes ``build/soak-figures.json``
instead. Each report records the command line pytest was started with.

``python -m tests.figures`` rewrites the figures block and the soak paragraph of
docs/RELIABILITY.md from those files. It refuses a report of a run that failed (exit status
not 0), and a report from a run of only part of the suite unless given ``--force``.
"""

from __future__ import annotations

import json
import shlex
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "build" / "reliability-figures.json"
SOAK_REPORT = ROOT / "build" / "soak-figures.json"
DOC = ROOT / "docs" / "RELIABILITY.md"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"
SOAK_START, SOAK_END = "<!-- soak:start -->", "<!-- soak:end -->"
SOAK = "soak_"  # the prefix of the figures the soak counts

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


def is_soak(counts: dict[str, int]) -> bool:
    """Whether this was a soak run: soak figures and no other reliability figure."""
    ran = {name for name, count in counts.items() if count and not name.startswith("secret")}
    return bool(ran) and all(name.startswith(SOAK) for name in ran)


def write_report(counts: dict[str, int], *, exit_status: int, duration_s: float, command: str = "") -> Path | None:
    """Write the figures of this session to build/, unless the reliability suite did not run.

    ``command`` is the command line pytest was started with, as the doc will quote it.
    """
    if not has_reliability_figures(counts):
        return None
    soak = is_soak(counts)
    report = SOAK_REPORT if soak else REPORT
    report.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "complete": counts.get(f"{SOAK}runs", 0) > 0 if soak else all(counts.get(name, 0) for name in REQUIRED),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "command": command,
        "exit_status": exit_status,
        "duration_s": round(duration_s, 1),
        "figures": ({} if soak else {name: counts.get(name, 0) for name in LABELS}) | counts,
    }
    report.write_text(json.dumps(body, indent=2, sort_keys=False) + "\n")
    return report


def pytest_command(args: list[str] | tuple[str, ...]) -> str:
    """How the doc shows the command line of a pytest session."""
    return shlex.join(["pytest", *args])


def summary_line(counts: dict[str, int]) -> str:
    return (
        f"cjrec reliability: {counts.get('crashes_survived', 0)} crashes survived, "
        f"{counts.get('atomic_write_kills', 0)} torn-write kills, "
        f"{counts.get('faults_ridden_out', 0)} faults ridden out, "
        f"{counts.get('bad_inputs_tried', 0)} bad inputs tried, "
        f"{counts.get('fuzz_examples', 0)} fuzz examples, "
        f"secrets found: {counts.get('secrets_found', 0)}"
    )


def _command(report: dict[str, object]) -> str:
    return f"`{report['command']}`" if report.get("command") else "(command line not recorded)"


def render_block(report: dict[str, object]) -> str:
    figures = report["figures"]
    assert isinstance(figures, dict)
    rows = [f"| {label} | {figures.get(name, 0)} |" for name, label in LABELS.items()]
    return "\n".join(
        [
            START,
            f"Last run: {report['finished']}, {_command(report)}, whole suite {report['duration_s']} s,"
            f" exit status {report['exit_status']}.",
            "",
            "| figure | count |",
            "|---|---:|",
            *rows,
            END,
        ]
    )


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{whole} s"


def render_soak(report: dict[str, object]) -> str:
    """The soak paragraph, every number from the soak's own report."""
    figures = report["figures"]
    assert isinstance(figures, dict)
    runs, kills, adopted = (
        figures.get(f"{SOAK}runs", 0),
        figures.get(f"{SOAK}crashes_survived", 0),
        figures.get(f"{SOAK}adds_adopted_after_kill", 0),
    )
    kills_per_run = figures.get(f"{SOAK}kill_moments", 0) // max(1, runs)
    products = figures.get(f"{SOAK}products", 0) // max(1, runs)
    return "\n".join(
        [
            SOAK_START,
            f"`make soak` runs the crash test with {kills_per_run} random kill moments over an apply of {products}"
            f" products, for {runs} seeds. Its last run ({report['finished']}, {_command(report)}) took"
            f" {_minutes(float(str(report['duration_s'])))}, exit status {report['exit_status']}, and survived"
            f" {kills} kills. Over those kills, {adopted} products had been added by CJ but not yet recorded"
            " by cjrec when the kill landed; the next runs adopted them from My Products instead of adding them"
            " again.",
            SOAK_END,
        ]
    )


def _replace(text: str, start: str, end: str, block: str) -> str:
    head, found, rest = text.partition(start)
    if not found:
        raise SystemExit(f"{DOC} has no {start} marker")
    _, _, tail = rest.partition(end)
    return head + block + tail


def update_doc() -> None:
    """Replace the figures block of docs/RELIABILITY.md with the last report."""
    report = json.loads(REPORT.read_text())
    DOC.write_text(_replace(DOC.read_text(), START, END, render_block(report)))


def update_soak() -> None:
    """Replace the soak paragraph of docs/RELIABILITY.md with the last soak report."""
    report = json.loads(SOAK_REPORT.read_text())
    DOC.write_text(_replace(DOC.read_text(), SOAK_START, SOAK_END, render_soak(report)))


def refusal(path: Path, report: dict[str, object], *, force: bool) -> str | None:
    """Why ``report`` must not go into the doc, or None."""
    if report.get("exit_status") != 0:
        return f"{path} is from a run that failed (exit status {report.get('exit_status')}); fix it and run again"
    if not report.get("complete") and not force:
        return f"{path} is from a run of part of the suite; run `make test` (or pass --force)"
    return None


def main(argv: list[str]) -> int:
    """Update the doc from each report that exists and may be quoted; 1 if any was refused or none exists."""
    force = "--force" in argv
    updated, refused = [], False
    for path, update in ((REPORT, update_doc), (SOAK_REPORT, update_soak)):
        if not path.exists():
            continue
        why = refusal(path, json.loads(path.read_text()), force=force)
        if why:
            print(why, file=sys.stderr)
            refused = True
            continue
        update()
        updated.append(path)
    if not updated and not refused:
        print(f"neither {REPORT} nor {SOAK_REPORT} exists: run `make test` or `make soak` first", file=sys.stderr)
    if updated:
        print(f"updated {DOC} from {', '.join(str(p) for p in updated)}")
    return 1 if refused or not updated else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
