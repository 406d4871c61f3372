"""Helpers of the reliability suites: workspaces on their own sandboxes, real cjrec processes,
checksums of ``state/``, and an aged token cache.

Builds on :mod:`tests.support.workspace` and :mod:`tests.support.secret_watch` (Workspace,
the secret watch every CLI run goes through) and :mod:`tests.support.cj_workspace`
(CjWorkspace). Real processes are started with ``subprocess.Popen`` and read with
``communicate()``, so the secret watch records their output.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reconciler.adapters.sops import Sops
from reconciler.adapters.state_store import LocalStateStore
from reconciler.models.state import SyncState
from reconciler.sandbox import DEMO_API_KEY, DEMO_EMAIL, Sandbox, SandboxConfig
from tests.support.cj_workspace import QPS, CjWorkspace
from tests.support.secret_watch import SecretWatch
from tests.support.sops_keys import SOPS, SOPS_RULES, AgeKey

ADD_PATH = "/product/addToMyProduct"
QUERY_PATH = "/product/query"


def new_sandbox(*, latency_ms: float = 0.0, seed: int = 11, products: int = 300, **config: object) -> Sandbox:
    """A started sandbox for one scenario (its own account, rate windows and faults)."""
    return Sandbox(SandboxConfig(qps=QPS, products=products, seed=seed, latency_ms=latency_ms, **config)).start()  # type: ignore[arg-type]


def new_workspace(
    root: Path, sandbox: Sandbox, *, key: AgeKey, watch: SecretWatch, monkeypatch: pytest.MonkeyPatch
) -> CjWorkspace:
    """A configuration repository at ``root`` whose Credentials open ``sandbox``'s account."""
    root.mkdir(parents=True)
    (root / ".sops.yaml").write_text(SOPS_RULES.format(public=key.public))
    watch.add_root(root)
    watch.note_input(root / ".sops.yaml")
    ws = CjWorkspace(root=root, key=key, watch=watch, monkeypatch=monkeypatch)
    ws.sandbox = sandbox
    ws.credentials(email=DEMO_EMAIL, token=DEMO_API_KEY)
    ws.settings()
    return ws


def on_sale(sandbox: Sandbox, count: int, *, start: int = 3) -> list[str]:
    pids = sandbox.catalog_pids("on_sale")[start : start + count]
    assert len(pids) == count, "the sandbox catalog is too small"
    return pids


def cjrec_env(ws: CjWorkspace, **extra: str) -> dict[str, str]:
    env = dict(
        os.environ,
        SOPS_AGE_KEY=ws.key.private,
        SOPS_DISABLE_VERSION_CHECK="1",
        CJREC_API_URL=ws.sandbox.base_url,
        HOME=str(ws.root / ".home"),
        NO_COLOR="1",
    )
    env.pop("SOPS_AGE_KEY_FILE", None)
    env.update(extra)
    return env


