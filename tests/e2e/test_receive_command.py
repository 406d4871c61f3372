"""``cjrec receive`` in a configuration repository: the openId from the token cache, the token from the environment."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import time
from pathlib import Path

from reconciler.adapters.event_log import LocalEventLog
from reconciler.receiver.app import signature
from reconciler.sandbox.accounts import open_id_for
from tests.reliability.harness import spawn
from tests.support.cj_workspace import CjWorkspace

TOKEN = "rcv_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1"


def test_receive_needs_a_path_token_that_cannot_be_guessed(cjw: CjWorkspace) -> None:
    result = cjw.cli("receive", "--check")
    assert result.exit_code == 1
    assert "CJREC_RECEIVER_TOKEN is not set" in result.stderr and "secrets.token_urlsafe" in result.stderr
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
        deadline = time.monotonic() + 30
        while True:
            try:
                if _request(port, "GET", "/healthz") == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        open_id = str(open_id_for(cjw.sandbox.config.api_key))
        body = json.dumps(
            {"messageId": "e2e-1", "type": "PRODUCT", "messageType": "UPDATE", "openId": open_id, "params": {"pid": "7"}}
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
    assert "/cj/<CJREC_RECEIVER_TOKEN>" in out
