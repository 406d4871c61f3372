"""A small bounded worker pool that stops taking new work when told to.

Used to run product detail queries (observe) and addToMyProduct calls (apply) several at
a time, so that network latency does not lower the rate below the account's limit; the
rate itself is enforced by the client's limiter. When ``stop`` is set (Ctrl-C, a fatal
error) no new item is started; items already running finish.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

MAX_WORKERS = 16


def worker_count(qps: float, items: int) -> int:
    """Enough workers to keep about two seconds of calls in flight, within bounds."""
    wanted = int(qps * 2) + 2
    return max(1, min(MAX_WORKERS, wanted, items))


def run_bounded(items: Iterable[T], work: Callable[[T], None], *, workers: int, stop: threading.Event) -> None:
    """Call ``work(item)`` for each item on ``workers`` threads until done or ``stop`` is set.

    ``work`` must not raise (it records its own outcome). The calling thread waits in
    short joins, so a KeyboardInterrupt reaches it; it then sets ``stop``, waits for the
    running items and re-raises.
    """
    iterator = iter(items)
    lock = threading.Lock()

    def loop() -> None:
        while not stop.is_set():
            with lock:
                item = next(iterator, _END)
            if item is _END:
                return
            work(item)  # type: ignore[arg-type]

    threads = [threading.Thread(target=loop, name=f"cjrec-worker-{i}", daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.1)
    except BaseException:
        stop.set()
        for thread in threads:
            thread.join()
        raise


_END = object()