def spawn(ws: CjWorkspace, *args: str, **env: str) -> subprocess.Popen[str]:
    """``cjrec ARGS`` as a real process in ``ws`` (outputs read with ``communicate()``)."""
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args],
        cwd=ws.root,
        env=cjrec_env(ws, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when(
    ws: CjWorkspace, done: Callable[[], bool], *args: str, meanwhile: Callable[[], None] = lambda: None
) -> None:
    """Start apply and SIGKILL it as soon as ``done()`` holds (the stand-in has acted, its answer pending)."""
    proc = spawn(ws, "apply", "--auto-approve", *args)
    deadline = time.monotonic() + 120
    while not done():
        meanwhile()
        assert proc.poll() is None, f"apply ended before the kill: {proc.communicate()[1][-2000:]}"
        assert time.monotonic() < deadline, "the write never came"
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the kill did not land mid-run"


@dataclass
class Finished:
    exit_code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(ws: CjWorkspace, *args: str, timeout: float = 180.0, **env: str) -> Finished:
    started = time.monotonic()
    proc = spawn(ws, *args, **env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"cjrec {' '.join(args)} did not finish in {timeout} s: {err[-2000:]}") from None
    return Finished(proc.returncode, out, err, time.monotonic() - started)


def state_checksums(state_dir: Path) -> dict[str, str]:
    """sha256 of every file under ``state_dir``, by relative path."""
    if not state_dir.exists():
        return {}
    return {
        str(path.relative_to(state_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(state_dir.rglob("*"))
        if path.is_file()
    }


def load_state(ws: CjWorkspace) -> SyncState | None:
    """The recorded state, parsed and validated as cjrec does (StateError if it is not valid)."""
    return LocalStateStore(ws.root / "state").load()


def recorded(ws: CjWorkspace) -> set[str]:
    state = load_state(ws)
    return set(state.products) if state else set()


def calls_to(sandbox: Sandbox, path: str, calls: list[dict[str, object]] | None = None) -> list[dict[str, object]]:
    return [c for c in (sandbox.calls() if calls is None else calls) if str(c.get("path", "")).endswith(path)]


def added_pids(calls: list[dict[str, object]]) -> list[str]:
    """The productId of every addToMyProduct call in ``calls``."""
    return [str(c["body"]["productId"]) for c in calls if str(c.get("path", "")).endswith(ADD_PATH)]  # type: ignore[index]


def age_token_cache(ws: CjWorkspace, *, seconds: float = 600.0) -> None:
    """Move the cache's last getAccessToken ``seconds`` into the past (as if the run were later).

    CJ allows getAccessToken once per 300 s and cjrec keeps that rule using the time in its
    encrypted cache; scenarios that need a second authentication step past it this way, and
    move the sandbox's clock on by as much.
    """
    path = ws.root / "state" / "token.sops.json"
    sops = Sops(binary=SOPS, env=ws.sops_env())
    body = json.loads(sops.decrypt_json(path, display=str(path)))
    last = datetime.fromisoformat(body["last_get_access_token_at"]) if body.get("last_get_access_token_at") else None
    body["last_get_access_token_at"] = ((last or datetime.now(UTC)) - timedelta(seconds=seconds)).isoformat()
    sealed = sops.encrypt_json(
        json.dumps(body, sort_keys=True).encode(), filename=path.relative_to(ws.root), cwd=ws.root, display=str(path)
    )
    path.write_bytes(sealed)
    ws.sandbox.advance_clock(seconds)


def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str, poll: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(poll)


@dataclass
class Trigger:
    """Watches a sandbox's call log from a thread of the test and acts once a condition holds."""

    sandbox: Sandbox
    condition: Callable[[list[dict[str, object]]], bool]
    action: Callable[[], None]
    fired_at: float | None = None
    calls_before: int = 0
    _stop: bool = field(default=False, repr=False)

    def loop(self) -> None:
        while not self._stop:
            if self.condition(self.sandbox.calls()[self.calls_before :]):
                self.action()
                self.fired_at = time.monotonic()
                return
            time.sleep(0.005)

    def stop(self) -> None:
        self._stop = True


def adds_at_least(count: int, *, ok_only: bool = True) -> Callable[[list[dict[str, object]]], bool]:
    def condition(calls: list[dict[str, object]]) -> bool:
        adds = [c for c in calls if str(c.get("path", "")).endswith(ADD_PATH) and (not ok_only or c.get("code") == 200)]
        return len(adds) >= count

    return condition


@dataclass
class Job:
    """One real ``cjrec`` run of a scenario, with an optional trigger acting on its sandbox mid-run."""

    ws: CjWorkspace
    args: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    trigger: Trigger | None = None
    result: Finished | None = None
    ended_at: float | None = None
    calls_before: int = 0

    def calls(self) -> list[dict[str, object]]:
        """The sandbox calls this run made."""
        return self.ws.sandbox.calls()[self.calls_before :]


def run_together(jobs: list[Job], *, timeout: float = 240.0) -> None:
    """Run every job at once (each against its own sandbox), waiting for all of them."""
    import threading

    def one(job: Job) -> None:
        job.calls_before = len(job.ws.sandbox.calls())
        watcher = None
        if job.trigger is not None:
            job.trigger.calls_before = job.calls_before
            watcher = threading.Thread(target=job.trigger.loop, daemon=True)
            watcher.start()
        try:
            job.result = run(job.ws, *job.args, timeout=timeout, **job.env)
        finally:
            job.ended_at = time.monotonic()
            if job.trigger is not None:
                job.trigger.stop()
            if watcher is not None:
                watcher.join()

    threads = [threading.Thread(target=one, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 30)
