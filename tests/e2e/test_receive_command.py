"""``cjrec receive`` in a configuration repository: the openId from the token cache, the token from the environment."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import time
from pathlib import Path

from reconciler.adapters.event_log import LocalEventLog
from reconciler.receiver.app import signature
from reconciler.sandbox.accounts import open_id_for
from tests.reliability.harness import spawn
from tests.support.ci_service import CiService
from tests.support.cj_workspace import CjWorkspace

TOKEN = "rcv_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1"
CI_TOKEN = "github_pat_" + "Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0"


def test_receive_needs_a_path_token_that_cannot_be_guessed(cjw: CjWorkspace) -> None:
    result = cjw.cli("receive", "--check")
    assert result.exit_code == 1
    assert "no receiver token: set CJREC_RECEIVER_TOKEN or Settings receiverToken" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr
    result = cjw.cli("receive", "--check", env={"CJREC_RECEIVER_TOKEN": "short"})
    assert result.exit_code == 1 and "24 to 128" in result.stderr
    assert "Traceback" not in result.output


def test_check_says_whether_the_openid_is_known(cjw: CjWorkspace) -> None:
    cjw.watch.secrets.add(TOKEN)
    before = cjw.cli("receive", "--check", env={"CJREC_RECEIVER_TOKEN": TOKEN})
    assert before.exit_code == 1
    assert "holds no openId" in before.output and "cjrec token refresh" in before.output
    assert cjw.run("token", "refresh").exit_code == 0  # type: ignore[attr-defined]
    after = cjw.cli("receive", "--check", env={"CJREC_RECEIVER_TOKEN": TOKEN})
    assert after.exit_code == 0, after.output
    assert "openId: openId known" in after.stdout and "0 pending" in after.stdout
    assert TOKEN not in after.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_signed_message_reaches_the_state_folder_through_the_real_command(cjw: CjWorkspace) -> None:
    cjw.watch.secrets.add(TOKEN)
    assert cjw.run("token", "refresh").exit_code == 0  # type: ignore[attr-defined]
    port = _free_port()
    proc = spawn(cjw, "receive", "--port", str(port), CJREC_RECEIVER_TOKEN=TOKEN)
    try:
        _wait_for_health(port, proc)
        open_id = str(open_id_for(cjw.sandbox.config.api_key))
        body = json.dumps(
            {
                "messageId": "e2e-1",
                "type": "PRODUCT",
                "messageType": "UPDATE",
                "openId": open_id,
                "params": {"pid": "7"},
            }
        ).encode()
        assert _request(port, "POST", f"/cj/{TOKEN}", body, {"sign": signature(body, open_id)}) == 200
        assert _request(port, "POST", f"/cj/{TOKEN}", body, {"sign": signature(body, "other")}) == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    cjw.watch.record(out + err)
    [message] = LocalEventLog(Path(cjw.root) / "state").pending()
    assert message.message_id == "e2e-1" and message.params == {"pid": "7"}
    assert TOKEN not in out + err and open_id not in out + err
    assert "/cj/<token>" in out


def _wait_for_health(port: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if _request(port, "GET", "/healthz") == 200:
                return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.05)


def test_check_names_the_dispatch_target_and_never_its_token(cjw: CjWorkspace) -> None:
    cjw.watch.secrets.update({TOKEN, CI_TOKEN})
    assert cjw.run("token", "refresh").exit_code == 0  # type: ignore[attr-defined]
    env = {"CJREC_RECEIVER_TOKEN": TOKEN, "CJREC_GITHUB_TOKEN": CI_TOKEN, "CJREC_GITHUB_REPOSITORY": "shop/config"}
    result = cjw.cli("receive", "--check", "--dispatch", "github", env=env)
    assert result.exit_code == 0, result.output
    assert "dispatch: GitHub shop/config (repository_dispatch cjrec-events), at most once every 300 s" in result.stdout
    missing = cjw.cli("receive", "--check", "--dispatch", "gitlab", env=env)
    assert missing.exit_code == 1 and "CJREC_GITLAB_TRIGGER_TOKEN is not set" in missing.stderr
    assert "Traceback" not in missing.output


def test_a_signed_message_starts_the_drift_job_through_the_real_command(cjw: CjWorkspace) -> None:
    cjw.watch.secrets.update({TOKEN, CI_TOKEN})
    assert cjw.run("token", "refresh").exit_code == 0  # type: ignore[attr-defined]
    port = _free_port()
    with CiService() as ci:
        proc = spawn(
            cjw,
            "receive",
            "--port",
            str(port),
            "--dispatch",
            "github",
            "--dispatch-interval",
            "1",
            CJREC_RECEIVER_TOKEN=TOKEN,
            CJREC_GITHUB_TOKEN=CI_TOKEN,
            CJREC_GITHUB_REPOSITORY="shop/config",
            CJREC_GITHUB_API_URL=ci.url,
        )
        try:
            _wait_for_health(port, proc)
            open_id = str(open_id_for(cjw.sandbox.config.api_key))
            body = json.dumps(
                {"messageId": "e2e-d", "type": "VARIANT", "openId": open_id, "params": {"vid": "9"}}
            ).encode()
            assert _request(port, "POST", f"/cj/{TOKEN}", body, {"sign": signature(body, open_id)}) == 200
            assert ci.arrived.wait(30), "no dispatch reached the stand-in"
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
    cjw.watch.record(out + err)
    [sent] = ci.requests
    assert sent.path == "/repos/shop/config/dispatches" and b'"event_type": "cjrec-events"' in sent.body
    assert "started the drift job (GitHub shop/config" in err and "for 1 message(s)" in err
    assert CI_TOKEN not in out + err and TOKEN not in out + err
