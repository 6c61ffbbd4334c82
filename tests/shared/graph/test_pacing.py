"""The invitation pacer: a sliding window that counts requests until ``window`` after they finish."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from shared.graph.pacing import SlidingWindowLimiter, window_filling_sizes


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_never_more_than_limit_in_any_window() -> None:
    fake = FakeTime()
    limiter = SlidingWindowLimiter(150, 5.0, clock=fake.clock, sleep=fake.sleep)
    sent: list[float] = []
    for _ in range(20):  # 400 invitations in batches of 20
        async with limiter.reserve(20):
            sent.extend([fake.now] * 20)
    for t in sent:
        assert sum(1 for s in sent if t - 5.0 < s <= t) <= 150
    assert fake.now >= 10.0  # 400 at 150 per 5 s needs at least two more windows


async def test_in_flight_requests_count_until_window_after_completion() -> None:
    fake = FakeTime()
    limiter = SlidingWindowLimiter(2, 1.0, clock=fake.clock, sleep=fake.sleep)
    await limiter.acquire(2)
    fake.now = 3.0  # a slow request: still counted while in flight
    waiter = asyncio.create_task(limiter.acquire(1))
    await asyncio.sleep(0)
    assert not waiter.done()
    limiter.release(2)
    await waiter
    assert fake.now >= 4.0  # released at 3.0, counted until 4.0


def test_reservations_larger_than_the_limit_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot reserve"):
        asyncio.run(SlidingWindowLimiter(10, 1.0).acquire(11))


@pytest.mark.parametrize(
    ("limit", "largest", "sizes"),
    [(150, 20, (20,) * 7 + (10,)), (40, 20, (20, 20)), (7, 20, (7,)), (13, 10, (10, 3))],
)
def test_paced_batch_sizes_sum_to_the_limit(limit: int, largest: int, sizes: tuple[int, ...]) -> None:
    assert window_filling_sizes(limit, largest) == sizes
    assert sum(sizes) == limit


async def test_window_filling_batches_fill_every_window() -> None:
    """1,000 invitations at 150 per 5 s: 7 x 20 + 10 per window needs 7 windows (30 s); 20s alone need 8."""
    for pattern, last_window, requests in (((20,) * 7 + (10,), 30.0, 53), ((20,), 35.0, 50)):
        fake = FakeTime()
        limiter = SlidingWindowLimiter(150, 5.0, clock=fake.clock, sleep=fake.sleep)
        sent, count = 0, 0
        for size in itertools.cycle(pattern):
            if sent >= 1000:
                break
            async with limiter.reserve(min(size, 1000 - sent)):
                pass
            sent, count = sent + size, count + 1
        assert fake.now == pytest.approx(last_window)
        assert count == requests
