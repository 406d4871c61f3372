"""The rate limiter paces request starts, backs off on 429 and recovers, without real sleeping."""

from __future__ import annotations

import itertools
import random
import threading

from reconciler.adapters.rate_limiter import (
    DEFAULT_MARGIN,
    LONE_429_S,
    MARGIN_RELAX_S,
    MAX_MARGIN,
    RateLimiter,
    RetryPolicy,
)
from tests.support.client_fakes import FakeClock


def test_starts_are_spaced_by_one_over_qps_plus_a_small_margin() -> None:
    clock = FakeClock()
    limiter = RateLimiter(qps=2, clock=clock)
    start = clock.monotonic()
    for _ in range(11):
        limiter.acquire()
    elapsed = clock.monotonic() - start
    assert 5.0 <= elapsed <= 5.0 * 1.05


def test_first_request_does_not_wait() -> None:
    limiter = RateLimiter(qps=1, clock=FakeClock())
    assert limiter.acquire() == 0


def test_a_limiter_that_assumes_a_recent_call_paces_its_first_request_too() -> None:
    # plan then apply: two processes back to back, the second blind to the first one's last call
    clock = FakeClock()
    previous = RateLimiter(qps=1, clock=clock)
    starts = []
    for _ in range(3):
        previous.acquire()
        starts.append(clock.monotonic())
    clock.advance(0.4)  # the next process starts up
    following = RateLimiter(qps=1, clock=clock, assume_recent_call=True)
    for _ in range(3):
        following.acquire()
        starts.append(clock.monotonic())
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(starts))


def test_a_lone_429_pushes_the_next_start_back_and_widens_the_margin_instead_of_halving() -> None:
    # CJ counts its window on its own clock: a client at the limit sometimes trips it
    clock = FakeClock()
    limiter = RateLimiter(qps=2, clock=clock)
    assert abs(limiter.rate - 2 / (1 + DEFAULT_MARGIN)) < 1e-9
    limiter.acquire()
    clock.advance(0.2)
    limiter.penalize()
    assert abs(limiter.rate - 2 / (1 + 2 * DEFAULT_MARGIN)) < 1e-9 and limiter.forgiven == 1
    assert limiter.acquire() >= 1 / limiter.rate - 1e-9  # one whole interval after the 429, not after the last start
    for _ in range(10):  # lone again each time: the last one is long past
        clock.advance(LONE_429_S + 1)
        limiter.penalize()
    assert abs(limiter.rate - 2 / (1 + MAX_MARGIN)) < 1e-9 and limiter.forgiven == 11
    clock.advance(MARGIN_RELAX_S)  # a clean minute: one step narrower
    limiter.acquire()
    assert abs(limiter.rate - 2 / (1 + MAX_MARGIN - DEFAULT_MARGIN)) < 1e-9
    clock.advance(10 * MARGIN_RELAX_S)
    limiter.acquire()
    clock.advance(10 * MARGIN_RELAX_S)
    limiter.acquire()
    for _ in range(5):
        clock.advance(MARGIN_RELAX_S)
        limiter.acquire()
    assert abs(limiter.rate - 2 / (1 + DEFAULT_MARGIN)) < 1e-9  # back to the margin it started with


def test_a_429_soon_after_another_halves_the_rate_and_it_recovers_additively() -> None:
    clock = FakeClock()
    limiter = RateLimiter(qps=4, clock=clock)
    limiter.penalize()  # lone: the margin widens, the pace stays
    full = limiter.rate
    assert abs(full - 4 / (1 + 2 * DEFAULT_MARGIN)) < 1e-9
    clock.advance(LONE_429_S - 1)
    limiter.penalize()
    assert abs(limiter.rate - full / 2) < 1e-9
    limiter.penalize()
    limiter.penalize()
    limiter.penalize()
    assert limiter.rate >= 4 * 0.25  # never below the floor
    assert abs(limiter.rate - 1.0) < 1e-9  # at the floor (a quarter of qps)
    assert limiter.penalties == 5 and limiter.forgiven == 1
    clock.advance(5)
    limiter.acquire()
    assert abs(limiter.rate - 2.0) < 1e-9  # part-way: 5 s at 0.2 requests/s per s (5% of qps)
    clock.advance(5)
    limiter.acquire()
    assert abs(limiter.rate - 3.0) < 1e-9
    clock.advance(60)
    limiter.acquire()
    assert abs(limiter.rate - 4 / (1 + DEFAULT_MARGIN)) < 1e-9  # all the way, the lone 429's margin relaxed too


def test_concurrent_threads_share_one_schedule() -> None:
    clock = FakeClock()
    lock = threading.Lock()
    limiter = RateLimiter(qps=5, clock=clock)
    waits: list[float] = []

    def work() -> None:
        for _ in range(10):
            w = limiter.acquire()
            with lock:
                waits.append(w)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(waits) == 40
    # 40 reservations at 5/s need about 39 intervals of 0.2 s in all
    assert clock.monotonic() - 1000.0 >= 39 * 0.2


def test_backoff_is_full_jitter_capped() -> None:
    policy = RetryPolicy(base_s=0.5, cap_s=4.0)
    rng = random.Random(1)
    for attempt in range(1, 12):
        delays = []
        for _ in range(50):
            delay = policy.backoff(attempt, rng)
            assert 0 <= delay <= min(4.0, 0.5 * 2 ** (attempt - 1))
            delays.append(delay)
        # full jitter: spread over the whole range, not a fixed or a shrunken delay
        bound = min(4.0, 0.5 * 2 ** (attempt - 1))
        assert len(set(delays)) == 50
        assert min(delays) < 0.15 * bound and max(delays) > 0.85 * bound
        assert 0.35 * bound < sum(delays) / len(delays) < 0.65 * bound
