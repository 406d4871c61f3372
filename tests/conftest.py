"""Fixtures every test folder can use, and the hooks that collect the run's figures.

- ``secret_watch`` (autouse): the secret check of :mod:`tests.support.secret_watch` around
  every test; it records every cjrec run, in-process or as a subprocess.
- ``age_key`` (one per session), ``workspace`` (a configuration repository with sops rules,
  :mod:`tests.support.workspace`) and ``valid_workspace`` (one valid document of each kind).
- ``moto`` and ``s3_bucket``: a real S3 API for this test process and a fresh bucket on it
  (:mod:`tests.support.s3_server`).
- ``--pure`` (what ``make test-fast`` runs with): tests that reach outside the process are
  deselected, or skipped when they try (:mod:`tests.support.pure_run`).
- The pytest hooks below hand the figures of the run (:mod:`tests.figures`) from xdist
  workers to the controller, which writes the report.

Helpers live in :mod:`tests.support`; this file holds fixtures and hooks only.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import server as sandbox_server
from tests import figures
from tests.support import pure_run
from tests.support.images import tiny_png
from tests.support.manifests import PRODUCT_URL, UUID_URL
from tests.support.secret_watch import SecretWatch, is_cjrec_run
from tests.support.sops_keys import SOPS_RULES, AgeKey, make_age_key
from tests.support.workspace import API_TOKEN, EMAIL, Workspace

# -- the figures of the run (tests/figures.py) ----------------------------------------------
_SESSION_START = [0.0]


def pytest_sessionstart(session: pytest.Session) -> None:
    import time

    _SESSION_START[0] = time.monotonic()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist controller: collect the figures a worker counted."""
    data = getattr(node, "workeroutput", {}).get("cjrec_figures")
    if data:
        figures.merge(json.loads(data))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    import time

    config: Any = session.config
    if hasattr(config, "workerinput"):  # an xdist worker hands its figures to the controller
        config.workeroutput["cjrec_figures"] = json.dumps(figures.snapshot())
        return
    figures.write_report(
        figures.snapshot(),
        exit_status=int(exitstatus),
        duration_s=time.monotonic() - _SESSION_START[0],
        command=figures.pytest_command(config.invocation_params.args),
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    counts = figures.snapshot()
    if figures.has_reliability_figures(counts) and not hasattr(terminalreporter.config, "workerinput"):
        terminalreporter.write_line(figures.summary_line(counts))


# -- make test-fast: --pure runs only tests that stay inside this process --------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--pure",
        action="store_true",
        help="only tests that need no sops, sandbox, S3 server, child process or socket (make test-fast)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--pure"):
        kept, dropped = pure_run.split(items)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept


@pytest.fixture(autouse=True)
def pure_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.config.getoption("--pure"):
        pure_run.skip_on_outside_world(monkeypatch)


@pytest.fixture(scope="session")
def age_key() -> AgeKey:
    return make_age_key()


@pytest.fixture(autouse=True)
def secret_watch(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[SecretWatch]:
    watch = SecretWatch(secrets={API_TOKEN, EMAIL})
    # the sandbox's own tests talk to it with a raw client and put tokens in URLs on purpose
    watch.check_call_logs = "tests/sandbox/" not in request.node.nodeid.replace(os.sep, "/")
    original_init = sandbox_server.Sandbox.__init__

    def init(self: sandbox_server.Sandbox, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        watch.watch_sandbox(self)

    original_communicate = subprocess.Popen.communicate

    def communicate(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> Any:
        out, err = original_communicate(self, *args, **kwargs)
        if is_cjrec_run(self.args):
            watch.record(out)
            watch.record(err)
        return out, err

    monkeypatch.setattr(sandbox_server.Sandbox, "__init__", init)
    monkeypatch.setattr(subprocess.Popen, "communicate", communicate)
    yield watch
    watch.record(caplog.text)
    watch.check()


@pytest.fixture(scope="session")
def moto() -> Iterator[Any]:
    """A real S3 API (moto_server) on a free loopback port, for this test process."""
    from tests.support.s3_server import MotoServer

    server = MotoServer()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(moto: Any, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh bucket; the test's environment points at moto with dummy keys; every object is secret-scanned."""
    from tests.support.s3_server import new_bucket

    bucket = new_bucket(moto)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in bucket.env.items():
        monkeypatch.setenv(name, value)
    secret_watch.buckets.append(lambda: list(bucket.objects()))
    return bucket


@pytest.fixture
def workspace(tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".sops.yaml").write_text(SOPS_RULES.format(public=age_key.public))
    secret_watch.add_root(root)
    secret_watch.note_input(root / ".sops.yaml")
    return Workspace(root=root, key=age_key, watch=secret_watch, monkeypatch=monkeypatch)


@pytest.fixture
def valid_workspace(workspace: Workspace) -> Workspace:
    """A workspace with one of every kind of document, all valid."""
    workspace.credentials()
    workspace.write_bytes("manifests/logos/brand.png", tiny_png())
    workspace.write(
        "manifests/logos.yaml",
        """
        apiVersion: cjrec/v1
        kind: Logo
        metadata: {name: brand}
        spec:
          file: logos/brand.png
          publicUrl: https://cdn.example.com/brand.png
          default: true
        """,
    )
    workspace.write(
        "manifests/products.yaml",
        f"""
        apiVersion: cjrec/v1
        kind: Products
        metadata: {{name: storefront}}
        spec:
          items:
            - productUrl: {PRODUCT_URL}
              logo: brand
            - productUrl: {UUID_URL}
        """,
    )
    workspace.write(
        "manifests/settings.yml",
        """
        apiVersion: cjrec/v1
        kind: Settings
        spec: {qps: 2, pointsBudget: 5000}
        """,
    )
    return workspace
