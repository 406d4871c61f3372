"""End-to-end fixtures: a real `cjrec sandbox` on a free loopback port and a workspace pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.sandbox import DEMO_API_KEY, DEMO_EMAIL, Sandbox, SandboxConfig
from tests.support.cj_workspace import QPS, CjWorkspace
from tests.support.workspace import Workspace


@pytest.fixture
def cj() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(qps=QPS, products=300, seed=11)) as sandbox:
        yield sandbox


@pytest.fixture
def cjw(workspace: Workspace, cj: Sandbox) -> CjWorkspace:
    ws = CjWorkspace(root=workspace.root, key=workspace.key, watch=workspace.watch, monkeypatch=workspace.monkeypatch)
    ws.sandbox = cj
    ws.credentials(email=DEMO_EMAIL, token=DEMO_API_KEY)
    ws.settings()
    return ws
