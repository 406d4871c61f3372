"""``plan|apply --all`` / ``--accounts a,b``: the accounts of a repository side by side in one process.

CJ's rate limit is per account, so accounts can run at once. Each account runs in a thread
of a bounded pool (``--parallel N``) with its own :class:`~reconciler.cli.context.AppContext`:
its own manifests (plus ``common/``), state store and lock, token cache, HTTP client, rate
limiter and points budget — nothing is shared but the process. What an account prints is
kept apart (:class:`_Streams`) and shown as one block per account when it finishes, then a
summary table; the exit code is the worst account's (error 1 over changes 2 over 0). An
account that fails is reported with its reason and does not stop the others. In Markdown the
accounts make one pull-request comment (``render/plan_comment.py``), printed or written to a file.
"""

from __future__ import annotations

import io
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

import click

from reconciler.cli.accounts import Account, Layout
from reconciler.cli.context import AppContext
from reconciler.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, CjrecError
from reconciler.safe_text import for_terminal

Work = Callable[[AppContext], int]


@dataclass(frozen=True)
class AccountRun:
    """How one account's run ended, and what it printed."""

    name: str
    code: int
    outcome: str
    stdout: str
    stderr: str
    seconds: float
    report: str = ""  # its plan in Markdown, when the command made one


class _Streams(io.TextIOBase):
    """Stands for sys.stdout or sys.stderr: a thread that registered a buffer writes there, others through."""

    def __init__(self, through: TextIO, local: threading.local, which: str) -> None:
        self._through = through
        self._local = local
        self._which = which

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    @property
    def errors(self) -> str:  # type: ignore[override]
        return "strict"

    def _target(self) -> TextIO:
        buffers: dict[str, io.StringIO] | None = getattr(self._local, "buffers", None)
        return buffers[self._which] if buffers is not None else self._through

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


@contextmanager
def _routed(local: threading.local) -> Iterator[tuple[TextIO, TextIO]]:
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Streams(out, local, "out"), _Streams(err, local, "err")
    try:
        yield out, err
    finally:
        sys.stdout, sys.stderr = out, err


def account_context(obj: AppContext, account: Account, layout: Layout) -> AppContext:
    """The context of one account: its manifests, common/, and its own state location."""
    options = obj.options
    if options.state_explicit:  # --state-dir DIR or s3://…: a folder or prefix per account below it
        base = options.state_location.rstrip("/")
        state = f"{base}/{account.name}"
    else:
        state = str(account.state)
    return AppContext(
        replace(
            options,
            manifests=account.manifests,
            common=layout.common,
            state_location=state,
            account=account.name,
        )
    )


def run_accounts(
    obj: AppContext,
    layout: Layout,
    chosen: list[Account],
    work: Work,
    *,
    parallel: int,
    fmt: str = "text",
    report_file: Path | None = None,
) -> int:
    """Run ``work`` for every chosen account, at most ``parallel`` at once; print the reports and the table.

    ``fmt`` is how the accounts' standard output is put together: ``text`` prints each report
    under a heading as it finishes; ``markdown`` prints, at the end, one comment with a section
    per account; ``json`` prints, at the end, one object ``{"accounts": {name: plan}, "summary": [...]}``.
    ``report_file``: the comment is written there too (whatever ``fmt``).
    """
    local = threading.local()
    contexts: list[AppContext] = []
    interrupted = threading.Event()

    def one(account: Account) -> AccountRun:
        local.buffers = {"out": io.StringIO(), "err": io.StringIO()}
        started = time.monotonic()
        context = account_context(obj, account, layout)
        contexts.append(context)
        if interrupted.is_set():
            local.buffers = None
            return AccountRun(account.name, EXIT_INTERRUPTED, "not started: interrupted", "", "", 0.0)
        try:
            code = work(context)
        except CjrecError as exc:
            context.console.error(exc)
            code, context.outcome = EXIT_ERROR, f"failed: {exc.message}"
        except KeyboardInterrupt:
            code, context.outcome = EXIT_INTERRUPTED, "interrupted"
        except Exception as exc:  # noqa: BLE001 - one account's bug must not hide the others' reports
            context.console.error(CjrecError(f"internal error: {type(exc).__name__}", hint="run it alone with --debug"))
            code, context.outcome = EXIT_ERROR, f"failed: internal error {type(exc).__name__}"
        buffers = local.buffers
        local.buffers = None
        return AccountRun(
            account.name,
            code,
            context.outcome or _default_outcome(code),
            buffers["out"].getvalue(),
            buffers["err"].getvalue(),
            time.monotonic() - started,
            context.report,
        )

    runs: list[AccountRun] = []
    with _routed(local) as (out, err), ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="account") as pool:
        futures = []
        try:
            for account in chosen:
                futures.append(pool.submit(one, account))
            for future in as_completed(futures):
                done = future.result()
                runs.append(done)
                _print_run(obj, done, out, err, fmt=fmt)
        except KeyboardInterrupt:  # Ctrl-C: no account sends another call; each reports where it stopped
            interrupted.set()
            for context in list(contexts):
                context.interrupt()
            for future in futures:
                if future.done() and future.result() in runs:
                    continue
                done = future.result()
                runs.append(done)
                _print_run(obj, done, out, err, fmt=fmt)
            for account in chosen[len(futures) :]:
                runs.append(AccountRun(account.name, EXIT_INTERRUPTED, "not started: interrupted", "", "", 0.0))
            obj.console.warning("Interrupted: no account sent another call to CJ after Ctrl-C.")
    _finish(obj, runs, out, fmt=fmt, report_file=report_file)
    return EXIT_INTERRUPTED if interrupted.is_set() else worst(run.code for run in runs)


