"""Timer trigger: fire on the schedule, one invocation at a time, as the host's ``TimerListener``.

Occurrences are computed in UTC, or in ``WEBSITE_TIME_ZONE`` when it names an IANA zone (the
Linux plans' setting). The next occurrence is computed after each invocation finishes, so a run
longer than the interval skips occurrences instead of overlapping. ``past_due`` is true when an
occurrence was missed (the loop woke after the following occurrence was already due); devhost keeps
no schedule monitor across restarts, so ``useMonitor`` has no further effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from azure.functions.timer import TimerRequest

from devhost.ncrontab import Schedule

log = logging.getLogger("devhost")

TimerHandler = Callable[[TimerRequest], Awaitable[object]]
Clock = Callable[[], datetime]


def schedule_zone(name: str | None) -> tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("WEBSITE_TIME_ZONE '%s' is not an IANA time zone; timers use UTC", name)
        return UTC


def timer_request(*, past_due: bool, last: datetime | None, next_: datetime) -> TimerRequest:
    """The payload the host sends (``IsPastDue``, ``ScheduleStatus``, ``Schedule``)."""
    now = datetime.now(UTC)
    status = {
        "Last": (last or datetime.min.replace(tzinfo=UTC)).isoformat(),
        "Next": next_.isoformat(),
        "LastUpdated": now.isoformat(),
    }
    return TimerRequest(past_due=past_due, schedule_status=status, schedule={"AdjustForDST": True})


class TimerRunner:
    def __init__(
        self,
        *,
        function_name: str,
        schedule: Schedule,
        run_on_startup: bool,
        handler: TimerHandler,
        zone: tzinfo = UTC,
        clock: Clock | None = None,
    ) -> None:
        self.function_name = function_name
        self.schedule = schedule
        self._run_on_startup = run_on_startup
        self._handler = handler
        self._zone = zone
        self._clock = clock or (lambda: datetime.now(self._zone))
        self._task: asyncio.Task[None] | None = None
        self._running: asyncio.Future[object] | None = None

    def next_occurrence(self) -> datetime:
        return self.schedule.next_after(self._clock())

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"devhost-timer-{self.function_name}")

    async def stop(self) -> None:
        """Stop scheduling; an invocation in progress runs to completion."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._running is not None and not self._running.done():
            await asyncio.wait({self._running})

    async def _fire(self, request: TimerRequest) -> None:
        self._running = asyncio.ensure_future(self._handler(request))
        await asyncio.shield(self._running)

    async def _sleep_until(self, due: datetime) -> None:
        remaining = (due - self._clock()).total_seconds()
        while remaining > 0:  # the event loop's clock may wake us a little early
            await asyncio.sleep(remaining)
            remaining = (due - self._clock()).total_seconds()

    async def _loop(self) -> None:
        last: datetime | None = None
        if self._run_on_startup:
            await self._fire(timer_request(past_due=False, last=None, next_=self.next_occurrence()))
        while True:
            due = self.next_occurrence()
            await self._sleep_until(due)
            following = self.schedule.next_after(due)
            past_due = self._clock() >= following
            await self._fire(timer_request(past_due=past_due, last=last, next_=following))
            last = due
