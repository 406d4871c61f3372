"""Every state-touching command on S3 state: cjrec against the sandbox, state in moto_server on loopback.

plan, apply, saved plans and their staleness check, state list/show/forget, export, token,
logout and force-unlock work the same with ``CJREC_STATE_DIR=s3://…`` or Settings
``spec.state`` as with a folder, and nothing is written to a local ``state/``. A second
runner is refused naming the holder; bad buckets, credentials, endpoints and foreign
objects each give one clear message, exit 1, and write nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from reconciler.adapters.clock import SystemClock
from reconciler.adapters.s3_state import S3StateStore
from reconciler.adapters.state_store import render_state
from reconciler.models.state import SyncState
from reconciler.models.state_location import parse_s3_url
from tests.support.cj_workspace import CjWorkspace, on_sale
from tests.support.s3_server import Fault, FaultProxy, free_port
from tests.support.state_files import bucket_state_document


@pytest.fixture
def s3w(cjw: CjWorkspace, s3_bucket: Any, monkeypatch: pytest.MonkeyPatch) -> CjWorkspace:
    monkeypatch.setenv("CJREC_STATE_DIR", s3_bucket.url("prod"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return cjw


def recorded(bucket: Any) -> set[str]:
    return set(bucket_state_document(bucket.url("prod/"))["products"])


def test_apply_records_in_the_bucket_and_every_state_command_reads_it_there(s3w: CjWorkspace, s3_bucket: Any) -> None:
    pids = on_sale(s3w.sandbox, 3)
    s3w.products(pids)
    applied = s3w.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert recorded(s3_bucket) == set(pids)
    keys = s3_bucket.key_names()
    assert [k for k in keys if k.count("/") == 1] == ["prod/sync.json", "prod/sync.json.backup", "prod/token.sops.json"]
    shards = {f"prod/{name}" for name in json.loads(s3_bucket.get("prod/sync.json"))["shards"]}
    assert {k for k in keys if k.count("/") == 2} == shards  # the state's shards, and nothing else
    assert not (s3w.root / "state").exists()  # nothing local, and no folder named "s3:"
    assert not (s3w.root / "s3:").exists()

    again = s3w.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output  # converged; the cached token in the bucket was reused
    assert [str(c["path"]).rsplit("/", 1)[-1] for c in s3w.auth_calls()].count("getAccessToken") == 1

    listed = s3w.run("state", "list")
    assert listed.exit_code == 0 and all(f"product.{pid}" in listed.stdout for pid in pids)
    shown = s3w.run("state", "show", f"product.{pids[0]}")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["address"] == f"product.{pids[0]}"
    exported = s3w.run("export")
    assert exported.exit_code == 0 and len(exported.stdout.splitlines()) == 3
    imported = s3w.run("import")  # reads the token cache from the bucket, lists My Products
    assert imported.exit_code == 0 and "Nothing to import" in imported.stdout, imported.output
    status = s3w.run("token", "status")
    assert status.exit_code == 0 and f"s3://{s3_bucket.name}/prod/token.sops.json" in status.stdout
    forgot = s3w.run("state", "forget", f"product.{pids[0]}")
    assert forgot.exit_code == 0, forgot.output
    assert recorded(s3_bucket) == set(pids[1:])
    logout = s3w.run("logout")
    assert logout.exit_code == 0, logout.output
    assert "prod/token.sops.json" not in s3_bucket.key_names()


def test_settings_spec_state_names_the_bucket_when_no_option_does(
    s3w: CjWorkspace, s3_bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CJREC_STATE_DIR")
    s3w.write(
        "manifests/settings.yaml",
        f"apiVersion: cjrec/v1\nkind: Settings\nspec: {{qps: 10, pointsBudget: 20000, state: '{s3_bucket.url('prod')}'}}\n",
    )
    pids = on_sale(s3w.sandbox, 2)
    s3w.products(pids)
    assert s3w.run("apply", "--auto-approve").exit_code == 0
    assert recorded(s3_bucket) == set(pids)
    listed = s3w.run("state", "list")  # reads only the Settings document to find the state
    assert listed.exit_code == 0 and all(pid in listed.stdout for pid in pids)
    local = s3w.run("--state-dir", "state", "state", "list")  # the option wins over Settings
    assert "No state yet" in local.stdout


def test_a_saved_plan_is_refused_once_the_state_in_the_bucket_moved_on(s3w: CjWorkspace, s3_bucket: Any) -> None:
    pids = on_sale(s3w.sandbox, 3)
    s3w.products(pids[:1])
    assert s3w.run("apply", "--auto-approve").exit_code == 0
    s3w.products(pids[:2])
    assert s3w.run("plan", "--out", "tfplan.json").exit_code == 0
    s3w.products(pids[:1] + pids[2:])
    assert s3w.run("apply", "--auto-approve").exit_code == 0
    stale = s3w.run("apply", "tfplan.json")
    assert stale.exit_code == 1
    assert "is stale: the state moved on since" in stale.stderr


def test_a_second_runner_is_refused_naming_the_holder_and_force_unlock_frees_it(
    s3w: CjWorkspace, s3_bucket: Any
) -> None:
    s3w.products(on_sale(s3w.sandbox, 2))
    store = S3StateStore(parse_s3_url(s3_bucket.url("prod")), clock=SystemClock())
    lock = store.lock(operation="apply", clock=SystemClock())
    held = lock.acquire()
    refused = s3w.run("apply", "--auto-approve")
    assert refused.exit_code == 1
    assert f"the state at s3://{s3_bucket.name}/prod/ is locked by" in refused.stderr
    assert held.id in refused.stderr and "taken" in refused.stderr and "ago" in refused.stderr
    assert s3w.mutating_calls() == []
    wrong = s3w.run("force-unlock", "0000")
    assert wrong.exit_code == 1 and "does not match" in wrong.stderr
    freed = s3w.run("force-unlock", held.id)
    assert freed.exit_code == 0, freed.output
    assert s3w.run("apply", "--auto-approve").exit_code == 0
    assert "prod/cjrec.lock" not in s3_bucket.key_names()


# -- bad places: one clear message, exit 1, nothing written ------------------------------------
def test_a_bucket_that_does_not_exist_is_named(s3w: CjWorkspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CJREC_STATE_DIR", "s3://no-such-bucket-here/prod")
    s3w.products(on_sale(s3w.sandbox, 1))
    for args in (("apply", "--auto-approve"), ("plan",), ("state", "list")):
        result = s3w.run(*args)
        assert result.exit_code == 1, result.output
        assert "s3://no-such-bucket-here/: the bucket does not exist" in result.stderr
        assert "Traceback" not in result.output
    assert s3w.mutating_calls() == []


def test_missing_credentials_are_named(s3w: CjWorkspace, s3_bucket: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(s3w.root / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(s3w.root / "none"))
    result = s3w.run("state", "list")
    assert result.exit_code == 1
    assert f"s3://{s3_bucket.name}/prod/sync.json: no AWS credentials were found" in result.stderr
    assert "AWS_PROFILE" in result.stderr


def test_an_endpoint_that_does_not_answer_is_named(s3w: CjWorkspace, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{port}")
    result = s3w.run("state", "list")
    assert result.exit_code == 1
    assert f"the S3 endpoint http://127.0.0.1:{port} does not answer (after 5 attempts" in result.stderr


def test_a_state_object_that_is_not_cjrecs_is_left_alone(s3w: CjWorkspace, s3_bucket: Any) -> None:
    s3_bucket.put("prod/sync.json", b"<html>not a state</html>")
    s3w.products(on_sale(s3w.sandbox, 1))
    result = s3w.run("apply", "--auto-approve")
    assert result.exit_code == 1
    assert f"s3://{s3_bucket.name}/prod/sync.json:1: the state is not valid JSON" in result.stderr
    assert s3_bucket.get("prod/sync.json") == b"<html>not a state</html>"
    assert "prod/cjrec.lock" not in s3_bucket.key_names()  # released on the error
    assert s3w.mutating_calls() == []


def test_a_lock_object_that_is_not_cjrecs_keeps_the_state_locked(s3w: CjWorkspace, s3_bucket: Any) -> None:
    s3_bucket.put("prod/cjrec.lock", b"someone else's")
    result = s3w.run("state", "forget", "product.2503190327561613000")
    assert result.exit_code == 1
    assert f"s3://{s3_bucket.name}/prod/cjrec.lock exists but is not a cjrec lock" in result.stderr


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("gs://bucket/prefix", "gs: is not supported"),
        ("s3://Bad_Bucket/prefix", "is not a bucket name"),
        ("s3://bucket/a/../b", "may not contain"),
        ("s3:/bucket/prefix", "is not an s3:// URL"),
    ],
)
def test_a_location_that_is_neither_a_folder_nor_s3_is_refused(s3w: CjWorkspace, location: str, message: str) -> None:
    result = s3w.run("--state-dir", location, "state", "list")
    assert result.exit_code == 1
    assert message in result.stderr and "--state-dir / CJREC_STATE_DIR" in result.stderr
    assert not any(p.name.endswith(":") for p in s3w.root.iterdir())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_release_the_lock_in_the_bucket_and_keep_what_was_done(
    s3w: CjWorkspace, s3_bucket: Any, sig: signal.Signals
) -> None:
    s3w.sandbox.set_faults(latency_ms=100)
    pids = on_sale(s3w.sandbox, 20)
    s3w.products(pids)
    env = {
        **os.environ,
        "SOPS_AGE_KEY": s3w.key.private,
        "SOPS_DISABLE_VERSION_CHECK": "1",
        "CJREC_API_URL": s3w.sandbox.base_url,
        "HOME": str(s3w.root / ".home"),
        "NO_COLOR": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve"],
        cwd=s3w.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len(s3w.mutating_calls()) < 3:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "prod/cjrec.lock" not in s3_bucket.key_names()  # released
    done = recorded(s3_bucket)
    assert 0 < len(done) < 20
    s3w.sandbox.set_faults(latency_ms=0)
    assert s3w.run("apply", "--auto-approve").exit_code == 0
    assert recorded(s3_bucket) == set(pids)


def test_a_saved_plan_is_refused_against_a_prefix_holding_another_lineage(
    s3w: CjWorkspace, s3_bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3w.products(on_sale(s3w.sandbox, 1))
    assert s3w.run("apply", "--auto-approve").exit_code == 0
    assert s3w.run("plan", "--out", "tfplan.json").exit_code == 0
    other = render_state(SyncState(lineage="5b0c1e53-9a47-4a53-a1b4-6fb0d1e1a003", serial=4)).decode()
    s3_bucket.put("other/sync.json", other.encode())
    monkeypatch.setenv("CJREC_STATE_DIR", s3_bucket.url("other"))
    refused = s3w.run("apply", "tfplan.json")
    assert refused.exit_code == 1
    assert "made against another state (lineage" in refused.stderr
    assert "now 5b0c1e53-9a47-4a53-a1b4-6fb0d1e1a003" in refused.stderr
    assert s3_bucket.get("other/sync.json") == other.encode()
    assert "other/cjrec.lock" not in s3_bucket.key_names()


def spawn_apply(ws: CjWorkspace) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "SOPS_AGE_KEY": ws.key.private,
        "SOPS_DISABLE_VERSION_CHECK": "1",
        "CJREC_API_URL": ws.sandbox.base_url,
        "HOME": str(ws.root / ".home"),
        "NO_COLOR": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve"],
        cwd=ws.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_runners_at_once_one_applies_and_the_other_is_refused(s3w: CjWorkspace, s3_bucket: Any) -> None:
    s3w.sandbox.set_faults(latency_ms=150)
    pids = on_sale(s3w.sandbox, 8)
    s3w.products(pids)
    first = spawn_apply(s3w)
    deadline = time.monotonic() + 30
    while "prod/cjrec.lock" not in s3_bucket.key_names():
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    second = spawn_apply(s3w)
    _, err2 = second.communicate(timeout=60)
    _, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 1 and f"pid {first.pid}" in err2 and "is locked by" in err2
    assert sorted(c["body"]["productId"] for c in s3w.mutating_calls()) == sorted(pids)  # type: ignore[index]


@pytest.mark.parametrize(
    ("method", "code", "words"),
    [
        (None, "InvalidAccessKeyId", "refused the AWS credentials (InvalidAccessKeyId)"),
        ("PUT", "AccessDenied", "access denied to write the state (AccessDenied)"),
    ],
)
def test_refused_credentials_and_denied_access_stop_apply_before_any_call(
    s3w: CjWorkspace, s3_bucket: Any, monkeypatch: pytest.MonkeyPatch, method: str | None, code: str, words: str
) -> None:
    proxy = FaultProxy(upstream=s3_bucket.server.url)
    proxy.add(*[Fault(method=method, status=403, code=code) for _ in range(10)])
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    s3w.products(on_sale(s3w.sandbox, 1))
    try:
        result = s3w.run("apply", "--auto-approve")
    finally:
        proxy.close()
    assert result.exit_code == 1
    assert f"s3://{s3_bucket.name}/prod/" in result.stderr and words in result.stderr
    assert "Traceback" not in result.output
    assert s3w.mutating_calls() == []
    assert s3_bucket.key_names() == []  # nothing written