def _finish(obj: AppContext, runs: list[AccountRun], out: TextIO, *, fmt: str, report_file: Path | None) -> None:
    """The summary (text table, the Markdown comment or the JSON document) and the failed accounts."""
    runs.sort(key=lambda run: run.name)
    if report_file is not None:
        from reconciler.adapters.atomic_file import write_atomic

        write_atomic(report_file, markdown_comment(runs).encode("utf-8"), mode=0o644, keep_backup=False)
    if fmt == "json":
        out.write(json_report(runs))
    elif fmt == "markdown":
        out.write(markdown_comment(runs))
    else:
        click.echo(summary_table(runs), file=out, color=obj.console.color)
    out.flush()
    failed = [run.name for run in runs if run.code not in (EXIT_OK, EXIT_CHANGES)]
    if failed:
        obj.console.error(
            CjrecError(
                f"{len(failed)} of {len(runs)} accounts failed: {', '.join(failed)}",
                hint="each account's report above says why; the others ran to the end",
            )
        )


def worst(codes: Iterator[int] | list[int]) -> int:
    """The exit code of many runs: interrupted over error over changes over none."""
    rank = {EXIT_OK: 0, EXIT_CHANGES: 1, EXIT_ERROR: 2, EXIT_INTERRUPTED: 3}
    return max(codes, key=lambda code: rank.get(code, 2), default=EXIT_OK)


def _default_outcome(code: int) -> str:
    return {EXIT_OK: "ok", EXIT_CHANGES: "changes", EXIT_INTERRUPTED: "interrupted"}.get(code, "failed")


def _print_run(obj: AppContext, run: AccountRun, out: TextIO, err: TextIO, *, fmt: str) -> None:
    if fmt == "text":
        heading = f"=== account {run.name} ({run.outcome}, {run.seconds:.1f} s) ==="
        click.echo(
            obj.console.role_style(for_terminal(heading, limit=None), "heading"), file=out, color=obj.console.color
        )
        out.write(run.stdout)
    out.flush()
    if run.stderr:
        err.write("".join(f"[{run.name}] {line}" for line in run.stderr.splitlines(keepends=True)))
        err.flush()


def summary_table(runs: list[AccountRun]) -> str:
    """One row per account: name, exit code, time and outcome."""
    width = max([len("account"), *(len(run.name) for run in runs)])
    lines = [f"{'account':<{width}}  exit  seconds  result", f"{'-' * width}  ----  -------  ------"]
    for run in runs:
        lines.append(f"{run.name:<{width}}  {run.code:>4}  {run.seconds:>7.1f}  {for_terminal(run.outcome, limit=200)}")
    return "\n".join(lines)


def markdown_comment(runs: list[AccountRun]) -> str:
    """One pull-request comment: the summary table, then each account's plan in its own section."""
    from reconciler.render.plan_comment import combined_comment, section_of

    return combined_comment(section_of(run.name, run.code, run.outcome, run.report) for run in runs)


def json_report(runs: list[AccountRun]) -> str:
    """Every account's JSON plan under its name, and the summary rows."""
    import json

    plans: dict[str, object] = {}
    for run in runs:
        try:
            plans[run.name] = json.loads(run.stdout) if run.stdout.strip() else None
        except ValueError:
            plans[run.name] = None
    summary = [{"account": run.name, "exit": run.code, "result": run.outcome} for run in runs]
    return json.dumps({"accounts": plans, "summary": summary}, indent=2, ensure_ascii=False) + "\n"
