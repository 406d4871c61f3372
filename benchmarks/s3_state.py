"""Benchmark 5: state on S3-compatible storage (moto_server on loopback).

(a) the time of one state checkpoint — the conditional PUT apply makes after every add —
for states of several sizes, against the same write to a local folder; (b) apply
utilisation at qps 4 with the state in the bucket, measured like §1 (the adds' rate from
the sandbox's call log ÷ qps), which must stay ≥ 0.95 as with local state; (c) loading a
10,000-product state from the bucket: in-process ``load()`` and ``cjrec state list`` from
outside, against the same state in a folder.

moto answers from memory on loopback, so (a) and (c) measure cjrec's side (rendering,
signing, HTTP, parsing), not a real service's latency; a real bucket adds its round trip
(typically 10–50 ms within a region) to every checkpoint, which is why (b) matters.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3

from benchmarks.process import Summary
from benchmarks.throughput import Row, run_row
from benchmarks.workspace import AgeKey, Workspace, numeric_pids, recorded_product
from reconciler.adapters.clock import SystemClock
from reconciler.adapters.s3_state import S3StateStore
from reconciler.adapters.state_store import LocalStateStore, StateStore
from reconciler.kinds.product.record import with_product, without_product
from reconciler.models.state import SyncState
from reconciler.models.state_location import parse_s3_url

CHECKPOINT_SIZES = (10, 1_000, 10_000)
LOAD_SIZE = 10_000
KEYS = {"AWS_ACCESS_KEY_ID": "bench-key-id", "AWS_SECRET_ACCESS_KEY": "bench-secret", "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass(frozen=True)
class Checkpoint:
    """Median seconds of one state write of ``products`` products, to the bucket and to a folder."""

    products: int
    s3_s: float
    local_s: float
    writes: int


@dataclass(frozen=True)
class Load:
    """Loading a state of ``products`` products."""

    products: int
    s3_load_s: float
    local_load_s: float
    s3_list: Summary
    local_list: Summary


@dataclass(frozen=True)
class S3Results:
    checkpoints: list[Checkpoint]
    apply: Row
    load: Load
    slow_apply: Row | None = None  # the same apply with every S3 request delayed (a bucket a round trip away)
    slow_ms: float = 0.0


class SlowProxy:
    """An HTTP proxy to moto that holds every request ``delay_ms`` before forwarding it (a distant bucket)."""

    def __init__(self, upstream: str, delay_ms: float) -> None:
        host = upstream.split("://", 1)[1]
        delay = delay_ms / 1000

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return None

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                time.sleep(delay)
                conn = http.client.HTTPConnection(host, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body or None, headers=dict(self.headers.items()))
                    answer = conn.getresponse()
                    status, headers, data = answer.status, answer.getheaders(), answer.read()
                finally:
                    conn.close()
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_DELETE = do_HEAD = do_POST = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Moto:
    """``python -m moto.server`` on a free loopback port."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.05)

    def env(self) -> dict[str, str]:
        return {**KEYS, "AWS_ENDPOINT_URL_S3": self.url}

    def bucket(self) -> str:
        name = f"cjrec-bench-{uuid.uuid4().hex[:10]}"
        boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
        ).create_bucket(Bucket=name)
        return name

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def _state(products: int) -> SyncState:
    records = [recorded_product(pid, i) for i, pid in enumerate(numeric_pids(products))]
    return SyncState(lineage=str(uuid.uuid4()), serial=1, products={r.pid: r for r in records})


def _time_writes(store: StateStore, state: SyncState, writes: int) -> float:
    """Median seconds per write; each write changes one record, as an apply's checkpoint does."""
    store.load()
    current = store.write(state, previous=None)
    pids = list(state.products)
    times = []
    for i in range(writes):
        changed = (
            without_product(current, pids[i % len(pids)])
            if i % 2 == 0
            else with_product(current, state.products[pids[(i - 1) % len(pids)]])
        )
        started = time.perf_counter()
        current = store.write(changed, previous=current)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _time_load(store: StateStore, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        store.load()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(
    root: Path,
    *,
    key: AgeKey,
    sizes: tuple[int, ...] = CHECKPOINT_SIZES,
    writes: int = 20,
    load_size: int = LOAD_SIZE,
    runs: int = 5,
    qps: float = 4.0,
    latency_ms: float = 20.0,
    seconds: float = 30.0,
    slow_ms: float = 50.0,
) -> S3Results:
    saved = {k: os.environ.get(k) for k in (*KEYS, "AWS_ENDPOINT_URL_S3")}
    moto = Moto()  # one server per phase: moto holding the big states of (a) would slow (b) down on 2 cores
    try:
        row = run_row(
            root / "s3-apply",
            key,
            qps=qps,
            latency_ms=latency_ms,
            seconds=seconds,
            reference_products=1,
            reference_pause_s=0.05,
            extra_env={**moto.env(), "CJREC_STATE_DIR": f"s3://{moto.bucket()}/apply"},
        )
        slow_row = None
        if slow_ms > 0:
            proxy = SlowProxy(moto.url, slow_ms)
            try:
                slow_row = run_row(
                    root / "s3-apply-slow",
                    key,
                    qps=qps,
                    latency_ms=latency_ms,
                    seconds=seconds,
                    reference_products=1,
                    reference_pause_s=0.05,
                    extra_env={
                        **moto.env(),
                        "AWS_ENDPOINT_URL_S3": proxy.url,
                        "CJREC_STATE_DIR": f"s3://{moto.bucket()}/apply-slow",
                    },
                )
            finally:
                proxy.stop()
        moto.stop()

        moto = Moto()
        os.environ.update(moto.env())
        clock = SystemClock()
        checkpoints = []
        for size in sizes:
            state = _state(size)
            s3 = S3StateStore(parse_s3_url(f"s3://{moto.bucket()}/bench"), clock=clock)
            with tempfile.TemporaryDirectory(dir=root) as folder:
                local = LocalStateStore(Path(folder))
                checkpoints.append(
                    Checkpoint(size, _time_writes(s3, state, writes), _time_writes(local, state, writes), writes)
                )
        moto.stop()

        moto = Moto()
        os.environ.update(moto.env())
        big = _state(load_size)
        bucket = moto.bucket()
        s3 = S3StateStore(parse_s3_url(f"s3://{bucket}/big"), clock=clock)
        s3.load()
        s3.write(big, previous=None)
        ws = Workspace.create(root / "s3-load", key=key)
        local = LocalStateStore(ws.root / "state")
        local.write(big, previous=None)
        s3_list = [
            ws.cjrec("--state-dir", f"s3://{bucket}/big", "state", "list", extra_env=moto.env())
            for _ in range(runs + 1)
        ][1:]
        local_list = [ws.cjrec("state", "list") for _ in range(runs + 1)][1:]
        load = Load(
            products=load_size,
            s3_load_s=_time_load(S3StateStore(parse_s3_url(f"s3://{bucket}/big"), clock=clock), runs),
            local_load_s=_time_load(local, runs),
            s3_list=Summary.of(s3_list),
            local_list=Summary.of(local_list),
        )
        return S3Results(checkpoints=checkpoints, apply=row, load=load, slow_apply=slow_row, slow_ms=slow_ms)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        moto.stop()
