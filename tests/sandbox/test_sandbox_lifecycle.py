"""Starting and stopping: loopback only, a free port, foreground serving, nothing answered after stop."""

from __future__ import annotations

import http.client
import threading
import urllib.request

import pytest

from reconciler.sandbox import Sandbox, SandboxConfig


def test_urls_name_the_bound_loopback_port() -> None:
    with Sandbox(SandboxConfig(products=3)) as sandbox:
        assert sandbox.base_url == f"http://127.0.0.1:{sandbox.port}/api2.0/v1"
        assert sandbox.admin_url == f"http://127.0.0.1:{sandbox.port}/__sandbox"
        with urllib.request.urlopen(sandbox.admin_url + "/state", timeout=5) as answer:
            assert answer.status == 200


def test_serve_forever_serves_in_the_foreground_until_stopped() -> None:
    sandbox = Sandbox(SandboxConfig(products=3))
    url = sandbox.admin_url
    thread = threading.Thread(target=sandbox.serve_forever)
    thread.start()
    try:
        with urllib.request.urlopen(url + "/state", timeout=5) as answer:
            assert answer.status == 200
    finally:
        sandbox.stop()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_a_kept_alive_connection_gets_no_answer_after_stop() -> None:
    sandbox = Sandbox(SandboxConfig(products=3)).start()
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=5)
    conn.request("GET", "/__sandbox/state")
    assert conn.getresponse().read()
    sandbox.stop()

    def ask_again() -> bytes:
        conn.request("GET", "/__sandbox/state")
        return conn.getresponse().read()

    with pytest.raises((http.client.HTTPException, OSError)):
        ask_again()
    conn.close()
    with pytest.raises(RuntimeError):
        sandbox.start()


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="qps"):
        SandboxConfig(qps=0)
