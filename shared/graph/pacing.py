"""Client-side pacing for Graph's invitation limit: 150 requests per 5 seconds per tenant.

A sliding window, not a token bucket: a bucket that refills continuously lets 150 + 30/s through
in the first seconds, which a sliding-window service limit answers with 429s. An operation counts
from the moment it is reserved until ``window`` seconds after it completed, so the client's view is
never more generous than the server's, whatever the latency. One limiter per worker process; other
workers and other apps share the tenant's budget, so 429s remain possible and are retried.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

INVITATION_LIMIT = 150
INVITATION_WINDOW_S = 5.0


def window_filling_sizes(limit: int, largest: int) -> tuple[int, ...]:
    """Batch sizes, repeated in this order, whose sums fill each window exactly: as many batches of
    ``largest`` as fit in ``limit``, then one of the remainder.

    A paced batch reserves all its items at once, so batches of ``largest`` alone would leave
    ``limit % largest`` slots of every window unused and need more windows for the same work.
    tests/shared/graph/test_pacing.py checks the figures for Graph's invitation limit.
    """
    if limit < 1 or largest < 1:
        raise ValueError("limit and largest must be positive")
    whole, rest = divmod(limit, largest)
    return (largest,) * whole + ((rest,) if rest else ())


class SlidingWindowLimiter:
    def __init__(
        self,
        limit: int = INVITATION_LIMIT,
        window: float = INVITATION_WINDOW_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._in_flight = 0
        self._completed: deque[float] = deque()
        self.waited = 0.0  # total seconds spent waiting, for logs and tests

    def _used(self) -> int:
        cutoff = self._clock() - self.window
        while self._completed and self._completed[0] <= cutoff:
            self._completed.popleft()
        return self._in_flight + len(self._completed)

    async def acquire(self, n: int) -> None:
        if not 0 < n <= self.limit:
            raise ValueError(f"cannot reserve {n} of {self.limit}")
        while self._used() + n > self.limit:
            # when everything counted is still in flight, poll for completions
            delay = self._completed[0] + self.window - self._clock() if self._completed else 0.05
            delay = max(delay, 0.01)
            self.waited += delay
            await self._sleep(delay)
        self._in_flight += n

    def release(self, n: int) -> None:
        self._in_flight -= n
        self._completed.extend([self._clock()] * n)

    @asynccontextmanager
    async def reserve(self, n: int) -> AsyncIterator[None]:
        """Hold ``n`` slots for the duration of a request (and ``window`` seconds after it)."""
        await self.acquire(n)
        try:
            yield
        finally:
            self.release(n)
