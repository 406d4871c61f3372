"""S3 for tests: a real ``moto_server`` on loopback, one bucket per test, and a fault proxy.

``MotoServer`` runs moto's S3 HTTP API as a child process on a free 127.0.0.1 port (the
session fixture ``moto`` in tests/conftest.py starts one per test process). ``S3Bucket``
is one test's bucket; the secret watch scans every object written to it.
``FaultProxy`` sits between cjrec and moto and, on a script, answers 503 SlowDown, 409
ConditionalRequestConflict or 403, or drops the connection before or after forwarding —
the answers moto itself never sends.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3

DUMMY_KEYS = {"AWS_ACCESS_KEY_ID": "testing-key-id", "AWS_SECRET_ACCESS_KEY": "testing-secret"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MotoServer:
    """``python -m moto.server`` on 127.0.0.1."""

    def __init__(self, *, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.05)

    def client(self, **keys: str) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=keys.get("key_id", DUMMY_KEYS["AWS_ACCESS_KEY_ID"]),
            aws_secret_access_key=keys.get("secret", DUMMY_KEYS["AWS_SECRET_ACCESS_KEY"]),
        )

    def stop(self) -> None:
        self._proc.kill()
        self._proc.wait()


@dataclass
class S3Bucket:
    """One test's bucket on the moto server."""

    server: MotoServer
    name: str
    client: Any

    @property
    def env(self) -> dict[str, str]:
        """The AWS environment that points cjrec at this server."""
        return {
            **DUMMY_KEYS,
            "AWS_ENDPOINT_URL_S3": self.server.url,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",  # never ask 169.254.169.254 for credentials: only loopback
        }

    def url(self, prefix: str = "cjrec/") -> str:
        return f"s3://{self.name}/{prefix}"

    def key_names(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))

    def get(self, key: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.name, Key=key)["Body"].read())

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=data)

    def objects(self) -> Iterator[tuple[str, bytes]]:
        for key in self.key_names():
            yield f"s3://{self.name}/{key}", self.get(key)


def new_bucket(server: MotoServer) -> S3Bucket:
    client = server.client()
    name = f"cjrec-test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return S3Bucket(server=server, name=name, client=client)


# -- the fault proxy -------------------------------------------------------------------------
ERROR_XML = (
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>'
    "<RequestId>fault-proxy</RequestId></Error>"
)


@dataclass
class Fault:
    """What to do with one matching request: answer ``status``/``code``, or ``drop`` it ("before"/"after" forwarding)."""

    method: str | None = None  # GET, PUT, DELETE, HEAD; None: any
    key_suffix: str = ""
    status: int = 0
    code: str = ""
    drop: str = ""


@dataclass
class FaultProxy:
    """A loopback HTTP proxy to moto that applies queued faults to the requests they match."""

    upstream: str
    faults: list[Fault] = field(default_factory=list)
    seen: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, what happened)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return None

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = proxy._take(self.command, self.path)
                if fault is not None and fault.status:
                    proxy._note(self.command, self.path, f"{fault.status} {fault.code}")
                    payload = ERROR_XML.format(code=fault.code, message="injected by the test").encode()
                    self.send_response(fault.status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                    return
                if fault is not None and fault.drop == "before":
                    proxy._note(self.command, self.path, "dropped before forwarding")
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                status, headers, answer = proxy._forward(self.command, self.path, self.headers, body)
                if fault is not None and fault.drop == "after":
                    proxy._note(self.command, self.path, f"dropped after forwarding ({status})")
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                proxy._note(self.command, self.path, str(status))
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer)

            do_GET = do_PUT = do_DELETE = do_HEAD = do_POST = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def add(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def _take(self, method: str, path: str) -> Fault | None:
        key = path.split("?", 1)[0]
        with self.lock:
            for i, fault in enumerate(self.faults):
                if (fault.method in (None, method)) and key.endswith(fault.key_suffix):
                    return self.faults.pop(i)
        return None

    def _note(self, method: str, path: str, what: str) -> None:
        with self.lock:
            self.seen.append((method, path, what))

    def _forward(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        host = self.upstream.split("://", 1)[1]
        conn = http.client.HTTPConnection(host, timeout=30)
        try:
            conn.request(method, path, body=body or None, headers=dict(headers.items()))
            answer = conn.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            conn.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._server.shutdown()
            self._server.server_close()
