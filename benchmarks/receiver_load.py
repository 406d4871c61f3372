"""The receiver under load, killed, and fed duplicates: ``python -m benchmarks.receiver_load``.

A real ``uvicorn`` child process serves the receiver on 127.0.0.1 with the event log in a
temporary state folder; an asyncio client on keep-alive connections sends signed messages in
CJ's shape at a fixed rate and times each one from the first byte sent to the ``200``.

- **burst**: ``--rate`` messages a second for ``--seconds`` (the issue's 500/s for 10 s), p50/p99/max time-to-200;
- **kill**: the same burst with the child killed (SIGKILL) half way: every message that got a 200 must be in the log;
- **duplicates**: ``--duplicates`` deliveries of one messageId: stored once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from reconciler.adapters.event_log import LocalEventLog
from reconciler.receiver.app import signature

TOKEN = "bench_" + "x" * 30
OPEN_ID = "1234567890123456789"
CHILD = """
import sys
from pathlib import Path
from reconciler.adapters.clock import SystemClock
from reconciler.adapters.event_log import LocalEventLog
from reconciler.models.secret import Secret
from reconciler.receiver.app import ReceiverApp
from reconciler.receiver.server import make_server
app = ReceiverApp(token=Secret(sys.argv[2]), open_id=Secret(sys.argv[3]), events=LocalEventLog(Path(sys.argv[1])),
                  clock=SystemClock())
make_server(app, host="127.0.0.1", port=int(sys.argv[4])).run()
"""


@dataclass
class Sent:
    message_id: str
    status: int  # 0: no answer (connection closed or refused)
    seconds: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_child(state_dir: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(state_dir), TOKEN, OPEN_ID, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise RuntimeError("the receiver did not start")


def message(message_id: str) -> bytes:
    body = {
        "messageId": message_id,
        "type": "PRODUCT",
        "messageType": "UPDATE",
        "openId": OPEN_ID,
        "params": {"pid": str(10**18 + hash(message_id) % 1000), "productSellPrice": "9.99", "fields": ["productSellPrice"]},
    }
    return json.dumps(body).encode()


def request(body: bytes) -> bytes:
    head = (
        f"POST /cj/{TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"sign: {signature(body, OPEN_ID)}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _one(port: int, ids: asyncio.Queue[str | None], out: list[Sent], pace: list[float]) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while True:
        message_id = await ids.get()
        if message_id is None:
            break
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            writer.write(request(message(message_id)))
            await writer.drain()
            status_line = await asyncio.wait_for(reader.readline(), 5)
            headers = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            length = next(
                int(line.split(b":")[1]) for line in headers.split(b"\r\n") if line.lower().startswith(b"content-length")
            )
            await reader.readexactly(length)
            status = int(status_line.split()[1])
        except (TimeoutError, OSError, asyncio.IncompleteReadError, IndexError, ValueError, StopIteration):
            status = 0
            writer = None
        out.append(Sent(message_id, status, time.perf_counter() - started))
    if writer is not None:
        writer.close()


async def _burst(port: int, ids: list[str], rate: float, connections: int) -> list[Sent]:
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    out: list[Sent] = []
    workers = [asyncio.create_task(_one(port, queue, out, [])) for _ in range(connections)]
    start = time.perf_counter()
    for index, message_id in enumerate(ids):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait(message_id)
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return out


def burst(port: int, ids: list[str], *, rate: float, connections: int = 32) -> list[Sent]:
    return asyncio.run(_burst(port, ids, rate, connections))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def run_burst(rate: float, seconds: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        child = start_child(Path(folder), port)
        try:
            ids = [f"b-{i}" for i in range(int(rate * seconds))]
            started = time.perf_counter()
            sent = burst(port, ids, rate=rate)
            elapsed = time.perf_counter() - started
        finally:
            child.terminate()
            child.wait(10)
        ok = [s.seconds for s in sent if s.status == 200]
        stored = len(LocalEventLog(Path(folder)).pending())
    return {
        "messages": len(ids),
        "rate": rate,
        "seconds": round(elapsed, 2),
        "answered_200": len(ok),
        "stored": stored,
        "p50_ms": round(percentile(ok, 50) * 1000, 1),
        "p99_ms": round(percentile(ok, 99) * 1000, 1),
        "max_ms": round(max(ok) * 1000, 1) if ok else None,
    }


def run_kill(rate: float, seconds: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        child = start_child(Path(folder), port)
        ids = [f"k-{i}" for i in range(int(rate * seconds))]
        killer_at = seconds / 2

        async def kill_later() -> None:
            await asyncio.sleep(killer_at)
            os.kill(child.pid, signal.SIGKILL)

        async def both() -> list[Sent]:
            killer = asyncio.create_task(kill_later())
            sent = await _burst(port, ids, rate, 32)
            await killer
            return sent

        sent = asyncio.run(both())
        child.wait(10)
        acknowledged = {s.message_id for s in sent if s.status == 200}
        stored = {m.message_id for m in LocalEventLog(Path(folder)).pending()}
        leftovers = [p.name for p in (Path(folder) / "events").glob("*.json") if p.stat().st_size == 0]
    return {
        "messages": len(ids),
        "answered_200_before_the_kill": len(acknowledged),
        "lost_after_200": len(acknowledged - stored),
        "stored_without_200": len(stored - acknowledged),
        "torn_records": len(leftovers),
    }


def run_duplicates(count: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        child = start_child(Path(folder), port)
        try:
            sent = burst(port, ["same-id"] * count, rate=2000, connections=32)
        finally:
            child.terminate()
            child.wait(10)
        records = list((Path(folder) / "events").glob("*.json"))
    return {"deliveries": count, "answered_200": sum(1 for s in sent if s.status == 200), "records": len(records)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--duplicates", type=int, default=10_000)
    args = parser.parse_args(argv)
    print(json.dumps({"burst": run_burst(args.rate, args.seconds)}))
    print(json.dumps({"kill": run_kill(args.rate, args.seconds)}))
    print(json.dumps({"duplicates": run_duplicates(args.duplicates)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
